//! What the CLI prints, and how failures become one line and an exit code.

use std::fmt;

use pinterest_connector_core::error::unreachable_host;
use pinterest_connector_host::types::ConnectorError;
use pinterest_connector_host::{ApiCallOutput, Endpoint, HostError, Page, RawResponse, describe};
use serde_json::{Value, json};

use crate::args::Route;

/// Why the CLI stopped.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The arguments or credentials do not make sense.
    Usage(String),
    /// The component answered with a typed error.
    Connector(ConnectorError),
    /// Anything else: reading files, loading the component, a trap.
    Other(anyhow::Error),
    /// Stdout was closed by its reader; the CLI stops quietly.
    StdoutClosed,
}

impl Failure {
    /// A usage failure.
    pub(crate) fn usage(message: &str) -> Failure {
        Failure::Usage(message.to_owned())
    }

    /// The process exit code:
    /// 1 other failures, 2 usage, invalid input, missing scopes and endpoints
    /// the sandbox does not serve, 3 unauthorized or
    /// forbidden, 4 not found, 5 rate limited, 6 other upstream errors and
    /// failed jobs,
    /// 7 transport failures and requests the host denied, 8 a job still
    /// running when the wait ran out.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Other(_) => 1,
            Failure::StdoutClosed => 0,
            Failure::Connector(e) => match e {
                ConnectorError::InvalidInput(_) => 2,
                ConnectorError::UnsupportedInSandbox(_) | ConnectorError::MissingScopes(_) => 2,
                ConnectorError::Unauthorized(_) | ConnectorError::Forbidden(_) => 3,
                ConnectorError::NotFound(_) => 4,
                ConnectorError::RateLimited(_) => 5,
                ConnectorError::Upstream(_) | ConnectorError::JobFailed(_) => 6,
                ConnectorError::Transport(_) | ConnectorError::DeniedByHost(_) => 7,
                ConnectorError::JobPending(_) => 8,
            },
        }
    }
}

impl From<ConnectorError> for Failure {
    fn from(e: ConnectorError) -> Failure {
        Failure::Connector(e)
    }
}

impl From<HostError> for Failure {
    fn from(e: HostError) -> Failure {
        match e {
            HostError::CredentialStore(store) => crate::store::store_failure(store),
            other => Failure::Other(other.into()),
        }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Failure {
        Failure::Other(e)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(message) => write!(f, "{message}"),
            Failure::Other(e) => write!(f, "{e:#}"),
            Failure::StdoutClosed => write!(f, "stdout was closed"),
            Failure::Connector(e) => f.write_str(&describe(e)),
        }
    }
}

/// What the CLI's flags can do about `failure`: for a transport error or a
/// denial, the host its message names (see
/// [`pinterest_connector_core::error::unreachable_host`])
/// and the `--route` that would reach it, or that routes it already.
pub(crate) fn hint(failure: &Failure, routes: &[Route]) -> Option<String> {
    let Failure::Connector(error) = failure else {
        return None;
    };
    let (message, denied) = match error {
        ConnectorError::Transport(e) => (e.message.as_str(), false),
        ConnectorError::DeniedByHost(message) => (message.as_str(), true),
        _ => return None,
    };
    let authority = unreachable_host(message)?;
    let host = authority
        .rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(authority, |(host, _)| host);
    if let Some(route) = routes.iter().find(|r| r.host == host) {
        return Some(format!(
            "`{host}` is routed to {} by --route: is the mock still listening there?",
            route.addr
        ));
    }
    let route_it = format!("--route {host}=127.0.0.1:PORT sends it to a mock on loopback");
    Some(if denied {
        format!(
            "the CLI sends only to Pinterest's API hosts (and, for jobs, to the S3 hosts \
             Pinterest names) over HTTPS, and to hosts routed with --route; {route_it} \
             (to use a description from elsewhere, download it and pass --spec FILE)"
        )
    } else if routes.is_empty() {
        format!("`{host}` could not be reached from this machine; {route_it}")
    } else {
        format!(
            "`{host}` is not routed (routed: {}): {route_it} (`mock-pinterest` prints every \
             route it serves)",
            routes
                .iter()
                .map(|r| r.host.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// Writes one line to stdout and flushes it, so that each page reaches the
/// reader as it arrives.
pub(crate) fn emit(line: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .map_err(write_failure)
}

/// A failure to write the output: a reader that went away (`| head`) is
/// no error.
pub(crate) fn write_failure(e: std::io::Error) -> Failure {
    match e.kind() {
        std::io::ErrorKind::BrokenPipe => Failure::StdoutClosed,
        _ => Failure::Other(anyhow::Error::new(e).context("writing the output")),
    }
}

/// Prints a value as pretty JSON.
pub(crate) fn print_json(value: &Value) -> Result<(), Failure> {
    emit(&serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()))
}

/// A body as JSON when it parses, as a string otherwise.
fn body_value(body: &str) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned()))
}

fn headers_value(headers: &[(String, String)]) -> Value {
    Value::Array(headers.iter().map(|(n, v)| json!([n, v])).collect())
}

/// The endpoint list as JSON.
pub(crate) fn endpoints_json(endpoints: &[Endpoint]) -> Value {
    Value::Array(
        endpoints
            .iter()
            .map(|e| json!({"id": e.id, "method": e.method, "path": e.path, "label": e.label, "paginated": e.paginated}))
            .collect(),
    )
}

/// An `api-call` answer as JSON.
pub(crate) fn call_json(out: &ApiCallOutput) -> Value {
    json!({
        "status": out.status,
        "headers": headers_value(&out.headers),
        "body": body_value(&out.body),
        "next_bookmark": out.next_bookmark,
    })
}

/// One page as a single JSON line.
pub(crate) fn page_json(page: &Page) -> Value {
    json!({
        "index": page.index,
        "status": page.status,
        "item_count": page.item_count,
        "next_bookmark": page.next_bookmark,
        "body": body_value(&page.body),
    })
}

/// A raw response as JSON.
pub(crate) fn raw_json(out: &RawResponse) -> Value {
    json!({
        "status": out.status,
        "headers": headers_value(&out.headers),
        "body": body_value(&out.body),
    })
}

#[cfg(test)]
#[path = "output_tests.rs"]
mod tests;
