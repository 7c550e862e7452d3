//! The Model Context Protocol's Streamable HTTP transport, as the edge
//! build serves it at `POST /mcp` (and `/mcp/read-only`,
//! `/mcp/no-destructive`): JSON-RPC 2.0 requests answered with one JSON
//! body each, stateless (no session, no server-sent events), the tools of
//! [`crate::tools`] run through the core.
//!
//! Credentials come from the request's headers, which the deployer's
//! gateway sets — `Authorization: Bearer <access token>`, and
//! `x-pinterest-api: sandbox` when that token is a sandbox token — never
//! from a tool's arguments. Which tools a model gets is the path's choice,
//! so a gateway that routes only `/mcp/read-only` offers only reads.
//! (Tested through [`crate::serve`] in the crate's `lib_tests.rs`.)

use serde_json::{Map, Value, json};

use std::time::Duration;

use pinterest_connector_core::catalog::embedded;
use pinterest_connector_core::connector::Connector;
use pinterest_connector_core::credentials::{Credentials, OAuth2Credentials};
use pinterest_connector_core::error::ConnectorError;
use pinterest_connector_core::http::{Method, Transport};
use pinterest_connector_core::jobs::JobWait;
use pinterest_connector_core::pagination::PaginationOptions;
use pinterest_connector_core::raw::RawInput;
use pinterest_connector_core::request::CallInput;
use pinterest_connector_core::session::Session;
use pinterest_connector_core::trigger::{PollOptions, Trigger};

use crate::actions::{Action, begin};
use crate::answer::{Answer, ErrorJson, json as json_answer};
use crate::executor::{Answered, EndpointCall, Polled, ToolBackend, execute, run_ready};
use crate::tools::{
    EndpointEntry, ReportExcerpt, Safety, ToolCall, ToolOutput, ToolRefusal, TriggerChoice, Walk,
    tools,
};
use crate::wire::WireOptions;
use crate::{Runtime, ServiceRequest};

/// The protocol revisions this server speaks, newest first.
pub const PROTOCOL_VERSIONS: [&str; 3] = ["2025-06-18", "2025-03-26", "2024-11-05"];

/// The header that says the bearer token is a sandbox token.
pub const API_HEADER: &str = "x-pinterest-api";

/// The safety mode of an MCP path, if it is one.
pub fn mcp_path(path: &str) -> Option<Safety> {
    match path {
        "/mcp" => Some(Safety::default()),
        "/mcp/read-only" => Some(Safety {
            read_only: true,
            no_destructive: true,
        }),
        "/mcp/no-destructive" => Some(Safety {
            read_only: false,
            no_destructive: true,
        }),
        _ => None,
    }
}

/// Serves one MCP request at a path whose mode is `safety`.
pub fn serve_mcp<R: Runtime>(
    runtime: &mut R,
    request: ServiceRequest<'_>,
    safety: Safety,
) -> Answer {
    if request.method != "POST" {
        let mut answer = crate::answer::failure(
            405,
            "method-not-allowed",
            &format!(
                "{} answers MCP requests by POST only (stateless: no event stream)",
                request.path
            ),
        );
        answer.headers.push(("allow".into(), "POST".into()));
        return answer;
    }
    let message: Value = match serde_json::from_slice(request.body) {
        Ok(message) => message,
        Err(_) => return rpc_answer(rpc_error(Value::Null, -32700, "the body is not JSON")),
    };
    // A batch (protocol 2025-03-26) is answered with the array of its
    // answers; notifications and responses get none.
    let answers: Vec<Value> = match &message {
        Value::Array(batch) if !batch.is_empty() => batch
            .iter()
            .filter_map(|one| respond(runtime, &request, safety, one))
            .collect(),
        one => match respond(runtime, &request, safety, one) {
            Some(answer) => return rpc_answer(answer),
            None => return accepted(),
        },
    };
    if answers.is_empty() {
        accepted()
    } else {
        rpc_answer(Value::Array(answers))
    }
}

