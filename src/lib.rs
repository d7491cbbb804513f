//! `hazptr-suite`: the workspace's test and example package, never published. Nothing here is
//! the product: users depend on the `hazptr` crate alone.
//!
//! Each module below is a program written on hazptr **as a user would write it**, from the
//! README and the docs, with no access to hazptr's internals. The examples (`examples/*.rs`) run
//! and narrate them, the integration tests (`tests/*.rs`) assert on them, the benchmarks
//! (`bench/`) time them, and this crate compiles the derive's output under
//! `#![deny(warnings, clippy::pedantic)]`:
//!
//! - [`walkthrough`]: the two-thread scenario of the README, step by step (the main demo);
//! - [`config_reload`]: readers that never block while a writer swaps the configuration;
//! - [`vector`]: Dechev et al.'s lock-free resizable vector, with a per-vector domain;
//! - [`treiber`] and [`ms_queue`]: a Treiber stack and a Michael–Scott queue on the toolkit's
//!   `Stack` and `Queue`;
//! - [`list_set`] and [`hash_map`]: a Harris–Michael sorted list set and Michael's fixed-size
//!   hash map (SPAA 2002) on `Head`/`Cursor`, without `unsafe`.
//!
//! [`baseline`] holds the same programs written against raw `haphazard`, with its `unsafe`
//! calls and a hand-written `Drop`: the yardstick for what the derive saves (lines, `unsafe`
//! blocks) and for the benchmarks' "raw haphazard" rows. It is a comparison, not an example to
//! copy.
#![deny(warnings, clippy::pedantic)]
#![warn(missing_docs)]

pub mod baseline;
pub mod config_reload;
pub mod hash_map;
pub mod list_set;
pub mod ms_queue;
pub mod treiber;
pub mod vector;
pub mod walkthrough;
