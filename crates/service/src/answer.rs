//! Answers: status, headers and a JSON body, and how a typed error becomes
//! one (its kind, message, fields and HTTP status).

use serde::Serialize;
use serde_json::value::RawValue;

use pinterest_connector_core::credentials::Credentials;
use pinterest_connector_core::error::{ApiError, ConnectorError, TransportKind};
use pinterest_connector_core::http::HttpResponse;
use pinterest_connector_core::session::Session;

/// A whole answer: status, headers and JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// Headers besides `content-type` (which is JSON).
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: Vec<u8>,
}

/// A response body as JSON: the JSON Pinterest sent, or its text.
pub(crate) enum BodyJson<'a> {
    Json(&'a RawValue),
    Text(String),
    Empty,
}

impl<'a> BodyJson<'a> {
    pub(crate) fn of(response: &'a HttpResponse) -> BodyJson<'a> {
        if response.body.is_empty() {
            return BodyJson::Empty;
        }
        // From the bytes (a raw value is UTF-8 checked), not `from_str`:
        // see the core's note on readers.
        match serde_json::from_slice::<&RawValue>(&response.body).ok() {
            Some(raw) => BodyJson::Json(raw),
            None => BodyJson::Text(response.body_text()),
        }
    }
}

impl Serialize for BodyJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            BodyJson::Json(raw) => raw.serialize(serializer),
            BodyJson::Text(text) => text.serialize(serializer),
            BodyJson::Empty => serializer.serialize_none(),
        }
    }
}

#[derive(Serialize)]
pub(crate) struct ResponseJson<'a> {
    pub(crate) status: u16,
    pub(crate) headers: &'a [(String, String)],
    pub(crate) body: BodyJson<'a>,
}

impl<'a> ResponseJson<'a> {
    pub(crate) fn of(response: &'a HttpResponse) -> ResponseJson<'a> {
        ResponseJson {
            status: response.status,
            headers: &response.headers,
            body: BodyJson::of(response),
        }
    }
}

/// An action's answer: its fields, and the credentials to store when the
/// action refreshed them.
#[derive(Serialize)]
struct Settled<'a, O: ?Sized> {
    #[serde(flatten)]
    value: &'a O,
    #[serde(skip_serializing_if = "Option::is_none")]
    refreshed_credentials: Option<&'a Credentials>,
}

/// The `200` answer of an action that ended well: `value`'s fields and,
/// when `session` refreshed them, `refreshed_credentials`.
pub(crate) fn settled<O: Serialize + ?Sized>(value: &O, session: &Session) -> Answer {
    json(
        200,
        &Settled {
            value,
            refreshed_credentials: refreshed(session),
        },
    )
}

/// The credentials to hand back when they were refreshed: the caller must
/// store them.
pub(crate) fn refreshed(session: &Session) -> Option<&Credentials> {
    session.refreshed().then(|| session.credentials())
}

/// Pinterest's error as JSON.
#[derive(Serialize)]
pub(crate) struct ApiJson<'a> {
    pub(crate) status: u16,
    pub(crate) code: Option<i64>,
    pub(crate) pinterest_message: &'a str,
    pub(crate) request_id: Option<&'a str>,
    pub(crate) attempts: u32,
}

