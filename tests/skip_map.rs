//! `hazptr::collections::SkipMap` and `SkipSet`: the semantics of `std::collections::BTreeMap`
//! on one thread (a proptest model and a seeded one), exact results under concurrency, ordered
//! iteration and ranges while other threads insert and remove, entries that stay readable
//! through removal, replacement and `clear`, and every key and value dropped exactly once.
//!
//! Sizes are cut under Miri (`cfg!(miri)`), which runs this file too; `HAZPTR_LINKED_SCALE=N`
//! runs the concurrent tests N times longer. No `unsafe` here: what Miri checks is the map as a
//! safe caller uses it.
#![forbid(unsafe_code)]

mod common;

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use common::{CountedKey, Counter, XorShift, linked_scale, reclaim_global, reclaim_global_until};
use hazptr::collections::{SkipMap, SkipSet};
use proptest::prelude::*;

const THREADS: u64 = if cfg!(miri) { 2 } else { 4 };

/// One operation of the model test, on keys in `0..KEYS`.
#[derive(Clone, Debug)]
enum Op {
    Insert(u8, u32),
    GetOrInsert(u8, u32),
    Remove(u8),
    Get(u8),
    Front,
    Back,
    PopFront,
    PopBack,
    Range(Bound<u8>, Bound<u8>),
    LowerBound(Bound<u8>),
    UpperBound(Bound<u8>),
    Len,
    Iter,
    IterRev,
}

fn bound() -> impl Strategy<Value = Bound<u8>> {
    prop_oneof![
        (0u8..40).prop_map(Bound::Included),
        (0u8..40).prop_map(Bound::Excluded),
        Just(Bound::Unbounded),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..40, any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
        1 => (0u8..40, any::<u32>()).prop_map(|(k, v)| Op::GetOrInsert(k, v)),
        2 => (0u8..40).prop_map(Op::Remove),
        2 => (0u8..40).prop_map(Op::Get),
        1 => Just(Op::Front),
        1 => Just(Op::Back),
        1 => Just(Op::PopFront),
        1 => Just(Op::PopBack),
        1 => (bound(), bound()).prop_map(|(a, b)| Op::Range(a, b)),
        1 => bound().prop_map(Op::LowerBound),
        1 => bound().prop_map(Op::UpperBound),
        1 => Just(Op::Len),
        1 => Just(Op::Iter),
        1 => Just(Op::IterRev),
    ]
}

/// `BTreeMap::range` panics on an empty or inverted range; `SkipMap::range` yields nothing.
fn valid_range(start: Bound<u8>, end: Bound<u8>) -> bool {
    use Bound::{Excluded, Included};
    match (start, end) {
        (Included(a), Included(b)) => a <= b,
        (Included(a) | Excluded(a), Excluded(b)) | (Excluded(a), Included(b)) => {
            a < b || (a == b && matches!((start, end), (Included(_), Included(_))))
        }
        _ => true,
    }
}

fn pair(e: &hazptr::collections::skip_map::Entry<'_, u8, u32>) -> (u8, u32) {
    (*e.key(), *e.value())
}

