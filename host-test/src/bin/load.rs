//! The load figures: N actions at once through one host (pooling
//! allocator) against the mock, in rounds; prints throughput, failures and
//! the process's peak RSS.
//!
//! `cargo run --release -p pinterest-host-test --bin load -- [ACTIONS] [ROUNDS]`
//! (defaults 500 and 10).

use pinterest_connector_host::wasmtime::component::Component;
use pinterest_connector_host::{CallLimits, ConnectorHost, HostConfig};
use pinterest_host_test::{MockConfig, MockPinterest, component, load, mock_policy};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let actions: usize = args.next().map_or(Ok(500), |a| a.parse())?;
    let rounds: usize = args.next().map_or(Ok(10), |a| a.parse())?;
    let mock = MockPinterest::start(MockConfig::default()).await?;
    let limits = CallLimits::default();
    let engine =
        ConnectorHost::pooled_engine(u32::try_from(actions)? + 16, limits.max_memory_bytes)?;
    let wasm = std::fs::read(component::built_component()?)?;
    let compiled = Component::new(&engine, &wasm)?;
    let host = ConnectorHost::from_component(
        engine,
        compiled,
        HostConfig {
            network: mock_policy(&mock)?,
            limits,
            ..HostConfig::default()
        },
    )?;
    let rss_before = load::peak_rss_bytes().unwrap_or_default();
    println!("{actions} concurrent actions per round, {rounds} rounds (pooling allocator)");
    let mut rates = Vec::new();
    let mut failures = 0;
    for round in 0..rounds {
        let report = load::run(&host, &mock, actions).await;
        failures += report.failures;
        rates.push(report.throughput());
        println!(
            "round {round}: {:.0} actions/s, {} failures{}, peak RSS {:.1} MiB",
            report.throughput(),
            report.failures,
            report
                .first_failure
                .map(|f| format!(" (first: {f})"))
                .unwrap_or_default(),
            load::peak_rss_bytes().unwrap_or_default() as f64 / 1048576.0
        );
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "median {:.0} actions/s (min {:.0}, max {:.0}); {failures} failures in {} actions; \
         peak RSS {:.1} MiB (after compiling: {:.1} MiB)",
        rates[rates.len() / 2],
        rates[0],
        rates[rates.len() - 1],
        actions * rounds,
        load::peak_rss_bytes().unwrap_or_default() as f64 / 1048576.0,
        rss_before as f64 / 1048576.0
    );
    Ok(())
}
