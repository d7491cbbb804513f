//! [`SkipMap`]: an ordered map, lock-free, on the toolkit's towers (`linked/tower.rs`).
#![forbid(unsafe_code)]

use core::borrow::Borrow;
use core::fmt;
use core::marker::PhantomData;
use core::ops::{Bound, RangeBounds, RangeFull};

use crate::linked::tower::TowerRef;
use crate::linked::tower::list::TowerList;

/// A lock-free ordered map: crossbeam-skiplist's `SkipMap` API, with memory reclaimed by hazard
/// pointers.
///
/// Every lookup returns an [`Entry`], a guard that keeps its key and value readable, even once
/// another thread removes or replaces them; dropping it lets them go. Removed entries are
/// retired into the global domain and freed by a later reclamation (by the background
/// reclaimer within about 20 ms, or [`hazptr::reclaim`](fn@crate::reclaim)), once no entry guard
/// protects them. **The memory it may hold unfreed is bounded by the hazard-pointer bound,
/// whatever threads do**: a thread stalled while holding an entry keeps that one entry (and
/// each thread at most a handful while it walks), never the garbage of the whole run, as an
/// epoch-based map does while a thread stays pinned.
///
/// Lock-free: a skip list of towers of marked links (Fraser 2004; Herlihy, Lev, Luchangco and
/// Shavit 2007; see the toolkit's `linked/tower.rs`), expected `O(log n)` per operation.
/// Iteration ([`iter`](Self::iter), [`range`](Self::range)) is weakly consistent: it yields
/// entries in key order, each key at most once, every key present for the whole iteration, and
/// may or may not yield keys inserted or removed meanwhile.
///
/// The methods that read or change the map ask `K: Ord + Send + Sync + 'static` and
/// `V: Send + Sync + 'static`: threads read keys and values at once (`Sync`), and a removed
/// entry is dropped by whichever thread reclaims it, at any later time (`Send + 'static`: it
/// is retired into the global domain, which outlives any borrow). Dropping the map frees every
/// entry still in it, at once: no guard can exist then, since guards borrow the map.
///
/// ```
/// use hazptr::collections::SkipMap;
///
/// let prices = SkipMap::new();
/// prices.insert("pear", 3);
/// prices.insert("apple", 2);
/// prices.insert("fig", 5);
/// let fig = prices.get("fig").unwrap();
/// prices.insert("fig", 6); // replaces: `fig` still reads the old value
/// assert_eq!(*fig.value(), 5);
/// assert_eq!(*prices.get("fig").unwrap().value(), 6);
/// let keys: Vec<&str> = prices.iter().map(|e| *e.key()).collect();
/// assert_eq!(keys, ["apple", "fig", "pear"]);
/// assert_eq!(prices.front().map(|e| *e.key()), Some("apple"));
/// assert_eq!(prices.remove("apple").map(|e| *e.value()), Some(2));
/// assert_eq!(prices.len(), 2);
/// ```
pub struct SkipMap<K, V> {
    list: TowerList<K, V>,
}

impl<K, V> SkipMap<K, V> {
    /// An empty map.
    #[must_use]
    pub fn new() -> Self {
        Self {
            list: TowerList::new(),
        }
    }

    /// How many entries the map holds (while insertions run, it may count one that is being
    /// linked).
    #[must_use]
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether the map holds no entry.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<K: Ord + Send + Sync + 'static, V: Send + Sync + 'static> SkipMap<K, V> {
    /// The entry with the smallest key.
    #[must_use]
    pub fn front(&self) -> Option<Entry<'_, K, V>> {
        self.wrap(self.list.first_where(|_| false))
    }

