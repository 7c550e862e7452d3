//! Conversions between the WIT types and the core's.

use pinterest_connector_core::api_base::ApiBase;
use pinterest_connector_core::credentials::{self as core_credentials, OAuth2Credentials};
use std::time::Duration;

use pinterest_connector_core::error::{
    ApiError as CoreApiError, ConnectorError as CoreError, JobState as CoreJobState,
    TransportKind as CoreTransportKind,
};
use pinterest_connector_core::http::Method;
use pinterest_connector_core::options::CallOptions as CoreCallOptions;
use pinterest_connector_core::raw::RawInput;
use pinterest_connector_core::request::CallInput;
use pinterest_connector_core::retry::RetryPolicy;
use pinterest_connector_core::session::Session;
use pinterest_connector_core::spec::SpecSource as CoreSpecSource;
use pinterest_connector_core::trigger::{
    ListTrigger as CoreListTrigger, PollOptions as CorePollOptions, Trigger as CoreTrigger,
};

use crate::bindings::exports::pinterest::connector::actions::{ApiCallInput, RawRequestInput};
use crate::bindings::exports::pinterest::connector::triggers::{PollOptions, Trigger};
use crate::bindings::pinterest::connector::credentials::{
    Credentials, CredentialsState, Oauth2Credentials,
};
use crate::bindings::pinterest::connector::types::{
    ActionError, ApiError, CallOptions, ConnectorError, HttpMethod, InvalidInput, JobState,
    MissingScopes, RateLimit, SpecSource, TransportError, TransportKind,
};

/// WIT credentials to core credentials.
pub(crate) fn credentials(credentials: Credentials) -> core_credentials::Credentials {
    match credentials {
        Credentials::Oauth2(c) => core_credentials::Credentials::OAuth2(oauth2_in(c)),
        Credentials::Sandbox(token) => core_credentials::Credentials::Sandbox(token),
    }
}

/// Core credentials to the WIT variant.
pub(crate) fn credentials_out(credentials: core_credentials::Credentials) -> Credentials {
    match credentials {
        core_credentials::Credentials::OAuth2(c) => Credentials::Oauth2(oauth2_out(c)),
        core_credentials::Credentials::Sandbox(token) => Credentials::Sandbox(token),
    }
}

/// The credentials as a session leaves them.
pub(crate) fn state(session: &Session) -> CredentialsState {
    CredentialsState {
        credentials: credentials_out(session.credentials().clone()),
        refreshed: session.refreshed(),
    }
}

/// An action's outcome: `ok` applied to its value and the credentials as
/// they stand, or the error with those credentials.
#[allow(
    clippy::result_large_err,
    reason = "the WIT shape: the error carries the credentials"
)]
pub(crate) fn outcome<T, U>(
    session: &Session,
    result: Result<T, CoreError>,
    ok: impl FnOnce(T, CredentialsState) -> U,
) -> Result<U, ActionError> {
    let credentials = state(session);
    match result {
        Ok(value) => Ok(ok(value, credentials)),
        Err(e) => Err(ActionError {
            error: error(session.redact(e)),
            credentials,
        }),
    }
}

/// WIT OAuth2 credentials to the core's.
pub(crate) fn oauth2_in(c: Oauth2Credentials) -> OAuth2Credentials {
    OAuth2Credentials {
        client_id: c.client_id,
        client_secret: c.client_secret,
        access_token: c.access_token,
        refresh_token: c.refresh_token,
        expires_at: c.expires_at,
        refresh_token_expires_at: c.refresh_token_expires_at,
        token_endpoint: c.token_endpoint,
        continuous_refresh: c.continuous_refresh,
        scopes: c.scopes,
    }
}

/// Core OAuth2 credentials to the WIT record.
pub(crate) fn oauth2_out(c: OAuth2Credentials) -> Oauth2Credentials {
    Oauth2Credentials {
        client_id: c.client_id,
        client_secret: c.client_secret,
        access_token: c.access_token,
        refresh_token: c.refresh_token,
        expires_at: c.expires_at,
        refresh_token_expires_at: c.refresh_token_expires_at,
        token_endpoint: c.token_endpoint,
        continuous_refresh: c.continuous_refresh,
        scopes: c.scopes,
    }
}

/// WIT call options to the core's (the defaults for none) and the API base
/// they name (Pinterest's for none), checked.
pub(crate) fn call_options(
    options: Option<CallOptions>,
) -> Result<(CoreCallOptions, ApiBase), CoreError> {
    let Some(o) = options else {
        return Ok((CoreCallOptions::default(), ApiBase::Pinterest));
    };
    let api_base = ApiBase::from_option(o.api_base.as_deref())?;
    let ms = |ms: u32| Duration::from_millis(u64::from(ms));
    let options = CoreCallOptions {
        retry: RetryPolicy {
            max_attempts: o.max_attempts,
            initial_backoff: ms(o.initial_backoff_ms),
            max_backoff: ms(o.max_backoff_ms),
            max_total_wait: ms(o.max_total_wait_ms),
        },
        connect_timeout: ms(o.connect_timeout_ms),
        first_byte_timeout: ms(o.first_byte_timeout_ms),
        between_bytes_timeout: ms(o.between_bytes_timeout_ms),
        max_response_bytes: o.max_response_bytes,
    };
    options.validate()?;
    Ok((options, api_base))
}

