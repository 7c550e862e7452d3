//! The mock's own reading of an OpenAPI 3.0 description: typed serde
//! structs of the parts a server needs (paths, operations, parameters,
//! request bodies, responses, security), read without the connector's
//! reader, so that a misreading in the connector's catalog cannot be shared
//! by the mock that checks it. Schemas stay JSON: the `jsonschema` crate
//! checks values against them ([`crate::oracle`]).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// The methods an operation can sit under, as the description spells them.
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// A whole description, as far as the mock reads it.
#[derive(Debug, Deserialize)]
pub struct Description {
    /// Path templates (`/pins/{pin_id}`) and their operations.
    pub paths: BTreeMap<String, PathItem>,
    /// The reusable parts `$ref`s point at.
    #[serde(default)]
    pub components: Components,
}

/// `components`: what `$ref`s point at.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Components {
    /// Schemas by name.
    #[serde(default)]
    pub schemas: BTreeMap<String, Value>,
    /// Parameters by name (one may be a reference to another).
    #[serde(default)]
    pub parameters: BTreeMap<String, RefOr<Parameter>>,
    /// Request bodies by name.
    #[serde(default)]
    pub request_bodies: BTreeMap<String, RefOr<RequestBody>>,
    /// Responses by name.
    #[serde(default)]
    pub responses: BTreeMap<String, RefOr<ResponseObject>>,
    /// Security schemes by name.
    #[serde(default)]
    pub security_schemes: BTreeMap<String, SecurityScheme>,
}

/// A value given inline or as a `$ref` into `components`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RefOr<T> {
    /// `{"$ref": "#/components/…/NAME"}`.
    Ref {
        /// Where it points.
        #[serde(rename = "$ref")]
        reference: String,
    },
    /// The value itself.
    Inline(T),
}

/// One path template's operations and shared parameters.
#[derive(Debug, Deserialize)]
pub struct PathItem {
    /// Parameters every operation of the path takes.
    #[serde(default)]
    pub parameters: Vec<RefOr<Parameter>>,
    /// The operations, by lowercase method (other keys are ignored).
    #[serde(flatten)]
    pub operations: BTreeMap<String, Value>,
}

/// One operation, as written.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationObject {
    /// Its id.
    pub operation_id: String,
    /// Its own parameters (they override the path's by name and place).
    #[serde(default)]
    pub parameters: Vec<RefOr<Parameter>>,
    /// Its request body.
    pub request_body: Option<RefOr<RequestBody>>,
    /// Its responses by status code (`200`, `default`).
    #[serde(default)]
    pub responses: BTreeMap<String, RefOr<ResponseObject>>,
    /// Its security requirements: scheme names, each with scopes.
    pub security: Option<Vec<BTreeMap<String, Vec<String>>>>,
}

/// A parameter.
#[derive(Debug, Clone, Deserialize)]
pub struct Parameter {
    /// Its name.
    pub name: String,
    /// Where it goes.
    #[serde(rename = "in")]
    pub location: Location,
    /// Whether it must be given (path parameters always must).
    #[serde(default)]
    pub required: bool,
    /// Its schema.
    #[serde(default)]
    pub schema: Value,
    /// How it is serialized (`form` by default in a query, `simple` in a
    /// path).
    pub style: Option<String>,
    /// Whether an array repeats the name per item (`form`'s default).
    pub explode: Option<bool>,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Location {
    /// In the path.
    Path,
    /// In the query string.
    Query,
    /// In a header.
    Header,
    /// In a cookie.
    Cookie,
}

/// A request body.
#[derive(Debug, Deserialize)]
pub struct RequestBody {
    /// Whether it must be sent.
    #[serde(default)]
    pub required: bool,
    /// Its media types and their schemas.
    #[serde(default)]
    pub content: BTreeMap<String, MediaType>,
}

/// One media type of a body.
#[derive(Debug, Default, Deserialize)]
pub struct MediaType {
    /// Its schema.
    pub schema: Option<Value>,
}

/// A response.
#[derive(Debug, Deserialize)]
pub struct ResponseObject {
    /// Its media types and their schemas.
    #[serde(default)]
    pub content: BTreeMap<String, MediaType>,
}

/// A security scheme.
#[derive(Debug, Deserialize)]
pub struct SecurityScheme {
    /// `http`, `oauth2`, `apiKey`…
    #[serde(rename = "type")]
    pub kind: String,
    /// For `http`: `basic`, `bearer`…
    pub scheme: Option<String>,
}

/// An operation as the mock serves it: its parameters merged with its
/// path's, references followed.
#[derive(Debug, Clone)]
pub struct MockOperation {
    /// The method, uppercase.
    pub method: String,
    /// The path template under the API base.
    pub path: String,
    /// The operationId.
    pub id: String,
    /// Its parameters.
    pub params: Vec<Parameter>,
    /// Whether a body must be sent.
    pub body_required: bool,
    /// The media types a body may have, and their schemas.
    pub body: BTreeMap<String, Value>,
    /// Whether it declares HTTP Basic and no scheme a bearer token meets.
    pub basic_only: bool,
    /// The first 2xx status it answers with, and its JSON schema.
    pub success: (u16, Option<Value>),
}

impl MockOperation {
    /// The parameter `name` in `location`.
    pub fn param(&self, location: Location, name: &str) -> Option<&Parameter> {
        self.params
            .iter()
            .find(|p| p.location == location && p.name == name)
    }

