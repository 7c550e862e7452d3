//! Test support for the Pinterest connector: a mock Pinterest on loopback
//! ([`mock`], which learns every other operation from an OpenAPI description
//! through [`spec_mock`]), the build of the component under test
//! ([`component`]) and its runs in Node.js through jco ([`node`]).
//!
//! The conformance tests in the repository's `tests/` folder, the demo and
//! the standalone mock binary all use it.

pub mod browser;
pub mod component;
pub mod dataset;
pub mod description;
pub mod hostile;
pub mod load;
pub mod media_mock;
pub mod mock;
pub mod mock_setup;
pub mod node;
pub mod npm;
pub mod oracle;
pub mod python;
pub mod redis_server;
pub mod report_mock;
pub mod spec_mock;
pub mod store_contract;

/// The workspace's root directory.
pub fn workspace_root() -> std::path::PathBuf {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| std::path::PathBuf::from("."))
}

pub use browser::Browser;
pub use hostile::{Fault, HostileServer};
pub use mock::{Flavour, MockConfig, MockPinterest, RecordedRequest};
pub use redis_server::RedisServer;

use std::sync::OnceLock;

use pinterest_connector_host::wasmtime::Engine;
use pinterest_connector_host::wasmtime::component::Component;
use pinterest_connector_host::{ConnectorHost, HostConfig, NetworkPolicy};

/// OAuth2 credentials the mock accepts: its app and its current access
/// token, nothing to refresh with.
pub fn mock_credentials(mock: &MockPinterest) -> pinterest_connector_host::types::Credentials {
    pinterest_connector_host::types::Credentials::Oauth2(mock_setup::mock_oauth(
        mock,
        &mock.config().access_token,
    ))
}

/// A network policy that sends the production and sandbox Pinterest hosts,
/// the video upload host and the report download host to `mock`'s
/// listeners.
pub fn mock_policy(mock: &MockPinterest) -> anyhow::Result<NetworkPolicy> {
    Ok(NetworkPolicy::default()
        .route("api.pinterest.com", mock.production_addr)?
        .route("api-sandbox.pinterest.com", mock.sandbox_addr)?
        .route(media_mock::UPLOAD_HOST, mock.upload_addr)?
        .route(report_mock::REPORT_HOST, mock.download_addr)?)
}

/// A host running the freshly built component, routed to `mock`. The
/// component is compiled once per process and shared.
pub fn host_for(mock: &MockPinterest) -> anyhow::Result<ConnectorHost> {
    let (engine, component) = compiled_component()?;
    Ok(ConnectorHost::from_component(
        engine,
        component,
        HostConfig {
            network: mock_policy(mock)?,
            ..HostConfig::default()
        },
    )?)
}

/// A host running the freshly built component with `config`.
pub fn host_with(config: HostConfig) -> anyhow::Result<ConnectorHost> {
    let (engine, component) = compiled_component()?;
    Ok(ConnectorHost::from_component(engine, component, config)?)
}

/// The freshly built component, compiled once per process.
pub fn compiled_component() -> anyhow::Result<(Engine, Component)> {
    static COMPILED: OnceLock<Result<(Engine, Component), String>> = OnceLock::new();
    COMPILED
        .get_or_init(|| {
            let compile = || -> anyhow::Result<(Engine, Component)> {
                let wasm = std::fs::read(component::built_component()?)?;
                let engine = ConnectorHost::default_engine()?;
                let compiled = Component::new(&engine, &wasm)?;
                Ok((engine, compiled))
            };
            compile().map_err(|e| format!("{e:#}"))
        })
        .clone()
        .map_err(anyhow::Error::msg)
}

/// Pinterest's OpenAPI description `file` (such as `pinterest-v5.23.0.json`)
/// from `../shared/openapi/` beside the workspace.
pub fn shared_openapi(file: &str) -> anyhow::Result<String> {
    let path = component::workspace_root()
        .join("../shared/openapi")
        .join(file);
    std::fs::read_to_string(&path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))
}

/// Fails when `text` contains any of `secrets` (see
/// [`MockPinterest::secrets`]), naming which one by position only.
pub fn assert_no_secrets(text: &str, secrets: &[String]) {
    for (index, secret) in secrets.iter().enumerate() {
        assert!(
            secret.is_empty() || !text.contains(secret.as_str()),
            "secret #{index} of the mock leaked into: {}",
            text.replace(secret.as_str(), "[LEAKED]")
        );
    }
}
