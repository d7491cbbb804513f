//! The Michael–Scott queue: nothing lost, nothing duplicated, nothing leaked, FIFO per producer,
//! under concurrent enqueues and dequeues.

mod common;

use std::collections::BTreeMap;
use std::sync::Barrier;
use std::thread;

use common::{Counted, Counter};
use hazptr_suite::baseline::ms_queue::MsQueue as BaselineQueue;
use hazptr_suite::ms_queue::MsQueue;

/// The operations the tests use, so that they run on the toolkit-based queue and on the
/// raw-`haphazard` baseline alike.
trait Queue<T>: Default + Sync {
    fn enqueue(&self, value: T);
    fn dequeue(&self) -> Option<T>;
    fn is_empty(&self) -> bool;
}

macro_rules! impl_queue {
    ($($queue:ident),*) => {$(
        impl<T: Send + Sync + 'static> Queue<T> for $queue<T> {
            fn enqueue(&self, value: T) {
                $queue::enqueue(self, value);
            }
            fn dequeue(&self) -> Option<T> {
                $queue::dequeue(self)
            }
            fn is_empty(&self) -> bool {
                $queue::is_empty(self)
            }
        }
    )*};
}
impl_queue!(MsQueue, BaselineQueue);

/// Enqueues per producer; kept small under Miri.
const PER_PRODUCER: u64 = if cfg!(miri) { 30 } else { 20_000 };
const PRODUCERS: u64 = 2;
const CONSUMERS: usize = 2;

/// The value producer `p` enqueues `i`-th.
fn value(p: u64, i: u64) -> u64 {
    p * PER_PRODUCER + i
}

fn multiset(values: impl IntoIterator<Item = u64>) -> BTreeMap<u64, usize> {
    let mut counts = BTreeMap::new();
    for value in values {
        *counts.entry(value).or_insert(0) += 1;
    }
    counts
}

/// Checks that, in what one consumer dequeued, each producer's values come in the order it
/// enqueued them.
fn assert_fifo_per_producer(dequeued: &[u64]) {
    let mut last: BTreeMap<u64, u64> = BTreeMap::new();
    for &v in dequeued {
        let (producer, index) = (v / PER_PRODUCER, v % PER_PRODUCER);
        if let Some(&before) = last.get(&producer) {
            assert!(
                index > before,
                "producer {producer}: value {index} dequeued after {before}"
            );
        }
        last.insert(producer, index);
    }
}

#[test]
fn fifo_on_one_thread() {
    let queue = MsQueue::new();
    assert!(queue.is_empty());
    assert_eq!(queue.dequeue(), None);
    for i in 0..10 {
        queue.enqueue(i);
    }
    assert!(!queue.is_empty());
    let out: Vec<i32> = std::iter::from_fn(|| queue.dequeue()).collect();
    assert_eq!(out, (0..10).collect::<Vec<_>>());
    assert_eq!(queue.dequeue(), None);
    queue.enqueue(42);
    assert_eq!(queue.dequeue(), Some(42));
}

#[test]
fn dropping_a_queue_drops_what_it_holds() {
    dropping_drops_what_it_holds::<MsQueue<Counted>>();
    dropping_drops_what_it_holds::<BaselineQueue<Counted>>();
}

fn dropping_drops_what_it_holds<Q: Queue<Counted>>() {
    let counter = Counter::default();
    let queue = Q::default();
    for i in 0..100 {
        queue.enqueue(counter.make(i));
    }
    assert_eq!(queue.dequeue().map(|v| v.value), Some(0));
    assert_eq!(counter.dropped(), 1);
    drop(queue);
    assert_eq!((counter.made(), counter.dropped()), (100, 100));
}

#[test]
fn concurrent_producers_and_consumers_lose_duplicate_and_reorder_nothing() {
    producers_and_consumers::<MsQueue<Counted>>();
}

#[test]
fn the_baseline_loses_duplicates_and_reorders_nothing_either() {
    producers_and_consumers::<BaselineQueue<Counted>>();
}

fn producers_and_consumers<Q: Queue<Counted>>() {
    let counter = Counter::default();
    let queue = Q::default();
    let threads = usize::try_from(PRODUCERS).unwrap() + CONSUMERS;
    let start = Barrier::new(threads);
    let dequeued: Vec<Vec<u64>> = thread::scope(|scope| {
        for p in 0..PRODUCERS {
            let (queue, counter, start) = (&queue, &counter, &start);
            scope.spawn(move || {
                start.wait();
                for i in 0..PER_PRODUCER {
                    queue.enqueue(counter.make(value(p, i)));
                }
            });
        }
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|_| {
                let (queue, start) = (&queue, &start);
                scope.spawn(move || {
                    start.wait();
                    let mut mine = Vec::new();
                    // Bounded: each consumer tries a fixed number of times, so the test ends
                    // even if the producers are slow; what is left is drained below.
                    for _ in 0..PER_PRODUCER {
                        if let Some(v) = queue.dequeue() {
                            assert!(v.is_intact(), "dequeued a corrupted value");
                            mine.push(v.value);
                        }
                    }
                    mine
                })
            })
            .collect();
        consumers.into_iter().map(|c| c.join().unwrap()).collect()
    });
    for mine in &dequeued {
        assert_fifo_per_producer(mine);
    }
    let mut rest = Vec::new();
    while let Some(v) = queue.dequeue() {
        assert!(v.is_intact());
        rest.push(v.value);
    }
    assert_fifo_per_producer(&rest);
    let all: Vec<u64> = dequeued.into_iter().flatten().chain(rest).collect();
    assert_eq!(
        multiset(all),
        multiset((0..PRODUCERS).flat_map(|p| (0..PER_PRODUCER).map(move |i| value(p, i))))
    );
    assert!(queue.is_empty());
    drop(queue);
    common::reclaim_global_until(|| counter.alive() == 0);
    assert_eq!(counter.made(), counter.dropped(), "a value leaked");
}

#[test]
fn values_left_in_a_shared_queue_are_dropped_with_it() {
    let counter = Counter::default();
    let queue = MsQueue::new();
    thread::scope(|scope| {
        for p in 0..PRODUCERS {
            let (queue, counter) = (&queue, &counter);
            scope.spawn(move || {
                for i in 0..PER_PRODUCER / 4 {
                    queue.enqueue(counter.make(value(p, i)));
                }
            });
        }
    });
    let expected = usize::try_from(PRODUCERS * (PER_PRODUCER / 4)).unwrap();
    assert_eq!(counter.alive(), expected);
    drop(queue);
    assert_eq!(counter.dropped(), expected);
}
