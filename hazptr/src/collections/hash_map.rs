//! A lock-free hash map that grows without blocking: a split-ordered list (O. Shalev and N.
//! Shavit, "Split-Ordered Lists: Lock-Free Extensible Hash Tables", JACM 53(3), 2006) on the
//! toolkit's [`AnchoredHead`].
//!
//! Every entry is a node of one Harris–Michael list, sorted by its *split-order key*: its hash
//! with the top bit set, bit-reversed (so odd). Bucket `b` of a table of `2^k` buckets is an
//! anchor (a "dummy node") whose key is `b` bit-reversed (even): it stands just before the
//! entries whose hash ends in `b`'s `k` low bits, and when the table doubles, bucket `b + 2^k`
//! splits `b`'s run in two without moving a node. An operation hashes its key, finds its
//! bucket's anchor in the index (making it on first use, from its parent bucket: `b` without
//! its highest bit), and walks from there; the table grows by doubling one counter, and a new
//! bucket is filled in lazily by the first operation that needs it, so growing blocks no one.
//!
//! Where this departs from the paper:
//! - Replacing a value is one compare-and-exchange ([`Cursor::replace`](crate::Cursor::replace)):
//!   the old entry's node is marked and pointed at its replacement at once, so a reader finds
//!   one value or the other, never neither; the old entry is retired with its node.
//! - The bucket index is the toolkit's table of levels (slot `b` lives in level
//!   `log2(b) + 1`), allocated level by level as the table grows, instead of the paper's
//!   segment directory; the length is a striped counter.
//! - Entries with equal split-order keys (hashes equal in their 63 low bits) are kept in one run
//!   and told apart by `Eq`.

use core::borrow::Borrow;
use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::ops::Deref;
use core::sync::atomic::Ordering;
use std::hash::RandomState;

use crate::linked::anchor::{Anchor, AnchoredCursor, AnchoredHead, Item};
use crate::linked::link::Owned;
use crate::protect::guard::Protected;
use crate::reclaim::sync::AtomicUsize;

mod count;

use count::Count;

/// The most entries per bucket, on average, before the table doubles.
const LOAD_FACTOR: usize = 1;

/// How often (in one thread's insertions) the length is summed to decide on growth, once the
/// table has at least [`SMALL`] buckets; below, at every insertion.
const GROWTH_CHECK: isize = 8;

/// Tables of fewer buckets than this check their load at every insertion.
const SMALL: usize = 64;

/// One entry: its split-order key, its key and its value.
struct Entry<K, V> {
    order: u64,
    key: K,
    value: V,
}

/// What the chain holds: bucket anchors (keyed by their split-order key) and entries.
type Node<K, V> = Item<u64, Entry<K, V>>;

/// The split-order key of an entry whose key hashes to `hash`: odd, after its bucket's anchor.
#[inline]
fn regular_key(hash: u64) -> u64 {
    (hash | 1 << 63).reverse_bits()
}

/// The split-order key of bucket `bucket`'s anchor: even.
#[inline]
fn anchor_key(bucket: usize) -> u64 {
    (bucket as u64).reverse_bits()
}

/// The bucket `bucket` splits from when the table doubles: `bucket` without its highest bit.
#[inline]
fn parent(bucket: usize) -> usize {
    bucket & !(1 << (usize::BITS - 1 - bucket.leading_zeros()))
}

/// The split-order key of an item.
#[inline]
fn order<K, V>(item: &Node<K, V>) -> u64 {
    match item {
        Item::Anchor(key) => *key,
        Item::Value(entry) => entry.order,
    }
}

/// The entry of a value item.
#[inline]
fn entry<K, V>(item: &Node<K, V>) -> &Entry<K, V> {
    match item {
        Item::Value(entry) => entry,
        Item::Anchor(_) => unreachable!("only value items are read as entries"),
    }
}

/// Whether `item` is where a walk for `key` (of split-order key `order`) stops: the entry of
/// `key`, or the first item ordered after it.
#[inline]
fn stops_at<K: Borrow<Q>, Q: Eq + ?Sized, V>(item: &Node<K, V>, order: u64, key: &Q) -> bool {
    match item {
        Item::Anchor(at) => *at > order,
        Item::Value(entry) => {
            entry.order > order || (entry.order == order && entry.key.borrow() == key)
        }
    }
}

