//! A mock Pinterest API v5 on loopback.
//!
//! It answers like the real one where the connector can tell: `/v5` paths,
//! `Authorization: Bearer` checked per flavour (production and sandbox each
//! listen on their own port and accept their own token), bookmark
//! pagination over a data set that tests change while it runs (pins,
//! boards and sections come and go, newest first, dated to the second:
//! [`crate::dataset`]), with offset bookmarks that shift when items above
//! them go, a `Date` on every answer, `page_size` bounds of 1–250,
//! `{code, message}` errors and an `x-pinterest-rid` on every answer. Every
//! request it receives is recorded, so a test can prove that nothing was
//! sent.
//!
//! It also plays Pinterest's OAuth2: the authorization endpoint
//! (`GET /oauth/`, as `www.pinterest.com` would serve it) redirects back
//! with a single-use code, and the token endpoint (`POST /v5/oauth/token`)
//! checks the Basic client credentials and the form, issues expiring access
//! tokens and rotates refresh tokens, revoking each one once used.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::dataset::DataSet;
use crate::media_mock::{MediaStore, ReceivedUpload};
use crate::report_mock::{ReceivedDownload, ReportPlay, ReportStore};
use crate::spec_mock::SpecModel;

/// Which API a listener plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// `api.pinterest.com`
    Production,
    /// `api-sandbox.pinterest.com`
    Sandbox,
}

/// The mock's data set and tokens.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// The production access token the mock accepts.
    pub access_token: String,
    /// The sandbox access token the mock accepts.
    pub sandbox_token: String,
    /// How many pins the account owns at the start (see
    /// [`DataSet::seeded`]).
    pub pins: usize,
    /// How many boards the account owns at the start.
    pub boards: usize,
    /// The OAuth app the token endpoint knows.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: String,
    /// A refresh token the token endpoint accepts from the start.
    pub refresh_token: String,
    /// Lifetime of the access tokens the token endpoint issues, in seconds.
    pub access_token_ttl: u64,
    /// An OpenAPI description (JSON text) to play instead of the data set:
    /// every request is routed to its operation, checked against it, and
    /// answered with a schema-shaped body; the description itself is served
    /// at `/openapi.json`.
    pub openapi: Option<String>,
    /// How many status asks after a video's upload answer `processing`
    /// before it `succeeded` (or `failed`, for an image).
    pub media_processing_polls: u32,
    /// The upload host `POST /v5/media` names.
    pub upload_host: String,
    /// What the asynchronous report endpoints play.
    pub reports: ReportPlay,
    /// Whether the upload and download URLs the mock's answers name are its
    /// job listeners on loopback (`http://127.0.0.1:…`) instead of the S3
    /// hosts: for hosts that cannot reroute (wasmtime-py), with a loopback
    /// API base.
    pub job_hosts_on_loopback: bool,
    /// Fixed ports instead of ephemeral ones: the production API on this
    /// one, the sandbox on the next, then the upload host, then the report
    /// downloads (the `mock-pinterest --port` flag).
    pub first_port: Option<u16>,
    /// Calls per second each rate-limit category (`org_read`, …) takes
    /// before answering 429 code 8 with `X-RateLimit-Reset`, as Pinterest
    /// does when a limit is spent (a bucket of that many, refilled at that
    /// pace); a category not named is not limited. Scaled down from
    /// Pinterest's own for the tests.
    pub rate_limits: Vec<(String, u32)>,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            access_token: "mock-production-token".into(),
            sandbox_token: "mock-sandbox-token".into(),
            pins: 1000,
            boards: 30,
            client_id: "mock-client-id".into(),
            client_secret: "mock-client-secret".into(),
            refresh_token: "mock-refresh-token".into(),
            access_token_ttl: 30 * 24 * 3600,
            openapi: None,
            media_processing_polls: 2,
            upload_host: crate::media_mock::UPLOAD_HOST.into(),
            reports: ReportPlay::default(),
            job_hosts_on_loopback: false,
            first_port: None,
            rate_limits: Vec::new(),
        }
    }
}

/// One request as the mock received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// Which listener received it.
    pub flavour: Flavour,
    /// The method.
    pub method: String,
    /// The path, percent-encoded as sent.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The `Host` header.
    pub host: Option<String>,
    /// The body, as text.
    pub body: String,
    /// The client's address: requests that came over the same connection
    /// share it.
    pub peer: Option<std::net::SocketAddr>,
    /// When it arrived, by the wall clock.
    pub received_at: std::time::SystemTime,
    /// Its rate-limit category, by the embedded catalog (`None` for a
    /// request of no operation that names one).
    pub category: Option<String>,
}

/// What the token endpoint has issued.
#[derive(Default)]
struct OAuthState {
    /// Unused authorization codes and the redirect URI each was issued for.
    codes: Vec<(String, String)>,
    /// Access tokens issued, with their expiry (Unix seconds).
    access_tokens: Vec<(String, u64)>,
    /// Refresh tokens still valid.
    refresh_tokens: Vec<String>,
    /// Tokens issued so far, to make each one unique.
    issued: u64,
    /// Access tokens revoked before their expiry.
    revoked: Vec<String>,
    /// Every token and code ever issued, valid or not.
    secrets: Vec<String>,
}

