//! Python for the tests, in virtual environments they make themselves from
//! pinned requirement files (each made again when its file changes):
//!
//! - `target/mcp-venv`: the official MCP Python SDK
//!   (`tests/python/requirements.txt`), the MCP tests' client;
//! - `target/python-build-venv`: the Python package's build backend and
//!   `mypy` (`python/requirements-build.txt`);
//! - `target/python-wheel-venv`: made fresh each time, the built wheel
//!   installed into it with pytest (`python/requirements-test.txt`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use anyhow::{Context, bail};
use pinterest_connector_dist::wheel;

use crate::workspace_root;

/// `tests/python`.
pub fn python_dir() -> PathBuf {
    workspace_root().join("tests").join("python")
}

/// `python`: the Python package.
pub fn package_dir() -> PathBuf {
    workspace_root().join("python")
}

/// One environment is made at a time (pip's cache is shared).
static MAKING: Mutex<()> = Mutex::new(());

/// The Python of the virtual environment `target/NAME`, with `requirements`
/// installed; remade when the file changed since.
pub fn venv(name: &str, requirements: &Path) -> anyhow::Result<PathBuf> {
    let _one_at_a_time = MAKING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let venv = workspace_root().join("target").join(name);
    let python = venv.join("bin").join("python");
    let wanted = std::fs::read_to_string(requirements)
        .with_context(|| format!("reading {}", requirements.display()))?;
    let marker = venv.join("installed-requirements.txt");
    if python.exists() && std::fs::read_to_string(&marker).ok().as_deref() == Some(&wanted) {
        return Ok(python);
    }
    let python = fresh_venv(name)?;
    pip_install(&python, &[OsArg::from("-r"), requirements.into()])?;
    std::fs::write(&marker, wanted)?;
    Ok(python)
}

/// A new, empty virtual environment `target/NAME` (an old one is removed);
/// its Python.
pub fn fresh_venv(name: &str) -> anyhow::Result<PathBuf> {
    let venv = workspace_root().join("target").join(name);
    let _ = std::fs::remove_dir_all(&venv);
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    Ok(venv.join("bin").join("python"))
}

type OsArg = std::ffi::OsString;

fn pip_install(python: &Path, args: &[OsArg]) -> anyhow::Result<()> {
    run(Command::new(python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(args))
}

/// The MCP SDK's environment.
pub fn mcp_python() -> anyhow::Result<PathBuf> {
    venv("mcp-venv", &python_dir().join("requirements.txt"))
}

/// The package's build environment: its build backend and `mypy`.
pub fn build_python() -> anyhow::Result<PathBuf> {
    venv(
        "python-build-venv",
        &package_dir().join("requirements-build.txt"),
    )
}

/// Builds the Python package's wheel around `component` (see
/// [`pinterest_connector_dist::wheel`]) with the pinned build backend of
/// the build environment, into `target/python-dist`; the wheel's path.
pub fn build_wheel(component: &Path) -> anyhow::Result<PathBuf> {
    let python = build_python()?;
    let target = workspace_root().join("target");
    let stage = target.join("python-stage");
    let dist = target.join("python-dist");
    let _ = std::fs::remove_dir_all(&dist);
    wheel::stage_python_package(&package_dir(), component, &stage)?;
    Ok(wheel::build_wheel(
        &python,
        &stage,
        &dist,
        wheel::Backend::Installed,
    )?)
}

/// A fresh environment with `wheel` and the test requirements installed:
/// its Python.
pub fn install_wheel(wheel: &Path) -> anyhow::Result<PathBuf> {
    let _one_at_a_time = MAKING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let python = fresh_venv("python-wheel-venv")?;
    pip_install(
        &python,
        &[
            wheel.into(),
            "-r".into(),
            package_dir().join("requirements-test.txt").into(),
        ],
    )?;
    Ok(python)
}

/// Installs `wheel` (alone, replacing an earlier build) into the
/// environment of `python`.
pub fn install_wheel_into(python: &Path, wheel: &Path) -> anyhow::Result<()> {
    pip_install(
        python,
        &["--no-deps".into(), "--force-reinstall".into(), wheel.into()],
    )
}

/// `mypy --strict` over the package's sources (configured in its
/// `pyproject.toml`); its output.
pub fn mypy() -> anyhow::Result<Output> {
    let python = build_python()?;
    Command::new(python)
        .current_dir(package_dir())
        .args(["-m", "mypy", "src"])
        .output()
        .context("starting mypy")
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let output = command
        .output()
        .with_context(|| format!("starting {command:?}"))?;
    if !output.status.success() {
        bail!(
            "{command:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// Runs `tests/python/mcp_client.py` with `args` and `env` (added to a
/// clean environment); its output.
pub async fn mcp_client(args: Vec<String>, env: Vec<(String, String)>) -> anyhow::Result<Output> {
    let python = tokio::task::spawn_blocking(mcp_python).await??;
    let mut command = tokio::process::Command::new(python);
    command
        .env_clear()
        .envs(env)
        .arg(python_dir().join("mcp_client.py"))
        .args(args)
        .kill_on_drop(true);
    Ok(tokio::time::timeout(std::time::Duration::from_secs(300), command.output()).await??)
}

/// Runs pytest over `python/tests` with `python` (an environment the wheel
/// was installed into) and `env` added to a clean environment (`PATH` and
/// `HOME` kept for pip's and Python's sake); its output.
pub async fn pytest(python: &Path, env: Vec<(String, String)>) -> anyhow::Result<Output> {
    let mut command = tokio::process::Command::new(python);
    command
        .env_clear()
        .envs(["PATH", "HOME"].iter().filter_map(|name| {
            std::env::var(name)
                .ok()
                .map(|value| ((*name).to_owned(), value))
        }))
        .envs(env)
        // The tests import the installed package, never `python/src`.
        .current_dir(package_dir().join("tests"))
        .args(["-m", "pytest", "-p", "no:cacheprovider", "-v", "-rs", "."])
        .kill_on_drop(true);
    Ok(tokio::time::timeout(std::time::Duration::from_secs(600), command.output()).await??)
}
