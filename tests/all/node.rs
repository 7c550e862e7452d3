//! The components in hosts we do not write, from the npm packages of
//! `tests/node` (installed by `npm ci` from its lock file when missing):
//!
//! - jco transpiles the freshly built connector component and `node --test`
//!   runs `tests/node/connector.test.mjs` against the mock Pinterest
//!   (verify-credentials, api-call with and without pagination, raw-request,
//!   refresh, the catalog);
//! - `jco serve` serves the edge build (`wasi:http/proxy`) and the test
//!   drives it over HTTP;
//! - the jobs that span calls (a video pin, an ads report) both ways: the
//!   connector's `jobs` interface from `tests/node/jobs.test.mjs`, and the
//!   edge build's `/upload-media`, `/create-report` and `/download-report`;
//! - triggers both ways: `tests/node/triggers.test.mjs`, and the edge
//!   build's `/poll`.

use pinterest_host_test::component::{built_component, built_edge_component};
use std::path::PathBuf;

use pinterest_host_test::node::{
    JcoServe, exchange, exchange_bytes, mock_environment, node_test, project_dir, transpile,
};
use pinterest_host_test::report_mock::{ReportEncoding, report_csv};

use crate::jobs::reporting;
use pinterest_host_test::{Flavour, MockConfig, MockPinterest, assert_no_secrets};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connector_runs_in_node_through_jco() {
    let mock = MockPinterest::start(MockConfig::default())
        .await
        .expect("mock starts");
    let component = built_component().expect("component builds");
    transpile(&component, "connector").expect("jco transpiles the component");

    node_tests_pass("connector.test.mjs", &mock, &mock_environment(&mock), 11).await;

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
}

/// A mock and the freshly built edge component served by `jco serve`
/// (transpiled into `tests/node/build/NAME`, its output in
/// `tests/node/build/NAME.log`), routed to the mock.
async fn serve_edge(name: &str) -> (MockPinterest, JcoServe, PathBuf) {
    serve_edge_with(name, MockConfig::default()).await
}

/// [`serve_edge`] with a mock of `config`.
pub(crate) async fn serve_edge_with(
    name: &str,
    config: MockConfig,
) -> (MockPinterest, JcoServe, PathBuf) {
    let mock = MockPinterest::start(config).await.expect("mock starts");
    let component = built_edge_component().expect("the edge component builds");
    let log = project_dir().join("build").join(format!("{name}.log"));
    let served = JcoServe::start(&component, name, &mock_environment(&mock), &log)
        .await
        .expect("jco serve serves the edge component");
    (mock, served, log)
}

