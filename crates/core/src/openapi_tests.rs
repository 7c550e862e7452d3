use super::*;
use serde_json::json;

fn spec(paths: Value) -> String {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "T", "version": "1.2.3"},
        "servers": [{"url": "https://api.example/v5"}],
        "paths": paths,
        "components": {
            "parameters": {
                "bookmark": {"name": "bookmark", "in": "query", "description": "cursor", "schema": {"type": "string"}},
                "ids": {"name": "ids", "in": "query", "required": true, "explode": false,
                        "schema": {"type": "array", "items": {"type": "string"}}}
            },
            "schemas": {
                "Thing": {"type": "object", "description": "prose",
                          "properties": {"description": {"type": "string", "description": "more prose"}}}
            }
        }
    })
    .to_string()
}

#[test]
fn reads_operations_parameters_and_bodies() {
    let text = spec(json!({
        "/things/{thing_id}": {
            "parameters": [{"name": "thing_id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "get": {
                "operationId": "things/get", "summary": " Get thing ", "tags": ["things"],
                "security": [{"pinterest_oauth2": ["things:read", "boards:read"]}],
                "x-sandbox": "disabled", "x-ratelimit-category": "org_read",
                "parameters": [{"$ref": "#/components/parameters/bookmark"}, {"$ref": "#/components/parameters/ids"}]
            },
            "patch": {
                "operationId": "things/update",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}
            }
        }
    }));
    let catalog = read_catalog(&text).unwrap();
    assert_eq!(catalog.version, "1.2.3");
    assert_eq!(catalog.server, "https://api.example/v5");
    let get = catalog.find("things/get").unwrap();
    assert_eq!(get.method, Method::Get);
    assert_eq!(get.summary, "Get thing");
    assert_eq!(
        get.scopes,
        vec!["boards:read".to_string(), "things:read".to_string()]
    );
    assert_eq!(get.sandbox, Some(false));
    assert!(get.paginated);
    let names: Vec<&str> = get.params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["thing_id", "bookmark", "ids"]);
    let ids = get.param(ParamLocation::Query, "ids").unwrap();
    assert!(!ids.explode && ids.required);
    assert!(get.param(ParamLocation::Query, "bookmark").unwrap().explode);
    assert_eq!(
        get.param(ParamLocation::Query, "bookmark").unwrap().schema,
        json!({"type": "string"})
    );

    let patch = catalog.find("PATCH /things/{thing_id}").unwrap();
    let body = patch.body.as_ref().unwrap();
    assert!(body.required);
    assert_eq!(body.content_type, "application/json");
    assert!(!patch.paginated);
}

#[test]
fn prose_is_dropped_but_properties_named_like_keywords_stay() {
    let catalog = read_catalog(&spec(json!({
        "/things": {"post": {"operationId": "things/create",
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}}
    })))
    .unwrap();
    assert_eq!(
        catalog.schemas.get("Thing").unwrap(),
        &json!({"type": "object", "properties": {"description": {"type": "string"}}})
    );
}

#[test]
fn only_the_schemas_the_inputs_reach_are_kept() {
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "T", "version": "1"},
        "paths": {
            "/things": {
                "get": {
                    "operationId": "things/list",
                    "parameters": [{"name": "kind", "in": "query",
                                    "schema": {"$ref": "#/components/schemas/Kind"}}],
                    "responses": {"200": {"content": {"application/json":
                        {"schema": {"$ref": "#/components/schemas/ThingList"}}}}}
                },
                "post": {
                    "operationId": "things/create",
                    "requestBody": {"content": {"application/json":
                        {"schema": {"$ref": "#/components/schemas/ThingCreate"}}}},
                    "responses": {"201": {"content": {"application/json":
                        {"schema": {"$ref": "#/components/schemas/Thing"}}}}}
                }
            }
        },
        "components": {"schemas": {
            "Kind": {"type": "string", "enum": ["a", "b"]},
            "ThingCreate": {"allOf": [{"$ref": "#/components/schemas/ThingBase"}],
                            "discriminator": {"propertyName": "kind",
                                              "mapping": {"a": "#/components/schemas/KindA"}}},
            "ThingBase": {"type": "object", "properties": {"kind": {"$ref": "#/components/schemas/Kind"}}},
            "KindA": {"type": "object"},
            "Thing": {"allOf": [{"$ref": "#/components/schemas/ThingBase"}]},
            "ThingList": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
            "Unused": {"type": "object"}
        }}
    });
    let catalog = read_catalog(&doc.to_string()).unwrap();
    let kept: Vec<&str> = catalog.schemas.iter().map(|(name, _)| name).collect();
    // Reached from a parameter, from a body, through `allOf` and through a
    // discriminator's mapping; `Thing`, `ThingList` and `Unused` describe
    // only answers, or nothing.
    assert_eq!(kept, ["Kind", "KindA", "ThingBase", "ThingCreate"]);
    // Every input schema still resolves.
    let create = catalog.find("things/create").unwrap();
    let described = catalog.input_schema(create);
    for name in ["ThingCreate", "ThingBase", "Kind", "KindA"] {
        assert!(described["$defs"][name].is_object(), "{name}: {described}");
    }
}

#[test]
fn broken_descriptions_are_typed_errors() {
    assert!(matches!(
        read_catalog("not json"),
        Err(OpenApiError::Json(_))
    ));
    assert!(matches!(
        read_catalog("{}"),
        Err(OpenApiError::Malformed { .. })
    ));
    let dangling =
        spec(json!({"/x": {"get": {"parameters": [{"$ref": "#/components/parameters/none"}]}}}));
    match read_catalog(&dangling) {
        Err(OpenApiError::Malformed { at, reason }) => {
            assert_eq!(at, "/paths/~1x/get/parameters/0");
            assert!(reason.contains("dangling"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }
    let cyclic = json!({"paths": {"/x": {"get": {"parameters": [{"$ref": "#/components/parameters/a"}]}}},
        "components": {"parameters": {"a": {"$ref": "#/components/parameters/b"}, "b": {"$ref": "#/components/parameters/a"}}}});
    assert!(read_catalog(&cyclic.to_string()).is_err());
}

#[test]
fn operations_declaring_only_http_basic_authenticate_with_basic() {
    let mut doc: Value = serde_json::from_str(&spec(json!({
        "/oauth/token": {"post": {"operationId": "token", "security": [{"basic": []}]}},
        "/events": {"post": {"operationId": "events",
            "security": [{"oauth": ["ads:write"]}, {"conversion_token": []}]}},
        "/either": {"post": {"operationId": "either", "security": [{"basic": []}, {"oauth": []}]}},
        "/open": {"get": {"operationId": "open"}}
    })))
    .unwrap();
    doc["components"]["securitySchemes"] = json!({
        "basic": {"type": "http", "scheme": "Basic"},
        "conversion_token": {"type": "http", "scheme": "bearer"},
        "oauth": {"type": "oauth2", "flows": {}}
    });
    let catalog = read_catalog(&doc.to_string()).unwrap();
    let auth = |id: &str| catalog.get(id).unwrap().auth;
    assert_eq!(auth("token"), Auth::Basic);
    assert_eq!(auth("events"), Auth::Bearer);
    assert_eq!(
        auth("either"),
        Auth::Bearer,
        "a token meets one alternative"
    );
    assert_eq!(auth("open"), Auth::Bearer);
}
