//! One rate budget for every caller of an account: before each request to
//! Pinterest's API leaves (an action's pages, its retries, its refreshes
//! alike), the outgoing-request hook books a permit in the request's
//! rate-limit category, waiting its turn when the category is busy; a `429`
//! pauses the category for everyone on the budget until the answer's reset.
//! A permit that cannot be had within the budget's wait is not sent: the
//! component gets a `429` answer made here, which it reports as
//! `rate-limited` with the seconds to wait, as it would Pinterest's own.
//!
//! The arithmetic is the core's ([`pinterest_connector_core::budget`]); the
//! buckets live in a [`BudgetStore`], shared by whoever shares the budget.
//! The component knows nothing of it: a host without a budget (jco,
//! wasmtime-py) runs it as before.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pinterest_connector_core::budget::{
    Bucket, BudgetLimits, CategoryIndex, CategoryLimit, Permit, pause, reserve,
};
use pinterest_connector_core::catalog::embedded;
use pinterest_connector_core::http::Method;

use http_body_util::{BodyExt, Full};
use wasmtime_wasi_http::WasiBody;

use crate::credential_store::{StoreError, StoreFuture};
use crate::refresh::{Sender, SenderFuture};

/// What a request waits for its permit at most when nothing says: the
/// component's own `max-total-wait-ms` default.
const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(30);

/// The category of a request of no operation the catalog knows (such as the
/// token endpoint of another description).
pub const UNKNOWN_CATEGORY: &str = "unknown";

/// Where a budget's buckets live: one per rate-limit category of the
/// account, booked atomically by whoever shares the store.
pub trait BudgetStore: Send + Sync {
    /// Books a permit in `category`'s bucket at `now_us` (microseconds since
    /// the epoch) under `limit`, unless it means waiting longer than
    /// `max_wait` (see [`reserve`]).
    fn reserve<'a>(
        &'a self,
        category: &'a str,
        limit: CategoryLimit,
        now_us: u64,
        max_wait: Duration,
    ) -> StoreFuture<'a, Permit>;

    /// Pauses `category` until `until_us` (see [`pause`]).
    fn pause<'a>(&'a self, category: &'a str, until_us: u64) -> StoreFuture<'a, ()>;
}

/// Buckets in this process's memory: for the threads and tasks of one
/// process.
#[derive(Debug, Default)]
pub struct MemoryBudget {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl MemoryBudget {
    fn with_bucket<T>(&self, category: &str, act: impl FnOnce(&mut Bucket) -> T) -> T {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        act(buckets.entry(category.to_owned()).or_default())
    }
}

impl BudgetStore for MemoryBudget {
    fn reserve<'a>(
        &'a self,
        category: &'a str,
        limit: CategoryLimit,
        now_us: u64,
        max_wait: Duration,
    ) -> StoreFuture<'a, Permit> {
        let permit = self.with_bucket(category, |bucket| reserve(bucket, limit, now_us, max_wait));
        Box::pin(async move { Ok(permit) })
    }

    fn pause<'a>(&'a self, category: &'a str, until_us: u64) -> StoreFuture<'a, ()> {
        self.with_bucket(category, |bucket| pause(bucket, until_us));
        Box::pin(async { Ok(()) })
    }
}

/// An account's rate budget: its store, the limits of each category, and
/// how long a request may wait for its permit.
#[derive(Clone)]
pub struct RateBudget {
    store: Arc<dyn BudgetStore>,
    limits: BudgetLimits,
    index: Arc<CategoryIndex>,
    /// Set by [`RateBudget::max_wait`]; else the host's `max-total-wait-ms`.
    max_wait: Option<Duration>,
}

impl std::fmt::Debug for RateBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateBudget")
            .field("limits", &self.limits)
            .field("max_wait", &self.max_wait)
            .finish_non_exhaustive()
    }
}

impl RateBudget {
    /// A budget on `store` with `limits` (such as
    /// [`BudgetLimits::standard`]); a request waits for its permit at most
    /// the wait the host's call options allow (`max-total-wait-ms`, 30 s by
    /// default), unless [`RateBudget::max_wait`] says otherwise.
    pub fn new(store: Arc<dyn BudgetStore>, limits: BudgetLimits) -> RateBudget {
        RateBudget {
            store,
            limits,
            index: Arc::new(CategoryIndex::of(embedded())),
            max_wait: None,
        }
    }

    /// A budget in this process's memory.
    pub fn in_memory(limits: BudgetLimits) -> RateBudget {
        RateBudget::new(Arc::new(MemoryBudget::default()), limits)
    }

