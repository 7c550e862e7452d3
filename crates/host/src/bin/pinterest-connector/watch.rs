//! `watch`: a trigger polled on a timer, its new items printed as JSON
//! lines, its cursor kept in a state file.
//!
//! Each poll's items are printed and flushed before the new cursor is
//! written: a run stopped in between prints those items again next time
//! rather than never (at least once, and exactly once when it is not
//! stopped between the two).

use std::path::Path;
use std::time::Duration;

use clap::ValueEnum;
use pinterest_connector_host::types::{ConnectorError, SpecSource};
use pinterest_connector_host::{
    BoardSection, ListTrigger, PollOptions, PollResult, SharedAccount, Trigger, describe,
};
use serde_json::{Value, json};

use crate::args::{TriggerArg, WatchArgs};
use crate::output::{Failure, emit};
use crate::store::{CredentialSource, write_private};
use crate::{failed, settle};

/// The trigger the arguments name.
pub(crate) fn trigger(args: &WatchArgs, spec: &SpecSource) -> Result<Trigger, Failure> {
    let board = || {
        args.board
            .clone()
            .ok_or_else(|| Failure::usage("this trigger needs --board"))
    };
    Ok(match args.trigger {
        TriggerArg::NewPin => Trigger::NewPin,
        TriggerArg::NewBoard => Trigger::NewBoard,
        TriggerArg::NewPinOnBoard => Trigger::NewPinOnBoard(board()?),
        TriggerArg::NewPinInSection => Trigger::NewPinInSection(BoardSection {
            board_id: board()?,
            section_id: args
                .section
                .clone()
                .ok_or_else(|| Failure::usage("new-pin-in-section needs --section"))?,
        }),
        TriggerArg::List => Trigger::List(ListTrigger {
            spec: spec.clone(),
            endpoint: args
                .endpoint
                .clone()
                .ok_or_else(|| Failure::usage("the list trigger needs --endpoint"))?,
            path_params: args
                .path
                .iter()
                .map(|kv| (kv.key.clone(), kv.value.clone()))
                .collect(),
            query_params: args
                .query
                .iter()
                .map(|kv| (kv.key.clone(), kv.value.clone()))
                .collect(),
            id_field: args.id_field.clone(),
            time_field: args.time_field.clone(),
            newest_first: args.newest_first,
        }),
    })
}

/// The poll options the arguments ask for; none when all are defaults.
fn poll_options(args: &WatchArgs) -> Option<PollOptions> {
    let given = args.backlog > 0
        || args.max_pages.is_some()
        || args.max_items.is_some()
        || args.page_size.is_some();
    given.then(|| PollOptions {
        backlog: args.backlog,
        max_pages: args.max_pages.unwrap_or(10),
        max_items: args.max_items.unwrap_or(1_000),
        page_size: args.page_size,
    })
}

/// The cursor kept in the state file, if there is one.
fn load_cursor(path: &Path) -> Result<Option<String>, Failure> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Failure::Other(anyhow::anyhow!(
                "cannot read the state file {}: {e}",
                path.display()
            )));
        }
    };
    let state: Value = serde_json::from_str(&text).map_err(|e| {
        Failure::Usage(format!(
            "the state file {} is not a watch state ({e}): remove it to start over",
            path.display()
        ))
    })?;
    match state.get("cursor") {
        Some(Value::String(cursor)) => Ok(Some(cursor.clone())),
        _ => Err(Failure::Usage(format!(
            "the state file {} holds no cursor: remove it to start over",
            path.display()
        ))),
    }
}

/// Whether polling again later may get past `error`.
fn is_transient(error: &ConnectorError) -> bool {
    match error {
        ConnectorError::RateLimited(_) | ConnectorError::Transport(_) => true,
        ConnectorError::Upstream(api) => api.status >= 500,
        _ => false,
    }
}

/// How long to wait after `error` before polling again: what a rate limit
/// asks for, else the usual interval.
fn wait_after(error: &ConnectorError, every: Duration) -> Duration {
    match error {
        ConnectorError::RateLimited(limit) => limit
            .retry_after_seconds
            .map_or(every, |s| every.max(Duration::from_secs(s))),
        _ => every,
    }
}

/// The trigger refused the cursor kept in the state file `path`: which file,
/// and what to do.
fn state_file_refused(path: &Path, reason: &str) -> Failure {
    let path = path.display();
    Failure::Usage(if reason.contains("another trigger") {
        format!(
            "the state file {path} holds the cursor of another trigger (or of the other API: the \
             sandbox and production keep cursors of their own): pass another --state FILE for \
             this one, or remove {path} to start over"
        )
    } else {
        format!(
            "the state file {path} holds a cursor the trigger refuses ({reason}): remove {path} to start over"
        )
    })
}

