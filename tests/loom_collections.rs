//! Loom models of `hazptr::collections::HashMap`'s grow step and of its value replacement:
//! every interleaving (up to the preemption bound) of two threads, with haphazard's and hazptr's
//! atomics, fences and thread-locals switched to loom's. Run with `scripts/loom.sh`.
//!
//! Keys hash to themselves, so the buckets are known: a table of two buckets holds 0 and 2 in
//! bucket 0, and 1 and 3 belong to bucket 1, which the models make while other threads use it.
#![cfg(loom)]

use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};

use hazptr::collections::HashMap;
use hazptr::{Domain, Global};
use loom::sync::Arc;
use loom::thread::JoinHandle;

#[path = "common/loom_model.rs"]
mod loom_model;

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

/// How many times each value (by id) was dropped.
#[derive(Default)]
struct DropLog([AtomicUsize; 8]);

/// A value that logs its drop, and fails on a second one.
struct Value {
    id: usize,
    log: std::sync::Arc<DropLog>,
}

impl Value {
    fn new(id: usize, log: &std::sync::Arc<DropLog>) -> Self {
        Self {
            id,
            log: std::sync::Arc::clone(log),
        }
    }
}

impl Drop for Value {
    fn drop(&mut self) {
        let before = self.log.0[self.id].fetch_add(1, Ordering::SeqCst);
        assert_eq!(before, 0, "value {} dropped twice", self.id);
    }
}

/// Drops the map, reclaims, and checks that each of the `made` values was dropped once.
fn check_drops(map: Arc<Map>, log: &DropLog, made: usize) {
    drop(Arc::try_unwrap(map).ok().expect("the threads have ended"));
    Domain::global().reclaim();
    for id in 0..made {
        assert_eq!(log.0[id].load(Ordering::SeqCst), 1, "value {id}");
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
        let log = std::sync::Arc::new(DropLog::default());
        let map: Arc<Map> = Arc::new(HashMap::with_capacity_and_hasher(
            1,
            BuildHasherDefault::default(),
        ));
        assert!(map.insert(0, Value::new(0, &log)).is_none());
        assert!(map.insert(2, Value::new(1, &log)).is_none()); // the table doubles: 2 buckets
        let threads: Vec<_> = [(1, 2), (3, 3)]
            .into_iter()
            .map(|(key, id)| {
                let (map, log) = (Arc::clone(&map), std::sync::Arc::clone(&log));
                spawn(move || map.insert(key, Value::new(id, &log)).is_none())
            })
            .collect();
        for thread in threads {
            assert!(thread.join().unwrap(), "each key was absent");
        }
        for (key, id) in [(0, 0), (2, 1), (1, 2), (3, 3)] {
            assert_eq!(map.get(&key).map(|v| v.id), Some(id), "key {key}");
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
        let log = std::sync::Arc::new(DropLog::default());
        let map: Arc<Map> = Arc::new(HashMap::with_hasher(BuildHasherDefault::default()));
        assert!(map.insert(1, Value::new(0, &log)).is_none());
        let replacer = {
            let (map, log) = (Arc::clone(&map), std::sync::Arc::clone(&log));
            spawn(move || map.insert(1, Value::new(1, &log)).map(|old| old.id))
        };
        let remover = {
            let map = Arc::clone(&map);
            spawn(move || map.remove(&1).map(|old| old.id))
        };
        let replaced = replacer.join().unwrap();
        let removed = remover.join().unwrap();
        let now = map.get(&1).map(|v| v.id);
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
        let log = std::sync::Arc::new(DropLog::default());
        let map: Arc<Map> = Arc::new(HashMap::with_capacity_and_hasher(
            1,
            BuildHasherDefault::default(),
        ));
        assert!(map.insert(1, Value::new(0, &log)).is_none());
        let writer = {
            let (map, log) = (Arc::clone(&map), std::sync::Arc::clone(&log));
            // Doubles the table; the lookup of 1 then starts from bucket 0, which bucket 1 (not
            // made: a lookup makes none) splits from.
            spawn(move || map.insert(2, Value::new(1, &log)).is_none())
        };
        assert_eq!(map.get(&1).map(|v| v.id), Some(0));
        assert!(writer.join().unwrap());
        assert_eq!(map.get(&1).map(|v| v.id), Some(0));
        check_drops(map, &log, 2);
    });
}
