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
