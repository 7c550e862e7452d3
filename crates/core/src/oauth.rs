//! Pinterest's OAuth2: the authorization URL, token requests (code
//! exchange, refresh), reading the token endpoint's
//! answer, and deciding when an access token needs refreshing.
//!
//! Token requests carry `Authorization: Basic base64(client_id:client_secret)`
//! and a form body. The refresh token rotates: whatever the token endpoint
//! returns replaces what the caller held.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use crate::error::ConnectorError;
use crate::http::{HttpRequest, HttpResponse, Method, NamedBy};
use crate::http::{USER_AGENT, form_string, form_value};

/// Pinterest's authorization endpoint.
pub const AUTHORIZATION_ENDPOINT: &str = "https://www.pinterest.com/oauth/";
/// Pinterest's token endpoint.
pub const TOKEN_ENDPOINT: &str = "https://api.pinterest.com/v5/oauth/token";
/// Refresh this many seconds before the access token expires.
pub const REFRESH_MARGIN_SECONDS: u64 = 300;

/// What a token request asks for.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Grant {
    /// Exchange an authorization code.
    AuthorizationCode {
        /// The code the redirect carried.
        code: String,
        /// The redirect URI the code was issued for.
        redirect_uri: String,
    },
    /// Refresh an access token.
    RefreshToken {
        /// The refresh token.
        refresh_token: String,
        /// Narrower scopes to ask for, if any.
        scopes: Vec<String>,
        /// Send `continuous_refresh=true` (apps created before late 2025).
        continuous: bool,
    },
}

impl std::fmt::Debug for Grant {
    /// Hides the code and the refresh token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Grant::AuthorizationCode { redirect_uri, .. } => f
                .debug_struct("AuthorizationCode")
                .field("code", &"[redacted]")
                .field("redirect_uri", redirect_uri)
                .finish(),
            Grant::RefreshToken {
                scopes, continuous, ..
            } => f
                .debug_struct("RefreshToken")
                .field("refresh_token", &"[redacted]")
                .field("scopes", scopes)
                .field("continuous", continuous)
                .finish(),
        }
    }
}

/// The URL that sends a user to Pinterest to authorise the app: scopes
/// comma-separated, `response_type=code`.
pub fn authorize_url(
    endpoint: &str,
    client_id: &str,
    redirect_uri: &str,
    scopes: &[String],
    state: &str,
) -> Result<url::Url, ConnectorError> {
    if client_id.is_empty() {
        return Err(ConnectorError::invalid("client-id", "is empty"));
    }
    let redirect = url::Url::parse(redirect_uri)
        .map_err(|e| ConnectorError::invalid("redirect-uri", format!("is not a URL: {e}")))?;
    if !matches!(redirect.scheme(), "https" | "http") {
        return Err(ConnectorError::invalid("redirect-uri", "must be http(s)"));
    }
    let mut url = url::Url::parse(endpoint).map_err(|e| {
        ConnectorError::invalid("authorization-endpoint", format!("is not a URL: {e}"))
    })?;
    // The scopes are joined by a literal comma, as Pinterest writes them.
    let scope: Vec<String> = scopes.iter().map(|s| form_value(s)).collect();
    let query = format!(
        "{}&scope={}&{}",
        form_string([
            ("client_id", client_id),
            ("redirect_uri", redirect_uri),
            ("response_type", "code"),
        ]),
        scope.join(","),
        form_string([("state", state)]),
    );
    url.set_query(Some(&query));
    Ok(url)
}

/// `base64(client_id:client_secret)`, as the `Authorization: Basic` header
/// of token requests carries it (a secret in its own right).
pub(crate) fn basic_credentials(client_id: &str, client_secret: &str) -> String {
    STANDARD.encode(format!("{client_id}:{client_secret}"))
}