/// Injected failures: requests to let through, then how many to fail and
/// with which status.
#[derive(Default)]
struct Failures {
    pass: usize,
    count: usize,
    status: u16,
}

struct Shared {
    config: MockConfig,
    /// When set, the API refuses every bearer token (as for a suspended app).
    refuse_bearers: std::sync::atomic::AtomicBool,
    /// While true, `GET /pins` answers its first page but holds every later
    /// one until it turns false.
    hold_later_pages: tokio::sync::watch::Sender<bool>,
    /// When set, error messages echo the credentials they were sent, as a
    /// careless or hostile server might.
    echo_secrets: std::sync::atomic::AtomicBool,
    /// How many of the next API requests fail, and with which status.
    failures: Mutex<Failures>,
    /// Seconds from now to the quota's reset, sent on injected 429s as
    /// `X-RateLimit-Reset` holding the reset's Unix instant; 0 sends none.
    reset_in: AtomicU64,
    /// Milliseconds the token endpoint waits before answering, after it has
    /// issued (and rotated): a slow token endpoint, or one whose answer a
    /// caller killed mid-refresh never reads.
    token_delay_ms: AtomicU64,
    oauth: Mutex<OAuthState>,
    /// The account's pins, boards and sections.
    data: Mutex<DataSet>,
    spec: Option<SpecModel>,
    media: Arc<MediaStore>,
    reports: Arc<ReportStore>,
    log: Mutex<Vec<RecordedRequest>>,
    next_rid: AtomicU64,
    /// Each request's rate-limit category, by the embedded catalog.
    categories: pinterest_connector_core::budget::CategoryIndex,
    /// The limited categories' buckets: tokens left and when last filled.
    buckets: Mutex<std::collections::HashMap<String, (f64, std::time::Instant)>>,
    /// How many requests each category refused with a 429 of its limit.
    refused: Mutex<std::collections::BTreeMap<String, u64>>,
}

#[derive(Clone)]
struct AppState {
    flavour: Flavour,
    shared: Arc<Shared>,
}

