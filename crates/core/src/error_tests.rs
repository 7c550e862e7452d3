use super::*;
use crate::http::HttpResponse;

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: body.as_bytes().to_vec(),
        attempts: 1,
        received_at: None,
    }
}

#[test]
fn success_statuses_pass() {
    assert_eq!(response(200, &[], "{}").check_status(), Ok(()));
    assert_eq!(response(204, &[], "").check_status(), Ok(()));
}

#[test]
fn pinterest_error_body_and_request_id_are_kept() {
    let r = response(
        404,
        &[("X-Pinterest-Rid", "abc123")],
        r#"{"code":2,"message":"AdAccount not found."}"#,
    );
    assert_eq!(
        r.check_status(),
        Err(ConnectorError::NotFound(ApiError {
            status: 404,
            code: Some(2),
            message: "AdAccount not found.".into(),
            request_id: Some("abc123".into()),
            attempts: 1,
        }))
    );
}

#[test]
fn statuses_map_to_their_variants() {
    assert!(matches!(
        response(401, &[], "").error(),
        ConnectorError::Unauthorized(_)
    ));
    assert!(matches!(
        response(403, &[], "").error(),
        ConnectorError::Forbidden(_)
    ));
    assert!(matches!(
        response(500, &[], "").error(),
        ConnectorError::Upstream(_)
    ));
    assert!(matches!(
        response(400, &[], "").error(),
        ConnectorError::Upstream(_)
    ));
}

#[test]
fn a_body_that_is_not_pinterest_json_falls_back_to_the_status_text() {
    let err = response(502, &[], "<html>bad gateway</html>").api_error();
    assert_eq!(err.code, None);
    assert_eq!(err.message, "Bad Gateway");
}

#[test]
fn rate_limit_wait_comes_from_retry_after_then_reset() {
    let with_retry = response(
        429,
        &[("Retry-After", "7"), ("X-RateLimit-Reset", "30")],
        "",
    );
    let with_reset = response(429, &[("X-RateLimit-Reset", "30")], "");
    let with_neither = response(
        429,
        &[],
        r#"{"code":8,"message":"max rate limit exceeded"}"#,
    );
    let wait = |r: &HttpResponse| match r.error() {
        ConnectorError::RateLimited {
            retry_after_seconds,
            ..
        } => retry_after_seconds,
        other => panic!("expected rate-limited, got {other:?}"),
    };
    assert_eq!(wait(&with_retry), Some(7));
    assert_eq!(wait(&with_reset), Some(30));
    assert_eq!(wait(&with_neither), None);
}

#[test]
fn display_names_the_field_and_rule() {
    let err = ConnectorError::invalid("path.pin_id", "is required");
    assert_eq!(err.to_string(), "invalid input `path.pin_id`: is required");
}

