use pinterest_connector_core::error::{ApiError, TransportKind};

use super::*;

#[test]
fn every_error_kind_has_a_status() {
    let api = ApiError {
        status: 500,
        code: None,
        message: "m".into(),
        request_id: None,
        attempts: 1,
    };
    let timed_out = ConnectorError::transport(TransportKind::TimedOut, "slow");
    let refused = ConnectorError::transport(TransportKind::Refused, "no");
    assert_eq!(status_of(&timed_out), 504);
    assert_eq!(status_of(&refused), 502);
    assert_eq!(status_of(&ConnectorError::Upstream(api.clone())), 502);
    assert_eq!(
        status_of(&ConnectorError::UnsupportedInSandbox("x".into())),
        422
    );
    let body = serde_json::to_value(ErrorJson::of(&timed_out)).unwrap();
    assert_eq!(body["kind"], "transport");
    assert_eq!(body["transport_kind"], "timed-out");
}
