//! `pinterest-connector`: the Pinterest connector component from the
//! command line.
//!
//! Results go to stdout as JSON (JSON Lines for paginated calls, one page a
//! line, printed as each page arrives). Errors go to stderr as one line and
//! set the exit code (see [`output::Failure::exit_code`]).

mod args;
mod login;
mod mcp;
mod output;
mod store;
mod watch;

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use pinterest_connector_host::types::{ConnectorError, CredentialsState};
use pinterest_connector_host::{
    ActionFailure, ApiCallInput, CompileCache, ConnectorHost, HostConfig, JobWait, MediaFile,
    NetworkPolicy, PaginationOptions, RawRequestInput,
};

use crate::args::{Cli, Command, WaitArgs};
use crate::output::{Failure, emit, print_json};
use crate::store::CredentialSource;

/// The scopes `login` asks for when none are given.
const DEFAULT_SCOPES: &[&str] = &["boards:read", "pins:read", "user_accounts:read"];

/// Stores what an action handed back, then yields its value or its error.
fn settle<T>(
    source: &CredentialSource,
    result: Result<T, ActionFailure>,
    state: impl Fn(&T) -> &CredentialsState,
) -> Result<T, Failure> {
    match result {
        Ok(value) => {
            source.settle(state(&value))?;
            Ok(value)
        }
        Err(failure) => Err(failed(source, failure)),
    }
}

/// Stores the credentials a failed action handed back; the failure to
/// report.
fn failed(source: &CredentialSource, failure: ActionFailure) -> Failure {
    match source.settle(&failure.credentials) {
        Ok(()) => Failure::Connector(failure.error),
        Err(not_stored) => not_stored,
    }
}

/// A job's wait from the flags; none for the component's default.
fn job_wait(wait: &WaitArgs) -> Option<JobWait> {
    wait.max_polls.map(|max_polls| JobWait {
        max_polls,
        poll_interval_ms: wait.poll_interval.unwrap_or(5).saturating_mul(1000),
    })
}

/// A video's content type from its file name's extension.
fn video_type(path: &std::path::Path) -> Result<String, Failure> {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match extension.as_deref() {
        Some("mp4" | "m4v") => Ok("video/mp4".into()),
        Some("mov") => Ok("video/quicktime".into()),
        _ => Err(Failure::usage(
            "say the video's --content-type (the extension is not mp4, m4v or mov)",
        )),
    }
}

/// Says on stderr how an upload goes: a line each 8 MB sent and one when
/// the whole request has left.
fn upload_progress() -> pinterest_connector_host::UploadProgress {
    use std::sync::atomic::{AtomicU64, Ordering};
    let reported = AtomicU64::new(0);
    std::sync::Arc::new(move |sent: u64, total: u64| {
        let last = reported.load(Ordering::Relaxed);
        if sent - last.min(sent) >= 8 << 20 || (total > 0 && sent == total && last != sent) {
            reported.store(sent, Ordering::Relaxed);
            eprintln!(
                "{:.1} of {:.1} MB sent",
                sent as f64 / 1e6,
                total as f64 / 1e6
            );
        }
    })
}

/// Waits for a report, asking the component one poll at a time so that
/// each ask is said on stderr (the component's own wait says nothing until
/// it ends); the whole wait is `--max-polls` asks `--poll-interval` apart,
/// or the component's default for reports.
async fn await_report(
    account: &pinterest_connector_host::SharedAccount,
    source: &CredentialSource,
    ad_account: &str,
    token: &str,
    wait: &WaitArgs,
) -> Result<pinterest_connector_host::ReportStream, Failure> {
    let whole = job_wait(wait).unwrap_or(JobWait {
        max_polls: 90,
        poll_interval_ms: 10_000,
    });
    let one = JobWait {
        max_polls: 1,
        poll_interval_ms: whole.poll_interval_ms,
    };
    let max_polls = whole.max_polls.max(1);
    let mut poll = 1;
    loop {
        match account
            .download_report(ad_account, token, Some(one))
            .await?
        {
            Ok(stream) => {
                eprintln!("report {token}: ready after {poll} asks; downloading");
                return settle(source, Ok(stream), |s| s.credentials());
            }
            Err(mut failure) => {
                let ConnectorError::JobPending(job) = &mut failure.error else {
                    return Err(failed(source, failure));
                };
                // The wait is the CLI's: its count, not the one ask's.
                job.polls = poll;
                if poll == max_polls {
                    return Err(failed(source, failure));
                }
                eprintln!(
                    "report {token}: {} (ask {poll} of {max_polls}; next in {} s)",
                    job.state,
                    whole.poll_interval_ms / 1000
                );
                source.settle(&failure.credentials)?;
                tokio::time::sleep(std::time::Duration::from_millis(
                    whole.poll_interval_ms.into(),
                ))
                .await;
                poll += 1;
            }
        }
    }
}

