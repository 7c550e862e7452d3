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

use pinterest_connector_core::catalog::embedded;
use pinterest_connector_core::credentials::{Credentials, OAuth2Credentials};
use pinterest_connector_core::error::ConnectorError;
use pinterest_connector_core::pagination::PaginationOptions;
use pinterest_connector_core::raw::RawInput;
use pinterest_connector_core::request::CallInput;
use pinterest_connector_core::trigger::{PollOptions, Trigger};

use crate::actions::{Action, begin};
use crate::answer::{Answer, ErrorJson, json as json_answer};
use crate::tools::{
    EndpointEntry, Safety, ToolCall, ToolOutput, ToolRefusal, body_value, report_excerpt, search,
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
        let mut answer = json_answer(
            405,
            &json!({"error": "this server answers MCP requests by POST only (no event stream)"}),
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
                Err(ToolRefusal::UnknownTool(name)) => {
                    return Some(rpc_error(id, -32602, &format!("no tool `{name}` here")));
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

/// Runs one tool call through the core.
fn run<R: Runtime>(runtime: &mut R, credentials: Credentials, call: ToolCall) -> ToolOutput {
    let catalog = embedded();
    match call {
        ToolCall::Search { query, limit } => {
            let entries: Vec<EndpointEntry> = catalog
                .operations
                .summaries()
                .map(|op| EndpointEntry {
                    id: op.id.to_owned(),
                    method: op.method.as_str().to_owned(),
                    path: op.path.to_owned(),
                    label: op.label(),
                    paginated: op.paginated,
                })
                .collect();
            ToolOutput::ok(json!({"matches": search(&entries, &query, limit)}))
        }
        ToolCall::Describe { endpoint } => match catalog.get(&endpoint) {
            Ok(op) => ToolOutput::ok(json!({
                "endpoint": op.label(),
                "paginated": op.paginated,
                "input_schema": body_value(&catalog.input_schema_text(op)),
            })),
            Err(e) => failed(&e),
        },
        call => {
            let Action {
                mut session,
                mut connector,
            } = match begin(runtime, WireOptions::default(), credentials) {
                Ok(action) => action,
                Err(_) => {
                    return ToolOutput::error(
                        "invalid-input",
                        "the credentials are refused",
                        json!({}),
                    );
                }
            };
            let result = match call {
                ToolCall::Call {
                    methods,
                    endpoint,
                    path_params,
                    query_params,
                    body,
                    paginate,
                } => {
                    match catalog.get(&endpoint) {
                        Ok(op) if !methods.contains(&op.method.as_str()) => {
                            return ToolOutput::error(
                                "invalid-input",
                                &format!(
                                    "`{}` is a {} endpoint: this tool calls {} endpoints",
                                    op.label(),
                                    op.method.as_str(),
                                    methods.join("/")
                                ),
                                json!({"field": "endpoint"}),
                            );
                        }
                        Err(e) => return failed(&e),
                        Ok(_) => {}
                    }
                    let input = CallInput {
                        endpoint,
                        path_params,
                        query_params,
                        body,
                        ..CallInput::default()
                    };
                    match paginate {
                        None => connector.api_call(&mut session, &input).map(|out| {
                            json!({
                                "status": out.response.status,
                                "body": body_value(&out.response.body_text()),
                                "next_bookmark": out.next_bookmark,
                            })
                        }),
                        Some((max_pages, max_items)) => {
                            let result =
                                walk(connector, &mut session, &input, max_pages, max_items);
                            return match result {
                                Ok(value) => ToolOutput::ok(value),
                                Err(e) => failed(&session.redact(e)),
                            };
                        }
                    }
                }
                ToolCall::Raw {
                    method,
                    url,
                    body,
                    no_throw_on_404,
                } => {
                    let method = pinterest_connector_core::http::Method::parse(&method);
                    match method {
                        None => {
                            return ToolOutput::error("invalid-input", "unknown method", json!({}));
                        }
                        Some(method) => connector
                            .raw_request(
                                &mut session,
                                &RawInput {
                                    method,
                                    url,
                                    headers: Vec::new(),
                                    body,
                                    no_throw_on_404,
                                },
                            )
                            .map(|response| {
                                json!({
                                    "status": response.status,
                                    "headers": response.headers.iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
                                    "body": body_value(&response.body_text()),
                                })
                            }),
                    }
                }
                ToolCall::Verify => connector.verify_credentials(&mut session).map(|account| {
                    json!({
                        "username": account.username,
                        "account_type": account.account_type,
                        "scopes": account.scopes,
                    })
                }),
                ToolCall::Poll {
                    trigger,
                    board_id,
                    section_id,
                    cursor,
                    max_items,
                } => {
                    let trigger = match (trigger.as_str(), board_id, section_id) {
                        ("new_pin", ..) => Trigger::NewPin,
                        ("new_board", ..) => Trigger::NewBoard,
                        ("new_pin_on_board", Some(board_id), _) => {
                            Trigger::NewPinOnBoard { board_id }
                        }
                        ("new_pin_in_section", Some(board_id), Some(section_id)) => {
                            Trigger::NewPinInSection {
                                board_id,
                                section_id,
                            }
                        }
                        _ => {
                            return ToolOutput::error(
                                "invalid-input",
                                "this trigger needs `board_id` (and `section_id` for a section)",
                                json!({"field": "board_id"}),
                            );
                        }
                    };
                    let options = PollOptions {
                        max_items,
                        ..PollOptions::default()
                    };
                    connector
                        .poll(&mut session, &trigger, cursor.as_deref(), &options)
                        .map(|outcome| {
                            json!({
                                "items": outcome.items.iter().map(|i| body_value(&i.item)).collect::<Vec<_>>(),
                                "cursor": outcome.cursor,
                                "more": outcome.more,
                                "interrupted": outcome.interrupted.as_ref().map(|e| e.to_string()),
                            })
                        })
                }
                ToolCall::CreateReport {
                    ad_account_id,
                    body,
                } => connector
                    .create_report(&mut session, &ad_account_id, &body)
                    .map(|token| json!({ "token": token })),
                ToolCall::GetReport {
                    ad_account_id,
                    token,
                    max_bytes,
                    max_polls,
                    poll_interval_ms,
                } => {
                    let wait = pinterest_connector_core::jobs::JobWait {
                        max_polls,
                        interval: std::time::Duration::from_millis(u64::from(poll_interval_ms)),
                    };
                    connector
                        .await_report(&mut session, &ad_account_id, &token, wait)
                        .and_then(|finished| {
                            let mut reader = connector.open_report(&finished)?;
                            let mut bytes = Vec::new();
                            let mut truncated = false;
                            while let Some(chunk) = reader.next_chunk()? {
                                let room = max_bytes as usize - bytes.len();
                                if chunk.len() > room {
                                    bytes.extend_from_slice(&chunk[..room]);
                                    truncated = true;
                                    break;
                                }
                                bytes.extend_from_slice(&chunk);
                            }
                            Ok(report_excerpt(&bytes, finished.size, truncated))
                        })
                }
                ToolCall::Search { .. } | ToolCall::Describe { .. } => {
                    return ToolOutput::error("invalid-input", "not a call", json!({}));
                }
            };
            match result {
                Ok(value) => ToolOutput::ok(value),
                Err(e) => failed(&session.redact(e)),
            }
        }
    }
}

/// A walk of at most `max_pages` pages, keeping at most `max_items` items.
fn walk<T: pinterest_connector_core::http::Transport>(
    mut connector: pinterest_connector_core::Connector<T>,
    session: &mut pinterest_connector_core::Session,
    input: &CallInput,
    max_pages: u32,
    max_items: u32,
) -> Result<Value, ConnectorError> {
    let options = PaginationOptions {
        max_pages: Some(max_pages),
    };
    let mut walker = connector.paginate(session, input, options)?;
    let mut transport = connector.into_transport();
    let mut items: Vec<Value> = Vec::new();
    let mut pages = 0;
    let mut truncated = false;
    while let Some(page) = walker.next_page(&mut transport, session)? {
        pages += 1;
        let body = body_value(&page.response.body_text());
        for item in body
            .get("items")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if items.len() >= max_items as usize {
                truncated = true;
                break;
            }
            items.push(item.clone());
        }
        if truncated {
            break;
        }
    }
    Ok(json!({
        "items": items,
        "pages": pages,
        "truncated": truncated || walker.next_bookmark().is_some(),
        "next_bookmark": walker.next_bookmark(),
    }))
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
