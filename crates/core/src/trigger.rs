//! Triggers: polls that hand over each new item of a list once.
//!
//! Pinterest has no organic webhooks and its lists have no "changed since"
//! filter, so a trigger walks a bookmark-paginated list and remembers, in a
//! [cursor](crate::cursor) the host stores, what it has handed over.
//!
//! How a poll decides what is new, by each item's date (`created_at`, read
//! to the second) and id:
//!
//! - **The first poll** (no cursor) takes the server's time (the `Date` of
//!   its first answer) as the floor: everything already there is settled,
//!   nothing is handed over unless a backlog is asked for. Items dated in
//!   the floor's second may lie beyond the first page: the first poll walks
//!   on while they may (a newest-first list: while a page ends with one; a
//!   list in any order: to its end), past its page limit if need be, so
//!   that none of them comes later as new.
//! - **Every later poll** walks the list from the top. An item dated before
//!   the floor, or seen at its date before, is settled; any other is new,
//!   handed over and remembered. The walk of a list in any order ends at
//!   its last page; a list known to run newest first (the user's pins) ends
//!   at its first item dated before the floor.
//! - **When a walk reaches the end**, everything there when it began has
//!   been looked at, and anything created since is dated no earlier than
//!   the newest item known when it began (the first item of a newest-first
//!   list; the newest item seen so far for a list in any order): items are
//!   dated by one clock, in the order they are created. The floor rises to
//!   that date and the ids dated before it are forgotten, so the cursor
//!   keeps the ids of the newest second or so, plus what the last walk
//!   handed over of a list in any order.
//! - **A walk bounded** by the poll's page or item limit, or broken off by
//!   an error, stops where it was: the cursor says which page and which
//!   item, the result says `more`, and the next poll reads that page again
//!   and goes on. The item it stopped at must still be on that page; if it
//!   is not (items deleted above it moved the rest up past the bookmark),
//!   the walk starts over from the top, which hands nothing over twice.
//!
//! Deletions never confuse this (an item gone is simply not listed), equal
//! dates are told apart by id, and the order of the list does not matter
//! except to end a newest-first walk early.

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::catalog::Operation;
use crate::connector::Connector;
use crate::cursor::{CursorState, Sweep, trigger_key};
use crate::error::{ApiError, ConnectorError};
use crate::http::{HttpResponse, Transport};
use crate::instant::{UnixSeconds, parse_date_time, parse_http_date};
use crate::request::{CallInput, PreparedCall, prepare_call};
use crate::session::Session;
use crate::spec::SpecSource;

/// The most pages a first poll reads to settle the items of its floor's
/// second (a bound against a list that never ends, far past any account's).
pub const FIRST_POLL_MAX_PAGES: u32 = 10_000;

/// The page size the built-in triggers ask for: the most Pinterest serves,
/// so that a walk takes the fewest requests.
pub const BUILT_IN_PAGE_SIZE: u32 = 250;

/// What a trigger watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// A new pin of the user (`GET /pins`, listed newest first).
    NewPin,
    /// A new pin on a board (`GET /boards/{board_id}/pins`; a board's pins
    /// can be rearranged, so its list is walked whole).
    NewPinOnBoard {
        /// The board.
        board_id: String,
    },
    /// A new pin in a board section
    /// (`GET /boards/{board_id}/sections/{section_id}/pins`).
    NewPinInSection {
        /// The board.
        board_id: String,
        /// The section.
        section_id: String,
    },
    /// A new board of the user (`GET /boards`, in an order the user
    /// chooses, so walked whole).
    NewBoard,
    /// A new item of any bookmark-paginated list.
    List(ListTrigger),
}

/// Any bookmark-paginated list, watched for new items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListTrigger {
    /// The description the endpoint comes from.
    pub spec: SpecSource,
    /// `GET /ad_accounts/{ad_account_id}/campaigns` or an operationId.
    pub endpoint: String,
    /// Path template values by name.
    pub path_params: Vec<(String, String)>,
    /// Query parameters by name (not `bookmark`: the trigger walks it).
    pub query_params: Vec<(String, String)>,
    /// The item field that identifies an item, such as `id`.
    pub id_field: String,
    /// The item field that dates it: an ISO 8601 date-time (`created_at`)
    /// or Unix seconds (`created_time`).
    pub time_field: String,
    /// Whether the list runs newest first, so that a walk may end at the
    /// first item older than the floor instead of at the last page.
    pub newest_first: bool,
}