    /// The entry with the greatest key.
    #[must_use]
    pub fn back(&self) -> Option<Entry<'_, K, V>> {
        self.wrap(self.list.last_where(|_| true))
    }

    /// Whether `key` is present.
    #[must_use]
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.get(key).is_some()
    }

    /// The entry of `key`, if present.
    ///
    /// ```
    /// use hazptr::collections::SkipMap;
    ///
    /// let map: SkipMap<String, u32> = SkipMap::new();
    /// map.insert("x".to_string(), 1);
    /// assert_eq!(map.get("x").map(|e| *e.value()), Some(1)); // a `&str` looks up a `String`
    /// assert!(map.get("y").is_none());
    /// ```
    #[must_use]
    pub fn get<Q>(&self, key: &Q) -> Option<Entry<'_, K, V>>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let found = self.list.first_where(|k| k.borrow() < key)?;
        (found.key().borrow() == key).then(|| self.entry(found))
    }

    /// The entry with the smallest key within `bound` (`Included(k)`: the first key `>= k`;
    /// `Excluded(k)`: the first key `> k`; `Unbounded`: the first entry).
    ///
    /// ```
    /// use std::ops::Bound::{Excluded, Included};
    /// use hazptr::collections::SkipMap;
    ///
    /// let map: SkipMap<u32, ()> = [10, 20, 30].into_iter().map(|k| (k, ())).collect();
    /// assert_eq!(map.lower_bound(Included(&20)).map(|e| *e.key()), Some(20));
    /// assert_eq!(map.lower_bound(Excluded(&20)).map(|e| *e.key()), Some(30));
    /// assert_eq!(map.upper_bound(Excluded(&20)).map(|e| *e.key()), Some(10));
    /// assert!(map.lower_bound(Excluded(&30)).is_none());
    /// ```
    #[must_use]
    pub fn lower_bound<'a, Q>(&'a self, bound: Bound<&Q>) -> Option<Entry<'a, K, V>>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.wrap(self.list.first_where(|k| below_start(k.borrow(), bound)))
    }

    /// The entry with the greatest key within `bound` (`Included(k)`: the last key `<= k`;
    /// `Excluded(k)`: the last key `< k`; `Unbounded`: the last entry).
    #[must_use]
    pub fn upper_bound<'a, Q>(&'a self, bound: Bound<&Q>) -> Option<Entry<'a, K, V>>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.wrap(self.list.last_where(|k| within_end(k.borrow(), bound)))
    }

    /// The entry of `key`; if absent, inserts `value` first.
    pub fn get_or_insert(&self, key: K, value: V) -> Entry<'_, K, V> {
        self.get_or_insert_with(key, || value)
    }

    /// The entry of `key`; if absent, inserts the value `value_fn` makes (called only then, at
    /// most once: if another thread inserts the key meanwhile, its entry is returned and the
    /// value made is dropped).
    ///
    /// ```
    /// use hazptr::collections::SkipMap;
    ///
    /// let map = SkipMap::new();
    /// assert_eq!(*map.get_or_insert_with(1, || "one").value(), "one");
    /// assert_eq!(*map.get_or_insert_with(1, || unreachable!()).value(), "one");
    /// ```
    pub fn get_or_insert_with<F>(&self, key: K, value_fn: F) -> Entry<'_, K, V>
    where
        F: FnOnce() -> V,
    {
        self.entry(self.list.insert(key, value_fn, |_| false).0)
    }

    /// The entries, in key order (weakly consistent: see the type's documentation). Each item
    /// is an [`Entry`] guard; the iterator is double-ended, and `Send` (with its entries) when
    /// `K` and `V` are.
    #[must_use]
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter {
            range: self.range(..),
        }
    }

    /// The entries whose keys are within `range`, in key order (weakly consistent, as
    /// [`iter`](Self::iter)).
    ///
    /// ```
    /// use hazptr::collections::SkipMap;
    ///
    /// let map: SkipMap<u32, u32> = (0..10).map(|k| (k, k * k)).collect();
    /// let squares: Vec<u32> = map.range(3..6).map(|e| *e.value()).collect();
    /// assert_eq!(squares, [9, 16, 25]);
    /// let last_two: Vec<u32> = map.range(..=9).rev().take(2).map(|e| *e.key()).collect();
    /// assert_eq!(last_two, [9, 8]);
    /// ```
    pub fn range<Q, R>(&self, range: R) -> Range<'_, Q, R, K, V>
    where
        K: Borrow<Q>,
        R: RangeBounds<Q>,
        Q: Ord + ?Sized,
    {
        Range {
            list: &self.list,
            bounds: range,
            front: None,
            back: None,
            _key: PhantomData,
        }
    }

    /// Inserts `value` at `key` and returns its entry. A value already at `key` is replaced:
    /// the new entry is linked before the old one, which is then removed (so the key is never
    /// absent meanwhile); guards of the old entry still read it, and it is dropped by
    /// reclamation once none does.
    pub fn insert(&self, key: K, value: V) -> Entry<'_, K, V> {
        self.entry(self.list.insert(key, || value, |_| true).0)
    }

    /// Inserts `value` at `key` unless a value is present there for which `compare_fn` is
    /// `false`: then that entry is returned and nothing changes (crossbeam-skiplist's
    /// `compare_insert`). A replaced value is retired as by [`insert`](Self::insert).
    ///
    /// ```
    /// use hazptr::collections::SkipMap;
    ///
    /// let highest = SkipMap::new();
    /// highest.insert("score", 10);
    /// highest.compare_insert("score", 7, |old| 7 > *old); // kept: 10
    /// highest.compare_insert("score", 12, |old| 12 > *old); // replaced
    /// assert_eq!(*highest.get("score").unwrap().value(), 12);
    /// ```
    pub fn compare_insert<F>(&self, key: K, value: V, compare_fn: F) -> Entry<'_, K, V>
    where
        F: Fn(&V) -> bool,
    {
        self.entry(self.list.insert(key, || value, compare_fn).0)
    }

    /// Removes the entry of `key` and returns it (still readable through the guard), if this
    /// call removed it.
    pub fn remove<Q>(&self, key: &Q) -> Option<Entry<'_, K, V>>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let removed = self
            .list
            .remove_first(|k| k.borrow() < key, |k| k.borrow() == key)?;
        Some(self.entry(removed))
    }

    /// Removes the entry with the smallest key and returns it.
    #[allow(clippy::must_use_candidate)] // called for the effect as often as for the entry
    pub fn pop_front(&self) -> Option<Entry<'_, K, V>> {
        self.wrap(self.list.remove_first(|_| false, |_| true))
    }

    /// Removes the entry with the greatest key and returns it.
    #[allow(clippy::must_use_candidate)] // called for the effect as often as for the entry
    pub fn pop_back(&self) -> Option<Entry<'_, K, V>> {
        loop {
            let entry = self.back()?;
            if let Some(removed) = self.list.remove_entry(&entry.entry) {
                return Some(self.entry(removed));
            }
        }
    }

    /// Removes every entry (one at a time, from the front: entries inserted meanwhile may
    /// stay).
    pub fn clear(&self) {
        while self.pop_front().is_some() {}
    }

    fn entry<'a>(&'a self, entry: TowerRef<'a, K, V>) -> Entry<'a, K, V> {
        Entry {
            list: &self.list,
            entry,
        }
    }

    fn wrap<'a>(&'a self, entry: Option<TowerRef<'a, K, V>>) -> Option<Entry<'a, K, V>> {
        entry.map(|entry| self.entry(entry))
    }
}

