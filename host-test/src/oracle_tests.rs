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

mod property {
    //! The core's validator and the `jsonschema` crate, compared on
    //! generated values: each case takes one request body or parameter
    //! schema of the embedded catalog, starts from the core's sample of it
    //! (near the edge of what passes) and mutates it a few times at random
    //! places — a member or element removed, a node replaced by arbitrary
    //! JSON, an arbitrary member added — then asks both for a verdict.
    //! Every difference fails the case, and proptest shrinks it to the
    //! smallest value that shows it.

    use std::sync::OnceLock;

    use pinterest_connector_core::catalog::{Catalog, embedded};
    use pinterest_connector_core::schema::Validator;
    use proptest::prelude::*;
    use proptest::sample::Index;

    use super::*;

    /// The schemas compared: (what, schema), bodies and parameters alike.
    fn schemas() -> &'static (SchemaOracle, Vec<(String, Value)>) {
        static SCHEMAS: OnceLock<(SchemaOracle, Vec<(String, Value)>)> = OnceLock::new();
        SCHEMAS.get_or_init(|| {
            let catalog: &Catalog = embedded();
            let description = json!({ "components": { "schemas": catalog
                .schemas
                .iter()
                .map(|(name, schema)| (name.to_owned(), schema.clone()))
                .collect::<Map<String, Value>>() } });
            let mut schemas = Vec::new();
            for op in catalog.operations.iter() {
                if let Some(body) = op
                    .body
                    .as_ref()
                    .filter(|b| b.content_type == "application/json")
                {
                    schemas.push((format!("{} body", op.id), body.schema.clone()));
                }
                for param in &op.params {
                    schemas.push((format!("{} {}", op.id, param.name), param.schema.clone()));
                }
            }
            (SchemaOracle::new(&description), schemas)
        })
    }

    /// Arbitrary JSON, a few levels deep, with strings shaped like the
    /// ones Pinterest's patterns ask for.
    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            (-3i64..300).prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "[A-Za-z0-9_ :/.-]{0,12}".prop_map(Value::from),
            prop_oneof![
                Just("123"),
                Just("2024-01-01"),
                Just("ACTIVE"),
                Just("https://example.com/a.jpg"),
                Just("")
            ]
            .prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z_]{1,10}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// One change to a value.
    #[derive(Debug, Clone)]
    enum Mutation {
        /// Removes the chosen member or element.
        Remove(Index),
        /// Replaces the chosen node.
        Replace(Index, Value),
        /// Adds a member to the chosen object (or an element to an array).
        Insert(Index, String, Value),
    }

    fn any_mutation() -> impl Strategy<Value = Mutation> {
        prop_oneof![
            any::<Index>().prop_map(Mutation::Remove),
            (any::<Index>(), any_json()).prop_map(|(at, v)| Mutation::Replace(at, v)),
            (any::<Index>(), "[a-z_]{1,12}", any_json())
                .prop_map(|(at, k, v)| Mutation::Insert(at, k, v)),
        ]
    }

    /// The JSON pointers of every node of `value`, the root first.
    fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
        out.push(at.clone());
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let key = key.replace('~', "~0").replace('/', "~1");
                    pointers(child, format!("{at}/{key}"), out);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    pointers(child, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }

    fn apply(value: &mut Value, mutation: &Mutation) {
        let mut all = Vec::new();
        pointers(value, String::new(), &mut all);
        let at = |index: &Index| all[index.index(all.len())].clone();
        match mutation {
            Mutation::Remove(index) => {
                let pointer = at(index);
                let Some((parent, last)) = pointer.rsplit_once('/') else {
                    return;
                };
                match value.pointer_mut(parent) {
                    Some(Value::Object(map)) => {
                        map.remove(&last.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(items)) => {
                        if let Ok(i) = last.parse::<usize>() {
                            items.remove(i);
                        }
                    }
                    _ => {}
                }
            }
            Mutation::Replace(index, new) => {
                if let Some(node) = value.pointer_mut(&at(index)) {
                    *node = new.clone();
                }
            }
            Mutation::Insert(index, key, new) => match value.pointer_mut(&at(index)) {
                Some(Value::Object(map)) => {
                    map.insert(key.clone(), new.clone());
                }
                Some(Value::Array(items)) => items.push(new.clone()),
                Some(node) => *node = new.clone(),
                None => {}
            },
        }
    }

    proptest! {
        #[test]
        fn the_core_validator_and_jsonschema_agree_on_mutated_samples(
            which in any::<Index>(),
            mutations in proptest::collection::vec(any_mutation(), 1..4),
        ) {
            let (oracle, schemas) = schemas();
            let (what, schema) = &schemas[which.index(schemas.len())];
            let core = Validator::new(&embedded().schemas);
            let mut value = core.sample(schema);
            for mutation in &mutations {
                apply(&mut value, mutation);
            }
            let by_core = core.validate("value", schema, &value);
            let by_oracle = oracle.check(schema, &value);
            prop_assert_eq!(
                by_core.is_ok(),
                by_oracle.is_ok(),
                "{}: {} — core: {:?}, jsonschema: {:?}",
                what,
                value,
                by_core.err().map(|e| e.to_string()),
                by_oracle.err()
            );
        }
    }
}

