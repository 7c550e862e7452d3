//! Many processes, one rate budget: 4 host processes × 16 workers verify
//! the account (an `org_read` call) against the mock's 20-a-second
//! `org_read` limit, with the budget in Redis and without one, in one run:
//! the 429s the mock answered, the throughput reached and the calls that
//! failed.
//!
//! The worker processes are this binary again (`--budget-worker`): each
//! compiles the component, says `ready`, waits for a line on stdin so that
//! all start together, runs its share of the calls on 16 tasks and prints
//! what it saw as one JSON line.

use std::io::{BufRead, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pinterest_connector_core::budget::{BudgetLimits, CategoryLimit};
use pinterest_connector_host::types::ConnectorError;
use pinterest_connector_host::{HostConfig, NetworkPolicy, RateBudget, RedisStore};
use pinterest_host_test::{MockConfig, MockPinterest, RedisServer, host_with};

use crate::report::{Row, Verdict};

/// The mock's `org_read` limit, per second.
const LIMIT: u32 = 20;
/// Worker processes.
const PROCESSES: usize = 4;
/// Concurrent workers in each.
const WORKERS: usize = 16;

/// What one worker process saw.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Seen {
    ok: usize,
    rate_limited: usize,
    failed: usize,
}

/// Runs the two rounds (with the Redis budget, without a budget) of `calls`
/// calls each: their rows.
pub(crate) async fn run(calls: usize) -> anyhow::Result<Vec<Row>> {
    let redis = RedisServer::start()?;
    let mut rows = Vec::new();
    for budgeted in [true, false] {
        let mock = MockPinterest::start(MockConfig {
            rate_limits: vec![("org_read".into(), LIMIT)],
            ..MockConfig::default()
        })
        .await?;
        let prefix = format!("bench:budget:{}", u8::from(budgeted));
        let (took, seen) = round(&mock, &redis.url(), &prefix, calls, budgeted)?;
        let refused = mock.rate_limited().get("org_read").copied().unwrap_or(0);
        let ok: usize = seen.iter().map(|s| s.ok).sum();
        let failed: usize = seen.iter().map(|s| s.failed + s.rate_limited).sum();
        let rate = ok as f64 / took.as_secs_f64();
        let share = rate / f64::from(LIMIT);
        let name = if budgeted {
            "with the Redis budget"
        } else {
            "without a budget"
        };
        let measured = format!(
            "{refused} 429s answered by the mock; {rate:.1} calls/s ({:.0} % of the limit); \
             {failed} of {calls} calls failed; {:.1} s",
            share * 100.0,
            took.as_secs_f64()
        );
        let verdict = match budgeted {
            // At most one 429 per worker process per reset window; the
            // whole run spans about calls / 20 windows.
            true => Verdict::of(refused as usize <= PROCESSES && share >= 0.9 && failed == 0),
            false => Verdict::Reported,
        };
        rows.push(Row::new(
            format!(
                "{PROCESSES} processes × {WORKERS} workers, {calls} calls at a 20/s limit, {name}"
            ),
            if budgeted {
                "≤ 1 429 per process per reset window, ≥ 90 % of the limit, 0 failed"
            } else {
                ""
            },
            measured,
            verdict,
        ));
    }
    Ok(rows)
}

/// One round: the worker processes started, made ready, let go together
/// and waited for; how long it took and what each saw.
fn round(
    mock: &MockPinterest,
    redis_url: &str,
    prefix: &str,
    calls: usize,
    budgeted: bool,
) -> anyhow::Result<(Duration, Vec<Seen>)> {
    let exe = std::env::current_exe()?;
    let mut children = Vec::new();
    for index in 0..PROCESSES {
        let share = calls / PROCESSES + usize::from(index < calls % PROCESSES);
        let mut child = Command::new(&exe)
            .arg("--budget-worker")
            .arg(format!(
                "{}|{}|{prefix}|{share}|{}",
                mock.production_addr,
                redis_url,
                u8::from(budgeted)
            ))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let mut lines = std::io::BufReader::new(stdout).lines();
        match lines.next() {
            Some(Ok(line)) if line == "ready" => {}
            other => anyhow::bail!("a worker process did not get ready: {other:?}"),
        }
        children.push((child, lines));
    }
    let started = Instant::now();
    for (child, _) in &mut children {
        let stdin = child
            .stdin
            .as_mut()
            .ok_or_else(|| anyhow::anyhow!("no stdin"))?;
        writeln!(stdin, "go")?;
    }
    let mut seen = Vec::new();
    for (mut child, mut lines) in children {
        let line = lines
            .next()
            .ok_or_else(|| anyhow::anyhow!("a worker process said nothing"))??;
        seen.push(serde_json::from_str(&line)?);
        child.wait()?;
    }
    Ok((started.elapsed(), seen))
}

/// A worker process (`--budget-worker ADDR|REDIS|PREFIX|CALLS|BUDGETED`):
/// its calls on 16 tasks, what it saw printed as JSON.
pub(crate) async fn worker(spec: &str) -> anyhow::Result<()> {
    let parts: Vec<&str> = spec.split('|').collect();
    let [addr, redis_url, prefix, calls, budgeted] = parts[..] else {
        anyhow::bail!("--budget-worker takes ADDR|REDIS|PREFIX|CALLS|BUDGETED");
    };
    let calls: usize = calls.parse()?;
    let host = host_with(HostConfig {
        network: NetworkPolicy::default().route("api.pinterest.com", addr.parse()?)?,
        ..HostConfig::default()
    })?;
    let host = if budgeted == "1" {
        let store = RedisStore::connect(redis_url, prefix, Duration::from_secs(5)).await?;
        let limits = BudgetLimits::uniform(CategoryLimit {
            permits: LIMIT,
            per: Duration::from_secs(1),
            burst: 2,
        });
        // A process may wait its turn the length of the whole run.
        let budget = RateBudget::new(Arc::new(store.budget()), limits);
        host.with_budget(budget.max_wait(Duration::from_secs(600)))
    } else {
        host
    };
    let credentials = Arc::new(pinterest_connector_host::types::Credentials::Oauth2(
        pinterest_host_test::mock_setup::oauth_token(&MockConfig::default().access_token),
    ));
    // The component is compiled (by `host_with`) before the start.
    println!("ready");
    std::io::stdout().flush()?;
    let mut go = String::new();
    std::io::stdin().read_line(&mut go)?;
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..WORKERS {
        let (host, credentials, next) = (host.clone(), credentials.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut seen = Seen::default();
            while next.fetch_add(1, Ordering::SeqCst) < calls {
                match host.verify_credentials(&credentials).await {
                    Ok(Ok(_)) => seen.ok += 1,
                    Ok(Err(failure)) if matches!(failure.error, ConnectorError::RateLimited(_)) => {
                        seen.rate_limited += 1
                    }
                    _ => seen.failed += 1,
                }
            }
            seen
        }));
    }
    let mut seen = Seen::default();
    for task in tasks {
        let one = task.await?;
        seen.ok += one.ok;
        seen.rate_limited += one.rate_limited;
        seen.failed += one.failed;
    }
    println!("{}", serde_json::to_string(&seen)?);
    Ok(())
}
