//! A lock-free sorted list set: Harris's list (T. L. Harris, "A Pragmatic Implementation of
//! Non-Blocking Linked-Lists", DISC 2001) with Michael's hazard pointers (M. M. Michael, "High
//! Performance Dynamic Lock-Free Hash Tables and List-Based Sets", SPAA 2002), written on
//! hazptr's linked-structure toolkit, without `unsafe`.
//!
//! The keys are kept in increasing order in one chain. Every operation first seeks the first
//! node whose key is not smaller than its own, which unlinks the nodes other threads deleted on
//! the way; then:
//!
//! - `insert` publishes a new node there, unless the key is already present; if the chain
//!   changed there meanwhile, it seeks again (the new node comes back from the failed insertion);
//! - `remove` marks that node, if it holds the key: the thread whose mark lands removed it; it
//!   then unlinks it (or a later walk does) and retires it;
//! - `contains` looks at that node's key.

use core::fmt;

use hazptr::{Head, Owned, Protected};

/// A lock-free set of keys, kept sorted in a linked list.
///
/// Every operation walks the list from its start (time linear in the position of the key); a
/// walk holds at most three hazard pointers however long it is. Removed keys are dropped when
/// the last walk that could read them has moved on; keys still in the set are dropped with it.
///
/// ```
/// use hazptr_suite::list_set::ListSet;
///
/// let set = ListSet::new();
/// assert!(set.insert(3));
/// assert!(set.insert(1));
/// assert!(!set.insert(3)); // already present
/// assert!(set.contains(&1));
/// assert!(set.remove(&1));
/// assert!(!set.remove(&1));
/// assert!(!set.contains(&1));
/// ```
pub struct ListSet<K> {
    head: Head<K>,
}

impl<K: Ord + Send + Sync + 'static> ListSet<K> {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self { head: Head::new() }
    }

    /// Adds `key`; `true` if it was not present (otherwise `key` is dropped).
    pub fn insert(&self, key: K) -> bool {
        let mut cursor = self.head.cursor();
        let mut node = Owned::new(key);
        loop {
            if cursor.seek(|k| *k >= *node) == Some(&*node) {
                return false;
            }
            match cursor.insert(node) {
                Ok(()) => return true,
                // The chain changed where the key goes: seek again.
                Err(back) => node = back,
            }
        }
    }

    /// Removes `key`; `true` if it was present and this call removed it.
    pub fn remove(&self, key: &K) -> bool {
        let mut cursor = self.head.cursor();
        loop {
            if cursor.seek(|k| k >= key) != Some(key) {
                return false;
            }
            if cursor.remove() {
                return true;
            }
            // Another thread removed that node first; the key may be back in another node.
        }
    }

    /// Whether `key` is in the set.
    #[must_use]
    pub fn contains(&self, key: &K) -> bool {
        // A cursor's walk, not `Head::find`'s: it needs no guard, and on a long list it costs
        // less per node (20.1 instructions against 21.0 in `bench/callgrind.sh`'s list row).
        self.head.cursor().seek(|k| k >= key) == Some(key)
    }

    /// The set's copy of `key`, protected from reclamation while the guard lives, even if the
    /// key is removed meanwhile.
    #[must_use]
    pub fn get(&self, key: &K) -> Option<Protected<'_, K>> {
        self.head.find(|k| k >= key).filter(|k| **k == *key)
    }

    /// Whether the set has no key now.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.head.cursor().seek(|_| true).is_none()
    }
}

impl<K: Ord + Send + Sync + 'static> Default for ListSet<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K> fmt::Debug for ListSet<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListSet").finish_non_exhaustive()
    }
}
