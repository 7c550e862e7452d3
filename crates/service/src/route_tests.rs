use super::*;

#[test]
fn routes_answer_their_method_only() {
    assert_eq!(route("GET", "/"), Ok(Route::Index));
    assert_eq!(route("GET", "/endpoints"), Ok(Route::Endpoints));
    assert_eq!(route("POST", "/api-call"), Ok(Route::ApiCall));
    assert_eq!(route("POST", "/raw-request"), Ok(Route::RawRequest));
    assert_eq!(
        route("POST", "/verify-credentials"),
        Ok(Route::VerifyCredentials)
    );
    assert_eq!(
        route("GET", "/endpoints/pins/list"),
        Ok(Route::Endpoint("pins/list".into()))
    );
    assert_eq!(
        route("GET", "/endpoints/GET%20%2Fpins%2F%7Bpin_id%7D"),
        Ok(Route::Endpoint("GET /pins/{pin_id}".into()))
    );
    let wrong = route("GET", "/api-call").unwrap_err();
    assert_eq!(wrong.status, 405);
    assert!(wrong.headers.contains(&("allow".into(), "POST".into())));
    assert_eq!(route("POST", "/endpoints").unwrap_err().status, 405);
    let missing = route("GET", "/pins").unwrap_err();
    assert_eq!(missing.status, 404);
    assert!(String::from_utf8_lossy(&missing.body).contains("no-such-route"));
    assert_eq!(route("GET", "/endpoints/").unwrap_err().status, 404);
    assert_eq!(route("GET", "/endpoints/%FF").unwrap_err().status, 400);
}
