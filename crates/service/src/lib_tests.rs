use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use pinterest_connector_core::error::ConnectorError;
use pinterest_connector_core::http::{HttpRequest, HttpResponse};
use serde_json::Value;

use super::*;

/// Answers requests from a script, in order, and keeps them.
#[derive(Default)]
struct Scripted {
    answers: VecDeque<Result<HttpResponse, ConnectorError>>,
    sent: Vec<HttpRequest>,
}

/// A [`Scripted`] transport the test keeps a handle on.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Scripted>>);

impl Transport for Shared {
    fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ConnectorError> {
        let mut scripted = self.0.borrow_mut();
        scripted.sent.push(request.clone());
        scripted
            .answers
            .pop_front()
            .unwrap_or_else(|| panic!("unscripted request to {}", request.url))
    }

    fn now(&self) -> u64 {
        NOW
    }
}

/// A runtime over a [`Scripted`] transport that keeps
/// the options each action asked for.
struct Fixed {
    transport: Shared,
    options: Vec<CallOptions>,
}

impl Fixed {
    fn new(answers: Vec<Result<HttpResponse, ConnectorError>>) -> Fixed {
        let scripted = Scripted {
            answers: answers.into(),
            sent: vec![],
        };
        Fixed {
            transport: Shared(Rc::new(RefCell::new(scripted))),
            options: vec![],
        }
    }

    fn sent(&self) -> Vec<HttpRequest> {
        self.transport.0.borrow().sent.clone()
    }
}

impl Runtime for Fixed {
    type Transport = Shared;
    fn transport(&mut self, options: CallOptions) -> Shared {
        self.options.push(options);
        self.transport.clone()
    }
}

/// A request without headers.
fn at<'a>(method: &'a str, path: &'a str, body: &'a [u8]) -> ServiceRequest<'a> {
    ServiceRequest {
        method,
        path,
        headers: &[],
        body,
    }
}

/// The transport's clock, in Unix seconds.
const NOW: u64 = 1_700_000_000;

const TOKEN: &str = "secret-access-token-77";

fn ok(body: &str) -> Result<HttpResponse, ConnectorError> {
    Ok(HttpResponse::new(
        200,
        vec![("content-type".into(), "application/json".into())],
        body.as_bytes().to_vec(),
    ))
}

fn status(status: u16, body: &str) -> Result<HttpResponse, ConnectorError> {
    Ok(HttpResponse::new(status, vec![], body.as_bytes().to_vec()))
}

/// Serves one request against `answers`; the answer, its parsed body and
/// what was sent.
fn serve_once(
    method: &str,
    path: &str,
    body: &Value,
    answers: Vec<Result<HttpResponse, ConnectorError>>,
) -> (Answer, Value, Vec<HttpRequest>) {
    let mut runtime = Fixed::new(answers);
    let body = body.to_string();
    let Reply::Done(answer) = serve(&mut runtime, at(method, path, body.as_bytes())) else {
        panic!("expected a whole answer");
    };
    let parsed: Value = serde_json::from_slice(&answer.body).expect("the answer is JSON");
    (answer, parsed, runtime.sent())
}

fn sandbox() -> Value {
    serde_json::json!({ "sandbox": TOKEN })
}

#[test]
fn endpoints_list_the_embedded_catalog() {
    let (answer, body, sent) = serve_once("GET", "/endpoints", &Value::Null, vec![]);
    assert_eq!(answer.status, 200);
    let list = body["endpoints"].as_array().unwrap();
    assert_eq!(
        list.len(),
        pinterest_connector_core::catalog::embedded()
            .operations
            .len()
    );
    let pins = list.iter().find(|e| e["id"] == "pins/list").unwrap();
    assert_eq!(pins["method"], "GET");
    assert_eq!(pins["path"], "/pins");
    assert_eq!(pins["paginated"], true);
    assert!(sent.is_empty());
}

#[test]
fn an_endpoint_comes_with_its_input_schema() {
    for path in [
        "/endpoints/pins/get",
        "/endpoints/GET%20%2Fpins%2F%7Bpin_id%7D",
    ] {
        let (answer, body, _) = serve_once("GET", path, &Value::Null, vec![]);
        assert_eq!(answer.status, 200, "{path}");
        assert_eq!(body["id"], "pins/get");
        assert_eq!(
            body["input_schema"]["properties"]["path"]["required"][0],
            "pin_id"
        );
    }
    let (answer, body, _) = serve_once("GET", "/endpoints/nope", &Value::Null, vec![]);
    assert_eq!(answer.status, 404);
    assert_eq!(body["error"]["kind"], "no-such-endpoint");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("nope"),
        "{body}"
    );
}

