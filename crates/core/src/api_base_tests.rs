use super::*;
use crate::connector::Connector;
use crate::credentials::OAuth2Credentials;
use crate::http::{HttpRequest, HttpResponse, Method, Transport};
use crate::raw::RawInput;
use crate::request::CallInput;
use crate::session::Session;

fn chosen(text: &str) -> String {
    match ApiBase::parse(text) {
        Ok(ApiBase::Chosen(base)) => base,
        other => panic!("{text}: {other:?}"),
    }
}

fn refused(text: &str) -> String {
    match ApiBase::parse(text) {
        Err(ConnectorError::InvalidInput { field, reason }) => {
            assert_eq!(field, "options.api-base");
            reason
        }
        other => panic!("{text} was not refused: {other:?}"),
    }
}

fn oauth(token_endpoint: Option<&str>) -> Credentials {
    Credentials::OAuth2(OAuth2Credentials {
        client_id: "app".into(),
        client_secret: "app-secret".into(),
        access_token: "expired-token".into(),
        refresh_token: Some("refresh-token".into()),
        expires_at: Some(1),
        token_endpoint: token_endpoint.map(str::to_owned),
        ..OAuth2Credentials::default()
    })
}

/// Answers every request: a token for token requests, an account for the
/// rest; remembers each URL it was sent.
#[derive(Default)]
struct Recorder {
    urls: Vec<String>,
}

impl Transport for Recorder {
    fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ConnectorError> {
        self.urls.push(request.url.to_string());
        let body = if request.method == Method::Post {
            r#"{"access_token":"fresh","expires_in":3600,"refresh_token":"fresh-refresh"}"#
        } else {
            r#"{"username":"someone","account_type":"BUSINESS"}"#
        };
        Ok(HttpResponse::new(200, Vec::new(), body.as_bytes().to_vec()))
    }

    fn now(&self) -> u64 {
        1_000
    }
}

#[test]
fn https_anywhere_and_http_to_loopback_are_taken() {
    assert_eq!(
        chosen("https://proxy.example.com/pinterest/v5/"),
        "https://proxy.example.com/pinterest/v5"
    );
    assert_eq!(
        chosen("http://127.0.0.1:8080/v5"),
        "http://127.0.0.1:8080/v5"
    );
    assert_eq!(chosen("http://127.9.9.9:1/v5"), "http://127.9.9.9:1/v5");
    assert_eq!(chosen("http://[::1]:8080/v5"), "http://[::1]:8080/v5");
    assert_eq!(
        chosen("http://LOCALHOST:8080/v5"),
        "http://localhost:8080/v5"
    );
    assert_eq!(
        chosen("https://api.pinterest.com"),
        "https://api.pinterest.com"
    );
}

#[test]
fn plain_http_elsewhere_and_other_schemes_are_refused() {
    for text in [
        "http://10.0.0.1/v5",
        "http://169.254.169.254/latest",
        "http://api.pinterest.com/v5",
        "http://localhost.example.com/v5",
        "http://127.0.0.1.nip.io/v5",
    ] {
        assert!(refused(text).contains("loopback"), "{text}");
    }
    assert!(refused("ftp://127.0.0.1/v5").contains("https://"));
    assert!(refused("file:///etc/passwd").contains("host"));
    assert!(refused("/v5").contains("absolute"));
    assert!(refused("").contains("absolute"));
    assert!(refused("https://user:pw@proxy.example.com/v5").contains("user info"));
    assert!(refused("https://proxy.example.com/v5?x=1").contains("query"));
    assert!(refused("https://proxy.example.com/v5#top").contains("fragment"));
}

#[test]
fn pinterest_base_follows_the_kind_of_credentials_and_a_chosen_one_serves_both() {
    let sandbox = Credentials::Sandbox("token".into());
    let production = oauth(None);
    assert_eq!(
        ApiBase::Pinterest.for_credentials(&production),
        "https://api.pinterest.com/v5"
    );
    assert_eq!(
        ApiBase::Pinterest.for_credentials(&sandbox),
        "https://api-sandbox.pinterest.com/v5"
    );
    let mock = ApiBase::parse("http://127.0.0.1:9/v5").unwrap();
    assert_eq!(mock.for_credentials(&production), "http://127.0.0.1:9/v5");
    assert_eq!(mock.for_credentials(&sandbox), "http://127.0.0.1:9/v5");
    assert_eq!(
        ApiBase::from_option(None).unwrap().token_endpoint(),
        crate::oauth::TOKEN_ENDPOINT
    );
    assert_eq!(mock.token_endpoint(), "http://127.0.0.1:9/v5/oauth/token");
}

#[test]
fn every_request_of_a_session_goes_to_its_base_refreshes_included() {
    let mut session = Session::new(oauth(None));
    session.set_api_base(ApiBase::parse("http://127.0.0.1:9/v5/").unwrap());
    let mut connector = Connector::new(Recorder::default());
    connector.verify_credentials(&mut session).unwrap();
    let input = CallInput {
        endpoint: "GET /pins/{pin_id}".into(),
        path_params: vec![("pin_id".to_owned(), "123".to_owned())],
        ..CallInput::default()
    };
    connector.api_call(&mut session, &input).unwrap();
    let raw = RawInput {
        method: Method::Get,
        url: "/boards?page_size=2".into(),
        headers: Vec::new(),
        body: None,
        no_throw_on_404: false,
    };
    connector.raw_request(&mut session, &raw).unwrap();
    assert!(session.refreshed());
    assert_eq!(
        connector.transport().urls,
        [
            "http://127.0.0.1:9/v5/oauth/token",
            "http://127.0.0.1:9/v5/user_account",
            "http://127.0.0.1:9/v5/pins/123",
            "http://127.0.0.1:9/v5/boards?page_size=2",
        ]
    );
}

#[test]
fn a_token_endpoint_the_credentials_name_wins_over_the_base() {
    let mut session = Session::new(oauth(Some("https://auth.example.com/token")));
    session.set_api_base(ApiBase::parse("https://proxy.example.com/v5").unwrap());
    let mut connector = Connector::new(Recorder::default());
    connector.verify_credentials(&mut session).unwrap();
    assert_eq!(
        connector.transport().urls,
        [
            "https://auth.example.com/token",
            "https://proxy.example.com/v5/user_account",
        ]
    );
}

#[test]
fn without_a_chosen_base_requests_go_to_pinterest() {
    let mut session = Session::new(Credentials::Sandbox("token".into()));
    let mut connector = Connector::new(Recorder::default());
    connector.verify_credentials(&mut session).unwrap();
    assert_eq!(
        connector.transport().urls,
        ["https://api-sandbox.pinterest.com/v5/user_account"]
    );
}
