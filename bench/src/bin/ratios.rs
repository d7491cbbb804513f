//! Runs a short version of every workload, every contender side by side, and prints the table of
//! `BENCHMARKS.md` with the goals of the benchmark issue marked PASS or MISS.
//!
//! `cargo run --release -p hazptr-bench --bin ratios` (about 50 seconds on 2 cores, after the build).
//! Each measurement is repeated; within a round the contenders run one after another, so slow
//! drift of the machine (other processes, frequency) hits them all alike. Tables give the median
//! and, in parentheses, the minimum and maximum over the rounds.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use hazptr_bench::contenders::{
    ArcSwapCell, Contender, EpochCell, HazptrDerive, HazptrMacro, RawNewHazard, RawReusedHazard,
    RwLockCell, SeizeCell,
};
use hazptr_bench::linked::{
    EpochListSet, ListSetLike, MapLike, RwLockMap, Stallable, TrackedKey, filled_list, map_mops,
    ns_per_node_visited, stalled_list,
};
use hazptr_bench::ordinary::{self, ns_per_call};
use hazptr_bench::payload::Payload;
use hazptr_bench::stacks::{EpochStack, SeizeStack, Stack, pairs_mops};
use hazptr_bench::stats::Summary;
use hazptr_bench::three_fields::{
    ArcSwapFields, OneProtectedBlock, ThreeFields, ThreeGuards, ns_per_read_all,
};
use hazptr_bench::workloads::{
    Contended, Writer, contended, ns_per_read, ns_per_replace, stalled_reader,
};
use hazptr_suite::hash_map::HashMap as HazptrMap;
use hazptr_suite::list_set::ListSet;
use hazptr_suite::treiber::TreiberStack;

/// Rounds of the single-thread workloads (1 and 7).
const ROUNDS: usize = 11;
/// Rounds of the multi-threaded workloads (2, 3, 4, 6).
const THREADED_ROUNDS: usize = 7;
/// Rounds of the stalled-reader workload (5).
const STALLED_ROUNDS: usize = 3;
/// Reads per single-thread measurement.
const READS: u64 = 400_000;
/// Swaps per single-thread measurement.
const SWAPS: u64 = 40_000;
/// How long one multi-threaded measurement runs.
const RUN: Duration = Duration::from_millis(120);
/// Rounds of the readers-with-a-writer rows of workload 2.
const WRITER_ROUNDS: usize = 5;
/// How long one readers-with-a-writer measurement of workload 2 runs.
const WRITER_RUN: Duration = Duration::from_millis(100);
/// Reader counts of the readers-with-a-writer rows of workload 2.
const WRITER_READERS: [usize; 2] = [1, 4];
/// Swaps done while a reader stalls (workload 5).
const STALLED_SWAPS: u64 = 1_000_000;
/// The most retired-but-unreclaimed payloads a hazard-pointer scheme may hold for its garbage to
/// count as bounded: twice haphazard's reclamation threshold, max(1000, 2 × hazard records),
/// which is 1000 with the few dozen hazard records these runs make.
const GARBAGE_BOUND: u64 = 2_000;

/// Lookups per measurement of workload 9 (about 500 nodes visited each).
const LIST_LOOKUPS: u64 = 4_000;
/// How long one measurement of workload 10 runs.
const MAP_RUN: Duration = Duration::from_millis(150);
/// Rounds of workload 10.
const MAP_ROUNDS: usize = 5;
/// Keys inserted and removed while a list reader stalls (workload 11).
const STALLED_REMOVALS: u64 = 1_000_000;

/// A named measurement, repeated.
type Sampler<'a, T> = (&'static str, Box<dyn FnMut() -> T + 'a>);

/// Runs every sampler once per round, in turn, for `rounds` rounds; the samples of each.
fn interleave<T>(rounds: usize, mut samplers: Vec<Sampler<'_, T>>) -> Vec<(&'static str, Vec<T>)> {
    let mut samples: Vec<Vec<T>> = samplers.iter().map(|_| Vec::new()).collect();
    for _ in 0..rounds {
        for ((_, sampler), samples) in samplers.iter_mut().zip(&mut samples) {
            samples.push(sampler());
        }
    }
    samplers
        .into_iter()
        .map(|(name, _)| name)
        .zip(samples)
        .collect()
}

fn read_sampler<C: Contender + 'static>() -> Sampler<'static, f64> {
    let cell = C::new(Payload::new(0));
    (C::NAME, Box::new(move || ns_per_read(&cell, READS)))
}