/// Runs `ops` on a `SkipMap` and a `BTreeMap`, comparing every result.
fn check_against_btreemap(ops: &[Op]) {
    let map = SkipMap::new();
    let mut model = BTreeMap::new();
    for op in ops {
        match *op {
            Op::Insert(k, v) => {
                assert_eq!(pair(&map.insert(k, v)), (k, v));
                model.insert(k, v);
            }
            Op::GetOrInsert(k, v) => {
                let expected = *model.entry(k).or_insert(v);
                assert_eq!(pair(&map.get_or_insert(k, v)), (k, expected));
            }
            Op::Remove(k) => assert_eq!(
                map.remove(&k).map(|e| pair(&e)),
                model.remove(&k).map(|v| (k, v)),
                "remove {k}"
            ),
            Op::Get(k) => {
                assert_eq!(
                    map.get(&k).map(|e| pair(&e)),
                    model.get(&k).map(|v| (k, *v))
                );
                assert_eq!(map.contains_key(&k), model.contains_key(&k));
            }
            Op::Front => assert_eq!(
                map.front().map(|e| pair(&e)),
                model.first_key_value().map(|(k, v)| (*k, *v))
            ),
            Op::Back => assert_eq!(
                map.back().map(|e| pair(&e)),
                model.last_key_value().map(|(k, v)| (*k, *v))
            ),
            Op::PopFront => assert_eq!(map.pop_front().map(|e| pair(&e)), model.pop_first()),
            Op::PopBack => assert_eq!(map.pop_back().map(|e| pair(&e)), model.pop_last()),
            Op::Range(start, end) => {
                let got: Vec<_> = map.range((start, end)).map(|e| pair(&e)).collect();
                let back: Vec<_> = map.range((start, end)).rev().map(|e| pair(&e)).collect();
                let expected: Vec<_> = if valid_range(start, end) {
                    model.range((start, end)).map(|(k, v)| (*k, *v)).collect()
                } else {
                    Vec::new()
                };
                assert_eq!(got, expected, "range {start:?}..{end:?}");
                assert_eq!(back, expected.iter().rev().copied().collect::<Vec<_>>());
            }
            Op::LowerBound(b) => {
                let expected = model
                    .range((b.as_ref().map(|k| *k), Bound::Unbounded))
                    .next()
                    .map(|(k, v)| (*k, *v));
                let b = b.as_ref();
                assert_eq!(
                    map.lower_bound(b).map(|e| pair(&e)),
                    expected,
                    "lower {b:?}"
                );
            }
            Op::UpperBound(b) => {
                let expected = model
                    .range((Bound::Unbounded, b))
                    .next_back()
                    .map(|(k, v)| (*k, *v));
                let b = b.as_ref();
                assert_eq!(
                    map.upper_bound(b).map(|e| pair(&e)),
                    expected,
                    "upper {b:?}"
                );
            }
            Op::Len => {
                assert_eq!(map.len(), model.len());
                assert_eq!(map.is_empty(), model.is_empty());
            }
            Op::Iter => {
                let got: Vec<_> = map.iter().map(|e| pair(&e)).collect();
                let expected: Vec<_> = model.iter().map(|(k, v)| (*k, *v)).collect();
                assert_eq!(got, expected);
            }
            Op::IterRev => {
                let got: Vec<_> = map.iter().rev().map(|e| pair(&e)).collect();
                let expected: Vec<_> = model.iter().rev().map(|(k, v)| (*k, *v)).collect();
                assert_eq!(got, expected);
            }
        }
    }
    let got: Vec<_> = map.into_iter().collect();
    assert_eq!(got, model.into_iter().collect::<Vec<_>>());
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 2 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn behaves_like_btreemap(ops in proptest::collection::vec(op(), 0..if cfg!(miri) { 40 } else { 200 })) {
        check_against_btreemap(&ops);
    }
}

/// The model test on a longer seeded sequence, with more keys (taller towers).
#[test]
fn behaves_like_btreemap_on_a_long_sequence() {
    let steps = if cfg!(miri) { 300 } else { 20_000 };
    let mut rng = XorShift::new(7);
    let keys = if cfg!(miri) { 64 } else { 1_000 };
    let ops: Vec<Op> = (0..steps)
        .map(|_| {
            let k = u8::try_from(rng.below(keys) % 256).unwrap();
            match rng.below(8) {
                0..=2 => Op::Insert(k, u32::try_from(rng.below(1 << 20)).unwrap()),
                3 | 4 => Op::Remove(k),
                5 => Op::Get(k),
                6 => Op::LowerBound(Bound::Excluded(k)),
                _ => Op::UpperBound(Bound::Included(k)),
            }
        })
        .chain([Op::Iter, Op::IterRev, Op::Len])
        .collect();
    check_against_btreemap(&ops);
}

