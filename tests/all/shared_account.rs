//! Many callers, one account, through the built component against a mock
//! whose token endpoint revokes a refresh token once used (401, code 283):
//! callers that share a credential store refresh once, whether the token
//! expired before they started or was revoked in the middle of their calls,
//! on threads, on `HostWorkers`, in processes on one credentials file and
//! on Redis; a spent refresh token ends in one clear `unauthorized` for all
//! of them, a holder killed mid-refresh holds no one up past the lease, and
//! a store that goes away is a typed host error.

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use pinterest_connector_host::types::{ConnectorError, Credentials, Oauth2Credentials, SpecSource};
use pinterest_connector_host::{
    ApiCallInput, ConnectorHost, CredentialStore, FileStore, HostError, HostWorkers, LeaseSettings,
    MemoryStore, RedisStore, SharedAccount, StoreError,
};
use pinterest_host_test::{MockPinterest, RedisServer, assert_no_secrets};
use serde_json::Value;

use crate::cli::{Run, cli, cli_command, error_line};
use crate::oauth_lifecycle::{get_pin, logged_in, setup};

/// Credentials as a login leaves them (a code exchanged at the mock), with
/// the access token expired: every caller's first request is due a refresh.
async fn expired(mock: &MockPinterest, host: &ConnectorHost) -> Oauth2Credentials {
    let mut credentials = logged_in(mock, host, true).await;
    credentials.expires_at = Some(1);
    credentials
}

/// Credentials from a login whose access token is not due by its instant
/// (the mock may still refuse it, when the test revokes it).
async fn not_due(mock: &MockPinterest, host: &ConnectorHost) -> Oauth2Credentials {
    let mut credentials = logged_in(mock, host, true).await;
    credentials.expires_at = Some(4_000_000_000);
    credentials
}

/// `count` calls of `call` on clones of `account` at once, each on a task
/// of its own: their outcomes, in order.
async fn at_once<T, F, Fut>(count: usize, account: &SharedAccount, call: F) -> Vec<T>
where
    F: Fn(SharedAccount) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let tasks = (0..count).map(|_| tokio::spawn(call(account.clone())));
    join_all(tasks)
        .await
        .into_iter()
        .map(|task| task.expect("the call's task ends"))
        .collect()
}

fn oauth(credentials: &Credentials) -> &Oauth2Credentials {
    match credentials {
        Credentials::Oauth2(c) => c,
        Credentials::Sandbox(_) => panic!("expected OAuth2 credentials"),
    }
}

/// The store's credentials are live: their refresh token is the one the
/// mock would take next.
async fn assert_live(mock: &MockPinterest, store: &dyn CredentialStore) {
    let stored = store.load().await.unwrap().expect("stored");
    let refresh = oauth(&stored.credentials).refresh_token.clone().unwrap();
    assert!(
        mock.refresh_token_valid(&refresh),
        "the store holds the live refresh token"
    );
    assert!(!stored.refresh_refused);
}

#[tokio::test]
async fn threads_of_one_process_refresh_an_expired_token_once() {
    let (mock, host) = setup().await;
    let store = Arc::new(MemoryStore::holding(Credentials::Oauth2(
        expired(&mock, &host).await,
    )));
    let account = SharedAccount::new(&host, store.clone());
    let before = mock.refresh_requests();
    let verifies = at_once(8, &account, |a| async move { a.verify_credentials().await });
    for outcome in verifies.await {
        let account = outcome.unwrap().expect("verified");
        assert_eq!(account.username, "mock_user");
    }
    assert_eq!(mock.refresh_requests() - before, 1, "one refresh for all 8");
    assert_eq!(account.refreshes_sent(), 1);
    assert_live(&mock, store.as_ref()).await;
}

