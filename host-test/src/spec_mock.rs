//! The part of the mock that learns every operation from an OpenAPI
//! description: it routes a request to its operation by method and path
//! template, checks it the way the API would (path and query parameters
//! typed, arrays in the parameter's style, no unknown parameters, the body's
//! media type and schema), and answers a schema-shaped body, page by page
//! for bookmark-paginated operations.
//!
//! Nothing here reads the description or checks a value with the
//! connector's code: the description is read by the mock's own typed serde
//! structs ([`crate::description`]) and every value is checked by the
//! `jsonschema` crate ([`crate::oracle`]). Only the answers' sample values
//! come from the connector's core (its `sample` feature).

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;
use pinterest_connector_core::schema::Validator;
use serde_json::{Map, Value, json};

use crate::description::{Description, Location, MockOperation, Parameter};
use crate::oracle::SchemaOracle;

/// How many items a paginated operation of the spec mock holds in all.
pub const SPEC_LIST_ITEMS: usize = 5;

/// The media type of a form body.
const FORM: &str = "application/x-www-form-urlencoded";

/// An OpenAPI description the mock answers from.
pub struct SpecModel {
    description: Description,
    operations: Vec<MockOperation>,
    text: String,
    /// Values are checked by the `jsonschema` crate, not by the
    /// connector's own validator.
    oracle: SchemaOracle,
}

/// Path parameters by name, decoded.
pub type PathParams = Vec<(String, String)>;

/// A request the model refused: the status and the message of the
/// `{code, message}` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP status.
    pub status: u16,
    /// What was wrong.
    pub message: String,
}

fn refuse(status: u16, message: impl Into<String>) -> Refusal {
    Refusal {
        status,
        message: message.into(),
    }
}

impl SpecModel {
    /// Reads a description.
    pub fn new(text: String) -> anyhow::Result<SpecModel> {
        let description = Description::parse(&text)?;
        let operations = description.operations()?;
        let oracle = SchemaOracle::new(&serde_json::from_str(&text)?);
        Ok(SpecModel {
            description,
            operations,
            text,
            oracle,
        })
    }