/// How much one poll may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollOptions {
    /// On the first poll only: hand over up to this many of the items
    /// already there, the most recent ones (0: none).
    pub backlog: u32,
    /// Read at most this many pages (besides the one a resumed walk reads
    /// again); at least 1.
    pub max_pages: u32,
    /// Hand over at most this many items; at least 1.
    pub max_items: u32,
    /// The `page_size` to ask for; `None`: [`BUILT_IN_PAGE_SIZE`] for the
    /// built-in triggers, the list trigger's own query otherwise.
    pub page_size: Option<u32>,
}

impl Default for PollOptions {
    fn default() -> Self {
        PollOptions {
            backlog: 0,
            max_pages: 10,
            max_items: 1_000,
            page_size: None,
        }
    }
}

/// One new item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewItem {
    /// Its id.
    pub id: String,
    /// Its date, in Unix seconds.
    pub created_at: UnixSeconds,
    /// The item as the list answered it: JSON text.
    pub item: String,
}

/// What a poll found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollOutcome {
    /// The new items, oldest first.
    pub items: Vec<NewItem>,
    /// The cursor to pass to the next poll.
    pub cursor: String,
    /// Whether the walk stopped before the end (a limit, or `interrupted`):
    /// poll again soon.
    pub more: bool,
    /// The error that broke the walk off after it had made progress: the
    /// items found until then are here and the cursor resumes after them.
    pub interrupted: Option<ConnectorError>,
}

impl PollOptions {
    fn validate(&self) -> Result<(), ConnectorError> {
        if self.max_pages == 0 {
            return Err(ConnectorError::invalid(
                "options.max-pages",
                "must be at least 1",
            ));
        }
        if self.max_items == 0 {
            return Err(ConnectorError::invalid(
                "options.max-items",
                "must be at least 1",
            ));
        }
        Ok(())
    }
}

/// A trigger made concrete: the call that lists its items and how to read
/// them.
struct Watch {
    input: CallInput,
    id_field: String,
    time_field: String,
    newest_first: bool,
}

impl Trigger {
    fn watch(&self, page_size: Option<u32>) -> Watch {
        let built_in = |endpoint: &str, path_params: Vec<(String, String)>, newest_first| Watch {
            input: CallInput {
                endpoint: endpoint.into(),
                path_params,
                query_params: vec![(
                    "page_size".into(),
                    page_size.unwrap_or(BUILT_IN_PAGE_SIZE).to_string(),
                )],
                ..CallInput::default()
            },
            id_field: "id".into(),
            time_field: "created_at".into(),
            newest_first,
        };
        match self {
            Trigger::NewPin => built_in("GET /pins", vec![], true),
            Trigger::NewPinOnBoard { board_id } => built_in(
                "GET /boards/{board_id}/pins",
                vec![("board_id".into(), board_id.clone())],
                false,
            ),
            Trigger::NewPinInSection {
                board_id,
                section_id,
            } => built_in(
                "GET /boards/{board_id}/sections/{section_id}/pins",
                vec![
                    ("board_id".into(), board_id.clone()),
                    ("section_id".into(), section_id.clone()),
                ],
                false,
            ),
            Trigger::NewBoard => built_in("GET /boards", vec![], false),
            Trigger::List(list) => {
                let mut query_params = list.query_params.clone();
                if let Some(size) = page_size {
                    query_params.retain(|(name, _)| name != "page_size");
                    query_params.push(("page_size".into(), size.to_string()));
                }
                Watch {
                    input: CallInput {
                        spec: list.spec.clone(),
                        endpoint: list.endpoint.clone(),
                        path_params: list.path_params.clone(),
                        query_params,
                        body: None,
                    },
                    id_field: list.id_field.clone(),
                    time_field: list.time_field.clone(),
                    newest_first: list.newest_first,
                }
            }
        }
    }
}

impl Watch {
    fn check(&self) -> Result<(), ConnectorError> {
        if self.id_field.is_empty() {
            return Err(ConnectorError::invalid("trigger.id-field", "is empty"));
        }
        if self.time_field.is_empty() {
            return Err(ConnectorError::invalid("trigger.time-field", "is empty"));
        }
        if self
            .input
            .query_params
            .iter()
            .any(|(name, _)| name == "bookmark")
        {
            return Err(ConnectorError::invalid(
                "trigger.query-params.bookmark",
                "is the trigger's to walk: leave it out",
            ));
        }
        Ok(())
    }