#[tokio::test]
async fn five_hundred_calls_on_host_workers_refresh_once() {
    let (mock, host) = setup().await;
    let store = Arc::new(MemoryStore::holding(Credentials::Oauth2(
        expired(&mock, &host).await,
    )));
    let account = SharedAccount::new(&host, store.clone());
    let workers = HostWorkers::start(&host, NonZeroUsize::new(2).unwrap()).unwrap();
    let before = mock.refresh_requests();
    let calls = (0..500).map(|_| {
        let account = account.clone();
        let workers = workers.clone();
        async move {
            workers
                .run(move |host| async move { account.on(&host).verify_credentials().await })
                .await
        }
    });
    let outcomes = join_all(calls).await;
    let failures: Vec<String> = outcomes
        .iter()
        .filter_map(|o| match o {
            Ok(Ok(_)) => None,
            Ok(Err(failure)) => Some(failure.to_string()),
            Err(e) => Some(e.to_string()),
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} failed, first: {:?}",
        failures.len(),
        failures.first()
    );
    assert_eq!(
        mock.refresh_requests() - before,
        1,
        "one refresh for all 500"
    );
    assert_live(&mock, store.as_ref()).await;
}

#[tokio::test]
async fn a_token_revoked_in_the_middle_of_64_calls_is_refreshed_once() {
    let (mock, host) = setup().await;
    let live = not_due(&mock, &host).await;
    let store = Arc::new(MemoryStore::holding(Credentials::Oauth2(live.clone())));
    let account = SharedAccount::new(&host, store.clone());
    // Not expired by its instant: the component sends it, the API answers
    // 401, and each caller's component asks for a refresh.
    mock.revoke_access_token(&live.access_token);
    let before = mock.refresh_requests();
    let calls = at_once(
        64,
        &account,
        |a| async move { a.api_call(&get_pin()).await },
    );
    for outcome in calls.await {
        let out = outcome.unwrap().expect("the call goes through");
        assert_eq!(out.status, 200);
    }
    assert_eq!(
        mock.refresh_requests() - before,
        1,
        "one refresh for all 64"
    );
    assert_live(&mock, store.as_ref()).await;
}

#[tokio::test]
async fn a_spent_refresh_token_is_one_clear_unauthorized_for_every_caller() {
    let (mock, host) = setup().await;
    let credentials = expired(&mock, &host).await;
    // Someone refreshed outside the store (a lease holder killed before it
    // saved): the stored refresh token is spent.
    host.refresh(&credentials).await.unwrap().unwrap();
    let store = Arc::new(MemoryStore::holding(Credentials::Oauth2(credentials)));
    let account = SharedAccount::new(&host, store.clone());
    let before = mock.refresh_requests();
    for wave in 0..2 {
        let verifies = at_once(
            16,
            &account,
            |a| async move { a.verify_credentials().await },
        );
        for outcome in verifies.await {
            let failure = outcome.unwrap().expect_err("unauthorized");
            let text = format!("{failure} {failure:?}");
            assert_no_secrets(&text, &mock.secrets());
            match &failure.error {
                ConnectorError::Unauthorized(api) => {
                    assert_eq!((api.status, api.code), (401, Some(283)), "wave {wave}");
                    assert!(api.message.contains("re-authenticate"), "{}", api.message);
                }
                other => panic!("expected unauthorized, got {other:?}"),
            }
        }
        assert_eq!(
            mock.refresh_requests() - before,
            1,
            "wave {wave}: one refused refresh, then none: no storm, no retry loop"
        );
    }
    assert!(store.load().await.unwrap().unwrap().refresh_refused);
}

#[tokio::test]
async fn a_walk_whose_token_is_revoked_between_pages_refreshes_through_the_store() {
    let (mock, host) = setup().await;
    let live = not_due(&mock, &host).await;
    let store = Arc::new(MemoryStore::holding(Credentials::Oauth2(live.clone())));
    let account = SharedAccount::new(&host, store.clone());
    let input = ApiCallInput {
        spec: SpecSource::Embedded,
        endpoint: "GET /pins".into(),
        path_params: vec![],
        query_params: vec![("page_size".into(), "100".into())],
        body: None,
    };
    let mut pages = account
        .api_call_paginated(
            &input,
            pinterest_connector_host::PaginationOptions { max_pages: Some(4) },
        )
        .await
        .unwrap()
        .unwrap();
    pages.next().await.unwrap().unwrap().expect("page 1");
    mock.revoke_access_token(&live.access_token);
    let mut count = 1;
    while let Some(page) = pages.next().await.unwrap().unwrap() {
        assert_eq!(page.status, 200);
        count += 1;
    }
    assert_eq!(count, 4);
    // The refresh mid-walk was saved by the gate, not by the caller.
    assert_live(&mock, store.as_ref()).await;
    let stored = store.load().await.unwrap().unwrap();
    assert_ne!(oauth(&stored.credentials).access_token, live.access_token);
}