/// The edge build served by a third-party wasi:http runtime, `jco serve`,
/// driven over HTTP: every route, a streamed walk, errors with their
/// statuses, a refresh handed back; its log names no secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_edge_build_serves_the_actions_through_jco_serve() {
    let (mock, served, log) = serve_edge("edge").await;
    let at = served.addr;
    let config = mock.config().clone();
    let production = json!({ "oauth2": { "access_token": config.access_token } });
    let sandbox = json!({ "sandbox": config.sandbox_token });

    let index = exchange(at, "GET", "/", None).await.unwrap();
    assert_eq!(index.status, 200);
    assert_eq!(index.json()["service"], "pinterest-connector");

    let endpoints = exchange(at, "GET", "/endpoints", None).await.unwrap();
    assert_eq!(endpoints.json()["endpoints"].as_array().unwrap().len(), 142);
    let described = exchange(at, "GET", "/endpoints/GET%20%2Fpins%2F%7Bpin_id%7D", None)
        .await
        .unwrap();
    assert_eq!(described.status, 200);
    assert_eq!(described.json()["id"], "pins/get");
    assert!(described.json()["input_schema"]["properties"]["path"].is_object());

    let verify = |credentials: &serde_json::Value| json!({ "credentials": credentials });
    let account = exchange(
        at,
        "POST",
        "/verify-credentials",
        Some(&verify(&production)),
    )
    .await
    .unwrap();
    assert_eq!(
        account.status,
        200,
        "{}",
        String::from_utf8_lossy(&account.body)
    );
    assert_eq!(account.content_type.as_deref(), Some("application/json"));
    assert_eq!(account.json()["username"], "mock_user");
    assert_eq!(account.json()["account"]["pin_count"], 1000);
    let account = exchange(at, "POST", "/verify-credentials", Some(&verify(&sandbox)))
        .await
        .unwrap();
    assert_eq!(account.json()["username"], "mock_sandbox_user");

    // A walk: a line per page, then the total.
    let walk = json!({
        "credentials": production, "endpoint": "GET /pins",
        "query_params": { "page_size": 250 }, "paginate": {},
    });
    let pages = exchange(at, "POST", "/api-call", Some(&walk))
        .await
        .unwrap();
    assert_eq!(pages.status, 200);
    assert_eq!(pages.content_type.as_deref(), Some("application/x-ndjson"));
    let lines = pages.json_lines();
    assert_eq!(lines.len(), 5, "{}", String::from_utf8_lossy(&pages.body));
    let mut ids = Vec::new();
    for (index, line) in lines[..4].iter().enumerate() {
        assert_eq!(line["page"]["index"], index);
        for pin in line["page"]["body"]["items"].as_array().unwrap() {
            ids.push(pin["id"].as_str().unwrap().to_owned());
        }
    }
    let expected: Vec<String> = (0..1000).map(MockPinterest::pin_id).collect();
    assert_eq!(ids, expected);
    assert_eq!(lines[4]["done"], json!({ "pages": 4, "items": 1000 }));

    let pin = MockPinterest::pin_id(7);
    let one = json!({
        "credentials": production, "endpoint": "pins/get", "path_params": { "pin_id": pin },
    });
    let got = exchange(at, "POST", "/api-call", Some(&one)).await.unwrap();
    assert_eq!(got.status, 200);
    assert_eq!(got.json()["status"], 200);
    assert_eq!(got.json()["body"]["id"], pin.as_str());

    let raw = |no_throw: bool| {
        json!({
            "credentials": production, "method": "GET", "url": "/pins/999",
            "no_throw_on_404": no_throw,
        })
    };
    let answered = exchange(at, "POST", "/raw-request", Some(&raw(true)))
        .await
        .unwrap();
    assert_eq!(
        (answered.status, answered.json()["status"].clone()),
        (200, json!(404))
    );
    let thrown = exchange(at, "POST", "/raw-request", Some(&raw(false)))
        .await
        .unwrap();
    assert_eq!(thrown.status, 404);
    assert_eq!(thrown.json()["error"]["kind"], "not-found");

    let refused = exchange(
        at,
        "POST",
        "/verify-credentials",
        Some(&verify(
            &json!({ "oauth2": { "access_token": "refused-token-31337" } }),
        )),
    )
    .await
    .unwrap();
    assert_eq!(refused.status, 401);
    assert_eq!(refused.json()["error"]["kind"], "unauthorized");
    assert!(!String::from_utf8_lossy(&refused.body).contains("refused-token-31337"));

    let expired = json!({ "oauth2": {
        "client_id": config.client_id, "client_secret": config.client_secret,
        "access_token": "expired-token", "refresh_token": config.refresh_token, "expires_at": 1,
    } });
    let renewed = exchange(at, "POST", "/verify-credentials", Some(&verify(&expired)))
        .await
        .unwrap();
    assert_eq!(
        renewed.status,
        200,
        "{}",
        String::from_utf8_lossy(&renewed.body)
    );
    let fresh = &renewed.json()["refreshed_credentials"]["oauth2"];
    assert!(
        fresh["access_token"]
            .as_str()
            .is_some_and(|t| t != "expired-token")
    );

    let malformed = exchange(at, "POST", "/api-call", Some(&json!({ "endpoint": 1 })))
        .await
        .unwrap();
    assert_eq!(malformed.status, 400);
    assert_eq!(malformed.json()["error"]["kind"], "invalid-input");
    let wrong_method = exchange(at, "GET", "/api-call", None).await.unwrap();
    assert_eq!(wrong_method.status, 405);
    let huge = json!({ "pad": "x".repeat(9 * 1024 * 1024) });
    let too_large = exchange(at, "POST", "/api-call", Some(&huge))
        .await
        .unwrap();
    assert_eq!(too_large.status, 413);
    assert_eq!(too_large.json()["error"]["kind"], "too-large");

    // The requests reached the mock through the component's outgoing
    // handler in jco's runtime.
    assert!(mock.request_count() >= 10);
    // The runtime's output holds a line per request (each written once its
    // answer is sent, so the last may trail the answer) and no secret.
    let mut logged = String::new();
    for _ in 0..100 {
        logged = std::fs::read_to_string(&log).expect("the log is readable");
        if logged.contains("POST /api-call 413") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    drop(served);
    assert!(logged.contains("POST /api-call 200"), "{logged}");
    assert!(logged.contains("POST /verify-credentials 401"), "{logged}");
    assert!(logged.contains("POST /api-call 413"), "{logged}");
    let mut secrets = mock.secrets();
    secrets.push("refused-token-31337".into());
    secrets.retain(|s| !s.is_empty());
    assert_no_secrets(&logged, &secrets);
}

