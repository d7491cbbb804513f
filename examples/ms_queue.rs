//! A Michael–Scott queue under load: two producers enqueue, two consumers dequeue; afterwards
//! every value is accounted for, each producer's values came out in order, and every dequeued
//! node has been reclaimed.
//!
//! Run with `cargo run --release --example ms_queue`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Instant;

use hazptr::Domain;
use hazptr_suite::ms_queue::MsQueue;

const PRODUCERS: u64 = 2;
const CONSUMERS: usize = 2;
const PER_PRODUCER: u64 = 500_000;

static DROPPED: AtomicUsize = AtomicUsize::new(0);

/// A value that counts its drops: (producer, sequence number).
struct Item(u64, u64);

impl Drop for Item {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

/// Records what one consumer saw: how many values, and whether each producer's came in order.
#[derive(Default)]
struct Seen {
    count: u64,
    last: [Option<u64>; PRODUCERS as usize],
    in_order: bool,
}

impl Seen {
    fn new() -> Self {
        Self {
            in_order: true,
            ..Self::default()
        }
    }

    fn record(&mut self, item: &Item) {
        let last = &mut self.last[usize::try_from(item.0).unwrap()];
        self.in_order &= last.is_none_or(|l| l < item.1);
        *last = Some(item.1);
        self.count += 1;
    }
}

fn main() {
    let queue = MsQueue::new();
    let producers_done = AtomicUsize::new(0);
    let started = Instant::now();
    let seen: Vec<Seen> = thread::scope(|scope| {
        for p in 0..PRODUCERS {
            let (queue, done) = (&queue, &producers_done);
            scope.spawn(move || {
                for i in 0..PER_PRODUCER {
                    queue.enqueue(Item(p, i));
                }
                done.fetch_add(1, Ordering::Release);
            });
        }
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|_| {
                let (queue, done) = (&queue, &producers_done);
                scope.spawn(move || {
                    let mut seen = Seen::new();
                    loop {
                        let finished = done.load(Ordering::Acquire) == PRODUCERS as usize;
                        match queue.dequeue() {
                            Some(item) => seen.record(&item),
                            None if finished => return seen,
                            None => thread::yield_now(),
                        }
                    }
                })
            })
            .collect();
        consumers.into_iter().map(|c| c.join().unwrap()).collect()
    });
    let elapsed = started.elapsed();
    let total: u64 = seen.iter().map(|s| s.count).sum();
    let in_order = seen.iter().all(|s| s.in_order);
    let enqueued = PRODUCERS * PER_PRODUCER;
    println!(
        "Michael-Scott queue: {PRODUCERS} producers enqueued {enqueued} values, {CONSUMERS} consumers dequeued {total}, in {elapsed:.2?}"
    );
    println!(
        "  per consumer: {:?}",
        seen.iter().map(|s| s.count).collect::<Vec<_>>()
    );
    println!("  each producer's values dequeued in the order enqueued: {in_order}");
    drop(queue);
    let late = Domain::global().reclaim();
    println!(
        "  values dropped: {} of {enqueued}",
        DROPPED.load(Ordering::Relaxed)
    );
    println!(
        "  dequeued nodes: {total} (+1 final dummy), all retired; {late} were still waiting at the end and were reclaimed by a final reclaim, the rest during the run"
    );
    assert_eq!(total, enqueued);
    assert!(in_order);
}
