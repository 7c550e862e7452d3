//! The pure core of the Pinterest API v5 connector.
//!
//! Everything here is plain Rust with no WebAssembly dependency, so it is
//! unit-tested natively and shared by the guest component (which binds it to
//! WIT and `wasi:http`) and by native tools:
//!
//! - [`catalog`]: the endpoints of an OpenAPI description, and the embedded
//!   Pinterest 5.11.0 catalog;
//! - [`spec`]: where the catalog comes from (embedded, inline JSON, a URL);
//! - [`oauth`]: authorization URL, token requests and answers, refresh timing;
//! - [`openapi`]: the reader that turns an OpenAPI 3.0 JSON into a catalog;
//! - [`request`]: building an HTTP request from an endpoint and its inputs;
//! - [`schema`]: checking values against the description's schemas;
//! - `sample` (the `sample` feature): small values a schema accepts, for
//!   tests and mocks;
//! - [`report`]: an asynchronous ads report's token, states and download;
//! - [`raw`]: checking the relative URL of a raw request;
//! - [`options`]: per-call retries, timeouts and the response cap;
//! - [`order`]: a stable sort small in code;
//! - [`retry`]: which failures are retried, with backoff, within a budget;
//! - [`budget`]: a shared rate budget's arithmetic (a bucket per rate-limit
//!   category, a 429's pause) and each request's category;
//! - [`pagination`]: walking Pinterest's `bookmark` cursor one page at a time;
//! - [`error`]: the typed errors and how Pinterest's answers map onto them;
//! - [`credentials`]: OAuth2 and sandbox credentials;
//! - [`api_base`]: where API requests go: Pinterest's, or a base the host chose;
//! - [`destination`]: where a service may send (Pinterest's API hosts only);
//! - [`jobs`]: jobs that span calls (a video upload, an ads report);
//! - [`media`]: a video upload's registration, multipart framing and
//!   processing status;
//! - [`http`]: the request and response types and the [`http::Transport`] trait;
//! - [`session`]: an action's credentials, refreshed when due or after a 401;
//! - [`trigger`]: polls that hand over each new item of a list once;
//! - [`cursor`]: what a trigger remembers between polls, as the host stores it;
//! - [`instant`]: `created_at` and HTTP `Date` read into Unix seconds;
//! - [`connector`]: the actions, generic over a transport.
//!
//! JSON is read with `serde_json::from_slice` throughout, text included
//! (`text.as_bytes()`), never `from_str`: each reader type is a whole
//! second copy of the parser and of every `Deserialize` it drives in the
//! component's code.
//!
//! The actions as JSON over HTTP (the edge build's routes) are an adapter
//! over this API: the `pinterest-connector-service` crate.

pub mod api_base;
pub mod budget;
pub mod catalog;
pub mod connector;
pub mod credentials;
pub mod cursor;
pub mod destination;
pub mod error;
pub mod http;
pub mod instant;
pub mod jobs;
pub mod media;
pub mod oauth;
pub mod openapi;
pub mod options;
pub mod order;
pub mod pagination;
pub mod raw;
pub mod report;
pub mod request;
pub mod retry;
#[cfg(any(test, feature = "sample"))]
pub mod sample;
pub mod schema;
pub mod session;
pub mod spec;
pub mod trigger;

pub use catalog::{Catalog, Operation};
pub use connector::Connector;
pub use credentials::Credentials;
pub use error::{ApiError, ConnectorError};
pub use http::{HttpRequest, HttpResponse, Method, Transport};
pub use session::Session;
