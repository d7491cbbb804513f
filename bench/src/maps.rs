//! Concurrent hash maps under conc-map-bench's workload mixes (issue 19): hazptr's maps (the
//! growable `hazptr::collections::HashMap` and the suite's fixed-bucket map) against papaya,
//! dashmap, scc's `HashMap`, flurry and `RwLock<std HashMap>`, called through one small trait,
//! [`ConcurrentMap`].
//!
//! # The workload
//!
//! A port of bustle's (the harness conc-map-bench runs), scaled down to this machine:
//!
//! - **Mixes** are conc-map-bench's three ([`READ_HEAVY`], [`EXCHANGE`], [`RAPID_GROW`]): the
//!   percentages of get, insert, remove and update, and the fraction of the initial capacity
//!   inserted before the clock starts (75% for read-heavy and exchange, none for rapid-grow).
//! - **Sizes** follow bustle's rules from an initial capacity of `2^capacity_log2` (bustle's
//!   default is 2^25; [`Workload::new`] takes it as a parameter): every map is made with that
//!   capacity, the operations are as many as the capacity (conc-map-bench's `--operations 1`),
//!   and each thread owns `(max(capacity, most inserts) + prefill) / threads` keys, rounded up to
//!   a power of two, of which it prefills the first `prefill / threads`.
//! - **Operations**: the hundred operations of the mix, shuffled once, repeated. Each thread
//!   works on its own keys only, as in bustle: inserts take its next fresh key, removes its oldest
//!   present key (or, on an empty share, a key picked by the sequence below, which must miss),
//!   gets and updates a key picked by bustle's linear congruential sequence over all its keys
//!   (present, removed or not yet inserted).
//! - Unlike bustle, each thread's operations are generated before the run, as `(operation, key)`
//!   pairs ([`Workload::ops`]), so that every contender does exactly the same work and the timed
//!   loop does nothing but read the next pair and call the map. Because the keys of a thread are
//!   its own, the outcome of every operation is known in advance; a run checks that the number
//!   of successful operations and the final length are the expected ones.
//!
//! Keys are `u64` (distinct by construction: a bijective mix of the key's index), values `u64`;
//! every map hashes with its own default hasher: std's `RandomState` (SipHash-1-3) for all but
//! flurry, whose default is ahash.
//!
//! # Timing
//!
//! Throughput is all threads' operations over the wall time from the first thread's start (after
//! a barrier that follows the prefill) to the last thread's end, each read by the thread itself. Latency is sampled: every [`SAMPLE_EVERY`]th operation of
//! each thread is timed alone with two `Instant::now()` calls (61 is prime to the mix's period
//! of 100, so every position of the mix is sampled); the figures include the cost of one
//! `Instant::now()`, which [`timer_overhead_ns`] measures.
//!
//! # Garbage behind a stalled reader
//!
//! [`stalled_reader_garbage`]: a map of [`GARBAGE_KEYS`] keys whose values count their drops
//! ([`Payload`]); one thread takes the map's read protection ([`ConcurrentMap::stalled_read`])
//! and holds it for the whole run while another removes and re-inserts keys; the peak number of
//! values alive beyond the map's entries.

use std::collections::HashMap as StdHashMap;
use std::hint::black_box;
use std::sync::{Barrier, PoisonError, RwLock, mpsc};
use std::thread;
use std::time::Instant;

use dashmap::DashMap;

use crate::payload::{self, Payload};

mod hazptr_collections;

/// What a map stores: `u64` for the throughput runs, [`Payload`] (which counts its drops) for the
/// garbage runs.
pub trait Value: Send + Sync + 'static {
    /// A value holding `n`.
    fn new(n: u64) -> Self;
    /// What it holds.
    fn read(&self) -> u64;
    /// The value an update writes in its place: one more.
    #[must_use]
    fn next(&self) -> Self
    where
        Self: Sized,
    {
        Self::new(self.read().wrapping_add(1))
    }
}

impl Value for u64 {
    fn new(n: u64) -> Self {
        n
    }
    fn read(&self) -> u64 {
        *self
    }
}

impl Value for Payload {
    fn new(n: u64) -> Self {
        Payload::new(n)
    }
    fn read(&self) -> u64 {
        Payload::read(self)
    }
}

