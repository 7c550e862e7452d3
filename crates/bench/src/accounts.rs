//! Many callers, one account: what a credential store adds to one action
//! (memory, a file, a real Redis server) and how long 64 callers wait for
//! the one refresh they share, against the mock on loopback.

use std::sync::Arc;
use std::time::{Duration, Instant};

use pinterest_connector_host::credential_store::replace;
use pinterest_connector_host::types::{Credentials, Oauth2Credentials};
use pinterest_connector_host::{
    ConnectorHost, CredentialStore, FileStore, MemoryStore, OauthApp, RedisStore, SharedAccount,
};
use pinterest_host_test::{MockConfig, MockPinterest, RedisServer, host_for};

use crate::report::{Row, Verdict};
use crate::stats::{self, Samples};

const REDIRECT: &str = "http://127.0.0.1:8085/callback";

/// Live credentials from a code exchange at the mock.
async fn logged_in(
    mock: &MockPinterest,
    host: &ConnectorHost,
) -> anyhow::Result<Oauth2Credentials> {
    let app = OauthApp {
        client_id: mock.config().client_id.clone(),
        client_secret: mock.config().client_secret.clone(),
        token_endpoint: None,
        continuous_refresh: true,
    };
    let code = mock.issue_code(REDIRECT);
    host.exchange_code(&app, &code, REDIRECT)
        .await?
        .map_err(|e| anyhow::anyhow!("{e:?}"))
}

/// One row per store for the cost of a verify through it, one for a plain
/// verify, and the wait of 64 callers for one refresh on memory and Redis.
pub(crate) async fn run(calls: usize, rounds: usize) -> anyhow::Result<Vec<Row>> {
    let mock = MockPinterest::start(MockConfig::default()).await?;
    let host = host_for(&mock)?;
    let live = Credentials::Oauth2(logged_in(&mock, &host).await?);
    let redis = RedisServer::start()?;
    let dir = tempfile::tempdir()?;
    let mut rows = Vec::new();

    let redis_store =
        RedisStore::connect(&redis.url(), "bench:cost", Duration::from_secs(2)).await?;
    let stores: Vec<(&str, Arc<dyn CredentialStore>)> = vec![
        ("memory", Arc::new(MemoryStore::new())),
        (
            "file",
            Arc::new(FileStore::new(dir.path().join("credentials.json"))),
        ),
        ("Redis", Arc::new(redis_store)),
    ];
    let mut accounts = Vec::new();
    for (name, store) in stores {
        replace(store.as_ref(), &live).await?;
        accounts.push((name, SharedAccount::new(&host, store), Samples::default()));
    }
    // In turn, call by call, so that the machine's drift weighs on all alike.
    // Each call's turn rotates, so that no way goes first every time.
    let mut plain = Samples::default();
    for call in 0..calls {
        for turn in 0..=accounts.len() {
            let which = (call + turn) % (accounts.len() + 1);
            let started = Instant::now();
            match accounts.get_mut(which) {
                None => {
                    host.verify_credentials(&live)
                        .await?
                        .map_err(|f| anyhow::anyhow!("{f}"))?;
                    plain.push(started.elapsed());
                }
                Some((_, account, samples)) => {
                    account
                        .verify_credentials()
                        .await?
                        .map_err(|f| anyhow::anyhow!("{f}"))?;
                    samples.push(started.elapsed());
                }
            }
        }
    }
    let figure = "a verify, credentials passed by the caller (no store)";
    println!("{figure}: {}", stats::timing(&plain));
    rows.push(Row::new(
        figure,
        "",
        stats::timing(&plain),
        Verdict::Reported,
    ));
    for (name, _, samples) in &accounts {
        let added = samples.median() - plain.median();
        let figure = format!("a verify through SharedAccount on the {name} store");
        let measured = format!(
            "{} (the store adds {})",
            stats::timing(samples),
            stats::time(added)
        );
        println!("{figure}: {measured}");
        rows.push(Row::new(figure, "", measured, Verdict::Reported));
    }

    // The live credentials: each refresh below rotates them.
    let mut latest = live;
    for name in ["memory", "Redis"] {
        let store: Arc<dyn CredentialStore> = match name {
            "memory" => Arc::new(MemoryStore::new()),
            _ => Arc::new(
                RedisStore::connect(&redis.url(), "bench:wait", Duration::from_secs(2)).await?,
            ),
        };
        replace(store.as_ref(), &latest).await?;
        let account = SharedAccount::new(&host, store.clone());
        let mut waits = Samples::default();
        let refreshes_before = mock.refresh_requests();
        for _ in 0..rounds {
            // Expire the stored token: every caller's first request is due.
            let Some(stored) = store.load().await? else {
                anyhow::bail!("the store lost the credentials");
            };
            let Credentials::Oauth2(mut due) = stored.credentials else {
                anyhow::bail!("not OAuth2");
            };
            due.expires_at = Some(1);
            replace(store.as_ref(), &Credentials::Oauth2(due)).await?;
            let calls = (0..64).map(|_| {
                let account = account.clone();
                tokio::spawn(async move {
                    let started = Instant::now();
                    let outcome = account.verify_credentials().await;
                    let outcome = match outcome {
                        Ok(Ok(_)) => Ok(()),
                        Ok(Err(failure)) => Err(failure.to_string()),
                        Err(e) => Err(e.to_string()),
                    };
                    (started.elapsed(), outcome)
                })
            });
            for call in futures_join(calls).await {
                let (waited, outcome) = call?;
                if let Err(why) = outcome {
                    anyhow::bail!("a contender failed: {why}");
                }
                waits.push(waited);
            }
        }
        if let Some(stored) = store.load().await? {
            latest = stored.credentials;
        }
        let refreshes = mock.refresh_requests() - refreshes_before;
        anyhow::ensure!(
            refreshes == rounds,
            "{refreshes} refreshes in {rounds} rounds"
        );
        let figure = format!(
            "64 callers of one account whose token expired, {name} store: each caller's call, one refresh for all"
        );
        let measured = format!(
            "median {}, p99 {} ({rounds} rounds, {refreshes} refresh requests)",
            stats::time(waits.median()),
            stats::time(waits.percentile(99.0))
        );
        println!("{figure}: {measured}");
        rows.push(Row::new(figure, "", measured, Verdict::Reported));
    }
    Ok(rows)
}

/// Awaits every task, in order.
async fn futures_join<T>(
    tasks: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<Result<T, tokio::task::JoinError>> {
    let mut out = Vec::new();
    for task in tasks.collect::<Vec<_>>() {
        out.push(task.await);
    }
    out
}
