use super::*;

fn uri(s: &str) -> Uri {
    s.parse().unwrap()
}

#[test]
fn default_policy_allows_only_pinterest_over_https() {
    let p = NetworkPolicy::default();
    assert!(
        p.destination(&uri("https://api.pinterest.com/v5/pins"), Reach::Api)
            .is_some()
    );
    assert!(
        p.destination(
            &uri("https://api-sandbox.pinterest.com/v5/pins"),
            Reach::Api
        )
        .is_some()
    );
    assert!(
        p.destination(&uri("https://API.Pinterest.com:443/v5/pins"), Reach::Api)
            .is_some()
    );
    assert!(
        p.destination(&uri("http://api.pinterest.com/v5/pins"), Reach::Api)
            .is_none()
    );
    assert!(
        p.destination(&uri("https://api.pinterest.com:8443/v5/pins"), Reach::Api)
            .is_none()
    );
    assert!(
        p.destination(&uri("https://evil.example/v5/pins"), Reach::Api)
            .is_none()
    );
    assert!(
        p.destination(&uri("https://api.pinterest.com.evil.example/"), Reach::Api)
            .is_none()
    );
    assert!(
        p.destination(&uri("http://127.0.0.1:8080/"), Reach::Api)
            .is_none()
    );
}

#[test]
fn test_hosts_must_be_loopback_and_are_matched_exactly() {
    let addr: SocketAddr = "127.0.0.1:4000".parse().unwrap();
    assert!(
        NetworkPolicy::default()
            .allow_test_host("10.0.0.1:80".parse().unwrap())
            .is_err()
    );
    let p = NetworkPolicy::default().allow_test_host(addr).unwrap();
    assert!(
        p.destination(&uri("http://127.0.0.1:4000/v5/pins"), Reach::Api)
            .is_some()
    );
    assert!(
        p.destination(&uri("http://127.0.0.1:4001/v5/pins"), Reach::Api)
            .is_none()
    );
}

#[test]
fn routes_rewrite_to_the_loopback_address() {
    let addr: SocketAddr = "127.0.0.1:4000".parse().unwrap();
    let p = NetworkPolicy::default()
        .route("api.pinterest.com", addr)
        .unwrap();
    let routed = p
        .destination(&uri("https://api.pinterest.com/v5/pins?a=1"), Reach::Api)
        .unwrap();
    assert_eq!(routed.to_string(), "http://127.0.0.1:4000/v5/pins?a=1");
    assert!(
        p.destination(&uri("https://api.pinterest.com:8443/v5/pins"), Reach::Api)
            .is_none()
    );
    assert!(
        NetworkPolicy::default()
            .route("x", "192.168.0.1:1".parse().unwrap())
            .is_err()
    );
}

#[test]
fn timeouts_are_clamped() {
    let p = NetworkPolicy::default().max_timeout(Duration::from_secs(5));
    let o = p.clamp(Some(RequestOptions {
        connect_timeout: Some(Duration::from_secs(600)),
        first_byte_timeout: Some(Duration::from_secs(1)),
        between_bytes_timeout: None,
    }));
    assert_eq!(o.connect_timeout, Some(Duration::from_secs(5)));
    assert_eq!(o.first_byte_timeout, Some(Duration::from_secs(1)));
    assert_eq!(o.between_bytes_timeout, Some(Duration::from_secs(5)));
}

#[test]
fn deny_all_lets_nothing_out() {
    let p = NetworkPolicy::deny_all();
    assert!(
        p.destination(&uri("https://api.pinterest.com/v5/pins"), Reach::Api)
            .is_none()
    );
    assert!(
        p.destination(
            &uri("https://api-sandbox.pinterest.com/v5/pins"),
            Reach::Api
        )
        .is_none()
    );
}

#[test]
fn the_s3_hosts_of_uploads_and_reports_are_allowed_to_jobs_over_https_443_only() {
    let p = NetworkPolicy::default();
    for allowed in [
        "https://pinterest-media-upload.s3-accelerate.amazonaws.com/",
        "https://pinterest-reports.s3.amazonaws.com/r.csv?X-Amz-Signature=a",
        "https://bucket.s3.us-east-1.amazonaws.com/r.csv",
        "https://bucket.s3-us-west-2.amazonaws.com:443/r.csv",
    ] {
        assert!(
            p.destination(&uri(allowed), Reach::ApiAndS3).is_some(),
            "{allowed}"
        );
        // Any other action (an api-call, a token refresh) reaches no S3
        // host, whatever URL it was given.
        assert!(
            p.destination(&uri(allowed), Reach::Api).is_none(),
            "{allowed}"
        );
    }
    for refused in [
        "http://pinterest-media-upload.s3-accelerate.amazonaws.com/",
        "https://pinterest-media-upload.s3-accelerate.amazonaws.com:8443/",
        "https://s3.amazonaws.com.evil.example/",
        "https://ec2.amazonaws.com/",
        "https://amazonaws.com/",
        "https://s3.amazonaws.com/",
        "https://evil.example/s3.amazonaws.com",
    ] {
        assert!(
            p.destination(&uri(refused), Reach::ApiAndS3).is_none(),
            "{refused}"
        );
    }
    assert!(
        NetworkPolicy::deny_all()
            .destination(&uri("https://bucket.s3.amazonaws.com/"), Reach::ApiAndS3)
            .is_none()
    );
    // A routed S3 host (a mock in its place) keeps the rule.
    let routed = NetworkPolicy::deny_all()
        .route("bucket.s3.amazonaws.com", "127.0.0.1:4000".parse().unwrap())
        .unwrap();
    let object = uri("https://bucket.s3.amazonaws.com/r.csv");
    assert_eq!(
        routed
            .destination(&object, Reach::ApiAndS3)
            .map(|u| u.to_string()),
        Some("http://127.0.0.1:4000/r.csv".into())
    );
    assert!(routed.destination(&object, Reach::Api).is_none());
    assert!(
        routed
            .destination(&uri("https://api.pinterest.com/v5/pins"), Reach::ApiAndS3)
            .is_none()
    );
}
