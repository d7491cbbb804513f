//! Workloads 9–11: linked structures. hazptr's `ListSet` and `HashMap` (`hazptr-suite`, written
//! on the `Head`/`Owned`/`Cursor` toolkit) against a Harris–Michael list on `crossbeam-epoch`
//! written here the way crossbeam's documentation writes one (a tagged `Atomic` per link, one
//! `pin` per operation, `defer_destroy` for unlinked nodes), `dashmap` and
//! `RwLock<std::collections::HashMap>`.

use std::collections::HashMap as StdHashMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Barrier, RwLock, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_epoch::{self as epoch, Atomic, Guard, Owned, Shared};
use dashmap::DashMap;
use hazptr_suite::hash_map::HashMap as HazptrMap;
use hazptr_suite::list_set::ListSet;

/// A sorted set of keys, for workloads 9 and 11.
pub trait ListSetLike<K>: Sync {
    /// Its name in tables.
    const NAME: &'static str;
    /// An empty set.
    fn new() -> Self;
    /// Adds `key`; whether it was absent.
    fn insert(&self, key: K) -> bool;
    /// Removes `key`; whether this call removed it.
    fn remove(&self, key: &K) -> bool;
    /// Whether `key` is present.
    fn contains(&self, key: &K) -> bool;
}

impl<K: Ord + Send + Sync + 'static> ListSetLike<K> for ListSet<K> {
    const NAME: &'static str = "hazptr (ListSet)";

    fn new() -> Self {
        Self::new()
    }

    #[inline]
    fn insert(&self, key: K) -> bool {
        Self::insert(self, key)
    }

    #[inline]
    fn remove(&self, key: &K) -> bool {
        Self::remove(self, key)
    }

    #[inline]
    fn contains(&self, key: &K) -> bool {
        Self::contains(self, key)
    }
}

/// A node of [`EpochListSet`].
struct EpochNode<K> {
    key: K,
    /// Tag 1: this node is deleted.
    next: Atomic<EpochNode<K>>,
}

/// A Harris–Michael sorted list set over `crossbeam-epoch`.
pub struct EpochListSet<K> {
    head: Atomic<EpochNode<K>>,
}

impl<K: Ord> EpochListSet<K> {
    /// The link before the first node whose key is not smaller than `key`, that node (null at
    /// the end), and whether it holds `key`; unlinks deleted nodes on the way.
    #[inline]
    fn find<'g>(
        &'g self,
        key: &K,
        guard: &'g Guard,
    ) -> (&'g Atomic<EpochNode<K>>, Shared<'g, EpochNode<K>>, bool) {
        'retry: loop {
            let mut prev = &self.head;
            let mut curr = prev.load(Ordering::Acquire, guard);
            loop {
                // SAFETY: `curr` was loaded under `guard`, which keeps it allocated.
                let Some(node) = (unsafe { curr.as_ref() }) else {
                    return (prev, curr, false);
                };
                let succ = node.next.load(Ordering::Acquire, guard);
                if succ.tag() == 1 {
                    if prev
                        .compare_exchange(
                            curr,
                            succ.with_tag(0),
                            Ordering::AcqRel,
                            Ordering::Acquire,
                            guard,
                        )
                        .is_err()
                    {
                        continue 'retry;
                    }
                    // SAFETY: this thread unlinked `curr`; it is destroyed once the epoch moves on.
                    unsafe { guard.defer_destroy(curr) };
                    curr = succ.with_tag(0);
                    continue;
                }
                if node.key >= *key {
                    return (prev, curr, node.key == *key);
                }
                prev = &node.next;
                curr = succ;
            }
        }
    }
}

impl<K: Ord + Send + Sync + 'static> ListSetLike<K> for EpochListSet<K> {
    const NAME: &'static str = "crossbeam-epoch (Harris-Michael)";

    fn new() -> Self {
        Self {
            head: Atomic::null(),
        }
    }

    fn insert(&self, key: K) -> bool {
        let guard = &epoch::pin();
        let mut node = Owned::new(EpochNode {
            key,
            next: Atomic::null(),
        });
        loop {
            let (prev, curr, found) = self.find(&node.key, guard);
            if found {
                return false;
            }
            node.next.store(curr, Ordering::Relaxed);
            match prev.compare_exchange(curr, node, Ordering::AcqRel, Ordering::Acquire, guard) {
                Ok(_) => return true,
                Err(e) => node = e.new,
            }
        }
    }

    fn remove(&self, key: &K) -> bool {
        let guard = &epoch::pin();
        loop {
            let (prev, curr, found) = self.find(key, guard);
            if !found {
                return false;
            }
            // SAFETY: `found` means `curr` is a node, loaded under `guard`.
            let node = unsafe { curr.deref() };
            let succ = node.next.load(Ordering::Acquire, guard);
            if succ.tag() == 1 {
                continue;
            }
            if node
                .next
                .compare_exchange(
                    succ,
                    succ.with_tag(1),
                    Ordering::AcqRel,
                    Ordering::Acquire,
                    guard,
                )
                .is_err()
            {
                continue;
            }
            if prev
                .compare_exchange(curr, succ, Ordering::AcqRel, Ordering::Acquire, guard)
                .is_ok()
            {
                // SAFETY: this thread unlinked `curr`.
                unsafe { guard.defer_destroy(curr) };
            }
            return true;
        }
    }

    #[inline]
    fn contains(&self, key: &K) -> bool {
        let guard = &epoch::pin();
        self.find(key, guard).2
    }
}

