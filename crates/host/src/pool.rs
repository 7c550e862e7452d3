//! Outgoing connections kept open between requests and calls.
//!
//! wasmtime-wasi-http's default sender opens a new TCP connection (and a new
//! TLS session) for every request a guest sends. Every call of this host is
//! a fresh instance, so nothing in the guest can keep a connection; the host
//! can. [`ConnectionPool`] sends through one `hyper-util` client per connect
//! timeout: HTTP/1.1 keep-alive, idle connections closed after a while,
//! requests that never reached a stale connection retried on a fresh one.
//! The per-request first-byte and between-bytes timeouts hold as with the
//! default sender, and failures map onto the same `wasi:http` errors.

use std::error::Error as StdError;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody};

/// How a host makes its outgoing connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connections {
    /// Connections are kept open and reused by later requests, of the same
    /// call or of later ones (HTTP/1.1 keep-alive); an idle connection is
    /// closed after `idle_timeout`, and at most `max_idle_per_host` idle
    /// ones are kept for each host.
    Pooled {
        /// How long an idle connection is kept.
        idle_timeout: Duration,
        /// How many idle connections are kept for each host.
        max_idle_per_host: usize,
    },
    /// A new connection for every request (wasmtime-wasi-http's default
    /// sender).
    PerRequest,
}

impl Default for Connections {
    /// Pooled: idle connections kept 30 s, at most 64 for each host.
    fn default() -> Self {
        Connections::Pooled {
            idle_timeout: Duration::from_secs(30),
            max_idle_per_host: 64,
        }
    }
}

type PooledClient = Client<HttpsConnector<HttpConnector>, WasiBody>;

/// The clients of a host, one for each connect timeout its calls asked for
/// (in practice one or two).
pub(crate) struct ConnectionPool {
    idle_timeout: Duration,
    max_idle_per_host: usize,
    tls: Arc<rustls::ClientConfig>,
    clients: Mutex<Vec<(Duration, PooledClient)>>,
}

impl ConnectionPool {
    /// A pool as `connections` says, or `None` for a new connection per
    /// request.
    pub(crate) fn new(connections: Connections) -> Result<Option<Arc<Self>>, rustls::Error> {
        let Connections::Pooled {
            idle_timeout,
            max_idle_per_host,
        } = connections
        else {
            return Ok(None);
        };
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.into(),
        };
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
        Ok(Some(Arc::new(ConnectionPool {
            idle_timeout,
            max_idle_per_host,
            tls: Arc::new(tls),
            clients: Mutex::new(Vec::new()),
        })))
    }

    /// The client whose connections are made within `connect_timeout`.
    fn client(&self, connect_timeout: Duration) -> PooledClient {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, client)) = clients.iter().find(|(t, _)| *t == connect_timeout) {
            return client.clone();
        }
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(connect_timeout));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config((*self.tls).clone())
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(self.idle_timeout)
            .pool_max_idle_per_host(self.max_idle_per_host)
            .build(https);
        clients.push((connect_timeout, client.clone()));
        client
    }

    /// Sends `request` (an absolute URI the network policy allowed) with
    /// `options`' timeouts, all set by the policy.
    pub(crate) async fn send(
        &self,
        request: http::Request<WasiBody>,
        options: RequestOptions,
    ) -> Result<http::Response<WasiBody>, HttpError> {
        let wait = |t: Option<Duration>| t.unwrap_or(Duration::from_secs(600));
        let client = self.client(wait(options.connect_timeout));
        // The first byte must come within its timeout, connecting included
        // when no open connection was free.
        let response =
            tokio::time::timeout(wait(options.first_byte_timeout), client.request(request))
                .await
                .map_err(|_| HttpError::ConnectionReadTimeout)?
                .map_err(|e| client_error(&e))?;
        let between_bytes = wait(options.between_bytes_timeout).max(Duration::from_nanos(1));
        Ok(response.map(|incoming| BetweenBytes::new(incoming, between_bytes).boxed_unsync()))
    }
}

/// A client failure as the `wasi:http` error the default sender would
/// give for it.
fn client_error(error: &hyper_util::client::legacy::Error) -> HttpError {
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                std::io::ErrorKind::ConnectionRefused => HttpError::ConnectionRefused,
                std::io::ErrorKind::TimedOut => HttpError::ConnectionTimeout,
                kind if error.is_connect() => {
                    HttpError::Connect(std::io::Error::new(kind, io.to_string()))
                }
                _ => HttpError::ConnectionTerminated,
            };
        }
        if let Some(hyper) = cause.downcast_ref::<hyper::Error>() {
            return hyper_error(hyper);
        }
        source = cause.source();
    }
    if error.is_connect() {
        HttpError::ConnectionRefused
    } else {
        HttpError::HttpProtocolError
    }
}

fn hyper_error(error: &hyper::Error) -> HttpError {
    if error.is_timeout() {
        HttpError::HttpResponseTimeout
    } else if error.is_incomplete_message() || error.is_canceled() || error.is_closed() {
        HttpError::ConnectionTerminated
    } else {
        HttpError::HttpProtocolError
    }
}

/// A response body that fails when no byte comes for `timeout`.
struct BetweenBytes {
    incoming: hyper::body::Incoming,
    timeout: Duration,
    timer: Pin<Box<tokio::time::Sleep>>,
}

impl BetweenBytes {
    fn new(incoming: hyper::body::Incoming, timeout: Duration) -> Self {
        BetweenBytes {
            incoming,
            timeout,
            timer: Box::pin(tokio::time::sleep(timeout)),
        }
    }
}

impl Body for BetweenBytes {
    type Data = Bytes;
    type Error = HttpError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, HttpError>>> {
        match Pin::new(&mut self.incoming).poll_frame(cx) {
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Ready(Some(Err(e))) if e.is_timeout() => {
                Poll::Ready(Some(Err(HttpError::HttpResponseTimeout)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(HttpError::from(e)))),
            Poll::Ready(Some(Ok(frame))) => {
                let deadline = tokio::time::Instant::now() + self.timeout;
                self.timer.as_mut().reset(deadline);
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => {
                ready!(self.timer.as_mut().poll(cx));
                Poll::Ready(Some(Err(HttpError::ConnectionReadTimeout)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.incoming.size_hint()
    }
}
