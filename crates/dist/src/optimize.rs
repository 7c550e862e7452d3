//! binaryen's optimiser over the components' core modules, the last step
//! of a build: `jco opt` (from the npm project the tests install, with its
//! `binaryen` package) takes the component apart, runs `wasm-opt` on each
//! core module and puts it back together. `wasm-opt` does not read
//! components itself; LLVM's output gains about a tenth.
//!
//! The flags keep behaviour: `-Oz` and only the features Rust's
//! `wasm32` targets already emit. Nothing like `--traps-never-happen`
//! (`-tnh`), which lets the optimiser assume a trap cannot happen and so
//! changes what a failing call does.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::DistError;

/// What `wasm-opt` is given.
pub const WASM_OPT_ARGS: &[&str] = &[
    "-Oz",
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
];

/// jco's command-line entry point in the npm project at `node_project`.
pub fn jco_entry(node_project: &Path) -> PathBuf {
    node_project.join("node_modules/@bytecodealliance/jco/dist/jco.js")
}

/// Optimises the component at `input` into `output` (see the module's
/// documentation), unless `output` is already newer than `input`; returns
/// `output`.
pub fn optimize(node_project: &Path, input: &Path, output: &Path) -> Result<PathBuf, DistError> {
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    if let (Some(built), Some(optimized)) = (modified(input), modified(output))
        && optimized >= built
    {
        return Ok(output.to_path_buf());
    }
    if let Some(folder) = output.parent() {
        std::fs::create_dir_all(folder).map_err(|source| DistError::Io {
            path: folder.to_path_buf(),
            source,
        })?;
    }
    let partial = output.with_extension("partial.wasm");
    let _ = std::fs::remove_file(&partial);
    let mut command = Command::new("node");
    command
        .arg(jco_entry(node_project))
        .arg("opt")
        .arg(input)
        .arg("-o")
        .arg(&partial)
        .arg("--")
        .args(WASM_OPT_ARGS);
    let ran = command.output().map_err(|source| DistError::Io {
        path: PathBuf::from("node"),
        source,
    })?;
    if !ran.status.success() || !partial.is_file() {
        let printed = String::from_utf8_lossy(&ran.stderr);
        return Err(DistError::Command {
            command: format!("{command:?}"),
            // binaryen prints the whole module when it refuses one.
            output: printed.lines().take(20).collect::<Vec<_>>().join("\n"),
        });
    }
    std::fs::rename(&partial, output).map_err(|source| DistError::Io {
        path: output.to_path_buf(),
        source,
    })?;
    Ok(output.to_path_buf())
}

/// Installs the npm project at `dir` from its lock file (`npm ci`) unless
/// its packages were installed from that same lock file.
pub fn npm_ci(dir: &Path) -> Result<(), DistError> {
    let lock_path = dir.join("package-lock.json");
    let lock = std::fs::read(&lock_path).map_err(|source| DistError::Io {
        path: lock_path,
        source,
    })?;
    // npm ci wipes node_modules, so the copy of the lock it installed from
    // is written after it succeeds.
    let stamp = dir.join("node_modules/.installed-from-lock.json");
    if std::fs::read(&stamp).ok().as_deref() == Some(lock.as_slice()) {
        return Ok(());
    }
    let mut command = Command::new("npm");
    command
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir);
    let ran = command.output().map_err(|source| DistError::Io {
        path: PathBuf::from("npm (Node.js 20 or later and npm must be installed)"),
        source,
    })?;
    if !ran.status.success() {
        return Err(DistError::Command {
            command: format!("{command:?}"),
            output: String::from_utf8_lossy(&ran.stderr).into_owned(),
        });
    }
    std::fs::write(&stamp, &lock).map_err(|source| DistError::Io {
        path: stamp,
        source,
    })
}
