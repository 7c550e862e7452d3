//! The endpoint catalog: every operation of an OpenAPI description, reduced
//! to what the connector needs to check, build and describe a call.
//!
//! A catalog read at run time holds its operations and schemas as values.
//! The embedded 5.11.0 catalog is static data laid out by `build.rs`: an
//! index of the operations (id, method, path, summary, pagination) and the
//! JSON text of each operation and component schema, each compressed on its
//! own (raw DEFLATE), in the component's data segment. Nothing of it is read
//! when an instance starts; an operation or a schema is inflated and parsed
//! the first time a call needs it, once per instance.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value, json};

use crate::error::ConnectorError;
use crate::http::Method;

/// One entry of the embedded index.
struct EmbeddedOperation {
    id: &'static str,
    method: Method,
    path: &'static str,
    summary: &'static str,
    paginated: bool,
    /// Where its compressed JSON text lies in [`EMBEDDED_BLOB`].
    packed: Packed,
}

/// A stretch of [`EMBEDDED_BLOB`]: start and length, and the length of the
/// text it inflates to.
type Packed = (usize, usize, usize);

// EMBEDDED_TITLE, EMBEDDED_VERSION, EMBEDDED_SERVER, EMBEDDED_OPERATIONS,
// EMBEDDED_SCHEMAS (ordered by name) and their counts, written by build.rs from
// `openapi/pinterest-v5.11.0.catalog.json`.
include!(concat!(env!("OUT_DIR"), "/embedded_catalog.rs"));

/// The compressed JSON texts the index points into.
static EMBEDDED_BLOB: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/embedded_catalog.bin"));

/// The preset dictionary every text of [`EMBEDDED_BLOB`] was compressed
/// against (see `build.rs`).
static EMBEDDED_DICTIONARY: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/embedded_catalog.dict"));

/// The JSON text at `packed`, inflated. The stream may refer back into the
/// preset dictionary, so the dictionary goes first in the output buffer and
/// the inflater starts writing after it (miniz_oxide has no call that takes
/// a dictionary; a non-wrapping output buffer holding one is the same).
fn unpack(packed: Packed) -> Option<String> {
    use miniz_oxide::inflate::TINFLStatus;
    use miniz_oxide::inflate::core::{
        DecompressorOxide, decompress, inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF,
    };
    let (start, len, inflated) = packed;
    let bytes = EMBEDDED_BLOB.get(start..start.checked_add(len)?)?;
    let ahead = EMBEDDED_DICTIONARY.len();
    let mut out = vec![0; ahead.checked_add(inflated)?];
    out[..ahead].copy_from_slice(EMBEDDED_DICTIONARY);
    let mut state = Box::<DecompressorOxide>::default();
    let (status, read, written) = decompress(
        &mut state,
        bytes,
        &mut out,
        ahead,
        TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF,
    );
    if status != TINFLStatus::Done || read != len || written != inflated {
        return None;
    }
    out.drain(..ahead);
    String::from_utf8(out).ok()
}

/// The embedded schemas' texts, each inflated on first use.
static SCHEMA_TEXT_CELLS: [OnceLock<Option<String>>; EMBEDDED_SCHEMA_COUNT] =
    [const { OnceLock::new() }; EMBEDDED_SCHEMA_COUNT];

/// The index and the text of the embedded schema called `name`.
fn embedded_schema_text(name: &str) -> Option<(usize, &'static str)> {
    let index = embedded_schema_index(name)?;
    let packed = EMBEDDED_SCHEMAS[index].1;
    let text = SCHEMA_TEXT_CELLS
        .get(index)?
        .get_or_init(|| unpack(packed))
        .as_deref()?;
    Some((index, text))
}

/// The index of the embedded schema called `name`.
fn embedded_schema_index(name: &str) -> Option<usize> {
    EMBEDDED_SCHEMAS
        .binary_search_by(|(known, _)| (*known).cmp(name))
        .ok()
}

/// An embedded schema as describing endpoints splices it: its text with
/// references rewritten, and the schemas it names (by index), read once
/// for every endpoint that reaches it.
struct SplicedSchema {
    text: String,
    names: Vec<usize>,
}

