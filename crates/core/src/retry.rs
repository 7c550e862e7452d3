//! Retrying what is worth retrying, within a budget.
//!
//! A 429 (unless Pinterest says the content was blocked as spam), a 5xx,
//! and a failure to connect or to read the answer are retried with
//! exponential backoff and jitter, honouring `Retry-After` and
//! `X-RateLimit-Reset` when the server sends them. A request that may have
//! been applied is never sent twice unless its method is idempotent: `POST`
//! and `PATCH` are retried only after a 429 or a refused connection. The
//! number of attempts and the total time spent waiting are bounded.

use std::time::Duration;

use crate::error::{ConnectorError, TransportKind};
use crate::http::{HttpRequest, HttpResponse, Method, StreamedResponse, Transport};

/// How requests are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Times a request may be sent, the first included; 1 disables retries.
    pub max_attempts: u32,
    /// The wait before the first retry; each further retry doubles it.
    pub initial_backoff: Duration,
    /// The longest single wait the backoff grows to.
    pub max_backoff: Duration,
    /// The most a request may spend waiting between its attempts. A server
    /// asking for a longer wait gets its answer returned instead.
    pub max_total_wait: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts, backoff from 500 ms doubling up to 8 s, at most 30 s of
    /// waiting per request.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_total_wait: Duration::from_secs(30),
        }
    }
}

/// Whether a method may be sent twice without changing the outcome.
pub(crate) fn idempotent(method: Method) -> bool {
    matches!(method, Method::Get | Method::Put | Method::Delete)
}

/// Why an outcome may be retried, and the wait the server asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Retryable {
    /// `Retry-After` or `X-RateLimit-Reset`, when sent.
    pub server_wait: Option<Duration>,
}

/// Whether the outcome of sending a `method` request may be retried.
pub(crate) fn retryable(
    method: Method,
    outcome: &Result<HttpResponse, ConnectorError>,
) -> Option<Retryable> {
    match outcome {
        Ok(response) if response.status == 429 => (!spam_block(response)).then(|| Retryable {
            server_wait: response.server_wait(),
        }),
        Ok(response) if matches!(response.status, 500 | 502 | 503 | 504) => idempotent(method)
            .then(|| Retryable {
                server_wait: response.server_wait(),
            }),
        Ok(_) => None,
        Err(ConnectorError::Transport(e)) => match e.kind {
            TransportKind::Refused => Some(Retryable { server_wait: None }),
            TransportKind::TimedOut | TransportKind::Interrupted => {
                idempotent(method).then_some(Retryable { server_wait: None })
            }
            // A name that does not resolve will not resolve a second later.
            TransportKind::Unresolved | TransportKind::TooLarge | TransportKind::Other => None,
        },
        Err(_) => None,
    }
}

/// A 429 whose message mentions spam: Pinterest blocked the content, and
/// asking again will not help.
fn spam_block(response: &HttpResponse) -> bool {
    response
        .api_error()
        .message
        .to_ascii_lowercase()
        .contains("spam")
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1 for the first), given a
    /// random number for the jitter: the backoff doubles from
    /// `initial_backoff` up to `max_backoff`, and a random half of it is
    /// taken off so that clients spread out.
    pub fn backoff(&self, retry: u32, random: u64) -> Duration {
        let doubled = self.initial_backoff.saturating_mul(
            1u32.checked_shl(retry.saturating_sub(1))
                .unwrap_or(u32::MAX),
        );
        let full = doubled.min(self.max_backoff);
        let half = full / 2;
        let half_nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        let jitter = match half_nanos {
            0 => Duration::ZERO,
            n => Duration::from_nanos(random % n),
        };
        full - half + jitter
    }
}

/// A transport that retries through another one. The server's wait is
/// read off each answer as it arrives ([`HttpResponse::server_wait`]), so a
/// walk that lasts hours counts a reset instant from the clock of that
/// answer, not from when the walk began.
pub struct Retrying<T> {
    inner: T,
    policy: RetryPolicy,
}

impl<T: Transport> Retrying<T> {
    /// Retries `inner`'s requests by `policy`.
    pub fn new(inner: T, policy: RetryPolicy) -> Self {
        Retrying { inner, policy }
    }

    /// The transport underneath.
    pub fn inner(&self) -> &T {
        &self.inner
    }
}

impl<T: Transport> Transport for Retrying<T> {
    fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ConnectorError> {
        let mut waited = Duration::ZERO;
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let outcome = self.inner.send(request);
            let retry = (attempts < self.policy.max_attempts.max(1))
                .then(|| retryable(request.method, &outcome))
                .flatten();
            let wait = retry.and_then(|retry| {
                let backoff = self.policy.backoff(attempts, self.inner.random());
                let wait = retry
                    .server_wait
                    .map_or(backoff, |asked| asked.max(backoff / 4));
                (waited + wait <= self.policy.max_total_wait).then_some(wait)
            });
            match wait {
                Some(wait) => {
                    self.inner.wait(wait);
                    waited += wait;
                }
                None => {
                    return match outcome {
                        Ok(response) => Ok(HttpResponse {
                            attempts,
                            ..response
                        }),
                        Err(e) => Err(e.with_attempts(attempts)),
                    };
                }
            }
        }
    }

    fn wait(&mut self, duration: Duration) {
        self.inner.wait(duration)
    }

    fn random(&mut self) -> u64 {
        self.inner.random()
    }

    fn now(&self) -> u64 {
        self.inner.now()
    }

    /// A stream is not retried: a download that breaks half-way has handed
    /// part of itself over already.
    fn open(&mut self, request: &HttpRequest) -> Result<StreamedResponse, ConnectorError> {
        self.inner.open(request)
    }
}

#[cfg(test)]
#[path = "retry_tests.rs"]
mod tests;
