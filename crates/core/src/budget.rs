//! A rate budget's arithmetic, for hosts that share one among the callers of
//! an account. Pinterest limits calls per user, per app and per rate-limit
//! category (each operation's `x-ratelimit-category`: `org_read`,
//! `ads_analytics`, …), so a budget keeps one bucket per category: a
//! permit is booked before each request leaves, and a `429` pauses the
//! category until the answer's reset for every caller.
//!
//! The bucket is the generic cell rate algorithm (GCRA): one instant per
//! category, the *theoretical arrival time* of the next request at the
//! category's pace, with a tolerance of `burst - 1` intervals. Booking a
//! permit is one read-compare-write of that instant (and of the pause), so a
//! store shared by processes (a locked file, a Redis script) books it
//! atomically with the same arithmetic ([`reserve`]). A permit may be
//! granted with a wait (the caller sleeps, then sends: pacing rather than
//! refusals), or refused when the wait would exceed what the action may
//! wait, with the seconds to wait.
//!
//! Nothing here knows of clocks or stores: instants are microseconds since
//! the Unix epoch, given by the caller.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::catalog::Catalog;
use crate::http::Method;

/// A category's limit: `permits` calls per `per`, at most `burst` of them
/// at once after a quiet spell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CategoryLimit {
    /// Calls allowed per `per`.
    pub permits: u32,
    /// The period.
    pub per: Duration,
    /// Calls that may go at once after a quiet spell (at least 1).
    pub burst: u32,
}

impl CategoryLimit {
    /// `permits` per `per`, with a tenth of them (at least 1) as the burst:
    /// paced rather than all at once, whatever window the server counts in.
    pub const fn paced(permits: u32, per: Duration) -> CategoryLimit {
        let burst = permits / 10;
        CategoryLimit {
            permits,
            per,
            burst: if burst == 0 { 1 } else { burst },
        }
    }

    /// The time one permit takes at this pace, in microseconds.
    pub fn interval_us(&self) -> u64 {
        let per = u64::try_from(self.per.as_micros()).unwrap_or(u64::MAX);
        (per / u64::from(self.permits.max(1))).max(1)
    }
}

/// The limits of every category, and of those the table does not name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetLimits {
    /// By category name.
    pub categories: BTreeMap<String, CategoryLimit>,
    /// For a category the table does not name, or a request of no known
    /// operation.
    pub unknown: CategoryLimit,
}

/// Seconds in a day.
const DAY: Duration = Duration::from_secs(24 * 3600);

impl BudgetLimits {
    /// Pinterest's published limits for a Standard app: about 100 calls a
    /// second per user per app in each category, `ads_analytics` 300 a
    /// minute, `ads_conversions` 120 000 a minute (per ad account; kept per
    /// user here, which errs on the safe side); 100 a second for the rest.
    pub fn standard() -> BudgetLimits {
        let second = CategoryLimit::paced(100, Duration::from_secs(1));
        let mut categories: BTreeMap<String, CategoryLimit> = [
            "org_read",
            "org_write",
            "org_analytics",
            "ads_read",
            "ads_write",
            "catalogs_read",
            "catalogs_write",
            "trends_read",
        ]
        .into_iter()
        .map(|name| (name.to_owned(), second))
        .collect();
        categories.insert(
            "ads_analytics".into(),
            CategoryLimit::paced(300, Duration::from_secs(60)),
        );
        categories.insert(
            "ads_conversions".into(),
            CategoryLimit::paced(120_000, Duration::from_secs(60)),
        );
        BudgetLimits {
            categories,
            unknown: second,
        }
    }

    /// Pinterest's published limit for a Trial app: 1 000 calls a day, which
    /// may all go at once.
    pub fn trial() -> BudgetLimits {
        BudgetLimits {
            categories: BTreeMap::new(),
            unknown: CategoryLimit {
                permits: 1000,
                per: DAY,
                burst: 1000,
            },
        }
    }

