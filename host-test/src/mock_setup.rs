//! What a person needs to point the CLI, the edge build or their own host
//! at a running mock: every host it plays with its loopback address, the
//! tokens and the OAuth app, as the `mock-pinterest` binary prints them.
//!
//! The printout is a shell script of `export` lines and comments, so that
//! it can be pasted (or `source`d, as the README walkthrough's test does)
//! as it is; [`mock_routes`] is the same list for code. [`mock_oauth`] and
//! [`oauth_token`] are the credentials the tests start from.

use std::fmt::Write as _;
use std::net::SocketAddr;

use pinterest_connector_host::types::Oauth2Credentials;

use crate::mock::MockPinterest;

/// Every host the mock plays, with where it listens: the production and
/// sandbox APIs, the S3-like video upload host and the report download
/// host.
pub fn mock_routes(mock: &MockPinterest) -> Vec<(&'static str, SocketAddr)> {
    vec![
        ("api.pinterest.com", mock.production_addr),
        ("api-sandbox.pinterest.com", mock.sandbox_addr),
        (crate::media_mock::UPLOAD_HOST, mock.upload_addr),
        (crate::report_mock::REPORT_HOST, mock.download_addr),
    ]
}

/// The routes as `PINTEREST_ROUTES` spells them, for the CLI and the edge
/// build's routing module alike: `host=addr,host=addr`.
pub fn routes_variable(mock: &MockPinterest) -> String {
    mock_routes(mock)
        .iter()
        .map(|(host, addr)| format!("{host}={addr}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The mock's authorization page, which approves at once and redirects back
/// with a code (in place of `https://www.pinterest.com/oauth/`).
pub fn authorization_endpoint(mock: &MockPinterest) -> String {
    format!("http://{}/oauth/", mock.production_addr)
}

/// What `mock-pinterest` prints: comments saying what listens where, and
/// the `export` lines of every variable the CLI's commands need (routes,
/// token, the OAuth app and its authorization page), ready to paste.
pub fn shell_setup(mock: &MockPinterest) -> String {
    let config = mock.config();
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "# mock Pinterest on loopback, until Ctrl-C (mock data; its tokens are no secrets)"
    );
    for (host, addr) in mock_routes(mock) {
        let _ = writeln!(out, "#   {host:<52} http://{addr}");
    }
    let _ = writeln!(
        out,
        "# Paste these lines into the shell that runs pinterest-connector (or jco serve):"
    );
    let _ = writeln!(out, "export PINTEREST_ROUTES={}", routes_variable(mock));
    let _ = writeln!(out, "export PINTEREST_ACCESS_TOKEN={}", config.access_token);
    let _ = writeln!(
        out,
        "export PINTEREST_CLIENT_ID={} PINTEREST_CLIENT_SECRET={}",
        config.client_id, config.client_secret
    );
    let _ = writeln!(
        out,
        "export PINTEREST_AUTHORIZATION_ENDPOINT={}",
        authorization_endpoint(mock)
    );
    let _ = writeln!(
        out,
        "# The sandbox instead: unset PINTEREST_ACCESS_TOKEN; export PINTEREST_SANDBOX_TOKEN={}",
        config.sandbox_token
    );
    let _ = writeln!(
        out,
        "# A refresh token the mock accepts: PINTEREST_REFRESH_TOKEN={}",
        config.refresh_token
    );
    let flags = mock_routes(mock)
        .iter()
        .map(|(host, addr)| format!("--route {host}={addr}"))
        .collect::<Vec<_>>()
        .join(" ");
    let _ = writeln!(out, "# The routes as flags: {flags}");
    out
}

/// OAuth2 credentials with `access_token` and nothing else: no app, no
/// refresh token, no expiry (the tests' base, completed with `..`).
pub fn oauth_token(access_token: &str) -> Oauth2Credentials {
    Oauth2Credentials {
        client_id: String::new(),
        client_secret: String::new(),
        access_token: access_token.into(),
        refresh_token: None,
        expires_at: None,
        refresh_token_expires_at: None,
        token_endpoint: None,
        continuous_refresh: false,
        scopes: vec![],
    }
}

/// OAuth2 credentials of the mock's app with `access_token` (no refresh
/// token, no expiry).
pub fn mock_oauth(mock: &MockPinterest, access_token: &str) -> Oauth2Credentials {
    let config = mock.config();
    Oauth2Credentials {
        client_id: config.client_id.clone(),
        client_secret: config.client_secret.clone(),
        ..oauth_token(access_token)
    }
}