    /// The key of the trigger's cursors: the operation, its parameters
    /// (not the page size), the item fields, the order, and the API base
    /// (sandbox and production lists are different lists).
    fn key(&self, op: &Operation, api_base: &str) -> u32 {
        let mut path = self.input.path_params.clone();
        crate::order::sort_by(&mut path, Ord::cmp);
        let mut query: Vec<_> = self
            .input
            .query_params
            .iter()
            .filter(|(name, _)| name != "page_size")
            .cloned()
            .collect();
        crate::order::sort_by(&mut query, Ord::cmp);
        let counts = format!("{} {}", path.len(), query.len());
        let mut parts = vec![api_base, op.id.as_str(), counts.as_str()];
        for (name, value) in path.iter().chain(&query) {
            parts.extend([name.as_str(), value.as_str()]);
        }
        parts.extend([
            self.id_field.as_str(),
            self.time_field.as_str(),
            if self.newest_first {
                "newest-first"
            } else {
                "any-order"
            },
        ]);
        trigger_key(parts)
    }
}

/// An item of a page: its id, its date and its JSON.
struct ListedItem {
    id: String,
    at: UnixSeconds,
    raw: Box<RawValue>,
}

/// A page as a trigger reads it.
struct ListedPage {
    items: Vec<ListedItem>,
    next: Option<String>,
    /// The server's clock, from the answer's `Date`.
    server_time: Option<UnixSeconds>,
}

impl ListedPage {
    /// The server's time, or failing a `Date`, the newest item's date: no
    /// item created later can be dated before it.
    fn start_time(&self) -> Option<UnixSeconds> {
        self.server_time
            .or_else(|| self.items.iter().map(|item| item.at).max())
    }
}

/// Reads a list page's items with their ids and dates.
fn read_page(response: &HttpResponse, watch: &Watch) -> Result<ListedPage, ConnectorError> {
    #[derive(Deserialize)]
    struct Raw {
        #[serde(default)]
        items: Option<Vec<Box<RawValue>>>,
        #[serde(default)]
        bookmark: Option<String>,
    }
    let upstream = |message: String| {
        let mut api = response.api_error();
        api.message = message;
        ConnectorError::Upstream(api)
    };
    let raw: Raw = serde_json::from_slice(&response.body)
        .map_err(|e| upstream(format!("the page is not a bookmark-paginated list: {e}")))?;
    let mut items = Vec::new();
    for (index, raw) in raw.items.unwrap_or_default().into_iter().enumerate() {
        let fields: serde_json::Map<String, Value> =
            serde_json::from_slice(raw.get().as_bytes())
                .map_err(|_| upstream(format!("item {index} of the page is not a JSON object")))?;
        let id = match fields.get(&watch.id_field) {
            Some(Value::String(id)) if !id.is_empty() => id.clone(),
            Some(Value::Number(id)) => id.to_string(),
            _ => {
                return Err(upstream(format!(
                    "item {index} of the page has no `{}` to tell it by (trigger.id-field)",
                    watch.id_field
                )));
            }
        };
        let at = match fields.get(&watch.time_field) {
            Some(Value::String(text)) => parse_date_time(text),
            Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f.floor() as i64)),
            _ => None,
        }
        .ok_or_else(|| {
            upstream(format!(
                "item {index} of the page has no `{}` that dates it as ISO 8601 or Unix seconds (trigger.time-field)",
                watch.time_field
            ))
        })?;
        items.push(ListedItem { id, at, raw });
    }
    Ok(ListedPage {
        items,
        next: raw.bookmark.filter(|b| !b.is_empty()),
        server_time: response.header("date").and_then(parse_http_date),
    })
}

