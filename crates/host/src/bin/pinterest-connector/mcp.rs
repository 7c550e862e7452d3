//! `mcp`: the connector as a Model Context Protocol server on stdio, for an
//! AI agent host to start as a subprocess. The protocol is the official
//! Rust SDK's (`rmcp`); the tools are the ones the edge build serves over
//! HTTP (`pinterest_connector_service::tools`), run here through the
//! component. Credentials are this CLI's own (the credentials file or Redis,
//! through the account handle that refreshes once for every concurrent tool
//! call, or the environment), never a tool argument; stdout carries the
//! protocol only.

use pinterest_connector_host::types::{ConnectorError, CredentialsState, HttpMethod, SpecSource};
use pinterest_connector_host::{
    ActionFailure, ApiCallInput, BoardSection, ConnectorHost, HostError, JobWait,
    PaginationOptions, PollOptions, RawRequestInput, SharedAccount, Trigger, describe,
};
use pinterest_connector_service::tools::{
    EndpointEntry, ReportExcerpt, Safety, ToolCall, ToolOutput, ToolRefusal, TriggerChoice, Walk,
    account_result, body_value, call_result, method_mismatch, poll_result, raw_result, search,
    tools,
};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ListToolsResult,
    PaginatedRequestParams, ServerConfig,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{ErrorData, ServerHandler, ServiceExt};
use serde_json::{Value, json};

use crate::output::Failure;
use crate::store::CredentialSource;

/// The server: the host, the account its tools act for, the description,
/// the mode. Tool calls run concurrently; the account refreshes once for
/// all of them (and for every other process on its store).
struct Server {
    host: ConnectorHost,
    account: SharedAccount,
    spec: SpecSource,
    safety: Safety,
    source: CredentialSource,
    /// The catalog's endpoints, listed once.
    endpoints: tokio::sync::OnceCell<Vec<EndpointEntry>>,
}

/// Serves MCP on stdin and stdout until the client closes them.
pub(crate) async fn serve(
    host: ConnectorHost,
    account: SharedAccount,
    spec: SpecSource,
    safety: Safety,
    source: CredentialSource,
) -> Result<(), Failure> {
    let server = Server {
        host,
        account,
        spec,
        safety,
        source,
        endpoints: tokio::sync::OnceCell::new(),
    };
    // rmcp reads what the screen hands on and writes into a pipe that one
    // writer copies to stdout, with the screen's own answers between whole
    // lines.
    let (to_rmcp, rmcp_input) = tokio::io::duplex(1 << 16);
    let (rmcp_output, from_rmcp) = tokio::io::duplex(1 << 16);
    let (lines, to_stdout) = tokio::sync::mpsc::unbounded_channel::<String>();
    let writer = tokio::spawn(write_lines(to_stdout));
    let screen = tokio::spawn(screen_input(tokio::io::stdin(), to_rmcp, lines.clone()));
    let copier = tokio::spawn(copy_lines(from_rmcp, lines));
    let served = async {
        let running = server
            .serve((rmcp_input, rmcp_output))
            .await
            .map_err(|e| Failure::Other(anyhow::anyhow!("starting the MCP server: {e}")))?;
        running
            .waiting()
            .await
            .map_err(|e| Failure::Other(anyhow::anyhow!("the MCP server stopped: {e}")))?;
        Ok::<(), Failure>(())
    }
    .await;
    screen.abort();
    // The server's last answers, then the writer's end.
    let _ = copier.await;
    let _ = writer.await;
    served
}

/// Reads stdin a line at a time and hands each JSON-RPC message on to
/// rmcp, answering the rest itself (see
/// [`pinterest_connector_service::mcp::screen_line`]); stdin's end ends
/// rmcp's input.
async fn screen_input(
    stdin: tokio::io::Stdin,
    mut to_rmcp: tokio::io::DuplexStream,
    answers: tokio::sync::mpsc::UnboundedSender<String>,
) {
    use pinterest_connector_service::mcp::{Screened, screen_line};
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let mut input = tokio::io::BufReader::new(stdin).lines();
    let mut initialized = false;
    while let Ok(Some(line)) = input.next_line().await {
        match screen_line(&line, initialized) {
            Screened::Skip => {}
            Screened::Answer(answer) => {
                let _ = answers.send(answer.to_string());
            }
            Screened::Forward { initializes } => {
                initialized |= initializes;
                let forwarded = to_rmcp.write_all(line.as_bytes()).await.is_ok()
                    && to_rmcp.write_all(b"\n").await.is_ok();
                if !forwarded {
                    break;
                }
            }
        }
    }
    let _ = to_rmcp.shutdown().await;
}

