//! Release packaging: the files a release of the connector ships, made from
//! the built components and the WIT package.
//!
//! [`package`] writes into one folder:
//!
//! - `pinterest-connector-VERSION.wasm`: the connector component (the
//!   `pinterest:connector/connector` world), with its metadata embedded;
//! - `pinterest-connector-edge-VERSION.wasm`: the edge build (a
//!   `wasi:http/proxy` component), with its metadata;
//! - `pinterest-connector-wit-VERSION.wasm`: the WIT package encoded as
//!   WebAssembly, the form `wkg publish` uploads to a registry;
//! - `SHA256SUMS`: each file's SHA-256, in the format `sha256sum -c` checks.
//!
//! [`wheel`] builds the Python package's wheel around the connector
//! component (`cargo xtask wheel`), [`npm`] the npm package for Node hosts
//! (`cargo xtask npm`).
//!
//! The metadata is the OCI-style set `wasm-tools metadata show` prints:
//! name, version, description, SPDX license, source repository (when one is
//! known) and revision.

pub mod npm;
pub mod optimize;
pub mod wheel;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasm_metadata::{
    AddMetadata, AddMetadataField, Description, Licenses, Revision, Source, Version,
};

/// What went wrong while packaging.
#[derive(Debug, thiserror::Error)]
pub enum DistError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The WIT package does not parse or encode, or its version is not the
    /// release's.
    #[error("the WIT package: {0}")]
    Wit(String),
    /// The metadata could not be added (a license that is not an SPDX
    /// expression, a source that is not a URL, a binary that is not Wasm),
    /// or a module could not be made a component.
    #[error("the metadata of {file}: {reason}")]
    Metadata {
        /// The file being packaged.
        file: String,
        /// Why.
        reason: String,
    },
    /// A tool the packaging runs (pip, for the Python wheel) failed.
    #[error("{command} failed: {output}")]
    Command {
        /// The command line.
        command: String,
        /// What it printed.
        output: String,
    },
}

/// The facts every released file carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The version, such as `0.1.0`.
    pub version: String,
    /// The SPDX license expression.
    pub license: String,
    /// The source repository's URL, when one is known.
    pub source: Option<String>,
    /// The source revision (a git commit), when known.
    pub revision: Option<String>,
}

/// One component to release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentInput {
    /// The released name, such as `pinterest-connector`.
    pub name: String,
    /// What it is, in one line.
    pub description: String,
    /// The built component.
    pub wasm: PathBuf,
}

/// One file written, with its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Its file name in the folder.
    pub file: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, lower-case hex.
    pub sha256: String,
}

/// Where the `wasm-release` builds land in the workspace at `root`.
fn built(root: &Path) -> PathBuf {
    root.join("target/guest")
}

/// The connector component, as `cargo build --target wasm32-wasip2
/// --profile wasm-release --target-dir target/guest` makes it.
pub fn connector_path(root: &Path) -> PathBuf {
    built(root).join("wasm32-wasip2/wasm-release/pinterest_connector_guest.wasm")
}

/// The edge build's core module, as `cargo build --target
/// wasm32-unknown-unknown --profile wasm-release --target-dir
/// target/guest` makes it: built without WASI's C library, it imports
/// only what its code uses, all of it in the `wasi:http/proxy` world.
pub fn edge_module_path(root: &Path) -> PathBuf {
    built(root).join("wasm32-unknown-unknown/wasm-release/pinterest_connector_edge.wasm")
}

/// The npm project whose packages optimise the components (jco, binaryen).
pub fn node_project(root: &Path) -> PathBuf {
    root.join("tests/node")
}

/// The connector component after binaryen ([`optimize::optimize`]): what
/// the tests run and a release ships.
pub fn optimized_connector_path(root: &Path) -> PathBuf {
    built(root).join("optimized/pinterest_connector_guest.wasm")
}

/// The edge component after binaryen.
pub fn optimized_edge_path(root: &Path) -> PathBuf {
    built(root).join("optimized/pinterest_connector_edge.wasm")
}

/// Optimises both built components (installing the npm project's packages
/// first when needed); their optimised paths.
pub fn optimize_components(root: &Path) -> Result<(PathBuf, PathBuf), DistError> {
    let project = node_project(root);
    optimize::npm_ci(&project)?;
    Ok((
        optimize::optimize(
            &project,
            &connector_path(root),
            &optimized_connector_path(root),
        )?,
        optimize::optimize(
            &project,
            &edge_component_path(root),
            &optimized_edge_path(root),
        )?,
    ))
}

