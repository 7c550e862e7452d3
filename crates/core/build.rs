//! Lays the committed catalog (`openapi/pinterest-v5.11.0.catalog.json`)
//! out as static data for [`catalog::embedded`](src/catalog.rs): an index of
//! the operations (id, method, path, summary, pagination) and each
//! operation's and component schema's JSON text, compressed one by one, so
//! that a fresh instance of the component reads the index straight from its
//! data segment and inflates and parses only the operations and schemas a
//! call uses.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let source = Path::new(&manifest).join("../../openapi/pinterest-v5.11.0.catalog.json");
    println!("cargo::rerun-if-changed={}", source.display());
    let text = std::fs::read_to_string(&source)
        .unwrap_or_else(|e| panic!("reading {}: {e}", source.display()));
    let catalog: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", source.display()));

    let field = |value: &Value, name: &str| -> String {
        value
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut out = String::new();
    // Each operation's and schema's JSON text, compressed on its own, one
    // after the other; the index says where each lies.
    let mut blob: Vec<u8> = Vec::new();
    let mut pack = |text: &str| -> String {
        let packed = miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 10);
        let start = blob.len();
        blob.extend_from_slice(&packed);
        format!("({start}, {})", packed.len())
    };
    for name in ["title", "version", "server"] {
        writeln!(
            out,
            "const EMBEDDED_{}: &str = {:?};",
            name.to_uppercase(),
            field(&catalog, name)
        )
        .unwrap();
    }

    let operations = catalog["operations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    writeln!(
        out,
        "const EMBEDDED_OPERATION_COUNT: usize = {};\nstatic EMBEDDED_OPERATIONS: [EmbeddedOperation; EMBEDDED_OPERATION_COUNT] = [",
        operations.len()
    )
    .unwrap();
    for op in &operations {
        let method = match field(op, "method").as_str() {
            "GET" => "Get",
            "POST" => "Post",
            "PUT" => "Put",
            "PATCH" => "Patch",
            "DELETE" => "Delete",
            other => panic!("unknown method {other}"),
        };
        writeln!(
            out,
            "    EmbeddedOperation {{ id: {:?}, method: Method::{method}, path: {:?}, summary: {:?}, paginated: {}, packed: {} }},",
            field(op, "id"),
            field(op, "path"),
            field(op, "summary"),
            op.get("paginated").and_then(Value::as_bool).unwrap_or(false),
            pack(&op.to_string()),
        )
        .unwrap();
    }
    writeln!(out, "];").unwrap();

    // Ordered by name, as a binary search needs.
    let mut schemas: Vec<(String, Value)> = catalog["schemas"]
        .as_object()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .collect();
    schemas.sort_by(|a, b| a.0.cmp(&b.0));
    writeln!(
        out,
        "const EMBEDDED_SCHEMA_COUNT: usize = {};\nstatic EMBEDDED_SCHEMAS: [(&str, Packed); EMBEDDED_SCHEMA_COUNT] = [",
        schemas.len()
    )
    .unwrap();
    for (name, schema) in &schemas {
        writeln!(out, "    ({name:?}, {}),", pack(&schema.to_string())).unwrap();
    }
    writeln!(out, "];").unwrap();

    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    for (file, bytes) in [
        ("embedded_catalog.rs", out.as_bytes()),
        ("embedded_catalog.bin", blob.as_slice()),
    ] {
        let dest = Path::new(&out_dir).join(file);
        std::fs::write(&dest, bytes).unwrap_or_else(|e| panic!("writing {}: {e}", dest.display()));
    }
}
