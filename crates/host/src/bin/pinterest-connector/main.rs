//! `pinterest-connector`: the Pinterest connector component from the
//! command line.
//!
//! Results go to stdout as JSON (JSON Lines for paginated calls, one page a
//! line, printed as each page arrives). Errors go to stderr as one line and
//! set the exit code (see [`output::exit_code`]).

mod args;
mod output;

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use pinterest_connector_host::{
    ApiCallInput, ConnectorHost, HostConfig, NetworkPolicy, PaginationOptions, RawRequestInput,
};

use crate::args::{Cli, Command};
use crate::output::{Failure, emit, print_json};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        // Whoever read stdout stopped reading (`| head`): not an error.
        Err(Failure::StdoutClosed) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::from(failure.exit_code())
        }
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let wasm_path = cli.component_path()?;
    let wasm = std::fs::read(&wasm_path)
        .with_context(|| format!("reading the component {}", wasm_path.display()))?;
    let mut network = NetworkPolicy::default();
    for route in &cli.route {
        network = network
            .route(&route.host, route.addr)
            .map_err(|e| Failure::Usage(e.to_string()))?;
    }
    let host = ConnectorHost::new(&wasm, HostConfig { network })?;
    let spec = cli.spec_source()?;

    match &cli.command {
        Command::Endpoints { json } => {
            let endpoints = host.list_endpoints(&spec).await??;
            if *json {
                print_json(&output::endpoints_json(&endpoints))?;
            } else {
                for e in endpoints {
                    let paginated = if e.paginated { "\t[paginated]" } else { "" };
                    emit(&format!("{}\t{}{paginated}", e.id, e.label))?;
                }
            }
        }
        Command::Describe { endpoint } => {
            let schema = host.describe_endpoint(&spec, endpoint).await??;
            let value: serde_json::Value =
                serde_json::from_str(&schema).context("the schema is not JSON")?;
            print_json(&value)?;
        }
        Command::Call(call) => {
            let credentials = cli.credentials.resolve()?;
            let input = ApiCallInput {
                spec: spec.clone(),
                endpoint: call.endpoint.clone(),
                path_params: call
                    .path
                    .iter()
                    .map(|kv| (kv.key.clone(), kv.value.clone()))
                    .collect(),
                query_params: call
                    .query
                    .iter()
                    .map(|kv| (kv.key.clone(), kv.value.clone()))
                    .collect(),
                body: call.body.clone(),
            };
            if call.paginate {
                let options = PaginationOptions {
                    max_pages: call.max_pages,
                };
                let mut pages = host
                    .api_call_paginated(&credentials, &input, options)
                    .await??;
                while let Some(page) = pages.next().await?? {
                    emit(&output::page_json(&page).to_string())?;
                }
            } else {
                let out = host.api_call(&credentials, &input).await??;
                print_json(&output::call_json(&out))?;
            }
        }
        Command::Raw(raw) => {
            let credentials = cli.credentials.resolve()?;
            let input = RawRequestInput {
                method: raw.method.into(),
                url: raw.url.clone(),
                body: raw.body.clone(),
                no_throw_on_404: raw.no_throw_404,
            };
            let out = host.raw_request(&credentials, &input).await??;
            print_json(&output::raw_json(&out))?;
        }
        Command::Verify => {
            let credentials = cli.credentials.resolve()?;
            let account = host.verify_credentials(&credentials).await??;
            print_json(&serde_json::json!({
                "username": account.username,
                "account_type": account.account_type,
                "scopes": account.scopes,
                "user_accounts_read": account.user_accounts_read,
            }))?;
        }
    }
    Ok(())
}
