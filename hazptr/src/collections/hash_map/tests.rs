//! Unit tests of the split-order arithmetic.

use super::buckets::{anchor_key, parent, regular_key};

#[test]
fn split_order_keys_sort_buckets_before_their_entries() {
    // Bucket 1 of 2 splits into 1 and 3 of 4: anchors 0 < 2 < 1 < 3 in split order.
    let order: Vec<u64> = [0, 2, 1, 3].map(anchor_key).to_vec();
    assert!(order.windows(2).all(|w| w[0] < w[1]));
    // An entry of hash h sorts after its bucket's anchor and before the next bucket's.
    for hash in [0_u64, 1, 2, 3, 5, 0xdead_beef] {
        let bucket = usize::try_from(hash & 3).unwrap();
        assert!(anchor_key(bucket) < regular_key(hash));
        assert_eq!(regular_key(hash) & 1, 1);
    }
    assert!(regular_key(2) < anchor_key(1));
    assert_eq!([parent(1), parent(2), parent(3), parent(6)], [0, 0, 1, 2]);
}

#[test]
fn an_item_of_words_needs_no_tag() {
    // The entry's nonzero split-order key gives the item enum its niche: no tag word, so a
    // bucket node (and an entry node) of a map of `u64`s is a pointer and three words.
    use core::mem::size_of;
    assert_eq!(size_of::<super::Node<u64, u64>>(), 3 * size_of::<u64>());
    assert_eq!(size_of::<super::Node<u64, ()>>(), 2 * size_of::<u64>());
    let entry = super::Entry::new(regular_key(0xdead_beef), 1_u64, 2_u64);
    assert_eq!(entry.order(), regular_key(0xdead_beef));
}
