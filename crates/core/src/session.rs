//! Credentials for the length of one action, refreshed as needed.
//!
//! A [`Session`] sends every API request of an action with the current
//! access token. Before a request it refreshes when the token has expired or
//! expires within [`REFRESH_MARGIN_SECONDS`]; when the API answers 401 it
//! refreshes and sends the request once more. A request is sent with at most
//! one refresh before it, so a token the API keeps refusing ends in
//! `unauthorized`, never in a loop. Whatever happens, the caller reads the
//! credentials back from the session and hands them to the host to store:
//! the refresh token rotates.

use crate::api_base::ApiBase;
use crate::catalog::Auth;
use crate::credentials::{Credentials, OAuth2Credentials};
use crate::destination::JobUrls;
use crate::error::ConnectorError;
use crate::http::{HttpRequest, HttpResponse, Transport};
use crate::oauth::{self, Grant, REFRESH_MARGIN_SECONDS};

/// The credentials of one action (or one paginated walk) as they evolve.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    credentials: Credentials,
    /// Where the action's API requests (and refreshes, unless the
    /// credentials name a token endpoint) go.
    api_base: ApiBase,
    refreshed: bool,
    /// Every secret seen in this session, old tokens included.
    secrets: Vec<String>,
}

impl std::fmt::Debug for Session {
    /// The credentials (redacted) and the flag; never the secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("credentials", &self.credentials)
            .field("api_base", &self.api_base)
            .field("refreshed", &self.refreshed)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session starting from the credentials the host passed, talking to
    /// Pinterest's API.
    pub fn new(credentials: Credentials) -> Session {
        let secrets = credentials.secrets();
        Session {
            credentials,
            api_base: ApiBase::Pinterest,
            refreshed: false,
            secrets,
        }
    }

    /// Sends this session's requests to `api_base` from now on.
    pub fn set_api_base(&mut self, api_base: ApiBase) {
        self.api_base = api_base;
    }

    /// The API base this session's credentials talk to, without a trailing
    /// `/`: URLs are this followed by an endpoint's path.
    pub fn api_base(&self) -> &str {
        self.api_base.for_credentials(&self.credentials)
    }

    /// The URLs this session's jobs may send to when Pinterest's answers
    /// name them: plain https, and plain http to loopback too when the API
    /// base is itself on loopback.
    pub fn job_urls(&self) -> JobUrls {
        match &self.api_base {
            ApiBase::Chosen(base) if base.starts_with("http://") => JobUrls::AlsoLoopback,
            _ => JobUrls::Https,
        }
    }

    /// `error` with every secret this session has seen taken out of its
    /// text (see [`ConnectorError::redact`]).
    pub fn redact(&self, error: ConnectorError) -> ConnectorError {
        error.redact(&self.secrets)
    }

    /// The credentials as they stand now.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Whether the credentials were refreshed during this session (the host
    /// must store them).
    pub fn refreshed(&self) -> bool {
        self.refreshed
    }

    /// The credentials as they stand, and whether they changed.
    pub fn into_parts(self) -> (Credentials, bool) {
        (self.credentials, self.refreshed)
    }

    /// Sends `request` through `transport`, whose clock says when a token is
    /// due. With [`Auth::Bearer`] it
    /// goes with the current access token, refreshed first when due, or
    /// after a 401, at most once for this request. With [`Auth::Basic`] it
    /// already carries the app's client credentials and goes as it is: no
    /// token is sent or refreshed for it.
    pub fn send(
        &mut self,
        transport: &mut dyn Transport,
        request: &HttpRequest,
        auth: Auth,
    ) -> Result<HttpResponse, ConnectorError> {
        if auth == Auth::Basic {
            return transport.send(request);
        }
        let mut refreshed_for_this_request = false;
        if self.due(transport.now()) {
            self.refresh(transport)?;
            refreshed_for_this_request = true;
        }
        let response = transport.send(&self.authorize(request))?;
        if response.status != 401 || refreshed_for_this_request || !self.can_refresh() {
            return Ok(response);
        }
        self.refresh(transport)?;
        transport.send(&self.authorize(request))
    }

    /// Whether the access token should be refreshed before sending.
    fn due(&self, now: u64) -> bool {
        match &self.credentials {
            Credentials::OAuth2(oauth) => {
                self.can_refresh()
                    && oauth::needs_refresh(oauth.expires_at, now, REFRESH_MARGIN_SECONDS)
            }
            Credentials::Sandbox(_) => false,
        }
    }

    /// Whether there is a refresh token to refresh with.
    fn can_refresh(&self) -> bool {
        matches!(&self.credentials, Credentials::OAuth2(oauth)
            if oauth.refresh_token.as_deref().is_some_and(|t| !t.is_empty()))
    }

    fn refresh(&mut self, transport: &mut dyn Transport) -> Result<(), ConnectorError> {
        if let Credentials::OAuth2(oauth) = &self.credentials {
            let fresh = refresh_at(transport, oauth, &self.api_base.token_endpoint())?;
            self.secrets.extend(fresh.secrets());
            self.credentials = Credentials::OAuth2(fresh);
            self.refreshed = true;
        }
        Ok(())
    }

    /// `request` with this session's bearer token.
    fn authorize(&self, request: &HttpRequest) -> HttpRequest {
        let mut request = request.clone();
        let value = format!("Bearer {}", self.credentials.access_token());
        match request
            .headers
            .iter_mut()
            .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
        {
            Some((_, old)) => *old = value,
            None => request.headers.push(("Authorization".into(), value)),
        }
        request
    }
}

/// Refreshes `credentials` through their token endpoint (lifetimes count
/// from the transport's clock). The
/// answer's refresh token, when there is one, replaces the old one (which
/// the token endpoint revokes); what the answer leaves out is kept. A
/// refused refresh token is `unauthorized`, saying to re-authenticate.
pub fn refresh(
    transport: &mut dyn Transport,
    credentials: &OAuth2Credentials,
) -> Result<OAuth2Credentials, ConnectorError> {
    refresh_at(transport, credentials, oauth::TOKEN_ENDPOINT)
}

/// [`refresh`], at `default_endpoint` when the credentials name no token
/// endpoint of their own.
fn refresh_at(
    transport: &mut dyn Transport,
    credentials: &OAuth2Credentials,
    default_endpoint: &str,
) -> Result<OAuth2Credentials, ConnectorError> {
    let refresh_token = credentials
        .refresh_token
        .clone()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ConnectorError::invalid("credentials.refresh-token", "is missing: re-authenticate")
        })?;
    let grant = Grant::RefreshToken {
        refresh_token,
        scopes: Vec::new(),
        continuous: credentials.continuous_refresh,
    };
    let endpoint = credentials
        .token_endpoint
        .as_deref()
        .unwrap_or(default_endpoint);
    let request = oauth::token_request(
        endpoint,
        &credentials.client_id,
        &credentials.client_secret,
        &grant,
    )?;
    let sent = transport
        .send(&request)
        .map_err(|e| e.redact(&credentials.secrets()))?;
    let issued = oauth::read_token_response(&sent, transport.now()).map_err(|e| {
        match e.redact(&credentials.secrets()) {
            ConnectorError::Unauthorized(mut api) | ConnectorError::Upstream(mut api)
                if matches!(api.status, 400 | 401) =>
            {
                api.message = format!(
                    "{} (the refresh token was refused: re-authenticate)",
                    api.message
                );
                ConnectorError::Unauthorized(api)
            }
            other => other,
        }
    })?;
    Ok(credentials.renewed(issued))
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