/// A credentials file as `login` writes it, holding `credentials`.
fn credentials_file(
    dir: &tempfile::TempDir,
    credentials: &Oauth2Credentials,
) -> std::path::PathBuf {
    let path = dir.path().join("credentials.json");
    let json = serde_json::json!({
        "kind": "oauth2",
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
        "access_token": credentials.access_token,
        "refresh_token": credentials.refresh_token,
        "expires_at": credentials.expires_at,
        "refresh_token_expires_at": credentials.refresh_token_expires_at,
        "token_endpoint": null,
        "continuous_refresh": true,
        "scopes": credentials.scopes,
    });
    std::fs::write(&path, json.to_string()).unwrap();
    path
}

#[tokio::test]
async fn eight_cli_processes_on_one_credentials_file_refresh_once() {
    let (mock, host) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let path = credentials_file(&dir, &expired(&mock, &host).await);
    let file = path.to_str().unwrap().to_owned();
    let before = mock.refresh_requests();
    let runs = (0..8).map(|_| {
        let env = [("PINTEREST_CREDENTIALS_FILE", file.as_str())];
        let mock = &mock;
        async move { cli(mock, &env, &["verify"]).await }
    });
    for run in join_all(runs).await {
        assert_eq!(run.code, 0, "{}", run.stderr);
        let account: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(account["username"], "mock_user");
    }
    assert_eq!(
        mock.refresh_requests() - before,
        1,
        "one refresh for 8 processes"
    );
    assert_live(&mock, &FileStore::new(&path)).await;
}

#[tokio::test]
async fn a_watch_beside_other_commands_uses_their_refreshes() {
    // `watch` used to keep its credentials in memory: once another process
    // refreshed, the watcher's refresh token was spent and its next refresh
    // (after a 401) failed. Now each poll starts from the credentials file.
    let (mock, host) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let path = credentials_file(&dir, &expired(&mock, &host).await);
    let env = [("PINTEREST_CREDENTIALS_FILE", path.to_str().unwrap())];
    let before = mock.refresh_requests();
    let mut watch = tokio::process::Command::from(cli_command(
        &mock,
        &env,
        &["watch", "new-board", "--every", "1"],
    ))
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::piped())
    .kill_on_drop(true)
    .spawn()
    .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while mock.refresh_requests() == before {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the watch never refreshed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let watched = FileStore::new(&path).load().await.unwrap().unwrap();

    // Another command refreshes (its token expired for it), then the token
    // the watcher last used is revoked: a watcher holding it in memory would
    // get a 401, refresh with a spent token and stop.
    let mut due = oauth(&watched.credentials).clone();
    due.expires_at = Some(1);
    pinterest_connector_host::credential_store::replace(
        &FileStore::new(&path),
        &Credentials::Oauth2(due),
    )
    .await
    .unwrap();
    let run = cli(&mock, &env, &["verify"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    mock.revoke_access_token(&oauth(&watched.credentials).access_token);
    let polls_before = mock.requests().len();
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert!(
        watch.try_wait().unwrap().is_none(),
        "the watch is still running"
    );
    assert!(mock.requests().len() > polls_before, "it went on polling");
    watch.start_kill().unwrap();
    let output = watch.wait_with_output().await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("unauthorized"), "{stderr}");
    assert_eq!(
        mock.refresh_requests() - before,
        2,
        "the watcher's and verify's"
    );
    assert_live(&mock, &FileStore::new(&path)).await;
}

async fn redis_store(server: &RedisServer, prefix: &str) -> RedisStore {
    RedisStore::connect(&server.url(), prefix, Duration::from_secs(2))
        .await
        .expect("redis answers")
}

/// The Redis account `pinterest-connector:NAME`, holding `credentials`, and
/// the CLI's environment for it.
async fn redis_account<'a>(
    server: &RedisServer,
    url: &'a str,
    name: &'a str,
    credentials: Oauth2Credentials,
) -> (RedisStore, [(&'static str, &'a str); 2]) {
    let store = redis_store(server, &format!("pinterest-connector:{name}")).await;
    pinterest_connector_host::credential_store::replace(&store, &Credentials::Oauth2(credentials))
        .await
        .unwrap();
    (
        store,
        [("PINTEREST_REDIS_URL", url), ("PINTEREST_ACCOUNT", name)],
    )
}

