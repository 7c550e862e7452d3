//! An oracle the connector did not write: Pinterest's schemas checked by
//! the `jsonschema` crate, so that a misreading of a schema shared by the
//! core's validator and a mock built on it cannot go unseen.
//!
//! OpenAPI 3.0 schemas are JSON Schema draft 4 with a few changes, undone
//! here before compiling (see [`to_json_schema`]): `nullable: true` becomes
//! a `"null"` type (or a `null` alternative), a `readOnly` property is never
//! required of a request, and a `discriminator`'s mapping becomes a
//! constraint on each alternative (JSON Schema has no discriminator), and a
//! `oneOf` is read as `anyOf` (Pinterest's alternatives overlap, and the API
//! takes a value several describe). Formats are not checked, as the core does
//! not check them either (Pinterest's `format`s are hints such as `date`,
//! `uri` or `int64`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jsonschema::{Draft, Validator};
use serde_json::{Map, Value, json};

/// Compiled validators of a description's schemas, each compiled once.
pub struct SchemaOracle {
    /// The description's component schemas, rewritten as JSON Schema.
    schemas: Value,
    compiled: Mutex<HashMap<String, Arc<Validator>>>,
}

impl SchemaOracle {
    /// The oracle of an OpenAPI 3.0 description (its JSON).
    pub fn new(description: &Value) -> SchemaOracle {
        let schemas = description
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|schemas| {
                schemas
                    .iter()
                    .map(|(name, schema)| (name.clone(), to_json_schema(schema)))
                    .collect::<Map<String, Value>>()
            })
            .unwrap_or_default();
        SchemaOracle {
            schemas: Value::Object(schemas),
            compiled: Mutex::new(HashMap::new()),
        }
    }

    /// Checks `value` against `schema` (an OpenAPI schema that may refer to
    /// the description's components); the first violation, or why the
    /// schema does not compile.
    pub fn check(&self, schema: &Value, value: &Value) -> Result<(), String> {
        let validator = self.validator(schema)?;
        match validator.iter_errors(value).next() {
            None => Ok(()),
            Some(error) => Err(format!("{error} (at {})", error.instance_path())),
        }
    }

    /// Reads a parameter's text as a value of `schema`. A path, query string
    /// or form carries no types: the text passes as the string it is or as
    /// the number or boolean it spells; the error is the typed reading's
    /// when there is one.
    pub fn read_text(&self, schema: &Value, text: &str) -> Result<Value, String> {
        let mut candidates = vec![Value::String(text.to_owned())];
        if let Ok(typed @ (Value::Number(_) | Value::Bool(_))) = serde_json::from_str(text) {
            candidates.push(typed);
        }
        let mut why = String::new();
        for candidate in candidates {
            match self.check(schema, &candidate) {
                Ok(()) => return Ok(candidate),
                Err(e) => why = e,
            }
        }
        Err(why)
    }

    /// Whether `value` satisfies `schema`.
    pub fn accepts(&self, schema: &Value, value: &Value) -> Result<bool, String> {
        Ok(self.validator(schema)?.is_valid(value))
    }

    fn validator(&self, schema: &Value) -> Result<Arc<Validator>, String> {
        let key = schema.to_string();
        if let Some(found) = self.compiled.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(found);
        }
        // The schema is the root, its references resolve in the components
        // carried beside it, as `#/components/schemas/NAME`.
        let mut root = match to_json_schema(schema) {
            Value::Object(map) => map,
            other => return Err(format!("not a schema object: {other}")),
        };
        root.insert("components".into(), json!({ "schemas": self.schemas }));
        let root = match root.remove("$ref") {
            // Draft 4 ignores a `$ref`'s siblings: wrap it.
            Some(reference) => {
                let components = root.remove("components").unwrap_or(Value::Null);
                let mut wrapped = Map::new();
                wrapped.insert(
                    "allOf".into(),
                    json!([{ "$ref": reference }, Value::Object(root)]),
                );
                wrapped.insert("components".into(), components);
                Value::Object(wrapped)
            }
            None => Value::Object(root),
        };
        let validator = jsonschema::options()
            .with_draft(Draft::Draft4)
            .should_validate_formats(false)
            .build(&root)
            .map_err(|e| format!("the schema does not compile: {e}"))?;
        let validator = Arc::new(validator);
        if let Ok(mut compiled) = self.compiled.lock() {
            compiled.insert(key, validator.clone());
        }
        Ok(validator)
    }
}

