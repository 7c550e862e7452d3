//! The part of the mock that learns every operation from an OpenAPI
//! description: it routes a request to its operation by method and path
//! template, checks it the way the API would (path and query parameters
//! typed, arrays in the parameter's style, no unknown parameters, the body's
//! media type and schema — JSON bodies by the `jsonschema` crate, see
//! [`crate::oracle`]), and answers a schema-shaped body, page by page for
//! bookmark-paginated operations.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;
use pinterest_connector_core::catalog::{Catalog, Operation, ParamLocation};
use pinterest_connector_core::openapi::read_catalog;
use pinterest_connector_core::schema::Validator;

use crate::oracle::SchemaOracle;
use serde_json::{Map, Value, json};

/// How many items a paginated operation of the spec mock holds in all.
pub const SPEC_LIST_ITEMS: usize = 5;

/// An OpenAPI description the mock answers from.
pub struct SpecModel {
    catalog: Catalog,
    raw: Value,
    text: String,
    /// JSON bodies are checked by the `jsonschema` crate, not by the
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
        let catalog = read_catalog(&text)?;
        let raw = serde_json::from_str(&text)?;
        let oracle = SchemaOracle::new(&raw);
        Ok(SpecModel {
            catalog,
            raw,
            text,
            oracle,
        })
    }

    /// The description's text, as the mock serves it.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether `op` declares HTTP Basic security and no scheme a bearer
    /// token satisfies (as `POST /oauth/token` does): read from the
    /// description's `security` and `securitySchemes` here, not from the
    /// connector's catalog, so the mock checks the connector rather than
    /// agreeing with it.
    pub fn declares_basic_only(&self, op: &Operation) -> bool {
        let method = op.method.as_str().to_ascii_lowercase();
        let Some(requirements) = self
            .raw
            .pointer(&format!(
                "/paths/{}/{method}/security",
                op.path.replace('~', "~0").replace('/', "~1")
            ))
            .and_then(Value::as_array)
        else {
            return false;
        };
        let scheme_of = |name: &str| {
            let scheme = self
                .raw
                .pointer(&format!("/components/securitySchemes/{name}"));
            let field = |key: &str| {
                scheme
                    .and_then(|s| s.get(key))
                    .and_then(Value::as_str)
                    .map(str::to_ascii_lowercase)
            };
            (field("type"), field("scheme"))
        };
        let names: Vec<String> = requirements
            .iter()
            .filter_map(Value::as_object)
            .flat_map(|requirement| requirement.keys().cloned())
            .collect();
        !names.is_empty()
            && names
                .iter()
                .all(|name| scheme_of(name) == (Some("http".into()), Some("basic".into())))
    }

    /// The operation `method` on `path` (under `/v5`) and its path
    /// parameters, decoded. Templates with more literal segments win.
    pub fn route(&self, method: &str, path: &str) -> Result<(&Operation, PathParams), Refusal> {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let mut best: Option<(&Operation, PathParams, usize)> = None;
        let mut path_matched = false;
        for op in &self.catalog.operations {
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
            if op.method.as_str() != method {
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
        op: &Operation,
        path_params: &[(String, String)],
        query: Option<&str>,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), Refusal> {
        let validator = Validator::new(&self.catalog.schemas);
        let bad = |e: pinterest_connector_core::ConnectorError| refuse(400, e.to_string());
        for (name, value) in path_params {
            if let Some(param) = op.param(ParamLocation::Path, name) {
                validator
                    .validate_text(&format!("path.{name}"), &param.schema, value)
                    .map_err(bad)?;
            }
        }
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        for (name, _) in &pairs {
            let base = name.split('[').next().unwrap_or(name);
            let known = match op.param(ParamLocation::Query, base) {
                Some(p) => p.deep_object == (base != name),
                None => false,
            };
            if !known {
                return Err(refuse(400, format!("unknown query parameter `{name}`")));
            }
        }
        for param in op
            .params
            .iter()
            .filter(|p| p.location == ParamLocation::Query)
        {
            let field = format!("query.{}", param.name);
            if param.deep_object {
                self.check_deep_object(&validator, param, &field, &pairs)?;
                continue;
            }
            let values: Vec<&str> = pairs
                .iter()
                .filter(|(n, _)| *n == param.name)
                .map(|(_, v)| v.as_str())
                .collect();
            if values.is_empty() {
                if param.required {
                    return Err(refuse(400, format!("`{field}` is required")));
                }
                continue;
            }
            let schema = validator.resolve(&field, &param.schema, 0).map_err(bad)?;
            let items: Vec<&str> = if schema.get("type").and_then(Value::as_str) == Some("array") {
                if param.explode {
                    values
                } else if values.len() == 1 {
                    values[0].split(',').collect()
                } else {
                    return Err(refuse(
                        400,
                        format!("`{field}` must be one comma-separated value, not repeated"),
                    ));
                }
            } else if values.len() == 1 {
                values
            } else {
                return Err(refuse(400, format!("`{field}` given more than once")));
            };
            let item_schema = if schema.get("type").and_then(Value::as_str) == Some("array") {
                schema.get("items").cloned().unwrap_or(Value::Null)
            } else {
                schema.clone()
            };
            for value in items {
                validator
                    .validate_text(&field, &item_schema, value)
                    .map_err(bad)?;
            }
        }
        match &op.body {
            None if !body.is_empty() => Err(refuse(400, "this operation takes no body")),
            None => Ok(()),
            Some(spec) if body.is_empty() => {
                if spec.required {
                    Err(refuse(400, "the body is required"))
                } else {
                    Ok(())
                }
            }
            Some(spec) => {
                if content_type.is_none_or(|ct| !ct.starts_with(&spec.content_type)) {
                    return Err(refuse(
                        415,
                        format!("the body must be {}", spec.content_type),
                    ));
                }
                if spec.content_type == "application/x-www-form-urlencoded" {
                    self.check_form(&validator, &spec.schema, body)
                } else {
                    let value: Value = serde_json::from_slice(body)
                        .map_err(|e| refuse(400, format!("the body is not JSON: {e}")))?;
                    self.oracle
                        .check(&spec.schema, &value)
                        .map_err(|why| refuse(400, format!("the body is invalid: {why}")))
                }
            }
        }
    }

    /// A `deepObject` parameter arrives as `name[key]=value` pairs: rebuild
    /// the object, typing each value by its property's schema, and check it.
    fn check_deep_object(
        &self,
        validator: &Validator<'_>,
        param: &pinterest_connector_core::catalog::Parameter,
        field: &str,
        pairs: &[(String, String)],
    ) -> Result<(), Refusal> {
        let prefix = format!("{}[", param.name);
        let mut object = Map::new();
        for (name, value) in pairs {
            let Some(key) = name.strip_prefix(&prefix).and_then(|k| k.strip_suffix(']')) else {
                continue;
            };
            let kind = validator
                .property_schema(&param.schema, key, 0)
                .and_then(|s| validator.resolve(field, s, 0).ok())
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
        validator
            .validate(field, &param.schema, &Value::Object(object))
            .map_err(|e| refuse(400, e.to_string()))
    }

    fn check_form(
        &self,
        validator: &Validator<'_>,
        schema: &Value,
        body: &[u8],
    ) -> Result<(), Refusal> {
        let mut seen = Map::new();
        for (name, value) in url::form_urlencoded::parse(body) {
            let field = format!("body.{name}");
            let property = validator
                .property_schema(schema, &name, 0)
                .ok_or_else(|| refuse(400, format!("unknown form field `{name}`")))?;
            validator
                .validate_text(&field, property, &value)
                .map_err(|e| refuse(400, e.to_string()))?;
            seen.insert(name.into_owned(), Value::Null);
        }
        let schema = validator
            .resolve("body", schema, 0)
            .map_err(|e| refuse(400, e.to_string()))?;
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !seen.contains_key(name) {
                return Err(refuse(400, format!("form field `{name}` is required")));
            }
        }
        Ok(())
    }

    /// The status and body the operation answers with: a sample of its
    /// first success response's schema; for a paginated operation, the page
    /// of [`SPEC_LIST_ITEMS`] sample items that `query`'s `bookmark` and
    /// `page_size` select.
    pub fn respond(&self, op: &Operation, query: Option<&str>) -> (u16, Option<Value>) {
        let validator = Validator::new(&self.catalog.schemas);
        let (status, schema) = self.success_schema(op);
        let Some(schema) = schema else {
            return (status, None);
        };
        let mut body = validator.sample(&schema);
        if op.paginated {
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
            let item = validator
                .property_schema(&schema, "items", 0)
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

    /// The first 2xx response and its JSON schema, if it has one.
    fn success_schema(&self, op: &Operation) -> (u16, Option<Value>) {
        let method = op.method.as_str().to_ascii_lowercase();
        let pointer = format!(
            "/paths/{}/{method}/responses",
            op.path.replace('~', "~0").replace('/', "~1")
        );
        let Some(responses) = self.raw.pointer(&pointer).and_then(Value::as_object) else {
            return (200, None);
        };
        let mut success: Vec<(&String, &Value)> = responses
            .iter()
            .filter(|(code, _)| code.starts_with('2'))
            .collect();
        success.sort_by_key(|(code, _)| code.as_str());
        let Some((code, response)) = success.first() else {
            return (200, None);
        };
        let status = code.parse().unwrap_or(200);
        let schema = response
            .pointer("/content/application~1json/schema")
            .map(|s| Cow::Borrowed(s).into_owned());
        (status, schema)
    }
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
