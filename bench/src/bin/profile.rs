//! Runs one contender's single-thread read or swap loop, for a profiler.
//!
//! `valgrind --tool=callgrind target/release/profile read hazptr-derive 1000000` counts the
//! instructions of one million reads (divide the inclusive count of `ns_per_read` by the count).
//! Contenders: hazptr-derive, hazptr-macro, raw-reused, raw-new, arc-swap, epoch, seize, rwlock,
//! and for `fields`: protected-block, three-guards, arc-swap. `ordinary` runs the read called
//! from ordinary code ([`hazptr_bench::ordinary`]; the inclusive count of `ns_per_call`) for
//! hazptr-derive, hazptr-macro, raw-reused, epoch, seize, arc-swap and plain.
//!
//! The collections, one thread: `mapget`, `mapchurn`, `mapfill` and `mapiter` for hazptr,
//! papaya and dashmap (and `fixed`, the suite's fixed-bucket map, for `mapfill`); `mapinto` (a
//! filled map's `into_iter`, consumed, ns per entry) for hazptr, dashmap and std; `skipget`,
//! `skipchurn` and `skipscan` for hazptr and crossbeam; `MAP_LOG2=20 MAP_KEYS=absent
//! target/release/profile mapget hazptr 1000000`, say.

use hazptr_bench::contenders::{
    ArcSwapCell, Contender, EpochCell, HazptrDerive, HazptrMacro, RawNewHazard, RawReusedHazard,
    RwLockCell, SeizeCell,
};
use hazptr_bench::linked;
use hazptr_bench::maps::{ConcurrentMap, mix64};
use hazptr_bench::ordinary;
use hazptr_bench::payload::Payload;
use hazptr_bench::skip_maps::{OrderedMap, SCAN};
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

/// `contains` on the 1,000-key list, `count` lookups: ns per node visited.
fn list<S: linked::ListSetLike<u64>>(count: u64) -> f64 {
    linked::ns_per_node_visited(&linked::filled_list::<S>(), count)
}

/// The hash-map mix on two threads for `millis` ms: M ops/s.
fn map<M: linked::MapLike>(millis: u64) -> f64 {
    linked::map_mops::<M>(2, std::time::Duration::from_millis(millis))
}

fn run_fields<S: ThreeFields>(count: u64) -> f64 {
    ns_per_read_all(&S::new(), count)
}

