use pinterest_connector_core::catalog::{Auth, ParamLocation};
use pinterest_connector_core::openapi::read_catalog;

use super::*;
use crate::shared_openapi;

/// What two readers of one operation must agree on.
#[derive(Debug, PartialEq)]
struct Shape {
    method: String,
    path: String,
    /// Name, place, required, exploded, sent as `name[key]`.
    params: Vec<(String, &'static str, bool, bool, bool)>,
    /// The body's required flag, when there is a body.
    body_required: Option<bool>,
    basic_only: bool,
    paginated: bool,
}

/// The mock's typed reading and the connector's reader agree on every
/// operation of both of Pinterest's descriptions: the same operationIds,
/// methods, paths, parameters (name, place, required, explode, deepObject),
/// body, Basic-only security and pagination; the connector's body media
/// type is one the description declares. Two readers written apart, so a
/// misreading in either shows here.
#[test]
fn the_mock_and_the_connector_read_every_operation_alike() {
    for file in ["pinterest-v5.11.0.json", "pinterest-v5.23.0.json"] {
        let text = shared_openapi(file).expect("Pinterest's description in ../shared/openapi");
        let mine = Description::parse(&text).unwrap().operations().unwrap();
        let theirs = read_catalog(&text).unwrap();
        assert_eq!(
            mine.len(),
            theirs.operations.len(),
            "{file}: operation count"
        );
        assert!(mine.len() > 100, "{file}: {} operations", mine.len());
        for op in theirs.operations.iter() {
            let found = mine
                .iter()
                .find(|m| m.id == op.id)
                .unwrap_or_else(|| panic!("{file}: the mock has no `{}`", op.id));
            let mut their_params: Vec<_> = op
                .params
                .iter()
                .map(|p| {
                    let place = match p.location {
                        ParamLocation::Path => "path",
                        ParamLocation::Query => "query",
                        ParamLocation::Header => "header",
                    };
                    // A deepObject's `explode` means nothing to either.
                    let explode = p.explode && !p.deep_object;
                    (p.name.clone(), place, p.required, explode, p.deep_object)
                })
                .collect();
            let mut my_params: Vec<_> = found
                .params
                .iter()
                .filter(|p| p.location != Location::Cookie)
                .map(|p| {
                    let place = match p.location {
                        Location::Path => "path",
                        Location::Query => "query",
                        Location::Header | Location::Cookie => "header",
                    };
                    let deep = p.style.as_deref() == Some("deepObject");
                    let explode = p.explode.unwrap_or(p.location == Location::Query) && !deep;
                    (
                        p.name.clone(),
                        place,
                        p.required || p.location == Location::Path,
                        explode,
                        deep,
                    )
                })
                .collect();
            their_params.sort();
            my_params.sort();
            let theirs = Shape {
                method: op.method.as_str().to_owned(),
                path: op.path.clone(),
                params: their_params,
                body_required: op.body.as_ref().map(|b| b.required),
                basic_only: op.auth == Auth::Basic,
                paginated: op.paginated,
            };
            let mine = Shape {
                method: found.method.clone(),
                path: found.path.clone(),
                params: my_params,
                body_required: (!found.body.is_empty()).then_some(found.body_required),
                basic_only: found.basic_only,
                paginated: found.paginated(),
            };
            assert_eq!(mine, theirs, "{file}: `{}`", op.id);
            if let Some(body) = &op.body {
                assert!(
                    found.body.contains_key(&body.content_type),
                    "{file}: `{}` sends {}, which the description does not declare",
                    op.id,
                    body.content_type
                );
            }
        }
    }
}

#[test]
fn references_to_nothing_are_an_error_and_schema_chains_resolve() {
    let dangling = r##"{"paths": {"/a": {"get": {"operationId": "a",
        "parameters": [{"$ref": "#/components/parameters/nope"}]}}}}"##;
    let err = Description::parse(dangling)
        .unwrap()
        .operations()
        .unwrap_err();
    assert!(
        err.to_string().contains("#/components/parameters/nope"),
        "{err}"
    );

    let chained = r##"{"paths": {}, "components": {"schemas": {
        "A": {"$ref": "#/components/schemas/B"},
        "B": {"type": "object", "properties": {"x": {"$ref": "#/components/schemas/C"}}},
        "C": {"type": "integer"},
        "Loop": {"$ref": "#/components/schemas/Loop"}}}}"##;
    let d = Description::parse(chained).unwrap();
    let a = serde_json::json!({"$ref": "#/components/schemas/A"});
    assert_eq!(d.resolve(&a)["type"], "object");
    assert_eq!(d.property(&a, "x").unwrap()["type"], "integer");
    let looping = serde_json::json!({"$ref": "#/components/schemas/Loop"});
    assert!(d.resolve(&looping).get("$ref").is_some(), "a loop ends");
}
