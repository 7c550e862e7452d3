//! Where the component's requests may go.
//!
//! By default only the Pinterest API hosts, and, for the jobs that span
//! calls (a video upload, a report download: [`Reach::ApiAndS3`]), the
//! Amazon S3 hosts Pinterest names for them, over HTTPS on port 443; a
//! request with an `Authorization` header never goes to S3. An embedder (a test, the demo) can add
//! loopback test hosts, or route a host to a loopback address where a mock
//! answers in its place. Everything else is refused, and the guest sees
//! `denied-by-host`.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::uri::{Authority, Scheme, Uri};
use http_body_util::BodyExt;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

use crate::credential_store::StoreError;
use crate::pool::ConnectionPool;
use crate::rate_budget::RateBudget;
use crate::refresh::{RefreshGate, Sender};

/// The hosts the connector talks to in production.
pub const PINTEREST_HOSTS: &[&str] = &["api.pinterest.com", "api-sandbox.pinterest.com"];

pub use pinterest_connector_core::destination::is_s3_host;

/// What one action may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The API hosts (and test hosts and routes): every action.
    Api,
    /// Also the S3 hosts, routed or not: the jobs that send to a URL
    /// Pinterest's answer named in the same action (`upload-media`,
    /// `download-report`). The component sends there only such a URL.
    ApiAndS3,
}

/// Told how far a video's upload has gone: the bytes of the request sent so
/// far and its `Content-Length` (0 when it has none), as each piece leaves.
pub type UploadProgress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// Which authorities outgoing requests may reach, and how.
#[derive(Debug, Clone)]
pub struct NetworkPolicy {
    https_hosts: Vec<String>,
    s3_hosts: bool,
    test_hosts: Vec<SocketAddr>,
    routes: BTreeMap<String, SocketAddr>,
    max_timeout: Duration,
}

impl Default for NetworkPolicy {
    /// The Pinterest API hosts and the S3 hosts of uploads and reports,
    /// over HTTPS, nothing else.
    fn default() -> Self {
        NetworkPolicy {
            https_hosts: PINTEREST_HOSTS.iter().map(|h| h.to_string()).collect(),
            s3_hosts: true,
            test_hosts: Vec::new(),
            routes: BTreeMap::new(),
            max_timeout: Duration::from_secs(60),
        }
    }
}

impl NetworkPolicy {
    /// A policy that lets nothing out; add test hosts or routes to it.
    pub fn deny_all() -> Self {
        NetworkPolicy {
            https_hosts: Vec::new(),
            s3_hosts: false,
            ..NetworkPolicy::default()
        }
    }

    /// Also allows plain HTTP to `addr`, which must be a loopback address.
    pub fn allow_test_host(mut self, addr: SocketAddr) -> Result<Self, PolicyError> {
        if !addr.ip().is_loopback() {
            return Err(PolicyError::NotLoopback(addr));
        }
        self.test_hosts.push(addr);
        Ok(self)
    }

    /// Sends requests for `host` (such as `api.pinterest.com`) to the
    /// loopback address `addr` over plain HTTP instead. The `Host` header
    /// still names `host`.
    pub fn route(mut self, host: &str, addr: SocketAddr) -> Result<Self, PolicyError> {
        if !addr.ip().is_loopback() {
            return Err(PolicyError::NotLoopback(addr));
        }
        self.routes.insert(host.to_ascii_lowercase(), addr);
        Ok(self)
    }

    /// Caps the connect, first-byte and between-bytes timeouts a guest may
    /// ask for (wasi-http's own default is 600 seconds).
    pub fn max_timeout(mut self, limit: Duration) -> Self {
        self.max_timeout = limit;
        self
    }

