//! The actions as JSON over HTTP: what the edge build (a `wasi:http/proxy`
//! component) serves, independent of how requests arrive.
//!
//! | route | answers |
//! |---|---|
//! | `GET /` | the service's name, version and routes |
//! | `GET /endpoints` | every endpoint of the embedded catalog |
//! | `GET /endpoints/{id}` | one endpoint and its input schema (`id` is an operationId or `GET /pins`, percent-encoded); `404` for no such endpoint |
//! | `POST /api-call` | one call, or with `paginate` every page as one line of NDJSON, sent as it arrives |
//! | `POST /raw-request` | a request to a URL relative to the API base |
//! | `POST /verify-credentials` | the account behind the credentials |
//! | `POST /upload-media` | a video for a pin: the body is the file, the arguments are JSON in the [`UPLOAD_ARG_HEADER`] header; registers it, uploads it to the host Pinterest names, waits for processing; answers the `media_id` |
//! | `POST /await-media` | waits again for a video's processing (after a `job-pending`) |
//! | `POST /create-report` | asks for an asynchronous ads report; answers its `token` |
//! | `POST /download-report` | waits for the report and answers its bytes as they download (CSV or JSON, unpacked when gzip-compressed) |
//! | `POST /mcp` (`/mcp/read-only`, `/mcp/no-destructive`) | the Model Context Protocol's Streamable HTTP transport: the tools of [`tools`], credentials from the `Authorization` header ([`mcp`]) |
//! | `POST /poll` | polls a trigger once: the items new since the poll that returned `cursor` (none: the first), oldest first, and the next `cursor` |
//!
//! Credentials travel in each request's JSON body and are never written to
//! an answer, but for refreshed ones (`refreshed_credentials`), which the
//! caller must store. A failed action answers
//! `{"error": {"kind": …, "message": …, …}}` with a status that says what
//! went wrong (see [`status_of`]).
//!
//! An adapter over the core's public API, pure like it (no Wasm): the
//! routes ([`mod@route`]), the JSON bodies of requests (`wire`) and answers
//! ([`answer`]), the actions (`actions`, [`jobs`], `triggers`), and a walk written as
//! NDJSON one page at a time ([`ndjson`]). The edge build binds it to
//! `wasi:http`.

mod actions;
pub mod answer;
pub mod executor;
pub mod jobs;
pub mod mcp;
pub mod ndjson;
pub mod route;
pub mod tools;
mod triggers;
mod wire;

use pinterest_connector_core::http::Transport;
use pinterest_connector_core::options::CallOptions;

pub use answer::{Answer, failure, status_of};
pub use jobs::{MAX_UPLOAD_BYTES, REFRESHED_CREDENTIALS_HEADER, ReportBytes, UPLOAD_ARG_HEADER};
pub use ndjson::{NDJSON, PageLines};
pub use route::{Route, route};

/// What the service needs from where it runs.
pub trait Runtime {
    /// How requests to Pinterest are sent.
    type Transport: Transport;
    /// The transport of one action, applying its `options` (timeouts,
    /// retries, the response cap).
    fn transport(&mut self, options: CallOptions) -> Self::Transport;
}

/// The service's answer to one request.
pub enum Reply<T> {
    /// A whole answer.
    Done(Answer),
    /// A walk whose first page was fetched: answered `200` with
    /// `application/x-ndjson`, one line per [`PageLines::next_line`].
    Pages(Box<PageLines<T>>),
    /// A report whose download has started: answered `200` with
    /// [`ReportBytes::headers`], its bytes from [`ReportBytes::next_chunk`].
    Report(Box<ReportBytes>),
}

/// The largest request body the route at `path` reads: a video for
/// `/upload-media`, JSON for the rest. A larger one is answered `413`.
pub fn max_body_bytes(path: &str) -> usize {
    match path {
        "/upload-media" => MAX_UPLOAD_BYTES,
        _ => MAX_JSON_BYTES,
    }
}

/// The largest JSON request body read.
pub const MAX_JSON_BYTES: usize = 8 * 1024 * 1024;

/// One request to the service.
#[derive(Debug, Clone, Copy)]
pub struct ServiceRequest<'a> {
    /// The method, such as `POST`.
    pub method: &'a str,
    /// The path, without the query.
    pub path: &'a str,
    /// The headers, names in any case.
    pub headers: &'a [(String, String)],
    /// The whole body.
    pub body: &'a [u8],
}

impl ServiceRequest<'_> {
    /// The value of the first header called `name`, ignoring case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Serves one request.
pub fn serve<R: Runtime>(runtime: &mut R, request: ServiceRequest<'_>) -> Reply<R::Transport> {
    let ServiceRequest {
        method, path, body, ..
    } = request;
    if let Some(safety) = mcp::mcp_path(path) {
        return Reply::Done(mcp::serve_mcp(runtime, request, safety));
    }
    let route = match route(method, path) {
        Ok(route) => route,
        Err(answer) => return Reply::Done(answer),
    };
    match route {
        Route::Index => Reply::Done(answer::json(200, &route::index())),
        Route::Endpoints => Reply::Done(route::endpoints()),
        Route::Endpoint(id) => Reply::Done(route::endpoint(&id)),
        Route::ApiCall => match wire::parse::<wire::ApiCallRequest>(body) {
            Ok(request) => actions::api_call(runtime, request),
            Err(answer) => Reply::Done(answer),
        },
        Route::RawRequest => Reply::Done(match wire::parse::<wire::RawRequest>(body) {
            Ok(request) => actions::raw_request(runtime, request),
            Err(answer) => answer,
        }),
        Route::VerifyCredentials => Reply::Done(match wire::parse::<wire::VerifyRequest>(body) {
            Ok(request) => actions::verify(runtime, request),
            Err(answer) => answer,
        }),
        Route::UploadMedia => {
            let Some(arg) = request.header(UPLOAD_ARG_HEADER) else {
                return Reply::Done(answer::error_answer(
                    &pinterest_connector_core::error::ConnectorError::invalid(
                        UPLOAD_ARG_HEADER,
                        "the header is missing: send the credentials (and the file name, wait \
                         and options) in it as JSON, the video as the body",
                    ),
                    None,
                ));
            };
            Reply::Done(
                match wire::parse_named::<wire::UploadMediaArg>(
                    arg.as_bytes(),
                    UPLOAD_ARG_HEADER,
                    "the argument header",
                ) {
                    Ok(arg) => {
                        jobs::upload_media(runtime, arg, request.header("content-type"), body)
                    }
                    Err(answer) => answer,
                },
            )
        }
        Route::AwaitMedia => Reply::Done(match wire::parse::<wire::AwaitMediaRequest>(body) {
            Ok(request) => jobs::await_media(runtime, request),
            Err(answer) => answer,
        }),
        Route::CreateReport => Reply::Done(match wire::parse::<wire::CreateReportRequest>(body) {
            Ok(request) => jobs::create_report(runtime, request),
            Err(answer) => answer,
        }),
        Route::DownloadReport => match wire::parse::<wire::DownloadReportRequest>(body) {
            Ok(request) => jobs::download_report(runtime, request),
            Err(answer) => Reply::Done(answer),
        },
        Route::Poll => Reply::Done(match wire::parse::<triggers::PollRequest>(body) {
            Ok(request) => triggers::poll(runtime, request),
            Err(answer) => answer,
        }),
    }
}

#[cfg(test)]
#[path = "lib_tests.rs"]
mod tests;
