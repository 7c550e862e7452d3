//! Where an account's credentials live when many callers share them.
//!
//! A [`CredentialStore`] holds one account's credentials and the lease that
//! lets one caller at a time refresh them. Its contract, which every
//! backend's tests hold it to (the same suite for each, in
//! `tests/all/credential_store.rs`):
//!
//! - [`load`](CredentialStore::load) answers what the last successful save
//!   wrote, with its generation, or nothing before the first save;
//! - [`save`](CredentialStore::save) writes only when the stored generation
//!   is still the one the caller read (compare-and-set), and then counts it
//!   up by one: two callers that read the same generation cannot both
//!   write, so an older state never overwrites a newer one;
//! - [`try_lease`](CredentialStore::try_lease) gives the refresh lease to
//!   one owner at a time, until it is released by that owner (a release by
//!   anyone else does nothing) or its time to live runs out.
//!
//! Three backends: [`MemoryStore`] (callers in one process),
//! [`FileStore`](crate::FileStore) (processes on one machine sharing a
//! credentials file, as the CLI does) and, with the `redis` feature,
//! [`RedisStore`](crate::RedisStore) (processes on many machines). The
//! [`SharedAccount`](crate::SharedAccount) handle is what uses them.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::credentials::{Credentials, Oauth2Credentials};

/// What a [`CredentialStore`] method's future resolves to.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// One account's credentials as a store holds them.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StoredCredentials {
    /// The credentials (their `Debug` hides the secrets).
    pub credentials: Credentials,
    /// How many saves the store has taken: 1 after the first. What
    /// [`CredentialStore::save`] compares.
    pub generation: u64,
    /// Whether the token endpoint refused the stored refresh token (spent
    /// or revoked): no refresh is sent with it again, every caller is told
    /// to authorise again, until new credentials are saved.
    pub refresh_refused: bool,
}

/// What a [`CredentialStore::save`] did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SaveOutcome {
    /// The credentials were written; the store is now at this generation.
    Saved(u64),
    /// Another save came first: the store is at this generation, and
    /// nothing was written.
    Conflict(u64),
}

/// The owner of a refresh lease: a random token made for each attempt, so
/// that only the caller that took the lease can release it.
#[derive(Clone, PartialEq, Eq)]
pub struct LeaseOwner(String);

impl LeaseOwner {
    /// A new owner token: 128 random bits, in hex.
    pub fn new() -> LeaseOwner {
        let mut bytes = [0u8; 16];
        // Without the OS's randomness (it does not fail on the platforms
        // wasmtime runs on), the clock still tells owners apart.
        if getrandom::fill(&mut bytes).is_err() {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            bytes = nanos.to_le_bytes();
        }
        LeaseOwner(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The token, as a store keeps it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for LeaseOwner {
    fn default() -> Self {
        LeaseOwner::new()
    }
}

impl fmt::Debug for LeaseOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LeaseOwner").field(&self.0).finish()
    }
}

/// Where one account's credentials live, shared by every caller that uses
/// the account (see the [module docs](self) for the contract).
pub trait CredentialStore: Send + Sync {
    /// The stored credentials, or `None` before the first save.
    fn load(&self) -> StoreFuture<'_, Option<StoredCredentials>>;

    /// Writes `credentials` (and whether their refresh token was refused)
    /// if the store is still at generation `expected` (0: nothing stored).
    fn save<'a>(
        &'a self,
        expected: u64,
        credentials: &'a Credentials,
        refresh_refused: bool,
    ) -> StoreFuture<'a, SaveOutcome>;

    /// Takes the refresh lease for `owner` if nobody holds it: `true` when
    /// taken. It lapses after `ttl` unless released before.
    fn try_lease<'a>(&'a self, owner: &'a LeaseOwner, ttl: Duration) -> StoreFuture<'a, bool>;

    /// Gives the lease back if `owner` still holds it; otherwise does
    /// nothing.
    fn release<'a>(&'a self, owner: &'a LeaseOwner) -> StoreFuture<'a, ()>;

    /// The store for people, in errors: its kind and where it is, never a
    /// secret (a Redis URL's password is left out).
    fn describe(&self) -> String;
}

