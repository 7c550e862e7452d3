//! One rate budget for every caller of an account, through the built
//! component against a mock that limits each category as Pinterest does
//! (scaled down: 20 calls a second of `org_read`).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use pinterest_connector_core::budget::{BudgetLimits, CategoryLimit};
use pinterest_connector_host::types::CallOptions;
use pinterest_connector_host::types::ConnectorError;
use pinterest_connector_host::{
    BudgetStore, ConnectorHost, FileBudget, HostConfig, MemoryBudget, RateBudget,
};
use pinterest_host_test::store_contract::budget_contract;
use pinterest_host_test::{
    MockConfig, MockPinterest, host_for, host_with, mock_credentials, mock_policy,
};

/// The mock's `org_read` limit, per second.
const ORG_READ_PER_SECOND: u32 = 20;

async fn limited_mock() -> MockPinterest {
    MockPinterest::start(MockConfig {
        rate_limits: vec![("org_read".into(), ORG_READ_PER_SECOND)],
        ..MockConfig::default()
    })
    .await
    .expect("mock starts")
}

/// The budget the mock's limit calls for: 20 a second, two at once.
fn budget_of_the_mock() -> RateBudget {
    RateBudget::in_memory(BudgetLimits::uniform(CategoryLimit {
        permits: ORG_READ_PER_SECOND,
        per: Duration::from_secs(1),
        burst: 2,
    }))
}