/// A paginated api-call through the served edge build hands each page over
/// as it arrives: the first page's line reaches the client while the mock
/// still holds the second page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_edge_build_streams_each_page_as_it_arrives() {
    use http_body_util::{BodyExt, Full};
    use hyper::body::Bytes;
    use std::time::Duration;

    let (mock, served, _log) = serve_edge("edge-stream").await;
    mock.hold_later_pages(true);

    let stream = tokio::net::TcpStream::connect(served.addr).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let walk = json!({
        "credentials": { "oauth2": { "access_token": mock.config().access_token } },
        "endpoint": "GET /pins", "query_params": { "page_size": 250 }, "paginate": {},
    });
    let request = hyper::Request::post("/api-call")
        .header("host", served.addr.to_string())
        .body(Full::new(Bytes::from(walk.to_string())))
        .unwrap();
    let response = tokio::time::timeout(Duration::from_secs(20), sender.send_request(request))
        .await
        .expect("the answer starts while later pages are held")
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    let mut received = Vec::new();
    while !received.contains(&b'\n') {
        let frame = tokio::time::timeout(Duration::from_secs(20), body.frame())
            .await
            .expect("the first page arrives while the second is held")
            .expect("the body goes on")
            .unwrap();
        if let Ok(data) = frame.into_data() {
            received.extend_from_slice(&data);
        }
    }
    let first: serde_json::Value =
        serde_json::from_slice(received.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert_eq!(first["page"]["index"], 0);
    assert_eq!(first["page"]["item_count"], 250);
    let pin_requests = |mock: &MockPinterest| {
        mock.requests()
            .iter()
            .filter(|r| r.path == "/v5/pins")
            .count()
    };
    // The first page's line came while the mock could not answer page 2;
    // the component goes on to ask for it, and waits.
    for _ in 0..200 {
        if pin_requests(&mock) == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(pin_requests(&mock), 2, "page 2 was asked for and is held");

    mock.hold_later_pages(false);
    let rest = tokio::time::timeout(Duration::from_secs(20), body.collect())
        .await
        .expect("the walk ends once released")
        .unwrap()
        .to_bytes();
    received.extend_from_slice(&rest);
    let lines: Vec<&[u8]> = received
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines.len(), 5, "4 pages and the total");
    let done: serde_json::Value = serde_json::from_slice(lines[4]).unwrap();
    assert_eq!(done["done"], json!({ "pages": 4, "items": 1000 }));
    assert_eq!(pin_requests(&mock), 4);
}

