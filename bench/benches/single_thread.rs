//! Workloads 1 and 7 in detail: one thread, protected load + deref + release, swap + retire, and
//! three fields read together.
//!
//! `cargo bench -p hazptr-bench --bench single_thread`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hazptr_bench::contenders::{
    ArcSwapCell, Contender, EpochCell, HazptrDerive, HazptrMacro, RawNewHazard, RawReusedHazard,
    Reader, RwLockCell, SeizeCell,
};
use hazptr_bench::payload::Payload;
use hazptr_bench::three_fields::{ArcSwapFields, OneProtectedBlock, ThreeFields, ThreeGuards};

fn load<C: Contender>(c: &mut Criterion) {
    let cell = C::new(Payload::new(1));
    let mut reader = cell.reader();
    c.benchmark_group("load")
        .bench_function(C::NAME, |b| b.iter(|| black_box(reader.read())));
}

fn swap<C: Contender>(c: &mut Criterion) {
    let cell = C::new(Payload::new(1));
    let mut next = 0;
    c.benchmark_group("swap_and_retire")
        .bench_function(C::NAME, |b| {
            b.iter(|| {
                next += 1;
                cell.replace(Payload::new(black_box(next)));
            });
        });
    cell.reclaim();
}

fn three_fields<S: ThreeFields>(c: &mut Criterion) {
    let fields = S::new();
    c.benchmark_group("three_fields")
        .bench_function(S::NAME, |b| b.iter(|| black_box(fields.read_all())));
}

fn loads(c: &mut Criterion) {
    load::<HazptrDerive>(c);
    load::<HazptrMacro>(c);
    load::<RawReusedHazard>(c);
    load::<RawNewHazard>(c);
    load::<ArcSwapCell>(c);
    load::<EpochCell>(c);
    load::<SeizeCell>(c);
    load::<RwLockCell>(c);
}

fn swaps(c: &mut Criterion) {
    swap::<HazptrDerive>(c);
    swap::<RawReusedHazard>(c);
    swap::<ArcSwapCell>(c);
    swap::<EpochCell>(c);
    swap::<SeizeCell>(c);
    swap::<RwLockCell>(c);
}

fn fields(c: &mut Criterion) {
    three_fields::<OneProtectedBlock>(c);
    three_fields::<ThreeGuards>(c);
    three_fields::<ArcSwapFields>(c);
}

criterion_group!(benches, loads, swaps, fields);
criterion_main!(benches);
