use super::*;

fn state() -> CursorState {
    let mut state = CursorState::new(trigger_key(["new-pin"]), 1_000);
    state.settle(1_000, "a");
    state.settle(1_005, "b");
    state.settle(1_005, "c");
    state.sweep = Some(Sweep {
        mark: 1_010,
        bookmark: Some("b2".into()),
        anchor: Some("z".into()),
    });
    state
}

#[test]
fn a_cursor_reads_back_as_the_state_it_was_written_from() {
    let state = state();
    let text = state.encode();
    assert!(text.starts_with("v1."), "{text}");
    assert_eq!(CursorState::decode(&text, state.trigger).unwrap(), state);
}

#[test]
fn settled_means_before_the_floor_or_seen_at_its_date() {
    let state = state();
    assert!(state.is_settled(999, "anything"));
    assert!(state.is_settled(1_005, "c"));
    assert!(!state.is_settled(1_005, "a"), "the date is part of the key");
    assert!(!state.is_settled(1_000, "x"));
    assert!(!state.is_settled(2_000, "a"));
}

#[test]
fn raising_the_floor_forgets_what_it_covers_and_never_lowers_it() {
    let mut state = state();
    state.raise_floor(1_005);
    assert_eq!(state.floor, 1_005);
    assert_eq!(state.seen.keys().copied().collect::<Vec<_>>(), vec![1_005]);
    assert!(state.is_settled(1_000, "new to this state, but before the floor"));
    state.raise_floor(10);
    assert_eq!(state.floor, 1_005);
}

#[test]
fn a_damaged_cursor_is_invalid_input_naming_the_cursor() {
    let text = state().encode();
    let key = state().trigger;
    let mut flipped = text.clone().into_bytes();
    flipped[6] = if flipped[6] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    for bad in [
        "",
        "garbage",
        "v1..00000000",
        &text[..text.len() - 1],
        &flipped,
        &text.replace("v1.", "v1.x"),
        &format!("{text}.extra"),
    ] {
        match CursorState::decode(bad, key) {
            Err(ConnectorError::InvalidInput { field, reason }) => {
                assert_eq!(field, "cursor");
                assert!(reason.contains("damaged"), "{bad}: {reason}");
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
}

#[test]
fn a_cursor_of_another_trigger_or_version_is_refused_with_the_reason() {
    let text = state().encode();
    let Err(ConnectorError::InvalidInput { reason, .. }) =
        CursorState::decode(&text, trigger_key(["new-board"]))
    else {
        panic!("accepted a foreign cursor")
    };
    assert!(reason.contains("another trigger"), "{reason}");
    let Err(ConnectorError::InvalidInput { reason, .. }) =
        CursorState::decode(&text.replacen("v1.", "v2.", 1), state().trigger)
    else {
        panic!("accepted version 2")
    };
    assert!(reason.contains("version 2"), "{reason}");
}

#[test]
fn trigger_keys_tell_apart_parts_that_run_together() {
    assert_ne!(trigger_key(["ab", "c"]), trigger_key(["a", "bc"]));
    assert_ne!(trigger_key(["board", "1"]), trigger_key(["board", "2"]));
    assert_eq!(trigger_key(["board", "1"]), trigger_key(["board", "1"]));
}
