use super::*;
use crate::http::{Method, NamedBy};

/// Plays a token endpoint and an API: the API accepts only the tokens in
/// `accepted`; each refresh issues `access-N`/`refresh-N` and accepts the
/// new access token unless `refuse_new` is set.
#[derive(Default)]
struct Api {
    accepted: Vec<String>,
    refuse_new: bool,
    refresh_fails: bool,
    issued: u32,
    /// `token` for token requests, else the bearer token used.
    log: Vec<String>,
}

/// The clock of every test here, in Unix seconds.
const NOW: u64 = 1_000;

impl Transport for Api {
    fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ConnectorError> {
        let answer = |status: u16, body: String| HttpResponse {
            status,
            headers: vec![],
            body: body.into_bytes(),
            attempts: 1,
            received_at: None,
        };
        if request.url.path() == "/v5/oauth/token" {
            self.log.push("token".into());
            if self.refresh_fails {
                return Ok(answer(
                    400,
                    r#"{"code":1,"message":"Invalid refresh token."}"#.into(),
                ));
            }
            self.issued += 1;
            let n = self.issued;
            if !self.refuse_new {
                self.accepted.push(format!("access-{n}"));
            }
            return Ok(answer(
                200,
                format!(
                    r#"{{"access_token":"access-{n}","expires_in":1000,"refresh_token":"refresh-{n}","refresh_token_expires_in":5000}}"#
                ),
            ));
        }
        let bearer = request
            .header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default()
            .to_owned();
        self.log.push(bearer.clone());
        if self.accepted.contains(&bearer) {
            Ok(answer(200, "{}".into()))
        } else {
            Ok(answer(
                401,
                r#"{"code":2,"message":"Authentication failed."}"#.into(),
            ))
        }
    }

    fn now(&self) -> u64 {
        NOW
    }
}

fn oauth(expires_at: Option<u64>, refresh: Option<&str>) -> Credentials {
    Credentials::OAuth2(OAuth2Credentials {
        client_id: "id".into(),
        client_secret: "secret".into(),
        access_token: "access-0".into(),
        refresh_token: refresh.map(str::to_owned),
        expires_at,
        ..Default::default()
    })
}

fn request() -> HttpRequest {
    HttpRequest {
        method: Method::Get,
        url: "https://api.pinterest.com/v5/user_account".parse().unwrap(),
        headers: vec![("Authorization".into(), "Bearer stale".into())],
        body: None,
        named_by: NamedBy::Connector,
    }
}

fn oauth_of(session: &Session) -> &OAuth2Credentials {
    match session.credentials() {
        Credentials::OAuth2(oauth) => oauth,
        Credentials::Sandbox(_) => panic!("sandbox"),
    }
}

#[test]
fn a_fresh_token_is_sent_as_it_is() {
    let mut api = Api {
        accepted: vec!["access-0".into()],
        ..Default::default()
    };
    let mut session = Session::new(oauth(Some(10_000), Some("refresh-0")));
    let response = session.send(&mut api, &request(), Auth::Bearer).unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(api.log, ["access-0"]);
    assert!(!session.refreshed());
}

#[test]
fn a_token_due_within_the_margin_is_refreshed_first() {
    let mut api = Api::default();
    let now = NOW;
    let mut session = Session::new(oauth(
        Some(now + REFRESH_MARGIN_SECONDS - 1),
        Some("refresh-0"),
    ));
    assert_eq!(
        session
            .send(&mut api, &request(), Auth::Bearer)
            .unwrap()
            .status,
        200
    );
    assert_eq!(api.log, ["token", "access-1"]);
    assert!(session.refreshed());
    let fresh = oauth_of(&session);
    assert_eq!(fresh.refresh_token.as_deref(), Some("refresh-1"));
    assert_eq!(fresh.expires_at, Some(now + 1_000));
    // Now fresh: the next request goes straight out.
    session.send(&mut api, &request(), Auth::Bearer).unwrap();
    assert_eq!(api.log, ["token", "access-1", "access-1"]);
}

#[test]
fn a_401_refreshes_and_retries_once() {
    let mut api = Api::default();
    let mut session = Session::new(oauth(None, Some("refresh-0")));
    assert_eq!(
        session
            .send(&mut api, &request(), Auth::Bearer)
            .unwrap()
            .status,
        200
    );
    assert_eq!(api.log, ["access-0", "token", "access-1"]);
    assert!(session.refreshed());
}

