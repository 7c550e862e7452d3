//! The edge build: a `wasi:http/proxy` component that serves the
//! connector's actions as JSON over HTTP (the routes and bodies are the
//! core's [`service`]), so it deploys to any wasi:http runtime — `wasmtime
//! serve`, `jco serve`, Spin, wasmCloud.
//!
//! This layer only moves bytes: it reads the request (up to the route's
//! [`service::max_body_bytes`]), hands it to the service with a
//! [`WasiRuntime`], and writes the answer, a paginated one line by line as
//! the pages arrive, a report a chunk at a time as it downloads.
//! It logs one line per request to stderr — method, path, status, time —
//! and nothing from the body, where the credentials travel.
//!
//! It is built for `wasm32-unknown-unknown` and made a component from the
//! module (`pinterest_connector_dist::componentize_edge`): without WASI's C
//! library it imports only what its code calls, all of it in the
//! `wasi:http/proxy` world, so runtimes that offer that world alone run it.

use std::io::Write as _;

use pinterest_connector_core::destination::PinterestOnly;
use pinterest_connector_core::options::CallOptions;
use pinterest_connector_core::retry::Retrying;
use pinterest_connector_service::{
    self as service, Answer, NDJSON, PageLines, Reply, ReportBytes, ServiceRequest,
};
use pinterest_connector_wasi_transport::WasiHttpTransport;
use wasip2::exports::http::incoming_handler::Guest;
use wasip2::http::types::{
    Fields, IncomingBody, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};
use wasip2::io::streams::{OutputStream, StreamError};

/// The service's runtime in a component: requests over `wasi:http` to
/// Pinterest's API hosts only (whatever a request body names, nothing else
/// is reached) but for the S3 host Pinterest's own answer names for an
/// upload or a report download, reached without credentials
/// ([`PinterestOnly`]); retried by the call's options; the wall clock from
/// `wasi:clocks`.
pub struct WasiRuntime;

impl service::Runtime for WasiRuntime {
    type Transport = Retrying<PinterestOnly<WasiHttpTransport>>;

    fn transport(&mut self, options: CallOptions) -> Self::Transport {
        Retrying::new(
            PinterestOnly(WasiHttpTransport::new(options)),
            options.retry,
        )
    }
}

/// The component's export.
struct Edge;

impl Guest for Edge {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let started = wasip2::clocks::monotonic_clock::now();
        let method = method_name(&request.method());
        let path_with_query = request.path_with_query().unwrap_or_default();
        let path = path_with_query
            .split_once('?')
            .map_or(path_with_query.as_str(), |(path, _)| path)
            .to_owned();
        let headers = header_pairs(&request);
        let status = match read_body(request, service::max_body_bytes(&path)) {
            Ok(body) => {
                let request = ServiceRequest {
                    method: &method,
                    path: &path,
                    headers: &headers,
                    body: &body,
                };
                match service::serve(&mut WasiRuntime, request) {
                    Reply::Done(answer) => send(out, &answer),
                    Reply::Pages(lines) => stream(out, lines),
                    Reply::Report(report) => stream_report(out, *report),
                }
            }
            Err(answer) => send(out, &answer),
        };
        let elapsed_ms = wasip2::clocks::monotonic_clock::now().saturating_sub(started) / 1_000_000;
        // The path names the route (and an endpoint id), never a secret.
        log(&format!("{method} {path} {status} {elapsed_ms} ms\n"));
    }
}

/// Writes a line to the runtime's stderr (`wasi:cli/stderr`); a runtime
/// that refuses it loses the line, not the request.
fn log(line: &str) {
    let stderr = wasip2::cli::stderr::get_stderr();
    let _ = stderr.blocking_write_and_flush(line.as_bytes());
}

fn method_name(method: &Method) -> String {
    match method {
        Method::Get => "GET".into(),
        Method::Head => "HEAD".into(),
        Method::Post => "POST".into(),
        Method::Put => "PUT".into(),
        Method::Delete => "DELETE".into(),
        Method::Connect => "CONNECT".into(),
        Method::Options => "OPTIONS".into(),
        Method::Trace => "TRACE".into(),
        Method::Patch => "PATCH".into(),
        Method::Other(other) => other.clone(),
    }
}

