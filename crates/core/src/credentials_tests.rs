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
