//! The chain's nodes: bucket anchors and entries, and how a walk for a key recognises where
//! it stops and whether it found the key.

use core::borrow::Borrow;
use core::num::NonZeroU64;

use super::{Cursor, Ref};
use crate::linked::anchor::Item;

/// One entry: its split-order key, its key and its value.
///
/// The split-order key of an entry is odd, so never zero: held as a `NonZeroU64`, it leaves the
/// chain's item enum a niche for its anchors' variant, and a node of a map of `u64`s is 32 bytes,
/// not 40 (its bucket nodes too: the index's array a fifth smaller, a lookup's first miss rarer).
pub(super) struct Entry<K, V> {
    order: NonZeroU64,
    pub(super) key: K,
    pub(super) value: V,
}

impl<K, V> Entry<K, V> {
    /// The entry of `key` with split-order key `order` (odd: [`regular_key`](super::buckets::regular_key)).
    #[inline]
    pub(super) fn new(order: u64, key: K, value: V) -> Self {
        debug_assert!(order & 1 == 1, "an entry's split-order key is odd");
        Self {
            // Setting the bit already set makes the nonzero value at no cost.
            order: NonZeroU64::MIN | order,
            key,
            value,
        }
    }

    /// The entry's split-order key.
    #[inline]
    pub(super) fn order(&self) -> u64 {
        self.order.get()
    }
}

/// What the chain holds: bucket anchors (keyed by their split-order key) and entries.
pub(super) type Node<K, V> = Item<u64, Entry<K, V>>;

/// The split-order key of an item.
#[inline]
pub(super) fn order<K, V>(item: &Node<K, V>) -> u64 {
    match item {
        Item::Anchor(key) => *key,
        Item::Value(entry) => entry.order(),
    }
}

/// The entry of a value item.
#[inline]
pub(super) fn entry<K, V>(item: &Node<K, V>) -> &Entry<K, V> {
    match item {
        Item::Value(entry) => entry,
        Item::Anchor(_) => unreachable!("only value items are read as entries"),
    }
}

/// Whether `item` is where a walk for `key` (of split-order key `order`) stops: the entry of
/// `key`, or the first item ordered after it.
#[inline]
pub(super) fn stops_at<K: Borrow<Q>, Q: Eq + ?Sized, V>(
    item: &Node<K, V>,
    order: u64,
    key: &Q,
) -> bool {
    match item {
        Item::Anchor(at) => *at > order,
        Item::Value(entry) => {
            entry.order() > order || (entry.order() == order && entry.key.borrow() == key)
        }
    }
}

/// Whether the cursor stands at the entry of `key`.
#[inline]
pub(super) fn found<K: Borrow<Q>, Q: Eq + ?Sized, V>(
    item: Option<&Node<K, V>>,
    order: u64,
    key: &Q,
) -> bool {
    matches!(item, Some(Item::Value(entry)) if entry.order() == order && entry.key.borrow() == key)
}

/// Moves `cursor` to the entry of `key` (of split-order key `order`), or to where it would be
/// inserted: whether it is there. What an operation does again after another thread's change
/// defeated its own.
#[inline]
pub(super) fn seek_entry<K, V, Q>(cursor: &mut Cursor<'_, K, V>, order: u64, key: &Q) -> bool
where
    K: Borrow<Q> + Send + Sync + 'static,
    V: Send + Sync + 'static,
    Q: Eq + ?Sized,
{
    found(cursor.seek(|item| stops_at(item, order, key)), order, key)
}

/// The entry a cursor that stands at one stands at, as a guard.
pub(super) fn current_entry<K, V>(cursor: Cursor<'_, K, V>) -> Ref<'_, K, V>
where
    K: Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    match cursor.into_current() {
        Some(current) => Ref::new(current),
        None => unreachable!("the cursor stands at the entry"),
    }
}
