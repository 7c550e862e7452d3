//! Runs the mock Pinterest until interrupted, printing where it listens and
//! the shell lines that point the CLI at it (see
//! [`pinterest_host_test::mock_setup::shell_setup`]).

use clap::Parser;
use pinterest_host_test::{MockConfig, MockPinterest, mock_setup};

/// The mock Pinterest on loopback: the production and sandbox APIs, the
/// video upload host and the report download host, with a seeded account.
#[derive(Debug, Parser)]
#[command(name = "mock-pinterest")]
struct Args {
    /// Listen on four fixed ports from this one (production API, sandbox,
    /// uploads, report downloads) instead of ephemeral ones.
    #[arg(long, value_name = "PORT")]
    port: Option<u16>,
    /// How many pins the account owns at the start.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pins: usize,
    /// How many boards the account owns at the start.
    #[arg(long, default_value_t = 30, value_name = "N")]
    boards: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mock = MockPinterest::start(MockConfig {
        first_port: args.port,
        pins: args.pins,
        boards: args.boards,
        ..MockConfig::default()
    })
    .await?;
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(mock_setup::shell_setup(&mock).as_bytes())?;
    stdout.flush()?;
    drop(stdout);
    tokio::signal::ctrl_c().await?;
    Ok(())
}
