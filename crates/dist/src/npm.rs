//! The npm package for Node hosts (`cargo xtask npm`): the connector
//! component transpiled by jco (ES module, core Wasm and the TypeScript
//! declarations jco writes) under `component/`, the typed wrapper and its
//! declarations from `npm/` beside it, packed by `npm pack` into
//! `pinterest-connector-VERSION.tgz`. Its one dependency is the WASI shim
//! jco's output imports, `@bytecodealliance/preview2-shim`, pinned to the
//! version the tests use.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::DistError;
use crate::optimize::jco_entry;

/// The wrapper's files, copied from `npm/` into the package.
pub const WRAPPER_FILES: &[&str] = &["package.json", "index.js", "index.d.ts", "README.md"];

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DistError + '_ {
    move |source| DistError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Runs `command`, failing with what it printed.
fn run(mut command: Command) -> Result<std::process::Output, DistError> {
    let ran = command.output().map_err(|source| DistError::Io {
        path: PathBuf::from(command.get_program()),
        source,
    })?;
    if !ran.status.success() {
        return Err(DistError::Command {
            command: format!("{command:?}"),
            output: String::from_utf8_lossy(&ran.stderr).into_owned(),
        });
    }
    Ok(ran)
}

/// Builds the package around `component` (the optimised connector) with
/// jco from `node_project`, staging it under `root/target/npm/`, and packs
/// it into `out_dir`: the tarball's path.
pub fn build_npm_package(
    root: &Path,
    node_project: &Path,
    component: &Path,
    out_dir: &Path,
) -> Result<PathBuf, DistError> {
    let stage = root.join("target/npm/pinterest-connector");
    if stage.exists() {
        std::fs::remove_dir_all(&stage).map_err(io(&stage))?;
    }
    std::fs::create_dir_all(&stage).map_err(io(&stage))?;
    std::fs::create_dir_all(out_dir).map_err(io(out_dir))?;
    for file in WRAPPER_FILES {
        let from = root.join("npm").join(file);
        std::fs::copy(&from, stage.join(file)).map_err(io(&from))?;
    }
    let mut transpile = Command::new("node");
    transpile
        .arg(jco_entry(node_project))
        .arg("transpile")
        .arg(component)
        .arg("--out-dir")
        .arg(stage.join("component"))
        .args(["--name", "connector", "--quiet"]);
    run(transpile)?;
    let mut pack = Command::new("npm");
    pack.args(["pack", "--silent", "--pack-destination"])
        .arg(out_dir)
        .current_dir(&stage);
    let packed = run(pack)?;
    let name = String::from_utf8_lossy(&packed.stdout)
        .lines()
        .rev()
        .find(|line| line.ends_with(".tgz"))
        .map(str::trim)
        .map(str::to_owned)
        .ok_or_else(|| DistError::Command {
            command: "npm pack".into(),
            output: "printed no tarball name".into(),
        })?;
    Ok(out_dir.join(name))
}
