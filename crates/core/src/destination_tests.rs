use super::*;
use crate::http::{Method, NamedBy};

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
        named_by: NamedBy::Connector,
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

#[test]
fn s3_hosts_are_told_apart() {
    for s3 in [
        "pinterest-media-upload.s3-accelerate.amazonaws.com",
        "bucket.s3.amazonaws.com",
        "bucket.s3.us-east-1.amazonaws.com",
        "bucket.s3-us-west-2.amazonaws.com",
        "Bucket.S3.AmazonAWS.com",
    ] {
        assert!(is_s3_host(s3), "{s3}");
    }
    for other in [
        "s3.amazonaws.com.evil.example",
        "amazonaws.com",
        "ec2.us-east-1.amazonaws.com",
        "evil.example",
        "s3-bucket.evil.example",
    ] {
        assert!(!is_s3_host(other), "{other}");
    }
}

#[test]
fn an_s3_url_passes_only_when_pinterest_named_it_and_no_credentials_go() {
    let request = |u: &str, named_by: NamedBy, headers: Vec<(String, String)>| HttpRequest {
        method: Method::Post,
        url: url::Url::parse(u).unwrap(),
        headers,
        body: None,
        named_by,
    };
    let upload = "https://pinterest-media-upload.s3-accelerate.amazonaws.com/";
    let answer = NamedBy::PinterestAnswer;
    assert!(is_for_pinterest(&request(upload, answer, vec![])));
    // A URL the connector chose (a token endpoint, a description's URL a
    // caller passed) never reaches S3.
    assert!(!is_for_pinterest(&request(
        upload,
        NamedBy::Connector,
        vec![]
    )));
    let bearer = vec![("Authorization".into(), "Bearer t".into())];
    assert!(!is_for_pinterest(&request(upload, answer, bearer)));
    for bad in [
        "http://pinterest-media-upload.s3-accelerate.amazonaws.com/",
        "https://pinterest-media-upload.s3-accelerate.amazonaws.com:8443/",
        "https://user:pw@bucket.s3.amazonaws.com/r.csv",
        "https://169.254.169.254/latest",
        "https://evil.example/",
    ] {
        assert!(!is_for_pinterest(&request(bad, answer, vec![])), "{bad}");
    }
    // Pinterest's API hosts pass either way.
    assert!(is_for_pinterest(&request(
        "https://api.pinterest.com/v5/media",
        NamedBy::Connector,
        vec![]
    )));

    let mut transport = PinterestOnly(Counting::default());
    assert!(matches!(
        transport.send(&request(upload, NamedBy::Connector, vec![])),
        Err(ConnectorError::DeniedByHost(_))
    ));
    assert!(transport.send(&request(upload, answer, vec![])).is_ok());
    assert_eq!(transport.0.0, 1);
}

#[test]
fn a_job_url_is_plain_https_or_loopback_http_on_a_loopback_base() {
    let url = |text: &str| url::Url::parse(text).unwrap();
    for urls in [JobUrls::Https, JobUrls::AlsoLoopback] {
        assert!(urls.allow(&url(
            "https://bucket.s3.amazonaws.com/r.csv?X-Amz-Signature=s"
        )));
        assert!(!urls.allow(&url("https://user:pw@bucket.s3.amazonaws.com/")));
        assert!(!urls.allow(&url("http://bucket.s3.amazonaws.com/")));
        assert!(!urls.allow(&url("http://192.0.2.1:9000/")));
        assert!(!urls.allow(&url("ftp://127.0.0.1/")));
    }
    assert!(!JobUrls::Https.allow(&url("http://127.0.0.1:9000/upload")));
    for loopback in [
        "http://127.0.0.1:9000/upload",
        "http://[::1]:9000/",
        "http://localhost:9/r.csv",
    ] {
        assert!(JobUrls::AlsoLoopback.allow(&url(loopback)), "{loopback}");
    }
    assert!(!JobUrls::AlsoLoopback.allow(&url("http://u:p@127.0.0.1:9000/")));
}
