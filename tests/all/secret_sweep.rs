//! No token or client secret in any error: every action and OAuth function
//! is driven into failure against a mock that echoes the credentials it
//! was sent in its error messages, and every error's `Display` and `Debug`
//! is searched for every secret in play, as is the debug output of results
//! that carry credentials. (Every CLI run of the suite is searched the same
//! way, in `tests/all/cli.rs`.)

use pinterest_connector_host::types::{
    ConnectorError, Credentials, HttpMethod, Oauth2Credentials, SpecSource,
};
use pinterest_connector_host::{
    ActionFailure, ApiCallInput, ConnectorHost, OauthApp, PaginationOptions, RawRequestInput,
};
use pinterest_host_test::mock_setup::mock_oauth;
use pinterest_host_test::{MockConfig, MockPinterest, assert_no_secrets, host_for};

const REDIRECT: &str = "http://127.0.0.1:8085/callback";

/// The secrets the test itself passes in, besides the mock's own.
const WRONG_ACCESS: &str = "wrong-access-token-1234";
const WRONG_REFRESH: &str = "wrong-refresh-token-5678";
const WRONG_SANDBOX: &str = "wrong-sandbox-token-9012";
const WRONG_SECRET: &str = "wrong-client-secret-3456";
const WRONG_CODE: &str = "wrong-authorization-code-7777";

struct Sweep {
    mock: MockPinterest,
    host: ConnectorHost,
    checked: usize,
}

impl Sweep {
    async fn new() -> Sweep {
        let mock = MockPinterest::start(MockConfig::default())
            .await
            .expect("mock starts");
        mock.echo_secrets_in_errors(true);
        let host = host_for(&mock).expect("component loads");
        Sweep {
            mock,
            host,
            checked: 0,
        }
    }

    fn secrets(&self) -> Vec<String> {
        use base64::Engine as _;
        let mut secrets = self.mock.secrets();
        secrets.extend(
            [
                WRONG_ACCESS,
                WRONG_REFRESH,
                WRONG_SANDBOX,
                WRONG_SECRET,
                WRONG_CODE,
            ]
            .map(String::from),
        );
        secrets.push(
            base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{WRONG_SECRET}", self.mock.config().client_id)),
        );
        secrets
    }

    /// Checks a failed action; returns its error.
    fn action<T>(&mut self, result: Result<T, ActionFailure>) -> ConnectorError {
        let Err(failure) = result else {
            panic!("expected a failure")
        };
        self.text(&format!("{failure} {failure:?} {:?}", failure.error));
        failure.error
    }

    /// Checks a failed OAuth function; returns its error.
    fn oauth<T>(&mut self, result: Result<T, ConnectorError>) -> ConnectorError {
        let Err(error) = result else {
            panic!("expected a failure")
        };
        self.text(&format!("{error:?}"));
        error
    }

    fn text(&mut self, text: &str) {
        assert_no_secrets(text, &self.secrets());
        self.checked += 1;
    }

    fn app(&self, secret: &str) -> OauthApp {
        OauthApp {
            client_id: self.mock.config().client_id.clone(),
            client_secret: secret.into(),
            token_endpoint: None,
            continuous_refresh: false,
        }
    }

    fn oauth2(&self, access: &str, refresh: Option<&str>, expires_at: Option<u64>) -> Credentials {
        Credentials::Oauth2(Oauth2Credentials {
            refresh_token: refresh.map(str::to_owned),
            expires_at,
            ..mock_oauth(&self.mock, access)
        })
    }
}

fn pins() -> ApiCallInput {
    ApiCallInput {
        spec: SpecSource::Embedded,
        endpoint: "GET /pins".into(),
        path_params: vec![],
        query_params: vec![],
        body: None,
    }
}

fn raw(url: &str) -> RawRequestInput {
    RawRequestInput {
        method: HttpMethod::Get,
        url: url.into(),
        headers: vec![],
        body: None,
        no_throw_on_404: false,
    }
}

