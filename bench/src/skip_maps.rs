//! Ordered maps: `hazptr::collections::SkipMap` against crossbeam-skiplist's `SkipMap`, scc's
//! `TreeIndex` and `RwLock<BTreeMap>`, on mixes of lookups, insertions and removals, a range
//! scan, and the garbage each keeps while a reader stalls.
//!
//! Each contender is used as its documentation suggests: crossbeam's and hazptr's `get` return
//! an entry guard that is dropped at once, scc's `peek_with` reads under its own guard, and
//! every `insert` replaces a present key (scc: `upsert_sync`), so all four do the same work.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::ops::Bound;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Barrier, RwLock, mpsc};
use std::thread;
use std::time::{Duration, Instant};

/// An ordered map of `u64` keys, as the workloads use it.
pub trait OrderedMap<V>: Sync {
    /// Its name in tables.
    const NAME: &'static str;
    /// An empty map.
    fn new() -> Self;
    /// Inserts or replaces `key`.
    fn insert(&self, key: u64, value: V);
    /// Removes `key`; whether this call removed it.
    fn remove(&self, key: u64) -> bool;
    /// Whether `key` is present (its value read and discarded).
    fn contains(&self, key: u64) -> bool;
    /// Reads up to `count` entries from the first key `>= from`, in order; their key sum.
    fn scan(&self, from: u64, count: usize) -> u64;
    /// Entries present.
    fn len(&self) -> usize;
    /// Whether no entry is present.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<V: Send + Sync + 'static> OrderedMap<V> for hazptr::collections::SkipMap<u64, V> {
    const NAME: &'static str = "hazptr SkipMap";

    fn new() -> Self {
        Self::new()
    }

    #[inline]
    fn insert(&self, key: u64, value: V) {
        drop(Self::insert(self, key, value));
    }

    #[inline]
    fn remove(&self, key: u64) -> bool {
        Self::remove(self, &key).is_some()
    }

    #[inline]
    fn contains(&self, key: u64) -> bool {
        self.get(&key)
            .map(|e| black_box(e.value()) as *const V)
            .is_some()
    }

    fn scan(&self, from: u64, count: usize) -> u64 {
        self.range(from..).take(count).map(|e| *e.key()).sum()
    }

    fn len(&self) -> usize {
        Self::len(self)
    }
}

impl<V: Send + Sync + 'static> OrderedMap<V> for crossbeam_skiplist::SkipMap<u64, V> {
    const NAME: &'static str = "crossbeam-skiplist SkipMap";

    fn new() -> Self {
        Self::new()
    }

    #[inline]
    fn insert(&self, key: u64, value: V) {
        drop(Self::insert(self, key, value));
    }

    #[inline]
    fn remove(&self, key: u64) -> bool {
        Self::remove(self, &key).is_some()
    }

    #[inline]
    fn contains(&self, key: u64) -> bool {
        self.get(&key)
            .map(|e| black_box(e.value()) as *const V)
            .is_some()
    }

    fn scan(&self, from: u64, count: usize) -> u64 {
        self.range(from..).take(count).map(|e| *e.key()).sum()
    }

    fn len(&self) -> usize {
        Self::len(self)
    }
}

impl<V: Clone + Send + Sync + 'static> OrderedMap<V> for scc::TreeIndex<u64, V> {
    const NAME: &'static str = "scc TreeIndex";

    fn new() -> Self {
        Self::new()
    }

    #[inline]
    fn insert(&self, key: u64, value: V) {
        self.upsert_sync(key, value);
    }

    #[inline]
    fn remove(&self, key: u64) -> bool {
        self.remove_sync(&key)
    }

    #[inline]
    fn contains(&self, key: u64) -> bool {
        self.peek_with(&key, |_, v| black_box(v as *const V))
            .is_some()
    }

    fn scan(&self, from: u64, count: usize) -> u64 {
        let guard = scc::Guard::new();
        self.range(from.., &guard)
            .take(count)
            .map(|(k, _)| *k)
            .sum()
    }

    fn len(&self) -> usize {
        Self::len(self)
    }
}

/// `RwLock<BTreeMap>`: the standard library's answer.
pub struct LockedBTree<V>(RwLock<BTreeMap<u64, V>>);

impl<V: Send + Sync> OrderedMap<V> for LockedBTree<V> {
    const NAME: &'static str = "RwLock<BTreeMap>";

    fn new() -> Self {
        Self(RwLock::new(BTreeMap::new()))
    }

