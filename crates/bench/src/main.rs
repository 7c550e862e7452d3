//! The benchmark suite: the component in wasmtime against the same core
//! crate on a native HTTP client, both against the loopback mock. Prints a
//! table and writes it, with the machine description, to `BENCHMARKS.md`.
//!
//! ```sh
//! cargo xtask bench            # = cargo run --release -p pinterest-connector-bench -- --out BENCHMARKS.md
//! ```
//!
//! Figures are medians with their spread; goals are the targets of the
//! performance work, reported as reached or not, never asserted.

mod accounts;
mod budget;
mod hosts;
mod jobs;
mod machine;
mod python;
mod report;
mod stats;
mod suite;
mod triggers;

use std::path::PathBuf;

use clap::Parser;

/// Command-line options.
#[derive(Debug, Parser)]
#[command(about = "Benchmarks the connector component against its native baseline")]
struct Args {
    /// Where to write the report.
    #[arg(long, default_value = "BENCHMARKS.md")]
    out: PathBuf,
    /// Only the jobs' figures (upload and report throughput, the 50 MiB
    /// report's guest memory peak), printed, not written.
    #[arg(long)]
    jobs_only: bool,
    /// Only the triggers' figures (a quiet poll, a poll of 250 new pins,
    /// the cursor's size), printed, not written.
    #[arg(long)]
    triggers_only: bool,
    /// Only the Python figures (the package against Pinterest's own Python
    /// SDK on the same mock: a verify, a 10 000-pin walk), printed, not
    /// written.
    #[arg(long)]
    python_only: bool,
    /// Only the many-callers figures (a verify through each credential
    /// store, 64 callers waiting for one refresh), printed, not written.
    #[arg(long)]
    accounts_only: bool,
    /// Only the rate budget's figures (4 processes × 16 workers against
    /// the mock's 20/s limit, with the Redis budget and without), printed,
    /// not written.
    #[arg(long)]
    budget_only: bool,
    /// Runs as one of the rate budget figure's worker processes (started by
    /// the bench itself).
    #[arg(long, hide = true, value_name = "SPEC")]
    budget_worker: Option<String>,
    /// Fewer samples (a quick look, not for the record).
    #[arg(long)]
    quick: bool,
    /// Only run CALLS calls of one kind in a loop and print their median,
    /// for a profiler to watch (`perf record target/release/bench --loop
    /// verify`); a call of `load` and `load-workers` is a round of 500
    /// actions at once.
    #[arg(long, value_name = "KIND", value_parser = ["instantiate", "authorize-url", "verify", "verify-workers", "load", "load-workers", "load-workers-engines", "describe", "describe-all"])]
    r#loop: Option<String>,
    /// How many calls `--loop` makes.
    #[arg(long, default_value_t = 20_000, value_name = "CALLS")]
    calls: usize,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Two workers, as a server on this machine would run; the calls run on
    // a worker, as a server's handlers do, not on the thread blocked here.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    if let Some(spec) = args.budget_worker {
        return runtime.block_on(runtime.spawn(async move { budget::worker(&spec).await }))?;
    }
    if args.budget_only {
        let calls = if args.quick { 400 } else { 2000 };
        let rows = runtime.block_on(runtime.spawn(budget::run(calls)))??;
        println!("\n{}", report::table(&rows));
        return Ok(());
    }
    if let Some(kind) = &args.r#loop {
        return runtime.block_on(runtime.spawn(suite::profile_loop(kind.clone(), args.calls)))?;
    }
    if args.jobs_only {
        let runs = if args.quick { 2 } else { 5 };
        let rows = runtime.block_on(runtime.spawn(jobs::run(runs)))??;
        println!("\n{}", report::table(&rows));
        return Ok(());
    }
    if args.triggers_only {
        let runs = if args.quick { 5 } else { 30 };
        let rows = runtime.block_on(runtime.spawn(triggers::run(runs)))??;
        println!("\n{}", report::table(&rows));
        return Ok(());
    }
    if args.accounts_only {
        let (calls, rounds) = if args.quick { (50, 5) } else { (300, 20) };
        let rows = runtime.block_on(runtime.spawn(accounts::run(calls, rounds)))??;
        println!("\n{}", report::table(&rows));
        return Ok(());
    }
    if args.python_only {
        let (verifies, walks) = if args.quick { (10, 2) } else { (50, 5) };
        let rows = runtime.block_on(runtime.spawn(python::run(verifies, walks)))??;
        println!("\n{}", report::table(&rows));
        return Ok(());
    }
    let workspace = pinterest_host_test::component::workspace_root();
    let machine = machine::describe(&workspace);
    for (name, value) in &machine {
        println!("{name}: {value}");
    }
    println!();
    let scale = if args.quick { 0.2 } else { 1.0 };
    let (mut rows, notes) = runtime.block_on(runtime.spawn(suite::run(scale)))??;
    let calls = ((200.0 * scale) as usize).max(20);
    rows.extend(runtime.block_on(runtime.spawn(hosts::run(calls)))??);
    let runs = if args.quick { 2 } else { 5 };
    rows.extend(runtime.block_on(runtime.spawn(jobs::run(runs)))??);
    rows.extend(runtime.block_on(runtime.spawn(triggers::run(runs * 6)))??);
    rows.extend(runtime.block_on(runtime.spawn(python::run(runs * 10, runs)))??);
    rows.extend(runtime.block_on(runtime.spawn(accounts::run(runs * 60, runs * 4)))??);
    rows.extend(runtime.block_on(runtime.spawn(budget::run(if args.quick {
        400
    } else {
        2000
    })))??);
    drop(runtime);
    let one_thread = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rows.extend(one_thread.block_on(suite::run_on_one_thread(scale))?);
    println!("\n{}", report::table(&rows));
    let command = "cargo xtask bench";
    let document = report::document(&machine, &rows, command, &notes);
    let out = if args.out.is_absolute() {
        args.out
    } else {
        workspace.join(args.out)
    };
    std::fs::write(&out, document)?;
    println!("written to {}", out.display());
    Ok(())
}
