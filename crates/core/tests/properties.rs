//! Property tests of the core's input handling: whatever comes in, the
//! answer is a value or a typed error, never a panic, and what is sent stays
//! where it belongs. Each property runs 256 cases in the normal suite;
//! `cargo xtask fuzz --cases N` runs them longer.

use std::time::Duration;

use pinterest_connector_core::catalog::embedded;
use pinterest_connector_core::credentials::Credentials;
use pinterest_connector_core::error::ConnectorError;
use pinterest_connector_core::http::{HttpResponse, Method};
use pinterest_connector_core::oauth::read_token_response;
use pinterest_connector_core::pagination::page_shape;
use pinterest_connector_core::raw::{RawInput, check_header, prepare_raw, resolve_relative};
use pinterest_connector_core::request::{CallInput, prepare_call};
use pinterest_connector_core::retry::RetryPolicy;
use pinterest_connector_core::session::Session;
use proptest::prelude::*;

const BASE: &str = "https://api.pinterest.com/v5";

fn creds() -> Credentials {
    Credentials::Sandbox("token".into())
}

/// Strings rich in the characters that matter to URLs and headers.
fn tricky() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z0-9/\\\\.%?#:@ \r\n\t&=+;,\\[\\]~-]{0,40}",
        "(/|\\.\\.|%2e|%2E|%2f|%5c|\\\\|//|\\?|#|:|@){1,12}",
    ]
}

fn response(status: u16, body: Vec<u8>) -> HttpResponse {
    HttpResponse::new(status, vec![("x-pinterest-rid".into(), "rid".into())], body)
}