/// Whether the cursor stands at the entry of `key`.
#[inline]
fn found<K: Borrow<Q>, Q: Eq + ?Sized, V>(item: Option<&Node<K, V>>, order: u64, key: &Q) -> bool {
    matches!(item, Some(Item::Value(entry)) if entry.order == order && entry.key.borrow() == key)
}

/// A lock-free concurrent hash map whose table grows without blocking readers or writers, and
/// whose removed and replaced values are freed by hazard-pointer reclamation: however long a
/// reader holds a value, no more than a bounded number of removed values wait to be freed.
///
/// Every method takes `&self`: share the map between threads by reference (scoped threads), in
/// an `Arc` or a `static`. Lookups return a [`Ref`], a guard that derefs to the value and keeps
/// it readable (not freed) while it lives, even once another thread removes or replaces it; it
/// holds one hazard pointer, so keep guards for as long as you read, not longer.
///
/// The methods follow std's `HashMap` where a concurrent map can: `get`, `insert`, `remove`,
/// `contains_key`, `len`, `iter`, `keys`, `values`, `clear`, `retain`, with `Borrow` lookups
/// (`get("key")` on a `HashMap<String, _>`). Where std hands back a value, this map hands back a
/// guard of it ([`insert`](Self::insert) and [`remove`](Self::remove) return the old value as a
/// [`Ref`]), since other threads may still be reading it.
///
/// ```
/// use hazptr::collections::HashMap;
///
/// let map = HashMap::new();
/// std::thread::scope(|s| {
///     for t in 0..4 {
///         let map = &map;
///         s.spawn(move || (0..100).for_each(|i| _ = map.insert(i * 4 + t, i)));
///     }
/// });
/// assert_eq!(map.len(), 400);
/// let old = map.insert(7, 70).unwrap(); // replaced: `old` still reads the value it replaced
/// assert_eq!((*old, *map.get(&7).unwrap()), (1, 70));
/// assert_eq!(map.remove(&7).as_deref(), Some(&70));
/// assert!(!map.contains_key(&7));
/// ```
///
/// # Memory
///
/// A replaced or removed entry is retired into the global domain and freed once no guard
/// protects it: by the background reclaimer within tens of milliseconds, at once by
/// [`hazptr::reclaim`](fn@crate::reclaim), and however long a reader stalls, the entries
/// waiting are bounded (the hazard-pointer bound, about a thousand per domain; the crate
/// documentation's "When is a value freed?"). Dropping the map frees every entry still in it at
/// once. This is why keys and values must be `'static`: a retired entry may be dropped later,
/// on whichever thread reclaims.
///
/// Each bucket of the table is a node of the list, as large as an entry's node; the table has
/// one bucket per entry at most, and never shrinks.
///
/// # Consistency
///
/// Each `get`, `insert`, `remove`, `update` and `try_insert` is atomic (linearizable).
/// [`len`](Self::len) is exact when no thread changes the map; while threads do, it is the sum
/// of per-thread counts read one after another, so it may be off by the operations in flight.
/// [`iter`](Self::iter) is weakly consistent: it yields every entry present for the whole
/// iteration once, and may or may not yield entries inserted or removed meanwhile (an entry
/// replaced meanwhile may be seen with its old value, its new one, or both).
pub struct HashMap<K, V, S = RandomState> {
    chain: AnchoredHead<u64, Entry<K, V>>,
    /// The number of buckets: a power of two, which only grows.
    buckets: AtomicUsize,
    len: Count,
    hasher: S,
}

/// A value of a [`HashMap`] with its key, kept readable (not freed) for as long as the guard
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
    fn new(item: Protected<'a, Node<K, V>>) -> Self {
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

impl<K, V: fmt::Display> fmt::Display for Ref<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.entry.value, f)
    }
}

/// What [`HashMap::try_insert`] gives back when the key is present: the value there, and the
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

impl<K, V> HashMap<K, V, RandomState> {
    /// An empty map. Allocates nothing until the first insertion.
    #[must_use]
    pub fn new() -> Self {
        Self::with_hasher(RandomState::new())
    }

    /// An empty map whose table starts with room for `capacity` entries (it grows beyond as
    /// needed; its buckets are filled in as they are first used).
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_capacity_and_hasher(capacity, RandomState::new())
    }
}

impl<K, V, S> HashMap<K, V, S> {
    /// An empty map hashing keys with `hasher`.
    #[must_use]
    pub fn with_hasher(hasher: S) -> Self {
        Self::with_capacity_and_hasher(0, hasher)
    }