    /// The description's text, as the mock serves it.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The operation `method` on `path` (under `/v5`) and its path
    /// parameters, decoded. Templates with more literal segments win.
    pub fn route(&self, method: &str, path: &str) -> Result<(&MockOperation, PathParams), Refusal> {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let mut best: Option<(&MockOperation, PathParams, usize)> = None;
        let mut path_matched = false;
        for op in &self.operations {
            let template: Vec<&str> = op.path.trim_start_matches('/').split('/').collect();
            if template.len() != segments.len() {
                continue;
            }
            let mut params = Vec::new();
            let mut literals = 0;
            let matched = template.iter().zip(&segments).all(|(t, s)| {
                if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                    let value = percent_decode_str(s).decode_utf8_lossy().into_owned();
                    params.push((name.to_owned(), value));
                    !s.is_empty()
                } else {
                    literals += 1;
                    t == s
                }
            });
            if !matched {
                continue;
            }
            path_matched = true;
            if op.method != method {
                continue;
            }
            if best.as_ref().is_none_or(|(_, _, l)| literals > *l) {
                best = Some((op, params, literals));
            }
        }
        match best {
            Some((op, params, _)) => Ok((op, params)),
            None if path_matched => Err(refuse(405, format!("{method} is not allowed on {path}"))),
            None => Err(refuse(404, format!("no operation serves {path}"))),
        }
    }

    /// Checks a request against its operation.
    pub fn check(
        &self,
        op: &MockOperation,
        path_params: &[(String, String)],
        query: Option<&str>,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), Refusal> {
        for (name, value) in path_params {
            if let Some(param) = op.param(Location::Path, name) {
                self.check_text(&format!("path.{name}"), &param.schema, value)?;
            }
        }
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        for (name, _) in &pairs {
            let base = name.split('[').next().unwrap_or(name);
            let known = match op.param(Location::Query, base) {
                Some(p) => deep_object(p) == (base != name),
                None => false,
            };
            if !known {
                return Err(refuse(400, format!("unknown query parameter `{name}`")));
            }
        }
        for param in op.params.iter().filter(|p| p.location == Location::Query) {
            self.check_query(param, &pairs)?;
        }
        self.check_body(op, content_type, body)
    }

    fn check_text(&self, field: &str, schema: &Value, text: &str) -> Result<(), Refusal> {
        self.oracle
            .read_text(schema, text)
            .map(drop)
            .map_err(|why| refuse(400, format!("`{field}` is invalid: {why}")))
    }

    /// A query parameter: present when required, given once (an array
    /// repeated when it explodes, comma-separated when not), each value of
    /// its schema.
    fn check_query(&self, param: &Parameter, pairs: &[(String, String)]) -> Result<(), Refusal> {
        let field = format!("query.{}", param.name);
        if deep_object(param) {
            return self.check_deep_object(param, &field, pairs);
        }
        let values: Vec<&str> = pairs
            .iter()
            .filter(|(n, _)| *n == param.name)
            .map(|(_, v)| v.as_str())
            .collect();
        if values.is_empty() {
            return if param.required {
                Err(refuse(400, format!("`{field}` is required")))
            } else {
                Ok(())
            };
        }
        let schema = self.description.resolve(&param.schema);
        let is_array = schema.get("type").and_then(Value::as_str) == Some("array");
        // `form`, the query's default style, explodes by default.
        let explode = param.explode.unwrap_or(true);
        let items: Vec<&str> = match (is_array, values.as_slice()) {
            (true, _) if explode => values,
            (true, [one]) => one.split(',').collect(),
            (true, _) => {
                return Err(refuse(
                    400,
                    format!("`{field}` must be one comma-separated value, not repeated"),
                ));
            }
            (false, [_]) => values,
            (false, _) => return Err(refuse(400, format!("`{field}` given more than once"))),
        };
        if !is_array {
            return self.check_text(&field, &param.schema, items[0]);
        }
        // Each item read by the items' schema, then the array by its own
        // (its counts).
        let item_schema = schema.get("items").cloned().unwrap_or(Value::Null);
        let typed = items
            .iter()
            .map(|text| self.oracle.read_text(&item_schema, text))
            .collect::<Result<Vec<Value>, String>>()
            .map_err(|why| refuse(400, format!("`{field}` is invalid: {why}")))?;
        self.oracle
            .check(&param.schema, &Value::Array(typed))
            .map_err(|why| refuse(400, format!("`{field}` is invalid: {why}")))
    }

    /// A `deepObject` parameter arrives as `name[key]=value` pairs: rebuild
    /// the object, typing each value by its property's schema, and check it.
    fn check_deep_object(
        &self,
        param: &Parameter,
        field: &str,
        pairs: &[(String, String)],
    ) -> Result<(), Refusal> {
        let prefix = format!("{}[", param.name);
        let mut object = Map::new();
        for (name, value) in pairs {
            let Some(key) = name.strip_prefix(&prefix).and_then(|k| k.strip_suffix(']')) else {
                continue;
            };
            let kind = self
                .description
                .property(&param.schema, key)
                .and_then(|s| s.get("type"))
                .and_then(Value::as_str);
            let typed = match kind {
                Some("string") | None => Value::String(value.clone()),
                Some(_) => {
                    serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.clone()))
                }
            };
            object.insert(key.to_owned(), typed);
        }
        if object.is_empty() {
            return if param.required {
                Err(refuse(400, format!("`{field}` is required")))
            } else {
                Ok(())
            };
        }
        self.oracle
            .check(&param.schema, &Value::Object(object))
            .map_err(|why| refuse(400, format!("`{field}` is invalid: {why}")))
    }

    /// The body: none where the operation takes none, present when
    /// required, of a media type the operation declares, and of its schema.
    fn check_body(
        &self,
        op: &MockOperation,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), Refusal> {
        if op.body.is_empty() {
            return if body.is_empty() {
                Ok(())
            } else {
                Err(refuse(400, "this operation takes no body"))
            };
        }
        if body.is_empty() {
            return if op.body_required {
                Err(refuse(400, "the body is required"))
            } else {
                Ok(())
            };
        }
        let media = content_type
            .map(|ct| ct.split(';').next().unwrap_or_default().trim())
            .unwrap_or_default();
        let Some((kind, schema)) = op
            .body
            .iter()
            .find(|(kind, _)| kind.eq_ignore_ascii_case(media))
        else {
            let declared: Vec<&str> = op.body.keys().map(String::as_str).collect();
            return Err(refuse(
                415,
                format!("the body must be {}", declared.join(" or ")),
            ));
        };
        if kind == FORM {
            return self.check_form(schema, body);
        }
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| refuse(400, format!("the body is not JSON: {e}")))?;
        self.oracle
            .check(schema, &value)
            .map_err(|why| refuse(400, format!("the body is invalid: {why}")))
    }

    /// A form body: every field a property of the schema, of its schema,
    /// and the required ones present.
    fn check_form(&self, schema: &Value, body: &[u8]) -> Result<(), Refusal> {
        let mut seen = Vec::new();
        for (name, value) in url::form_urlencoded::parse(body) {
            let property = self
                .description
                .property(schema, &name)
                .ok_or_else(|| refuse(400, format!("unknown form field `{name}`")))?;
            self.check_text(&format!("body.{name}"), property, &value)?;
            seen.push(name.into_owned());
        }
        let schema = self.description.resolve(schema);
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !seen.iter().any(|s| s == name) {
                return Err(refuse(400, format!("form field `{name}` is required")));
            }
        }
        Ok(())
    }

    /// The status and body the operation answers with: a sample of its
    /// first success response's schema; for a paginated operation, the page
    /// of [`SPEC_LIST_ITEMS`] sample items that `query`'s `bookmark` and
    /// `page_size` select.
    pub fn respond(&self, op: &MockOperation, query: Option<&str>) -> (u16, Option<Value>) {
        let schemas: &BTreeMap<String, Value> = &self.description.components.schemas;
        let validator = Validator::new(schemas);
        let (status, schema) = op.success.clone();
        let Some(schema) = schema else {
            return (status, None);
        };
        let mut body = validator.sample(&schema);
        if op.paginated() {
            let pairs: Vec<(String, String)> =
                url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
            let value = |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.as_str())
            };
            let page_size: usize = value("page_size")
                .and_then(|v| v.parse().ok())
                .unwrap_or(25)
                .max(1);
            let start: usize = value("bookmark")
                .and_then(|b| b.strip_prefix("spec-offset-"))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
                .min(SPEC_LIST_ITEMS);
            let end = (start + page_size).min(SPEC_LIST_ITEMS);
            let item = self
                .description
                .property(&schema, "items")
                .and_then(|items| items.get("items"))
                .map(|item| validator.sample(item))
                .unwrap_or_else(|| json!({}));
            let mut page = match body {
                Value::Object(map) => map,
                _ => Map::new(),
            };
            page.insert("items".into(), Value::Array(vec![item; end - start]));
            let bookmark = if end < SPEC_LIST_ITEMS {
                Value::String(format!("spec-offset-{end}"))
            } else {
                Value::Null
            };
            page.insert("bookmark".into(), bookmark);
            body = Value::Object(page);
        }
        (status, Some(body))
    }
}

