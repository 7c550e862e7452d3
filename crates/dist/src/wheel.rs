//! The Python package's wheel: `python/` staged in a work folder with the
//! connector component copied into it, then built by pip with the package's
//! own build backend (`flit_core`, named in its `pyproject.toml`). The
//! source tree never holds the binary; the wheel is pure Python plus the
//! component (`py3-none-any`): wasmtime brings the native part.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::DistError;

/// The component's file name inside the Python package.
pub const PACKAGED_COMPONENT: &str = "pinterest_connector.wasm";

/// The Python package's import name, its folder under `src/`.
pub const PYTHON_PACKAGE: &str = "pinterest_connector";

/// How pip gets the build backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// From the index, in an isolated build environment (a release build).
    Isolated,
    /// The one installed beside `python` (pinned by the caller's
    /// environment: the tests').
    Installed,
}

/// Copies the package at `package_dir` (its `pyproject.toml`, `README.md`
/// and `src/`, without caches) into a fresh `stage` folder, with `component`
/// as `src/pinterest_connector/pinterest_connector.wasm`.
pub fn stage_python_package(
    package_dir: &Path,
    component: &Path,
    stage: &Path,
) -> Result<(), DistError> {
    let _ = std::fs::remove_dir_all(stage);
    copy_tree(&package_dir.join("src"), &stage.join("src"))?;
    for file in ["pyproject.toml", "README.md"] {
        copy(&package_dir.join(file), &stage.join(file))?;
    }
    copy(
        component,
        &stage
            .join("src")
            .join(PYTHON_PACKAGE)
            .join(PACKAGED_COMPONENT),
    )
}

/// Builds the wheel of the package staged at `stage` into `out` with
/// `python -m pip wheel`; the wheel's path.
pub fn build_wheel(
    python: &Path,
    stage: &Path,
    out: &Path,
    backend: Backend,
) -> Result<PathBuf, DistError> {
    std::fs::create_dir_all(out).map_err(io(out))?;
    let mut command = Command::new(python);
    command.args([
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
    ]);
    if backend == Backend::Installed {
        command.arg("--no-build-isolation");
    }
    command.arg("--wheel-dir").arg(out).arg(stage);
    let output = command.output().map_err(io(python))?;
    if !output.status.success() {
        return Err(DistError::Command {
            command: format!("{command:?}"),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        });
    }
    let name = format!(
        "{PYTHON_PACKAGE}-{}-py3-none-any.whl",
        env!("CARGO_PKG_VERSION")
    );
    let wheel = out.join(&name);
    if !wheel.is_file() {
        return Err(DistError::Command {
            command: format!("{command:?}"),
            output: format!("wrote no {name}"),
        });
    }
    Ok(wheel)
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), DistError> {
    std::fs::create_dir_all(to).map_err(io(to))?;
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        let name = entry.file_name();
        if name == "__pycache__" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(&name))?;
        } else {
            copy(&path, &to.join(&name))?;
        }
    }
    Ok(())
}

fn copy(from: &Path, to: &Path) -> Result<(), DistError> {
    std::fs::copy(from, to).map(drop).map_err(io(from))
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> DistError + '_ {
    move |source| DistError::Io {
        path: path.to_path_buf(),
        source,
    }
}
