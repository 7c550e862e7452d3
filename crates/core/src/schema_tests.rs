use super::*;
use serde_json::json;

fn schemas() -> BTreeMap<String, Value> {
    let mut s = BTreeMap::new();
    s.insert(
        "Media".into(),
        json!({"type": "object", "required": ["source_type", "url"], "properties": {
            "source_type": {"type": "string", "enum": ["image_url", "video_id"]},
            "url": {"type": "string", "pattern": "^(http|https)://"}}}),
    );
    s.insert(
        "Create".into(),
        json!({"type": "object", "required": ["board_id", "media", "id"], "additionalProperties": false, "properties": {
            "id": {"type": "string", "readOnly": true},
            "board_id": {"type": "string", "pattern": "^\\d+$", "maxLength": 18},
            "title": {"type": "string", "nullable": true, "maxLength": 5},
            "count": {"type": "integer", "minimum": 1, "maximum": 3},
            "tags": {"type": "array", "maxItems": 2, "items": {"type": "string"}},
            "media": {"$ref": "#/components/schemas/Media"}}}),
    );
    s.insert(
        "Loop".into(),
        json!({"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Loop"}}}),
    );
    s.insert(
        "Feed".into(),
        json!({"oneOf": [{"$ref": "#/components/schemas/Media"}, {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string", "enum": ["X"]}}}],
               "discriminator": {"propertyName": "source_type", "mapping": {"image_url": "#/components/schemas/Media"}}}),
    );
    s
}

fn check(schema: &str, value: Value) -> Result<(), (String, String)> {
    let s = schemas();
    Validator::new(&s)
        .validate(
            "body",
            &json!({"$ref": format!("#/components/schemas/{schema}")}),
            &value,
        )
        .map_err(|e| match e {
            ConnectorError::InvalidInput { field, reason } => (field, reason),
            other => panic!("{other:?}"),
        })
}

fn good() -> Value {
    json!({"board_id": "123", "media": {"source_type": "image_url", "url": "https://x/y.jpg"}})
}

#[test]
fn a_valid_body_passes_and_read_only_properties_are_not_required() {
    assert_eq!(check("Create", good()), Ok(()));
    let mut with_extras = good();
    with_extras["title"] = Value::Null;
    with_extras["count"] = json!(3);
    with_extras["tags"] = json!(["a", "b"]);
    assert_eq!(check("Create", with_extras), Ok(()));
}

#[test]
fn each_rule_names_the_field() {
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"media": good()["media"]}),
            "body.board_id",
            "is required",
        ),
        (
            json!({"board_id": 123, "media": good()["media"]}),
            "body.board_id",
            "must be a string",
        ),
        (
            json!({"board_id": "12a", "media": good()["media"]}),
            "body.board_id",
            "pattern",
        ),
        (
            json!({"board_id": "1234567890123456789", "media": good()["media"]}),
            "body.board_id",
            "at most 18",
        ),
        (
            json!({"board_id": "1", "media": {"source_type": "gif", "url": "https://x"}}),
            "body.media.source_type",
            "not one of",
        ),
        (
            json!({"board_id": "1", "media": {"source_type": "image_url"}}),
            "body.media.url",
            "is required",
        ),
        (
            json!({"board_id": "1", "media": good()["media"], "count": 0}),
            "body.count",
            "at least 1",
        ),
        (
            json!({"board_id": "1", "media": good()["media"], "count": 1.5}),
            "body.count",
            "must be an integer",
        ),
        (
            json!({"board_id": "1", "media": good()["media"], "tags": ["a", "b", "c"]}),
            "body.tags",
            "at most 2",
        ),
        (
            json!({"board_id": "1", "media": good()["media"], "tags": ["a", 2]}),
            "body.tags[1]",
            "must be a string",
        ),
        (
            json!({"board_id": "1", "media": good()["media"], "colour": "red"}),
            "body.colour",
            "not a known property",
        ),
        (json!([1]), "body", "must be an object"),
    ];
    for (value, field, reason) in cases {
        let (got_field, got_reason) = check("Create", value.clone()).expect_err(&value.to_string());
        assert_eq!(got_field, field, "{value}");
        assert!(got_reason.contains(reason), "{value}: {got_reason}");
    }
}

#[test]
fn alternatives_and_discriminators() {
    assert_eq!(check("Feed", json!({"kind": "X"})), Ok(()));
    assert_eq!(check("Feed", good()["media"].clone()), Ok(()));
    let (field, _) = check("Feed", json!({"source_type": "image_url"})).unwrap_err();
    assert_eq!(field, "body.url", "the discriminator picks the Media shape");
    let (_, reason) = check("Feed", json!({"kind": "Y"})).unwrap_err();
    assert!(reason.contains("none of the allowed shapes"), "{reason}");
}