/// A loopback listener that counts the connections it accepts and closes
/// them: a stand-in for any address a caller might name.
struct Bait {
    addr: std::net::SocketAddr,
    accepted: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Bait {
    async fn start() -> Bait {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = accepted.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                drop(stream);
            }
        });
        Bait {
            addr,
            accepted,
            task,
        }
    }

    fn connections(&self) -> usize {
        self.accepted.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for Bait {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The served edge build connects only to Pinterest's API hosts: a token
/// endpoint or a spec URL named in a request body is refused before any
/// connection, the rate limit's wait is reported in seconds, and messages
/// with short secrets redacted stay readable (issue 13, points 1, 4, 5).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_edge_build_sends_only_to_pinterest() {
    let (mock, served, log) = serve_edge("edge-hardening").await;
    let at = served.addr;
    let bait = Bait::start().await;
    let port = bait.addr.port();

    for endpoint in [
        format!("https://127.0.0.1:{port}/v5/oauth/token"),
        format!("http://127.0.0.1:{port}/v5/oauth/token"),
        format!("https://localhost:{port}/v5/oauth/token"),
        format!("http://localhost:{port}/"),
    ] {
        let credentials = json!({ "oauth2": {
            "client_id": "c", "client_secret": "s", "access_token": "a",
            "refresh_token": "r", "expires_at": 1, "token_endpoint": endpoint,
        } });
        let requests = [
            ("/verify-credentials", json!({ "credentials": credentials })),
            (
                "/raw-request",
                json!({ "credentials": credentials, "method": "GET", "url": "/boards" }),
            ),
            (
                "/api-call",
                json!({ "credentials": credentials, "endpoint": "GET /boards" }),
            ),
        ];
        for (route, body) in requests {
            let got = exchange(at, "POST", route, Some(&body)).await.unwrap();
            let answer = got.json();
            assert_eq!(got.status, 400, "{route} {endpoint}: {answer}");
            assert_eq!(answer["error"]["kind"], "invalid-input");
            assert_eq!(
                answer["error"]["field"],
                "credentials.oauth2.token_endpoint"
            );
        }
    }
    let spec_url = json!({
        "credentials": { "oauth2": { "access_token": mock.config().access_token } },
        "endpoint": "GET /boards",
        "spec": { "url": format!("http://127.0.0.1:{port}/openapi.json") },
    });
    let got = exchange(at, "POST", "/api-call", Some(&spec_url))
        .await
        .unwrap();
    assert_eq!(got.status, 400, "{}", got.json());

    // Short secrets: the mock's token endpoint refuses client `c`/`s` and
    // echoes what it was sent; the message is redacted and still readable.
    mock.echo_secrets_in_errors(true);
    let short = json!({ "credentials": { "oauth2": {
        "client_id": "c", "client_secret": "s", "access_token": "a",
        "refresh_token": "r", "expires_at": 1,
    } } });
    let got = exchange(at, "POST", "/verify-credentials", Some(&short))
        .await
        .unwrap();
    let message = got.json()["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(got.status, 401, "{}", got.json());
    assert!(
        message.starts_with("unauthorized: HTTP 401, code 2: Authentication failed."),
        "{message}"
    );
    assert!(message.contains("re-authenticate"), "{message}");
    assert!(!message.contains("[["), "{message}");
    let basic = base64_of("c:s");
    assert!(!message.contains(&basic), "{message}");
    mock.echo_secrets_in_errors(false);

    // A spent daily quota: the reset instant is an hour away.
    mock.rate_limit_reset_in(3_600);
    mock.fail_next(1, 429);
    let limited = json!({
        "credentials": { "oauth2": { "access_token": mock.config().access_token } },
        "method": "GET", "url": "/boards",
    });
    let got = exchange(at, "POST", "/raw-request", Some(&limited))
        .await
        .unwrap();
    assert_eq!(got.status, 429, "{}", got.json());
    let retry_after: u64 = got
        .headers
        .iter()
        .find(|(name, _)| name == "retry-after")
        .and_then(|(_, value)| value.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((3_590..=3_600).contains(&retry_after), "{retry_after}");
    assert_eq!(got.json()["error"]["retry_after_seconds"], retry_after);

    // Nothing ever reached the named address.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        bait.connections(),
        0,
        "the service connected where it was told"
    );
    drop(served);
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!logged.contains(&basic), "{logged}");
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

const AD_ACCOUNT: &str = "549755885175";

/// No request to the S3-like hosts carried an `Authorization` header or
/// the token, and each was answered as a success.
fn assert_no_credentials_reached_s3(mock: &MockPinterest) {
    let token = mock.config().access_token.clone();
    let clean = |headers: &[(String, String)]| {
        headers
            .iter()
            .all(|(n, v)| n != "authorization" && !v.contains(token.as_str()))
    };
    let uploads = mock.uploads();
    assert!(!uploads.is_empty(), "the upload host was reached");
    for upload in &uploads {
        assert!(
            clean(&upload.headers) && upload.fields.iter().all(|(_, v)| !v.contains(&token)),
            "credentials reached the upload host"
        );
    }
    let downloads = mock.downloads();
    assert_eq!(downloads.len(), 1);
    assert_eq!(downloads[0].status, 200);
    assert!(
        clean(&downloads[0].headers),
        "credentials reached the report host"
    );
}

/// Runs a `node --test` file against `mock` (its facts in `env`) and checks
/// that all `passes` tests ran and passed, and that nothing the component
/// wrote in Node names a secret.
async fn node_tests_pass(file: &str, mock: &MockPinterest, env: &[(&str, String)], passes: usize) {
    let output = node_test(file, env).await.expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "node --test {file} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(
        stdout.contains(&format!("ℹ pass {passes}\n")),
        "every Node test of {file} ran:\n{stdout}"
    );
    assert!(stdout.contains("ℹ fail 0"), "{stdout}");
    let mut secrets = mock.secrets();
    secrets.retain(|s| !s.is_empty());
    assert_no_secrets(&stdout, &secrets);
    assert_no_secrets(&stderr, &secrets);
}

/// The `triggers` interface in Node.js: pins created through the
/// connector come once each, oldest first, across bounded polls; a damaged
/// cursor is a typed error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_triggers_run_in_node_through_jco() {
    let mock = MockPinterest::start(MockConfig::default())
        .await
        .expect("mock starts");
    let component = built_component().expect("component builds");
    transpile(&component, "triggers").expect("jco transpiles the component");
    let mut env = mock_environment(&mock);
    env.push(("MOCK_BOARD_ID", MockPinterest::board_id(3)));
    node_tests_pass("triggers.test.mjs", &mock, &env, 2).await;
    let board_pins = mock
        .requests()
        .iter()
        .filter(|r| {
            r.path
                .ends_with(&format!("/boards/{}/pins", MockPinterest::board_id(3)))
        })
        .count();
    assert!(
        board_pins >= 4,
        "the polls went through the mock: {board_pins}"
    );
}

