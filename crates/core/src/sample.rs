//! Small values a schema accepts, for tests and mocks that call every
//! endpoint of a description (the `sample` feature; the component does not
//! carry it).

use serde_json::{Map, Value};

use crate::schema::{MAX_DEPTH, Validator, check_string, constrained_ref, schema_type};

impl<'a> Validator<'a> {
    /// A small value `schema` accepts: the first `enum` member, the lower
    /// numeric bound, a string that fits the pattern and lengths, the
    /// required properties of an object (never `readOnly` ones), the fewest
    /// items an array may hold. The conformance tests call every endpoint with
    /// them; the spec-driven mock answers with them.
    pub fn sample(&self, schema: &Value) -> Value {
        self.sample_at(schema, 0)
    }

    fn sample_at(&self, schema: &Value, depth: usize) -> Value {
        if depth >= MAX_DEPTH {
            return Value::Null;
        }
        if constrained_ref(schema).is_some() {
            // The keywords beside a `$ref` constrain the value too: the
            // referenced schema's sample, with what they require added.
            let Ok(target) = self.resolve("sample", schema, depth) else {
                return Value::Null;
            };
            return match self.sample_at(target, depth + 1) {
                Value::Object(mut object) => {
                    for (name, value) in self.sample_required(schema, schema, depth) {
                        object.entry(name).or_insert(value);
                    }
                    Value::Object(object)
                }
                other => other,
            };
        }
        let Ok(schema) = self.resolve("sample", schema, depth) else {
            return Value::Null;
        };
        if let Some(first) = schema
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            return first.clone();
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            // The parts of an `allOf` describe one value: a property one part
            // requires may be defined by another.
            let mut merged = Map::new();
            let mut other = None;
            for part in all.iter().chain(std::iter::once(schema)) {
                let part = self.resolve("sample", part, depth).unwrap_or(part);
                if part.get("required").is_some() {
                    merged.extend(self.sample_required(part, schema, depth));
                } else if !std::ptr::eq(part, schema) {
                    match self.sample_at(part, depth + 1) {
                        Value::Object(fields) => merged.extend(fields),
                        // The first part that yields a scalar carries its
                        // constraints (`enum` first); later parts only
                        // annotate.
                        value => {
                            other.get_or_insert(value);
                        }
                    }
                }
            }
            return match other {
                Some(value) if merged.is_empty() => value,
                _ => Value::Object(merged),
            };
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(options) = schema.get(key).and_then(Value::as_array) {
                return self.sample_alternative(schema, options, depth);
            }
        }
        match schema_type(schema) {
            Some(kind @ ("integer" | "number")) => {
                let min = schema.get("minimum").and_then(Value::as_f64);
                let max = schema.get("maximum").and_then(Value::as_f64);
                let n = match (min, max) {
                    (Some(min), _) => min,
                    (None, Some(max)) if max < 1.0 => max,
                    _ => 1.0,
                };
                if kind == "integer" {
                    Value::from(n.ceil() as i64)
                } else {
                    serde_json::Number::from_f64(n).map_or(Value::from(1), Value::Number)
                }
            }
            Some("boolean") => Value::Bool(true),
            Some("array") => {
                let count = schema
                    .get("minItems")
                    .and_then(Value::as_u64)
                    .unwrap_or(1)
                    .max(1);
                let item = schema
                    .get("items")
                    .map_or(Value::Null, |i| self.sample_at(i, depth + 1));
                Value::Array(vec![item; count as usize])
            }
            Some("object") => self.sample_object(schema, depth),
            None if schema.get("properties").is_some() => self.sample_object(schema, depth),
            _ => Value::String(sample_string(schema)),
        }
    }

    /// A sample of the first alternative (the discriminator's first mapping
    /// when there is one, with its tag set), plus what the enclosing schema
    /// itself requires.
    fn sample_alternative(&self, schema: &Value, options: &[Value], depth: usize) -> Value {
        let discriminator = schema.get("discriminator");
        let tagged = discriminator.and_then(|d| {
            let property = d.get("propertyName")?.as_str()?;
            let (tag, target) = d.get("mapping")?.as_object()?.iter().next()?;
            Some((property, tag.clone(), serde_json::json!({ "$ref": target })))
        });
        let chosen = match &tagged {
            Some((_, _, target)) => self.sample_at(target, depth + 1),
            None => options
                .first()
                .map_or(Value::Null, |o| self.sample_at(o, depth + 1)),
        };
        let Value::Object(mut object) = chosen else {
            return chosen;
        };
        for (name, value) in self.sample_required(schema, schema, depth) {
            object.entry(name).or_insert(value);
        }
        if let Some((property, tag, _)) = tagged {
            object.insert(property.to_owned(), Value::String(tag));
        }
        Value::Object(object)
    }

    fn sample_object(&self, schema: &Value, depth: usize) -> Value {
        let mut object = self.sample_required(schema, schema, depth);
        // `minProperties` beyond the required ones: entries of the
        // `additionalProperties` schema (a map such as `{asset_id: role}`).
        let min = schema
            .get("minProperties")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let extra = match schema.get("additionalProperties") {
            Some(extra @ Value::Object(_)) => extra.clone(),
            _ => Value::Object(Map::new()),
        };
        let mut n = 1;
        while (object.len() as u64) < min {
            object.insert(format!("key{n}"), self.sample_at(&extra, depth + 1));
            n += 1;
        }
        Value::Object(object)
    }

    /// Samples of the properties `schema` requires (never `readOnly` ones),
    /// looking their schemas up in `root` and its `allOf` parts.
    fn sample_required(&self, schema: &Value, root: &Value, depth: usize) -> Map<String, Value> {
        let mut object = Map::new();
        let required = schema.get("required").and_then(Value::as_array);
        for name in required.into_iter().flatten().filter_map(Value::as_str) {
            let property = self
                .property_schema(root, name, depth)
                .unwrap_or(&Value::Null);
            if !self.is_read_only("sample", property, depth) {
                object.insert(name.to_owned(), self.sample_at(property, depth + 1));
            }
        }
        object
    }

    /// The schema of property `name` in `schema` or any of its `allOf`,
    /// `oneOf` or `anyOf` parts.
    pub fn property_schema<'s>(
        &'s self,
        schema: &'s Value,
        name: &str,
        depth: usize,
    ) -> Option<&'s Value>
    where
        'a: 's,
    {
        if depth >= MAX_DEPTH {
            return None;
        }
        let schema = self.resolve("sample", schema, depth).ok()?;
        if let Some(found) = schema.get("properties").and_then(|p| p.get(name)) {
            return Some(found);
        }
        ["allOf", "oneOf", "anyOf"]
            .iter()
            .filter_map(|key| schema.get(*key).and_then(Value::as_array))
            .flatten()
            .find_map(|part| self.property_schema(part, name, depth + 1))
    }
}

/// A string that fits the schema's pattern and lengths, from a few shapes
/// Pinterest's patterns ask for (ids, dates, times, URLs).
fn sample_string(schema: &Value) -> String {
    const CANDIDATES: &[&str] = &[
        "123",
        "2024-01-01",
        "2024-01-01T00:00:00.000Z",
        "12:00",
        "https://example.com/a.jpg",
        "abc",
    ];
    let rules = schema.as_object().cloned().unwrap_or_default();
    if let Some(found) = CANDIDATES
        .iter()
        .find(|s| check_string("sample", &rules, s).is_ok())
    {
        return (*found).to_owned();
    }
    let min = rules
        .get("minLength")
        .and_then(Value::as_u64)
        .unwrap_or(1)
        .max(1);
    "1".repeat(min as usize)
}
