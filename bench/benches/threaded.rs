//! Workloads 2, 3 (unthrottled) and 6 in detail, as time per operation per thread: two readers;
//! one reader beside a writer swapping as fast as it can; Treiber stack push/pop pairs.
//!
//! `cargo bench -p hazptr-bench --bench threaded`

use std::hint::black_box;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use hazptr_bench::contenders::{
    ArcSwapCell, Contender, EpochCell, HazptrDerive, HazptrMacro, RawNewHazard, RawReusedHazard,
    Reader, RwLockCell, SeizeCell,
};
use hazptr_bench::payload::Payload;
use hazptr_bench::stacks::{EpochStack, SeizeStack, Stack};
use hazptr_suite::treiber::TreiberStack;

/// `readers` threads each do `iters` reads while, if `writer`, another thread swaps until they
/// are done; the slowest reader's time.
fn timed_reads<C: Contender>(cell: &C, readers: usize, writer: bool, iters: u64) -> Duration {
    let start_line = Barrier::new(readers + usize::from(writer));
    let readers_done = AtomicBool::new(false);
    thread::scope(|scope| {
        if writer {
            scope.spawn(|| {
                start_line.wait();
                let mut next = 0;
                while !readers_done.load(Ordering::Relaxed) {
                    next += 1;
                    cell.replace(Payload::new(next));
                }
            });
        }
        let handles: Vec<_> = (0..readers)
            .map(|_| {
                scope.spawn(|| {
                    let mut reader = cell.reader();
                    start_line.wait();
                    let start = Instant::now();
                    for _ in 0..iters {
                        black_box(reader.read());
                    }
                    start.elapsed()
                })
            })
            .collect();
        let slowest = handles
            .into_iter()
            .map(|h| h.join().expect("reader panicked"))
            .max()
            .unwrap_or_default();
        readers_done.store(true, Ordering::Relaxed);
        slowest
    })
}

fn readers<C: Contender>(c: &mut Criterion, group: &str, readers: usize, writer: bool) {
    let cell = C::new(Payload::new(1));
    c.benchmark_group(group).bench_function(C::NAME, |b| {
        b.iter_custom(|iters| timed_reads(&cell, readers, writer, iters));
    });
    cell.reclaim();
}

fn two_readers(c: &mut Criterion) {
    let group = "two_readers (time per read per thread)";
    readers::<HazptrDerive>(c, group, 2, false);
    readers::<HazptrMacro>(c, group, 2, false);
    readers::<RawReusedHazard>(c, group, 2, false);
    readers::<RawNewHazard>(c, group, 2, false);
    readers::<ArcSwapCell>(c, group, 2, false);
    readers::<EpochCell>(c, group, 2, false);
    readers::<SeizeCell>(c, group, 2, false);
    readers::<RwLockCell>(c, group, 2, false);
}

fn reader_beside_writer(c: &mut Criterion) {
    let group = "reader_beside_unthrottled_writer (time per read)";
    readers::<HazptrDerive>(c, group, 1, true);
    readers::<RawReusedHazard>(c, group, 1, true);
    readers::<ArcSwapCell>(c, group, 1, true);
    readers::<EpochCell>(c, group, 1, true);
    readers::<SeizeCell>(c, group, 1, true);
    readers::<RwLockCell>(c, group, 1, true);
}

/// `threads` threads each do `iters` push/pop pairs; the slowest thread's time.
fn timed_pairs<S: Stack>(stack: &S, threads: usize, iters: u64) -> Duration {
    let start_line = Barrier::new(threads);
    thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    start_line.wait();
                    let start = Instant::now();
                    for i in 0..iters {
                        stack.push(i);
                        black_box(stack.pop());
                    }
                    start.elapsed()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("stack thread panicked"))
            .max()
            .unwrap_or_default()
    })
}

fn stack<S: Stack>(c: &mut Criterion, threads: usize) {
    let stack = S::new();
    c.benchmark_group(format!(
        "treiber_{threads}_threads (time per pair per thread)"
    ))
    .bench_function(S::NAME, |b| {
        b.iter_custom(|iters| timed_pairs(&stack, threads, iters));
    });
}

fn treiber(c: &mut Criterion) {
    for threads in [2, 4] {
        stack::<TreiberStack<u64>>(c, threads);
        stack::<EpochStack>(c, threads);
        stack::<SeizeStack>(c, threads);
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(2));
    targets = two_readers, reader_beside_writer, treiber
}
criterion_main!(benches);
