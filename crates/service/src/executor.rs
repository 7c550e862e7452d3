//! The one MCP tool executor both servers drive: the edge build's over the
//! core ([`crate::mcp`]) and the CLI's stdio server over the component. It
//! reads a [`ToolCall`], refuses a call tool's endpoint of another method
//! before anything runs, runs the call's action on a [`ToolBackend`] and
//! shapes its result for a model; each backend only runs actions.
//!
//! The backend's futures are whatever its actions are: the CLI's await the
//! component on tokio, the edge build's are ready at once (the core is
//! synchronous) and are driven by [`run_ready`].

use std::future::Future;

use pinterest_connector_core::catalog::EndpointName;
use pinterest_connector_core::http::Method;
use serde_json::json;

use crate::tools::{
    EndpointEntry, ReportExcerpt, ToolCall, ToolOutput, TriggerChoice, Walk, account_result,
    body_value, call_result, method_mismatch, poll_result, raw_result, search,
};

/// A call of an endpoint of the catalog, as a call tool asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointCall {
    /// `GET /pins` or an operationId.
    pub endpoint: String,
    /// Path parameters.
    pub path_params: Vec<(String, String)>,
    /// Query parameters (a name repeated for a list).
    pub query_params: Vec<(String, String)>,
    /// The JSON body, as text.
    pub body: Option<String>,
}

/// An answer to a call or a request: status, headers, body text, and the
/// bookmark of the next page when the endpoint paginates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answered {
    /// The HTTP status.
    pub status: u16,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body, as text.
    pub body: String,
    /// The next page's bookmark.
    pub next_bookmark: Option<String>,
}

/// What a poll handed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Polled {
    /// Each new item as the list answered it (JSON text), oldest first.
    pub items: Vec<String>,
    /// The cursor for the next poll.
    pub cursor: String,
    /// More is pending: poll again.
    pub more: bool,
    /// The error that broke the poll off, said for people.
    pub interrupted: Option<String>,
}

/// What the tools run on. Every method runs one action (or lists the
/// catalog) and answers its outcome, or the tool error to hand the model:
/// the action's typed error, or the host's own failure. A backend keeps the
/// credentials it hands back as the action goes.
pub trait ToolBackend {
    /// The catalog's endpoints.
    fn endpoints(&mut self) -> impl Future<Output = Result<Vec<EndpointEntry>, ToolOutput>>;
    /// The input schema of `endpoint`, as JSON text.
    fn describe(&mut self, endpoint: &str) -> impl Future<Output = Result<String, ToolOutput>>;
    /// Calls an endpoint once.
    fn call(&mut self, call: EndpointCall) -> impl Future<Output = Result<Answered, ToolOutput>>;
    /// Walks an endpoint's pages, at most `max_pages`, handing each page's
    /// body and bookmark to `walk` until it has what it wants.
    fn walk(
        &mut self,
        call: EndpointCall,
        max_pages: u32,
        walk: &mut Walk,
    ) -> impl Future<Output = Result<(), ToolOutput>>;
    /// Sends a request to a URL relative to the API base.
    fn raw(
        &mut self,
        method: Method,
        url: String,
        body: Option<String>,
        no_throw_on_404: bool,
    ) -> impl Future<Output = Result<Answered, ToolOutput>>;
    /// The account behind the credentials: username, account type, scopes.
    fn verify(&mut self)
    -> impl Future<Output = Result<(String, String, Vec<String>), ToolOutput>>;
    /// Polls a trigger once.
    fn poll(
        &mut self,
        trigger: TriggerChoice,
        cursor: Option<String>,
        max_items: u32,
    ) -> impl Future<Output = Result<Polled, ToolOutput>>;
    /// Asks for an ads report: its token.
    fn create_report(
        &mut self,
        ad_account_id: String,
        body: String,
    ) -> impl Future<Output = Result<String, ToolOutput>>;
    /// Waits for a report (`max_polls` asks, `poll_interval_ms` apart) and
    /// hands its bytes to `excerpt` until it is full; the report's size when
    /// Pinterest said.
    fn report_excerpt(
        &mut self,
        ad_account_id: String,
        token: String,
        max_polls: u32,
        poll_interval_ms: u32,
        excerpt: &mut ReportExcerpt,
    ) -> impl Future<Output = Result<Option<u64>, ToolOutput>>;
}

