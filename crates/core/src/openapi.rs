//! Reads an OpenAPI 3.0 JSON description into a [`Catalog`].
//!
//! One reader, two uses: at build time it produces the embedded 5.11.0
//! catalog under `openapi/`, and at run time it loads a description a host
//! points the connector at.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::catalog::{
    Auth, Catalog, Operation, ParamLocation, Parameter, RequestBody, collect_refs,
};
use crate::http::Method;

/// Why a description could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenApiError {
    /// The text is not JSON.
    #[error("the OpenAPI description is not valid JSON: {0}")]
    Json(String),
    /// A required part is missing or has the wrong shape.
    #[error("the OpenAPI description is malformed at `{at}`: {reason}")]
    Malformed {
        /// Where, as a JSON pointer.
        at: String,
        /// What is wrong.
        reason: String,
    },
}

/// Keys that carry prose or examples only; dropped from every schema.
const PROSE_KEYS: &[&str] = &[
    "description",
    "example",
    "examples",
    "externalDocs",
    "x-codeSamples",
];

/// Reads an OpenAPI 3.0 JSON description.
pub fn read_catalog(text: &str) -> Result<Catalog, OpenApiError> {
    let spec: Value =
        serde_json::from_slice(text.as_bytes()).map_err(|e| OpenApiError::Json(e.to_string()))?;
    catalog_from_value(&spec)
}

/// Reads an already parsed OpenAPI 3.0 description.
pub(crate) fn catalog_from_value(spec: &Value) -> Result<Catalog, OpenApiError> {
    let paths = spec
        .get("paths")
        .and_then(Value::as_object)
        .ok_or_else(|| malformed("/paths", "missing or not an object"))?;
    let mut operations = Vec::new();
    for (path, item) in paths {
        let item = item
            .as_object()
            .ok_or_else(|| malformed(&pointer(&["paths", path]), "not an object"))?;
        let shared_params = item.get("parameters");
        for (key, op) in item {
            let Some(method) = Method::parse(key).filter(|_| key != "parameters") else {
                continue;
            };
            let at = pointer(&["paths", path, key]);
            operations.push(read_operation(spec, &at, method, path, op, shared_params)?);
        }
    }
    let schemas = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|schemas| inputs_schemas(&operations, schemas))
        .unwrap_or_default();
    Ok(Catalog {
        title: string_at(spec, "/info/title"),
        version: string_at(spec, "/info/version"),
        server: string_at(spec, "/servers/0/url"),
        operations: operations.into(),
        schemas: schemas.into(),
    })
}

/// The component schemas the operations' inputs reach, through `$ref`s
/// and discriminator mappings, directly or through one another, prose
/// removed. The rest describe only what Pinterest answers, which the
/// connector hands over as it comes: left out, they would cost the
/// component their size (a third of the embedded catalog) and a runtime
/// description their parsing, for nothing.
fn inputs_schemas(
    operations: &[Operation],
    components: &Map<String, Value>,
) -> BTreeMap<String, Value> {
    let mut pending = Vec::new();
    for op in operations {
        for param in &op.params {
            collect_refs(&param.schema, &mut pending);
        }
        if let Some(body) = &op.body {
            collect_refs(&body.schema, &mut pending);
        }
    }
    let mut kept = BTreeMap::new();
    while let Some(name) = pending.pop() {
        if kept.contains_key(&name) {
            continue;
        }
        if let Some(schema) = components.get(&name) {
            let schema = strip_prose(schema);
            collect_refs(&schema, &mut pending);
            kept.insert(name, schema);
        }
    }
    kept
}

fn read_operation(
    spec: &Value,
    at: &str,
    method: Method,
    path: &str,
    op: &Value,
    shared_params: Option<&Value>,
) -> Result<Operation, OpenApiError> {
    let id = op
        .get("operationId")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{method} {path}"));
    let mut params: Vec<Parameter> = Vec::new();
    // Operation-level parameters override path-level ones of the same name
    // and location, as OpenAPI specifies.
    for list in [shared_params, op.get("parameters")].into_iter().flatten() {
        let list = list
            .as_array()
            .ok_or_else(|| malformed(&format!("{at}/parameters"), "not an array"))?;
        for (i, raw) in list.iter().enumerate() {
            let param = read_parameter(spec, &format!("{at}/parameters/{i}"), raw)?;
            params.retain(|p| !(p.name == param.name && p.location == param.location));
            params.push(param);
        }
    }
    let body = match op.get("requestBody") {
        Some(raw) => Some(read_body(spec, &format!("{at}/requestBody"), raw)?),
        None => None,
    };
    let paginated = params
        .iter()
        .any(|p| p.location == ParamLocation::Query && p.name == "bookmark");
    Ok(Operation {
        id,
        method,
        path: path.to_owned(),
        summary: op
            .get("summary")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_owned(),
        tags: strings(op.get("tags")),
        params,
        body,
        paginated,
        scopes: oauth_scopes(op.get("security")),
        sandbox: match op.get("x-sandbox").and_then(Value::as_str) {
            Some("enabled") => Some(true),
            Some("disabled") => Some(false),
            _ => None,
        },
        rate_limit_category: op
            .get("x-ratelimit-category")
            .and_then(Value::as_str)
            .map(str::to_owned),
        auth: auth_of(spec, op.get("security")),
    })
}