/// Threads insert disjoint keys, then remove the odd ones: nothing lost, nothing doubled, and
/// every key and value is dropped exactly once after the map and a reclamation.
#[test]
fn concurrent_inserts_and_removes_are_exact() {
    let per_thread: u64 = if cfg!(miri) {
        20
    } else {
        2_000 * linked_scale()
    };
    let keys = Counter::default();
    let values = Counter::default();
    let map = SkipMap::new();
    let start = Barrier::new(usize::try_from(THREADS).unwrap());
    thread::scope(|s| {
        for t in 0..THREADS {
            let (map, keys, values, start) = (&map, &keys, &values, &start);
            s.spawn(move || {
                start.wait();
                for i in 0..per_thread {
                    let k = i * THREADS + t;
                    let entry = map.insert(CountedKey(keys.make(k)), values.make(k));
                    assert_eq!(entry.value().value, k);
                }
                for i in (1..per_thread).step_by(2) {
                    let k = i * THREADS + t;
                    let removed = map.remove(&CountedKey(keys.make(k))).expect("present");
                    assert_eq!(removed.value().value, k);
                }
            });
        }
    });
    let total = per_thread * THREADS;
    assert_eq!(map.len() as u64, total / 2);
    let mut expected = (0..total).filter(|k| (k / THREADS).is_multiple_of(2));
    for entry in &map {
        assert_eq!(Some(entry.key().0.value), expected.next());
        assert_eq!(entry.value().value, entry.key().0.value);
    }
    assert_eq!(expected.next(), None);
    drop(map);
    reclaim_global_until(|| keys.alive() == 0 && values.alive() == 0);
    assert_eq!(keys.made(), keys.dropped(), "keys");
    assert_eq!(values.made(), values.dropped(), "values");
}

/// Threads race on the same few keys with inserts (replacing), `get_or_insert`, removes and
/// pops: every value read is intact, and all are dropped exactly once in the end.
#[test]
fn racing_on_few_keys_drops_everything_once() {
    let steps: u64 = if cfg!(miri) {
        60
    } else {
        20_000 * linked_scale()
    };
    let values = Counter::default();
    let map: SkipMap<u64, common::Counted> = SkipMap::new();
    thread::scope(|s| {
        for t in 0..THREADS {
            let (map, values) = (&map, &values);
            s.spawn(move || {
                let mut rng = XorShift::new(t + 1);
                for _ in 0..steps {
                    let k = rng.below(8);
                    match rng.below(6) {
                        0 | 1 => assert!(map.insert(k, values.make(k)).value().is_intact()),
                        2 => assert!(map.get_or_insert(k, values.make(k)).value().is_intact()),
                        3 => {
                            if let Some(e) = map.remove(&k) {
                                assert_eq!(e.value().value, k);
                                assert!(e.is_removed());
                            }
                        }
                        4 => {
                            if let Some(e) = map.pop_front() {
                                assert!(e.value().is_intact());
                            }
                        }
                        _ => {
                            for e in map.iter() {
                                assert!(e.value().is_intact());
                                assert_eq!(e.value().value, *e.key());
                            }
                        }
                    }
                }
            });
        }
    });
    let present: Vec<u64> = map.iter().map(|e| *e.key()).collect();
    assert!(present.windows(2).all(|w| w[0] < w[1]), "{present:?}");
    assert_eq!(map.len(), present.len());
    drop(map);
    reclaim_global_until(|| values.alive() == 0);
    assert_eq!(values.made(), values.dropped());
}

/// Keys present for the whole iteration are all seen, in order, none twice, while other threads
/// insert and remove the keys between them; forward, backward and over ranges.
#[test]
fn iteration_under_churn_sees_every_stable_key_once_in_order() {
    let stable: u64 = if cfg!(miri) { 16 } else { 500 };
    let rounds = if cfg!(miri) { 2 } else { 50 * linked_scale() };
    let map = SkipMap::new();
    for k in 0..stable {
        map.insert(2 * k, k);
    }
    let stop = AtomicBool::new(false);
    thread::scope(|s| {
        for t in 0..THREADS - 1 {
            let (map, stop) = (&map, &stop);
            s.spawn(move || {
                let mut rng = XorShift::new(t + 10);
                while !stop.load(Ordering::Relaxed) {
                    let k = 2 * rng.below(stable) + 1; // odd: churn
                    if rng.below(2) == 0 {
                        map.insert(k, 0);
                    } else {
                        map.remove(&k);
                    }
                    if cfg!(miri) {
                        thread::yield_now();
                    }
                }
            });
        }
        for round in 0..rounds {
            let forward: Vec<u64> = map.iter().map(|e| *e.key()).collect();
            check_stable(&forward, 0..2 * stable, false);
            let backward: Vec<u64> = map.iter().rev().map(|e| *e.key()).collect();
            check_stable(&backward, 0..2 * stable, true);
            let lo = (round * 7) % stable;
            let range: Vec<u64> = map
                .range(2 * lo..2 * stable - lo)
                .map(|e| *e.key())
                .collect();
            check_stable(&range, 2 * lo..2 * stable - lo, false);
        }
        stop.store(true, Ordering::Relaxed);
    });
}

