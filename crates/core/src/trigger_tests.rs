use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;
use std::time::{Duration, UNIX_EPOCH};

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::credentials::{Credentials, OAuth2Credentials};
use crate::http::HttpRequest;

/// A list as Pinterest serves it: offset bookmarks (the kind that shift
/// when items above them go), a `Date` on every answer, and errors on cue.
#[derive(Default)]
struct World {
    /// `(id, created_at)` in the list's order.
    items: Vec<(String, i64)>,
    /// The server's clock.
    now: i64,
    /// Statuses to answer the next requests with, in turn.
    failures: Vec<u16>,
    /// Requests received.
    requests: usize,
    /// Ids made so far.
    made: u64,
}

impl World {
    /// Adds an item created now, at `position` in the list (0: the top).
    fn add_at(&mut self, position: usize) -> String {
        self.made += 1;
        let id = format!("item-{}", self.made);
        let position = position.min(self.items.len());
        self.items.insert(position, (id.clone(), self.now));
        id
    }

    fn remove(&mut self, id: &str) {
        self.items.retain(|(i, _)| i != id);
    }
}

#[derive(Clone, Default)]
struct Fake(Rc<RefCell<World>>);

impl Transport for Fake {
    fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ConnectorError> {
        let mut world = self.0.borrow_mut();
        world.requests += 1;
        if !world.failures.is_empty() {
            let status = world.failures.remove(0);
            let body = json!({"code": 1, "message": "injected"}).to_string();
            return Ok(HttpResponse::new(status, vec![], body.into_bytes()));
        }
        let query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        let value = |name: &str| {
            query
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let size: usize = value("page_size").map_or(25, |s| s.parse().unwrap());
        let start: usize = match value("bookmark") {
            None => 0,
            Some(b) => match b.strip_prefix("offset:").and_then(|o| o.parse().ok()) {
                Some(offset) if offset <= world.items.len() => offset,
                _ => {
                    let body = json!({"code": 1, "message": "Invalid bookmark."}).to_string();
                    return Ok(HttpResponse::new(400, vec![], body.into_bytes()));
                }
            },
        };
        let end = (start + size).min(world.items.len());
        let items: Vec<_> = world.items[start..end]
            .iter()
            .map(|(id, at)| json!({"id": id, "created_at": iso(*at), "title": "t"}))
            .collect();
        let bookmark = (end < world.items.len()).then(|| format!("offset:{end}"));
        let body = json!({"items": items, "bookmark": bookmark}).to_string();
        let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(world.now as u64));
        Ok(HttpResponse::new(
            200,
            vec![("date".into(), date)],
            body.into_bytes(),
        ))
    }

    fn now(&self) -> u64 {
        self.0.borrow().now as u64
    }
}

/// `created_at` as Pinterest writes it, from the `httpdate` rendering.
fn iso(seconds: i64) -> String {
    let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(seconds as u64));
    let parts: Vec<&str> = date.split(' ').collect();
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = months.iter().position(|m| *m == parts[2]).unwrap() + 1;
    format!("{}-{month:02}-{}T{}", parts[3], parts[1], parts[4])
}

fn credentials() -> Credentials {
    Credentials::OAuth2(OAuth2Credentials {
        client_id: "id".into(),
        client_secret: "secret".into(),
        access_token: "token".into(),
        refresh_token: None,
        expires_at: None,
        refresh_token_expires_at: None,
        token_endpoint: None,
        continuous_refresh: false,
        scopes: vec![],
    })
}

/// A world of `existing` items dated long ago, its clock at a later time.
fn world(existing: usize) -> (Fake, Connector<Fake>) {
    let fake = Fake::default();
    {
        let mut w = fake.0.borrow_mut();
        w.now = 1_700_000_000;
        for _ in 0..existing {
            w.add_at(0);
        }
        w.now += 86_400;
    }
    (fake.clone(), Connector::new(fake))
}

fn poll(
    connector: &mut Connector<Fake>,
    trigger: &Trigger,
    cursor: Option<&str>,
    options: &PollOptions,
) -> Result<PollOutcome, ConnectorError> {
    connector.poll(&mut Session::new(credentials()), trigger, cursor, options)
}

fn ids(outcome: &PollOutcome) -> Vec<String> {
    outcome.items.iter().map(|i| i.id.clone()).collect()
}