/// The stdio MCP server (`pinterest-connector mcp`) in `env`, driven by the
/// official MCP Python SDK with `calls` concurrent `verify_credentials`
/// tool calls: how many succeeded, failed, and the first error.
async fn mcp_concurrent(
    mock: &MockPinterest,
    env: &[(&str, &str)],
    calls: usize,
) -> (usize, usize, String) {
    let component = pinterest_host_test::component::built_component().expect("built");
    let mut args = vec!["concurrent".to_owned(), calls.to_string(), "--".into()];
    args.push(env!("CARGO_BIN_EXE_pinterest-connector").into());
    args.extend([
        "--route".into(),
        format!("api.pinterest.com={}", mock.production_addr),
        "mcp".into(),
    ]);
    let mut environment: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    environment.push(("PATH".into(), std::env::var("PATH").unwrap_or_default()));
    environment.push((
        "PINTEREST_CONNECTOR_WASM".into(),
        component.display().to_string(),
    ));
    let output = pinterest_host_test::python::mcp_client(args, environment)
        .await
        .expect("the client runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert_no_secrets(&stdout, &mock.secrets());
    assert_no_secrets(&stderr, &mock.secrets());
    let results = stdout
        .lines()
        .find_map(|l| l.strip_prefix("results "))
        .unwrap_or_else(|| panic!("no results in {stdout}"));
    let mut counts = results.split(' ').map(|n| n.parse::<usize>().unwrap());
    let (succeeded, failed) = (counts.next().unwrap(), counts.next().unwrap());
    let first_error = stdout
        .lines()
        .find_map(|l| l.strip_prefix("first_error "))
        .unwrap_or_default()
        .to_owned();
    (succeeded, failed, first_error)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_concurrent_mcp_tool_calls_refresh_once() {
    let (mock, host) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let path = credentials_file(&dir, &expired(&mock, &host).await);
    let before = mock.refresh_requests();
    let env = [("PINTEREST_CREDENTIALS_FILE", path.to_str().unwrap())];
    let (succeeded, failed, first) = mcp_concurrent(&mock, &env, 8).await;
    assert_eq!((succeeded, failed), (8, 0), "{first}");
    assert_eq!(
        mock.refresh_requests() - before,
        1,
        "one refresh for 8 tool calls"
    );
    assert_live(&mock, &FileStore::new(&path)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_mcp_servers_of_32_calls_on_redis_refresh_once() {
    let (mock, host) = setup().await;
    let server = RedisServer::start().expect("redis-server runs");
    let url = server.url();
    let (store, env) =
        redis_account(&server, &url, "two-servers", expired(&mock, &host).await).await;
    let before = mock.refresh_requests();
    let (first, second) = tokio::join!(
        mcp_concurrent(&mock, &env, 32),
        mcp_concurrent(&mock, &env, 32)
    );
    for (succeeded, failed, error) in [first, second] {
        assert_eq!((succeeded, failed), (32, 0), "{error}");
    }
    assert_eq!(
        mock.refresh_requests() - before,
        1,
        "one refresh for 64 calls in 2 processes"
    );
    assert_live(&mock, &store).await;
}

#[tokio::test]
async fn a_lease_holder_killed_mid_refresh_holds_no_one_past_the_lease() {
    let (mock, host) = setup().await;
    let server = RedisServer::start().expect("redis-server runs");
    let url = server.url();
    let (store, env) = redis_account(&server, &url, "killed", expired(&mock, &host).await).await;
    let before = mock.refresh_requests();
    // The holder's refresh reaches the token endpoint, which rotates the
    // token; the holder dies before it can read the answer or save it.
    mock.delay_token_answers(Duration::from_secs(5));
    let mut holder =
        tokio::process::Command::from(cli_command(&mock, &env, &["--lease-ttl", "2", "verify"]))
            .kill_on_drop(true)
            .spawn()
            .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while mock.refresh_requests() == before {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the holder never refreshed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // SIGKILL: no destructor, no release; the lease lapses in 2 s.
    holder.start_kill().unwrap();
    let _ = holder.wait().await;
    mock.delay_token_answers(Duration::ZERO);

    let started = std::time::Instant::now();
    let runs = (0..6).map(|_| {
        let mock = &mock;
        let env = &env;
        async move { cli(mock, env, &["--lease-ttl", "2", "verify"]).await }
    });
    for run in join_all(runs).await {
        assert_eq!(run.code, 3, "{}", run.stderr);
        let line = error_line(&run);
        assert!(line.contains("re-authenticate"), "{line}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        mock.refresh_requests() - before,
        2,
        "the holder's refresh and one refused one: no storm"
    );
    assert!(store.load().await.unwrap().unwrap().refresh_refused);
}

#[tokio::test]
async fn redis_stopped_during_a_run_is_a_typed_host_error() {
    let (mock, host) = setup().await;
    let mut server = RedisServer::start().expect("redis-server runs");
    let url = server.url();
    let live = not_due(&mock, &host).await;
    let (store, _) = redis_account(&server, &url, "stopped", live).await;
    let store = Arc::new(store);
    let account = SharedAccount::with_lease(
        &host,
        store,
        LeaseSettings {
            ttl: Duration::from_secs(2),
            wait: Duration::from_secs(4),
            ..LeaseSettings::default()
        },
    );
    account
        .verify_credentials()
        .await
        .unwrap()
        .expect("verified");
    server.stop();
    let before = mock.request_count();
    match account.verify_credentials().await {
        Err(HostError::CredentialStore(StoreError::Unreachable { store, .. })) => {
            assert!(store.contains(&url), "{store}")
        }
        other => panic!(
            "expected the store's error, got {:?}",
            other.map(|r| r.is_ok())
        ),
    }
    assert_eq!(
        mock.request_count(),
        before,
        "nothing sent without the store"
    );

    // The CLI says the same, naming the server, with exit code 1.
    let run: Run = cli(&mock, &[("PINTEREST_REDIS_URL", url.as_str())], &["verify"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let line = error_line(&run);
    assert!(
        line.contains(&url) && line.contains("cannot be reached"),
        "{line}"
    );
}

#[tokio::test]
async fn cli_processes_share_one_account_on_redis() {
    let (mock, host) = setup().await;
    let server = RedisServer::start().expect("redis-server runs");
    let url = server.url();
    let (store, env) = redis_account(&server, &url, "shop", expired(&mock, &host).await).await;
    let before = mock.refresh_requests();
    let runs = (0..4).map(|_| {
        let mock = &mock;
        async move { cli(mock, &env, &["verify"]).await }
    });
    for run in join_all(runs).await {
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    assert_eq!(mock.refresh_requests() - before, 1);
    assert_live(&mock, &store).await;

    // Another account name is another account: nothing stored there.
    let other = [
        ("PINTEREST_REDIS_URL", url.as_str()),
        ("PINTEREST_ACCOUNT", "nobody"),
    ];
    let run = cli(&mock, &other, &["verify"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(error_line(&run).contains("login"), "{}", run.stderr);
}

#[tokio::test]
async fn a_refresh_that_outlives_its_lease_still_wins_over_the_refusal() {
    let (mock, host) = setup().await;
    let store = Arc::new(MemoryStore::holding(Credentials::Oauth2(
        expired(&mock, &host).await,
    )));
    let short = LeaseSettings {
        ttl: Duration::from_millis(300),
        wait: Duration::from_secs(10),
        ..LeaseSettings::default()
    };
    // Two handles, two processes' worth of gates, on one store.
    let slow = SharedAccount::with_lease(&host, store.clone(), short);
    let late = SharedAccount::with_lease(&host, store.clone(), short);
    mock.delay_token_answers(Duration::from_millis(1_500));
    let first = tokio::spawn(async move { slow.verify_credentials().await });
    // The first refresh is at the token endpoint (which rotated already);
    // its lease lapses while it waits for the answer.
    while mock.refresh_requests() < 1 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let refused = late.verify_credentials().await.unwrap();
    assert!(
        matches!(&refused, Err(f) if matches!(f.error, ConnectorError::Unauthorized(_))),
        "the late caller's refresh token was spent by the first"
    );
    let account = first
        .await
        .unwrap()
        .unwrap()
        .expect("the first refresh went through");
    assert_eq!(account.username, "mock_user");
    // The store holds the live tokens, not the refusal.
    assert_live(&mock, store.as_ref()).await;
    mock.delay_token_answers(Duration::ZERO);
    late.verify_credentials()
        .await
        .unwrap()
        .expect("usable again");
}