/// A running mock: a production and a sandbox listener on `127.0.0.1`.
pub struct MockPinterest {
    /// Where the production API listens.
    pub production_addr: SocketAddr,
    /// Where the sandbox API listens.
    pub sandbox_addr: SocketAddr,
    /// Where the S3-like upload host listens.
    pub upload_addr: SocketAddr,
    /// Where the S3-like report download host listens.
    pub download_addr: SocketAddr,
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for MockPinterest {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// A loopback listener: on `first + offset` when ports are fixed, else on
/// an ephemeral port.
async fn listen(first: Option<u16>, offset: u16) -> anyhow::Result<TcpListener> {
    let port = match first {
        Some(first) => first
            .checked_add(offset)
            .ok_or_else(|| anyhow::anyhow!("port {first} + {offset} is past 65535"))?,
        None => 0,
    };
    TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on 127.0.0.1:{port}: {e}"))
}

impl Shared {
    /// Takes a token from `category`'s bucket: `false` when the category is
    /// limited and its bucket is empty (the refusal is counted).
    fn take_token(&self, category: &str) -> bool {
        let Some(&(_, per_second)) = self
            .config
            .rate_limits
            .iter()
            .find(|(name, _)| name == category)
        else {
            return true;
        };
        let capacity = f64::from(per_second);
        let now = std::time::Instant::now();
        let taken = {
            let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
            let (tokens, filled) = buckets
                .entry(category.to_owned())
                .or_insert((capacity, now));
            let refilled = now.duration_since(*filled).as_secs_f64() * capacity;
            *tokens = (*tokens + refilled).min(capacity);
            *filled = now;
            if *tokens >= 1.0 {
                *tokens -= 1.0;
                true
            } else {
                false
            }
        };
        if !taken {
            let mut refused = self.refused.lock().unwrap_or_else(|e| e.into_inner());
            *refused.entry(category.to_owned()).or_default() += 1;
        }
        taken
    }
}

impl MockPinterest {
    /// Starts its listeners on loopback: ephemeral ports, or four from
    /// [`MockConfig::first_port`].
    pub async fn start(config: MockConfig) -> anyhow::Result<MockPinterest> {
        let spec = config.openapi.clone().map(SpecModel::new).transpose()?;
        let oauth = Mutex::new(OAuthState {
            refresh_tokens: vec![config.refresh_token.clone()],
            ..OAuthState::default()
        });
        // The job hosts' listeners first: a mock whose answers name them on
        // loopback needs their addresses.
        let upload_listener = listen(config.first_port, 2).await?;
        let upload_addr = upload_listener.local_addr()?;
        let download_listener = listen(config.first_port, 3).await?;
        let download_addr = download_listener.local_addr()?;
        let (upload_url, download_base) = if config.job_hosts_on_loopback {
            (
                format!("http://{upload_addr}/"),
                format!("http://{download_addr}"),
            )
        } else {
            (
                format!("https://{}/", config.upload_host),
                format!("https://{}", crate::report_mock::REPORT_HOST),
            )
        };
        let media = Arc::new(MediaStore::new(config.media_processing_polls, upload_url));
        let reports = Arc::new(ReportStore::new(config.reports.clone(), download_base));
        let shared = Arc::new(Shared {
            media: media.clone(),
            reports: reports.clone(),
            refuse_bearers: Default::default(),
            hold_later_pages: tokio::sync::watch::Sender::new(false),
            echo_secrets: Default::default(),
            token_delay_ms: AtomicU64::new(0),
            failures: Mutex::new(Failures::default()),
            reset_in: AtomicU64::new(0),
            oauth,
            data: Mutex::new(DataSet::seeded(config.pins, config.boards)),
            spec,
            config,
            log: Mutex::new(Vec::new()),
            next_rid: AtomicU64::new(1),
            categories: pinterest_connector_core::budget::CategoryIndex::of(
                pinterest_connector_core::catalog::embedded(),
            ),
            buckets: Mutex::default(),
            refused: Mutex::default(),
        });
        let mut tasks = Vec::new();
        let mut addrs = Vec::new();
        for (offset, flavour) in [Flavour::Production, Flavour::Sandbox]
            .into_iter()
            .enumerate()
        {
            let listener = listen(shared.config.first_port, offset as u16).await?;
            addrs.push(listener.local_addr()?);
            let app = router(AppState {
                flavour,
                shared: shared.clone(),
            });
            tasks.push(tokio::spawn(async move {
                // The server runs until the mock is dropped.
                let app = app.into_make_service_with_connect_info::<SocketAddr>();
                let _ = axum::serve(listener, app).await;
            }));
        }
        let uploads = crate::media_mock::upload_router(media);
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(upload_listener, uploads).await;
        }));
        let downloads = crate::report_mock::download_router(reports);
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(download_listener, downloads).await;
        }));
        Ok(MockPinterest {
            production_addr: addrs[0],
            sandbox_addr: addrs[1],
            upload_addr,
            download_addr,
            shared,
            tasks,
        })
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &MockConfig {
        &self.shared.config
    }

    /// How many requests each limited category refused so far (see
    /// [`MockConfig::rate_limits`]).
    pub fn rate_limited(&self) -> std::collections::BTreeMap<String, u64> {
        self.shared
            .refused
            .lock()
            .map(|refused| refused.clone())
            .unwrap_or_default()
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared
            .log
            .lock()
            .map(|log| log.clone())
            .unwrap_or_default()
    }

    /// Every upload the S3-like upload host received, in order.
    pub fn uploads(&self) -> Vec<ReceivedUpload> {
        self.shared.media.received()
    }

    /// Every request the report download host received, in order.
    pub fn downloads(&self) -> Vec<ReceivedDownload> {
        self.shared.reports.received()
    }

    /// How many requests were received so far.
    pub fn request_count(&self) -> usize {
        self.shared
            .log
            .lock()
            .map(|log| log.len())
            .unwrap_or_default()
    }

    /// An authorization code for `redirect_uri`, as the authorization
    /// endpoint would hand out after the user agreed.
    pub fn issue_code(&self, redirect_uri: &str) -> String {
        let mut oauth = self.shared.oauth.lock().expect("oauth state");
        issue_code(&mut oauth, redirect_uri)
    }

    /// Revokes an access token before its expiry: the API answers 401 to it.
    pub fn revoke_access_token(&self, token: &str) {
        if let Ok(mut oauth) = self.shared.oauth.lock() {
            oauth.revoked.push(token.to_owned());
        }
    }

    /// Makes `GET /pins` hold every page after the first (one asked for
    /// with a bookmark) until called again with `false`: a slow API, to see
    /// pages handed over before the walk has ended.
    pub fn hold_later_pages(&self, hold: bool) {
        self.shared.hold_later_pages.send_replace(hold);
    }

    /// Makes the API refuse every bearer token (or accept them again).
    pub fn refuse_bearer_tokens(&self, refuse: bool) {
        self.shared.refuse_bearers.store(refuse, Ordering::SeqCst);
    }

    /// Makes the next `count` API requests fail with `status` (429 says the
    /// rate limit was exceeded, anything else is a server error), as a
    /// struggling Pinterest would. The token endpoint is spared.
    pub fn fail_next(&self, count: usize, status: u16) {
        self.fail_after(0, count, status);
    }

    /// Lets the next `pass` API requests through, then answers the `count`
    /// after them with `status`: an API that breaks down in the middle of
    /// a walk.
    pub fn fail_after(&self, pass: usize, count: usize, status: u16) {
        if let Ok(mut failures) = self.shared.failures.lock() {
            *failures = Failures {
                pass,
                count,
                status,
            };
        }
    }

    /// Makes the injected 429s (see [`MockPinterest::fail_next`]) carry
    /// `X-RateLimit-Reset` as the Unix instant `seconds` from now, as a
    /// spent daily quota does; 0 for no header.
    pub fn rate_limit_reset_in(&self, seconds: u64) {
        self.shared.reset_in.store(seconds, Ordering::SeqCst);
    }

    /// Makes error messages echo the credentials of the request (the bearer
    /// token, the Basic header, the form's code or refresh token).
    pub fn echo_secrets_in_errors(&self, echo: bool) {
        self.shared.echo_secrets.store(echo, Ordering::SeqCst);
    }

    /// Every secret the mock knows: the configured tokens and client secret,
    /// and every code, access token and refresh token it ever issued. No
    /// connector output meant for logs may contain any of them.
    pub fn secrets(&self) -> Vec<String> {
        let config = &self.shared.config;
        let mut secrets = vec![
            config.access_token.clone(),
            config.sandbox_token.clone(),
            config.client_secret.clone(),
            base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", config.client_id, config.client_secret)),
            config.refresh_token.clone(),
        ];
        if let Ok(oauth) = self.shared.oauth.lock() {
            secrets.extend(oauth.secrets.iter().cloned());
        }
        secrets
    }

    /// How many requests reached the token endpoint.
    pub fn token_requests(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.path == "/v5/oauth/token")
            .count()
    }

    /// Makes the token endpoint answer `delay` after it has issued the new
    /// tokens (the old refresh token already revoked).
    pub fn delay_token_answers(&self, delay: std::time::Duration) {
        let millis = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.shared.token_delay_ms.store(millis, Ordering::SeqCst);
    }

    /// How many refresh requests (`grant_type=refresh_token`) reached the
    /// token endpoint, accepted or refused.
    pub fn refresh_requests(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.path == "/v5/oauth/token" && r.body.contains("grant_type=refresh_token"))
            .count()
    }

    /// Whether the token endpoint would still accept `refresh_token`.
    pub fn refresh_token_valid(&self, refresh_token: &str) -> bool {
        self.shared
            .oauth
            .lock()
            .map(|o| o.refresh_tokens.iter().any(|t| t == refresh_token))
            .unwrap_or(false)
    }

    /// The id of the seeded pin at `index`.
    pub fn pin_id(index: usize) -> String {
        DataSet::pin_id(index)
    }

    /// The id of the seeded board at `index`.
    pub fn board_id(index: usize) -> String {
        DataSet::board_id(index)
    }

    /// Creates a pin now on `board_id` (in a section, if given), on top of
    /// the lists: its id. A test hook: the account changes under the
    /// connector as a user's does.
    pub fn add_pin(&self, board_id: &str, section_id: Option<&str>) -> String {
        let mut data = self.shared.data.lock().unwrap();
        let title = format!("Added pin {}", data.pins.len());
        data.add_pin(board_id, section_id, &title)
    }

    /// Creates a board now, on top of the list: its id.
    pub fn add_board(&self, name: &str) -> String {
        self.shared.data.lock().unwrap().add_board(name)
    }

    /// Creates a section of a board: its id.
    pub fn add_section(&self, board_id: &str) -> String {
        self.shared.data.lock().unwrap().add_section(board_id)
    }

    /// Stops the clock that dates new items and the answers (`Date`)
    /// where it is, until [`MockPinterest::advance_clock`] moves it.
    pub fn freeze_clock(&self) {
        self.shared.data.lock().unwrap().freeze_clock();
    }

    /// Moves the clock that dates new items and the answers (`Date`) on
    /// by `seconds`, without waiting.
    pub fn advance_clock(&self, seconds: u64) {
        self.shared.data.lock().unwrap().advance_clock(seconds);
    }

    /// Deletes a pin; whether it was there.
    pub fn remove_pin(&self, id: &str) -> bool {
        self.shared.data.lock().unwrap().remove_pin(id)
    }

    /// Deletes a board and its pins; whether it was there.
    pub fn remove_board(&self, id: &str) -> bool {
        self.shared.data.lock().unwrap().remove_board(id)
    }

    /// The ids of the pins, in the list's order (newest first).
    pub fn pin_ids(&self) -> Vec<String> {
        let data = self.shared.data.lock().unwrap();
        data.pins.iter().map(|pin| pin.id.clone()).collect()
    }

    /// The ids of the boards, in the list's order (newest first).
    pub fn board_ids(&self) -> Vec<String> {
        let data = self.shared.data.lock().unwrap();
        data.boards.iter().map(|board| board.id.clone()).collect()
    }
}

