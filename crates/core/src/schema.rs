//! Checking values against the OpenAPI 3.0 schemas of a catalog.
//!
//! The subset Pinterest's descriptions use: `$ref` into the component
//! schemas, `type` (with `nullable`), `enum`, string lengths and `pattern`,
//! numeric bounds, array items and counts, object `required`, `properties`,
//! `additionalProperties`, `minProperties` and `maxProperties`, and
//! `allOf` / `anyOf` / `oneOf` (with a `discriminator` when there is one). `readOnly` properties are never
//! required of a request. Every refusal names the field by its path
//! (`body.media_source.url`) and the rule it broke.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::catalog::Schemas;
use crate::error::ConnectorError;

/// Nesting deeper than this is refused rather than followed, so that a
/// recursive schema or a hostile value cannot exhaust the stack.
pub(crate) const MAX_DEPTH: usize = 64;

/// Where references point: into an OpenAPI description's component schemas,
/// or into the `$defs` of an input schema made by
/// [`Catalog::input_schema`](crate::catalog::Catalog::input_schema).
const REF_PREFIXES: &[&str] = &["#/components/schemas/", "#/$defs/"];

/// Where a [`Validator`] looks up the schemas `$ref`s name.
pub trait SchemaLookup {
    /// The schema called `name`.
    fn schema(&self, name: &str) -> Option<&Value>;
}

impl SchemaLookup for BTreeMap<String, Value> {
    fn schema(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

impl SchemaLookup for Schemas {
    fn schema(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

/// Checks values against schemas that may refer to `schemas`.
#[derive(Clone, Copy)]
pub struct Validator<'a> {
    schemas: &'a dyn SchemaLookup,
}

impl std::fmt::Debug for Validator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator").finish_non_exhaustive()
    }
}

impl<'a> Validator<'a> {
    /// A validator resolving `$ref`s in `schemas` (a catalog's component
    /// schemas, by name).
    pub fn new(schemas: &'a dyn SchemaLookup) -> Self {
        Validator { schemas }
    }

    /// Checks `value`; `field` names it in errors.
    pub fn validate(
        &self,
        field: &str,
        schema: &Value,
        value: &Value,
    ) -> Result<(), ConnectorError> {
        self.check(field, schema, value, 0)
    }

