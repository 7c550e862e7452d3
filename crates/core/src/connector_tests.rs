use super::*;
use crate::credentials::OAuth2Credentials;
use crate::http::HttpRequest;

/// Answers every request with one canned response and keeps the requests.
struct Canned {
    response: HttpResponse,
    sent: Vec<HttpRequest>,
}

impl Transport for Canned {
    fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ConnectorError> {
        self.sent.push(request.clone());
        Ok(self.response.clone())
    }

    fn now(&self) -> u64 {
        NOW
    }
}

/// The clock of every test here, in Unix seconds.
const NOW: u64 = 1_000;

fn canned(status: u16, body: &str) -> Connector<Canned> {
    Connector::new(Canned {
        response: HttpResponse {
            status,
            headers: vec![("x-pinterest-rid".into(), "rid-1".into())],
            body: body.as_bytes().to_vec(),
            attempts: 1,
            received_at: None,
        },
        sent: vec![],
    })
}

fn oauth() -> Credentials {
    Credentials::OAuth2(OAuth2Credentials {
        client_id: "id".into(),
        client_secret: "secret".into(),
        access_token: "token".into(),
        refresh_token: None,
        expires_at: None,
        refresh_token_expires_at: None,
        token_endpoint: None,
        continuous_refresh: false,
        scopes: vec![],
    })
}