/// `seen` is strictly ordered (increasing, or decreasing if `rev`), within `range`, and holds
/// every even key of `range`.
fn check_stable(seen: &[u64], range: std::ops::Range<u64>, rev: bool) {
    assert!(
        seen.windows(2)
            .all(|w| if rev { w[0] > w[1] } else { w[0] < w[1] }),
        "out of order or twice: {seen:?}"
    );
    assert!(seen.iter().all(|k| range.contains(k)));
    let evens = seen.iter().filter(|k| k.is_multiple_of(2)).count() as u64;
    assert_eq!(
        evens,
        range.filter(|k| k.is_multiple_of(2)).count() as u64,
        "a stable key was missed"
    );
}

/// `insert` on a present key retires the old value: a guard still reads it, and it is dropped
/// once the guard and the map are gone.
#[test]
fn replacing_retires_the_old_value() {
    let values = Counter::default();
    let map = SkipMap::new();
    map.insert(1, values.make(10));
    let old = map.get(&1).unwrap();
    for i in 0..if cfg!(miri) { 10 } else { 1_000 } {
        map.insert(1, values.make(i));
    }
    assert_eq!(
        old.value().value,
        10,
        "the guard still reads the replaced value"
    );
    assert!(old.is_removed());
    assert_eq!(map.len(), 1);
    drop(old);
    drop(map);
    reclaim_global_until(|| values.alive() == 0);
    assert_eq!(values.made(), values.dropped());
}

/// What an attacker with safe code might try: guards held across `remove`, `clear`, re-insertion
/// of the same key, and iteration while popping; every read stays valid (Miri checks it).
#[test]
fn guards_survive_remove_clear_reinsert_and_popping_iteration() {
    let values = Counter::default();
    let map = SkipMap::new();
    for k in 0..20 {
        map.insert(k, values.make(k));
    }
    let held = map.get(&5).unwrap();
    let front = map.front().unwrap();
    assert!(map.remove(&5).is_some());
    assert!(held.is_removed());
    assert!(!held.remove(), "removed once only");
    map.insert(5, values.make(500));
    assert_eq!(held.value().value, 5);
    assert_eq!(map.get(&5).unwrap().value().value, 500);
    // Iterate while popping from both ends.
    let mut iter = map.iter();
    let first = iter.next().unwrap();
    while map.pop_back().is_some_and(|e| *e.key() > 10) {}
    map.pop_front();
    let rest: Vec<u64> = iter.map(|e| *e.key()).collect();
    assert!(rest.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(first.value().value, 0);
    map.clear();
    assert!(map.is_empty() && map.front().is_none() && map.back().is_none());
    assert_eq!(front.value().value, 0);
    assert_eq!(held.value().value, 5);
    // Entry navigation.
    for k in [3, 1, 2] {
        map.insert(k, values.make(k));
    }
    let mut e = map.front().unwrap();
    assert!(e.move_next());
    assert_eq!(*e.key(), 2);
    assert_eq!(e.next().map(|n| *n.key()), Some(3));
    assert_eq!(e.prev().map(|p| *p.key()), Some(1));
    assert!(e.remove());
    assert_eq!(e.next().map(|n| *n.key()), Some(3), "from a removed entry");
    drop((held, front, first, e));
    drop(map);
    reclaim_global_until(|| values.alive() == 0);
    assert_eq!(values.made(), values.dropped());
}

/// Lookups by a borrowed form of the key.
#[test]
fn borrow_lookups() {
    let map: SkipMap<String, u32> = SkipMap::new();
    map.insert("x".to_string(), 1);
    map.insert("y".to_string(), 2);
    assert_eq!(map.get("x").map(|e| *e.value()), Some(1));
    assert!(map.contains_key("y"));
    assert!(map.get("z").is_none());
    assert_eq!(
        map.lower_bound(Bound::Excluded("x"))
            .map(|e| e.key().clone()),
        Some("y".into())
    );
    let keys: Vec<String> = map
        .range::<str, _>((Bound::Included("a"), Bound::Excluded("y")))
        .map(|e| e.key().clone())
        .collect();
    assert_eq!(keys, ["x"]);
    assert_eq!(map.remove("x").map(|e| *e.value()), Some(1));
    let set: SkipSet<String> = ["b".to_string(), "a".to_string()].into_iter().collect();
    assert!(set.contains("a"));
    assert_eq!(set.get("b").map(|e| e.value().clone()), Some("b".into()));
}

/// Iterators and entries move to other threads (`Send` when `K, V: Send + Sync`).
#[test]
fn iterators_and_entries_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let map: SkipMap<u32, String> = (0..10).map(|k| (k, k.to_string())).collect();
    let iter = map.range(2..5);
    let entry = map.get(&7).unwrap();
    assert_send(&iter);
    assert_send(&entry);
    let (keys, seven) = thread::scope(|s| {
        s.spawn(move || {
            (
                iter.map(|e| *e.key()).collect::<Vec<_>>(),
                entry.value().clone(),
            )
        })
        .join()
        .unwrap()
    });
    assert_eq!(keys, [2, 3, 4]);
    assert_eq!(seven, "7");
    let set: SkipSet<u32> = (0..3).collect();
    let iter = set.iter();
    let sum: u32 = thread::scope(|s| {
        s.spawn(move || iter.map(|e| *e.value()).sum())
            .join()
            .unwrap()
    });
    assert_eq!(sum, 3);
}

