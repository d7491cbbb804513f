//! The workloads of the benchmark issue, generic over the [`Contender`]s.
//!
//! Each function makes one measurement; callers repeat it (interleaving contenders) and summarise.
//! Multi-threaded workloads use scoped threads, a barrier to start together, and a stop flag.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Barrier, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use crate::contenders::{Contender, Reader};
use crate::payload::{self, Payload};

/// Nanoseconds per protected read (load, dereference, release) on one thread.
#[inline(never)]
pub fn ns_per_read<C: Contender>(cell: &C, reads: u64) -> f64 {
    let mut reader = cell.reader();
    // Warm up: the first read of a thread may allocate a hazard record, register a thread, …
    black_box(reader.read());
    let start = Instant::now();
    let mut sum = 0u64;
    for _ in 0..reads {
        sum = sum.wrapping_add(reader.read());
    }
    let elapsed = start.elapsed();
    black_box(sum);
    per_op_ns(elapsed, reads)
}

/// Nanoseconds per replacement (allocate, swap, retire, amortised reclamation) on one thread.
#[inline(never)]
pub fn ns_per_replace<C: Contender>(cell: &C, swaps: u64) -> f64 {
    let start = Instant::now();
    for i in 0..swaps {
        cell.replace(Payload::new(black_box(i)));
    }
    per_op_ns(start.elapsed(), swaps)
}

#[allow(clippy::cast_precision_loss)]
fn per_op_ns(elapsed: Duration, ops: u64) -> f64 {
    elapsed.as_nanos() as f64 / ops as f64
}

#[allow(clippy::cast_precision_loss)]
fn per_second_millions(ops: u64, elapsed: Duration) -> f64 {
    ops as f64 / elapsed.as_secs_f64() / 1e6
}

/// What the writer of a contended workload does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writer {
    /// No writer: readers only.
    None,
    /// Swaps as fast as it can.
    Unthrottled,
    /// Swaps at this many per second (sleeping when ahead of schedule).
    PerSecond(u64),
}

/// The outcome of a contended run.
#[derive(Clone, Copy, Debug)]
pub struct Contended {
    /// Reads per second, all readers together, in millions.
    pub reads_mops: f64,
    /// Swaps per second done by the writer.
    pub swaps_per_sec: f64,
    /// The most payloads that were retired but not yet reclaimed at any moment the writer looked
    /// (after each of its swaps).
    pub peak_unreclaimed: u64,
}

/// `readers` threads read `cell` while `writer` replaces its value, for `duration`.
///
/// The cell is made fresh for the run, so its garbage starts at zero; the baseline of live
/// payloads is taken once everything an earlier run left behind has been reclaimed.
#[must_use]
pub fn contended<C: Contender>(readers: usize, writer: Writer, duration: Duration) -> Contended {
    let cell = C::new(Payload::new(0));
    cell.reclaim();
    let baseline = payload::live();
    let stop = AtomicBool::new(false);
    let reads = AtomicU64::new(0);
    let threads = readers + usize::from(writer != Writer::None);
    let start_line = Barrier::new(threads + 1);
    let (elapsed, swaps, peak) = thread::scope(|scope| {
        for _ in 0..readers {
            scope.spawn(|| {
                let mut reader = cell.reader();
                black_box(reader.read());
                start_line.wait();
                let mut done = 0u64;
                let mut sum = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    sum = sum.wrapping_add(reader.read());
                    done += 1;
                }
                black_box(sum);
                reads.fetch_add(done, Ordering::Relaxed);
            });
        }
        let writer_thread = (writer != Writer::None).then(|| {
            scope.spawn(|| {
                start_line.wait();
                write_until_stopped(&cell, writer, &stop, baseline)
            })
        });
        start_line.wait();
        let start = Instant::now();
        thread::sleep(duration);
        stop.store(true, Ordering::Relaxed);
        let (swaps, peak) = writer_thread.map_or((0, 0), |w| w.join().expect("writer panicked"));
        (start.elapsed(), swaps, peak)
    });
    cell.reclaim();
    Contended {
        reads_mops: per_second_millions(reads.into_inner(), elapsed),
        swaps_per_sec: per_second_millions(swaps, elapsed) * 1e6,
        peak_unreclaimed: peak,
    }
}

