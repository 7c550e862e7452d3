//! The connector's typed errors, their redaction, and what Pinterest's
//! error codes mean (how an answer becomes one of them is
//! [`HttpResponse::error`](crate::http::HttpResponse::error)).

/// Pinterest's own account of a failed call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status code.
    pub status: u16,
    /// Pinterest's numeric error `code`, when the body carried one.
    pub code: Option<i64>,
    /// Pinterest's `message`, or a short description of the status; for
    /// codes whose message does not say what to do, followed by a hint in
    /// parentheses (see [`hint`]).
    pub message: String,
    /// The `x-pinterest-rid` request id.
    pub request_id: Option<String>,
    /// How many times the request was sent (more than 1 when it was
    /// retried); this is the last answer.
    pub attempts: u32,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(code) = self.code {
            write!(f, ", code {code}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(rid) = &self.request_id {
            write!(f, " (request id {rid})")?;
        }
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        Ok(())
    }
}

/// How sending a request failed, which decides whether it may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// No connection was made (refused, connect timeout, a DNS timeout):
    /// the server cannot have seen the request.
    Refused,
    /// The host's name does not resolve (a DNS answer that it has no
    /// address, a destination not found): the server cannot have seen the
    /// request, and asking again will not help, so it is never retried. The
    /// WIT `transport-kind` has no case for it: it is `refused` there, and
    /// its message says the name did not resolve.
    Unresolved,
    /// The request went out but no answer came in time.
    TimedOut,
    /// The connection broke mid-exchange, or the answer was malformed or
    /// truncated.
    Interrupted,
    /// The answer's body exceeded the configured cap.
    TooLarge,
    /// Anything else.
    Other,
}

impl TransportKind {
    /// The kebab-case name the WIT `transport-kind` and the service use.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Refused | TransportKind::Unresolved => "refused",
            TransportKind::TimedOut => "timed-out",
            TransportKind::Interrupted => "interrupted",
            TransportKind::TooLarge => "too-large",
            TransportKind::Other => "other",
        }
    }
}

/// A request that could not be sent or whose answer could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    /// What went wrong.
    pub kind: TransportKind,
    /// A description, for people.
    pub message: String,
    /// How many times the request was sent.
    pub attempts: u32,
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)?;
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

/// What [`ConnectorError::reaching`] puts between a message and the host.
const REACHING: &str = " reaching ";

/// The host a transport error's or a denial's message names (see
/// [`ConnectorError::reaching`]), for a host that adds how to reach it (the
/// CLI names its `--route` flag).
pub fn unreachable_host(message: &str) -> Option<&str> {
    let (_, rest) = message.rsplit_once(REACHING)?;
    // The Display of a transport error may follow: ` (after 4 attempts)`.
    let host = rest.split_whitespace().next()?;
    (!host.is_empty()).then_some(host)
}

/// Every way a call can fail; mirrors the WIT `connector-error` variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectorError {
    /// 401: the token is missing, expired or revoked.
    #[error("unauthorized: {0}")]
    Unauthorized(ApiError),
    /// 403: the token lacks a scope or the app lacks access.
    #[error("forbidden: {0}")]
    Forbidden(ApiError),
    /// 404: no such resource.
    #[error("not found: {0}")]
    NotFound(ApiError),
    /// 429: rate limited.
    #[error("rate limited{}: {error}", retry_after_seconds.map(|s| format!(" (retry after {s} s)")).unwrap_or_default())]
    RateLimited {
        /// Seconds to wait, when the answer said.
        retry_after_seconds: Option<u64>,
        /// The error as Pinterest sent it.
        error: ApiError,
    },
    /// An input was refused before anything was sent.
    #[error("invalid input `{field}`: {reason}")]
    InvalidInput {
        /// Which input.
        field: String,
        /// The rule it broke.
        reason: String,
    },
    /// The endpoint is not served by the sandbox API (`x-sandbox: disabled`);
    /// nothing was sent.
    #[error("unsupported in the sandbox: {0}")]
    UnsupportedInSandbox(String),
    /// The credentials' granted scopes lack some the endpoint needs; nothing
    /// was sent.
    #[error("missing scopes for {endpoint}: {}", scopes.join(", "))]
    MissingScopes {
        /// The endpoint's label.
        endpoint: String,
        /// The scopes it needs that were not granted.
        scopes: Vec<String>,
    },
    /// Any other non-success answer.
    #[error("upstream error: {0}")]
    Upstream(ApiError),
    /// The request could not be sent or its answer not read.
    #[error("transport error: {0}")]
    Transport(TransportError),
    /// The host refused to let the request out.
    #[error("denied by host: {0}")]
    DeniedByHost(String),
    /// A job Pinterest runs (an upload's processing, an ads report) ended
    /// without its result.
    #[error("{} {} ended {}", .0.job, .0.id, .0.state)]
    JobFailed(JobState),
    /// A job was still running when the wait allowed ran out: nothing is
    /// lost, ask again later by its id.
    #[error("{} {} is still {} after {} polls", .0.job, .0.id, .0.state, .0.polls)]
    JobPending(JobState),
}