impl SplicedSchema {
    /// The schema at `index`, from `shared` or read into it.
    fn of(index: usize, shared: &mut BTreeMap<usize, SplicedSchema>) -> Option<&SplicedSchema> {
        use std::collections::btree_map::Entry;
        match shared.entry(index) {
            Entry::Occupied(kept) => Some(kept.into_mut()),
            Entry::Vacant(slot) => {
                let (name, _) = EMBEDDED_SCHEMAS.get(index)?;
                let (_, text) = embedded_schema_text(name)?;
                Some(
                    slot.insert(SplicedSchema {
                        text: text.replace(QUOTED_COMPONENT_PREFIX, QUOTED_DEFS_PREFIX),
                        names: refs_in_text(text)
                            .filter_map(embedded_schema_index)
                            .collect(),
                    }),
                )
            }
        }
    }
}

/// The embedded operations, each parsed on first use.
static OPERATION_CELLS: [OnceLock<Option<Operation>>; EMBEDDED_OPERATION_COUNT] =
    [const { OnceLock::new() }; EMBEDDED_OPERATION_COUNT];

/// The embedded schemas, each parsed on first use.
static SCHEMA_CELLS: [OnceLock<Option<Value>>; EMBEDDED_SCHEMA_COUNT] =
    [const { OnceLock::new() }; EMBEDDED_SCHEMA_COUNT];

/// The catalog of Pinterest API 5.11.0, generated from Pinterest's OpenAPI
/// description by [`crate::openapi`], committed under `openapi/` and
/// embedded as static data (see the module's documentation).
pub fn embedded() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog {
        title: EMBEDDED_TITLE.to_owned(),
        version: EMBEDDED_VERSION.to_owned(),
        server: EMBEDDED_SERVER.to_owned(),
        operations: Operations(OperationStore::Embedded),
        schemas: Schemas(SchemaStore::Embedded),
    })
}

/// Every operation of one API description.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// The API's title.
    pub title: String,
    /// The description's version, such as `5.11.0`.
    pub version: String,
    /// The server URL the description names.
    pub server: String,
    /// The operations, in the description's order.
    pub operations: Operations,
    /// The description's component schemas that the operations' inputs
    /// reach (directly or through one another), prose removed, by name.
    /// Schemas elsewhere refer to them as `#/components/schemas/<name>`.
    #[serde(default, skip_serializing_if = "Schemas::is_empty")]
    pub schemas: Schemas,
}

/// The operations of a catalog, in the description's order.
#[derive(Clone)]
pub struct Operations(OperationStore);

#[derive(Clone)]
enum OperationStore {
    Owned(Vec<Operation>),
    Embedded,
}

impl Operations {
    /// How many there are.
    pub fn len(&self) -> usize {
        match &self.0 {
            OperationStore::Owned(ops) => ops.len(),
            OperationStore::Embedded => EMBEDDED_OPERATIONS.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The operation at `index`.
    pub fn get(&self, index: usize) -> Option<&Operation> {
        match &self.0 {
            OperationStore::Owned(ops) => ops.get(index),
            OperationStore::Embedded => {
                let entry = EMBEDDED_OPERATIONS.get(index)?;
                OPERATION_CELLS
                    .get(index)?
                    .get_or_init(|| serde_json::from_slice(unpack(entry.packed)?.as_bytes()).ok())
                    .as_ref()
            }
        }
    }

    /// Every operation, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Operation> {
        (0..self.len()).filter_map(|index| self.get(index))
    }

    /// What identifies each operation and how a host lists it, in order,
    /// without reading the operations' parameters and bodies.
    pub fn summaries(&self) -> Box<dyn Iterator<Item = OperationSummary<'_>> + '_> {
        match &self.0 {
            OperationStore::Owned(ops) => Box::new(ops.iter().map(|op| OperationSummary {
                id: &op.id,
                method: op.method,
                path: &op.path,
                summary: &op.summary,
                paginated: op.paginated,
            })),
            OperationStore::Embedded => {
                Box::new(EMBEDDED_OPERATIONS.iter().map(|op| OperationSummary {
                    id: op.id,
                    method: op.method,
                    path: op.path,
                    summary: op.summary,
                    paginated: op.paginated,
                }))
            }
        }
    }
}

impl Default for Operations {
    fn default() -> Self {
        Operations(OperationStore::Owned(Vec::new()))
    }
}

impl From<Vec<Operation>> for Operations {
    fn from(ops: Vec<Operation>) -> Self {
        Operations(OperationStore::Owned(ops))
    }
}

impl<'a> IntoIterator for &'a Operations {
    type Item = &'a Operation;
    type IntoIter = Box<dyn Iterator<Item = &'a Operation> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl PartialEq for Operations {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl fmt::Debug for Operations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Operations {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Operations {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<Operation>::deserialize(deserializer).map(Operations::from)
    }
}

