use super::*;
use crate::catalog::embedded;

const SECOND_US: u64 = 1_000_000;

fn twenty_a_second() -> CategoryLimit {
    CategoryLimit {
        permits: 20,
        per: Duration::from_secs(1),
        burst: 2,
    }
}

#[test]
fn permits_are_paced_at_the_limit_after_the_burst() {
    let mut bucket = Bucket::default();
    let now = 1_000 * SECOND_US;
    let waits: Vec<Duration> = (0..6)
        .map(
            |_| match reserve(&mut bucket, twenty_a_second(), now, Duration::from_secs(5)) {
                Permit::Granted { wait } => wait,
                refused => panic!("{refused:?}"),
            },
        )
        .collect();
    let ms = |n: u64| Duration::from_millis(n);
    // Two at once (the burst), then one every 50 ms.
    assert_eq!(waits, [ms(0), ms(0), ms(50), ms(100), ms(150), ms(200)]);
    // A caller that comes back after the queue drained goes at once.
    let later = now + 2 * SECOND_US;
    assert_eq!(
        reserve(&mut bucket, twenty_a_second(), later, Duration::ZERO),
        Permit::Granted {
            wait: Duration::ZERO
        }
    );
}

#[test]
fn a_permit_beyond_the_wait_allowed_is_refused_and_books_nothing() {
    let mut bucket = Bucket::default();
    let now = 1_000 * SECOND_US;
    let slow = CategoryLimit {
        permits: 1,
        per: Duration::from_secs(60),
        burst: 1,
    };
    assert!(matches!(
        reserve(&mut bucket, slow, now, Duration::from_secs(1)),
        Permit::Granted { .. }
    ));
    let before = bucket;
    assert_eq!(
        reserve(&mut bucket, slow, now, Duration::from_secs(1)),
        Permit::Refused {
            retry_after: Duration::from_secs(60)
        }
    );
    assert_eq!(bucket, before, "a refusal books nothing");
}

#[test]
fn a_pause_holds_every_permit_until_its_end_and_is_never_shortened() {
    let mut bucket = Bucket::default();
    let now = 1_000 * SECOND_US;
    pause(&mut bucket, now + 3 * SECOND_US);
    pause(&mut bucket, now + SECOND_US);
    assert_eq!(
        reserve(&mut bucket, twenty_a_second(), now, Duration::from_secs(1)),
        Permit::Refused {
            retry_after: Duration::from_secs(3)
        }
    );
    assert_eq!(
        reserve(&mut bucket, twenty_a_second(), now, Duration::from_secs(5)),
        Permit::Granted {
            wait: Duration::from_secs(3)
        }
    );
    // After the pause the pace starts over from its end.
    let at_end = now + 3 * SECOND_US;
    assert_eq!(
        reserve(&mut bucket, twenty_a_second(), at_end, Duration::ZERO),
        Permit::Granted {
            wait: Duration::ZERO
        }
    );
}

#[test]
fn the_published_limits_are_the_defaults() {
    let standard = BudgetLimits::standard();
    assert_eq!(standard.limit("org_read").permits, 100);
    assert_eq!(standard.limit("org_read").per, Duration::from_secs(1));
    assert_eq!(standard.limit("ads_analytics").permits, 300);
    assert_eq!(standard.limit("ads_analytics").per, Duration::from_secs(60));
    assert_eq!(standard.limit("ads_conversions").permits, 120_000);
    assert_eq!(standard.limit("no_such_category"), standard.unknown);
    let trial = BudgetLimits::trial().limit("org_read");
    assert_eq!((trial.permits, trial.per, trial.burst), (1000, DAY, 1000));
}

#[test]
fn a_request_finds_its_operations_category() {
    let index = CategoryIndex::of(embedded());
    assert_eq!(index.category(Method::Get, "/pins"), Some("org_read"));
    assert_eq!(
        index.category(Method::Get, "/pins/123?x=1"),
        Some("org_read")
    );
    assert_eq!(index.category(Method::Post, "/pins"), Some("org_write"));
    assert_eq!(
        index.category(Method::Get, "/user_account"),
        Some("org_read")
    );
    assert_eq!(
        index.category(Method::Get, "/ad_accounts/549755885175/campaigns"),
        Some("ads_read")
    );
    assert_eq!(
        index.category(Method::Get, "/ad_accounts/549755885175/analytics"),
        Some("ads_analytics")
    );
    assert_eq!(index.category(Method::Get, "/nowhere/at/all"), None);
}
