use super::*;

/// The smallest component: the preamble alone.
const EMPTY_COMPONENT: &[u8] = &[0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

fn release() -> Release {
    Release {
        version: "1.2.3".into(),
        license: "Apache-2.0".into(),
        source: Some("https://example.com/pinterest-connector".into()),
        revision: Some("0123abcd".into()),
    }
}

fn wit_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../wit")
}

fn workspace_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[test]
fn stamped_metadata_reads_back() {
    let stamped = stamp(EMPTY_COMPONENT, &release(), "thing", "Does things").unwrap();
    let payload = wasm_metadata::Payload::from_binary(&stamped).unwrap();
    let meta = payload.metadata();
    assert_eq!(meta.name.as_deref(), Some("thing"));
    assert_eq!(meta.version.as_ref().unwrap().to_string(), "1.2.3");
    assert_eq!(
        meta.description.as_ref().unwrap().to_string(),
        "Does things"
    );
    assert_eq!(meta.licenses.as_ref().unwrap().to_string(), "Apache-2.0");
    assert_eq!(
        meta.source.as_ref().unwrap().to_string(),
        "https://example.com/pinterest-connector"
    );
    assert_eq!(meta.revision.as_ref().unwrap().to_string(), "0123abcd");
}

#[test]
fn without_a_source_the_rest_is_still_stamped() {
    let release = Release {
        source: None,
        ..release()
    };
    let stamped = stamp(EMPTY_COMPONENT, &release, "thing", "d").unwrap();
    let metadata = read_metadata(&stamped).unwrap();
    assert!(metadata.source.is_none());
    assert!(metadata.license.is_some());
}

#[test]
fn bad_metadata_is_refused() {
    let bad_license = Release {
        license: "not a license (".into(),
        ..release()
    };
    assert!(stamp(EMPTY_COMPONENT, &bad_license, "n", "d").is_err());
    let bad_source = Release {
        source: Some("not a url".into()),
        ..release()
    };
    assert!(stamp(EMPTY_COMPONENT, &bad_source, "n", "d").is_err());
    assert!(stamp(b"not wasm", &release(), "n", "d").is_err());
}

#[test]
fn the_wit_package_encodes_and_decodes_to_the_same_package() {
    let encoded = encode_wit(&wit_dir(), workspace_version()).unwrap();
    let decoded = wit_parser::decoding::decode(&encoded).unwrap();
    let resolve = decoded.resolve();
    let package = &resolve.packages[decoded.package()];
    assert_eq!(
        package.name.to_string(),
        format!("pinterest:connector@{}", workspace_version())
    );
    let mut interfaces: Vec<&str> = package.interfaces.keys().map(String::as_str).collect();
    interfaces.sort_unstable();
    assert_eq!(
        interfaces,
        [
            "actions",
            "catalog",
            "credentials",
            "jobs",
            "oauth",
            "triggers",
            "types"
        ]
    );
    assert!(package.worlds.contains_key("connector"));
}

#[test]
fn a_wit_version_other_than_the_release_is_refused() {
    let error = encode_wit(&wit_dir(), "9.9.9").unwrap_err();
    assert!(
        error.to_string().contains("the release is 9.9.9"),
        "{error}"
    );
}

#[test]
fn sha256_matches_the_known_vector() {
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn package_writes_every_file_and_their_sums() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = dir.path().join("in.wasm");
    std::fs::write(&wasm, EMPTY_COMPONENT).unwrap();
    let release = Release {
        version: workspace_version().into(),
        ..release()
    };
    let out = dir.path().join("dist");
    let components = [ComponentInput {
        name: "pinterest-connector".into(),
        description: "The connector".into(),
        wasm,
    }];
    let artifacts = package(&release, &components, &wit_dir(), &out).unwrap();
    let files: Vec<&str> = artifacts.iter().map(|a| a.file.as_str()).collect();
    let version = workspace_version();
    assert_eq!(
        files,
        [
            format!("pinterest-connector-{version}.wasm"),
            format!("pinterest-connector-wit-{version}.wasm"),
        ]
    );
    let sums = std::fs::read_to_string(out.join(SUMS_FILE)).unwrap();
    assert_eq!(sums.lines().count(), 2);
    for artifact in &artifacts {
        let bytes = std::fs::read(out.join(&artifact.file)).unwrap();
        assert_eq!(bytes.len() as u64, artifact.size);
        assert_eq!(sha256_hex(&bytes), artifact.sha256);
        assert!(sums.contains(&format!("{}  {}\n", artifact.sha256, artifact.file)));
    }
    let missing = [ComponentInput {
        wasm: dir.path().join("missing.wasm"),
        ..components[0].clone()
    }];
    assert!(matches!(
        package(&release, &missing, &wit_dir(), &out),
        Err(DistError::Io { .. })
    ));
}
