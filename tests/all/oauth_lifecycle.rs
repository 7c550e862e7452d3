//! The OAuth2 lifecycle through the built component: automatic refresh by
//! expiry and after a 401, rotation handed back in every result and error,
//! revoked refresh tokens, and refreshes in the middle of a walk.

use std::collections::HashSet;

use pinterest_connector_host::types::{
    ConnectorError, Credentials, CredentialsState, HttpMethod, Oauth2Credentials, SpecSource,
};
use pinterest_connector_host::{
    ActionFailure, ApiCallInput, ConnectorHost, OauthApp, PaginationOptions, RawRequestInput,
};
use pinterest_host_test::{MockConfig, MockPinterest, assert_no_secrets, host_for};
use serde_json::Value;

const REDIRECT: &str = "http://127.0.0.1:8085/callback";

pub(super) async fn setup() -> (MockPinterest, ConnectorHost) {
    let mock = MockPinterest::start(MockConfig::default())
        .await
        .expect("mock starts");
    let host = host_for(&mock).expect("component loads");
    (mock, host)
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Credentials as a login would leave them: a code exchanged at the mock.
pub(super) async fn logged_in(
    mock: &MockPinterest,
    host: &ConnectorHost,
    continuous: bool,
) -> Oauth2Credentials {
    let app = OauthApp {
        client_id: mock.config().client_id.clone(),
        client_secret: mock.config().client_secret.clone(),
        token_endpoint: None,
        continuous_refresh: continuous,
    };
    let code = mock.issue_code(REDIRECT);
    host.exchange_code(&app, &code, REDIRECT)
        .await
        .unwrap()
        .unwrap()
}

fn oauth_of(state: &CredentialsState) -> &Oauth2Credentials {
    match &state.credentials {
        Credentials::Oauth2(c) => c,
        Credentials::Sandbox(_) => panic!("expected OAuth2 credentials"),
    }
}

pub(super) fn get_pin() -> ApiCallInput {
    ApiCallInput {
        spec: SpecSource::Embedded,
        endpoint: "GET /pins/{pin_id}".into(),
        path_params: vec![("pin_id".into(), MockPinterest::pin_id(3))],
        query_params: vec![],
        body: None,
    }
}

/// The paths the mock saw, in order, with the token endpoint as `token`.
fn trail(mock: &MockPinterest) -> Vec<String> {
    mock.requests()
        .iter()
        .map(|r| match r.path.as_str() {
            "/v5/oauth/token" => "token".to_owned(),
            path => path.to_owned(),
        })
        .collect()
}

/// The failure of a call that must fail, with no secret in what a host
/// would log.
fn failure<T>(mock: &MockPinterest, result: Result<T, ActionFailure>) -> ActionFailure {
    let Err(failure) = result else {
        panic!("expected the action to fail")
    };
    assert_no_secrets(&format!("{failure} {failure:?}"), &mock.secrets());
    failure
}

#[tokio::test]
async fn a_token_about_to_expire_is_refreshed_before_the_call() {
    let (mock, host) = setup().await;
    let mut creds = logged_in(&mock, &host, false).await;
    // Expires within the five-minute margin; the mock would still take it,
    // so only a refresh explains a new token.
    creds.expires_at = Some(unix_now() + 60);
    let before = mock.request_count();
    let out = host
        .api_call(&Credentials::Oauth2(creds.clone()), &get_pin())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(out.status, 200);
    assert!(out.credentials.refreshed);
    let fresh = oauth_of(&out.credentials);
    assert_ne!(fresh.access_token, creds.access_token);
    assert_ne!(fresh.refresh_token, creds.refresh_token, "rotated");
    assert!(fresh.expires_at.unwrap() > unix_now() + 3600);
    assert_eq!(
        (fresh.client_id.as_str(), fresh.scopes.len()),
        (creds.client_id.as_str(), 3),
        "what the refresh did not change is kept"
    );
    assert_eq!(
        trail(&mock)[before..],
        [
            "token",
            format!("/v5/pins/{}", MockPinterest::pin_id(3)).as_str()
        ]
    );
    assert!(!mock.refresh_token_valid(creds.refresh_token.as_deref().unwrap()));
    assert!(mock.refresh_token_valid(fresh.refresh_token.as_deref().unwrap()));

    // Handed back and stored, the new credentials go straight out.
    let again = host
        .api_call(&out.credentials.credentials, &get_pin())
        .await
        .unwrap()
        .unwrap();
    assert!(!again.credentials.refreshed);
    assert_eq!(again.credentials.credentials, out.credentials.credentials);
    assert_eq!(mock.token_requests(), 2, "the exchange and one refresh");
}

#[tokio::test]
async fn a_fresh_token_is_used_as_it_is() {
    let (mock, host) = setup().await;
    let creds = Credentials::Oauth2(logged_in(&mock, &host, false).await);
    let out = host.verify_credentials(&creds).await.unwrap().unwrap();
    assert!(!out.credentials.refreshed);
    assert_eq!(out.credentials.credentials, creds);
    assert_eq!(mock.token_requests(), 1, "only the exchange");
}

#[tokio::test]
async fn a_401_refreshes_once_and_retries_once() {
    let (mock, host) = setup().await;
    let creds = logged_in(&mock, &host, true).await;
    mock.revoke_access_token(&creds.access_token);
    let before = mock.request_count();
    let out = host
        .raw_request(
            &Credentials::Oauth2(creds.clone()),
            &RawRequestInput {
                method: HttpMethod::Get,
                url: "/boards?page_size=2".into(),
                headers: vec![],
                body: None,
                no_throw_on_404: false,
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(out.status, 200);
    assert!(out.credentials.refreshed);
    assert_eq!(
        trail(&mock)[before..],
        ["/v5/boards", "token", "/v5/boards"]
    );
    let refresh = &mock.requests()[before + 1].body;
    assert!(
        refresh.contains("continuous_refresh=true"),
        "the app's continuous refresh carries over: {refresh}"
    );
    assert!(oauth_of(&out.credentials).continuous_refresh);
}

#[tokio::test]
async fn a_second_401_after_the_refresh_is_unauthorized_and_never_loops() {
    let (mock, host) = setup().await;
    let creds = logged_in(&mock, &host, false).await;
    mock.refuse_bearer_tokens(true);
    let before = mock.request_count();
    let result = host
        .api_call(&Credentials::Oauth2(creds.clone()), &get_pin())
        .await
        .unwrap();
    let failure = failure(&mock, result);
    assert!(matches!(failure.error, ConnectorError::Unauthorized(ref e) if e.status == 401));
    let pin = format!("/v5/pins/{}", MockPinterest::pin_id(3));
    assert_eq!(
        trail(&mock)[before..],
        [pin.as_str(), "token", pin.as_str()]
    );
    // The refresh happened and revoked the old refresh token: the error
    // hands the new one over so that nothing is lost.
    assert!(failure.credentials.refreshed);
    let fresh = oauth_of(&failure.credentials);
    assert!(mock.refresh_token_valid(fresh.refresh_token.as_deref().unwrap()));
    assert!(!mock.refresh_token_valid(creds.refresh_token.as_deref().unwrap()));
}

#[tokio::test]
async fn an_error_after_a_refresh_still_hands_the_new_credentials_back() {
    let (mock, host) = setup().await;
    let mut creds = logged_in(&mock, &host, false).await;
    creds.expires_at = Some(unix_now().saturating_sub(10));
    let mut input = get_pin();
    input.path_params = vec![("pin_id".into(), "0".into())];
    let result = host
        .api_call(&Credentials::Oauth2(creds.clone()), &input)
        .await
        .unwrap();
    let failure = failure(&mock, result);
    assert!(matches!(failure.error, ConnectorError::NotFound(_)));
    assert!(failure.credentials.refreshed);
    let fresh = oauth_of(&failure.credentials);
    assert!(mock.refresh_token_valid(fresh.refresh_token.as_deref().unwrap()));
}

#[tokio::test]
async fn the_old_refresh_token_no_longer_works_after_rotation() {
    let (mock, host) = setup().await;
    let mut stale = logged_in(&mock, &host, false).await;
    stale.expires_at = Some(unix_now().saturating_sub(10));
    let stale = Credentials::Oauth2(stale);
    let account = host.verify_credentials(&stale).await.unwrap().unwrap();
    assert!(
        account.credentials.refreshed,
        "an expired token that refreshes verifies"
    );
    assert_eq!(account.username, "mock_user");

    // A host that failed to store the result and sends the old credentials
    // again: the refresh token they carry was revoked by the rotation.
    let before = mock.request_count();
    let result = host.verify_credentials(&stale).await.unwrap();
    let failure = failure(&mock, result);
    match &failure.error {
        ConnectorError::Unauthorized(e) => {
            assert!(e.message.contains("re-authenticate"), "{}", e.message)
        }
        other => panic!("expected unauthorized, got {other:?}"),
    }
    assert!(!failure.credentials.refreshed);
    assert_eq!(failure.credentials.credentials, stale, "nothing changed");
    assert_eq!(trail(&mock)[before..], ["token"], "the API was not called");
}

#[tokio::test]
async fn a_revoked_refresh_token_is_unauthorized_with_a_re_authenticate_hint() {
    let (mock, host) = setup().await;
    let creds = Credentials::Oauth2(Oauth2Credentials {
        client_id: mock.config().client_id.clone(),
        client_secret: mock.config().client_secret.clone(),
        access_token: "long-expired".into(),
        refresh_token: Some("revoked-refresh-token".into()),
        expires_at: Some(1),
        refresh_token_expires_at: None,
        token_endpoint: None,
        continuous_refresh: false,
        scopes: vec![],
    });
    let result = host.verify_credentials(&creds).await.unwrap();
    let failure = failure(&mock, result);
    match failure.error {
        ConnectorError::Unauthorized(e) => {
            assert_eq!(
                (e.status, e.code),
                (401, Some(283)),
                "Pinterest answers a spent or unknown grant with 401, code 283"
            );
            assert!(e.message.contains("re-authenticate"), "{}", e.message);
        }
        other => panic!("expected unauthorized, got {other:?}"),
    }
    assert_eq!(trail(&mock), ["token"]);
}

#[tokio::test]
async fn sandbox_tokens_and_tokens_without_a_refresh_token_are_never_refreshed() {
    let (mock, host) = setup().await;
    let result = host
        .verify_credentials(&Credentials::Sandbox("wrong".into()))
        .await
        .unwrap();
    assert!(matches!(
        failure(&mock, result).error,
        ConnectorError::Unauthorized(_)
    ));
    let expired = Credentials::Oauth2(Oauth2Credentials {
        client_id: "app".into(),
        client_secret: "secret".into(),
        access_token: mock.config().access_token.clone(),
        refresh_token: None,
        expires_at: Some(1),
        refresh_token_expires_at: None,
        token_endpoint: None,
        continuous_refresh: false,
        scopes: vec![],
    });
    // Nothing to refresh with: the token is sent and the API decides.
    let account = host.verify_credentials(&expired).await.unwrap().unwrap();
    assert!(!account.credentials.refreshed);
    assert_eq!(mock.token_requests(), 0);
}

#[tokio::test]
async fn a_walk_refreshes_between_pages_and_loses_no_page() {
    let (mock, host) = setup().await;
    let creds = logged_in(&mock, &host, false).await;
    let input = ApiCallInput {
        spec: SpecSource::Embedded,
        endpoint: "GET /pins".into(),
        path_params: vec![],
        query_params: vec![("page_size".into(), "250".into())],
        body: None,
    };
    let mut stream = host
        .api_call_paginated(
            &Credentials::Oauth2(creds.clone()),
            &input,
            PaginationOptions { max_pages: None },
        )
        .await
        .unwrap()
        .unwrap();
    let mut ids = Vec::new();
    let mut refreshed_at = None;
    let mut last = None;
    while let Some(page) = stream.next().await.unwrap().unwrap() {
        let body: Value = serde_json::from_str(&page.body).unwrap();
        for item in body["items"].as_array().unwrap() {
            ids.push(item["id"].as_str().unwrap().to_owned());
        }
        if page.index == 1 {
            // The token is revoked while the walk is under way.
            mock.revoke_access_token(&oauth_of(&page.credentials).access_token);
        }
        if page.credentials.refreshed && refreshed_at.is_none() {
            refreshed_at = Some(page.index);
        }
        last = Some(page.credentials);
    }
    assert_eq!(refreshed_at, Some(2), "page 2 needed a refresh");
    assert_eq!(ids.len(), 1000);
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        1000,
        "none repeated"
    );
    let last = last.unwrap();
    assert!(
        last.refreshed,
        "the last page carries the refreshed credentials"
    );
    assert!(mock.refresh_token_valid(oauth_of(&last).refresh_token.as_deref().unwrap()));
    let pages = trail(&mock)
        .iter()
        .filter(|p| p.as_str() == "/v5/pins")
        .count();
    assert_eq!(pages, 5, "four pages and one retry");
}