/// Hands each line rmcp writes to the stdout writer.
async fn copy_lines(
    from_rmcp: tokio::io::DuplexStream,
    lines: tokio::sync::mpsc::UnboundedSender<String>,
) {
    use tokio::io::AsyncBufReadExt;
    let mut output = tokio::io::BufReader::new(from_rmcp).lines();
    while let Ok(Some(line)) = output.next_line().await {
        if lines.send(line).is_err() {
            break;
        }
    }
}

/// Writes whole lines to stdout, flushed one by one, until every sender is
/// gone.
async fn write_lines(mut lines: tokio::sync::mpsc::UnboundedReceiver<String>) {
    use tokio::io::AsyncWriteExt;
    let mut stdout = tokio::io::stdout();
    while let Some(line) = lines.recv().await {
        let written = stdout.write_all(line.as_bytes()).await.is_ok()
            && stdout.write_all(b"\n").await.is_ok()
            && stdout.flush().await.is_ok();
        if !written {
            break;
        }
    }
}

/// An `rmcp` model type from its JSON, which the shared tool definitions
/// write (the types are `non_exhaustive`: JSON is how they are built).
fn model<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, ErrorData> {
    serde_json::from_value(value).map_err(|e| ErrorData::internal_error(e.to_string(), None))
}

/// The kebab-case kind of a WIT error, as the edge build's answers say it.
fn kind(error: &ConnectorError) -> &'static str {
    match error {
        ConnectorError::Unauthorized(_) => "unauthorized",
        ConnectorError::Forbidden(_) => "forbidden",
        ConnectorError::NotFound(_) => "not-found",
        ConnectorError::RateLimited(_) => "rate-limited",
        ConnectorError::InvalidInput(_) => "invalid-input",
        ConnectorError::UnsupportedInSandbox(_) => "unsupported-in-sandbox",
        ConnectorError::MissingScopes(_) => "missing-scopes",
        ConnectorError::Upstream(_) => "upstream",
        ConnectorError::Transport(_) => "transport",
        ConnectorError::DeniedByHost(_) => "denied-by-host",
        ConnectorError::JobFailed(_) => "job-failed",
        ConnectorError::JobPending(_) => "job-pending",
    }
}

/// A WIT error as a tool error: its kind, the line `describe` writes (with
/// the hint where one is known), and its typed fields.
fn tool_error(error: &ConnectorError) -> ToolOutput {
    let detail = match error {
        ConnectorError::Unauthorized(api)
        | ConnectorError::Forbidden(api)
        | ConnectorError::NotFound(api)
        | ConnectorError::Upstream(api) => {
            json!({"status": api.status, "code": api.code, "request_id": api.request_id})
        }
        ConnectorError::RateLimited(limit) => json!({
            "status": limit.error.status, "code": limit.error.code,
            "retry_after_seconds": limit.retry_after_seconds,
        }),
        ConnectorError::InvalidInput(input) => {
            json!({"field": input.field, "reason": input.reason})
        }
        ConnectorError::MissingScopes(missing) => {
            json!({"endpoint": missing.endpoint, "scopes": missing.scopes})
        }
        _ => json!({}),
    };
    ToolOutput::error(kind(error), &describe(error), detail)
}

impl Server {
    /// Says what a refresh means for the credentials (the account has
    /// stored it already).
    fn settle(&self, state: &CredentialsState) {
        if let Err(e) = self.source.settle(state) {
            eprintln!("warning: {e}");
        }
    }

