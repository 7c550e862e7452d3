//! Developer tasks, run as `cargo xtask <task>`.
//!
//! - `test`: the whole suite, as CI runs it: installs the `wasm32-wasip2`
//!   and `wasm32-unknown-unknown` targets, checks formatting and lints (host
//!   and components, under the workspace's lint policy), the docs
//!   (`cargo doc`, warnings denied), then runs every test (the tests build the components
//!   themselves, and install the Node tests' npm packages and the Python
//!   tests' packages into virtual environments under `target/`).
//! - `demo`: the main job: builds the component and runs the three actions
//!   through wasmtime against the mock Pinterest, offline.
//! - `bench [ARGS]`: the benchmark suite, in release: the component against
//!   the same core on a native HTTP client, both against the loopback mock;
//!   prints a table and writes `BENCHMARKS.md` (`--quick` for fewer samples).
//! - `fuzz [CASES]`: runs the core's property tests (input validation,
//!   URL and header handling, query and path serialisation, reading answers)
//!   with CASES cases each (default 100 000), in release mode.
//! - `dist [--source URL]`: builds both components, optimises them with
//!   binaryen (`jco opt`, from the npm packages of `tests/node`), and writes the release
//!   files into `target/dist`: each `.wasm` with its metadata (name,
//!   version, description, license, source repository, revision), the WIT
//!   package encoded for `wkg publish`, and `SHA256SUMS`. The source is
//!   `--source`, else the `origin` remote when it is an `https://` URL.
//! - `wheel [--source URL]`: `dist`, then the Python package's wheel
//!   (`python/`) around the released connector component, into
//!   `target/dist` (pip fetches the package's build backend, `flit_core`).
//! - `npm [--source URL]`: `dist`, then the npm package for Node hosts
//!   (`npm/`'s typed wrapper around the component transpiled by jco),
//!   packed by `npm pack` into `target/dist/pinterest-connector-VERSION.tgz`.
//! - `gen-catalog [SPEC] [OUT]`: reads Pinterest's OpenAPI JSON (default
//!   `../shared/openapi/pinterest-v5.11.0.json`) and writes the catalog the
//!   component embeds (default `openapi/pinterest-v5.11.0.catalog.json`).

use std::path::{Path, PathBuf};

use pinterest_connector_dist::wheel::{Backend, build_wheel, stage_python_package};
use std::process::Command;

use anyhow::{Context, bail};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("demo") => demo(),
        Some("gen-catalog") => gen_catalog(args.get(1), args.get(2)),
        Some("fuzz") => fuzz(args.get(1)),
        Some("bench") => bench(&args[1..]),
        Some("dist") => dist(&args[1..]),
        Some("wheel") => wheel(&args[1..]),
        Some("npm") => npm(&args[1..]),
        _ => bail!(
            "usage: cargo xtask <test | demo | bench [--quick] [--jobs-only | --triggers-only | --python-only | --accounts-only] | dist [--source URL] | wheel [--source URL] | npm [--source URL] | fuzz [CASES] | gen-catalog [SPEC] [OUT]>"
        ),
    }
}

fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest.to_path_buf())
}

/// Runs `program args` in the workspace root, failing on a non-zero exit.
fn run(program: &str, args: &[&str]) -> anyhow::Result<()> {
    run_with(program, args, &[])
}

