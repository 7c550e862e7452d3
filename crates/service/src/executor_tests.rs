use super::*;
use crate::tools::{Safety, ToolRefusal};
use serde_json::Value;

/// A backend that answers from fixed data and records the actions it ran.
#[derive(Default)]
struct Recording {
    ran: Vec<String>,
}

fn entry(id: &str, method: &str, path: &str, summary: &str) -> EndpointEntry {
    EndpointEntry {
        id: id.into(),
        method: method.into(),
        path: path.into(),
        label: format!("{method} {path} ({summary})"),
        paginated: method == "GET",
    }
}

impl ToolBackend for Recording {
    async fn endpoints(&mut self) -> Result<Vec<EndpointEntry>, ToolOutput> {
        Ok(vec![
            entry("pins/list", "GET", "/pins", "List Pins"),
            entry("pins/create", "POST", "/pins", "Create Pin"),
            entry("pins/delete", "DELETE", "/pins/{pin_id}", "Delete Pin"),
        ])
    }
    async fn describe(&mut self, endpoint: &str) -> Result<String, ToolOutput> {
        self.ran.push(format!("describe {endpoint}"));
        Ok(r#"{"type":"object"}"#.into())
    }
    async fn call(&mut self, call: EndpointCall) -> Result<Answered, ToolOutput> {
        self.ran.push(format!("call {}", call.endpoint));
        Ok(Answered {
            status: 200,
            body: r#"{"items":[]}"#.into(),
            ..Answered::default()
        })
    }
    async fn walk(
        &mut self,
        call: EndpointCall,
        max_pages: u32,
        walk: &mut Walk,
    ) -> Result<(), ToolOutput> {
        self.ran.push(format!("walk {} {max_pages}", call.endpoint));
        for page in 0..max_pages {
            let next = (page + 1 < max_pages).then(|| format!("b{page}"));
            if walk.page(r#"{"items":[{"id":"1"},{"id":"2"}]}"#, next) {
                break;
            }
        }
        Ok(())
    }
    async fn raw(
        &mut self,
        method: Method,
        url: String,
        _body: Option<String>,
        _no_throw_on_404: bool,
    ) -> Result<Answered, ToolOutput> {
        self.ran.push(format!("raw {method} {url}"));
        Ok(Answered {
            status: 404,
            ..Answered::default()
        })
    }
    async fn verify(&mut self) -> Result<(String, String, Vec<String>), ToolOutput> {
        self.ran.push("verify".into());
        Err(ToolOutput::error("unauthorized", "no", json!({})))
    }
    async fn poll(
        &mut self,
        _trigger: TriggerChoice,
        cursor: Option<String>,
        _max_items: u32,
    ) -> Result<Polled, ToolOutput> {
        self.ran.push(format!("poll {cursor:?}"));
        Ok(Polled {
            items: vec![r#"{"id":"7"}"#.into()],
            cursor: "v1.next".into(),
            more: false,
            interrupted: None,
        })
    }
    async fn create_report(
        &mut self,
        ad_account_id: String,
        _body: String,
    ) -> Result<String, ToolOutput> {
        self.ran.push(format!("create_report {ad_account_id}"));
        Ok("token-1".into())
    }
    async fn report_excerpt(
        &mut self,
        _ad_account_id: String,
        token: String,
        _max_polls: u32,
        _poll_interval_ms: u32,
        excerpt: &mut ReportExcerpt,
    ) -> Result<Option<u64>, ToolOutput> {
        self.ran.push(format!("report {token}"));
        excerpt.chunk(b"DATE,SPEND\n");
        Ok(Some(11))
    }
}

fn read(name: &str, arguments: Value, safety: Safety) -> Result<ToolCall, ToolRefusal> {
    ToolCall::read(name, arguments.as_object().unwrap(), safety)
}

fn run_call(backend: &mut Recording, call: ToolCall) -> ToolOutput {
    run_ready(execute(backend, call)).expect("the fake backend is ready at once")
}

#[test]
fn a_call_tool_refuses_an_endpoint_of_another_method_however_it_is_spelt() {
    let read_only = Safety {
        read_only: true,
        no_destructive: true,
    };
    // The catalog reads a method in any case and a label's summary: so does
    // the check, or `post /pins` would slip past it in read-only mode.
    for endpoint in [
        "POST /pins",
        "post /pins",
        " Post /pins (Create Pin) ",
        "pins/create",
    ] {
        let mut backend = Recording::default();
        let call = read("read_endpoint", json!({"endpoint": endpoint}), read_only).unwrap();
        let output = run_call(&mut backend, call);
        assert!(output.is_error, "{endpoint}: {output:?}");
        assert_eq!(output.value["error"]["field"], "endpoint");
        let message = output.value["error"]["message"].as_str().unwrap();
        assert!(message.contains("is a POST endpoint"), "{message}");
        assert!(backend.ran.is_empty(), "{endpoint}: {:?}", backend.ran);
    }
    let mut backend = Recording::default();
    let call = read("read_endpoint", json!({"endpoint": "get /pins"}), read_only).unwrap();
    let output = run_call(&mut backend, call);
    assert!(!output.is_error, "{output:?}");
    assert_eq!(backend.ran, ["call get /pins"]);
}

#[test]
fn each_tool_runs_its_action_and_shapes_the_result() {
    let mut backend = Recording::default();
    let safety = Safety::default();
    let walk = read(
        "read_endpoint",
        json!({"endpoint": "GET /pins", "paginate": {"max_pages": 3, "max_items": 3}}),
        safety,
    )
    .unwrap();
    let walked = run_call(&mut backend, walk);
    assert_eq!(walked.value["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(walked.value["truncated"], true);
    let described = run_call(
        &mut backend,
        read(
            "describe_endpoint",
            json!({"endpoint": "pins/list"}),
            safety,
        )
        .unwrap(),
    );
    assert_eq!(described.value["endpoint"], "GET /pins (List Pins)");
    assert_eq!(described.value["input_schema"]["type"], "object");
    let raw = run_call(
        &mut backend,
        read(
            "raw_request",
            json!({"method": "get", "url": "/pins/0"}),
            safety,
        )
        .unwrap(),
    );
    assert_eq!(raw.value["status"], 404);
    let verified = run_call(
        &mut backend,
        read("verify_credentials", json!({}), safety).unwrap(),
    );
    assert!(verified.is_error);
    assert_eq!(verified.value["error"]["kind"], "unauthorized");
    let polled = run_call(
        &mut backend,
        read(
            "poll_trigger",
            json!({"trigger": "new-pin", "cursor": "v1.c"}),
            safety,
        )
        .unwrap(),
    );
    assert_eq!(polled.value["items"][0]["id"], "7");
    assert_eq!(polled.value["cursor"], "v1.next");
    let report = run_call(
        &mut backend,
        read(
            "get_report",
            json!({"ad_account_id": "1", "token": "t"}),
            safety,
        )
        .unwrap(),
    );
    assert_eq!(report.value["text"], "DATE,SPEND\n", "{}", report.value);
    let found = run_call(
        &mut backend,
        read("search_endpoints", json!({"query": "create pin"}), safety).unwrap(),
    );
    assert_eq!(found.value["matches"][0]["id"], "pins/create");
    assert_eq!(
        backend.ran,
        [
            "walk GET /pins 3",
            "describe pins/list",
            "raw GET /pins/0",
            "verify",
            "poll Some(\"v1.c\")",
            "report t",
        ]
    );
}

#[test]
fn a_future_that_is_not_ready_at_once_is_not_run_to_its_end() {
    assert_eq!(run_ready(async { 7 }), Some(7));
    assert_eq!(run_ready(std::future::pending::<u8>()), None);
}
