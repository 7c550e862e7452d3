//! The thread-per-core host (`HostWorkers`) through the built component:
//! calls run on the workers' own threads, in turn, with their own
//! connections; a walk stays on its worker; 500 actions at once all
//! succeed; a dropped call stops on its worker; a panicking call is a typed
//! error and its worker goes on; workers given hosts of their own run them.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::time::Duration;

use pinterest_connector_host::types::{ConnectorError, Credentials, SpecSource};
use pinterest_connector_host::wasmtime::component::Component;
use pinterest_connector_host::{
    ApiCallInput, CallLimits, ConnectorHost, HostConfig, HostError, HostWorkers, NetworkPolicy,
    PaginationOptions,
};
use pinterest_host_test::{
    MockConfig, MockPinterest, component, host_for, host_with, load, mock_policy,
};

fn two() -> NonZeroUsize {
    NonZeroUsize::new(2).expect("two")
}

/// The name of the thread a closure runs on.
fn thread_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("unnamed")
        .to_owned()
}

#[tokio::test]
async fn calls_run_in_turn_on_the_workers_own_threads() {
    let mock = MockPinterest::start(MockConfig::default())
        .await
        .expect("mock starts");
    let host = host_for(&mock).expect("component loads");
    let workers = HostWorkers::start(&host, two()).expect("workers start");
    assert_eq!(workers.threads(), 2);
    let credentials = Credentials::Sandbox(mock.config().sandbox_token.clone());

    let mut threads = Vec::new();
    for _ in 0..6 {
        let credentials = credentials.clone();
        let (thread, account) = workers
            .run(move |host| async move {
                let account = host.verify_credentials(&credentials).await?;
                Ok((thread_name(), account))
            })
            .await
            .expect("the worker answers");
        assert_eq!(
            account.expect("verified").username,
            "mock_sandbox_user",
            "the call's own answer comes back"
        );
        threads.push(thread);
    }
    assert_eq!(
        threads,
        [
            "pinterest-host-0",
            "pinterest-host-1",
            "pinterest-host-0",
            "pinterest-host-1",
            "pinterest-host-0",
            "pinterest-host-1"
        ],
        "handed out in turn, never on the caller's thread"
    );
    assert_eq!(mock.request_count(), 6);
}