#[tokio::test]
async fn no_error_of_any_action_or_oauth_function_shows_a_secret() {
    let mut sweep = Sweep::new().await;
    let host = sweep.host.clone();

    // The API echoes the bearer token it refuses.
    let wrong = sweep.oauth2(WRONG_ACCESS, None, None);
    let e = sweep.action(host.api_call(&wrong, &pins()).await.unwrap());
    assert!(
        matches!(&e, ConnectorError::Unauthorized(api) if api.message.contains("[redacted]")),
        "the echo was there and was redacted: {e:?}"
    );
    sweep.action(host.raw_request(&wrong, &raw("/boards")).await.unwrap());
    sweep.action(host.verify_credentials(&wrong).await.unwrap());
    let sandbox = Credentials::Sandbox(WRONG_SANDBOX.into());
    sweep.action(host.verify_credentials(&sandbox).await.unwrap());
    let mut stream = host
        .api_call_paginated(&wrong, &pins(), PaginationOptions { max_pages: None })
        .await
        .unwrap()
        .unwrap();
    sweep.action(stream.next().await.unwrap());

    // The token endpoint echoes the refresh token it refuses.
    let expired = sweep.oauth2(WRONG_ACCESS, Some(WRONG_REFRESH), Some(1));
    sweep.action(host.api_call(&expired, &pins()).await.unwrap());
    sweep.action(host.verify_credentials(&expired).await.unwrap());
    let Credentials::Oauth2(expired_oauth) = &expired else {
        unreachable!()
    };
    sweep.oauth(host.refresh(expired_oauth).await.unwrap());

    // A refresh that works, then a 401 echoing the new token.
    sweep.mock.refuse_bearer_tokens(true);
    let refreshable = sweep.oauth2(WRONG_ACCESS, Some(&sweep.mock.config().refresh_token), None);
    let e = sweep.action(host.api_call(&refreshable, &pins()).await.unwrap());
    assert!(matches!(e, ConnectorError::Unauthorized(_)));
    assert!(sweep.mock.token_requests() >= 1, "a refresh was issued");
    sweep.mock.refuse_bearer_tokens(false);

    // Code exchange: a wrong client secret (echoed as the Basic header),
    // a code that is no good (echoed).
    let code = sweep.mock.issue_code(REDIRECT);
    sweep.oauth(
        host.exchange_code(&sweep.app(WRONG_SECRET), &code, REDIRECT)
            .await
            .unwrap(),
    );
    let app = sweep.app(&sweep.mock.config().client_secret);
    sweep.oauth(
        host.exchange_code(&app, WRONG_CODE, REDIRECT)
            .await
            .unwrap(),
    );

    // Errors without an answer: invalid inputs naming a token, a denied host.
    let e = sweep.action(
        host.raw_request(
            &wrong,
            &raw(&format!("https://evil.example/{WRONG_ACCESS}")),
        )
        .await
        .unwrap(),
    );
    assert!(matches!(e, ConnectorError::InvalidInput(_)));

    // Results carry the credentials for the host to store; their debug
    // output, which is what ends up in logs, shows none of the secrets.
    let code = sweep.mock.issue_code(REDIRECT);
    let mut exchanged = host
        .exchange_code(&app, &code, REDIRECT)
        .await
        .unwrap()
        .unwrap();
    sweep.text(&format!("{exchanged:?}"));
    exchanged.expires_at = Some(1);
    let fresh = Credentials::Oauth2(exchanged);
    let out = host.api_call(&fresh, &pins()).await.unwrap().unwrap();
    assert!(out.credentials.refreshed);
    sweep.text(&format!("{out:?} {:?}", out.credentials));
    let account = host
        .verify_credentials(&out.credentials.credentials)
        .await
        .unwrap()
        .unwrap();
    sweep.text(&format!("{account:?}"));
    sweep.text(&format!("{sandbox:?} {wrong:?}"));

    assert!(sweep.checked >= 14, "{} texts checked", sweep.checked);
}