fn small(max_pages: u32, max_items: u32) -> PollOptions {
    PollOptions {
        page_size: Some(3),
        max_pages,
        max_items,
        ..PollOptions::default()
    }
}

#[test]
fn the_first_poll_reads_one_page_and_hands_over_no_backlog() {
    let (fake, mut c) = world(40);
    let first = poll(&mut c, &Trigger::NewPin, None, &small(10, 100)).unwrap();
    assert!(first.items.is_empty());
    assert!(!first.more);
    assert_eq!(fake.0.borrow().requests, 1);
    let again = poll(
        &mut c,
        &Trigger::NewPin,
        Some(&first.cursor),
        &small(10, 100),
    )
    .unwrap();
    assert!(
        again.items.is_empty(),
        "the items already there stay settled"
    );
    assert!(!again.more);
}

#[test]
fn a_backlog_hands_over_the_most_recent_items_oldest_first() {
    let (fake, mut c) = world(10);
    let newest: Vec<String> = fake.0.borrow().items[..4]
        .iter()
        .map(|i| i.0.clone())
        .collect();
    let options = PollOptions {
        backlog: 4,
        ..small(10, 100)
    };
    let first = poll(&mut c, &Trigger::NewPin, None, &options).unwrap();
    assert_eq!(ids(&first), newest.into_iter().rev().collect::<Vec<_>>());
    assert_eq!(
        fake.0.borrow().requests,
        2,
        "a newest-first list stops at 4 items"
    );
    let again = poll(&mut c, &Trigger::NewPin, Some(&first.cursor), &options).unwrap();
    assert!(again.items.is_empty());
}

#[test]
fn new_items_come_once_oldest_first_even_with_equal_dates() {
    let (fake, mut c) = world(7);
    let options = small(10, 100);
    let first = poll(&mut c, &Trigger::NewPin, None, &options).unwrap();
    let added: Vec<String> = (0..5).map(|_| fake.0.borrow_mut().add_at(0)).collect();
    let second = poll(&mut c, &Trigger::NewPin, Some(&first.cursor), &options).unwrap();
    assert_eq!(
        ids(&second),
        added,
        "same second, oldest first by the list's order"
    );
    fake.0.borrow_mut().now += 1;
    let later = fake.0.borrow_mut().add_at(0);
    let third = poll(&mut c, &Trigger::NewPin, Some(&second.cursor), &options).unwrap();
    assert_eq!(ids(&third), vec![later]);
    let fourth = poll(&mut c, &Trigger::NewPin, Some(&third.cursor), &options).unwrap();
    assert!(fourth.items.is_empty());
}

#[test]
fn a_bounded_poll_says_more_and_the_next_ones_hand_over_the_rest() {
    let (fake, mut c) = world(5);
    let first = poll(&mut c, &Trigger::NewBoard, None, &small(2, 100)).unwrap();
    let added: BTreeSet<String> = (0..20).map(|_| fake.0.borrow_mut().add_at(0)).collect();
    let mut cursor = first.cursor;
    let mut got = Vec::new();
    let mut polls = 0;
    loop {
        let outcome = poll(&mut c, &Trigger::NewBoard, Some(&cursor), &small(2, 4)).unwrap();
        assert!(outcome.items.len() <= 4);
        got.extend(ids(&outcome));
        cursor = outcome.cursor;
        polls += 1;
        if !outcome.more {
            break;
        }
        assert!(polls < 20, "the walk never ended");
    }
    assert!(polls > 1);
    assert_eq!(got.len(), added.len(), "no repeats: {got:?}");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), added);
}

#[test]
fn a_walk_broken_off_by_errors_keeps_what_it_found_and_resumes_without_loss() {
    let (fake, mut c) = world(5);
    let first = poll(&mut c, &Trigger::NewPin, None, &small(10, 100)).unwrap();
    let added: BTreeSet<String> = (0..10).map(|_| fake.0.borrow_mut().add_at(0)).collect();
    // The third page fails, for good: the walk stops with what it found.
    let requests = fake.0.borrow().requests;
    let mut failing = Connector::new(Interrupting {
        inner: fake.clone(),
        fail_after: requests + 2,
        status: 503,
    });
    let partial = failing
        .poll(
            &mut Session::new(credentials()),
            &Trigger::NewPin,
            Some(&first.cursor),
            &small(10, 100),
        )
        .unwrap();
    assert_eq!(partial.items.len(), 6, "two pages of three");
    assert!(partial.more);
    assert!(matches!(
        partial.interrupted,
        Some(ConnectorError::Upstream(ApiError { status: 503, .. }))
    ));
    let rest = poll(
        &mut c,
        &Trigger::NewPin,
        Some(&partial.cursor),
        &small(10, 100),
    )
    .unwrap();
    assert!(rest.interrupted.is_none());
    let mut got = ids(&partial);
    got.extend(ids(&rest));
    assert_eq!(got.len(), 10, "{got:?}");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), added);
}

