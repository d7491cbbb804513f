//! A lock-free hash set: a [`HashMap`] of keys to `()`.

use core::borrow::Borrow;
use core::fmt;
use core::hash::{BuildHasher, Hash};
use std::hash::RandomState;

use crate::collections::hash_map::{HashMap, Keys, Ref};
use crate::protect::guard::Protected;

/// A lock-free concurrent hash set whose table grows without blocking, with the memory bound of
/// hazard pointers: a [`HashMap`] whose values are `()`, with the methods of std's `HashSet`.
///
/// Lookups return a guard of the value ([`Protected`]), readable while it lives even once
/// another thread removes the value. Consistency and memory are as for [`HashMap`].
///
/// ```
/// use hazptr::collections::HashSet;
///
/// let set = HashSet::new();
/// std::thread::scope(|s| {
///     for t in 0..2 {
///         let set = &set;
///         s.spawn(move || (0..50).for_each(|i| _ = set.insert(i * 2 + t)));
///     }
/// });
/// assert_eq!(set.len(), 100);
/// assert!(!set.insert(3)); // present: unchanged
/// assert!(set.remove(&3));
/// assert!(!set.contains(&3));
/// ```
pub struct HashSet<T, S = RandomState> {
    map: HashMap<T, (), S>,
}

impl<T> HashSet<T, RandomState> {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self {
            map: HashMap::new(),
        }
    }

    /// An empty set with room for `capacity` values.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            map: HashMap::with_capacity(capacity),
        }
    }
}

impl<T, S> HashSet<T, S> {
    /// An empty set hashing values with `hasher`.
    #[must_use]
    pub fn with_hasher(hasher: S) -> Self {
        Self {
            map: HashMap::with_hasher(hasher),
        }
    }

    /// An empty set with room for `capacity` values, hashing them with `hasher`.
    #[must_use]
    pub fn with_capacity_and_hasher(capacity: usize, hasher: S) -> Self {
        Self {
            map: HashMap::with_capacity_and_hasher(capacity, hasher),
        }
    }

    /// The number of values (as exact as [`HashMap::len`]).
    #[must_use]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the set is empty (as exact as [`HashMap::len`]).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The hasher.
    #[must_use]
    pub fn hasher(&self) -> &S {
        self.map.hasher()
    }
}

impl<T, S> HashSet<T, S>
where
    T: Hash + Eq + Send + Sync + 'static,
    S: BuildHasher,
{
    /// Adds `value` if it is absent: whether it was added (if present, the set is unchanged and
    /// `value` is dropped), as std's `HashSet::insert`.
    pub fn insert(&self, value: T) -> bool {
        self.map.try_insert(value, ()).is_ok()
    }

    /// Adds `value`, replacing an equal value present: whether one was (std's
    /// `HashSet::replace` returns it; here it is retired, since other threads may read it).
    pub fn replace(&self, value: T) -> bool {
        self.map.insert(value, ()).is_some()
    }

    /// Whether `value` is present.
    #[must_use]
    pub fn contains<Q>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.contains_key(value)
    }

    /// The value equal to `value`, as a guard; `None` if absent.
    pub fn get<Q>(&self, value: &Q) -> Option<Protected<'_, T>>
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.get(value).map(key_guard)
    }

    /// The value equal to `value`, adding `value` first if absent.
    pub fn get_or_insert(&self, value: T) -> Protected<'_, T> {
        key_guard(self.map.get_or_insert(value, ()))
    }

    /// Removes `value`: whether it was present.
    pub fn remove<Q>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.remove(value).is_some()
    }

    /// Removes `value` and returns it, as a guard (it is retired, and freed once no guard reads
    /// it); `None` if absent.
    pub fn take<Q>(&self, value: &Q) -> Option<Protected<'_, T>>
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.remove(value).map(key_guard)
    }

    /// Removes the values for which `keep` is false ([`HashMap::retain`]).
    pub fn retain(&self, mut keep: impl FnMut(&T) -> bool) {
        self.map.retain(|value, ()| keep(value));
    }

    /// Removes every value.
    pub fn clear(&self) {
        self.map.clear();
    }

    /// The values, as guards, in no particular order; weakly consistent ([`HashMap::iter`]).
    /// `for value in &set` does the same.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter(self.map.keys())
    }

    /// How many values the table takes before it next doubles ([`HashMap::capacity`]).
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.map.capacity()
    }

    /// Grows the table for `additional` more values ([`HashMap::reserve`]).
    pub fn reserve(&self, additional: usize) {
        self.map.reserve(additional);
    }
}

