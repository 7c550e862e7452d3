use super::*;
use proptest::prelude::*;

proptest! {
    /// The same order as the standard library's stable sort, equal keys
    /// included (items are told apart by their position).
    #[test]
    fn sorts_as_the_standard_stable_sort(keys in proptest::collection::vec(0u8..8, 0..200)) {
        let items: Vec<(u8, usize)> = keys.into_iter().enumerate().map(|(i, k)| (k, i)).collect();
        let mut ours = items.clone();
        sort_by_key(&mut ours, |item| item.0);
        let mut std_sorted = items;
        std_sorted.sort_by_key(|item| item.0);
        prop_assert_eq!(&ours, &std_sorted);
        let mut by_compare = ours.clone();
        by_compare.reverse();
        sort_by(&mut by_compare, |a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        prop_assert_eq!(by_compare, std_sorted);
    }
}

#[test]
fn sorts_by_a_reversed_key_and_leaves_short_lists_alone() {
    let mut words = vec!["bb", "a", "ccc", "dd"];
    sort_by_key(&mut words, |w| std::cmp::Reverse(w.len()));
    assert_eq!(words, ["ccc", "bb", "dd", "a"]);
    let mut empty: Vec<u8> = Vec::new();
    sort_by_key(&mut empty, |b| *b);
    assert!(empty.is_empty());
    let mut one = [7];
    sort_by_key(&mut one, |b| *b);
    assert_eq!(one, [7]);
}

#[test]
fn a_long_list_in_reverse_order_comes_out_in_order() {
    let mut items: Vec<u32> = (0..5_000).rev().collect();
    sort_by_key(&mut items, |n| *n);
    assert!(items.iter().copied().eq(0..5_000));
}