fn router(state: AppState) -> Router {
    // With a description, the mock plays every operation from it alone;
    // without one, the hand-written routes serve a consistent data set.
    let routes = if state.shared.spec.is_some() {
        Router::new()
    } else {
        Router::new()
            .route("/v5/user_account", get(user_account))
            .route("/v5/boards", get(list_boards))
            .route("/v5/boards/{board_id}", get(get_board))
            .route("/v5/boards/{board_id}/pins", get(list_board_pins))
            .route(
                "/v5/boards/{board_id}/sections/{section_id}/pins",
                get(list_section_pins),
            )
            .route("/v5/pins", get(list_pins).post(create_pin))
            .route("/v5/pins/{pin_id}", get(get_pin).delete(delete_pin))
            .route("/v5/media", axum::routing::post(register_media))
            .route("/v5/media/{media_id}", get(media_status))
            .route(
                "/v5/ad_accounts/{ad_account_id}/reports",
                get(report_status).post(create_report),
            )
            .route("/v5/oauth/token", axum::routing::post(token_endpoint))
            .route("/oauth/", get(authorization_endpoint))
    };
    routes
        .route("/openapi.json", get(openapi_document))
        .fallback(spec_route)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_and_authorize,
        ))
        .with_state(state)
}

/// Records the request, checks the bearer token, and stamps the answer
/// with a request id.
async fn record_and_authorize(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let category = pinterest_connector_core::http::Method::parse(parts.method.as_str())
        .and_then(|method| {
            let path = parts.uri.path().strip_prefix("/v5")?;
            state.shared.categories.category(method, path)
        })
        .map(str::to_owned);
    if let Ok(mut log) = state.shared.log.lock() {
        log.push(RecordedRequest {
            flavour: state.flavour,
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            host: header(&parts.headers, "host"),
            body: String::from_utf8_lossy(&body).into_owned(),
            peer: parts
                .extensions
                .get::<axum::extract::ConnectInfo<SocketAddr>>()
                .map(|info| info.0),
            received_at: std::time::SystemTime::now(),
            category: category.clone(),
        });
    }
    let rid = format!(
        "mock-{:08x}",
        state.shared.next_rid.fetch_add(1, Ordering::Relaxed)
    );
    let expected = match state.flavour {
        Flavour::Production => &state.shared.config.access_token,
        Flavour::Sandbox => &state.shared.config.sandbox_token,
    };
    let bearer = header(&parts.headers, "authorization")
        .and_then(|v| v.strip_prefix("Bearer ").map(str::to_owned));
    let issued_and_fresh = |token: &str| {
        state.shared.oauth.lock().is_ok_and(|o| {
            o.access_tokens
                .iter()
                .any(|(t, expires)| t == token && *expires > unix_now())
        })
    };
    let revoked = |token: &str| {
        state.shared.refuse_bearers.load(Ordering::SeqCst)
            || state
                .shared
                .oauth
                .lock()
                .is_ok_and(|o| o.revoked.iter().any(|t| t == token))
    };
    // The OAuth endpoints check their own credentials.
    let oauth_endpoint =
        state.shared.spec.is_none() && matches!(parts.uri.path(), "/v5/oauth/token" | "/oauth/");
    // An operation of a played description that declares HTTP Basic
    // security takes the app's client credentials, and nothing else.
    let basic_operation = state.shared.spec.as_ref().is_some_and(|spec| {
        parts.uri.path().strip_prefix("/v5").is_some_and(|path| {
            spec.route(parts.method.as_str(), path)
                .is_ok_and(|(op, _)| op.basic_only)
        })
    });
    let authorized = if basic_operation {
        let config = &state.shared.config;
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", config.client_id, config.client_secret));
        header(&parts.headers, "authorization") == Some(format!("Basic {basic}"))
    } else {
        parts.uri.path() == "/openapi.json"
            || oauth_endpoint
            || bearer.as_deref().is_some_and(|t| {
                !revoked(t)
                    && (t == expected
                        || (state.flavour == Flavour::Production && issued_and_fresh(t)))
            })
    };
    let failure = (!oauth_endpoint)
        .then(|| {
            let mut failures = state.shared.failures.lock().ok()?;
            if failures.pass > 0 {
                failures.pass -= 1;
                return None;
            }
            (failures.count > 0).then(|| {
                failures.count -= 1;
                failures.status
            })
        })
        .flatten();
    let over_limit = authorized
        && failure.is_none()
        && category
            .as_deref()
            .is_some_and(|category| !state.shared.take_token(category));
    let mut response = if let Some(refusal) = framing_refusal(&parts) {
        refusal
    } else if over_limit {
        let mut limited = error(StatusCode::TOO_MANY_REQUESTS, 8, "max rate limit exceeded");
        // The next whole second: a bucket of a second's calls has a token
        // again by then.
        limited
            .headers_mut()
            .insert("x-ratelimit-reset", HeaderValue::from(unix_now() + 1));
        limited
    } else if let Some(status) = failure {
        if status == 429 {
            let mut limited = error(StatusCode::TOO_MANY_REQUESTS, 8, "max rate limit exceeded");
            let reset_in = state.shared.reset_in.load(Ordering::SeqCst);
            if reset_in > 0 {
                limited.headers_mut().insert(
                    "x-ratelimit-reset",
                    HeaderValue::from(unix_now() + reset_in),
                );
            }
            limited
        } else {
            error(status_code(status), 1, "Internal error, please retry.")
        }
    } else if authorized {
        next.run(Request::from_parts(parts, axum::body::Body::from(body)))
            .await
    } else if state.shared.echo_secrets.load(Ordering::SeqCst) {
        let sent = header(&parts.headers, "authorization").unwrap_or_default();
        error(
            StatusCode::UNAUTHORIZED,
            2,
            &format!("Authentication failed for `{sent}`."),
        )
    } else {
        error(StatusCode::UNAUTHORIZED, 2, "Authentication failed.")
    };
    if let Ok(value) = HeaderValue::from_str(&rid) {
        response.headers_mut().insert("x-pinterest-rid", value);
    }
    // The clock that dates the data set's items dates the answers too.
    if let Ok(now) = state.shared.data.lock().map(|data| data.now())
        && let Ok(value) = HeaderValue::from_str(&crate::dataset::http_date(now))
    {
        response.headers_mut().insert("date", value);
    }
    response
}

