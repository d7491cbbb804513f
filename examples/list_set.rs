//! A lock-free sorted set shared by four threads: each inserts its own keys and removes half of
//! them while the others do the same, and readers check the keys that must stay. Afterwards the
//! set holds exactly the expected keys, and every removed key has been dropped once.
//!
//! Run with `cargo run --release --example list_set`.
//!
//! `ListSet` (in `src/list_set.rs`) is about 60 lines on hazptr's `Head`, `Owned` and `Cursor`,
//! without `unsafe`: copy it to make a list of your own.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Instant;

use hazptr_suite::list_set::ListSet;

const THREADS: u64 = 4;
const PER_THREAD: u64 = 2_000;

static DROPPED: AtomicUsize = AtomicUsize::new(0);

/// A key that counts its drops.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Key(u64);

impl Drop for Key {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

fn main() {
    let set = ListSet::new();
    let started = Instant::now();
    thread::scope(|scope| {
        for t in 0..THREADS {
            let set = &set;
            scope.spawn(move || {
                // This thread's keys: t, t + 4, t + 8, …
                let keys = (0..PER_THREAD).map(|i| i * THREADS + t);
                for key in keys.clone() {
                    assert!(set.insert(Key(key)));
                }
                for key in keys.filter(|key| key % 2 == 0) {
                    assert!(set.remove(&Key(key)));
                }
            });
        }
    });
    let elapsed = started.elapsed();
    let total = THREADS * PER_THREAD;
    let kept = (0..total).filter(|&key| set.contains(&Key(key))).count();
    let odd_only = (0..total).all(|key| set.contains(&Key(key)) == (key % 2 == 1));
    // The probes made by `contains` above are dropped too: count from here.
    let probes = usize::try_from(total).unwrap() * 2;
    println!("ListSet: {THREADS} threads inserted {total} keys and removed half in {elapsed:.2?}");
    println!(
        "  {kept} keys left, exactly the odd ones: {}",
        if odd_only { "yes" } else { "NO" }
    );
    drop(set);
    hazptr::reclaim();
    let dropped = DROPPED.load(Ordering::Relaxed) - probes;
    // Every key made was dropped once: the removed ones when reclaimed, the rest with the set,
    // the probes of `remove` at once.
    let made = usize::try_from(total + total / 2).unwrap();
    println!(
        "  keys dropped: {dropped} of {made} made (inserted keys, and the probes of `remove`)"
    );
    assert!(odd_only);
    assert_eq!(dropped, made);
}
