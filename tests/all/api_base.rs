//! A host-chosen API base (`call-options.api-base`) through the built
//! component: with no route in the host, every request of every action —
//! refreshes, walks and triggers included — goes to the base, for
//! production and sandbox credentials; a base the rules refuse is
//! `invalid-input` with nothing sent.

use pinterest_connector_host::types::{
    CallOptions, ConnectorError, Credentials, HttpMethod, Oauth2Credentials, SpecSource,
};
use pinterest_connector_host::{
    ActionFailure, ApiCallInput, ConnectorHost, HostConfig, NetworkPolicy, PaginationOptions,
    RawRequestInput, Trigger,
};
use pinterest_host_test::mock_setup::mock_oauth;
use pinterest_host_test::{Flavour, MockConfig, MockPinterest, host_with};

/// A host that may reach only the mock's two API listeners, by address
/// (no route: the component must name them itself), with `api_base`.
fn host_at(mock: &MockPinterest, api_base: &str) -> ConnectorHost {
    let network = NetworkPolicy::deny_all()
        .allow_test_host(mock.production_addr)
        .and_then(|policy| policy.allow_test_host(mock.sandbox_addr))
        .expect("loopback addresses");
    host_with(HostConfig {
        network,
        call_options: Some(CallOptions {
            api_base: Some(api_base.to_owned()),
            ..CallOptions::default()
        }),
        ..HostConfig::default()
    })
    .expect("component loads")
}

fn oauth(mock: &MockPinterest, access_token: &str, expires_at: Option<u64>) -> Credentials {
    Credentials::Oauth2(Oauth2Credentials {
        refresh_token: Some(mock.config().refresh_token.clone()),
        expires_at,
        ..mock_oauth(mock, access_token)
    })
}

fn list_pins() -> ApiCallInput {
    ApiCallInput {
        spec: SpecSource::Embedded,
        endpoint: "GET /pins".into(),
        path_params: vec![],
        query_params: vec![("page_size".into(), "250".into())],
        body: None,
    }
}

#[tokio::test]
async fn every_request_goes_to_the_base_the_host_chose() {
    let mock = MockPinterest::start(MockConfig::default())
        .await
        .expect("mock starts");
    let production = format!("http://{}/v5", mock.production_addr);
    let host = host_at(&mock, &format!("{production}/"));
    let good = oauth(&mock, &mock.config().access_token, None);

    let account = host.verify_credentials(&good).await.unwrap().unwrap();
    assert_eq!(account.username, "mock_user");

    // A walk through the page stream keeps the base from page to page.
    let mut stream = host
        .api_call_paginated(&good, &list_pins(), PaginationOptions { max_pages: None })
        .await
        .unwrap()
        .unwrap();
    let mut items = 0;
    while let Some(page) = stream.next().await.unwrap().unwrap() {
        items += page.item_count;
    }
    assert_eq!(items, 1000);

    let missing = RawRequestInput {
        method: HttpMethod::Get,
        url: "/pins/999".into(),
        headers: vec![],
        body: None,
        no_throw_on_404: true,
    };
    let answer = host.raw_request(&good, &missing).await.unwrap().unwrap();
    assert_eq!(answer.status, 404);

    // An expired token is refreshed at the base's own token endpoint.
    let expired = oauth(&mock, "expired-token", Some(1));
    let renewed = host.verify_credentials(&expired).await.unwrap().unwrap();
    assert!(renewed.credentials.refreshed);

    // A trigger's cursor names its base.
    let first = host
        .poll(&good, &Trigger::NewPin, None, None)
        .await
        .unwrap()
        .unwrap();
    let elsewhere = host_at(
        &mock,
        &format!("http://localhost:{}/v5", mock.production_addr.port()),
    );
    match elsewhere
        .poll(&good, &Trigger::NewPin, Some(&first.cursor), None)
        .await
        .unwrap()
    {
        Err(ActionFailure {
            error: ConnectorError::InvalidInput(invalid),
            ..
        }) => assert_eq!(invalid.field, "cursor"),
        other => panic!("a cursor of another base was taken: {other:?}"),
    }

    let requests = mock.requests();
    assert!(requests.len() >= 8, "{requests:#?}");
    for request in &requests {
        assert_eq!(request.flavour, Flavour::Production, "{request:?}");
        assert_eq!(
            request.host.as_deref(),
            Some(mock.production_addr.to_string().as_str()),
            "the request named the base's address, not Pinterest's: {request:?}"
        );
    }
    assert!(
        requests
            .iter()
            .any(|r| r.method == "POST" && r.path == "/v5/oauth/token")
    );

    // Sandbox credentials go to the chosen base too.
    let sandbox_host = host_at(&mock, &format!("http://{}/v5", mock.sandbox_addr));
    let sandbox = Credentials::Sandbox(mock.config().sandbox_token.clone());
    let account = sandbox_host
        .verify_credentials(&sandbox)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.username, "mock_sandbox_user");
}

#[tokio::test]
async fn a_base_the_rules_refuse_is_invalid_input_and_nothing_is_sent() {
    let mock = MockPinterest::start(MockConfig::default())
        .await
        .expect("mock starts");
    let good = oauth(&mock, &mock.config().access_token, None);
    for base in [
        format!("http://10.0.0.1:{}/v5", mock.production_addr.port()),
        "http://api.pinterest.com/v5".to_owned(),
        format!("ftp://{}/v5", mock.production_addr),
        format!("http://user:secret@{}/v5", mock.production_addr),
        format!("http://{}/v5?token=1", mock.production_addr),
        "v5".to_owned(),
    ] {
        match host_at(&mock, &base)
            .verify_credentials(&good)
            .await
            .unwrap()
        {
            Err(ActionFailure {
                error: ConnectorError::InvalidInput(invalid),
                credentials,
            }) => {
                assert_eq!(invalid.field, "options.api-base", "{base}");
                assert!(!credentials.refreshed);
            }
            other => panic!("{base} was taken: {other:?}"),
        }
    }
    assert!(mock.requests().is_empty(), "{:#?}", mock.requests());
}