/// Whether a query parameter is sent as `name[key]=value` pairs.
fn deep_object(param: &Parameter) -> bool {
    param.style.as_deref() == Some("deepObject")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> SpecModel {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/openapi/pinterest-v5.11.0.json"
        );
        SpecModel::new(std::fs::read_to_string(path).expect("the 5.11.0 description")).unwrap()
    }

    #[test]
    fn routes_prefer_literal_segments() {
        let m = model();
        let analytics = m
            .route("GET", "/ad_accounts/1/ad_groups/analytics")
            .unwrap()
            .0;
        assert_eq!(analytics.id, "ad_groups/analytics");
        assert_eq!(
            m.route("GET", "/ad_accounts/1/ad_groups/2").unwrap().0.id,
            "ad_groups/get"
        );
        let (op, params) = m.route("GET", "/pins/123").unwrap();
        assert_eq!(
            (op.id.as_str(), params),
            ("pins/get", vec![("pin_id".to_string(), "123".to_string())])
        );
        assert_eq!(m.route("PUT", "/pins/123").unwrap_err().status, 405);
        assert_eq!(m.route("GET", "/nope").unwrap_err().status, 404);
    }

    #[test]
    fn requests_are_checked_like_the_api_would() {
        let m = model();
        let (op, params) = m.route("GET", "/pins").unwrap();
        assert!(
            m.check(op, &params, Some("page_size=25"), None, b"")
                .is_ok()
        );
        assert_eq!(
            m.check(op, &params, Some("page_size=0"), None, b"")
                .unwrap_err()
                .status,
            400
        );
        assert_eq!(
            m.check(op, &params, Some("nope=1"), None, b"")
                .unwrap_err()
                .status,
            400
        );
        assert_eq!(
            m.check(op, &params, Some("page_size=1&page_size=2"), None, b"")
                .unwrap_err()
                .status,
            400
        );
        assert_eq!(
            m.check(op, &params, None, Some("application/json"), b"{}")
                .unwrap_err()
                .status,
            400
        );
        let (create, params) = m.route("POST", "/pins").unwrap();
        assert_eq!(
            m.check(create, &params, None, Some("text/plain"), b"{}")
                .unwrap_err()
                .status,
            415
        );
        assert_eq!(
            m.check(
                create,
                &params,
                None,
                Some("application/json"),
                b"{\"board_id\": 1}"
            )
            .unwrap_err()
            .status,
            400
        );
    }

    #[test]
    fn paginated_answers_walk_the_sample_list() {
        let m = model();
        let (op, _) = m.route("GET", "/pins").unwrap();
        let (status, first) = m.respond(op, Some("page_size=2"));
        let first = first.unwrap();
        assert_eq!(status, 200);
        assert_eq!(first["items"].as_array().unwrap().len(), 2);
        assert_eq!(first["bookmark"], "spec-offset-2");
        let (_, last) = m.respond(op, Some("page_size=2&bookmark=spec-offset-4"));
        assert_eq!(last.unwrap()["bookmark"], Value::Null);
    }
}