/// A concurrent map from `u64` keys to values `V`, as the workloads call it.
///
/// Each method is one call of the map's own API, the way a user would write it (for papaya and
/// flurry, a `pin()` per operation). The workloads call these through generic code in the
/// default release profile, without forced inlining.
pub trait ConcurrentMap<V: Value>: Sync + Sized {
    /// Its name in tables.
    const NAME: &'static str;
    /// What its stalled reader holds, or `None` if the map defers no reclamation (a held read
    /// guard would block its writers instead).
    const HOLD: Option<&'static str>;
    /// An empty map with room for `capacity` entries.
    fn with_capacity(capacity: usize) -> Self;
    /// The value of `key`, read, if present.
    fn get(&self, key: u64) -> Option<u64>;
    /// Inserts `key` with `value` (replacing a present value, for the maps whose `insert`
    /// replaces); whether the key was absent.
    fn insert(&self, key: u64, value: V) -> bool;
    /// Removes `key`; whether it was present.
    fn remove(&self, key: u64) -> bool;
    /// Replaces the value of `key`, if present, with [`Value::next`] of it (read-modify-write);
    /// whether it was present.
    fn update(&self, key: u64) -> bool;
    /// The number of entries, if the map counts them.
    fn entries(&self) -> Option<usize>;
    /// Takes the protection a reader of `key` holds ([`HOLD`](Self::HOLD)), calls `wait`
    /// (which returns when the writer is done), then lets go.
    fn stalled_read(&self, key: u64, wait: &mut dyn FnMut()) {
        let _ = key;
        wait();
    }
}

/// `hazptr_suite::hash_map::HashMap`, the suite's fixed-bucket Michael map (one bucket per
/// entry of the initial capacity). It inserts only if absent and has no replace, so its update
/// is a get, a remove and an insert: not atomic, correct here because each thread's keys are its
/// own.
impl<V: Value> ConcurrentMap<V> for hazptr_suite::hash_map::HashMap<u64, V> {
    const NAME: &'static str = "hazptr fixed buckets (Michael 2002)";
    const HOLD: Option<&'static str> = Some("a `get` guard");
    fn with_capacity(capacity: usize) -> Self {
        Self::with_buckets(capacity)
    }
    fn get(&self, key: u64) -> Option<u64> {
        Self::get(self, &key).map(|v| v.read())
    }
    fn insert(&self, key: u64, value: V) -> bool {
        Self::insert(self, key, value)
    }
    fn remove(&self, key: u64) -> bool {
        Self::remove(self, &key)
    }
    fn update(&self, key: u64) -> bool {
        let Some(next) = Self::get(self, &key).map(|v| v.next()) else {
            return false;
        };
        Self::remove(self, &key) && Self::insert(self, key, next)
    }
    fn entries(&self) -> Option<usize> {
        // It does not count its entries.
        None
    }
    fn stalled_read(&self, key: u64, wait: &mut dyn FnMut()) {
        let guard = Self::get(self, &key);
        wait();
        drop(guard);
    }
}

/// `papaya::HashMap` with its default collector, one `pin()` per operation (a user holding
/// papaya's `pin_owned()` guard, which can cross threads, pays more per pin).
impl<V: Value> ConcurrentMap<V> for papaya::HashMap<u64, V> {
    const NAME: &'static str = "papaya";
    const HOLD: Option<&'static str> = Some("a `pin()` guard");
    fn with_capacity(capacity: usize) -> Self {
        papaya::HashMap::with_capacity(capacity)
    }
    fn get(&self, key: u64) -> Option<u64> {
        self.pin().get(&key).map(V::read)
    }
    fn insert(&self, key: u64, value: V) -> bool {
        self.pin().insert(key, value).is_none()
    }
    fn remove(&self, key: u64) -> bool {
        self.pin().remove(&key).is_some()
    }
    fn update(&self, key: u64) -> bool {
        self.pin().update(key, V::next).is_some()
    }
    fn entries(&self) -> Option<usize> {
        Some(papaya::HashMap::len(self))
    }
    fn stalled_read(&self, key: u64, wait: &mut dyn FnMut()) {
        let pinned = self.pin();
        black_box(pinned.get(&key).map(V::read));
        wait();
        drop(pinned);
    }
}

