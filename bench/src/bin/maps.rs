//! Concurrent hash maps side by side, in one run (issue 19): conc-map-bench's mixes (read-heavy,
//! exchange, rapid-grow) at 1, 2 and 4 threads, throughput and sampled latency, ratios to papaya
//! and to dashmap per round; then the garbage behind a stalled reader. The workload and its
//! rules are in the docs of `hazptr_bench::maps`.
//!
//! `cargo run --release -p hazptr-bench --bin maps [--quick] [read_heavy|exchange|rapid_grow|garbage …]`
//!
//! With no filter every table is printed; `--quick` makes the maps 16 times smaller and runs fewer
//! rounds, for a check while developing.

use hazptr_bench::machine;
use hazptr_bench::maps::{
    self, ConcurrentMap, GARBAGE_KEYS, MIXES, Mix, RwLockMap, SAMPLE_EVERY, Workload,
};
use hazptr_bench::payload::Payload;
use hazptr_bench::stats::Summary;

/// What one round of one contender gives.
type Sampler = fn(&Workload) -> maps::Run;

/// The contenders of the throughput tables, in the order printed; the ratio columns divide by
/// the rows named [`PAPAYA`] and [`DASHMAP`].
fn contenders() -> Vec<(&'static str, Sampler)> {
    fn entry<M: ConcurrentMap<u64>>() -> (&'static str, Sampler) {
        (M::NAME, maps::run::<M>)
    }
    vec![
        entry::<hazptr::collections::HashMap<u64, u64>>(),
        entry::<hazptr_suite::hash_map::HashMap<u64, u64>>(),
        entry::<papaya::HashMap<u64, u64>>(),
        entry::<dashmap::DashMap<u64, u64>>(),
        entry::<scc::HashMap<u64, u64>>(),
        entry::<flurry::HashMap<u64, u64>>(),
        entry::<RwLockMap<u64>>(),
    ]
}

const PAPAYA: &str = "papaya";
const DASHMAP: &str = "dashmap";

/// The garbage runs: name, what the stalled reader holds, and the run.
type GarbageRun = (
    &'static str,
    Option<&'static str>,
    fn(u64) -> Option<maps::Garbage>,
);

fn garbage_contenders() -> Vec<GarbageRun> {
    fn entry<M: ConcurrentMap<Payload>>() -> GarbageRun {
        (M::NAME, M::HOLD, maps::stalled_reader_garbage::<M>)
    }
    vec![
        entry::<hazptr::collections::HashMap<u64, Payload>>(),
        entry::<hazptr_suite::hash_map::HashMap<u64, Payload>>(),
        entry::<papaya::HashMap<u64, Payload>>(),
        entry::<dashmap::DashMap<u64, Payload>>(),
        entry::<scc::HashMap<u64, Payload>>(),
        entry::<flurry::HashMap<u64, Payload>>(),
        entry::<RwLockMap<Payload>>(),
    ]
}

/// The sizes of a run.
struct Plan {
    capacity_log2: u32,
    rounds: usize,
    garbage_pairs: u64,
    garbage_rounds: usize,
}

const FULL: Plan = Plan {
    capacity_log2: 20,
    rounds: 5,
    garbage_pairs: 1_000_000,
    garbage_rounds: 3,
};

const QUICK: Plan = Plan {
    capacity_log2: 16,
    rounds: 2,
    garbage_pairs: 100_000,
    garbage_rounds: 1,
};

const SEED: u64 = 0x1905_2026;

/// The per-round results of one contender in one table.
#[derive(Default)]
struct Rounds {
    mops: Vec<f64>,
    p50: Vec<f64>,
    p99: Vec<f64>,
}

