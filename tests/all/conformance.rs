//! Conformance of the built component: every action through wasmtime,
//! against the mock Pinterest on loopback.

use pinterest_connector_host::types::{
    ConnectorError, Credentials, HttpMethod, Oauth2Credentials, SpecSource,
};
use pinterest_connector_host::{
    ActionFailure, ApiCallInput, Connections, ConnectorHost, HostConfig, NetworkPolicy, OauthApp,
    PaginationOptions, RawRequestInput,
};
use pinterest_host_test::mock_setup::oauth_token;
use pinterest_host_test::{Flavour, MockConfig, MockPinterest, compiled_component, host_for};
use serde_json::Value;

async fn setup() -> (MockPinterest, ConnectorHost) {
    let mock = MockPinterest::start(MockConfig::default())
        .await
        .expect("mock starts");
    let host = host_for(&mock).expect("component loads");
    (mock, host)
}

fn oauth(token: &str) -> Credentials {
    Credentials::Oauth2(Oauth2Credentials {
        client_id: "app".into(),
        client_secret: "client-secret".into(),
        ..oauth_token(token)
    })
}

fn good(mock: &MockPinterest) -> Credentials {
    oauth(&mock.config().access_token)
}

fn call(
    endpoint: &str,
    path: &[(&str, &str)],
    query: &[(&str, &str)],
    body: Option<&str>,
) -> ApiCallInput {
    let pairs = |list: &[(&str, &str)]| {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    ApiCallInput {
        spec: SpecSource::Embedded,
        endpoint: endpoint.into(),
        path_params: pairs(path),
        query_params: pairs(query),
        body: body.map(str::to_owned),
    }
}

fn raw(
    method: HttpMethod,
    url: &str,
    body: Option<&str>,
    no_throw_on_404: bool,
) -> RawRequestInput {
    RawRequestInput {
        method,
        url: url.into(),
        headers: vec![],
        body: body.map(str::to_owned),
        no_throw_on_404,
    }
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("JSON body")
}

#[tokio::test]
async fn the_wasm_is_a_component_exporting_the_actions_and_importing_wasi_http() {
    let (engine, component) = compiled_component().unwrap();
    let ty = component.component_type();
    let exports: Vec<String> = ty
        .exports(&engine)
        .map(|(name, _)| name.to_owned())
        .collect();
    let imports: Vec<String> = ty
        .imports(&engine)
        .map(|(name, _)| name.to_owned())
        .collect();
    assert!(
        exports.contains(&"pinterest:connector/actions@0.1.0".to_string()),
        "{exports:?}"
    );
    assert!(
        exports.contains(&"pinterest:connector/catalog@0.1.0".to_string()),
        "{exports:?}"
    );
    assert!(
        imports
            .iter()
            .any(|i| i.starts_with("wasi:http/outgoing-handler@0.2")),
        "{imports:?}"
    );
    // Its only way out is wasi:http: no sockets.
    assert!(
        !imports.iter().any(|i| i.starts_with("wasi:sockets")),
        "{imports:?}"
    );
}

#[tokio::test]
async fn verify_credentials_with_a_good_token() {
    let (mock, host) = setup().await;
    let account = host
        .verify_credentials(&good(&mock))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.username, "mock_user");
    assert_eq!(account.account_type, "BUSINESS");
    assert!(account.scopes.is_empty() && account.user_accounts_read);
    assert_eq!(json(&account.raw)["pin_count"], 1000);
    let sent = mock.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].method.as_str(), sent[0].path.as_str()),
        ("GET", "/v5/user_account")
    );
    assert_eq!(sent[0].flavour, Flavour::Production);
    assert_eq!(sent[0].host.as_deref(), Some("api.pinterest.com"));
}

#[tokio::test]
async fn verify_credentials_with_a_bad_token_is_unauthorized() {
    let (mock, host) = setup().await;
    match host
        .verify_credentials(&oauth("wrong-token"))
        .await
        .unwrap()
        .map_err(|f| f.error)
    {
        Err(ConnectorError::Unauthorized(e)) => {
            assert_eq!(e.status, 401);
            assert_eq!(e.code, Some(2));
            assert_eq!(e.message, "Authentication failed.");
            assert!(e.request_id.is_some_and(|rid| rid.starts_with("mock-")));
        }
        other => panic!("expected unauthorized, got {other:?}"),
    }
    assert_eq!(mock.request_count(), 1);
}

