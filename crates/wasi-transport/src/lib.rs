//! The core's [`Transport`] over `wasi:http/outgoing-handler` (WASI 0.2),
//! shared by the connector component and the edge build: requests, their
//! timeouts and body cap, retries waiting on the monotonic clock, and the
//! wall clock the core reads token expiry against.

use std::time::Duration;

use pinterest_connector_core::error::{ConnectorError, TransportKind};
use pinterest_connector_core::http::{
    BodyChunks, HttpRequest, HttpResponse, Method, StreamedResponse, Transport,
};
use pinterest_connector_core::options::CallOptions;
use pinterest_connector_core::retry::Retrying;
use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    ErrorCode, FieldSizePayload, Fields, IncomingBody, IncomingResponse, Method as WasiMethod,
    OutgoingBody, OutgoingRequest, RequestOptions, Scheme,
};
use wasip2::io::streams::{InputStream, StreamError};

/// Sends requests through the host's `wasi:http` implementation, with the
/// timeouts and the body cap of the call's options. Waits between retries
/// on the monotonic clock; jitter comes from `wasi:random`.
#[derive(Debug, Clone, Default)]
pub struct WasiHttpTransport {
    options: CallOptions,
}

impl WasiHttpTransport {
    /// A transport applying `options`.
    pub fn new(options: CallOptions) -> Self {
        WasiHttpTransport { options }
    }
}

/// The transport of an action: `wasi:http` with the options' timeouts and
/// cap, retried by the options' policy.
pub fn retrying(options: CallOptions) -> Retrying<WasiHttpTransport> {
    Retrying::new(WasiHttpTransport::new(options), options.retry)
}

/// The wall clock, in Unix seconds.
fn wall_clock_seconds() -> u64 {
    wasip2::clocks::wall_clock::now().seconds
}

/// A response's headers, values as text.
fn headers_of(response: &IncomingResponse) -> Vec<(String, String)> {
    response
        .headers()
        .entries()
        .into_iter()
        .map(|(name, value)| (name, String::from_utf8_lossy(&value).into_owned()))
        .collect()
}

/// A response body read a chunk at a time, as the host hands it over. The
/// stream is a child of the body, which is a child of the response: they
/// are dropped in that order (fields drop in declaration order).
struct StreamedBody {
    stream: Option<InputStream>,
    body: Option<IncomingBody>,
    _response: IncomingResponse,
}

impl BodyChunks for StreamedBody {
    fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, ConnectorError> {
        let Some(stream) = &self.stream else {
            return Ok(None);
        };
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => Ok(Some(chunk)),
            Err(StreamError::Closed) => {
                self.stream = None;
                if let Some(body) = self.body.take() {
                    drop(IncomingBody::finish(body));
                }
                Ok(None)
            }
            Err(e) => {
                self.stream = None;
                Err(stream_error("reading the response body", e))
            }
        }
    }
}