/// Whether `key` is before the start of `bound`, as a lower bound.
fn below_start<Q: Ord + ?Sized>(key: &Q, bound: Bound<&Q>) -> bool {
    match bound {
        Bound::Included(start) => key < start,
        Bound::Excluded(start) => key <= start,
        Bound::Unbounded => false,
    }
}

/// Whether `key` is not past the end of `bound`, as an upper bound.
fn within_end<Q: Ord + ?Sized>(key: &Q, bound: Bound<&Q>) -> bool {
    match bound {
        Bound::Included(end) => key <= end,
        Bound::Excluded(end) => key < end,
        Bound::Unbounded => true,
    }
}

impl<K, V> Default for SkipMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V> fmt::Debug for SkipMap<K, V>
where
    K: Ord + Send + Sync + 'static + fmt::Debug,
    V: Send + Sync + 'static + fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for entry in self {
            map.entry(entry.key(), entry.value());
        }
        map.finish()
    }
}

impl<K, V> Extend<(K, V)> for SkipMap<K, V>
where
    K: Ord + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (key, value) in iter {
            self.insert(key, value);
        }
    }
}

impl<K, V> FromIterator<(K, V)> for SkipMap<K, V>
where
    K: Ord + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = Self::new();
        map.extend(iter);
        map
    }
}