/// The answer to one JSON-RPC message; none for a notification or a
/// response.
fn respond<R: Runtime>(
    runtime: &mut R,
    request: &ServiceRequest<'_>,
    safety: Safety,
    message: &Value,
) -> Option<Value> {
    let Some(object) = message.as_object() else {
        return Some(rpc_error(Value::Null, -32600, "not a JSON-RPC message"));
    };
    // A notification (`notifications/initialized`, …) or a response to a
    // request this server never sends: accepted, unanswered.
    let id = object.get("id").cloned()?;
    let method = object.get("method").and_then(Value::as_str)?;
    let params = object.get("params").cloned().unwrap_or(Value::Null);
    Some(match method {
        "initialize" => {
            let asked = params.get("protocolVersion").and_then(Value::as_str);
            let version = PROTOCOL_VERSIONS
                .iter()
                .find(|v| Some(**v) == asked)
                .unwrap_or(&PROTOCOL_VERSIONS[0]);
            rpc_result(
                id,
                json!({
                    "protocolVersion": version,
                    "capabilities": {"tools": {"listChanged": false}},
                    "serverInfo": {"name": "pinterest-connector", "version": env!("CARGO_PKG_VERSION")},
                    "instructions": "Pinterest's API v5. Find an endpoint with search_endpoints, read its inputs with describe_endpoint, then call it with read_endpoint (GET), write_endpoint or delete_endpoint.",
                }),
            )
        }
        "ping" => rpc_result(id, json!({})),
        "tools/list" => rpc_result(
            id,
            json!({"tools": tools(safety).iter().map(|t| t.to_json()).collect::<Vec<_>>()}),
        ),
        "tools/call" => {
            let name = params
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let empty = Map::new();
            let arguments = params
                .get("arguments")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            let call = match ToolCall::read(name, arguments, safety) {
                Ok(call) => call,
                Err(refusal @ (ToolRefusal::UnknownTool(_) | ToolRefusal::HiddenByMode { .. })) => {
                    return Some(rpc_error(id, -32602, &refusal.to_string()));
                }
                Err(refusal) => {
                    let kind = match refusal {
                        ToolRefusal::Forbidden(_) => "forbidden-by-mode",
                        _ => "invalid-input",
                    };
                    let output = ToolOutput::error(kind, &refusal.to_string(), json!({}));
                    return Some(rpc_result(id, output.to_json()));
                }
            };
            let output = match credentials(request) {
                Ok(credentials) => run(runtime, credentials, call),
                Err(output) => output,
            };
            rpc_result(id, output.to_json())
        }
        other => rpc_error(id, -32601, &format!("no method `{other}`")),
    })
}