fn read_parameter(spec: &Value, at: &str, raw: &Value) -> Result<Parameter, OpenApiError> {
    let raw = resolve(spec, at, raw)?;
    let name = raw
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed(at, "parameter without a name"))?;
    let location = match raw.get("in").and_then(Value::as_str) {
        Some("path") => ParamLocation::Path,
        Some("query") => ParamLocation::Query,
        Some("header") => ParamLocation::Header,
        other => {
            return Err(malformed(
                at,
                &format!("unsupported parameter location {other:?}"),
            ));
        }
    };
    let style = raw
        .get("style")
        .and_then(Value::as_str)
        .unwrap_or(match location {
            ParamLocation::Query => "form",
            _ => "simple",
        });
    let explode = raw
        .get("explode")
        .and_then(Value::as_bool)
        .unwrap_or(style == "form");
    Ok(Parameter {
        name: name.to_owned(),
        location,
        required: location == ParamLocation::Path
            || raw
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        schema: raw
            .get("schema")
            .map(strip_prose)
            .unwrap_or(Value::Object(Map::new())),
        explode,
        deep_object: style == "deepObject",
    })
}

fn read_body(spec: &Value, at: &str, raw: &Value) -> Result<RequestBody, OpenApiError> {
    let raw = resolve(spec, at, raw)?;
    let content = raw
        .get("content")
        .and_then(Value::as_object)
        .ok_or_else(|| malformed(at, "request body without content"))?;
    // Prefer JSON where a body offers several media types.
    let (content_type, media) = content
        .iter()
        .find(|(ct, _)| ct.as_str() == "application/json")
        .or_else(|| content.iter().next())
        .ok_or_else(|| malformed(at, "request body with empty content"))?;
    Ok(RequestBody {
        content_type: content_type.clone(),
        required: raw
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        schema: media
            .get("schema")
            .map(strip_prose)
            .unwrap_or(Value::Object(Map::new())),
    })
}

/// Follows a local `$ref` (`#/components/...`) to what it names.
fn resolve<'a>(spec: &'a Value, at: &str, value: &'a Value) -> Result<&'a Value, OpenApiError> {
    let mut value = value;
    // Bounded, so that a cycle of references cannot hang the reader.
    for _ in 0..16 {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let target = reference
                    .strip_prefix('#')
                    .ok_or_else(|| malformed(at, &format!("non-local reference `{reference}`")))?;
                value = spec
                    .pointer(target)
                    .ok_or_else(|| malformed(at, &format!("dangling reference `{reference}`")))?;
            }
            None => return Ok(value),
        }
    }
    Err(malformed(at, "reference chain too long"))
}

/// How an operation authenticates: [`Auth::Basic`] when every scheme its
/// `security` names is HTTP Basic, else a bearer token (OAuth2, HTTP bearer,
/// or no requirement stated).
fn auth_of(spec: &Value, security: Option<&Value>) -> Auth {
    let names: Vec<&str> = security
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|requirement| requirement.keys().map(String::as_str))
        .collect();
    let basic = |name: &&str| {
        let scheme = spec
            .get("components")
            .and_then(|c| c.get("securitySchemes"))
            .and_then(|s| s.get(*name));
        let field = |key: &str| scheme.and_then(|s| s.get(key)).and_then(Value::as_str);
        field("type") == Some("http")
            && field("scheme").is_some_and(|s| s.eq_ignore_ascii_case("basic"))
    };
    if !names.is_empty() && names.iter().all(basic) {
        Auth::Basic
    } else {
        Auth::Bearer
    }
}

/// The scopes of the `pinterest_oauth2` security requirement, sorted.
fn oauth_scopes(security: Option<&Value>) -> Vec<String> {
    let mut scopes: Vec<String> = security
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|req| req.get("pinterest_oauth2"))
        .flat_map(|s| strings(Some(s)))
        .collect();
    crate::order::sort_by(&mut scopes, Ord::cmp);
    scopes.dedup();
    scopes
}

/// A copy of a schema without prose. Keys under `properties` are property
/// names, not keywords, so a property called `description` stays.
///
/// The maps are filled by `insert`, not collected: collecting into a
/// sorted map sorts first, and that sort is KBs of code for one key type.
pub(crate) fn strip_prose(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut kept = Map::new();
            for (k, v) in map
                .iter()
                .filter(|(k, _)| !PROSE_KEYS.contains(&k.as_str()))
            {
                let v = match v {
                    Value::Object(props) if k == "properties" => {
                        let mut stripped = Map::new();
                        for (name, schema) in props {
                            stripped.insert(name.clone(), strip_prose(schema));
                        }
                        Value::Object(stripped)
                    }
                    other if k == "properties" => other.clone(),
                    other => strip_prose(other),
                };
                kept.insert(k.clone(), v);
            }
            Value::Object(kept)
        }
        Value::Array(items) => Value::Array(items.iter().map(strip_prose).collect()),
        other => other.clone(),
    }
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn string_at(spec: &Value, at: &str) -> String {
    spec.pointer(at)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A JSON pointer from unescaped segments.
fn pointer(segments: &[&str]) -> String {
    segments
        .iter()
        .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
        .collect()
}

fn malformed(at: &str, reason: &str) -> OpenApiError {
    OpenApiError::Malformed {
        at: at.to_owned(),
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
#[path = "openapi_tests.rs"]
mod tests;
