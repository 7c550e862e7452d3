use super::*;

#[test]
fn taking_the_body_as_text_keeps_valid_utf8_and_replaces_the_rest() {
    let mut valid = HttpResponse::new(200, vec![], "héllo".as_bytes().to_vec());
    assert_eq!(valid.take_body_text(), "héllo");
    assert!(valid.body.is_empty());

    let mut invalid = HttpResponse::new(200, vec![], vec![b'a', 0xff, b'b']);
    assert_eq!(invalid.take_body_text(), "a\u{fffd}b");
    assert_eq!(invalid.body_text(), "");
}

#[test]
fn headers_are_found_ignoring_case_and_authorization_is_never_shown() {
    let request = HttpRequest {
        method: Method::Get,
        url: url::Url::parse("https://api.pinterest.com/v5/pins").unwrap(),
        headers: vec![("Authorization".into(), "Bearer secret-token".into())],
        body: None,
        named_by: NamedBy::Connector,
    };
    assert_eq!(request.header("authorization"), Some("Bearer secret-token"));
    assert!(!format!("{request:?}").contains("secret-token"));
}

#[test]
fn every_body_has_a_length_and_bodiless_writes_say_zero() {
    let request = |method: Method, body: Option<&str>| HttpRequest {
        method,
        url: url::Url::parse("https://api.pinterest.com/v5/pins").unwrap(),
        headers: vec![],
        body: body.map(|b| b.as_bytes().to_vec()),
        named_by: NamedBy::Connector,
    };
    assert_eq!(
        request(Method::Post, Some("{\"a\":1}")).content_length(),
        Some(7)
    );
    assert_eq!(request(Method::Patch, Some("")).content_length(), Some(0));
    assert_eq!(request(Method::Post, None).content_length(), Some(0));
    assert_eq!(request(Method::Put, None).content_length(), Some(0));
    assert_eq!(request(Method::Get, None).content_length(), None);
    assert_eq!(request(Method::Delete, None).content_length(), None);
    assert_eq!(
        request(Method::Delete, Some("[]")).content_length(),
        Some(2)
    );
}