#[test]
fn deep_values_are_refused_not_overflowing() {
    let mut value = json!({});
    for _ in 0..200 {
        value = json!({ "next": value });
    }
    let (_, reason) = check("Loop", value).unwrap_err();
    assert!(reason.contains("levels deep"), "{reason}");
}

#[test]
fn text_values_are_typed_by_their_schema() {
    let s = schemas();
    let v = Validator::new(&s);
    let int = json!({"type": "integer", "minimum": 1});
    assert!(v.validate_text("q", &int, "5").is_ok());
    assert!(v.validate_text("q", &int, "0").is_err());
    assert!(v.validate_text("q", &int, "x").is_err());
    assert!(
        v.validate_text("q", &json!({"type": "boolean"}), "yes")
            .is_err()
    );
    assert!(
        v.validate_text("q", &json!({"type": "number"}), "1.5")
            .is_ok()
    );
    assert!(
        v.validate_text("q", &json!({"type": "number"}), "NaN")
            .is_err()
    );
    assert!(
        v.validate_text("q", &json!({"type": "string", "pattern": "^\\d+$"}), "12")
            .is_ok()
    );
    assert!(
        v.validate_text("q", &json!({"type": "string", "pattern": "^\\d+$"}), "1a")
            .is_err()
    );
}

#[test]
fn samples_pass_their_own_schema() {
    let s = schemas();
    let v = Validator::new(&s);
    for name in ["Create", "Media", "Feed", "Loop"] {
        let schema = json!({"$ref": format!("#/components/schemas/{name}")});
        let sample = v.sample(&schema);
        assert_eq!(
            v.validate("body", &schema, &sample),
            Ok(()),
            "{name}: {sample}"
        );
    }
    assert_eq!(
        v.sample(&json!({"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"})),
        json!("2024-01-01")
    );
    assert_eq!(
        v.sample(&json!({"type": "integer", "minimum": 5})),
        json!(5)
    );
    assert_eq!(
        v.sample(&json!({"type": "array", "minItems": 2, "items": {"type": "boolean"}})),
        json!([true, true])
    );
}

#[test]
fn every_request_body_of_the_embedded_catalog_has_a_valid_sample() {
    let catalog = crate::catalog::embedded();
    let v = Validator::new(&catalog.schemas);
    for op in &catalog.operations {
        if let Some(body) = &op.body {
            let sample = v.sample(&body.schema);
            assert_eq!(
                v.validate("body", &body.schema, &sample),
                Ok(()),
                "{}: {sample}",
                op.id
            );
        }
        for p in &op.params {
            let sample = v.sample(&p.schema);
            assert_eq!(
                v.validate(&p.name, &p.schema, &sample),
                Ok(()),
                "{} {}: {sample}",
                op.id,
                p.name
            );
        }
    }
}

#[test]
fn property_counts_are_checked_and_sampled() {
    let schemas = BTreeMap::new();
    let v = Validator::new(&schemas);
    let map = json!({
        "type": "object",
        "minProperties": 1,
        "maxProperties": 2,
        "additionalProperties": {"enum": ["ADMIN", "ANALYST"]}
    });
    assert!(matches!(
        v.validate("body.access", &map, &json!({})),
        Err(ConnectorError::InvalidInput { ref field, ref reason })
            if field == "body.access" && reason.contains("at least 1")
    ));
    assert!(v.validate("b", &map, &json!({"1": "ADMIN"})).is_ok());
    assert!(
        v.validate(
            "b",
            &map,
            &json!({"1": "ADMIN", "2": "ADMIN", "3": "ADMIN"})
        )
        .is_err()
    );
    let sample = v.sample(&map);
    assert_eq!(sample, json!({"key1": "ADMIN"}));
    assert!(v.validate("b", &map, &sample).is_ok());
}

