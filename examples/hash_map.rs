//! A lock-free hash map read by two threads while two others insert and remove, with a reader
//! that keeps a value alive through its removal. Everything is checked at the end.
//!
//! Run with `cargo run --release --example hash_map`.
//!
//! `HashMap` (in `src/hash_map.rs`) is Michael's hash map: a fixed array of buckets, each a
//! Harris–Michael list on hazptr's `Head`, `Owned` and `Cursor`, without `unsafe`.

use std::thread;
use std::time::Instant;

use hazptr_suite::hash_map::HashMap;

const KEYS: u64 = 10_000;

fn main() {
    let map = HashMap::with_buckets(16_384);
    for key in 0..KEYS {
        assert!(map.insert(key, format!("value {key}")));
    }

    // A reader keeps the value of key 7 while a writer removes it.
    let kept = map.get(&7).expect("present");
    assert!(map.remove(&7));
    hazptr::reclaim(); // retired, but protected by `kept`: not freed
    println!("removed key 7, still reading its value: {:?}", &*kept);
    assert_eq!(*kept, "value 7");
    drop(kept); // now it can be freed

    let started = Instant::now();
    let (hits, changes) = thread::scope(|scope| {
        let readers: Vec<_> = (0..2)
            .map(|r| {
                let map = &map;
                scope.spawn(move || {
                    let mut hits = 0;
                    for i in 0..KEYS * 10 {
                        let key = (i * 7 + r) % KEYS;
                        if let Some(value) = map.get(&key) {
                            assert_eq!(*value, format!("value {key}"));
                            hits += 1;
                        }
                    }
                    hits
                })
            })
            .collect();
        let writers: Vec<_> = (0..2)
            .map(|w| {
                let map = &map;
                scope.spawn(move || {
                    // Writer `w` moves the keys ≡ w (mod 4) out and back in.
                    let mut changes = 0;
                    for key in (w..KEYS).step_by(4) {
                        if key == 7 {
                            continue;
                        }
                        assert!(map.remove(&key));
                        assert!(map.insert(key, format!("value {key}")));
                        changes += 2;
                    }
                    changes
                })
            })
            .collect();
        let hits: u64 = readers.into_iter().map(|r| r.join().unwrap()).sum();
        let changes: u64 = writers.into_iter().map(|w| w.join().unwrap()).sum();
        (hits, changes)
    });
    let present = (0..KEYS).filter(|key| map.contains_key(key)).count();
    println!(
        "2 readers ({hits} hits) and 2 writers ({changes} inserts and removes) in {:.2?}",
        started.elapsed()
    );
    println!("  keys present: {present} of {KEYS} (all but 7)");
    assert_eq!(present, usize::try_from(KEYS - 1).unwrap());
}
