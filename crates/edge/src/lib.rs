//! The edge build: a `wasi:http/proxy` component that serves the
//! connector's actions as JSON over HTTP (the routes and bodies are the
//! core's [`service`]), so it deploys to any wasi:http runtime — `wasmtime
//! serve`, `jco serve`, Spin, wasmCloud.
//!
//! This layer only moves bytes: it reads the request (up to
//! [`MAX_REQUEST_BYTES`]), hands it to the service with a [`WasiRuntime`],
//! and writes the answer, a paginated one line by line as the pages arrive.
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
use pinterest_connector_service::{self as service, Answer, NDJSON, PageLines, Reply};
use pinterest_connector_wasi_transport::WasiHttpTransport;
use wasip2::exports::http::incoming_handler::Guest;
use wasip2::http::types::{
    Fields, IncomingBody, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};
use wasip2::io::streams::{OutputStream, StreamError};

/// The largest request body read; a larger one is answered `413`.
pub const MAX_REQUEST_BYTES: usize = 8 * 1024 * 1024;

/// The service's runtime in a component: requests over `wasi:http` to
/// Pinterest's API hosts only (whatever a request body names, nothing else
/// is reached), retried by the call's options; the wall clock from
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
        let status = match read_body(request) {
            Ok(body) => match service::serve(&mut WasiRuntime, &method, &path, &body) {
                Reply::Done(answer) => send(out, &answer),
                Reply::Pages(lines) => stream(out, lines),
            },
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

/// The whole request body, or the answer refusing it.
fn read_body(request: IncomingRequest) -> Result<Vec<u8>, Answer> {
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
                if body.len() + chunk.len() > MAX_REQUEST_BYTES {
                    return Err(service::failure(
                        413,
                        "too-large",
                        &format!("the request body exceeds {MAX_REQUEST_BYTES} bytes"),
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

/// A response with `headers` and a JSON or NDJSON content type, its body
/// not yet written.
fn respond(
    out: ResponseOutparam,
    status: u16,
    content_type: &str,
    headers: &[(String, String)],
) -> Option<OutgoingBody> {
    let fields = Fields::new();
    let mut all = vec![("content-type", content_type)];
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

/// Writes `bytes` and waits until they are sent; false once the client is
/// gone.
fn write_out(stream: &mut OutputStream, bytes: &[u8]) -> bool {
    stream.write_all(bytes).is_ok() && stream.blocking_flush().is_ok()
}

wasip2::http::proxy::export!(Edge with_types_in wasip2);
