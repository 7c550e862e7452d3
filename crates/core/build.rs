//! Lays the committed catalog (`openapi/pinterest-v5.11.0.catalog.json`)
//! out as static data for [`catalog::embedded`](src/catalog.rs): an index of
//! the operations (id, method, path, summary, pagination) and each
//! operation's and component schema's JSON text, compressed one by one, so
//! that a fresh instance of the component reads the index straight from its
//! data segment and inflates and parses only the operations and schemas a
//! call uses.
//!
//! Compressed one by one, each text would start with nothing to refer back
//! to, and the keys and values every schema repeats (`"type":"string"`,
//! `"maxLength":`, …) would be spelled out in each. So every text is
//! compressed against one preset dictionary of those: the 4 KiB of object
//! entries that the most texts share (raw DEFLATE with a preset dictionary,
//! as zlib's `deflateSetDictionary` makes it). On the 5.11.0 catalog that
//! takes the compressed texts from 89.7 KB to 53 KB, the dictionary
//! included in the data segment uncompressed.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

/// The preset dictionary's size at most: DEFLATE can refer 32 KiB back, but
/// past 4 KiB the texts gain less than the dictionary itself weighs.
const DICTIONARY_BYTES: usize = 4096;

/// The longest key or string value a dictionary entry spells out.
const LONGEST_SPELLED: usize = 60;

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
    let operations = catalog["operations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // Ordered by name, as a binary search needs.
    let mut schemas: Vec<(String, Value)> = catalog["schemas"]
        .as_object()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .collect();
    schemas.sort_by(|a, b| a.0.cmp(&b.0));
    let dictionary = dictionary(operations.iter().chain(schemas.iter().map(|(_, s)| s)));

    let mut out = String::new();
    // Each operation's and schema's JSON text, compressed on its own
    // against the dictionary, one after the other; the index says where
    // each lies and how long it is inflated.
    let mut blob: Vec<u8> = Vec::new();
    let mut pack = |text: &str| -> String {
        let packed = deflate_with_dictionary(text.as_bytes(), &dictionary);
        let start = blob.len();
        blob.extend_from_slice(&packed);
        format!("({start}, {}, {})", packed.len(), text.len())
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
        ("embedded_catalog.dict", dictionary.as_slice()),
    ] {
        let dest = Path::new(&out_dir).join(file);
        std::fs::write(&dest, bytes).unwrap_or_else(|e| panic!("writing {}: {e}", dest.display()));
    }
}

/// The preset dictionary: the object entries (`{"key":` or `,"key":`, with
/// the start of the value: a short string, a number or literal, `{"first":`
/// or `[`) that most texts share, each scored by the bytes it would save
/// (the texts holding it but one, times its length), the best last (nearest
/// the text, as DEFLATE's distances prefer), up to [`DICTIONARY_BYTES`].
/// Deterministic: ties go by the entry's text.
fn dictionary<'a>(texts: impl Iterator<Item = &'a Value>) -> Vec<u8> {
    let mut holders: HashMap<String, usize> = HashMap::new();
    for text in texts {
        let mut entries = BTreeSet::new();
        object_entries(text, &mut entries);
        for entry in entries {
            *holders.entry(entry).or_default() += 1;
        }
    }
    let mut scored: Vec<(usize, String)> = holders
        .into_iter()
        .filter(|(_, count)| *count > 1)
        .map(|(entry, count)| ((count - 1) * entry.len(), entry))
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut chosen: Vec<String> = Vec::new();
    let mut size = 0;
    for (_, entry) in scored {
        if size + entry.len() <= DICTIONARY_BYTES {
            size += entry.len();
            chosen.push(entry);
        }
    }
    chosen.reverse();
    chosen.concat().into_bytes()
}

/// The object entries of `value`, as its compact JSON text spells them.
fn object_entries(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (index, (key, inner)) in map.iter().enumerate() {
                let key_text = Value::String(key.clone()).to_string();
                if key.len() <= LONGEST_SPELLED {
                    let mut entry = String::from(if index == 0 { "{" } else { "," });
                    entry.push_str(&key_text);
                    entry.push(':');
                    match inner {
                        Value::String(s) if s.len() <= LONGEST_SPELLED => {
                            entry.push_str(&inner.to_string());
                        }
                        Value::String(_) => {}
                        Value::Object(first) => {
                            entry.push('{');
                            if let Some(first) = first.keys().next() {
                                entry.push_str(&Value::String(first.clone()).to_string());
                                entry.push(':');
                            }
                        }
                        Value::Array(_) => entry.push('['),
                        Value::Bool(_) | Value::Null | Value::Number(_) => {
                            entry.push_str(&inner.to_string());
                        }
                    }
                    out.insert(entry);
                }
                object_entries(inner, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| object_entries(item, out)),
        _ => {}
    }
}

/// `text` as raw DEFLATE against the preset `dictionary`.
fn deflate_with_dictionary(text: &[u8], dictionary: &[u8]) -> Vec<u8> {
    let mut compress = flate2::Compress::new(flate2::Compression::best(), false);
    compress
        .set_dictionary(dictionary)
        .expect("a preset dictionary for raw DEFLATE");
    let mut packed = Vec::with_capacity(text.len() + 1024);
    loop {
        let read = usize::try_from(compress.total_in()).expect("a small text");
        let status = compress
            .compress_vec(&text[read..], &mut packed, flate2::FlushCompress::Finish)
            .expect("DEFLATE of an in-memory text");
        if status == flate2::Status::StreamEnd {
            return packed;
        }
        packed.reserve(1024);
    }
}