/// What identifies an operation and how a host lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationSummary<'a> {
    /// The operationId.
    pub id: &'a str,
    /// The HTTP method.
    pub method: Method,
    /// The path template.
    pub path: &'a str,
    /// The one-line summary.
    pub summary: &'a str,
    /// Whether it pages with the `bookmark` cursor.
    pub paginated: bool,
}

impl OperationSummary<'_> {
    /// The label a host shows: `GET /pins (List Pins)`.
    pub fn label(&self) -> String {
        label(self.method, self.path, self.summary)
    }
}

fn label(method: Method, path: &str, summary: &str) -> String {
    if summary.is_empty() {
        format!("{method} {path}")
    } else {
        format!("{method} {path} ({summary})")
    }
}

/// The component schemas of a catalog, by name.
#[derive(Clone)]
pub struct Schemas(SchemaStore);

#[derive(Clone)]
enum SchemaStore {
    Owned(BTreeMap<String, Value>),
    Embedded,
}

impl Schemas {
    /// The schema called `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        match &self.0 {
            SchemaStore::Owned(map) => map.get(name),
            SchemaStore::Embedded => {
                let (index, text) = embedded_schema_text(name)?;
                SCHEMA_CELLS
                    .get(index)?
                    .get_or_init(|| serde_json::from_slice(text.as_bytes()).ok())
                    .as_ref()
            }
        }
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        match &self.0 {
            SchemaStore::Owned(map) => map.len(),
            SchemaStore::Embedded => EMBEDDED_SCHEMAS.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every schema by name, ordered by name.
    pub fn iter(&self) -> Box<dyn Iterator<Item = (&str, &Value)> + '_> {
        match &self.0 {
            SchemaStore::Owned(map) => Box::new(map.iter().map(|(k, v)| (k.as_str(), v))),
            SchemaStore::Embedded => Box::new(
                EMBEDDED_SCHEMAS
                    .iter()
                    .filter_map(|(name, _)| Some((*name, self.get(name)?))),
            ),
        }
    }
}

impl Default for Schemas {
    fn default() -> Self {
        Schemas(SchemaStore::Owned(BTreeMap::new()))
    }
}

impl From<BTreeMap<String, Value>> for Schemas {
    fn from(map: BTreeMap<String, Value>) -> Self {
        Schemas(SchemaStore::Owned(map))
    }
}

impl PartialEq for Schemas {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl fmt::Debug for Schemas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Schemas {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Schemas {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        BTreeMap::<String, Value>::deserialize(deserializer).map(Schemas::from)
    }
}

/// One operation: an HTTP method on a path template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// The operationId, such as `pins/list`.
    pub id: String,
    /// The HTTP method.
    pub method: Method,
    /// The path template under the API base, such as `/pins/{pin_id}`.
    pub path: String,
    /// The one-line summary, such as `List Pins`.
    #[serde(default)]
    pub summary: String,
    /// The description's tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Path, query and header parameters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Parameter>,
    /// The request body, if the operation takes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<RequestBody>,
    /// Whether the operation pages with the `bookmark` cursor.
    #[serde(default)]
    pub paginated: bool,
    /// OAuth scopes the operation requires.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// `x-sandbox`: whether the sandbox serves it; `None` when unstated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<bool>,
    /// `x-ratelimit-category`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_category: Option<String>,
    /// How the operation authenticates: the user's bearer token, or the
    /// app's client credentials for the few that declare HTTP Basic only.
    #[serde(default, skip_serializing_if = "Auth::is_bearer")]
    pub auth: Auth,
}

