//! The release files: `pinterest_connector_dist::package` over the freshly
//! built components writes each `.wasm` with its metadata, the encoded WIT
//! package and `SHA256SUMS`; the released connector still loads in wasmtime
//! and works against the mock, the released edge build compiles and
//! imports nothing outside the `wasi:http/proxy` world.

use pinterest_connector_dist::{
    PROXY_WORLD_IMPORTS, Release, SUMS_FILE, components, imported_interfaces, package, sha256_hex,
};
use pinterest_connector_host::types::Credentials;
use pinterest_connector_host::wasmtime;
use pinterest_connector_host::wasmtime::component::Component;
use pinterest_connector_host::{ConnectorHost, HostConfig};
use pinterest_host_test::component::{built_component, built_edge_component, workspace_root};
use pinterest_host_test::mock_setup::oauth_token;
use pinterest_host_test::{MockConfig, MockPinterest, mock_policy};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn released_files_carry_their_metadata_and_still_run() {
    built_component().expect("the connector builds");
    built_edge_component().expect("the edge build builds");
    let root = workspace_root();
    let out = tempfile::tempdir().expect("a temporary folder");
    let version = env!("CARGO_PKG_VERSION");
    let release = Release {
        version: version.into(),
        license: "Apache-2.0".into(),
        source: Some("https://example.com/released-from".into()),
        revision: Some("f00dfeed".into()),
    };
    let artifacts = package(&release, &components(&root), &root.join("wit"), out.path())
        .expect("packaging succeeds");
    let files: Vec<&str> = artifacts.iter().map(|a| a.file.as_str()).collect();
    assert_eq!(
        files,
        [
            format!("pinterest-connector-{version}.wasm"),
            format!("pinterest-connector-edge-{version}.wasm"),
            format!("pinterest-connector-wit-{version}.wasm"),
        ]
    );

    let sums = std::fs::read_to_string(out.path().join(SUMS_FILE)).expect("sums written");
    let mut released = Vec::new();
    for line in sums.lines() {
        let (digest, file) = line.split_once("  ").expect("`DIGEST  FILE` lines");
        let bytes = std::fs::read(out.path().join(file)).expect("a listed file exists");
        assert_eq!(sha256_hex(&bytes), digest, "{file}");
        released.push((file.to_owned(), bytes));
    }
    assert_eq!(released.len(), 3);

    for ((file, bytes), name) in released[..2]
        .iter()
        .zip(["pinterest-connector", "pinterest-connector-edge"])
    {
        let payload = pinterest_connector_dist::read_metadata(bytes).expect("metadata reads");
        assert_eq!(payload.name.as_deref(), Some(name), "{file}");
        assert_eq!(payload.version.as_deref(), Some(version));
        assert_eq!(payload.license.as_deref(), Some("Apache-2.0"));
        assert_eq!(
            payload.source.as_deref(),
            Some("https://example.com/released-from")
        );
        assert_eq!(payload.revision.as_deref(), Some("f00dfeed"));
        assert!(
            payload
                .description
                .as_deref()
                .is_some_and(|d| d.contains("Pinterest API v5"))
        );
    }

    // The stamped connector is still the connector.
    let mock = MockPinterest::start(MockConfig::default())
        .await
        .expect("mock starts");
    let engine = ConnectorHost::default_engine().expect("engine");
    let connector =
        Component::new(&engine, &released[0].1).expect("the released connector compiles");
    let host = ConnectorHost::from_component(
        engine.clone(),
        connector,
        HostConfig {
            network: mock_policy(&mock).expect("routes"),
            ..HostConfig::default()
        },
    )
    .expect("the released connector instantiates");
    let credentials = Credentials::Oauth2(oauth_token(&mock.config().access_token));
    let account = host
        .verify_credentials(&credentials)
        .await
        .expect("the call runs")
        .expect("the credentials work");
    assert_eq!(account.username, "mock_user");
    Component::new(&engine, &released[1].1).expect("the released edge build compiles");

    // Runtimes that offer the proxy world alone (`wasmtime serve` without
    // `-S` flags) can link the edge build: it imports only from that world.
    let imports = imported_interfaces(&released[1].1).expect("the edge build decodes");
    let outside: Vec<&String> = imports
        .iter()
        .filter(|name| !PROXY_WORLD_IMPORTS.contains(&name.as_str()))
        .collect();
    assert!(
        outside.is_empty(),
        "imports outside wasi:http/proxy: {outside:?}"
    );
    assert!(imports.contains(&"wasi:http/outgoing-handler".to_owned()));
    assert!(
        imports.contains(&"wasi:cli/stderr".to_owned()),
        "its request log"
    );
    // The connector, built with WASI's C library, imports more (the host
    // provides it all).
    let connector_imports = imported_interfaces(&released[0].1).expect("the connector decodes");
    assert!(connector_imports.contains(&"wasi:cli/environment".to_owned()));

    // wasmtime's own proxy-world linker — what `wasmtime serve` links by
    // default — accepts the edge build as a proxy, and refuses the
    // connector, which needs more.
    let edge = Component::new(&engine, &released[1].1).expect("compiles");
    proxy_world_pre(&engine, &edge).expect("the edge build links as a wasi:http proxy");
    let connector = Component::new(&engine, &released[0].1).expect("compiles");
    assert!(proxy_world_pre(&engine, &connector).is_err());
}

/// Store state with WASI and wasi:http, for linking only.
struct ProxyState {
    table: wasmtime::component::ResourceTable,
    wasi: wasmtime_wasi::WasiCtx,
    http: wasmtime_wasi_http::WasiHttpCtx,
}

impl wasmtime_wasi::WasiView for ProxyState {
    fn ctx(&mut self) -> wasmtime_wasi::WasiCtxView<'_> {
        wasmtime_wasi::WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl wasmtime_wasi_http::WasiHttpView for ProxyState {
    fn http(&mut self) -> wasmtime_wasi_http::WasiHttpCtxView<'_> {
        wasmtime_wasi_http::WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: wasmtime_wasi_http::default_hooks(),
        }
    }
}

/// `component` pre-instantiated as a `wasi:http/proxy` against a linker
/// holding that world's interfaces alone.
fn proxy_world_pre(
    engine: &wasmtime::Engine,
    component: &Component,
) -> wasmtime::Result<wasmtime_wasi_http::p2::bindings::ProxyPre<ProxyState>> {
    let mut linker = wasmtime::component::Linker::new(engine);
    wasmtime_wasi_http::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::bindings::ProxyPre::new(linker.instantiate_pre(component)?)
}
