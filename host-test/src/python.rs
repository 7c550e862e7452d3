//! The official MCP Python SDK, in a virtual environment the tests make
//! themselves: `target/mcp-venv`, from the pinned
//! `tests/python/requirements.txt` (made again when that file changes).

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Mutex;

use anyhow::{Context, bail};

use crate::component::workspace_root;

/// `tests/python`.
pub fn python_dir() -> PathBuf {
    workspace_root().join("tests").join("python")
}

/// The virtual environment's Python, with the requirements installed.
pub fn mcp_python() -> anyhow::Result<PathBuf> {
    static MADE: Mutex<()> = Mutex::new(());
    let _one_at_a_time = MADE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let venv = workspace_root().join("target").join("mcp-venv");
    let python = venv.join("bin").join("python");
    let requirements = python_dir().join("requirements.txt");
    let wanted = std::fs::read_to_string(&requirements)
        .with_context(|| format!("reading {}", requirements.display()))?;
    let marker = venv.join("installed-requirements.txt");
    if python.exists() && std::fs::read_to_string(&marker).ok().as_deref() == Some(&wanted) {
        return Ok(python);
    }
    let _ = std::fs::remove_dir_all(&venv);
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&requirements))?;
    std::fs::write(&marker, wanted)?;
    Ok(python)
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let output = command
        .output()
        .with_context(|| format!("starting {command:?}"))?;
    if !output.status.success() {
        bail!(
            "{command:?} failed: {}",
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
