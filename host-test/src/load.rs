//! Many actions at once through one host: the load the connector must
//! carry without failing or growing without bound.

use std::time::{Duration, Instant};

use pinterest_connector_host::types::{Credentials, HttpMethod, SpecSource};
use pinterest_connector_host::{
    ActionFailure, ApiCallInput, ConnectorHost, HostError, HostWorkers, RawRequestInput,
};
use tokio::task::JoinSet;

use crate::MockPinterest;

/// What a load run did.
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// Actions run.
    pub actions: usize,
    /// Actions that failed, in any way.
    pub failures: usize,
    /// The first failure, described.
    pub first_failure: Option<String>,
    /// Wall-clock time of the whole run.
    pub elapsed: Duration,
}

impl LoadReport {
    /// Actions per second.
    pub fn throughput(&self) -> f64 {
        self.actions as f64 / self.elapsed.as_secs_f64()
    }
}

/// Runs `actions` actions against `mock` through `host`, all started at
/// once (`verify-credentials`, `raw-request` and `api-call` in turn), and
/// waits for every one.
pub async fn run(host: &ConnectorHost, mock: &MockPinterest, actions: usize) -> LoadReport {
    let credentials = Credentials::Sandbox(mock.config().sandbox_token.clone());
    let started = Instant::now();
    let mut set = JoinSet::new();
    for n in 0..actions {
        let host = host.clone();
        let credentials = credentials.clone();
        set.spawn(async move { one(&host, &credentials, n).await });
    }
    collect(set, actions, started).await
}

/// [`run`], each action handed to the next of `workers` (a thread-per-core
/// host) rather than run on the caller's runtime.
pub async fn run_on_workers(
    workers: &HostWorkers,
    mock: &MockPinterest,
    actions: usize,
) -> LoadReport {
    let credentials = Credentials::Sandbox(mock.config().sandbox_token.clone());
    let started = Instant::now();
    let mut set = JoinSet::new();
    for n in 0..actions {
        let workers = workers.clone();
        let credentials = credentials.clone();
        set.spawn(async move {
            workers
                .run(move |host| async move { Ok(one(&host, &credentials, n).await) })
                .await
                .unwrap_or_else(|e| Err(format!("{e:?}")))
        });
    }
    collect(set, actions, started).await
}

/// Waits for every action of `set`, counting the failures.
async fn collect(
    mut set: JoinSet<Result<(), String>>,
    actions: usize,
    started: Instant,
) -> LoadReport {
    let mut failures = 0;
    let mut first_failure = None;
    while let Some(joined) = set.join_next().await {
        let outcome = joined.unwrap_or_else(|e| Err(format!("the task failed: {e}")));
        if let Err(why) = outcome {
            failures += 1;
            first_failure.get_or_insert(why);
        }
    }
    LoadReport {
        actions,
        failures,
        first_failure,
        elapsed: started.elapsed(),
    }
}

async fn one(host: &ConnectorHost, credentials: &Credentials, n: usize) -> Result<(), String> {
    match n % 3 {
        0 => {
            let account = answered(host.verify_credentials(credentials).await)?;
            (account.username == "mock_sandbox_user")
                .then_some(())
                .ok_or_else(|| format!("wrong account {}", account.username))
        }
        1 => {
            let input = RawRequestInput {
                method: HttpMethod::Get,
                url: "/boards?page_size=2".into(),
                headers: vec![],
                body: None,
                no_throw_on_404: false,
            };
            ok_status(answered(host.raw_request(credentials, &input).await)?.status)
        }
        _ => {
            let input = ApiCallInput {
                spec: SpecSource::Embedded,
                endpoint: "GET /pins/{pin_id}".into(),
                path_params: vec![("pin_id".into(), MockPinterest::pin_id(n % 1000))],
                query_params: vec![],
                body: None,
            };
            ok_status(answered(host.api_call(credentials, &input).await)?.status)
        }
    }
}

/// An action's answer, or its host or component failure described.
fn answered<T>(result: Result<Result<T, ActionFailure>, HostError>) -> Result<T, String> {
    result
        .map_err(|e| format!("{e:?}"))?
        .map_err(|f| format!("{f:?}"))
}

fn ok_status(status: u16) -> Result<(), String> {
    (status == 200)
        .then_some(())
        .ok_or_else(|| format!("status {status}"))
}

/// The process's peak resident set size, in bytes (Linux), if known.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
