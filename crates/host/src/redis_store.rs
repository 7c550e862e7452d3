//! Credentials in Redis, shared by processes on many machines (the `redis`
//! feature): [`RedisStore`].

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::credential_store::{
    CredentialStore, LeaseOwner, SaveOutcome, StoreError, StoreFuture, StoredCredentials,
    StoredRecord,
};
use crate::credentials::Credentials;

/// The compare-and-set: `ARGV[1]` the generation expected, `ARGV[2]` the
/// record's JSON without its generation (the script writes that), `ARGV[3]`
/// `1` when the refresh token was refused. Answers `{1, new}` or `{0, current}`.
const SAVE: &str = r"
local current = tonumber(redis.call('HGET', KEYS[1], 'generation') or '0')
if current ~= tonumber(ARGV[1]) then
  return {0, current}
end
redis.call('HSET', KEYS[1], 'generation', current + 1, 'credentials', ARGV[2], 'refused', ARGV[3])
return {1, current + 1}
";

/// Deletes the lease only while `ARGV[1]` owns it.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// A rate budget's permit, as the core's `budget::reserve` books it, on
/// the server: `KEYS[1]` the budget's hash, `ARGV` the category, then the
/// pace's interval and tolerance, now and the wait allowed, in microseconds
/// (since the epoch; a Lua number holds them exactly). Answers `{1, wait}`
/// when booked, `{0, wait}` when refused (nothing booked).
const RESERVE: &str = r"
local fields = redis.call('HMGET', KEYS[1], ARGV[1] .. ':next', ARGV[1] .. ':paused')
local next_us = tonumber(fields[1] or '0')
local paused = tonumber(fields[2] or '0')
local interval = tonumber(ARGV[2])
local tolerance = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local start = math.max(now, paused)
local booked = math.max(next_us, start)
local allowed = math.max(booked - tolerance, start)
local wait = allowed - now
if wait > tonumber(ARGV[5]) then
  return {0, wait}
end
redis.call('HSET', KEYS[1], ARGV[1] .. ':next', string.format('%.0f', booked + interval))
return {1, wait}
";

/// A category's pause, never shortened: `ARGV[1]` the category, `ARGV[2]`
/// its end in microseconds since the epoch.
const PAUSE: &str = r"
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1] .. ':paused') or '0')
if tonumber(ARGV[2]) > current then
  redis.call('HSET', KEYS[1], ARGV[1] .. ':paused', ARGV[2])
end
return 0
";

/// One account's credentials in Redis, shared by processes on many
/// machines (the `redis` feature, on by default).
///
/// One account is two keys under a prefix the deployer picks (such as
/// `pinterest-connector:acme`):
///
/// - `<prefix>:credentials`, a hash of `generation`, `credentials` (the
///   JSON the credentials file holds) and
///   `refused`; a save is one Lua script that compares the generation and
///   writes, atomically on the server;
/// - `<prefix>:lease`, the refresh lease: `SET NX PX` with a random owner
///   token, released by a script that deletes it only while it still holds
///   that owner's token (a plain `DEL` could free a lease another caller
///   took after this one's lapsed).
///
/// Every command has a time limit ([`RedisStore::connect`]'s `timeout`): a
/// server that is down or does not answer is [`StoreError::Unreachable`],
/// never a silent fall-back to something local that would race. The
/// credentials are secrets: protect the server (an ACL user limited to the
/// prefix, TLS with `rediss://`, no public port); this store never logs.
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    credentials_key: String,
    lease_key: String,
    timeout: Duration,
    /// The server and prefix for errors, without user or password.
    shown: String,
    save: redis::Script,
    release: redis::Script,
}

impl RedisStore {
    /// Connects to the Redis server at `url` (`redis://` or `rediss://`,
    /// with a user and password when the server asks for them) for the
    /// account under `prefix`; every command, connecting included, must
    /// answer within `timeout`.
    pub async fn connect(url: &str, prefix: &str, timeout: Duration) -> Result<Self, StoreError> {
        let shown = format!("redis {} (keys {prefix}:*)", without_secrets(url));
        let unreachable = |reason: String| StoreError::Unreachable {
            store: shown.clone(),
            reason,
        };
        let client = redis::Client::open(url).map_err(|e| unreachable(error_text(&e)))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1);
        let connection =
            tokio::time::timeout(timeout, ConnectionManager::new_with_config(client, config))
                .await
                .map_err(|_| unreachable(format!("no answer within {timeout:?}")))?
                .map_err(|e| unreachable(error_text(&e)))?;
        Ok(RedisStore {
            connection,
            credentials_key: format!("{prefix}:credentials"),
            lease_key: format!("{prefix}:lease"),
            timeout,
            shown,
            save: redis::Script::new(SAVE),
            release: redis::Script::new(RELEASE),
        })
    }

    /// Runs one command within the time limit.
    async fn bounded<T>(
        &self,
        command: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(self.timeout, command).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(StoreError::Unreachable {
                store: self.shown.clone(),
                reason: error_text(&e),
            }),
            Err(_) => Err(StoreError::Unreachable {
                store: self.shown.clone(),
                reason: format!("no answer within {:?}", self.timeout),
            }),
        }
    }
}

