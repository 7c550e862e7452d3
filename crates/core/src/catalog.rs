//! The endpoint catalog: every operation of an OpenAPI description, reduced
//! to what the connector needs to check, build and describe a call.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::ConnectorError;
use crate::http::Method;

/// The catalog of Pinterest API 5.11.0, generated from Pinterest's OpenAPI
/// description by [`crate::openapi`] and committed under `openapi/`.
pub const EMBEDDED_CATALOG_JSON: &str =
    include_str!("../../../openapi/pinterest-v5.11.0.catalog.json");

/// The embedded 5.11.0 catalog, parsed once on first use.
pub fn embedded() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        // The file is produced by our own generator and checked by the
        // drift test, so it always parses; an empty catalog is the safe
        // fallback should it ever not.
        Catalog::from_json(EMBEDDED_CATALOG_JSON).unwrap_or_default()
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
    pub operations: Vec<Operation>,
    /// The description's component schemas, prose removed, by name.
    /// Schemas elsewhere refer to them as `#/components/schemas/<name>`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub schemas: BTreeMap<String, Value>,
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

impl Catalog {
    /// Parses a catalog from its JSON form.
    pub fn from_json(text: &str) -> Result<Catalog, serde_json::Error> {
        serde_json::from_str(text)
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
    /// followed by the summary in brackets, as in a label) or by operationId.
    pub fn find(&self, endpoint: &str) -> Option<&Operation> {
        let endpoint = endpoint.trim();
        if let Some((method, rest)) = endpoint.split_once(' ')
            && let Some(method) = Method::parse(method)
        {
            let path = rest.split(" (").next().unwrap_or(rest).trim();
            return self
                .operations
                .iter()
                .find(|op| op.method == method && op.path == path);
        }
        self.operations.iter().find(|op| op.id == endpoint)
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
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": op.label(),
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": false,
        });
        let defs = self.referenced_schemas(&schema);
        let mut schema = rewrite_refs(schema);
        if !defs.is_empty() {
            let defs: Map<String, Value> = defs
                .into_iter()
                .map(|(name, s)| (name, rewrite_refs(s)))
                .collect();
            schema["$defs"] = Value::Object(defs);
        }
        schema
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

/// Collects the component schemas a value names: in `$ref`s and in
/// `discriminator.mapping` values alike, which both hold
/// `#/components/schemas/<name>` strings.
fn collect_refs(value: &Value, out: &mut Vec<String>) {
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
fn rewrite_refs(value: Value) -> Value {
    match value {
        Value::String(s) => match s.strip_prefix(COMPONENT_PREFIX) {
            Some(name) => Value::String(format!("#/$defs/{name}")),
            None => Value::String(s),
        },
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, rewrite_refs(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(rewrite_refs).collect()),
        other => other,
    }
}

impl Operation {
    /// The label a host shows: `GET /pins (List Pins)`.
    pub fn label(&self) -> String {
        if self.summary.is_empty() {
            format!("{} {}", self.method, self.path)
        } else {
            format!("{} {} ({})", self.method, self.path, self.summary)
        }
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
