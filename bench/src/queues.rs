//! `hazptr::Queue` and `hazptr::Stack` against what a user would otherwise reach for: a
//! `Mutex<VecDeque>` / `Mutex<Vec>`, crossbeam-queue's `SegQueue`, and crossbeam-epoch's Treiber
//! stack (`stacks.rs`). Two workloads: push/pop pairs on every thread, and jobs handed from
//! producers to consumers that poll with a backoff until every job is done.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Mutex, PoisonError};
use std::thread;
use std::time::Instant;

use crossbeam_queue::SegQueue;

use crate::stacks::Stack;

/// A concurrent FIFO queue of `u64`.
pub trait Fifo: Sync {
    /// Its name in tables.
    const NAME: &'static str;
    /// An empty queue.
    fn new() -> Self;
    /// Appends `value`.
    fn push(&self, value: u64);
    /// Takes the oldest value, if any.
    fn pop(&self) -> Option<u64>;
}

impl Fifo for hazptr::Queue<u64> {
    const NAME: &'static str = "hazptr::Queue";
    fn new() -> Self {
        hazptr::Queue::new()
    }
    fn push(&self, value: u64) {
        hazptr::Queue::push(self, value);
    }
    fn pop(&self) -> Option<u64> {
        hazptr::Queue::pop(self)
    }
}

/// `Mutex<VecDeque<u64>>`, the queue a user writes first.
pub struct MutexDeque(Mutex<VecDeque<u64>>);

impl Fifo for MutexDeque {
    const NAME: &'static str = "Mutex<VecDeque>";
    fn new() -> Self {
        Self(Mutex::new(VecDeque::new()))
    }
    fn push(&self, value: u64) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(value);
    }
    fn pop(&self) -> Option<u64> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front()
    }
}

impl Fifo for SegQueue<u64> {
    const NAME: &'static str = "crossbeam-queue SegQueue";
    fn new() -> Self {
        SegQueue::new()
    }
    fn push(&self, value: u64) {
        SegQueue::push(self, value);
    }
    fn pop(&self) -> Option<u64> {
        SegQueue::pop(self)
    }
}

/// `hazptr::Stack<u64>` itself (the suite's `TreiberStack` wraps the same type).
impl Stack for hazptr::Stack<u64> {
    const NAME: &'static str = "hazptr::Stack";
    fn new() -> Self {
        hazptr::Stack::new()
    }
    fn push(&self, value: u64) {
        hazptr::Stack::push(self, value);
    }
    fn pop(&self) -> Option<u64> {
        hazptr::Stack::pop(self)
    }
}

/// `Mutex<Vec<u64>>`, the stack a user writes first.
pub struct MutexVec(Mutex<Vec<u64>>);

impl Stack for MutexVec {
    const NAME: &'static str = "Mutex<Vec>";
    fn new() -> Self {
        Self(Mutex::new(Vec::new()))
    }
    fn push(&self, value: u64) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(value);
    }
    fn pop(&self) -> Option<u64> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).pop()
    }
}

/// A queue seen as a [`Stack`] (push, pop), so that the stacks' push/pop-pair workload
/// ([`pairs_mops`](crate::stacks::pairs_mops)) measures it too: the pairs never look at which
/// value comes out.
pub struct Pairs<Q>(Q);

impl<Q: Fifo> Stack for Pairs<Q> {
    const NAME: &'static str = Q::NAME;
    fn new() -> Self {
        Self(Q::new())
    }
    fn push(&self, value: u64) {
        self.0.push(value);
    }
    fn pop(&self) -> Option<u64> {
        self.0.pop()
    }
}

/// `producers` threads push `jobs` values in all, `consumers` threads pop them (spinning a
/// little, then yielding, while the queue is empty) until all are taken: milliseconds for the
/// whole hand-over. The consumer loop is the one the README recommends: back off on empty, stop
/// on a count (or a flag set after the producers are joined), never on the first empty pop.
#[must_use]
pub fn jobs_ms<Q: Fifo>(producers: usize, consumers: usize, jobs: u64) -> f64 {
    let queue = Q::new();
    let taken = AtomicU64::new(0);
    let sum = AtomicU64::new(0);
    let start_line = Barrier::new(producers + consumers + 1);
    let per_producer = jobs / producers as u64;
    let total = per_producer * producers as u64;
    let elapsed = thread::scope(|scope| {
        for p in 0..producers {
            let (queue, start_line) = (&queue, &start_line);
            scope.spawn(move || {
                start_line.wait();
                for i in 0..per_producer {
                    queue.push(p as u64 * per_producer + i);
                }
            });
        }
        for _ in 0..consumers {
            let (queue, taken, sum, start_line) = (&queue, &taken, &sum, &start_line);
            scope.spawn(move || {
                start_line.wait();
                let mut local = 0u64;
                let mut empty = 0u32;
                while taken.load(Ordering::Relaxed) < total {
                    if let Some(job) = queue.pop() {
                        local = local.wrapping_add(job);
                        taken.fetch_add(1, Ordering::Relaxed);
                        empty = 0;
                    } else {
                        empty += 1;
                        if empty < 64 {
                            std::hint::spin_loop();
                        } else {
                            thread::yield_now();
                        }
                    }
                }
                sum.fetch_add(local, Ordering::Relaxed);
            });
        }
        start_line.wait();
        let start = Instant::now();
        // The scope joins every thread before it returns.
        start
    })
    .elapsed();
    assert_eq!(
        sum.into_inner(),
        total * (total - 1) / 2,
        "{}: a job was lost or taken twice",
        Q::NAME
    );
    elapsed.as_secs_f64() * 1e3
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn every_contender_moves_every_job_once() {
        assert!(jobs_ms::<hazptr::Queue<u64>>(2, 2, 10_000) > 0.0);
        assert!(jobs_ms::<MutexDeque>(2, 2, 10_000) > 0.0);
        assert!(jobs_ms::<SegQueue<u64>>(2, 2, 10_000) > 0.0);
        let pairs =
            crate::stacks::pairs_mops::<Pairs<hazptr::Queue<u64>>>(2, Duration::from_millis(10));
        assert!(pairs > 0.0);
    }
}
