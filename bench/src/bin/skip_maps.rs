//! Ordered maps side by side in one run: `hazptr::collections::SkipMap`, crossbeam-skiplist's
//! `SkipMap`, scc's `TreeIndex` and `RwLock<BTreeMap>`, on 90/5/5 and 50/25/25 mixes (get /
//! insert / remove) at 1,000 and 100,000 keys, a range-scan mix, at 1, 2 and 4 threads; then the
//! peak garbage each keeps while one reader stalls. Medians (min–max) over rounds in which the
//! contenders take turns; ratios against crossbeam-skiplist per round (above 1: faster).
//!
//! `cargo run --release -p hazptr-bench --bin skip_maps`

use std::time::Duration;

use hazptr_bench::skip_maps::{LockedBTree, Mix, OrderedMap, SCAN, StallableMap, Tracked};
use hazptr_bench::skip_maps::{mix_mops, stalled_peak};
use hazptr_bench::stats::Summary;

const ROUNDS: usize = 5;
const RUN_FOR: Duration = Duration::from_millis(100);
const STALLED_OPERATIONS: u64 = 400_000;

type HazptrMap = hazptr::collections::SkipMap<u64, u64>;
type CrossbeamMap = crossbeam_skiplist::SkipMap<u64, u64>;
type SccTree = scc::TreeIndex<u64, u64>;

type Sampler = (&'static str, Box<dyn Fn() -> f64>);

fn sampler<M: OrderedMap<u64> + 'static>(mix: Mix, keys: u64, threads: usize) -> Sampler {
    (
        M::NAME,
        Box::new(move || mix_mops::<M>(mix, keys, threads, RUN_FOR)),
    )
}

/// Runs each sampler `ROUNDS` times, taking turns; prints medians and the ratio of each to
/// crossbeam-skiplist's (the second sampler) per round.
fn table(title: &str, samplers: &[Sampler]) {
    let mut samples = vec![Vec::new(); samplers.len()];
    for _ in 0..ROUNDS {
        for ((_, sample), samples) in samplers.iter().zip(&mut samples) {
            samples.push(sample());
        }
    }
    println!("\n{title}");
    println!(
        "  {:<28} {:>22} {:>28}",
        "contender", "M ops/s (higher better)", "this / crossbeam (per round)"
    );
    for ((name, _), these) in samplers.iter().zip(&samples) {
        println!(
            "  {name:<28} {:>22} {:>28}",
            Summary::of(these).to_string(),
            Summary::of_ratios(these, &samples[1]).to_string()
        );
    }
}

fn stalled<M: StallableMap>() -> String {
    let peaks: Vec<f64> = (0..3)
        .map(|_| {
            #[allow(clippy::cast_precision_loss)]
            let peak = stalled_peak::<M>(STALLED_OPERATIONS) as f64;
            peak
        })
        .collect();
    Summary::of(&peaks).to_string()
}

fn main() {
    println!(
        "hazptr-bench skip_maps: {} CPUs, hazptr barrier {:?}; median (min–max) over {ROUNDS} rounds of {} ms, contenders in turn",
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get),
        hazptr::barrier::mode(),
        RUN_FOR.as_millis()
    );
    let mixes = [
        (
            "90% get / 5% insert / 5% remove",
            Mix {
                get: 90,
                insert: 5,
                remove: 5,
                scan: 0,
            },
        ),
        (
            "50% get / 25% insert / 25% remove",
            Mix {
                get: 50,
                insert: 25,
                remove: 25,
                scan: 0,
            },
        ),
    ];
    for threads in [1, 2, 4] {
        let note = if threads == 4 {
            " (oversubscribed: 2 cores)"
        } else {
            ""
        };
        for keys in [1_000, 100_000] {
            for (name, mix) in mixes {
                table(
                    &format!("{name}, {keys} keys, {threads} threads{note}"),
                    &[
                        sampler::<HazptrMap>(mix, keys, threads),
                        sampler::<CrossbeamMap>(mix, keys, threads),
                        sampler::<SccTree>(mix, keys, threads),
                        sampler::<LockedBTree<u64>>(mix, keys, threads),
                    ],
                );
            }
        }
        let scan = Mix {
            get: 0,
            insert: 5,
            remove: 5,
            scan: 90,
        };
        table(
            &format!(
                "range scan: 90% read {SCAN} entries from a random key / 5% insert / 5% remove, 100000 keys, {threads} threads{note}"
            ),
            &[
                sampler::<HazptrMap>(scan, 100_000, threads),
                sampler::<CrossbeamMap>(scan, 100_000, threads),
                sampler::<SccTree>(scan, 100_000, threads),
                sampler::<LockedBTree<u64>>(scan, 100_000, threads),
            ],
        );
    }
    println!(
        "\nPeak garbage (values alive minus entries present) while one reader stalls, {STALLED_OPERATIONS} inserts/removes on 1,000 keys; median (min–max) of 3"
    );
    println!(
        "  {:<28} {:>22}",
        "hazptr SkipMap (entry held)",
        stalled::<hazptr::collections::SkipMap<u64, Tracked>>()
    );
    println!(
        "  {:<28} {:>22}",
        "crossbeam-skiplist (pinned)",
        stalled::<crossbeam_skiplist::SkipMap<u64, Tracked>>()
    );
    println!(
        "  {:<28} {:>22}",
        "scc TreeIndex (guard held)",
        stalled::<scc::TreeIndex<u64, Tracked>>()
    );
    println!("  {:<28} {:>22}", "RwLock<BTreeMap>", "n/a (frees at once)");
}