/// Writes `credentials` whatever the store holds (a login): saves at the
/// generation it finds, again if another save comes in between.
pub async fn replace(
    store: &dyn CredentialStore,
    credentials: &Credentials,
) -> Result<u64, StoreError> {
    loop {
        let current = store.load().await?.map_or(0, |s| s.generation);
        if let SaveOutcome::Saved(generation) = store.save(current, credentials, false).await? {
            return Ok(generation);
        }
    }
}

/// Why a store could not answer. No variant carries a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store could not be reached or did not answer (a Redis server
    /// down, a connection refused, a timeout).
    #[error("the credential store {store} cannot be reached: {reason}")]
    Unreachable {
        /// The store ([`CredentialStore::describe`]).
        store: String,
        /// What failed.
        reason: String,
    },
    /// Reading or writing the store's files failed.
    #[error("the credential store {store} failed: {source}")]
    Io {
        /// The store.
        store: String,
        /// The error.
        source: std::io::Error,
    },
    /// What the store holds cannot be read as credentials.
    #[error("the credential store {store} holds something unreadable: {reason}")]
    Corrupt {
        /// The store.
        store: String,
        /// What is wrong, without the values.
        reason: String,
    },
    /// The store holds no credentials for the account.
    #[error("the credential store {store} holds no credentials: log in first")]
    Empty {
        /// The store.
        store: String,
    },
    /// The refresh lease stayed taken for longer than a caller waits.
    #[error(
        "the refresh lease of the credential store {store} stayed taken for {waited:?}; \
         another caller is refreshing or stopped while refreshing"
    )]
    LeaseTimeout {
        /// The store.
        store: String,
        /// How long the caller waited.
        waited: Duration,
    },
}

/// The credentials as the file and Redis stores write them: the CLI's
/// credentials file format (`"kind": "oauth2"` or `"sandbox"`, the fields by
/// their snake_case names), which the Python package reads and writes too,
/// plus the store's `generation` and `refresh_refused`. No `Debug`: it
/// holds secrets.
#[derive(Serialize, Deserialize)]
pub(crate) struct StoredRecord {
    #[serde(flatten)]
    credentials: RecordCredentials,
    #[serde(default)]
    generation: u64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    refresh_refused: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum RecordCredentials {
    Oauth2 {
        client_id: String,
        client_secret: String,
        access_token: String,
        refresh_token: Option<String>,
        expires_at: Option<u64>,
        refresh_token_expires_at: Option<u64>,
        token_endpoint: Option<String>,
        #[serde(default)]
        continuous_refresh: bool,
        #[serde(default)]
        scopes: Vec<String>,
    },
    Sandbox {
        token: String,
    },
}

impl StoredRecord {
    /// The record of `credentials` at `generation`.
    pub(crate) fn new(credentials: &Credentials, generation: u64, refresh_refused: bool) -> Self {
        let credentials = match credentials.clone() {
            Credentials::Oauth2(c) => RecordCredentials::Oauth2 {
                client_id: c.client_id,
                client_secret: c.client_secret,
                access_token: c.access_token,
                refresh_token: c.refresh_token,
                expires_at: c.expires_at,
                refresh_token_expires_at: c.refresh_token_expires_at,
                token_endpoint: c.token_endpoint,
                continuous_refresh: c.continuous_refresh,
                scopes: c.scopes,
            },
            Credentials::Sandbox(token) => RecordCredentials::Sandbox { token },
        };
        StoredRecord {
            credentials,
            generation,
            refresh_refused,
        }
    }

    /// Reads a record; the error names the place in the text but never
    /// quotes a value (which may be a token put in the wrong field).
    pub(crate) fn parse(text: &[u8]) -> Result<StoredRecord, String> {
        serde_json::from_slice(text).map_err(|e| without_values(&e.to_string()))
    }

