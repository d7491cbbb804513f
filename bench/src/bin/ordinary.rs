//! The one-thread protected read under two harnesses, side by side: called through a
//! `dyn FnMut` from an ordinary loop, as user code calls a library ([`hazptr_bench::ordinary`]),
//! and inlined into a loop monomorphised for the contender, as in `ratios`
//! ([`hazptr_bench::workloads::ns_per_read`]).
//!
//! `cargo run --release -p hazptr-bench --bin ordinary` (a few seconds after the build). In each
//! round every contender is measured once under each harness, one after another; the table gives
//! the median and, in parentheses, the minimum and maximum over the rounds, and the ratios are
//! taken per round.

use std::fmt::Write as _;

use hazptr_bench::contenders::{
    ArcSwapCell, Contender, EpochCell, HazptrDerive, HazptrMacro, RawReusedHazard, SeizeCell,
};
use hazptr_bench::ordinary::{self, ns_per_call};
use hazptr_bench::payload::Payload;
use hazptr_bench::stats::Summary;
use hazptr_bench::workloads::ns_per_read;

/// Rounds; each measures every contender once under each harness.
const ROUNDS: usize = 21;
/// Reads per measurement.
const CALLS: u64 = 400_000;

/// One measurement, repeated.
type Sampler = Box<dyn FnMut() -> f64>;

fn inlined<C: Contender + 'static>() -> Sampler {
    let cell = C::new(Payload::new(0));
    Box::new(move || ns_per_read(&cell, CALLS))
}

/// The inlined-harness sampler of the contender with this `profile` key (none for the plain
/// reference row).
fn inlined_sampler(key: &str) -> Option<Sampler> {
    Some(match key {
        "hazptr-derive" => inlined::<HazptrDerive>(),
        "hazptr-macro" => inlined::<HazptrMacro>(),
        "raw-reused" => inlined::<RawReusedHazard>(),
        "epoch" => inlined::<EpochCell>(),
        "seize" => inlined::<SeizeCell>(),
        "arc-swap" => inlined::<ArcSwapCell>(),
        _ => return None,
    })
}

/// A contender's samples under both harnesses.
struct Row {
    name: &'static str,
    ordinary: Vec<f64>,
    inlined: Vec<f64>,
}

fn main() {
    let mut samplers: Vec<(&'static str, Sampler, Option<Sampler>)> = ordinary::READS
        .iter()
        .map(|contender| {
            let mut read = (contender.make)();
            let ordinary: Sampler = Box::new(move || ns_per_call(&mut *read, CALLS));
            (contender.name, ordinary, inlined_sampler(contender.key))
        })
        .collect();
    let mut rows: Vec<Row> = samplers
        .iter()
        .map(|(name, ..)| Row {
            name,
            ordinary: Vec::new(),
            inlined: Vec::new(),
        })
        .collect();
    for _ in 0..ROUNDS {
        for ((_, ordinary, inlined), row) in samplers.iter_mut().zip(&mut rows) {
            row.ordinary.push(ordinary());
            if let Some(inlined) = inlined {
                row.inlined.push(inlined());
            }
        }
    }

    let mut text = String::new();
    let _ = writeln!(
        text,
        "hazptr-bench ordinary: {}; median (min–max) over {ROUNDS} rounds, contenders and \
         harnesses interleaved in each round",
        hazptr_bench::machine::description()
    );
    let _ = writeln!(
        text,
        "\nOne thread: protected load + deref + release (ns/op, lower is better)"
    );
    let _ = writeln!(
        text,
        "  {:<32} {:>24} {:>24}",
        "", "ordinary caller (dyn)", "inlined (ratios loop)"
    );
    for row in &rows {
        let inlined = if row.inlined.is_empty() {
            "—".to_owned()
        } else {
            Summary::of(&row.inlined).to_string()
        };
        let _ = writeln!(
            text,
            "  {:<32} {:>24} {inlined:>24}",
            row.name,
            Summary::of(&row.ordinary).to_string()
        );
    }

    let find = |name: &str| {
        rows.iter()
            .find(|row| row.name == name)
            .unwrap_or_else(|| panic!("no row {name}"))
    };
    let _ = writeln!(text, "\nRatios (per round: median (min–max))");
    let _ = writeln!(
        text,
        "  {:<52} {:>22} {:>22}",
        "", "ordinary caller", "inlined"
    );
    for (numerator, denominator) in [
        (HazptrDerive::NAME, RawReusedHazard::NAME),
        (HazptrMacro::NAME, RawReusedHazard::NAME),
        (HazptrDerive::NAME, EpochCell::NAME),
        (HazptrDerive::NAME, SeizeCell::NAME),
        (HazptrDerive::NAME, ArcSwapCell::NAME),
    ] {
        let (n, d) = (find(numerator), find(denominator));
        let _ = writeln!(
            text,
            "  {:<52} {:>22} {:>22}",
            format!("{numerator} / {denominator}"),
            Summary::of_ratios(&n.ordinary, &d.ordinary).to_string(),
            Summary::of_ratios(&n.inlined, &d.inlined).to_string()
        );
    }
    print!("{text}");
}
