//! Resilience through the built component: retries against 429 storms and
//! 5xx answers, broken connections, stalls, oversized and malformed answers
//! from a hostile server; a paginated walk that survives failures without
//! losing or repeating a page; the host's deadline and memory limit.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use pinterest_connector_host::types::{
    CallOptions, ConnectorError, Credentials, HttpMethod, SpecSource, TransportKind,
};
use pinterest_connector_host::{
    ApiCallInput, CallLimits, ConnectorHost, HostConfig, HostError, NetworkPolicy,
    PaginationOptions, RawRequestInput,
};
use pinterest_host_test::{
    Fault, HostileServer, MockConfig, MockPinterest, host_with, mock_policy, shared_openapi,
};
use serde_json::Value;

/// Quick retries and short timeouts, so that the storms pass in
/// milliseconds.
fn fast() -> CallOptions {
    CallOptions {
        max_attempts: 4,
        initial_backoff_ms: 5,
        max_backoff_ms: 20,
        max_total_wait_ms: 5_000,
        connect_timeout_ms: 1_000,
        first_byte_timeout_ms: 300,
        between_bytes_timeout_ms: 300,
        max_response_bytes: 1024 * 1024,
        api_base: None,
    }
}

async fn hostile(script: Vec<Fault>) -> (HostileServer, ConnectorHost) {
    let server = HostileServer::start(script).await.expect("server starts");
    let host = host_with(HostConfig {
        network: NetworkPolicy::default()
            .route("api.pinterest.com", server.addr)
            .unwrap(),
        call_options: Some(fast()),
        ..HostConfig::default()
    })
    .expect("component loads");
    (server, host)
}

fn oauth() -> Credentials {
    Credentials::Oauth2(pinterest_connector_host::types::Oauth2Credentials {
        client_id: "app".into(),
        client_secret: "secret".into(),
        ..pinterest_host_test::mock_setup::oauth_token("token")
    })
}

fn get(url: &str) -> RawRequestInput {
    RawRequestInput {
        method: HttpMethod::Get,
        url: url.into(),
        headers: vec![],
        body: None,
        no_throw_on_404: false,
    }
}

fn post(url: &str) -> RawRequestInput {
    RawRequestInput {
        method: HttpMethod::Post,
        url: url.into(),
        headers: vec![],
        body: Some("{}".into()),
        no_throw_on_404: false,
    }
}

async fn raw(host: &ConnectorHost, input: RawRequestInput) -> Result<u16, ConnectorError> {
    host.raw_request(&oauth(), &input)
        .await
        .expect("the host lives")
        .map(|r| r.status)
        .map_err(|f| f.error)
}