/// The token request for `grant`.
pub(crate) fn token_request(
    endpoint: &str,
    client_id: &str,
    client_secret: &str,
    grant: &Grant,
) -> Result<HttpRequest, ConnectorError> {
    if client_id.is_empty() || client_secret.is_empty() {
        return Err(ConnectorError::invalid(
            "credentials.client-secret",
            "a token request needs the client id and the client secret",
        ));
    }
    let url = url::Url::parse(endpoint)
        .map_err(|e| ConnectorError::invalid("token-endpoint", format!("is not a URL: {e}")))?;
    if !crate::http::is_secure_destination(&url) {
        return Err(ConnectorError::invalid(
            "token-endpoint",
            "must be an https:// URL (or http:// to a loopback address): the client secret and \
             the tokens travel to it",
        ));
    }
    let mut form: Vec<(&str, String)> = Vec::new();
    match grant {
        Grant::AuthorizationCode { code, redirect_uri } => {
            form.push(("grant_type", "authorization_code".into()));
            form.push(("code", code.clone()));
            form.push(("redirect_uri", redirect_uri.clone()));
        }
        Grant::RefreshToken {
            refresh_token,
            scopes,
            continuous,
        } => {
            if refresh_token.is_empty() {
                return Err(ConnectorError::invalid(
                    "credentials.refresh-token",
                    "is empty",
                ));
            }
            form.push(("grant_type", "refresh_token".into()));
            form.push(("refresh_token", refresh_token.clone()));
            if !scopes.is_empty() {
                form.push(("scope", scopes.join(",")));
            }
            if *continuous {
                form.push(("continuous_refresh", "true".into()));
            }
        }
    }
    let body = form_string(form.iter().map(|(k, v)| (*k, v.as_str())));
    let basic = basic_credentials(client_id, client_secret);
    Ok(HttpRequest {
        method: Method::Post,
        url,
        headers: vec![
            ("Authorization".into(), format!("Basic {basic}")),
            (
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
            ("Accept".into(), "application/json".into()),
            ("User-Agent".into(), USER_AGENT.into()),
        ],
        body: Some(body.into_bytes()),
        named_by: NamedBy::Connector,
    })
}

/// Tokens as the token endpoint issued them, with expiry instants.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedTokens {
    /// The new access token.
    pub access_token: String,
    /// When it expires, in Unix seconds.
    pub expires_at: Option<u64>,
    /// The new refresh token, when one was issued (it replaces the old one).
    pub refresh_token: Option<String>,
    /// When the refresh token expires, in Unix seconds.
    pub refresh_token_expires_at: Option<u64>,
    /// The granted scopes.
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for IssuedTokens {
    /// Hides the tokens.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedTokens")
            .field("access_token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("refresh_token_expires_at", &self.refresh_token_expires_at)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// Reads the token endpoint's answer, received at `now` (Unix seconds).
/// A non-2xx answer is the matching typed error; a 2xx without an access
/// token is an upstream error.
pub fn read_token_response(
    response: &HttpResponse,
    now: u64,
) -> Result<IssuedTokens, ConnectorError> {
    response.check_status()?;
    #[derive(Deserialize)]
    struct Body {
        access_token: Option<String>,
        expires_in: Option<u64>,
        refresh_token: Option<String>,
        refresh_token_expires_in: Option<u64>,
        scope: Option<String>,
    }
    let malformed = |why: &str| {
        let mut api = response.api_error();
        api.message = format!("the token endpoint's answer {why}");
        ConnectorError::Upstream(api)
    };
    let body: Body =
        serde_json::from_slice(&response.body).map_err(|_| malformed("is not JSON"))?;
    let access_token = body
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| malformed("has no access_token"))?;
    Ok(IssuedTokens {
        access_token,
        expires_at: body.expires_in.map(|s| now.saturating_add(s)),
        refresh_token: body.refresh_token.filter(|t| !t.is_empty()),
        refresh_token_expires_at: body.refresh_token_expires_in.map(|s| now.saturating_add(s)),
        scopes: body
            .scope
            .map(|s| {
                s.split([',', ' '])
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// Whether an access token expiring at `expires_at` should be refreshed at
/// `now`: it has expired or expires within `margin` seconds. Unknown expiry
/// never triggers a refresh (a 401 will).
pub fn needs_refresh(expires_at: Option<u64>, now: u64, margin: u64) -> bool {
    expires_at.is_some_and(|at| at <= now.saturating_add(margin))
}

#[cfg(test)]
#[path = "oauth_tests.rs"]
mod tests;
