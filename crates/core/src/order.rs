//! A stable sort small in code, for the core's short lists.
//!
//! Written by hand for size: the standard library's sorts (driftsort and
//! its sorting networks) take several KB of code for every element type
//! and key they are used with, and the component held a dozen of them.
//! What the core (and the edge build's service) sorts is short — a handful of parameters, scopes or
//! secrets, a page or two of a trigger's items — where a binary insertion
//! sort costs next to nothing: `n log n` comparisons, and the moves of one
//! `memmove` per item (none for a list already in order, which a listing
//! by date usually is).

use std::cmp::Ordering;

/// Sorts `items` by `compare`, keeping the order of items it finds equal.
pub fn sort_by<T>(items: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    for next in 1..items.len() {
        let (before, rest) = items.split_at(next);
        let place = before.partition_point(|item| compare(item, &rest[0]) != Ordering::Greater);
        items[place..=next].rotate_right(1);
    }
}

/// Sorts `items` by `key`, keeping the order of items with equal keys.
pub fn sort_by_key<T, K: Ord>(items: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

#[cfg(test)]
#[path = "order_tests.rs"]
mod tests;