/// Writes a report to `out` (or stdout) as it downloads, with progress on
/// stderr.
async fn write_report(
    stream: &mut pinterest_connector_host::ReportStream,
    out: Option<&std::path::Path>,
) -> Result<(), Failure> {
    use std::io::Write;
    let mut sink: Box<dyn Write> = match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut written = 0u64;
    let mut reported = 0u64;
    while let Some(chunk) = stream.next().await?.map_err(Failure::Connector)? {
        sink.write_all(&chunk).map_err(output::write_failure)?;
        written += chunk.len() as u64;
        if written - reported >= 8 << 20 {
            eprintln!("{:.1} MB downloaded", written as f64 / 1e6);
            reported = written;
        }
    }
    sink.flush().map_err(output::write_failure)?;
    eprintln!("report done: {:.1} MB", written as f64 / 1e6);
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let routes = cli.route.clone();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        // Whoever read stdout stopped reading (`| head`): not an error.
        Err(Failure::StdoutClosed) => ExitCode::SUCCESS,
        Err(failure) => {
            match output::hint(&failure, &routes) {
                Some(hint) => eprintln!("error: {failure}; {hint}"),
                None => eprintln!("error: {failure}"),
            }
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
    let config = HostConfig {
        network,
        ..HostConfig::default()
    };
    let cache = (!cli.no_cache)
        .then(|| cli.cache_dir.clone().or_else(CompileCache::default_dir))
        .flatten()
        .map(CompileCache::new);
    let host = match cache {
        Some(cache) => ConnectorHost::cached(&wasm, config, &cache)?.0,
        None => ConnectorHost::new(&wasm, config)?,
    };
    // Listing and describing send nothing to the API: no budget to open.
    let sends = !matches!(
        cli.command,
        Command::Endpoints { .. } | Command::Describe { .. }
    );
    let host = match sends.then(|| cli.rate_budget()) {
        Some(budget) => match budget.await? {
            Some(budget) => host.with_budget(budget),
            None => host,
        },
        None => host,
    };
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
            let (account, source) = cli.account(&host).await?;
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
                let started = account.api_call_paginated(&input, options).await?;
                let mut pages = started.map_err(|f| failed(&source, f))?;
                // Each page carries the credentials as they stand: a long
                // walk may refresh on the way.
                while let Some(page) = match pages.next().await? {
                    Ok(None) => None,
                    Ok(Some(page)) => Some(settle(&source, Ok(page), |p| &p.credentials)?),
                    Err(failure) => return Err(failed(&source, failure)),
                } {
                    emit(&output::page_json(&page).to_string())?;
                }
            } else {
                let result = account.api_call(&input).await?;
                let out = settle(&source, result, |out| &out.credentials)?;
                print_json(&output::call_json(&out))?;
            }
        }
        Command::Raw(raw) => {
            let (account, source) = cli.account(&host).await?;
            let input = RawRequestInput {
                method: raw.method.into(),
                url: raw.url.clone(),
                headers: raw
                    .headers
                    .iter()
                    .map(|h| (h.name.clone(), h.value.clone()))
                    .collect(),
                body: raw.body.clone(),
                no_throw_on_404: raw.no_throw_404,
            };
            let result = account.raw_request(&input).await?;
            let out = settle(&source, result, |out| &out.credentials)?;
            print_json(&output::raw_json(&out))?;
        }
        Command::Verify => {
            let (account, source) = cli.account(&host).await?;
            let result = account.verify_credentials().await?;
            let account = settle(&source, result, |account| &account.credentials)?;
            print_json(&serde_json::json!({
                "username": account.username,
                "account_type": account.account_type,
                "scopes": account.scopes,
                "user_accounts_read": account.user_accounts_read,
            }))?;
        }
        Command::UploadMedia(upload) => {
            let (account, source) = cli.account(&host).await?;
            let content_type = match &upload.content_type {
                Some(given) => given.clone(),
                None => video_type(&upload.file)?,
            };
            let bytes = std::fs::read(&upload.file)
                .with_context(|| format!("reading {}", upload.file.display()))?;
            let file_name = upload
                .file
                .file_name()
                .map_or_else(|| "video".into(), |n| n.to_string_lossy().into_owned());
            eprintln!(
                "uploading {} ({:.1} MB), then waiting for Pinterest to process it",
                file_name,
                bytes.len() as f64 / 1e6
            );
            let file = MediaFile {
                file_name,
                content_type,
                bytes,
            };
            let result = account
                .upload_media(&file, job_wait(&upload.wait), Some(upload_progress()))
                .await?;
            let uploaded = settle(&source, result, |u| &u.credentials)?;
            print_json(&serde_json::json!({ "media_id": uploaded.media_id }))?;
        }
        Command::Report(report) => {
            let (account, source) = cli.account(&host).await?;
            let result = account
                .create_report(&report.ad_account, &report.body)
                .await?;
            let started = settle(&source, result, |s| &s.credentials)?;
            eprintln!("report {} asked for; waiting for it", started.token);
            let mut stream = await_report(
                &account,
                &source,
                &report.ad_account,
                &started.token,
                &report.wait,
            )
            .await?;
            write_report(&mut stream, report.out.as_deref()).await?;
        }
        Command::Mcp(args) => {
            let (account, source) = cli.account(&host).await?;
            let safety = pinterest_connector_service::tools::Safety {
                read_only: args.read_only,
                no_destructive: args.no_destructive || args.read_only,
            };
            mcp::serve(host, account, spec, safety, source).await?;
        }
        Command::Watch(args) => {
            let (account, source) = cli.account(&host).await?;
            watch::watch(&account, args, &spec, &source).await?;
        }
        Command::Login(args) => {
            let path = cli.credentials_path()?;
            let (Some(client_id), Some(client_secret)) =
                (&cli.credentials.client_id, &cli.credentials.client_secret)
            else {
                return Err(Failure::usage(
                    "login needs the app's client id and secret: set PINTEREST_CLIENT_ID and \
                     PINTEREST_CLIENT_SECRET",
                ));
            };
            let scopes: Vec<String> = if cli.credentials.scopes.is_empty() {
                DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect()
            } else {
                cli.credentials.scopes.clone()
            };
            let app = login::App {
                client_id,
                client_secret,
                scopes: &scopes,
            };
            let store = match cli.redis_store().await? {
                Some(redis) => redis,
                None => std::sync::Arc::new(pinterest_connector_host::FileStore::new(&path)),
            };
            let credentials = login::login(&host, app, args, store.as_ref()).await?;
            print_json(&serde_json::json!({
                "credentials_file": cli.redis_url.is_none().then(|| path.display().to_string()),
                "stored_in": store.describe(),
                "scopes": credentials.scopes,
                "expires_at": credentials.expires_at,
                "refresh_token_expires_at": credentials.refresh_token_expires_at,
            }))?;
        }
        Command::Logout => {
            let path = cli.credentials_path()?;
            match std::fs::remove_file(&path) {
                Ok(()) => eprintln!("removed {}", path.display()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    eprintln!("not logged in: {} does not exist", path.display())
                }
                Err(e) => {
                    return Err(Failure::Other(
                        anyhow::Error::new(e).context(format!("removing {}", path.display())),
                    ));
                }
            }
        }
    }
    Ok(())
}
