//! Loom models of the toolkit's towers (`linked/tower.rs`) through `hazptr::collections::SkipMap`:
//! every interleaving (up to the preemption bound) of two threads on a map of one or two keys,
//! with haphazard's and hazptr's atomics, fences and thread-locals switched to loom's. Under loom
//! towers have at most 3 levels and their heights go 1, 2, 1, 2, … in insertion order, so each
//! model knows which towers have an upper level. Run with `scripts/loom.sh` (see `tests/loom.rs`
//! for why `model` and `spawn` are written as they are).
//!
//! Each model checks what it observes: the results of both threads, the map after them, that a
//! value read through an entry is not dropped while the entry lives, and that every value is
//! dropped exactly once in the end (after an eager reclamation and the map's drop).
#![cfg(loom)]

use hazptr::collections::SkipMap;
use hazptr::{Domain, Global};
use loom::sync::Arc;
use loom::thread::{self, JoinHandle};

#[path = "common/loom_drops.rs"]
mod loom_drops;
#[path = "common/loom_model.rs"]
#[allow(dead_code)] // its `model`: these models are bounded (see `model` below)
mod loom_model;

use loom_drops::{DropLog, Value};

/// [`loom_model::model_bounded`] at 2 preemptions: a tower operation makes a few hundred atomic
/// accesses (its search from the top, hazard-record traffic, the batch), so at 3 a model runs
/// for minutes. Two suffice for the races these models are about: the remover's mark landing
/// between the inserter's setting of its upper link and its exchange into the predecessor, then
/// the clean-up search running before or after that exchange (one preemption each way), and a
/// reader's entry published between a replacement's two links.
fn model(body: impl Fn() + Sync + Send + 'static) {
    loom_model::model_bounded::<Global>(2, body);
}

fn spawn<R: 'static>(f: impl FnOnce() -> R + 'static) -> JoinHandle<R> {
    loom_model::spawn::<Global, R>(f)
}

fn reclaim_global() {
    Domain::global().reclaim();
}

/// A drop log, and a map of 1 (a tower of height 1, value slot 0) and 2 (height 2, slot 1).
fn one_and_two() -> (std::sync::Arc<DropLog>, Arc<SkipMap<u32, Value>>) {
    let log = std::sync::Arc::new(DropLog::default());
    let map = Arc::new(SkipMap::new());
    map.insert(1, Value::new(0, &log)); // height 1
    map.insert(2, Value::new(1, &log)); // height 2
    (log, map)
}

/// A tower of height 2 is inserted while another thread removes its key: the removal finds it
/// or not; if it does, the tower is unlinked from both levels (whoever linked the upper level
/// last cleans up) and retired once. Either way the map is consistent after both, and every
/// value is dropped exactly once.
#[test]
fn tower_insert_races_its_removal() {
    model(|| {
        let log = std::sync::Arc::new(DropLog::default());
        let map = Arc::new(SkipMap::new());
        map.insert(1, Value::new(0, &log)); // height 1
        let inserter = {
            let (map, log) = (Arc::clone(&map), std::sync::Arc::clone(&log));
            spawn(move || {
                let entry = map.insert(2, Value::new(1, &log)); // height 2
                assert_eq!(entry.value().slot, 1);
            })
        };
        let remover = {
            let map = Arc::clone(&map);
            spawn(move || map.remove(&2).map(|e| e.value().slot))
        };
        inserter.join().unwrap();
        let removed = remover.join().unwrap();
        assert_eq!(map.contains_key(&2), removed.is_none());
        assert_eq!(map.len(), if removed.is_some() { 1 } else { 2 });
        let keys: Vec<u32> = map.iter().map(|e| *e.key()).collect();
        assert_eq!(
            keys,
            if removed.is_some() {
                vec![1]
            } else {
                vec![1, 2]
            }
        );
        reclaim_global();
        if removed.is_some() {
            assert_eq!(
                log.drops(1),
                1,
                "the removed tower is reclaimed once unlinked"
            );
        }
        drop(map);
        assert_eq!((log.drops(0), log.drops(1)), (1, 1));
    });
}

/// A reader holds `get`'s entry while another thread replaces the key (a new tower before the
/// old one, then the old one removed) and reclaims: the entry's value is not dropped while the
/// entry lives, and the key is never missing.
#[test]
fn get_entry_survives_a_replacing_insert() {
    model(|| {
        let log = std::sync::Arc::new(DropLog::default());
        let map = Arc::new(SkipMap::new());
        map.insert(1, Value::new(0, &log)); // height 1
        let reader = {
            let map = Arc::clone(&map);
            spawn(move || {
                let entry = map.get(&1).expect("the key is never absent");
                thread::yield_now();
                let slot = entry.value().slot;
                assert_eq!(entry.value().log.drops(slot), 0, "dropped under an entry");
                slot
            })
        };
        let writer = {
            let (map, log) = (Arc::clone(&map), std::sync::Arc::clone(&log));
            spawn(move || {
                map.insert(1, Value::new(1, &log)); // height 2, before the old tower
                let _ = Domain::global().reclaim();
            })
        };
        let seen = reader.join().unwrap();
        writer.join().unwrap();
        assert!(seen <= 1);
        assert_eq!(map.get(&1).map(|e| e.value().slot), Some(1));
        assert_eq!(map.len(), 1);
        reclaim_global();
        assert_eq!(
            log.drops(0),
            1,
            "the replaced value is dropped once unprotected"
        );
        drop(map);
        assert_eq!(log.drops(1), 1);
    });
}

