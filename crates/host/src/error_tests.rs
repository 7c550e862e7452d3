use super::*;
use crate::bindings::pinterest::connector::types::{RateLimit, TransportError};
use crate::credentials::Credentials;

fn api(status: u16) -> ApiError {
    ApiError {
        status,
        code: Some(8),
        message: "max rate limit exceeded".into(),
        request_id: Some("rid-1".into()),
        attempts: 2,
    }
}

#[test]
fn an_action_failure_displays_the_error_for_people() {
    let failure = ActionFailure {
        error: ConnectorError::RateLimited(RateLimit {
            retry_after_seconds: Some(60),
            error: api(429),
        }),
        credentials: CredentialsState {
            credentials: Credentials::Sandbox("sandbox-secret".into()),
            refreshed: false,
        },
    };
    assert_eq!(
        failure.to_string(),
        "rate limited: HTTP 429, code 8: max rate limit exceeded (x-pinterest-rid rid-1) \
         after 2 attempts; retry after 60 s"
    );
    assert!(!format!("{failure} {failure:?}").contains("sandbox-secret"));
}

#[test]
fn transport_errors_name_their_kind_and_attempts() {
    let error = ConnectorError::Transport(TransportError {
        kind: TransportKind::TimedOut,
        message: "no answer".into(),
        attempts: 3,
    });
    assert_eq!(
        describe(&error),
        "transport error (timed-out): no answer after 3 attempts"
    );
}