/// The answer to a request whose body is not framed as Pinterest's
/// servers and S3 require: a chunked body (`Transfer-Encoding`), or a
/// `POST`/`PUT`/`PATCH` without `Content-Length`, is refused with `411`
/// before it is read for anything else. (Servers that do not read chunked
/// bodies would otherwise see an empty one.)
fn framing_refusal(parts: &axum::http::request::Parts) -> Option<Response> {
    let chunked = parts.headers.contains_key("transfer-encoding");
    let needs_length = matches!(parts.method.as_str(), "POST" | "PUT" | "PATCH");
    let length = parts.headers.contains_key("content-length");
    (chunked || (needs_length && !length)).then(|| {
        error(
            StatusCode::LENGTH_REQUIRED,
            411,
            "MissingContentLength: You must provide the Content-Length HTTP header.",
        )
    })
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A Pinterest-shaped error.
fn error(status: StatusCode, code: i64, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"code": code, "message": message})),
    )
        .into_response()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// `POST /v5/oauth/token`: Basic client authentication, a form body, and the
/// `authorization_code` and `refresh_token` grants. Each refresh rotates the
/// refresh token and revokes the one used.
async fn token_endpoint(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = issue_tokens(&state, &headers, &body);
    let delay = state.shared.token_delay_ms.load(Ordering::SeqCst);
    if delay > 0 && answer.status().is_success() {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    answer
}

/// The token endpoint's answer, and what it issues and revokes.
fn issue_tokens(state: &AppState, headers: &HeaderMap, body: &Bytes) -> Response {
    let config = &state.shared.config;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", config.client_id, config.client_secret))
    );
    let echo = state.shared.echo_secrets.load(Ordering::SeqCst);
    // A careless server's message: what it was sent, verbatim.
    let said = |message: &str, sent: &str| {
        if echo {
            format!("{message} (sent: `{sent}`)")
        } else {
            message.to_owned()
        }
    };
    let sent_auth = header(headers, "authorization").unwrap_or_default();
    if sent_auth != expected {
        return error(
            StatusCode::UNAUTHORIZED,
            2,
            &said("Authentication failed.", &sent_auth),
        );
    }
    if header(headers, "content-type").as_deref() != Some("application/x-www-form-urlencoded") {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            1,
            "Content-Type must be application/x-www-form-urlencoded.",
        );
    }
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let field = |name: &str| form.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let Ok(mut oauth) = state.shared.oauth.lock() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, 1, "Mock state poisoned.");
    };
    match field("grant_type").as_deref() {
        Some("authorization_code") => {
            let (Some(code), Some(redirect)) = (field("code"), field("redirect_uri")) else {
                return error(
                    StatusCode::BAD_REQUEST,
                    1,
                    "code and redirect_uri are required.",
                );
            };
            let Some(at) = oauth
                .codes
                .iter()
                .position(|(c, r)| *c == code && *r == redirect)
            else {
                return error(
                    StatusCode::BAD_REQUEST,
                    1,
                    &said("Invalid authorization code.", &code),
                );
            };
            oauth.codes.remove(at);
        }
        Some("refresh_token") => {
            let Some(token) = field("refresh_token") else {
                return error(StatusCode::BAD_REQUEST, 1, "refresh_token is required.");
            };
            // A refresh token is spent once used (or never issued): Pinterest
            // answers such a grant with 401 and code 283.
            let Some(at) = oauth.refresh_tokens.iter().position(|t| *t == token) else {
                return error(
                    StatusCode::UNAUTHORIZED,
                    283,
                    &said("The authorization grant is invalid", &token),
                );
            };
            oauth.refresh_tokens.remove(at);
        }
        _ => return error(StatusCode::BAD_REQUEST, 1, "Unsupported grant_type."),
    }
    oauth.issued += 1;
    let n = oauth.issued;
    let access_token = format!("mock-access-{n}");
    let refresh_token = format!("mock-refresh-{n}");
    oauth.secrets.push(access_token.clone());
    oauth.secrets.push(refresh_token.clone());
    oauth
        .access_tokens
        .push((access_token.clone(), unix_now() + config.access_token_ttl));
    oauth.refresh_tokens.push(refresh_token.clone());
    axum::Json(json!({
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": config.access_token_ttl,
        "scope": "boards:read,pins:read,user_accounts:read",
        "refresh_token": refresh_token,
        "refresh_token_expires_in": 60 * 24 * 3600,
    }))
    .into_response()
}

