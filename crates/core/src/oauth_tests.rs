use super::*;

fn form(request: &HttpRequest) -> Vec<(String, String)> {
    url::form_urlencoded::parse(request.body.as_deref().unwrap())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[test]
fn authorize_url_has_comma_separated_scopes_and_a_code_response() {
    let url = authorize_url(
        AUTHORIZATION_ENDPOINT,
        "1234",
        "http://127.0.0.1:8085/callback",
        &["boards:read".into(), "pins:read".into()],
        "st ate",
    )
    .unwrap();
    assert_eq!(
        url.as_str(),
        "https://www.pinterest.com/oauth/?client_id=1234&redirect_uri=http%3A%2F%2F127.0.0.1%3A8085%2Fcallback&response_type=code&scope=boards%3Aread,pins%3Aread&state=st+ate"
    );
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert!(pairs.contains(&("scope".into(), "boards:read,pins:read".into())));
    assert!(pairs.contains(&("state".into(), "st ate".into())));
    assert!(authorize_url(AUTHORIZATION_ENDPOINT, "", "http://x/", &[], "s").is_err());
    assert!(authorize_url(AUTHORIZATION_ENDPOINT, "1", "not a url", &[], "s").is_err());
    assert!(authorize_url(AUTHORIZATION_ENDPOINT, "1", "javascript:alert(1)", &[], "s").is_err());
}

#[test]
fn token_requests_use_basic_auth_and_a_form_body() {
    let grant = Grant::AuthorizationCode {
        code: "the-code".into(),
        redirect_uri: "http://127.0.0.1/cb".into(),
    };
    let request = token_request(TOKEN_ENDPOINT, "id", "secret", &grant).unwrap();
    assert_eq!(request.method, Method::Post);
    assert_eq!(request.url.as_str(), TOKEN_ENDPOINT);
    assert_eq!(request.header("authorization"), Some("Basic aWQ6c2VjcmV0"));
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        form(&request),
        [
            ("grant_type".into(), "authorization_code".into()),
            ("code".into(), "the-code".into()),
            ("redirect_uri".into(), "http://127.0.0.1/cb".into())
        ]
    );
    let refresh = Grant::RefreshToken {
        refresh_token: "r&1".into(),
        scopes: vec![],
        continuous: true,
    };
    let request = token_request(TOKEN_ENDPOINT, "id", "secret", &refresh).unwrap();
    assert_eq!(
        form(&request),
        [
            ("grant_type".into(), "refresh_token".into()),
            ("refresh_token".into(), "r&1".into()),
            ("continuous_refresh".into(), "true".into())
        ]
    );
    assert!(token_request(TOKEN_ENDPOINT, "id", "", &refresh).is_err());
    let empty = Grant::RefreshToken {
        refresh_token: String::new(),
        scopes: vec![],
        continuous: false,
    };
    assert!(token_request(TOKEN_ENDPOINT, "id", "secret", &empty).is_err());
}

#[test]
fn secrets_stay_out_of_debug_output() {
    let grant = Grant::RefreshToken {
        refresh_token: "refresh-secret".into(),
        scopes: vec![],
        continuous: false,
    };
    let request = token_request(TOKEN_ENDPOINT, "id", "client-secret", &grant).unwrap();
    let shown = format!("{grant:?} {request:?}");
    for secret in ["refresh-secret", "client-secret", "aWQ6Y2xpZW50LXNlY3JldA"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}

fn response(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![],
        body: body.as_bytes().to_vec(),
        attempts: 1,
        received_at: None,
    }
}

#[test]
fn token_answers_become_expiry_instants_and_the_rotated_refresh_token() {
    let body = r#"{"access_token":"a2","token_type":"bearer","expires_in":2592000,"scope":"boards:read,pins:read",
                   "refresh_token":"r2","refresh_token_expires_in":5184000}"#;
    let tokens = read_token_response(&response(200, body), 1_000).unwrap();
    assert_eq!(tokens.access_token, "a2");
    assert_eq!(tokens.expires_at, Some(1_000 + 2_592_000));
    assert_eq!(tokens.refresh_token.as_deref(), Some("r2"));
    assert_eq!(tokens.refresh_token_expires_at, Some(1_000 + 5_184_000));
    assert_eq!(tokens.scopes, ["boards:read", "pins:read"]);
    assert!(!format!("{tokens:?}").contains("a2\""));

    let refreshed = read_token_response(
        &response(
            200,
            r#"{"access_token":"a3","expires_in":60,"scope":"pins:read"}"#,
        ),
        5,
    )
    .unwrap();
    assert_eq!(
        refreshed.refresh_token, None,
        "no rotation: the caller keeps its refresh token"
    );

    assert!(matches!(
        read_token_response(&response(200, "{}"), 0),
        Err(ConnectorError::Upstream(_))
    ));
    assert!(matches!(
        read_token_response(&response(200, "<html>"), 0),
        Err(ConnectorError::Upstream(_))
    ));
    let revoked = response(401, r#"{"code":2,"message":"Authentication failed."}"#);
    assert!(matches!(
        read_token_response(&revoked, 0),
        Err(ConnectorError::Unauthorized(_))
    ));
}

#[test]
fn refresh_is_due_within_the_margin_and_never_for_unknown_expiry() {
    assert!(needs_refresh(Some(100), 100, 0));
    assert!(needs_refresh(Some(100), 50, REFRESH_MARGIN_SECONDS));
    assert!(!needs_refresh(Some(1_000), 100, REFRESH_MARGIN_SECONDS));
    assert!(!needs_refresh(None, u64::MAX, REFRESH_MARGIN_SECONDS));
    assert!(
        needs_refresh(Some(5), u64::MAX, REFRESH_MARGIN_SECONDS),
        "no overflow"
    );
}

#[test]
fn a_token_endpoint_must_be_https_or_on_loopback() {
    let grant = Grant::RefreshToken {
        refresh_token: "r".into(),
        scopes: vec![],
        continuous: false,
    };
    for endpoint in [
        "http://10.1.2.3:9/v5/oauth/token",
        "http://api.pinterest.com/v5/oauth/token",
        "ftp://tokens.example/",
    ] {
        match token_request(endpoint, "id", "secret", &grant) {
            Err(ConnectorError::InvalidInput { field, reason }) => {
                assert_eq!(field, "token-endpoint");
                assert!(reason.contains("https://"), "{reason}");
            }
            other => panic!("{endpoint} was accepted: {other:?}"),
        }
    }
    assert!(token_request("https://tokens.example/token", "id", "secret", &grant).is_ok());
    assert!(token_request("http://127.0.0.1:9/v5/oauth/token", "id", "secret", &grant).is_ok());
}