    /// Where a request for `uri` from an action of `reach` goes:
    /// `Some(uri)` to send (possibly rewritten to a route), `None` to
    /// refuse.
    pub fn destination(&self, uri: &Uri, reach: Reach) -> Option<Uri> {
        let authority = uri.authority()?;
        let host = authority.host().to_ascii_lowercase();
        let scheme = uri.scheme()?;
        if is_s3_host(&host) && reach != Reach::ApiAndS3 {
            return None;
        }
        if let Some(addr) = self.routes.get(&host) {
            let default_port = if *scheme == Scheme::HTTPS { 443 } else { 80 };
            if authority.port_u16().unwrap_or(default_port) == default_port {
                return rewrite(uri, *addr);
            }
            return None;
        }
        if *scheme == Scheme::HTTPS
            && (self.https_hosts.contains(&host) || (self.s3_hosts && is_s3_host(&host)))
            && authority.port_u16().is_none_or(|p| p == 443)
        {
            return Some(uri.clone());
        }
        if *scheme == Scheme::HTTP && self.is_test_host(authority) {
            return Some(uri.clone());
        }
        None
    }

    fn is_test_host(&self, authority: &Authority) -> bool {
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let (Ok(ip), Some(port)) = (host.parse::<std::net::IpAddr>(), authority.port_u16()) else {
            return false;
        };
        self.test_hosts.contains(&SocketAddr::new(ip, port))
    }

    fn clamp(&self, options: Option<RequestOptions>) -> RequestOptions {
        let clamp =
            |t: Option<Duration>| Some(t.map_or(self.max_timeout, |t| t.min(self.max_timeout)));
        let options = options.unwrap_or_default();
        RequestOptions {
            connect_timeout: clamp(options.connect_timeout),
            first_byte_timeout: clamp(options.first_byte_timeout),
            between_bytes_timeout: clamp(options.between_bytes_timeout),
        }
    }
}

fn rewrite(uri: &Uri, addr: SocketAddr) -> Option<Uri> {
    let path = uri.path_and_query().map_or("/", |pq| pq.as_str());
    Uri::builder()
        .scheme(Scheme::HTTP)
        .authority(addr.to_string())
        .path_and_query(path)
        .build()
        .ok()
}

/// A policy that cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Test hosts and routes must stay on this machine.
    #[error("{0} is not a loopback address: test hosts and routes must be on loopback")]
    NotLoopback(SocketAddr),
}

/// The `wasi:http` hooks that enforce a [`NetworkPolicy`].
pub(crate) struct PolicyHooks {
    policy: Arc<NetworkPolicy>,
    reach: Reach,
    pool: Option<Arc<ConnectionPool>>,
    progress: Option<UploadProgress>,
    gate: Option<Arc<RefreshGate>>,
    budget: Option<Arc<RateBudget>>,
    store_failure: Arc<Mutex<Option<StoreError>>>,
}

impl PolicyHooks {
    /// Hooks letting out what `policy` allows an action of `reach`, through
    /// `pool` (a new connection per request without one).
    pub(crate) fn new(
        policy: Arc<NetworkPolicy>,
        reach: Reach,
        pool: Option<Arc<ConnectionPool>>,
    ) -> Self {
        PolicyHooks {
            policy,
            reach,
            pool,
            progress: None,
            gate: None,
            budget: None,
            store_failure: Arc::default(),
        }
    }

    /// Hands the action's token requests to `gate` (see
    /// [`crate::refresh`]).
    pub(crate) fn share_refreshes(&mut self, gate: Arc<RefreshGate>) {
        self.gate = Some(gate);
    }

    /// Books every API request of the action in `budget` (see
    /// [`crate::rate_budget`]).
    pub(crate) fn budget_requests(&mut self, budget: Arc<RateBudget>) {
        self.budget = Some(budget);
    }

