//! [`SkipSet`]: an ordered set, lock-free: a [`SkipMap`] whose values are `()`.
#![forbid(unsafe_code)]

use core::borrow::Borrow;
use core::fmt;
use core::ops::{Bound, Deref, RangeBounds};

use crate::collections::skip_map::{self, SkipMap};

/// A lock-free ordered set: crossbeam-skiplist's `SkipSet` API, with memory reclaimed by hazard
/// pointers. A [`SkipMap<T, ()>`](SkipMap): see it for the guarantees (weakly consistent
/// iteration in order; garbage bounded by the hazard-pointer bound even while a thread stalls
/// holding an entry) and for why the methods ask `T: Ord + Send + Sync + 'static`.
///
/// ```
/// use hazptr::collections::SkipSet;
///
/// let set: SkipSet<u32> = [5, 1, 3].into_iter().collect();
/// assert!(set.contains(&3));
/// assert_eq!(set.front().map(|e| *e.value()), Some(1));
/// assert_eq!(set.pop_back().map(|e| *e.value()), Some(5));
/// let left: Vec<u32> = set.iter().map(|e| *e.value()).collect();
/// assert_eq!(left, [1, 3]);
/// ```
pub struct SkipSet<T> {
    map: SkipMap<T, ()>,
}

impl<T> SkipSet<T> {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self {
            map: SkipMap::new(),
        }
    }

    /// How many values the set holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the set holds no value.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

impl<T: Ord + Send + Sync + 'static> SkipSet<T> {
    /// The smallest value.
    #[must_use]
    pub fn front(&self) -> Option<Entry<'_, T>> {
        self.map.front().map(Entry)
    }

    /// The greatest value.
    #[must_use]
    pub fn back(&self) -> Option<Entry<'_, T>> {
        self.map.back().map(Entry)
    }

    /// Whether `value` is present.
    #[must_use]
    pub fn contains<Q>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.map.contains_key(value)
    }

    /// The entry of `value`, if present.
    #[must_use]
    pub fn get<Q>(&self, value: &Q) -> Option<Entry<'_, T>>
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.map.get(value).map(Entry)
    }

    /// The smallest value within `bound` (see [`SkipMap::lower_bound`]).
    #[must_use]
    pub fn lower_bound<'a, Q>(&'a self, bound: Bound<&Q>) -> Option<Entry<'a, T>>
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.map.lower_bound(bound).map(Entry)
    }

    /// The greatest value within `bound` (see [`SkipMap::upper_bound`]).
    #[must_use]
    pub fn upper_bound<'a, Q>(&'a self, bound: Bound<&Q>) -> Option<Entry<'a, T>>
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.map.upper_bound(bound).map(Entry)
    }

    /// The entry of `value`, inserting it first if absent.
    pub fn get_or_insert(&self, value: T) -> Entry<'_, T> {
        Entry(self.map.get_or_insert(value, ()))
    }

    /// The values, in order (weakly consistent: see [`SkipMap`]).
    #[must_use]
    pub fn iter(&self) -> Iter<'_, T> {
        Iter(self.map.iter())
    }

    /// The values within `range`, in order.
    pub fn range<Q, R>(&self, range: R) -> Range<'_, Q, R, T>
    where
        T: Borrow<Q>,
        R: RangeBounds<Q>,
        Q: Ord + ?Sized,
    {
        Range(self.map.range(range))
    }

    /// Inserts `value` (replacing an equal one, as [`SkipMap::insert`]) and returns its entry.
    pub fn insert(&self, value: T) -> Entry<'_, T> {
        Entry(self.map.insert(value, ()))
    }

    /// Removes `value` and returns its entry, if this call removed it.
    pub fn remove<Q>(&self, value: &Q) -> Option<Entry<'_, T>>
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.map.remove(value).map(Entry)
    }

    /// Removes the smallest value and returns its entry.
    pub fn pop_front(&self) -> Option<Entry<'_, T>> {
        self.map.pop_front().map(Entry)
    }

    /// Removes the greatest value and returns its entry.
    pub fn pop_back(&self) -> Option<Entry<'_, T>> {
        self.map.pop_back().map(Entry)
    }

    /// Removes every value (see [`SkipMap::clear`]).
    pub fn clear(&self) {
        self.map.clear();
    }
}

