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
//!
//! Credentials travel in each request's JSON body and are never written to
//! an answer, but for refreshed ones (`refreshed_credentials`), which the
//! caller must store. A failed action answers
//! `{"error": {"kind": …, "message": …, …}}` with a status that says what
//! went wrong (see [`status_of`]).
//!
//! An adapter over the core's public API, pure like it (no Wasm): the
//! routes ([`mod@route`]), the JSON bodies of requests (`wire`) and answers
//! ([`answer`]), the actions (`actions`), and a walk written as NDJSON one
//! page at a time ([`ndjson`]). The edge build binds it to `wasi:http`.

mod actions;
pub mod answer;
pub mod ndjson;
pub mod route;
mod wire;

use pinterest_connector_core::http::Transport;
use pinterest_connector_core::options::CallOptions;

pub use answer::{Answer, failure, status_of};
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
}

/// Serves one request: `method`, `path` (without the query) and `body`.
pub fn serve<R: Runtime>(
    runtime: &mut R,
    method: &str,
    path: &str,
    body: &[u8],
) -> Reply<R::Transport> {
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
    }
}

#[cfg(test)]
#[path = "lib_tests.rs"]
mod tests;