/// The request's headers, their values as text (a value that is not UTF-8
/// is read lossily: the service's headers are ASCII).
fn header_pairs(request: &IncomingRequest) -> Vec<(String, String)> {
    request
        .headers()
        .entries()
        .into_iter()
        .map(|(name, value)| (name, String::from_utf8_lossy(&value).into_owned()))
        .collect()
}

/// The whole request body, up to `limit` bytes, or the answer refusing it.
fn read_body(request: IncomingRequest, limit: usize) -> Result<Vec<u8>, Answer> {
    let Ok(incoming) = request.consume() else {
        return Ok(Vec::new());
    };
    let Ok(stream) = incoming.stream() else {
        return Ok(Vec::new());
    };
    let mut body = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => {
                if body.len() + chunk.len() > limit {
                    return Err(service::failure(
                        413,
                        "too-large",
                        &format!("the request body exceeds {limit} bytes"),
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(_)) => {
                return Err(service::failure(
                    400,
                    "unreadable-body",
                    "the request body could not be read",
                ));
            }
        }
    }
    drop(stream);
    drop(IncomingBody::finish(incoming));
    Ok(body)
}

/// A response with `headers` and a content type (unless `content_type` is
/// empty: `headers` name it), its body not yet written.
fn respond(
    out: ResponseOutparam,
    status: u16,
    content_type: &str,
    headers: &[(String, String)],
) -> Option<OutgoingBody> {
    let fields = Fields::new();
    let mut all = Vec::new();
    if !content_type.is_empty() {
        all.push(("content-type", content_type));
    }
    all.extend(headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    for (name, value) in all {
        // The service's header names and values are plain ASCII.
        let _ = fields.append(name, value.as_bytes());
    }
    let response = OutgoingResponse::new(fields);
    let _ = response.set_status_code(status);
    let body = response.body().ok();
    ResponseOutparam::set(out, Ok(response));
    body
}

/// Sends a whole answer; returns its status.
fn send(out: ResponseOutparam, answer: &Answer) -> u16 {
    if let Some(body) = respond(out, answer.status, "application/json", &answer.headers) {
        if let Ok(mut stream) = body.write() {
            write_out(&mut stream, &answer.body);
        }
        let _ = OutgoingBody::finish(body, None);
    }
    answer.status
}

/// Streams a walk, a line per page as each arrives; stops fetching when
/// the client has gone. Returns the status (200).
fn stream(
    out: ResponseOutparam,
    mut lines: Box<PageLines<<WasiRuntime as service::Runtime>::Transport>>,
) -> u16 {
    let Some(body) = respond(out, 200, NDJSON, &[]) else {
        return 200;
    };
    if let Ok(mut stream) = body.write() {
        while let Some(line) = lines.next_line() {
            if !write_out(&mut stream, &line) {
                break;
            }
        }
    }
    let _ = OutgoingBody::finish(body, None);
    200
}

/// Streams a report a chunk at a time as it downloads; stops when the
/// client has gone. A download that breaks off leaves the body unfinished,
/// so the runtime ends the answer as broken rather than as whole.
fn stream_report(out: ResponseOutparam, mut report: ReportBytes) -> u16 {
    let Some(body) = respond(out, 200, "", report.headers()) else {
        return 200;
    };
    if let Ok(mut stream) = body.write() {
        loop {
            match report.next_chunk() {
                Ok(Some(chunk)) => {
                    if !write_out(&mut stream, &chunk) {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    // The kind names what broke; the message may quote
                    // the download host's answer, not a secret, but the
                    // line stays short.
                    log(&format!("report download broke off: {}\n", e.kind()));
                    return 200;
                }
            }
        }
        drop(stream);
    }
    let _ = OutgoingBody::finish(body, None);
    200
}

/// Writes `bytes` and waits until they are sent; false once the client is
/// gone.
fn write_out(stream: &mut OutputStream, bytes: &[u8]) -> bool {
    stream.write_all(bytes).is_ok() && stream.blocking_flush().is_ok()
}

wasip2::http::proxy::export!(Edge with_types_in wasip2);