/// Harris's race, on towers: removing 2 (a two-level tower) from {1, 2} while inserting 3 right
/// after it. The removal's one-search unlink meets a level that changed under it and falls back
/// to the clean-up search; the insertion must not be lost, 2 must be gone, and every value is
/// dropped once.
#[test]
fn removal_races_an_insert_next_to_it() {
    model(|| {
        let (log, map) = one_and_two();
        let remover = {
            let map = Arc::clone(&map);
            spawn(move || map.remove(&2).map(|e| e.value().slot))
        };
        let inserter = {
            let (map, log) = (Arc::clone(&map), std::sync::Arc::clone(&log));
            spawn(move || {
                map.insert(3, Value::new(2, &log)); // height 1
            })
        };
        assert_eq!(
            remover.join().unwrap(),
            Some(1),
            "2 was present, removed once"
        );
        inserter.join().unwrap();
        let keys: Vec<u32> = map.iter().map(|e| *e.key()).collect();
        assert_eq!(keys, [1, 3], "the insertion next to 2 was lost");
        assert_eq!(map.len(), 2);
        reclaim_global();
        assert_eq!(
            log.drops(1),
            1,
            "the removed tower is reclaimed once unlinked"
        );
        drop(map);
        assert_eq!((log.drops(0), log.drops(2)), (1, 1));
    });
}

/// Two removals race for a two-level tower: one by key (`remove`) and one from the back
/// (`pop_back`: a lookup's entry, then its removal, which pops 1 instead if 2 is gone): 2 is
/// removed once, and each removed entry, which holds a unit of its tower's count, is cloned and
/// dropped while the other thread searches, unlinks and reclaims; a clone's value is not dropped
/// while it lives, and every value is dropped exactly once in the end (the unit given back last
/// lets the tower be retired).
#[test]
fn removed_entry_clone_outlives_a_racing_removal() {
    model(|| {
        let (log, map) = one_and_two();
        let hold = |entry: Option<hazptr::collections::skip_map::Entry<'_, u32, Value>>| {
            let entry = entry?;
            let clone = entry.clone();
            drop(entry);
            let _ = Domain::global().reclaim();
            let slot = clone.value().slot;
            assert_eq!(clone.value().log.drops(slot), 0, "dropped under a clone");
            Some(slot)
        };
        let by_key = {
            let map = Arc::clone(&map);
            spawn(move || hold(map.remove(&2)))
        };
        let from_back = {
            let map = Arc::clone(&map);
            spawn(move || hold(map.pop_back()))
        };
        let (a, b) = (by_key.join().unwrap(), from_back.join().unwrap());
        // Either the removal by key wins, and `pop_back` then takes 1, or `pop_back` takes 2
        // first, and the removal by key finds nothing.
        let keys: Vec<u32> = map.iter().map(|e| *e.key()).collect();
        match (a, b) {
            (Some(1), Some(0)) => assert_eq!(keys, [] as [u32; 0]),
            (None, Some(1)) => assert_eq!(keys, [1]),
            other => panic!("2 removed once, and only 2 or 1 popped: {other:?}"),
        }
        reclaim_global();
        assert_eq!(log.drops(1), 1, "the removed tower is reclaimed once");
        drop(map);
        assert_eq!(log.drops(0), 1);
    });
}

/// A lookup's entry of a two-level tower is cloned while another thread removes the key and
/// reclaims: the clone takes a unit of the tower's count before, as or after its retirement
/// (reviving it then), and the lookup's guard is dropped and a reclamation run while the clone
/// lives. The clone's value is not dropped while it lives, and the tower is freed exactly once
/// in the end, whichever retirement (the first, or the one the clone's drop makes) frees it.
#[test]
fn lookup_clone_revives_a_retired_tower() {
    model(|| {
        let (log, map) = one_and_two();
        let remover = {
            let map = Arc::clone(&map);
            spawn(move || {
                let removed = map.remove(&2).map(|entry| entry.value().slot);
                let _ = Domain::global().reclaim();
                removed
            })
        };
        if let Some(entry) = map.get(&2) {
            let clone = entry.clone();
            drop(entry);
            let _ = Domain::global().reclaim();
            assert_eq!(log.drops(1), 0, "dropped under a clone");
            assert_eq!(clone.value().slot, 1);
        }
        assert_eq!(remover.join().unwrap(), Some(1));
        reclaim_global();
        assert_eq!(log.drops(1), 1, "the removed tower is freed once");
        drop(map);
        assert_eq!(log.drops(0), 1);
    });
}