/// The goal lines gathered while the tables print: (what, median ratio, target, met).
type Goals = Vec<(String, f64, &'static str, bool)>;

fn table(mix: Mix, threads: usize, plan: &Plan, goals: &mut Goals) {
    let workload = Workload::new(mix, threads, plan.capacity_log2, SEED);
    let contenders = contenders();
    let mut rounds: Vec<Rounds> = contenders.iter().map(|_| Rounds::default()).collect();
    for _ in 0..plan.rounds {
        for ((_, sample), these) in contenders.iter().zip(&mut rounds) {
            let run = sample(&workload);
            these.mops.push(run.mops);
            these.p50.push(run.p50_ns);
            these.p99.push(run.p99_ns);
        }
    }
    let index = |name: &str| {
        contenders
            .iter()
            .position(|(n, _)| *n == name)
            .expect("reference contender present")
    };
    let (papaya, dashmap) = (index(PAPAYA), index(DASHMAP));
    let note = if threads > 2 {
        " (oversubscribed: 2 cores)"
    } else {
        ""
    };
    println!(
        "\n{} ({}% get, {}% insert, {}% remove, {}% update; {:.0}% of 2^{} prefilled), {threads} thread(s){note}",
        mix.name,
        mix.read,
        mix.insert,
        mix.remove,
        mix.update,
        mix.prefill * 100.0,
        plan.capacity_log2
    );
    println!(
        "  {:<38} {:>22} {:>16} {:>16} {:>18} {:>18}",
        "contender", "M ops/s", "p50 ns", "p99 ns", "this / papaya", "this / dashmap"
    );
    for ((name, _), these) in contenders.iter().zip(&rounds) {
        let to_papaya = Summary::of_ratios(&these.mops, &rounds[papaya].mops);
        let to_dashmap = Summary::of_ratios(&these.mops, &rounds[dashmap].mops);
        println!(
            "  {name:<38} {:>22} {:>16} {:>16} {:>18} {:>18}",
            Summary::of(&these.mops).to_string(),
            format!("{:.0}", Summary::of(&these.p50).median),
            format!("{:.0}", Summary::of(&these.p99).median),
            to_papaya.to_string(),
            to_dashmap.to_string()
        );
        if name.starts_with("hazptr") {
            if mix == maps::READ_HEAVY && threads <= 2 {
                goals.push((
                    format!("{name}, {}, {threads} thread(s), / papaya", mix.name),
                    to_papaya.median,
                    ">= 1",
                    to_papaya.median >= 1.0,
                ));
            }
            goals.push((
                format!("{name}, {}, {threads} thread(s), / dashmap", mix.name),
                to_dashmap.median,
                ">= 1",
                to_dashmap.median >= 1.0,
            ));
        }
    }
}

/// The summary of whole counts.
fn counts(of: impl Iterator<Item = u64>) -> Summary {
    #[allow(clippy::cast_precision_loss)]
    let samples: Vec<f64> = of.map(|n| n as f64).collect();
    Summary::of(&samples)
}

/// `median (min–max)` of whole counts, without decimals.
fn format_counts(s: Summary) -> String {
    format!("{:.0} ({:.0}–{:.0})", s.median, s.min, s.max)
}

fn garbage(plan: &Plan, goals: &mut Goals) {
    println!(
        "\nStalled reader: {GARBAGE_KEYS} keys; one thread holds the map's read protection for the whole run while another removes and re-inserts a key {} times; peak values alive beyond the map's entries (median (min–max) of {} rounds)",
        plan.garbage_pairs, plan.garbage_rounds
    );
    println!(
        "  {:<38} {:<22} {:>28} {:>30}",
        "contender", "the reader holds", "peak garbage (values)", "peak hazptr Domain unfreed"
    );
    for (name, hold, sample) in garbage_contenders() {
        let Some(hold) = hold else {
            println!(
                "  {name:<38} {:<22} {:>28}",
                "n/a", "n/a (no deferred reclamation; a held read guard blocks writers)"
            );
            continue;
        };
        let runs: Vec<maps::Garbage> = (0..plan.garbage_rounds)
            .map(|_| sample(plan.garbage_pairs).expect("defers reclamation"))
            .collect();
        let values = counts(runs.iter().map(|g| g.peak_values));
        let unfreed = if name.starts_with("hazptr") {
            format_counts(counts(runs.iter().map(|g| g.peak_unfreed)))
        } else {
            "(not hazptr's)".to_owned()
        };
        println!(
            "  {name:<38} {hold:<22} {:>28} {unfreed:>30}",
            format_counts(values)
        );
        if name.starts_with("hazptr") {
            goals.push((
                format!("{name}, stalled reader, peak garbage"),
                values.median,
                "<= 2000",
                values.median <= 2000.0,
            ));
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let filters: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |name: &str| filters.is_empty() || filters.contains(&name);
    let plan = if quick { QUICK } else { FULL };
    println!(
        "hazptr-bench maps{}: {}; hazptr barrier {:?}",
        if quick { " --quick" } else { "" },
        machine::description(),
        hazptr::barrier::mode()
    );
    println!(
        "median (min–max) over {} rounds, contenders in turn; ratios per round; maps made with capacity 2^{}, 2^{} operations per run; latency: one operation in {SAMPLE_EVERY} timed alone (one Instant::now() costs {:.0} ns here), p50/p99 are medians over rounds",
        plan.rounds,
        plan.capacity_log2,
        plan.capacity_log2,
        maps::timer_overhead_ns()
    );
    let mut goals = Goals::new();
    for mix in MIXES {
        if !wanted(mix.name) {
            continue;
        }
        for threads in [1, 2, 4] {
            table(mix, threads, &plan, &mut goals);
        }
    }
    if wanted("garbage") {
        garbage(&plan, &mut goals);
    }
    if !goals.is_empty() {
        // hazptr's growable map first, then the fixed-bucket one, each in the order measured.
        goals.sort_by_key(|(what, ..)| !what.starts_with("hazptr::collections"));
        println!("\nGoals (medians of per-round ratios)");
        for (what, value, target, met) in goals {
            println!(
                "  {what:<70} {value:>8.2} {target:>8}  {}",
                if met { "PASS" } else { "MISS" }
            );
        }
    }
}