/// How an operation authenticates, from its `security` requirements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Auth {
    /// `Authorization: Bearer <access token>` (OAuth2, or an HTTP bearer
    /// scheme such as the conversion token).
    #[default]
    Bearer,
    /// `Authorization: Basic base64(client_id:client_secret)`: the
    /// operation declares HTTP Basic security and nothing a token meets
    /// (`POST /oauth/token`).
    Basic,
}

impl Auth {
    /// Whether this is [`Auth::Bearer`].
    pub(crate) fn is_bearer(&self) -> bool {
        *self == Auth::Bearer
    }
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamLocation {
    /// In the path template.
    Path,
    /// In the query string.
    Query,
    /// In a header.
    Header,
}

/// One parameter of an operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    /// Its name.
    pub name: String,
    /// Where it goes.
    #[serde(rename = "in")]
    pub location: ParamLocation,
    /// Whether it must be given.
    #[serde(default)]
    pub required: bool,
    /// Its JSON Schema, prose removed.
    #[serde(default)]
    pub schema: Value,
    /// Whether arrays repeat the name (`a=1&a=2`, true) or join values with
    /// commas (`a=1,2`, false). OpenAPI's default for `form` style is true.
    #[serde(default = "default_explode")]
    pub explode: bool,
    /// Whether an object value is sent as `name[key]=value` pairs
    /// (OpenAPI's `deepObject` style).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deep_object: bool,
}

fn default_explode() -> bool {
    true
}

/// An operation's request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestBody {
    /// The media type, such as `application/json`.
    pub content_type: String,
    /// Whether a body must be given.
    #[serde(default)]
    pub required: bool,
    /// Its JSON Schema, prose removed.
    #[serde(default)]
    pub schema: Value,
}

