//! Triggers as a route: `POST /poll` polls one trigger once.
//!
//! The caller keeps the cursor between polls, as it keeps refreshed
//! credentials: each answer's `cursor` goes into the next request.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use pinterest_connector_core::credentials::Credentials;
use pinterest_connector_core::session::Session;
use pinterest_connector_core::spec::SpecSource;
use pinterest_connector_core::trigger::{ListTrigger, NewItem, PollOptions, PollOutcome, Trigger};

use crate::Runtime;
use crate::actions::act;
use crate::answer::{Answer, ErrorJson, settled};
use crate::wire::{WireOptions, WireSpec, WireValue, pairs};

/// What to watch, as `{"kind": "new-pin"}`, `{"kind": "new-pin-on-board",
/// "board_id": …}`, `{"kind": "new-pin-in-section", "board_id": …,
/// "section_id": …}`, `{"kind": "new-board"}` or `{"kind": "list",
/// "endpoint": …, …}`.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) enum WireTrigger {
    // Kebab-case as everywhere (the CLI, JavaScript, Python); the
    // snake_case spellings are accepted too.
    #[serde(alias = "new_pin")]
    NewPin,
    #[serde(alias = "new_pin_on_board")]
    NewPinOnBoard { board_id: String },
    #[serde(alias = "new_pin_in_section")]
    NewPinInSection {
        board_id: String,
        section_id: String,
    },
    #[serde(alias = "new_board")]
    NewBoard,
    List {
        endpoint: String,
        #[serde(default, alias = "path")]
        path_params: std::collections::BTreeMap<String, WireValue>,
        #[serde(default, alias = "query")]
        query_params: std::collections::BTreeMap<String, WireValue>,
        id_field: String,
        time_field: String,
        #[serde(default)]
        newest_first: bool,
        #[serde(default)]
        spec: WireSpec,
    },
}

impl WireTrigger {
    fn into_trigger(self) -> Trigger {
        match self {
            WireTrigger::NewPin => Trigger::NewPin,
            WireTrigger::NewPinOnBoard { board_id } => Trigger::NewPinOnBoard { board_id },
            WireTrigger::NewPinInSection {
                board_id,
                section_id,
            } => Trigger::NewPinInSection {
                board_id,
                section_id,
            },
            WireTrigger::NewBoard => Trigger::NewBoard,
            WireTrigger::List {
                endpoint,
                path_params,
                query_params,
                id_field,
                time_field,
                newest_first,
                spec,
            } => Trigger::List(ListTrigger {
                spec: match spec {
                    WireSpec::Embedded => SpecSource::Embedded,
                    WireSpec::Json(raw) => SpecSource::Json(String::from(Box::<str>::from(raw))),
                },
                endpoint,
                path_params: pairs(path_params),
                query_params: pairs(query_params),
                id_field,
                time_field,
                newest_first,
            }),
        }
    }
}

/// `/poll`'s body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PollRequest {
    credentials: Credentials,
    trigger: WireTrigger,
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    backlog: Option<u32>,
    #[serde(default)]
    max_pages: Option<u32>,
    #[serde(default)]
    max_items: Option<u32>,
    #[serde(default)]
    page_size: Option<u32>,
    #[serde(default)]
    options: WireOptions,
}

/// `/poll`: the new items (oldest first, each as the list answered it),
/// the cursor for the next poll, whether more is pending, and the error
/// that broke the poll off, if one did.
pub(crate) fn poll<R: Runtime>(runtime: &mut R, request: PollRequest) -> Answer {
    let defaults = PollOptions::default();
    let options = PollOptions {
        backlog: request.backlog.unwrap_or(defaults.backlog),
        max_pages: request.max_pages.unwrap_or(defaults.max_pages),
        max_items: request.max_items.unwrap_or(defaults.max_items),
        page_size: request.page_size,
    };
    let trigger = request.trigger.into_trigger();
    let cursor = request.cursor;
    act(
        runtime,
        request.options,
        request.credentials,
        |connector, session| connector.poll(session, &trigger, cursor.as_deref(), &options),
        poll_answer,
    )
}

/// A poll's outcome as its answer.
fn poll_answer(outcome: PollOutcome, session: &Session) -> Answer {
    #[derive(Serialize)]
    struct Item<'a> {
        id: &'a str,
        created_at: i64,
        item: Option<&'a RawValue>,
    }
    #[derive(Serialize)]
    struct Out<'a> {
        items: Vec<Item<'a>>,
        cursor: &'a str,
        more: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        interrupted: Option<ErrorJson<'a>>,
    }
    let interrupted = outcome.interrupted.map(|e| session.redact(e));
    let items: Vec<Item<'_>> = outcome
        .items
        .iter()
        .map(
            |NewItem {
                 id,
                 created_at,
                 item,
             }| Item {
                id,
                created_at: *created_at,
                item: serde_json::from_slice(item.as_bytes()).ok(),
            },
        )
        .collect();
    let out = Out {
        items,
        cursor: &outcome.cursor,
        more: outcome.more,
        interrupted: interrupted.as_ref().map(ErrorJson::of),
    };
    settled(&out, session)
}