/// Where a job Pinterest runs stood when the connector stopped waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobState {
    /// `media` (an upload's processing) or `report` (an ads report).
    pub job: String,
    /// What the job is asked about by: the media id, the report token.
    pub id: String,
    /// Its last state, as Pinterest spells it (`failed`, `EXPIRED`,
    /// `processing`, `IN_PROGRESS`…).
    pub state: String,
    /// How many times its state was asked for.
    pub polls: u32,
}

impl ConnectorError {
    /// The kebab-case name of the error's kind, as the WIT `connector-error`
    /// cases and the service's `error.kind` spell it.
    pub fn kind(&self) -> &'static str {
        match self {
            ConnectorError::Unauthorized(_) => "unauthorized",
            ConnectorError::Forbidden(_) => "forbidden",
            ConnectorError::NotFound(_) => "not-found",
            ConnectorError::RateLimited { .. } => "rate-limited",
            ConnectorError::InvalidInput { .. } => "invalid-input",
            ConnectorError::UnsupportedInSandbox(_) => "unsupported-in-sandbox",
            ConnectorError::MissingScopes { .. } => "missing-scopes",
            ConnectorError::Upstream(_) => "upstream",
            ConnectorError::Transport(_) => "transport",
            ConnectorError::DeniedByHost(_) => "denied-by-host",
            ConnectorError::JobFailed(_) => "job-failed",
            ConnectorError::JobPending(_) => "job-pending",
        }
    }

    /// Whether the error may clear up by itself, so that trying again later
    /// makes sense: rate limits (but not spam blocks), 5xx answers,
    /// transport failures other than an oversized answer, and a job still
    /// running.
    pub fn is_transient(&self) -> bool {
        match self {
            ConnectorError::RateLimited { error, .. } => {
                !error.message.to_ascii_lowercase().contains("spam")
            }
            ConnectorError::Upstream(e) => (500..600).contains(&e.status),
            ConnectorError::Transport(e) => matches!(
                e.kind,
                TransportKind::Refused | TransportKind::TimedOut | TransportKind::Interrupted
            ),
            ConnectorError::JobPending(_) => true,
            _ => false,
        }
    }

    /// An [`ConnectorError::InvalidInput`] for `field`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ConnectorError::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The error of a request to `host` (`host` or `host:port`, nothing of
    /// the path): a transport error's message and a denial name it, as
    /// `… reaching HOST`, so that whoever reads it knows which host to
    /// route or allow ([`unreachable_host`] reads it back).
    pub fn reaching(self, host: &str) -> Self {
        match self {
            ConnectorError::Transport(TransportError {
                kind,
                message,
                attempts,
            }) => ConnectorError::Transport(TransportError {
                kind,
                message: format!("{message}{REACHING}{host}"),
                attempts,
            }),
            ConnectorError::DeniedByHost(message) => {
                ConnectorError::DeniedByHost(format!("{message}{REACHING}{host}"))
            }
            other => other,
        }
    }

    /// A [`ConnectorError::Transport`] of `kind`, after one attempt.
    pub fn transport(kind: TransportKind, message: impl Into<String>) -> Self {
        ConnectorError::Transport(TransportError {
            kind,
            message: message.into(),
            attempts: 1,
        })
    }

    /// The error, saying the request was sent `attempts` times.
    pub(crate) fn with_attempts(self, attempts: u32) -> Self {
        match self {
            ConnectorError::Unauthorized(e) => {
                ConnectorError::Unauthorized(ApiError { attempts, ..e })
            }
            ConnectorError::Forbidden(e) => ConnectorError::Forbidden(ApiError { attempts, ..e }),
            ConnectorError::NotFound(e) => ConnectorError::NotFound(ApiError { attempts, ..e }),
            ConnectorError::RateLimited {
                retry_after_seconds,
                error,
            } => ConnectorError::RateLimited {
                retry_after_seconds,
                error: ApiError { attempts, ..error },
            },
            ConnectorError::Upstream(e) => ConnectorError::Upstream(ApiError { attempts, ..e }),
            ConnectorError::Transport(e) => {
                ConnectorError::Transport(TransportError { attempts, ..e })
            }
            other => other,
        }
    }

    /// The error with every occurrence of `secrets` in its text replaced by
    /// `[redacted]`: a server may echo a token it was sent, and an input may
    /// carry one, but an error must never show it.
    pub fn redact<S: AsRef<str>>(self, secrets: &[S]) -> ConnectorError {
        let secrets: Vec<&str> = secrets.iter().map(AsRef::as_ref).collect();
        let clean = |text: String| redact_text(&text, &secrets);
        let api = |e: ApiError| ApiError {
            message: clean(e.message),
            request_id: e.request_id.map(clean),
            ..e
        };
        match self {
            ConnectorError::Unauthorized(e) => ConnectorError::Unauthorized(api(e)),
            ConnectorError::Forbidden(e) => ConnectorError::Forbidden(api(e)),
            ConnectorError::NotFound(e) => ConnectorError::NotFound(api(e)),
            ConnectorError::RateLimited {
                retry_after_seconds,
                error,
            } => ConnectorError::RateLimited {
                retry_after_seconds,
                error: api(error),
            },
            ConnectorError::InvalidInput { field, reason } => ConnectorError::InvalidInput {
                field: clean(field),
                reason: clean(reason),
            },
            ConnectorError::UnsupportedInSandbox(m) => {
                ConnectorError::UnsupportedInSandbox(clean(m))
            }
            ConnectorError::MissingScopes { endpoint, scopes } => ConnectorError::MissingScopes {
                endpoint: clean(endpoint),
                scopes,
            },
            ConnectorError::Upstream(e) => ConnectorError::Upstream(api(e)),
            ConnectorError::Transport(e) => ConnectorError::Transport(TransportError {
                message: clean(e.message),
                ..e
            }),
            ConnectorError::DeniedByHost(m) => ConnectorError::DeniedByHost(clean(m)),
            ConnectorError::JobFailed(job) => ConnectorError::JobFailed(JobState {
                id: clean(job.id),
                state: clean(job.state),
                ..job
            }),
            ConnectorError::JobPending(job) => ConnectorError::JobPending(JobState {
                id: clean(job.id),
                state: clean(job.state),
                ..job
            }),
        }
    }
}

