//! Michael's hash map: the semantics of `std::collections::HashMap` on one thread, exact results
//! under concurrency, `get` keeping its value alive through a removal and a forced reclamation,
//! and every key and value dropped exactly once.
//!
//! `HAZPTR_LINKED_SCALE=N` runs the concurrent tests N times longer.

mod common;

use std::collections::HashMap as StdHashMap;
use std::sync::Barrier;
use std::sync::atomic::{AtomicI64, Ordering};
use std::thread;

use common::{CountedKey, Counter, XorShift, linked_scale, reclaim_global_until};
use hazptr_suite::hash_map::HashMap;

const THREADS: u64 = if cfg!(miri) { 2 } else { 4 };

#[test]
fn behaves_like_std_hashmap_on_random_operations() {
    let ops = if cfg!(miri) {
        300
    } else {
        20_000 * linked_scale()
    };
    // One bucket (every key in one list), a few (short lists), many (mostly empty buckets).
    for (seed, buckets) in [(1, 1), (2, 8), (3, 1024)] {
        let mut rng = XorShift::new(seed);
        let map = HashMap::with_buckets(buckets);
        let mut model = StdHashMap::new();
        for step in 0..ops {
            let key = rng.below(100);
            match rng.below(4) {
                0 => {
                    let inserted = !model.contains_key(&key);
                    if inserted {
                        model.insert(key, step);
                    }
                    assert_eq!(map.insert(key, step), inserted, "insert {key}");
                }
                1 => assert_eq!(
                    map.remove(&key),
                    model.remove(&key).is_some(),
                    "remove {key}"
                ),
                2 => assert_eq!(
                    map.contains_key(&key),
                    model.contains_key(&key),
                    "has {key}"
                ),
                _ => assert_eq!(
                    map.get(&key).map(|v| *v),
                    model.get(&key).copied(),
                    "get {key}"
                ),
            }
        }
        for key in 0..100 {
            assert_eq!(
                map.get(&key).map(|v| *v),
                model.get(&key).copied(),
                "final {key}"
            );
        }
    }
}

#[test]
fn striped_keys_give_exact_results() {
    let per_thread = if cfg!(miri) {
        20
    } else {
        5_000 * linked_scale()
    };
    let map = HashMap::with_buckets(256);
    let start = Barrier::new(usize::try_from(THREADS).unwrap());
    thread::scope(|scope| {
        for t in 0..THREADS {
            let (map, start) = (&map, &start);
            scope.spawn(move || {
                start.wait();
                let keys = (0..per_thread).map(|i| i * THREADS + t);
                for key in keys.clone() {
                    assert!(map.insert(key, key * 10));
                    assert!(!map.insert(key, 0), "{key} was just inserted");
                }
                for key in keys.clone().filter(|k| k % 3 == 0) {
                    assert!(map.remove(&key));
                }
                for key in keys {
                    let expected = (key % 3 != 0).then_some(key * 10);
                    assert_eq!(map.get(&key).map(|v| *v), expected, "{key}");
                }
            });
        }
    });
    for key in 0..per_thread * THREADS {
        assert_eq!(
            map.contains_key(&key),
            key % 3 != 0,
            "{key} after the threads"
        );
    }
}

#[test]
fn contended_inserts_and_removes_balance() {
    const KEYS: u64 = 32;
    let ops = if cfg!(miri) {
        100
    } else {
        20_000 * linked_scale()
    };
    let map = HashMap::with_buckets(4);
    let balance: Vec<AtomicI64> = (0..KEYS).map(|_| AtomicI64::new(0)).collect();
    thread::scope(|scope| {
        for t in 0..THREADS {
            let (map, balance) = (&map, &balance);
            scope.spawn(move || {
                let mut rng = XorShift::new(t + 50);
                for _ in 0..ops {
                    let key = rng.below(KEYS);
                    let slot = &balance[usize::try_from(key).unwrap()];
                    match rng.below(3) {
                        0 => {
                            if map.insert(key, !key) {
                                slot.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        1 => {
                            if map.remove(&key) {
                                slot.fetch_sub(1, Ordering::Relaxed);
                            }
                        }
                        _ => {
                            if let Some(value) = map.get(&key) {
                                assert_eq!(*value, !key, "a value of another key");
                            }
                        }
                    }
                }
            });
        }
    });
    for key in 0..KEYS {
        let balance = balance[usize::try_from(key).unwrap()].load(Ordering::Relaxed);
        assert!(balance == 0 || balance == 1, "key {key}: balance {balance}");
        assert_eq!(map.contains_key(&key), balance == 1, "key {key}");
    }
}

#[test]
fn a_value_read_by_get_outlives_its_removal_and_reclamation() {
    let counter = Counter::default();
    let map = HashMap::with_buckets(16);
    for key in 0..10 {
        assert!(map.insert(key, counter.make(key)));
    }
    let value = map.get(&3).expect("present");
    assert!(map.remove(&3));
    assert!(map.get(&3).is_none());
    // Force reclamation: the removed entry is retired but protected by `value`.
    for _ in 0..3 {
        hazptr::reclaim();
    }
    assert_eq!(counter.dropped(), 0, "a protected value was dropped");
    assert!(value.is_intact());
    assert_eq!(value.value, 3);
    drop(value);
    reclaim_global_until(|| counter.dropped() == 1);
    assert_eq!(
        counter.dropped(),
        1,
        "the removed value is dropped once unprotected"
    );
    drop(map);
    assert_eq!(counter.dropped(), 10, "the rest are dropped with the map");
}

#[test]
fn every_key_and_value_is_dropped_exactly_once() {
    let per_thread = if cfg!(miri) {
        20
    } else {
        3_000 * linked_scale()
    };
    let keys = Counter::default();
    let values = Counter::default();
    let map = HashMap::with_buckets(8);
    thread::scope(|scope| {
        for t in 0..THREADS {
            let (map, keys, values) = (&map, &keys, &values);
            scope.spawn(move || {
                let mut rng = XorShift::new(t + 9);
                for _ in 0..per_thread {
                    let key = rng.below(64);
                    match rng.below(4) {
                        0 | 1 => drop(map.insert(CountedKey(keys.make(key)), values.make(key))),
                        2 => drop(map.remove(&CountedKey(keys.make(key)))),
                        _ => {
                            if let Some(value) = map.get(&CountedKey(keys.make(key))) {
                                assert!(value.is_intact() && value.value == key);
                            }
                        }
                    }
                }
            });
        }
    });
    drop(map);
    reclaim_global_until(|| keys.alive() == 0 && values.alive() == 0);
    assert_eq!(keys.made(), keys.dropped(), "a key leaked");
    assert_eq!(values.made(), values.dropped(), "a value leaked");
}

#[test]
fn the_map_and_its_values_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<HashMap<String, Vec<u8>>>();
    send_sync::<hazptr_suite::list_set::ListSet<String>>();
}
