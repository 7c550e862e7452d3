//! `mcp`: the connector as a Model Context Protocol server on stdio, for an
//! AI agent host to start as a subprocess. The protocol is the official
//! Rust SDK's (`rmcp`); the tools are the ones the edge build serves over
//! HTTP (`pinterest_connector_service::tools`), run here through the
//! component. Credentials are this CLI's own (the credentials file or Redis,
//! through the account handle that refreshes once for every concurrent tool
//! call, or the environment), never a tool argument; stdout carries the
//! protocol only.

use pinterest_connector_core::http::Method;
use pinterest_connector_host::types::{ConnectorError, CredentialsState, HttpMethod, SpecSource};
use pinterest_connector_host::{
    ActionFailure, ApiCallInput, BoardSection, ConnectorHost, HostError, JobWait,
    PaginationOptions, PollOptions, RawRequestInput, SharedAccount, Trigger, describe,
};
use pinterest_connector_service::executor::{Answered, EndpointCall, Polled, ToolBackend, execute};
use pinterest_connector_service::tools::{
    EndpointEntry, ReportExcerpt, Safety, ToolCall, ToolOutput, ToolRefusal, TriggerChoice, Walk,
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

    /// An action's outcome: its value, or its error as a tool error, with
    /// the credentials it handed back kept either way; the host's own
    /// failure as a `host` tool error.
    fn outcome<T>(
        &self,
        result: Result<Result<T, ActionFailure>, HostError>,
        state: impl Fn(&T) -> &CredentialsState,
    ) -> Result<T, ToolOutput> {
        match result.map_err(|e| host_error(&e))? {
            Ok(out) => {
                self.settle(state(&out));
                Ok(out)
            }
            Err(failure) => {
                self.settle(&failure.credentials);
                Err(tool_error(&failure.error))
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
                    .map_err(|e| host_error(&e))?
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

    /// The component's input for a call tool's endpoint call.
    fn call_input(&self, call: EndpointCall) -> ApiCallInput {
        ApiCallInput {
            spec: self.spec.clone(),
            endpoint: call.endpoint,
            path_params: call.path_params,
            query_params: call.query_params,
            body: call.body,
        }
    }
}

/// The host's own failure (a trap, a store that failed) as a tool error.
fn host_error(error: &HostError) -> ToolOutput {
    ToolOutput::error("host", &error.to_string(), json!({}))
}

/// The tools' backend in the CLI: the component, through the account every
/// concurrent tool call shares.
struct ComponentBackend<'a>(&'a Server);

impl ToolBackend for ComponentBackend<'_> {
    async fn endpoints(&mut self) -> Result<Vec<EndpointEntry>, ToolOutput> {
        self.0.endpoints().await.cloned()
    }

    async fn describe(&mut self, endpoint: &str) -> Result<String, ToolOutput> {
        let server = self.0;
        server
            .host
            .describe_endpoint(&server.spec, endpoint)
            .await
            .map_err(|e| host_error(&e))?
            .map_err(|e| tool_error(&e))
    }

    async fn call(&mut self, call: EndpointCall) -> Result<Answered, ToolOutput> {
        let server = self.0;
        let input = server.call_input(call);
        let out = server.outcome(server.account.api_call(&input).await, |out| {
            &out.credentials
        })?;
        Ok(Answered {
            status: out.status,
            headers: out.headers,
            body: out.body,
            next_bookmark: out.next_bookmark,
        })
    }

    async fn walk(
        &mut self,
        call: EndpointCall,
        max_pages: u32,
        walk: &mut Walk,
    ) -> Result<(), ToolOutput> {
        let server = self.0;
        let input = server.call_input(call);
        let options = PaginationOptions {
            max_pages: Some(max_pages),
        };
        let started = server.account.api_call_paginated(&input, options).await;
        let mut pages = match started.map_err(|e| host_error(&e))? {
            Ok(pages) => pages,
            Err(failure) => {
                server.settle(&failure.credentials);
                return Err(tool_error(&failure.error));
            }
        };
        loop {
            match pages.next().await.map_err(|e| host_error(&e))? {
                Ok(Some(page)) => {
                    server.settle(&page.credentials);
                    if walk.page(&page.body, page.next_bookmark) {
                        return Ok(());
                    }
                }
                Ok(None) => return Ok(()),
                Err(failure) => {
                    server.settle(&failure.credentials);
                    return Err(tool_error(&failure.error));
                }
            }
        }
    }

    async fn raw(
        &mut self,
        method: Method,
        url: String,
        body: Option<String>,
        no_throw_on_404: bool,
    ) -> Result<Answered, ToolOutput> {
        let server = self.0;
        let method = match method {
            Method::Get => HttpMethod::Get,
            Method::Post => HttpMethod::Post,
            Method::Put => HttpMethod::Put,
            Method::Patch => HttpMethod::Patch,
            Method::Delete => HttpMethod::Delete,
        };
        let input = RawRequestInput {
            method,
            url,
            headers: Vec::new(),
            body,
            no_throw_on_404,
        };
        let out = server.outcome(server.account.raw_request(&input).await, |out| {
            &out.credentials
        })?;
        Ok(Answered {
            status: out.status,
            headers: out.headers,
            body: out.body,
            next_bookmark: None,
        })
    }

    async fn verify(&mut self) -> Result<(String, String, Vec<String>), ToolOutput> {
        let server = self.0;
        let account = server.outcome(server.account.verify_credentials().await, |a| {
            &a.credentials
        })?;
        Ok((account.username, account.account_type, account.scopes))
    }

    async fn poll(
        &mut self,
        trigger: TriggerChoice,
        cursor: Option<String>,
        max_items: u32,
    ) -> Result<Polled, ToolOutput> {
        let server = self.0;
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
        let polled = server
            .account
            .poll(&trigger, cursor.as_deref(), Some(options))
            .await;
        let polled = server.outcome(polled, |p| &p.credentials)?;
        Ok(Polled {
            items: polled.items.into_iter().map(|item| item.item).collect(),
            cursor: polled.cursor,
            more: polled.more,
            interrupted: polled.interrupted.as_ref().map(describe),
        })
    }

    async fn create_report(
        &mut self,
        ad_account_id: String,
        body: String,
    ) -> Result<String, ToolOutput> {
        let server = self.0;
        let created = server.account.create_report(&ad_account_id, &body).await;
        Ok(server.outcome(created, |r| &r.credentials)?.token)
    }

    async fn report_excerpt(
        &mut self,
        ad_account_id: String,
        token: String,
        max_polls: u32,
        poll_interval_ms: u32,
        excerpt: &mut ReportExcerpt,
    ) -> Result<Option<u64>, ToolOutput> {
        let server = self.0;
        let wait = JobWait {
            max_polls,
            poll_interval_ms,
        };
        let opened = server
            .account
            .download_report(&ad_account_id, &token, Some(wait))
            .await;
        let mut stream = server.outcome(opened, |s| s.credentials())?;
        loop {
            match stream.next().await.map_err(|e| host_error(&e))? {
                Ok(Some(chunk)) if !excerpt.chunk(&chunk) => {}
                Ok(_) => return Ok(stream.size()),
                Err(e) => return Err(tool_error(&e)),
            }
        }
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
            Ok(call) => execute(&mut ComponentBackend(self), call).await,
        };
        Ok(CallToolResponse::from(model::<CallToolResult>(
            output.to_json(),
        )?))
    }
}