impl<T: Transport> Connector<T> {
    /// Polls `trigger` once: the items new since the poll that returned
    /// `cursor` (none: the first poll, which only sets the starting point
    /// unless `options.backlog` asks for recent items), oldest first, and
    /// the cursor for the next poll. The list's endpoint is checked like any
    /// call (scopes, sandbox support) before anything is sent; a cursor that
    /// is damaged or belongs to another trigger is `invalid-input`. An error
    /// before the first page is read is returned as it is (keep the cursor
    /// you had); after that, the walk stops and the outcome carries it.
    pub fn poll(
        &mut self,
        session: &mut Session,
        trigger: &Trigger,
        cursor: Option<&str>,
        options: &PollOptions,
    ) -> Result<PollOutcome, ConnectorError> {
        options.validate()?;
        let watch = trigger.watch(options.page_size);
        watch.check()?;
        let catalog = self.catalog(&watch.input.spec)?;
        let op = catalog.get(&watch.input.endpoint)?;
        if !op.paginated {
            return Err(ConnectorError::invalid(
                "trigger.endpoint",
                format!("`{}` is not a bookmark-paginated list", op.label()),
            ));
        }
        let call = prepare_call(&catalog, session, &watch.input)?;
        let key = watch.key(op, session.api_base());
        let state = cursor
            .map(|text| CursorState::decode(text, key))
            .transpose()?;
        let mut polling = Polling {
            transport: self.transport_mut(),
            session,
            call: &call,
            watch: &watch,
            options,
        };
        match state {
            None => polling.first(key),
            Some(state) => polling.resume(state),
        }
    }
}

/// One poll under way.
struct Polling<'a, T> {
    transport: &'a mut T,
    session: &'a mut Session,
    call: &'a PreparedCall,
    watch: &'a Watch,
    options: &'a PollOptions,
}