/// The values of a [`HashSet`], each as a guard: [`HashSet::iter`]. Weakly consistent; not
/// `Send`.
pub struct Iter<'a, T>(Keys<'a, T, ()>);

impl<'a, T: Send + Sync + 'static> Iterator for Iter<'a, T> {
    type Item = Protected<'a, T>;

    fn next(&mut self) -> Option<Protected<'a, T>> {
        self.0.next()
    }
}

impl<T: Send + Sync + 'static> core::iter::FusedIterator for Iter<'_, T> {}

impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}

/// `for value in &set`: [`HashSet::iter`].
impl<'a, T, S> IntoIterator for &'a HashSet<T, S>
where
    T: Hash + Eq + Send + Sync + 'static,
    S: BuildHasher,
{
    type Item = Protected<'a, T>;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

/// Two sets are equal when they hold equal values ([`HashMap`]'s `PartialEq`: exact when
/// neither changes during the comparison).
impl<T, S> PartialEq for HashSet<T, S>
where
    T: Hash + Eq + Send + Sync + 'static,
    S: BuildHasher,
{
    fn eq(&self, other: &Self) -> bool {
        self.map == other.map
    }
}

impl<T, S> Eq for HashSet<T, S>
where
    T: Hash + Eq + Send + Sync + 'static,
    S: BuildHasher,
{
}

/// The guard of an entry's key.
fn key_guard<T>(entry: Ref<'_, T, ()>) -> Protected<'_, T> {
    entry.into_key()
}

/// The values by value: with the set owned, no other thread or guard reads them.
impl<T, S> IntoIterator for HashSet<T, S> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    fn into_iter(self) -> IntoIter<T> {
        IntoIter {
            entries: self.map.into_iter(),
        }
    }
}

/// The values of a [`HashSet`] it consumed, by value, in no particular order.
pub struct IntoIter<T> {
    entries: crate::collections::hash_map::IntoIter<T, ()>,
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.entries.next().map(|(value, ())| value)
    }
}

impl<T> core::iter::FusedIterator for IntoIter<T> {}

impl<T: fmt::Debug> fmt::Debug for IntoIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter").finish_non_exhaustive()
    }
}

impl<T, S: Default> Default for HashSet<T, S> {
    fn default() -> Self {
        Self::with_hasher(S::default())
    }
}

impl<T, S> fmt::Debug for HashSet<T, S>
where
    T: Hash + Eq + Send + Sync + 'static + fmt::Debug,
    S: BuildHasher,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut set = f.debug_set();
        for value in self {
            set.entry(&*value);
        }
        set.finish()
    }
}

impl<T, S> Extend<T> for HashSet<T, S>
where
    T: Hash + Eq + Send + Sync + 'static,
    S: BuildHasher,
{
    fn extend<I: IntoIterator<Item = T>>(&mut self, values: I) {
        (&*self).extend(values);
    }
}

/// Extends through a shared reference, as every method of the set does.
impl<T, S> Extend<T> for &HashSet<T, S>
where
    T: Hash + Eq + Send + Sync + 'static,
    S: BuildHasher,
{
    fn extend<I: IntoIterator<Item = T>>(&mut self, values: I) {
        for value in values {
            self.insert(value);
        }
    }
}

impl<T, S> FromIterator<T> for HashSet<T, S>
where
    T: Hash + Eq + Send + Sync + 'static,
    S: BuildHasher + Default,
{
    fn from_iter<I: IntoIterator<Item = T>>(values: I) -> Self {
        let values = values.into_iter();
        let set = Self::with_capacity_and_hasher(values.size_hint().0, S::default());
        (&set).extend(values);
        set
    }
}

impl<T, const N: usize> From<[T; N]> for HashSet<T, RandomState>
where
    T: Hash + Eq + Send + Sync + 'static,
{
    fn from(values: [T; N]) -> Self {
        values.into_iter().collect()
    }
}
