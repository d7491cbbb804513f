//! Lock-free structures written with `#[derive(HazardProtected)]`, as a user of hazptr would write
//! them. The examples run them, the integration tests and benchmarks exercise them, and this
//! crate compiles the derive's output under `#![deny(warnings, clippy::pedantic)]`.
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
