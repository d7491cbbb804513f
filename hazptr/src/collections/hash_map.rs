//! A lock-free hash map that grows without blocking: a split-ordered list (O. Shalev and N.
//! Shavit, "Split-Ordered Lists: Lock-Free Extensible Hash Tables", JACM 53(3), 2006) on the
//! toolkit's [`AnchoredHead`].
//!
//! Every entry is a node of one Harris–Michael list, sorted by its *split-order key*: its hash
//! with the top bit set, bit-reversed (so odd). Bucket `b` of a table of `2^k` buckets is an
//! anchor (a "dummy node") whose key is `b` bit-reversed (even): it stands just before the
//! entries whose hash ends in `b`'s `k` low bits, and when the table doubles, bucket `b + 2^k`
//! splits `b`'s run in two without moving a node. An operation hashes its key, finds its
//! bucket's anchor in the index, and walks from there; the table grows by doubling one
//! counter, and a new bucket is made lazily, by the first insertion into it (from its parent
//! bucket: `b` without its highest bit), so growing blocks no one. A lookup or a removal never
//! allocates: until its bucket is made, it walks from the nearest bucket made that it splits
//! from. The buckets `with_capacity` asks for are made at construction instead (up to about
//! 64 MiB of them), all linked in split order with one write each
//! ([`AnchoredHead::split_ordered`]), as std's `with_capacity` allocates its table: the first
//! insertion into each of them would otherwise walk from its parent to make it.
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
//! - Each bucket keeps a filter beside its anchor (the index slot's summary, 30 bits): two bits
//!   per key inserted through it (picked by the hash's high bits), set before the entry is
//!   linked. A lookup of a key whose bits are not both set in its bucket's filter knows it
//!   absent without walking (at one key per bucket, all but about one lookup of an absent key
//!   in two hundred). A bucket made when the table has grown starts with its
//!   ancestors' filters, since entries inserted through them may follow its anchor; so a table
//!   grown from small has fuller filters than one made `with_capacity`, and rules out fewer
//!   absent keys. Bits are never cleared: under long churn a filter fills up, and lookups of
//!   its absent keys walk, as without one.

use core::borrow::Borrow;
use core::hash::{BuildHasher, Hash};
use core::sync::atomic::Ordering;
use std::hash::RandomState;

use crate::linked::anchor::{Anchor, AnchoredCursor, AnchoredHead, Item};
use crate::linked::link::Owned;
use crate::reclaim::sync::AtomicUsize;

mod buckets;
mod compute;
mod count;
mod exclusive;
mod guard;
mod iter;
mod node;
#[cfg(test)]
mod tests;
mod traits;

pub use compute::{Compute, Operation};
use count::Count;
pub use exclusive::IntoIter;
pub use guard::{OccupiedError, Ref};
pub use iter::{Iter, Keys, Values};
use node::{Entry, Node, current_entry, entry, found, order, seek_entry, stops_at};

/// The most entries per bucket, on average, before the table doubles.
const LOAD_FACTOR: usize = 1;

/// How often (in one thread's insertions) the length is summed to decide on growth, once the
/// table has at least [`SMALL`] buckets; below, at every insertion.
const GROWTH_CHECK: isize = 8;

/// The largest table `with_capacity` starts with: the index allocates a level of buckets at the
/// first insertion into it, up to half the table at once.
const MAX_INITIAL_BUCKETS: usize = 1 << 24;

/// How much memory `with_capacity` spends on making its table's buckets at once (their nodes);
/// beyond, they are made as they are first used. None under loom, whose models check that path.
const EAGER_BYTES: usize = if cfg!(loom) { 0 } else { 64 << 20 };

/// How many runs an iteration over a large table walks side by side: one from each of its
/// first buckets, which cut the split-ordered list into runs of similar lengths.
const SPLIT_ITER_RUNS: usize = 8;

/// The smallest table whose iterations walk [`SPLIT_ITER_RUNS`] runs side by side; a smaller
/// one walks its list from the head, as the hazard pointers each run takes would cost more than
/// the overlap saves.
const SPLIT_ITER_BUCKETS: usize = 256;