/// Answers 200 until `fail_after` requests, then `status` for good.
struct Interrupting {
    inner: Fake,
    fail_after: usize,
    status: u16,
}

impl Transport for Interrupting {
    fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ConnectorError> {
        if self.inner.0.borrow().requests >= self.fail_after {
            return Ok(HttpResponse::new(self.status, vec![], b"{}".to_vec()));
        }
        self.inner.send(request)
    }

    fn now(&self) -> u64 {
        self.inner.now()
    }
}

#[test]
fn an_error_on_the_first_page_is_returned_as_it_is() {
    let (fake, mut c) = world(5);
    let first = poll(&mut c, &Trigger::NewPin, None, &small(10, 100)).unwrap();
    fake.0.borrow_mut().failures = vec![429];
    let error = poll(
        &mut c,
        &Trigger::NewPin,
        Some(&first.cursor),
        &small(10, 100),
    )
    .unwrap_err();
    assert!(
        matches!(error, ConnectorError::RateLimited { .. }),
        "{error:?}"
    );
}

#[test]
fn items_deleted_above_a_stopped_walk_do_not_make_it_skip_any() {
    let (fake, mut c) = world(30);
    // A list in no order: the walk goes to the last page every time.
    let first = poll(&mut c, &Trigger::NewBoard, None, &small(2, 100)).unwrap();
    let added: Vec<String> = (0..9)
        .map(|k| fake.0.borrow_mut().add_at(4 * k + 1))
        .collect();
    let one = poll(
        &mut c,
        &Trigger::NewBoard,
        Some(&first.cursor),
        &small(2, 100),
    )
    .unwrap();
    assert!(one.more);
    // Everything on the pages read so far goes, so offsets shift by more
    // than a page: the item the walk stopped at is gone.
    let read: Vec<String> = fake.0.borrow().items[..6]
        .iter()
        .map(|i| i.0.clone())
        .collect();
    for id in &read {
        fake.0.borrow_mut().remove(id);
    }
    let mut got = ids(&one);
    let mut cursor = one.cursor;
    for _ in 0..30 {
        let outcome = poll(&mut c, &Trigger::NewBoard, Some(&cursor), &small(2, 100)).unwrap();
        got.extend(ids(&outcome));
        cursor = outcome.cursor;
        if !outcome.more {
            break;
        }
    }
    let unique: BTreeSet<String> = got.iter().cloned().collect();
    assert_eq!(unique.len(), got.len(), "repeated: {got:?}");
    let expected: BTreeSet<String> = added.into_iter().collect();
    assert_eq!(
        unique, expected,
        "every added item, deleted or not, came once"
    );
}

#[test]
fn cursors_belong_to_their_trigger_and_api() {
    let (_, mut c) = world(3);
    let pins = poll(&mut c, &Trigger::NewPin, None, &small(1, 1)).unwrap();
    for (trigger, credentials) in [
        (Trigger::NewBoard, credentials()),
        (
            Trigger::NewPinOnBoard {
                board_id: "1".into(),
            },
            credentials(),
        ),
        (Trigger::NewPin, Credentials::Sandbox("sandbox".into())),
    ] {
        let error = c
            .poll(
                &mut Session::new(credentials),
                &trigger,
                Some(&pins.cursor),
                &small(1, 1),
            )
            .unwrap_err();
        assert!(
            matches!(&error, ConnectorError::InvalidInput { field, .. } if field == "cursor"),
            "{trigger:?}: {error:?}"
        );
    }
    let list = Trigger::List(ListTrigger {
        endpoint: "pins/list".into(),
        query_params: vec![("page_size".into(), "7".into())],
        id_field: "id".into(),
        time_field: "created_at".into(),
        newest_first: true,
        ..ListTrigger::default()
    });
    poll(&mut c, &list, Some(&pins.cursor), &small(1, 1))
        .expect("the same list by operationId, another page size: the same trigger");
}