/// The writer's loop: swaps (throttled if asked) until `stop`, sampling the garbage after each
/// swap. Returns the number of swaps and the peak garbage.
fn write_until_stopped<C: Contender>(
    cell: &C,
    writer: Writer,
    stop: &AtomicBool,
    baseline: u64,
) -> (u64, u64) {
    let start = Instant::now();
    let mut swaps = 0u64;
    let mut peak = 0u64;
    while !stop.load(Ordering::Relaxed) {
        cell.replace(Payload::new(swaps));
        swaps += 1;
        peak = peak.max(payload::live().saturating_sub(baseline));
        if let Writer::PerSecond(rate) = writer {
            // On schedule, swap `swaps` is due at `swaps / rate` seconds. Sleep only when more
            // than half a millisecond ahead: short sleeps overshoot, so fast rates go in bursts.
            let due = Duration::from_secs_f64(u64_to_f64(swaps) / u64_to_f64(rate));
            let ahead = due.saturating_sub(start.elapsed());
            if ahead > Duration::from_micros(500) {
                thread::sleep(ahead);
            }
        }
    }
    (swaps, peak)
}

#[allow(clippy::cast_precision_loss)]
fn u64_to_f64(x: u64) -> f64 {
    x as f64
}

/// One thread protects the current value and stalls while this thread does `swaps` swaps; the
/// peak number of retired payloads not yet reclaimed.
#[must_use]
pub fn stalled_reader<C: Contender>(swaps: u64) -> u64 {
    stalled_reader_measured::<C>(swaps, 1, payload::live)
}

/// [`stalled_reader`] for hazptr's derive, with the garbage read from hazptr's own statistics
/// (`Domain::stats().unfreed` of the global domain, sampled every 64 swaps) instead of counting
/// payloads: the figure a user can read in production, where nothing counts drops.
#[must_use]
pub fn stalled_reader_by_stats(swaps: u64) -> u64 {
    let unfreed = || hazptr::Domain::global().stats().unfreed;
    stalled_reader_measured::<crate::contenders::HazptrDerive>(swaps, 64, unfreed)
}

/// The stalled-reader run, sampling `garbage()` (less its value before the run) after every
/// `every`-th swap.
fn stalled_reader_measured<C: Contender>(swaps: u64, every: u64, garbage: impl Fn() -> u64) -> u64 {
    let cell = C::new(Payload::new(0));
    cell.reclaim();
    let baseline = garbage();
    let (holding, held) = mpsc::channel();
    let (release, released) = mpsc::channel::<()>();
    let peak = thread::scope(|scope| {
        let cell = &cell;
        scope.spawn(move || {
            let protection = cell.hold();
            holding.send(()).expect("writer gone");
            // Blocks (no CPU) until the writer is done.
            let _ = released.recv();
            drop(protection);
        });
        held.recv().expect("stalled reader panicked");
        let mut peak = 0u64;
        for i in 0..swaps {
            cell.replace(Payload::new(i));
            if (i + 1) % every == 0 {
                peak = peak.max(garbage().saturating_sub(baseline));
            }
        }
        release.send(()).expect("stalled reader gone");
        peak
    });
    cell.reclaim();
    peak
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contenders::{EpochCell, HazptrDerive, RwLockCell};

    #[test]
    fn single_thread_measurements_are_positive() {
        let _serial = crate::payload::counting_lock();
        let cell = HazptrDerive::new(Payload::new(3));
        assert!(ns_per_read(&cell, 1000) > 0.0);
        assert!(ns_per_replace(&cell, 100) > 0.0);
    }

    #[test]
    fn a_short_contended_run_reads_and_writes() {
        let _serial = crate::payload::counting_lock();
        let run = contended::<HazptrDerive>(1, Writer::Unthrottled, Duration::from_millis(20));
        assert!(run.reads_mops > 0.0);
        assert!(run.swaps_per_sec > 0.0);
        let run = contended::<RwLockCell>(2, Writer::None, Duration::from_millis(20));
        assert!(run.reads_mops > 0.0);
        assert!(run.swaps_per_sec.abs() < f64::EPSILON);
    }

    #[test]
    fn a_stalled_epoch_pin_keeps_every_retired_value() {
        let _serial = crate::payload::counting_lock();
        // Nothing retired during the pin can be reclaimed while the stalled thread is pinned, so
        // every swapped-out value stays (a little older garbage freed meanwhile would lower the
        // count, hence the margin).
        assert!(stalled_reader::<EpochCell>(2_000) >= 1_900);
        // A stalled hazard pointer protects one value: the rest is reclaimed as it piles up.
        assert!(stalled_reader::<HazptrDerive>(5_000) <= 2_000);
        // hazptr's own statistics see the garbage pile up to the same bound.
        let by_stats = stalled_reader_by_stats(5_000);
        assert!((64..=2_000).contains(&by_stats), "{by_stats}");
    }
}
