//! 500 actions at once through one host with the pooling allocator, against
//! the mock: none may fail. (Throughput and memory are measured by the
//! `load` bench binary, not asserted here.)

use pinterest_connector_host::wasmtime::component::Component;
use pinterest_connector_host::{CallLimits, ConnectorHost, HostConfig};
use pinterest_host_test::{MockConfig, MockPinterest, component, load, mock_policy};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_concurrent_actions_all_succeed() {
    let mock = MockPinterest::start(MockConfig::default()).await.unwrap();
    let limits = CallLimits::default();
    let engine = ConnectorHost::pooled_engine(600, limits.max_memory_bytes).unwrap();
    let wasm = std::fs::read(component::built_component().unwrap()).unwrap();
    let compiled = Component::new(&engine, &wasm).unwrap();
    let host = ConnectorHost::from_component(
        engine,
        compiled,
        HostConfig {
            network: mock_policy(&mock).unwrap(),
            limits,
            ..HostConfig::default()
        },
    )
    .unwrap();
    for round in 0..2 {
        let report = load::run(&host, &mock, 500).await;
        assert_eq!(
            report.failures, 0,
            "round {round}: {:?}",
            report.first_failure
        );
    }
    assert_eq!(mock.request_count(), 1000);
}