    #[inline]
    fn insert(&self, key: u64, value: V) {
        self.0.write().unwrap().insert(key, value);
    }

    #[inline]
    fn remove(&self, key: u64) -> bool {
        self.0.write().unwrap().remove(&key).is_some()
    }

    #[inline]
    fn contains(&self, key: u64) -> bool {
        self.0
            .read()
            .unwrap()
            .get(&key)
            .map(|v| black_box(v as *const V))
            .is_some()
    }

    fn scan(&self, from: u64, count: usize) -> u64 {
        let map = self.0.read().unwrap();
        map.range((Bound::Included(from), Bound::Unbounded))
            .take(count)
            .map(|(k, _)| *k)
            .sum()
    }

    fn len(&self) -> usize {
        self.0.read().unwrap().len()
    }
}

/// A mix of operations, in percent: lookups, insertions, removals, and range scans of
/// [`SCAN`] entries.
#[derive(Clone, Copy, Debug)]
pub struct Mix {
    /// `contains` (a `get` whose entry is dropped at once).
    pub get: u64,
    /// `insert`, replacing a present key.
    pub insert: u64,
    /// `remove`.
    pub remove: u64,
    /// `scan` of [`SCAN`] entries from a random key.
    pub scan: u64,
}

/// How many entries a scan reads.
pub const SCAN: usize = 100;

/// `threads` threads for `duration` on a map of `keys` keys (the even keys of `0..2 * keys`;
/// operations draw from all of them, so half the lookups miss), each doing `mix`; million
/// operations per second, all threads together.
///
/// # Panics
///
/// If the mix does not add up to 100.
#[must_use]
pub fn mix_mops<M: OrderedMap<u64>>(
    mix: Mix,
    keys: u64,
    threads: usize,
    duration: Duration,
) -> f64 {
    assert_eq!(mix.get + mix.insert + mix.remove + mix.scan, 100);
    let map = M::new();
    for key in 0..keys {
        map.insert(key * 2, key);
    }
    let start = Barrier::new(threads + 1);
    let stop = AtomicBool::new(false);
    let ops = AtomicU64::new(0);
    let elapsed = thread::scope(|scope| {
        for t in 0..threads {
            let (map, start, stop, ops) = (&map, &start, &stop, &ops);
            scope.spawn(move || {
                let mut rng = 0x9E37_79B9_7F4A_7C15_u64 ^ (t as u64 + 1);
                let mut done = 0u64;
                start.wait();
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..64 {
                        rng ^= rng << 13;
                        rng ^= rng >> 7;
                        rng ^= rng << 17;
                        let key = (rng >> 8) % (2 * keys);
                        let dice = rng % 100;
                        if dice < mix.get {
                            black_box(map.contains(key));
                        } else if dice < mix.get + mix.insert {
                            map.insert(key, rng);
                        } else if dice < mix.get + mix.insert + mix.remove {
                            black_box(map.remove(key));
                        } else {
                            black_box(map.scan(key, SCAN));
                        }
                    }
                    done += 64;
                }
                ops.fetch_add(done, Ordering::Relaxed);
            });
        }
        start.wait();
        let began = Instant::now();
        thread::sleep(duration);
        stop.store(true, Ordering::Relaxed);
        began.elapsed()
    });
    #[allow(clippy::cast_precision_loss)]
    let mops = ops.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64() / 1e6;
    mops
}

