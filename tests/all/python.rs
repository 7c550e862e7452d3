//! The Python package (`python/`) on wasmtime's Python binding: its sources
//! pass `mypy --strict`, its wheel is built around the freshly built
//! component and installed into a fresh environment, and pytest runs
//! `python/tests` from that environment against the mock Pinterest, which
//! the package reaches through the host-chosen API base (wasmtime-py has no
//! outgoing-request hook to reroute with).

use pinterest_host_test::component::built_component;
use pinterest_host_test::python::{build_wheel, install_wheel, mypy, pytest};
use pinterest_host_test::report_mock::{ReportPlay, report_csv};
use pinterest_host_test::{Flavour, MockConfig, MockPinterest};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_package_passes_its_tests_from_the_installed_wheel() {
    let component = built_component().expect("component builds");
    let typed = tokio::task::spawn_blocking(mypy).await.unwrap().unwrap();
    assert!(
        typed.status.success(),
        "mypy --strict: {}{}",
        String::from_utf8_lossy(&typed.stdout),
        String::from_utf8_lossy(&typed.stderr)
    );

    let wheel = tokio::task::spawn_blocking(move || build_wheel(&component))
        .await
        .unwrap()
        .expect("the wheel builds");
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(name, "pinterest_connector-0.1.0-py3-none-any.whl");
    let python = tokio::task::spawn_blocking(move || install_wheel(&wheel))
        .await
        .unwrap()
        .expect("the wheel installs into a fresh environment");

    // The jobs' hosts named on loopback, where the package's loopback API
    // base may reach them; a report of tens of MB for the streaming test.
    let report_bytes = 24 << 20;
    let mock = MockPinterest::start(MockConfig {
        job_hosts_on_loopback: true,
        reports: ReportPlay {
            bytes: report_bytes,
            ..ReportPlay::default()
        },
        ..MockConfig::default()
    })
    .await
    .expect("mock starts");
    let config = mock.config().clone();
    let report_sha256 = pinterest_connector_dist::sha256_hex(&report_csv(report_bytes));
    let env = vec![
        (
            "MOCK_PRODUCTION_BASE".to_owned(),
            format!("http://{}/v5", mock.production_addr),
        ),
        (
            "MOCK_SANDBOX_BASE".to_owned(),
            format!("http://{}/v5", mock.sandbox_addr),
        ),
        ("MOCK_ACCESS_TOKEN".to_owned(), config.access_token.clone()),
        (
            "MOCK_SANDBOX_TOKEN".to_owned(),
            config.sandbox_token.clone(),
        ),
        ("MOCK_CLIENT_ID".to_owned(), config.client_id.clone()),
        (
            "MOCK_CLIENT_SECRET".to_owned(),
            config.client_secret.clone(),
        ),
        (
            "MOCK_REFRESH_TOKEN".to_owned(),
            config.refresh_token.clone(),
        ),
        ("PINTEREST_CONNECTOR_FROM_WHEEL".to_owned(), "1".to_owned()),
        ("MOCK_BOARD_ID".to_owned(), MockPinterest::board_id(0)),
        ("MOCK_AD_ACCOUNT_ID".to_owned(), "549755885175".to_owned()),
        ("MOCK_REPORT_BYTES".to_owned(), report_bytes.to_string()),
        ("MOCK_REPORT_SHA256".to_owned(), report_sha256),
    ];
    let output = pytest(&python, env).await.expect("pytest runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "pytest failed:\n{report}");
    let summary = report
        .lines()
        .rev()
        .find(|line| line.contains(" passed"))
        .unwrap_or_default();
    assert!(
        summary.contains("27 passed") && !summary.contains("skipped"),
        "every test ran and passed:\n{report}"
    );

    // What reached the mock, seen from its side.
    let requests = mock.requests();
    let with_page_size = |size: &str| {
        requests
            .iter()
            .filter(|r| {
                r.path == "/v5/pins"
                    && r.query
                        .as_deref()
                        .is_some_and(|q| q.contains(&format!("page_size={size}")))
            })
            .count()
    };
    assert_eq!(
        with_page_size("7"),
        2,
        "a walk fetches only what the loop takes"
    );
    assert_eq!(with_page_size("9"), 3, "max_pages stops the walk");
    assert_eq!(with_page_size("200"), 5, "a walk of 1 000 in pages of 200");
    assert!(
        requests
            .iter()
            .any(|r| r.flavour == Flavour::Sandbox && r.path == "/v5/user_account")
    );
    assert!(
        requests
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/v5/oauth/token")
            .count()
            >= 3,
        "refreshes, a code exchange: {requests:#?}"
    );
    // No credential in a URL (a report's `token=` is Pinterest's id of the
    // report, not a credential: the secrets are the mock's own list).
    let secrets = mock.secrets();
    for request in &requests {
        let query = request.query.as_deref().unwrap_or_default();
        assert!(
            !secrets
                .iter()
                .any(|s| !s.is_empty() && query.contains(s.as_str()))
                && !query.contains("access_token")
                && !query.contains("refresh_token"),
            "no token in a URL: {request:?}"
        );
    }
}
