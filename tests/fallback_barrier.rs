//! The same workloads with the fallback barrier (a `SeqCst` fence per protection, values
//! retired at once), forced with `hazptr::barrier::force_fallback` before anything else in this
//! test binary, so that `cargo test --workspace` runs both paths wherever `membarrier` works.
//!
//! One test function: the mode is process-wide and decided by the first hazptr operation, so no
//! other test of this binary may run first.

mod common;
#[path = "common/litmus.rs"]
mod litmus;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::{Counter, reclaim_global_until};
use hazptr::barrier::{self, Mode};
use hazptr_suite::ms_queue::MsQueue;
use hazptr_suite::treiber::TreiberStack;

const OPS: u64 = if cfg!(miri) { 50 } else { 20_000 };

#[test]
fn the_fallback_barrier_runs_every_workload() {
    assert!(barrier::force_fallback(), "no hazptr operation ran before");
    assert_eq!(barrier::mode(), Mode::Fallback);

    // The litmus workload: no value is freed while a reader protects it.
    let outcome = litmus::run(Duration::from_millis(if cfg!(miri) { 20 } else { 500 }));
    assert!(outcome.protections > 0 && outcome.replacements > 0);
    assert_eq!(outcome.freed_while_protected, 0, "{outcome:?}");

    // A Treiber stack and a Michael–Scott queue, two threads each pushing then popping: every
    // value comes out once, and every node is reclaimed.
    let counter = Counter::default();
    let stack = TreiberStack::new();
    let queue = MsQueue::new();
    let (popped, dequeued) = (AtomicU64::new(0), AtomicU64::new(0));
    std::thread::scope(|s| {
        for thread in 0..2 {
            let (stack, queue, counter) = (&stack, &queue, &counter);
            let (popped, dequeued) = (&popped, &dequeued);
            s.spawn(move || {
                for i in 0..OPS {
                    stack.push(counter.make(thread << 32 | i));
                    queue.enqueue(counter.make(thread << 32 | i));
                    let value = stack.pop().expect("this thread pushed first");
                    assert!(value.is_intact());
                    popped.fetch_add(1, Ordering::Relaxed);
                    let value = queue.dequeue().expect("this thread enqueued first");
                    assert!(value.is_intact());
                    dequeued.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    assert_eq!(popped.load(Ordering::Relaxed), 2 * OPS);
    assert_eq!(dequeued.load(Ordering::Relaxed), 2 * OPS);
    assert!(stack.is_empty() && queue.is_empty());
    assert_eq!(counter.alive(), 0, "every value was taken out and dropped");
    drop((stack, queue));
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!(barrier::mode(), Mode::Fallback, "decided once");
}