#[test]
fn api_call_returns_the_response_and_the_next_bookmark() {
    let mut c = canned(200, r#"{"items":[1,2],"bookmark":"next"}"#);
    let input = CallInput {
        endpoint: "GET /boards".into(),
        ..Default::default()
    };
    let out = c.api_call(&mut Session::new(oauth()), &input).unwrap();
    assert_eq!(out.response.status, 200);
    assert_eq!(out.next_bookmark.as_deref(), Some("next"));
    assert_eq!(
        c.transport().sent[0].url.as_str(),
        "https://api.pinterest.com/v5/boards"
    );
}

#[test]
fn invalid_inputs_send_nothing() {
    let mut c = canned(200, "{}");
    let input = CallInput {
        endpoint: "GET /pins/{pin_id}".into(),
        ..Default::default()
    };
    assert!(matches!(
        c.api_call(&mut Session::new(oauth()), &input),
        Err(ConnectorError::InvalidInput { .. })
    ));
    let raw = RawInput {
        method: Method::Get,
        url: "https://evil.example/".into(),
        headers: vec![],
        body: None,
        no_throw_on_404: false,
    };
    assert!(matches!(
        c.raw_request(&mut Session::new(oauth()), &raw),
        Err(ConnectorError::InvalidInput { .. })
    ));
    assert!(c.transport().sent.is_empty());
}

#[test]
fn raw_404_is_an_error_unless_asked_otherwise() {
    let mut c = canned(404, r#"{"code":50,"message":"Pin not found."}"#);
    let mut raw = RawInput {
        method: Method::Get,
        url: "/pins/1".into(),
        headers: vec![],
        body: None,
        no_throw_on_404: false,
    };
    match c.raw_request(&mut Session::new(oauth()), &raw) {
        Err(ConnectorError::NotFound(e)) => {
            assert_eq!((e.code, e.request_id.as_deref()), (Some(50), Some("rid-1")));
        }
        other => panic!("unexpected {other:?}"),
    }
    raw.no_throw_on_404 = true;
    assert_eq!(
        c.raw_request(&mut Session::new(oauth()), &raw)
            .unwrap()
            .status,
        404
    );
}

#[test]
fn verify_reads_the_account() {
    let mut c = canned(200, r#"{"username":"ann","account_type":"PINNER"}"#);
    let account = c.verify_credentials(&mut Session::new(oauth())).unwrap();
    assert_eq!(
        (account.username.as_str(), account.account_type.as_str()),
        ("ann", "PINNER")
    );
    assert_eq!(c.transport().sent[0].url.path(), "/v5/user_account");
    let mut c = canned(401, r#"{"code":2,"message":"Authentication failed."}"#);
    assert!(matches!(
        c.verify_credentials(&mut Session::new(oauth())),
        Err(ConnectorError::Unauthorized(_))
    ));
}

#[test]
fn pagination_is_refused_where_there_is_no_bookmark() {
    let mut c = canned(200, "{}");
    let input = CallInput {
        endpoint: "GET /user_account".into(),
        ..Default::default()
    };
    let err = c
        .paginate(&Session::new(oauth()), &input, PaginationOptions::default())
        .unwrap_err();
    assert!(matches!(err, ConnectorError::InvalidInput { ref field, .. } if field == "endpoint"));
    let input = CallInput {
        endpoint: "GET /pins".into(),
        ..Default::default()
    };
    assert!(
        c.paginate(
            &Session::new(oauth()),
            &input,
            PaginationOptions { max_pages: Some(0) }
        )
        .is_err()
    );
}

fn with_refresh() -> OAuth2Credentials {
    OAuth2Credentials {
        client_id: "id".into(),
        client_secret: "secret".into(),
        access_token: "old-access".into(),
        refresh_token: Some("old-refresh".into()),
        expires_at: Some(10),
        refresh_token_expires_at: Some(100),
        token_endpoint: Some("https://tokens.example/v5/oauth/token".into()),
        continuous_refresh: false,
        scopes: vec!["pins:read".into()],
    }
}

#[test]
fn refresh_rotates_the_refresh_token_and_keeps_what_was_not_reissued() {
    let mut c = canned(
        200,
        r#"{"access_token":"new-access","expires_in":60,"refresh_token":"new-refresh","refresh_token_expires_in":600}"#,
    );
    let fresh = c
        .refresh(&OAuth2Credentials {
            continuous_refresh: true,
            ..with_refresh()
        })
        .unwrap();
    assert_eq!(fresh.access_token, "new-access");
    assert_eq!(fresh.expires_at, Some(1_060));
    assert_eq!(fresh.refresh_token.as_deref(), Some("new-refresh"));
    assert_eq!(fresh.refresh_token_expires_at, Some(1_600));
    assert_eq!(
        fresh.scopes,
        ["pins:read"],
        "scopes kept when the answer names none"
    );
    let sent = &c.transport().sent[0];
    assert_eq!(sent.url.as_str(), "https://tokens.example/v5/oauth/token");
    let body = String::from_utf8(sent.body.clone().unwrap()).unwrap();
    assert_eq!(
        body,
        "grant_type=refresh_token&refresh_token=old-refresh&continuous_refresh=true"
    );

    let mut c = canned(200, r#"{"access_token":"new-access","expires_in":60}"#);
    let fresh = c.refresh(&with_refresh()).unwrap();
    assert_eq!(
        fresh.refresh_token.as_deref(),
        Some("old-refresh"),
        "not rotated: kept"
    );
}

#[test]
fn a_refused_refresh_token_is_unauthorized_with_a_hint() {
    let mut c = canned(400, r#"{"code":1,"message":"Invalid refresh token."}"#);
    match c.refresh(&with_refresh()) {
        Err(ConnectorError::Unauthorized(e)) => {
            assert!(e.message.contains("re-authenticate"), "{}", e.message)
        }
        other => panic!("{other:?}"),
    }
    let mut c = canned(200, "{}");
    let without = OAuth2Credentials {
        refresh_token: None,
        ..with_refresh()
    };
    assert!(matches!(
        c.refresh(&without),
        Err(ConnectorError::InvalidInput { .. })
    ));
    assert!(c.transport().sent.is_empty());
}

#[test]
fn exchange_code_builds_whole_credentials() {
    let mut c = canned(
        200,
        r#"{"access_token":"a","expires_in":10,"refresh_token":"r","refresh_token_expires_in":20,"scope":"boards:read,pins:read"}"#,
    );
    let app = OAuthApp {
        client_id: "id".into(),
        client_secret: "secret".into(),
        token_endpoint: None,
        continuous_refresh: false,
    };
    let creds = c
        .exchange_code(&app, "code-1", "http://127.0.0.1:9/cb")
        .unwrap();
    assert_eq!(
        (creds.access_token.as_str(), creds.refresh_token.as_deref()),
        ("a", Some("r"))
    );
    assert_eq!(
        (creds.expires_at, creds.refresh_token_expires_at),
        (Some(NOW + 10), Some(NOW + 20))
    );
    assert_eq!(creds.scopes, ["boards:read", "pins:read"]);
    assert_eq!(
        c.transport().sent[0].url.as_str(),
        crate::oauth::TOKEN_ENDPOINT
    );
    assert!(!format!("{app:?}").contains("secret\""));
}

#[test]
fn verify_reports_scopes_and_refuses_credentials_known_to_lack_the_scope() {
    let with = |scopes: &[&str]| {
        Credentials::OAuth2(OAuth2Credentials {
            access_token: "token".into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        })
    };
    let mut c = canned(200, r#"{"username":"ann","account_type":"PINNER"}"#);
    let account = c
        .verify_credentials(&mut Session::new(with(&[
            "pins:read",
            "user_accounts:read",
        ])))
        .unwrap();
    assert_eq!(account.scopes, ["pins:read", "user_accounts:read"]);
    assert!(account.user_accounts_read);
    let unknown = c.verify_credentials(&mut Session::new(with(&[]))).unwrap();
    assert!(
        unknown.scopes.is_empty() && unknown.user_accounts_read,
        "proven by the call"
    );
    assert_eq!(c.transport().sent.len(), 2);
    match c.verify_credentials(&mut Session::new(with(&["pins:read"]))) {
        Err(ConnectorError::MissingScopes { scopes, .. }) => {
            assert_eq!(scopes, ["user_accounts:read"])
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(c.transport().sent.len(), 2, "nothing sent");
    let mut c = canned(403, r#"{"code":3,"message":"Not authorized."}"#);
    match c.verify_credentials(&mut Session::new(with(&[]))) {
        Err(ConnectorError::Forbidden(e)) => {
            assert!(e.message.contains("user_accounts:read"), "{}", e.message)
        }
        other => panic!("{other:?}"),
    }
}
