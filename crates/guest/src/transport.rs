//! The core's [`Transport`] over `wasi:http/outgoing-handler`.

use pinterest_connector_core::error::ConnectorError;
use pinterest_connector_core::http::{HttpRequest, HttpResponse, Method, Transport};
use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    ErrorCode, Fields, IncomingBody, Method as WasiMethod, OutgoingBody, OutgoingRequest,
    RequestOptions, Scheme,
};
use wasip2::io::streams::StreamError;

/// Largest response body the connector reads, in bytes. A Pinterest page of
/// 250 items is well under a megabyte.
pub const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

const NANOS_PER_SECOND: u64 = 1_000_000_000;

/// Sends requests through the host's `wasi:http` implementation.
#[derive(Debug, Clone)]
pub struct WasiHttpTransport {
    /// Time allowed to connect, in seconds.
    pub connect_timeout_secs: u64,
    /// Time allowed until the first response byte, in seconds.
    pub first_byte_timeout_secs: u64,
    /// Time allowed between response bytes, in seconds.
    pub between_bytes_timeout_secs: u64,
}

impl Default for WasiHttpTransport {
    fn default() -> Self {
        WasiHttpTransport {
            connect_timeout_secs: 10,
            first_byte_timeout_secs: 30,
            between_bytes_timeout_secs: 30,
        }
    }
}

impl Transport for WasiHttpTransport {
    fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ConnectorError> {
        let outgoing = outgoing_request(request)?;
        let body = outgoing
            .body()
            .map_err(|()| transport("the request body was already taken"))?;
        let options = RequestOptions::new();
        // The host may refuse to honour timeouts; that is not an error here.
        let _ = options.set_connect_timeout(Some(self.connect_timeout_secs * NANOS_PER_SECOND));
        let _ =
            options.set_first_byte_timeout(Some(self.first_byte_timeout_secs * NANOS_PER_SECOND));
        let _ = options
            .set_between_bytes_timeout(Some(self.between_bytes_timeout_secs * NANOS_PER_SECOND));
        let pending = outgoing_handler::handle(outgoing, Some(options)).map_err(error_code)?;

        if let Some(bytes) = &request.body {
            let stream = body
                .write()
                .map_err(|()| transport("the request body stream was already taken"))?;
            for chunk in bytes.chunks(4096) {
                stream
                    .blocking_write_and_flush(chunk)
                    .map_err(|e| stream_error("writing the request body", e))?;
            }
        }
        OutgoingBody::finish(body, None).map_err(error_code)?;

        pending.subscribe().block();
        let response = pending
            .get()
            .ok_or_else(|| transport("the response was not ready after waiting for it"))?
            .map_err(|()| transport("the response was already taken"))?
            .map_err(error_code)?;

        let status = response.status();
        let headers = response
            .headers()
            .entries()
            .into_iter()
            .map(|(name, value)| (name, String::from_utf8_lossy(&value).into_owned()))
            .collect();
        let incoming = response
            .consume()
            .map_err(|()| transport("the response body was already taken"))?;
        let body = read_body(&incoming)?;
        drop(IncomingBody::finish(incoming));
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
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
    let authority = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => return Err(ConnectorError::invalid("url", "has no host")),
    };
    let path_with_query = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    let refused = |what: &str| transport(&format!("the host refused the request's {what}"));
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

fn read_body(incoming: &IncomingBody) -> Result<Vec<u8>, ConnectorError> {
    let stream = incoming
        .stream()
        .map_err(|()| transport("the response body stream was already taken"))?;
    let mut body = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => {
                if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    return Err(transport(&format!(
                        "the response body exceeds {MAX_RESPONSE_BYTES} bytes"
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            Err(StreamError::Closed) => return Ok(body),
            Err(e) => return Err(stream_error("reading the response body", e)),
        }
    }
}

fn error_code(code: ErrorCode) -> ConnectorError {
    match code {
        ErrorCode::HttpRequestDenied => {
            ConnectorError::DeniedByHost("the host does not allow requests to this address".into())
        }
        other => ConnectorError::Transport(format!("{other:?}")),
    }
}

fn stream_error(during: &str, error: StreamError) -> ConnectorError {
    match error {
        StreamError::Closed => transport(&format!("the stream closed while {during}")),
        StreamError::LastOperationFailed(e) => {
            transport(&format!("{during} failed: {}", e.to_debug_string()))
        }
    }
}

fn transport(message: &str) -> ConnectorError {
    ConnectorError::Transport(message.to_owned())
}