/// Writes a whole request body and finishes it.
fn write_body(body: OutgoingBody, bytes: &[u8]) -> Result<(), ConnectorError> {
    let stream = body
        .write()
        .map_err(|()| other("the request body stream was already taken"))?;
    // `blocking-write-and-flush` takes at most 4096 bytes a call.
    for chunk in bytes.chunks(4096) {
        stream
            .blocking_write_and_flush(chunk)
            .map_err(|e| stream_error("writing the request body", e))?;
    }
    // The stream is a child of the body: it goes first.
    drop(stream);
    OutgoingBody::finish(body, None).map_err(error_code)
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

impl WasiHttpTransport {
    /// Sends `request` and waits for the response's head.
    fn exchange(&mut self, request: &HttpRequest) -> Result<IncomingResponse, ConnectorError> {
        let outgoing = outgoing_request(request)?;
        // A body is taken only to write bytes into it: one taken and left
        // empty has no known size, and goes out chunked. An untaken one is
        // sent as empty (with the `content-length: 0` of a bodiless write).
        let bytes = request.body.as_deref().filter(|bytes| !bytes.is_empty());
        let body = match bytes {
            Some(_) => Some(
                outgoing
                    .body()
                    .map_err(|()| other("the request body was already taken"))?,
            ),
            None => None,
        };
        let options = RequestOptions::new();
        // The host may refuse to honour timeouts; that is not an error here.
        let _ = options.set_connect_timeout(Some(nanos(self.options.connect_timeout)));
        let _ = options.set_first_byte_timeout(Some(nanos(self.options.first_byte_timeout)));
        let _ = options.set_between_bytes_timeout(Some(nanos(self.options.between_bytes_timeout)));
        let pending = outgoing_handler::handle(outgoing, Some(options)).map_err(error_code)?;

        // A write that breaks is reported only when nothing better is known:
        // the host may have refused the request (`denied-by-host`), or the
        // server answered early and closed (S3's 411, a 413), and that
        // answer says more than the broken write.
        let broken = match (body, bytes) {
            (Some(body), Some(bytes)) => write_body(body, bytes).err(),
            _ => None,
        };

        pending.subscribe().block();
        let response = match pending.get() {
            Some(Ok(Ok(response))) => response,
            Some(Ok(Err(code))) => return Err(error_code(code)),
            Some(Err(())) => return Err(other("the response was already taken")),
            None => {
                return Err(broken
                    .unwrap_or_else(|| other("the response was not ready after waiting for it")));
            }
        };

        Ok(response)
    }

    /// Sends `request` and reads its whole answer.
    fn send_to(&mut self, request: &HttpRequest) -> Result<HttpResponse, ConnectorError> {
        let response = self.exchange(request)?;
        let status = response.status();
        let headers = headers_of(&response);
        let incoming = response
            .consume()
            .map_err(|()| other("the response body was already taken"))?;
        let body = read_body(&incoming, self.options.max_response_bytes)?;
        drop(IncomingBody::finish(incoming));
        Ok(HttpResponse::new(status, headers, body).received_at(wall_clock_seconds()))
    }
}

impl Transport for WasiHttpTransport {
    fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ConnectorError> {
        self.send_to(request)
            .map_err(|e| e.reaching(&request.authority()))
    }

    fn wait(&mut self, duration: Duration) {
        wasip2::clocks::monotonic_clock::subscribe_duration(nanos(duration)).block();
    }

    fn now(&self) -> u64 {
        wall_clock_seconds()
    }

    fn open(&mut self, request: &HttpRequest) -> Result<StreamedResponse, ConnectorError> {
        let response = self
            .exchange(request)
            .map_err(|e| e.reaching(&request.authority()))?;
        let status = response.status();
        let headers = headers_of(&response);
        let body = response
            .consume()
            .map_err(|()| other("the response body was already taken"))?;
        let stream = body
            .stream()
            .map_err(|()| other("the response body stream was already taken"))?;
        Ok(StreamedResponse {
            status,
            headers,
            body: Box::new(StreamedBody {
                stream: Some(stream),
                body: Some(body),
                _response: response,
            }),
        })
    }

    fn random(&mut self) -> u64 {
        wasip2::random::random::get_random_u64()
    }
}

fn outgoing_request(request: &HttpRequest) -> Result<OutgoingRequest, ConnectorError> {
    let headers = Fields::new();
    for (name, value) in &request.headers {
        headers.append(name, value.as_bytes()).map_err(|e| {
            ConnectorError::invalid(
                format!("header.{name}"),
                format!("refused by the host: {e:?}"),
            )
        })?;
    }
    // The body's size is always known: say it, so that it goes out with
    // `Content-Length` rather than chunked, which S3's pre-signed uploads
    // (411) and servers that do not read chunked bodies (an empty body)
    // refuse. A `POST`, `PUT` or `PATCH` without a body says 0.
    if let Some(length) = request.content_length() {
        headers
            .append("content-length", length.to_string().as_bytes())
            .map_err(|e| other(&format!("the host refused `content-length`: {e:?}")))?;
    }
    let outgoing = OutgoingRequest::new(headers);
    let url = &request.url;
    let method = match request.method {
        Method::Get => WasiMethod::Get,
        Method::Post => WasiMethod::Post,
        Method::Put => WasiMethod::Put,
        Method::Patch => WasiMethod::Patch,
        Method::Delete => WasiMethod::Delete,
    };
    let scheme = match url.scheme() {
        "https" => Scheme::Https,
        "http" => Scheme::Http,
        other => Scheme::Other(other.to_owned()),
    };
    if url.host_str().is_none() {
        return Err(ConnectorError::invalid("url", "has no host"));
    }
    let authority = request.authority();
    let path_with_query = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    let refused = |what: &str| other(&format!("the host refused the request's {what}"));
    outgoing
        .set_method(&method)
        .map_err(|()| refused("method"))?;
    outgoing
        .set_scheme(Some(&scheme))
        .map_err(|()| refused("scheme"))?;
    outgoing
        .set_authority(Some(&authority))
        .map_err(|()| refused("authority"))?;
    outgoing
        .set_path_with_query(Some(&path_with_query))
        .map_err(|()| refused("path"))?;
    Ok(outgoing)
}

/// Reads the whole body, refusing it as soon as it grows past `max` bytes.
fn read_body(incoming: &IncomingBody, max: u64) -> Result<Vec<u8>, ConnectorError> {
    let stream = incoming
        .stream()
        .map_err(|()| other("the response body stream was already taken"))?;
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    let mut body = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => {
                if body.len().saturating_add(chunk.len()) > max {
                    return Err(ConnectorError::transport(
                        TransportKind::TooLarge,
                        format!("the response body exceeds {max} bytes"),
                    ));
                }
                if body.is_empty() {
                    body = chunk;
                } else {
                    body.extend_from_slice(&chunk);
                }
            }
            Err(StreamError::Closed) => return Ok(body),
            Err(e) => return Err(stream_error("reading the response body", e)),
        }
    }
}