/// What stands in place of a secret in a text.
pub(crate) const REDACTED: &str = "[redacted]";

/// Secrets shorter than this are replaced only where they stand as a whole
/// word: a one-letter "token" would otherwise turn every word holding that
/// letter into placeholders, and a letter inside a word reveals nothing.
pub(crate) const WHOLE_WORD_BELOW: usize = 4;

/// `text` with every occurrence of `secrets` replaced by [`REDACTED`], in
/// one pass from left to right: at each position the longest secret found
/// there is replaced, so a secret holding another is replaced whole;
/// placeholders already in the text are kept as they are and never searched
/// (redacting twice changes nothing); empty secrets are skipped.
///
/// Written by hand rather than with a multi-pattern crate: the rules about
/// placeholders and short secrets are the point, and the texts are short.
pub(crate) fn redact_text(text: &str, secrets: &[&str]) -> String {
    let mut secrets: Vec<&str> = secrets
        .iter()
        .copied()
        .filter(|secret| !secret.is_empty() && text.contains(secret))
        .collect();
    if secrets.is_empty() {
        return text.to_owned();
    }
    crate::order::sort_by_key(&mut secrets, |secret| std::cmp::Reverse(secret.len()));
    secrets.dedup();
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut out = String::with_capacity(text.len());
    let mut previous: Option<char> = None;
    let mut rest = text;
    'scan: while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix(REDACTED) {
            out.push_str(REDACTED);
            previous = Some(']');
            rest = after;
            continue;
        }
        for secret in &secrets {
            let Some(after) = rest.strip_prefix(secret) else {
                continue;
            };
            let whole = !word(previous) && !word(after.chars().next());
            if secret.chars().count() >= WHOLE_WORD_BELOW || whole {
                out.push_str(REDACTED);
                previous = secret.chars().last();
                rest = after;
                continue 'scan;
            }
        }
        out.push(c);
        previous = Some(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Pinterest's error code for "max rate limit exceeded".
pub(crate) const RATE_LIMIT_CODE: i64 = 8;
/// Pinterest's error code for an app on Trial access writing to production.
pub(crate) const TRIAL_WRITE_CODE: i64 = 29;

/// What to do about a Pinterest error code whose message alone does not
/// say: appended to the message.
pub fn hint(code: i64) -> Option<&'static str> {
    match code {
        RATE_LIMIT_CODE => Some(
            "Pinterest code 8: the rate limit of this app for this user is spent; wait the \
             time given before calling again, which for a daily quota can be hours",
        ),
        TRIAL_WRITE_CODE => Some(
            "Pinterest code 29: an app with Trial access cannot write to production; use \
             sandbox credentials (api-sandbox.pinterest.com) until Standard access is granted",
        ),
        _ => None,
    }
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
