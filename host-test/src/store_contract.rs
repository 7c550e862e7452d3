//! The contract of a [`CredentialStore`], as one suite every backend's
//! tests run (memory, file, a real Redis): plain async functions, each
//! given fresh stores of the backend under test. Two handles on the same
//! account stand for two callers (two processes, for the file and Redis
//! stores). [`budget_contract`] is the same for a rate budget's
//! [`BudgetStore`].

use std::sync::Arc;
use std::time::Duration;

use pinterest_connector_core::budget::{CategoryLimit, Permit};
use pinterest_connector_host::BudgetStore;

use pinterest_connector_host::credential_store::{
    CredentialStore, LeaseOwner, SaveOutcome, replace,
};
use pinterest_connector_host::types::{Credentials, Oauth2Credentials};

/// OAuth2 credentials whose refresh token is `refresh_token`.
pub fn credentials(refresh_token: &str) -> Credentials {
    Credentials::Oauth2(Oauth2Credentials {
        client_id: "contract-app".into(),
        client_secret: "contract-secret".into(),
        access_token: format!("access-for-{refresh_token}"),
        refresh_token: Some(refresh_token.into()),
        expires_at: Some(1_900_000_000),
        refresh_token_expires_at: Some(1_950_000_000),
        token_endpoint: None,
        continuous_refresh: true,
        scopes: vec!["pins:read".into(), "boards:read".into()],
    })
}

/// An empty store answers nothing; a save at generation 0 is generation 1
/// and reads back whole; a save from a stale generation is refused and
/// changes nothing; the refused flag is kept and cleared by the next save.
pub async fn saves_compare_and_set(store: &dyn CredentialStore) {
    assert_eq!(store.load().await.unwrap(), None, "empty at first");
    let first = credentials("r1");
    assert_eq!(
        store.save(0, &first, false).await.unwrap(),
        SaveOutcome::Saved(1)
    );
    let stored = store.load().await.unwrap().expect("saved");
    assert_eq!(
        (
            &stored.credentials,
            stored.generation,
            stored.refresh_refused
        ),
        (&first, 1, false)
    );

    let stale = credentials("r0");
    assert_eq!(
        store.save(0, &stale, false).await.unwrap(),
        SaveOutcome::Conflict(1),
        "an older state never overwrites a newer one"
    );
    assert_eq!(store.load().await.unwrap().unwrap().credentials, first);

    assert_eq!(
        store.save(1, &first, true).await.unwrap(),
        SaveOutcome::Saved(2)
    );
    assert!(store.load().await.unwrap().unwrap().refresh_refused);
    let sandbox = Credentials::Sandbox("contract-sandbox-token".into());
    assert_eq!(replace(store, &sandbox).await.unwrap(), 3);
    let stored = store.load().await.unwrap().unwrap();
    assert_eq!(
        (
            &stored.credentials,
            stored.generation,
            stored.refresh_refused
        ),
        (&sandbox, 3, false),
        "a new save clears the refusal"
    );
}

/// Of `stores.len()` callers that read the same generation and save at
/// once, exactly one writes.
pub async fn one_of_many_concurrent_saves_wins(stores: &[&dyn CredentialStore]) {
    let base = replace(stores[0], &credentials("base")).await.unwrap();
    let saves = stores.iter().enumerate().map(|(i, store)| async move {
        let mine = credentials(&format!("racer-{i}"));
        (i, store.save(base, &mine, false).await.unwrap())
    });
    let outcomes = futures_util::future::join_all(saves).await;
    let winners: Vec<usize> = outcomes
        .iter()
        .filter(|(_, o)| matches!(o, SaveOutcome::Saved(_)))
        .map(|(i, _)| *i)
        .collect();
    assert_eq!(winners.len(), 1, "{outcomes:?}");
    for (_, outcome) in &outcomes {
        assert!(
            matches!(outcome, SaveOutcome::Saved(g) | SaveOutcome::Conflict(g) if *g == base + 1),
            "{outcomes:?}"
        );
    }
    let stored = stores[0].load().await.unwrap().unwrap();
    assert_eq!(
        stored.credentials,
        credentials(&format!("racer-{}", winners[0]))
    );
}

