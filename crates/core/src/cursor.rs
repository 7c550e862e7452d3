//! A trigger's cursor: what a poll remembers for the next one, carried by
//! the host as an opaque string (the component itself keeps nothing).
//!
//! The state is small and says, for one trigger:
//!
//! - `floor`: every item dated before it has been handed over, or was
//!   there when the trigger started;
//! - `seen`: the items dated at or after the floor that have been handed
//!   over (or were there at the start), by date: any other item dated at or
//!   after the floor is new;
//! - `sweep`: when a walk of the list is under way across polls, the date
//!   the floor rises to when it ends and where it stopped (a page's
//!   bookmark and the last item looked at on that page).
//!
//! On the wire it is `v1.` + base64url(JSON) + `.` + CRC-32 of the JSON in
//! hex: versioned, and checked so that a damaged cursor is refused instead
//! of read as some other state. The JSON also names the trigger (a CRC-32 of
//! its definition), so a cursor given to another trigger is refused too.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::error::ConnectorError;
use crate::instant::UnixSeconds;

/// The version of the cursor format this build writes and reads.
pub const CURSOR_VERSION: u32 = 1;

/// A trigger's state between polls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CursorState {
    /// The format's version.
    #[serde(rename = "v")]
    pub version: u32,
    /// Which trigger the cursor belongs to (see [`trigger_key`]).
    #[serde(rename = "k")]
    pub trigger: u32,
    /// Items dated before this are settled.
    #[serde(rename = "f")]
    pub floor: UnixSeconds,
    /// Settled items dated at or after the floor: ids by date.
    #[serde(rename = "s", default)]
    pub seen: BTreeMap<UnixSeconds, Vec<String>>,
    /// A walk under way, when the last poll stopped before the list's end.
    #[serde(rename = "w", default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<Sweep>,
}

/// A walk of the list under way across polls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sweep {
    /// The newest date known when the walk began: anything created since
    /// is dated no earlier, so when the walk ends the floor rises to it.
    #[serde(rename = "t")]
    pub mark: UnixSeconds,
    /// The bookmark of the page the walk stopped on (`None`: the first).
    #[serde(rename = "b", default, skip_serializing_if = "Option::is_none")]
    pub bookmark: Option<String>,
    /// The last item looked at on that page, which must still be there
    /// when the page is read again (else items may have shifted past the
    /// bookmark and the walk starts over).
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<String>,
}

impl CursorState {
    /// A fresh state for `trigger`: items dated before `floor` are settled.
    pub fn new(trigger: u32, floor: UnixSeconds) -> CursorState {
        CursorState {
            version: CURSOR_VERSION,
            trigger,
            floor,
            seen: BTreeMap::new(),
            sweep: None,
        }
    }

    /// Whether the item `id` dated `at` has been handed over or was there
    /// at the start.
    pub fn is_settled(&self, at: UnixSeconds, id: &str) -> bool {
        at < self.floor
            || self
                .seen
                .get(&at)
                .is_some_and(|ids| ids.iter().any(|i| i == id))
    }

    /// Records the item as settled.
    pub fn settle(&mut self, at: UnixSeconds, id: &str) {
        if at < self.floor {
            return;
        }
        let ids = self.seen.entry(at).or_default();
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_owned());
        }
    }

    /// The newest date among the settled ids, if any.
    pub fn newest_seen(&self) -> Option<UnixSeconds> {
        self.seen.keys().next_back().copied()
    }

    /// Raises the floor to `floor` (never lowers it) and forgets the ids
    /// dated before it, which the floor now covers.
    pub fn raise_floor(&mut self, floor: UnixSeconds) {
        if floor > self.floor {
            self.floor = floor;
            self.seen = self.seen.split_off(&floor);
        }
    }

    /// The cursor's text.
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        format!(
            "v{CURSOR_VERSION}.{}.{:08x}",
            URL_SAFE_NO_PAD.encode(&json),
            crc32fast::hash(&json)
        )
    }

    /// Reads a cursor for the trigger whose key is `trigger`. Anything but
    /// a cursor this connector wrote for that trigger is `invalid-input`.
    pub fn decode(text: &str, trigger: u32) -> Result<CursorState, ConnectorError> {
        let damaged = || {
            ConnectorError::invalid(
                "cursor",
                "is damaged or was not written by this connector: pass the cursor the last poll returned, or none to start over",
            )
        };
        let mut parts = text.trim().split('.');
        let (Some(version), Some(payload), Some(check), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(damaged());
        };
        let version = version
            .strip_prefix('v')
            .and_then(|v| v.parse::<u32>().ok())
            .ok_or_else(damaged)?;
        if version != CURSOR_VERSION {
            return Err(ConnectorError::invalid(
                "cursor",
                format!(
                    "has format version {version}; this connector reads version {CURSOR_VERSION}"
                ),
            ));
        }
        let json = URL_SAFE_NO_PAD.decode(payload).map_err(|_| damaged())?;
        if u32::from_str_radix(check, 16).ok() != Some(crc32fast::hash(&json)) || check.len() != 8 {
            return Err(damaged());
        }
        let state: CursorState = serde_json::from_slice(&json).map_err(|_| damaged())?;
        if state.version != CURSOR_VERSION {
            return Err(damaged());
        }
        if state.trigger != trigger {
            return Err(ConnectorError::invalid(
                "cursor",
                "belongs to another trigger (sandbox and production keep cursors of their own): pass this trigger's cursor, or none to start over",
            ));
        }
        Ok(state)
    }
}

/// The key a cursor names its trigger by: a CRC-32 of the trigger's
/// defining parts, each preceded by its length (so that no two lists of
/// parts run together into the same bytes).
pub fn trigger_key<'a>(parts: impl IntoIterator<Item = &'a str>) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    for part in parts {
        hasher.update(&(part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finalize()
}

#[cfg(test)]
#[path = "cursor_tests.rs"]
mod tests;
