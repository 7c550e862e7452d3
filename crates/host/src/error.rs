//! What can go wrong in the host: the host's own failures
//! ([`HostError`]) and an action's typed error with the credentials as they
//! stand ([`ActionFailure`]), and the one way the WIT error is written for
//! people ([`describe`]), which the CLI prints.

use std::fmt;
use std::time::Duration;

use crate::bindings::pinterest::connector::types::{
    ActionError, ApiError, ConnectorError, TransportKind,
};
use crate::credentials::CredentialsState;
#[cfg(doc)]
use crate::limits::CallLimits;

/// A failure of the host or the Wasm runtime, as opposed to a
/// [`ConnectorError`] the component returned. After any of them the host
/// serves the next call as usual: each call has a store of its own.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The bytes are not a component this host can run.
    #[error("cannot load the component: {0:#}")]
    Load(wasmtime::Error),
    /// The bytes are the edge build (the `wasi:http/proxy` world, which
    /// serves the actions over HTTP), not the connector component this host
    /// runs.
    #[error(
        "this is the edge build (it exports wasi:http/incoming-handler): serve it with \
         `jco serve` or `wasmtime serve`; this host runs the connector component \
         (pinterest-connector-VERSION.wasm, or the guest crate's \
         pinterest_connector_guest.wasm)"
    )]
    EdgeBuild,
    /// The call ran past its deadline ([`CallLimits::deadline`]) and was
    /// stopped.
    #[error("the call ran past its {0:?} deadline and was stopped")]
    Deadline(Duration),
    /// The component asked for more linear memory than
    /// [`CallLimits::max_memory_bytes`] and was stopped.
    #[error("the component needed more than {0} bytes of memory and was stopped")]
    MemoryLimit(usize),
    /// Instantiating or calling the component failed (a trap, for instance).
    #[error("the component failed: {0:#}")]
    Runtime(wasmtime::Error),
    /// The compile cache's folder could be written by someone else, so its
    /// compiled code is not run.
    #[error("{0}")]
    UntrustedCache(String),
    /// [`HostWorkers`](crate::HostWorkers) could not start a worker thread
    /// or its runtime.
    #[error("cannot start the host's worker threads: {0}")]
    Workers(std::io::Error),
    /// A call handed to [`HostWorkers`](crate::HostWorkers) ended without
    /// an answer: it panicked, or its worker thread ended.
    #[error("the call ended on its worker thread without an answer")]
    WorkerStopped,
    /// The credential store of a [`SharedAccount`](crate::SharedAccount)
    /// failed (a Redis server down, a file that cannot be written, a lease
    /// that stayed taken): the action's outcome is unknown to the store, so
    /// it is not reported as the action's own.
    #[error(transparent)]
    CredentialStore(#[from] crate::credential_store::StoreError),
}

/// An action's failure: the typed error and the credentials as they stand
/// (a refresh may have rotated them before the failure; store them when
/// `credentials.refreshed` is set). `Debug` and `Display` never show a
/// token or the client secret.
pub struct ActionFailure {
    /// What went wrong.
    pub error: ConnectorError,
    /// The credentials to use from now on.
    pub credentials: CredentialsState,
}

impl From<ActionError> for ActionFailure {
    fn from(e: ActionError) -> ActionFailure {
        ActionFailure {
            error: e.error,
            credentials: e.credentials,
        }
    }
}

impl fmt::Debug for ActionFailure {
    /// The error, and whether the credentials changed; no secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActionFailure")
            .field("error", &self.error)
            .field("credentials_refreshed", &self.credentials.refreshed)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for ActionFailure {
    /// The error as one line for people ([`describe`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&describe(&self.error))
    }
}

impl std::error::Error for ActionFailure {}

/// The WIT error as one line for people: its kind, Pinterest's status,
/// code, message and request id, the attempts, and what to do where that
/// is known. The component has already taken every secret out of it.
pub fn describe(error: &ConnectorError) -> String {
    match error {
        ConnectorError::Unauthorized(api) => format!(
            "unauthorized: {} (check or renew the access token)",
            api_text(api)
        ),
        ConnectorError::Forbidden(api) => format!("forbidden: {}", api_text(api)),
        ConnectorError::NotFound(api) => format!("not found: {}", api_text(api)),
        ConnectorError::RateLimited(limit) => {
            let mut text = format!("rate limited: {}", api_text(&limit.error));
            if let Some(seconds) = limit.retry_after_seconds {
                text.push_str(&format!("; retry after {seconds} s"));
            }
            text
        }
        ConnectorError::InvalidInput(i) => format!("invalid input `{}`: {}", i.field, i.reason),
        ConnectorError::UnsupportedInSandbox(message) => {
            format!("unsupported in the sandbox: {message}")
        }
        ConnectorError::MissingScopes(m) => format!(
            "missing scopes: {} needs {} (re-authorise with them)",
            m.endpoint,
            m.scopes.join(", ")
        ),
        ConnectorError::Upstream(api) => format!("upstream error: {}", api_text(api)),
        ConnectorError::Transport(e) => {
            let kind = match e.kind {
                TransportKind::Refused => "refused",
                TransportKind::TimedOut => "timed-out",
                TransportKind::Interrupted => "interrupted",
                TransportKind::TooLarge => "too-large",
                TransportKind::Other => "other",
            };
            let mut text = format!("transport error ({kind}): {}", e.message);
            if e.attempts > 1 {
                text.push_str(&format!(" after {} attempts", e.attempts));
            }
            text
        }
        ConnectorError::DeniedByHost(message) => format!("denied by host: {message}"),
        ConnectorError::JobFailed(job) => format!("{} {} ended {}", job.job, job.id, job.state),
        ConnectorError::JobPending(job) => format!(
            "{} {} is still {} after {} polls: ask again later",
            job.job, job.id, job.state, job.polls
        ),
    }
}

fn api_text(e: &ApiError) -> String {
    let mut text = format!("HTTP {}", e.status);
    if let Some(code) = e.code {
        text.push_str(&format!(", code {code}"));
    }
    text.push_str(&format!(": {}", e.message));
    if let Some(rid) = &e.request_id {
        text.push_str(&format!(" (x-pinterest-rid {rid})"));
    }
    if e.attempts > 1 {
        text.push_str(&format!(" after {} attempts", e.attempts));
    }
    text
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
