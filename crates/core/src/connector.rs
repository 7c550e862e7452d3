//! The connector's actions, over any [`Transport`].

use std::borrow::Cow;

use serde_json::Value;

use crate::catalog::{Auth, Catalog};
use crate::credentials::{Credentials, OAuth2Credentials};
use crate::error::ConnectorError;
use crate::http::{HttpResponse, Method, Transport};
use crate::oauth::{self, Grant};
use crate::pagination::{PageWalker, PaginationOptions, page_shape};
use crate::raw::{RawInput, prepare_raw};
use crate::request::{CallInput, prepare_call};
use crate::session::{self, Session};
use crate::spec::{SpecSource, load_catalog};

/// The answer to one `api-call`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallOutput {
    /// The response.
    pub response: HttpResponse,
    /// For paginated endpoints, the next page's bookmark.
    pub next_bookmark: Option<String>,
}

/// The account behind a set of credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The username.
    pub username: String,
    /// `BUSINESS` or `PINNER`.
    pub account_type: String,
    /// The scopes the credentials say were granted; empty when unknown.
    pub scopes: Vec<String>,
    /// Whether `user_accounts:read` is granted: listed in `scopes`, or
    /// proven by the successful call when the scopes are unknown.
    pub user_accounts_read: bool,
    /// The whole `GET /user_account` body.
    pub raw: String,
}

/// An app, for token requests.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthApp {
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: String,
    /// The token endpoint; `None` means Pinterest's.
    pub token_endpoint: Option<String>,
    /// Whether refreshes send `continuous_refresh=true` (apps created before
    /// late 2025 need it to get a new refresh token with each refresh).
    pub continuous_refresh: bool,
}

impl std::fmt::Debug for OAuthApp {
    /// Hides the client secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("token_endpoint", &self.token_endpoint)
            .field("continuous_refresh", &self.continuous_refresh)
            .finish()
    }
}

/// The actions, sending through `T`.
pub struct Connector<T> {
    transport: T,
}

impl<T: Transport> Connector<T> {
    /// A connector that sends through `transport`.
    pub fn new(transport: T) -> Self {
        Connector { transport }
    }