/// What `watch` says on stderr as it starts.
fn started_line(args: &WatchArgs, resumed: bool) -> String {
    let trigger = args
        .trigger
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_owned());
    let pace = if args.once {
        "once, until caught up".to_owned()
    } else {
        format!("every {} s", args.every)
    };
    let from = match (&args.state, resumed) {
        (Some(path), true) => format!("going on from the cursor in {}", path.display()),
        (Some(path), false) => format!("starting afresh; the cursor is kept in {}", path.display()),
        (None, _) => "starting afresh; the cursor is not kept (pass --state FILE)".to_owned(),
    };
    format!("watching {trigger} {pace}, {from}")
}

/// What `watch` says on stderr after its first poll.
fn first_poll_line(args: &WatchArgs, polled: &PollResult, resumed: bool) -> String {
    let items = polled.items.len();
    let printed = match items {
        1 => "1 item printed".to_owned(),
        n => format!("{n} items printed"),
    };
    let next = if polled.more {
        "more are pending: polling again at once".to_owned()
    } else if args.once {
        "caught up".to_owned()
    } else {
        format!("next poll in {} s", args.every)
    };
    if resumed {
        format!("first poll: {printed} (new since the saved cursor); {next}")
    } else if args.backlog > 0 {
        format!(
            "first poll: {printed} (up to --backlog {} of the most recent); the starting point is \
             recorded, later polls print what is newer; {next}",
            args.backlog
        )
    } else {
        format!(
            "first poll: the starting point is recorded ({printed}; --backlog N prints the N most \
             recent), later polls print what is newer; {next}"
        )
    }
}

/// Polls until stopped (or, with `--once`, until nothing more is pending).
pub(crate) async fn watch(
    account: &SharedAccount,
    args: &WatchArgs,
    spec: &SpecSource,
    source: &CredentialSource,
) -> Result<(), Failure> {
    let trigger = trigger(args, spec)?;
    let options = poll_options(args);
    let every = Duration::from_secs(args.every);
    let mut cursor = match &args.state {
        Some(path) => load_cursor(path)?,
        None => None,
    };
    // Said on stderr, so that a watch with nothing new yet does not look
    // hung; stdout keeps the items alone.
    eprintln!("{}", started_line(args, cursor.is_some()));
    let mut first = true;
    loop {
        // Each poll starts from the store: another process may have
        // refreshed (and so revoked the refresh token this one last saw).
        let result = account.poll(&trigger, cursor.as_deref(), options).await?;
        let wait = match result {
            Ok(polled) => {
                let polled = settle(source, Ok(polled), |p: &PollResult| &p.credentials)?;
                for item in &polled.items {
                    let value: Value = serde_json::from_str(&item.item)
                        .unwrap_or_else(|_| Value::String(item.item.clone()));
                    emit(&value.to_string())?;
                }
                if let Some(path) = &args.state {
                    let state = json!({ "cursor": polled.cursor }).to_string();
                    write_private(path, "state file", state.as_bytes())?;
                }
                if first {
                    eprintln!("{}", first_poll_line(args, &polled, cursor.is_some()));
                    first = false;
                }
                cursor = Some(polled.cursor);
                if let Some(error) = &polled.interrupted {
                    eprintln!("poll interrupted, resuming later: {}", describe(error));
                }
                match (&polled.interrupted, polled.more) {
                    (Some(error), _) if args.once => return Err(error.clone().into()),
                    (Some(error), _) => Some(wait_after(error, every)),
                    (None, true) => None,
                    (None, false) if args.once => return Ok(()),
                    (None, false) => Some(every),
                }
            }
            Err(failure) if is_transient(&failure.error) && !args.once => {
                eprintln!(
                    "poll failed, trying again later: {}",
                    describe(&failure.error)
                );
                source.settle(&failure.credentials)?;
                Some(wait_after(&failure.error, every))
            }
            Err(failure) => {
                let state_file = args.state.as_deref().filter(|_| cursor.is_some());
                return Err(match (failed(source, failure), state_file) {
                    (Failure::Connector(ConnectorError::InvalidInput(invalid)), Some(path))
                        if invalid.field == "cursor" =>
                    {
                        state_file_refused(path, &invalid.reason)
                    }
                    (failure, _) => failure,
                });
            }
        };
        if let Some(wait) = wait {
            tokio::time::sleep(wait).await;
        }
    }
}