fn ok() -> Fault {
    Fault::json(200, r#"{"items":[],"bookmark":null}"#)
}

fn rate_limited() -> Fault {
    Fault::json(429, r#"{"code":8,"message":"max rate limit exceeded"}"#)
}

#[tokio::test]
async fn a_429_storm_without_headers_is_ridden_out() {
    let (server, host) = hostile(vec![rate_limited(), rate_limited(), rate_limited(), ok()]).await;
    assert_eq!(raw(&host, get("/boards")).await, Ok(200));
    assert_eq!(server.request_count(), 4);
}

#[tokio::test]
async fn a_429_storm_that_never_ends_reports_the_attempts_and_the_wait() {
    let (server, host) = hostile(vec![Fault::json_with(
        429,
        &[("X-RateLimit-Reset", "0")],
        r#"{"code":8,"message":"max rate limit exceeded"}"#,
    )])
    .await;
    match raw(&host, get("/boards")).await {
        Err(ConnectorError::RateLimited(limit)) => {
            assert_eq!(limit.error.attempts, 4);
            assert_eq!(limit.retry_after_seconds, Some(0));
            assert_eq!(limit.error.code, Some(8));
        }
        other => panic!("expected rate-limited, got {other:?}"),
    }
    assert_eq!(server.request_count(), 4);
}

#[tokio::test]
async fn retry_after_and_ratelimit_reset_are_waited_for() {
    let (server, host) = hostile(vec![
        Fault::json_with(429, &[("Retry-After", "1")], "{}"),
        Fault::json_with(429, &[("X-RateLimit-Reset", "1")], "{}"),
        ok(),
    ])
    .await;
    let started = Instant::now();
    assert_eq!(raw(&host, get("/boards")).await, Ok(200));
    assert!(
        started.elapsed() >= Duration::from_millis(1_900),
        "waited only {:?}",
        started.elapsed()
    );
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn a_server_wait_beyond_the_budget_is_returned_not_slept() {
    let (server, host) = hostile(vec![Fault::json_with(
        429,
        &[("Retry-After", "3600")],
        "{}",
    )])
    .await;
    match raw(&host, get("/boards")).await {
        Err(ConnectorError::RateLimited(limit)) => {
            assert_eq!(limit.retry_after_seconds, Some(3600));
            assert_eq!(limit.error.attempts, 1);
        }
        other => panic!("expected rate-limited, got {other:?}"),
    }
    assert_eq!(server.request_count(), 1);
}

/// Unix seconds now.
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn a_reset_instant_is_reported_as_the_seconds_left() {
    // A daily quota spent: the reset is a Unix instant hours away.
    let reset = (unix_now() + 7_200).to_string();
    let (server, host) = hostile(vec![Fault::json_with(
        429,
        &[("X-RateLimit-Reset", &reset)],
        r#"{"code":8,"message":"max rate limit exceeded"}"#,
    )])
    .await;
    match raw(&host, get("/boards")).await {
        Err(ConnectorError::RateLimited(limit)) => {
            let wait = limit.retry_after_seconds.expect("a wait");
            assert!((7_190..=7_200).contains(&wait), "reported {wait} s");
            assert_eq!(
                limit.error.attempts, 1,
                "a wait past the budget is returned"
            );
            assert!(
                limit.error.message.contains("Pinterest code 8"),
                "{}",
                limit.error.message
            );
        }
        other => panic!("expected rate-limited, got {other:?}"),
    }
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn a_reset_instant_close_by_is_waited_for() {
    let reset = (unix_now() + 2).to_string();
    let (server, host) = hostile(vec![
        Fault::json_with(429, &[("X-RateLimit-Reset", &reset)], "{}"),
        ok(),
    ])
    .await;
    let started = Instant::now();
    assert_eq!(raw(&host, get("/boards")).await, Ok(200));
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(4),
        "waited {waited:?}"
    );
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn a_trial_app_writing_to_production_is_told_to_use_the_sandbox() {
    let (_server, host) = hostile(vec![Fault::json(
        403,
        r#"{"code":29,"message":"You have been denied access to this API."}"#,
    )])
    .await;
    match raw(&host, post("/pins")).await {
        Err(ConnectorError::Forbidden(e)) => {
            assert_eq!(e.code, Some(29));
            assert!(e.message.contains("sandbox"), "{}", e.message);
        }
        other => panic!("expected forbidden, got {other:?}"),
    }
}

#[tokio::test]
async fn spam_blocks_are_not_retried() {
    let (server, host) = hostile(vec![Fault::json(
        429,
        r#"{"code":8,"message":"Request blocked: suspected spam."}"#,
    )])
    .await;
    assert!(matches!(
        raw(&host, post("/pins")).await,
        Err(ConnectorError::RateLimited(ref l)) if l.error.attempts == 1
    ));
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn server_errors_are_retried_for_reads_only() {
    let script = || {
        vec![
            Fault::json(500, r#"{"code":1,"message":"oops"}"#),
            Fault::json(502, "{}"),
            Fault::json(503, "{}"),
            ok(),
        ]
    };
    let (server, host) = hostile(script()).await;
    assert_eq!(raw(&host, get("/boards")).await, Ok(200));
    assert_eq!(server.request_count(), 4);

    let (server, host) = hostile(script()).await;
    match raw(&host, post("/pins")).await {
        Err(ConnectorError::Upstream(e)) => {
            assert_eq!((e.status, e.attempts, e.message.as_str()), (500, 1, "oops"))
        }
        other => panic!("a POST is not retried after a 500: {other:?}"),
    }
    assert_eq!(server.request_count(), 1);

    let (_server, host) = hostile(vec![Fault::json(503, "{}")]).await;
    match raw(&host, get("/boards")).await {
        Err(ConnectorError::Upstream(e)) => assert_eq!((e.status, e.attempts), (503, 4)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_connection_reset_mid_body_is_retried_for_reads_only() {
    let (server, host) = hostile(vec![Fault::ResetMidBody, ok()]).await;
    assert_eq!(raw(&host, get("/boards")).await, Ok(200));
    assert_eq!(server.request_count(), 2);

    let (server, host) = hostile(vec![Fault::ResetMidBody, ok()]).await;
    match raw(&host, post("/pins")).await {
        Err(ConnectorError::Transport(e)) => {
            assert_eq!(
                (e.kind, e.attempts),
                (TransportKind::Interrupted, 1),
                "{}",
                e.message
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        server.request_count(),
        1,
        "the POST may have been applied: not resent"
    );
}

#[tokio::test]
async fn a_truncated_chunked_body_is_an_interrupted_transfer() {
    let (server, host) = hostile(vec![Fault::TruncatedChunked]).await;
    match raw(&host, get("/boards")).await {
        Err(ConnectorError::Transport(e)) => {
            assert_eq!(
                (e.kind, e.attempts),
                (TransportKind::Interrupted, 4),
                "{}",
                e.message
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.request_count(), 4);
}

#[tokio::test]
async fn an_endless_body_is_cut_at_the_cap_while_reading() {
    let (server, host) = hostile(vec![Fault::EndlessBody]).await;
    match raw(&host, get("/boards")).await {
        Err(ConnectorError::Transport(e)) => {
            assert_eq!(
                (e.kind, e.attempts),
                (TransportKind::TooLarge, 1),
                "{}",
                e.message
            );
            assert!(e.message.contains("1048576"), "{}", e.message);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        server.request_count(),
        1,
        "an oversized answer is not asked for again"
    );
}

#[tokio::test]
async fn a_server_that_stalls_before_the_first_byte_times_out() {
    let (server, host) = hostile(vec![Fault::StallBeforeFirstByte(Duration::from_secs(5))]).await;
    match raw(&host, get("/boards")).await {
        Err(ConnectorError::Transport(e)) => {
            assert_eq!(
                (e.kind, e.attempts),
                (TransportKind::TimedOut, 4),
                "{}",
                e.message
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.request_count(), 4);
    let (server, host) = hostile(vec![Fault::StallBeforeFirstByte(Duration::from_secs(5))]).await;
    assert!(matches!(
        raw(&host, post("/pins")).await,
        Err(ConnectorError::Transport(ref e)) if e.kind == TransportKind::TimedOut && e.attempts == 1
    ));
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn gigantic_headers_are_refused_not_swallowed() {
    let (_server, host) = hostile(vec![Fault::GiganticHeaders(2 * 1024 * 1024)]).await;
    match raw(&host, get("/boards")).await {
        Err(ConnectorError::Transport(e)) => assert!(
            matches!(e.kind, TransportKind::TooLarge | TransportKind::Interrupted),
            "{:?}: {}",
            e.kind,
            e.message
        ),
        other => panic!("{other:?}"),
    }
    // The host lives on and serves the next call.
    let (_server, host2) = hostile(vec![ok()]).await;
    assert_eq!(raw(&host2, get("/boards")).await, Ok(200));
    drop(host);
}

#[tokio::test]
async fn invalid_json_and_html_bodies_are_upstream_errors_where_json_is_needed() {
    for fault in [Fault::json(200, "{\"items\": [1, 2"), Fault::html()] {
        let (_server, host) = hostile(vec![fault.clone()]).await;
        match host
            .verify_credentials(&oauth())
            .await
            .unwrap()
            .map_err(|f| f.error)
        {
            Err(ConnectorError::Upstream(e)) => {
                assert!(e.message.contains("did not answer JSON"), "{}", e.message)
            }
            other => panic!("{other:?}"),
        }
        let input = ApiCallInput {
            spec: SpecSource::Embedded,
            endpoint: "GET /pins".into(),
            path_params: vec![],
            query_params: vec![],
            body: None,
        };
        let mut stream = host
            .api_call_paginated(&oauth(), &input, PaginationOptions { max_pages: None })
            .await
            .unwrap()
            .unwrap();
        match stream.next().await.unwrap().map_err(|f| f.error) {
            Err(ConnectorError::Upstream(e)) => {
                assert!(
                    e.message.contains("not a bookmark-paginated list"),
                    "{}",
                    e.message
                )
            }
            other => panic!("{other:?}"),
        }
        // A raw request hands the body over as it came.
        let body = host
            .raw_request(&oauth(), &get("/pins"))
            .await
            .unwrap()
            .unwrap()
            .body;
        assert!(!body.is_empty());
    }
}

#[tokio::test]
async fn a_walk_that_hits_failures_loses_no_page_and_repeats_none() {
    let mock = MockPinterest::start(MockConfig::default()).await.unwrap();
    let host = host_with(HostConfig {
        network: mock_policy(&mock).unwrap(),
        call_options: Some(fast()),
        ..HostConfig::default()
    })
    .unwrap();
    let creds = Credentials::Sandbox(mock.config().sandbox_token.clone());
    let input = ApiCallInput {
        spec: SpecSource::Embedded,
        endpoint: "GET /pins".into(),
        path_params: vec![],
        query_params: vec![("page_size".into(), "100".into())],
        body: None,
    };
    let mut stream = host
        .api_call_paginated(&creds, &input, PaginationOptions { max_pages: None })
        .await
        .unwrap()
        .unwrap();
    let mut ids = Vec::new();
    let mut errors = 0;
    loop {
        match stream.next().await.unwrap() {
            Ok(Some(page)) => {
                let body: Value = serde_json::from_str(&page.body).unwrap();
                ids.extend(
                    body["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|i| i["id"].as_str().unwrap().to_owned()),
                );
                match page.index {
                    // Two failures: retried inside the same `next`.
                    2 => mock.fail_next(2, 503),
                    // More failures than attempts: `next` fails, and the
                    // following `next` asks for the same page again.
                    5 => mock.fail_next(4, 429),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(failure) => {
                assert!(
                    matches!(failure.error, ConnectorError::RateLimited(ref l) if l.error.attempts == 4),
                    "{:?}",
                    failure.error
                );
                errors += 1;
                assert!(errors < 3, "the walk does not get stuck");
            }
        }
    }
    assert_eq!(errors, 1);
    assert_eq!(ids.len(), 1000, "no page lost");
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        1000,
        "none repeated"
    );
    let sent: Vec<_> = mock
        .requests()
        .iter()
        .filter(|r| r.path == "/v5/pins")
        .map(|r| r.query.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        sent.len(),
        10 + 2 + 4,
        "ten pages, two and four failed attempts"
    );
}

/// A host for `server` with `limits` and patient call options, so that
/// only the limits stop a call.
fn limited(server: &HostileServer, limits: CallLimits) -> ConnectorHost {
    host_with(HostConfig {
        network: NetworkPolicy::default()
            .route("api.pinterest.com", server.addr)
            .unwrap(),
        call_options: Some(CallOptions {
            max_attempts: 1,
            first_byte_timeout_ms: 60_000,
            between_bytes_timeout_ms: 60_000,
            max_response_bytes: 256 * 1024 * 1024,
            ..fast()
        }),
        limits,
        ..HostConfig::default()
    })
    .unwrap()
}

#[tokio::test]
async fn a_call_waiting_past_its_deadline_is_stopped_and_the_host_lives_on() {
    let server = HostileServer::start(vec![
        Fault::StallBeforeFirstByte(Duration::from_secs(30)),
        ok(),
    ])
    .await
    .unwrap();
    let host = limited(
        &server,
        CallLimits {
            deadline: Duration::from_millis(500),
            ..CallLimits::default()
        },
    );
    match host.raw_request(&oauth(), &get("/boards")).await {
        Err(HostError::Deadline(d)) => assert_eq!(d, Duration::from_millis(500)),
        other => panic!(
            "expected the deadline, got {:?}",
            other.map(|r| r.map(|o| o.status).map_err(|f| f.error))
        ),
    }
    assert_eq!(
        raw(&host, get("/boards")).await,
        Ok(200),
        "the next call is served"
    );
}

#[tokio::test]
async fn a_guest_busy_past_its_deadline_is_interrupted() {
    let spec = shared_openapi("pinterest-v5.23.0.json").expect("../shared/openapi");
    let server = HostileServer::start(vec![ok()]).await.unwrap();
    let host = limited(
        &server,
        CallLimits {
            // One epoch tick: parsing 1.3 MB of JSON takes longer, and only
            // the epoch can interrupt a guest that never waits.
            deadline: Duration::from_millis(1),
            ..CallLimits::default()
        },
    );
    match host.list_endpoints(&SpecSource::Json(spec.clone())).await {
        Err(HostError::Deadline(_)) => {}
        other => panic!(
            "expected the deadline, got {:?}",
            other.map(|r| r.map(|e| e.len()))
        ),
    }
    let patient = limited(&server, CallLimits::default());
    let endpoints = patient
        .list_endpoints(&SpecSource::Json(spec))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(endpoints.len(), 231);
}

#[tokio::test]
async fn a_guest_needing_more_memory_than_allowed_is_stopped() {
    let huge = format!("{{\"items\":\"{}\"}}", "x".repeat(40 * 1024 * 1024));
    let server = HostileServer::start(vec![Fault::json(200, &huge), ok()])
        .await
        .unwrap();
    let host = limited(
        &server,
        CallLimits {
            max_memory_bytes: 24 * 1024 * 1024,
            ..CallLimits::default()
        },
    );
    match host.raw_request(&oauth(), &get("/boards")).await {
        Err(HostError::MemoryLimit(limit)) => assert_eq!(limit, 24 * 1024 * 1024),
        other => panic!(
            "expected the memory limit, got {:?}",
            other.map(|r| r.map(|o| o.status).map_err(|f| f.error))
        ),
    }
    assert_eq!(
        raw(&host, get("/boards")).await,
        Ok(200),
        "the next call is served"
    );
}

#[tokio::test]
async fn a_refused_connection_is_retried_for_every_method() {
    // A port nobody listens on: bind one, note it, let it go.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let host = host_with(HostConfig {
        network: NetworkPolicy::default()
            .route("api.pinterest.com", addr)
            .unwrap(),
        call_options: Some(fast()),
        ..HostConfig::default()
    })
    .unwrap();
    for input in [get("/boards"), post("/pins")] {
        match raw(&host, input).await {
            Err(ConnectorError::Transport(e)) => {
                assert_eq!(
                    (e.kind, e.attempts),
                    (TransportKind::Refused, 4),
                    "{}",
                    e.message
                );
                // In `wasi:http`'s own words, naming the host (never the
                // path).
                assert_eq!(e.message, "connection-refused reaching api.pinterest.com");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn a_kept_connection_the_server_closed_is_replaced_not_failed() {
    let (server, host) = hostile(vec![Fault::KeepAliveThenClose(Duration::ZERO)]).await;
    for input in [
        get("/user_account"),
        post("/pins"),
        get("/boards"),
        post("/pins"),
    ] {
        // The server closed the connection it answered on right away; the
        // pool has seen it close by now.
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(raw(&host, input).await, Ok(200));
    }
    // Each request on a connection of its own, none sent twice.
    assert_eq!(server.request_count(), 4);
}
