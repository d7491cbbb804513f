//! What a domain counts (`Domain::stats`): values handed to the engine, values freed,
//! reclamations run; and whether a static domain is on the background reclaimer's list. Counted
//! once per batch or engine call, never with a locked instruction per value on the owner's
//! side.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// A domain's counts (see `Stats`) and, for a static domain, whether `reclaimer.rs` lists it.
pub(crate) struct Counters {
    /// Values handed to the engine.
    pub(crate) retired: AtomicU64,
    pub(crate) freed: AtomicU64,
    pub(crate) reclamations: AtomicU64,
    pub(crate) registered: AtomicBool,
}

impl Counters {
    pub(crate) const fn new() -> Self {
        Self {
            retired: AtomicU64::new(0),
            freed: AtomicU64::new(0),
            reclamations: AtomicU64::new(0),
            registered: AtomicBool::new(false),
        }
    }

    /// Counts `retired` values handed to the engine.
    #[inline]
    pub(crate) fn count_retired(&self, retired: u64) {
        self.retired.fetch_add(retired, Ordering::SeqCst);
    }

    /// Uncounts a value the engine handed back unfreed (a tower a guard revived:
    /// `linked/tower.rs`), so that it is counted once more when it is retired again.
    #[inline]
    pub(crate) fn count_withdrawn(&self) {
        self.retired.fetch_sub(1, Ordering::SeqCst);
    }

    /// Counts an engine call that freed `freed` values (a reclamation if it was `asked` for or
    /// freed any).
    #[inline]
    pub(crate) fn count_reclamation(&self, freed: u64, asked: bool) {
        if freed > 0 {
            self.freed.fetch_add(freed, Ordering::SeqCst);
        }
        if asked || freed > 0 {
            self.reclamations.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Values freed so far, and values handed to the engine and not freed yet (freed read
    /// first: a value is counted retired before it can be freed).
    pub(crate) fn freed_and_in_engine(&self) -> (u64, u64) {
        let freed = self.freed.load(Ordering::SeqCst);
        (
            freed,
            self.retired.load(Ordering::SeqCst).saturating_sub(freed),
        )
    }

    /// Values handed to the engine and not freed yet.
    pub(crate) fn in_engine(&self) -> u64 {
        self.freed_and_in_engine().1
    }
}