/// A value that counts how many of its kind are alive, for the stalled-reader workload.
pub struct Tracked(&'static AtomicU64);

impl Tracked {
    fn new(live: &'static AtomicU64) -> Self {
        live.fetch_add(1, Ordering::Relaxed);
        Self(live)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Clone for Tracked {
    fn clone(&self) -> Self {
        Self::new(self.0)
    }
}

/// An ordered map whose reader can stall holding what keeps an entry readable.
pub trait StallableMap: OrderedMap<Tracked> {
    /// Holds it (an entry guard, an epoch pin) until `release` delivers; sends on `holding`
    /// once it holds.
    fn stall(&self, holding: &mpsc::Sender<()>, release: &mpsc::Receiver<()>);
    /// Values of this contender alive now.
    fn live() -> &'static AtomicU64;
    /// Frees what it can now.
    fn reclaim();
}

static HAZPTR_LIVE: AtomicU64 = AtomicU64::new(0);
static CROSSBEAM_LIVE: AtomicU64 = AtomicU64::new(0);
static SCC_LIVE: AtomicU64 = AtomicU64::new(0);

impl StallableMap for hazptr::collections::SkipMap<u64, Tracked> {
    fn stall(&self, holding: &mpsc::Sender<()>, release: &mpsc::Receiver<()>) {
        let entry = self.get(&0).expect("key 0 is present");
        holding.send(()).expect("writer gone");
        let _ = release.recv();
        drop(entry);
    }

    fn live() -> &'static AtomicU64 {
        &HAZPTR_LIVE
    }

    fn reclaim() {
        hazptr::reclaim();
    }
}

impl StallableMap for crossbeam_skiplist::SkipMap<u64, Tracked> {
    fn stall(&self, holding: &mpsc::Sender<()>, release: &mpsc::Receiver<()>) {
        // A thread pinned for the whole run (a reader working under one `pin()`): it holds back
        // every bag retired after it. crossbeam-skiplist's own entries hold a reference count
        // instead, and pin only while they are made or moved.
        let guard = crossbeam_epoch::pin();
        assert!(self.contains_key(&0));
        holding.send(()).expect("writer gone");
        let _ = release.recv();
        drop(guard);
    }

    fn live() -> &'static AtomicU64 {
        &CROSSBEAM_LIVE
    }

    fn reclaim() {
        for _ in 0..8 {
            crossbeam_epoch::pin().flush();
        }
    }
}

impl StallableMap for scc::TreeIndex<u64, Tracked> {
    fn stall(&self, holding: &mpsc::Sender<()>, release: &mpsc::Receiver<()>) {
        let guard = scc::Guard::new();
        assert!(self.peek(&0, &guard).is_some());
        holding.send(()).expect("writer gone");
        let _ = release.recv();
        drop(guard);
    }

    fn live() -> &'static AtomicU64 {
        &SCC_LIVE
    }

    fn reclaim() {
        for _ in 0..8 {
            drop(scc::Guard::new());
        }
    }
}

/// One reader holds an entry (or a pin) of a map of 1,000 keys and stalls while this thread
/// replaces, inserts and removes `operations` times; the peak of values alive minus entries
/// present: the garbage not yet freed.
#[must_use]
pub fn stalled_peak<M: StallableMap>(operations: u64) -> u64 {
    let live = M::live();
    for _ in 0..100_000 {
        if live.load(Ordering::Relaxed) == 0 {
            break;
        }
        M::reclaim();
    }
    let map = M::new();
    for key in 0..1_000 {
        map.insert(key, Tracked::new(live));
    }
    M::reclaim();
    let (holding, held) = mpsc::channel();
    let (release, released) = mpsc::channel::<()>();
    let peak = thread::scope(|scope| {
        let map = &map;
        scope.spawn(move || map.stall(&holding, &released));
        held.recv().expect("stalled reader panicked");
        let mut peak = 0;
        let mut rng = 0x9E37_79B9_7F4A_7C15_u64;
        for _ in 0..operations {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let key = (rng >> 8) % 2_000;
            if rng.is_multiple_of(2) {
                map.insert(key, Tracked::new(live));
            } else {
                map.remove(key);
            }
            let garbage = live
                .load(Ordering::Relaxed)
                .saturating_sub(map.len() as u64);
            peak = peak.max(garbage);
        }
        release.send(()).expect("stalled reader gone");
        peak
    });
    drop(map);
    M::reclaim();
    peak
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agree<M: OrderedMap<u64>>() {
        let map = M::new();
        for k in 0..100 {
            map.insert(k * 2, k);
        }
        assert!(map.contains(10) && !map.contains(11));
        assert_eq!(map.scan(11, 3), 12 + 14 + 16);
        assert!(map.remove(10) && !map.remove(10));
        assert_eq!(map.len(), 99);
    }

    #[test]
    fn contenders_agree() {
        agree::<hazptr::collections::SkipMap<u64, u64>>();
        agree::<crossbeam_skiplist::SkipMap<u64, u64>>();
        agree::<scc::TreeIndex<u64, u64>>();
        agree::<LockedBTree<u64>>();
    }

    #[test]
    fn a_stalled_pin_keeps_garbage_and_an_entry_does_not() {
        let hazptr = stalled_peak::<hazptr::collections::SkipMap<u64, Tracked>>(20_000);
        let crossbeam = stalled_peak::<crossbeam_skiplist::SkipMap<u64, Tracked>>(20_000);
        assert!(hazptr < 5_000, "hazptr kept {hazptr}");
        assert!(crossbeam > hazptr, "crossbeam kept {crossbeam}");
    }
}
