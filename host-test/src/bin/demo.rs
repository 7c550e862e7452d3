//! The main job, offline: builds the component, starts the mock Pinterest on
//! loopback, and runs the three actions through wasmtime against it.

use pinterest_connector_host::types::{Credentials, HttpMethod, Oauth2Credentials, SpecSource};
use pinterest_connector_host::{ApiCallInput, OauthApp, PaginationOptions, RawRequestInput};
use pinterest_host_test::{MockConfig, MockPinterest, component, host_for};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let wasm = component::built_component()?;
    let size = std::fs::metadata(&wasm)?.len();
    println!("component: {} ({size} bytes)", wasm.display());

    let mock = MockPinterest::start(MockConfig::default()).await?;
    println!(
        "mock Pinterest: production on {}, sandbox on {}",
        mock.production_addr, mock.sandbox_addr
    );
    let host = host_for(&mock)?;
    let credentials = Credentials::Oauth2(Oauth2Credentials {
        client_id: "demo-app".into(),
        client_secret: "demo-secret".into(),
        access_token: mock.config().access_token.clone(),
        refresh_token: None,
        expires_at: None,
        refresh_token_expires_at: None,
        token_endpoint: None,
        continuous_refresh: false,
        scopes: vec![
            "user_accounts:read".into(),
            "pins:read".into(),
            "boards:read".into(),
        ],
    });

    println!("\n== verify-credentials");
    let account = host.verify_credentials(&credentials).await??;
    println!("ok: {} ({})", account.username, account.account_type);

    println!("\n== api-call GET /pins, paginated (page_size 250)");
    let input = ApiCallInput {
        spec: SpecSource::Embedded,
        endpoint: "GET /pins".into(),
        path_params: vec![],
        query_params: vec![("page_size".into(), "250".into())],
        body: None,
    };
    let mut pages = host
        .api_call_paginated(&credentials, &input, PaginationOptions { max_pages: None })
        .await??;
    let mut total = 0;
    while let Some(page) = pages.next().await?? {
        total += page.item_count;
        println!(
            "page {}: HTTP {}, {} items, next bookmark {}",
            page.index,
            page.status,
            page.item_count,
            page.next_bookmark.as_deref().unwrap_or("(none: last page)")
        );
    }
    println!("ok: {total} pins in all");

    println!("\n== raw-request GET /boards?page_size=2");
    let raw = RawRequestInput {
        method: HttpMethod::Get,
        url: "/boards?page_size=2".into(),
        headers: vec![],
        body: None,
        no_throw_on_404: false,
    };
    let response = host.raw_request(&credentials, &raw).await??;
    println!("ok: HTTP {}, body {}", response.status, response.body);

    println!("\n== raw-request GET /pins/0 with no-throw-on-404");
    let raw = RawRequestInput {
        url: "/pins/0".into(),
        no_throw_on_404: true,
        ..raw
    };
    let response = host.raw_request(&credentials, &raw).await??;
    println!("ok: HTTP {}, body {}", response.status, response.body);

    println!("\n== OAuth2: exchange a code, then let an expired token refresh itself");
    let redirect_uri = "http://127.0.0.1:8085/callback";
    let app = OauthApp {
        client_id: mock.config().client_id.clone(),
        client_secret: mock.config().client_secret.clone(),
        token_endpoint: None,
        continuous_refresh: false,
    };
    let code = mock.issue_code(redirect_uri);
    let mut oauth = host.exchange_code(&app, &code, redirect_uri).await??;
    println!(
        "ok: code exchanged; scopes {}, access token expires at {:?}",
        oauth.scopes.join(","),
        oauth.expires_at
    );
    oauth.expires_at = Some(0);
    let account = host
        .verify_credentials(&Credentials::Oauth2(oauth))
        .await??;
    let refreshed = match &account.credentials.credentials {
        Credentials::Oauth2(c) => c.expires_at,
        Credentials::Sandbox(_) => None,
    };
    println!(
        "ok: verified as {} with an expired token; refreshed: {}, now expires at {:?} \
         (the host stores these credentials)",
        account.username, account.credentials.refreshed, refreshed
    );

    println!(
        "\n{} requests reached the mock; done in {:.1} s",
        mock.request_count(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
