//! Runs the mock Pinterest until interrupted, printing where it listens.

use pinterest_host_test::{MockConfig, MockPinterest};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mock = MockPinterest::start(MockConfig::default()).await?;
    println!("production: http://{}/v5", mock.production_addr);
    println!("sandbox:    http://{}/v5", mock.sandbox_addr);
    println!(
        "tokens: production `{}`, sandbox `{}` (mock tokens, not secrets)",
        mock.config().access_token,
        mock.config().sandbox_token
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}