/// One owner at a time holds the lease; a release by anyone else does
/// nothing; once released, another owner takes it. `first` and `second`
/// are two handles on the same account.
pub async fn the_lease_is_held_by_one_owner_at_a_time(
    first: &dyn CredentialStore,
    second: &dyn CredentialStore,
) {
    let ttl = Duration::from_secs(30);
    let (a, b) = (LeaseOwner::new(), LeaseOwner::new());
    assert!(
        first.try_lease(&a, ttl).await.unwrap(),
        "a free lease is taken"
    );
    assert!(!second.try_lease(&b, ttl).await.unwrap(), "held by a");
    assert!(
        !first.try_lease(&b, ttl).await.unwrap(),
        "held by a, whoever asks"
    );
    second.release(&b).await.unwrap();
    assert!(
        !second.try_lease(&b, ttl).await.unwrap(),
        "a release by another owner leaves the lease alone"
    );
    first.release(&a).await.unwrap();
    assert!(second.try_lease(&b, ttl).await.unwrap(), "free again");
    second.release(&b).await.unwrap();
}

/// A lease its holder never releases lapses after its time to live (the
/// memory and Redis stores; the file store's OS lock goes with its holder
/// instead).
pub async fn an_unreleased_lease_lapses(first: &dyn CredentialStore, second: &dyn CredentialStore) {
    let ttl = Duration::from_millis(300);
    let (a, b) = (LeaseOwner::new(), LeaseOwner::new());
    assert!(first.try_lease(&a, ttl).await.unwrap());
    assert!(!second.try_lease(&b, ttl).await.unwrap());
    tokio::time::sleep(ttl + Duration::from_millis(200)).await;
    assert!(second.try_lease(&b, ttl).await.unwrap(), "lapsed");
    first.release(&a).await.unwrap();
    assert!(
        !first.try_lease(&a, ttl).await.unwrap(),
        "the lapsed holder's release does not free the new holder's lease"
    );
    second.release(&b).await.unwrap();
}

/// Holds a [`BudgetStore`] to what every budget store must do: a permit at
/// once while the burst lasts, a refusal beyond the wait allowed that books
/// nothing, a pause that holds, categories apart, and permits booked one at
/// a time by concurrent callers — `stores` are handles on one budget (two
/// processes' views of one file, say), used in turn.
pub async fn budget_contract(stores: Vec<Arc<dyn BudgetStore>>) {
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
    };
    let store = |i: usize| stores[i % stores.len()].clone();
    let a_minute = CategoryLimit {
        permits: 1,
        per: Duration::from_secs(60),
        burst: 1,
    };
    let at = now();
    let first = store(0)
        .reserve("contract_a", a_minute, at, Duration::ZERO)
        .await;
    assert_eq!(
        first.unwrap(),
        Permit::Granted {
            wait: Duration::ZERO
        }
    );
    let second = store(1)
        .reserve("contract_a", a_minute, at, Duration::from_secs(1))
        .await;
    assert_eq!(
        second.unwrap(),
        Permit::Refused {
            retry_after: Duration::from_secs(60)
        },
        "the second handle sees the first's booking"
    );
    // The refusal booked nothing: a wait long enough gets the next slot.
    let third = store(0)
        .reserve("contract_a", a_minute, at, Duration::from_secs(61))
        .await;
    assert_eq!(
        third.unwrap(),
        Permit::Granted {
            wait: Duration::from_secs(60)
        }
    );
    // Another category has its own bucket; a pause holds its own.
    let other = store(1)
        .reserve("contract_b", a_minute, at, Duration::ZERO)
        .await;
    assert_eq!(
        other.unwrap(),
        Permit::Granted {
            wait: Duration::ZERO
        }
    );
    store(0).pause("contract_c", at + 5_000_000).await.unwrap();
    let paused = store(1)
        .reserve("contract_c", a_minute, at, Duration::ZERO)
        .await;
    assert_eq!(
        paused.unwrap(),
        Permit::Refused {
            retry_after: Duration::from_secs(5)
        }
    );
    // Concurrent callers on every handle: each permit its own slot, an
    // interval apart.
    let ten_a_second = CategoryLimit {
        permits: 10,
        per: Duration::from_secs(1),
        burst: 1,
    };
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store(i);
        tasks.push(tokio::spawn(async move {
            let mut booked = Vec::new();
            for _ in 0..5 {
                let asked = now();
                match store
                    .reserve("contract_d", ten_a_second, asked, Duration::from_secs(10))
                    .await
                    .unwrap()
                {
                    Permit::Granted { wait } => {
                        booked.push(asked + u64::try_from(wait.as_micros()).unwrap())
                    }
                    refused => panic!("{refused:?}"),
                }
            }
            booked
        }));
    }
    let mut booked = Vec::new();
    for task in tasks {
        booked.extend(task.await.unwrap());
    }
    booked.sort_unstable();
    assert_eq!(booked.len(), 40);
    for pair in booked.windows(2) {
        assert!(
            pair[1] - pair[0] >= 99_000,
            "two permits {} µs apart",
            pair[1] - pair[0]
        );
    }
}