/// Tables of fewer buckets than this check their load at every insertion.
const SMALL: usize = 64;

/// Where a walk for a key starts: its split-order key, and an anchor before it (`None`: the
/// head).
type Start<'m, K, V> = (u64, Option<Anchor<'m, u64, Entry<K, V>>>);

/// A cursor over the map's chain.
type Cursor<'m, K, V> = AnchoredCursor<'m, u64, Entry<K, V>>;

/// A cursor at (`true`) or where a key would be (`false`), with the key's split-order key.
type Position<'m, K, V> = (Cursor<'m, K, V>, u64, bool);

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
/// Each bucket of the table is a node of the list, as large as an entry's node (keys and values
/// are stored in the nodes; for values of more than a few dozen bytes, store a `Box<V>`), and a
/// 4-byte word in a dense array: its state and a 30-bit filter of the keys inserted through it,
/// which lets most lookups of an absent key stop there. The table has one bucket per entry at
/// most (fewer while its buckets are made lazily), or the buckets
/// [`with_capacity`](Self::with_capacity) made, and never shrinks.
///
/// # Consistency
///
/// Each `get`, `insert`, `remove`, `update`, `try_insert`, `get_or_insert_with`, `compute`,
/// `update_or_insert_with` and `remove_if` is atomic (linearizable). [`compute`](Self::compute)
/// is the map's `entry` API: one atomic decision, from what a key holds, to insert, replace,
/// remove or leave it.
/// [`len`](Self::len) is exact when no thread changes the map; while threads do, it is the sum
/// of per-thread counts read one after another, so it may be off by the operations in flight.
/// [`iter`](Self::iter) is weakly consistent: it yields every entry present for the whole
/// iteration once, and may or may not yield entries inserted or removed meanwhile (an entry
/// replaced meanwhile may be seen with its old value, its new one, or both).
pub struct HashMap<K, V, S = RandomState> {
    chain: AnchoredHead<u64, Entry<K, V>>,
    /// The number of buckets: a power of two, which only grows.
    buckets: AtomicUsize,
    /// The number of buckets the table started with: every insertion saw at least as many, so
    /// made its bucket in a table at least this large (see `buckets.rs`'s `locate`).
    initial: usize,
    len: Count,
    hasher: S,
}

impl<K, V> HashMap<K, V, RandomState> {
    /// An empty map. Allocates nothing until the first insertion.
    #[must_use]
    pub fn new() -> Self {
        Self::with_hasher(RandomState::new())
    }

    /// An empty map whose table starts with room for `capacity` entries (it grows beyond as
    /// needed). Its buckets are made at once, as std's table is allocated at once, up to about
    /// 64 MiB of them; the table's others are made as they are first used.
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

    /// An empty map with room for `capacity` entries, hashing keys with `hasher` (a table of
    /// at most 2^24 buckets to start, made as [`with_capacity`](HashMap::with_capacity) says;
    /// it grows beyond as entries come).
    #[must_use]
    pub fn with_capacity_and_hasher(capacity: usize, hasher: S) -> Self {
        let buckets = capacity
            .div_ceil(LOAD_FACTOR)
            .clamp(1, MAX_INITIAL_BUCKETS)
            .next_power_of_two();
        Self {
            chain: buckets::made_at_start(capacity, buckets),
            buckets: AtomicUsize::new(buckets),
            initial: buckets,
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
    /// A cursor standing at the entry of `key` (`true`), or where it would be inserted, walking
    /// from `start`.
    #[inline]
    fn seek_from<'m, Q>(&'m self, key: &Q, (order, start): Start<'m, K, V>) -> Position<'m, K, V>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let mut cursor = match start {
            Some(anchor) => self.chain.cursor_at(anchor),
            None => self.chain.cursor(),
        };
        let present = seek_entry(&mut cursor, order, key);
        (cursor, order, present)
    }

    /// [`seek_from`](Self::seek_from) for an insertion, which makes the key's bucket.
    #[inline]
    fn seek<Q>(&self, key: &Q) -> Position<'_, K, V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.seek_from(key, self.locate_for_insert(key))
    }

