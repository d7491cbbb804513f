//! The same lock-free structures written against raw `haphazard` (its `HazardPointer`, the
//! `unsafe` `AtomicPtr::load` and `retire_in`, and a hand-written `Drop`), without the derive:
//! kept for comparison of size and `unsafe` count with the derive-based versions, and exercised
//! by the same kinds of tests.

pub mod config_reload;
pub mod ms_queue;
pub mod treiber;
pub mod vector;
