//! The same calls in hosts we do not write: the connector transpiled by jco
//! in Node.js, and the edge build served by `jco serve`, both against the
//! mock (see `tests/all/node.rs`, which tests what is timed here).

use std::time::Instant;

use anyhow::{Context, bail};
use pinterest_host_test::node::{self, JcoServe};
use pinterest_host_test::{MockConfig, MockPinterest, component};

use crate::report::{Row, Verdict};
use crate::stats::{self, Samples};

/// What `tests/node/time-calls.mjs` prints.
#[derive(serde::Deserialize)]
struct NodeTimings {
    load_ms: f64,
    first_call_ms: f64,
    call_ms: Vec<f64>,
}

/// The release sizes of the edge build and the timings of one call through
/// Node.js and through the served edge build; `calls` calls each.
pub(crate) async fn run(calls: usize) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let edge = component::built_edge_component()?;
    let edge_size = std::fs::metadata(&edge)?.len();
    let unoptimized = std::fs::metadata(pinterest_connector_dist::edge_component_path(
        &component::workspace_root(),
    ))?
    .len();
    rows.push(Row::new(
        "edge build size (wasi:http/proxy component, wasm-release, then binaryen `-Oz`)",
        "≤ 600 KB",
        format!(
            "{} ({} before binaryen)",
            stats::bytes(edge_size),
            stats::bytes(unoptimized)
        ),
        Verdict::of(edge_size <= crate::suite::SIZE_GOAL_BYTES),
    ));

    let mock = MockPinterest::start(MockConfig::default()).await?;
    let env = node::mock_environment(&mock);
    node::transpile(&component::built_component()?, "connector")?;
    let mut command = tokio::process::Command::new("node");
    command
        .arg("time-calls.mjs")
        .current_dir(node::project_dir())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("CALLS", calls.to_string());
    let output = command.output().await.context("starting node")?;
    if !output.status.success() {
        bail!(
            "time-calls.mjs failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let timings: NodeTimings = serde_json::from_slice(&output.stdout)
        .context("reading the timings time-calls.mjs printed")?;
    let mut node_calls = Samples::default();
    for ms in &timings.call_ms {
        node_calls.push_value(ms / 1e3);
    }
    println!("node: verify {}", stats::timing(&node_calls));
    rows.push(Row::new(
        "Node.js 20 via jco: one verify-credentials (sandbox token, mock on loopback), warm",
        "report",
        format!(
            "{}; import (compile + instantiate) {}, first call {}",
            stats::timing(&node_calls),
            stats::time(timings.load_ms / 1e3),
            stats::time(timings.first_call_ms / 1e3)
        ),
        Verdict::Reported,
    ));

    let log = node::project_dir().join("build/edge-bench.log");
    let started = Instant::now();
    let served = JcoServe::start(&edge, "edge", &env, &log).await?;
    let ready = started.elapsed();
    let body = serde_json::json!({ "credentials": { "sandbox": mock.config().sandbox_token } });
    let mut edge_calls = Samples::default();
    for index in 0..calls + 20 {
        let started = Instant::now();
        let answer =
            node::exchange(served.addr, "POST", "/verify-credentials", Some(&body)).await?;
        let elapsed = started.elapsed();
        if answer.status != 200 {
            bail!("the edge build answered {}", answer.status);
        }
        if index >= 20 {
            edge_calls.push(elapsed);
        }
    }
    println!("edge: verify {}", stats::timing(&edge_calls));
    rows.push(Row::new(
        "edge build under `jco serve`: one POST /verify-credentials over HTTP (a new loopback connection each), warm",
        "report",
        format!(
            "{}; serving from start {}",
            stats::timing(&edge_calls),
            stats::time(ready.as_secs_f64())
        ),
        Verdict::Reported,
    ));
    Ok(rows)
}