#[test]
fn what_a_trigger_cannot_walk_is_refused_before_sending() {
    let (fake, mut c) = world(3);
    let list = |endpoint: &str, query: Vec<(String, String)>| {
        Trigger::List(ListTrigger {
            endpoint: endpoint.into(),
            query_params: query,
            id_field: "id".into(),
            time_field: "created_at".into(),
            ..ListTrigger::default()
        })
    };
    for (trigger, options, field) in [
        (
            list("GET /user_account", vec![]),
            small(1, 1),
            "trigger.endpoint",
        ),
        (
            list("GET /pins", vec![("bookmark".into(), "x".into())]),
            small(1, 1),
            "trigger.query-params.bookmark",
        ),
        (Trigger::NewPin, small(0, 1), "options.max-pages"),
        (Trigger::NewPin, small(1, 0), "options.max-items"),
    ] {
        let error = poll(&mut c, &trigger, None, &options).unwrap_err();
        assert!(
            matches!(&error, ConnectorError::InvalidInput { field: f, .. } if f == field),
            "{trigger:?}: {error:?}"
        );
    }
    let mut scoped = credentials();
    if let Credentials::OAuth2(oauth) = &mut scoped {
        oauth.scopes = vec!["boards:read".into()];
    }
    let error = c
        .poll(
            &mut Session::new(scoped),
            &Trigger::NewPin,
            None,
            &small(1, 1),
        )
        .unwrap_err();
    assert!(
        matches!(error, ConnectorError::MissingScopes { .. }),
        "{error:?}"
    );
    assert_eq!(fake.0.borrow().requests, 0);
}

#[test]
fn items_without_an_id_or_a_date_are_an_upstream_error_naming_the_field() {
    let (_, mut c) = world(3);
    let list = Trigger::List(ListTrigger {
        endpoint: "GET /pins".into(),
        id_field: "id".into(),
        time_field: "updated_at".into(),
        ..ListTrigger::default()
    });
    let error = poll(&mut c, &list, None, &small(1, 1)).unwrap_err();
    assert!(
        matches!(&error, ConnectorError::Upstream(api) if api.message.contains("`updated_at`")),
        "{error:?}"
    );
}

/// One step of a randomised history.
#[derive(Debug, Clone)]
enum Step {
    /// Add this many items, at positions drawn from the seed.
    Add(u8),
    /// Delete the item at this position (modulo the list's length).
    Delete(u16),
    /// Let this many seconds pass.
    Wait(u8),
    /// Poll.
    Poll,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (1u8..6).prop_map(Step::Add),
        2 => any::<u16>().prop_map(Step::Delete),
        1 => (0u8..90).prop_map(Step::Wait),
        3 => Just(Step::Poll),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever happens between polls, each item added after the first
    /// poll and still there at the end comes exactly once, and nothing that
    /// was there before does.
    #[test]
    fn every_added_item_comes_once_whatever_the_order_and_deletions(
        steps in proptest::collection::vec(step(), 1..60),
        newest_first in any::<bool>(),
        seed in any::<u64>(),
        max_pages in 1u32..4,
        max_items in 1u32..8,
    ) {
        let (fake, mut c) = world(12);
        let trigger = if newest_first { Trigger::NewPin } else { Trigger::NewBoard };
        let options = small(max_pages, max_items);
        let before: BTreeSet<String> = fake.0.borrow().items.iter().map(|i| i.0.clone()).collect();
        let mut cursor = poll(&mut c, &trigger, None, &options).unwrap().cursor;
        let mut added = BTreeSet::new();
        let mut got = Vec::new();
        let mut random = seed;
        let mut next = move || {
            random = random.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (random >> 33) as usize
        };
        let mut run = |cursor: &mut String, got: &mut Vec<String>| -> bool {
            let outcome = poll(&mut c, &trigger, Some(cursor), &options).unwrap();
            got.extend(ids(&outcome));
            *cursor = outcome.cursor;
            outcome.more
        };
        for step in steps {
            match step {
                Step::Add(n) => for _ in 0..n {
                    let len = fake.0.borrow().items.len();
                    let at = if newest_first { 0 } else { next() % (len + 1) };
                    added.insert(fake.0.borrow_mut().add_at(at));
                },
                Step::Delete(k) => {
                    let mut w = fake.0.borrow_mut();
                    if !w.items.is_empty() {
                        let i = k as usize % w.items.len();
                        w.items.remove(i);
                    }
                }
                Step::Wait(s) => fake.0.borrow_mut().now += i64::from(s),
                Step::Poll => { run(&mut cursor, &mut got); }
            }
        }
        // A walk under way when the last items were added may have passed
        // the place an item went in: the walk after it finds that item.
        for _ in 0..2 {
            let mut drains = 0;
            while run(&mut cursor, &mut got) {
                drains += 1;
                prop_assert!(drains < 500, "the walk never ended");
            }
        }
        let still_there: BTreeSet<String> = fake.0.borrow().items.iter().map(|i| i.0.clone()).collect();
        let unique: BTreeSet<String> = got.iter().cloned().collect();
        prop_assert_eq!(unique.len(), got.len(), "repeated: {:?}", got);
        prop_assert!(unique.is_subset(&added), "handed over an item from before: {:?}", unique.intersection(&before).collect::<Vec<_>>());
        let missed: Vec<_> = added.intersection(&still_there).filter(|id| !unique.contains(*id)).collect();
        prop_assert!(missed.is_empty(), "missed {:?}", missed);
    }
}