impl<'a, K, V> IntoIterator for &'a SkipMap<K, V>
where
    K: Ord + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    type Item = Entry<'a, K, V>;
    type IntoIter = Iter<'a, K, V>;

    fn into_iter(self) -> Iter<'a, K, V> {
        self.iter()
    }
}

impl<K, V> IntoIterator for SkipMap<K, V> {
    type Item = (K, V);
    type IntoIter = IntoIter<K, V>;

    /// The entries, in key order, by value.
    fn into_iter(mut self) -> IntoIter<K, V> {
        IntoIter {
            entries: self.list.take_all().into_iter(),
        }
    }
}

/// The entries of a [`SkipMap`] it consumed, by value, in key order.
pub struct IntoIter<K, V> {
    entries: std::vec::IntoIter<(K, V)>,
}

impl<K, V> Iterator for IntoIter<K, V> {
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        self.entries.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

impl<K, V> fmt::Debug for IntoIter<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter")
            .field("remaining", &self.entries.len())
            .finish()
    }
}

/// An entry of a [`SkipMap`], protected: its key and value stay readable for as long as the
/// guard lives, even once the entry is removed or replaced (it is then freed after the last
/// guard of it is dropped). Borrows the map.
///
/// `Send` and `Sync` when `K` and `V` are `Send` and `Sync`, as the map is: it lends `&K` and
/// `&V`, and the last guard of a removed entry, wherever it is dropped, lets the entry be freed
/// by a reclamation on any thread.
///
/// A lookup's entry (`get`, `front`, an iteration) is protected by a hazard pointer: reading it
/// writes nothing to the map. The entries `remove`, `pop_front`, `pop_back` and `clone` return
/// hold a unit of the entry's reference count instead, as crossbeam-skiplist's entries do.
/// Every entry can be cloned, whenever: a lookup's entry of a key that another call has since
/// removed and retired too (the clone's unit then keeps the entry from being freed: the
/// reclamation that finds it unprotected leaves it to its clones, and the last one dropped
/// retires it again).
pub struct Entry<'a, K, V> {
    list: &'a TowerList<K, V>,
    entry: TowerRef<'a, K, V>,
}

impl<K, V> Entry<'_, K, V> {
    /// The key.
    #[must_use]
    pub fn key(&self) -> &K {
        self.entry.key()
    }

    /// The value.
    #[must_use]
    pub fn value(&self) -> &V {
        self.entry.value()
    }

    /// Whether the entry was removed from the map (or replaced).
    #[must_use]
    pub fn is_removed(&self) -> bool {
        self.entry.is_removed()
    }
}

impl<'a, K: Ord + Send + Sync + 'static, V: Send + Sync + 'static> Entry<'a, K, V> {
    /// Removes this entry from the map; whether this call removed it (`false` if it was
    /// removed already).
    #[allow(clippy::must_use_candidate)] // called for the effect as often as for the answer
    pub fn remove(&self) -> bool {
        self.list.remove_entry(&self.entry).is_some()
    }

    /// The entry after this one (the first with a greater key).
    #[must_use]
    pub fn next(&self) -> Option<Entry<'a, K, V>> {
        self.list.next_after(&self.entry).map(|entry| Entry {
            list: self.list,
            entry,
        })
    }

    /// The entry before this one (the last with a smaller key).
    #[must_use]
    pub fn prev(&self) -> Option<Entry<'a, K, V>> {
        let key = self.key();
        self.list.last_where(|k| k < key).map(|entry| Entry {
            list: self.list,
            entry,
        })
    }

    /// Moves to the next entry; `false` (staying) if there is none.
    pub fn move_next(&mut self) -> bool {
        match self.next() {
            Some(next) => {
                *self = next;
                true
            }
            None => false,
        }
    }

    /// Moves to the previous entry; `false` (staying) if there is none.
    pub fn move_prev(&mut self) -> bool {
        match self.prev() {
            Some(prev) => {
                *self = prev;
                true
            }
            None => false,
        }
    }
}

impl<K, V> Clone for Entry<'_, K, V> {
    /// A second guard of the same entry: it takes a unit of the entry's reference count (see
    /// the type's documentation).
    fn clone(&self) -> Self {
        Self {
            list: self.list,
            entry: self.entry.count(),
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for Entry<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Entry")
            .field(self.key())
            .field(self.value())
            .finish()
    }
}

