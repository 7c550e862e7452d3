use super::*;

#[test]
fn the_embedded_catalog_is_pinterest_5_11_0() {
    let catalog = embedded();
    assert_eq!(catalog.version, "5.11.0");
    assert_eq!(catalog.operations.len(), 142);
    assert_eq!(
        catalog.operations.iter().filter(|op| op.paginated).count(),
        35
    );
}

#[test]
fn endpoints_are_found_by_method_and_path_by_label_and_by_id() {
    let catalog = embedded();
    let by_path = catalog.find("GET /pins").expect("GET /pins");
    assert_eq!(by_path.id, "pins/list");
    assert_eq!(by_path.label(), "GET /pins (List Pins)");
    assert_eq!(
        catalog.find("get /pins").map(|op| &op.id),
        Some(&by_path.id)
    );
    assert_eq!(
        catalog.find("GET /pins (List Pins)").map(|op| &op.id),
        Some(&by_path.id)
    );
    assert_eq!(
        catalog.find("pins/list").map(|op| &op.path),
        Some(&by_path.path)
    );
    assert_eq!(
        catalog.find("POST /pins").map(|op| op.id.as_str()),
        Some("pins/create")
    );
    assert!(catalog.find("GET /nope").is_none());
    assert!(catalog.find("nope/list").is_none());
}