#[tokio::test]
async fn sandbox_credentials_hit_the_sandbox_base() {
    let (mock, host) = setup().await;
    let sandbox = Credentials::Sandbox(mock.config().sandbox_token.clone());
    let account = host.verify_credentials(&sandbox).await.unwrap().unwrap();
    assert_eq!(account.username, "mock_sandbox_user");
    let out = host
        .api_call(
            &sandbox,
            &call("GET /boards", &[], &[("page_size", "2")], None),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(json(&out.body)["items"].as_array().unwrap().len(), 2);
    for request in mock.requests() {
        assert_eq!(request.flavour, Flavour::Sandbox);
        assert_eq!(request.host.as_deref(), Some("api-sandbox.pinterest.com"));
    }
    // The production token is no good on the sandbox, and the reverse.
    let crossed = Credentials::Sandbox(mock.config().access_token.clone());
    assert!(matches!(
        host.verify_credentials(&crossed)
            .await
            .unwrap()
            .map_err(|f| f.error),
        Err(ConnectorError::Unauthorized(_))
    ));
}

#[tokio::test]
async fn api_call_by_method_and_path_or_by_operation_id() {
    let (mock, host) = setup().await;
    let pin = MockPinterest::pin_id(7);
    for endpoint in ["GET /pins/{pin_id}", "pins/get"] {
        let out = host
            .api_call(
                &good(&mock),
                &call(endpoint, &[("pin_id", &pin)], &[], None),
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(out.status, 200);
        assert_eq!(json(&out.body)["id"], pin.as_str());
        assert_eq!(out.next_bookmark, None);
        assert!(out.headers.iter().any(|(n, _)| n == "x-pinterest-rid"));
    }
    assert_eq!(mock.requests()[0].path, format!("/v5/pins/{pin}"));
}

#[tokio::test]
async fn api_call_posts_a_json_body() {
    let (mock, host) = setup().await;
    let board = MockPinterest::board_id(3);
    let body = format!(
        r#"{{"board_id": "{board}", "title": "Hello", "media_source": {{"source_type": "image_url", "url": "https://example.com/a.jpg"}}}}"#
    );
    let out = host
        .api_call(&good(&mock), &call("POST /pins", &[], &[], Some(&body)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(out.status, 201);
    assert_eq!(json(&out.body)["title"], "Hello");
    let sent = &mock.requests()[0];
    assert_eq!(json(&sent.body)["board_id"], board.as_str());
}

#[tokio::test]
async fn an_operation_declaring_basic_security_is_sent_with_the_client_credentials() {
    // `POST /oauth/token` declares HTTP Basic: the mock's token endpoint
    // takes the app's client id and secret and nothing else.
    let (mock, host) = setup().await;
    let config = mock.config();
    let app = Credentials::Oauth2(Oauth2Credentials {
        client_id: config.client_id.clone(),
        client_secret: config.client_secret.clone(),
        access_token: config.access_token.clone(),
        refresh_token: None,
        expires_at: None,
        refresh_token_expires_at: None,
        token_endpoint: None,
        continuous_refresh: false,
        scopes: vec![],
    });
    let body = format!(
        r#"{{"grant_type": "refresh_token", "refresh_token": "{}"}}"#,
        config.refresh_token
    );
    let refresh = call("POST /oauth/token", &[], &[], Some(&body));
    let out = host.api_call(&app, &refresh).await.unwrap().unwrap();
    assert_eq!(out.status, 200, "{}", out.body);
    assert!(json(&out.body)["access_token"].is_string(), "{}", out.body);
    assert_eq!(mock.token_requests(), 1);
    assert!(
        !out.credentials.refreshed,
        "the call's own credentials stand"
    );

    // Sandbox credentials hold no client credentials: refused, nothing sent.
    let sandbox = Credentials::Sandbox(config.sandbox_token.clone());
    match host.api_call(&sandbox, &refresh).await.unwrap() {
        Err(ActionFailure {
            error: ConnectorError::InvalidInput(invalid),
            ..
        }) => {
            assert_eq!(invalid.field, "credentials");
            assert!(invalid.reason.contains("HTTP Basic"), "{}", invalid.reason);
        }
        other => panic!("expected invalid input, got {other:?}"),
    }
    assert_eq!(mock.request_count(), 1);
}

#[tokio::test]
async fn the_mock_refuses_bodies_without_content_length_as_s3_does() {
    // The oracle of the content-length checks: a chunked POST and a POST
    // without a length are refused with 411, a POST with one is read.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mock, _host) = setup().await;
    let token = mock.config().access_token.clone();
    let send = |head: String| {
        let addr = mock.production_addr;
        async move {
            let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            stream.write_all(head.as_bytes()).await.unwrap();
            let mut answer = String::new();
            stream.read_to_string(&mut answer).await.unwrap();
            answer
        }
    };
    let start = format!(
        "POST /v5/pins HTTP/1.1\r\nHost: api.pinterest.com\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nConnection: close\r\n"
    );
    let chunked = send(format!(
        "{start}Transfer-Encoding: chunked\r\n\r\n2\r\n{{}}\r\n0\r\n\r\n"
    ))
    .await;
    assert!(chunked.starts_with("HTTP/1.1 411"), "{chunked}");
    let without_length = send(format!("{start}\r\n")).await;
    assert!(
        without_length.starts_with("HTTP/1.1 411"),
        "{without_length}"
    );
    let sized = send(format!("{start}Content-Length: 2\r\n\r\n{{}}")).await;
    assert!(
        sized.starts_with("HTTP/1.1 400"),
        "read, then refused as invalid: {sized}"
    );
}

#[tokio::test]
async fn path_parameters_are_percent_encoded_on_the_wire() {
    let (mock, host) = setup().await;
    let result = host
        .api_call(
            &good(&mock),
            &call(
                "GET /pins/{pin_id}",
                &[("pin_id", "1/../../user_account?x=1")],
                &[],
                None,
            ),
        )
        .await
        .unwrap()
        .map_err(|f| f.error);
    assert!(
        matches!(result, Err(ConnectorError::NotFound(_))),
        "{:?}",
        result.map(|out| out.status)
    );
    assert_eq!(
        mock.requests()[0].path,
        "/v5/pins/1%2F..%2F..%2Fuser_account%3Fx%3D1"
    );
    assert_eq!(mock.requests()[0].query, None);
}

#[tokio::test]
async fn paging_by_hand_passes_the_bookmark_in_and_out() {
    let (mock, host) = setup().await;
    let creds = good(&mock);
    let first = host
        .api_call(
            &creds,
            &call("GET /pins", &[], &[("page_size", "10")], None),
        )
        .await
        .unwrap()
        .unwrap();
    let bookmark = first.next_bookmark.expect("a next page");
    let second = host
        .api_call(
            &creds,
            &call(
                "GET /pins",
                &[],
                &[("page_size", "10"), ("bookmark", &bookmark)],
                None,
            ),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        json(&second.body)["items"][0]["id"],
        MockPinterest::pin_id(10).as_str()
    );
}

/// Walks `GET /pins` with `page_size` and returns the ids in the order the
/// pages delivered them.
async fn walk(host: &ConnectorHost, creds: &Credentials, page_size: u32) -> (Vec<String>, u32) {
    let size = page_size.to_string();
    let mut stream = host
        .api_call_paginated(
            creds,
            &call("GET /pins", &[], &[("page_size", &size)], None),
            PaginationOptions { max_pages: None },
        )
        .await
        .unwrap()
        .unwrap();
    let mut ids = Vec::new();
    let mut pages = 0;
    while let Some(page) = stream.next().await.unwrap().unwrap() {
        assert_eq!(page.index, pages);
        pages += 1;
        let body = json(&page.body);
        let items = body["items"].as_array().unwrap();
        assert_eq!(items.len() as u32, page.item_count);
        assert_eq!(
            body["bookmark"].as_str().map(str::to_owned),
            page.next_bookmark
        );
        ids.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_owned()));
    }
    // A finished stream stays finished.
    assert!(stream.next().await.unwrap().unwrap().is_none());
    (ids, pages)
}

#[tokio::test]
async fn pagination_returns_every_item_exactly_once_in_order() {
    let (mock, host) = setup().await;
    let creds = good(&mock);
    let expected: Vec<String> = (0..1000).map(MockPinterest::pin_id).collect();
    for (page_size, pages) in [(250, 4), (25, 40), (1, 1000)] {
        let before = mock.request_count();
        let (ids, got_pages) = walk(&host, &creds, page_size).await;
        assert_eq!(ids, expected, "page size {page_size}");
        assert_eq!(got_pages, pages, "page size {page_size}");
        assert_eq!(
            mock.request_count() - before,
            pages as usize,
            "one request per page"
        );
    }
}

#[tokio::test]
async fn pagination_stops_at_max_pages_and_when_the_host_stops() {
    let (mock, host) = setup().await;
    let creds = good(&mock);
    let input = call("GET /pins", &[], &[("page_size", "10")], None);
    let mut stream = host
        .api_call_paginated(&creds, &input, PaginationOptions { max_pages: Some(3) })
        .await
        .unwrap()
        .unwrap();
    let mut pages = 0;
    while stream.next().await.unwrap().unwrap().is_some() {
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(mock.request_count(), 3);

    let mut stream = host
        .api_call_paginated(&creds, &input, PaginationOptions { max_pages: None })
        .await
        .unwrap()
        .unwrap();
    assert!(stream.next().await.unwrap().unwrap().is_some());
    assert!(stream.next().await.unwrap().unwrap().is_some());
    drop(stream);
    assert_eq!(mock.request_count(), 5, "no request after the host stopped");
}

#[tokio::test]
async fn pagination_starts_at_a_given_bookmark_and_walks_a_path_with_parameters() {
    let (mock, host) = setup().await;
    let creds = good(&mock);
    let board = MockPinterest::board_id(0);
    let input = call(
        "GET /boards/{board_id}/pins",
        &[("board_id", &board)],
        &[("page_size", "7")],
        None,
    );
    let mut stream = host
        .api_call_paginated(&creds, &input, PaginationOptions { max_pages: None })
        .await
        .unwrap()
        .unwrap();
    let mut total = 0;
    while let Some(page) = stream.next().await.unwrap().unwrap() {
        total += page.item_count;
    }
    assert_eq!(total, 34, "1000 pins over 30 boards: board 0 holds 34");
}

#[tokio::test]
async fn pagination_errors_end_the_stream_with_a_typed_error() {
    let (mock, host) = setup().await;
    let input = call("GET /pins", &[], &[("bookmark", "not-a-bookmark")], None);
    let mut stream = host
        .api_call_paginated(&good(&mock), &input, PaginationOptions { max_pages: None })
        .await
        .unwrap()
        .unwrap();
    match stream.next().await.unwrap().map_err(|f| f.error) {
        Err(ConnectorError::Upstream(e)) => assert_eq!((e.status, e.code), (400, Some(1))),
        other => panic!("expected upstream 400, got {other:?}"),
    }
    assert!(stream.next().await.unwrap().unwrap().is_none());
    assert_eq!(mock.request_count(), 1);
}

#[tokio::test]
async fn raw_request_returns_status_headers_and_body() {
    let (mock, host) = setup().await;
    let out = host
        .raw_request(
            &good(&mock),
            &raw(HttpMethod::Get, "/boards?page_size=3", None, false),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(out.status, 200);
    assert!(
        out.headers
            .iter()
            .any(|(n, v)| n == "content-type" && v.starts_with("application/json"))
    );
    assert_eq!(json(&out.body)["items"].as_array().unwrap().len(), 3);
    assert_eq!(mock.requests()[0].query.as_deref(), Some("page_size=3"));

    let pin = MockPinterest::pin_id(1);
    let deleted = host
        .raw_request(
            &good(&mock),
            &raw(HttpMethod::Delete, &format!("pins/{pin}"), None, false),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!((deleted.status, deleted.body.as_str()), (204, ""));
}

#[tokio::test]
async fn raw_request_404_with_and_without_the_flag() {
    let (mock, host) = setup().await;
    match host
        .raw_request(&good(&mock), &raw(HttpMethod::Get, "/pins/0", None, false))
        .await
        .unwrap()
        .map_err(|f| f.error)
    {
        Err(ConnectorError::NotFound(e)) => {
            assert_eq!(
                (e.status, e.code, e.message.as_str()),
                (404, Some(50), "Pin not found.")
            );
            assert!(e.request_id.is_some());
        }
        other => panic!("expected not-found, got {other:?}"),
    }
    let out = host
        .raw_request(&good(&mock), &raw(HttpMethod::Get, "/pins/0", None, true))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(out.status, 404);
    assert_eq!(json(&out.body)["code"], 50);
}

#[tokio::test]
async fn the_mock_enforces_page_size_bounds() {
    let (mock, host) = setup().await;
    for bad in ["0", "251"] {
        let url = format!("/pins?page_size={bad}");
        match host
            .raw_request(&good(&mock), &raw(HttpMethod::Get, &url, None, false))
            .await
            .unwrap()
            .map_err(|f| f.error)
        {
            Err(ConnectorError::Upstream(e)) => assert_eq!((e.status, e.code), (400, Some(1))),
            other => panic!("expected a 400, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn bad_inputs_give_typed_errors_and_send_nothing() {
    let (mock, host) = setup().await;
    let creds = good(&mock);
    let field_of = |result: Result<_, ActionFailure>| match result.map_err(|f| f.error) {
        Err(ConnectorError::InvalidInput(i)) => i.field,
        other => panic!("expected invalid-input, got {:?}", other.map(|_: ()| ())),
    };
    let api = |input: ApiCallInput| {
        let host = host.clone();
        let creds = creds.clone();
        async move { host.api_call(&creds, &input).await.unwrap().map(|_| ()) }
    };
    assert_eq!(
        field_of(api(call("GET /nope", &[], &[], None)).await),
        "endpoint"
    );
    assert_eq!(
        field_of(api(call("GET /pins/{pin_id}", &[], &[], None)).await),
        "path.pin_id"
    );
    assert_eq!(
        field_of(api(call("POST /pins", &[], &[], Some("{\"board_id\": "))).await),
        "body"
    );
    assert_eq!(
        field_of(api(call("GET /pins", &[], &[("page_size", "0")], None)).await),
        "query.page_size"
    );
    assert_eq!(
        field_of(api(call("GET /pins", &[], &[("colour", "red")], None)).await),
        "query.colour"
    );
    let paginated = host
        .api_call_paginated(
            &creds,
            &call("GET /user_account", &[], &[], None),
            PaginationOptions { max_pages: None },
        )
        .await
        .unwrap();
    assert_eq!(field_of(paginated.map(|_| ())), "endpoint");
    for url in [
        "https://evil.example/v5/pins",
        "//evil.example/pins",
        "/../v4/pins",
        "/%2e%2e/x",
        "/pins\r\nX: y",
        // Percent-encoded forms a decoding proxy would act on (issue 13).
        "/pins/%2E%2E%2F%2E%2E%2Foauth",
        "/pins%0d%0aX-Evil:%201",
        "/pins/a%5C..%5Cb",
    ] {
        let result = host
            .raw_request(&creds, &raw(HttpMethod::Get, url, None, false))
            .await
            .unwrap();
        assert_eq!(field_of(result.map(|_| ())), "url", "{url:?}");
    }
    let empty = host.verify_credentials(&oauth("")).await.unwrap();
    assert_eq!(field_of(empty.map(|_| ())), "credentials.access-token");
    let empty = host
        .verify_credentials(&Credentials::Sandbox(String::new()))
        .await
        .unwrap();
    assert_eq!(field_of(empty.map(|_| ())), "credentials.sandbox");
    assert_eq!(mock.request_count(), 0, "nothing reached the mock");
}

#[tokio::test]
async fn requests_the_host_does_not_allow_are_denied() {
    let (engine, component) = compiled_component().unwrap();
    let host = ConnectorHost::from_component(
        engine,
        component,
        HostConfig {
            network: NetworkPolicy::deny_all(),
            ..HostConfig::default()
        },
    )
    .unwrap();
    match host
        .verify_credentials(&oauth("token"))
        .await
        .unwrap()
        .map_err(|f| f.error)
    {
        Err(ConnectorError::DeniedByHost(_)) => {}
        other => panic!("expected denied-by-host, got {other:?}"),
    }
}

#[tokio::test]
async fn the_catalog_lists_and_describes_every_endpoint() {
    let (_mock, host) = setup().await;
    let endpoints = host
        .list_endpoints(&SpecSource::Embedded)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(endpoints.len(), 142);
    assert_eq!(endpoints.iter().filter(|e| e.paginated).count(), 35);
    let pins = endpoints.iter().find(|e| e.id == "pins/list").unwrap();
    assert_eq!(pins.label, "GET /pins (List Pins)");
    assert_eq!(
        (pins.method.as_str(), pins.path.as_str(), pins.paginated),
        ("GET", "/pins", true)
    );

    let schema = json(
        &host
            .describe_endpoint(&SpecSource::Embedded, "GET /pins/{pin_id}")
            .await
            .unwrap()
            .unwrap(),
    );
    assert_eq!(schema["properties"]["path"]["required"][0], "pin_id");
    let schema = json(
        &host
            .describe_endpoint(&SpecSource::Embedded, "pins/create")
            .await
            .unwrap()
            .unwrap(),
    );
    assert!(schema["$defs"]["PinCreate"].is_object());
    match host
        .describe_endpoint(&SpecSource::Embedded, "GET /nope")
        .await
        .unwrap()
    {
        Err(ConnectorError::InvalidInput(i)) => assert_eq!(i.field, "endpoint"),
        other => panic!("expected invalid-input, got {other:?}"),
    }
}

#[tokio::test]
async fn describe_endpoints_answers_for_many_what_describe_endpoint_does_for_one() {
    let (_mock, host) = setup().await;
    let all = host
        .describe_endpoints(&SpecSource::Embedded, None)
        .await
        .unwrap()
        .unwrap();
    let endpoints = host
        .list_endpoints(&SpecSource::Embedded)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        all.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        endpoints.iter().map(|e| e.id.as_str()).collect::<Vec<_>>()
    );
    for described in all.iter().step_by(7) {
        let one = host
            .describe_endpoint(&SpecSource::Embedded, &described.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(described.schema, one, "{}", described.id);
    }
    let named = ["POST /pins".to_owned(), "boards/list".to_owned()];
    let two = host
        .describe_endpoints(&SpecSource::Embedded, Some(&named))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(two.len(), 2);
    assert_eq!(
        (two[0].id.as_str(), two[1].id.as_str()),
        ("pins/create", "boards/list")
    );
    assert!(json(&two[0].schema)["$defs"]["PinCreate"].is_object());
    let unknown = ["pins/get".to_owned(), "GET /nope".to_owned()];
    match host
        .describe_endpoints(&SpecSource::Embedded, Some(&unknown))
        .await
        .unwrap()
    {
        Err(ConnectorError::InvalidInput(i)) => assert_eq!(i.field, "endpoints[1]"),
        other => panic!("expected invalid-input, got {other:?}"),
    }
}

#[tokio::test]
async fn the_embedded_catalogs_answers_are_kept_by_the_host_after_the_first() {
    let (mock, host) = setup().await;
    let started = || host.instances_started();
    assert_eq!(started(), 0);
    let all = host
        .describe_endpoints(&SpecSource::Embedded, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(started(), 1);
    let again = host
        .describe_endpoints(&SpecSource::Embedded, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again, all, "the kept answer is the component's");
    assert_eq!(started(), 1, "answered without an instance");
    // Clones (and so the thread-per-core workers) share what is kept.
    let clone = host.clone();
    clone
        .describe_endpoints(&SpecSource::Embedded, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(started(), 1);

    let listed = host.list_endpoints(&SpecSource::Embedded).await.unwrap();
    assert_eq!(
        host.list_endpoints(&SpecSource::Embedded).await.unwrap(),
        listed
    );
    assert_eq!(started(), 2, "the list asked the component once");

    let create = all
        .iter()
        .find(|d| d.id == "pins/create")
        .expect("pins/create");
    for _ in 0..2 {
        let one = host
            .describe_endpoint(&SpecSource::Embedded, "POST /pins")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(one, create.schema);
    }
    assert_eq!(started(), 3, "one endpoint asked the component once");

    // Errors, named subsets and descriptions passed in are never kept.
    for _ in 0..2 {
        assert!(matches!(
            host.describe_endpoint(&SpecSource::Embedded, "GET /nope")
                .await
                .unwrap(),
            Err(ConnectorError::InvalidInput(_))
        ));
    }
    assert_eq!(started(), 5);
    let named = ["POST /pins".to_owned()];
    for _ in 0..2 {
        let two = host
            .describe_endpoints(&SpecSource::Embedded, Some(&named))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(two[0].schema, create.schema);
    }
    assert_eq!(started(), 7);
    let broken = SpecSource::Json("{\"paths\": 1}".into());
    for _ in 0..2 {
        assert!(host.list_endpoints(&broken).await.unwrap().is_err());
    }
    assert_eq!(started(), 9);
    // A description of one endpoint, passed in: answered, never kept, and
    // never taken for the embedded one.
    let tiny = SpecSource::Json(
        serde_json::json!({
            "openapi": "3.0.3",
            "info": { "title": "tiny", "version": "1" },
            "paths": { "/only": { "get": { "operationId": "only/get", "responses": {} } } }
        })
        .to_string(),
    );
    let fresh = host_for(&mock).expect("component loads");
    for _ in 0..2 {
        let endpoints = fresh.list_endpoints(&tiny).await.unwrap().unwrap();
        assert_eq!(endpoints.len(), 1, "{endpoints:?}");
        let every = fresh
            .describe_endpoints(&tiny, None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(every.len(), 1);
    }
    assert_eq!(fresh.instances_started(), 4);
    assert_eq!(
        fresh.list_endpoints(&SpecSource::Embedded).await.unwrap(),
        listed
    );
    assert_eq!(
        fresh
            .describe_endpoints(&SpecSource::Embedded, None)
            .await
            .unwrap()
            .unwrap(),
        all
    );
}

#[tokio::test]
async fn preflight_checks_refuse_before_sending() {
    let (mock, host) = setup().await;
    let sandbox = Credentials::Sandbox(mock.config().sandbox_token.clone());
    match host
        .api_call(
            &sandbox,
            &call("GET /search/pins", &[], &[("query", "cats")], None),
        )
        .await
        .unwrap()
        .map_err(|f| f.error)
    {
        Err(ConnectorError::UnsupportedInSandbox(message)) => {
            assert!(message.contains("/search/pins"), "{message}")
        }
        other => panic!("expected unsupported-in-sandbox, got {other:?}"),
    }
    let narrow = Credentials::Oauth2(Oauth2Credentials {
        scopes: vec!["pins:read".into()],
        ..match good(&mock) {
            Credentials::Oauth2(c) => c,
            Credentials::Sandbox(_) => unreachable!(),
        }
    });
    match host
        .api_call(&narrow, &call("GET /pins", &[], &[], None))
        .await
        .unwrap()
        .map_err(|f| f.error)
    {
        Err(ConnectorError::MissingScopes(m)) => {
            assert_eq!(m.endpoint, "GET /pins (List Pins)");
            assert_eq!(m.scopes, ["boards:read"]);
        }
        other => panic!("expected missing-scopes, got {other:?}"),
    }
    match host
        .api_call(
            &good(&mock),
            &call("POST /pins", &[], &[], Some(r#"{"board_id": 12}"#)),
        )
        .await
        .unwrap()
        .map_err(|f| f.error)
    {
        Err(ConnectorError::InvalidInput(i)) => assert_eq!(i.field, "body.board_id"),
        other => panic!("expected invalid-input, got {other:?}"),
    }
    assert_eq!(mock.request_count(), 0);
}

fn app(mock: &MockPinterest) -> OauthApp {
    OauthApp {
        client_id: mock.config().client_id.clone(),
        client_secret: mock.config().client_secret.clone(),
        token_endpoint: None,
        continuous_refresh: false,
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn authorize_url_names_the_app_scopes_and_state() {
    let (_mock, host) = setup().await;
    let scopes = vec!["boards:read".to_string(), "pins:read".to_string()];
    let url = host
        .authorize_url(
            "1234",
            "http://127.0.0.1:8085/callback",
            &scopes,
            "xyz",
            None,
        )
        .await
        .unwrap()
        .unwrap();
    assert!(
        url.starts_with("https://www.pinterest.com/oauth/?client_id=1234&"),
        "{url}"
    );
    assert!(
        url.contains("&response_type=code&scope=boards%3Aread,pins%3Aread&state=xyz"),
        "{url}"
    );
    let custom = host
        .authorize_url(
            "1234",
            "http://127.0.0.1:8085/callback",
            &scopes,
            "xyz",
            Some("https://auth.example/oauth/"),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(
        custom.starts_with("https://auth.example/oauth/?"),
        "{custom}"
    );
    assert!(matches!(
        host.authorize_url("", "http://x/", &scopes, "s", None)
            .await
            .unwrap(),
        Err(ConnectorError::InvalidInput(_))
    ));
}

#[tokio::test]
async fn exchanging_a_code_gives_working_credentials() {
    let (mock, host) = setup().await;
    let redirect = "http://127.0.0.1:8085/callback";
    let code = mock.issue_code(redirect);
    let before = unix_now();
    let creds = host
        .exchange_code(&app(&mock), &code, redirect)
        .await
        .unwrap()
        .unwrap();
    assert!(creds.access_token.starts_with("mock-access-"));
    assert!(
        creds
            .refresh_token
            .as_deref()
            .is_some_and(|t| t.starts_with("mock-refresh-"))
    );
    let ttl = mock.config().access_token_ttl;
    assert!(
        creds
            .expires_at
            .is_some_and(|at| at >= before + ttl && at <= unix_now() + ttl)
    );
    assert!(
        creds
            .refresh_token_expires_at
            .is_some_and(|at| at > before + ttl)
    );
    assert_eq!(
        creds.scopes,
        ["boards:read", "pins:read", "user_accounts:read"]
    );
    let account = host
        .verify_credentials(&Credentials::Oauth2(creds))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.username, "mock_user");
    // A code works once.
    match host
        .exchange_code(&app(&mock), &code, redirect)
        .await
        .unwrap()
    {
        Err(ConnectorError::Upstream(e)) => assert_eq!(e.status, 400),
        other => panic!("expected a refused code, got {other:?}"),
    }
    let wrong_secret = OauthApp {
        client_secret: "nope".into(),
        ..app(&mock)
    };
    let code = mock.issue_code(redirect);
    assert!(matches!(
        host.exchange_code(&wrong_secret, &code, redirect)
            .await
            .unwrap(),
        Err(ConnectorError::Unauthorized(_))
    ));
}

#[tokio::test]
async fn refresh_rotates_the_refresh_token_and_revokes_the_old_one() {
    let (mock, host) = setup().await;
    let old = Oauth2Credentials {
        client_id: mock.config().client_id.clone(),
        client_secret: mock.config().client_secret.clone(),
        access_token: "expired-or-unknown".into(),
        refresh_token: Some(mock.config().refresh_token.clone()),
        expires_at: Some(0),
        refresh_token_expires_at: None,
        token_endpoint: None,
        continuous_refresh: true,
        scopes: vec![],
    };
    let fresh = host.refresh(&old).await.unwrap().unwrap();
    assert_ne!(fresh.refresh_token, old.refresh_token, "rotated");
    assert!(fresh.expires_at.is_some_and(|at| at > unix_now()));
    assert!(
        !mock.refresh_token_valid(&mock.config().refresh_token),
        "the old one is revoked"
    );
    let body = &mock.requests()[0].body;
    assert!(
        body.contains("grant_type=refresh_token") && body.contains("continuous_refresh=true"),
        "{body}"
    );
    let account = host
        .verify_credentials(&Credentials::Oauth2(fresh.clone()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.username, "mock_user");

    // Using the old refresh token again: unauthorized, with a hint.
    match host.refresh(&old).await.unwrap() {
        Err(ConnectorError::Unauthorized(e)) => {
            assert!(e.message.contains("re-authenticate"), "{}", e.message)
        }
        other => panic!("expected unauthorized, got {other:?}"),
    }
    // The rotated one still works, once more.
    let again = host.refresh(&fresh).await.unwrap().unwrap();
    assert_ne!(again.refresh_token, fresh.refresh_token);
}

#[tokio::test]
async fn verify_reports_granted_scopes_and_refuses_credentials_without_user_accounts_read() {
    let (mock, host) = setup().await;
    let with = |scopes: &[&str]| match good(&mock) {
        Credentials::Oauth2(c) => Credentials::Oauth2(Oauth2Credentials {
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            ..c
        }),
        sandbox => sandbox,
    };
    let account = host
        .verify_credentials(&with(&["user_accounts:read", "pins:read"]))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.scopes, ["user_accounts:read", "pins:read"]);
    assert!(account.user_accounts_read);
    assert_eq!(mock.request_count(), 1);
    match host
        .verify_credentials(&with(&["pins:read"]))
        .await
        .unwrap()
        .map_err(|f| f.error)
    {
        Err(ConnectorError::MissingScopes(m)) => assert_eq!(m.scopes, ["user_accounts:read"]),
        other => panic!("expected missing-scopes, got {other:?}"),
    }
    assert_eq!(mock.request_count(), 1, "nothing sent");
}

#[tokio::test]
async fn raw_request_headers_that_would_override_the_connector_are_refused() {
    let (mock, host) = setup().await;
    for (name, value) in [
        ("Authorization", "Bearer someone-else"),
        ("Host", "evil.example"),
        ("Transfer-Encoding", "chunked"),
        ("X-Injected", "a\r\nHost: evil.example"),
    ] {
        let mut input = raw(HttpMethod::Get, "/boards", None, false);
        input.headers = vec![(name.into(), value.into())];
        match host
            .raw_request(&good(&mock), &input)
            .await
            .unwrap()
            .map_err(|f| f.error)
        {
            Err(ConnectorError::InvalidInput(i)) => assert_eq!(i.field, format!("headers.{name}")),
            other => panic!("{name} was not refused: {:?}", other.map(|r| r.status)),
        }
    }
    assert_eq!(mock.request_count(), 0, "nothing sent");
    let mut input = raw(HttpMethod::Get, "/boards", None, false);
    input.headers = vec![("X-Trace-Id".into(), "abc".into())];
    let out = host
        .raw_request(&good(&mock), &input)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(out.status, 200);
}

#[tokio::test]
async fn the_default_policy_denies_every_other_host_the_guest_tries() {
    // The default policy: Pinterest's API hosts over HTTPS, nothing else.
    let (mock, _) = setup().await;
    let (engine, component) = compiled_component().unwrap();
    let host = ConnectorHost::from_component(engine, component, HostConfig::default()).unwrap();
    for url in [
        "https://evil.example/openapi.json".to_string(),
        "https://api.pinterest.com:8443/openapi.json".to_string(),
        format!("https://{}/openapi.json", mock.production_addr),
    ] {
        match host
            .list_endpoints(&SpecSource::Url(url.clone()))
            .await
            .unwrap()
        {
            Err(ConnectorError::DeniedByHost(_)) => {}
            other => panic!("{url}: expected denied-by-host, got {other:?}"),
        }
    }
    assert_eq!(mock.request_count(), 0, "nothing got through");
}

/// The guest's linear memory peak over a whole walk of `pins` pins, 250 a
/// page.
async fn walk_memory_peak(pins: usize) -> usize {
    let mock = MockPinterest::start(MockConfig {
        pins,
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let host = host_for(&mock).unwrap();
    let mut stream = host
        .api_call_paginated(
            &good(&mock),
            &call("GET /pins", &[], &[("page_size", "250")], None),
            PaginationOptions { max_pages: None },
        )
        .await
        .unwrap()
        .unwrap();
    let mut items = 0;
    while let Some(page) = stream.next().await.unwrap().unwrap() {
        items += page.item_count as usize;
    }
    assert_eq!(items, pins);
    stream.memory_peak_bytes()
}

#[tokio::test]
async fn a_walk_holds_one_page_at_a_time_whatever_its_length() {
    let short = walk_memory_peak(1_000).await;
    let long = walk_memory_peak(20_000).await;
    // 80 pages of about 100 KiB each would need 8 MiB more if kept; the
    // walk may need a few pages of slack for the allocator, no more.
    assert!(
        long <= short + 256 * 1024,
        "the guest's memory grew with the walk: {short} bytes for 1 000 pins, {long} for 20 000"
    );
    assert!(
        long < 8 * 1024 * 1024,
        "{long} bytes for one page at a time"
    );
}

/// The distinct client connections the mock saw.
fn connections_seen(mock: &MockPinterest) -> usize {
    let peers: std::collections::BTreeSet<_> =
        mock.requests().iter().filter_map(|r| r.peer).collect();
    peers.len()
}

#[tokio::test]
async fn calls_reuse_the_hosts_open_connections_by_default() {
    let (mock, host) = setup().await;
    let creds = good(&mock);
    for _ in 0..5 {
        host.verify_credentials(&creds).await.unwrap().unwrap();
    }
    walk(&host, &creds, 250).await;
    assert_eq!(mock.request_count(), 9);
    assert_eq!(connections_seen(&mock), 1, "one kept-alive connection");
}

#[tokio::test]
async fn per_request_connections_when_the_host_asks_for_them() {
    let mock = MockPinterest::start(MockConfig::default()).await.unwrap();
    let (engine, component) = compiled_component().unwrap();
    let host = ConnectorHost::from_component(
        engine,
        component,
        HostConfig {
            network: pinterest_host_test::mock_policy(&mock).unwrap(),
            connections: Connections::PerRequest,
            ..HostConfig::default()
        },
    )
    .unwrap();
    let creds = good(&mock);
    for _ in 0..5 {
        host.verify_credentials(&creds).await.unwrap().unwrap();
    }
    assert_eq!(connections_seen(&mock), 5);
}

#[tokio::test]
async fn a_token_endpoint_must_be_https_or_on_loopback_and_nothing_is_sent_otherwise() {
    let (mock, host) = setup().await;
    let config = mock.config();
    for endpoint in [
        "http://10.0.0.9/v5/oauth/token",
        "http://api.pinterest.com/v5/oauth/token",
        "ftp://tokens.example/",
    ] {
        let due = Credentials::Oauth2(Oauth2Credentials {
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            access_token: "expired".into(),
            refresh_token: Some(config.refresh_token.clone()),
            expires_at: Some(1),
            refresh_token_expires_at: None,
            token_endpoint: Some(endpoint.into()),
            continuous_refresh: false,
            scopes: vec![],
        });
        match host.verify_credentials(&due).await.unwrap() {
            Err(ActionFailure {
                error: ConnectorError::InvalidInput(invalid),
                ..
            }) => {
                assert_eq!(invalid.field, "token-endpoint");
                assert!(invalid.reason.contains("https://"), "{}", invalid.reason);
            }
            other => panic!("{endpoint} was accepted: {other:?}"),
        }
    }
    assert_eq!(mock.request_count(), 0, "nothing was sent");
}