#[tokio::test]
async fn a_walk_stays_on_its_worker_from_page_to_page() {
    let mock = MockPinterest::start(MockConfig {
        pins: 1_000,
        ..MockConfig::default()
    })
    .await
    .expect("mock starts");
    let host = host_for(&mock).expect("component loads");
    let workers = HostWorkers::start(&host, two()).expect("workers start");
    let credentials = Credentials::Sandbox(mock.config().sandbox_token.clone());
    let input = ApiCallInput {
        spec: SpecSource::Embedded,
        endpoint: "GET /pins".into(),
        path_params: vec![],
        query_params: vec![("page_size".into(), "250".into())],
        body: None,
    };
    let (items, pages_by_thread) = workers
        .run(move |host| async move {
            let mut stream = host
                .api_call_paginated(&credentials, &input, PaginationOptions { max_pages: None })
                .await?
                .expect("the walk starts");
            let mut items = 0;
            let mut pages_by_thread = BTreeMap::<String, u32>::new();
            while let Some(page) = stream.next().await?.expect("a page") {
                items += page.item_count;
                *pages_by_thread.entry(thread_name()).or_default() += 1;
            }
            Ok((items, pages_by_thread))
        })
        .await
        .expect("the worker answers");
    assert_eq!(items, 1_000);
    assert_eq!(
        pages_by_thread,
        BTreeMap::from([("pinterest-host-0".to_owned(), 4)]),
        "every page on the worker the walk started on"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_concurrent_actions_on_two_workers_all_succeed() {
    let mock = MockPinterest::start(MockConfig::default())
        .await
        .expect("mock starts");
    let limits = CallLimits::default();
    let engine = ConnectorHost::pooled_engine(600, limits.max_memory_bytes).expect("engine");
    let wasm = std::fs::read(component::built_component().expect("built")).expect("read");
    let compiled = Component::new(&engine, &wasm).expect("compiles");
    let host = ConnectorHost::from_component(
        engine,
        compiled,
        HostConfig {
            network: mock_policy(&mock).expect("policy"),
            limits,
            ..HostConfig::default()
        },
    )
    .expect("links");
    let workers = HostWorkers::start(&host, two()).expect("workers start");
    for round in 0..2 {
        let report = load::run_on_workers(&workers, &mock, 500).await;
        assert_eq!(
            report.failures, 0,
            "round {round}: {:?}",
            report.first_failure
        );
    }
    assert_eq!(mock.request_count(), 1000);
}

/// Dropped when the call it was moved into is dropped.
struct Dropped(Option<tokio::sync::oneshot::Sender<()>>);

impl Drop for Dropped {
    fn drop(&mut self) {
        if let Some(told) = self.0.take() {
            let _ = told.send(());
        }
    }
}

#[tokio::test]
async fn a_call_whose_caller_goes_away_stops_on_its_worker() {
    let mock = MockPinterest::start(MockConfig::default())
        .await
        .expect("mock starts");
    let host = host_for(&mock).expect("component loads");
    let workers = HostWorkers::start(&host, two()).expect("workers start");
    let (told, dropped) = tokio::sync::oneshot::channel();
    let guard = Dropped(Some(told));
    let call = workers.run(move |_host| async move {
        let _guard = guard;
        std::future::pending::<()>().await;
        Ok(())
    });
    assert!(
        tokio::time::timeout(Duration::from_millis(100), call)
            .await
            .is_err(),
        "the call never answers"
    );
    tokio::time::timeout(Duration::from_secs(10), dropped)
        .await
        .expect("the worker dropped the call once its caller had gone")
        .expect("told");
}

#[tokio::test]
async fn a_panicking_call_is_a_typed_error_and_its_worker_goes_on() {
    let mock = MockPinterest::start(MockConfig::default())
        .await
        .expect("mock starts");
    let host = host_for(&mock).expect("component loads");
    let workers = HostWorkers::start(&host, NonZeroUsize::MIN).expect("workers start");
    let failed = workers
        .run(|_host| async move {
            if thread_name().starts_with("pinterest-host") {
                panic!("a call that panics on its worker");
            }
            Ok(())
        })
        .await;
    assert!(
        matches!(failed, Err(HostError::WorkerStopped)),
        "{failed:?}"
    );
    let credentials = Credentials::Sandbox(mock.config().sandbox_token.clone());
    let account = workers
        .run(move |host| async move { host.verify_credentials(&credentials).await })
        .await
        .expect("the same worker answers the next call")
        .expect("verified");
    assert_eq!(account.username, "mock_sandbox_user");
}

#[tokio::test]
async fn each_worker_runs_the_host_it_was_given() {
    let mock = MockPinterest::start(MockConfig::default())
        .await
        .expect("mock starts");
    let open = host_for(&mock).expect("component loads");
    let closed = host_with(HostConfig {
        network: NetworkPolicy::deny_all(),
        ..HostConfig::default()
    })
    .expect("component loads");
    let workers = HostWorkers::with_hosts(vec![open, closed]).expect("workers start");
    let credentials = Credentials::Sandbox(mock.config().sandbox_token.clone());
    let mut answers = Vec::new();
    for _ in 0..4 {
        let credentials = credentials.clone();
        let answer = workers
            .run(move |host| async move { host.verify_credentials(&credentials).await })
            .await
            .expect("the worker answers");
        answers.push(match answer {
            Ok(_) => "verified",
            Err(failure) if matches!(failure.error, ConnectorError::DeniedByHost(_)) => "denied",
            Err(failure) => panic!("unexpected {failure:?}"),
        });
    }
    assert_eq!(answers, ["verified", "denied", "verified", "denied"]);
    assert_eq!(mock.request_count(), 2, "the closed host sent nothing");

    assert!(matches!(
        HostWorkers::with_hosts(Vec::new()),
        Err(HostError::Workers(_))
    ));
}