#[test]
fn unknown_endpoints_are_invalid_input_naming_the_endpoint() {
    let err = embedded().get("GET /nope").unwrap_err();
    match err {
        ConnectorError::InvalidInput { field, reason } => {
            assert_eq!(field, "endpoint");
            assert!(reason.contains("GET /nope"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn operations_carry_scopes_sandbox_and_rate_limit_category() {
    let op = embedded().find("pins/list").unwrap();
    assert_eq!(
        op.scopes,
        vec!["boards:read".to_string(), "pins:read".to_string()]
    );
    assert_eq!(op.sandbox, Some(true));
    assert_eq!(op.rate_limit_category.as_deref(), Some("org_read"));
    assert!(op.paginated);
}

#[test]
fn input_schema_has_path_query_and_body_parts_with_their_definitions() {
    let catalog = embedded();
    let get = catalog.input_schema(catalog.find("GET /pins/{pin_id}").unwrap());
    assert_eq!(get["properties"]["path"]["required"], json!(["pin_id"]));
    assert_eq!(get["required"], json!(["path"]));
    assert_eq!(get["title"], "GET /pins/{pin_id} (Get Pin)");

    let list = catalog.input_schema(catalog.find("GET /pins").unwrap());
    let page_size = &list["properties"]["query"]["properties"]["page_size"];
    assert_eq!(page_size["maximum"], 250);
    assert_eq!(page_size["minimum"], 1);
    assert!(list["properties"].get("path").is_none());

    let create = catalog.input_schema(catalog.find("POST /pins").unwrap());
    assert_eq!(create["properties"]["body"]["$ref"], "#/$defs/PinCreate");
    let defs = create["$defs"].as_object().expect("$defs");
    assert!(defs.contains_key("PinCreate"));
    // Every reference points at a definition that is there.
    let text = create.to_string();
    for piece in text.split("\"#/$defs/").skip(1) {
        let name = piece.split('"').next().unwrap();
        assert!(defs.contains_key(name), "dangling reference to {name}");
    }
    assert!(!text.contains("#/components/"));
}

#[test]
fn the_json_form_round_trips() {
    let catalog = embedded();
    let again = Catalog::from_json(&catalog.to_json()).unwrap();
    assert_eq!(&again, catalog);
}

#[test]
fn summaries_list_every_operation_without_reading_it() {
    let catalog = embedded();
    let summaries: Vec<_> = catalog.operations.summaries().collect();
    assert_eq!(summaries.len(), 142);
    for (summary, op) in summaries.iter().zip(catalog.operations.iter()) {
        assert_eq!(summary.id, op.id);
        assert_eq!(summary.method, op.method);
        assert_eq!(summary.path, op.path);
        assert_eq!(summary.label(), op.label());
        assert_eq!(summary.paginated, op.paginated);
    }
}

#[test]
fn schemas_are_found_by_name_and_unknown_names_are_none() {
    let catalog = embedded();
    let pin = catalog.schemas.get("PinCreate").expect("PinCreate");
    assert!(pin.is_object());
    assert!(catalog.schemas.get("NoSuchSchema").is_none());
    assert!(catalog.schemas.get("").is_none());
    let names: Vec<&str> = catalog.schemas.iter().map(|(name, _)| name).collect();
    assert!(names.windows(2).all(|w| w[0] < w[1]), "ordered by name");
    assert_eq!(names.len(), catalog.schemas.len());
}

#[test]
fn a_catalog_read_at_run_time_answers_like_the_embedded_one() {
    let owned = Catalog::from_json(&embedded().to_json()).unwrap();
    for id in [
        "pins/list",
        "GET /boards/{board_id}",
        "POST /pins (Create Pin)",
    ] {
        assert_eq!(owned.find(id), embedded().find(id), "{id}");
    }
    let op = owned.find("POST /pins").unwrap();
    assert_eq!(owned.input_schema(op), embedded().input_schema(op));
}

#[test]
fn the_spliced_input_schema_text_is_the_input_schema() {
    let catalog = embedded();
    for op in catalog.operations.iter() {
        let text = catalog.input_schema_text(op);
        let parsed: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(parsed, catalog.input_schema(op), "{}", op.id);
        // The root is written, not printed from a tree: the same text, key
        // for key, as printing the tree gives (`$defs` go last).
        let root = match text.split_once(",\"$defs\":") {
            Some((head, _)) => format!("{head}}}"),
            None => text.clone(),
        };
        let printed = rewrite_refs(catalog.input_schema_root(op)).to_string();
        assert_eq!(root, printed, "{}", op.id);
    }
    let owned = Catalog::from_json(&catalog.to_json()).unwrap();
    let op = owned.find("POST /pins").unwrap();
    let parsed: Value = serde_json::from_str(&owned.input_schema_text(op)).unwrap();
    assert_eq!(parsed, owned.input_schema(op));
}

#[test]
fn describing_many_endpoints_answers_what_describing_each_does() {
    let catalog = embedded();
    let all = catalog.describe_many(None).unwrap();
    assert_eq!(all.len(), 142);
    for ((id, text), op) in all.iter().zip(catalog.operations.iter()) {
        assert_eq!(id, &op.id);
        assert_eq!(text, &catalog.input_schema_text(op), "{id}");
    }
    let named = catalog
        .describe_many(Some(&[
            "GET /pins/{pin_id}".to_owned(),
            "boards/list".to_owned(),
        ]))
        .unwrap();
    let ids: Vec<&str> = named.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["pins/get", "boards/list"]);
    match catalog.describe_many(Some(&["pins/get".to_owned(), "GET /nowhere".to_owned()])) {
        Err(ConnectorError::InvalidInput { field, .. }) => assert_eq!(field, "endpoints[1]"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_endpoint_is_named_by_route_in_any_case_with_or_without_its_summary_or_by_id() {
    let catalog = embedded();
    let create = catalog.find("pins/create").expect("the operationId");
    for name in ["POST /pins", "post /pins", "  Post /pins (Create Pin) "] {
        assert_eq!(
            catalog.find(name).map(|op| &op.id),
            Some(&create.id),
            "{name}"
        );
        assert!(EndpointName::parse(name).names("pins/create", Method::Post, "/pins"));
        assert!(!EndpointName::parse(name).names("pins/list", Method::Get, "/pins"));
    }
    assert_eq!(
        EndpointName::parse("pins/list"),
        EndpointName::Id("pins/list")
    );
    // A word that is no method leaves the whole name an operationId.
    assert_eq!(
        EndpointName::parse("FETCH /pins"),
        EndpointName::Id("FETCH /pins")
    );
    assert!(catalog.find("GET /nowhere").is_none());
}
