use super::*;

fn oauth(token: &str) -> Credentials {
    Credentials::OAuth2(OAuth2Credentials {
        client_id: "app-1".into(),
        client_secret: "shh-secret".into(),
        access_token: token.into(),
        refresh_token: Some("refresh-secret".into()),
        expires_at: Some(1_800_000_000),
        refresh_token_expires_at: None,
        token_endpoint: None,
        continuous_refresh: false,
        scopes: vec!["pins:read".into()],
    })
}

#[test]
fn empty_or_broken_tokens_are_refused() {
    assert!(oauth("tok").validate().is_ok());
    let err = oauth("").validate().unwrap_err();
    assert!(
        matches!(err, ConnectorError::InvalidInput { ref field, .. } if field == "credentials.access-token")
    );
    let err = Credentials::Sandbox(String::new()).validate().unwrap_err();
    assert!(
        matches!(err, ConnectorError::InvalidInput { ref field, .. } if field == "credentials.sandbox")
    );
    assert!(oauth("a b").validate().is_err());
    assert!(oauth("a\r\nX-Evil: 1").validate().is_err());
}

#[test]
fn debug_output_hides_every_secret() {
    let shown = format!(
        "{:?} {:?}",
        oauth("access-secret"),
        Credentials::Sandbox("sandbox-secret".into())
    );
    for secret in [
        "shh-secret",
        "access-secret",
        "refresh-secret",
        "sandbox-secret",
    ] {
        assert!(!shown.contains(secret), "{secret} leaked in {shown}");
    }
    assert!(shown.contains("app-1"));
}

fn response(status: u16, body: &str) -> crate::http::HttpResponse {
    crate::http::HttpResponse::new(status, vec![], body.as_bytes().to_vec())
}

fn stored(refresh_token: Option<&str>, scopes: &[&str]) -> OAuth2Credentials {
    OAuth2Credentials {
        client_id: "app".into(),
        client_secret: "secret".into(),
        access_token: "access-2".into(),
        refresh_token: refresh_token.map(str::to_owned),
        expires_at: Some(10_000),
        refresh_token_expires_at: Some(90_000),
        token_endpoint: Some("https://auth.example/token".into()),
        continuous_refresh: true,
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn a_token_answer_reads_back_as_the_tokens_it_was_made_of() {
    let held = stored(Some("refresh-2"), &["pins:read", "boards:read"]);
    let answer = response(200, std::str::from_utf8(&held.token_answer(1_000)).unwrap());
    let issued = crate::oauth::read_token_response(&answer, 1_000).unwrap();
    let previous = OAuth2Credentials {
        access_token: "access-1".into(),
        refresh_token: Some("refresh-1".into()),
        expires_at: Some(1),
        refresh_token_expires_at: Some(2),
        scopes: vec![],
        ..held.clone()
    };
    assert_eq!(previous.renewed(issued), held);
}

#[test]
fn a_token_answer_leaves_out_what_the_credentials_do_not_know() {
    let mut held = stored(None, &[]);
    held.expires_at = None;
    held.refresh_token_expires_at = None;
    let body: serde_json::Value = serde_json::from_slice(&held.token_answer(5)).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"access_token": "access-2", "token_type": "bearer"})
    );
    // An instant already past is a lifetime of zero, never a wrap-around.
    let mut past = stored(Some("r"), &[]);
    past.expires_at = Some(3);
    let body: serde_json::Value = serde_json::from_slice(&past.token_answer(5)).unwrap();
    assert_eq!(body["expires_in"], 0);
}

#[test]
fn renewing_keeps_what_the_answer_left_out() {
    let previous = stored(Some("refresh-1"), &["pins:read"]);
    let issued = crate::oauth::IssuedTokens {
        access_token: "access-9".into(),
        expires_at: Some(77),
        refresh_token: None,
        refresh_token_expires_at: None,
        scopes: vec![],
    };
    let renewed = previous.renewed(issued);
    assert_eq!(renewed.access_token, "access-9");
    assert_eq!(renewed.expires_at, Some(77));
    assert_eq!(renewed.refresh_token.as_deref(), Some("refresh-1"));
    assert_eq!(renewed.refresh_token_expires_at, Some(90_000));
    assert_eq!(renewed.scopes, ["pins:read"]);
    assert_eq!(renewed.token_endpoint, previous.token_endpoint);
}
