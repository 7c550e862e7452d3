//! HTTP request and response values, what an answer means (its typed
//! error, the wait it asks for), the headers and encoding every request
//! uses, and the transport that sends them.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::error::{ApiError, ConnectorError, RATE_LIMIT_CODE, hint};

/// An HTTP method the connector sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The method as it goes on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Parses a method name, ignoring case.
    pub fn parse(name: &str) -> Option<Method> {
        Some(match name.to_ascii_uppercase().as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            _ => return None,
        })
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request ready to send: an absolute URL, headers and an optional body.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL, already percent-encoded.
    pub url: url::Url,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Vec<u8>>,
    /// Who chose the URL: a service that sends only to Pinterest lets a
    /// request go elsewhere only when Pinterest's own answer named it.
    pub named_by: NamedBy,
}

/// Who chose where a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NamedBy {
    /// The connector: the API base of the credentials, a description's
    /// server, a token endpoint.
    #[default]
    Connector,
    /// Pinterest, in an answer earlier in the same action: a video's upload
    /// URL, a report's pre-signed download URL. Such a request carries no
    /// credentials.
    PinterestAnswer,
}

impl fmt::Debug for HttpRequest {
    /// Shows everything but the values of credential-bearing headers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                if name.eq_ignore_ascii_case("authorization") {
                    (name.as_str(), "[redacted]")
                } else {
                    (name.as_str(), value.as_str())
                }
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("headers", &headers)
            .field("body_len", &self.body.as_ref().map(Vec::len))
            .field("named_by", &self.named_by)
            .finish()
    }
}

impl HttpRequest {
    /// `host` or `host:port`: where the request goes, without its path or
    /// query (which may carry what is nobody's business), as errors name it.
    pub fn authority(&self) -> String {
        match (self.url.host_str(), self.url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => String::new(),
        }
    }

    /// The value of the first header called `name`, ignoring case.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The `Content-Length` the request goes out with: its body's size, 0
    /// for a `POST`, `PUT` or `PATCH` without one, none for other bodiless
    /// requests. Every transport sends it, so that no body goes out chunked:
    /// S3's pre-signed uploads answer a chunked one with 411, and servers
    /// that do not read chunked bodies see an empty one.
    pub fn content_length(&self) -> Option<usize> {
        match (&self.body, self.method) {
            (Some(body), _) => Some(body.len()),
            (None, Method::Post | Method::Put | Method::Patch) => Some(0),
            (None, Method::Get | Method::Delete) => None,
        }
    }
}

/// A response as read off the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The whole body.
    pub body: Vec<u8>,
    /// How many times the request was sent to get this answer (1 unless
    /// it was retried).
    pub attempts: u32,
    /// When the answer arrived, in Unix seconds, if the transport read the
    /// clock: an `X-RateLimit-Reset` given as an instant is counted from
    /// here (see [`HttpResponse::server_wait`]).
    pub received_at: Option<u64>,
}

/// `X-RateLimit-Reset` values above this are Unix instants (this one is in
/// 2001), smaller ones delays in seconds: a daily quota's delay is at most
/// 86 400.
const RESET_INSTANT_AFTER: u64 = 1_000_000_000;

impl HttpResponse {
    /// A response received on the first attempt.
    pub fn new(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> HttpResponse {
        HttpResponse {
            status,
            headers,
            body,
            attempts: 1,
            received_at: None,
        }
    }

    /// The response, saying it arrived at `now` (Unix seconds).
    pub fn received_at(self, now: u64) -> HttpResponse {
        HttpResponse {
            received_at: Some(now),
            ..self
        }
    }

    /// Passes a 2xx answer; any other is its typed error ([`HttpResponse::error`]).
    pub fn check_status(&self) -> Result<(), ConnectorError> {
        if (200..300).contains(&self.status) {
            return Ok(());
        }
        Err(self.error())
    }

    /// The typed error of a non-success answer: Pinterest's `{code, message}`
    /// body (or the status text when the body is not that), its request id,
    /// and for a rate limit (a 429, or code 8 whatever the status) the wait
    /// asked for.
    pub fn error(&self) -> ConnectorError {
        let api = self.api_error();
        if self.status == 429 || api.code == Some(RATE_LIMIT_CODE) {
            return ConnectorError::RateLimited {
                retry_after_seconds: self.retry_after_seconds(),
                error: api,
            };
        }
        match self.status {
            401 => ConnectorError::Unauthorized(api),
            403 => ConnectorError::Forbidden(api),
            404 => ConnectorError::NotFound(api),
            _ => ConnectorError::Upstream(api),
        }
    }

    /// Reads `{code, message}` and `x-pinterest-rid` off the answer; the
    /// message is followed by a hint for codes that need one ([`hint`]).
    pub fn api_error(&self) -> ApiError {
        #[derive(serde::Deserialize)]
        struct Body {
            code: Option<i64>,
            message: Option<String>,
        }
        let parsed: Option<Body> = serde_json::from_slice(&self.body).ok();
        let (code, message) = match parsed {
            Some(Body { code, message }) => (code, message),
            None => (None, None),
        };
        let message = message.unwrap_or_else(|| status_text(self.status).to_owned());
        let message = match code.and_then(hint) {
            Some(hint) => format!("{message} ({hint})"),
            None => message,
        };
        ApiError {
            status: self.status,
            code,
            message,
            request_id: self.header("x-pinterest-rid").map(str::to_owned),
            attempts: self.attempts,
        }
    }

    /// Seconds to wait before asking again, as the answer says
    /// ([`HttpResponse::server_wait`]).
    pub fn retry_after_seconds(&self) -> Option<u64> {
        self.server_wait().map(|wait| wait.as_secs())
    }

    /// The wait this answer asks for before asking again: `Retry-After`
    /// (seconds), else `X-RateLimit-Reset`, either seconds until the reset
    /// or the reset's Unix instant, counted from when the answer arrived
    /// (an instant already past is no wait; an instant with no arrival time
    /// known is no usable wait). The one reading of these headers: retries
    /// wait this long and rate-limit errors report it.
    pub fn server_wait(&self) -> Option<std::time::Duration> {
        let number = |name: &str| self.header(name)?.trim().parse::<u64>().ok();
        if let Some(seconds) = number("retry-after") {
            return Some(std::time::Duration::from_secs(seconds));
        }
        let reset = number("x-ratelimit-reset")?;
        let seconds = if reset > RESET_INSTANT_AFTER {
            reset.saturating_sub(self.received_at?)
        } else {
            reset
        };
        Some(std::time::Duration::from_secs(seconds))
    }

    /// The value of the first header called `name`, ignoring case.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The body as text; invalid UTF-8 sequences become U+FFFD.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Takes the body out as text, without copying it when it is valid
    /// UTF-8 (invalid sequences become U+FFFD); the body is left empty.
    pub fn take_body_text(&mut self) -> String {
        match String::from_utf8(std::mem::take(&mut self.body)) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }
}

fn status_text(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unexpected status",
    }
}