/// A WIT spec source to the core's.
pub(crate) fn spec(spec: SpecSource) -> CoreSpecSource {
    match spec {
        SpecSource::Embedded => CoreSpecSource::Embedded,
        SpecSource::Url(url) => CoreSpecSource::Url(url),
        SpecSource::Json(json) => CoreSpecSource::Json(json),
    }
}

/// A WIT api-call input to the core's.
pub(crate) fn call_input(input: ApiCallInput) -> CallInput {
    CallInput {
        spec: spec(input.spec),
        endpoint: input.endpoint,
        path_params: input.path_params,
        query_params: input.query_params,
        body: input.body,
    }
}

/// A WIT trigger to the core's.
pub(crate) fn trigger(trigger: Trigger) -> CoreTrigger {
    match trigger {
        Trigger::NewPin => CoreTrigger::NewPin,
        Trigger::NewPinOnBoard(board_id) => CoreTrigger::NewPinOnBoard { board_id },
        Trigger::NewPinInSection(section) => CoreTrigger::NewPinInSection {
            board_id: section.board_id,
            section_id: section.section_id,
        },
        Trigger::NewBoard => CoreTrigger::NewBoard,
        Trigger::List(list) => CoreTrigger::List(CoreListTrigger {
            spec: spec(list.spec),
            endpoint: list.endpoint,
            path_params: list.path_params,
            query_params: list.query_params,
            id_field: list.id_field,
            time_field: list.time_field,
            newest_first: list.newest_first,
        }),
    }
}

/// WIT poll options to the core's (the defaults for none).
pub(crate) fn poll_options(options: Option<PollOptions>) -> CorePollOptions {
    options.map_or_else(CorePollOptions::default, |o| CorePollOptions {
        backlog: o.backlog,
        max_pages: o.max_pages,
        max_items: o.max_items,
        page_size: o.page_size,
    })
}

/// A WIT raw-request input to the core's.
pub(crate) fn raw_input(input: RawRequestInput) -> RawInput {
    RawInput {
        method: match input.method {
            HttpMethod::Get => Method::Get,
            HttpMethod::Post => Method::Post,
            HttpMethod::Put => Method::Put,
            HttpMethod::Patch => Method::Patch,
            HttpMethod::Delete => Method::Delete,
        },
        url: input.url,
        headers: input.headers,
        body: input.body,
        no_throw_on_404: input.no_throw_on_404,
    }
}

/// A core error to the WIT variant.
pub(crate) fn error(error: CoreError) -> ConnectorError {
    match error {
        CoreError::Unauthorized(e) => ConnectorError::Unauthorized(api_error(e)),
        CoreError::Forbidden(e) => ConnectorError::Forbidden(api_error(e)),
        CoreError::NotFound(e) => ConnectorError::NotFound(api_error(e)),
        CoreError::RateLimited {
            retry_after_seconds,
            error,
        } => ConnectorError::RateLimited(RateLimit {
            retry_after_seconds,
            error: api_error(error),
        }),
        CoreError::InvalidInput { field, reason } => {
            ConnectorError::InvalidInput(InvalidInput { field, reason })
        }
        CoreError::UnsupportedInSandbox(message) => ConnectorError::UnsupportedInSandbox(message),
        CoreError::MissingScopes { endpoint, scopes } => {
            ConnectorError::MissingScopes(MissingScopes { endpoint, scopes })
        }
        CoreError::Upstream(e) => ConnectorError::Upstream(api_error(e)),
        CoreError::Transport(e) => ConnectorError::Transport(TransportError {
            kind: match e.kind {
                CoreTransportKind::Refused | CoreTransportKind::Unresolved => {
                    TransportKind::Refused
                }
                CoreTransportKind::TimedOut => TransportKind::TimedOut,
                CoreTransportKind::Interrupted => TransportKind::Interrupted,
                CoreTransportKind::TooLarge => TransportKind::TooLarge,
                CoreTransportKind::Other => TransportKind::Other,
            },
            message: e.message,
            attempts: e.attempts,
        }),
        CoreError::DeniedByHost(message) => ConnectorError::DeniedByHost(message),
        CoreError::JobFailed(job) => ConnectorError::JobFailed(job_state(job)),
        CoreError::JobPending(job) => ConnectorError::JobPending(job_state(job)),
    }
}

fn job_state(job: CoreJobState) -> JobState {
    JobState {
        job: job.job,
        id: job.id,
        state: job.state,
        polls: job.polls,
    }
}

fn api_error(e: CoreApiError) -> ApiError {
    ApiError {
        status: e.status,
        code: e.code,
        message: e.message,
        request_id: e.request_id,
        attempts: e.attempts,
    }
}
