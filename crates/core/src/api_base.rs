//! Where an action sends its API requests: Pinterest's API, production or
//! sandbox by the kind of credentials, or a base the host chose.
//!
//! A host that cannot reroute the component's requests (wasmtime's Python
//! binding has no outgoing-request hook) names the base instead, the way
//! Pinterest's own SDKs read `PINTEREST_API_URI`. What goes there is what
//! would go to Pinterest: the access token, and on a refresh the app's
//! client secret and the refresh token. So the base is the host's to choose,
//! never a caller's or a model's: a service that takes requests from
//! callers (the edge build) refuses it. It must be `https://`, or `http://`
//! to this machine's loopback (a local mock, a proxy next to the host).

use crate::credentials::{Credentials, PRODUCTION_API_BASE, SANDBOX_API_BASE};
use crate::error::ConnectorError;
use crate::http::is_loopback;

/// The WIT field a host's base comes in, as errors name it.
const FIELD: &str = "options.api-base";

/// The API base of an action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ApiBase {
    /// Pinterest's: `https://api.pinterest.com/v5` for OAuth2 credentials,
    /// `https://api-sandbox.pinterest.com/v5` for a sandbox token.
    #[default]
    Pinterest,
    /// The one the host named, for every kind of credentials; its token
    /// endpoint is `{base}/oauth/token`. Held without a trailing `/`.
    Chosen(String),
}

impl ApiBase {
    /// Reads a host's base: an absolute `https://` URL, or `http://` to a
    /// loopback address (`127.0.0.0/8`, `[::1]`, `localhost`), with no user
    /// info, query or fragment. A trailing `/` is dropped, so
    /// `http://127.0.0.1:8080/v5/` and `…/v5` are the same base.
    pub fn parse(text: &str) -> Result<ApiBase, ConnectorError> {
        let url = url::Url::parse(text)
            .map_err(|e| ConnectorError::invalid(FIELD, format!("is not an absolute URL: {e}")))?;
        let Some(host) = url.host() else {
            return Err(ConnectorError::invalid(FIELD, "names no host"));
        };
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&host) => {}
            "http" => {
                return Err(ConnectorError::invalid(
                    FIELD,
                    "may use plain http:// only to a loopback address (127.0.0.1, [::1], \
                     localhost); elsewhere use https://",
                ));
            }
            other => {
                return Err(ConnectorError::invalid(
                    FIELD,
                    format!("must be an https:// URL, not {other}:"),
                ));
            }
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ConnectorError::invalid(FIELD, "must not carry user info"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(ConnectorError::invalid(
                FIELD,
                "must not carry a query or a fragment",
            ));
        }
        Ok(ApiBase::Chosen(
            url.as_str().trim_end_matches('/').to_owned(),
        ))
    }

    /// Reads an optional base: none is Pinterest's.
    pub fn from_option(text: Option<&str>) -> Result<ApiBase, ConnectorError> {
        text.map_or(Ok(ApiBase::Pinterest), ApiBase::parse)
    }

    /// The base `credentials` talk to: the host's, or Pinterest's for their
    /// kind.
    pub fn for_credentials<'a>(&'a self, credentials: &Credentials) -> &'a str {
        match (self, credentials) {
            (ApiBase::Chosen(base), _) => base,
            (ApiBase::Pinterest, Credentials::OAuth2(_)) => PRODUCTION_API_BASE,
            (ApiBase::Pinterest, Credentials::Sandbox(_)) => SANDBOX_API_BASE,
        }
    }

    /// The token endpoint used when the credentials name none: Pinterest's,
    /// or the host's base's `/oauth/token`.
    pub fn token_endpoint(&self) -> String {
        match self {
            ApiBase::Pinterest => crate::oauth::TOKEN_ENDPOINT.to_owned(),
            ApiBase::Chosen(base) => format!("{base}/oauth/token"),
        }
    }
}

#[cfg(test)]
#[path = "api_base_tests.rs"]
mod tests;
