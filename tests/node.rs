//! The same `.wasm` in Node.js: jco transpiles the freshly built component
//! and `node --test` runs `tests/node/connector.test.mjs` against the mock
//! Pinterest (verify-credentials, api-call with and without pagination,
//! raw-request, refresh, the catalog). The npm packages come from the lock
//! file in `tests/node`, installed by `npm ci` when they are missing.

use pinterest_host_test::component::built_component;
use pinterest_host_test::node::{mock_environment, node_test, transpile};
use pinterest_host_test::{Flavour, MockConfig, MockPinterest, assert_no_secrets};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connector_runs_in_node_through_jco() {
    let mock = MockPinterest::start(MockConfig::default())
        .await
        .expect("mock starts");
    let component = built_component().expect("component builds");
    transpile(&component, "connector").expect("jco transpiles the component");

    let output = node_test("connector.test.mjs", &mock_environment(&mock))
        .await
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "node --test failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(
        stdout.contains("ℹ pass 11"),
        "every Node test ran:\n{stdout}"
    );
    assert!(stdout.contains("ℹ fail 0"), "{stdout}");

    // The requests reached the mock through the component's wasi:http
    // import in Node, on both listeners.
    let requests = mock.requests();
    let to = |flavour: Flavour| requests.iter().filter(|r| r.flavour == flavour).count();
    assert!(to(Flavour::Production) >= 15, "{requests:#?}");
    assert_eq!(to(Flavour::Sandbox), 1);
    assert!(
        requests
            .iter()
            .any(|r| r.method == "POST" && r.path == "/v5/oauth/token"),
        "the expired token was refreshed at the token endpoint"
    );
    // Nothing the component wrote in Node names a secret.
    let mut secrets = mock.secrets();
    secrets.retain(|s| !s.is_empty());
    assert_no_secrets(&stderr, &secrets);
}