/// `calls` verifications of the account by `workers` concurrent workers,
/// each on its own clone of `host`: how many failed.
async fn verify_many(
    host: &ConnectorHost,
    mock: &MockPinterest,
    workers: usize,
    calls: usize,
) -> usize {
    let credentials = Arc::new(mock_credentials(mock));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (host, credentials, next) = (host.clone(), credentials.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut failed = 0;
            while next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < calls {
                match host.verify_credentials(&credentials).await {
                    Ok(Ok(_)) => {}
                    _ => failed += 1,
                }
            }
            failed
        }));
    }
    let mut failed = 0;
    for task in tasks {
        failed += task.await.expect("a worker");
    }
    failed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_on_one_budget_stay_under_the_limit_where_workers_without_one_meet_429s() {
    // Without a budget the mock's limit is met: the oracle refuses.
    let mock = limited_mock().await;
    let host = host_for(&mock).unwrap();
    let _ = verify_many(&host, &mock, 16, 40).await;
    let unbudgeted = mock.rate_limited().get("org_read").copied().unwrap_or(0);
    assert!(unbudgeted > 0, "16 workers without a budget exceed 20/s");

    let mock = limited_mock().await;
    let host = host_for(&mock).unwrap().with_budget(budget_of_the_mock());
    let started = std::time::Instant::now();
    let failed = verify_many(&host, &mock, 16, 80).await;
    let took = started.elapsed();
    assert_eq!(failed, 0);
    assert_eq!(
        mock.rate_limited().get("org_read"),
        None,
        "no 429 with the budget"
    );
    assert_eq!(mock.requests().len(), 80, "each call sent once");
    // 80 calls at 20 a second after a burst of two: close to four seconds.
    assert!(took >= Duration::from_millis(3500), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_seen_by_one_worker_holds_every_other_until_its_reset() {
    let mock = MockPinterest::start(MockConfig::default()).await.unwrap();
    let budget = budget_of_the_mock();
    // One worker meets a spent limit whose reset is 3 s away, and, sending
    // each request once, reports it at once.
    let once = host_with(HostConfig {
        network: mock_policy(&mock).unwrap(),
        call_options: Some(CallOptions {
            max_attempts: 1,
            ..CallOptions::default()
        }),
        ..HostConfig::default()
    })
    .unwrap()
    .with_budget(budget.clone());
    mock.rate_limit_reset_in(3);
    mock.fail_next(1, 429);
    let failure = once
        .verify_credentials(&mock_credentials(&mock))
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(failure.error, ConnectorError::RateLimited(_)),
        "{:?}",
        failure.error
    );
    // Every other worker on the budget waits for the reset, then goes.
    let others = host_for(&mock).unwrap().with_budget(budget);
    let failed = verify_many(&others, &mock, 8, 16).await;
    assert_eq!(failed, 0);
    let log = mock.requests();
    assert_eq!(log.len(), 17, "the refused one and the 16");
    // The reset the mock named: the Unix second three seconds on.
    let reset_second = log[0]
        .received_at
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3;
    let reset = SystemTime::UNIX_EPOCH + Duration::from_secs(reset_second);
    for later in &log[1..] {
        assert_eq!(later.category.as_deref(), Some("org_read"));
        assert!(
            later.received_at >= reset,
            "a request {:?} before the reset",
            reset.duration_since(later.received_at).unwrap_or_default()
        );
    }
}

#[tokio::test]
async fn a_permit_that_cannot_be_had_in_time_is_rate_limited_and_nothing_is_sent() {
    let mock = MockPinterest::start(MockConfig::default()).await.unwrap();
    let budget = RateBudget::in_memory(BudgetLimits::uniform(CategoryLimit {
        permits: 1,
        per: Duration::from_secs(60),
        burst: 1,
    }));
    // The action's wait bound is its call options' `max-total-wait-ms`.
    let host = host_with(HostConfig {
        network: mock_policy(&mock).unwrap(),
        call_options: Some(CallOptions {
            max_total_wait_ms: 1_000,
            ..CallOptions::default()
        }),
        ..HostConfig::default()
    })
    .unwrap()
    .with_budget(budget);
    let credentials = mock_credentials(&mock);
    host.verify_credentials(&credentials)
        .await
        .unwrap()
        .unwrap();
    let failure = host
        .verify_credentials(&credentials)
        .await
        .unwrap()
        .unwrap_err();
    match &failure.error {
        ConnectorError::RateLimited(limit) => {
            let seconds = limit.retry_after_seconds.expect("the seconds to wait");
            assert!((58..=60).contains(&seconds), "{seconds}");
            assert!(
                limit.error.message.contains("not sent"),
                "{}",
                limit.error.message
            );
            assert!(
                limit.error.message.contains("org_read"),
                "{}",
                limit.error.message
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(mock.requests().len(), 1, "the second call was not sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_memory_budget_keeps_the_contract() {
    let memory: Arc<dyn BudgetStore> = Arc::new(MemoryBudget::default());
    budget_contract(vec![memory]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_budget_keeps_the_contract_across_handles_as_processes_would() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/credentials.json.budget");
    let one: Arc<dyn BudgetStore> = Arc::new(FileBudget::new(&path));
    let other: Arc<dyn BudgetStore> = Arc::new(FileBudget::new(&path));
    budget_contract(vec![one, other]).await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A file cut short is an empty budget, not an error.
    std::fs::write(&path, b"{\"org_re").unwrap();
    let store = FileBudget::new(&path);
    let limit = CategoryLimit {
        permits: 1,
        per: Duration::from_secs(60),
        burst: 1,
    };
    let permit = store
        .reserve("org_read", limit, 1_000_000, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(
        permit,
        pinterest_connector_core::budget::Permit::Granted {
            wait: Duration::ZERO
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redis_budget_keeps_the_contract_across_connections_as_machines_would() {
    let server = pinterest_host_test::RedisServer::start().expect("redis-server runs");
    let connect = || async {
        pinterest_connector_host::RedisStore::connect(
            &server.url(),
            "contract:budget",
            Duration::from_secs(2),
        )
        .await
        .expect("redis answers")
    };
    let one: Arc<dyn BudgetStore> = Arc::new(connect().await.budget());
    let other: Arc<dyn BudgetStore> = Arc::new(connect().await.budget());
    budget_contract(vec![one, other]).await;
}
