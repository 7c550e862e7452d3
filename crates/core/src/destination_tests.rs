use super::*;
use crate::http::Method;

#[test]
fn only_pinterest_api_hosts_over_https_pass() {
    let ok = |u: &str| is_pinterest_api(&url::Url::parse(u).unwrap());
    assert!(ok("https://api.pinterest.com/v5/oauth/token"));
    assert!(ok("https://api-sandbox.pinterest.com/v5/pins"));
    assert!(ok("https://API.Pinterest.com:443/v5/pins"));
    for bad in [
        "http://api.pinterest.com/v5/oauth/token",
        "https://api.pinterest.com:8443/v5/oauth/token",
        "https://127.0.0.1/v5/oauth/token",
        "https://localhost/v5/oauth/token",
        "https://api.pinterest.com.evil.example/v5",
        "https://evil.example/api.pinterest.com",
        "https://user:pw@api.pinterest.com/v5",
        "https://www.pinterest.com/oauth/",
        "https://169.254.169.254/latest",
    ] {
        assert!(!ok(bad), "{bad} passed");
    }
}

/// Counts what reaches it.
#[derive(Default)]
struct Counting(u32);

impl Transport for Counting {
    fn send(&mut self, _: &HttpRequest) -> Result<HttpResponse, ConnectorError> {
        self.0 += 1;
        Ok(HttpResponse::new(200, vec![], vec![]))
    }

    fn now(&self) -> u64 {
        0
    }
}

#[test]
fn anything_else_is_denied_before_it_is_sent() {
    let mut transport = PinterestOnly(Counting::default());
    let request = |u: &str| HttpRequest {
        method: Method::Post,
        url: url::Url::parse(u).unwrap(),
        headers: vec![],
        body: None,
    };
    assert!(matches!(
        transport.send(&request("https://127.0.0.1:9/v5/oauth/token")),
        Err(ConnectorError::DeniedByHost(_))
    ));
    assert_eq!(transport.0.0, 0);
    assert!(
        transport
            .send(&request("https://api.pinterest.com/v5/oauth/token"))
            .is_ok()
    );
    assert_eq!(transport.0.0, 1);
}
