use std::collections::VecDeque;

use super::*;
use crate::http::NamedBy;

/// Answers from a script and records every wait.
#[derive(Default)]
struct Script {
    outcomes: VecDeque<Result<HttpResponse, ConnectorError>>,
    sent: u32,
    waits: Vec<Duration>,
}

impl Transport for Script {
    fn send(&mut self, _: &HttpRequest) -> Result<HttpResponse, ConnectorError> {
        self.sent += 1;
        self.outcomes.pop_front().expect("the script ran out")
    }

    fn wait(&mut self, duration: Duration) {
        self.waits.push(duration);
    }

    fn random(&mut self) -> u64 {
        u64::MAX / 3
    }

    fn now(&self) -> u64 {
        0
    }
}

fn status(
    status: u16,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<HttpResponse, ConnectorError> {
    Ok(HttpResponse::new(
        status,
        headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body.as_bytes().to_vec(),
    ))
}

fn failed(kind: TransportKind) -> Result<HttpResponse, ConnectorError> {
    Err(ConnectorError::transport(kind, "connection trouble"))
}

fn request(method: Method) -> HttpRequest {
    HttpRequest {
        method,
        url: "https://api.pinterest.com/v5/pins".parse().unwrap(),
        headers: vec![],
        body: None,
        named_by: NamedBy::Connector,
    }
}

fn fast() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(400),
        max_total_wait: Duration::from_secs(10),
    }
}

fn run(
    method: Method,
    policy: RetryPolicy,
    outcomes: Vec<Result<HttpResponse, ConnectorError>>,
) -> (Result<HttpResponse, ConnectorError>, Script) {
    let mut retrying = Retrying::new(
        Script {
            outcomes: outcomes.into(),
            ..Default::default()
        },
        policy,
    );
    let result = retrying.send(&request(method));
    (result, retrying.inner)
}

#[test]
fn a_429_storm_is_retried_until_it_passes() {
    let (result, script) = run(
        Method::Get,
        fast(),
        vec![
            status(
                429,
                &[],
                r#"{"code":8,"message":"max rate limit exceeded"}"#,
            ),
            status(429, &[], "{}"),
            status(200, &[], "{}"),
        ],
    );
    let response = result.unwrap();
    assert_eq!((response.status, response.attempts), (200, 3));
    assert_eq!(script.waits.len(), 2);
    assert!(
        script.waits[1] > script.waits[0],
        "the backoff grows: {:?}",
        script.waits
    );
}

#[test]
fn when_attempts_run_out_the_last_answer_says_how_many_were_made() {
    let (result, script) = run(
        Method::Get,
        fast(),
        vec![
            status(503, &[], "{}"),
            status(502, &[], "{}"),
            status(500, &[], "{}"),
            status(
                503,
                &[("x-pinterest-rid", "r4")],
                r#"{"code":1,"message":"down"}"#,
            ),
        ],
    );
    let response = result.unwrap();
    assert_eq!((response.status, response.attempts), (503, 4));
    assert_eq!(script.sent, 4);
    let error = response.check_status().unwrap_err();
    assert!(error.to_string().contains("after 4 attempts"), "{error}");
}

#[test]
fn server_waits_are_honoured() {
    let (_, script) = run(
        Method::Get,
        fast(),
        vec![
            status(429, &[("Retry-After", "2")], "{}"),
            status(429, &[("X-RateLimit-Reset", "3")], "{}"),
            status(200, &[], "{}"),
        ],
    );
    assert_eq!(
        script.waits,
        [Duration::from_secs(2), Duration::from_secs(3)]
    );
}

#[test]
fn a_wait_beyond_the_budget_returns_the_answer_instead() {
    let (result, script) = run(
        Method::Get,
        fast(),
        vec![status(429, &[("Retry-After", "3600")], "{}")],
    );
    assert_eq!(result.unwrap().status, 429);
    assert!(script.waits.is_empty());
    assert_eq!(script.sent, 1);
}

#[test]
fn spam_blocks_are_never_retried() {
    let (result, script) = run(
        Method::Post,
        fast(),
        vec![status(
            429,
            &[],
            r#"{"code":8,"message":"Your request was blocked as spam."}"#,
        )],
    );
    assert_eq!(result.unwrap().status, 429);
    assert_eq!(script.sent, 1);
}