/// Every `$ref` with constraining keywords beside it, in a description:
/// where it is (a JSON pointer) and the schema there.
fn refs_with_siblings(value: &Value, at: String, found: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(object) => {
            if pinterest_connector_core::schema::constrained_ref(value).is_some() {
                found.push((at.clone(), value.clone()));
            }
            for (key, inner) in object {
                refs_with_siblings(inner, format!("{at}/{key}"), found);
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                refs_with_siblings(inner, format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

/// Both descriptions' every `$ref` with keywords beside it: the core's
/// validator and `jsonschema` (the mock's reading) agree on each — the
/// core's sample passes both, and the sample without a property the
/// siblings require, or of another JSON type than a sibling `type`, fails
/// both. 5.23.0's Conversions API `user_data` (three references, each with
/// the `required` Pinterest's prose asks for) is among them.
#[test]
fn every_ref_with_siblings_in_both_descriptions_is_read_alike() {
    use pinterest_connector_core::schema::Validator;

    let mut seen = Vec::new();
    for file in ["pinterest-v5.11.0.json", "pinterest-v5.23.0.json"] {
        let text = crate::shared_openapi(file).expect("../shared/openapi is beside the workspace");
        let description: Value = serde_json::from_str(&text).expect("JSON");
        let schemas: std::collections::BTreeMap<String, Value> =
            description["components"]["schemas"]
                .as_object()
                .expect("component schemas")
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
        let core = Validator::new(&schemas);
        let oracle = SchemaOracle::new(&description);
        let mut found = Vec::new();
        refs_with_siblings(
            &description["components"]["schemas"],
            String::new(),
            &mut found,
        );
        assert!(!found.is_empty(), "{file}: none found");
        for (at, schema) in &found {
            let sample = core.sample(schema);
            assert_eq!(
                core.validate("v", schema, &sample),
                Ok(()),
                "{file}{at}: core refuses its sample"
            );
            assert_eq!(
                oracle.accepts(schema, &sample),
                Ok(true),
                "{file}{at}: jsonschema refuses {sample}"
            );
            let mut broken = Vec::new();
            for name in schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if let Value::Object(mut object) = sample.clone() {
                    object.remove(name);
                    broken.push(Value::Object(object));
                }
            }
            if schema.get("type").is_some() && !sample.is_null() {
                broken.push(other_type(&sample));
            }
            for value in broken {
                let by_core = core.validate("v", schema, &value).is_ok();
                let by_oracle = oracle.accepts(schema, &value).unwrap();
                assert!(
                    !by_core && !by_oracle,
                    "{file}{at}: {value} (core {by_core}, jsonschema {by_oracle})"
                );
            }
            seen.push(format!("{file}{at}"));
        }
    }
    for alternative in 0..3 {
        let at = format!("pinterest-v5.23.0.json/ConversionEventsUserData/anyOf/{alternative}");
        assert!(seen.contains(&at), "{at} is listed: {seen:#?}");
    }
    eprintln!("{} references with siblings read alike", seen.len());
}