#[test]
fn verify_credentials_names_the_account_and_sends_the_token() {
    let (answer, body, sent) = serve_once(
        "POST",
        "/verify-credentials",
        &serde_json::json!({ "credentials": sandbox() }),
        vec![ok(r#"{"username":"someone","account_type":"BUSINESS"}"#)],
    );
    assert_eq!(answer.status, 200, "{body}");
    assert_eq!(body["username"], "someone");
    assert_eq!(body["account"]["account_type"], "BUSINESS");
    assert!(body.get("refreshed_credentials").is_none());
    assert_eq!(
        sent[0].url.as_str(),
        "https://api-sandbox.pinterest.com/v5/user_account"
    );
    assert_eq!(
        sent[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert!(!body.to_string().contains(TOKEN));
}

#[test]
fn a_refused_token_answers_401_without_the_token() {
    let (answer, body, _) = serve_once(
        "POST",
        "/verify-credentials",
        &serde_json::json!({ "credentials": { "oauth2": { "access_token": TOKEN } } }),
        vec![status(
            401,
            &format!(r#"{{"code":2,"message":"Authentication failed for {TOKEN}."}}"#),
        )],
    );
    assert_eq!(answer.status, 401);
    assert_eq!(body["error"]["kind"], "unauthorized");
    assert_eq!(body["error"]["code"], 2);
    assert!(!body.to_string().contains(TOKEN), "{body}");
}

#[test]
fn a_rate_limit_answers_429_with_retry_after() {
    let limited = Ok(HttpResponse::new(
        429,
        vec![("retry-after".into(), "7".into())],
        br#"{"code":8,"message":"slow down"}"#.to_vec(),
    ));
    let (answer, body, _) = serve_once(
        "POST",
        "/raw-request",
        &serde_json::json!({
            "credentials": sandbox(), "method": "GET", "url": "/boards",
            "options": { "max_attempts": 1 },
        }),
        vec![limited],
    );
    assert_eq!(answer.status, 429, "{body}");
    assert!(answer.headers.contains(&("retry-after".into(), "7".into())));
    assert_eq!(body["error"]["kind"], "rate-limited");
    assert_eq!(body["error"]["retry_after_seconds"], 7);
    let message = body["error"]["pinterest_message"].as_str().unwrap();
    assert!(
        message.starts_with("slow down (Pinterest code 8:"),
        "{message}"
    );
}

#[test]
fn a_reset_instant_answers_the_seconds_left() {
    // The transport stamps when the answer arrived.
    let limited = Ok(HttpResponse::new(
        429,
        vec![("x-ratelimit-reset".into(), (NOW + 67_000).to_string())],
        br#"{"code":8,"message":"max rate limit exceeded"}"#.to_vec(),
    )
    .received_at(NOW));
    let (answer, body, _) = serve_once(
        "POST",
        "/raw-request",
        &serde_json::json!({ "credentials": sandbox(), "method": "GET", "url": "/boards" }),
        vec![limited],
    );
    assert_eq!(answer.status, 429, "{body}");
    assert!(
        answer
            .headers
            .contains(&("retry-after".into(), "67000".into())),
        "{:?}",
        answer.headers
    );
    assert_eq!(body["error"]["retry_after_seconds"], 67_000);
}

#[test]
fn raw_request_answers_a_404_when_asked_to() {
    let request = |no_throw: bool| {
        serde_json::json!({
            "credentials": sandbox(), "method": "get", "url": "/pins/1",
            "headers": { "x-extra": "1" }, "no_throw_on_404": no_throw,
        })
    };
    let not_found = || status(404, r#"{"code":3,"message":"Pin not found."}"#);
    let (answer, body, sent) =
        serve_once("POST", "/raw-request", &request(true), vec![not_found()]);
    assert_eq!(answer.status, 200);
    assert_eq!(body["status"], 404);
    assert_eq!(body["body"]["message"], "Pin not found.");
    assert_eq!(sent[0].header("x-extra"), Some("1"));
    let (answer, body, _) = serve_once("POST", "/raw-request", &request(false), vec![not_found()]);
    assert_eq!(answer.status, 404);
    assert_eq!(body["error"]["kind"], "not-found");
}

#[test]
fn api_call_takes_params_as_json_and_answers_the_body_as_json() {
    let (answer, body, sent) = serve_once(
        "POST",
        "/api-call",
        &serde_json::json!({
            "credentials": sandbox(),
            "endpoint": "GET /boards/{board_id}/pins",
            "path_params": { "board_id": 12345 },
            "query_params": { "page_size": 25 },
        }),
        vec![ok(r#"{"items":[{"id":"1"}],"bookmark":"b2"}"#)],
    );
    assert_eq!(answer.status, 200, "{body}");
    assert_eq!(body["status"], 200);
    assert_eq!(body["body"]["items"][0]["id"], "1");
    assert_eq!(body["next_bookmark"], "b2");
    assert_eq!(
        sent[0].url.as_str(),
        "https://api-sandbox.pinterest.com/v5/boards/12345/pins?page_size=25"
    );
}

#[test]
fn api_call_sends_its_json_body_as_given() {
    let (answer, body, sent) = serve_once(
        "POST",
        "/api-call",
        &serde_json::json!({
            "credentials": sandbox(),
            "endpoint": "boards/create",
            "body": { "name": "Recipes" },
        }),
        vec![status(201, r#"{"id":"9","name":"Recipes"}"#)],
    );
    assert_eq!(answer.status, 200, "{body}");
    assert_eq!(body["status"], 201);
    let sent_body: Value = serde_json::from_slice(sent[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(sent_body, serde_json::json!({ "name": "Recipes" }));
}

#[test]
fn bad_requests_are_refused_before_anything_is_sent() {
    let cases = [
        (serde_json::json!("not an object"), "body"),
        (serde_json::json!({ "endpoint": "GET /pins" }), "body"),
        (
            serde_json::json!({ "credentials": sandbox(), "endpoint": "GET /pins", "typo": 1 }),
            "typo",
        ),
        (
            serde_json::json!({ "credentials": sandbox(), "endpoint": "GET /pins/{pin_id}" }),
            "path.pin_id",
        ),
        (
            serde_json::json!({
                "credentials": sandbox(), "endpoint": "GET /pins",
                "spec": { "url": "http://169.254.169.254/latest" },
            }),
            "spec",
        ),
        (
            serde_json::json!({
                "credentials": sandbox(), "endpoint": "GET /pins",
                "options": { "max_attempts": 0 },
            }),
            "",
        ),
        (
            serde_json::json!({
                "credentials": sandbox(), "endpoint": "GET /pins",
                "options": { "api_base": "http://127.0.0.1:1/v5" },
            }),
            "options.api_base",
        ),
    ];
    for (request, field) in cases {
        let (answer, body, sent) = serve_once("POST", "/api-call", &request, vec![]);
        assert_eq!(answer.status, 400, "{request}: {body}");
        assert_eq!(body["error"]["kind"], "invalid-input", "{body}");
        assert!(
            body["error"]["field"].as_str().unwrap().contains(field),
            "{request}: {body}"
        );
        assert!(sent.is_empty());
    }
    let (answer, _, _) = serve_once("POST", "/verify-credentials", &Value::Null, vec![]);
    assert_eq!(answer.status, 400);
}

#[test]
fn a_token_in_the_wrong_field_is_not_echoed() {
    let (answer, body, _) = serve_once(
        "POST",
        "/verify-credentials",
        &serde_json::json!({ "credentials": { "oauth2": { "access_token": "a", "expires_at": TOKEN } } }),
        vec![],
    );
    assert_eq!(answer.status, 400);
    assert!(!body.to_string().contains(TOKEN), "{body}");
    assert!(
        body["error"]["reason"]
            .as_str()
            .unwrap()
            .contains("expected u64")
    );
}

#[test]
fn an_expired_token_is_refreshed_and_handed_back() {
    let (answer, body, sent) = serve_once(
        "POST",
        "/verify-credentials",
        &serde_json::json!({ "credentials": { "oauth2": {
            "client_id": "app", "client_secret": "app-secret",
            "access_token": TOKEN, "refresh_token": "refresh-1", "expires_at": 10,
        } } }),
        vec![
            ok(r#"{"access_token":"access-2","expires_in":1000,"refresh_token":"refresh-2"}"#),
            ok(r#"{"username":"someone","account_type":"PINNER"}"#),
        ],
    );
    assert_eq!(answer.status, 200, "{body}");
    assert_eq!(
        sent[0].url.as_str(),
        "https://api.pinterest.com/v5/oauth/token"
    );
    let fresh = &body["refreshed_credentials"]["oauth2"];
    assert_eq!(fresh["access_token"], "access-2");
    assert_eq!(fresh["refresh_token"], "refresh-2");
    assert_eq!(fresh["expires_at"], NOW + 1_000);
    assert_eq!(fresh["client_id"], "app");
}

fn page(items: usize, bookmark: Option<&str>) -> Result<HttpResponse, ConnectorError> {
    let items: Vec<Value> = (0..items).map(|i| serde_json::json!({ "id": i })).collect();
    ok(&serde_json::json!({ "items": items, "bookmark": bookmark }).to_string())
}

/// Serves a paginated api-call; the lines, each parsed.
fn walk(answers: Vec<Result<HttpResponse, ConnectorError>>, max_pages: Option<u32>) -> Vec<Value> {
    let mut runtime = Fixed::new(answers);
    let request = serde_json::json!({
        "credentials": sandbox(), "endpoint": "pins/list",
        "paginate": { "max_pages": max_pages },
        "options": { "max_attempts": 1 },
    });
    let Reply::Pages(mut lines) = serve(
        &mut runtime,
        at("POST", "/api-call", request.to_string().as_bytes()),
    ) else {
        panic!("expected pages");
    };
    let mut out = Vec::new();
    while let Some(line) = lines.next_line() {
        assert_eq!(line.last(), Some(&b'\n'));
        assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1);
        out.push(serde_json::from_slice(&line).unwrap());
    }
    out
}

#[test]
fn a_walk_answers_a_line_per_page_then_done() {
    let lines = walk(
        vec![page(3, Some("b1")), page(3, Some("b2")), page(2, None)],
        None,
    );
    assert_eq!(lines.len(), 4);
    for (index, line) in lines[..3].iter().enumerate() {
        assert_eq!(line["page"]["index"], index);
        assert_eq!(line["page"]["status"], 200);
    }
    assert_eq!(lines[0]["page"]["next_bookmark"], "b1");
    assert_eq!(lines[2]["page"]["body"]["items"][1]["id"], 1);
    assert_eq!(
        lines[3]["done"],
        serde_json::json!({ "pages": 3, "items": 8 })
    );
}

#[test]
fn max_pages_ends_the_walk_early() {
    let lines = walk(vec![page(3, Some("b1")), page(3, Some("b2"))], Some(2));
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[2]["done"]["pages"], 2);
}

#[test]
fn a_failed_page_ends_the_stream_with_the_bookmark_to_resume_from() {
    let lines = walk(
        vec![
            page(3, Some("b1")),
            status(500, r#"{"code":1,"message":"boom"}"#),
        ],
        None,
    );
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["error"]["kind"], "upstream");
    assert_eq!(lines[1]["next_bookmark"], "b1");
}

#[test]
fn a_walk_that_cannot_start_is_an_error_answer() {
    let mut runtime = Fixed::new(vec![status(403, r#"{"code":29,"message":"no"}"#)]);
    let request = serde_json::json!({
        "credentials": sandbox(), "endpoint": "pins/list", "paginate": {},
    });
    let reply = serve(
        &mut runtime,
        at("POST", "/api-call", request.to_string().as_bytes()),
    );
    let Reply::Done(answer) = reply else {
        panic!("expected an error answer");
    };
    assert_eq!(answer.status, 403);
    let (answer, _, _) = serve_once(
        "POST",
        "/api-call",
        &serde_json::json!({ "credentials": sandbox(), "endpoint": "pins/get", "paginate": {} }),
        vec![],
    );
    assert_eq!(answer.status, 400, "pins/get does not paginate");
}

#[test]
fn options_reach_the_transport() {
    let mut runtime = Fixed::new(vec![ok(r#"{"username":"u"}"#)]);
    let request = serde_json::json!({
        "credentials": sandbox(),
        "options": { "first_byte_timeout_ms": 1500, "max_response_bytes": 4096 },
    });
    let reply = serve(
        &mut runtime,
        at(
            "POST",
            "/verify-credentials",
            request.to_string().as_bytes(),
        ),
    );
    assert!(matches!(reply, Reply::Done(Answer { status: 200, .. })));
    let options = runtime.options[0];
    assert_eq!(options.first_byte_timeout.as_millis(), 1500);
    assert_eq!(options.max_response_bytes, 4096);
    assert_eq!(
        options.connect_timeout,
        CallOptions::default().connect_timeout
    );
}

#[test]
fn a_token_endpoint_off_pinterest_is_refused_and_nothing_is_sent() {
    for endpoint in [
        "https://127.0.0.1:9/v5/oauth/token",
        "http://127.0.0.1:9/v5/oauth/token",
        "https://localhost/v5/oauth/token",
        "https://tokens.example/v5/oauth/token",
        "not a url",
    ] {
        let request = serde_json::json!({ "credentials": { "oauth2": {
            "client_id": "c", "client_secret": "s", "access_token": "a",
            "refresh_token": "r", "expires_at": 1, "token_endpoint": endpoint,
        } } });
        for route in ["/verify-credentials", "/raw-request", "/api-call"] {
            let mut request = request.clone();
            if route == "/raw-request" {
                request["method"] = "GET".into();
                request["url"] = "/boards".into();
            } else if route == "/api-call" {
                request["endpoint"] = "GET /boards".into();
            }
            let (answer, body, sent) = serve_once("POST", route, &request, vec![]);
            assert_eq!(answer.status, 400, "{route} {endpoint}: {body}");
            assert_eq!(body["error"]["kind"], "invalid-input");
            assert_eq!(body["error"]["field"], "credentials.oauth2.token_endpoint");
            assert!(sent.is_empty(), "{route} {endpoint} sent {sent:?}");
        }
    }
    // Pinterest's own, named explicitly, is accepted.
    let (answer, body, sent) = serve_once(
        "POST",
        "/verify-credentials",
        &serde_json::json!({ "credentials": { "oauth2": {
            "client_id": "c", "client_secret": "s", "access_token": TOKEN,
            "refresh_token": "r", "expires_at": 1,
            "token_endpoint": "https://api.pinterest.com/v5/oauth/token",
        } } }),
        vec![
            ok(r#"{"access_token":"a-2","expires_in":1000}"#),
            ok(r#"{"username":"someone","account_type":"PINNER"}"#),
        ],
    );
    assert_eq!(answer.status, 200, "{body}");
    assert_eq!(sent.len(), 2);
}

/// What Pinterest answers a video's registration.
fn registration() -> Result<HttpResponse, ConnectorError> {
    ok(r#"{"media_id":"12345","media_type":"video",
        "upload_url":"https://pinterest-media-upload.s3-accelerate.amazonaws.com/",
        "upload_parameters":{"key":"uploads/12345","policy":"p","x-amz-signature":"s"}}"#)
}

#[test]
fn a_video_is_the_body_and_its_arguments_a_header() {
    let mut runtime = Fixed::new(vec![
        registration(),
        Ok(HttpResponse::new(204, vec![], vec![])),
        ok(r#"{"status":"processing"}"#),
        ok(r#"{"status":"succeeded"}"#),
    ]);
    let arg = serde_json::json!({
        "credentials": { "oauth2": { "access_token": TOKEN } },
        "file_name": "clip.mp4",
        "wait": { "max_polls": 3, "poll_interval_ms": 1 },
    })
    .to_string();
    let headers = [
        (UPLOAD_ARG_HEADER.to_owned(), arg),
        ("Content-Type".to_owned(), "video/mp4".to_owned()),
    ];
    let video = b"\x00\x00\x00\x18ftypmp42 a small video";
    let reply = serve(
        &mut runtime,
        ServiceRequest {
            method: "POST",
            path: "/upload-media",
            headers: &headers,
            body: video,
        },
    );
    let Reply::Done(answer) = reply else {
        panic!("a whole answer");
    };
    let body: Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(answer.status, 200, "{body}");
    assert_eq!(body["media_id"], "12345");
    let sent = runtime.sent();
    assert_eq!(sent.len(), 4);
    let upload = &sent[1];
    assert_eq!(
        upload.url.host_str(),
        Some("pinterest-media-upload.s3-accelerate.amazonaws.com")
    );
    assert_eq!(
        upload.header("authorization"),
        None,
        "no token to the upload host"
    );
    let multipart = upload.body.as_deref().unwrap();
    let text = String::from_utf8_lossy(multipart);
    assert!(text.contains("filename=\"clip.mp4\""), "{text}");
    assert!(text.contains("Content-Type: video/mp4"), "{text}");
    assert!(multipart.windows(video.len()).any(|w| w == video));
    assert!(sent[2].url.path().ends_with("/media/12345"));
}

#[test]
fn an_upload_without_its_arguments_or_media_type_is_refused_before_sending() {
    let mut runtime = Fixed::new(vec![]);
    let Reply::Done(answer) = serve(&mut runtime, at("POST", "/upload-media", b"video")) else {
        panic!("a whole answer");
    };
    assert_eq!(answer.status, 400);
    let body: Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(body["error"]["field"], UPLOAD_ARG_HEADER);

    let arg = serde_json::json!({ "credentials": sandbox() }).to_string();
    let headers = [(UPLOAD_ARG_HEADER.to_owned(), arg)];
    let Reply::Done(answer) = serve(
        &mut runtime,
        ServiceRequest {
            method: "POST",
            path: "/upload-media",
            headers: &headers,
            body: b"video",
        },
    ) else {
        panic!("a whole answer");
    };
    let body: Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(answer.status, 400, "{body}");
    assert_eq!(body["error"]["field"], "content_type");
    assert!(runtime.sent().is_empty());
    assert_eq!(max_body_bytes("/upload-media"), MAX_UPLOAD_BYTES);
    assert_eq!(max_body_bytes("/api-call"), MAX_JSON_BYTES);
}

#[test]
fn a_report_is_created_then_answered_as_it_downloads() {
    let oauth = serde_json::json!({ "oauth2": { "access_token": TOKEN } });
    let (answer, body, sent) = serve_once(
        "POST",
        "/create-report",
        &serde_json::json!({
            "credentials": oauth, "ad_account_id": "549755885175",
            "body": { "start_date": "2024-01-01", "end_date": "2024-01-31",
                      "granularity": "DAY", "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR"] },
        }),
        vec![ok(
            r#"{"token":"report-token-1","report_status":"IN_PROGRESS"}"#,
        )],
    );
    assert_eq!(answer.status, 200, "{body}");
    assert_eq!(body["token"], "report-token-1");
    assert!(
        sent[0]
            .url
            .path()
            .ends_with("/ad_accounts/549755885175/reports")
    );

    let csv = "DATE,SPEND_IN_DOLLAR\n2024-01-01,1.5\n";
    let mut runtime = Fixed::new(vec![
        ok(r#"{"report_status":"IN_PROGRESS"}"#),
        ok(
            r#"{"report_status":"FINISHED","url":"https://reports.s3.amazonaws.com/r.csv?X-Amz-Signature=x","size":33}"#,
        ),
        Ok(HttpResponse::new(200, vec![], csv.as_bytes().to_vec())),
    ]);
    let request = serde_json::json!({
        "credentials": oauth, "ad_account_id": "549755885175", "token": "report-token-1",
        "wait": { "poll_interval_ms": 1 },
    });
    let Reply::Report(mut report) = serve(
        &mut runtime,
        at("POST", "/download-report", request.to_string().as_bytes()),
    ) else {
        panic!("a report");
    };
    assert!(
        report
            .headers()
            .contains(&("content-type".into(), "text/csv".into()))
    );
    assert!(
        report
            .headers()
            .contains(&("pinterest-report-size".into(), "33".into()))
    );
    let mut got = Vec::new();
    while let Some(chunk) = report.next_chunk().unwrap() {
        got.extend(chunk);
    }
    assert_eq!(got, csv.as_bytes());
    let sent = runtime.sent();
    assert_eq!(
        sent[2].header("authorization"),
        None,
        "no token to the download host"
    );
}

#[test]
fn a_report_that_ended_otherwise_is_an_error_answer() {
    let request = serde_json::json!({
        "credentials": { "oauth2": { "access_token": TOKEN } }, "ad_account_id": "1", "token": "t",
        "wait": { "max_polls": 2, "poll_interval_ms": 1 },
    });
    let mut runtime = Fixed::new(vec![ok(r#"{"report_status":"EXPIRED"}"#)]);
    let reply = serve(
        &mut runtime,
        at("POST", "/download-report", request.to_string().as_bytes()),
    );
    let Reply::Done(answer) = reply else {
        panic!("an error answer");
    };
    let body: Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(answer.status, 502, "{body}");
    assert_eq!(body["error"]["kind"], "job-failed");
    assert_eq!(body["error"]["state"], "EXPIRED");
}

/// A list page of pins with the server's `Date`.
fn pins_page(ids: &[&str], date: &str) -> Result<HttpResponse, ConnectorError> {
    let items: Vec<Value> = ids
        .iter()
        .map(|id| serde_json::json!({"id": id, "created_at": "2026-12-02T18:00:00", "title": id}))
        .collect();
    Ok(HttpResponse::new(
        200,
        vec![("date".into(), date.into())],
        serde_json::json!({"items": items, "bookmark": null})
            .to_string()
            .into_bytes(),
    ))
}

#[test]
fn poll_hands_back_a_cursor_and_then_the_new_items_as_json() {
    let date = "Wed, 02 Dec 2026 17:59:00 GMT";
    let first = serde_json::json!({
        "credentials": sandbox(), "trigger": {"kind": "new-pin"}, "page_size": 10,
    });
    let (answer, out, sent) = serve_once("POST", "/poll", &first, vec![pins_page(&["1"], date)]);
    assert_eq!(answer.status, 200, "{out}");
    assert_eq!(out["items"], serde_json::json!([]));
    assert_eq!(out["more"], false);
    assert_eq!(sent[0].url.query(), Some("page_size=10"));
    let cursor = out["cursor"].as_str().unwrap();

    let later = serde_json::json!({
        "credentials": sandbox(), "trigger": {"kind": "new-pin"}, "cursor": cursor,
    });
    let (_, out, _) = serve_once(
        "POST",
        "/poll",
        &later,
        vec![pins_page(&["3", "2", "1"], date)],
    );
    let ids: Vec<&str> = out["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["2", "3"], "oldest first: {out}");
    assert_eq!(out["items"][0]["item"]["title"], "2", "the item as listed");
    assert!(out["cursor"].as_str().unwrap().starts_with("v1."));

    let foreign = serde_json::json!({
        "credentials": sandbox(), "trigger": {"kind": "new-board"}, "cursor": cursor,
    });
    let (answer, out, sent) = serve_once("POST", "/poll", &foreign, vec![]);
    assert_eq!(answer.status, 400);
    assert_eq!(out["error"]["field"], "cursor", "{out}");
    assert!(sent.is_empty());
}

#[test]
fn poll_refuses_an_unknown_trigger_kind() {
    let body = serde_json::json!({"credentials": sandbox(), "trigger": {"kind": "new-follower"}});
    let (answer, out, sent) = serve_once("POST", "/poll", &body, vec![]);
    assert_eq!(answer.status, 400, "{out}");
    assert_eq!(out["error"]["kind"], "invalid-input");
    assert!(sent.is_empty());
}

/// One JSON-RPC request to an MCP path with `headers`; the answer and its
/// JSON.
fn mcp_request(
    path: &str,
    headers: &[(String, String)],
    message: &Value,
    answers: Vec<Result<HttpResponse, ConnectorError>>,
) -> (Answer, Value, Vec<HttpRequest>) {
    let mut runtime = Fixed::new(answers);
    let body = message.to_string();
    let request = ServiceRequest {
        method: "POST",
        path,
        headers,
        body: body.as_bytes(),
    };
    let Reply::Done(answer) = serve(&mut runtime, request) else {
        panic!("expected a whole answer");
    };
    let parsed = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    (answer, parsed, runtime.sent())
}

fn bearer(token: &str) -> Vec<(String, String)> {
    vec![("Authorization".into(), format!("Bearer {token}"))]
}

#[test]
fn mcp_initializes_lists_tools_and_accepts_notifications() {
    let init = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-03-26", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}});
    let (answer, out, _) = mcp_request("/mcp", &[], &init, vec![]);
    assert_eq!(answer.status, 200);
    assert_eq!(out["id"], 1);
    assert_eq!(out["result"]["protocolVersion"], "2025-03-26");
    assert_eq!(out["result"]["serverInfo"]["name"], "pinterest-connector");

    let note = serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let (answer, _, _) = mcp_request("/mcp", &[], &note, vec![]);
    assert_eq!(answer.status, 202);

    let list = serde_json::json!({"jsonrpc": "2.0", "id": "a", "method": "tools/list"});
    let (_, out, _) = mcp_request("/mcp/read-only", &[], &list, vec![]);
    let names: Vec<&str> = out["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"read_endpoint"));
    assert!(!names.contains(&"write_endpoint"), "{names:?}");

    let unknown = serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "resources/list"});
    let (_, out, _) = mcp_request("/mcp", &[], &unknown, vec![]);
    assert_eq!(out["error"]["code"], -32601);
}

#[test]
fn mcp_tools_call_pinterest_with_the_gateways_token_only() {
    let call = serde_json::json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "read_endpoint", "arguments": {"endpoint": "GET /boards",
                   "query_params": {"page_size": 2}, "paginate": {"max_items": 3}}}});
    let page =
        |items: &str, bookmark: &str| ok(&format!(r#"{{"items":{items},"bookmark":{bookmark}}}"#));
    let (_, out, sent) = mcp_request(
        "/mcp",
        &bearer(TOKEN),
        &call,
        vec![
            page(r#"[{"id":"1"},{"id":"2"}]"#, r#""b2""#),
            page(r#"[{"id":"3"},{"id":"4"}]"#, r#""b3""#),
        ],
    );
    let result = &out["result"];
    assert_eq!(result["isError"], false, "{out}");
    assert_eq!(
        result["structuredContent"]["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(result["structuredContent"]["truncated"], true);
    let text: Value = serde_json::from_str(result["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(text, result["structuredContent"]);
    assert_eq!(
        sent.len(),
        2,
        "the walk stopped once it had the items asked for"
    );
    assert_eq!(
        sent[0]
            .headers
            .iter()
            .find(|(n, _)| n == "Authorization")
            .unwrap()
            .1,
        format!("Bearer {TOKEN}")
    );

    // Without the header: a tool error, nothing sent.
    let (_, out, sent) = mcp_request("/mcp", &[], &call, vec![]);
    assert_eq!(out["result"]["isError"], true);
    assert_eq!(
        out["result"]["structuredContent"]["error"]["kind"],
        "unauthorized"
    );
    assert!(sent.is_empty());
}

#[test]
fn mcp_refuses_writes_in_read_only_mode_and_reports_typed_errors() {
    let delete = serde_json::json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
        "params": {"name": "raw_request", "arguments": {"method": "DELETE", "url": "/pins/1"}}});
    let (_, out, sent) = mcp_request("/mcp/read-only", &bearer(TOKEN), &delete, vec![]);
    assert_eq!(out["result"]["isError"], true, "{out}");
    assert_eq!(
        out["result"]["structuredContent"]["error"]["kind"],
        "forbidden-by-mode"
    );
    assert!(sent.is_empty());

    let wrong_tool = serde_json::json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call",
        "params": {"name": "read_endpoint", "arguments": {"endpoint": "DELETE /pins/{pin_id}"}}});
    let (_, out, sent) = mcp_request("/mcp", &bearer(TOKEN), &wrong_tool, vec![]);
    assert_eq!(
        out["result"]["structuredContent"]["error"]["kind"], "invalid-input",
        "{out}"
    );
    assert!(sent.is_empty());

    let missing = serde_json::json!({"jsonrpc": "2.0", "id": 6, "method": "tools/call",
        "params": {"name": "read_endpoint", "arguments": {"endpoint": "GET /pins/{pin_id}", "path_params": {"pin_id": "9"}}}});
    let (_, out, _) = mcp_request(
        "/mcp",
        &bearer(TOKEN),
        &missing,
        vec![status(
            404,
            &format!(r#"{{"code":50,"message":"Pin not found {TOKEN}"}}"#),
        )],
    );
    let error = &out["result"]["structuredContent"]["error"];
    assert_eq!(error["kind"], "not-found", "{out}");
    assert!(
        !out.to_string().contains(TOKEN),
        "the token is redacted: {out}"
    );
}

#[test]
fn mcp_answers_a_batch_with_the_answers_of_its_requests() {
    let batch = serde_json::json!([
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 7, "method": "ping"},
        {"jsonrpc": "2.0", "id": 8, "method": "tools/list"},
    ]);
    let (answer, out, _) = mcp_request("/mcp", &[], &batch, vec![]);
    assert_eq!(answer.status, 200);
    let answers = out.as_array().expect("an array of answers");
    assert_eq!(answers.len(), 2, "{out}");
    assert_eq!(
        (answers[0]["id"].as_u64(), answers[1]["id"].as_u64()),
        (Some(7), Some(8))
    );
    let notes = serde_json::json!([{"jsonrpc": "2.0", "method": "notifications/initialized"}]);
    let (answer, _, _) = mcp_request("/mcp", &[], &notes, vec![]);
    assert_eq!(answer.status, 202);
    let (_, out, _) = mcp_request("/mcp", &[], &serde_json::json!([]), vec![]);
    assert_eq!(out["error"]["code"], -32600);
}

#[test]
fn a_body_that_does_not_fit_is_said_plainly_and_where() {
    let cases = [
        (
            serde_json::json!({ "endpoint": "GET /pins" }),
            "body",
            "the request body lacks `credentials`, which is required",
        ),
        (
            serde_json::json!({ "credentials": sandbox(), "endpoint": "GET /pins", "typo": 1 }),
            "typo",
            "the request body has an unknown field `typo`, expected one of",
        ),
        (
            serde_json::json!({
                "credentials": sandbox(), "endpoint": "GET /pins",
                "options": { "max_attempts": "three" },
            }),
            "options.max_attempts",
            "the request body's `options.max_attempts` has a value of the wrong type (string",
        ),
        (
            serde_json::json!({ "credentials": { "oauth2": {} }, "endpoint": "GET /pins" }),
            "credentials.oauth2",
            "the request body's `credentials.oauth2` lacks `access_token`, which is required",
        ),
    ];
    for (request, field, reason) in cases {
        let (answer, body, sent) = serve_once("POST", "/api-call", &request, vec![]);
        assert_eq!(answer.status, 400, "{request}: {body}");
        assert_eq!(body["error"]["field"], field, "{body}");
        let said = body["error"]["reason"].as_str().unwrap();
        assert!(said.starts_with(reason), "{said}");
        assert!(
            !said.contains("line 1") && !said.contains("column"),
            "{said}"
        );
        assert!(sent.is_empty());
    }
    let (_, body, _) = serve_once("POST", "/api-call", &Value::Null, vec![]);
    assert!(!body.to_string().contains("column"), "{body}");
}

#[test]
fn the_index_names_the_mcp_routes_and_their_405_is_an_error_like_any_other() {
    let (answer, index, _) = serve_once("GET", "/", &Value::Null, vec![]);
    assert_eq!(answer.status, 200);
    let routes: Vec<&str> = index["routes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for route in [
        "POST /mcp",
        "POST /mcp/read-only",
        "POST /mcp/no-destructive",
    ] {
        assert!(routes.contains(&route), "{routes:?}");
    }
    let (answer, body, _) = serve_once("GET", "/mcp/read-only", &Value::Null, vec![]);
    assert_eq!(answer.status, 405);
    assert_eq!(body["error"]["kind"], "method-not-allowed", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/mcp/read-only")
    );
    assert!(
        answer
            .headers
            .iter()
            .any(|(n, v)| n == "allow" && v == "POST")
    );
}

#[test]
fn stdio_lines_that_are_no_message_or_come_before_initialize_get_their_errors() {
    use crate::mcp::{Screened, screen_line};
    let code = |screened: Screened| match screened {
        Screened::Answer(answer) => (answer["error"]["code"].as_i64(), answer["id"].clone()),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        code(screen_line("garbage", true)),
        (Some(-32700), Value::Null)
    );
    assert_eq!(
        code(screen_line("{\"id\": 3}", false)),
        (Some(-32600), serde_json::json!(3))
    );
    assert_eq!(code(screen_line("[]", true)).0, Some(-32600));
    let list = r#"{"jsonrpc":"2.0","id":7,"method":"tools/list"}"#;
    let (early, id) = code(screen_line(list, false));
    assert_eq!((early, id), (Some(-32002), serde_json::json!(7)));
    assert_eq!(
        screen_line(list, true),
        Screened::Forward { initializes: false }
    );
    let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#;
    assert_eq!(
        screen_line(init, false),
        Screened::Forward { initializes: true }
    );
    let ping = r#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#;
    assert_eq!(
        screen_line(ping, false),
        Screened::Forward { initializes: false }
    );
    // A notification is never answered, initialized or not.
    let note = r#"{"jsonrpc":"2.0","method":"notifications/cancelled"}"#;
    assert_eq!(
        screen_line(note, false),
        Screened::Forward { initializes: false }
    );
    assert_eq!(screen_line("   ", false), Screened::Skip);
}