    /// An empty map with room for `capacity` entries, hashing keys with `hasher`.
    #[must_use]
    pub fn with_capacity_and_hasher(capacity: usize, hasher: S) -> Self {
        let buckets = capacity.div_ceil(LOAD_FACTOR).max(1).next_power_of_two();
        Self {
            chain: AnchoredHead::new(),
            buckets: AtomicUsize::new(buckets),
            len: Count::new(),
            hasher,
        }
    }

    /// The number of entries: exact when no thread changes the map meanwhile (see the type's
    /// documentation).
    #[must_use]
    pub fn len(&self) -> usize {
        self.len.sum()
    }

    /// Whether the map has no entries (as exact as [`len`](Self::len)).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The hasher.
    #[must_use]
    pub fn hasher(&self) -> &S {
        &self.hasher
    }
}

impl<K, V, S> HashMap<K, V, S>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
    S: BuildHasher,
{
    /// The split-order key of `key`, and the anchor of its bucket (made if it is not yet).
    #[inline]
    fn locate<Q: Hash + ?Sized>(&self, key: &Q) -> (u64, Anchor<'_, u64, Entry<K, V>>) {
        let hash = self.hasher.hash_one(key);
        let buckets = self.buckets.load(Ordering::Relaxed);
        // Truncating the hash is intended: the mask keeps its low bits.
        #[allow(clippy::cast_possible_truncation)]
        let bucket = hash as usize & (buckets - 1);
        let anchor = match self.chain.anchor(bucket) {
            Some(anchor) => anchor,
            None => self.make_bucket(bucket),
        };
        (regular_key(hash), anchor)
    }

    /// Makes bucket `bucket`'s anchor (and its parents', first): inserts it in the chain from
    /// its parent's anchor, unless another thread did, and sets it in the index.
    #[cold]
    #[inline(never)]
    fn make_bucket(&self, bucket: usize) -> Anchor<'_, u64, Entry<K, V>> {
        let mut cursor = if bucket == 0 {
            self.chain.cursor()
        } else {
            let parent = parent(bucket);
            let from = match self.chain.anchor(parent) {
                Some(anchor) => anchor,
                None => self.make_bucket(parent),
            };
            self.chain.cursor_at(from)
        };
        let key = anchor_key(bucket);
        let mut node = None;
        let anchor = loop {
            if let Some(Item::Anchor(at)) = cursor.seek(|item| order(item) >= key)
                && *at == key
            {
                let Some(anchor) = cursor.current_anchor() else {
                    unreachable!("the cursor stands at an anchor");
                };
                break anchor;
            }
            let new = node.take().unwrap_or_else(|| Owned::new(Item::Anchor(key)));
            if let Err(back) = cursor.insert(new) {
                node = Some(back);
            }
            // Inserted (found by the next seek) or not (seek again).
        };
        self.chain.set_anchor(bucket, anchor)
    }

    /// Doubles the table while it holds more than [`LOAD_FACTOR`] entries per bucket.
    #[cold]
    #[inline(never)]
    fn grow(&self) {
        let len = self.len.sum();
        let mut buckets = self.buckets.load(Ordering::Relaxed);
        while len > buckets.saturating_mul(LOAD_FACTOR) && buckets < 1 << (usize::BITS - 2) {
            match self.buckets.compare_exchange(
                buckets,
                buckets * 2,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => buckets *= 2,
                Err(now) => buckets = now,
            }
        }
    }

    /// Counts an insertion, and grows the table if it is due.
    #[inline]
    fn inserted(&self) {
        let stripe = self.len.add(1);
        if stripe % GROWTH_CHECK == 0 || self.buckets.load(Ordering::Relaxed) < SMALL {
            let buckets = self.buckets.load(Ordering::Relaxed);
            if self.len.sum() > buckets.saturating_mul(LOAD_FACTOR) {
                self.grow();
            }
        }
    }

    /// A cursor standing at the entry of `key` (`true`), or where it would be inserted.
    #[inline]
    fn seek<Q>(&self, key: &Q) -> (AnchoredCursor<'_, u64, Entry<K, V>>, u64, bool)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let (order, anchor) = self.locate(key);
        let mut cursor = self.chain.cursor_at(anchor);
        let at = cursor.seek(|item| stops_at(item, order, key));
        let present = found(at, order, key);
        (cursor, order, present)
    }

    /// The value of `key`, as a guard that keeps it readable; `None` if the key is absent.
    ///
    /// ```
    /// use hazptr::collections::HashMap;
    ///
    /// let map = HashMap::new();
    /// map.insert("k".to_string(), 1);
    /// assert_eq!(map.get("k").as_deref(), Some(&1)); // a `&str` looks up a `String` key
    /// assert!(map.get("other").is_none());
    /// ```
    #[inline]
    pub fn get<Q>(&self, key: &Q) -> Option<Ref<'_, K, V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let (order, anchor) = self.locate(key);
        let item = self
            .chain
            .find_from(anchor, |item| stops_at(item, order, key))?;
        found(Some(&*item), order, key).then(|| Ref::new(item))
    }

    /// The key and value of `key`, as a guard; `None` if absent. (A [`Ref`] has both: the same
    /// as [`get`](Self::get).)
    #[inline]
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<Ref<'_, K, V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get(key)
    }

    /// Whether `key` is present.
    #[inline]
    #[must_use]
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get(key).is_some()
    }

    /// Inserts `key` with `value`, replacing the value of a key already present: the value
    /// replaced, as a guard (it is retired, and freed once no guard reads it), or `None` if the
    /// key was absent (then the key is inserted; if present, the new key is kept and the old
    /// one dropped with its entry).
    ///
    /// ```
    /// use hazptr::collections::HashMap;
    ///
    /// let map = HashMap::new();
    /// assert!(map.insert(1, "a").is_none());
    /// assert_eq!(map.insert(1, "b").as_deref(), Some(&"a"));
    /// assert_eq!(*map.get(&1).unwrap(), "b");
    /// ```
    pub fn insert(&self, key: K, value: V) -> Option<Ref<'_, K, V>> {
        let (mut cursor, order, mut present) = self.seek(&key);
        let mut node = Owned::new(Item::Value(Entry { order, key, value }));
        loop {
            if present {
                match cursor.replace(node) {
                    Ok(_new) => return cursor.into_current().map(Ref::new),
                    Err(back) => node = back,
                }
            } else {
                match cursor.insert(node) {
                    Ok(()) => {
                        self.inserted();
                        return None;
                    }
                    Err(back) => node = back,
                }
            }
            let key = &entry(&node).key;
            present = found(cursor.seek(|item| stops_at(item, order, key)), order, key);
        }
    }

    /// Inserts `key` with `value` if the key is absent, and returns the value inserted, as a
    /// guard; if it is present, changes nothing and gives back the value there and `value`.
    ///
    /// # Errors
    ///
    /// [`OccupiedError`] when the key is present.
    ///
    /// ```
    /// use hazptr::collections::HashMap;
    ///
    /// let map = HashMap::new();
    /// assert_eq!(*map.try_insert(1, 10).unwrap(), 10);
    /// let error = map.try_insert(1, 20).unwrap_err();
    /// assert_eq!((*error.current, error.not_inserted), (10, 20));
    /// ```
    pub fn try_insert(&self, key: K, value: V) -> Result<Ref<'_, K, V>, OccupiedError<'_, K, V>> {
        let mut value = Some(value);
        let mut key = Some(key);
        let inserted =
            self.get_or_insert_inner(&mut key, || value.take().unwrap_or_else(|| unreachable!()));
        match inserted {
            (entry, true) => Ok(entry),
            (current, false) => Err(OccupiedError {
                current,
                not_inserted: value.unwrap_or_else(|| unreachable!("not taken when present")),
            }),
        }
    }

    /// The value of `key`, inserting `value` first if the key is absent.
    pub fn get_or_insert(&self, key: K, value: V) -> Ref<'_, K, V> {
        self.get_or_insert_with(key, || value)
    }

    /// The value of `key`, inserting `make()` first if the key is absent (`make` is called at
    /// most once, and only if the key is absent when looked up; if another thread inserts the
    /// key meanwhile, its value is returned and the one made is dropped).
    ///
    /// ```
    /// use hazptr::collections::HashMap;
    ///
    /// let map: HashMap<&str, Vec<u32>> = HashMap::new();
    /// assert!(map.get_or_insert_with("k", || vec![1]).contains(&1));
    /// assert_eq!(map.get_or_insert_with("k", || unreachable!()).len(), 1);
    /// ```
    pub fn get_or_insert_with(&self, key: K, make: impl FnOnce() -> V) -> Ref<'_, K, V> {
        self.get_or_insert_inner(&mut Some(key), make).0
    }

    /// The entry of `key` (taken out of `key` if inserted), inserting `make()` if absent; whether
    /// it inserted.
    fn get_or_insert_inner(
        &self,
        key: &mut Option<K>,
        make: impl FnOnce() -> V,
    ) -> (Ref<'_, K, V>, bool) {
        let Some(probe) = key.as_ref() else {
            unreachable!("a key is given");
        };
        let (mut cursor, order, mut present) = self.seek(probe);
        let mut make = Some(make);
        let mut node: Option<Owned<Node<K, V>>> = None;
        loop {
            if present {
                let Some(current) = cursor.into_current() else {
                    unreachable!("the cursor stands at the entry");
                };
                return (Ref::new(current), false);
            }
            let new = node.take().unwrap_or_else(|| {
                let (Some(key), Some(make)) = (key.take(), make.take()) else {
                    unreachable!("made once");
                };
                Owned::new(Item::Value(Entry {
                    order,
                    key,
                    value: make(),
                }))
            });
            match cursor.insert_protected(new) {
                Ok(inserted) => {
                    self.inserted();
                    return (Ref::new(inserted), true);
                }
                Err(back) => node = Some(back),
            }
            let Some(Item::Value(waiting)) = node.as_deref() else {
                unreachable!("an entry");
            };
            let probe = &waiting.key;
            present = found(
                cursor.seek(|item| stops_at(item, order, probe)),
                order,
                probe,
            );
        }
    }

    /// Replaces the value of `key` by `update(&value)` (read-copy-update: the new value goes in
    /// a new entry, which replaces the old one atomically, or `update` is called again on the
    /// value that won meanwhile); the new value, as a guard, or `None` if the key is absent.
    /// The replaced value is retired. Needs `K: Clone`: the new entry carries its own key, as
    /// readers of the old one still read theirs.
    ///
    /// ```
    /// use hazptr::collections::HashMap;
    ///
    /// let map = HashMap::new();
    /// map.insert("hits", 0);
    /// std::thread::scope(|s| {
    ///     for _ in 0..4 {
    ///         s.spawn(|| (0..100).for_each(|_| _ = map.update("hits", |n| n + 1)));
    ///     }
    /// });
    /// assert_eq!(*map.get("hits").unwrap(), 400);
    /// assert!(map.update("misses", |n| n + 1).is_none());
    /// ```
    pub fn update<Q>(&self, key: &Q, mut update: impl FnMut(&V) -> V) -> Option<Ref<'_, K, V>>
    where
        K: Borrow<Q> + Clone,
        Q: Hash + Eq + ?Sized,
    {
        let (mut cursor, order, mut present) = self.seek(key);
        loop {
            if !present {
                return None;
            }
            let Some(Item::Value(old)) = cursor.current() else {
                unreachable!("the cursor stands at the entry");
            };
            let new = Owned::new(Item::Value(Entry {
                order,
                key: old.key.clone(),
                value: update(&old.value),
            }));
            if let Ok(new) = cursor.replace(new) {
                return Some(Ref::new(new));
            }
            // Replaced or removed meanwhile: `new` is dropped; read the entry there now.
            present = found(cursor.seek(|item| stops_at(item, order, key)), order, key);
        }
    }

    /// Removes `key`: its value, as a guard (it is retired, and freed once no guard reads it),
    /// or `None` if the key was absent.
    ///
    /// ```
    /// use hazptr::collections::HashMap;
    ///
    /// let map = HashMap::new();
    /// map.insert(1, "a");
    /// let removed = map.remove(&1).unwrap();
    /// assert_eq!(*removed, "a");
    /// assert!(map.remove(&1).is_none());
    /// ```
    pub fn remove<Q>(&self, key: &Q) -> Option<Ref<'_, K, V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let (mut cursor, order, mut present) = self.seek(key);
        loop {
            if !present {
                return None;
            }
            if cursor.remove() {
                self.len.add(-1);
                return cursor.into_current().map(Ref::new);
            }
            // Removed or replaced first by another thread: look again.
            present = found(cursor.seek(|item| stops_at(item, order, key)), order, key);
        }
    }

    /// Removes every entry for which `keep` is false, walking the map once: `keep` is asked
    /// about each entry present for the whole walk, once (rarely twice: when another thread
    /// changes the chain where the walk stands, it walks the current bucket again); entries
    /// inserted meanwhile may or may not be asked about.
    pub fn retain(&self, mut keep: impl FnMut(&K, &V) -> bool) {
        let mut stop = |item: &Node<K, V>| match item {
            Item::Anchor(_) => true,
            Item::Value(entry) => !keep(&entry.key, &entry.value),
        };
        let mut cursor = self.chain.cursor();
        // Stands at the first anchor or entry not to keep.
        let mut at = cursor.seek(&mut stop).map(Item::is_anchor);
        loop {
            match at {
                None => return,
                Some(true) => {
                    // A bucket: walk on from it, as if from a head.
                    let Some(anchor) = cursor.current_anchor() else {
                        unreachable!("at an anchor");
                    };
                    cursor = self.chain.cursor_at(anchor);
                    at = cursor.seek(&mut stop).map(Item::is_anchor);
                }
                Some(false) => {
                    if cursor.remove() {
                        self.len.add(-1);
                    }
                    // Past the entry, marked by this thread or another, which `stop` is not
                    // asked about again.
                    at = if cursor.advance(&mut stop) {
                        cursor.current().map(Item::is_anchor)
                    } else {
                        cursor.seek(&mut stop).map(Item::is_anchor)
                    };
                }
            }
        }
    }

    /// Removes every entry (each retired, freed once no guard reads it). Entries inserted
    /// meanwhile may stay.
    pub fn clear(&self) {
        self.retain(|_, _| false);
    }

    /// The entries, as guards, in no particular order (the order of the split-ordered list):
    /// weakly consistent (see the type's documentation).
    pub fn iter(&self) -> impl Iterator<Item = Ref<'_, K, V>> {
        self.chain
            .iter()
            .filter(|item| !item.is_anchor())
            .map(Ref::new)
    }

    /// The keys, each as a guard of its entry (a [`Ref`], whose [`key`](Ref::key) is it).
    pub fn keys(&self) -> impl Iterator<Item = Protected<'_, K>> {
        self.iter().map(Ref::into_key)
    }

    /// The values, each as a guard.
    pub fn values(&self) -> impl Iterator<Item = Protected<'_, V>> {
        self.iter().map(Ref::into_value)
    }
}

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
        (entry.order == order && entry.key.borrow() == key).then_some(&mut entry.value)
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
    items: crate::linked::owned_iter::IntoIter<Node<K, V>, crate::reclaim::domain::Global>,
}

