//! Credentials: OAuth2 or a sandbox token, and Pinterest's API base of each.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ConnectorError;

/// The production API base.
pub(crate) const PRODUCTION_API_BASE: &str = "https://api.pinterest.com/v5";
/// The sandbox API base.
pub(crate) const SANDBOX_API_BASE: &str = "https://api-sandbox.pinterest.com/v5";

/// OAuth2 credentials of an app and the user who authorised it.
///
/// As JSON (the edge build's requests and answers), the fields by their
/// names; only `access_token` is required.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuth2Credentials {
    /// The app's client id.
    #[serde(default)]
    pub client_id: String,
    /// The app's client secret.
    #[serde(default)]
    pub client_secret: String,
    /// The user's access token.
    pub access_token: String,
    /// The refresh token, when held.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// When the access token expires, in Unix seconds.
    #[serde(default)]
    pub expires_at: Option<u64>,
    /// When the refresh token expires, in Unix seconds.
    #[serde(default)]
    pub refresh_token_expires_at: Option<u64>,
    /// The token endpoint; `None` means Pinterest's.
    #[serde(default)]
    pub token_endpoint: Option<String>,
    /// Whether refreshes send `continuous_refresh=true` (apps created before
    /// late 2025 need it to get a new refresh token with each refresh).
    #[serde(default)]
    pub continuous_refresh: bool,
    /// The granted scopes; empty when unknown.
    #[serde(default)]
    pub scopes: Vec<String>,
}

impl fmt::Debug for OAuth2Credentials {
    /// Redacts the secret and the tokens.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2Credentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("access_token", &"[redacted]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("expires_at", &self.expires_at)
            .field("refresh_token_expires_at", &self.refresh_token_expires_at)
            .field("token_endpoint", &self.token_endpoint)
            .field("continuous_refresh", &self.continuous_refresh)
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl OAuth2Credentials {
    /// These credentials with `issued`'s tokens in place of their own: the
    /// refresh token when one was issued (the old one is revoked), the
    /// scopes when the answer named them; what the answer leaves out is
    /// kept.
    pub fn renewed(&self, issued: crate::oauth::IssuedTokens) -> OAuth2Credentials {
        OAuth2Credentials {
            access_token: issued.access_token,
            expires_at: issued.expires_at,
            refresh_token: issued.refresh_token.or_else(|| self.refresh_token.clone()),
            refresh_token_expires_at: issued
                .refresh_token_expires_at
                .or(self.refresh_token_expires_at),
            scopes: if issued.scopes.is_empty() {
                self.scopes.clone()
            } else {
                issued.scopes
            },
            ..self.clone()
        }
    }

    /// The body a token endpoint would answer a refresh with, at `now`
    /// (Unix seconds), had it issued these tokens: what
    /// [`read_token_response`](crate::oauth::read_token_response) reads back
    /// into the same tokens and expiry instants. For a host that answers a
    /// refresh another caller already made (its outgoing-request hook)
    /// without sending it again.
    pub fn token_answer(&self, now: u64) -> Vec<u8> {
        let mut answer = serde_json::Map::new();
        let mut put = |key: &str, value: serde_json::Value| {
            answer.insert(key.to_owned(), value);
        };
        put("access_token", self.access_token.clone().into());
        put("token_type", "bearer".into());
        if let Some(at) = self.expires_at {
            put("expires_in", at.saturating_sub(now).into());
        }
        if let Some(token) = &self.refresh_token {
            put("refresh_token", token.clone().into());
        }
        if let Some(at) = self.refresh_token_expires_at {
            put("refresh_token_expires_in", at.saturating_sub(now).into());
        }
        if !self.scopes.is_empty() {
            put("scope", self.scopes.join(",").into());
        }
        serde_json::to_vec(&answer).unwrap_or_default()
    }

    /// The access token, the refresh token, the client secret and the
    /// Basic credentials made of it.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets = vec![
            self.access_token.clone(),
            self.client_secret.clone(),
            crate::oauth::basic_credentials(&self.client_id, &self.client_secret),
        ];
        secrets.extend(self.refresh_token.clone());
        secrets
    }
}

/// How the connector authenticates. As JSON: `{"oauth2": {…}}` or
/// `{"sandbox": "TOKEN"}`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Credentials {
    /// OAuth2 against the production API.
    OAuth2(OAuth2Credentials),
    /// A sandbox access token: every call goes to the sandbox API.
    Sandbox(String),
}

impl fmt::Debug for Credentials {
    /// Redacts every secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::OAuth2(oauth) => f.debug_tuple("OAuth2").field(oauth).finish(),
            Credentials::Sandbox(_) => f.debug_tuple("Sandbox").field(&"[redacted]").finish(),
        }
    }
}

impl Credentials {
    /// Checks the credentials can be used: an access token must be present
    /// and free of whitespace and control characters (which would corrupt the
    /// `Authorization` header).
    pub fn validate(&self) -> Result<(), ConnectorError> {
        let (field, token) = match self {
            Credentials::OAuth2(oauth) => ("credentials.access-token", &oauth.access_token),
            Credentials::Sandbox(token) => ("credentials.sandbox", token),
        };
        if token.is_empty() {
            return Err(ConnectorError::invalid(field, "the access token is empty"));
        }
        if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ConnectorError::invalid(
                field,
                "the access token contains whitespace or control characters",
            ));
        }
        Ok(())
    }

    /// The token sent as `Authorization: Bearer …`.
    pub fn access_token(&self) -> &str {
        match self {
            Credentials::OAuth2(oauth) => &oauth.access_token,
            Credentials::Sandbox(token) => token,
        }
    }

    /// Every secret the credentials hold: tokens and the client secret.
    pub fn secrets(&self) -> Vec<String> {
        match self {
            Credentials::OAuth2(oauth) => oauth.secrets(),
            Credentials::Sandbox(token) => vec![token.clone()],
        }
    }

    /// Whether these are sandbox credentials.
    pub(crate) fn is_sandbox(&self) -> bool {
        matches!(self, Credentials::Sandbox(_))
    }
}

#[cfg(test)]
#[path = "credentials_tests.rs"]
mod tests;
