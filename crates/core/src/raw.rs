//! Raw requests: a method, a URL relative to the API base, an optional body.
//!
//! Only paths under the API base are accepted. Anything that could make the
//! request leave it — an absolute or scheme-relative URL, a backslash, a
//! `.`/`..` segment, a `/` or `\\` inside a segment, whitespace or a control
//! character, plain or percent-encoded (even twice, as a proxy and a server
//! that each decode would see it) — is refused before anything is sent.

use crate::error::ConnectorError;
use crate::http::base_headers;
use crate::http::{HttpRequest, Method, NamedBy};
use crate::session::Session;

/// The inputs of a raw request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawInput {
    /// The method.
    pub method: Method,
    /// A URL relative to the API base: `/pins?page_size=5` or `pins`.
    pub url: String,
    /// Extra headers (see [`check_header`]).
    pub headers: Vec<(String, String)>,
    /// A JSON body as text.
    pub body: Option<String>,
    /// Return a 404 as a response instead of a `not-found` error.
    pub no_throw_on_404: bool,
}

/// Checks a raw request's URL and builds the request for the session's
/// credentials, relative to its API base.
pub fn prepare_raw(session: &Session, input: &RawInput) -> Result<HttpRequest, ConnectorError> {
    let credentials = session.credentials();
    credentials.validate()?;
    let base = session.api_base();
    let url = resolve_relative(base, &input.url)?;
    let mut headers = base_headers(credentials.access_token());
    let body = match &input.body {
        Some(text) => {
            let value: serde_json::Value = serde_json::from_slice(text.as_bytes())
                .map_err(|e| ConnectorError::invalid("body", format!("is not valid JSON: {e}")))?;
            headers.push(("Content-Type".into(), "application/json".into()));
            Some(value.to_string().into_bytes())
        }
        None => None,
    };
    for (name, value) in &input.headers {
        check_header(name, value)?;
        // A caller's header replaces the connector's own of that name.
        headers.retain(|(own, _)| !own.eq_ignore_ascii_case(name));
        headers.push((name.clone(), value.clone()));
    }
    Ok(HttpRequest {
        method: input.method,
        url,
        headers,
        body,
        named_by: NamedBy::Connector,
    })
}

/// Headers a caller may not set: the credentials, the destination, and
/// what frames the message (the transport owns those).
const RESERVED_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "expect",
];

/// Checks one caller header: a reserved name, a name that is not an HTTP
/// token, or a value with a control character (CR and LF included) is
/// refused.
pub fn check_header(name: &str, value: &str) -> Result<(), ConnectorError> {
    let field = format!("headers.{name}");
    let tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(tchar) {
        return Err(ConnectorError::invalid(field, "is not a valid header name"));
    }
    if RESERVED_HEADERS
        .iter()
        .any(|reserved| name.eq_ignore_ascii_case(reserved))
    {
        return Err(ConnectorError::invalid(
            field,
            "is set by the connector and cannot be given",
        ));
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(ConnectorError::invalid(
            field,
            "contains a control character",
        ));
    }
    Ok(())
}

/// Joins a relative URL onto `base` (which has no trailing slash), refusing
/// anything that would leave it.
pub fn resolve_relative(base: &str, relative: &str) -> Result<url::Url, ConnectorError> {
    let refuse = |reason: &str| Err(ConnectorError::invalid("url", reason));
    if relative.is_empty() {
        return refuse("is empty");
    }
    if relative
        .chars()
        .any(|c| c.is_control() || c.is_whitespace())
    {
        return refuse("contains whitespace or control characters");
    }
    if relative.contains('\\') {
        return refuse("contains a backslash");
    }
    if relative.starts_with("//") {
        return refuse("must be relative to the API base, not scheme-relative");
    }
    if has_scheme(relative) {
        return refuse("must be relative to the API base, not absolute");
    }
    if relative.contains('#') {
        return refuse("must not contain a fragment");
    }
    let (path, query) = relative.split_once('?').unwrap_or((relative, ""));
    for segment in path.split('/') {
        let decoded = fully_decoded(segment);
        if decoded.contains(['/', '\\']) {
            return refuse("must not contain a percent-encoded `/` or `\\` in a path segment");
        }
        if is_dot_segment(&decoded) {
            return refuse("must not contain `.` or `..` segments, plain or percent-encoded");
        }
    }
    if [path, query]
        .iter()
        .any(|part| fully_decoded(part).chars().any(char::is_control))
    {
        return refuse("must not contain percent-encoded control characters");
    }
    let joined = format!("{base}/{}", relative.strip_prefix('/').unwrap_or(relative));
    let url = url::Url::parse(&joined).or_else(|e| refuse(&format!("is not a valid URL: {e}")))?;
    // Defence in depth: whatever the parser made of it must still sit under
    // the base.
    let base_url = url::Url::parse(base).or_else(|e| refuse(&format!("bad API base: {e}")))?;
    let base_path = base_url.path().trim_end_matches('/');
    let under_base = url.path() == base_path || url.path().starts_with(&format!("{base_path}/"));
    if url.origin() != base_url.origin() || !under_base {
        return refuse("leaves the API base");
    }
    Ok(url)
}

/// Whether `s` starts with `scheme:` (RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )).
fn has_scheme(s: &str) -> bool {
    let Some(colon) = s.find(':') else {
        return false;
    };
    let candidate = &s[..colon];
    let before_path = !candidate.contains(['/', '?']);
    let mut chars = candidate.chars();
    before_path
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// `.` or `..` (once decoded).
fn is_dot_segment(decoded: &str) -> bool {
    decoded == "." || decoded == ".."
}

/// `text` percent-decoded until nothing changes (at most four rounds, then
/// what is left), so that `%252e` — decoded twice by a proxy and a server —
/// is seen for the `.` it becomes. Bytes that are not UTF-8 stay as U+FFFD.
fn fully_decoded(text: &str) -> String {
    let mut current = text.to_owned();
    for _ in 0..4 {
        let next = percent_encoding::percent_decode_str(&current)
            .decode_utf8_lossy()
            .into_owned();
        if next == current {
            break;
        }
        current = next;
    }
    current
}

#[cfg(test)]
#[path = "raw_tests.rs"]
mod tests;