/// `dashmap::DashMap`; its update is a `get_mut` (the shard's write lock).
impl<V: Value> ConcurrentMap<V> for DashMap<u64, V> {
    const NAME: &'static str = "dashmap";
    const HOLD: Option<&'static str> = None;
    fn with_capacity(capacity: usize) -> Self {
        DashMap::with_capacity(capacity)
    }
    fn get(&self, key: u64) -> Option<u64> {
        DashMap::get(self, &key).map(|v| v.read())
    }
    fn insert(&self, key: u64, value: V) -> bool {
        DashMap::insert(self, key, value).is_none()
    }
    fn remove(&self, key: u64) -> bool {
        DashMap::remove(self, &key).is_some()
    }
    fn update(&self, key: u64) -> bool {
        DashMap::get_mut(self, &key)
            .map(|mut v| *v = v.next())
            .is_some()
    }
    fn entries(&self) -> Option<usize> {
        Some(DashMap::len(self))
    }
}

/// `scc::HashMap` (scc 3), through its `_sync` methods; it inserts only if absent. Its values
/// live inline in the buckets, read under a bucket's shared lock and dropped when removed: its
/// `scc::Guard` (sdd's) defers only the reclamation of old bucket arrays.
impl<V: Value> ConcurrentMap<V> for scc::HashMap<u64, V> {
    const NAME: &'static str = "scc::HashMap";
    const HOLD: Option<&'static str> = Some("an `scc::Guard`");
    fn with_capacity(capacity: usize) -> Self {
        scc::HashMap::with_capacity(capacity)
    }
    fn get(&self, key: u64) -> Option<u64> {
        self.read_sync(&key, |_, v| v.read())
    }
    fn insert(&self, key: u64, value: V) -> bool {
        self.insert_sync(key, value).is_ok()
    }
    fn remove(&self, key: u64) -> bool {
        self.remove_sync(&key).is_some()
    }
    fn update(&self, key: u64) -> bool {
        self.update_sync(&key, |_, v| *v = v.next()).is_some()
    }
    fn entries(&self) -> Option<usize> {
        Some(scc::HashMap::len(self))
    }
    fn stalled_read(&self, key: u64, wait: &mut dyn FnMut()) {
        let guard = scc::Guard::new();
        black_box(self.read_sync(&key, |_, v| v.read()));
        wait();
        drop(guard);
    }
}

/// `flurry::HashMap` (a port of Java's `ConcurrentHashMap` on seize) with its default
/// collector and hasher (ahash), one `pin()` per operation; its update is `compute_if_present`.
impl<V: Value> ConcurrentMap<V> for flurry::HashMap<u64, V> {
    const NAME: &'static str = "flurry";
    const HOLD: Option<&'static str> = Some("a `guard()`");
    fn with_capacity(capacity: usize) -> Self {
        flurry::HashMap::with_capacity(capacity)
    }
    fn get(&self, key: u64) -> Option<u64> {
        self.pin().get(&key).map(V::read)
    }
    fn insert(&self, key: u64, value: V) -> bool {
        self.pin().insert(key, value).is_none()
    }
    fn remove(&self, key: u64) -> bool {
        self.pin().remove(&key).is_some()
    }
    fn update(&self, key: u64) -> bool {
        self.pin()
            .compute_if_present(&key, |_, v| Some(v.next()))
            .is_some()
    }
    fn entries(&self) -> Option<usize> {
        Some(flurry::HashMap::len(self))
    }
    fn stalled_read(&self, key: u64, wait: &mut dyn FnMut()) {
        let guard = self.guard();
        black_box(self.get(&key, &guard).map(V::read));
        wait();
        drop(guard);
    }
}

/// `RwLock<std::collections::HashMap>`, the map a user writes first.
pub struct RwLockMap<V>(RwLock<StdHashMap<u64, V>>);

impl<V: Value> ConcurrentMap<V> for RwLockMap<V> {
    const NAME: &'static str = "RwLock<HashMap>";
    const HOLD: Option<&'static str> = None;
    fn with_capacity(capacity: usize) -> Self {
        Self(RwLock::new(StdHashMap::with_capacity(capacity)))
    }
    fn get(&self, key: u64) -> Option<u64> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .map(V::read)
    }
    fn insert(&self, key: u64, value: V) -> bool {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, value)
            .is_none()
    }
    fn remove(&self, key: u64) -> bool {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&key)
            .is_some()
    }
    fn update(&self, key: u64) -> bool {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .get_mut(&key)
            .map(|v| *v = v.next())
            .is_some()
    }
    fn entries(&self) -> Option<usize> {
        Some(self.0.read().unwrap_or_else(PoisonError::into_inner).len())
    }
}