fn replace_sampler<C: Contender + 'static>() -> Sampler<'static, f64> {
    let cell = C::new(Payload::new(0));
    (
        C::NAME,
        Box::new(move || {
            let ns = ns_per_replace(&cell, SWAPS);
            // Leave no garbage for the next contender's measurement to reclaim.
            cell.reclaim();
            ns
        }),
    )
}

fn contended_sampler<C: Contender>(readers: usize, writer: Writer) -> Sampler<'static, Contended> {
    contended_sampler_for::<C>(readers, writer, RUN)
}

fn contended_sampler_for<C: Contender>(
    readers: usize,
    writer: Writer,
    run: Duration,
) -> Sampler<'static, Contended> {
    (
        C::NAME,
        Box::new(move || contended::<C>(readers, writer, run)),
    )
}

/// Every contender of the two-reader row, `readers` of them reading while one thread replaces
/// the value as fast as it can.
fn with_writer_samplers(readers: usize) -> Vec<Sampler<'static, Contended>> {
    let writer = Writer::Unthrottled;
    vec![
        contended_sampler_for::<HazptrDerive>(readers, writer, WRITER_RUN),
        contended_sampler_for::<HazptrMacro>(readers, writer, WRITER_RUN),
        contended_sampler_for::<RawReusedHazard>(readers, writer, WRITER_RUN),
        contended_sampler_for::<RawNewHazard>(readers, writer, WRITER_RUN),
        contended_sampler_for::<ArcSwapCell>(readers, writer, WRITER_RUN),
        contended_sampler_for::<EpochCell>(readers, writer, WRITER_RUN),
        contended_sampler_for::<SeizeCell>(readers, writer, WRITER_RUN),
        contended_sampler_for::<RwLockCell>(readers, writer, WRITER_RUN),
    ]
}

/// The read called from ordinary code ([`ordinary`]): one sampler per contender.
fn ordinary_samplers() -> Vec<Sampler<'static, f64>> {
    ordinary::READS
        .iter()
        .map(|contender| {
            let mut read = (contender.make)();
            let sampler: Box<dyn FnMut() -> f64> = Box::new(move || ns_per_call(&mut *read, READS));
            (contender.name, sampler)
        })
        .collect()
}

fn three_fields_sampler<S: ThreeFields + 'static>() -> Sampler<'static, f64> {
    let fields = S::new();
    (
        S::NAME,
        Box::new(move || ns_per_read_all(&fields, READS / 3)),
    )
}

fn stack_sampler<S: Stack>(threads: usize) -> Sampler<'static, f64> {
    (S::NAME, Box::new(move || pairs_mops::<S>(threads, RUN)))
}