/// An OpenAPI 3.0 schema as JSON Schema draft 4: `nullable` made a type
/// (or a `null` alternative where there is no type), `readOnly` properties
/// taken out of `required`; every subschema likewise. Property names are
/// never taken for keywords.
pub fn to_json_schema(schema: &Value) -> Value {
    let Value::Object(object) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in object {
        let rewritten = match key.as_str() {
            "properties" | "patternProperties" | "definitions" => match value {
                Value::Object(properties) => Value::Object(
                    properties
                        .iter()
                        .map(|(name, s)| (name.clone(), to_json_schema(s)))
                        .collect(),
                ),
                other => other.clone(),
            },
            "items" | "additionalProperties" | "not" => to_json_schema(value),
            "allOf" | "anyOf" | "oneOf" => match value {
                Value::Array(list) => Value::Array(list.iter().map(to_json_schema).collect()),
                other => other.clone(),
            },
            _ => value.clone(),
        };
        // Pinterest's descriptions list overlapping alternatives under
        // `oneOf` (a Pin's standard and video metric types share
        // `IMPRESSION`), and the API takes a value more than one of them
        // describes: read as `anyOf`, as the connector reads it.
        let key = if key == "oneOf" {
            "anyOf"
        } else {
            key.as_str()
        };
        out.insert(key.to_owned(), rewritten);
    }
    // JSON Schema has no discriminator: where OpenAPI's names the property
    // and the value that select each alternative, say so in the schema, or
    // two alternatives a value of the discriminating property tells apart
    // would both match.
    if let Some(discriminator) = object.get("discriminator")
        && let Some(property) = discriminator.get("propertyName").and_then(Value::as_str)
        && let Some(mapping) = discriminator.get("mapping").and_then(Value::as_object)
        && let Some(Value::Array(alternatives)) = out.get_mut("anyOf")
    {
        for alternative in alternatives.iter_mut() {
            let Some(target) = alternative.get("$ref").and_then(Value::as_str) else {
                continue;
            };
            let values: Vec<Value> = mapping
                .iter()
                .filter(|(_, to)| to.as_str() == Some(target))
                .map(|(value, _)| Value::String(value.clone()))
                .collect();
            if !values.is_empty() {
                *alternative = json!({ "allOf": [
                    alternative.clone(),
                    { "required": [property], "properties": { property: { "enum": values } } },
                ] });
            }
        }
    }
    // A request never has to send what the server alone writes.
    let read_only: Vec<String> = object
        .get("properties")
        .and_then(Value::as_object)
        .map(|properties| {
            properties
                .iter()
                .filter(|(_, s)| s.get("readOnly").and_then(Value::as_bool) == Some(true))
                .map(|(name, _)| name.clone())
                .collect()
        })
        .unwrap_or_default();
    if let Some(Value::Array(required)) = out.get_mut("required") {
        required.retain(|name| {
            name.as_str()
                .is_none_or(|n| !read_only.iter().any(|r| r == n))
        });
        if required.is_empty() {
            out.remove("required");
        }
    }
    // Draft 4 ignores the keywords beside a `$ref`; OpenAPI 3.1, JSON
    // Schema 2019-09 and Prism apply them, and Pinterest's descriptions mean
    // them (`{"$ref": …, "required": […]}`): both, as one `allOf`.
    if out.contains_key("$ref")
        && out
            .keys()
            .any(|k| !["$ref", "default", "title", "description", "example"].contains(&k.as_str()))
    {
        let reference = out.remove("$ref").unwrap_or(Value::Null);
        let nullable = out.remove("nullable").and_then(|n| n.as_bool()) == Some(true);
        let both = json!({ "allOf": [{ "$ref": reference }, Value::Object(out)] });
        return if nullable {
            json!({ "anyOf": [both, { "type": "null" }] })
        } else {
            both
        };
    }
    if out.remove("nullable").and_then(|n| n.as_bool()) != Some(true) {
        return Value::Object(out);
    }
    if let Some(Value::Array(choices)) = out.get_mut("enum")
        && !choices.contains(&Value::Null)
    {
        choices.push(Value::Null);
    }
    match out.get("type").cloned() {
        Some(Value::String(kind)) => {
            out.insert("type".into(), json!([kind, "null"]));
            Value::Object(out)
        }
        _ if out.contains_key("enum") => Value::Object(out),
        _ => json!({ "anyOf": [Value::Object(out), { "type": "null" }] }),
    }
}

#[cfg(test)]
#[path = "oracle_tests.rs"]
mod tests;