/// A `wasi:http` error code as a typed error: whether the request can have
/// reached the server decides whether it may be retried.
fn error_code(code: ErrorCode) -> ConnectorError {
    use TransportKind::*;
    let kind = match &code {
        ErrorCode::HttpRequestDenied => {
            return ConnectorError::DeniedByHost("the host does not allow the request".into());
        }
        // A name without an address (wasmtime says `address not available`
        // for a name the resolver does not know) is not retried.
        ErrorCode::DnsError(_) | ErrorCode::DestinationNotFound => Unresolved,
        ErrorCode::DnsTimeout
        | ErrorCode::DestinationUnavailable
        | ErrorCode::DestinationIpUnroutable
        | ErrorCode::ConnectionRefused
        | ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionLimitReached => Refused,
        ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::HttpResponseTimeout => TimedOut,
        ErrorCode::ConnectionTerminated
        | ErrorCode::HttpResponseIncomplete
        | ErrorCode::HttpResponseTransferCoding(_)
        | ErrorCode::HttpResponseContentCoding(_)
        | ErrorCode::HttpProtocolError
        | ErrorCode::HttpUpgradeFailed => Interrupted,
        ErrorCode::HttpResponseHeaderSectionSize(_)
        | ErrorCode::HttpResponseHeaderSize(_)
        | ErrorCode::HttpResponseBodySize(_)
        | ErrorCode::HttpResponseTrailerSectionSize(_)
        | ErrorCode::HttpResponseTrailerSize(_) => TooLarge,
        _ => Other,
    };
    ConnectorError::transport(kind, code_text(&code))
}