impl<K, V> Iterator for IntoIter<K, V> {
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        self.items.find_map(|item| match item {
            Item::Value(entry) => Some((entry.key, entry.value)),
            Item::Anchor(_) => None,
        })
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
            items: self.chain.into_items(),
        }
    }
}

impl<K, V, S: Default> Default for HashMap<K, V, S> {
    fn default() -> Self {
        Self::with_hasher(S::default())
    }
}

impl<K, V, S> fmt::Debug for HashMap<K, V, S>
where
    K: Hash + Eq + Send + Sync + 'static + fmt::Debug,
    V: Send + Sync + 'static + fmt::Debug,
    S: BuildHasher,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for entry in self.iter() {
            map.entry(entry.key(), entry.value());
        }
        map.finish()
    }
}

impl<K, V, S> Extend<(K, V)> for HashMap<K, V, S>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
    S: BuildHasher,
{
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, entries: I) {
        (&*self).extend(entries);
    }
}

/// Extends through a shared reference, as every method of the map does.
impl<K, V, S> Extend<(K, V)> for &HashMap<K, V, S>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
    S: BuildHasher,
{
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, entries: I) {
        for (key, value) in entries {
            drop(self.insert(key, value));
        }
    }
}

impl<K, V, S> FromIterator<(K, V)> for HashMap<K, V, S>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
    S: BuildHasher + Default,
{
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Self {
        let entries = entries.into_iter();
        let map = Self::with_capacity_and_hasher(entries.size_hint().0, S::default());
        (&map).extend(entries);
        map
    }
}

impl<K, V, const N: usize> From<[(K, V); N]> for HashMap<K, V, RandomState>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    fn from(entries: [(K, V); N]) -> Self {
        entries.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{anchor_key, parent, regular_key};

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
}
