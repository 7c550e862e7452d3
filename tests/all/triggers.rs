//! Triggers through the built component against the mock, whose data set
//! changes between polls: seeded rounds of additions and deletions where
//! every added item comes exactly once, a walk broken off by a 429 storm
//! and by 5xx answers that resumes without loss, cursors that are damaged
//! or belong elsewhere refused, no backlog on the first poll unless asked,
//! and sandbox or scope problems refused before anything is sent.

use std::collections::BTreeSet;

use pinterest_connector_host::types::{
    CallOptions, ConnectorError, Credentials, Oauth2Credentials, SpecSource,
};
use pinterest_connector_host::{
    BoardSection, ConnectorHost, HostConfig, ListTrigger, PollOptions, PollResult, Trigger,
};
use pinterest_host_test::{MockConfig, MockPinterest, host_with, mock_credentials, mock_policy};

/// Retries that give up within milliseconds.
fn quick_retries() -> CallOptions {
    CallOptions {
        max_attempts: 3,
        initial_backoff_ms: 1,
        max_backoff_ms: 5,
        max_total_wait_ms: 1_000,
        connect_timeout_ms: 2_000,
        first_byte_timeout_ms: 5_000,
        between_bytes_timeout_ms: 5_000,
        max_response_bytes: 8 * 1024 * 1024,
        api_base: None,
    }
}

async fn setup(pins: usize, boards: usize) -> (MockPinterest, ConnectorHost) {
    let mock = MockPinterest::start(MockConfig {
        pins,
        boards,
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let host = host_with(HostConfig {
        network: mock_policy(&mock).unwrap(),
        call_options: Some(quick_retries()),
        ..HostConfig::default()
    })
    .unwrap();
    (mock, host)
}

/// Small pages and tight limits, so that walks span polls.
fn tight(max_pages: u32, max_items: u32) -> Option<PollOptions> {
    Some(PollOptions {
        backlog: 0,
        max_pages,
        max_items,
        page_size: Some(5),
    })
}

async fn poll(
    host: &ConnectorHost,
    mock: &MockPinterest,
    trigger: &Trigger,
    cursor: Option<&str>,
    options: Option<PollOptions>,
) -> PollResult {
    host.poll(&mock_credentials(mock), trigger, cursor, options)
        .await
        .unwrap()
        .unwrap_or_else(|failure| panic!("{trigger:?}: {:?}", failure.error))
}

fn ids(result: &PollResult) -> Vec<String> {
    result.items.iter().map(|item| item.id.clone()).collect()
}

/// SplitMix64: a seeded sequence, so a failing round can be replayed.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % below.max(1) as u64) as usize
    }
}

/// What a trigger watches in the mock, and how to change it.
#[derive(Clone, Copy, Debug)]
enum Watched {
    Pins,
    BoardPins,
    Boards,
}

