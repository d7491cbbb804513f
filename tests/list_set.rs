//! The Harris–Michael list set: the semantics of `BTreeSet` on one thread, exact results under
//! concurrency (striped and contended keys, the Harris race), and every key dropped exactly once.
//!
//! Each concurrent test runs a few seconds at most on two cores; `HAZPTR_LINKED_SCALE=N` runs
//! them N times longer.

mod common;

use std::collections::BTreeSet;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::thread;

use common::{CountedKey, Counter, XorShift, linked_scale, reclaim_global_until};
use hazptr_suite::list_set::ListSet;

const THREADS: u64 = if cfg!(miri) { 2 } else { 4 };

#[test]
fn behaves_like_a_btreeset_on_random_operations() {
    let ops = if cfg!(miri) {
        300
    } else {
        20_000 * linked_scale()
    };
    for seed in [1, 2, 3, 0xdead_beef] {
        let mut rng = XorShift::new(seed);
        let set = ListSet::new();
        let mut model = BTreeSet::new();
        for _ in 0..ops {
            let key = rng.below(64);
            match rng.below(3) {
                0 => assert_eq!(set.insert(key), model.insert(key), "insert {key}"),
                1 => assert_eq!(set.remove(&key), model.remove(&key), "remove {key}"),
                _ => assert_eq!(set.contains(&key), model.contains(&key), "contains {key}"),
            }
        }
        assert_eq!(set.is_empty(), model.is_empty());
        for key in 0..64 {
            assert_eq!(set.contains(&key), model.contains(&key), "final {key}");
        }
    }
}

#[test]
fn striped_keys_give_exact_results() {
    let per_thread = if cfg!(miri) {
        20
    } else {
        2_000 * linked_scale()
    };
    let set = ListSet::new();
    let start = Barrier::new(usize::try_from(THREADS).unwrap());
    thread::scope(|scope| {
        for t in 0..THREADS {
            let (set, start) = (&set, &start);
            scope.spawn(move || {
                start.wait();
                // This thread's keys are t, t + THREADS, t + 2 * THREADS, …
                let keys = (0..per_thread).map(|i| i * THREADS + t);
                for key in keys.clone() {
                    assert!(set.insert(key), "{key} is this thread's alone");
                    assert!(!set.insert(key), "{key} was just inserted");
                }
                for key in keys.clone().filter(|k| k % 2 == 0) {
                    assert!(set.remove(&key), "{key} was present");
                    assert!(!set.remove(&key), "{key} was just removed");
                }
                for key in keys {
                    assert_eq!(set.contains(&key), key % 2 == 1, "{key}");
                }
            });
        }
    });
    for key in 0..per_thread * THREADS {
        assert_eq!(set.contains(&key), key % 2 == 1, "{key} after the threads");
    }
}

#[test]
fn contended_inserts_and_removes_balance() {
    const KEYS: u64 = 16;
    let ops = if cfg!(miri) {
        100
    } else {
        20_000 * linked_scale()
    };
    let set = ListSet::new();
    // Per key: successful inserts minus successful removes, over all threads.
    let balance: Vec<AtomicI64> = (0..KEYS).map(|_| AtomicI64::new(0)).collect();
    thread::scope(|scope| {
        for t in 0..THREADS {
            let (set, balance) = (&set, &balance);
            scope.spawn(move || {
                let mut rng = XorShift::new(t + 100);
                for _ in 0..ops {
                    let key = rng.below(KEYS);
                    let slot = &balance[usize::try_from(key).unwrap()];
                    if rng.below(2) == 0 {
                        if set.insert(key) {
                            slot.fetch_add(1, Ordering::Relaxed);
                        }
                    } else if set.remove(&key) {
                        slot.fetch_sub(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    for key in 0..KEYS {
        let balance = balance[usize::try_from(key).unwrap()].load(Ordering::Relaxed);
        assert!(balance == 0 || balance == 1, "key {key}: balance {balance}");
        assert_eq!(set.contains(&key), balance == 1, "key {key}");
    }
}

/// Harris's race: one thread removes `k` while another inserts `k + 1` right after it. If the
/// insertion linked its node to `k`'s link after `k` was deleted, the unlinking of `k` would lose
/// it; the mark on `k`'s link makes that insertion fail and retry instead.
#[test]
fn an_insert_next_to_a_removal_is_never_lost() {
    let rounds = if cfg!(miri) {
        10
    } else {
        3_000 * linked_scale()
    };
    for round in 0..rounds {
        let set = ListSet::new();
        for key in [10, 20, 30] {
            assert!(set.insert(key));
        }
        let start = Barrier::new(2);
        thread::scope(|scope| {
            scope.spawn(|| {
                start.wait();
                assert!(set.remove(&20), "round {round}");
            });
            scope.spawn(|| {
                start.wait();
                assert!(set.insert(21), "round {round}");
                assert!(set.insert(19), "round {round}");
            });
        });
        for (key, present) in [(10, true), (19, true), (20, false), (21, true), (30, true)] {
            assert_eq!(set.contains(&key), present, "key {key}, round {round}");
        }
    }
}

#[test]
fn readers_see_every_stable_key_while_writers_churn_the_others() {
    let ops = if cfg!(miri) {
        50
    } else {
        20_000 * linked_scale()
    };
    let set = ListSet::new();
    // Even keys stay; odd keys come and go.
    for key in (0..64).step_by(2) {
        set.insert(key);
    }
    let done = AtomicBool::new(false);
    thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                for key in (0..64).step_by(2) {
                    assert!(set.contains(&key), "stable key {key} missed");
                }
            }
        });
        let writers: Vec<_> = (0..THREADS - 1)
            .map(|t| {
                let set = &set;
                scope.spawn(move || {
                    let mut rng = XorShift::new(t + 7);
                    for _ in 0..ops {
                        let key = rng.below(32) * 2 + 1;
                        if rng.below(2) == 0 {
                            set.insert(key);
                        } else {
                            set.remove(&key);
                        }
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        done.store(true, Ordering::Relaxed);
    });
}

#[test]
fn every_key_is_dropped_exactly_once() {
    let per_thread = if cfg!(miri) {
        20
    } else {
        2_000 * linked_scale()
    };
    let counter = Counter::default();
    let set = ListSet::new();
    thread::scope(|scope| {
        for t in 0..THREADS {
            let (set, counter) = (&set, &counter);
            scope.spawn(move || {
                let mut rng = XorShift::new(t + 1);
                for _ in 0..per_thread {
                    let key = rng.below(128);
                    match rng.below(3) {
                        // A duplicate key is dropped by `insert` itself.
                        0 | 1 => drop(set.insert(CountedKey(counter.make(key)))),
                        _ => drop(set.remove(&CountedKey(counter.make(key)))),
                    }
                }
            });
        }
    });
    drop(set);
    // What was still linked was freed by the drop; what was removed was retired.
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!(counter.made(), counter.dropped(), "a key leaked");
}

#[test]
fn dropping_the_set_frees_its_keys_at_once() {
    let counter = Counter::default();
    let set = ListSet::new();
    for key in 0..100 {
        assert!(set.insert(CountedKey(counter.make(key))));
    }
    assert!(!set.insert(CountedKey(counter.make(5))));
    assert_eq!(counter.dropped(), 1, "the duplicate is dropped at once");
    drop(set);
    assert_eq!((counter.made(), counter.dropped()), (101, 101));
}