    /// The same limit for every category: for a test against a mock that
    /// counts so.
    pub fn uniform(limit: CategoryLimit) -> BudgetLimits {
        BudgetLimits {
            categories: BTreeMap::new(),
            unknown: limit,
        }
    }

    /// The limit of `category`.
    pub fn limit(&self, category: &str) -> CategoryLimit {
        self.categories
            .get(category)
            .copied()
            .unwrap_or(self.unknown)
    }
}

/// What a budget keeps per category.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bucket {
    /// The theoretical arrival time of the next request at the pace, in
    /// microseconds since the epoch.
    pub next_us: u64,
    /// Until when a `429` paused the category, in microseconds since the
    /// epoch.
    pub paused_until_us: u64,
}

/// A permit's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permit {
    /// Booked: send after waiting this long.
    Granted {
        /// The wait before sending.
        wait: Duration,
    },
    /// Not within the wait allowed: nothing was booked; ask again after
    /// this long.
    Refused {
        /// How long until a permit would be free.
        retry_after: Duration,
    },
}

/// Books a permit in `bucket` at `now_us` under `limit`, unless it would
/// mean waiting longer than `max_wait`.
pub fn reserve(
    bucket: &mut Bucket,
    limit: CategoryLimit,
    now_us: u64,
    max_wait: Duration,
) -> Permit {
    let interval = limit.interval_us();
    let tolerance = interval.saturating_mul(u64::from(limit.burst.max(1) - 1));
    let start = now_us.max(bucket.paused_until_us);
    let next = bucket.next_us.max(start);
    let allowed_at = next.saturating_sub(tolerance).max(start);
    let wait = Duration::from_micros(allowed_at - now_us);
    if wait > max_wait {
        return Permit::Refused { retry_after: wait };
    }
    bucket.next_us = next.saturating_add(interval);
    Permit::Granted { wait }
}

/// Pauses the category of `bucket` until `until_us` (a `429`'s reset): no
/// permit is granted before then. A pause never shortens one already set.
pub fn pause(bucket: &mut Bucket, until_us: u64) {
    bucket.paused_until_us = bucket.paused_until_us.max(until_us);
}

/// A path template's segment.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// Must be this.
    Literal(String),
    /// A `{parameter}`: any one segment.
    Parameter,
}

/// Which rate-limit category each request goes to, by its method and path
/// (relative to the API base), from a catalog's operations.
#[derive(Debug, Clone, Default)]
pub struct CategoryIndex {
    routes: Vec<(Method, Vec<Segment>, String)>,
}

impl CategoryIndex {
    /// The index of `catalog`'s operations that name a category.
    pub fn of(catalog: &Catalog) -> CategoryIndex {
        let routes = catalog
            .operations
            .iter()
            .filter_map(|op| {
                let category = op.rate_limit_category.clone()?;
                let segments = op
                    .path
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(|s| match s.starts_with('{') && s.ends_with('}') {
                        true => Segment::Parameter,
                        false => Segment::Literal(s.to_owned()),
                    })
                    .collect();
                Some((op.method, segments, category))
            })
            .collect();
        CategoryIndex { routes }
    }

    /// The category of a `method` request for `path` (without the API
    /// base's own path, such as `/v5`): of the operation whose template
    /// fits with the most literal segments.
    pub fn category(&self, method: Method, path: &str) -> Option<&str> {
        let path = path.split('?').next().unwrap_or(path);
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        self.routes
            .iter()
            .filter(|(m, template, _)| {
                *m == method
                    && template.len() == segments.len()
                    && template.iter().zip(&segments).all(|(t, s)| match t {
                        Segment::Literal(literal) => literal == s,
                        Segment::Parameter => true,
                    })
            })
            .max_by_key(|(_, template, _)| {
                template
                    .iter()
                    .filter(|s| matches!(s, Segment::Literal(_)))
                    .count()
            })
            .map(|(_, _, category)| category.as_str())
    }
}

#[cfg(test)]
#[path = "budget_tests.rs"]
mod tests;
