//! Instants as Pinterest writes them, read into Unix seconds: an item's
//! `created_at` (ISO 8601, `2024-05-01T12:30:00`, UTC when no offset is
//! given) and the HTTP `Date` header (`Wed, 02 Dec 2026 18:25:12 GMT`).
//!
//! Written by hand rather than with a date crate: the triggers need two
//! fixed formats read to the second, and a calendar library would add tens
//! of kilobytes to a component whose size is a goal. The conversion is
//! Howard Hinnant's days-from-civil algorithm; the tests check both readers
//! against `httpdate`, an implementation this crate did not write.

/// Seconds since the Unix epoch (negative before 1970).
pub type UnixSeconds = i64;

/// Reads an ISO 8601 / RFC 3339 date-time (`YYYY-MM-DDTHH:MM:SS`, a space
/// allowed for the `T`, optional fraction, optional `Z` or `±HH:MM` offset;
/// none means UTC, as Pinterest writes them) to the whole second, or a
/// date alone (`YYYY-MM-DD`, midnight UTC). `None` for anything else.
pub fn parse_date_time(text: &str) -> Option<UnixSeconds> {
    let bytes = text.as_bytes();
    let (year, month, day) = date(bytes.get(..10)?)?;
    let days = days_from_civil(year, month, day)?;
    let rest = &bytes[10..];
    if rest.is_empty() {
        return Some(days * 86_400);
    }
    if !matches!(rest[0], b'T' | b't' | b' ') {
        return None;
    }
    let (hour, minute, second) = clock(rest.get(1..9)?)?;
    let mut rest = &rest[9..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset = match rest {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let minutes = number(&[*h1, *h2])? * 60 + number(&[*m1, *m2])?;
            if minutes >= 24 * 60 {
                return None;
            }
            if *sign == b'+' { minutes } else { -minutes }
        }
        _ => return None,
    };
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second - offset * 60)
}

/// Reads an HTTP `Date` in the preferred format of RFC 9110
/// (`IMF-fixdate`: `Sun, 06 Nov 1994 08:49:37 GMT`). `None` for anything
/// else, including the obsolete formats no current server sends.
pub fn parse_http_date(text: &str) -> Option<UnixSeconds> {
    let bytes = text.trim().as_bytes();
    let [
        _,
        _,
        _,
        b',',
        b' ',
        d1,
        d2,
        b' ',
        m1,
        m2,
        m3,
        b' ',
        y1,
        y2,
        y3,
        y4,
        b' ',
        time @ ..,
        b' ',
        b'G',
        b'M',
        b'T',
    ] = bytes
    else {
        return None;
    };
    let month = MONTHS
        .iter()
        .position(|m| m.as_bytes() == [*m1, *m2, *m3])? as i64
        + 1;
    let day = number(&[*d1, *d2])?;
    let year = number(&[*y1, *y2, *y3, *y4])?;
    let (hour, minute, second) = clock(time)?;
    Some(days_from_civil(year, month, day)? * 86_400 + hour * 3_600 + minute * 60 + second)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `YYYY-MM-DD`.
fn date(bytes: &[u8]) -> Option<(i64, i64, i64)> {
    let [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2] = bytes else {
        return None;
    };
    Some((
        number(&[*y1, *y2, *y3, *y4])?,
        number(&[*m1, *m2])?,
        number(&[*d1, *d2])?,
    ))
}

/// `HH:MM:SS`, a leap second read as 59.
fn clock(bytes: &[u8]) -> Option<(i64, i64, i64)> {
    let [h1, h2, b':', m1, m2, b':', s1, s2] = bytes else {
        return None;
    };
    let (hour, minute, second) = (
        number(&[*h1, *h2])?,
        number(&[*m1, *m2])?,
        number(&[*s1, *s2])?,
    );
    (hour < 24 && minute < 60 && second <= 60).then_some((hour, minute, second.min(59)))
}

/// A run of ASCII digits.
fn number(digits: &[u8]) -> Option<i64> {
    digits.iter().try_fold(0i64, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + i64::from(b - b'0'))
    })
}

/// Days from 1970-01-01 to the given date of the proleptic Gregorian
/// calendar; `None` for a month or day that does not exist.
fn days_from_civil(year: i64, month: i64, day: i64) -> Option<i64> {
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y.rem_euclid(400);
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
#[path = "instant_tests.rs"]
mod tests;