/// Everything but RFC 3986's unreserved characters is percent-encoded in a
/// path segment, so that a `/`, `?`, `&`, `#` or `%` in a value can never
/// change the URL's structure.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The `User-Agent` the connector sends.
pub(crate) const USER_AGENT: &str = concat!("pinterest-connector/", env!("CARGO_PKG_VERSION"));

/// Whether secrets may be sent to `url`: over HTTPS, or over plain HTTP to
/// this machine (where they cross no network). The rule of a host's API
/// base and of a token endpoint.
pub(crate) fn is_secure_destination(url: &url::Url) -> bool {
    match (url.scheme(), url.host()) {
        ("https", Some(_)) => true,
        ("http", Some(host)) => is_loopback(&host),
        _ => false,
    }
}

/// Whether `host` is this machine: a loopback IP or `localhost`.
pub(crate) fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => std::net::IpAddr::V4(*ip).is_loopback(),
        url::Host::Ipv6(ip) => std::net::IpAddr::V6(*ip).is_loopback(),
    }
}

/// Percent-encodes one path segment.
pub(crate) fn encode_path_segment(value: &str) -> String {
    utf8_percent_encode(value, COMPONENT).to_string()
}

/// A query or form string of `pairs`, each name and value encoded as
/// `application/x-www-form-urlencoded` says (a space is `+`).
pub(crate) fn form_string<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// One name or value encoded as in [`form_string`], for a list whose items
/// are joined by a literal comma (OpenAPI's `form` style without explode:
/// an encoded comma inside an item stays told apart from the separators).
pub(crate) fn form_value(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// The headers every API request carries: the bearer `token`, JSON
/// accepted, the connector's `User-Agent`.
pub(crate) fn base_headers(token: &str) -> Vec<(String, String)> {
    vec![
        ("Authorization".into(), format!("Bearer {token}")),
        ("Accept".into(), "application/json".into()),
        ("User-Agent".into(), USER_AGENT.into()),
    ]
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A response whose body is handed over in chunks as it arrives: for
/// answers too large to hold whole (a report download).
pub struct StreamedResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The response headers.
    pub headers: Vec<(String, String)>,
    /// The body, a chunk at a time.
    pub body: Box<dyn BodyChunks>,
}

impl StreamedResponse {
    /// The value of the first header called `name`, ignoring case.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// A response body read a chunk at a time.
pub trait BodyChunks {
    /// The next chunk; `None` after the last.
    fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, ConnectorError>;
}

/// A body already read whole, handed over as one chunk.
struct WholeBody(Option<Vec<u8>>);

impl BodyChunks for WholeBody {
    fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, ConnectorError> {
        Ok(self.0.take().filter(|body| !body.is_empty()))
    }
}

/// Sends requests. The guest implements it over `wasi:http`; tests and
/// native tools implement it however they like.
pub trait Transport {
    /// Sends one request and reads the whole response. Only failures to send
    /// or read are errors here (`transport`, `denied-by-host`): an HTTP error
    /// status is a response like any other.
    fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ConnectorError>;

    /// Waits `duration` before a retry. The default returns at once (for
    /// tests and transports that cannot wait).
    fn wait(&mut self, duration: std::time::Duration) {
        let _ = duration;
    }

    /// A random number, for spreading retries out. The default is 0 (no
    /// jitter).
    fn random(&mut self) -> u64 {
        0
    }

    /// The wall clock, in Unix seconds: when an access token is due for a
    /// refresh, and the instants a token answer's lifetimes end at.
    fn now(&self) -> u64;

    /// Sends `request` and hands its body over in chunks as it arrives. The
    /// default reads it whole with [`Transport::send`] and hands it over as
    /// one chunk (for tests and transports that cannot stream).
    fn open(&mut self, request: &HttpRequest) -> Result<StreamedResponse, ConnectorError> {
        let response = self.send(request)?;
        Ok(StreamedResponse {
            status: response.status,
            headers: response.headers,
            body: Box::new(WholeBody(Some(response.body))),
        })
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ConnectorError> {
        (**self).send(request)
    }

    fn wait(&mut self, duration: std::time::Duration) {
        (**self).wait(duration)
    }

    fn random(&mut self) -> u64 {
        (**self).random()
    }

    fn now(&self) -> u64 {
        (**self).now()
    }

    fn open(&mut self, request: &HttpRequest) -> Result<StreamedResponse, ConnectorError> {
        (**self).open(request)
    }
}

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