/// The credentials the gateway put in the headers.
fn credentials(request: &ServiceRequest<'_>) -> Result<Credentials, ToolOutput> {
    let token = request
        .header("authorization")
        .and_then(|value| {
            let (scheme, token) = value.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|token| !token.is_empty());
    let Some(token) = token else {
        return Err(ToolOutput::error(
            "unauthorized",
            "this server has no Pinterest credentials: its gateway must send \
             `Authorization: Bearer <access token>` (tools never take credentials)",
            json!({}),
        ));
    };
    let sandbox = request
        .header(API_HEADER)
        .is_some_and(|api| api.eq_ignore_ascii_case("sandbox"));
    Ok(if sandbox {
        Credentials::Sandbox(token.to_owned())
    } else {
        Credentials::OAuth2(OAuth2Credentials {
            access_token: token.to_owned(),
            ..OAuth2Credentials::default()
        })
    })
}

/// Runs one tool call through the core, with the executor both servers
/// share.
fn run<R: Runtime>(runtime: &mut R, credentials: Credentials, call: ToolCall) -> ToolOutput {
    let Action { session, connector } = match begin(runtime, WireOptions::default(), credentials) {
        Ok(action) => action,
        Err(_) => {
            return ToolOutput::error("invalid-input", "the credentials are refused", json!({}));
        }
    };
    let mut backend = CoreBackend {
        session,
        connector: Some(connector),
    };
    run_ready(execute(&mut backend, call))
        .unwrap_or_else(|| ToolOutput::error("host", "the tool did not finish at once", json!({})))
}

/// The tools' backend in the edge build: the core's connector on the
/// runtime's transport, with the gateway's credentials.
struct CoreBackend<T: Transport> {
    session: Session,
    /// Taken by a walk, which runs on the transport itself.
    connector: Option<Connector<T>>,
}

impl<T: Transport> CoreBackend<T> {
    /// Runs `act` on the connector and the session; its error, redacted, as
    /// a tool error.
    fn act<V>(
        &mut self,
        act: impl FnOnce(&mut Connector<T>, &mut Session) -> Result<V, ConnectorError>,
    ) -> Result<V, ToolOutput> {
        let Some(connector) = self.connector.as_mut() else {
            return Err(used_up());
        };
        act(connector, &mut self.session).map_err(|e| failed(&self.session.redact(e)))
    }
}

/// The tool error of a connector a walk took (a backend runs one action).
fn used_up() -> ToolOutput {
    ToolOutput::error("host", "the action's connector was used up", json!({}))
}

impl<T: Transport> ToolBackend for CoreBackend<T> {
    async fn endpoints(&mut self) -> Result<Vec<EndpointEntry>, ToolOutput> {
        Ok(embedded()
            .operations
            .summaries()
            .map(|op| EndpointEntry {
                id: op.id.to_owned(),
                method: op.method.as_str().to_owned(),
                path: op.path.to_owned(),
                label: op.label(),
                paginated: op.paginated,
            })
            .collect())
    }

    async fn describe(&mut self, endpoint: &str) -> Result<String, ToolOutput> {
        let catalog = embedded();
        match catalog.get(endpoint) {
            Ok(op) => Ok(catalog.input_schema_text(op)),
            Err(e) => Err(failed(&e)),
        }
    }

    async fn call(&mut self, call: EndpointCall) -> Result<Answered, ToolOutput> {
        let input = call_input(call);
        let out = self.act(|connector, session| connector.api_call(session, &input))?;
        Ok(Answered {
            status: out.response.status,
            body: out.response.body_text(),
            next_bookmark: out.next_bookmark,
            ..Answered::default()
        })
    }

    async fn walk(
        &mut self,
        call: EndpointCall,
        max_pages: u32,
        walk: &mut Walk,
    ) -> Result<(), ToolOutput> {
        let input = call_input(call);
        let mut connector = self.connector.take().ok_or_else(used_up)?;
        let options = PaginationOptions {
            max_pages: Some(max_pages),
        };
        let session = &mut self.session;
        let walked = (|| {
            let mut walker = connector.paginate(session, &input, options)?;
            let mut transport = connector.into_transport();
            while let Some(page) = walker.next_page(&mut transport, session)? {
                if walk.page(&page.response.body_text(), page.next_bookmark) {
                    break;
                }
            }
            Ok(())
        })();
        walked.map_err(|e| failed(&self.session.redact(e)))
    }

    async fn raw(
        &mut self,
        method: Method,
        url: String,
        body: Option<String>,
        no_throw_on_404: bool,
    ) -> Result<Answered, ToolOutput> {
        let input = RawInput {
            method,
            url,
            headers: Vec::new(),
            body,
            no_throw_on_404,
        };
        let response = self.act(|connector, session| connector.raw_request(session, &input))?;
        Ok(Answered {
            status: response.status,
            body: response.body_text(),
            headers: response.headers,
            next_bookmark: None,
        })
    }

    async fn verify(&mut self) -> Result<(String, String, Vec<String>), ToolOutput> {
        let account = self.act(|connector, session| connector.verify_credentials(session))?;
        Ok((account.username, account.account_type, account.scopes))
    }

    async fn poll(
        &mut self,
        trigger: TriggerChoice,
        cursor: Option<String>,
        max_items: u32,
    ) -> Result<Polled, ToolOutput> {
        let trigger = match trigger {
            TriggerChoice::NewPin => Trigger::NewPin,
            TriggerChoice::NewBoard => Trigger::NewBoard,
            TriggerChoice::NewPinOnBoard(board_id) => Trigger::NewPinOnBoard { board_id },
            TriggerChoice::NewPinInSection(board_id, section_id) => Trigger::NewPinInSection {
                board_id,
                section_id,
            },
        };
        let options = PollOptions {
            max_items,
            ..PollOptions::default()
        };
        self.act(|connector, session| {
            let outcome = connector.poll(session, &trigger, cursor.as_deref(), &options)?;
            Ok(Polled {
                items: outcome.items.into_iter().map(|item| item.item).collect(),
                cursor: outcome.cursor,
                more: outcome.more,
                interrupted: outcome.interrupted.map(|e| session.redact(e).to_string()),
            })
        })
    }

    async fn create_report(
        &mut self,
        ad_account_id: String,
        body: String,
    ) -> Result<String, ToolOutput> {
        self.act(|connector, session| connector.create_report(session, &ad_account_id, &body))
    }

    async fn report_excerpt(
        &mut self,
        ad_account_id: String,
        token: String,
        max_polls: u32,
        poll_interval_ms: u32,
        excerpt: &mut ReportExcerpt,
    ) -> Result<Option<u64>, ToolOutput> {
        let wait = JobWait {
            max_polls,
            interval: Duration::from_millis(u64::from(poll_interval_ms)),
        };
        self.act(|connector, session| {
            let finished = connector.await_report(session, &ad_account_id, &token, wait)?;
            let mut reader = connector.open_report(&finished)?;
            while let Some(chunk) = reader.next_chunk()? {
                if excerpt.chunk(&chunk) {
                    break;
                }
            }
            Ok(finished.size)
        })
    }
}

/// A call tool's endpoint call as the core's input.
fn call_input(call: EndpointCall) -> CallInput {
    CallInput {
        endpoint: call.endpoint,
        path_params: call.path_params,
        query_params: call.query_params,
        body: call.body,
        ..CallInput::default()
    }
}

fn failed(error: &ConnectorError) -> ToolOutput {
    ToolOutput {
        value: json!({ "error": ErrorJson::of(error) }),
        is_error: true,
    }
}

fn rpc_result(id: Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

fn rpc_error(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

fn rpc_answer(answer: Value) -> Answer {
    json_answer(200, &answer)
}

fn accepted() -> Answer {
    Answer {
        status: 202,
        headers: Vec::new(),
        body: Vec::new(),
    }
}

/// What a stdio MCP server does with one line of its input before its
/// protocol library reads it (see [`screen_line`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Screened {
    /// A JSON-RPC message to hand on; `initializes` when it is the
    /// `initialize` request.
    Forward {
        /// The line is the `initialize` request.
        initializes: bool,
    },
    /// Answer this JSON-RPC error in its place, and go on serving.
    Answer(Value),
    /// Nothing to do (a blank line).
    Skip,
}

/// Screens one line a stdio MCP server received, `initialized` saying
/// whether an `initialize` request came before: what is not JSON gets the
/// JSON-RPC parse error (-32700), what is not a JSON-RPC 2.0 message the
/// invalid-request error (-32600), and a request other than `initialize` or
/// `ping` before `initialize` the not-initialized error (-32002); none of
/// them ends the session. The protocol library (`rmcp`) would drop the
/// first two without a word and answer the third with a message about
/// request metadata, which helps nobody finding their client's mistake.
pub fn screen_line(line: &str, initialized: bool) -> Screened {
    let line = line.trim();
    if line.is_empty() {
        return Screened::Skip;
    }
    let Ok(message) = serde_json::from_str::<Value>(line) else {
        return Screened::Answer(rpc_error(
            Value::Null,
            -32700,
            "parse error: a line is one JSON-RPC message, as JSON",
        ));
    };
    let is_message = |one: &Value| {
        one.get("jsonrpc").and_then(Value::as_str) == Some("2.0")
            && (one.get("method").is_some_and(Value::is_string)
                || one.get("result").is_some()
                || one.get("error").is_some())
    };
    let valid = match &message {
        Value::Array(batch) => !batch.is_empty() && batch.iter().all(is_message),
        one => is_message(one),
    };
    if !valid {
        let id = message.get("id").cloned().unwrap_or(Value::Null);
        return Screened::Answer(rpc_error(
            id,
            -32600,
            "invalid request: not a JSON-RPC 2.0 message (`jsonrpc: \"2.0\"` and a `method`)",
        ));
    }
    let method = message.get("method").and_then(Value::as_str);
    let is_request = message.get("id").is_some() && method.is_some();
    match method {
        Some("initialize") => Screened::Forward { initializes: true },
        Some("ping") => Screened::Forward { initializes: false },
        Some(other) if is_request && !initialized => Screened::Answer(rpc_error(
            message.get("id").cloned().unwrap_or(Value::Null),
            -32002,
            &format!("the server is not initialized: send `initialize` before `{other}`"),
        )),
        _ => Screened::Forward { initializes: false },
    }
}