/// The entries of a [`SkipMap`], in key order: [`SkipMap::iter`].
pub struct Iter<'a, K, V> {
    range: Range<'a, K, RangeFull, K, V>,
}

impl<'a, K: Ord + Send + Sync + 'static, V: Send + Sync + 'static> Iterator for Iter<'a, K, V> {
    type Item = Entry<'a, K, V>;

    fn next(&mut self) -> Option<Entry<'a, K, V>> {
        self.range.next()
    }
}

impl<K: Ord + Send + Sync + 'static, V: Send + Sync + 'static> DoubleEndedIterator
    for Iter<'_, K, V>
{
    fn next_back(&mut self) -> Option<Self::Item> {
        self.range.next_back()
    }
}

impl<K, V> fmt::Debug for Iter<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}

/// The entries of a [`SkipMap`] within a range, in key order: [`SkipMap::range`].
///
/// Double-ended: from the front it steps along the bottom level (a search only when the entry
/// it stands on was removed meanwhile), from the back each step is a search. It holds a guard
/// on the last entry it yielded at each end (one hazard pointer each), besides the guards it
/// yields. As crossbeam-skiplist's, it is not fused: once it returned `None`, a later call looks
/// again from where it stands, and yields what was inserted there meanwhile; once its two ends
/// have met, it yields nothing more.
pub struct Range<'a, Q: ?Sized, R, K, V> {
    list: &'a TowerList<K, V>,
    bounds: R,
    front: Option<TowerRef<'a, K, V>>,
    back: Option<TowerRef<'a, K, V>>,
    _key: PhantomData<fn(&Q)>,
}

impl<'a, Q, R, K, V> Iterator for Range<'a, Q, R, K, V>
where
    K: Ord + Send + Sync + 'static + Borrow<Q>,
    V: Send + Sync + 'static,
    R: RangeBounds<Q>,
    Q: Ord + ?Sized,
{
    type Item = Entry<'a, K, V>;

    fn next(&mut self) -> Option<Entry<'a, K, V>> {
        loop {
            let found = if let Some(at) = &self.front {
                self.list.next_after(at)?
            } else {
                let start = self.bounds.start_bound();
                self.list.first_where(|k| below_start(k.borrow(), start))?
            };
            let crossed = self
                .back
                .as_ref()
                .is_some_and(|back| found.key() >= back.key());
            if crossed || !within_end(found.key().borrow(), self.bounds.end_bound()) {
                return None;
            }
            // Keep a guard of our own where we stand; if the entry was retired already, it was
            // removed meanwhile: skip it, stepping on from it.
            match found.try_clone() {
                Some(at) => {
                    self.front = Some(at);
                    return Some(Entry {
                        list: self.list,
                        entry: found,
                    });
                }
                None => self.front = Some(found),
            }
        }
    }
}

impl<Q, R, K, V> DoubleEndedIterator for Range<'_, Q, R, K, V>
where
    K: Ord + Send + Sync + 'static + Borrow<Q>,
    V: Send + Sync + 'static,
    R: RangeBounds<Q>,
    Q: Ord + ?Sized,
{
    fn next_back(&mut self) -> Option<Self::Item> {
        loop {
            let found = if let Some(at) = &self.back {
                let key = at.key();
                self.list.last_where(|k| k < key)?
            } else {
                let end = self.bounds.end_bound();
                self.list.last_where(|k| within_end(k.borrow(), end))?
            };
            let crossed = self
                .front
                .as_ref()
                .is_some_and(|front| found.key() <= front.key());
            if crossed || below_start(found.key().borrow(), self.bounds.start_bound()) {
                return None;
            }
            match found.try_clone() {
                Some(at) => {
                    self.back = Some(at);
                    return Some(Entry {
                        list: self.list,
                        entry: found,
                    });
                }
                None => self.back = Some(found),
            }
        }
    }
}

impl<Q: ?Sized, R: fmt::Debug, K, V> fmt::Debug for Range<'_, Q, R, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Range")
            .field("bounds", &self.bounds)
            .finish_non_exhaustive()
    }
}
