//! The `pinterest:connector/credentials` types on the host side, written by
//! hand rather than generated so that their `Debug` output never shows a
//! token or the client secret: a host that logs a result or a failure logs
//! no secret.

use std::fmt;

use wasmtime::component::{ComponentType, Lift, Lower};

/// OAuth2 credentials of a Pinterest app and the user who authorised it.
#[derive(ComponentType, Lift, Lower, Clone, PartialEq, Eq)]
#[component(record)]
pub struct Oauth2Credentials {
    /// The app's client id.
    #[component(name = "client-id")]
    pub client_id: String,
    /// The app's client secret.
    #[component(name = "client-secret")]
    pub client_secret: String,
    /// The user's access token.
    #[component(name = "access-token")]
    pub access_token: String,
    /// The refresh token, when the host holds one.
    #[component(name = "refresh-token")]
    pub refresh_token: Option<String>,
    /// When the access token expires, in Unix seconds.
    #[component(name = "expires-at")]
    pub expires_at: Option<u64>,
    /// When the refresh token expires, in Unix seconds.
    #[component(name = "refresh-token-expires-at")]
    pub refresh_token_expires_at: Option<u64>,
    /// The token endpoint; none means Pinterest's.
    #[component(name = "token-endpoint")]
    pub token_endpoint: Option<String>,
    /// Send `continuous_refresh=true` with each refresh.
    #[component(name = "continuous-refresh")]
    pub continuous_refresh: bool,
    /// The granted scopes; empty when unknown.
    #[component(name = "scopes")]
    pub scopes: Vec<String>,
}

impl fmt::Debug for Oauth2Credentials {
    /// Everything but the secret and the tokens.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Oauth2Credentials")
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

impl From<Oauth2Credentials> for pinterest_connector_core::credentials::OAuth2Credentials {
    fn from(c: Oauth2Credentials) -> Self {
        pinterest_connector_core::credentials::OAuth2Credentials {
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
}

impl From<pinterest_connector_core::credentials::OAuth2Credentials> for Oauth2Credentials {
    fn from(c: pinterest_connector_core::credentials::OAuth2Credentials) -> Self {
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
}

/// How the connector authenticates.
#[derive(ComponentType, Lift, Lower, Clone, PartialEq, Eq)]
#[component(variant)]
pub enum Credentials {
    /// OAuth2 against the production API.
    #[component(name = "oauth2")]
    Oauth2(Oauth2Credentials),
    /// A sandbox access token: every call goes to the sandbox API.
    #[component(name = "sandbox")]
    Sandbox(String),
}

impl fmt::Debug for Credentials {
    /// The kind, and the OAuth2 details that are not secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Oauth2(oauth) => f.debug_tuple("Oauth2").field(oauth).finish(),
            Credentials::Sandbox(_) => f.debug_tuple("Sandbox").field(&"[redacted]").finish(),
        }
    }
}

/// The credentials as they stand after an action: store them when
/// `refreshed` is set.
#[derive(ComponentType, Lift, Lower, Clone, PartialEq, Eq, Debug)]
#[component(record)]
pub struct CredentialsState {
    /// The credentials to use from now on.
    #[component(name = "credentials")]
    pub credentials: Credentials,
    /// Whether they changed during the action.
    #[component(name = "refreshed")]
    pub refreshed: bool,
}

/// What bindings generated for the interface would ask a host to
/// implement: nothing, since it has no functions.
pub trait Host {}

impl<H: Host + ?Sized> Host for &mut H {}

/// The store-aware counterpart of [`Host`]: nothing either.
pub trait HostWithStore<T>: wasmtime::component::HasData {}

impl<H: ?Sized, T> HostWithStore<T> for H where H: wasmtime::component::HasData {}

/// Adds the interface to `linker`: an instance with nothing in it, as the
/// interface defines types only.
pub fn add_to_linker<T, D>(
    linker: &mut wasmtime::component::Linker<T>,
    host_getter: fn(&mut T) -> D::Data<'_>,
) -> wasmtime::Result<()>
where
    D: HostWithStore<T>,
    for<'a> D::Data<'a>: Host,
    T: 'static,
{
    let _ = host_getter;
    linker.instance("pinterest:connector/credentials@0.1.0")?;
    Ok(())
}

#[cfg(test)]
#[path = "credentials_tests.rs"]
mod tests;