fn usage() -> ! {
    eprintln!(
        "usage: profile read|swap|fields|ordinary|list|map|get|mapget|mapchurn|mapfill|mapiter|mapinto|skipget|skipchurn|skipscan CONTENDER [COUNT] (see the source for names)"
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
        ("list", "hazptr") => list::<hazptr_suite::list_set::ListSet<u64>>(count),
        ("list", "epoch") => list::<linked::EpochListSet<u64>>(count),
        // One thread, COUNT lookups in the 100,000-key map.
        ("get", "hazptr") => {
            linked::ns_per_map_get::<hazptr_suite::hash_map::HashMap<u64, u64>>(count)
        }
        ("get", "dashmap") => linked::ns_per_map_get::<dashmap::DashMap<u64, u64>>(count),
        // One thread; COUNT operations (see each function).
        ("mapget", "hazptr") => map_gets::<hazptr::collections::HashMap<u64, u64>>(count),
        ("mapget", "papaya") => map_gets::<papaya::HashMap<u64, u64>>(count),
        ("mapget", "dashmap") => map_gets::<dashmap::DashMap<u64, u64>>(count),
        ("mapchurn", "hazptr") => map_churn::<hazptr::collections::HashMap<u64, u64>>(count),
        ("mapchurn", "papaya") => map_churn::<papaya::HashMap<u64, u64>>(count),
        ("mapchurn", "dashmap") => map_churn::<dashmap::DashMap<u64, u64>>(count),
        ("mapfill", "hazptr") => map_fill::<hazptr::collections::HashMap<u64, u64>>(count),
        ("mapfill", "fixed") => map_fill::<hazptr_suite::hash_map::HashMap<u64, u64>>(count),
        ("mapfill", "papaya") => map_fill::<papaya::HashMap<u64, u64>>(count),
        ("mapfill", "dashmap") => map_fill::<dashmap::DashMap<u64, u64>>(count),
        ("mapiter", contender @ ("hazptr" | "papaya" | "dashmap")) => map_iter(contender, count),
        ("mapinto", contender @ ("hazptr" | "dashmap" | "std")) => map_into(contender, count),
        ("skipget", "hazptr") => skip_gets::<hazptr::collections::SkipMap<u64, u64>>(count),
        ("skipget", "crossbeam") => skip_gets::<crossbeam_skiplist::SkipMap<u64, u64>>(count),
        ("skipchurn", "hazptr") => skip_churn::<hazptr::collections::SkipMap<u64, u64>>(count),
        ("skipchurn", "crossbeam") => skip_churn::<crossbeam_skiplist::SkipMap<u64, u64>>(count),
        ("skipscan", "hazptr") => skip_scans::<hazptr::collections::SkipMap<u64, u64>>(count),
        ("skipscan", "crossbeam") => skip_scans::<crossbeam_skiplist::SkipMap<u64, u64>>(count),
        ("get", "rwlock") => linked::ns_per_map_get::<linked::RwLockMap>(count),
        // COUNT is the run time in milliseconds, on two threads.
        ("map", "hazptr") => map::<hazptr_suite::hash_map::HashMap<u64, u64>>(count),
        ("map", "dashmap") => map::<dashmap::DashMap<u64, u64>>(count),
        ("map", "rwlock") => map::<linked::RwLockMap>(count),
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
    if what == "map" {
        println!("{what} {contender}: {ns:.2} M ops/s over {count} ms");
    } else if what == "list" {
        let nodes = linked::nodes_visited(count);
        println!("{what} {contender}: {ns:.2} ns per node over {count} lookups ({nodes} nodes)");
    } else {
        println!("{what} {contender}: {ns:.2} ns/op over {count}");
    }
}

/// One thread: `count` gets on a map made with capacity `2^MAP_LOG2` (default 16) and filled to
/// three quarters, through the maps benchmark's adapter trait: ns per get. `MAP_KEYS=present` or
/// `absent` looks up only keys inserted or only keys never inserted; by default 62% miss
/// (read_heavy's share).
fn map_gets<M: ConcurrentMap<u64>>(count: u64) -> f64 {
    let log2: u32 = std::env::var("MAP_LOG2").map_or(16, |v| v.parse().unwrap());
    let map = M::with_capacity(1 << log2);
    let filled = 3 << (log2 - 2);
    for i in 0..filled {
        map.insert(mix64(i), i);
    }
    // Key indices `first..first + span`: the inserted ones are `0..filled`.
    let (first, span) = match std::env::var("MAP_KEYS").as_deref() {
        Ok("present") => (0, filled),
        Ok("absent") => (filled, 1 << 40),
        _ => (0, filled * 21 / 8),
    };
    let start = std::time::Instant::now();
    let mut hits = 0u64;
    for n in 0..count {
        let i = first + n.wrapping_mul(2_654_435_761) % span;
        hits += u64::from(map.get(mix64(i)).is_some());
    }
    std::hint::black_box(hits);
    start.elapsed().as_nanos() as f64 / count as f64
}

/// One thread: `count` insert/remove pairs on a map of 49,152 keys (a fresh key in, the oldest
/// out, as the exchange mix's writes do): ns per pair.
fn map_churn<M: ConcurrentMap<u64>>(count: u64) -> f64 {
    let map = M::with_capacity(1 << 16);
    for i in 0..49_152 {
        map.insert(mix64(i), i);
    }
    let start = std::time::Instant::now();
    for n in 0..count {
        map.insert(mix64(49_152 + n), n);
        map.remove(mix64(n));
    }
    start.elapsed().as_nanos() as f64 / count as f64
}

/// One thread: `count` lookups on an ordered map of 100,000 keys (every other key of 0..200,000,
/// so half miss): ns per lookup.
fn skip_gets<M: OrderedMap<u64>>(count: u64) -> f64 {
    let map = skip_map_of_100_000_keys::<M>();
    let start = std::time::Instant::now();
    let mut hits = 0u64;
    for n in 0..count {
        hits += u64::from(map.contains(n.wrapping_mul(2_654_435_761) % 200_000));
    }
    std::hint::black_box(hits);
    start.elapsed().as_nanos() as f64 / count as f64
}

/// One thread: `count` range scans of [`SCAN`] entries from a random key of an ordered map of
/// 100,000 keys (the range-scan mix's reads): ns per entry read.
fn skip_scans<M: OrderedMap<u64>>(count: u64) -> f64 {
    let map = skip_map_of_100_000_keys::<M>();
    let start = std::time::Instant::now();
    let mut sum = 0u64;
    for n in 0..count {
        sum = sum.wrapping_add(map.scan(n.wrapping_mul(2_654_435_761) % 200_000, SCAN));
    }
    std::hint::black_box(sum);
    start.elapsed().as_nanos() as f64 / (count as f64 * SCAN as f64)
}

/// One thread: `count` pairs of an insertion and a removal on an ordered map of 100,000 keys (a
/// key of 0..200,000 inserted, another removed; the write half of the skip-map mixes): ns per
/// pair.
fn skip_churn<M: OrderedMap<u64>>(count: u64) -> f64 {
    let map = skip_map_of_100_000_keys::<M>();
    let start = std::time::Instant::now();
    for n in 0..count {
        map.insert(n.wrapping_mul(2_654_435_761) % 200_000, n);
        map.remove(n.wrapping_mul(40_503) % 200_000);
    }
    start.elapsed().as_nanos() as f64 / count as f64
}

/// An ordered map of the even keys of 0..200,000.
fn skip_map_of_100_000_keys<M: OrderedMap<u64>>() -> M {
    let map = M::new();
    for i in 0..100_000 {
        map.insert(i * 2, i);
    }
    map
}

/// One thread: `count` insertions of fresh keys into a map made with capacity `count` (the
/// rapid-grow mix's inserts; with `MAP_NEW=1`, into a map made empty): ns per insertion.
fn map_fill<M: ConcurrentMap<u64>>(count: u64) -> f64 {
    let made = std::time::Instant::now();
    // `MAP_NEW=1`: a map made empty (`with_capacity(0)`), which grows as it fills.
    let capacity = if std::env::var_os("MAP_NEW").is_some() {
        0
    } else {
        usize::try_from(count).unwrap()
    };
    let map = M::with_capacity(capacity);
    eprintln!(
        "with_capacity({count}): {:.2} ms",
        made.elapsed().as_secs_f64() * 1e3
    );
    let start = std::time::Instant::now();
    for i in 0..count {
        map.insert(mix64(i), i);
    }
    let ns = start.elapsed().as_nanos() as f64 / count as f64;
    let dropped = std::time::Instant::now();
    drop(map);
    eprintln!("drop: {:.2} ms", dropped.elapsed().as_secs_f64() * 1e3);
    ns
}

/// One thread: seven iterations over a map of `count` entries (made with capacity `count`, then
/// filled with fresh keys), each summing the values through the map's own iterator: ns per
/// entry, the median iteration.
/// One thread: a map of `count` entries consumed by `into_iter` (its values summed), the rest of
/// the map freed with the iterator: the median of 5 maps, ns per entry (the fills untimed).
fn map_into(contender: &str, count: u64) -> f64 {
    fn timed<I: IntoIterator<Item = (u64, u64)>>(count: u64, map: I) -> f64 {
        let start = std::time::Instant::now();
        let sum: u64 = map.into_iter().map(|(_, v)| v).sum();
        let ns = start.elapsed().as_nanos() as f64 / count as f64;
        assert_eq!(sum, (0..count).sum::<u64>(), "every value once");
        ns
    }
    let capacity = usize::try_from(count).unwrap();
    let mut times: Vec<f64> = (0..5)
        .map(|_| match contender {
            "hazptr" => {
                let map = hazptr::collections::HashMap::with_capacity(capacity);
                (0..count).for_each(|i| drop(map.insert(mix64(i), i)));
                timed(count, map)
            }
            "dashmap" => {
                let map = dashmap::DashMap::with_capacity(capacity);
                (0..count).for_each(|i| _ = map.insert(mix64(i), i));
                timed(count, map)
            }
            _ => {
                let mut map = std::collections::HashMap::with_capacity(capacity);
                (0..count).for_each(|i| _ = map.insert(mix64(i), i));
                timed(count, map)
            }
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[2]
}

fn map_iter(contender: &str, count: u64) -> f64 {
    fn median_ns(count: u64, mut iterate: impl FnMut() -> u64) -> f64 {
        let mut times: Vec<f64> = (0..7)
            .map(|_| {
                let start = std::time::Instant::now();
                assert_eq!(iterate(), (0..count).sum::<u64>(), "every value once");
                start.elapsed().as_nanos() as f64 / count as f64
            })
            .collect();
        times.sort_by(f64::total_cmp);
        times[3]
    }
    let capacity = usize::try_from(count).unwrap();
    match contender {
        "hazptr" => {
            let map = hazptr::collections::HashMap::with_capacity(capacity);
            (0..count).for_each(|i| drop(map.insert(mix64(i), i)));
            median_ns(count, || map.values().map(|v| *v).sum())
        }
        "papaya" => {
            let map = papaya::HashMap::with_capacity(capacity);
            (0..count).for_each(|i| _ = map.pin().insert(mix64(i), i));
            median_ns(count, || map.pin().values().sum())
        }
        _ => {
            let map = dashmap::DashMap::with_capacity(capacity);
            (0..count).for_each(|i| _ = map.insert(mix64(i), i));
            median_ns(count, || map.iter().map(|entry| *entry.value()).sum())
        }
    }
}
