//! Builds the component under test from the workspace's sources, so a stale
//! `.wasm` is never tested.
//!
//! The build runs `cargo build` for `wasm32-wasip2` with the `wasm-release`
//! profile into its own target directory (`target/guest`), so it never waits
//! on the lock of the cargo command that runs the tests. Cargo's own
//! freshness check makes the build a no-op when nothing changed. The
//! `wasm32-wasip2` target is installed through rustup when it is missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use anyhow::{Context, bail};

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Where the component is built.
pub fn component_path() -> PathBuf {
    artifact_path("pinterest_connector_guest")
}

/// Where the edge build (the `wasi:http/proxy` component) is built.
pub fn edge_component_path() -> PathBuf {
    artifact_path("pinterest_connector_edge")
}

fn artifact_path(crate_name: &str) -> PathBuf {
    workspace_root()
        .join("target/guest/wasm32-wasip2/wasm-release")
        .join(format!("{crate_name}.wasm"))
}

/// Builds the component once per process and returns its path.
pub fn built_component() -> anyhow::Result<PathBuf> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| build_component().map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(anyhow::Error::msg)
}

/// Builds the edge component once per process and returns its path.
pub fn built_edge_component() -> anyhow::Result<PathBuf> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            build_package("pinterest-connector-edge", edge_component_path())
                .map_err(|e| format!("{e:#}"))
        })
        .clone()
        .map_err(anyhow::Error::msg)
}

/// Builds the component now (a no-op when it is up to date).
pub fn build_component() -> anyhow::Result<PathBuf> {
    build_package("pinterest-connector-guest", component_path())
}

fn build_package(package: &str, path: PathBuf) -> anyhow::Result<PathBuf> {
    ensure_wasm_target()?;
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
            "wasm32-wasip2",
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
    if !path.exists() {
        bail!("the build did not produce {}", path.display());
    }
    Ok(path)
}

/// Installs the `wasm32-wasip2` target with rustup if the toolchain lacks it.
pub fn ensure_wasm_target() -> anyhow::Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    match installed {
        Ok(out)
            if String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|l| l.trim() == "wasm32-wasip2") =>
        {
            Ok(())
        }
        Ok(_) => {
            let status = Command::new("rustup")
                .args(["target", "add", "wasm32-wasip2"])
                .status()
                .context("running rustup")?;
            if status.success() {
                Ok(())
            } else {
                bail!("`rustup target add wasm32-wasip2` failed ({status})")
            }
        }
        // Without rustup the toolchain must already have the target; the
        // build says so clearly if it does not.
        Err(_) => Ok(()),
    }
}