/// A workload mix: percentages of each operation (summing to 100) and the fraction of the
/// initial capacity inserted before the run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mix {
    /// Its name, as the command line filters it.
    pub name: &'static str,
    /// Percentage of gets.
    pub read: u8,
    /// Percentage of inserts (each of a fresh key).
    pub insert: u8,
    /// Percentage of removes.
    pub remove: u8,
    /// Percentage of updates (read-modify-write of a present value).
    pub update: u8,
    /// Fraction of the initial capacity inserted before the run.
    pub prefill: f64,
}

/// conc-map-bench's `ReadHeavy`: 98% get, 1% insert, 1% remove, no update; 75% prefilled.
pub const READ_HEAVY: Mix = Mix {
    name: "read_heavy",
    read: 98,
    insert: 1,
    remove: 1,
    update: 0,
    prefill: 0.75,
};

/// conc-map-bench's `Exchange`: 10% get, 40% insert, 40% remove, 10% update; 75% prefilled.
pub const EXCHANGE: Mix = Mix {
    name: "exchange",
    read: 10,
    insert: 40,
    remove: 40,
    update: 10,
    prefill: 0.75,
};

/// conc-map-bench's `RapidGrow`: 5% get, 80% insert, 5% remove, 10% update; empty at the start.
pub const RAPID_GROW: Mix = Mix {
    name: "rapid_grow",
    read: 5,
    insert: 80,
    remove: 5,
    update: 10,
    prefill: 0.0,
};

/// The three mixes, in the order of the tables.
pub const MIXES: [Mix; 3] = [READ_HEAVY, EXCHANGE, RAPID_GROW];

/// One operation of the pre-generated streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `get(key)`.
    Get(u64),
    /// `insert(key, key)`.
    Insert(u64),
    /// `remove(key)`.
    Remove(u64),
    /// `update(key)`.
    Update(u64),
}

/// An operation of the mix, before its key is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Get,
    Insert,
    Remove,
    Update,
}

/// A thread's part of a workload: the keys it inserts before the run, the operations it runs,
/// and how many of them must succeed.
#[derive(Clone, Debug)]
pub struct ThreadOps {
    /// Inserted (each must succeed) before the start line.
    pub prefill: Vec<u64>,
    /// The timed operations, in order.
    pub ops: Vec<Op>,
    /// How many of `ops` succeed: a get or update that finds its key, an insert of an absent
    /// key, a remove of a present one.
    pub expected_successes: u64,
    /// Successful inserts less successful removes among `ops`.
    pub net_inserts: i64,
}

/// A mix at a thread count and size, generated: every thread's operations.
#[derive(Clone, Debug)]
pub struct Workload {
    /// The mix.
    pub mix: Mix,
    /// The capacity every map is made with.
    pub capacity: usize,
    /// One entry per thread.
    pub threads: Vec<ThreadOps>,
}

/// splitmix64's output function: a bijection of `u64`, so distinct inputs give distinct keys.
#[must_use]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A small deterministic generator (splitmix64) for the shuffle of the mix.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix64(self.0)
    }
}

impl Workload {
    /// `mix` at `threads` threads from an initial capacity of `2^capacity_log2`, by bustle's
    /// rules (module docs); the same `seed` gives the same operations.
    ///
    /// # Panics
    ///
    /// If the mix's percentages do not sum to 100, or `threads` is zero.
    #[must_use]
    pub fn new(mix: Mix, threads: usize, capacity_log2: u32, seed: u64) -> Self {
        assert_eq!(
            u32::from(mix.read)
                + u32::from(mix.insert)
                + u32::from(mix.remove)
                + u32::from(mix.update),
            100,
            "{}: percentages must sum to 100",
            mix.name
        );
        assert!(threads > 0, "no threads");
        let capacity = 1usize << capacity_log2;
        let total_ops = capacity;
        // Truncation intended, as bustle's `as usize`.
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let prefill = (capacity as f64 * mix.prefill) as usize;
        let most_inserts = total_ops.div_ceil(100) * usize::from(mix.insert);
        let keys_per_thread = (capacity.max(most_inserts) + prefill)
            .div_ceil(threads)
            .next_power_of_two();
        let mut rng = SplitMix(seed);
        let mut period = Vec::with_capacity(100);
        for (count, kind) in [
            (mix.read, Kind::Get),
            (mix.insert, Kind::Insert),
            (mix.remove, Kind::Remove),
            (mix.update, Kind::Update),
        ] {
            period.extend(std::iter::repeat_n(kind, usize::from(count)));
        }
        for i in (1..period.len()).rev() {
            let j = usize::try_from(rng.next() % (i as u64 + 1)).expect("index fits");
            period.swap(i, j);
        }
        let parts = (0..threads)
            .map(|t| {
                let first = (t * keys_per_thread) as u64;
                let keys: Vec<u64> = (0..keys_per_thread as u64)
                    .map(|i| mix64((first + i) ^ seed))
                    .collect();
                thread_ops(&keys, &period, prefill / threads, total_ops / threads)
            })
            .collect();
        Self {
            mix,
            capacity,
            threads: parts,
        }
    }