/// The samples named `name`.
fn find<'a, T>(results: &'a [(&'static str, Vec<T>)], name: &str) -> &'a [T] {
    &results
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no results for {name}"))
        .1
}

/// The report being built.
#[derive(Default)]
struct Report {
    text: String,
    goals: Vec<(String, Summary, String, bool)>,
    infos: Vec<(String, Summary)>,
}

impl Report {
    fn heading(&mut self, heading: &str) {
        let _ = write!(self.text, "\n{heading}\n");
    }

    fn row(&mut self, name: &str, cells: &[String]) {
        let _ = write!(self.text, "  {name:<38}");
        for cell in cells {
            let _ = write!(self.text, " {cell:>24}");
        }
        self.text.push('\n');
    }

    fn table(&mut self, results: &[(&'static str, Vec<f64>)]) {
        for (name, samples) in results {
            self.row(name, &[Summary::of(samples).to_string()]);
        }
    }

    /// A table of contended runs: the readers' reads, the writer's swaps, the peak garbage.
    fn contended_table(&mut self, results: &[(&'static str, Vec<Contended>)]) {
        self.row(
            "",
            &[
                "M reads/s (all readers)".to_owned(),
                "k swaps/s (writer)".to_owned(),
                "peak unreclaimed".to_owned(),
            ],
        );
        for (name, runs) in results {
            let column =
                |f: fn(&Contended) -> f64| Summary::of(&runs.iter().map(f).collect::<Vec<_>>());
            #[allow(clippy::cast_precision_loss)]
            let peak = column(|run| run.peak_unreclaimed as f64);
            self.row(
                name,
                &[
                    column(|run| run.reads_mops).to_string(),
                    column(|run| run.swaps_per_sec / 1e3).to_string(),
                    peak.to_string(),
                ],
            );
        }
    }

    fn info(&mut self, what: impl Into<String>, value: Summary) {
        self.infos.push((what.into(), value));
    }

    fn goal(&mut self, what: impl Into<String>, value: Summary, target: &str, pass: bool) {
        self.goals
            .push((what.into(), value, target.to_owned(), pass));
    }
}

#[allow(clippy::too_many_lines)]
fn main() {
    let started = Instant::now();
    let mut report = Report::default();
    let _ = writeln!(
        report.text,
        "hazptr-bench ratios: {}; median (min–max) over {ROUNDS} rounds \
         ({THREADED_ROUNDS} for threaded workloads), contenders interleaved in each round; \
         hazptr barrier: {:?} (HAZPTR_BARRIER=fallback for the other)",
        hazptr_bench::machine::description(),
        hazptr::barrier::mode()
    );

    // `ratios linked` runs workloads 9–11 alone.
    let only_linked = std::env::args().nth(1).is_some_and(|arg| arg == "linked");
    if !only_linked {
        other_workloads(&mut report);
    }
    linked_workloads(&mut report);

    let mut text = report.text;
    text.push_str(
        "\nGoals (per-round ratios: median (min–max); garbage: median (min–max) of peaks)\n",
    );
    let mut missed = 0;
    for (what, value, target, pass) in &report.goals {
        let verdict = if *pass { "PASS" } else { "MISS" };
        missed += usize::from(!pass);
        let _ = writeln!(
            text,
            "  {what:<72} {:>22}  {target:<8} {verdict}",
            value.to_string()
        );
    }
    for (what, value) in &report.infos {
        let _ = writeln!(text, "  {what:<72} {:>22}  info", value.to_string());
    }
    let _ = writeln!(
        text,
        "\n{} of {} goals met; ran in {:.0} s",
        report.goals.len() - missed,
        report.goals.len(),
        started.elapsed().as_secs_f64()
    );
    print!("{text}");
}

/// Workloads 1–8.
#[allow(clippy::too_many_lines)]
fn other_workloads(report: &mut Report) {
    // 1. One thread.
    report.heading("1. One thread: protected load + deref + release (ns/op, lower is better)");
    let reads = interleave(
        ROUNDS,
        vec![
            read_sampler::<HazptrDerive>(),
            read_sampler::<HazptrMacro>(),
            read_sampler::<RawReusedHazard>(),
            read_sampler::<RawNewHazard>(),
            read_sampler::<ArcSwapCell>(),
            read_sampler::<EpochCell>(),
            read_sampler::<SeizeCell>(),
            read_sampler::<RwLockCell>(),
        ],
    );
    report.table(&reads);
    report.heading("1. One thread: swap + retire (ns/op, lower is better)");
    let swaps = interleave(
        ROUNDS,
        vec![
            replace_sampler::<HazptrDerive>(),
            replace_sampler::<RawReusedHazard>(),
            replace_sampler::<ArcSwapCell>(),
            replace_sampler::<EpochCell>(),
            replace_sampler::<SeizeCell>(),
            replace_sampler::<RwLockCell>(),
        ],
    );
    report.table(&swaps);

    let derive = find(&reads, HazptrDerive::NAME);
    let by_macro = find(&reads, HazptrMacro::NAME);
    let reused = find(&reads, RawReusedHazard::NAME);
    let new_hp = find(&reads, RawNewHazard::NAME);
    let r = Summary::of_ratios(derive, reused);
    report.goal(
        "generated load / haphazard reused-HP load",
        r,
        "≤ 1.15",
        r.median <= 1.15,
    );
    let r = Summary::of_ratios(by_macro, reused);
    report.goal(
        "protected! load / haphazard reused-HP load",
        r,
        "≤ 1.15",
        r.median <= 1.15,
    );
    let r = Summary::of_ratios(
        find(&swaps, HazptrDerive::NAME),
        find(&swaps, RawReusedHazard::NAME),
    );
    report.goal(
        "swap_and_retire / haphazard swap + retire",
        r,
        "≤ 1.15",
        r.median <= 1.15,
    );
    // Issue 12: with the asymmetric barrier, a read well below crossbeam-epoch's pin + load.
    for (name, hazptr) in [("generated", derive), ("protected!", by_macro)] {
        let r = Summary::of_ratios(hazptr, find(&reads, EpochCell::NAME));
        report.goal(
            format!("{name} load / crossbeam-epoch pin + load"),
            r,
            "≤ 0.7",
            r.median <= 0.7,
        );
    }
    // Not a goal: what raw haphazard itself gains from reusing its hazard pointer, the most any
    // layer over it can gain over a new hazard pointer per read.
    let r = Summary::of_ratios(new_hp, reused);
    report.info("(ceiling) haphazard new-HP load / reused-HP load", r);
    let r = Summary::of_ratios(new_hp, derive);
    report.goal(
        "haphazard new-HP load / generated load",
        r,
        "≥ 3",
        r.median >= 3.0,
    );
    let r = Summary::of_ratios(new_hp, by_macro);
    report.goal(
        "haphazard new-HP load / protected! load",
        r,
        "≥ 3",
        r.median >= 3.0,
    );
    for other in [ArcSwapCell::NAME, EpochCell::NAME, SeizeCell::NAME] {
        let r = Summary::of_ratios(find(&reads, other), derive);
        report.goal(
            format!("1 thread: {other} load / hazptr load"),
            r,
            "> 1",
            r.median > 1.0,
        );
    }

    // 2. Two readers.
    report.heading("2. Two readers, no writer (M reads/s, all readers, higher is better)");
    let two = interleave(
        THREADED_ROUNDS,
        vec![
            contended_sampler::<HazptrDerive>(2, Writer::None),
            contended_sampler::<HazptrMacro>(2, Writer::None),
            contended_sampler::<RawReusedHazard>(2, Writer::None),
            contended_sampler::<RawNewHazard>(2, Writer::None),
            contended_sampler::<ArcSwapCell>(2, Writer::None),
            contended_sampler::<EpochCell>(2, Writer::None),
            contended_sampler::<SeizeCell>(2, Writer::None),
            contended_sampler::<RwLockCell>(2, Writer::None),
        ],
    );
    let two: Vec<(&str, Vec<f64>)> = two
        .into_iter()
        .map(|(name, runs)| (name, runs.iter().map(|run| run.reads_mops).collect()))
        .collect();
    report.table(&two);
    let derive = find(&two, HazptrDerive::NAME);
    for other in [ArcSwapCell::NAME, EpochCell::NAME, SeizeCell::NAME] {
        let r = Summary::of_ratios(derive, find(&two, other));
        report.goal(
            format!("2 readers: hazptr reads / {other} reads"),
            r,
            "> 1",
            r.median > 1.0,
        );
    }

    // 2, with a writer: the same contenders, readers and one unthrottled writer.
    for readers in WRITER_READERS {
        let label = format!("{readers}R+1W");
        report.heading(&format!(
            "2. {readers} reader{} + 1 writer, unthrottled ({label}; {WRITER_ROUNDS} rounds of \
             {} ms; reads: all readers, higher is better)",
            if readers == 1 { "" } else { "s" },
            WRITER_RUN.as_millis()
        ));
        let runs = interleave(WRITER_ROUNDS, with_writer_samplers(readers));
        report.contended_table(&runs);
        let reads = |name: &str| -> Vec<f64> {
            find(&runs, name).iter().map(|run| run.reads_mops).collect()
        };
        let derive = reads(HazptrDerive::NAME);
        for other in [ArcSwapCell::NAME, EpochCell::NAME, SeizeCell::NAME] {
            report.info(
                format!("{label}: hazptr reads / {other} reads"),
                Summary::of_ratios(&derive, &reads(other)),
            );
        }
    }

    // 3 and 4. Readers and a writer.
    let scenarios = [
        (
            "3. 1 reader + 1 writer at 1k swaps/s",
            1,
            Writer::PerSecond(1_000),
        ),
        (
            "3. 1 reader + 1 writer at 10k swaps/s",
            1,
            Writer::PerSecond(10_000),
        ),
        (
            "3. 1 reader + 1 writer at 100k swaps/s",
            1,
            Writer::PerSecond(100_000),
        ),
        (
            "3. 1 reader + 1 writer, unthrottled",
            1,
            Writer::Unthrottled,
        ),
        (
            "4. Oversubscribed: 3 readers + 1 writer, unthrottled",
            3,
            Writer::Unthrottled,
        ),
    ];
    for (title, readers, writer) in scenarios {
        report.heading(title);
        let runs = interleave(
            THREADED_ROUNDS,
            vec![
                contended_sampler::<HazptrDerive>(readers, writer),
                contended_sampler::<RawReusedHazard>(readers, writer),
                contended_sampler::<ArcSwapCell>(readers, writer),
                contended_sampler::<EpochCell>(readers, writer),
                contended_sampler::<SeizeCell>(readers, writer),
                contended_sampler::<RwLockCell>(readers, writer),
            ],
        );
        report.contended_table(&runs);
        #[allow(clippy::cast_precision_loss)]
        let peaks = |name: &str| -> Vec<f64> {
            find(&runs, name)
                .iter()
                .map(|run| run.peak_unreclaimed as f64)
                .collect()
        };
        let short = title.split(':').next().unwrap_or(title);
        garbage_goal(
            report,
            &short.replace("1 reader + 1 writer", "1R+1W"),
            &peaks(HazptrDerive::NAME),
            &peaks(EpochCell::NAME),
            &peaks(SeizeCell::NAME),
        );
    }

    // 5. Stalled reader.
    report.heading(&format!(
        "5. Stalled reader: one thread holds a protection during {STALLED_SWAPS} swaps \
         (peak unreclaimed payloads)"
    ));
    let stalled = interleave(
        STALLED_ROUNDS,
        vec![
            stalled_sampler::<HazptrDerive>(),
            stalled_sampler::<RawReusedHazard>(),
            stalled_sampler::<ArcSwapCell>(),
            stalled_sampler::<EpochCell>(),
            stalled_sampler::<SeizeCell>(),
            stalled_sampler::<RwLockCell>(),
        ],
    );
    report.table(&stalled);
    garbage_goal(
        report,
        "5. stalled reader",
        find(&stalled, HazptrDerive::NAME),
        find(&stalled, EpochCell::NAME),
        find(&stalled, SeizeCell::NAME),
    );
    #[allow(clippy::cast_precision_loss)]
    let by_stats: Vec<f64> = (0..STALLED_ROUNDS)
        .map(|_| hazptr_bench::workloads::stalled_reader_by_stats(STALLED_SWAPS) as f64)
        .collect();
    report.info(
        "5. stalled reader: hazptr peak unfreed by Domain::stats() (every 64 swaps)".to_owned(),
        Summary::of(&by_stats),
    );

    // 6. Treiber stacks.
    for threads in [2, 4] {
        report.heading(&format!(
            "6. Treiber stack, {threads} threads each pushing then popping (M pairs/s, higher is better)"
        ));
        let pairs = interleave(THREADED_ROUNDS, treiber_samplers(threads));
        report.table(&pairs);
    }

    // 7. Three fields.
    report.heading("7. Three protected fields read together, one thread (ns per 3-field read)");
    let three = interleave(
        ROUNDS,
        vec![
            three_fields_sampler::<OneProtectedBlock>(),
            three_fields_sampler::<ThreeGuards>(),
            three_fields_sampler::<ArcSwapFields>(),
        ],
    );
    report.table(&three);

    // 8. The read of workload 1, called from ordinary code.
    report.heading(
        "8. One thread, the read called from ordinary code (a `dyn FnMut` closure called from a \
         non-generic loop; ns/op)",
    );
    let called = interleave(ROUNDS, ordinary_samplers());
    report.table(&called);
    let derive = find(&called, HazptrDerive::NAME);
    for other in [RawReusedHazard::NAME, EpochCell::NAME] {
        report.info(
            format!("8. ordinary caller: hazptr load / {other} load"),
            Summary::of_ratios(derive, find(&called, other)),
        );
    }
}

/// The bounded-garbage goal of one workload, with the epoch schemes' worst figures beside it.
fn garbage_goal(report: &mut Report, workload: &str, hazptr: &[f64], epoch: &[f64], seize: &[f64]) {
    let hazptr = Summary::of(hazptr);
    let (epoch, seize) = (Summary::of(epoch), Summary::of(seize));
    #[allow(clippy::cast_precision_loss)]
    let bound = GARBAGE_BOUND as f64;
    report.goal(
        format!(
            "{workload}: hazptr peak garbage (worst: epoch {:.0}, seize {:.0})",
            epoch.max, seize.max
        ),
        hazptr,
        &format!("≤ {GARBAGE_BOUND}"),
        hazptr.max <= bound,
    );
}

fn stalled_sampler<C: Contender>() -> Sampler<'static, f64> {
    #[allow(clippy::cast_precision_loss)]
    let sampler = move || stalled_reader::<C>(STALLED_SWAPS) as f64;
    (C::NAME, Box::new(sampler))
}

fn treiber_samplers(threads: usize) -> Vec<Sampler<'static, f64>> {
    vec![
        stack_sampler::<TreiberStack<u64>>(threads),
        stack_sampler::<EpochStack>(threads),
        stack_sampler::<SeizeStack>(threads),
    ]
}

/// Workloads 9–11: linked structures.
fn linked_workloads(report: &mut Report) {
    // 9. contains on a 1,000-key list.
    report.heading(&format!(
        "9. List set of {} keys, one thread: `contains` of a random present key \
         (ns per node visited, lower is better)",
        hazptr_bench::linked::LIST_KEYS
    ));
    let hazptr_list: ListSet<u64> = filled_list();
    let epoch_list: EpochListSet<u64> = filled_list();
    let visits = interleave(
        ROUNDS,
        vec![
            (
                <ListSet<u64> as ListSetLike<u64>>::NAME,
                Box::new(|| ns_per_node_visited(&hazptr_list, LIST_LOOKUPS)),
            ),
            (
                <EpochListSet<u64> as ListSetLike<u64>>::NAME,
                Box::new(|| ns_per_node_visited(&epoch_list, LIST_LOOKUPS)),
            ),
        ],
    );
    report.table(&visits);
    let per_node = Summary::of_ratios(
        find(&visits, <ListSet<u64> as ListSetLike<u64>>::NAME),
        find(&visits, <EpochListSet<u64> as ListSetLike<u64>>::NAME),
    );
    report.goal(
        "9. list contains: hazptr / crossbeam-epoch, ns per node visited",
        per_node,
        "≤ 1.5",
        per_node.median <= 1.5,
    );

    // 10. Hash map, read-mostly mix.
    for threads in [2, 4] {
        report.heading(&format!(
            "10. Hash map of {} keys, {threads} threads, 90% get / 5% insert / 5% remove \
             (M ops/s, higher is better)",
            hazptr_bench::linked::MAP_KEYS
        ));
        let mops = interleave(
            MAP_ROUNDS,
            vec![
                map_sampler::<HazptrMap<u64, u64>>(threads),
                map_sampler::<dashmap::DashMap<u64, u64>>(threads),
                map_sampler::<RwLockMap>(threads),
            ],
        );
        report.table(&mops);
        let versus = Summary::of_ratios(
            find(&mops, <HazptrMap<u64, u64> as MapLike>::NAME),
            find(&mops, <dashmap::DashMap<u64, u64> as MapLike>::NAME),
        );
        if threads == 2 {
            report.goal(
                "10. hash map, 2 threads: hazptr / dashmap throughput",
                versus,
                "> 1.0",
                versus.median > 1.0,
            );
        } else {
            report.info(
                format!("10. hash map, {threads} threads: hazptr / dashmap throughput"),
                versus,
            );
        }
    }

    // 11. Stalled list reader.
    report.heading(&format!(
        "11. Stalled list reader: one thread protects a node during {STALLED_REMOVALS} \
         insert + remove pairs (peak removed keys not yet dropped)"
    ));
    let stalled = interleave(
        STALLED_ROUNDS,
        vec![
            stalled_list_sampler::<ListSet<TrackedKey>>(),
            stalled_list_sampler::<EpochListSet<TrackedKey>>(),
        ],
    );
    report.table(&stalled);
    let peak = Summary::of(find(
        &stalled,
        <ListSet<TrackedKey> as ListSetLike<TrackedKey>>::NAME,
    ));
    #[allow(clippy::cast_precision_loss)]
    let bound = GARBAGE_BOUND as f64;
    report.goal(
        format!(
            "11. stalled list reader: hazptr peak garbage (epoch: {:.0})",
            Summary::of(find(
                &stalled,
                <EpochListSet<TrackedKey> as ListSetLike<TrackedKey>>::NAME
            ))
            .max
        ),
        peak,
        &format!("≤ {GARBAGE_BOUND}"),
        peak.max <= bound,
    );
}

fn map_sampler<M: MapLike + 'static>(threads: usize) -> Sampler<'static, f64> {
    (M::NAME, Box::new(move || map_mops::<M>(threads, MAP_RUN)))
}

fn stalled_list_sampler<S: Stallable + 'static>() -> Sampler<'static, f64> {
    #[allow(clippy::cast_precision_loss)]
    let sampler = move || stalled_list::<S>(STALLED_REMOVALS) as f64;
    (S::NAME, Box::new(sampler))
}
