//! Benchmarks of hazptr against the crates a user would pick instead: raw `haphazard`,
//! `arc-swap`, `crossbeam-epoch`, `seize` and `std::sync::RwLock<Arc<T>>`.
//!
//! The library holds the contenders and the workloads; `src/bin/ratios.rs` runs a short version of
//! every workload and prints the table of `BENCHMARKS.md`; `benches/` holds the criterion
//! benchmarks for detailed numbers; `src/bin/profile.rs` runs one contender's loop alone for a
//! profiler, and `bench/callgrind.sh` turns that into instructions per operation;
//! `src/bin/maps.rs` runs the concurrent hash maps under conc-map-bench's mixes ([`maps`]);
//! `src/bin/ordinary.rs` compares the one-thread read called from ordinary user code
//! ([`ordinary`]) with the same read inlined into its measuring loop; `src/bin/skip_maps.rs`
//! runs the ordered maps ([`skip_maps`]: `hazptr::collections::SkipMap` against
//! crossbeam-skiplist, scc and `RwLock<BTreeMap>`) side by side.

pub mod contenders;
pub mod linked;
pub mod machine;
pub mod maps;
pub mod ordinary;
pub mod payload;
pub mod queues;
pub mod skip_maps;
pub mod stacks;
pub mod stats;
pub mod three_fields;
pub mod time_to_free;
pub mod workloads;
