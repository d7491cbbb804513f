//! Loom models of `hazptr::collections::HashMap`'s grow step, its buckets' filters and its value
//! replacement: every interleaving (up to the preemption bound) of two threads, with haphazard's
//! and hazptr's atomics, fences and thread-locals switched to loom's. Run with `scripts/loom.sh`.
//!
//! Keys hash to themselves, so the buckets are known: a table of two buckets holds 0 and 2 in
//! bucket 0, and 1 and 3 belong to bucket 1, which the models make while other threads use it.
#![cfg(loom)]

use std::hash::{BuildHasherDefault, Hasher};

use hazptr::collections::HashMap;
use hazptr::{Domain, Global};
use loom::sync::Arc;
use loom::thread::JoinHandle;

#[path = "common/loom_drops.rs"]
mod loom_drops;
#[path = "common/loom_model.rs"]
mod loom_model;

use loom_drops::{DropLog, Value};

fn model(body: impl Fn() + Sync + Send + 'static) {
    loom_model::model::<Global>(body);
}

fn spawn<R: 'static>(f: impl FnOnce() -> R + 'static) -> JoinHandle<R> {
    loom_model::spawn::<Global, R>(f)
}

/// A hasher under which a `u64` key hashes to itself.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, _: &[u8]) {
        unreachable!("only u64 keys");
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type Map = HashMap<u64, Value, BuildHasherDefault<Identity>>;

/// An empty map whose table starts with `buckets` buckets (keys hash to themselves), and the log
/// of its values' drops.
fn map_and_log(buckets: usize) -> (Arc<Map>, std::sync::Arc<DropLog>) {
    let map = HashMap::with_capacity_and_hasher(buckets, BuildHasherDefault::default());
    (Arc::new(map), std::sync::Arc::new(DropLog::default()))
}

/// Inserts `key` with value `id` on another thread: whether the key was absent.
fn spawn_insert(
    map: &Arc<Map>,
    log: &std::sync::Arc<DropLog>,
    key: u64,
    id: usize,
) -> JoinHandle<bool> {
    let (map, log) = (Arc::clone(map), std::sync::Arc::clone(log));
    spawn(move || map.insert(key, Value::new(id, &log)).is_none())
}

/// Drops the map, reclaims, and checks that each of the `made` values was dropped once.
fn check_drops(map: Arc<Map>, log: &DropLog, made: usize) {
    drop(Arc::try_unwrap(map).ok().expect("the threads have ended"));
    Domain::global().reclaim();
    for id in 0..made {
        assert_eq!(log.drops(id), 1, "value {id}");
    }
}

/// The grow step: two threads insert keys of bucket 1, which neither has made, while the table
/// has just doubled; both make it, one anchor wins, and no key is lost.
///
/// Bounded at two preemptions (five minutes at three): enough for each thread to be interrupted
/// once inside the bucket's making, between the anchor's insertion and the index's update.
#[test]
fn two_threads_make_the_same_bucket() {
    loom_model::model_bounded::<Global>(2, || {
        let (map, log) = map_and_log(1);
        assert!(map.insert(0, Value::new(0, &log)).is_none());
        assert!(map.insert(2, Value::new(1, &log)).is_none()); // the table doubles: 2 buckets
        let threads: Vec<_> = [(1, 2), (3, 3)]
            .into_iter()
            .map(|(key, id)| spawn_insert(&map, &log, key, id))
            .collect();
        for thread in threads {
            assert!(thread.join().unwrap(), "each key was absent");
        }
        for (key, id) in [(0, 0), (2, 1), (1, 2), (3, 3)] {
            assert_eq!(map.get(&key).map(|v| v.slot), Some(id), "key {key}");
        }
        assert_eq!(map.len(), 4);
        assert_eq!(
            map.iter().count(),
            4,
            "one entry per key, one anchor per bucket"
        );
        check_drops(map, &log, 4);
    });
}