    /// The total number of timed operations.
    #[must_use]
    pub fn ops(&self) -> u64 {
        self.threads.iter().map(|t| t.ops.len() as u64).sum()
    }
}

/// One thread's operations, as bustle's `mix` loop picks them.
fn thread_ops(keys: &[u64], period: &[Kind], prefilled: usize, ops: usize) -> ThreadOps {
    let nkeys = keys.len();
    assert!(nkeys.is_power_of_two() && nkeys > 4);
    // bustle's linear congruential sequence over the key indices.
    let (a, c, mask) = (nkeys / 2 + 1, nkeys / 4 - 1, nkeys - 1);
    let (mut erase_seq, mut insert_seq, mut find_seq) = (0usize, prefilled, 0usize);
    let mut out = Vec::with_capacity(ops);
    let (mut successes, mut net) = (0u64, 0i64);
    for &kind in period.iter().cycle().take(ops) {
        match kind {
            Kind::Get | Kind::Update => {
                let present = find_seq >= erase_seq && find_seq < insert_seq;
                let key = keys[find_seq];
                out.push(if kind == Kind::Get {
                    Op::Get(key)
                } else {
                    Op::Update(key)
                });
                successes += u64::from(present);
                find_seq = (a * find_seq + c) & mask;
            }
            Kind::Insert => {
                out.push(Op::Insert(keys[insert_seq]));
                insert_seq += 1;
                successes += 1;
                net += 1;
            }
            Kind::Remove => {
                if erase_seq == insert_seq {
                    // An empty share: a remove that must miss.
                    out.push(Op::Remove(keys[find_seq]));
                    find_seq = (a * find_seq + c) & mask;
                } else {
                    out.push(Op::Remove(keys[erase_seq]));
                    erase_seq += 1;
                    successes += 1;
                    net -= 1;
                }
            }
        }
    }
    ThreadOps {
        prefill: keys[..prefilled].to_vec(),
        ops: out,
        expected_successes: successes,
        net_inserts: net,
    }
}

/// Every this many operations of a thread, one is timed alone.
pub const SAMPLE_EVERY: usize = 61;

/// The outcome of one run of a workload on one map.
#[derive(Clone, Debug)]
pub struct Run {
    /// Million operations per second, all threads together.
    pub mops: f64,
    /// Median of the sampled operations' latencies, nanoseconds.
    pub p50_ns: f64,
    /// 99th percentile of the sampled operations' latencies, nanoseconds.
    pub p99_ns: f64,
}