impl<T: Transport> Polling<'_, T> {
    /// Reads the page at `bookmark` (the first for `None`).
    fn fetch(&mut self, bookmark: Option<&str>) -> Result<ListedPage, ConnectorError> {
        let request = self.call.request_at(bookmark);
        let response = self
            .session
            .send(self.transport, &request, self.call.auth)?;
        response.check_status()?;
        let page = read_page(&response, self.watch)?;
        if page.next.is_some() && page.next.as_deref() == bookmark {
            let mut api = response.api_error();
            api.message = "the bookmark did not advance: the walk would never end".into();
            return Err(ConnectorError::Upstream(api));
        }
        Ok(page)
    }

    /// The first poll: the floor is now; the backlog, when asked for.
    ///
    /// Every item already dated at or after the floor (created within the
    /// floor's second, before this poll) is settled, or a later poll would
    /// hand it over as new: the walk goes on past the first page while such
    /// items may follow — on a newest-first list while a page ends with
    /// one, on a list in any order to its last page — past the poll's page
    /// limit if need be (up to [`FIRST_POLL_MAX_PAGES`]), since stopping
    /// short would hand old items over later or, with the floor raised
    /// past the second instead, lose new ones created in it.
    fn first(&mut self, key: u32) -> Result<PollOutcome, ConnectorError> {
        let page = self.fetch(None)?;
        let floor = page.start_time().unwrap_or(UnixSeconds::MIN);
        let mut state = CursorState::new(key, floor);
        let wanted = self.options.backlog.min(self.options.max_items) as usize;
        let keep = wanted > 0;
        // The items seen, kept only for a backlog to choose from.
        let mut listed: Vec<ListedItem> = Vec::new();
        let mut next = page.next;
        let mut last = absorb(&mut state, &mut listed, keep, page.items);
        let mut pages = 1;
        let mut interrupted = None;
        while let Some(bookmark) = next.take() {
            let settling = !self.watch.newest_first || last.is_some_and(|at| at >= floor);
            let backlogging = keep
                && !(self.watch.newest_first && listed.len() >= wanted)
                && pages < self.options.max_pages;
            let settling = settling && pages < FIRST_POLL_MAX_PAGES;
            if !settling && !backlogging {
                break;
            }
            match self.fetch(Some(&bookmark)) {
                Ok(page) => {
                    next = page.next;
                    last = absorb(&mut state, &mut listed, keep, page.items);
                    pages += 1;
                }
                Err(e) => {
                    interrupted = Some(e);
                    break;
                }
            }
        }
        let mut items = Vec::new();
        if keep {
            // The most recent by date; for equal dates the list's order,
            // which puts the later one first.
            crate::order::sort_by_key(&mut listed, |item| std::cmp::Reverse(item.at));
            listed.truncate(wanted);
            listed.reverse();
            for item in &listed {
                state.settle(item.at, &item.id);
            }
            items = listed.into_iter().map(new_item).collect();
        }
        Ok(PollOutcome {
            items,
            cursor: state.encode(),
            more: false,
            interrupted,
        })
    }

    /// A later poll: walks on from where the cursor stopped, or from the top.
    fn resume(&mut self, mut state: CursorState) -> Result<PollOutcome, ConnectorError> {
        let resumed = state.sweep.take();
        let mut mark = resumed.as_ref().map(|sweep| sweep.mark);
        // Where the walk stands: a page's bookmark and the last item looked
        // at on it.
        let (mut bookmark, mut anchor) = resumed
            .map(|sweep| (sweep.bookmark, sweep.anchor))
            .unwrap_or_default();
        let mut re_reading = mark.is_some();
        let mut started_over = false;
        let mut position = (bookmark.clone(), anchor.clone());
        let mut pages = 0;
        let mut read_any = false;
        let mut found: Vec<ListedItem> = Vec::new();
        let mut interrupted = None;
        loop {
            let page = match self.fetch(bookmark.as_deref()) {
                Ok(page) => page,
                // A bookmark the API no longer takes: start over.
                Err(ConnectorError::Upstream(ApiError { status: 400, .. }))
                    if re_reading && bookmark.is_some() && !started_over =>
                {
                    (bookmark, anchor, started_over, re_reading) = (None, None, true, false);
                    position = (None, None);
                    continue;
                }
                Err(e) if !read_any => return Err(e),
                Err(e) => {
                    interrupted = Some(e);
                    break;
                }
            };
            read_any = true;
            // A new walk: the date anything created from now on is dated
            // no earlier than (read before this page settles anything).
            let floor_at_end = *mark.get_or_insert_with(|| {
                let newest = if self.watch.newest_first {
                    page.items.first().map(|item| item.at)
                } else {
                    state.newest_seen()
                };
                newest.map_or(state.floor, |at| at.max(state.floor))
            });
            if std::mem::take(&mut re_reading) {
                let anchored = anchor
                    .as_ref()
                    .is_none_or(|a| page.items.iter().any(|item| &item.id == a));
                if !anchored && bookmark.is_some() && !started_over {
                    // Items moved past the bookmark: walk again from the top.
                    (bookmark, anchor, started_over) = (None, None, true);
                    position = (None, None);
                    continue;
                }
            } else {
                pages += 1;
            }
            let mut ended = false;
            let mut cut = false;
            let mut looked_at = None;
            for item in page.items {
                if item.at < state.floor && self.watch.newest_first {
                    ended = true;
                    break;
                }
                if !state.is_settled(item.at, &item.id) {
                    if found.len() >= self.options.max_items as usize {
                        cut = true;
                        break;
                    }
                    state.settle(item.at, &item.id);
                    looked_at = Some(item.id.clone());
                    found.push(item);
                } else {
                    looked_at = Some(item.id);
                }
            }
            if looked_at.is_some() {
                position = (bookmark.clone(), looked_at);
            }
            if cut {
                break;
            }
            if ended || page.next.is_none() {
                state.raise_floor(floor_at_end);
                mark = None;
                break;
            }
            if pages >= self.options.max_pages {
                break;
            }
            (bookmark, anchor) = (page.next, None);
        }
        if let Some(mark) = mark {
            state.sweep = Some(Sweep {
                mark,
                bookmark: position.0,
                anchor: position.1,
            });
        }
        // Oldest first: by date, and for equal dates against the list's
        // order (which puts the later one first).
        found.reverse();
        crate::order::sort_by_key(&mut found, |item| item.at);
        Ok(PollOutcome {
            items: found.into_iter().map(new_item).collect(),
            cursor: state.encode(),
            more: state.sweep.is_some(),
            interrupted,
        })
    }
}

/// Settles a first poll's page of `items` in `state`, keeping them in
/// `listed` when `keep` (for a backlog); the date of the page's last item.
fn absorb(
    state: &mut CursorState,
    listed: &mut Vec<ListedItem>,
    keep: bool,
    items: Vec<ListedItem>,
) -> Option<UnixSeconds> {
    let last = items.last().map(|item| item.at);
    for item in &items {
        state.settle(item.at, &item.id);
    }
    if keep {
        listed.extend(items);
    }
    last
}

fn new_item(item: ListedItem) -> NewItem {
    NewItem {
        id: item.id,
        created_at: item.at,
        item: item.raw.get().to_owned(),
    }
}

#[cfg(test)]
#[path = "trigger_tests.rs"]
mod tests;
