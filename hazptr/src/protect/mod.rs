//! The protection layer: how a read is protected. The per-thread cache of hazard pointers
//! and the static domains it serves (`hazard_cache.rs`), the thread-locals it lives in
//! (`thread_locals.rs`), the guards a read
//! returns (`guard.rs`), and the publish-and-validate step every protected read ends with
//! (`validate.rs`).
//!
//! It imports only from the reclamation layer below it.

pub(crate) mod guard;
pub(crate) mod hazard_cache;
pub(crate) mod thread_locals;
pub(crate) mod validate;
