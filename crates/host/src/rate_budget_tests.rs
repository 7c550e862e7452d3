use super::*;

#[test]
fn a_429s_wait_is_retry_after_else_the_reset_as_an_instant_or_seconds() {
    let headers = |pairs: &[(&'static str, String)]| {
        let mut map = http::HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, http::HeaderValue::from_str(value).unwrap());
        }
        map
    };
    assert_eq!(
        wait_of(&headers(&[("retry-after", "7".into())])),
        Duration::from_secs(7)
    );
    assert_eq!(
        wait_of(&headers(&[("x-ratelimit-reset", "5".into())])),
        Duration::from_secs(5)
    );
    let in_three = now_us() / 1_000_000 + 3;
    let wait = wait_of(&headers(&[("x-ratelimit-reset", in_three.to_string())]));
    assert!((2..=3).contains(&wait.as_secs()), "{wait:?}");
    assert_eq!(wait_of(&http::HeaderMap::new()), Duration::from_secs(1));
}

#[test]
fn a_refusal_is_pinterests_429_with_the_seconds_rounded_up() {
    let refused = refusal("org_read", Duration::from_millis(2_100));
    assert_eq!(refused.status(), http::StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.headers()[http::header::RETRY_AFTER], "3");
}

#[test]
fn requests_go_to_their_operations_category_or_the_unknown_one() {
    let budget = RateBudget::in_memory(BudgetLimits::standard());
    assert_eq!(budget.category(&http::Method::GET, "/v5/pins"), "org_read");
    assert_eq!(
        budget.category(&http::Method::POST, "/v5/pins"),
        "org_write"
    );
    assert_eq!(
        budget.category(&http::Method::POST, "/v5/oauth/token"),
        "org_read"
    );
    assert_eq!(
        budget.category(&http::Method::GET, "/v5/nowhere"),
        UNKNOWN_CATEGORY
    );
}

#[tokio::test]
async fn the_memory_budget_books_and_pauses_each_category_apart() {
    let store = MemoryBudget::default();
    let one = CategoryLimit {
        permits: 1,
        per: Duration::from_secs(60),
        burst: 1,
    };
    let now = now_us();
    let granted = store
        .reserve("org_read", one, now, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(
        granted,
        Permit::Granted {
            wait: Duration::ZERO
        }
    );
    let refused = store
        .reserve("org_read", one, now, Duration::ZERO)
        .await
        .unwrap();
    assert!(matches!(refused, Permit::Refused { .. }));
    // Another category has a bucket of its own.
    let other = store
        .reserve("ads_read", one, now, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(
        other,
        Permit::Granted {
            wait: Duration::ZERO
        }
    );
    store.pause("ads_write", now + 5_000_000).await.unwrap();
    let paused = store
        .reserve("ads_write", one, now, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(
        paused,
        Permit::Refused {
            retry_after: Duration::from_secs(5)
        }
    );
}