fn issue_code(oauth: &mut OAuthState, redirect_uri: &str) -> String {
    oauth.issued += 1;
    let code = format!("mock-code-{}", oauth.issued);
    oauth.codes.push((code.clone(), redirect_uri.to_owned()));
    oauth.secrets.push(code.clone());
    code
}

/// `GET /oauth/`: the user agrees at once; the answer redirects to
/// `redirect_uri` with a code and the `state` it was given. A request the
/// real endpoint would refuse gets a 400 page and no redirect.
async fn authorization_endpoint(
    State(state): State<AppState>,
    Query(query): QueryPairs,
) -> Response {
    let field = |name: &str| {
        query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let refuse = |why: &str| (StatusCode::BAD_REQUEST, why.to_owned()).into_response();
    if field("client_id") != Some(state.shared.config.client_id.as_str()) {
        return refuse("Unknown client_id.");
    }
    if field("response_type") != Some("code") {
        return refuse("response_type must be code.");
    }
    if field("scope").is_none_or(str::is_empty) {
        return refuse("scope is required.");
    }
    let Some(redirect) = field("redirect_uri").and_then(|r| url::Url::parse(r).ok()) else {
        return refuse("redirect_uri is missing or not a URL.");
    };
    let code = match state.shared.oauth.lock() {
        Ok(mut oauth) => issue_code(&mut oauth, redirect.as_str()),
        Err(_) => return refuse("Mock state poisoned."),
    };
    let mut location = redirect;
    location.query_pairs_mut().append_pair("code", &code);
    if let Some(s) = field("state") {
        location.query_pairs_mut().append_pair("state", s);
    }
    (
        StatusCode::FOUND,
        [(axum::http::header::LOCATION, location.to_string())],
    )
        .into_response()
}

async fn openapi_document(State(state): State<AppState>) -> Response {
    match &state.shared.spec {
        Some(spec) => (
            [("content-type", "application/json")],
            spec.text().to_owned(),
        )
            .into_response(),
        None => error(StatusCode::NOT_FOUND, 404, "No description is served."),
    }
}

/// Any operation of the description that no hand-written route serves.
async fn spec_route(State(state): State<AppState>, request: Request) -> Response {
    let Some(spec) = &state.shared.spec else {
        return error(StatusCode::NOT_FOUND, 404, "Resource not found.");
    };
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let Some(path) = parts.uri.path().strip_prefix("/v5") else {
        return error(StatusCode::NOT_FOUND, 404, "Resource not found.");
    };
    let content_type = header(&parts.headers, "content-type");
    let checked = spec
        .route(parts.method.as_str(), path)
        .and_then(|(op, params)| {
            spec.check(
                op,
                &params,
                parts.uri.query(),
                content_type.as_deref(),
                &body,
            )
            .map(|()| op)
        });
    match checked {
        Ok(op) => match spec.respond(op, parts.uri.query()) {
            (status, Some(body)) => (status_code(status), axum::Json(body)).into_response(),
            (status, None) => status_code(status).into_response(),
        },
        Err(refusal) => error(status_code(refusal.status), 1, &refusal.message),
    }
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

async fn user_account(State(state): State<AppState>) -> Response {
    let username = match state.flavour {
        Flavour::Production => "mock_user",
        Flavour::Sandbox => "mock_sandbox_user",
    };
    axum::Json(json!({
        "account_type": "BUSINESS",
        "id": "900000000000000001",
        "username": username,
        "profile_image": "https://i.pinimg.com/mock.jpg",
        "website_url": "https://example.com",
        "business_name": "Mock Business",
        "board_count": state.shared.data.lock().unwrap().boards.len(),
        "pin_count": state.shared.data.lock().unwrap().pins.len(),
        "follower_count": 42,
        "following_count": 7,
        "monthly_views": 1234,
    }))
    .into_response()
}

/// The page of `total` items that `query` asks for, or the 400 Pinterest
/// answers for a bad `page_size` or `bookmark`.
fn page(query: &[(String, String)], total: usize, item: impl Fn(usize) -> Value) -> Response {
    let value = |name: &str| {
        query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let page_size = match value("page_size") {
        None => 25,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=250).contains(&n) => n,
            _ => {
                return error(
                    StatusCode::BAD_REQUEST,
                    1,
                    &format!("Invalid page_size `{text}`: must be an integer from 1 to 250."),
                );
            }
        },
    };
    let start = match value("bookmark") {
        None => 0,
        Some(bookmark) => match decode_bookmark(bookmark) {
            Some(offset) if offset <= total => offset,
            _ => return error(StatusCode::BAD_REQUEST, 1, "Invalid bookmark."),
        },
    };
    let end = (start + page_size).min(total);
    let items: Vec<Value> = (start..end).map(item).collect();
    let bookmark = if end < total {
        Value::String(encode_bookmark(end))
    } else {
        Value::Null
    };
    axum::Json(json!({"items": items, "bookmark": bookmark})).into_response()
}

fn encode_bookmark(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

fn decode_bookmark(bookmark: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(bookmark).ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("offset:")?
        .parse()
        .ok()
}

type QueryPairs = Query<Vec<(String, String)>>;

async fn list_pins(State(state): State<AppState>, Query(query): QueryPairs) -> Response {
    if query.iter().any(|(name, _)| name == "bookmark") {
        let mut held = state.shared.hold_later_pages.subscribe();
        // Ends when released (or when the mock is dropped).
        let _ = held.wait_for(|hold| !*hold).await;
    }
    let data = state.shared.data.lock().unwrap();
    page(&query, data.pins.len(), |i| data.pins[i].json())
}

async fn list_boards(State(state): State<AppState>, Query(query): QueryPairs) -> Response {
    let data = state.shared.data.lock().unwrap();
    page(&query, data.boards.len(), |i| data.boards[i].json())
}

async fn get_board(State(state): State<AppState>, Path(board_id): Path<String>) -> Response {
    match state.shared.data.lock().unwrap().board(&board_id) {
        Some(board) => axum::Json(board.json()).into_response(),
        None => error(StatusCode::NOT_FOUND, 40, "Board not found."),
    }
}

async fn list_board_pins(
    State(state): State<AppState>,
    Path(board_id): Path<String>,
    Query(query): QueryPairs,
) -> Response {
    let data = state.shared.data.lock().unwrap();
    if data.board(&board_id).is_none() {
        return error(StatusCode::NOT_FOUND, 40, "Board not found.");
    }
    let on_board: Vec<_> = data
        .pins
        .iter()
        .filter(|p| p.board_id == board_id)
        .collect();
    page(&query, on_board.len(), |i| on_board[i].json())
}

async fn list_section_pins(
    State(state): State<AppState>,
    Path((board_id, section_id)): Path<(String, String)>,
    Query(query): QueryPairs,
) -> Response {
    let data = state.shared.data.lock().unwrap();
    if data.board(&board_id).is_none() {
        return error(StatusCode::NOT_FOUND, 40, "Board not found.");
    }
    if !data.has_section(&board_id, &section_id) {
        return error(StatusCode::NOT_FOUND, 4001, "Board section not found.");
    }
    let in_section: Vec<_> = data
        .pins
        .iter()
        .filter(|p| p.board_id == board_id && p.section_id.as_deref() == Some(&section_id))
        .collect();
    page(&query, in_section.len(), |i| in_section[i].json())
}

async fn get_pin(State(state): State<AppState>, Path(pin_id): Path<String>) -> Response {
    match state.shared.data.lock().unwrap().pin(&pin_id) {
        Some(pin) => axum::Json(pin.json()).into_response(),
        None => error(StatusCode::NOT_FOUND, 50, "Pin not found."),
    }
}

async fn delete_pin(State(state): State<AppState>, Path(pin_id): Path<String>) -> Response {
    if state.shared.data.lock().unwrap().remove_pin(&pin_id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        error(StatusCode::NOT_FOUND, 50, "Pin not found.")
    }
}

async fn register_media(State(state): State<AppState>, body: Bytes) -> Response {
    state.shared.media.register(&body)
}

async fn media_status(State(state): State<AppState>, Path(media_id): Path<String>) -> Response {
    state.shared.media.status(&media_id)
}

async fn create_report(State(state): State<AppState>) -> Response {
    state.shared.reports.create()
}

async fn report_status(
    State(state): State<AppState>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let token = query
        .iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.as_str());
    state.shared.reports.status(token)
}

async fn create_pin(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if header(&headers, "content-type").as_deref() != Some("application/json") {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            1,
            "Content-Type must be application/json.",
        );
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, 1, "The body is not valid JSON.");
    };
    let Some(board_id) = body.get("board_id").and_then(Value::as_str) else {
        return error(StatusCode::BAD_REQUEST, 1, "board_id is required.");
    };
    let Some(source) = body.get("media_source") else {
        return error(StatusCode::BAD_REQUEST, 1, "media_source is required.");
    };
    if source.get("source_type").and_then(Value::as_str) == Some("video_id") {
        let media_id = source
            .get("media_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !state.shared.media.is_ready(media_id) {
            return error(
                StatusCode::BAD_REQUEST,
                1,
                "The video is not uploaded, or not processed yet.",
            );
        }
        if source.get("cover_image_url").is_none()
            && source.get("cover_image_key_frame_time").is_none()
        {
            return error(
                StatusCode::BAD_REQUEST,
                1,
                "A video pin needs cover_image_url or cover_image_key_frame_time.",
            );
        }
    }
    let mut data = state.shared.data.lock().unwrap();
    if data.board(board_id).is_none() {
        return error(StatusCode::NOT_FOUND, 40, "Board not found.");
    }
    let section = body.get("board_section_id").and_then(Value::as_str);
    let title = body
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let id = data.add_pin(board_id, section, title);
    let created = data.pin(&id).map(|pin| pin.json()).unwrap_or_default();
    (StatusCode::CREATED, axum::Json(created)).into_response()
}