/// The `jobs` interface in Node.js: a video pin, a failed processing, a
/// gzip-compressed report of 8 MB checked byte for byte (its SHA-256).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_jobs_run_in_node_through_jco() {
    use sha2::{Digest, Sha256};

    let mock = MockPinterest::start(reporting(8 << 20, ReportEncoding::GzipDeclared))
        .await
        .expect("mock starts");
    let component = built_component().expect("component builds");
    transpile(&component, "jobs").expect("jco transpiles the component");
    let report = report_csv(8 << 20);
    let mut env = mock_environment(&mock);
    env.extend([
        ("MOCK_BOARD_ID", MockPinterest::board_id(0)),
        ("MOCK_AD_ACCOUNT_ID", AD_ACCOUNT.to_owned()),
        ("MOCK_REPORT_BYTES", report.len().to_string()),
        (
            "MOCK_REPORT_SHA256",
            format!("{:x}", Sha256::digest(&report)),
        ),
    ]);
    node_tests_pass("jobs.test.mjs", &mock, &env, 3).await;
    assert_no_credentials_reached_s3(&mock);
    let uploads = mock.uploads();
    assert_eq!(uploads.len(), 2, "the video and the image");
    assert_eq!(uploads[0].file_len, 12 + 2 * 1024 * 1024);
}

