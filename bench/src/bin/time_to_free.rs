//! Time to free: for each contender, how long a replaced value outlives both its retirement and
//! its last guard, with a writer that then idles (see `hazptr_bench::time_to_free`).
//!
//! `cargo run --release -p hazptr-bench --bin time_to_free [-- --fast N --slow N]`, and again
//! with `HAZPTR_BARRIER=fallback` (the barrier mode is decided once per process).
//!
//! Two rates: `--fast` replacements (default 1000) at 10,000 per second, and `--slow` (default
//! 100, i.e. 10 s per contender, where 1000 would take 100 s each) at 10 per second; each run
//! ends with a 2 s grace period in which the writer idles. About 90 s per mode with the
//! defaults.

use std::time::Duration;

use hazptr_bench::time_to_free::{
    ArcSwapCell, EpochCell, Haphazard, Hazptr, Outcome, SeizeCell, TimedCell, now_ns, run,
};

/// How long the writer idles after its last replacement before the table is taken.
const GRACE: Duration = Duration::from_secs(2);
const FAST_RATE: u32 = 10_000;
const SLOW_RATE: u32 = 10;

fn usage() -> ! {
    eprintln!("usage: time_to_free [--fast COUNT] [--slow COUNT]");
    std::process::exit(2)
}

/// The replacement counts at the fast and the slow rate.
fn counts() -> (usize, usize) {
    let (mut fast, mut slow) = (1000, 100);
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let [flag, count] = pair else { usage() };
        let count = count.parse().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--fast" => fast = count,
            "--slow" => slow = count,
            _ => usage(),
        }
    }
    (fast, slow)
}

/// A duration in the unit that suits it.
fn show(time: Option<Duration>) -> String {
    let Some(time) = time else {
        return "-".to_string();
    };
    // Each unit up to what would round to 1000.0 of it.
    let ns = time.as_nanos();
    if ns < 1_000 {
        format!("{ns} ns")
    } else if ns < 999_950 {
        format!("{:.1} µs", time.as_secs_f64() * 1e6)
    } else if ns < 999_950_000 {
        format!("{:.1} ms", time.as_secs_f64() * 1e3)
    } else {
        format!("{:.2} s", time.as_secs_f64())
    }
}

fn row<C: TimedCell>(count: usize, rate: u32) {
    let outcome: Outcome = run::<C>(count, rate, GRACE);
    println!(
        "| {} | {rate}/s | {count} | {} | {} | {} | {} |",
        C::NAME,
        show(outcome.percentile(50)),
        show(outcome.percentile(99)),
        show(outcome.max()),
        outcome.lost,
    );
}

fn main() {
    let _start = now_ns();
    let (fast, slow) = counts();
    println!(
        "time to free (from the later of the retirement and the last guard's drop to the drop), barrier mode {:?}",
        hazptr::barrier::mode()
    );
    println!(
        "{fast} replacements at {FAST_RATE}/s and {slow} at {SLOW_RATE}/s, one reader holding each guard 1–10 µs; \
         then the writer idles {GRACE:?}: lost = retired values not dropped by its end"
    );
    println!();
    println!("| contender | rate | replacements | p50 | p99 | max | lost |");
    println!("|---|---|---|---|---|---|---|");
    for (count, rate) in [(fast, FAST_RATE), (slow, SLOW_RATE)] {
        row::<Hazptr<true>>(count, rate);
        row::<Hazptr<false>>(count, rate);
        row::<Haphazard>(count, rate);
        row::<ArcSwapCell>(count, rate);
        row::<EpochCell>(count, rate);
        row::<SeizeCell>(count, rate);
    }
}
