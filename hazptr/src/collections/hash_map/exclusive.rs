//! The map with exclusive access (`&mut` or owned): no other thread and no guard reads it, so
//! values change in place and move out, with no hazard pointer.

use core::borrow::Borrow;
use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::sync::atomic::Ordering;

use super::buckets::{parent, regular_key};
use super::{Entry, HashMap, stops_at};
use crate::linked::anchor::IntoValues;
use crate::reclaim::domain::Global;

impl<K, V, S> HashMap<K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    /// The value of `key`, mutably: with `&mut self`, no other thread and no guard reads the
    /// map, so the value changes in place (no new entry, nothing retired).
    ///
    /// ```
    /// use hazptr::collections::HashMap;
    ///
    /// let mut map = HashMap::new();
    /// map.insert("k", 1);
    /// *map.get_mut("k").unwrap() += 1;
    /// assert_eq!(*map.get("k").unwrap(), 2);
    /// ```
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hasher.hash_one(key);
        let order = regular_key(hash);
        // Truncating the hash is intended: the mask keeps its low bits.
        #[allow(clippy::cast_possible_truncation)]
        let mut bucket = hash as usize & (self.buckets.load(Ordering::Relaxed) - 1);
        // The nearest bucket made: this one or the one it splits from, and so on (walking from
        // the head if none is).
        while bucket != 0 && self.chain.anchor(bucket).is_none() {
            bucket = parent(bucket);
        }
        let entry = self
            .chain
            .find_mut(bucket, |item| stops_at(item, order, key))?;
        (entry.order() == order && entry.key.borrow() == key).then_some(&mut entry.value)
    }
}

impl<K, V, S> HashMap<K, V, S> {
    /// The entries, with their values mutably (`&mut self`: no other thread reads them), in no
    /// particular order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> {
        self.chain
            .values_mut()
            .map(|entry| (&entry.key, &mut entry.value))
    }

    /// The values, mutably.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.iter_mut().map(|(_, value)| value)
    }

    /// The keys, by value, the map consumed.
    pub fn into_keys(self) -> impl Iterator<Item = K> {
        self.into_iter().map(|(key, _)| key)
    }

    /// The values, by value, the map consumed.
    pub fn into_values(self) -> impl Iterator<Item = V> {
        self.into_iter().map(|(_, value)| value)
    }
}

/// The entries of a [`HashMap`] it consumed, by value, in no particular order.
pub struct IntoIter<K, V> {
    entries: IntoValues<u64, Entry<K, V>, Global>,
}

impl<K, V> Iterator for IntoIter<K, V> {
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        self.entries.next().map(|entry| (entry.key, entry.value))
    }
}

impl<K, V> core::iter::FusedIterator for IntoIter<K, V> {}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for IntoIter<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter").finish_non_exhaustive()
    }
}

/// The entries by value: with the map owned, no other thread or guard reads them.
///
/// ```
/// use hazptr::collections::HashMap;
///
/// let map = HashMap::from([(1, "a"), (2, "b")]);
/// let mut entries: Vec<(u32, &str)> = map.into_iter().collect();
/// entries.sort();
/// assert_eq!(entries, [(1, "a"), (2, "b")]);
/// ```
impl<K, V, S> IntoIterator for HashMap<K, V, S> {
    type Item = (K, V);
    type IntoIter = IntoIter<K, V>;

    fn into_iter(self) -> IntoIter<K, V> {
        IntoIter {
            entries: self.chain.into_values(),
        }
    }
}