    /// The same budget, a request waiting at most `max_wait` for its permit
    /// before it is answered `rate-limited` unsent.
    pub fn max_wait(self, max_wait: Duration) -> RateBudget {
        RateBudget {
            max_wait: Some(max_wait),
            ..self
        }
    }

    /// The budget with the wait its host's call options allow, unless one
    /// was set.
    pub(crate) fn waiting_at_most(self, allowed: Duration) -> RateBudget {
        RateBudget {
            max_wait: self.max_wait.or(Some(allowed)),
            ..self
        }
    }

    /// The category of a `method` request for `path` (the URI's path, with
    /// the API base's `/v5`).
    pub fn category(&self, method: &http::Method, path: &str) -> String {
        let path = path.strip_prefix("/v5").unwrap_or(path);
        Method::parse(method.as_str())
            .and_then(|method| self.index.category(method, path))
            .unwrap_or(UNKNOWN_CATEGORY)
            .to_owned()
    }

    /// Books a permit for a request in `category` now.
    pub(crate) async fn permit(&self, category: &str) -> Result<Permit, StoreError> {
        let limit = self.limits.limit(category);
        self.store
            .reserve(
                category,
                limit,
                now_us(),
                self.max_wait.unwrap_or(DEFAULT_MAX_WAIT),
            )
            .await
    }

    /// Pauses `category` for `wait` from now: a `429` said so.
    pub(crate) async fn pause_for(&self, category: &str, wait: Duration) -> Result<(), StoreError> {
        let until = now_us().saturating_add(u64::try_from(wait.as_micros()).unwrap_or(u64::MAX));
        self.store.pause(category, until).await
    }
}

/// Microseconds since the epoch, by this machine's clock: every sharer's
/// clock must agree (as NTP keeps them) for a shared store's instants to.
fn now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_micros()).unwrap_or(u64::MAX)
        })
}

/// How long a `429` asks to wait: `Retry-After`, else `X-RateLimit-Reset`
/// (an instant or seconds, as the core reads it), else a second.
pub(crate) fn wait_of(headers: &http::HeaderMap) -> Duration {
    let number =
        |name: &str| -> Option<u64> { headers.get(name)?.to_str().ok()?.trim().parse().ok() };
    if let Some(seconds) = number("retry-after") {
        return Duration::from_secs(seconds);
    }
    let now = now_us() / 1_000_000;
    match number("x-ratelimit-reset") {
        // The core's rule: a value past a billion seconds is an instant.
        Some(reset) if reset > 1_000_000_000 => Duration::from_secs(reset.saturating_sub(now)),
        Some(seconds) => Duration::from_secs(seconds),
        None => Duration::from_secs(1),
    }
}

/// The `429` a request gets when its permit cannot be had in time: what
/// Pinterest answers when a limit is spent (code 8), with `Retry-After`,
/// and a message saying it was not sent.
pub(crate) fn refusal(category: &str, retry_after: Duration) -> http::Response<WasiBody> {
    let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
    let body = serde_json::json!({
        "code": 8,
        "message": format!(
            "the rate budget of `{category}` this account's callers share is spent for {seconds} s: not sent"
        ),
    });
    let body = Full::new(bytes::Bytes::from(body.to_string()))
        .map_err(|never| match never {})
        .boxed_unsync();
    let mut response = http::Response::new(body);
    *response.status_mut() = http::StatusCode::TOO_MANY_REQUESTS;
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    headers.insert(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
    response
}

/// `send`, within `budget`: a permit for `category` first (waiting for
/// it, or answering [`refusal`] unsent), a `429` pausing the category; a
/// store that fails is put in `failure`, for the host to report in place of
/// the request's fate.
pub(crate) fn budgeted(
    budget: Arc<RateBudget>,
    category: String,
    send: Sender,
    failure: Arc<Mutex<Option<StoreError>>>,
) -> Sender {
    Box::new(move |request| -> SenderFuture {
        Box::pin(async move {
            let fail = |e: StoreError| {
                let message = e.to_string();
                *failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                wasmtime_wasi_http::Error::InternalError(Some(message))
            };
            match budget.permit(&category).await.map_err(fail)? {
                Permit::Granted { wait } if !wait.is_zero() => tokio::time::sleep(wait).await,
                Permit::Granted { .. } => {}
                Permit::Refused { retry_after } => return Ok(refusal(&category, retry_after)),
            }
            let response = send(request).await?;
            if response.status() == http::StatusCode::TOO_MANY_REQUESTS {
                let wait = wait_of(response.headers());
                budget.pause_for(&category, wait).await.map_err(fail)?;
            }
            Ok(response)
        })
    })
}

#[cfg(test)]
#[path = "rate_budget_tests.rs"]
mod tests;