/// A replacing insert races a removal of the same key: either the removal came first (it
/// returns the old value, the insertion finds the key absent and inserts) or the replacement did
/// (it returns the old value, the removal the new one): never both old, never a lost key.
#[test]
fn replace_races_remove() {
    model(|| {
        let (map, log) = map_and_log(0);
        assert!(map.insert(1, Value::new(0, &log)).is_none());
        let replacer = {
            let (map, log) = (Arc::clone(&map), std::sync::Arc::clone(&log));
            spawn(move || map.insert(1, Value::new(1, &log)).map(|old| old.slot))
        };
        let remover = {
            let map = Arc::clone(&map);
            spawn(move || map.remove(&1).map(|old| old.slot))
        };
        let replaced = replacer.join().unwrap();
        let removed = remover.join().unwrap();
        let now = map.get(&1).map(|v| v.slot);
        match (replaced, removed) {
            // The replacement first, then the removal of the new value.
            (Some(0), Some(1)) => assert_eq!(now, None),
            // The removal first, then a fresh insertion.
            (None, Some(0)) => assert_eq!(now, Some(1)),
            other => panic!("not linearizable: (replaced, removed) = {other:?}, now {now:?}"),
        }
        assert_eq!(map.len(), usize::from(now.is_some()));
        check_drops(map, &log, 2);
    });
}

/// A reader looks a key up while another thread's insertion doubles the table and makes the
/// key's new bucket: the key is found throughout.
#[test]
fn lookup_during_growth() {
    model(|| {
        let (map, log) = map_and_log(1);
        assert!(map.insert(1, Value::new(0, &log)).is_none());
        // Doubles the table; the lookup of 1 then starts from bucket 0, which bucket 1 (not
        // made: a lookup makes none) splits from.
        let writer = spawn_insert(&map, &log, 2, 1);
        assert_eq!(map.get(&1).map(|v| v.slot), Some(0));
        assert!(writer.join().unwrap());
        assert_eq!(map.get(&1).map(|v| v.slot), Some(0));
        check_drops(map, &log, 2);
    });
}

/// A key with `low` in its low bits (its buckets) and `high` in its top four (its filter bit).
const fn key(low: u64, high: u64) -> u64 {
    low | high << 60
}

/// The filters: an insertion that still sees a table of two buckets puts a key of bucket 1 into
/// the chain while another thread doubles the table and makes bucket 3, which that key belongs
/// to. Whichever comes first, the new bucket's filter counts the key (it copies bucket 1's once
/// it is being made, or the insertion finds it being made and sets its bit there), so a lookup
/// walking from bucket 3 is never told the key is absent.
///
/// Bounded at two preemptions, as the grow step above.
#[test]
fn filter_of_a_bucket_made_during_an_insertion() {
    loom_model::model_bounded::<Global>(2, || {
        let (map, log) = map_and_log(1);
        assert!(map.insert(0, Value::new(0, &log)).is_none());
        assert!(map.insert(2, Value::new(1, &log)).is_none()); // the table doubles: 2 buckets
        let (x, y1, y2) = (key(3, 1), key(1, 3), key(7, 2));
        let inserter = spawn_insert(&map, &log, x, 2);
        let grower = {
            let (map, log) = (Arc::clone(&map), std::sync::Arc::clone(&log));
            spawn(move || {
                // The third entry doubles the table to four buckets; `y2` then makes bucket 3.
                let first = map.insert(y1, Value::new(3, &log)).is_none();
                first && map.insert(y2, Value::new(4, &log)).is_none()
            })
        };
        assert!(inserter.join().unwrap());
        assert!(grower.join().unwrap());
        for (key, id) in [(0, 0), (2, 1), (x, 2), (y1, 3), (y2, 4)] {
            assert_eq!(map.get(&key).map(|v| v.slot), Some(id), "key {key:#x}");
        }
        assert!(map.get(&key(3, 5)).is_none());
        check_drops(map, &log, 5);
    });
}

/// The filters while a bucket is being made: an insertion that finds its bucket being made by
/// another thread links its key from the bucket's parent and sets its bit in the new bucket's
/// filter only. A lookup that then finds the bucket still being made must not trust the
/// parent's filter (which never counted the key): the inserting thread finds its own key.
#[test]
fn lookup_while_its_bucket_is_being_made() {
    model(|| {
        let (map, log) = map_and_log(2);
        assert!(map.insert(0, Value::new(0, &log)).is_none());
        let (x, y) = (key(1, 1), key(3, 2));
        let other = spawn_insert(&map, &log, y, 2);
        assert!(map.insert(x, Value::new(1, &log)).is_none());
        assert_eq!(map.get(&x).map(|v| v.slot), Some(1), "a key just inserted");
        assert!(other.join().unwrap());
        assert_eq!(map.get(&y).map(|v| v.slot), Some(2));
        check_drops(map, &log, 3);
    });
}
