//! One refresh for all the callers of an account: the token requests the
//! component sends, coalesced in the host's outgoing-request hook.
//!
//! The component refreshes on its own: before a request when the access
//! token has expired or expires within its window, and after a 401. With
//! many callers on one account, each would send the same refresh token and
//! all but the first would be refused (the token endpoint revokes a refresh
//! token once used). A [`RefreshGate`] sits where every request leaves the
//! host ([`PolicyHooks`](crate::policy)); a refresh request
//! (`grant_type=refresh_token` with the app's Basic credentials) of an
//! action that runs through a [`SharedAccount`](crate::SharedAccount) goes
//! to the gate, which:
//!
//! 1. lets one caller of this process at a time through (a local mutex),
//!    then reads the store: when it holds newer credentials than the ones
//!    the request refreshes, and they are not due themselves, it answers
//!    the request with them, as the token endpoint would have, and sends
//!    nothing;
//! 2. otherwise takes the store's refresh lease (one caller across every
//!    process that shares the store), reads the store again (another
//!    process may have refreshed meanwhile), and then either answers as in
//!    1, or sends the refresh with the stored refresh token, saves what
//!    the token endpoint issued (compare-and-set) before the answer goes
//!    back to the component, and releases the lease;
//! 3. remembers a refused refresh token (`refresh_refused` in the store):
//!    every later refresh request of that account is answered with the
//!    same 401 at once, so a spent token ends in one clear `unauthorized`
//!    for every caller, not in a storm of refused refreshes.
//!
//! Why here rather than in the handle: the component refreshes in the
//! middle of actions (a 401 on a page of a walk, between a job's polls),
//! where the host has no say; the hook sees each of those refreshes and
//! nothing else, and the component, the WIT and hosts without a gate (jco,
//! wasmtime-py, the edge build) stay as they are. Measured against the
//! other design (the component told not to refresh, the handle refreshing
//! and retrying the whole action): the same one refresh request, without a
//! second run of the action, and it covers multi-request actions a retry
//! could not repeat safely (an upload, a walk half done).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use pinterest_connector_core::oauth;
use wasmtime_wasi_http::{Error as HttpError, WasiBody};

use crate::credential_store::{
    CredentialStore, LeaseOwner, SaveOutcome, StoreError, StoredCredentials,
};
use crate::credentials::{Credentials, Oauth2Credentials};

/// The largest token request or answer the gate reads (Pinterest's are a
/// few hundred bytes).
const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// How long the refresh lease lives and how callers wait for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseSettings {
    /// How long a lease holds before it lapses, should its holder stop
    /// without releasing it (a process killed mid-refresh; the file store's
    /// OS lock is released at once instead). Make it longer than a refresh
    /// request may take (its timeouts): a refresh that outlives its lease
    /// still wins over the refusal the next holder meets, but that holder's
    /// callers are told to re-authenticate meanwhile.
    pub ttl: Duration,
    /// How long a caller waits for the lease before giving up with
    /// [`StoreError::LeaseTimeout`]: more than `ttl`, so that a lapsed
    /// lease is taken over.
    pub wait: Duration,
    /// How often a waiting caller asks for the lease again.
    pub poll: Duration,
}

impl Default for LeaseSettings {
    /// A lease of 20 s, waited for up to 30 s, asked for every 25 ms.
    fn default() -> Self {
        LeaseSettings {
            ttl: Duration::from_secs(20),
            wait: Duration::from_secs(30),
            poll: Duration::from_millis(25),
        }
    }
}

/// The refresh request the component sent, as the gate reads it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct RefreshRequest {
    /// The client id of the request's Basic credentials.
    client_id: String,
    /// The refresh token it refreshes with.
    refresh_token: String,
    /// Its form, in order.
    form: Vec<(String, String)>,
}

impl RefreshRequest {
    /// The request read from its headers and body, when it is a refresh:
    /// a form body with `grant_type=refresh_token` and a refresh token,
    /// sent with Basic client credentials. Anything else is not the
    /// gate's.
    pub(crate) fn read(headers: &http::HeaderMap, body: &[u8]) -> Option<RefreshRequest> {
        let is_form = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let basic = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())?
            .strip_prefix("Basic ")?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(basic.trim())
            .ok()?;
        let decoded = String::from_utf8(decoded).ok()?;
        let client_id = decoded.split_once(':')?.0.to_owned();
        let form: Vec<(String, String)> = form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let value = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        if !is_form || value("grant_type").as_deref() != Some("refresh_token") {
            return None;
        }
        let refresh_token = value("refresh_token").filter(|t| !t.is_empty())?;
        Some(RefreshRequest {
            client_id,
            refresh_token,
            form,
        })
    }

    /// The form with `refresh_token` in place of the request's own.
    pub(crate) fn body_with(&self, refresh_token: &str) -> Vec<u8> {
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (name, value) in &self.form {
            let value = if name == "refresh_token" {
                refresh_token
            } else {
                value
            };
            form.append_pair(name, value);
        }
        form.finish().into_bytes()
    }
}