/// The edge component, made from the module by [`componentize_edge`].
pub fn edge_component_path(root: &Path) -> PathBuf {
    built(root).join("edge/pinterest_connector_edge.wasm")
}

/// Makes the edge component from its built module (see
/// [`edge_module_path`]); returns its path.
pub fn componentize_edge(root: &Path) -> Result<PathBuf, DistError> {
    let module_path = edge_module_path(root);
    let module = std::fs::read(&module_path).map_err(|e| io(&module_path, e))?;
    let component = componentize(&module).map_err(|reason| DistError::Metadata {
        file: module_path.display().to_string(),
        reason,
    })?;
    let out = edge_component_path(root);
    if let Some(folder) = out.parent() {
        std::fs::create_dir_all(folder).map_err(|e| io(folder, e))?;
    }
    // Left alone when unchanged, so that what is made from it (the
    // optimised component) is not made again.
    if std::fs::read(&out).ok().as_deref() != Some(component.as_slice()) {
        std::fs::write(&out, component).map_err(|e| io(&out, e))?;
    }
    Ok(out)
}

/// The interfaces of the `wasi:http/proxy` world (0.2) a component may
/// import to run in any wasi:http runtime.
pub const PROXY_WORLD_IMPORTS: &[&str] = &[
    "wasi:cli/stderr",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:clocks/monotonic-clock",
    "wasi:clocks/wall-clock",
    "wasi:http/outgoing-handler",
    "wasi:http/types",
    "wasi:io/error",
    "wasi:io/poll",
    "wasi:io/streams",
    "wasi:random/random",
];

/// The released components of the workspace at `root`, once built and
/// optimised.
pub fn components(root: &Path) -> Vec<ComponentInput> {
    vec![
        ComponentInput {
            name: "pinterest-connector".into(),
            description: "Pinterest API v5 connector: call any endpoint of Pinterest's OpenAPI \
                description (with bookmark pagination), raw requests and credential checks, \
                over wasi:http, OAuth2 refresh included"
                .into(),
            wasm: optimized_connector_path(root),
        },
        ComponentInput {
            name: "pinterest-connector-edge".into(),
            description: "Pinterest API v5 connector served as JSON over HTTP: a wasi:http/proxy \
                component answering /api-call, /raw-request, /verify-credentials and /endpoints"
                .into(),
            wasm: optimized_edge_path(root),
        },
    ]
}

/// The name of the checksum file.
pub const SUMS_FILE: &str = "SHA256SUMS";

/// Writes the release files of `components` and of the WIT package in
/// `wit_dir` into `out`, then `SHA256SUMS`; returns what was written.
pub fn package(
    release: &Release,
    components: &[ComponentInput],
    wit_dir: &Path,
    out: &Path,
) -> Result<Vec<Artifact>, DistError> {
    std::fs::create_dir_all(out).map_err(|e| io(out, e))?;
    let mut artifacts = Vec::new();
    for component in components {
        let wasm = std::fs::read(&component.wasm).map_err(|e| io(&component.wasm, e))?;
        let file = format!("{}-{}.wasm", component.name, release.version);
        let stamped =
            stamp(&wasm, release, &component.name, &component.description).map_err(|reason| {
                DistError::Metadata {
                    file: file.clone(),
                    reason,
                }
            })?;
        artifacts.push(write(out, &file, &stamped)?);
    }
    let wit = encode_wit(wit_dir, &release.version)?;
    artifacts.push(write(
        out,
        &format!("pinterest-connector-wit-{}.wasm", release.version),
        &wit,
    )?);
    let sums: String = artifacts
        .iter()
        .map(|a| format!("{}  {}\n", a.sha256, a.file))
        .collect();
    let path = out.join(SUMS_FILE);
    std::fs::write(&path, sums).map_err(|e| io(&path, e))?;
    Ok(artifacts)
}

/// `wasm` with the release's metadata embedded in its outermost component.
pub fn stamp(
    wasm: &[u8],
    release: &Release,
    name: &str,
    description: &str,
) -> Result<Vec<u8>, String> {
    let mut add = AddMetadata::default();
    add.name = AddMetadataField::Set(name.to_owned());
    add.version = AddMetadataField::Set(Version::new(release.version.clone()));
    add.description = AddMetadataField::Set(Description::new(description.to_owned()));
    add.licenses =
        AddMetadataField::Set(Licenses::new(&release.license).map_err(|e| e.to_string())?);
    if let Some(source) = &release.source {
        add.source = AddMetadataField::Set(Source::new(source).map_err(|e| e.to_string())?);
    }
    if let Some(revision) = &release.revision {
        add.revision = AddMetadataField::Set(Revision::new(revision.clone()));
    }
    add.processed_by = vec![(
        "pinterest-connector-dist".to_owned(),
        env!("CARGO_PKG_VERSION").to_owned(),
    )];
    add.to_wasm(wasm).map_err(|e| format!("{e:#}"))
}

