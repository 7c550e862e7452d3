//! The credential store's contract (`pinterest_host_test::store_contract`)
//! held against each backend: in memory, a credentials file, and a real
//! Redis server started for the test.

use std::sync::Arc;
use std::time::Duration;

use pinterest_connector_host::credential_store::{CredentialStore, LeaseOwner};
use pinterest_connector_host::{FileStore, MemoryStore, RedisStore, StoreError};
use pinterest_host_test::RedisServer;
use pinterest_host_test::store_contract::{
    an_unreleased_lease_lapses, credentials, one_of_many_concurrent_saves_wins,
    saves_compare_and_set, the_lease_is_held_by_one_owner_at_a_time,
};

async fn redis(server: &RedisServer, prefix: &str) -> RedisStore {
    RedisStore::connect(&server.url(), prefix, Duration::from_secs(2))
        .await
        .expect("redis answers")
}

#[tokio::test]
async fn the_memory_store_keeps_the_contract() {
    let store = MemoryStore::new();
    saves_compare_and_set(&store).await;
    let shared = MemoryStore::new();
    let many: Vec<&dyn CredentialStore> = (0..16).map(|_| &shared as _).collect();
    one_of_many_concurrent_saves_wins(&many).await;
    the_lease_is_held_by_one_owner_at_a_time(&shared, &shared).await;
    an_unreleased_lease_lapses(&shared, &shared).await;
}

#[tokio::test]
async fn the_file_store_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials.json");
    saves_compare_and_set(&FileStore::new(&path)).await;

    // Sixteen handles on one file stand for sixteen processes.
    let racing = dir.path().join("racing.json");
    let handles: Vec<FileStore> = (0..16).map(|_| FileStore::new(&racing)).collect();
    let many: Vec<&dyn CredentialStore> = handles.iter().map(|h| h as _).collect();
    one_of_many_concurrent_saves_wins(&many).await;
    the_lease_is_held_by_one_owner_at_a_time(&handles[0], &handles[1]).await;

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "readable by the owner alone");
    }
}

#[tokio::test]
async fn the_file_lease_goes_with_its_holder() {
    // The OS releases the lock of a holder that goes away, however it goes:
    // no time to live to wait out.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials.json");
    let (holder, waiter) = (FileStore::new(&path), FileStore::new(&path));
    let (a, b) = (LeaseOwner::new(), LeaseOwner::new());
    let ttl = Duration::from_secs(60);
    assert!(holder.try_lease(&a, ttl).await.unwrap());
    assert!(!waiter.try_lease(&b, ttl).await.unwrap());
    drop(holder);
    assert!(waiter.try_lease(&b, ttl).await.unwrap());
}

#[tokio::test]
async fn a_corrupt_credentials_file_is_a_typed_error_without_its_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials.json");
    std::fs::write(
        &path,
        r#"{"kind": "oauth2", "access_token": 5, "client_secret": "leaked-secret"}"#,
    )
    .unwrap();
    let error = FileStore::new(&path).load().await.unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
    assert!(!text.contains("leaked-secret"), "{text}");
    assert!(text.contains(&path.display().to_string()), "{text}");
}

#[tokio::test]
async fn the_redis_store_keeps_the_contract() {
    let server = RedisServer::start().expect("redis-server runs");
    saves_compare_and_set(&redis(&server, "contract:cas").await).await;
    let mut handles = Vec::new();
    for _ in 0..16 {
        handles.push(redis(&server, "contract:race").await);
    }
    let many: Vec<&dyn CredentialStore> = handles.iter().map(|h| h as _).collect();
    one_of_many_concurrent_saves_wins(&many).await;
    the_lease_is_held_by_one_owner_at_a_time(&handles[0], &handles[1]).await;
    an_unreleased_lease_lapses(&handles[2], &handles[3]).await;

    // Accounts under other prefixes are other accounts.
    let other = redis(&server, "contract:other").await;
    assert_eq!(other.load().await.unwrap(), None);
}

#[tokio::test]
async fn a_stopped_redis_is_an_unreachable_store_naming_the_server() {
    let mut server = RedisServer::start().expect("redis-server runs");
    let url = server.url();
    let store: Arc<dyn CredentialStore> = Arc::new(redis(&server, "contract:down").await);
    store.save(0, &credentials("r1"), false).await.unwrap();
    server.stop();
    let error = store.load().await.unwrap_err();
    assert!(matches!(error, StoreError::Unreachable { .. }), "{error:?}");
    assert!(error.to_string().contains(&url), "{error}");
    let refused = RedisStore::connect(&url, "contract:down", Duration::from_secs(1))
        .await
        .err()
        .expect("nothing listens");
    assert!(
        matches!(refused, StoreError::Unreachable { .. }),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_redis_url_s_password_never_shows() {
    let server = RedisServer::start().expect("redis-server runs");
    let url = server
        .url()
        .replace("redis://", "redis://user:hunter2-secret@");
    // The server has no such user: the connection is refused, and neither
    // the error nor the store's name shows the password.
    match RedisStore::connect(&url, "contract:pw", Duration::from_secs(2)).await {
        Ok(store) => assert!(
            !store.describe().contains("hunter2"),
            "{}",
            store.describe()
        ),
        Err(e) => assert!(!e.to_string().contains("hunter2"), "{e}"),
    }
}
