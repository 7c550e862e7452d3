//! Builds the component under test from the workspace's sources, so a stale
//! `.wasm` is never tested.
//!
//! The build runs `cargo build` for `wasm32-wasip2` (the connector) or
//! `wasm32-unknown-unknown` (the edge build's module, then made a
//! component) with the `wasm-release` profile into its own target directory
//! (`target/guest`), so it never waits on the lock of the cargo command that
//! runs the tests. Cargo's own freshness check makes the build a no-op when
//! nothing changed. The targets are installed through rustup when missing.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use anyhow::{Context, bail};

pub use crate::workspace_root;

/// Where the component is built and optimised: what the tests run.
pub fn component_path() -> PathBuf {
    pinterest_connector_dist::optimized_connector_path(&workspace_root())
}

/// Builds the component once per process and returns its path.
pub fn built_component() -> anyhow::Result<PathBuf> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| build_component().map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(anyhow::Error::msg)
}

/// Builds the edge component (a `wasi:http/proxy` component: its module
/// for `wasm32-unknown-unknown`, then made a component) once per process
/// and returns its path.
pub fn built_edge_component() -> anyhow::Result<PathBuf> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let build = || -> anyhow::Result<PathBuf> {
                build_package("pinterest-connector-edge", "wasm32-unknown-unknown")?;
                let root = workspace_root();
                let component = pinterest_connector_dist::componentize_edge(&root)?;
                let project = crate::npm::npm_packages()?;
                Ok(pinterest_connector_dist::optimize::optimize(
                    &project,
                    &component,
                    &pinterest_connector_dist::optimized_edge_path(&root),
                )?)
            };
            build().map_err(|e| format!("{e:#}"))
        })
        .clone()
        .map_err(anyhow::Error::msg)
}

/// Builds the component now and optimises it (each a no-op when it is up
/// to date): the optimised component's path.
pub fn build_component() -> anyhow::Result<PathBuf> {
    build_package("pinterest-connector-guest", "wasm32-wasip2")?;
    let root = workspace_root();
    let built = pinterest_connector_dist::connector_path(&root);
    if !built.exists() {
        bail!("the build did not produce {}", built.display());
    }
    let project = crate::npm::npm_packages()?;
    Ok(pinterest_connector_dist::optimize::optimize(
        &project,
        &built,
        &component_path(),
    )?)
}

fn build_package(package: &str, target: &str) -> anyhow::Result<()> {
    ensure_wasm_targets()?;
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args([
            "build",
            "--quiet",
            "--package",
            package,
            "--target",
            target,
            "--profile",
            "wasm-release",
            "--target-dir",
        ])
        .arg(root.join("target/guest"))
        .status()
        .with_context(|| format!("running cargo to build {package}"))?;
    if !status.success() {
        bail!("building {package} failed ({status})");
    }
    Ok(())
}

/// The targets the components are built for: the connector's and the
/// edge build's.
pub const WASM_TARGETS: [&str; 2] = ["wasm32-wasip2", "wasm32-unknown-unknown"];

/// Installs the [`WASM_TARGETS`] with rustup if the toolchain lacks them.
pub fn ensure_wasm_targets() -> anyhow::Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    let Ok(out) = installed else {
        // Without rustup the toolchain must already have the targets; the
        // build says so clearly if it does not.
        return Ok(());
    };
    let listed = String::from_utf8_lossy(&out.stdout);
    let missing: Vec<&str> = WASM_TARGETS
        .into_iter()
        .filter(|target| !listed.lines().any(|l| l.trim() == *target))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let status = Command::new("rustup")
        .args(["target", "add"])
        .args(&missing)
        .status()
        .context("running rustup")?;
    if !status.success() {
        bail!(
            "`rustup target add {}` failed ({status})",
            missing.join(" ")
        );
    }
    Ok(())
}