/// What `code` says, in `wasi:http`'s own words: the case's WIT name
/// (`connection-refused`) and what its payload holds. Written by hand: the
/// bindings' `Debug` (which printed `ConnectionRefused`) was ~6 KB of the
/// component for one message.
fn code_text(code: &ErrorCode) -> String {
    use ErrorCode::*;
    // A payload's fields that are there, labelled, as `a 1, b 2`.
    let both = |first: Option<String>, second: Option<String>| {
        first
            .into_iter()
            .chain(second)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let field = |f: &FieldSizePayload| {
        both(
            f.field_name.as_ref().map(|name| format!("field {name}")),
            f.field_size.map(|size| format!("size {size}")),
        )
    };
    let number = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
    let (name, detail) = match code {
        DnsTimeout => ("DNS-timeout", String::new()),
        DnsError(p) => (
            "DNS-error",
            both(
                p.rcode.as_ref().map(|rcode| format!("rcode {rcode}")),
                p.info_code.map(|info| format!("info-code {info}")),
            ),
        ),
        DestinationNotFound => ("destination-not-found", String::new()),
        DestinationUnavailable => ("destination-unavailable", String::new()),
        DestinationIpProhibited => ("destination-IP-prohibited", String::new()),
        DestinationIpUnroutable => ("destination-IP-unroutable", String::new()),
        ConnectionRefused => ("connection-refused", String::new()),
        ConnectionTerminated => ("connection-terminated", String::new()),
        ConnectionTimeout => ("connection-timeout", String::new()),
        ConnectionReadTimeout => ("connection-read-timeout", String::new()),
        ConnectionWriteTimeout => ("connection-write-timeout", String::new()),
        ConnectionLimitReached => ("connection-limit-reached", String::new()),
        TlsProtocolError => ("TLS-protocol-error", String::new()),
        TlsCertificateError => ("TLS-certificate-error", String::new()),
        TlsAlertReceived(p) => (
            "TLS-alert-received",
            both(
                p.alert_id.map(|id| format!("alert {id}")),
                p.alert_message.clone(),
            ),
        ),
        HttpRequestDenied => ("HTTP-request-denied", String::new()),
        HttpRequestLengthRequired => ("HTTP-request-length-required", String::new()),
        HttpRequestBodySize(n) => ("HTTP-request-body-size", number(*n)),
        HttpRequestMethodInvalid => ("HTTP-request-method-invalid", String::new()),
        HttpRequestUriInvalid => ("HTTP-request-URI-invalid", String::new()),
        HttpRequestUriTooLong => ("HTTP-request-URI-too-long", String::new()),
        HttpRequestHeaderSectionSize(n) => {
            ("HTTP-request-header-section-size", number(n.map(u64::from)))
        }
        HttpRequestHeaderSize(f) => (
            "HTTP-request-header-size",
            f.as_ref().map(field).unwrap_or_default(),
        ),
        HttpRequestTrailerSectionSize(n) => (
            "HTTP-request-trailer-section-size",
            number(n.map(u64::from)),
        ),
        HttpRequestTrailerSize(f) => ("HTTP-request-trailer-size", field(f)),
        HttpResponseIncomplete => ("HTTP-response-incomplete", String::new()),
        HttpResponseHeaderSectionSize(n) => (
            "HTTP-response-header-section-size",
            number(n.map(u64::from)),
        ),
        HttpResponseHeaderSize(f) => ("HTTP-response-header-size", field(f)),
        HttpResponseBodySize(n) => ("HTTP-response-body-size", number(*n)),
        HttpResponseTrailerSectionSize(n) => (
            "HTTP-response-trailer-section-size",
            number(n.map(u64::from)),
        ),
        HttpResponseTrailerSize(f) => ("HTTP-response-trailer-size", field(f)),
        HttpResponseTransferCoding(c) => (
            "HTTP-response-transfer-coding",
            c.clone().unwrap_or_default(),
        ),
        HttpResponseContentCoding(c) => (
            "HTTP-response-content-coding",
            c.clone().unwrap_or_default(),
        ),
        HttpResponseTimeout => ("HTTP-response-timeout", String::new()),
        HttpUpgradeFailed => ("HTTP-upgrade-failed", String::new()),
        HttpProtocolError => ("HTTP-protocol-error", String::new()),
        LoopDetected => ("loop-detected", String::new()),
        ConfigurationError => ("configuration-error", String::new()),
        InternalError(m) => ("internal-error", m.clone().unwrap_or_default()),
    };
    if detail.is_empty() {
        name.to_owned()
    } else {
        format!("{name} ({detail})")
    }
}

fn stream_error(during: &str, error: StreamError) -> ConnectorError {
    match error {
        StreamError::Closed => ConnectorError::transport(
            TransportKind::Interrupted,
            format!("the stream closed while {during}"),
        ),
        StreamError::LastOperationFailed(e) => match wasip2::http::types::http_error_code(&e) {
            Some(code) => {
                let ConnectorError::Transport(mut error) = error_code(code) else {
                    return error_code_denied(during);
                };
                error.message = format!("{during} failed: {}", error.message);
                ConnectorError::Transport(error)
            }
            None => ConnectorError::transport(
                TransportKind::Interrupted,
                format!("{during} failed: {}", e.to_debug_string()),
            ),
        },
    }
}

fn error_code_denied(during: &str) -> ConnectorError {
    ConnectorError::DeniedByHost(format!("the host stopped {during}"))
}

fn other(message: &str) -> ConnectorError {
    ConnectorError::transport(TransportKind::Other, message)
}
