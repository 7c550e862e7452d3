//! The connector's pure core on a native HTTP client: the same
//! [`Connector`](pinterest_connector_core::Connector), request building,
//! validation, pagination and retries as the component, with
//! [`NativeTransport`] (blocking `ureq`) in place of `wasi:http`.
//!
//! It exists to measure what the WebAssembly sandbox costs: the benchmarks
//! run the same actions through the component and through this crate
//! against the same loopback mock and print the ratios. It speaks plain
//! HTTP only, to the addresses it is routed to; it is not a production
//! client.

use std::net::SocketAddr;
use std::time::Duration;

use pinterest_connector_core::error::{ConnectorError, TransportKind};
use pinterest_connector_core::http::{HttpRequest, HttpResponse, Transport};
use pinterest_connector_core::options::CallOptions;

/// Whether a transport keeps connections open between requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connections {
    /// A new TCP connection for every request, as the default `wasi:http`
    /// implementation of wasmtime makes.
    PerRequest,
    /// Idle connections are kept and reused.
    Pooled,
}

/// Sends the core's requests with `ureq`, to routed hosts over plain HTTP.
pub struct NativeTransport {
    agent: ureq::Agent,
    routes: Vec<(String, SocketAddr)>,
    max_response_bytes: u64,
}

impl NativeTransport {
    /// A transport with `options`' timeouts and body cap and no routes yet.
    pub fn new(options: &CallOptions, connections: Connections) -> Self {
        let idle = match connections {
            Connections::PerRequest => 0,
            Connections::Pooled => 64,
        };
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(options.connect_timeout))
            .timeout_recv_response(Some(options.first_byte_timeout))
            .timeout_recv_body(Some(options.between_bytes_timeout))
            .max_idle_connections(idle)
            .max_idle_connections_per_host(idle)
            .build();
        NativeTransport {
            agent: config.into(),
            routes: Vec::new(),
            max_response_bytes: options.max_response_bytes,
        }
    }

    /// Sends requests for `host` (such as `api.pinterest.com`) to `addr`
    /// over plain HTTP.
    pub fn route(mut self, host: &str, addr: SocketAddr) -> Self {
        self.routes.push((host.to_ascii_lowercase(), addr));
        self
    }

    /// The URL a request goes to: its routed address, or a refusal.
    fn routed(&self, url: &url::Url) -> Result<String, ConnectorError> {
        let host = url.host_str().unwrap_or_default();
        let (_, addr) = self
            .routes
            .iter()
            .find(|(routed, _)| routed == host)
            .ok_or_else(|| {
                ConnectorError::DeniedByHost(format!(
                    "no route for `{host}` in the native transport"
                ))
            })?;
        let path_and_query = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        Ok(format!("http://{addr}{path_and_query}"))
    }
}

impl Transport for NativeTransport {
    fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ConnectorError> {
        let mut builder = http::Request::builder()
            .method(request.method.as_str())
            .uri(self.routed(&request.url)?);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        // Said explicitly: without it ureq sends a bodiless POST with no
        // length at all.
        if let Some(length) = request.content_length() {
            builder = builder.header("content-length", length);
        }
        let built = |e: http::Error| ConnectorError::invalid("request", e.to_string());
        let answer = match &request.body {
            Some(body) => self
                .agent
                .run(builder.body(body.as_slice()).map_err(built)?),
            None => self.agent.run(builder.body(()).map_err(built)?),
        };
        let reaching = |e| transport_error(e).reaching(&request.authority());
        let mut response = answer.map_err(reaching)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(self.max_response_bytes)
            .read_to_vec()
            .map_err(reaching)?;
        Ok(HttpResponse::new(status, headers, body).received_at(self.now()))
    }

    fn wait(&mut self, duration: Duration) {
        std::thread::sleep(duration);
    }

    fn random(&mut self) -> u64 {
        // Jitter only needs to differ between calls, not to be unguessable.
        use std::hash::{BuildHasher, RandomState};
        RandomState::new().hash_one(std::time::Instant::now())
    }

    fn now(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_secs())
    }
}

/// A `ureq` failure as the core's typed transport error.
fn transport_error(error: ureq::Error) -> ConnectorError {
    use std::io::ErrorKind;
    let kind = match &error {
        ureq::Error::HostNotFound => TransportKind::Unresolved,
        ureq::Error::ConnectionFailed => TransportKind::Refused,
        ureq::Error::Io(io) if io.kind() == ErrorKind::ConnectionRefused => TransportKind::Refused,
        ureq::Error::Timeout(_) => TransportKind::TimedOut,
        ureq::Error::BodyExceedsLimit(_) => TransportKind::TooLarge,
        ureq::Error::Io(_) | ureq::Error::Protocol(_) => TransportKind::Interrupted,
        _ => TransportKind::Other,
    };
    ConnectorError::transport(kind, error.to_string())
}
