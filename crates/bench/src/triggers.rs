//! Triggers against the mock on loopback: what one poll costs through the
//! component when nothing is new and when a page of items is, on a list
//! walked newest first and on one walked whole, and how big the cursor the
//! host stores gets.

use std::time::Instant;

use pinterest_connector_host::types::Credentials;
use pinterest_connector_host::{ConnectorHost, PollResult, Trigger};
use pinterest_host_test::{MockConfig, MockPinterest, host_for, mock_credentials};

use crate::report::{Row, Verdict};
use crate::stats::{self, Samples};

/// Pins in the account: a newest-first walk reads one page of them.
const PINS: usize = 10_000;
/// Boards in the account: a walk of them reads four pages of 250.
const BOARDS: usize = 1_000;
/// New pins handed over by one poll.
const NEW_PINS: usize = 250;

async fn poll(
    host: &ConnectorHost,
    creds: &Credentials,
    trigger: &Trigger,
    cursor: Option<&str>,
) -> anyhow::Result<PollResult> {
    host.poll(creds, trigger, cursor, None)
        .await?
        .map_err(|f| anyhow::anyhow!("{f}"))
}

/// Each figure over `runs` polls.
pub(crate) async fn run(runs: usize) -> anyhow::Result<Vec<Row>> {
    let mock = MockPinterest::start(MockConfig {
        pins: PINS,
        boards: BOARDS,
        ..MockConfig::default()
    })
    .await?;
    let host = host_for(&mock)?;
    let creds = mock_credentials(&mock);
    let mut rows = Vec::new();

    for (trigger, what) in [
        (
            Trigger::NewPin,
            "a poll with nothing new, new-pin (10 000 pins, newest first: one page of 250)",
        ),
        (
            Trigger::NewBoard,
            "a poll with nothing new, new-board (1 000 boards, walked whole: four pages of 250)",
        ),
    ] {
        let cursor = poll(&host, &creds, &trigger, None).await?.cursor;
        let mut quiet = Samples::default();
        let mut size = 0;
        for _ in 0..runs {
            let started = Instant::now();
            let polled = poll(&host, &creds, &trigger, Some(&cursor)).await?;
            quiet.push(started.elapsed());
            anyhow::ensure!(polled.items.is_empty() && !polled.more, "{what}: not quiet");
            size = polled.cursor.len();
        }
        rows.push(Row::new(what, "", stats::timing(&quiet), Verdict::Reported));
        println!("{what}: {} (cursor {size} B)", stats::timing(&quiet));
    }

    let board = MockPinterest::board_id(0);
    let mut busy = Samples::default();
    let mut cursor_size = 0;
    let mut cursor = poll(&host, &creds, &Trigger::NewPin, None).await?.cursor;
    for _ in 0..runs {
        for _ in 0..NEW_PINS {
            mock.add_pin(&board, None);
        }
        let started = Instant::now();
        let polled = poll(&host, &creds, &Trigger::NewPin, Some(&cursor)).await?;
        busy.push(started.elapsed());
        anyhow::ensure!(polled.items.len() == NEW_PINS, "{} new", polled.items.len());
        cursor_size = cursor_size.max(polled.cursor.len());
        cursor = polled.cursor;
        // The next burst a second later, as the clock would have it.
        mock.advance_clock(1);
    }
    let what = "a poll handing over 250 new pins (new-pin: two pages of 250, the pins before them handed over by the previous poll)";
    rows.push(Row::new(what, "", stats::timing(&busy), Verdict::Reported));
    rows.push(Row::new(
        "the cursor, largest seen, while each poll hands over 250 pins created within one second (those ids kept)",
        "small",
        stats::bytes(cursor_size as u64),
        Verdict::Reported,
    ));
    println!(
        "{what}: {}, cursor {}",
        stats::timing(&busy),
        stats::bytes(cursor_size as u64)
    );
    Ok(rows)
}