async fn randomised_rounds(watched: Watched, seed: u64) {
    let (mock, host) = setup(40, 4).await;
    let board = MockPinterest::board_id(1);
    let trigger = match watched {
        Watched::Pins => Trigger::NewPin,
        Watched::BoardPins => Trigger::NewPinOnBoard(board.clone()),
        Watched::Boards => Trigger::NewBoard,
    };
    let listed = |mock: &MockPinterest| -> Vec<String> {
        match watched {
            Watched::Boards => mock.board_ids(),
            _ => mock.pin_ids(),
        }
    };
    let before: BTreeSet<String> = listed(&mock).into_iter().collect();
    let mut random = Seeded(seed);
    let first = poll(&host, &mock, &trigger, None, tight(2, 6)).await;
    assert!(first.items.is_empty(), "no backlog on the first poll");
    let mut cursor = first.cursor;
    let mut added = BTreeSet::new();
    let mut got = Vec::new();
    for round in 0..50 {
        for _ in 0..random.next(5) {
            let id = match watched {
                Watched::Boards => mock.add_board(&format!("Board of round {round}")),
                // Some pins go to another board: they must not count.
                Watched::BoardPins if random.next(3) == 0 => {
                    mock.add_pin(&MockPinterest::board_id(2), None);
                    continue;
                }
                _ => mock.add_pin(&board, None),
            };
            added.insert(id);
        }
        for _ in 0..random.next(3) {
            let now = listed(&mock);
            if now.is_empty() {
                break;
            }
            let victim = &now[random.next(now.len())];
            match watched {
                Watched::Boards => mock.remove_board(victim),
                _ => mock.remove_pin(victim),
            };
        }
        let limits = tight(1 + random.next(3) as u32, 1 + random.next(8) as u32);
        let result = poll(&host, &mock, &trigger, Some(&cursor), limits).await;
        got.extend(ids(&result));
        cursor = result.cursor;
    }
    // Drain: a walk that was under way when the last items went in may
    // have passed their place; the walk after it finds them.
    for _ in 0..2 {
        for drain in 0.. {
            let result = poll(&host, &mock, &trigger, Some(&cursor), tight(3, 50)).await;
            got.extend(ids(&result));
            cursor = result.cursor;
            if !result.more {
                break;
            }
            assert!(drain < 200, "{watched:?} seed {seed}: the walk never ended");
        }
    }
    let unique: BTreeSet<String> = got.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        got.len(),
        "{watched:?} seed {seed}: repeated {got:?}"
    );
    assert!(
        unique.is_disjoint(&before),
        "{watched:?} seed {seed}: handed over items from before the first poll"
    );
    assert!(
        unique.is_subset(&added),
        "{watched:?} seed {seed}: handed over {:?}, never added",
        unique.difference(&added).collect::<Vec<_>>()
    );
    let still_there: BTreeSet<String> = listed(&mock).into_iter().collect();
    let missed: Vec<_> = added
        .intersection(&still_there)
        .filter(|id| !unique.contains(*id))
        .collect();
    assert!(
        missed.is_empty(),
        "{watched:?} seed {seed}: missed {missed:?}"
    );
    assert!(
        !unique.is_empty(),
        "{watched:?} seed {seed}: the rounds handed nothing over"
    );
}

#[tokio::test]
async fn fifty_seeded_rounds_of_new_pins_hand_each_over_once() {
    for seed in [1, 2] {
        randomised_rounds(Watched::Pins, seed).await;
    }
}

#[tokio::test]
async fn fifty_seeded_rounds_of_pins_on_a_board_hand_each_over_once() {
    randomised_rounds(Watched::BoardPins, 3).await;
}

#[tokio::test]
async fn fifty_seeded_rounds_of_new_boards_hand_each_over_once() {
    randomised_rounds(Watched::Boards, 4).await;
}

/// Ten new pins, then a poll that reads `pass` requests before the API
/// fails `count` times with `status`; then polls until done.
async fn broken_off(status: u16, count: usize) {
    let (mock, host) = setup(30, 3).await;
    let board = MockPinterest::board_id(0);
    let first = poll(&host, &mock, &Trigger::NewPin, None, tight(10, 100)).await;
    let added: BTreeSet<String> = (0..12).map(|_| mock.add_pin(&board, None)).collect();
    mock.fail_after(1, count, status);
    let broken = poll(
        &host,
        &mock,
        &Trigger::NewPin,
        Some(&first.cursor),
        tight(10, 100),
    )
    .await;
    assert_eq!(broken.items.len(), 5, "the page read before the failures");
    assert!(broken.more);
    let kind = broken.interrupted.as_ref().map(|e| match e {
        ConnectorError::RateLimited(_) => "rate-limited",
        ConnectorError::Upstream(api) if api.status == status => "upstream",
        _ => "other",
    });
    let expected = if status == 429 {
        "rate-limited"
    } else {
        "upstream"
    };
    assert_eq!(kind, Some(expected), "{:?}", broken.interrupted);
    let mut got = ids(&broken);
    let mut cursor = broken.cursor;
    loop {
        let result = poll(
            &host,
            &mock,
            &Trigger::NewPin,
            Some(&cursor),
            tight(10, 100),
        )
        .await;
        assert!(result.interrupted.is_none());
        got.extend(ids(&result));
        cursor = result.cursor;
        if !result.more {
            break;
        }
    }
    assert_eq!(got.len(), 12, "{got:?}");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), added);
}

