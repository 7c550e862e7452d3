//! `login`: the OAuth2 authorization-code flow with a loopback redirect.
//!
//! The CLI listens on `http://127.0.0.1:PORT/callback`, prints the
//! authorization URL (and opens a browser unless told not to), waits for
//! Pinterest to redirect back with a code and the `state` it was given,
//! exchanges the code through the component and writes the credentials file.

use std::collections::HashMap;
use std::time::Duration;

use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::get;
use pinterest_connector_host::credential_store::replace;
use pinterest_connector_host::types::{Credentials, Oauth2Credentials};
use pinterest_connector_host::{ConnectorHost, CredentialStore, OauthApp};
use tokio::sync::mpsc;

use crate::args::LoginArgs;
use crate::output::Failure;
use crate::store::store_failure;

/// The app and where to authorise it.
pub(crate) struct App<'a> {
    /// The client id.
    pub(crate) client_id: &'a str,
    /// The client secret.
    pub(crate) client_secret: &'a str,
    /// The scopes to ask for.
    pub(crate) scopes: &'a [String],
}

/// Runs the flow and saves the credentials in `store`, in place of what it
/// held.
pub(crate) async fn login(
    host: &ConnectorHost,
    app: App<'_>,
    args: &LoginArgs,
    store: &dyn CredentialStore,
) -> Result<Oauth2Credentials, Failure> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .map_err(|e| {
            Failure::Usage(format!(
                "cannot listen on 127.0.0.1:{} for the redirect: {e}",
                args.port
            ))
        })?;
    let port = listener
        .local_addr()
        .map_err(|e| Failure::Other(e.into()))?
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let state = random_state()?;
    let url = host
        .authorize_url(
            app.client_id,
            &redirect_uri,
            app.scopes,
            &state,
            args.authorization_endpoint.as_deref(),
        )
        .await??;

    eprintln!("Open this address in a browser to authorise the app:\n\n  {url}\n");
    if !args.no_browser && webbrowser::open(&url).is_err() {
        eprintln!("(no browser could be opened here: open the address yourself)");
    }
    eprintln!("Waiting for the redirect to {redirect_uri} ...");

    let code = wait_for_code(listener, state, Duration::from_secs(args.timeout)).await?;
    let oauth_app = OauthApp {
        client_id: app.client_id.to_owned(),
        client_secret: app.client_secret.to_owned(),
        token_endpoint: args.token_endpoint.clone(),
        continuous_refresh: args.continuous_refresh,
    };
    let credentials = host
        .exchange_code(&oauth_app, &code, &redirect_uri)
        .await??;
    replace(store, &Credentials::Oauth2(credentials.clone()))
        .await
        .map_err(store_failure)?;
    Ok(credentials)
}

/// What the redirect brought: a code, or why there is none.
type Callback = Result<String, String>;

/// Serves `/callback` until a redirect arrives with the expected `state`
/// (a code, or a refusal), then stops. A redirect with another state is
/// answered `400` and ignored: a forged or stale one must neither end the
/// login nor be exchanged.
async fn wait_for_code(
    listener: tokio::net::TcpListener,
    state: String,
    timeout: Duration,
) -> Result<String, Failure> {
    let (sender, mut receiver) = mpsc::channel::<Callback>(1);
    let handler = move |Query(params): Query<HashMap<String, String>>| {
        let sender = sender.clone();
        let expected = state.clone();
        async move {
            let (status, page, outcome) = read_callback(&params, &expected);
            match outcome {
                Some(outcome) => {
                    let _ = sender.send(outcome).await;
                }
                None => eprintln!(
                    "note: ignored a redirect whose state does not match this login (forged or \
                     stale); still waiting"
                ),
            }
            (
                status,
                Html(format!(
                    "<!doctype html><title>Pinterest connector</title><p>{page}</p>"
                )),
            )
        }
    };
    let app = Router::new().route("/callback", get(handler));
    let server = tokio::spawn(async move {
        // Runs until aborted below.
        let _ = axum::serve(listener, app).await;
    });
    let received = tokio::time::timeout(timeout, receiver.recv()).await;
    server.abort();
    match received {
        Err(_) => Err(Failure::Usage(format!(
            "no redirect arrived within {} s",
            timeout.as_secs()
        ))),
        Ok(None) => Err(Failure::Usage("the redirect listener stopped".into())),
        Ok(Some(Err(why))) => Err(Failure::Usage(format!("login failed: {why}"))),
        Ok(Some(Ok(code))) => Ok(code),
    }
}

/// Checks one redirect: the status and page to answer the browser with,
/// and the outcome, none for a redirect of another login (wrong `state`).
fn read_callback(
    params: &HashMap<String, String>,
    expected_state: &str,
) -> (StatusCode, &'static str, Option<Callback>) {
    if params.get("state").map(String::as_str) != Some(expected_state) {
        return (
            StatusCode::BAD_REQUEST,
            "The state does not match this login: ignored, nothing was saved.",
            None,
        );
    }
    if let Some(error) = params.get("error") {
        return (
            StatusCode::OK,
            "The authorisation was refused: nothing was saved.",
            Some(Err(format!("the authorisation was refused ({error})"))),
        );
    }
    match params.get("code").filter(|c| !c.is_empty()) {
        Some(code) => (
            StatusCode::OK,
            "Authorised. You can close this window and go back to the terminal.",
            Some(Ok(code.clone())),
        ),
        None => (
            StatusCode::BAD_REQUEST,
            "The redirect carried no code: nothing was saved.",
            Some(Err("the redirect carried no code".into())),
        ),
    }
}

/// 128 random bits, hex-encoded.
fn random_state() -> Result<String, Failure> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| Failure::Other(anyhow::anyhow!("no randomness for the state: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
