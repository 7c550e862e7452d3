use super::*;

#[test]
fn debug_output_shows_no_secret() {
    let state = CredentialsState {
        credentials: Credentials::Oauth2(Oauth2Credentials {
            client_id: "app-1".into(),
            client_secret: "the-client-secret".into(),
            access_token: "the-access-token".into(),
            refresh_token: Some("the-refresh-token".into()),
            expires_at: Some(1),
            refresh_token_expires_at: None,
            token_endpoint: None,
            continuous_refresh: false,
            scopes: vec!["pins:read".into()],
        }),
        refreshed: true,
    };
    let shown = format!("{state:?} {state:#?}");
    for secret in ["the-client-secret", "the-access-token", "the-refresh-token"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert!(
        shown.contains("app-1") && shown.contains("pins:read"),
        "{shown}"
    );
    let sandbox = format!("{:?}", Credentials::Sandbox("sandbox-secret".into()));
    assert!(!sandbox.contains("sandbox-secret"), "{sandbox}");
}