    /// The catalog `spec` describes (fetching it if it is a URL).
    pub fn catalog(&mut self, spec: &SpecSource) -> Result<Cow<'static, Catalog>, ConnectorError> {
        load_catalog(spec, &mut self.transport)
    }

    /// The transport, for inspection.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, to send through it directly (a job's upload or
    /// download, which go without the session's token).
    pub(crate) fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// The transport, for sending what the connector prepared (the pages of
    /// a walk, say).
    pub fn into_transport(self) -> T {
        self.transport
    }

    /// Calls one endpoint once (the session refreshes an access token that
    /// is due by the transport's clock).
    pub fn api_call(
        &mut self,
        session: &mut Session,
        input: &CallInput,
    ) -> Result<CallOutput, ConnectorError> {
        let catalog = self.catalog(&input.spec)?;
        let call = prepare_call(&catalog, session, input)?;
        let request = call.request_at(call.bookmark.as_deref());
        let response = session.send(&mut self.transport, &request, call.auth)?;
        response.check_status()?;
        let next_bookmark = if call.paginated {
            page_shape(&response)?.next_bookmark
        } else {
            None
        };
        Ok(CallOutput {
            response,
            next_bookmark,
        })
    }

    /// Checks a paginated call and returns its walk; nothing is sent yet.
    /// An endpoint without a `bookmark` parameter is refused.
    pub fn paginate(
        &mut self,
        session: &Session,
        input: &CallInput,
        options: PaginationOptions,
    ) -> Result<PageWalker, ConnectorError> {
        let catalog = self.catalog(&input.spec)?;
        let call = prepare_call(&catalog, session, input)?;
        if !call.paginated {
            return Err(ConnectorError::invalid(
                "endpoint",
                format!("`{}` does not paginate with a bookmark", input.endpoint),
            ));
        }
        if options.max_pages == Some(0) {
            return Err(ConnectorError::invalid("max-pages", "must be at least 1"));
        }
        Ok(PageWalker::new(call, options))
    }

    /// Sends a raw request. A 404 is returned as a response when
    /// `no_throw_on_404` is set; every other non-2xx status is an error.
    pub fn raw_request(
        &mut self,
        session: &mut Session,
        input: &RawInput,
    ) -> Result<HttpResponse, ConnectorError> {
        let request = prepare_raw(session, input)?;
        let response = session.send(&mut self.transport, &request, Auth::Bearer)?;
        if !(response.status == 404 && input.no_throw_on_404) {
            response.check_status()?;
        }
        Ok(response)
    }

    /// Exchanges an authorization code for credentials (their expiry
    /// instants count from the transport's clock).
    pub fn exchange_code(
        &mut self,
        app: &OAuthApp,
        code: &str,
        redirect_uri: &str,
    ) -> Result<OAuth2Credentials, ConnectorError> {
        if code.is_empty() {
            return Err(ConnectorError::invalid("code", "is empty"));
        }
        let grant = Grant::AuthorizationCode {
            code: code.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
        };
        let endpoint = app
            .token_endpoint
            .as_deref()
            .unwrap_or(oauth::TOKEN_ENDPOINT);
        let request = oauth::token_request(endpoint, &app.client_id, &app.client_secret, &grant)?;
        let secrets = [
            app.client_secret.clone(),
            oauth::basic_credentials(&app.client_id, &app.client_secret),
            code.to_owned(),
        ];
        let now = self.transport.now();
        let issued = self
            .transport
            .send(&request)
            .and_then(|response| oauth::read_token_response(&response, now))
            .map_err(|e| e.redact(&secrets))?;
        Ok(OAuth2Credentials {
            client_id: app.client_id.clone(),
            client_secret: app.client_secret.clone(),
            access_token: issued.access_token,
            refresh_token: issued.refresh_token,
            expires_at: issued.expires_at,
            refresh_token_expires_at: issued.refresh_token_expires_at,
            token_endpoint: app.token_endpoint.clone(),
            continuous_refresh: app.continuous_refresh,
            scopes: issued.scopes,
        })
    }

    /// Refreshes the access token (see [`session::refresh`]): store
    /// what it returns, since the refresh token rotates.
    pub fn refresh(
        &mut self,
        credentials: &OAuth2Credentials,
    ) -> Result<OAuth2Credentials, ConnectorError> {
        session::refresh(&mut self.transport, credentials)
    }

    /// Proves the credentials work with `GET /user_account`, which needs the
    /// `user_accounts:read` scope: credentials known to lack it are refused
    /// before sending, and a 403 says which scope is missing.
    pub fn verify_credentials(&mut self, session: &mut Session) -> Result<Account, ConnectorError> {
        let granted = granted_scopes(session.credentials());
        if !granted.is_empty() && !granted.iter().any(|s| s == USER_ACCOUNTS_READ) {
            return Err(ConnectorError::MissingScopes {
                endpoint: "GET /user_account (Get user account)".into(),
                scopes: vec![USER_ACCOUNTS_READ.into()],
            });
        }
        let input = RawInput {
            method: Method::Get,
            url: "/user_account".into(),
            headers: Vec::new(),
            body: None,
            no_throw_on_404: false,
        };
        let response = self.raw_request(session, &input).map_err(|e| match e {
            ConnectorError::Forbidden(mut api) => {
                api.message = format!(
                    "{} (verifying needs the {USER_ACCOUNTS_READ} scope)",
                    api.message
                );
                ConnectorError::Forbidden(api)
            }
            other => other,
        })?;
        let body: Value = serde_json::from_slice(&response.body).map_err(|e| {
            let mut api = response.api_error();
            api.message = format!("`GET /user_account` did not answer JSON: {e}");
            ConnectorError::Upstream(api)
        })?;
        let field = |name: &str| {
            body.get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        Ok(Account {
            username: field("username"),
            account_type: field("account_type"),
            raw: response.body_text(),
            user_accounts_read: true,
            // A refresh may have reported the scopes anew.
            scopes: granted_scopes(session.credentials()),
        })
    }
}

/// The scopes the credentials say were granted; empty when unknown.
fn granted_scopes(credentials: &Credentials) -> Vec<String> {
    match credentials {
        Credentials::OAuth2(oauth) => oauth.scopes.clone(),
        Credentials::Sandbox(_) => Vec::new(),
    }
}

/// The scope `GET /user_account` needs.
pub(crate) const USER_ACCOUNTS_READ: &str = "user_accounts:read";

#[cfg(test)]
#[path = "connector_tests.rs"]
mod tests;