/// The edge build's job routes served by `jco serve`: a video sent as the
/// request body becomes a media id, then a pin; a report is created, then
/// answered as it downloads; a job route without its arguments is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_edge_build_runs_the_jobs_through_jco_serve() {
    let (mock, served, log) = serve_edge_with(
        "edge-jobs",
        reporting(6 << 20, ReportEncoding::GzipUndeclared),
    )
    .await;
    let at = served.addr;
    let credentials = json!({ "oauth2": { "access_token": mock.config().access_token } });

    // A trigger on the board the video pin goes to, started before it.
    let mut watch = json!({
        "credentials": credentials,
        "trigger": { "kind": "new-pin-on-board", "board_id": MockPinterest::board_id(0) },
    });
    let first = exchange(at, "POST", "/poll", Some(&watch)).await.unwrap();
    assert_eq!(first.status, 200, "{}", first.json());
    assert_eq!(first.json()["items"], json!([]), "no backlog");
    watch["cursor"] = first.json()["cursor"].clone();

    let mut video = b"\0\0\0\x18ftypmp42".to_vec();
    video.extend((0..3 << 20).map(|i: usize| (i * 31 % 251) as u8));
    let arg = json!({
        "credentials": credentials, "file_name": "clip.mp4",
        "wait": { "max_polls": 10, "poll_interval_ms": 10 },
    })
    .to_string();
    let uploaded = exchange_bytes(
        at,
        "POST",
        "/upload-media",
        &[
            ("pinterest-connector-arg", &arg),
            ("content-type", "video/mp4"),
        ],
        video.clone(),
    )
    .await
    .unwrap();
    assert_eq!(
        uploaded.status,
        200,
        "{}",
        String::from_utf8_lossy(&uploaded.body)
    );
    let media_id = uploaded.json()["media_id"].as_str().unwrap().to_owned();
    assert_eq!(mock.uploads()[0].file_len, video.len());

    let pin = json!({
        "credentials": credentials, "endpoint": "POST /pins",
        "body": { "board_id": MockPinterest::board_id(0), "title": "From the edge",
                  "media_source": { "source_type": "video_id", "media_id": media_id,
                                    "cover_image_url": "https://example.com/c.jpg" } },
    });
    let created = exchange(at, "POST", "/api-call", Some(&pin)).await.unwrap();
    assert_eq!(created.json()["status"], 201, "{}", created.json());

    // The trigger hands the new pin over, once.
    let polled = exchange(at, "POST", "/poll", Some(&watch)).await.unwrap();
    let polled = polled.json();
    assert_eq!(
        polled["items"].as_array().map(Vec::len),
        Some(1),
        "{polled}"
    );
    assert_eq!(polled["items"][0]["id"], created.json()["body"]["id"]);
    assert_eq!(polled["items"][0]["item"]["title"], "From the edge");
    watch["cursor"] = polled["cursor"].clone();
    let again = exchange(at, "POST", "/poll", Some(&watch)).await.unwrap();
    assert_eq!(again.json()["items"], json!([]), "{}", again.json());

    let report_request = json!({
        "credentials": credentials, "ad_account_id": AD_ACCOUNT,
        "body": { "start_date": "2024-01-01", "end_date": "2024-06-30", "granularity": "DAY",
                  "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR", "IMPRESSION_1"] },
    });
    let started = exchange(at, "POST", "/create-report", Some(&report_request))
        .await
        .unwrap();
    assert_eq!(started.status, 200, "{}", started.json());
    let token = started.json()["token"].as_str().unwrap().to_owned();
    let download = json!({
        "credentials": credentials, "ad_account_id": AD_ACCOUNT, "token": token,
        "wait": { "max_polls": 10, "poll_interval_ms": 10 },
    });
    let report = exchange(at, "POST", "/download-report", Some(&download))
        .await
        .unwrap();
    assert_eq!(report.status, 200);
    assert_eq!(report.content_type.as_deref(), Some("text/csv"));
    assert!(
        report.body == report_csv(6 << 20),
        "the report, unpacked, byte for byte ({} bytes)",
        report.body.len()
    );
    assert_no_credentials_reached_s3(&mock);

    let missing = exchange_bytes(at, "POST", "/upload-media", &[], b"video".to_vec())
        .await
        .unwrap();
    assert_eq!(missing.status, 400);
    assert_eq!(missing.json()["error"]["field"], "pinterest-connector-arg");
    let index = exchange(at, "GET", "/", None).await.unwrap();
    assert!(
        index.json()["routes"]
            .as_array()
            .unwrap()
            .contains(&json!("POST /download-report"))
    );

    drop(served);
    let logged = std::fs::read_to_string(&log).expect("the log is readable");
    let mut secrets = mock.secrets();
    secrets.retain(|s| !s.is_empty());
    assert_no_secrets(&logged, &secrets);
}