/// What the gate does with a refresh request, given what the store holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Not this account's (nothing stored, another app, a sandbox token):
    /// send it as it is.
    PassThrough,
    /// Another caller refreshed already: answer with these credentials.
    Answer(Oauth2Credentials),
    /// The stored refresh token was refused before: answer 401 again.
    Refused,
    /// Refresh, with the stored refresh token.
    Refresh {
        /// The store's refresh token (the request's, or a newer one).
        refresh_token: String,
    },
}

/// The plan for `request` when the store holds `stored`, at `now` (Unix
/// seconds).
pub(crate) fn plan(stored: Option<&StoredCredentials>, request: &RefreshRequest, now: u64) -> Plan {
    let Some(stored) = stored else {
        return Plan::PassThrough;
    };
    let Credentials::Oauth2(held) = &stored.credentials else {
        return Plan::PassThrough;
    };
    if held.client_id != request.client_id {
        return Plan::PassThrough;
    }
    if stored.refresh_refused {
        return Plan::Refused;
    }
    let Some(held_token) = held.refresh_token.as_deref().filter(|t| !t.is_empty()) else {
        return Plan::PassThrough;
    };
    let due = oauth::needs_refresh(held.expires_at, now, oauth::REFRESH_MARGIN_SECONDS);
    if held_token != request.refresh_token && !due {
        return Plan::Answer(held.clone());
    }
    Plan::Refresh {
        refresh_token: held_token.to_owned(),
    }
}

/// The future of an answer the gate gives the component.
type Answered = Result<http::Response<WasiBody>, HttpError>;

/// Sends a request on: the policy's sender, bound to the request's
/// options.
pub(crate) type Sender = Box<dyn FnOnce(http::Request<WasiBody>) -> SenderFuture + Send>;

/// What a [`Sender`] answers.
pub(crate) type SenderFuture =
    std::pin::Pin<Box<dyn Future<Output = Result<http::Response<WasiBody>, HttpError>> + Send>>;

/// The refresh gate of one account (see the [module docs](self)).
pub(crate) struct RefreshGate {
    store: Arc<dyn CredentialStore>,
    settings: LeaseSettings,
    local: tokio::sync::Mutex<()>,
    sent: AtomicU64,
}

impl RefreshGate {
    /// The gate of the account whose credentials `store` holds.
    pub(crate) fn new(store: Arc<dyn CredentialStore>, settings: LeaseSettings) -> Self {
        RefreshGate {
            store,
            settings,
            local: tokio::sync::Mutex::new(()),
            sent: AtomicU64::new(0),
        }
    }

    /// The store.
    pub(crate) fn store(&self) -> &Arc<dyn CredentialStore> {
        &self.store
    }