/// Runs `workload` on a fresh `M`: each thread prefills its keys, all start together, and run
/// their operations; checks the outcome (panics, naming the map, if it is not the expected one).
///
/// # Panics
///
/// If an operation's outcome differs from the sequential one (a lost insert, a remove that
/// missed a present key, …): the map is broken.
#[must_use]
pub fn run<M: ConcurrentMap<u64>>(workload: &Workload) -> Run {
    let map = M::with_capacity(workload.capacity);
    let threads = workload.threads.len();
    let ready = Barrier::new(threads);
    let outcomes: Vec<_> = thread::scope(|scope| {
        let handles: Vec<_> = workload
            .threads
            .iter()
            .map(|part| {
                let (map, ready) = (&map, &ready);
                scope.spawn(move || {
                    for &key in &part.prefill {
                        assert!(map.insert(key, key), "{}: prefill insert failed", M::NAME);
                    }
                    let mut samples = Vec::with_capacity(part.ops.len() / SAMPLE_EVERY + 1);
                    ready.wait();
                    // Each thread reads the clock itself: with more threads than cores, a
                    // coordinating thread could be scheduled late and start its clock late.
                    let start = Instant::now();
                    let successes = run_ops(map, &part.ops, &mut samples);
                    (start, Instant::now(), successes, samples)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a map thread panicked"))
            .collect()
    });
    let start = outcomes.iter().map(|o| o.0).min().expect("one thread");
    let end = outcomes.iter().map(|o| o.1).max().expect("one thread");
    let elapsed = end - start;
    let mut latencies = Vec::new();
    for (part, (_, _, successes, samples)) in workload.threads.iter().zip(outcomes) {
        assert_eq!(
            successes,
            part.expected_successes,
            "{}: {} successful operations, {} expected",
            M::NAME,
            successes,
            part.expected_successes
        );
        latencies.extend(samples);
    }
    let expected_len: i64 = workload
        .threads
        .iter()
        .map(|t| t.prefill.len() as i64 + t.net_inserts)
        .sum();
    if let Some(len) = map.entries() {
        assert_eq!(
            len as i64,
            expected_len,
            "{}: wrong length after the run",
            M::NAME
        );
    }
    latencies.sort_unstable();
    #[allow(clippy::cast_precision_loss)]
    Run {
        mops: workload.ops() as f64 / elapsed.as_secs_f64() / 1e6,
        p50_ns: percentile(&latencies, 0.50),
        p99_ns: percentile(&latencies, 0.99),
    }
}

/// The `q`-quantile of sorted `samples` (nearest rank), as `f64`.
fn percentile(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    f64::from(sorted[rank - 1])
}

/// The timed loop of one thread: every operation through the trait, one in [`SAMPLE_EVERY`]
/// timed alone into `samples`; the number of successful operations.
#[inline(never)]
fn run_ops<M: ConcurrentMap<u64>>(map: &M, ops: &[Op], samples: &mut Vec<u32>) -> u64 {
    let mut successes = 0u64;
    let mut sum = 0u64;
    for chunk in ops.chunks(SAMPLE_EVERY) {
        let (first, rest) = chunk.split_first().expect("chunks are not empty");
        let start = Instant::now();
        let ok = apply(map, *first, &mut sum);
        let ns = start.elapsed().as_nanos();
        samples.push(u32::try_from(ns).unwrap_or(u32::MAX));
        successes += u64::from(ok);
        for &op in rest {
            successes += u64::from(apply(map, op, &mut sum));
        }
    }
    black_box(sum);
    successes
}

/// One operation; whether it succeeded. A get adds the value it read to `sum`.
fn apply<M: ConcurrentMap<u64>>(map: &M, op: Op, sum: &mut u64) -> bool {
    match op {
        Op::Get(key) => map.get(key).map(|v| *sum = sum.wrapping_add(v)).is_some(),
        Op::Insert(key) => map.insert(key, key),
        Op::Remove(key) => map.remove(key),
        Op::Update(key) => map.update(key),
    }
}

/// Nanoseconds one `Instant::now()` costs here (the median of many back-to-back pairs): what each
/// latency sample includes beyond its operation.
#[must_use]
pub fn timer_overhead_ns() -> f64 {
    let mut samples: Vec<u32> = (0..10_000)
        .map(|_| {
            let start = Instant::now();
            u32::try_from(black_box(start).elapsed().as_nanos()).unwrap_or(u32::MAX)
        })
        .collect();
    samples.sort_unstable();
    percentile(&samples, 0.5)
}

/// Keys of the map in the stalled-reader run.
pub const GARBAGE_KEYS: u64 = 1_000;

/// The peak garbage behind a stalled reader, in values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Garbage {
    /// The most [`Payload`]s alive beyond the map's entries at any sample.
    pub peak_values: u64,
    /// The most values and nodes retired into hazptr's global domain and not freed at any sample
    /// (`Domain::stats().unfreed`, less its value before the run): hazptr's own count, which a
    /// user can read in production.
    pub peak_unfreed: u64,
}

/// A map of [`GARBAGE_KEYS`] keys; one thread takes the read protection of `M`
/// ([`ConcurrentMap::stalled_read`]) on key 0 and holds it while this thread removes and
/// re-inserts keys `1..GARBAGE_KEYS` in turn, `pairs` times; the garbage is sampled after every
/// pair. `None` if `M` defers no reclamation ([`ConcurrentMap::HOLD`]).
///
/// # Panics
///
/// If a remove or insert of the writer fails (the map is broken).
#[must_use]
pub fn stalled_reader_garbage<M: ConcurrentMap<Payload>>(pairs: u64) -> Option<Garbage> {
    M::HOLD?;
    let unfreed = || hazptr::Domain::global().stats().unfreed;
    hazptr::reclaim();
    let live_before = payload::live();
    let unfreed_before = unfreed();
    let map = M::with_capacity(usize::try_from(GARBAGE_KEYS).expect("fits"));
    for key in 0..GARBAGE_KEYS {
        assert!(map.insert(key, Payload::new(key)));
    }
    let (holding, held) = mpsc::channel();
    let (release, released) = mpsc::channel::<()>();
    let peak = thread::scope(|scope| {
        let map = &map;
        scope.spawn(move || {
            map.stalled_read(0, &mut || {
                holding.send(()).expect("writer gone");
                // Blocks (no CPU) until the writer is done.
                let _ = released.recv();
            });
        });
        held.recv().expect("stalled reader panicked");
        let mut peak = Garbage {
            peak_values: 0,
            peak_unfreed: 0,
        };
        for i in 0..pairs {
            let key = 1 + i % (GARBAGE_KEYS - 1);
            assert!(map.remove(key), "{}: remove failed", M::NAME);
            assert!(
                map.insert(key, Payload::new(i)),
                "{}: insert failed",
                M::NAME
            );
            let alive = payload::live().saturating_sub(live_before);
            peak.peak_values = peak.peak_values.max(alive.saturating_sub(GARBAGE_KEYS));
            peak.peak_unfreed = peak
                .peak_unfreed
                .max(unfreed().saturating_sub(unfreed_before));
        }
        release.send(()).expect("stalled reader gone");
        peak
    });
    drop(map);
    hazptr::reclaim();
    Some(peak)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_every_contender(workload: &Workload) {
        for run in [
            run::<hazptr::collections::HashMap<u64, u64>>(workload),
            run::<hazptr_suite::hash_map::HashMap<u64, u64>>(workload),
            run::<papaya::HashMap<u64, u64>>(workload),
            run::<DashMap<u64, u64>>(workload),
            run::<scc::HashMap<u64, u64>>(workload),
            run::<flurry::HashMap<u64, u64>>(workload),
            run::<RwLockMap<u64>>(workload),
        ] {
            assert!(run.mops > 0.0);
            assert!(run.p99_ns >= run.p50_ns);
        }
    }

    #[test]
    fn every_mix_gives_every_contender_the_expected_outcome() {
        for mix in MIXES {
            for threads in [1, 3] {
                check_every_contender(&Workload::new(mix, threads, 10, 7));
            }
        }
    }

    #[test]
    fn a_workload_follows_the_mix_and_bustles_sizes() {
        let w = Workload::new(READ_HEAVY, 2, 12, 1);
        assert_eq!(w.capacity, 4096);
        assert_eq!(w.ops(), 4096);
        // 75% of 4096 prefilled, split over two threads.
        assert_eq!(w.threads[0].prefill.len(), 1536);
        // Every period of a hundred operations holds the mix's 98 gets.
        let gets = w.threads[0].ops[..2000]
            .iter()
            .filter(|op| matches!(op, Op::Get(_)))
            .count();
        assert_eq!(gets, 98 * 20);
        // Same seed, same operations; keys of different threads differ.
        assert_eq!(
            Workload::new(READ_HEAVY, 2, 12, 1).threads[1].ops,
            w.threads[1].ops
        );
        assert!(!w.threads[1].prefill.contains(&w.threads[0].prefill[0]));
    }

    #[test]
    fn a_stalled_reader_bounds_hazptrs_garbage_and_not_papayas() {
        let _serial = crate::payload::counting_lock();
        let map = stalled_reader_garbage::<hazptr::collections::HashMap<u64, Payload>>(5_000)
            .expect("hazptr defers reclamation");
        assert!(map.peak_values <= 2_000, "{map:?}");
        let hazptr = stalled_reader_garbage::<hazptr_suite::hash_map::HashMap<u64, Payload>>(5_000)
            .expect("hazptr defers reclamation");
        assert!(hazptr.peak_values <= 2_000, "{hazptr:?}");
        let papaya = stalled_reader_garbage::<papaya::HashMap<u64, Payload>>(5_000)
            .expect("papaya defers reclamation");
        assert!(papaya.peak_values >= 4_000, "{papaya:?}");
        assert!(stalled_reader_garbage::<DashMap<u64, Payload>>(10).is_none());
    }
}