/// The set's API on one thread, and `Debug`, `Default`, `Extend`.
#[test]
fn set_and_traits() {
    let mut set: SkipSet<u32> = SkipSet::default();
    set.extend([4, 2, 9]);
    assert_eq!(format!("{set:?}"), "{Entry(2), Entry(4), Entry(9)}");
    assert_eq!(set.insert(4).value(), &4);
    assert_eq!(set.len(), 3);
    assert_eq!(set.get_or_insert(5).value(), &5);
    assert_eq!(
        set.lower_bound(Bound::Included(&5)).map(|e| *e.value()),
        Some(5)
    );
    assert_eq!(
        set.upper_bound(Bound::Excluded(&5)).map(|e| *e.value()),
        Some(4)
    );
    assert_eq!(
        set.range(3..=5).map(|e| *e.value()).collect::<Vec<_>>(),
        [4, 5]
    );
    assert_eq!(set.remove(&2).map(|e| *e.value()), Some(2));
    assert_eq!(set.pop_front().map(|e| *e.value()), Some(4));
    assert_eq!(set.back().map(|e| *e.value()), Some(9));
    assert_eq!(set.into_iter().collect::<Vec<_>>(), [5, 9]);
    let mut map: SkipMap<u8, char> = SkipMap::default();
    map.extend([(2, 'b'), (1, 'a')]);
    assert_eq!(format!("{map:?}"), "{1: 'a', 2: 'b'}");
}

/// Threads pop from both ends at once while others insert: every value inserted is popped (or
/// left) exactly once, none twice, and all are dropped once.
#[test]
fn concurrent_pops_take_each_entry_once() {
    let per_thread: u64 = if cfg!(miri) {
        20
    } else {
        3_000 * linked_scale()
    };
    let values = Counter::default();
    let map = SkipMap::new();
    let popped = std::sync::Mutex::new(Vec::new());
    thread::scope(|s| {
        for t in 0..2 {
            let (map, values) = (&map, &values);
            s.spawn(move || {
                for i in 0..per_thread {
                    let k = i * 2 + t;
                    map.insert(k, values.make(k));
                }
            });
        }
        for front in [true, false] {
            let (map, popped) = (&map, &popped);
            s.spawn(move || {
                let mut mine = Vec::new();
                for _ in 0..per_thread {
                    let entry = if front {
                        map.pop_front()
                    } else {
                        map.pop_back()
                    };
                    if let Some(entry) = entry {
                        assert_eq!(entry.value().value, *entry.key());
                        mine.push(*entry.key());
                    }
                }
                popped.lock().unwrap().extend(mine);
            });
        }
    });
    let mut seen = popped.into_inner().unwrap();
    seen.extend(map.iter().map(|e| *e.key()));
    seen.sort_unstable();
    assert_eq!(
        seen,
        (0..2 * per_thread).collect::<Vec<_>>(),
        "each key popped or left once"
    );
    drop(map);
    reclaim_global_until(|| values.alive() == 0);
    assert_eq!(values.made(), values.dropped());
}

