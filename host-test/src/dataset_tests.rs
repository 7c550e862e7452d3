use std::time::{Duration, UNIX_EPOCH};

use proptest::prelude::*;

use super::*;

proptest! {
    /// `iso` writes the instant `httpdate` (which this crate did not write)
    /// writes, in the other format.
    #[test]
    fn created_at_writes_the_instant_httpdate_writes(seconds in 0u64..253_402_300_799) {
        let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(seconds));
        let parts: Vec<&str> = date.split(' ').collect();
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let month = months.iter().position(|m| *m == parts[2]).unwrap() + 1;
        prop_assert_eq!(iso(seconds), format!("{}-{month:02}-{}T{}", parts[3], parts[1], parts[4]));
        prop_assert_eq!(http_date(seconds), date);
    }
}

#[test]
fn new_items_go_on_top_and_deleting_a_board_takes_its_pins() {
    let mut data = DataSet::seeded(4, 2);
    let board = data.add_board("New");
    assert_eq!(data.boards[0].id, board);
    let pin = data.add_pin(&board, None, "On the new board");
    assert_eq!(data.pins[0].id, pin);
    assert_ne!(data.pins[0].created_at, SEEDED_AT);
    assert!(data.remove_board(&board));
    assert!(data.pin(&pin).is_none());
    assert_eq!(data.pins.len(), 4);
    assert!(!data.remove_pin(&pin));
}