impl<K> Drop for EpochListSet<K> {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no other thread reads the list; each linked node is freed once.
        unsafe {
            let guard = epoch::unprotected();
            let mut curr = self.head.load(Ordering::Relaxed, guard);
            while let Some(node) = curr.with_tag(0).as_ref() {
                let next = node.next.load(Ordering::Relaxed, guard);
                drop(curr.with_tag(0).into_owned());
                curr = next;
            }
        }
    }
}

/// Keys of the 1,000-key list of workload 9.
pub const LIST_KEYS: u64 = 1_000;

/// A list of keys `0..LIST_KEYS`.
#[must_use]
pub fn filled_list<S: ListSetLike<u64>>() -> S {
    let set = S::new();
    // Inserted from the largest: each insertion is at the front, so filling is linear.
    for key in (0..LIST_KEYS).rev() {
        assert!(set.insert(key));
    }
    set
}

/// The keys workload 9 looks up: a fixed pseudo-random sequence of `lookups` keys of
/// `0..LIST_KEYS`.
fn lookup_keys(lookups: u64) -> impl Iterator<Item = u64> {
    let mut rng = 0x2545_F491_4F6C_DD1D_u64;
    (0..lookups).map(move |_| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % LIST_KEYS
    })
}

/// The nodes workload 9 visits in `lookups` lookups (a lookup of key `k` visits `k + 1`).
#[must_use]
pub fn nodes_visited(lookups: u64) -> u64 {
    lookup_keys(lookups).map(|key| key + 1).sum()
}

/// Workload 9: `lookups` `contains` of pseudo-random keys of `set` (all present); nanoseconds
/// per node visited.
#[must_use]
pub fn ns_per_node_visited<S: ListSetLike<u64>>(set: &S, lookups: u64) -> f64 {
    let visited = nodes_visited(lookups);
    let start = Instant::now();
    for key in lookup_keys(lookups) {
        assert!(set.contains(black_box(&key)));
    }
    #[allow(clippy::cast_precision_loss)]
    let ns = start.elapsed().as_nanos() as f64 / visited as f64;
    ns
}

/// A concurrent map from `u64` to `u64`, for workload 10.
pub trait MapLike: Sync {
    /// Its name in tables.
    const NAME: &'static str;
    /// An empty map sized for `keys` keys.
    fn with_capacity(keys: usize) -> Self;
    /// Inserts unless present; whether it inserted.
    fn insert(&self, key: u64, value: u64) -> bool;
    /// Removes; whether it removed.
    fn remove(&self, key: u64) -> bool;
    /// The value of `key`.
    fn get(&self, key: u64) -> Option<u64>;
}

impl MapLike for HazptrMap<u64, u64> {
    const NAME: &'static str = "hazptr (HashMap)";

    fn with_capacity(keys: usize) -> Self {
        Self::with_buckets(keys)
    }

    #[inline]
    fn insert(&self, key: u64, value: u64) -> bool {
        Self::insert(self, key, value)
    }

    #[inline]
    fn remove(&self, key: u64) -> bool {
        Self::remove(self, &key)
    }

    #[inline]
    fn get(&self, key: u64) -> Option<u64> {
        Self::get(self, &key).map(|v| *v)
    }
}

impl MapLike for DashMap<u64, u64> {
    const NAME: &'static str = "dashmap";

    fn with_capacity(keys: usize) -> Self {
        Self::with_capacity(keys)
    }

    #[inline]
    fn insert(&self, key: u64, value: u64) -> bool {
        match self.entry(key) {
            dashmap::Entry::Occupied(_) => false,
            dashmap::Entry::Vacant(vacant) => {
                vacant.insert(value);
                true
            }
        }
    }

    #[inline]
    fn remove(&self, key: u64) -> bool {
        Self::remove(self, &key).is_some()
    }

    #[inline]
    fn get(&self, key: u64) -> Option<u64> {
        Self::get(self, &key).map(|v| *v)
    }
}

