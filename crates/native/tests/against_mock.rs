//! The native baseline does the same work as the component against the
//! same mock: otherwise the benchmark's ratios would compare different
//! things.

use pinterest_connector_core::credentials::Credentials;
use pinterest_connector_core::error::{ConnectorError, TransportKind};
use pinterest_connector_core::options::CallOptions;
use pinterest_connector_core::pagination::PaginationOptions;
use pinterest_connector_core::request::CallInput;
use pinterest_connector_core::{Connector, Session};
use pinterest_connector_native::{Connections, NativeTransport};
use pinterest_host_test::{MockConfig, MockPinterest};

fn transport(mock: &MockPinterest, connections: Connections) -> NativeTransport {
    NativeTransport::new(&CallOptions::default(), connections)
        .route("api-sandbox.pinterest.com", mock.sandbox_addr)
}

/// Runs `f` on a blocking thread: the transport blocks, the mock must not.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f)
        .await
        .expect("the blocking task ends")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verifies_and_walks_every_page_with_or_without_kept_connections() {
    let mock = MockPinterest::start(MockConfig {
        pins: 1_234,
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let credentials = Credentials::Sandbox(mock.config().sandbox_token.clone());
    for connections in [Connections::Pooled, Connections::PerRequest] {
        let mut transport = transport(&mock, connections);
        let credentials = credentials.clone();
        let (username, items, pages) = blocking(move || {
            let mut session = Session::new(credentials);
            let account = Connector::new(&mut transport)
                .verify_credentials(&mut session)
                .unwrap();
            let input = CallInput {
                endpoint: "GET /pins".into(),
                query_params: vec![("page_size".into(), "250".into())],
                ..CallInput::default()
            };
            let mut walker = Connector::new(&mut transport)
                .paginate(&session, &input, PaginationOptions::default())
                .unwrap();
            let (mut items, mut pages) = (0, 0);
            while let Some(page) = walker.next_page(&mut transport, &mut session).unwrap() {
                items += page.item_count;
                pages += 1;
            }
            (account.username, items, pages)
        })
        .await;
        assert_eq!(username, "mock_sandbox_user");
        assert_eq!((items, pages), (1_234, 5), "{connections:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_and_failures_map_like_the_components() {
    let mock = MockPinterest::start(MockConfig::default()).await.unwrap();
    let mut transport = transport(&mock, Connections::Pooled);
    let wrong = Credentials::Sandbox("not-the-token".into());
    let unauthorized = blocking(move || {
        Connector::new(&mut transport).verify_credentials(&mut Session::new(wrong))
    })
    .await;
    assert!(
        matches!(unauthorized, Err(ConnectorError::Unauthorized(_))),
        "{unauthorized:?}"
    );

    // Nothing listens there any more.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let mut refused = NativeTransport::new(&CallOptions::default(), Connections::PerRequest)
        .route("api-sandbox.pinterest.com", addr);
    let credentials = Credentials::Sandbox("token".into());
    let outcome = blocking(move || {
        Connector::new(&mut refused).verify_credentials(&mut Session::new(credentials))
    })
    .await;
    match outcome {
        Err(ConnectorError::Transport(e)) => assert_eq!(e.kind, TransportKind::Refused),
        other => panic!("expected a refused connection, got {other:?}"),
    }

    // Hosts it has no route for are refused before anything is sent.
    let mut unrouted = NativeTransport::new(&CallOptions::default(), Connections::Pooled);
    let credentials = Credentials::Sandbox("token".into());
    let outcome = blocking(move || {
        Connector::new(&mut unrouted).verify_credentials(&mut Session::new(credentials))
    })
    .await;
    assert!(
        matches!(outcome, Err(ConnectorError::DeniedByHost(_))),
        "{outcome:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_go_out_with_content_length() {
    // The mock answers 411 to a chunked body or a POST without a length,
    // as S3 and Pinterest's gateways do.
    let mock = MockPinterest::start(MockConfig::default()).await.unwrap();
    let credentials = Credentials::Sandbox(mock.config().sandbox_token.clone());
    let board = MockPinterest::board_id(0);
    let mut transport = transport(&mock, Connections::Pooled);
    let status = blocking(move || {
        let mut session = Session::new(credentials);
        let input = pinterest_connector_core::raw::RawInput {
            method: pinterest_connector_core::Method::Post,
            url: "/pins".into(),
            headers: vec![],
            body: Some(format!(
                r#"{{"board_id":"{board}","media_source":{{"source_type":"image_url","url":"https://i.example/a.jpg"}}}}"#
            )),
            no_throw_on_404: false,
        };
        Connector::new(&mut transport)
            .raw_request(&mut session, &input)
            .map(|response| response.status)
    })
    .await;
    assert_eq!(status, Ok(201));
    let sent = mock.requests();
    assert_eq!(sent.last().map(|r| r.method.as_str()), Some("POST"));
}