    /// A cursor standing at the entry of `key`, for a change; `None` if the key is absent
    /// (ruled out by its bucket's filter, or not found).
    #[inline]
    fn seek_present<Q>(&self, key: &Q) -> Option<Position<'_, K, V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let position = self.seek_from(key, self.locate(key)?);
        position.2.then_some(position)
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
        let (order, start) = self.locate(key)?;
        let stop = |item: &Node<K, V>| stops_at(item, order, key);
        let item = match start {
            Some(anchor) => self.chain.find_from(anchor, stop),
            None => self.chain.find(stop),
        }?;
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
        let mut node = Owned::new(Item::Value(Entry::new(order, key, value)));
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
            present = seek_entry(&mut cursor, order, key);
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
                return (current_entry(cursor), false);
            }
            let new = node.take().unwrap_or_else(|| {
                let (Some(key), Some(make)) = (key.take(), make.take()) else {
                    unreachable!("made once");
                };
                Owned::new(Item::Value(Entry::new(order, key, make())))
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
            present = seek_entry(&mut cursor, order, probe);
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
        let (mut cursor, order, mut present) = self.seek_present(key)?;
        loop {
            if !present {
                return None;
            }
            let Some(Item::Value(old)) = cursor.current() else {
                unreachable!("the cursor stands at the entry");
            };
            let new = Owned::new(Item::Value(Entry::new(
                order,
                old.key.clone(),
                update(&old.value),
            )));
            if let Ok(new) = cursor.replace(new) {
                return Some(Ref::new(new));
            }
            // Replaced or removed meanwhile: `new` is dropped; read the entry there now.
            present = seek_entry(&mut cursor, order, key);
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
        let (mut cursor, order, mut present) = self.seek_present(key)?;
        loop {
            if !present {
                return None;
            }
            if cursor.remove() {
                self.len.add(-1);
                return cursor.into_current().map(Ref::new);
            }
            // Removed or replaced first by another thread: look again.
            present = seek_entry(&mut cursor, order, key);
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

    /// The entries, as guards, in no particular order: weakly consistent (see the type's
    /// documentation). `for entry in &map` does the same.
    ///
    /// The list is walked in eight runs side by side once the table has 256 buckets (one run
    /// from each of its first eight buckets, which cut the list into eighths), taking an entry
    /// from each run in turn, so that the memory latency of one run's step overlaps the
    /// others' ([`AnchoredHead::iter_split`]): a filled table's entries are scattered in
    /// memory, in hash order. The walk then holds up to 24 hazard pointers (three per run, the
    /// first ones from the thread's cache, the others from the domain, which keeps them for
    /// reuse), and each guard one more: read each entry and drop its guard before the next,
    /// rather than collecting the guards (copy or clone the values out instead).
    pub fn iter(&self) -> Iter<'_, K, V> {
        let runs = if self.buckets.load(Ordering::Relaxed) >= SPLIT_ITER_BUCKETS {
            SPLIT_ITER_RUNS
        } else {
            0
        };
        Iter {
            chain: self.chain.iter_split(0..runs),
        }
    }

    /// The keys, each as a guard of its entry (a [`Ref`], whose [`key`](Ref::key) is it).
    pub fn keys(&self) -> Keys<'_, K, V> {
        Keys(self.iter())
    }

    /// The values, each as a guard.
    pub fn values(&self) -> Values<'_, K, V> {
        Values(self.iter())
    }

    /// How many entries the table takes before it next doubles (std's `capacity`; the table
    /// grows without blocking anyone, and makes its new buckets as they are first used).
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.buckets
            .load(Ordering::Relaxed)
            .saturating_mul(LOAD_FACTOR)
    }

    /// Grows the table so that it takes `additional` more entries than it holds now before it
    /// next doubles (std's `reserve`): a hint, capped as [`with_capacity`](Self::with_capacity)'s
    /// is, since the index allocates half a table's buckets at the first use of one of them.
    pub fn reserve(&self, additional: usize) {
        let wanted = self
            .len()
            .saturating_add(additional)
            .min(MAX_INITIAL_BUCKETS.saturating_mul(LOAD_FACTOR));
        self.grow(wanted, self.buckets.load(Ordering::Relaxed));
    }
}