impl<T> Default for SkipSet<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Ord + Send + Sync + 'static + fmt::Debug> fmt::Debug for SkipSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<T: Ord + Send + Sync + 'static> Extend<T> for SkipSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for value in iter {
            self.insert(value);
        }
    }
}

impl<T: Ord + Send + Sync + 'static> FromIterator<T> for SkipSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut set = Self::new();
        set.extend(iter);
        set
    }
}

impl<'a, T: Ord + Send + Sync + 'static> IntoIterator for &'a SkipSet<T> {
    type Item = Entry<'a, T>;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T> IntoIterator for SkipSet<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    /// The values, in order, by value.
    fn into_iter(self) -> IntoIter<T> {
        IntoIter(self.map.into_iter())
    }
}

/// The values of a [`SkipSet`] it consumed, in order.
#[derive(Debug)]
pub struct IntoIter<T>(skip_map::IntoIter<T, ()>);

impl<T> Iterator for IntoIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.0.next().map(|(value, ())| value)
    }
}

/// A value of a [`SkipSet`], protected: readable for as long as the guard lives, even once
/// removed. Borrows the set; derefs to the value. `Clone` as [`skip_map::Entry`]'s (a unit of
/// its reference count, which works even once another call removed and retired it).
pub struct Entry<'a, T>(skip_map::Entry<'a, T, ()>);

impl<T> Clone for Entry<'_, T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T> Deref for Entry<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.value()
    }
}

impl<T> Entry<'_, T> {
    /// The value.
    #[must_use]
    pub fn value(&self) -> &T {
        self.0.key()
    }

    /// Whether the value was removed from the set.
    #[must_use]
    pub fn is_removed(&self) -> bool {
        self.0.is_removed()
    }
}

impl<'a, T: Ord + Send + Sync + 'static> Entry<'a, T> {
    /// Removes this value from the set; whether this call removed it.
    #[allow(clippy::must_use_candidate)] // called for the effect as often as for the answer
    pub fn remove(&self) -> bool {
        self.0.remove()
    }

    /// The entry after this one.
    #[must_use]
    pub fn next(&self) -> Option<Entry<'a, T>> {
        self.0.next().map(Entry)
    }

    /// The entry before this one.
    #[must_use]
    pub fn prev(&self) -> Option<Entry<'a, T>> {
        self.0.prev().map(Entry)
    }

    /// Moves to the next entry; `false` (staying) if there is none.
    pub fn move_next(&mut self) -> bool {
        self.0.move_next()
    }

    /// Moves to the previous entry; `false` (staying) if there is none.
    pub fn move_prev(&mut self) -> bool {
        self.0.move_prev()
    }
}

impl<T: fmt::Debug> fmt::Debug for Entry<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Entry").field(self.value()).finish()
    }
}

/// The values of a [`SkipSet`], in order: [`SkipSet::iter`].
#[derive(Debug)]
pub struct Iter<'a, T>(skip_map::Iter<'a, T, ()>);

impl<'a, T: Ord + Send + Sync + 'static> Iterator for Iter<'a, T> {
    type Item = Entry<'a, T>;

    fn next(&mut self) -> Option<Entry<'a, T>> {
        self.0.next().map(Entry)
    }
}

impl<T: Ord + Send + Sync + 'static> DoubleEndedIterator for Iter<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(Entry)
    }
}

/// The values of a [`SkipSet`] within a range: [`SkipSet::range`].
pub struct Range<'a, Q: ?Sized, R, T>(skip_map::Range<'a, Q, R, T, ()>);

impl<'a, Q, R, T> Iterator for Range<'a, Q, R, T>
where
    T: Ord + Send + Sync + 'static + Borrow<Q>,
    R: RangeBounds<Q>,
    Q: Ord + ?Sized,
{
    type Item = Entry<'a, T>;

    fn next(&mut self) -> Option<Entry<'a, T>> {
        self.0.next().map(Entry)
    }
}

impl<Q, R, T> DoubleEndedIterator for Range<'_, Q, R, T>
where
    T: Ord + Send + Sync + 'static + Borrow<Q>,
    R: RangeBounds<Q>,
    Q: Ord + ?Sized,
{
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(Entry)
    }
}

impl<Q: ?Sized, R: fmt::Debug, T> fmt::Debug for Range<'_, Q, R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