#[test]
fn redact_removes_every_secret_from_every_text() {
    let api = ApiError {
        status: 401,
        code: Some(2),
        message: "Token pina_SECRET is invalid (pina_SECRET)".into(),
        request_id: Some("rid".into()),
        attempts: 1,
    };
    let cases = [
        ConnectorError::Unauthorized(api.clone()),
        ConnectorError::Upstream(api.clone()),
        ConnectorError::RateLimited {
            retry_after_seconds: Some(1),
            error: api,
        },
        ConnectorError::invalid("query.token", "`pina_SECRET` is not allowed"),
        ConnectorError::transport(
            TransportKind::Other,
            "sending to https://x/?t=pina_SECRET failed",
        ),
        ConnectorError::DeniedByHost("pina_SECRET".into()),
    ];
    for error in cases {
        let redacted = error.redact(&["", "pina_SECRET", "absent"]);
        let text = format!("{redacted} {redacted:?}");
        assert!(!text.contains("pina_SECRET"), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
    }
}

#[test]
fn short_secrets_leave_messages_readable() {
    // A client secret `s` and an access token `a`, echoed by a server.
    let error = ConnectorError::transport(
        TransportKind::Other,
        "Error sending the request: token a was refused for client s",
    );
    let text = error.redact(&["s", "a", "YzpzIg=="]).to_string();
    assert_eq!(
        text,
        "transport error: Error sending the request: token [redacted] was refused for client [redacted]"
    );
}

#[test]
fn placeholders_are_never_redacted_inside() {
    let once = redact_text("token a, secret s, sd", &["a", "s", "d", "e", "[", "]"]);
    assert_eq!(once, "token [redacted], secret [redacted], sd");
    // Redacting again changes nothing, even with secrets found in the
    // placeholder's own letters.
    let twice = redact_text(&once, &["red", "acted", "e", "[redacted]x"]);
    assert_eq!(twice, once);
    assert!(!twice.contains("[["), "{twice}");
}

#[test]
fn the_longest_secret_at_a_place_is_replaced_whole() {
    let text = redact_text(
        "old pina_ABCDEF and new pina_ABCDEFGH, prefix pina_",
        &["pina_", "pina_ABCDEF", "pina_ABCDEFGH"],
    );
    assert_eq!(text, "old [redacted] and new [redacted], prefix [redacted]");
}

#[test]
fn long_secrets_are_replaced_even_inside_words() {
    let text = redact_text("xxpina_SECRETyy", &["pina_SECRET"]);
    assert_eq!(text, "xx[redacted]yy");
    // A short one only where it stands alone.
    assert_eq!(redact_text("sss s.", &["s"]), "sss [redacted].");
}

#[test]
fn a_reset_instant_is_reported_as_the_seconds_left() {
    let limited = response(
        429,
        &[("X-RateLimit-Reset", "1700067000")],
        r#"{"code":8,"message":"max rate limit exceeded"}"#,
    )
    .received_at(1_700_000_000);
    match limited.error() {
        ConnectorError::RateLimited {
            retry_after_seconds,
            error,
        } => {
            assert_eq!(retry_after_seconds, Some(67_000));
            assert!(
                error
                    .message
                    .starts_with("max rate limit exceeded (Pinterest code 8")
            );
        }
        other => panic!("expected rate-limited, got {other:?}"),
    }
    let text = limited.error().to_string();
    assert!(text.contains("retry after 67000 s"), "{text}");
}

#[test]
fn code_8_is_a_rate_limit_whatever_the_status() {
    let limited = response(
        403,
        &[],
        r#"{"code":8,"message":"max rate limit exceeded"}"#,
    );
    assert!(matches!(
        limited.error(),
        ConnectorError::RateLimited { .. }
    ));
}

#[test]
fn code_29_says_to_use_the_sandbox() {
    let trial = response(
        403,
        &[],
        r#"{"code":29,"message":"You have been denied access to this API."}"#,
    );
    match trial.error() {
        ConnectorError::Forbidden(api) => {
            assert_eq!(api.code, Some(29));
            assert!(
                api.message
                    .starts_with("You have been denied access to this API. (")
            );
            assert!(api.message.contains("sandbox"), "{}", api.message);
        }
        other => panic!("expected forbidden, got {other:?}"),
    }
}

fn job(state: &str) -> JobState {
    JobState {
        job: "report".into(),
        id: "tok-1".into(),
        state: state.into(),
        polls: 3,
    }
}

#[test]
fn jobs_say_which_job_where_it_stood_and_hide_secrets() {
    assert_eq!(
        ConnectorError::JobFailed(job("EXPIRED")).to_string(),
        "report tok-1 ended EXPIRED"
    );
    assert_eq!(
        ConnectorError::JobPending(job("IN_PROGRESS")).to_string(),
        "report tok-1 is still IN_PROGRESS after 3 polls"
    );
    let echoed = ConnectorError::JobFailed(JobState {
        state: "failed: token s3cr3t".into(),
        ..job("x")
    })
    .redact(&["s3cr3t"]);
    assert!(!echoed.to_string().contains("s3cr3t"), "{echoed}");
}

#[test]
fn kinds_are_named_as_the_wit_names_them() {
    let api = ApiError {
        status: 503,
        code: None,
        message: "busy".into(),
        request_id: None,
        attempts: 1,
    };
    let cases = [
        (
            ConnectorError::Unauthorized(api.clone()),
            "unauthorized",
            false,
        ),
        (ConnectorError::Forbidden(api.clone()), "forbidden", false),
        (ConnectorError::NotFound(api.clone()), "not-found", false),
        (
            ConnectorError::RateLimited {
                retry_after_seconds: None,
                error: api.clone(),
            },
            "rate-limited",
            true,
        ),
        (ConnectorError::invalid("f", "r"), "invalid-input", false),
        (
            ConnectorError::UnsupportedInSandbox("x".into()),
            "unsupported-in-sandbox",
            false,
        ),
        (
            ConnectorError::MissingScopes {
                endpoint: "e".into(),
                scopes: vec![],
            },
            "missing-scopes",
            false,
        ),
        (ConnectorError::Upstream(api.clone()), "upstream", true),
        (
            ConnectorError::transport(TransportKind::TimedOut, "slow"),
            "transport",
            true,
        ),
        (
            ConnectorError::transport(TransportKind::TooLarge, "big"),
            "transport",
            false,
        ),
        (
            ConnectorError::DeniedByHost("no".into()),
            "denied-by-host",
            false,
        ),
        (
            ConnectorError::JobFailed(job("EXPIRED")),
            "job-failed",
            false,
        ),
        (
            ConnectorError::JobPending(job("IN_PROGRESS")),
            "job-pending",
            true,
        ),
    ];
    for (error, kind, transient) in cases {
        assert_eq!(error.kind(), kind);
        assert_eq!(error.is_transient(), transient, "{error}");
    }
    let spam = ConnectorError::RateLimited {
        retry_after_seconds: None,
        error: ApiError {
            message: "Blocked as spam".into(),
            ..api
        },
    };
    assert!(!spam.is_transient());
    assert_eq!(TransportKind::TimedOut.as_str(), "timed-out");
}

#[test]
fn transport_errors_and_denials_name_the_host_they_were_reaching() {
    let refused = ConnectorError::transport(TransportKind::Unresolved, "DNS-error (rcode x)")
        .reaching("api-sandbox.pinterest.com")
        .with_attempts(1);
    assert_eq!(
        refused.to_string(),
        "transport error: DNS-error (rcode x) reaching api-sandbox.pinterest.com"
    );
    let ConnectorError::Transport(error) = &refused else {
        panic!("{refused:?}")
    };
    assert_eq!(
        unreachable_host(&error.to_string()),
        Some("api-sandbox.pinterest.com")
    );
    // The attempts that follow in the Display are not part of the host.
    let retried = ConnectorError::transport(TransportKind::Refused, "connection-refused")
        .reaching("127.0.0.1:9")
        .with_attempts(4);
    assert!(
        retried
            .to_string()
            .ends_with("reaching 127.0.0.1:9 (after 4 attempts)")
    );
    assert_eq!(unreachable_host(&retried.to_string()), Some("127.0.0.1:9"));
    let denied = ConnectorError::DeniedByHost("the host does not allow the request".into())
        .reaching("example.com");
    assert_eq!(
        denied.to_string(),
        "denied by host: the host does not allow the request reaching example.com"
    );
    assert_eq!(unreachable_host(&denied.to_string()), Some("example.com"));
    // Other errors are left as they are, and name no host.
    let other = ConnectorError::invalid("x", "y").reaching("example.com");
    assert_eq!(other, ConnectorError::invalid("x", "y"));
    assert_eq!(unreachable_host(&other.to_string()), None);
}

#[test]
fn an_unresolved_name_is_refused_in_wit_terms_and_not_transient() {
    assert_eq!(TransportKind::Unresolved.as_str(), "refused");
    assert!(!ConnectorError::transport(TransportKind::Unresolved, "x").is_transient());
    assert!(ConnectorError::transport(TransportKind::Refused, "x").is_transient());
}