/// `RwLock<std::collections::HashMap>`.
pub struct RwLockMap(RwLock<StdHashMap<u64, u64>>);

impl MapLike for RwLockMap {
    const NAME: &'static str = "RwLock<std HashMap>";

    fn with_capacity(keys: usize) -> Self {
        Self(RwLock::new(StdHashMap::with_capacity(keys)))
    }

    #[inline]
    fn insert(&self, key: u64, value: u64) -> bool {
        let mut map = self.0.write().unwrap();
        if map.contains_key(&key) {
            return false;
        }
        map.insert(key, value);
        true
    }

    #[inline]
    fn remove(&self, key: u64) -> bool {
        self.0.write().unwrap().remove(&key).is_some()
    }

    #[inline]
    fn get(&self, key: u64) -> Option<u64> {
        self.0.read().unwrap().get(&key).copied()
    }
}

/// Keys present at the start of workload 10; operations draw keys from twice as many.
pub const MAP_KEYS: u64 = 100_000;

/// Workload 10: `threads` threads for `duration`, each doing 90% `get`, 5% `insert`, 5% `remove`
/// of pseudo-random keys of `0..2 * MAP_KEYS` on a map filled with the even keys; million
/// operations per second, all threads together.
#[must_use]
pub fn map_mops<M: MapLike>(threads: usize, duration: Duration) -> f64 {
    let keys = usize::try_from(MAP_KEYS).expect("fits");
    let map = M::with_capacity(keys);
    for key in 0..MAP_KEYS {
        assert!(map.insert(key * 2, key));
    }
    let start = Barrier::new(threads + 1);
    let stop = AtomicBool::new(false);
    let ops = AtomicU64::new(0);
    let balance = AtomicI64::new(0);
    let elapsed = thread::scope(|scope| {
        for t in 0..threads {
            let (map, start, stop, ops, balance) = (&map, &start, &stop, &ops, &balance);
            scope.spawn(move || {
                let mut rng = 0x9E37_79B9_7F4A_7C15_u64 ^ (t as u64 + 1);
                let (mut done, mut net) = (0u64, 0i64);
                start.wait();
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..64 {
                        rng ^= rng << 13;
                        rng ^= rng >> 7;
                        rng ^= rng << 17;
                        let key = (rng >> 8) % (2 * MAP_KEYS);
                        match rng % 100 {
                            0..5 => net += i64::from(map.insert(key, rng)),
                            5..10 => net -= i64::from(map.remove(key)),
                            _ => drop(black_box(map.get(key))),
                        }
                    }
                    done += 64;
                }
                ops.fetch_add(done, Ordering::Relaxed);
                balance.fetch_add(net, Ordering::Relaxed);
            });
        }
        start.wait();
        let began = Instant::now();
        thread::sleep(duration);
        stop.store(true, Ordering::Relaxed);
        began.elapsed()
    });
    // Every successful insert and remove is accounted for: the map holds what the counts say.
    let expected = i64::try_from(MAP_KEYS).expect("fits") + balance.load(Ordering::Relaxed);
    let present = (0..2 * MAP_KEYS).filter(|&k| map.get(k).is_some()).count();
    assert_eq!(
        i64::try_from(present).expect("fits"),
        expected,
        "{}",
        M::NAME
    );
    #[allow(clippy::cast_precision_loss)]
    let mops = ops.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64() / 1e6;
    mops
}

/// One thread: `gets` lookups of pseudo-random keys of `0..2 * MAP_KEYS` (half present) in a map
/// filled with the even keys; nanoseconds per lookup. For profiles.
#[must_use]
pub fn ns_per_map_get<M: MapLike>(gets: u64) -> f64 {
    let map = M::with_capacity(usize::try_from(MAP_KEYS).expect("fits"));
    for key in 0..MAP_KEYS {
        assert!(map.insert(key * 2, key));
    }
    let mut rng = 0x9E37_79B9_7F4A_7C15_u64;
    let start = Instant::now();
    for _ in 0..gets {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        black_box(map.get((rng >> 8) % (2 * MAP_KEYS)));
    }
    #[allow(clippy::cast_precision_loss)]
    let ns = start.elapsed().as_nanos() as f64 / gets as f64;
    ns
}

/// Keys that count how many of them are alive, for workload 11.
pub struct TrackedKey {
    key: u64,
    live: &'static AtomicU64,
}

impl TrackedKey {
    fn new(key: u64, live: &'static AtomicU64) -> Self {
        live.fetch_add(1, Ordering::Relaxed);
        Self { key, live }
    }
}

impl Drop for TrackedKey {
    fn drop(&mut self) {
        self.live.fetch_sub(1, Ordering::Relaxed);
    }
}