/// `compare_insert` replaces only when asked, and retires what it replaces.
#[test]
fn compare_insert_replaces_only_when_asked() {
    let values = Counter::default();
    let map = SkipMap::new();
    map.insert(1, values.make(10));
    let kept = map.compare_insert(1, values.make(5), |old| old.value < 5);
    assert_eq!(kept.value().value, 10);
    let replaced = map.compare_insert(1, values.make(20), |old| old.value < 20);
    assert_eq!(replaced.value().value, 20);
    assert_eq!(
        map.compare_insert(2, values.make(2), |_| false)
            .value()
            .value,
        2
    );
    assert_eq!(map.len(), 2);
    drop((kept, replaced));
    drop(map);
    reclaim_global_until(|| values.alive() == 0);
    assert_eq!(values.made(), values.dropped());
}

/// crossbeam-skiplist's iterator semantics: not fused (a `None` is not final while the ends
/// have not met), and the two ends meeting ends it.
#[test]
fn iterators_are_not_fused_until_their_ends_meet() {
    let map: SkipMap<i32, i32> = SkipMap::new();
    map.insert(1, 1);
    let mut iter = map.iter();
    assert!(iter.next().is_some());
    assert!(iter.next().is_none());
    map.insert(2, 2);
    assert_eq!(iter.next().map(|e| *e.key()), Some(2));
    assert!(iter.next().is_none());
    for k in 3..=5 {
        map.insert(k, k);
    }
    assert_eq!(*iter.next_back().unwrap().key(), 5);
    assert_eq!(*iter.next().unwrap().key(), 3);
    assert_eq!(*iter.next_back().unwrap().key(), 4);
    assert!(iter.next().is_none() && iter.next_back().is_none());
    assert!(iter.next().is_none() && iter.next_back().is_none());
    let mut range = map.range(0..);
    assert!(range.next().is_some());
    let mut single: SkipMap<i32, i32> = std::iter::once((1, 1)).collect();
    let mut both = single.range(0..);
    assert!(both.next().is_some() && both.next_back().is_none());
    drop(both);
    single.extend([(2, 2)]);
    assert_eq!(single.len(), 2);
}

/// Entries move, and keep their place after a removal and a re-insertion, as crossbeam's do;
/// clones and the set's `Deref`.
#[test]
fn entries_move_reposition_and_clone() {
    let map = SkipMap::new();
    for x in [4, 2, 12, 8, 7, 11, 5] {
        map.insert(x, x * 10);
    }
    let mut e = map.front().unwrap();
    assert_eq!(*e.key(), 2);
    assert!(!e.move_prev());
    assert!(e.move_next());
    assert_eq!(*e.key(), 4);
    let copy = e.clone();
    assert!(e.move_next());
    assert_eq!((*copy.key(), *e.key()), (4, 5));
    let mut e = map.get(&7).unwrap();
    assert!(e.remove() && e.is_removed());
    map.insert(7, 700);
    e.move_prev();
    e.move_next();
    assert_eq!((*e.key(), *e.value()), (7, 700));
    for e in map.iter() {
        assert!(!map.is_empty());
        e.remove();
    }
    assert!(map.is_empty());
    let set: SkipSet<u32> = [3, 1, 2].into_iter().collect();
    assert_eq!(*set.get_or_insert(4), 4);
    assert_eq!(
        set.iter().rev().map(|x| *x).collect::<Vec<_>>(),
        [4, 3, 2, 1]
    );
    let one = set.front().unwrap();
    assert_eq!(*one.clone(), 1);
}