    /// How many refresh requests this gate has sent to a token endpoint.
    pub(crate) fn refreshes_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Handles a token request the component sent: `request`'s body is
    /// read whole; a refresh of this account is coalesced, anything else is
    /// sent on by `send` unchanged. A failing store is `Err` with the
    /// store's error, which the host reports in place of the action's.
    pub(crate) async fn intercept(
        &self,
        request: http::Request<WasiBody>,
        send: Sender,
    ) -> Result<Answered, StoreError> {
        let (parts, body) = request.into_parts();
        let body = match Limited::new(body, MAX_TOKEN_BYTES).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => return Ok(Err(HttpError::HttpRequestBodySize(None))),
        };
        let Some(refresh) = RefreshRequest::read(&parts.headers, &body) else {
            let request = http::Request::from_parts(parts, full(body));
            return Ok(send(request).await);
        };
        let deadline = Instant::now() + self.settings.wait;
        let store = self.store.describe();
        let _local = tokio::time::timeout(self.settings.wait, self.local.lock())
            .await
            .map_err(|_| StoreError::LeaseTimeout {
                store: store.clone(),
                waited: self.settings.wait,
            })?;
        // Most callers find the refresh done: no lease needed to see it.
        let stored = self.store.load().await?;
        match plan(stored.as_ref(), &refresh, unix_now()) {
            Plan::PassThrough => {
                let request = http::Request::from_parts(parts, full(body));
                return Ok(send(request).await);
            }
            Plan::Answer(held) => return Ok(Ok(token_answer(&held))),
            Plan::Refused => return Ok(Ok(refused_answer())),
            Plan::Refresh { .. } => {}
        }
        let owner = LeaseOwner::new();
        self.lease(&owner, deadline).await?;
        let refreshed = self.refresh_under_lease(parts, &refresh, send).await;
        // Released on every path; a release that fails lapses by itself.
        let released = self.store.release(&owner).await;
        let answer = refreshed?;
        released?;
        Ok(answer)
    }

    /// Waits for the refresh lease until `deadline`.
    async fn lease(&self, owner: &LeaseOwner, deadline: Instant) -> Result<(), StoreError> {
        loop {
            if self.store.try_lease(owner, self.settings.ttl).await? {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(StoreError::LeaseTimeout {
                    store: self.store.describe(),
                    waited: self.settings.wait,
                });
            }
            tokio::time::sleep(self.settings.poll).await;
        }
    }

    /// Step 2 of the module docs, with the lease held.
    async fn refresh_under_lease(
        &self,
        parts: http::request::Parts,
        refresh: &RefreshRequest,
        send: Sender,
    ) -> Result<Answered, StoreError> {
        let stored = self.store.load().await?;
        let refresh_token = match plan(stored.as_ref(), refresh, unix_now()) {
            Plan::Answer(held) => return Ok(Ok(token_answer(&held))),
            Plan::Refused => return Ok(Ok(refused_answer())),
            Plan::PassThrough => refresh.refresh_token.clone(),
            Plan::Refresh { refresh_token } => refresh_token,
        };
        let body = refresh.body_with(&refresh_token);
        let mut parts = parts;
        parts
            .headers
            .insert(http::header::CONTENT_LENGTH, body.len().into());
        self.sent.fetch_add(1, Ordering::Relaxed);
        let response = match send(http::Request::from_parts(parts, full(body.into()))).await {
            Ok(response) => response,
            Err(e) => return Ok(Err(e)),
        };
        let (parts, body) = response.into_parts();
        let body = match Limited::new(body, MAX_TOKEN_BYTES).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => return Ok(Err(HttpError::HttpResponseIncomplete)),
        };
        if let Some(stored) = &stored
            && let Credentials::Oauth2(held) = &stored.credentials
        {
            self.keep(stored, held, parts.status, &parts.headers, &body)
                .await?;
        }
        Ok(Ok(http::Response::from_parts(parts, full(body))))
    }

    /// Saves what the token endpoint answered: the renewed credentials, or
    /// that the stored refresh token was refused. Another answer (a 5xx, a
    /// 429) changes nothing; the component retries as it would.
    async fn keep(
        &self,
        stored: &StoredCredentials,
        held: &Oauth2Credentials,
        status: http::StatusCode,
        headers: &http::HeaderMap,
        body: &Bytes,
    ) -> Result<(), StoreError> {
        let answer = pinterest_connector_core::http::HttpResponse {
            status: status.as_u16(),
            headers: headers
                .iter()
                .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                .collect(),
            body: body.to_vec(),
            attempts: 1,
            received_at: None,
        };
        // A conflict means someone saved without the lease (a new login):
        // the store keeps theirs, with one exception below.
        if status.is_success() {
            let Ok(issued) = oauth::read_token_response(&answer, unix_now()) else {
                return Ok(());
            };
            let previous: pinterest_connector_core::credentials::OAuth2Credentials =
                held.clone().into();
            let renewed = Credentials::Oauth2(previous.renewed(issued).into());
            if let SaveOutcome::Conflict(_) =
                self.store.save(stored.generation, &renewed, false).await?
                && let Some(now) = self.store.load().await?
                && now.refresh_refused
                && refresh_token_of(&now.credentials) == held.refresh_token.as_deref()
            {
                // This refresh outlived its lease, and the caller that took
                // the lapsed lease over sent the same refresh token, was
                // refused (this refresh had spent it) and marked it so. The
                // tokens issued here are the account's live ones: keep them.
                self.store.save(now.generation, &renewed, false).await?;
            }
        } else if matches!(status.as_u16(), 400 | 401) {
            self.store
                .save(stored.generation, &stored.credentials, true)
                .await?;
        }
        Ok(())
    }
}

/// The refresh token `credentials` hold, if any.
fn refresh_token_of(credentials: &Credentials) -> Option<&str> {
    match credentials {
        Credentials::Oauth2(oauth) => oauth.refresh_token.as_deref(),
        Credentials::Sandbox(_) => None,
    }
}

/// `bytes` as a request or response body.
fn full(bytes: Bytes) -> WasiBody {
    Full::new(bytes)
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// A `200` a token endpoint would answer with `held`'s tokens.
fn token_answer(held: &Oauth2Credentials) -> http::Response<WasiBody> {
    let held: pinterest_connector_core::credentials::OAuth2Credentials = held.clone().into();
    let body = held.token_answer(unix_now());
    json_response(http::StatusCode::OK, body)
}

/// The `401` Pinterest answers a spent refresh token with (code 283).
fn refused_answer() -> http::Response<WasiBody> {
    let body = br#"{"code":283,"message":"The authorization grant is invalid (this refresh token was refused before)"}"#;
    json_response(http::StatusCode::UNAUTHORIZED, body.to_vec())
}

fn json_response(status: http::StatusCode, body: Vec<u8>) -> http::Response<WasiBody> {
    let mut response = http::Response::new(full(body.into()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "refresh_tests.rs"]
mod tests;