impl CredentialStore for RedisStore {
    fn load(&self) -> StoreFuture<'_, Option<StoredCredentials>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let (generation, text, refused): (Option<u64>, Option<String>, Option<String>) = self
                .bounded(
                    redis::cmd("HMGET")
                        .arg(&self.credentials_key)
                        .arg("generation")
                        .arg("credentials")
                        .arg("refused")
                        .query_async(&mut connection),
                )
                .await?;
            let (Some(generation), Some(text)) = (generation, text) else {
                return Ok(None);
            };
            let record =
                StoredRecord::parse(text.as_bytes()).map_err(|reason| StoreError::Corrupt {
                    store: self.shown.clone(),
                    reason,
                })?;
            let mut stored = record.into_stored();
            stored.generation = generation;
            stored.refresh_refused = refused.as_deref() == Some("1");
            Ok(Some(stored))
        })
    }

    fn save<'a>(
        &'a self,
        expected: u64,
        credentials: &'a Credentials,
        refresh_refused: bool,
    ) -> StoreFuture<'a, SaveOutcome> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            // The generation lives in its own field; the record's is 0.
            let json = StoredRecord::new(credentials, 0, false).to_json();
            let (saved, generation): (u8, u64) = self
                .bounded(
                    self.save
                        .key(&self.credentials_key)
                        .arg(expected)
                        .arg(json)
                        .arg(if refresh_refused { "1" } else { "0" })
                        .invoke_async(&mut connection),
                )
                .await?;
            Ok(if saved == 1 {
                SaveOutcome::Saved(generation)
            } else {
                SaveOutcome::Conflict(generation)
            })
        })
    }

    fn try_lease<'a>(&'a self, owner: &'a LeaseOwner, ttl: Duration) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
            let taken: Option<String> = self
                .bounded(
                    redis::cmd("SET")
                        .arg(&self.lease_key)
                        .arg(owner.as_str())
                        .arg("NX")
                        .arg("PX")
                        .arg(millis)
                        .query_async(&mut connection),
                )
                .await?;
            Ok(taken.is_some())
        })
    }

    fn release<'a>(&'a self, owner: &'a LeaseOwner) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let _: i64 = self
                .bounded(
                    self.release
                        .key(&self.lease_key)
                        .arg(owner.as_str())
                        .invoke_async(&mut connection),
                )
                .await?;
            Ok(())
        })
    }

    fn describe(&self) -> String {
        self.shown.clone()
    }
}

/// A Redis error for people: its kind and text. The URL's password is
/// never part of it (redis-rs does not echo the URL).
fn error_text(error: &redis::RedisError) -> String {
    let text = error.to_string();
    if text.is_empty() {
        format!("{:?}", error.kind())
    } else {
        text
    }
}

/// `url` without its user info: `redis://user:secret@host:6379/0` is
/// `redis://host:6379/0`.
fn without_secrets(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}{}", &url[..scheme + 3], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::without_secrets;

    #[test]
    fn a_url_is_shown_without_its_user_and_password() {
        assert_eq!(
            without_secrets("redis://user:s3cret@127.0.0.1:6379/0"),
            "redis://127.0.0.1:6379/0"
        );
        assert_eq!(
            without_secrets("rediss://:pw@cache.example:6380"),
            "rediss://cache.example:6380"
        );
        assert_eq!(
            without_secrets("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
    }
}

// The store's contract against a real Redis server: `tests/all/credential_store.rs`.

/// An account's rate budget in Redis, shared by the processes of many
/// machines: `<prefix>:budget`, a hash of each category's two instants,
/// booked and paused by a Lua script each (the core's arithmetic, atomic on
/// the server). Made from the account's [`RedisStore`] (its connection and
/// time limit) by [`RedisStore::budget`].
#[derive(Clone)]
pub struct RedisBudget {
    store: RedisStore,
    key: String,
    reserve: redis::Script,
    pause: redis::Script,
}

impl RedisStore {
    /// The account's rate budget, on the same server and connection, under
    /// the same prefix.
    pub fn budget(&self) -> RedisBudget {
        let prefix = self
            .credentials_key
            .strip_suffix(":credentials")
            .unwrap_or(&self.credentials_key);
        RedisBudget {
            key: format!("{prefix}:budget"),
            store: self.clone(),
            reserve: redis::Script::new(RESERVE),
            pause: redis::Script::new(PAUSE),
        }
    }
}

impl crate::rate_budget::BudgetStore for RedisBudget {
    fn reserve<'a>(
        &'a self,
        category: &'a str,
        limit: pinterest_connector_core::budget::CategoryLimit,
        now_us: u64,
        max_wait: Duration,
    ) -> StoreFuture<'a, pinterest_connector_core::budget::Permit> {
        use pinterest_connector_core::budget::Permit;
        Box::pin(async move {
            let mut connection = self.store.connection.clone();
            let interval = limit.interval_us();
            let tolerance = interval.saturating_mul(u64::from(limit.burst.max(1) - 1));
            let max_wait = u64::try_from(max_wait.as_micros()).unwrap_or(u64::MAX);
            let (booked, wait): (u8, u64) = self
                .store
                .bounded(
                    self.reserve
                        .key(&self.key)
                        .arg(category)
                        .arg(interval)
                        .arg(tolerance)
                        .arg(now_us)
                        .arg(max_wait)
                        .invoke_async(&mut connection),
                )
                .await?;
            let wait = Duration::from_micros(wait);
            Ok(if booked == 1 {
                Permit::Granted { wait }
            } else {
                Permit::Refused { retry_after: wait }
            })
        })
    }

    fn pause<'a>(&'a self, category: &'a str, until_us: u64) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.store.connection.clone();
            let _: i64 = self
                .store
                .bounded(
                    self.pause
                        .key(&self.key)
                        .arg(category)
                        .arg(until_us)
                        .invoke_async(&mut connection),
                )
                .await?;
            Ok(())
        })
    }
}