/// The entries a removal returns hold a unit of the entry's count, so they and their clones
/// can be cloned after the entry left the map, down to the last one; the value is freed once,
/// after the last guard of it is dropped, and not before. A lookup's entry of a key that another
/// call removed and retired since clones too: its clone revives the retired entry, which the
/// reclamation that finds it unprotected leaves to the clone, and the clone's drop retires
/// again.
#[test]
fn entries_of_removed_keys_clone_until_the_last_is_dropped() {
    let values = Counter::default();
    let map = SkipMap::new();
    for key in 0..4 {
        map.insert(key, values.make(key));
    }
    let removed = map.remove(&1).unwrap();
    let first = removed.clone();
    drop(removed);
    let second = first.clone();
    drop(first);
    let popped = map.pop_front().unwrap();
    let back = map.pop_back().unwrap();
    let (front_copy, back_copy) = (popped.clone(), back.clone());
    drop((popped, back));
    reclaim_global();
    assert_eq!(values.dropped(), 0, "a guard's value was freed");
    assert_eq!(
        (
            second.value().value,
            front_copy.value().value,
            back_copy.value().value
        ),
        (1, 0, 3)
    );
    assert!(second.is_removed() && front_copy.is_removed() && back_copy.is_removed());
    let third = second.clone();
    drop(second);
    assert!(third.value().is_intact());
    drop((third, front_copy, back_copy));
    reclaim_global_until(|| values.dropped() == 3);
    assert_eq!(values.dropped(), 3);

    // A lookup's entry, whose key another call removes (and whose guard it drops): retired,
    // with the lookup's hazard pointer on it. Its clone revives it; the reclamation after the
    // lookup's guard is gone hands it back to the clone; the clone's drop retires it again.
    let looked_up = map.get(&2).unwrap();
    drop(map.remove(&2));
    reclaim_global();
    let clone = looked_up.clone();
    let clone_of_clone = clone.clone();
    drop(looked_up);
    reclaim_global();
    reclaim_global();
    assert_eq!(
        values.dropped(),
        3,
        "a revived entry was freed under its clones"
    );
    assert!(clone.value().is_intact() && clone.is_removed());
    assert_eq!(clone_of_clone.value().value, 2);
    drop(clone);
    reclaim_global();
    assert_eq!(values.dropped(), 3, "freed under its last clone");
    assert!(clone_of_clone.value().is_intact());
    drop(clone_of_clone);
    reclaim_global_until(|| values.dropped() == 4);
    assert_eq!(values.dropped(), 4);

    // Revived while its retirement is pending, and given back before it runs: the pending
    // retirement frees it, once.
    map.insert(5, values.make(5));
    let looked_up = map.get(&5).unwrap();
    drop(map.remove(&5));
    drop(looked_up.clone());
    drop(looked_up);
    reclaim_global_until(|| values.dropped() == 5);
    assert_eq!(values.dropped(), 5);
    assert_eq!(values.alive(), 0);
}

/// Lookups' entries held while another thread removes and re-inserts their keys, then cloned
/// (most of them retired by then, so revived) and dropped: every clone reads its own intact
/// value until it is dropped, and every value is dropped exactly once.
#[test]
fn lookup_clones_race_removals_and_reclamations() {
    let values = Counter::default();
    let map = SkipMap::new();
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let rounds: u64 = if cfg!(miri) {
                200
            } else {
                20_000 * linked_scale()
            };
            for round in 0..rounds {
                let key = round % 8;
                map.insert(key, values.make(key));
                drop(map.remove(&key));
                if round % 64 == 0 {
                    reclaim_global();
                }
            }
            stop.store(true, Ordering::Release);
        });
        for _ in 0..2 {
            s.spawn(|| {
                while !stop.load(Ordering::Acquire) {
                    let held: Vec<_> = (0..8).filter_map(|key| map.get(&key)).collect();
                    thread::yield_now();
                    reclaim_global();
                    let clones: Vec<_> = held.iter().map(Clone::clone).collect();
                    drop(held);
                    reclaim_global();
                    for clone in &clones {
                        assert!(clone.value().is_intact(), "freed under a clone");
                        assert_eq!(*clone.key(), clone.value().value);
                    }
                }
            });
        }
    });
    drop(map);
    reclaim_global_until(|| values.alive() == 0);
    assert_eq!(values.alive(), 0);
    assert_eq!(values.made(), values.dropped());
}
