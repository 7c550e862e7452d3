//! The Python package against Pinterest's own Python SDK
//! (`pinterest-api-sdk`), both against the same mock in one run: one
//! `verify` (`GET /user_account`) and a walk of 10 000 pins in pages of 250.
//! The wheel is built around the release component and installed, with the
//! SDK, into `target/python-bench-venv` (`python/bench/requirements.txt`);
//! `python/bench/compare_sdk.py` times both and prints the samples.

use pinterest_host_test::component::built_component;
use pinterest_host_test::python::{build_wheel, install_wheel_into, package_dir, venv};
use pinterest_host_test::{MockConfig, MockPinterest};
use serde_json::Value;

use crate::report::{Row, Verdict};
use crate::stats::{self, Samples};

/// Pins the walk reads.
const PINS: usize = 10_000;

/// Each figure: `verifies` verify calls and `walks` walks per client.
pub(crate) async fn run(verifies: usize, walks: usize) -> anyhow::Result<Vec<Row>> {
    let mock = MockPinterest::start(MockConfig {
        pins: PINS,
        ..MockConfig::default()
    })
    .await?;
    let python = tokio::task::spawn_blocking(|| -> anyhow::Result<_> {
        let wheel = build_wheel(&built_component()?)?;
        let python = venv(
            "python-bench-venv",
            &package_dir().join("bench").join("requirements.txt"),
        )?;
        install_wheel_into(&python, &wheel)?;
        Ok(python)
    })
    .await??;
    let output = tokio::process::Command::new(python)
        .arg(package_dir().join("bench").join("compare_sdk.py"))
        .env(
            "MOCK_PRODUCTION_BASE",
            format!("http://{}/v5", mock.production_addr),
        )
        .env("MOCK_ACCESS_TOKEN", &mock.config().access_token)
        .env("EXPECTED_ITEMS", PINS.to_string())
        .env("VERIFIES", verifies.to_string())
        .env("RUNS", walks.to_string())
        .kill_on_drop(true)
        .output()
        .await?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    anyhow::ensure!(output.status.success(), "compare_sdk.py failed: {stderr}");
    eprint!("{stderr}");
    let figures: Value = serde_json::from_slice(&output.stdout)?;
    let samples = |client: &str, figure: &str| -> Samples {
        let mut samples = Samples::default();
        for value in figures[client][figure].as_array().into_iter().flatten() {
            samples.push_value(value.as_f64().unwrap_or_default());
        }
        samples
    };
    let mut rows = Vec::new();
    for (figure, what) in [
        ("verify_s", "one verify (`GET /user_account`)"),
        ("walk_s", "a walk of 10 000 pins, pages of 250"),
    ] {
        let ours = samples("connector", figure);
        let sdk = samples("sdk", figure);
        rows.push(Row::new(
            format!("Python: {what}, this package (wasmtime-py) vs pinterest-api-sdk 0.2.7"),
            "",
            format!(
                "{} vs {} ({:.2}×)",
                stats::timing(&ours),
                stats::timing(&sdk),
                ours.median() / sdk.median()
            ),
            Verdict::Reported,
        ));
    }
    let first = |client: &str| figures[client]["first_call_s"].as_f64().unwrap_or_default();
    rows.push(Row::new(
        "Python: the first verify of a process (import, compile, call), this package vs pinterest-api-sdk",
        "",
        format!(
            "{} ({} with `configure(compile_cache=True)` and a warm cache) vs {}",
            stats::time(first("connector")),
            stats::time(
                figures["connector"]["first_call_cached_s"]
                    .as_f64()
                    .unwrap_or_default()
            ),
            stats::time(first("sdk"))
        ),
        Verdict::Reported,
    ));
    Ok(rows)
}
