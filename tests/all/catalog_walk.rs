//! Conformance over the whole catalog: every operation of Pinterest's
//! 5.11.0 description (embedded) and of 5.23.0 (loaded at run time), called
//! through the component with inputs built from its own input schema,
//! against a mock that learned the same description and checks every
//! request; paginated operations are walked across several pages. Then the
//! negative cases: each input rule broken once, and nothing sent.

use std::collections::BTreeMap;

use pinterest_connector_core::schema::Validator;
use pinterest_connector_host::types::{ConnectorError, Credentials, SpecSource};
use pinterest_connector_host::{ApiCallInput, ConnectorHost, PaginationOptions};
use pinterest_host_test::mock_setup::mock_oauth;
use pinterest_host_test::spec_mock::SPEC_LIST_ITEMS;
use pinterest_host_test::{MockConfig, MockPinterest, host_for, shared_openapi};
use serde_json::Value;

fn credentials(mock: &MockPinterest) -> Credentials {
    // The app's client credentials are the mock's: `POST /oauth/token`
    // (and 5.23.0's `/oauth/token/revoke`) declare HTTP Basic security and
    // the mock checks them there.
    Credentials::Oauth2(mock_oauth(mock, &mock.config().access_token))
}

async fn mock_playing(file: &str) -> (MockPinterest, ConnectorHost, String) {
    let text = shared_openapi(file).expect("Pinterest's description in ../shared/openapi");
    let mock = MockPinterest::start(MockConfig {
        openapi: Some(text.clone()),
        ..MockConfig::default()
    })
    .await
    .expect("mock starts");
    let host = host_for(&mock).expect("component loads");
    (mock, host, text)
}

/// Sample values as the text list an input takes: arrays become several
/// values of one name.
fn as_texts(value: Value) -> Vec<String> {
    let text = |v: Value| match v {
        Value::String(s) => s,
        other => other.to_string(),
    };
    match value {
        Value::Array(items) => items.into_iter().map(text).collect(),
        other => vec![text(other)],
    }
}

