//! The fence and atomic pointer hazptr uses, switched to loom's under `--cfg loom`, the same
//! switch `haphazard` makes for its own atomics, so that loom models see every synchronisation
//! the runtime performs. (The per-thread caches' thread-locals make the same switch in
//! `protect/thread_locals.rs`.)

#[cfg(loom)]
pub(crate) use loom::sync::atomic::fence;

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::fence;

/// The atomic pointer of a marked link (`linked/link.rs`).
#[cfg(loom)]
pub(crate) use loom::sync::atomic::AtomicPtr;

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::AtomicPtr;

/// The counters of the collections and the toolkit: a hash map's length and bucket count, an
/// anchor slot's state (`linked/anchor.rs`), a skip-list tower's levels still linked, the
/// list's height and length (`linked/tower.rs`).
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicIsize, AtomicU32, AtomicUsize};

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{AtomicIsize, AtomicU32, AtomicUsize};