    /// The record as pretty JSON text.
    pub(crate) fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    /// The record as the store's answer.
    pub(crate) fn into_stored(self) -> StoredCredentials {
        let credentials = match self.credentials {
            RecordCredentials::Oauth2 {
                client_id,
                client_secret,
                access_token,
                refresh_token,
                expires_at,
                refresh_token_expires_at,
                token_endpoint,
                continuous_refresh,
                scopes,
            } => Credentials::Oauth2(Oauth2Credentials {
                client_id,
                client_secret,
                access_token,
                refresh_token,
                expires_at,
                refresh_token_expires_at,
                token_endpoint,
                continuous_refresh,
                scopes,
            }),
            RecordCredentials::Sandbox { token } => Credentials::Sandbox(token),
        };
        StoredCredentials {
            credentials,
            generation: self.generation,
            refresh_refused: self.refresh_refused,
        }
    }
}

/// The names a stored record may hold: serde's message may quote them.
const RECORD_NAMES: &[&str] = &[
    "kind",
    "oauth2",
    "sandbox",
    "client_id",
    "client_secret",
    "access_token",
    "refresh_token",
    "expires_at",
    "refresh_token_expires_at",
    "token_endpoint",
    "continuous_refresh",
    "scopes",
    "token",
    "generation",
    "refresh_refused",
];

/// serde's message with every value it quotes replaced by `…`: a string in
/// double quotes, and a name in backticks unless it is one of the record's
/// own ([`RECORD_NAMES`]). A token put in the wrong field (or as a `kind`)
/// would otherwise be printed. Line and column stay.
fn without_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(open) = rest.find(['"', '`']) {
        let quote = &rest[open..open + 1];
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find(quote) else {
            out.push('…');
            return out;
        };
        let quoted = &after[..close];
        if quote == "`" && RECORD_NAMES.contains(&quoted) {
            out.push_str(&rest[open..open + close + 2]);
        } else {
            out.push_str(quote);
            out.push('…');
            out.push_str(quote);
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Credentials kept in this process's memory: the default store, for
/// callers in one process (threads, tasks, [`HostWorkers`](crate::HostWorkers)).
/// Nothing survives the process; its lease is a flag with a deadline.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<MemoryInner>,
}

#[derive(Default)]
struct MemoryInner {
    stored: Option<StoredCredentials>,
    lease: Option<(LeaseOwner, Instant)>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// A store holding `credentials` at generation 1.
    pub fn holding(credentials: Credentials) -> MemoryStore {
        MemoryStore {
            inner: Mutex::new(MemoryInner {
                stored: Some(StoredCredentials {
                    credentials,
                    generation: 1,
                    refresh_refused: false,
                }),
                lease: None,
            }),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut MemoryInner) -> T) -> T {
        // A panic elsewhere while holding the lock leaves plain data behind:
        // still consistent, since every change below is one assignment.
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut inner)
    }
}

impl CredentialStore for MemoryStore {
    fn load(&self) -> StoreFuture<'_, Option<StoredCredentials>> {
        let stored = self.with(|inner| inner.stored.clone());
        Box::pin(async move { Ok(stored) })
    }

    fn save<'a>(
        &'a self,
        expected: u64,
        credentials: &'a Credentials,
        refresh_refused: bool,
    ) -> StoreFuture<'a, SaveOutcome> {
        let outcome = self.with(|inner| {
            let current = inner.stored.as_ref().map_or(0, |s| s.generation);
            if current != expected {
                return SaveOutcome::Conflict(current);
            }
            inner.stored = Some(StoredCredentials {
                credentials: credentials.clone(),
                generation: current + 1,
                refresh_refused,
            });
            SaveOutcome::Saved(current + 1)
        });
        Box::pin(async move { Ok(outcome) })
    }

    fn try_lease<'a>(&'a self, owner: &'a LeaseOwner, ttl: Duration) -> StoreFuture<'a, bool> {
        let now = Instant::now();
        let taken = self.with(|inner| match &inner.lease {
            Some((_, until)) if *until > now => false,
            _ => {
                inner.lease = Some((owner.clone(), now + ttl));
                true
            }
        });
        Box::pin(async move { Ok(taken) })
    }

    fn release<'a>(&'a self, owner: &'a LeaseOwner) -> StoreFuture<'a, ()> {
        self.with(|inner| {
            if inner.lease.as_ref().is_some_and(|(held, _)| held == owner) {
                inner.lease = None;
            }
        });
        Box::pin(async { Ok(()) })
    }

    fn describe(&self) -> String {
        "in memory".into()
    }
}

#[cfg(test)]
#[path = "credential_store_tests.rs"]
mod tests;