/// Runs `call` on `backend`: the tool's result, or its error.
pub async fn execute<B: ToolBackend>(backend: &mut B, call: ToolCall) -> ToolOutput {
    match run(backend, call).await {
        Ok(output) | Err(output) => output,
    }
}

async fn run<B: ToolBackend>(backend: &mut B, call: ToolCall) -> Result<ToolOutput, ToolOutput> {
    let value = match call {
        ToolCall::Search { query, limit } => {
            let entries = backend.endpoints().await?;
            json!({"matches": search(&entries, &query, limit)})
        }
        ToolCall::Describe { endpoint } => {
            let schema = backend.describe(&endpoint).await?;
            let entries = backend.endpoints().await?;
            let label = find(&entries, &endpoint).map_or(endpoint, |entry| entry.label.clone());
            json!({"endpoint": label, "input_schema": body_value(&schema)})
        }
        ToolCall::Call {
            methods,
            endpoint,
            path_params,
            query_params,
            body,
            paginate,
        } => {
            // A call tool sends its own methods only: the endpoint is
            // resolved by the catalog's own rule, and refused before
            // anything runs when it stands for another method.
            let entries = backend.endpoints().await?;
            if let Some(entry) = find(&entries, &endpoint)
                && !methods.contains(&entry.method.as_str())
            {
                return Err(method_mismatch(&entry.label, &entry.method, methods));
            }
            let call = EndpointCall {
                endpoint,
                path_params,
                query_params,
                body,
            };
            match paginate {
                None => {
                    let answered = backend.call(call).await?;
                    call_result(
                        answered.status,
                        &answered.body,
                        answered.next_bookmark.as_deref(),
                    )
                }
                Some((max_pages, max_items)) => {
                    let mut walk = Walk::new(max_items);
                    backend.walk(call, max_pages, &mut walk).await?;
                    walk.finish()
                }
            }
        }
        ToolCall::Raw {
            method,
            url,
            body,
            no_throw_on_404,
        } => {
            let Some(method) = Method::parse(&method) else {
                return Err(ToolOutput::error(
                    "invalid-input",
                    "invalid input `method`: is not an HTTP method the API takes",
                    json!({"field": "method"}),
                ));
            };
            let answered = backend.raw(method, url, body, no_throw_on_404).await?;
            raw_result(answered.status, &answered.headers, &answered.body)
        }
        ToolCall::Verify => {
            let (username, account_type, scopes) = backend.verify().await?;
            account_result(&username, &account_type, &scopes)
        }
        ToolCall::Poll {
            trigger,
            cursor,
            max_items,
        } => {
            let polled = backend.poll(trigger, cursor, max_items).await?;
            poll_result(
                polled.items.iter().map(String::as_str),
                &polled.cursor,
                polled.more,
                polled.interrupted,
            )
        }
        ToolCall::CreateReport {
            ad_account_id,
            body,
        } => json!({"token": backend.create_report(ad_account_id, body).await?}),
        ToolCall::GetReport {
            ad_account_id,
            token,
            max_bytes,
            max_polls,
            poll_interval_ms,
        } => {
            let mut excerpt = ReportExcerpt::new(max_bytes);
            let size = backend
                .report_excerpt(
                    ad_account_id,
                    token,
                    max_polls,
                    poll_interval_ms,
                    &mut excerpt,
                )
                .await?;
            excerpt.finish(size)
        }
    };
    Ok(ToolOutput::ok(value))
}

/// The entry `endpoint` names, by the catalog's rule ([`EndpointName`]).
fn find<'a>(entries: &'a [EndpointEntry], endpoint: &str) -> Option<&'a EndpointEntry> {
    let name = EndpointName::parse(endpoint);
    entries.iter().find(|entry| {
        Method::parse(&entry.method)
            .is_some_and(|method| name.names(&entry.id, method, &entry.path))
    })
}

/// Drives a future that is ready when first polled, as the edge build's
/// backend's are (the core is synchronous); `None` if it was not, which
/// would be a backend that awaits something.
pub fn run_ready<F: Future>(future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut context) {
        std::task::Poll::Ready(output) => Some(output),
        std::task::Poll::Pending => None,
    }
}

#[cfg(test)]
#[path = "executor_tests.rs"]
mod tests;
