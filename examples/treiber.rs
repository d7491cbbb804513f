//! A Treiber stack under load: four threads push and pop concurrently; afterwards every value is
//! accounted for and every popped node has been reclaimed.
//!
//! Run with `cargo run --release --example treiber`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Instant;

use hazptr::Domain;
use hazptr_suite::treiber::TreiberStack;

const THREADS: u64 = 4;
const PER_THREAD: u64 = 250_000;

static DROPPED: AtomicUsize = AtomicUsize::new(0);

/// A value that counts its drops.
struct Item(u64);

impl Drop for Item {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

fn main() {
    let stack = TreiberStack::new();
    let started = Instant::now();
    let sums: Vec<(u64, u64)> = thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let stack = &stack;
                scope.spawn(move || {
                    let (mut pops, mut sum) = (0, 0);
                    for i in 0..PER_THREAD {
                        stack.push(Item(t * PER_THREAD + i));
                        if i % 2 == 1
                            && let Some(item) = stack.pop()
                        {
                            pops += 1;
                            sum += item.0;
                        }
                    }
                    (pops, sum)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let elapsed = started.elapsed();
    let (mut pops, mut sum): (u64, u64) =
        sums.iter().fold((0, 0), |(p, s), &(a, b)| (p + a, s + b));
    while let Some(item) = stack.pop() {
        pops += 1;
        sum += item.0;
    }
    let pushes = THREADS * PER_THREAD;
    let expected_sum = pushes * (pushes - 1) / 2;
    println!(
        "Treiber stack: {THREADS} threads pushed {pushes} values and popped {pops} in {elapsed:.2?}"
    );
    println!(
        "  sum of popped values: {sum} (expected {expected_sum}) -> {}",
        if sum == expected_sum {
            "nothing lost or duplicated"
        } else {
            "MISMATCH"
        }
    );
    drop(stack);
    let late = Domain::global().reclaim();
    println!(
        "  values dropped: {} of {pushes}",
        DROPPED.load(Ordering::Relaxed)
    );
    println!(
        "  popped nodes: {pops}, all retired; {late} were still waiting at the end and were reclaimed by a final reclaim, the rest during the run"
    );
    assert_eq!(sum, expected_sum);
    assert_eq!(pops, pushes);
}
