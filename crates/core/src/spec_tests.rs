use super::*;
use crate::http::HttpResponse;

struct Serve {
    status: u16,
    body: String,
    sent: Vec<HttpRequest>,
}

impl Transport for Serve {
    fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ConnectorError> {
        self.sent.push(request.clone());
        Ok(HttpResponse {
            status: self.status,
            headers: vec![],
            body: self.body.clone().into_bytes(),
            attempts: 1,
            received_at: None,
        })
    }

    fn now(&self) -> u64 {
        0
    }
}

fn serve(status: u16, body: &str) -> Serve {
    Serve {
        status,
        body: body.into(),
        sent: vec![],
    }
}

const SMALL: &str = r#"{"openapi":"3.0.3","info":{"title":"T","version":"9"},"paths":{"/a":{"get":{"operationId":"a/get"}}}}"#;

#[test]
fn embedded_is_borrowed_and_sends_nothing() {
    let mut t = serve(200, "");
    let catalog = load_catalog(&SpecSource::Embedded, &mut t).unwrap();
    assert!(matches!(catalog, Cow::Borrowed(_)));
    assert_eq!(catalog.operations.len(), 142);
    assert!(t.sent.is_empty());
}

#[test]
fn inline_json_is_read() {
    let catalog = load_catalog(&SpecSource::Json(SMALL.into()), &mut serve(200, "")).unwrap();
    assert_eq!(catalog.version, "9");
    let err = load_catalog(&SpecSource::Json("{".into()), &mut serve(200, "")).unwrap_err();
    assert!(matches!(err, ConnectorError::InvalidInput { ref field, .. } if field == "spec"));
    let empty = r#"{"paths":{}}"#;
    assert!(load_catalog(&SpecSource::Json(empty.into()), &mut serve(200, "")).is_err());
}

#[test]
fn urls_are_fetched_without_credentials_over_https_only() {
    let mut t = serve(200, SMALL);
    let catalog = load_catalog(
        &SpecSource::Url("https://specs.example/v.json".into()),
        &mut t,
    )
    .unwrap();
    assert_eq!(catalog.operations.get(0).unwrap().id, "a/get");
    assert_eq!(t.sent[0].url.as_str(), "https://specs.example/v.json");
    assert!(t.sent[0].header("authorization").is_none());
    for bad in [
        "http://specs.example/v.json",
        "file:///etc/passwd",
        "not a url",
    ] {
        let err = load_catalog(&SpecSource::Url(bad.into()), &mut serve(200, SMALL)).unwrap_err();
        assert!(
            matches!(err, ConnectorError::InvalidInput { ref field, .. } if field == "spec"),
            "{bad}"
        );
    }
    let err = load_catalog(
        &SpecSource::Url("https://specs.example/none".into()),
        &mut serve(404, ""),
    )
    .unwrap_err();
    assert!(matches!(err, ConnectorError::NotFound(_)));
}
