//! The reclamation that finishes: [`complete`], behind [`reclaim`](fn@crate::reclaim) and
//! [`Domain::reclaim`], and the list of static domains it and the background reclaimer cover.
//!
//! [`complete`] runs rounds: each hands every thread's batch on to its domain (`batch.rs`),
//! reclaims each domain it covers, and drops what that freed (`section.rs`), including what the
//! drops retired meanwhile, until a round frees nothing. It then waits for the threads that held
//! values outside any domain when it began (a reclamation or a taken batch in progress,
//! [`section::wait_for_pending`]) and runs its rounds again if it found one. Called from a value's
//! `Drop` during a reclamation, it runs one round without its drain or its wait: the reclamation
//! it runs inside drops what it freed, and finishes the job.

use core::sync::atomic::Ordering;

use crate::reclaim::domain::{Domain, Reclaimable};
use crate::reclaim::reclaimer::Completing;
use crate::reclaim::section::{self, Context};

/// The reclamation that finishes, over the domains `domains` returns (asked again each round:
/// a drop may retire into a static domain for the first time); returns how many values it freed
/// (for a nested call: handed to the running reclamation to drop). Module documentation.
pub(crate) fn complete<'a>(domains: impl Fn() -> Vec<&'a dyn Reclaimable>) -> usize {
    let round = |wait: bool| {
        crate::reclaim::batch::take_all();
        for domain in domains() {
            domain.engine_reclaim(wait);
        }
    };
    if section::context() != Context::Outermost {
        // One round, deferring: the section or drain it runs in (`Nested`), or the engine's
        // reclamation it runs inside (`InEngine`), must not be waited for, and drops what this
        // round frees.
        let freed = |list: &[&dyn Reclaimable]| -> u64 {
            list.iter()
                .map(|d| d.counters().freed.load(Ordering::SeqCst))
                .sum()
        };
        let before = freed(&domains());
        section::run_quietly(|| round(false));
        let after = freed(&domains());
        return usize::try_from(after.saturating_sub(before)).unwrap_or(usize::MAX);
    }
    crate::reclaim::reclaimer::restart_if_forked();
    let _completing = Completing::enter();
    let mut total = 0;
    // Passes: each runs rounds until one frees nothing, then waits for the threads that were
    // pending when the wait began, whose values then reach their domains or are dropped (a
    // chain another thread took a link of goes on in the next pass). Bounded by the passes in a
    // row that free nothing of this call's, so that other threads' steady work cannot hold it.
    let mut passes_without_progress = 0;
    loop {
        loop {
            let ((), dropped) = section::run(|| round(true));
            if dropped == 0 {
                break;
            }
            total += dropped;
            passes_without_progress = 0;
        }
        if !section::wait_for_pending() || passes_without_progress == 8 {
            break;
        }
        passes_without_progress += 1;
    }
    section::resume_posted();
    total
}

impl<F: Send + Sync> Domain<F> {
    /// Frees every value retired into this domain that no guard protects, now, and returns how
    /// many it freed.
    ///
    /// Complete: it first hands on every thread's batch (values retired into a static domain
    /// wait there, see [`barrier`](crate::barrier)); values that the freed values' drops retire
    /// meanwhile are freed by the same call, transitively (a chain of a million nodes, each
    /// owning the next, is freed by one call, one node at a time, without recursion); and it
    /// waits for other threads that are in the middle of freeing or handing on values of the
    /// domain. It returns once every value retired before the call, or by a drop it ran, is freed
    /// unless a guard protects it.
    ///
    /// A `Drop` that runs during this call may call it again, or [`reclaim`](fn@crate::reclaim),
    /// retire, or use any of hazptr's structures: the inner call frees what it can and leaves
    /// the rest of the work to this one (it returns how many values it handed to this call to
    /// drop), and this one still returns with everything unprotected freed.
    ///
    /// A panic in a freed value's `Drop` is caught, the other values are still freed, and the
    /// first such panic is resumed when the call is done (unless the thread is already
    /// unwinding: then it is dropped, after the panic hook reported it).
    #[allow(clippy::must_use_candidate)] // called for the effect as often as for the count
    pub fn reclaim(&self) -> usize {
        complete(|| vec![self as &dyn Reclaimable])
    }

    /// [`reclaim`](Self::reclaim) under the name of haphazard's method, for code written
    /// against it: the same complete reclamation (every thread's batch handed on first), and the
    /// same count.
    #[allow(clippy::must_use_candidate)] // called for the effect as often as for the count
    pub fn eager_reclaim(&self) -> usize {
        self.reclaim()
    }

    /// [`reclaim`](Self::reclaim) without its count, under the name of Folly's and haphazard's
    /// `cleanup`: when it returns, every value retired into this domain before the call, and
    /// every value the freed values' drops retired meanwhile, is freed unless a guard protects
    /// it. Safe to call from a `Drop` that runs during a reclamation (it then leaves the rest of
    /// the work to that reclamation).
    pub fn cleanup(&self) {
        let _ = self.reclaim();
    }
}
