//! The reclamation layer: when a retired value is freed, and by whom. hazptr's [`Domain`]
//! (`domain.rs`), the reclamation that finishes (`complete.rs`), the background reclaimer
//! (`reclaimer.rs`), where a freed value's `Drop` runs and what happens to its panic
//! (`section.rs`), the asymmetric barrier (`barrier.rs`) and the per-thread batches it needs
//! (`batch.rs`), and loom's switches (`sync.rs`).
//!
//! The bottom layer: it imports from no other layer of the crate (its unit tests excepted).
//!
//! [`Domain`]: domain::Domain

pub mod barrier;
pub(crate) mod batch;
pub(crate) mod complete;
pub(crate) mod counters;
pub(crate) mod domain;
pub(crate) mod doorbell;
pub(crate) mod reclaimer;
pub(crate) mod section;
pub(crate) mod sync;