impl<'a> ApiJson<'a> {
    pub(crate) fn of(api: &'a ApiError) -> ApiJson<'a> {
        ApiJson {
            status: api.status,
            code: api.code,
            pinterest_message: &api.message,
            request_id: api.request_id.as_deref(),
            attempts: api.attempts,
        }
    }
}

/// A typed error as JSON: its kind, message and the fields of that kind.
#[derive(Serialize)]
pub(crate) struct ErrorJson<'a> {
    pub(crate) kind: &'static str,
    pub(crate) message: String,
    #[serde(flatten)]
    pub(crate) detail: ErrorDetail<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
pub(crate) enum ErrorDetail<'a> {
    Api(ApiJson<'a>),
    RateLimited {
        retry_after_seconds: Option<u64>,
        #[serde(flatten)]
        error: ApiJson<'a>,
    },
    Invalid {
        field: &'a str,
        reason: &'a str,
    },
    Scopes {
        endpoint: &'a str,
        scopes: &'a [String],
    },
    Transport {
        transport_kind: &'static str,
        attempts: u32,
    },
    Job {
        job: &'a str,
        id: &'a str,
        state: &'a str,
        polls: u32,
    },
    None {},
}

impl<'a> ErrorJson<'a> {
    pub(crate) fn of(error: &'a ConnectorError) -> ErrorJson<'a> {
        use ConnectorError as E;
        let detail = match error {
            E::Unauthorized(api) | E::Forbidden(api) | E::NotFound(api) | E::Upstream(api) => {
                ErrorDetail::Api(ApiJson::of(api))
            }
            E::RateLimited {
                retry_after_seconds,
                error,
            } => ErrorDetail::RateLimited {
                retry_after_seconds: *retry_after_seconds,
                error: ApiJson::of(error),
            },
            E::InvalidInput { field, reason } => ErrorDetail::Invalid { field, reason },
            E::MissingScopes { endpoint, scopes } => ErrorDetail::Scopes { endpoint, scopes },
            E::Transport(t) => ErrorDetail::Transport {
                transport_kind: t.kind.as_str(),
                attempts: t.attempts,
            },
            E::JobFailed(job) | E::JobPending(job) => ErrorDetail::Job {
                job: &job.job,
                id: &job.id,
                state: &job.state,
                polls: job.polls,
            },
            E::UnsupportedInSandbox(_) | E::DeniedByHost(_) => ErrorDetail::None {},
        };
        ErrorJson {
            kind: error.kind(),
            message: error.to_string(),
            detail,
        }
    }
}

/// The HTTP status the service answers a failed action with.
pub fn status_of(error: &ConnectorError) -> u16 {
    use ConnectorError as E;
    match error {
        E::InvalidInput { .. } => 400,
        E::Unauthorized(_) => 401,
        E::Forbidden(_) | E::MissingScopes { .. } => 403,
        E::NotFound(_) => 404,
        E::UnsupportedInSandbox(_) => 422,
        E::RateLimited { .. } => 429,
        E::Transport(t) if t.kind == TransportKind::TimedOut => 504,
        E::JobPending(_) => 504,
        E::Upstream(_) | E::Transport(_) | E::DeniedByHost(_) | E::JobFailed(_) => 502,
    }
}

/// The answer to a failed action; a rate limit carries `retry-after`.
pub(crate) fn error_answer(error: &ConnectorError, session: Option<&Session>) -> Answer {
    #[derive(Serialize)]
    struct Failed<'a> {
        error: ErrorJson<'a>,
        #[serde(skip_serializing_if = "Option::is_none")]
        refreshed_credentials: Option<&'a Credentials>,
    }
    let mut answer = json(
        status_of(error),
        &Failed {
            error: ErrorJson::of(error),
            refreshed_credentials: session.and_then(refreshed),
        },
    );
    if let ConnectorError::RateLimited {
        retry_after_seconds: Some(seconds),
        ..
    } = error
    {
        answer
            .headers
            .push(("retry-after".into(), seconds.to_string()));
    }
    answer
}

/// An answer refusing the request itself, before any action: `kind` such
/// as `no-such-route` or `too-large`.
pub fn failure(status: u16, kind: &str, message: &str) -> Answer {
    json(
        status,
        &serde_json::json!({ "error": { "kind": kind, "message": message } }),
    )
}

pub(crate) fn json<T: Serialize + ?Sized>(status: u16, value: &T) -> Answer {
    Answer {
        status,
        headers: Vec::new(),
        body: serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec()),
    }
}

pub(crate) fn line<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut line = serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec());
    line.push(b'\n');
    line
}

#[cfg(test)]
#[path = "answer_tests.rs"]
mod tests;