#[tokio::test]
async fn a_poll_broken_off_by_a_429_storm_resumes_without_loss_or_repeat() {
    broken_off(429, 3).await;
}

#[tokio::test]
async fn a_poll_broken_off_by_5xx_answers_resumes_without_loss_or_repeat() {
    broken_off(503, 3).await;
}

#[tokio::test]
async fn new_items_come_oldest_first_with_their_ids_and_dates() {
    let (mock, host) = setup(10, 2).await;
    let board = MockPinterest::board_id(0);
    let section = mock.add_section(&board);
    let trigger = Trigger::NewPinInSection(BoardSection {
        board_id: board.clone(),
        section_id: section.clone(),
    });
    let first = poll(&host, &mock, &trigger, None, None).await;
    let in_section: Vec<String> = (0..3)
        .map(|_| mock.add_pin(&board, Some(&section)))
        .collect();
    mock.add_pin(&board, None);
    let second = poll(&host, &mock, &trigger, Some(&first.cursor), None).await;
    assert_eq!(ids(&second), in_section, "oldest first, only the section's");
    assert!(!second.more);
    for item in &second.items {
        let pin: serde_json::Value = serde_json::from_str(&item.item).unwrap();
        assert_eq!(pin["id"], item.id.as_str());
        assert_eq!(pin["board_section_id"], section.as_str());
        assert!(item.created_at > 1_700_000_000, "{}", item.created_at);
    }
    let third = poll(&host, &mock, &trigger, Some(&second.cursor), None).await;
    assert!(third.items.is_empty());
}

#[tokio::test]
async fn the_first_poll_returns_no_backlog_unless_asked() {
    let (mock, host) = setup(1000, 30).await;
    let first = poll(&host, &mock, &Trigger::NewPin, None, None).await;
    assert!(first.items.is_empty());
    assert!(!first.more);
    assert_eq!(mock.requests().len(), 1, "one page sets the starting point");
    let backlog = Some(PollOptions {
        backlog: 5,
        max_pages: 10,
        max_items: 1000,
        page_size: Some(2),
    });
    let asked = poll(&host, &mock, &Trigger::NewPin, None, backlog).await;
    let newest: Vec<String> = mock.pin_ids()[..5].iter().rev().cloned().collect();
    assert_eq!(ids(&asked), newest, "the five most recent, oldest first");
    let after = poll(&host, &mock, &Trigger::NewPin, Some(&asked.cursor), None).await;
    assert!(
        after.items.is_empty(),
        "the backlog is not handed over again"
    );
}

#[tokio::test]
async fn damaged_and_foreign_cursors_are_invalid_input() {
    let (mock, host) = setup(20, 3).await;
    let pins = poll(&host, &mock, &Trigger::NewPin, None, None)
        .await
        .cursor;
    let mut damaged = pins.clone().into_bytes();
    let middle = damaged.len() / 2;
    damaged[middle] = if damaged[middle] == b'A' { b'B' } else { b'A' };
    let damaged = String::from_utf8(damaged).unwrap();
    let sandbox = Credentials::Sandbox(mock.config().sandbox_token.clone());
    let cases: Vec<(Trigger, String, Credentials)> = vec![
        (Trigger::NewBoard, pins.clone(), mock_credentials(&mock)),
        (
            Trigger::NewPinOnBoard(MockPinterest::board_id(0)),
            pins.clone(),
            mock_credentials(&mock),
        ),
        (Trigger::NewPin, damaged, mock_credentials(&mock)),
        (
            Trigger::NewPin,
            "not a cursor".into(),
            mock_credentials(&mock),
        ),
        (Trigger::NewPin, pins.clone(), sandbox),
    ];
    let sent = mock.requests().len();
    for (trigger, cursor, credentials) in cases {
        let failure = host
            .poll(&credentials, &trigger, Some(&cursor), None)
            .await
            .unwrap()
            .expect_err("a cursor that is not this trigger's");
        match &failure.error {
            ConnectorError::InvalidInput(input) => assert_eq!(input.field, "cursor"),
            other => panic!("{trigger:?}: {other:?}"),
        }
    }
    assert_eq!(mock.requests().len(), sent, "nothing was sent");
}