    /// Turns a path or query value given as text into the JSON value its
    /// schema's type calls for, then checks it.
    pub(crate) fn validate_text(
        &self,
        field: &str,
        schema: &Value,
        text: &str,
    ) -> Result<(), ConnectorError> {
        let schema = self.resolve(field, schema, 0)?;
        let value = match schema_type(schema) {
            Some("integer") => text.parse::<i64>().map(Value::from).map_err(|_| {
                ConnectorError::invalid(field, format!("`{text}` is not an integer"))
            })?,
            Some("number") => text
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))
                .ok_or_else(|| {
                    ConnectorError::invalid(field, format!("`{text}` is not a number"))
                })?,
            Some("boolean") => match text {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => {
                    return Err(ConnectorError::invalid(
                        field,
                        format!("`{text}` is not `true` or `false`"),
                    ));
                }
            },
            _ => Value::String(text.to_owned()),
        };
        self.check(field, schema, &value, 0)
    }

    /// Follows `$ref`s to the schema they name.
    pub fn resolve<'s>(
        &'s self,
        field: &str,
        schema: &'s Value,
        depth: usize,
    ) -> Result<&'s Value, ConnectorError>
    where
        'a: 's,
    {
        let mut schema = schema;
        for _ in depth..MAX_DEPTH {
            let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
                return Ok(schema);
            };
            schema = self.referenced(field, reference)?;
        }
        Err(too_deep(field))
    }

    fn check(
        &self,
        field: &str,
        schema: &Value,
        value: &Value,
        depth: usize,
    ) -> Result<(), ConnectorError> {
        if depth >= MAX_DEPTH {
            return Err(too_deep(field));
        }
        if let Some(reference) = constrained_ref(schema) {
            // Beside a `$ref`, other keywords constrain the value as well
            // (JSON Schema 2019-09 and later; Pinterest's descriptions mean
            // it: `{"$ref": …, "required": […]}`). `nullable: true` there
            // lets `null` through, as OpenAPI 3.0 tools read it.
            if value.is_null() && schema.get("nullable").and_then(Value::as_bool) == Some(true) {
                return Ok(());
            }
            self.check(field, self.referenced(field, reference)?, value, depth + 1)?;
            return self.check_rules(field, schema, value, depth);
        }
        let schema = self.resolve(field, schema, depth)?;
        self.check_rules(field, schema, value, depth)
    }

    /// The schema `reference` names.
    fn referenced(&self, field: &str, reference: &str) -> Result<&'a Value, ConnectorError> {
        REF_PREFIXES
            .iter()
            .find_map(|prefix| reference.strip_prefix(prefix))
            .and_then(|name| self.schemas.schema(name))
            .ok_or_else(|| {
                ConnectorError::invalid(
                    field,
                    format!("the description refers to an unknown schema `{reference}`"),
                )
            })
    }

    /// Checks `value` against the keywords of `schema` itself (a `$ref`
    /// among them is not followed here).
    fn check_rules(
        &self,
        field: &str,
        schema: &Value,
        value: &Value,
        depth: usize,
    ) -> Result<(), ConnectorError> {
        let Some(rules) = schema.as_object() else {
            return Ok(());
        };
        if value.is_null() && rules.get("nullable").and_then(Value::as_bool) == Some(true) {
            return Ok(());
        }
        if let Some(all) = rules.get("allOf").and_then(Value::as_array) {
            for part in all {
                self.check(field, part, value, depth + 1)?;
            }
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(options) = rules.get(key).and_then(Value::as_array) {
                self.check_alternatives(field, rules, options, value, depth)?;
            }
        }
        if let Some(expected) = schema_type(schema) {
            check_type(field, expected, value)?;
        }
        if let Some(allowed) = rules.get("enum").and_then(Value::as_array)
            && !allowed.iter().any(|a| a == value)
        {
            let names: Vec<String> = allowed.iter().map(Value::to_string).collect();
            return Err(ConnectorError::invalid(
                field,
                format!("{value} is not one of {}", names.join(", ")),
            ));
        }
        match value {
            Value::String(s) => check_string(field, rules, s),
            Value::Number(n) => check_number(field, rules, n.as_f64().unwrap_or(f64::NAN)),
            Value::Array(items) => self.check_array(field, rules, items, depth),
            Value::Object(object) => self.check_object(field, rules, object, depth),
            _ => Ok(()),
        }
    }

    /// `anyOf` / `oneOf`: the discriminator's choice when it names one,
    /// otherwise at least one alternative must accept the value.
    fn check_alternatives(
        &self,
        field: &str,
        rules: &Map<String, Value>,
        options: &[Value],
        value: &Value,
        depth: usize,
    ) -> Result<(), ConnectorError> {
        if let Some(discriminator) = rules.get("discriminator")
            && let Some(property) = discriminator.get("propertyName").and_then(Value::as_str)
            && let Some(tag) = value.get(property).and_then(Value::as_str)
            && let Some(target) = discriminator.pointer(&format!(
                "/mapping/{}",
                tag.replace('~', "~0").replace('/', "~1")
            ))
        {
            return self.check(
                field,
                &serde_json::json!({ "$ref": target }),
                value,
                depth + 1,
            );
        }
        let mut first_error = None;
        for option in options {
            match self.check(field, option, value, depth + 1) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(ConnectorError::InvalidInput { field, reason }) => Err(ConnectorError::invalid(
                field,
                format!("matches none of the allowed shapes (first: {reason})"),
            )),
            Some(other) => Err(other),
            None => Ok(()),
        }
    }

    fn check_array(
        &self,
        field: &str,
        rules: &Map<String, Value>,
        items: &[Value],
        depth: usize,
    ) -> Result<(), ConnectorError> {
        check_count(field, rules, items.len())?;
        if let Some(item_schema) = rules.get("items") {
            for (i, item) in items.iter().enumerate() {
                self.check(&format!("{field}[{i}]"), item_schema, item, depth + 1)?;
            }
        }
        Ok(())
    }

    fn check_object(
        &self,
        field: &str,
        rules: &Map<String, Value>,
        object: &Map<String, Value>,
        depth: usize,
    ) -> Result<(), ConnectorError> {
        let properties = rules.get("properties").and_then(Value::as_object);
        check_bounds(
            field,
            rules,
            object.len(),
            ["minProperties", "maxProperties"],
            "properties",
        )?;
        if let Some(required) = rules.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                let read_only = properties
                    .and_then(|p| p.get(name))
                    .map(|s| self.is_read_only(field, s, depth))
                    .unwrap_or(false);
                if !object.contains_key(name) && !read_only {
                    return Err(ConnectorError::invalid(
                        format!("{field}.{name}"),
                        "is required",
                    ));
                }
            }
        }
        for (name, value) in object {
            let child = format!("{field}.{name}");
            match (
                properties.and_then(|p| p.get(name)),
                rules.get("additionalProperties"),
            ) {
                (Some(schema), _) => self.check(&child, schema, value, depth + 1)?,
                (None, Some(Value::Bool(false))) => {
                    return Err(ConnectorError::invalid(child, "is not a known property"));
                }
                (None, Some(extra @ Value::Object(_))) => {
                    self.check(&child, extra, value, depth + 1)?
                }
                (None, _) => {}
            }
        }
        Ok(())
    }

    pub(crate) fn is_read_only(&self, field: &str, schema: &Value, depth: usize) -> bool {
        self.resolve(field, schema, depth)
            .ok()
            .and_then(|s| s.get("readOnly"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
}

pub(crate) fn schema_type(schema: &Value) -> Option<&str> {
    schema.get("type").and_then(Value::as_str)
}

fn check_type(field: &str, expected: &str, value: &Value) -> Result<(), ConnectorError> {
    let ok = match expected {
        "string" => value.is_string(),
        "integer" => {
            value.as_i64().is_some()
                || value.as_u64().is_some()
                || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(ConnectorError::invalid(
            field,
            format!(
                "must be {} {expected}, not {}",
                article(expected),
                kind(value)
            ),
        ))
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `minItems` and `maxItems` against a count of items.
pub(crate) fn check_count(
    field: &str,
    rules: &Map<String, Value>,
    count: usize,
) -> Result<(), ConnectorError> {
    check_bounds(field, rules, count, ["minItems", "maxItems"], "items")
}

/// The `[min, max]` keywords of `rules` against a count of `what`.
fn check_bounds(
    field: &str,
    rules: &Map<String, Value>,
    count: usize,
    [min_keyword, max_keyword]: [&str; 2],
    what: &str,
) -> Result<(), ConnectorError> {
    let count = count as u64;
    if let Some(min) = rules.get(min_keyword).and_then(Value::as_u64)
        && count < min
    {
        return Err(ConnectorError::invalid(
            field,
            format!("needs at least {min} {what}"),
        ));
    }
    if let Some(max) = rules.get(max_keyword).and_then(Value::as_u64)
        && count > max
    {
        return Err(ConnectorError::invalid(
            field,
            format!("takes at most {max} {what}"),
        ));
    }
    Ok(())
}

pub(crate) fn check_string(
    field: &str,
    rules: &Map<String, Value>,
    s: &str,
) -> Result<(), ConnectorError> {
    let len = s.chars().count() as u64;
    if let Some(min) = rules.get("minLength").and_then(Value::as_u64)
        && len < min
    {
        return Err(ConnectorError::invalid(
            field,
            format!("must be at least {min} characters long"),
        ));
    }
    if let Some(max) = rules.get("maxLength").and_then(Value::as_u64)
        && len > max
    {
        return Err(ConnectorError::invalid(
            field,
            format!("must be at most {max} characters long"),
        ));
    }
    if let Some(pattern) = rules.get("pattern").and_then(Value::as_str)
        && pattern_matches(pattern, s) == Some(false)
    {
        return Err(ConnectorError::invalid(
            field,
            format!("`{s}` does not match the pattern `{pattern}`"),
        ));
    }
    Ok(())
}

/// Whether `s` matches `pattern` (ECMA-262 regular expressions, as JSON
/// Schema says), or `None` when the pattern cannot be checked here.
///
/// `regex-lite` keeps the component small but has no lookaround, so the
/// one shape Pinterest's descriptions use is rewritten by hand: a leading
/// negative lookahead before an anchored rest, `(?!A)^B` (usernames that
/// are not all digits, `(?!^\d+$)^.+$`), is "A does not match at the start
/// and `^B` matches". Any other lookaround is left unchecked, as is a
/// pattern that does not compile.
fn pattern_matches(pattern: &str, s: &str) -> Option<bool> {
    let is_match = |pattern: &str| regex_lite::Regex::new(pattern).ok().map(|r| r.is_match(s));
    let Some(inner) = pattern.strip_prefix("(?!") else {
        return is_match(pattern);
    };
    let close = closing_paren(inner)?;
    let (excluded, rest) = (&inner[..close], &inner[close + 1..]);
    if !rest.starts_with('^') || excluded.contains("(?") || rest.contains("(?") {
        return None;
    }
    Some(!is_match(&format!("^(?:{excluded})"))? && is_match(rest)?)
}

/// The byte index of the `)` closing a group whose `(` came just before
/// `text`, skipping escaped characters and character classes.
fn closing_paren(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_class = false;
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' => in_class = true,
            ']' => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class && depth == 0 => return Some(i),
            ')' if !in_class => depth -= 1,
            _ => {}
        }
    }
    None
}

fn check_number(field: &str, rules: &Map<String, Value>, n: f64) -> Result<(), ConnectorError> {
    let exclusive = |key: &str| rules.get(key).and_then(Value::as_bool) == Some(true);
    // Bounds are written as the schema wrote them (a `Number`'s own
    // `Display`): formatting them as `f64` would link core's float
    // printing, which serialising JSON does not use (~11 KB of code).
    let bound = |key: &str| {
        let number = rules.get(key).and_then(Value::as_number)?;
        Some((number.as_f64()?, number))
    };
    if let Some((min, shown)) = bound("minimum") {
        if exclusive("exclusiveMinimum") && n <= min {
            return Err(ConnectorError::invalid(
                field,
                format!("must be more than {shown}"),
            ));
        }
        if n < min {
            return Err(ConnectorError::invalid(
                field,
                format!("must be at least {shown}"),
            ));
        }
    }
    if let Some((max, shown)) = bound("maximum") {
        if exclusive("exclusiveMaximum") && n >= max {
            return Err(ConnectorError::invalid(
                field,
                format!("must be less than {shown}"),
            ));
        }
        if n > max {
            return Err(ConnectorError::invalid(
                field,
                format!("must be at most {shown}"),
            ));
        }
    }
    Ok(())
}

/// The reference of a `$ref` that has other keywords beside it (not only
/// annotations a catalog keeps, such as `default`), which then constrain
/// the value too; `None` for a plain reference or none.
pub fn constrained_ref(schema: &Value) -> Option<&str> {
    const ANNOTATIONS: &[&str] = &["$ref", "default", "title", "description", "example"];
    let object = schema.as_object()?;
    let reference = object.get("$ref")?.as_str()?;
    object
        .keys()
        .any(|key| !ANNOTATIONS.contains(&key.as_str()))
        .then_some(reference)
}

fn too_deep(field: &str) -> ConnectorError {
    ConnectorError::invalid(
        field,
        format!("is nested more than {MAX_DEPTH} levels deep"),
    )
}

#[cfg(test)]
#[path = "schema_tests.rs"]
mod tests;
