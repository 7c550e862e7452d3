use super::*;

fn basic(client_id: &str) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    let value = base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:secret"));
    headers.insert(
        http::header::AUTHORIZATION,
        format!("Basic {value}").parse().unwrap(),
    );
    headers.insert(
        http::header::CONTENT_TYPE,
        "application/x-www-form-urlencoded".parse().unwrap(),
    );
    headers
}

fn request(refresh_token: &str) -> RefreshRequest {
    let body =
        format!("grant_type=refresh_token&refresh_token={refresh_token}&continuous_refresh=true");
    RefreshRequest::read(&basic("app"), body.as_bytes()).expect("a refresh")
}

fn stored(refresh_token: &str, expires_at: u64, refused: bool) -> StoredCredentials {
    StoredCredentials {
        credentials: Credentials::Oauth2(Oauth2Credentials {
            client_id: "app".into(),
            client_secret: "secret".into(),
            access_token: format!("access-for-{refresh_token}"),
            refresh_token: Some(refresh_token.into()),
            expires_at: Some(expires_at),
            refresh_token_expires_at: None,
            token_endpoint: None,
            continuous_refresh: true,
            scopes: vec![],
        }),
        generation: 3,
        refresh_refused: refused,
    }
}

const NOW: u64 = 1_000_000;

#[test]
fn only_a_refresh_grant_with_basic_credentials_is_read_as_a_refresh() {
    let headers = basic("app");
    assert!(RefreshRequest::read(&headers, b"grant_type=authorization_code&code=c").is_none());
    assert!(RefreshRequest::read(&headers, b"grant_type=refresh_token").is_none());
    assert!(RefreshRequest::read(&headers, b"grant_type=refresh_token&refresh_token=").is_none());
    let mut bearer = headers.clone();
    bearer.insert(http::header::AUTHORIZATION, "Bearer x".parse().unwrap());
    assert!(RefreshRequest::read(&bearer, b"grant_type=refresh_token&refresh_token=r").is_none());
    let mut json = headers.clone();
    json.insert(
        http::header::CONTENT_TYPE,
        "application/json".parse().unwrap(),
    );
    assert!(RefreshRequest::read(&json, b"grant_type=refresh_token&refresh_token=r").is_none());
    let read = request("r%2B1");
    assert_eq!(
        (read.client_id.as_str(), read.refresh_token.as_str()),
        ("app", "r+1")
    );
}

#[test]
fn the_body_sent_carries_the_stored_refresh_token_and_the_rest_unchanged() {
    let body = request("old").body_with("new+one");
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "grant_type=refresh_token&refresh_token=new%2Bone&continuous_refresh=true"
    );
}

#[test]
fn a_caller_behind_the_store_gets_the_stored_tokens_without_a_refresh() {
    let held = stored("r2", NOW + 3600, false);
    let Plan::Answer(answer) = plan(Some(&held), &request("r1"), NOW) else {
        panic!("expected the stored tokens");
    };
    assert_eq!(answer.refresh_token.as_deref(), Some("r2"));
}

#[test]
fn the_store_s_own_token_is_refreshed_and_a_due_newer_one_in_its_place() {
    let held = stored("r1", NOW + 3600, false);
    assert_eq!(
        plan(Some(&held), &request("r1"), NOW),
        Plan::Refresh {
            refresh_token: "r1".into()
        },
        "a 401 with the stored token: refresh it"
    );
    let due = stored("r2", NOW + 10, false);
    assert_eq!(
        plan(Some(&due), &request("r1"), NOW),
        Plan::Refresh {
            refresh_token: "r2".into()
        },
        "the stored tokens are due themselves: refresh those"
    );
}

#[test]
fn a_refused_refresh_token_is_refused_again_without_sending() {
    let held = stored("r1", NOW - 1, true);
    assert_eq!(plan(Some(&held), &request("r1"), NOW), Plan::Refused);
    assert_eq!(plan(Some(&held), &request("r0"), NOW), Plan::Refused);
}

#[test]
fn what_is_not_the_account_s_passes_through() {
    let held = stored("r1", NOW, false);
    assert_eq!(plan(None, &request("r1"), NOW), Plan::PassThrough);
    let other_app = RefreshRequest::read(
        &basic("another-app"),
        b"grant_type=refresh_token&refresh_token=r1",
    )
    .unwrap();
    assert_eq!(plan(Some(&held), &other_app, NOW), Plan::PassThrough);
    let sandbox = StoredCredentials {
        credentials: Credentials::Sandbox("t".into()),
        generation: 1,
        refresh_refused: false,
    };
    assert_eq!(plan(Some(&sandbox), &request("r1"), NOW), Plan::PassThrough);
}