#[tokio::test]
async fn sandbox_and_missing_scopes_are_refused_before_sending() {
    let (mock, host) = setup(20, 3).await;
    let mut scoped = mock_credentials(&mock);
    if let Credentials::Oauth2(Oauth2Credentials { scopes, .. }) = &mut scoped {
        *scopes = vec!["user_accounts:read".into()];
    }
    let failure = host
        .poll(&scoped, &Trigger::NewPin, None, None)
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(&failure.error, ConnectorError::MissingScopes(m)
            if m.scopes.iter().any(|s| s == "pins:read")),
        "{:?}",
        failure.error
    );
    // Audiences are not served by the sandbox.
    let campaigns = Trigger::List(ListTrigger {
        spec: SpecSource::Embedded,
        endpoint: "GET /ad_accounts/{ad_account_id}/audiences".into(),
        path_params: vec![("ad_account_id".into(), "549755885175".into())],
        query_params: vec![],
        id_field: "id".into(),
        time_field: "created_time".into(),
        newest_first: false,
    });
    let sandbox = Credentials::Sandbox(mock.config().sandbox_token.clone());
    let failure = host
        .poll(&sandbox, &campaigns, None, None)
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(failure.error, ConnectorError::UnsupportedInSandbox(_)),
        "{:?}",
        failure.error
    );
    assert!(mock.requests().is_empty(), "nothing was sent");
}

/// Issue 29: 40 pins (and 12 boards) created within the second a watch
/// starts, more than one page of them: the first poll settles all of them,
/// so no later poll hands any over — for `new-pin` (newest first, pages of
/// 25), `new-board` (walked whole, pages of 5) and a list trigger over a
/// board's pins (any order, pages of 5) — while a pin created after it
/// still comes, once.
#[tokio::test]
async fn the_first_poll_knows_every_item_of_its_second_beyond_the_first_page() {
    let (mock, host) = setup(30, 3).await;
    let board = MockPinterest::board_id(1);
    mock.freeze_clock();
    for _ in 0..40 {
        mock.add_pin(&board, None);
    }
    for _ in 0..12 {
        mock.add_board("burst");
    }
    let on_board = Trigger::List(ListTrigger {
        spec: SpecSource::Embedded,
        endpoint: "GET /boards/{board_id}/pins".into(),
        path_params: vec![("board_id".into(), board.clone())],
        query_params: vec![],
        id_field: "id".into(),
        time_field: "created_at".into(),
        newest_first: false,
    });
    let cases = [(Trigger::NewPin, 25), (Trigger::NewBoard, 5), (on_board, 5)];
    let mut cursors = Vec::new();
    for (trigger, page_size) in &cases {
        let options = Some(PollOptions {
            backlog: 0,
            max_pages: 1,
            max_items: 1_000,
            page_size: Some(*page_size),
        });
        let first = poll(&host, &mock, trigger, None, options).await;
        assert!(first.items.is_empty(), "{trigger:?}: {:?}", ids(&first));
        cursors.push(first.cursor);
    }
    // A poll in a later second: nothing of the burst comes.
    mock.advance_clock(1);
    for ((trigger, page_size), cursor) in cases.iter().zip(&mut cursors) {
        let options = Some(PollOptions {
            backlog: 0,
            max_pages: 100,
            max_items: 1_000,
            page_size: Some(*page_size),
        });
        let later = poll(&host, &mock, trigger, Some(cursor.as_str()), options).await;
        assert!(
            later.items.is_empty(),
            "{trigger:?}: {} of the burst came as new: {:?}",
            later.items.len(),
            ids(&later)
        );
        *cursor = later.cursor;
    }
    // What is created after that still comes, once.
    let pin = mock.add_pin(&board, None);
    let options = Some(PollOptions {
        backlog: 0,
        max_pages: 100,
        max_items: 1_000,
        page_size: Some(25),
    });
    let next = poll(&host, &mock, &Trigger::NewPin, Some(&cursors[0]), options).await;
    assert_eq!(ids(&next), [pin]);
}
