//! The npm project of `tests/node`: its packages (jco, preview2-shim),
//! installed by `npm ci` from its lock file, which both the component's
//! optimisation ([`crate::component`]) and the Node tests ([`crate::node`])
//! use.

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::workspace_root;

/// The npm project of the Node tests.
pub fn project_dir() -> PathBuf {
    workspace_root().join("tests/node")
}

/// Installs the project's npm packages from its lock file (`npm ci`) unless
/// the installed ones were installed from the same lock file; once per
/// process.
pub fn npm_packages() -> anyhow::Result<PathBuf> {
    static INSTALLED: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| install().map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(anyhow::Error::msg)
}

fn install() -> anyhow::Result<PathBuf> {
    let dir = project_dir();
    pinterest_connector_dist::optimize::npm_ci(&dir)?;
    Ok(dir)
}

/// jco's command-line entry point in the installed packages.
pub(crate) fn jco() -> anyhow::Result<PathBuf> {
    Ok(pinterest_connector_dist::optimize::jco_entry(
        &npm_packages()?,
    ))
}
