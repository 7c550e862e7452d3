//! The connector's typed errors, and how Pinterest's answers map onto them.

use crate::http::HttpResponse;

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
    /// No connection was made (refused, DNS failure, connect timeout): the
    /// server cannot have seen the request.
    Refused,
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
}

impl ConnectorError {
    /// An [`ConnectorError::InvalidInput`] for `field`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ConnectorError::InvalidInput {
            field: field.into(),
            reason: reason.into(),
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
    pub fn with_attempts(self, attempts: u32) -> Self {
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
    /// [`REDACTED`]: a server may echo a token it was sent, and an input may
    /// carry one, but an error must never show it (see [`redact_text`]).
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
        }
    }
}

/// What stands in place of a secret in a text.
pub const REDACTED: &str = "[redacted]";

/// Secrets shorter than this are replaced only where they stand as a whole
/// word: a one-letter "token" would otherwise turn every word holding that
/// letter into placeholders, and a letter inside a word reveals nothing.
pub const WHOLE_WORD_BELOW: usize = 4;

/// `text` with every occurrence of `secrets` replaced by [`REDACTED`], in
/// one pass from left to right: at each position the longest secret found
/// there is replaced, so a secret holding another is replaced whole;
/// placeholders already in the text are kept as they are and never searched
/// (redacting twice changes nothing); empty secrets are skipped.
///
/// Written by hand rather than with a multi-pattern crate: the rules about
/// placeholders and short secrets are the point, and the texts are short.
pub fn redact_text(text: &str, secrets: &[&str]) -> String {
    let mut secrets: Vec<&str> = secrets
        .iter()
        .copied()
        .filter(|secret| !secret.is_empty() && text.contains(secret))
        .collect();
    if secrets.is_empty() {
        return text.to_owned();
    }
    secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
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

/// Turns a non-2xx response into the matching error; 2xx responses pass.
pub fn check_status(response: &HttpResponse) -> Result<(), ConnectorError> {
    if (200..300).contains(&response.status) {
        return Ok(());
    }
    Err(error_from_response(response))
}

/// The typed error for a non-success response: Pinterest's `{code, message}`
/// body (or the status text when the body is not that), its request id, and
/// for 429 the advertised wait.
pub fn error_from_response(response: &HttpResponse) -> ConnectorError {
    let api = api_error(response);
    if response.status == 429 || api.code == Some(RATE_LIMIT_CODE) {
        return ConnectorError::RateLimited {
            retry_after_seconds: retry_after_seconds(response),
            error: api,
        };
    }
    match response.status {
        401 => ConnectorError::Unauthorized(api),
        403 => ConnectorError::Forbidden(api),
        404 => ConnectorError::NotFound(api),
        _ => ConnectorError::Upstream(api),
    }
}

/// Pinterest's error code for "max rate limit exceeded".
pub const RATE_LIMIT_CODE: i64 = 8;
/// Pinterest's error code for an app on Trial access writing to production.
pub const TRIAL_WRITE_CODE: i64 = 29;

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

/// Reads `{code, message}` and `x-pinterest-rid` off a response.
pub fn api_error(response: &HttpResponse) -> ApiError {
    #[derive(serde::Deserialize)]
    struct Body {
        code: Option<i64>,
        message: Option<String>,
    }
    let parsed: Option<Body> = serde_json::from_slice(&response.body).ok();
    let (code, message) = match parsed {
        Some(Body { code, message }) => (code, message),
        None => (None, None),
    };
    let message = message.unwrap_or_else(|| status_text(response.status).to_owned());
    let message = match code.and_then(hint) {
        Some(hint) => format!("{message} ({hint})"),
        None => message,
    };
    ApiError {
        status: response.status,
        code,
        message,
        request_id: response.header("x-pinterest-rid").map(str::to_owned),
        attempts: response.attempts,
    }
}

/// Seconds to wait before retrying a 429, as the answer says
/// ([`HttpResponse::server_wait`]).
pub fn retry_after_seconds(response: &HttpResponse) -> Option<u64> {
    response.server_wait().map(|wait| wait.as_secs())
}

fn status_text(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unexpected status",
    }
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
