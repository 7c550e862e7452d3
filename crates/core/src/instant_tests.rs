use std::time::{Duration, UNIX_EPOCH};

use proptest::prelude::*;

use super::*;

/// `httpdate`'s rendering of `seconds`: the oracle.
fn http_date(seconds: u64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(seconds))
}

/// The same instant as `YYYY-MM-DDTHH:MM:SS`, rearranged from the oracle's
/// text so that no date arithmetic of ours goes into the expectation.
fn iso_from_http_date(date: &str) -> String {
    let parts: Vec<&str> = date.split(' ').collect();
    let month = MONTHS.iter().position(|m| *m == parts[2]).unwrap() + 1;
    format!("{}-{month:02}-{}T{}", parts[3], parts[1], parts[4])
}

proptest! {
    #[test]
    fn http_dates_read_back_to_the_instant_httpdate_wrote(seconds in 0u64..253_402_300_799) {
        prop_assert_eq!(parse_http_date(&http_date(seconds)), Some(seconds as i64));
    }

    #[test]
    fn iso_date_times_read_to_the_same_instant(seconds in 0u64..253_402_300_799) {
        let iso = iso_from_http_date(&http_date(seconds));
        prop_assert_eq!(parse_date_time(&iso), Some(seconds as i64));
        prop_assert_eq!(parse_date_time(&format!("{iso}Z")), Some(seconds as i64));
        prop_assert_eq!(parse_date_time(&format!("{iso}.999+00:00")), Some(seconds as i64));
    }
}

#[test]
fn pinterest_created_at_reads_as_utc() {
    assert_eq!(parse_date_time("2020-01-01T20:10:40"), Some(1_577_909_440));
    assert_eq!(parse_date_time("1970-01-01T00:00:00"), Some(0));
    assert_eq!(parse_date_time("1969-12-31T23:59:59"), Some(-1));
    assert_eq!(parse_date_time("2024-02-29"), Some(1_709_164_800));
}

#[test]
fn offsets_move_the_instant_to_utc() {
    let utc = parse_date_time("2020-01-01T20:10:40Z").unwrap();
    assert_eq!(parse_date_time("2020-01-01T21:10:40+01:00"), Some(utc));
    assert_eq!(parse_date_time("2020-01-01T15:40:40-04:30"), Some(utc));
    assert_eq!(parse_date_time("2020-01-01 20:10:40.123456"), Some(utc));
}

#[test]
fn what_is_not_a_date_time_reads_as_none() {
    for text in [
        "",
        "yesterday",
        "2020-13-01T00:00:00",
        "2023-02-29T00:00:00",
        "2020-01-01T24:00:00",
        "2020-01-01T20:10",
        "2020-01-01T20:10:40.",
        "2020-01-01T20:10:40+0100",
        "2020-01-01T20:10:40 GMT",
        "2020-1-01T20:10:40",
        "+020-01-01T20:10:40",
    ] {
        assert_eq!(parse_date_time(text), None, "{text}");
    }
    for text in [
        "",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 31 Nov 1994 08:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT",
    ] {
        assert_eq!(parse_http_date(text), None, "{text}");
    }
}
