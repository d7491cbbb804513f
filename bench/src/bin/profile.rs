//! Runs one contender's single-thread read or swap loop, for a profiler.
//!
//! `valgrind --tool=callgrind target/release/profile read hazptr-derive 1000000` counts the
//! instructions of one million reads (divide the inclusive count of `ns_per_read` by the count).
//! Contenders: hazptr-derive, hazptr-macro, raw-reused, raw-new, arc-swap, epoch, seize, rwlock,
//! and for `fields`: protected-block, three-guards, arc-swap. `ordinary` runs the read called
//! from ordinary code ([`hazptr_bench::ordinary`]; the inclusive count of `ns_per_call`) for
//! hazptr-derive, hazptr-macro, raw-reused, epoch, seize, arc-swap and plain.

use hazptr_bench::contenders::{
    ArcSwapCell, Contender, EpochCell, HazptrDerive, HazptrMacro, RawNewHazard, RawReusedHazard,
    RwLockCell, SeizeCell,
};
use hazptr_bench::ordinary;
use hazptr_bench::payload::Payload;
use hazptr_bench::three_fields::{
    ArcSwapFields, OneProtectedBlock, ThreeFields, ThreeGuards, ns_per_read_all,
};
use hazptr_bench::workloads::{ns_per_read, ns_per_replace};

fn run<C: Contender>(what: &str, count: u64) -> f64 {
    let cell = C::new(Payload::new(0));
    match what {
        "read" => ns_per_read(&cell, count),
        "swap" => ns_per_replace(&cell, count),
        _ => usage(),
    }
}

fn run_fields<S: ThreeFields>(count: u64) -> f64 {
    ns_per_read_all(&S::new(), count)
}

fn usage() -> ! {
    eprintln!(
        "usage: profile read|swap|fields|ordinary CONTENDER [COUNT] (see the source for names)"
    );
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [what, contender, rest @ ..] = args.as_slice() else {
        usage()
    };
    let count = rest
        .first()
        .map_or(Ok(1_000_000), |count| count.parse())
        .unwrap_or_else(|_| usage());
    let ns = match (what.as_str(), contender.as_str()) {
        ("ordinary", key) => {
            let contender = ordinary::READS
                .iter()
                .find(|contender| contender.key == key)
                .unwrap_or_else(|| usage());
            ordinary::ns_per_call(&mut *(contender.make)(), count)
        }
        ("fields", "protected-block") => run_fields::<OneProtectedBlock>(count),
        ("fields", "three-guards") => run_fields::<ThreeGuards>(count),
        ("fields", "arc-swap") => run_fields::<ArcSwapFields>(count),
        (_, "hazptr-derive") => run::<HazptrDerive>(what, count),
        (_, "hazptr-macro") => run::<HazptrMacro>(what, count),
        (_, "raw-reused") => run::<RawReusedHazard>(what, count),
        (_, "raw-new") => run::<RawNewHazard>(what, count),
        (_, "arc-swap") => run::<ArcSwapCell>(what, count),
        (_, "epoch") => run::<EpochCell>(what, count),
        (_, "seize") => run::<SeizeCell>(what, count),
        (_, "rwlock") => run::<RwLockCell>(what, count),
        _ => usage(),
    };
    println!("{what} {contender}: {ns:.2} ns/op over {count}");
}