    /// Whether it pages with a `bookmark` query parameter.
    pub fn paginated(&self) -> bool {
        self.param(Location::Query, "bookmark").is_some()
    }
}

/// Why a description could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DescriptionError {
    /// Not the JSON of an OpenAPI description.
    #[error("the description does not read: {0}")]
    Json(#[from] serde_json::Error),
    /// A `$ref` to nothing.
    #[error("`{0}` points at nothing")]
    Dangling(String),
}

impl Description {
    /// Reads a description's JSON.
    pub fn parse(text: &str) -> Result<Description, DescriptionError> {
        Ok(serde_json::from_str(text)?)
    }

    /// Every operation, path parameters merged and references followed.
    pub fn operations(&self) -> Result<Vec<MockOperation>, DescriptionError> {
        let mut operations = Vec::new();
        for (path, item) in &self.paths {
            for method in METHODS {
                let Some(raw) = item.operations.get(method) else {
                    continue;
                };
                let op: OperationObject = serde_json::from_value(raw.clone())?;
                operations.push(self.operation(method, path, item, op)?);
            }
        }
        Ok(operations)
    }

    fn operation(
        &self,
        method: &str,
        path: &str,
        item: &PathItem,
        op: OperationObject,
    ) -> Result<MockOperation, DescriptionError> {
        let mut params: Vec<Parameter> = Vec::new();
        for param in item.parameters.iter().chain(&op.parameters) {
            let param = self.parameter(param)?.clone();
            params.retain(|p| !(p.name == param.name && p.location == param.location));
            params.push(param);
        }
        let (body_required, body) = match &op.request_body {
            None => (false, BTreeMap::new()),
            Some(body) => {
                let body = self.request_body(body)?;
                let media = body
                    .content
                    .iter()
                    .map(|(kind, media)| (kind.clone(), media.schema.clone().unwrap_or_default()))
                    .collect();
                (body.required, media)
            }
        };
        Ok(MockOperation {
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            id: op.operation_id.clone(),
            params,
            body_required,
            body,
            basic_only: self.basic_only(op.security.as_deref()),
            success: self.success(&op)?,
        })
    }

    fn parameter<'a>(
        &'a self,
        param: &'a RefOr<Parameter>,
    ) -> Result<&'a Parameter, DescriptionError> {
        follow(&self.components.parameters, param, "parameters")
    }

    fn request_body<'a>(
        &'a self,
        body: &'a RefOr<RequestBody>,
    ) -> Result<&'a RequestBody, DescriptionError> {
        follow(&self.components.request_bodies, body, "requestBodies")
    }

    fn basic_only(&self, security: Option<&[BTreeMap<String, Vec<String>>]>) -> bool {
        let names: Vec<&String> = security
            .unwrap_or_default()
            .iter()
            .flat_map(BTreeMap::keys)
            .collect();
        !names.is_empty()
            && names.iter().all(|name| {
                self.components
                    .security_schemes
                    .get(*name)
                    .is_some_and(|s| {
                        s.kind.eq_ignore_ascii_case("http")
                            && s.scheme
                                .as_deref()
                                .is_some_and(|scheme| scheme.eq_ignore_ascii_case("basic"))
                    })
            })
    }

    /// The first 2xx response (by code) and its JSON schema.
    fn success(&self, op: &OperationObject) -> Result<(u16, Option<Value>), DescriptionError> {
        let Some((code, response)) = op.responses.iter().find(|(code, _)| code.starts_with('2'))
        else {
            return Ok((200, None));
        };
        let response = follow(&self.components.responses, response, "responses")?;
        let schema = response
            .content
            .get("application/json")
            .and_then(|media| media.schema.clone());
        Ok((code.parse().unwrap_or(200), schema))
    }

    /// `schema` with its `$ref`s into the component schemas followed, until
    /// it is not a reference (a chain longer than the schemas is a loop).
    pub fn resolve<'a>(&'a self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..=self.components.schemas.len() {
            let Some(target) = schema
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
                .and_then(|name| self.components.schemas.get(name))
            else {
                return schema;
            };
            schema = target;
        }
        schema
    }

    /// The schema of property `name` in `schema` or in one of its `allOf`,
    /// `oneOf` or `anyOf` parts, references followed.
    pub fn property<'a>(&'a self, schema: &'a Value, name: &str) -> Option<&'a Value> {
        self.property_within(schema, name, 0)
    }

    fn property_within<'a>(
        &'a self,
        schema: &'a Value,
        name: &str,
        depth: usize,
    ) -> Option<&'a Value> {
        if depth > 32 {
            return None;
        }
        let schema = self.resolve(schema);
        if let Some(found) = schema.get("properties").and_then(|p| p.get(name)) {
            return Some(self.resolve(found));
        }
        ["allOf", "oneOf", "anyOf"]
            .iter()
            .filter_map(|key| schema.get(*key).and_then(Value::as_array))
            .flatten()
            .find_map(|part| self.property_within(part, name, depth + 1))
    }
}

/// The value `item` is or points at, following references through `table`
/// (`components.KIND`); a chain longer than the table is a loop.
fn follow<'a, T>(
    table: &'a BTreeMap<String, RefOr<T>>,
    mut item: &'a RefOr<T>,
    kind: &str,
) -> Result<&'a T, DescriptionError> {
    for _ in 0..=table.len() {
        match item {
            RefOr::Inline(value) => return Ok(value),
            RefOr::Ref { reference } => {
                item = reference
                    .strip_prefix("#/components/")
                    .and_then(|rest| rest.strip_prefix(kind))
                    .and_then(|rest| rest.strip_prefix('/'))
                    .and_then(|name| table.get(name))
                    .ok_or_else(|| DescriptionError::Dangling(reference.clone()))?;
            }
        }
    }
    match item {
        RefOr::Inline(value) => Ok(value),
        RefOr::Ref { reference } => Err(DescriptionError::Dangling(reference.clone())),
    }
}

#[cfg(test)]
#[path = "description_tests.rs"]
mod tests;