/// How a caller names an endpoint: `METHOD /path` (any case for the
/// method, optionally followed by the summary in brackets, as in a label
/// such as `GET /pins (List Pins)`) or an operationId. One rule for every
/// place that resolves a name (the catalog, and a server checking which
/// method a name stands for before it lets a call run), so that they never
/// disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointName<'a> {
    /// `METHOD /path`.
    Route(Method, &'a str),
    /// An operationId.
    Id(&'a str),
}

impl<'a> EndpointName<'a> {
    /// Reads `endpoint`.
    pub fn parse(endpoint: &'a str) -> EndpointName<'a> {
        let endpoint = endpoint.trim();
        if let Some((method, rest)) = endpoint.split_once(' ')
            && let Some(method) = Method::parse(method)
        {
            return EndpointName::Route(method, rest.split(" (").next().unwrap_or(rest).trim());
        }
        EndpointName::Id(endpoint)
    }

    /// Whether it names the operation `id`, `method` `path`.
    pub fn names(&self, id: &str, method: Method, path: &str) -> bool {
        match *self {
            EndpointName::Route(m, p) => m == method && p == path,
            EndpointName::Id(name) => name == id,
        }
    }
}

impl Catalog {
    /// Parses a catalog from its JSON form.
    pub fn from_json(text: &str) -> Result<Catalog, serde_json::Error> {
        serde_json::from_slice(text.as_bytes())
    }

    /// The catalog's JSON form: one operation and one schema per line, so
    /// that a regenerated catalog diffs readably.
    pub fn to_json(&self) -> String {
        let ops: Vec<String> = self.operations.iter().map(compact).collect();
        let schemas: Vec<String> = self
            .schemas
            .iter()
            .map(|(name, schema)| format!("{}: {}", compact(name), compact(schema)))
            .collect();
        format!(
            "{{\n\"title\": {},\n\"version\": {},\n\"server\": {},\n\"operations\": [\n{}\n],\n\"schemas\": {{\n{}\n}}\n}}\n",
            compact(&self.title),
            compact(&self.version),
            compact(&self.server),
            ops.join(",\n"),
            schemas.join(",\n"),
        )
    }

    /// Finds an operation by `METHOD /path` (as in `GET /pins`, optionally
    /// followed by the summary in brackets, as in a label) or by operationId
    /// (see [`EndpointName`]).
    pub fn find(&self, endpoint: &str) -> Option<&Operation> {
        let name = EndpointName::parse(endpoint);
        let index = self
            .operations
            .summaries()
            .position(|op| name.names(op.id, op.method, op.path))?;
        self.operations.get(index)
    }

    /// Like [`Catalog::find`], with an `invalid-input` error naming the
    /// endpoint when there is no such operation.
    pub fn get(&self, endpoint: &str) -> Result<&Operation, ConnectorError> {
        self.find(endpoint).ok_or_else(|| {
            ConnectorError::invalid(
                "endpoint",
                format!("no endpoint `{endpoint}` in the catalog (give `METHOD /path` or an operationId)"),
            )
        })
    }

    /// The input schema of `op`: a JSON Schema object whose properties
    /// `path`, `query` and `body` describe the call's inputs, with the
    /// component schemas it refers to under `$defs`.
    pub fn input_schema(&self, op: &Operation) -> Value {
        let schema = self.input_schema_root(op);
        let defs = self.referenced_schemas(&schema);
        let mut schema = rewrite_refs(schema);
        if !defs.is_empty() {
            // Inserted, not collected (see `openapi::strip_prose`).
            let mut rewritten = Map::new();
            for (name, s) in defs {
                rewritten.insert(name, rewrite_refs(s));
            }
            schema["$defs"] = Value::Object(rewritten);
        }
        schema
    }

    /// [`Catalog::input_schema`] as JSON text. For the embedded catalog the
    /// `$defs` are spliced from the schemas' static text, found and
    /// rewritten without parsing them.
    pub fn input_schema_text(&self, op: &Operation) -> String {
        self.input_schema_text_sharing(op, &mut BTreeMap::new())
    }

    /// The input schemas of `endpoints` (`METHOD /path` or operationIds, in
    /// their order), or of every operation in the catalog's order for none,
    /// as `(operationId, text)` pairs ([`Catalog::input_schema_text`]). The
    /// component schemas they share are rewritten once for all of them. An
    /// unknown endpoint is `invalid-input` on `endpoints[i]`.
    pub fn describe_many(
        &self,
        endpoints: Option<&[String]>,
    ) -> Result<Vec<(String, String)>, ConnectorError> {
        let ops: Vec<&Operation> = match endpoints {
            Some(names) => names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    self.find(name).ok_or_else(|| {
                        ConnectorError::invalid(
                            format!("endpoints[{i}]"),
                            format!("no endpoint `{name}` in the catalog"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
            None => self.operations.iter().collect(),
        };
        let mut shared = BTreeMap::new();
        Ok(ops
            .into_iter()
            .map(|op| {
                (
                    op.id.clone(),
                    self.input_schema_text_sharing(op, &mut shared),
                )
            })
            .collect())
    }

    /// [`Catalog::input_schema_text`], taking the embedded schemas' texts
    /// (references rewritten) and the schemas each names from `shared`, by
    /// index, and adding those it reads.
    fn input_schema_text_sharing(
        &self,
        op: &Operation,
        shared: &mut BTreeMap<usize, SplicedSchema>,
    ) -> String {
        if !matches!(self.schemas.0, SchemaStore::Embedded) {
            return self.input_schema(op).to_string();
        }
        let mut out = input_schema_root_text(op);
        let mut pending: Vec<usize> = refs_in_text(&out)
            .filter_map(embedded_schema_index)
            .collect();
        // The embedded schemas are ordered by name, so by index is by name.
        let mut defs = BTreeSet::new();
        while let Some(index) = pending.pop() {
            if defs.contains(&index) {
                continue;
            }
            let Some(spliced) = SplicedSchema::of(index, shared) else {
                continue;
            };
            pending.extend_from_slice(&spliced.names);
            defs.insert(index);
        }
        if out.contains(QUOTED_COMPONENT_PREFIX) {
            out = out.replace(QUOTED_COMPONENT_PREFIX, QUOTED_DEFS_PREFIX);
        }
        if !defs.is_empty() && out.ends_with('}') {
            out.pop();
            out.push_str(",\"$defs\":{");
            for (i, index) in defs.iter().enumerate() {
                let (Some((name, _)), Some(spliced)) =
                    (EMBEDDED_SCHEMAS.get(*index), shared.get(index))
                else {
                    continue;
                };
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&compact(name));
                out.push(':');
                out.push_str(&spliced.text);
            }
            out.push_str("}}");
        }
        out
    }

    /// The input schema of `op` without its `$defs`, its references still
    /// pointing at the component schemas. The embedded catalog's describe
    /// writes the same as text ([`input_schema_root_text`]); a test holds
    /// the two to the same bytes.
    fn input_schema_root(&self, op: &Operation) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for (location, key) in [
            (ParamLocation::Path, "path"),
            (ParamLocation::Query, "query"),
        ] {
            let params: Vec<&Parameter> = op
                .params
                .iter()
                .filter(|p| p.location == location)
                .collect();
            if params.is_empty() {
                continue;
            }
            let mut props = Map::new();
            let mut req = Vec::new();
            for p in &params {
                props.insert(p.name.clone(), p.schema.clone());
                if p.required {
                    req.push(Value::String(p.name.clone()));
                }
            }
            if !req.is_empty() {
                required.push(Value::String(key.to_owned()));
            }
            properties.insert(
                key.to_owned(),
                json!({"type": "object", "properties": props, "required": req, "additionalProperties": false}),
            );
        }
        if let Some(body) = &op.body {
            let mut schema = body.schema.clone();
            if let Value::Object(map) = &mut schema {
                map.insert(
                    "contentMediaType".into(),
                    Value::String(body.content_type.clone()),
                );
            }
            properties.insert("body".into(), schema);
            if body.required {
                required.push(Value::String("body".into()));
            }
        }
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": op.label(),
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": false,
        })
    }

    /// The component schemas `value` refers to, directly or through others.
    fn referenced_schemas(&self, value: &Value) -> BTreeMap<String, Value> {
        let mut found = BTreeMap::new();
        let mut pending: Vec<String> = Vec::new();
        collect_refs(value, &mut pending);
        let mut seen = BTreeSet::new();
        while let Some(name) = pending.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            if let Some(schema) = self.schemas.get(&name) {
                collect_refs(schema, &mut pending);
                found.insert(name, schema.clone());
            }
        }
        found
    }
}

const COMPONENT_PREFIX: &str = "#/components/schemas/";

/// [`COMPONENT_PREFIX`] as it starts a JSON string in a schema's text.
const QUOTED_COMPONENT_PREFIX: &str = "\"#/components/schemas/";

/// Where [`rewrite_refs`] points them, as it starts a JSON string.
const QUOTED_DEFS_PREFIX: &str = "\"#/$defs/";

/// The JSON text of [`Catalog::input_schema_root`] for `op`, written
/// straight from the operation: its schemas are serialised where they lie
/// instead of cloned into a new tree, and the keys go in the order
/// serde_json's sorted maps give them, so the text is the same. Building,
/// printing and dropping that tree was most of describing every endpoint.
fn input_schema_root_text(op: &Operation) -> String {
    let locations = [
        (ParamLocation::Path, "path"),
        (ParamLocation::Query, "query"),
    ];
    // What `input_schema_root` requires, in its order: path, query, body.
    let mut required: Vec<&str> = locations
        .iter()
        .filter(|(location, _)| {
            op.params
                .iter()
                .any(|p| p.location == *location && p.required)
        })
        .map(|(_, name)| *name)
        .collect();
    if op.body.as_ref().is_some_and(|body| body.required) {
        required.push("body");
    }
    let mut out: Vec<u8> = Vec::with_capacity(512);
    out.extend_from_slice(
        br#"{"$schema":"https://json-schema.org/draft/2020-12/schema","additionalProperties":false,"properties":{"#,
    );
    let mut first = true;
    let mut key = |out: &mut Vec<u8>, name: &str| {
        if !std::mem::take(&mut first) {
            out.push(b',');
        }
        write_json(out, name);
        out.push(b':');
    };
    if let Some(body) = &op.body {
        key(&mut out, "body");
        match &body.schema {
            Value::Object(map) => {
                // `contentMediaType` joins the schema's keys where a
                // sorted map would put it (replacing one already there).
                let media = Value::String(body.content_type.clone());
                let mut entries: Vec<(&str, &Value)> = map
                    .iter()
                    .filter(|(k, _)| k.as_str() != "contentMediaType")
                    .map(|(k, v)| (k.as_str(), v))
                    .collect();
                let at = entries.partition_point(|(k, _)| *k < "contentMediaType");
                entries.insert(at, ("contentMediaType", &media));
                write_object(&mut out, entries);
            }
            other => write_json(&mut out, other),
        }
    }
    for (location, name) in locations {
        let mut props: BTreeMap<&str, &Value> = BTreeMap::new();
        let mut req: Vec<&str> = Vec::new();
        for p in op.params.iter().filter(|p| p.location == location) {
            props.insert(&p.name, &p.schema);
            if p.required {
                req.push(&p.name);
            }
        }
        if props.is_empty() {
            continue;
        }
        key(&mut out, name);
        out.extend_from_slice(br#"{"additionalProperties":false,"properties":"#);
        write_object(&mut out, props);
        out.extend_from_slice(br#","required":"#);
        write_json(&mut out, &req);
        out.extend_from_slice(br#","type":"object"}"#);
    }
    out.extend_from_slice(br#"},"required":"#);
    write_json(&mut out, &required);
    out.extend_from_slice(br#","title":"#);
    write_json(&mut out, &op.label());
    out.extend_from_slice(br#","type":"object"}"#);
    // serde_json writes UTF-8 and so does everything above.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Writes `entries` as a JSON object, in their order.
fn write_object<'a>(out: &mut Vec<u8>, entries: impl IntoIterator<Item = (&'a str, &'a Value)>) {
    out.push(b'{');
    for (i, (key, value)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_json(out, key);
        out.push(b':');
        write_json(out, value);
    }
    out.push(b'}');
}

/// Appends the compact JSON text of plain data (which always serialises).
fn write_json<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    let _ = serde_json::to_writer(out, value);
}

/// The component schemas a schema's JSON text names, as
/// [`collect_refs`] finds them in its value.
fn refs_in_text(text: &str) -> impl Iterator<Item = &str> {
    text.split(QUOTED_COMPONENT_PREFIX)
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
}

/// Collects the component schemas a value names: in `$ref`s and in
/// `discriminator.mapping` values alike, which both hold
/// `#/components/schemas/<name>` strings.
pub(crate) fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => {
            if let Some(name) = s.strip_prefix(COMPONENT_PREFIX) {
                out.push(name.to_owned());
            }
        }
        Value::Object(map) => map.values().for_each(|v| collect_refs(v, out)),
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Points every `#/components/schemas/<name>` at `#/$defs/<name>`.
fn rewrite_refs(mut value: Value) -> Value {
    rewrite_refs_in_place(&mut value);
    value
}

/// [`rewrite_refs`] where the strings lie: rebuilding each map instead
/// (collecting it anew) cost a fifth of describing every endpoint.
fn rewrite_refs_in_place(value: &mut Value) {
    match value {
        Value::String(s) => {
            if let Some(name) = s.strip_prefix(COMPONENT_PREFIX) {
                *s = format!("#/$defs/{name}");
            }
        }
        Value::Object(map) => map.values_mut().for_each(rewrite_refs_in_place),
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs_in_place),
        _ => {}
    }
}

impl Operation {
    /// The label a host shows: `GET /pins (List Pins)`.
    pub fn label(&self) -> String {
        label(self.method, &self.path, &self.summary)
    }

    /// The parameter called `name` at `location`.
    pub fn param(&self, location: ParamLocation, name: &str) -> Option<&Parameter> {
        self.params
            .iter()
            .find(|p| p.location == location && p.name == name)
    }
}

/// Compact JSON text of a value that always serialises (plain data).
fn compact<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

#[cfg(test)]
#[path = "catalog_tests.rs"]
mod tests;