#[test]
fn a_second_401_is_returned_not_retried() {
    let mut api = Api {
        refuse_new: true,
        ..Default::default()
    };
    let mut session = Session::new(oauth(None, Some("refresh-0")));
    assert_eq!(
        session
            .send(&mut api, &request(), Auth::Bearer)
            .unwrap()
            .status,
        401
    );
    assert_eq!(api.log, ["access-0", "token", "access-1"]);
    // The refreshed credentials are still handed back.
    assert!(session.refreshed());
    assert_eq!(
        oauth_of(&session).refresh_token.as_deref(),
        Some("refresh-1")
    );

    // Refreshed by expiry, then refused: no second refresh for that request.
    let mut api = Api {
        refuse_new: true,
        ..Default::default()
    };
    let mut session = Session::new(oauth(Some(0), Some("refresh-0")));
    assert_eq!(
        session
            .send(&mut api, &request(), Auth::Bearer)
            .unwrap()
            .status,
        401
    );
    assert_eq!(api.log, ["token", "access-1"]);
}

#[test]
fn without_a_refresh_token_a_401_is_returned() {
    let mut api = Api::default();
    let mut session = Session::new(oauth(Some(0), None));
    assert_eq!(
        session
            .send(&mut api, &request(), Auth::Bearer)
            .unwrap()
            .status,
        401
    );
    assert_eq!(
        api.log,
        ["access-0"],
        "expired, but nothing to refresh with"
    );
    assert!(!session.refreshed());

    let mut sandbox = Session::new(Credentials::Sandbox("sandbox-token".into()));
    assert_eq!(
        sandbox
            .send(&mut api, &request(), Auth::Bearer)
            .unwrap()
            .status,
        401
    );
    assert_eq!(api.log, ["access-0", "sandbox-token"]);
}

#[test]
fn a_refused_refresh_is_unauthorized_and_keeps_the_credentials() {
    let mut api = Api {
        refresh_fails: true,
        ..Default::default()
    };
    let creds = oauth(Some(0), Some("refresh-0"));
    let mut session = Session::new(creds.clone());
    match session.send(&mut api, &request(), Auth::Bearer) {
        Err(ConnectorError::Unauthorized(e)) => {
            assert!(e.message.contains("re-authenticate"), "{}", e.message)
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(api.log, ["token"]);
    assert_eq!(session.credentials(), &creds);
    assert!(!session.refreshed());
}

#[test]
fn the_authorization_header_is_replaced_not_duplicated() {
    let session = Session::new(oauth(None, None));
    let sent = session.authorize(&request());
    let auth: Vec<_> = sent
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .collect();
    assert_eq!(auth.len(), 1);
    assert_eq!(auth[0].1, "Bearer access-0");
}

#[test]
fn redact_covers_the_tokens_before_and_after_a_refresh() {
    let mut api = Api::default();
    let mut session = Session::new(oauth(Some(0), Some("refresh-0")));
    session.send(&mut api, &request(), Auth::Bearer).unwrap();
    let echoed = ConnectorError::transport(
        crate::error::TransportKind::Other,
        "the server said: access-0 refresh-0 secret access-1 refresh-1",
    );
    let text = session.redact(echoed).to_string();
    for secret in ["access-0", "refresh-0", "secret", "access-1", "refresh-1"] {
        assert!(!text.contains(secret), "{text}");
    }
    assert!(!format!("{session:?}").contains("refresh-1"));
}

#[test]
fn a_basic_request_goes_as_it_is_without_a_token_or_a_refresh() {
    // The token has expired and could be refreshed; a Basic request needs
    // neither, and its header is not replaced.
    let mut api = Api::default();
    let mut session = Session::new(oauth(Some(10), Some("refresh-0")));
    let basic = HttpRequest {
        headers: vec![("Authorization".into(), "Basic aWQ6c2VjcmV0".into())],
        ..request()
    };
    let response = session.send(&mut api, &basic, Auth::Basic).unwrap();
    assert_eq!(response.status, 401, "the API accepts no Basic header");
    assert!(!session.refreshed());
    assert_eq!(api.issued, 0);
    assert_eq!(api.log, [""], "no bearer token was sent");
}