/// Wraps a core module built with wit-bindgen (its component type in a
/// custom section) into a component, validated: how the edge build, made
/// for `wasm32-unknown-unknown` so that it imports nothing beyond the
/// `wasi:http/proxy` world, becomes a component.
pub fn componentize(module: &[u8]) -> Result<Vec<u8>, String> {
    wit_component::ComponentEncoder::default()
        .module(module)
        .map_err(|e| format!("{e:#}"))?
        .validate(true)
        .encode()
        .map_err(|e| format!("{e:#}"))
}

/// The interfaces a component imports, as `namespace:package/interface`
/// without versions, sorted.
pub fn imported_interfaces(component: &[u8]) -> Result<Vec<String>, String> {
    let decoded = wit_component::decode(component).map_err(|e| format!("{e:#}"))?;
    let resolve = decoded.resolve();
    let wit_parser::decoding::DecodedWasm::Component(_, world) = &decoded else {
        return Err("not a component".into());
    };
    let mut names: Vec<String> = resolve.worlds[*world]
        .imports
        .keys()
        .map(|key| match key {
            wit_parser::WorldKey::Interface(id) => {
                let interface = &resolve.interfaces[*id];
                let package = interface
                    .package
                    .map(|p| {
                        let name = &resolve.packages[p].name;
                        format!("{}:{}", name.namespace, name.name)
                    })
                    .unwrap_or_default();
                format!("{package}/{}", interface.name.as_deref().unwrap_or(""))
            }
            wit_parser::WorldKey::Name(name) => name.clone(),
        })
        .collect();
    names.sort();
    Ok(names)
}

/// The metadata a released file carries, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// The component's name.
    pub name: Option<String>,
    /// Its version.
    pub version: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// Its SPDX license expression.
    pub license: Option<String>,
    /// Its source repository.
    pub source: Option<String>,
    /// Its source revision.
    pub revision: Option<String>,
}

/// Reads the metadata of the outermost component (or module) in `wasm`.
pub fn read_metadata(wasm: &[u8]) -> Result<Metadata, String> {
    let payload = wasm_metadata::Payload::from_binary(wasm).map_err(|e| format!("{e:#}"))?;
    let meta = payload.metadata();
    let text = |value: Option<&dyn std::fmt::Display>| value.map(ToString::to_string);
    Ok(Metadata {
        name: meta.name.clone(),
        version: text(meta.version.as_ref().map(|v| v as _)),
        description: text(meta.description.as_ref().map(|v| v as _)),
        license: text(meta.licenses.as_ref().map(|v| v as _)),
        source: text(meta.source.as_ref().map(|v| v as _)),
        revision: text(meta.revision.as_ref().map(|v| v as _)),
    })
}

/// The WIT package in `dir` encoded as WebAssembly, checked to carry
/// `version`.
pub fn encode_wit(dir: &Path, version: &str) -> Result<Vec<u8>, DistError> {
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve
        .push_dir(dir)
        .map_err(|e| DistError::Wit(format!("{e:#}")))?;
    let name = &resolve.packages[package].name;
    let declared = name.version.as_ref().map(ToString::to_string);
    if declared.as_deref() != Some(version) {
        return Err(DistError::Wit(format!(
            "{name} declares version {}, the release is {version}",
            declared.as_deref().unwrap_or("none")
        )));
    }
    wit_component::encode(&resolve, package, false).map_err(|e| DistError::Wit(format!("{e:#}")))
}

/// Writes `bytes` as `out/file` and digests them.
fn write(out: &Path, file: &str, bytes: &[u8]) -> Result<Artifact, DistError> {
    let path = out.join(file);
    std::fs::write(&path, bytes).map_err(|e| io(&path, e))?;
    Ok(Artifact {
        file: file.to_owned(),
        size: bytes.len() as u64,
        sha256: sha256_hex(bytes),
    })
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn io(path: &Path, source: std::io::Error) -> DistError {
    DistError::Io {
        path: path.to_owned(),
        source,
    }
}

#[cfg(test)]
#[path = "lib_tests.rs"]
mod tests;