    /// The outcome of an action: its value, or its error as a tool error,
    /// with the credentials it handed back kept either way.
    fn outcome<T>(
        &self,
        result: Result<T, ActionFailure>,
        state: impl Fn(&T) -> &CredentialsState,
        value: impl FnOnce(T) -> Value,
    ) -> ToolOutput {
        match result {
            Ok(out) => {
                self.settle(state(&out));
                ToolOutput::ok(value(out))
            }
            Err(failure) => {
                self.settle(&failure.credentials);
                tool_error(&failure.error)
            }
        }
    }

    async fn endpoints(&self) -> Result<&Vec<EndpointEntry>, ToolOutput> {
        self.endpoints
            .get_or_try_init(|| async {
                let listed = self
                    .host
                    .list_endpoints(&self.spec)
                    .await
                    .map_err(|e| ToolOutput::error("host", &e.to_string(), json!({})))?
                    .map_err(|e| tool_error(&e))?;
                Ok(listed
                    .into_iter()
                    .map(|e| EndpointEntry {
                        id: e.id,
                        method: e.method,
                        path: e.path,
                        label: e.label,
                        paginated: e.paginated,
                    })
                    .collect())
            })
            .await
    }

    /// Runs one tool call through the component.
    async fn run(&self, call: ToolCall) -> Result<ToolOutput, HostError> {
        Ok(match call {
            ToolCall::Search { query, limit } => match self.endpoints().await {
                Ok(entries) => ToolOutput::ok(json!({"matches": search(entries, &query, limit)})),
                Err(output) => output,
            },
            ToolCall::Describe { endpoint } => {
                match self.host.describe_endpoint(&self.spec, &endpoint).await? {
                    Ok(schema) => ToolOutput::ok(json!({
                        "endpoint": endpoint,
                        "input_schema": body_value(&schema),
                    })),
                    Err(e) => tool_error(&e),
                }
            }
            ToolCall::Call {
                methods,
                endpoint,
                path_params,
                query_params,
                body,
                paginate,
            } => {
                if let Ok(entries) = self.endpoints().await
                    && let Some(entry) = entries.iter().find(|e| {
                        e.id == endpoint || format!("{} {}", e.method, e.path) == endpoint
                    })
                    && !methods.contains(&entry.method.as_str())
                {
                    return Ok(method_mismatch(&entry.label, &entry.method, methods));
                }
                let input = ApiCallInput {
                    spec: self.spec.clone(),
                    endpoint,
                    path_params,
                    query_params,
                    body,
                };
                match paginate {
                    None => {
                        let result = self.account.api_call(&input).await?;
                        self.outcome(
                            result,
                            |out| &out.credentials,
                            |out| call_result(out.status, &out.body, out.next_bookmark.as_deref()),
                        )
                    }
                    Some((max_pages, max_items)) => self.walk(&input, max_pages, max_items).await?,
                }
            }
            ToolCall::Raw {
                method,
                url,
                body,
                no_throw_on_404,
            } => {
                let method = match method.as_str() {
                    "GET" => HttpMethod::Get,
                    "POST" => HttpMethod::Post,
                    "PUT" => HttpMethod::Put,
                    "PATCH" => HttpMethod::Patch,
                    _ => HttpMethod::Delete,
                };
                let input = RawRequestInput {
                    method,
                    url,
                    headers: Vec::new(),
                    body,
                    no_throw_on_404,
                };
                let result = self.account.raw_request(&input).await?;
                self.outcome(
                    result,
                    |out| &out.credentials,
                    |out| raw_result(out.status, &out.headers, &out.body),
                )
            }
            ToolCall::Verify => {
                let result = self.account.verify_credentials().await?;
                self.outcome(
                    result,
                    |a| &a.credentials,
                    |a| account_result(&a.username, &a.account_type, &a.scopes),
                )
            }
            ToolCall::Poll {
                trigger,
                cursor,
                max_items,
            } => {
                let trigger = match trigger {
                    TriggerChoice::NewPin => Trigger::NewPin,
                    TriggerChoice::NewBoard => Trigger::NewBoard,
                    TriggerChoice::NewPinOnBoard(board_id) => Trigger::NewPinOnBoard(board_id),
                    TriggerChoice::NewPinInSection(board_id, section_id) => {
                        Trigger::NewPinInSection(BoardSection {
                            board_id,
                            section_id,
                        })
                    }
                };
                let options = PollOptions {
                    backlog: 0,
                    max_pages: 10,
                    max_items,
                    page_size: None,
                };
                let result = self
                    .account
                    .poll(&trigger, cursor.as_deref(), Some(options))
                    .await?;
                self.outcome(
                    result,
                    |p| &p.credentials,
                    |polled| {
                        poll_result(
                            polled.items.iter().map(|item| item.item.as_str()),
                            &polled.cursor,
                            polled.more,
                            polled.interrupted.as_ref().map(describe),
                        )
                    },
                )
            }
            ToolCall::CreateReport {
                ad_account_id,
                body,
            } => {
                let result = self.account.create_report(&ad_account_id, &body).await?;
                self.outcome(result, |r| &r.credentials, |r| json!({ "token": r.token }))
            }
            ToolCall::GetReport {
                ad_account_id,
                token,
                max_bytes,
                max_polls,
                poll_interval_ms,
            } => {
                let wait = JobWait {
                    max_polls,
                    poll_interval_ms,
                };
                let mut stream = match self
                    .account
                    .download_report(&ad_account_id, &token, Some(wait))
                    .await?
                {
                    Ok(stream) => stream,
                    Err(failure) => {
                        self.settle(&failure.credentials);
                        return Ok(tool_error(&failure.error));
                    }
                };
                self.settle(stream.credentials());
                let mut excerpt = ReportExcerpt::new(max_bytes);
                loop {
                    match stream.next().await? {
                        Ok(Some(chunk)) if !excerpt.chunk(&chunk) => {}
                        Ok(_) => break,
                        Err(e) => return Ok(tool_error(&e)),
                    }
                }
                ToolOutput::ok(excerpt.finish(stream.size()))
            }
        })
    }