/// Many flows on one account in Node: the shared-account pattern of
/// `tests/node/account.mjs` (the README's) refreshes once for eight
/// concurrent flows, whether the token expired or was revoked mid-way;
/// without it, every flow's component refreshes by itself and seven of
/// eight refreshes are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flows_sharing_an_account_in_node_refresh_once() {
    let mock = MockPinterest::start(MockConfig::default())
        .await
        .expect("mock starts");
    let component = built_component().expect("component builds");
    transpile(&component, "shared").expect("jco transpiles the component");
    node_tests_pass("shared.test.mjs", &mock, &mock_environment(&mock), 3).await;
    assert_eq!(
        mock.refresh_requests(),
        1 + 1 + 8,
        "one per shared test, then eight unshared (one taken, seven refused)"
    );
}

/// The npm package: built as `cargo xtask npm` builds it (the component
/// transpiled by jco with its TypeScript declarations, the typed wrapper),
/// packed by `npm pack`, installed from the tarball into a fresh folder,
/// and run there with the Python package's cases against the mock at the
/// host-chosen API base; a TypeScript host type-checks against its
/// declarations. Prints the tarball's size and one verify's time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_npm_package_installs_from_its_tarball_and_runs() {
    let mock = MockPinterest::start(MockConfig::default())
        .await
        .expect("mock starts");
    let component = built_component().expect("component builds");
    let out = tempfile::tempdir().unwrap();
    let tarball = tokio::task::spawn_blocking({
        let out = out.path().to_path_buf();
        move || pinterest_host_test::node::npm_package(&component, &out)
    })
    .await
    .unwrap()
    .expect("the package builds and packs");
    assert_eq!(
        tarball.file_name().unwrap().to_string_lossy(),
        "pinterest-connector-0.1.0.tgz"
    );
    let size = std::fs::metadata(&tarball).unwrap().len();
    let host = tempfile::tempdir().unwrap();
    let config = mock.config();
    let env = [
        (
            "MOCK_PRODUCTION_BASE",
            format!("http://{}/v5", mock.production_addr),
        ),
        (
            "MOCK_SANDBOX_BASE",
            format!("http://{}/v5", mock.sandbox_addr),
        ),
        ("MOCK_ACCESS_TOKEN", config.access_token.clone()),
        ("MOCK_SANDBOX_TOKEN", config.sandbox_token.clone()),
        ("MOCK_CLIENT_ID", config.client_id.clone()),
        ("MOCK_CLIENT_SECRET", config.client_secret.clone()),
        ("MOCK_REFRESH_TOKEN", config.refresh_token.clone()),
        ("MOCK_BOARD_ID", MockPinterest::board_id(0)),
    ];
    let output = pinterest_host_test::node::installed_package_test(
        &tarball,
        host.path(),
        "package.test.mjs",
        &env,
    )
    .await
    .expect("the tarball installs and node runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("ℹ pass 7\n"), "every test ran:\n{stdout}");
    assert!(stdout.contains("ℹ fail 0"), "{stdout}");
    let mut secrets = mock.secrets();
    secrets.retain(|s| !s.is_empty());
    assert_no_secrets(&stdout, &secrets);
    assert_no_secrets(&stderr, &secrets);
    let timing = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("timing verify "))
        .unwrap_or("?");
    eprintln!("npm package: {size} B; one verify through it {timing}");
    // The package's types are jco's for the component and the wrapper's own.
    let installed = host.path().join("node_modules/pinterest-connector");
    for file in [
        "index.d.ts",
        "component/connector.d.ts",
        "component/connector.core.wasm",
    ] {
        assert!(installed.join(file).is_file(), "{file} is in the package");
    }
    // A TypeScript host type-checks against them (`tsc --strict`, with the
    // TypeScript jco brings).
    let project = pinterest_host_test::node::project_dir();
    std::fs::copy(project.join("package-use.ts"), host.path().join("use.ts")).unwrap();
    let checked = tokio::process::Command::new("node")
        .arg(project.join("node_modules/typescript/bin/tsc"))
        .args(["--noEmit", "--strict", "--module", "nodenext"])
        .args(["--moduleResolution", "nodenext", "--target", "esnext"])
        .args(["--lib", "esnext", "use.ts"])
        .current_dir(host.path())
        .output()
        .await
        .expect("tsc runs");
    assert!(
        checked.status.success(),
        "tsc: {}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
}