#[test]
fn a_leading_negative_lookahead_is_checked() {
    let s = BTreeMap::new();
    let v = Validator::new(&s);
    // Pinterest's usernames: anything but all digits.
    let username = json!({"type": "string", "pattern": "(?!^\\d+$)^.+$"});
    assert!(
        v.validate("username", &username, &json!("pinterest"))
            .is_ok()
    );
    assert!(v.validate("username", &username, &json!("a123")).is_ok());
    match v.validate("username", &username, &json!("123")) {
        Err(ConnectorError::InvalidInput { field, reason }) => {
            assert_eq!(field, "username");
            assert!(reason.contains("does not match"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(v.validate("username", &username, &json!("")).is_err());
    // Other lookarounds are not checked rather than misjudged.
    let behind = json!({"type": "string", "pattern": "(?<=a)b"});
    assert!(v.validate("x", &behind, &json!("zz")).is_ok());
    let unanchored = json!({"type": "string", "pattern": "(?!a)b"});
    assert!(v.validate("x", &unanchored, &json!("zz")).is_ok());
}

#[test]
fn a_number_out_of_bounds_names_the_bound_as_the_schema_wrote_it() {
    let s = schemas();
    let v = Validator::new(&s);
    let reason = |schema: Value, value: Value| match v.validate("q", &schema, &value) {
        Err(ConnectorError::InvalidInput { reason, .. }) => reason,
        other => panic!("{other:?}"),
    };
    let count = json!({"type": "integer", "minimum": 1, "maximum": 3});
    assert_eq!(reason(count.clone(), json!(0)), "must be at least 1");
    assert_eq!(reason(count, json!(4)), "must be at most 3");
    let share = json!({"type": "number", "minimum": 0.5, "maximum": 2.5,
                       "exclusiveMinimum": true, "exclusiveMaximum": true});
    assert_eq!(reason(share.clone(), json!(0.5)), "must be more than 0.5");
    assert_eq!(reason(share.clone(), json!(2.5)), "must be less than 2.5");
    assert!(v.validate("q", &share, &json!(1.25)).is_ok());
    let big = json!({"type": "integer", "maximum": 10_000_000_000_i64});
    assert_eq!(
        reason(big, json!(10_000_000_001_i64)),
        "must be at most 10000000000"
    );
}

/// Pinterest 5.23.0's `ConversionEventsUserData`: `anyOf` of references to
/// one schema, each with the `required` it adds beside the `$ref`.
fn user_data_schemas() -> BTreeMap<String, Value> {
    let mut schemas = BTreeMap::new();
    schemas.insert(
        "Props".to_owned(),
        json!({"type": "object", "properties": {
            "em": {"type": "array", "items": {"type": "string"}},
            "client_ip_address": {"type": "string"},
            "client_user_agent": {"type": "string"},
        }}),
    );
    schemas
}

#[test]
fn the_keywords_beside_a_ref_constrain_the_value_too() {
    let schemas = user_data_schemas();
    let validator = Validator::new(&schemas);
    let user_data = json!({"anyOf": [
        {"$ref": "#/components/schemas/Props", "required": ["em"]},
        {"$ref": "#/components/schemas/Props", "required": ["client_ip_address", "client_user_agent"]},
    ]});
    let none = validator.validate("body.user_data", &user_data, &json!({}));
    let Err(ConnectorError::InvalidInput { field, reason }) = none else {
        panic!("a user_data with none of them passed: {none:?}");
    };
    // The first alternative's missing property, named by its path.
    assert_eq!(field, "body.user_data.em");
    assert!(reason.contains("none of the allowed shapes"), "{reason}");
    let half = json!({"client_ip_address": "192.0.2.1"});
    assert!(
        validator
            .validate("body.user_data", &user_data, &half)
            .is_err()
    );
    for good in [
        json!({"em": ["hash"]}),
        json!({"client_ip_address": "192.0.2.1", "client_user_agent": "UA"}),
    ] {
        assert_eq!(
            validator.validate("body.user_data", &user_data, &good),
            Ok(())
        );
    }
    // The referenced schema's own rules still hold.
    let wrong = json!({"em": "not an array"});
    assert!(
        validator
            .validate("body.user_data", &user_data, &wrong)
            .is_err()
    );
    // A sample satisfies the siblings.
    let sample = validator.sample(&user_data);
    assert_eq!(
        validator.validate("body.user_data", &user_data, &sample),
        Ok(())
    );
}

#[test]
fn nullable_or_a_type_beside_a_ref() {
    let schemas = user_data_schemas();
    let validator = Validator::new(&schemas);
    let nullable = json!({"$ref": "#/components/schemas/Props", "nullable": true});
    assert_eq!(validator.validate("f", &nullable, &Value::Null), Ok(()));
    assert!(
        validator
            .validate("f", &nullable, &json!({"em": 5}))
            .is_err()
    );
    let plain = json!({"$ref": "#/components/schemas/Props"});
    assert!(validator.validate("f", &plain, &Value::Null).is_err());
    let typed = json!({"$ref": "#/components/schemas/Props", "type": "object", "maxProperties": 1});
    assert!(
        validator
            .validate("f", &typed, &json!({"em": [], "client_ip_address": "x"}))
            .is_err()
    );
    // Annotations beside a reference are no constraint.
    assert_eq!(constrained_ref(&json!({"$ref": "#/x", "default": 1})), None);
    assert_eq!(
        constrained_ref(&json!({"$ref": "#/x", "required": ["a"]})),
        Some("#/x")
    );
}