/// [`run`] with extra environment variables.
fn run_with(program: &str, args: &[&str], env: &[(&str, &str)]) -> anyhow::Result<()> {
    let shown: Vec<String> = env.iter().map(|(k, v)| format!("{k}='{v}' ")).collect();
    eprintln!("+ {}{program} {}", shown.concat(), args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root())
        .status()
        .with_context(|| format!("starting {program}"))?;
    if !status.success() {
        bail!("`{program} {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// The property tests, longer: `cases` per property.
fn fuzz(cases: Option<&String>) -> anyhow::Result<()> {
    let cases = cases.map_or("100000", String::as_str);
    let count: u64 = cases
        .parse()
        .with_context(|| format!("`{cases}` is not a number of cases"))?;
    eprintln!("+ PROPTEST_CASES={count}");
    let status = Command::new(cargo())
        .args([
            "test",
            "--release",
            "--locked",
            "--package",
            "pinterest-connector-core",
            "--test",
            "properties",
        ])
        .env("PROPTEST_CASES", count.to_string())
        .current_dir(root())
        .status()
        .context("starting cargo")?;
    if !status.success() {
        bail!("the property tests failed ({status})");
    }
    Ok(())
}

/// `rustup target add` of the targets the components are built for: the
/// connector's (`wasm32-wasip2`) and the edge build's module's
/// (`wasm32-unknown-unknown`, made a component afterwards).
const WASM_TARGETS_ADD: [&str; 4] = ["target", "add", "wasm32-wasip2", "wasm32-unknown-unknown"];

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn test() -> anyhow::Result<()> {
    let cargo = cargo();
    run("rustup", &WASM_TARGETS_ADD)?;
    run(&cargo, &["fmt", "--all", "--check"])?;
    run(
        &cargo,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    run(
        &cargo,
        &[
            "clippy",
            "--package",
            "pinterest-connector-guest",
            "--package",
            "pinterest-connector-wasi-transport",
            "--target",
            "wasm32-wasip2",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    run(
        &cargo,
        &[
            "clippy",
            "--package",
            "pinterest-connector-edge",
            "--target",
            "wasm32-unknown-unknown",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    run_with(
        &cargo,
        &["doc", "--workspace", "--no-deps", "--locked"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    // The README walkthrough's test runs `mock-pinterest`, which a test
    // cannot build itself (the cargo running it holds the target folder).
    run(
        &cargo,
        &[
            "build",
            "--package",
            "pinterest-host-test",
            "--bin",
            "mock-pinterest",
            "--locked",
        ],
    )?;
    run(&cargo, &["test", "--workspace", "--locked"])
}

fn bench(extra: &[String]) -> anyhow::Result<()> {
    run("rustup", &WASM_TARGETS_ADD)?;
    let mut args = vec![
        "run",
        "--release",
        "--quiet",
        "--locked",
        "--package",
        "pinterest-connector-bench",
        "--",
    ];
    args.extend(extra.iter().map(String::as_str));
    run(&cargo(), &args)
}

fn demo() -> anyhow::Result<()> {
    run("rustup", &["target", "add", "wasm32-wasip2"])?;
    run(
        &cargo(),
        &[
            "run",
            "--quiet",
            "--locked",
            "--package",
            "pinterest-host-test",
            "--bin",
            "demo",
        ],
    )
}

fn dist(args: &[String]) -> anyhow::Result<()> {
    let source = match args {
        [] => origin_url(),
        [flag, url] if flag == "--source" => Some(url.clone()),
        _ => bail!("usage: cargo xtask dist [--source URL]"),
    };
    run("rustup", &WASM_TARGETS_ADD)?;
    for (package, target) in [
        ("pinterest-connector-guest", "wasm32-wasip2"),
        ("pinterest-connector-edge", "wasm32-unknown-unknown"),
    ] {
        run(
            &cargo(),
            &[
                "build",
                "--locked",
                "--package",
                package,
                "--target",
                target,
                "--profile",
                "wasm-release",
                "--target-dir",
                "target/guest",
            ],
        )?;
    }
    let root = root();
    pinterest_connector_dist::componentize_edge(&root)?;
    pinterest_connector_dist::optimize_components(&root)?;
    if source.is_none() {
        eprintln!(
            "note: no source repository is known (no --source, no https origin remote): \
             the files carry the revision only"
        );
    }
    let release = pinterest_connector_dist::Release {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        license: "Apache-2.0".to_owned(),
        source,
        revision: git(&["rev-parse", "HEAD"]),
    };
    let out = root.join("target/dist");
    let artifacts = pinterest_connector_dist::package(
        &release,
        &pinterest_connector_dist::components(&root),
        &root.join("wit"),
        &out,
    )?;
    println!("{}:", out.display());
    for artifact in artifacts {
        println!(
            "  {:<40} {:>9} B  sha256 {}",
            artifact.file, artifact.size, artifact.sha256
        );
    }
    println!("  {}", pinterest_connector_dist::SUMS_FILE);
    Ok(())
}

/// `dist`, then the Python package's wheel around the released connector
/// component, into `target/dist` (pip fetches the package's build backend).
fn wheel(args: &[String]) -> anyhow::Result<()> {
    dist(args)?;
    let root = root();
    let out = root.join("target/dist");
    let component = out.join(format!(
        "pinterest-connector-{}.wasm",
        env!("CARGO_PKG_VERSION")
    ));
    let stage = root.join("target/python-stage");
    stage_python_package(&root.join("python"), &component, &stage)?;
    let wheel = build_wheel(Path::new("python3"), &stage, &out, Backend::Isolated)?;
    print_artifact(&wheel)
}

/// `dist`, then the npm package around the released connector component
/// (`npm/`'s wrapper, the component transpiled by jco), packed into
/// `target/dist`.
fn npm(args: &[String]) -> anyhow::Result<()> {
    dist(args)?;
    let root = root();
    let out = root.join("target/dist");
    let component = out.join(format!(
        "pinterest-connector-{}.wasm",
        env!("CARGO_PKG_VERSION")
    ));
    let node_project = pinterest_connector_dist::node_project(&root);
    pinterest_connector_dist::optimize::npm_ci(&node_project)?;
    let tarball =
        pinterest_connector_dist::npm::build_npm_package(&root, &node_project, &component, &out)?;
    print_artifact(&tarball)
}

/// Prints a file written into `target/dist`: its name, size and SHA-256.
fn print_artifact(path: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(path)?;
    println!(
        "  {:<40} {:>9} B  sha256 {}",
        path.file_name().unwrap_or_default().to_string_lossy(),
        bytes.len(),
        pinterest_connector_dist::sha256_hex(&bytes)
    );
    Ok(())
}

/// The `origin` remote, when it is a web URL.
fn origin_url() -> Option<String> {
    git(&["remote", "get-url", "origin"]).filter(|url| url.starts_with("https://"))
}

/// What `git args` prints, trimmed; `None` if it fails.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(root())
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
}

fn gen_catalog(spec: Option<&String>, out: Option<&String>) -> anyhow::Result<()> {
    let root = root();
    let spec = spec.map(PathBuf::from).unwrap_or_else(|| {
        root.parent()
            .unwrap_or(&root)
            .join("shared/openapi/pinterest-v5.11.0.json")
    });
    let out = out
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("openapi/pinterest-v5.11.0.catalog.json"));
    let text =
        std::fs::read_to_string(&spec).with_context(|| format!("reading {}", spec.display()))?;
    let catalog = pinterest_connector_core::openapi::read_catalog(&text)?;
    std::fs::write(&out, catalog.to_json())
        .with_context(|| format!("writing {}", out.display()))?;
    println!(
        "{}: {} operations, {} schemas -> {}",
        spec.display(),
        catalog.operations.len(),
        catalog.schemas.len(),
        out.display()
    );
    Ok(())
}
