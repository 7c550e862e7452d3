use super::*;
use crate::credentials::Credentials;

const BASE: &str = "https://api.pinterest.com/v5";

fn refused(relative: &str) -> bool {
    matches!(resolve_relative(BASE, relative), Err(ConnectorError::InvalidInput { ref field, .. }) if field == "url")
}

#[test]
fn relative_paths_join_the_base() {
    let ok = |r: &str| resolve_relative(BASE, r).unwrap().to_string();
    assert_eq!(ok("/pins"), "https://api.pinterest.com/v5/pins");
    assert_eq!(ok("pins"), "https://api.pinterest.com/v5/pins");
    assert_eq!(
        ok("/pins?page_size=5&bookmark=a%2Fb"),
        "https://api.pinterest.com/v5/pins?page_size=5&bookmark=a%2Fb"
    );
    assert_eq!(
        ok("/user_account"),
        "https://api.pinterest.com/v5/user_account"
    );
    assert_eq!(ok("/pins/a%3Ab"), "https://api.pinterest.com/v5/pins/a%3Ab");
    assert_eq!(ok("/pins/x:y"), "https://api.pinterest.com/v5/pins/x:y");
}

#[test]
fn anything_that_could_leave_the_base_is_refused() {
    for bad in [
        "",
        "https://evil.example/v5/pins",
        "HTTP://api.pinterest.com/v5/pins",
        "javascript:alert(1)",
        "//evil.example/pins",
        "/../v4/pins",
        "pins/../../x",
        "/%2e%2e/x",
        "/%2E./x",
        "/./pins",
        "\\\\evil.example",
        "/pins\\..\\x",
        "/pins\r\nHost: evil",
        "/pins x",
        "/pins\t",
        "/pins#frag",
    ] {
        assert!(refused(bad), "{bad:?} was accepted");
    }
}

#[test]
fn raw_requests_carry_the_token_and_a_checked_body() {
    let creds = Credentials::Sandbox("tok".into());
    let input = RawInput {
        method: Method::Post,
        url: "/pins".into(),
        headers: vec![],
        body: Some(r#"{ "a": 1 }"#.into()),
        no_throw_on_404: false,
    };
    let request = prepare_raw(&Session::new(creds.clone()), &input).unwrap();
    assert_eq!(
        request.url.as_str(),
        "https://api-sandbox.pinterest.com/v5/pins"
    );
    assert_eq!(request.header("authorization"), Some("Bearer tok"));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.body.as_deref(), Some(br#"{"a":1}"#.as_slice()));
    let bad = RawInput {
        body: Some("{".into()),
        ..input
    };
    assert!(
        matches!(prepare_raw(&Session::new(creds.clone()), &bad), Err(ConnectorError::InvalidInput { ref field, .. }) if field == "body")
    );
}

#[test]
fn caller_headers_are_checked_and_replace_the_connectors_own() {
    let creds = Credentials::Sandbox("tok".into());
    let with = |headers: &[(&str, &str)]| RawInput {
        method: Method::Get,
        url: "/pins".into(),
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: None,
        no_throw_on_404: false,
    };
    let request = prepare_raw(
        &Session::new(creds.clone()),
        &with(&[("Accept", "text/csv"), ("X-Trace", "1")]),
    )
    .unwrap();
    assert_eq!(request.header("accept"), Some("text/csv"));
    assert_eq!(request.header("x-trace"), Some("1"));
    assert_eq!(
        request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("accept"))
            .count(),
        1
    );
    for (name, value) in [
        ("Authorization", "Bearer other"),
        ("authorization", "x"),
        ("Host", "evil.example"),
        ("Content-Length", "0"),
        ("Transfer-Encoding", "chunked"),
        ("X-Bad", "a\r\nHost: evil"),
        ("X-Bad", "a\nb"),
        ("Bad Name", "x"),
        ("Bad:Name", "x"),
        ("", "x"),
    ] {
        let error = prepare_raw(&Session::new(creds.clone()), &with(&[(name, value)])).unwrap_err();
        assert!(
            matches!(error, ConnectorError::InvalidInput { ref field, .. } if field.starts_with("headers.")),
            "{name:?}: {value:?} was accepted"
        );
    }
}

#[test]
fn percent_encoded_separators_dots_and_controls_are_refused() {
    // What a server or proxy that decodes paths would read as `../..`,
    // another segment, or a header line of its own.
    for bad in [
        "/pins/%2E%2E%2F%2E%2E%2Foauth",
        "/pins/%2e%2e%2foauth",
        "/pins/a%2Fb",
        "/pins/a%2fb",
        "/pins/a%5Cb",
        "/pins/%252e%252e",
        "/pins/%252F",
        "/pins%0d%0aX-Evil:%201",
        "/pins%00",
        "/pins%7F",
        "/pins?x=%0d%0aX-Evil:%201",
        "/pins?x=%250a",
    ] {
        assert!(refused(bad), "{bad} was accepted");
    }
    // Encoded separators stay allowed in the query, where they are data.
    assert!(!refused("/pins?url=https%3A%2F%2Fexample.com%2Fa%5Cb"));
    assert!(!refused("/pins/%2E%2E.x"));
}