    /// The credential store's failure during the action, if any: the
    /// host reports it in place of what the component made of it.
    pub(crate) fn take_store_failure(&self) -> Option<StoreError> {
        self.store_failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// Tells `progress` how each upload to S3 (a `POST` there) goes.
    pub(crate) fn report_uploads(&mut self, progress: UploadProgress) {
        self.progress = Some(progress);
    }
}

/// A request body that counts what leaves and says so.
struct Counted {
    inner: WasiBody,
    sent: u64,
    total: u64,
    progress: UploadProgress,
}

impl http_body::Body for Counted {
    type Data = bytes::Bytes;
    type Error = HttpError;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = &mut *self;
        let polled = std::pin::Pin::new(&mut this.inner).poll_frame(cx);
        if let std::task::Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            this.sent += data.len() as u64;
            (this.progress)(this.sent, this.total);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

type SendFuture = Box<
    dyn Future<
            Output = wasmtime_wasi_http::Result<(
                http::Response<WasiBody>,
                Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
            )>,
        > + Send,
>;

impl WasiHttpHooks for PolicyHooks {
    fn send_request(
        &mut self,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> SendFuture {
        // Credentials never go to S3 (routed or not): a pre-signed URL or
        // an upload policy is all it takes.
        if request.headers().contains_key(http::header::AUTHORIZATION)
            && request.uri().host().is_some_and(is_s3_host)
        {
            return Box::new(async { Err(HttpError::HttpRequestDenied) });
        }
        let Some(uri) = self.policy.destination(request.uri(), self.reach) else {
            return Box::new(async { Err(HttpError::HttpRequestDenied) });
        };
        if let Some(progress) = &self.progress
            && request.method() == http::Method::POST
            && request.uri().host().is_some_and(is_s3_host)
        {
            let total = request
                .headers()
                .get(http::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok()?.parse().ok())
                .unwrap_or(0);
            let progress = progress.clone();
            request = request.map(|inner| {
                Counted {
                    inner,
                    sent: 0,
                    total,
                    progress,
                }
                .boxed_unsync()
            });
        }
        // The API's requests take a permit; a job's upload or download to
        // S3 is no API call.
        let budgeted = self
            .budget
            .clone()
            .filter(|_| !request.uri().host().is_some_and(is_s3_host))
            .map(|budget| {
                let category = budget.category(request.method(), request.uri().path());
                (budget, category)
            });
        *request.uri_mut() = uri;
        let mut send = sender(self.pool.clone(), self.policy.clamp(options));
        if let Some((budget, category)) = budgeted {
            send = crate::rate_budget::budgeted(budget, category, send, self.store_failure.clone());
        }
        if let Some(gate) = self.gate.clone()
            && may_be_refresh(&request)
        {
            let failure = self.store_failure.clone();
            return Box::new(async move {
                match gate.intercept(request, send).await {
                    Ok(answered) => Ok((answered?, no_io())),
                    Err(e) => {
                        let message = e.to_string();
                        *failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                        Err(HttpError::InternalError(Some(message)))
                    }
                }
            });
        }
        Box::new(async move { Ok((send(request).await?, no_io())) })
    }
}

/// Whether `request` may be a refresh for the gate to look at: a `POST`
/// with Basic credentials (API requests carry a bearer token).
fn may_be_refresh(request: &http::Request<WasiBody>) -> bool {
    request.method() == http::Method::POST
        && request
            .headers()
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("Basic "))
}

/// The connection's I/O as `wasi:http` wants it back: nothing left to
/// drive, since the sender drives it (the pool's own tasks, or a task the
/// sender spawned).
fn no_io() -> Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send> {
    Box::new(async { Ok(()) })
}

/// Sends an allowed request with `options`: through `pool`, or on a new
/// connection whose I/O runs on a task of its own.
fn sender(pool: Option<Arc<ConnectionPool>>, options: RequestOptions) -> Sender {
    Box::new(move |request| {
        Box::pin(async move {
            if let Some(pool) = pool {
                // The pool's own tasks drive the connection.
                return pool.send(request, options).await;
            }
            let (response, io) =
                wasmtime_wasi_http::default_send_request(request, Some(options)).await?;
            tokio::spawn(async move {
                // As wasi:http does with a connection's error after the
                // answer: nobody is left to tell.
                let _ = io.await;
            });
            Ok(response.map(BodyExt::boxed_unsync))
        })
    })
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