/// Valid inputs for `endpoint`, built from the input schema `describe`
/// returns: every path parameter, every required query parameter, a body
/// when the endpoint takes one, and `page_size=2` where it pages.
fn inputs_from_schema(spec: &SpecSource, endpoint: &str, schema: &Value) -> ApiCallInput {
    let defs: BTreeMap<String, Value> = schema
        .get("$defs")
        .and_then(Value::as_object)
        .map(|d| d.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let validator = Validator::new(&defs);
    let part = |name: &str, all: bool| -> Vec<(String, String)> {
        let Some(part) = schema["properties"].get(name) else {
            return vec![];
        };
        let required: Vec<&str> = part["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let mut out = Vec::new();
        for (param, param_schema) in part["properties"].as_object().into_iter().flatten() {
            if param == "page_size" {
                out.push((param.clone(), "2".to_string()));
            } else if all || required.contains(&param.as_str()) {
                out.extend(
                    as_texts(validator.sample(param_schema))
                        .into_iter()
                        .map(|v| (param.clone(), v)),
                );
            }
        }
        out
    };
    let body = schema["properties"]
        .get("body")
        .map(|b| validator.sample(b).to_string());
    ApiCallInput {
        spec: spec.clone(),
        endpoint: endpoint.to_owned(),
        path_params: part("path", true),
        query_params: part("query", false),
        body,
    }
}

/// Calls every endpoint of `spec` and returns the failures, one line each.
async fn walk_catalog(
    mock: &MockPinterest,
    host: &ConnectorHost,
    spec: &SpecSource,
) -> (usize, Vec<String>) {
    let creds = credentials(mock);
    let endpoints = host.list_endpoints(spec).await.unwrap().unwrap();
    let mut failures = Vec::new();
    for endpoint in &endpoints {
        let schema: Value = serde_json::from_str(
            &host
                .describe_endpoint(spec, &endpoint.id)
                .await
                .unwrap()
                .unwrap(),
        )
        .unwrap();
        let input = inputs_from_schema(spec, &endpoint.id, &schema);
        if endpoint.paginated {
            let pages_expected = if input.query_params.iter().any(|(n, _)| n == "page_size") {
                SPEC_LIST_ITEMS.div_ceil(2)
            } else {
                1
            };
            match host
                .api_call_paginated(&creds, &input, PaginationOptions { max_pages: None })
                .await
                .unwrap()
            {
                Ok(mut stream) => {
                    let (mut pages, mut items) = (0, 0);
                    loop {
                        match stream.next().await.unwrap() {
                            Ok(Some(page)) => {
                                pages += 1;
                                items += page.item_count as usize;
                            }
                            Ok(None) => break,
                            Err(e) => {
                                failures.push(format!("{}: page {pages}: {e:?}", endpoint.label));
                                break;
                            }
                        }
                    }
                    if (pages, items) != (pages_expected, SPEC_LIST_ITEMS) {
                        failures.push(format!("{}: {pages} pages, {items} items", endpoint.label));
                    }
                }
                Err(e) => failures.push(format!("{}: {e:?}", endpoint.label)),
            }
        } else if let Err(e) = host.api_call(&creds, &input).await.unwrap() {
            let sent = (&input.path_params, &input.query_params, &input.body);
            failures.push(format!("{}: {e:?} with {sent:?}", endpoint.label));
        }
    }
    (endpoints.len(), failures)
}

#[tokio::test]
async fn every_operation_of_5_11_0_passes_through_the_component() {
    let (mock, host, _) = mock_playing("pinterest-v5.11.0.json").await;
    let (count, failures) = walk_catalog(&mock, &host, &SpecSource::Embedded).await;
    assert_eq!(count, 142);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(mock.request_count() >= 142);
}

#[tokio::test]
async fn every_operation_of_5_23_0_loaded_at_run_time_passes_through_the_component() {
    let (mock, host, text) = mock_playing("pinterest-v5.23.0.json").await;
    let (count, failures) = walk_catalog(&mock, &host, &SpecSource::Json(text)).await;
    assert_eq!(count, 231);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn a_description_is_fetched_from_an_https_url_the_host_allows() {
    let (mock, host, _) = mock_playing("pinterest-v5.23.0.json").await;
    // The mock answers for api.pinterest.com, and serves the description too.
    let url = SpecSource::Url("https://api.pinterest.com/openapi.json".into());
    let endpoints = host.list_endpoints(&url).await.unwrap().unwrap();
    assert_eq!(endpoints.len(), 231);
    let sent = mock.requests();
    assert_eq!((sent.len(), sent[0].path.as_str()), (1, "/openapi.json"));
    let outside = SpecSource::Url("https://specs.example.com/openapi.json".into());
    assert!(matches!(
        host.list_endpoints(&outside).await.unwrap(),
        Err(ConnectorError::DeniedByHost(_))
    ));
    let plain = SpecSource::Url("http://api.pinterest.com/openapi.json".into());
    assert!(
        matches!(host.list_endpoints(&plain).await.unwrap(), Err(ConnectorError::InvalidInput(i)) if i.field == "spec")
    );
    let broken = SpecSource::Json("{\"paths\": 1}".into());
    assert!(
        matches!(host.list_endpoints(&broken).await.unwrap(), Err(ConnectorError::InvalidInput(i)) if i.field == "spec")
    );
}

/// Each rule of input checking, broken once on an operation that has it:
/// the typed error names the field, and the mock receives nothing.
#[tokio::test]
async fn every_broken_rule_is_refused_before_sending() {
    let (mock, host, _) = mock_playing("pinterest-v5.11.0.json").await;
    let creds = credentials(&mock);
    let spec = SpecSource::Embedded;
    let valid = |endpoint: &str| {
        let host = host.clone();
        let spec = spec.clone();
        let endpoint = endpoint.to_owned();
        async move {
            let schema: Value = serde_json::from_str(
                &host
                    .describe_endpoint(&spec, &endpoint)
                    .await
                    .unwrap()
                    .unwrap(),
            )
            .unwrap();
            inputs_from_schema(&spec, &endpoint, &schema)
        }
    };
    let set = |list: &mut Vec<(String, String)>, name: &str, value: &str| {
        list.retain(|(n, _)| n != name);
        list.push((name.to_owned(), value.to_owned()));
    };
    let mut cases: Vec<(ApiCallInput, &str)> = Vec::new();

    let mut missing_required = valid("ad_groups/analytics").await;
    missing_required
        .query_params
        .retain(|(n, _)| n != "start_date");
    cases.push((missing_required, "query.start_date"));

    let mut wrong_type = valid("pins/list").await;
    set(&mut wrong_type.query_params, "page_size", "many");
    cases.push((wrong_type, "query.page_size"));

    let mut out_of_bounds = valid("pins/list").await;
    set(&mut out_of_bounds.query_params, "page_size", "251");
    cases.push((out_of_bounds, "query.page_size"));

    let mut not_in_enum = valid("pins/list").await;
    set(&mut not_in_enum.query_params, "pin_type", "SECRET");
    cases.push((not_in_enum, "query.pin_type"));

    let mut pattern = valid("ad_accounts/get").await;
    set(&mut pattern.path_params, "ad_account_id", "not-digits");
    cases.push((pattern, "path.ad_account_id"));

    let mut unknown = valid("pins/list").await;
    set(&mut unknown.query_params, "colour", "red");
    cases.push((unknown, "query.colour"));

    let mut body_type = valid("pins/create").await;
    body_type.body = Some(r#"{"board_id": 42}"#.into());
    cases.push((body_type, "body.board_id"));

    let mut body_nested = valid("boards/create").await;
    body_nested.body = Some(r#"{"name": "x", "privacy": "HIDDEN"}"#.into());
    cases.push((body_nested, "body.privacy"));

    let mut body_missing = valid("ad_accounts/create").await;
    body_missing.body = None;
    cases.push((body_missing, "body"));

    let mut array_items = valid("ad_groups/analytics").await;
    set(&mut array_items.query_params, "columns", "NOT_A_COLUMN");
    cases.push((array_items, "query.columns[0]"));

    for (input, field) in cases {
        match host
            .api_call(&creds, &input)
            .await
            .unwrap()
            .map_err(|f| f.error)
        {
            Err(ConnectorError::InvalidInput(i)) => {
                assert_eq!(i.field, field, "{input:?}: {}", i.reason)
            }
            other => panic!("{field}: expected invalid-input, got {other:?}"),
        }
    }
    assert_eq!(mock.request_count(), 0, "nothing reached the mock");
}

/// 5.23.0's Conversions API: `user_data` is `anyOf` three references to one
/// schema, each with a `required` beside the `$ref` (at least one of `em`,
/// `hashed_maids`, or `client_ip_address` + `client_user_agent`). A body
/// with none of them is refused before sending, and the input schema a
/// host renders says so too: the `jsonschema` crate (JSON Schema 2020-12,
/// which applies a `$ref`'s siblings) refuses the same body against it.
#[tokio::test]
async fn keywords_beside_a_ref_are_honoured_in_validation_and_in_describe() {
    let (mock, host, text) = mock_playing("pinterest-v5.23.0.json").await;
    let spec = SpecSource::Json(text);
    let schema: Value = serde_json::from_str(
        &host
            .describe_endpoint(&spec, "events/create")
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    let valid = inputs_from_schema(&spec, "events/create", &schema);
    let mut body: Value = serde_json::from_str(valid.body.as_deref().unwrap()).unwrap();
    let user_data = &mut body["data"][0]["user_data"];
    assert!(user_data.is_object(), "{body}");
    *user_data = serde_json::json!({"country": ["hash"]});
    let input = ApiCallInput {
        body: Some(body.to_string()),
        ..valid.clone()
    };
    let creds = credentials(&mock);
    match host
        .api_call(&creds, &input)
        .await
        .unwrap()
        .map_err(|f| f.error)
    {
        Err(ConnectorError::InvalidInput(i)) => {
            assert!(
                i.field.starts_with("body.data[0].user_data"),
                "{}: {}",
                i.field,
                i.reason
            )
        }
        other => panic!("expected invalid-input, got {other:?}"),
    }
    assert_eq!(mock.request_count(), 0, "nothing sent");

    let mut whole = serde_json::json!({"body": body});
    for (location, params) in [("path", &valid.path_params), ("query", &valid.query_params)] {
        let object: serde_json::Map<String, Value> = params
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        whole[location] = Value::Object(object);
    }
    let described = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(false)
        .build(&schema)
        .expect("the input schema compiles");
    assert!(
        !described.is_valid(&whole),
        "describe's schema lets it through"
    );
    // The valid sample passes both, and reaches the mock (which reads the
    // siblings the same way).
    let sample: Value = serde_json::from_str(valid.body.as_deref().unwrap()).unwrap();
    whole["body"] = sample;
    assert!(
        described.is_valid(&whole),
        "describe's schema refuses the sample"
    );
    let out = host
        .api_call(&creds, &valid)
        .await
        .unwrap()
        .expect("the sample goes through");
    assert!((200..300).contains(&out.status), "{}", out.status);
}