impl PartialEq for TrackedKey {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for TrackedKey {}

impl PartialOrd for TrackedKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TrackedKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

/// A list set whose reader can stall holding a protection, for workload 11.
pub trait Stallable: ListSetLike<TrackedKey> {
    /// Holds what keeps a node of `self` readable (a hazard pointer, an epoch pin) until `release`
    /// delivers; `holding` is sent once it holds.
    fn stall(&self, holding: &mpsc::Sender<()>, release: &mpsc::Receiver<()>);
    /// The keys alive now, of this contender.
    fn live() -> &'static AtomicU64;
    /// Frees what it can now.
    fn reclaim();
}

static HAZPTR_LIVE: AtomicU64 = AtomicU64::new(0);
static EPOCH_LIVE: AtomicU64 = AtomicU64::new(0);

impl Stallable for ListSet<TrackedKey> {
    fn stall(&self, holding: &mpsc::Sender<()>, release: &mpsc::Receiver<()>) {
        let key = TrackedKey::new(0, Self::live());
        let guard = self.get(&key);
        assert!(guard.is_some());
        holding.send(()).expect("writer gone");
        let _ = release.recv();
        drop(guard);
    }

    fn live() -> &'static AtomicU64 {
        &HAZPTR_LIVE
    }

    fn reclaim() {
        hazptr::reclaim();
    }
}

impl Stallable for EpochListSet<TrackedKey> {
    fn stall(&self, holding: &mpsc::Sender<()>, release: &mpsc::Receiver<()>) {
        let key = TrackedKey::new(0, Self::live());
        let guard = epoch::pin();
        assert!(self.find(&key, &guard).2);
        holding.send(()).expect("writer gone");
        let _ = release.recv();
        drop(guard);
    }

    fn live() -> &'static AtomicU64 {
        &EPOCH_LIVE
    }

    fn reclaim() {
        for _ in 0..4 {
            epoch::pin().flush();
        }
    }
}

/// Workload 11: one thread protects the first node of a 100-key list and stalls while this
/// thread inserts and removes `removals` keys; the peak number of removed keys not yet dropped.
#[must_use]
pub fn stalled_list<S: Stallable>(removals: u64) -> u64 {
    let live = S::live();
    // The previous round's garbage must be gone first: freed during this round, it would lower
    // the count below what this round retired.
    for _ in 0..100_000 {
        if live.load(Ordering::Relaxed) == 0 {
            break;
        }
        S::reclaim();
    }
    let set = S::new();
    for key in 0..100 {
        assert!(set.insert(TrackedKey::new(key * 2, live)));
    }
    S::reclaim();
    let (holding, held) = mpsc::channel();
    let (release, released) = mpsc::channel::<()>();
    let peak = thread::scope(|scope| {
        let set = &set;
        scope.spawn(move || set.stall(&holding, &released));
        held.recv().expect("stalled reader panicked");
        // Linked now: the 100 keys and the stalled reader's own key.
        let baseline = live.load(Ordering::Relaxed);
        let mut peak = 0;
        for i in 0..removals {
            // An odd key among the first ones, so each operation walks a few nodes.
            let key = (i % 8) * 2 + 1;
            assert!(set.insert(TrackedKey::new(key, live)));
            assert!(set.remove(&TrackedKey::new(key, live)));
            peak = peak.max(live.load(Ordering::Relaxed).saturating_sub(baseline));
        }
        release.send(()).expect("stalled reader gone");
        peak
    });
    drop(set);
    S::reclaim();
    peak
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_lists_find_every_key_and_agree() {
        let hazptr: ListSet<u64> = filled_list();
        let epoch: EpochListSet<u64> = filled_list();
        for key in [0, 1, 500, 999] {
            assert!(hazptr.contains(&key) && epoch.contains(&key));
        }
        assert!(!hazptr.contains(&LIST_KEYS) && !epoch.contains(&LIST_KEYS));
        assert!(epoch.remove(&500) && !epoch.remove(&500) && !epoch.contains(&500));
        assert!(ns_per_node_visited(&hazptr, 100) > 0.0);
    }

    #[test]
    fn maps_keep_their_counts_under_the_mix() {
        let short = Duration::from_millis(20);
        assert!(map_mops::<HazptrMap<u64, u64>>(2, short) > 0.0);
        assert!(map_mops::<DashMap<u64, u64>>(2, short) > 0.0);
        assert!(map_mops::<RwLockMap>(2, short) > 0.0);
    }

    #[test]
    fn a_stalled_epoch_pin_keeps_every_removed_key_and_a_hazard_pointer_does_not() {
        assert!(stalled_list::<EpochListSet<TrackedKey>>(3_000) >= 2_900);
        assert!(stalled_list::<ListSet<TrackedKey>>(5_000) <= 2_100);
    }
}
