//! `hazptr::Queue` and `hazptr::Stack` side by side with a mutex, crossbeam-queue's `SegQueue`
//! and crossbeam-epoch's Treiber stack, in one run: push/pop pairs at 1, 2 and 4 threads, and
//! 900,000 jobs from producers to consumers. Medians (min–max) over rounds in which the
//! contenders take turns; ratios against hazptr per round.
//!
//! `cargo run --release -p hazptr-bench --bin queues`

use std::time::Duration;

use crossbeam_queue::SegQueue;
use hazptr_bench::queues::{Fifo, MutexDeque, MutexVec, Pairs, jobs_ms};
use hazptr_bench::stacks::{EpochStack, Stack, pairs_mops};
use hazptr_bench::stats::Summary;

const ROUNDS: usize = 5;
const PAIRS_FOR: Duration = Duration::from_millis(200);
const JOBS: u64 = 900_000;

type Sampler = (&'static str, Box<dyn Fn() -> f64>);

fn fifo_pairs<Q: Fifo + 'static>(threads: usize) -> Sampler {
    stack_pairs::<Pairs<Q>>(threads)
}

fn stack_pairs<S: Stack + 'static>(threads: usize) -> Sampler {
    (
        S::NAME,
        Box::new(move || pairs_mops::<S>(threads, PAIRS_FOR)),
    )
}

fn jobs<Q: Fifo + 'static>(producers: usize, consumers: usize) -> Sampler {
    (
        Q::NAME,
        Box::new(move || jobs_ms::<Q>(producers, consumers, JOBS)),
    )
}

/// Runs each sampler `ROUNDS` times, taking turns, and prints the medians and each contender's
/// ratio to the first (hazptr's), per round.
fn table(title: &str, unit: &str, samplers: &[Sampler]) {
    let mut samples = vec![Vec::new(); samplers.len()];
    for _ in 0..ROUNDS {
        for ((_, sample), samples) in samplers.iter().zip(&mut samples) {
            samples.push(sample());
        }
    }
    println!("\n{title}");
    println!(
        "  {:<28} {:>24} {:>26}",
        "contender", unit, "hazptr / this (per round)"
    );
    for ((name, _), these) in samplers.iter().zip(&samples) {
        println!(
            "  {name:<28} {:>24} {:>26}",
            Summary::of(these).to_string(),
            Summary::of_ratios(&samples[0], these).to_string()
        );
    }
}

fn main() {
    println!(
        "hazptr-bench queues: {} CPUs, hazptr barrier {:?}; median (min–max) over {ROUNDS} rounds, contenders in turn",
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get),
        hazptr::barrier::mode()
    );
    for threads in [1, 2, 4] {
        let note = if threads == 4 {
            " (oversubscribed: 2 cores)"
        } else {
            ""
        };
        table(
            &format!("Queues, {threads} threads each pushing then popping{note}"),
            "M pairs/s (higher better)",
            &[
                fifo_pairs::<hazptr::Queue<u64>>(threads),
                fifo_pairs::<MutexDeque>(threads),
                fifo_pairs::<SegQueue<u64>>(threads),
            ],
        );
        table(
            &format!("Stacks, {threads} threads each pushing then popping{note}"),
            "M pairs/s (higher better)",
            &[
                stack_pairs::<hazptr::Stack<u64>>(threads),
                stack_pairs::<MutexVec>(threads),
                stack_pairs::<EpochStack>(threads),
            ],
        );
    }
    for (producers, consumers) in [(1, 1), (2, 2)] {
        let note = if producers + consumers > 2 {
            " (oversubscribed: 2 cores)"
        } else {
            ""
        };
        table(
            &format!(
                "{JOBS} jobs, {producers} producer(s) to {consumers} consumer(s) polling with backoff{note}"
            ),
            "ms for all (lower better)",
            &[
                jobs::<hazptr::Queue<u64>>(producers, consumers),
                jobs::<MutexDeque>(producers, consumers),
                jobs::<SegQueue<u64>>(producers, consumers),
            ],
        );
    }
}