#[test]
fn the_cursor_keeps_only_the_ids_it_still_needs() {
    for trigger in [Trigger::NewPin, Trigger::NewBoard] {
        let (fake, mut c) = world(10);
        let options = small(10, 100);
        let mut cursor = poll(&mut c, &trigger, None, &options).unwrap().cursor;
        for second in 0..5 {
            fake.0.borrow_mut().now += 1;
            for _ in 0..4 {
                fake.0.borrow_mut().add_at(0);
            }
            let outcome = poll(&mut c, &trigger, Some(&cursor), &options).unwrap();
            assert_eq!(outcome.items.len(), 4, "{trigger:?}, second {second}");
            cursor = outcome.cursor;
        }
        // One more poll: the walk that starts knowing the newest items.
        cursor = poll(&mut c, &trigger, Some(&cursor), &options)
            .unwrap()
            .cursor;
        let json = base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            cursor.split('.').nth(1).unwrap(),
        )
        .unwrap();
        let state: CursorState = serde_json::from_slice(&json).unwrap();
        let kept: usize = state.seen.values().map(Vec::len).sum();
        assert_eq!(
            kept, 4,
            "{trigger:?}: only the newest second's ids: {state:?}"
        );
        assert!(cursor.len() < 300, "{trigger:?}: {} bytes", cursor.len());
    }
}

/// Issue 29: 40 items created within the second a watch starts, more than
/// a page of them: the first poll settles them all (walking on past its
/// page limit while they may follow), so a later poll hands none of them
/// over, and an item created after it still comes, once.
#[test]
fn the_first_poll_settles_every_item_of_its_floor_s_second() {
    for trigger in [Trigger::NewPin, Trigger::NewBoard] {
        let (fake, mut c) = world(10);
        for _ in 0..40 {
            fake.0.borrow_mut().add_at(0);
        }
        let limited = PollOptions {
            page_size: Some(25),
            max_pages: 1,
            ..PollOptions::default()
        };
        let first = poll(&mut c, &trigger, None, &limited).unwrap();
        assert!(first.items.is_empty(), "{trigger:?}");
        let read = fake.0.borrow().requests;
        assert_eq!(read, 2, "{trigger:?}: two pages hold the 50 items");
        let again = poll(&mut c, &trigger, Some(&first.cursor), &limited).unwrap();
        assert!(
            again.items.is_empty(),
            "{trigger:?}: those already there came again: {:?}",
            ids(&again)
        );
        // Created in the same second, after the first poll: it is new.
        let later = fake.0.borrow_mut().add_at(0);
        let mut cursor = again.cursor;
        let mut got = Vec::new();
        for _ in 0..5 {
            let outcome = poll(&mut c, &trigger, Some(&cursor), &limited).unwrap();
            got.extend(ids(&outcome));
            cursor = outcome.cursor;
            if !outcome.more {
                break;
            }
        }
        assert_eq!(got, [later], "{trigger:?}");
    }
    // A newest-first list whose first page ends before the floor's second
    // is read no further.
    let (fake, mut c) = world(40);
    poll(&mut c, &Trigger::NewPin, None, &small(10, 100)).unwrap();
    assert_eq!(fake.0.borrow().requests, 1);
}
