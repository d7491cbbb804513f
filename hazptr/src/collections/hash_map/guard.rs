//! The map's guards: [`Ref`], a protected entry, and [`OccupiedError`].

use core::fmt;
use core::ops::Deref;

use super::{Entry, Node, entry};
use crate::protect::guard::Protected;

/// A value of a [`HashMap`](super::HashMap) with its key, kept readable (not freed) for as long as the guard
/// lives, even once another thread removes or replaces it. Derefs to the value.
///
/// Holds one hazard pointer (taken from a per-thread cache and given back when it drops), and
/// borrows the map, which cannot drop meanwhile.
#[must_use = "a guard protects its value only while it lives"]
pub struct Ref<'a, K, V> {
    entry: Protected<'a, Entry<K, V>>,
}

impl<'a, K, V> Ref<'a, K, V> {
    /// Wraps the guard of a value item.
    pub(super) fn new(item: Protected<'a, Node<K, V>>) -> Self {
        Self {
            entry: Protected::map(item, entry),
        }
    }

    /// The key.
    #[must_use]
    pub fn key(&self) -> &K {
        &self.entry.key
    }

    /// The value.
    #[must_use]
    pub fn value(&self) -> &V {
        &self.entry.value
    }

    /// The key and the value.
    #[must_use]
    pub fn pair(&self) -> (&K, &V) {
        (&self.entry.key, &self.entry.value)
    }

    /// The guard of the key alone (the entry stays protected while it lives).
    pub fn into_key(self) -> Protected<'a, K> {
        Protected::map(self.entry, |entry| &entry.key)
    }

    /// The guard of the value alone (the entry stays protected while it lives).
    pub fn into_value(self) -> Protected<'a, V> {
        Protected::map(self.entry, |entry| &entry.value)
    }
}

impl<K, V> Deref for Ref<'_, K, V> {
    type Target = V;

    #[inline]
    fn deref(&self) -> &V {
        &self.entry.value
    }
}

impl<K, V> AsRef<V> for Ref<'_, K, V> {
    fn as_ref(&self) -> &V {
        &self.entry.value
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for Ref<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ref")
            .field("key", &self.entry.key)
            .field("value", &self.entry.value)
            .finish()
    }
}

/// Guards compare by value (as `&V` does), so that `assert_eq!(map.insert(k, v), None)` reads as
/// it would with std's map.
impl<K, V: PartialEq> PartialEq for Ref<'_, K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.entry.value == other.entry.value
    }
}

impl<K, V: Eq> Eq for Ref<'_, K, V> {}

/// A guard equals a value when its value does: `map.get(&k).unwrap() == 3`.
impl<K, V: PartialEq> PartialEq<V> for Ref<'_, K, V> {
    fn eq(&self, other: &V) -> bool {
        self.entry.value == *other
    }
}

impl<K, V: fmt::Display> fmt::Display for Ref<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.entry.value, f)
    }
}

/// What [`HashMap::try_insert`](super::HashMap::try_insert) gives back when the key is present: the value there, and the
/// one not inserted.
pub struct OccupiedError<'a, K, V> {
    /// The value of the key, protected.
    pub current: Ref<'a, K, V>,
    /// The value that was not inserted.
    pub not_inserted: V,
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for OccupiedError<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OccupiedError")
            .field("key", self.current.key())
            .field("current", self.current.value())
            .field("not_inserted", &self.not_inserted)
            .finish()
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Display for OccupiedError<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "failed to insert {:?}, key {:?} already exists with value {:?}",
            self.not_inserted,
            self.current.key(),
            self.current.value(),
        )
    }
}

impl<K: fmt::Debug, V: fmt::Debug> std::error::Error for OccupiedError<'_, K, V> {}
