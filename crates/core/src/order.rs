//! A stable sort small in code.
//!
//! Written by hand for size: the standard library's sorts (driftsort and
//! its sorting networks) take several KB of code for every element type
//! and key they are used with, and the component held a dozen of them.
//! This one is a bottom-up merge sort of the items' positions (plain
//! `usize`s), then one pass that moves each item to its place along the
//! permutation's cycles: `n log n` comparisons and `n` swaps whatever the
//! input's order, a few hundred bytes of code for each element type.

use std::cmp::Ordering;

/// Sorts `items` by `compare`, keeping the order of items it finds equal.
pub fn sort_by<T>(items: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    let len = items.len();
    // `order[k]`: the position, in `items` as given, of the item that
    // belongs at `k`. Runs of `width` are merged into runs of twice that.
    let mut order: Vec<usize> = (0..len).collect();
    let mut merged: Vec<usize> = vec![0; len];
    let mut width = 1;
    while width < len {
        for start in (0..len).step_by(2 * width) {
            let middle = (start + width).min(len);
            let end = (start + 2 * width).min(len);
            let (mut left, mut right) = (start, middle);
            for slot in &mut merged[start..end] {
                // The right run's item goes first only when strictly less:
                // equal items keep their order.
                let take_right = right < end
                    && (left == middle
                        || compare(&items[order[right]], &items[order[left]]) == Ordering::Less);
                if take_right {
                    *slot = order[right];
                    right += 1;
                } else {
                    *slot = order[left];
                    left += 1;
                }
            }
        }
        std::mem::swap(&mut order, &mut merged);
        width *= 2;
    }
    // Each cycle of the permutation is walked once, swapping the item that
    // belongs at each place into it; a place done points at itself.
    for start in 0..len {
        let mut place = start;
        while order[place] != start {
            let from = order[place];
            items.swap(place, from);
            order[place] = place;
            place = from;
        }
        order[place] = place;
    }
}

/// Sorts `items` by `key`, keeping the order of items with equal keys.
pub fn sort_by_key<T, K: Ord>(items: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

#[cfg(test)]
#[path = "order_tests.rs"]
mod tests;
