//! The connector as an MCP server, driven by a client nobody here wrote:
//! the official MCP Python SDK (`tests/python/mcp_client.py`, in a virtual
//! environment made from the pinned `tests/python/requirements.txt`),
//! against the stdio server (`pinterest-connector mcp`) and the edge
//! build's Streamable HTTP server under `jco serve`, both in front of the
//! mock, in read-only and full mode. Each prints the median time of one
//! tool call (`verify_credentials`).

use pinterest_host_test::component::built_component;
use pinterest_host_test::python::mcp_client;
use pinterest_host_test::report_mock::REPORT_HOST;
use pinterest_host_test::{MockConfig, MockPinterest, assert_no_secrets};

use crate::node::serve_edge_with;

/// The checks the client script makes, in its order.
const CHECKS: [&str; 10] = [
    "initialize",
    "list_tools",
    "search",
    "describe",
    "paginated call capped by items",
    "write",
    "typed error",
    "invalid input refused before sending",
    "report",
    "verify_credentials",
];

fn environment(mock: &MockPinterest) -> Vec<(String, String)> {
    vec![
        ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
        ("MCP_PIN_ID".into(), MockPinterest::pin_id(7)),
    ]
    .into_iter()
    .chain(std::iter::once((
        "MCP_GATEWAY_TOKEN".into(),
        mock.config().access_token.clone(),
    )))
    .collect()
}

/// Runs the client and checks that every check passed; the median time of
/// one call, in seconds.
async fn drive(mock: &MockPinterest, args: Vec<String>, env: Vec<(String, String)>) -> f64 {
    let output = mcp_client(args.clone(), env)
        .await
        .expect("the client runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{args:?} failed:\n{stdout}\n{stderr}"
    );
    let passed: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("ok "))
        .collect();
    assert_eq!(passed.len(), CHECKS.len(), "{stdout}");
    for (check, expected) in passed.iter().zip(CHECKS) {
        assert!(
            check.starts_with(expected),
            "{check} where {expected} was due"
        );
    }
    let mut secrets = mock.secrets();
    secrets.retain(|s| !s.is_empty());
    assert_no_secrets(&stdout, &secrets);
    assert_no_secrets(&stderr, &secrets);
    let timing = stdout
        .lines()
        .find_map(|l| l.strip_prefix("timing "))
        .and_then(|t| t.split(' ').next()?.parse().ok())
        .expect("a timing line");
    eprintln!(
        "{args:?}: one verify_credentials call {:.2} ms",
        timing * 1e3
    );
    timing
}

async fn stdio(mode: &str) {
    let mock = MockPinterest::start(MockConfig::default()).await.unwrap();
    let component = built_component().expect("the component builds");
    let mut args = vec!["stdio".into(), mode.into(), "--".into()];
    args.push(env!("CARGO_BIN_EXE_pinterest-connector").into());
    args.extend([
        "--route".into(),
        format!("api.pinterest.com={}", mock.production_addr),
        "--route".into(),
        format!("{REPORT_HOST}={}", mock.download_addr),
        "mcp".into(),
    ]);
    if mode == "read-only" {
        args.push("--read-only".into());
    }
    let mut env = environment(&mock);
    env.push((
        "PINTEREST_CONNECTOR_WASM".into(),
        component.display().to_string(),
    ));
    env.push((
        "PINTEREST_ACCESS_TOKEN".into(),
        mock.config().access_token.clone(),
    ));
    // The server keeps its compiled component here, not in the user's cache.
    let cache = tempfile::tempdir().unwrap();
    env.push((
        "PINTEREST_CONNECTOR_CACHE".into(),
        cache.path().display().to_string(),
    ));
    drive(&mock, args, env).await;
    let deletes = mock
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .count();
    assert_eq!(
        deletes,
        usize::from(mode == "full"),
        "a DELETE only in full mode"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_drives_the_stdio_server_read_only() {
    stdio("read-only").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_drives_the_stdio_server_in_full_mode() {
    stdio("full").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_drives_the_edge_builds_http_server() {
    let (mock, served, log) = serve_edge_with("edge-mcp", MockConfig::default()).await;
    for (mode, path) in [("read-only", "/mcp/read-only"), ("full", "/mcp")] {
        let url = format!("http://{}{path}", served.addr);
        drive(
            &mock,
            vec!["http".into(), mode.into(), url],
            environment(&mock),
        )
        .await;
    }
    let deletes = mock
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .count();
    assert_eq!(deletes, 1, "one DELETE, from the full mode");
    let log = std::fs::read_to_string(log).unwrap_or_default();
    assert_no_secrets(&log, &mock.secrets());
}