    /// A walk of at most `max_pages` pages, keeping at most `max_items`.
    async fn walk(
        &self,
        input: &ApiCallInput,
        max_pages: u32,
        max_items: u32,
    ) -> Result<ToolOutput, HostError> {
        let options = PaginationOptions {
            max_pages: Some(max_pages),
        };
        let mut pages = match self.account.api_call_paginated(input, options).await? {
            Ok(pages) => pages,
            Err(failure) => {
                self.settle(&failure.credentials);
                return Ok(tool_error(&failure.error));
            }
        };
        let mut walk = Walk::new(max_items);
        loop {
            match pages.next().await? {
                Ok(Some(page)) => {
                    self.settle(&page.credentials);
                    if walk.page(&page.body, page.next_bookmark) {
                        break;
                    }
                }
                Ok(None) => break,
                Err(failure) => {
                    self.settle(&failure.credentials);
                    return Ok(tool_error(&failure.error));
                }
            }
        }
        Ok(ToolOutput::ok(walk.finish()))
    }
}

impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        let info = json!({
            "protocolVersion": "2025-06-18",
            "capabilities": {"tools": {"listChanged": false}},
            "serverInfo": {"name": "pinterest-connector", "version": env!("CARGO_PKG_VERSION")},
            "instructions": "Pinterest's API v5. Find an endpoint with search_endpoints, read its inputs with describe_endpoint, then call it with read_endpoint (GET), write_endpoint or delete_endpoint.",
        });
        serde_json::from_value(info).unwrap_or_default()
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let tools: Vec<Value> = tools(self.safety).iter().map(|t| t.to_json()).collect();
        model(json!({ "tools": tools }))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let arguments = request.arguments.unwrap_or_default();
        let output = match ToolCall::read(&request.name, &arguments, self.safety) {
            Err(refusal @ (ToolRefusal::UnknownTool(_) | ToolRefusal::HiddenByMode { .. })) => {
                return Err(ErrorData::invalid_params(refusal.to_string(), None));
            }
            Err(refusal) => {
                let kind = match refusal {
                    ToolRefusal::Forbidden(_) => "forbidden-by-mode",
                    _ => "invalid-input",
                };
                ToolOutput::error(kind, &refusal.to_string(), json!({}))
            }
            Ok(call) => self
                .run(call)
                .await
                .unwrap_or_else(|e| ToolOutput::error("host", &e.to_string(), json!({}))),
        };
        Ok(CallToolResponse::from(model::<CallToolResult>(
            output.to_json(),
        )?))
    }
}
