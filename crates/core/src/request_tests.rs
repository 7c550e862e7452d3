use super::*;
use crate::catalog::embedded;
use crate::http::Method;

fn creds() -> Credentials {
    Credentials::Sandbox("tok".into())
}

fn input(
    endpoint: &str,
    path: &[(&str, &str)],
    query: &[(&str, &str)],
    body: Option<&str>,
) -> CallInput {
    let pairs = |list: &[(&str, &str)]| {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    CallInput {
        spec: Default::default(),
        endpoint: endpoint.into(),
        path_params: pairs(path),
        query_params: pairs(query),
        body: body.map(str::to_owned),
    }
}

fn oauth_with_scopes(scopes: &[&str]) -> Credentials {
    Credentials::OAuth2(crate::credentials::OAuth2Credentials {
        access_token: "t".into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    })
}

fn prepare(i: &CallInput) -> Result<PreparedCall, ConnectorError> {
    prepare_call(embedded(), &Session::new(creds()), i)
}

fn field_of(err: ConnectorError) -> String {
    match err {
        ConnectorError::InvalidInput { field, .. } => field,
        other => panic!("expected invalid-input, got {other:?}"),
    }
}

#[test]
fn builds_url_headers_and_method() {
    let call = prepare(&input(
        "GET /pins/{pin_id}",
        &[("pin_id", "123")],
        &[],
        None,
    ))
    .unwrap();
    assert_eq!(call.request.method, Method::Get);
    assert_eq!(
        call.request.url.as_str(),
        "https://api-sandbox.pinterest.com/v5/pins/123"
    );
    assert_eq!(call.request.header("authorization"), Some("Bearer tok"));
    assert_eq!(call.request.header("accept"), Some("application/json"));
    assert!(call.request.body.is_none());
    assert!(!call.paginated);
}

#[test]
fn path_values_are_percent_encoded_and_cannot_change_the_path() {
    let call = prepare(&input(
        "GET /pins/{pin_id}",
        &[("pin_id", "a/b?c#d%e f")],
        &[],
        None,
    ))
    .unwrap();
    assert_eq!(call.request.url.path(), "/v5/pins/a%2Fb%3Fc%23d%25e%20f");
    assert_eq!(call.request.url.query(), None);
    for bad in ["..", ".", ""] {
        let err = prepare(&input("GET /pins/{pin_id}", &[("pin_id", bad)], &[], None)).unwrap_err();
        assert_eq!(field_of(err), "path.pin_id");
    }
}

#[test]
fn missing_and_unknown_path_parameters_are_refused() {
    assert_eq!(
        field_of(prepare(&input("GET /pins/{pin_id}", &[], &[], None)).unwrap_err()),
        "path.pin_id"
    );
    let err = prepare(&input(
        "GET /pins/{pin_id}",
        &[("pin_id", "1"), ("board", "2")],
        &[],
        None,
    ))
    .unwrap_err();
    assert_eq!(field_of(err), "path.board");
}

#[test]
fn query_parameters_follow_the_operation_order_and_types() {
    let call = prepare(&input(
        "GET /pins",
        &[],
        &[("pin_type", "PRIVATE"), ("page_size", "250")],
        None,
    ))
    .unwrap();
    assert_eq!(
        call.request.url.query(),
        Some("page_size=250&pin_type=PRIVATE")
    );
    assert!(call.paginated);
    for (name, value) in [
        ("page_size", "0"),
        ("page_size", "251"),
        ("page_size", "ten"),
        ("pin_type", "NOPE"),
    ] {
        let err = prepare(&input("GET /pins", &[], &[(name, value)], None)).unwrap_err();
        assert_eq!(field_of(err), format!("query.{name}"));
    }
    let err = prepare(&input("GET /pins", &[], &[("nope", "1")], None)).unwrap_err();
    assert_eq!(field_of(err), "query.nope");
    let err = prepare(&input(
        "GET /pins",
        &[],
        &[("page_size", "1"), ("page_size", "2")],
        None,
    ))
    .unwrap_err();
    assert_eq!(field_of(err), "query.page_size");
}

#[test]
fn query_values_are_encoded() {
    let production = oauth_with_scopes(&[]);
    let search = input(
        "GET /search/pins",
        &[],
        &[("query", "cats & dogs=1#x")],
        None,
    );
    let call = prepare_call(embedded(), &Session::new(production.clone()), &search).unwrap();
    assert_eq!(
        call.request.url.query(),
        Some("query=cats+%26+dogs%3D1%23x")
    );
}

#[test]
fn arrays_repeat_or_join_as_the_parameter_says() {
    let catalog = embedded();
    let (exploded, joined) = catalog
        .operations
        .iter()
        .flat_map(|op| op.params.iter().map(move |p| (op, p)))
        .filter(|(_, p)| p.location == ParamLocation::Query && p.schema["type"] == "array")
        .fold((None, None), |(e, j), (op, p)| {
            if p.explode {
                (e.or(Some((op, p))), j)
            } else {
                (e, j.or(Some((op, p))))
            }
        });
    for ((op, param), explode) in [(exploded.unwrap(), true), (joined.unwrap(), false)] {
        // Fill the required inputs with values valid for their schemas.
        let validator = crate::schema::Validator::new(&embedded().schemas);
        let text = |v: serde_json::Value| match v {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        let value_for = |p: &Parameter| -> Vec<String> {
            match validator.sample(&p.schema) {
                serde_json::Value::Array(items) if p.name == param.name => {
                    let one = text(items.into_iter().next().unwrap_or_default());
                    vec![one.clone(), one]
                }
                serde_json::Value::Array(items) => items.into_iter().map(text).collect(),
                other => vec![text(other)],
            }
        };
        let mut i = CallInput {
            endpoint: op.id.clone(),
            ..Default::default()
        };
        for p in op
            .params
            .iter()
            .filter(|p| p.required || p.name == param.name)
        {
            for v in value_for(p) {
                match p.location {
                    ParamLocation::Path => i.path_params.push((p.name.clone(), v)),
                    _ => i.query_params.push((p.name.clone(), v)),
                }
            }
        }
        if let Some(body) = op.body.as_ref().filter(|b| b.required) {
            i.body = Some(validator.sample(&body.schema).to_string());
        }
        let call = prepare(&i).unwrap_or_else(|e| panic!("{}: {e}", op.id));
        let query = call.request.url.query().unwrap().to_owned();
        let pairs: Vec<&str> = query
            .split('&')
            .filter(|kv| kv.starts_with(&format!("{}=", param.name)))
            .collect();
        if explode {
            assert_eq!(pairs.len(), 2, "{}: {query}", op.id);
        } else {
            assert_eq!(pairs.len(), 1, "{}: {query}", op.id);
            assert!(pairs[0].contains(','), "{}: {query}", op.id);
        }
    }
}

#[test]
fn bookmark_is_kept_apart_and_added_per_page() {
    let call = prepare(&input(
        "GET /pins",
        &[],
        &[("bookmark", "b+/="), ("page_size", "5")],
        None,
    ))
    .unwrap();
    assert_eq!(call.bookmark.as_deref(), Some("b+/="));
    assert_eq!(call.request.url.query(), Some("page_size=5"));
    assert_eq!(
        call.request_at(Some("n x")).url.query(),
        Some("page_size=5&bookmark=n+x")
    );
    let bare = prepare(&input("GET /boards", &[], &[], None)).unwrap();
    assert_eq!(
        bare.request_at(Some("abc")).url.query(),
        Some("bookmark=abc")
    );
}

#[test]
fn json_bodies_are_checked_and_sent_with_their_media_type() {
    let call = prepare(&input(
        "POST /pins",
        &[],
        &[],
        Some(r#"{"board_id": "1", "media_source": {"source_type": "image_url", "url": "https://x/a.jpg"}}"#),
    ))
    .unwrap();
    assert_eq!(
        call.request.header("content-type"),
        Some("application/json")
    );
    assert_eq!(
        call.request.body.as_deref(),
        Some(br#"{"board_id":"1","media_source":{"source_type":"image_url","url":"https://x/a.jpg"}}"#.as_slice())
    );
    assert_eq!(
        field_of(prepare(&input("POST /pins", &[], &[], Some("{not json"))).unwrap_err()),
        "body"
    );
    assert_eq!(
        field_of(prepare(&input("POST /pins", &[], &[], None)).unwrap_err()),
        "body"
    );
    assert_eq!(
        field_of(prepare(&input("GET /pins", &[], &[], Some("{}"))).unwrap_err()),
        "body"
    );
}

#[test]
fn form_bodies_are_urlencoded() {
    let op = embedded()
        .operations
        .iter()
        .find(|op| {
            op.body
                .as_ref()
                .is_some_and(|b| b.content_type == "application/x-www-form-urlencoded")
        })
        .expect("5.11.0 has one form body");
    let mut i = input(
        &op.id,
        &[],
        &[],
        Some(r#"{"grant_type": "refresh_token", "refresh_token": "a b&c"}"#),
    );
    for p in op
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::Path)
    {
        i.path_params.push((p.name.clone(), "1".into()));
    }
    // The one form body is `POST /oauth/token`'s, which takes the app's
    // client credentials.
    let app = Credentials::OAuth2(crate::credentials::OAuth2Credentials {
        client_id: "id".into(),
        client_secret: "secret".into(),
        ..Default::default()
    });
    let call = prepare_call(embedded(), &Session::new(app.clone()), &i).unwrap();
    assert_eq!(
        call.request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        String::from_utf8(call.request.body.unwrap()).unwrap(),
        "grant_type=refresh_token&refresh_token=a+b%26c"
    );
}

#[test]
fn bad_credentials_are_refused_before_building() {
    let err = prepare_call(
        embedded(),
        &Session::new(Credentials::Sandbox(String::new())),
        &input("GET /pins", &[], &[], None),
    )
    .unwrap_err();
    assert_eq!(field_of(err), "credentials.sandbox");
}

#[test]
fn sandbox_credentials_cannot_call_what_the_sandbox_does_not_serve() {
    let op = embedded()
        .operations
        .iter()
        .find(|op| op.sandbox == Some(false))
        .unwrap();
    let err = prepare(&input(&op.id, &[], &[], None)).unwrap_err();
    assert!(
        matches!(err, ConnectorError::UnsupportedInSandbox(ref m) if m.contains(&op.path)),
        "{err:?}"
    );
}

#[test]
fn granted_scopes_are_checked_when_known() {
    let list = input("GET /pins", &[], &[], None);
    match prepare_call(
        embedded(),
        &Session::new(oauth_with_scopes(&["pins:read"])),
        &list,
    ) {
        Err(ConnectorError::MissingScopes { endpoint, scopes }) => {
            assert_eq!(endpoint, "GET /pins (List Pins)");
            assert_eq!(scopes, ["boards:read"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        prepare_call(
            embedded(),
            &Session::new(oauth_with_scopes(&["pins:read", "boards:read"])),
            &list
        )
        .is_ok()
    );
    assert!(
        prepare_call(embedded(), &Session::new(oauth_with_scopes(&[])), &list).is_ok(),
        "unknown scopes are not checked"
    );
}

#[test]
fn bodies_are_checked_against_the_schema() {
    let err = prepare(&input(
        "POST /pins",
        &[],
        &[],
        Some(r#"{"board_id": 5, "media_source": {}}"#),
    ))
    .unwrap_err();
    assert_eq!(field_of(err), "body.board_id");
    let long_title = format!(r#"{{"board_id": "5", "title": "{}"}}"#, "x".repeat(101));
    let err = prepare(&input("POST /pins", &[], &[], Some(&long_title))).unwrap_err();
    assert_eq!(field_of(err), "body.title");
    let err = prepare(&input(
        "POST /pins",
        &[],
        &[],
        Some(r#"{"board_id": "5", "media_source": {"source_type": "nope"}}"#),
    ))
    .unwrap_err();
    assert!(field_of(err).starts_with("body.media_source"));
}

#[test]
fn an_operation_declaring_basic_security_sends_the_client_credentials() {
    let refresh = input(
        "POST /oauth/token",
        &[],
        &[],
        Some(r#"{"grant_type":"refresh_token","refresh_token":"r-1"}"#),
    );
    let app = Credentials::OAuth2(crate::credentials::OAuth2Credentials {
        client_id: "id".into(),
        client_secret: "secret".into(),
        access_token: "user-token".into(),
        ..Default::default()
    });
    let call = prepare_call(embedded(), &Session::new(app.clone()), &refresh).unwrap();
    assert_eq!(call.auth, Auth::Basic);
    assert_eq!(
        call.request.header("authorization"),
        Some("Basic aWQ6c2VjcmV0")
    );
    assert!(!format!("{:?}", call.request.headers).contains("user-token"));
    assert_eq!(
        call.request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );

    // Without client credentials there is nothing to send: refused, naming
    // what is missing.
    let field = |credentials: &Credentials| match prepare_call(
        embedded(),
        &Session::new(credentials.clone()),
        &refresh,
    ) {
        Err(ConnectorError::InvalidInput { field, reason }) => {
            assert!(reason.contains("HTTP Basic"), "{reason}");
            field
        }
        other => panic!("expected invalid input, got {other:?}"),
    };
    assert_eq!(field(&creds()), "credentials");
    assert_eq!(field(&oauth_with_scopes(&[])), "credentials.client-id");

    // Every other operation keeps the bearer token.
    let call = prepare(&input("GET /user_account", &[], &[], None)).unwrap();
    assert_eq!(call.auth, Auth::Bearer);
    assert_eq!(call.request.header("authorization"), Some("Bearer tok"));
}
