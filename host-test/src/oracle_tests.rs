use super::*;

#[test]
fn nullable_becomes_a_null_type_and_read_only_is_never_required() {
    let schema = json!({
        "type": "object",
        "required": ["id", "name"],
        "properties": {
            "id": {"type": "string", "readOnly": true},
            "name": {"type": "string", "nullable": true},
            "nullable": {"type": "integer"},
            "kind": {"enum": ["a", "b"], "nullable": true},
            "ref": {"allOf": [{"$ref": "#/components/schemas/X"}], "nullable": true}
        }
    });
    let rewritten = to_json_schema(&schema);
    assert_eq!(rewritten["required"], json!(["name"]));
    assert_eq!(
        rewritten["properties"]["name"]["type"],
        json!(["string", "null"])
    );
    assert_eq!(
        rewritten["properties"]["nullable"],
        json!({"type": "integer"})
    );
    assert_eq!(
        rewritten["properties"]["kind"]["enum"],
        json!(["a", "b", null])
    );
    assert_eq!(
        rewritten["properties"]["ref"]["anyOf"][1],
        json!({"type": "null"})
    );
}

#[test]
fn references_resolve_in_the_description() {
    let description = json!({
        "components": {"schemas": {
            "Pin": {"type": "object", "required": ["board_id"],
                    "properties": {"board_id": {"type": "string", "pattern": "^\\d+$"},
                                   "note": {"type": "string", "nullable": true}}}
        }}
    });
    let oracle = SchemaOracle::new(&description);
    let pin = json!({"$ref": "#/components/schemas/Pin"});
    assert_eq!(oracle.accepts(&pin, &json!({"board_id": "12"})), Ok(true));
    assert_eq!(
        oracle.accepts(&pin, &json!({"board_id": "12", "note": null})),
        Ok(true)
    );
    assert_eq!(oracle.accepts(&pin, &json!({"board_id": "x"})), Ok(false));
    assert_eq!(oracle.accepts(&pin, &json!({})), Ok(false));
    assert!(oracle.check(&pin, &json!({"board_id": 12})).is_err());
}

/// Values of another JSON type than `value`'s.
fn other_type(value: &Value) -> Value {
    match value {
        Value::String(_) => json!(12345),
        Value::Number(_) => json!("not a number"),
        Value::Bool(_) => json!("not a boolean"),
        Value::Array(_) => json!({"not": "an array"}),
        Value::Object(_) => json!("not an object"),
        Value::Null => json!([1, 2]),
    }
}

/// The core's validator and the `jsonschema` crate judge the same values
/// alike, on every request body schema of the embedded 5.11.0 catalog: the
/// core's own sample of each (both must accept it), then each sample with
/// one property removed, one property of another JSON type, and one
/// property the schema does not name. Differences are listed by operation
/// and mutation; those understood are the `EXPECTED` ones below.
#[test]
fn the_core_validator_agrees_with_jsonschema_on_every_request_body() {
    use pinterest_connector_core::catalog::embedded;
    use pinterest_connector_core::schema::Validator;

    let catalog = embedded();
    let description = json!({ "components": { "schemas": catalog
        .schemas
        .iter()
        .map(|(name, schema)| (name.to_owned(), schema.clone()))
        .collect::<Map<String, Value>>() } });
    let oracle = SchemaOracle::new(&description);
    let core = Validator::new(&catalog.schemas);

    let mut bodies = 0;
    let mut compared = 0;
    let mut differences: Vec<String> = Vec::new();
    for op in catalog.operations.iter() {
        let Some(body) = &op.body else { continue };
        if body.content_type != "application/json" {
            continue;
        }
        bodies += 1;
        let sample = core.sample(&body.schema);
        let mut values: Vec<(String, Value)> = vec![("the sample".into(), sample.clone())];
        if let Value::Object(object) = &sample {
            for (name, property) in object {
                let mut without = object.clone();
                without.remove(name);
                values.push((format!("without `{name}`"), Value::Object(without)));
                let mut retyped = object.clone();
                retyped.insert(name.clone(), other_type(property));
                values.push((format!("`{name}` of another type"), Value::Object(retyped)));
            }
            let mut extra = object.clone();
            extra.insert("zz_not_in_the_schema".into(), json!(1));
            values.push(("with an unknown property".into(), Value::Object(extra)));
        }
        for (what, value) in values {
            compared += 1;
            let by_core = core.validate("body", &body.schema, &value).is_ok();
            let by_oracle = oracle
                .accepts(&body.schema, &value)
                .unwrap_or_else(|e| panic!("{}: {e}", op.id));
            if what == "the sample" {
                assert!(by_core, "{}: the core refuses its own sample", op.id);
            }
            if by_core != by_oracle {
                differences.push(format!(
                    "{} {what}: core {}, jsonschema {}",
                    op.id,
                    if by_core { "accepts" } else { "refuses" },
                    if by_oracle { "accepts" } else { "refuses" }
                ));
            }
        }
    }
    assert!(bodies > 40, "{bodies} JSON bodies");
    assert!(compared > 200, "{compared} values compared");
    assert!(
        differences.is_empty(),
        "{} of {compared} verdicts differ:\n{}",
        differences.len(),
        differences.join("\n")
    );
}

#[test]
fn a_discriminator_tells_alternatives_apart() {
    let description = json!({
        "components": {"schemas": {
            "Retail": {"type": "object", "required": ["kind"], "additionalProperties": false,
                       "properties": {"kind": {"enum": ["RETAIL", "HOTEL"]}, "sku": {"type": "string"}}},
            "Hotel": {"type": "object", "required": ["kind"], "additionalProperties": false,
                      "properties": {"kind": {"enum": ["RETAIL", "HOTEL"]}, "rooms": {"type": "integer"}}},
            "Either": {"oneOf": [{"$ref": "#/components/schemas/Retail"}, {"$ref": "#/components/schemas/Hotel"}],
                       "discriminator": {"propertyName": "kind", "mapping": {
                           "RETAIL": "#/components/schemas/Retail", "HOTEL": "#/components/schemas/Hotel"}}}
        }}
    });
    let oracle = SchemaOracle::new(&description);
    let either = json!({"$ref": "#/components/schemas/Either"});
    // Both alternatives would match without the discriminator.
    assert_eq!(
        oracle.accepts(&either, &json!({"kind": "RETAIL"})),
        Ok(true)
    );
    assert_eq!(
        oracle.accepts(&either, &json!({"kind": "HOTEL", "rooms": 3})),
        Ok(true)
    );
    assert_eq!(
        oracle.accepts(&either, &json!({"kind": "RETAIL", "rooms": 3})),
        Ok(false)
    );
}