proptest! {
    /// A raw URL is refused, or it resolves under the API base.
    #[test]
    fn raw_urls_never_leave_the_base(relative in tricky()) {
        match resolve_relative(BASE, &relative) {
            Ok(url) => {
                prop_assert_eq!(url.scheme(), "https");
                prop_assert_eq!(url.host_str(), Some("api.pinterest.com"));
                prop_assert!(url.port().is_none());
                prop_assert!(
                    url.path() == "/v5" || url.path().starts_with("/v5/"),
                    "{} from {:?}", url, relative
                );
                prop_assert!(!url.path().split('/').any(|s| s == ".." || s == "."));
                prop_assert!(url.username().is_empty() && url.password().is_none());
            }
            Err(ConnectorError::InvalidInput { field, .. }) => prop_assert_eq!(field, "url"),
            Err(other) => prop_assert!(false, "unexpected {:?}", other),
        }
    }

    /// A caller header is refused, or it is safe to put on the wire.
    #[test]
    fn accepted_headers_cannot_smuggle_anything(name in tricky(), value in tricky()) {
        if check_header(&name, &value).is_ok() {
            prop_assert!(!name.is_empty());
            prop_assert!(!name.eq_ignore_ascii_case("authorization"));
            prop_assert!(!name.eq_ignore_ascii_case("host"));
            prop_assert!(!name.contains([':', ' ', '\r', '\n']));
            prop_assert!(!value.contains(['\r', '\n', '\0']));
            let input = RawInput {
                method: Method::Get,
                url: "/pins".into(),
                headers: vec![(name.clone(), value.clone())],
                body: None,
                no_throw_on_404: false,
            };
            let request = prepare_raw(&Session::new(creds()), &input).unwrap();
            let auth = request
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case("authorization"))
                .count();
            prop_assert_eq!(auth, 1);
        }
    }

    /// A path parameter, whatever it holds, stays one path segment and
    /// comes back unchanged when decoded.
    #[test]
    fn path_values_stay_one_segment(value in tricky()) {
        let input = CallInput {
            endpoint: "GET /pins/{pin_id}".into(),
            path_params: vec![("pin_id".into(), value.clone())],
            ..Default::default()
        };
        match prepare_call(embedded(), &Session::new(creds()), &input) {
            Ok(call) => {
                let url = &call.request.url;
                let segments: Vec<&str> = url.path_segments().unwrap().collect();
                prop_assert_eq!(segments.len(), 3, "{}", url);
                prop_assert_eq!(&segments[..2], &["v5", "pins"]);
                let decoded = percent_decode(segments[2]);
                prop_assert_eq!(decoded, value);
                prop_assert_eq!(url.host_str(), Some("api-sandbox.pinterest.com"));
            }
            Err(ConnectorError::InvalidInput { field, .. }) => {
                prop_assert!(field.starts_with("path.pin_id"), "{}", field)
            }
            Err(other) => prop_assert!(false, "unexpected {:?}", other),
        }
    }

    /// Query values, whatever they hold, come back unchanged as the one
    /// value of their parameter; nothing else appears in the query.
    #[test]
    fn query_values_round_trip(value in tricky()) {
        let input = CallInput {
            endpoint: "GET /search/pins".into(),
            query_params: vec![("query".into(), value.clone())],
            ..Default::default()
        };
        let oauth = Credentials::OAuth2(pinterest_connector_core::credentials::OAuth2Credentials {
            access_token: "token".into(),
            ..Default::default()
        });
        match prepare_call(embedded(), &Session::new(oauth.clone()), &input) {
            Ok(call) => {
                let pairs: Vec<(String, String)> = call
                    .request
                    .url
                    .query_pairs()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                prop_assert_eq!(pairs, vec![("query".to_string(), value)]);
            }
            Err(ConnectorError::InvalidInput { field, .. }) => {
                prop_assert!(field.starts_with("query"), "{}", field)
            }
            Err(other) => prop_assert!(false, "unexpected {:?}", other),
        }
    }

    /// Any JSON body (or none, or not JSON) for `POST /pins` is accepted or
    /// refused with a typed error naming the body.
    #[test]
    fn bodies_are_validated_without_panicking(body in prop_oneof![
        any::<String>(),
        arbitrary_json().prop_map(|v| v.to_string()),
    ]) {
        let input = CallInput {
            endpoint: "POST /pins".into(),
            body: Some(body),
            ..Default::default()
        };
        match prepare_call(embedded(), &Session::new(creds()), &input) {
            Ok(_) => {}
            Err(ConnectorError::InvalidInput { field, .. }) => {
                prop_assert!(field.starts_with("body"), "{}", field)
            }
            Err(other) => prop_assert!(false, "unexpected {:?}", other),
        }
    }

    /// Whatever a server answers, reading it gives a value or a typed error.
    #[test]
    fn answers_are_read_without_panicking(
        status in 100u16..600,
        body in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..200),
            arbitrary_json().prop_map(|v| v.to_string().into_bytes()),
        ],
    ) {
        let r = response(status, body);
        let error = r.api_error();
        prop_assert_eq!(error.status, status);
        prop_assert_eq!(r.check_status().is_ok(), (200..300).contains(&status));
        let _ = page_shape(&r);
        if let Ok(tokens) = read_token_response(&r, 1_000) {
            prop_assert!(!tokens.access_token.is_empty());
        }
    }

    /// Backoff stays within its bounds for any retry and any randomness.
    #[test]
    fn backoff_is_bounded(retry in 0u32..100, random in any::<u64>(), initial in 0u64..10_000, cap in 0u64..60_000) {
        let policy = RetryPolicy {
            initial_backoff: Duration::from_millis(initial),
            max_backoff: Duration::from_millis(cap),
            ..RetryPolicy::default()
        };
        let wait = policy.backoff(retry, random);
        prop_assert!(wait <= Duration::from_millis(cap));
    }
}

fn arbitrary_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        "[a-z_]{0,12}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    "[a-z_]{1,10}",
                    Just("board_id".to_string()),
                    Just("media_source".to_string()),
                    Just("items".to_string()),
                    Just("bookmark".to_string()),
                    Just("access_token".to_string()),
                    Just("message".to_string()),
                    Just("code".to_string()),
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// The round-trip properties above are not vacuous: an ordinary value
/// passes through them.
#[test]
fn ordinary_values_pass_the_properties_checks() {
    let oauth = Credentials::OAuth2(pinterest_connector_core::credentials::OAuth2Credentials {
        access_token: "token".into(),
        ..Default::default()
    });
    let search = CallInput {
        endpoint: "GET /search/pins".into(),
        query_params: vec![("query".into(), "cats & dogs/#?".into())],
        ..Default::default()
    };
    assert!(prepare_call(embedded(), &Session::new(oauth.clone()), &search).is_ok());
    let pin = CallInput {
        endpoint: "GET /pins/{pin_id}".into(),
        path_params: vec![("pin_id".into(), "a/b?c#d".into())],
        ..Default::default()
    };
    assert!(prepare_call(embedded(), &Session::new(creds()), &pin).is_ok());
    assert!(check_header("X-Trace-Id", "abc def").is_ok());
    assert!(resolve_relative(BASE, "/pins?page_size=5").is_ok());
}
