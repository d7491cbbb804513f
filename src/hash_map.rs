//! Michael's lock-free hash map (M. M. Michael, "High Performance Dynamic Lock-Free Hash Tables
//! and List-Based Sets", SPAA 2002): a fixed array of buckets, each a Harris–Michael sorted list
//! of entries, written on hazptr's linked-structure toolkit, without `unsafe`.
//!
//! An operation hashes its key to a bucket and works on that bucket's list as
//! [`ListSet`](crate::list_set::ListSet) does, ordering entries by key. The number of buckets is
//! fixed when the map is made: choose it near the number of keys you expect (a bucket's list is
//! walked from its start).

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::ops::Deref;
use std::hash::RandomState;

use hazptr::{Cursor, Head, Owned, Protected};

/// One key and its value: what a bucket's list holds, ordered by key.
struct Entry<K, V> {
    key: K,
    value: V,
}

/// A lock-free hash map with a fixed number of buckets.
///
/// ```
/// use hazptr_suite::hash_map::HashMap;
///
/// let map = HashMap::with_buckets(64);
/// assert!(map.insert("a", 1));
/// assert!(!map.insert("a", 2)); // present: `2` is dropped, `1` stays
/// assert_eq!(map.get(&"a").as_deref(), Some(&1));
/// assert!(map.remove(&"a"));
/// assert!(map.get(&"a").is_none());
/// ```
pub struct HashMap<K, V> {
    buckets: Box<[Head<Entry<K, V>>]>,
    hasher: RandomState,
}

/// A value of the map, kept alive (protected from reclamation) while this lives, even if its key
/// is removed meanwhile. Returned by [`HashMap::get`].
pub struct ValueRef<'m, K, V> {
    entry: Protected<'m, Entry<K, V>>,
}

impl<K, V> Deref for ValueRef<'_, K, V> {
    type Target = V;

    fn deref(&self) -> &V {
        &self.entry.value
    }
}

impl<K, V: fmt::Debug> fmt::Debug for ValueRef<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.entry.value, f)
    }
}

/// Stands `cursor` before the entry of `key`, or where it would be inserted; whether it is there.
fn seek<K: Ord + Send + Sync + 'static, V: Send + Sync + 'static>(
    cursor: &mut Cursor<'_, Entry<K, V>>,
    key: &K,
) -> bool {
    cursor
        .seek(|e| e.key >= *key)
        .is_some_and(|e| e.key == *key)
}

/// The default number of buckets of [`HashMap::new`].
const DEFAULT_BUCKETS: usize = 1024;

impl<K, V> HashMap<K, V>
where
    K: Hash + Eq + Ord + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    /// An empty map with 1024 buckets.
    #[must_use]
    pub fn new() -> Self {
        Self::with_buckets(DEFAULT_BUCKETS)
    }

    /// An empty map with `buckets` buckets (rounded up to a power of two, at least one).
    #[must_use]
    pub fn with_buckets(buckets: usize) -> Self {
        let buckets = buckets.max(1).next_power_of_two();
        Self {
            buckets: (0..buckets).map(|_| Head::new()).collect(),
            hasher: RandomState::new(),
        }
    }

    /// The bucket of `key`.
    fn bucket(&self, key: &K) -> &Head<Entry<K, V>> {
        // Truncating the hash is intended: the mask keeps its low bits.
        #[allow(clippy::cast_possible_truncation)]
        let hash = self.hasher.hash_one(key) as usize;
        &self.buckets[hash & (self.buckets.len() - 1)]
    }

    /// Inserts `key` with `value`; `false` (and `value` dropped) if the key is present.
    pub fn insert(&self, key: K, value: V) -> bool {
        let mut cursor = self.bucket(&key).cursor();
        let mut node = Owned::new(Entry { key, value });
        loop {
            let found = cursor.seek(|e| e.key >= node.key);
            if found.is_some_and(|e| e.key == node.key) {
                return false;
            }
            match cursor.insert(node) {
                Ok(()) => return true,
                Err(back) => node = back,
            }
        }
    }

    /// Removes `key`; `true` if it was present and this call removed it. Its value is dropped
    /// once no [`ValueRef`] reads it any more.
    pub fn remove(&self, key: &K) -> bool {
        let mut cursor = self.bucket(key).cursor();
        loop {
            if !seek(&mut cursor, key) {
                return false;
            }
            if cursor.remove() {
                return true;
            }
        }
    }

    /// Whether `key` is present.
    #[must_use]
    pub fn contains_key(&self, key: &K) -> bool {
        self.find(key).is_some()
    }

    /// The value of `key`, kept alive while the returned reference lives.
    #[must_use]
    pub fn get(&self, key: &K) -> Option<impl Deref<Target = V> + '_> {
        self.find(key).map(|entry| ValueRef { entry })
    }

    /// The entry of `key`, protected. A lookup changes nothing but the deleted entries it
    /// unlinks on the way, so it needs no cursor: [`Head::find`] stops at the first entry whose
    /// key is not smaller, which holds `key` if it is present.
    fn find(&self, key: &K) -> Option<Protected<'_, Entry<K, V>>> {
        self.bucket(key)
            .find(|e| e.key >= *key)
            .filter(|e| e.key == *key)
    }

    /// The number of buckets.
    #[must_use]
    pub fn buckets(&self) -> usize {
        self.buckets.len()
    }
}

impl<K, V> Default for HashMap<K, V>
where
    K: Hash + Eq + Ord + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V> fmt::Debug for HashMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HashMap")
            .field("buckets", &self.buckets.len())
            .finish_non_exhaustive()
    }
}