#[test]
fn non_idempotent_methods_are_retried_only_where_nothing_was_applied() {
    for method in [Method::Post, Method::Patch] {
        let (result, script) = run(method, fast(), vec![status(503, &[], "{}")]);
        assert_eq!((result.unwrap().status, script.sent), (503, 1));
        let (result, _) = run(method, fast(), vec![failed(TransportKind::Interrupted)]);
        assert!(matches!(result, Err(ConnectorError::Transport(ref e)) if e.attempts == 1));
        let (result, _) = run(method, fast(), vec![failed(TransportKind::TimedOut)]);
        assert!(result.is_err());
        let (result, script) = run(
            method,
            fast(),
            vec![
                failed(TransportKind::Refused),
                status(429, &[], "{}"),
                status(201, &[], "{}"),
            ],
        );
        assert_eq!((result.unwrap().status, script.sent), (201, 3));
    }
    for method in [Method::Get, Method::Put, Method::Delete] {
        let (result, _) = run(
            method,
            fast(),
            vec![
                failed(TransportKind::Interrupted),
                failed(TransportKind::TimedOut),
                status(200, &[], "{}"),
            ],
        );
        assert_eq!(result.unwrap().attempts, 3);
    }
}

#[test]
fn errors_that_will_not_change_are_returned_at_once() {
    for outcome in [
        status(400, &[], "{}"),
        status(401, &[], "{}"),
        status(404, &[], "{}"),
        failed(TransportKind::TooLarge),
        failed(TransportKind::Unresolved),
        Err(ConnectorError::DeniedByHost("no".into())),
    ] {
        let (_, script) = run(Method::Get, fast(), vec![outcome]);
        assert_eq!(script.sent, 1);
    }
}

#[test]
fn transport_failures_that_run_out_say_how_many_attempts_were_made() {
    let (result, script) = run(
        Method::Get,
        fast(),
        (0..4).map(|_| failed(TransportKind::Refused)).collect(),
    );
    match result {
        Err(ConnectorError::Transport(e)) => {
            assert_eq!((e.kind, e.attempts), (TransportKind::Refused, 4));
            assert!(e.to_string().contains("after 4 attempts"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(script.waits.len(), 3);
    assert!(script.waits.iter().sum::<Duration>() <= fast().max_total_wait);
}

#[test]
fn one_attempt_disables_retries() {
    let policy = RetryPolicy {
        max_attempts: 1,
        ..fast()
    };
    let (result, script) = run(Method::Get, policy, vec![status(503, &[], "{}")]);
    assert_eq!((result.unwrap().attempts, script.sent), (1, 1));
}

#[test]
fn backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
    let policy = fast();
    for (retry, full) in [(1, 100), (2, 200), (3, 400), (4, 400), (40, 400)] {
        let full = Duration::from_millis(full);
        for random in [0, 7, u64::MAX] {
            let wait = policy.backoff(retry, random);
            assert!(wait >= full / 2 && wait <= full, "{retry}: {wait:?}");
        }
    }
}

#[test]
fn reset_instants_become_delays_from_when_the_answer_arrived() {
    let response = HttpResponse::new(
        429,
        vec![("X-RateLimit-Reset".into(), "1000000060".into())],
        vec![],
    );
    // Without the time of arrival an instant is no usable wait.
    assert_eq!(response.server_wait(), None);
    let arrived = response.received_at(1_000_000_000);
    assert_eq!(arrived.server_wait(), Some(Duration::from_secs(60)));
    // An instant already past is no wait at all.
    assert_eq!(
        arrived.clone().received_at(1_000_000_100).server_wait(),
        Some(Duration::ZERO)
    );
}

#[test]
fn each_answer_is_read_against_its_own_clock() {
    // A long walk: the second 429 arrives 10 000 s after the first. Its
    // reset instant is 3 s after its own arrival, not 10 003 s after the
    // walk began.
    let at = |now: u64, reset: u64| {
        Ok(HttpResponse::new(
            429,
            vec![("X-RateLimit-Reset".into(), reset.to_string())],
            b"{}".to_vec(),
        )
        .received_at(now))
    };
    let start = 1_700_000_000;
    let (result, script) = run(
        Method::Get,
        fast(),
        vec![
            at(start, start + 2),
            at(start + 10_000, start + 10_003),
            status(200, &[], "{}"),
        ],
    );
    assert_eq!(result.unwrap().status, 200);
    assert_eq!(
        script.waits,
        [Duration::from_secs(2), Duration::from_secs(3)]
    );
}
