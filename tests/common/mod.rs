//! Helpers shared by the integration tests: a payload that counts its allocations and drops.

#![allow(dead_code)] // each test binary uses a different subset

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Counts the values a test created and dropped.
#[derive(Clone, Default)]
pub struct Counter(Arc<Counts>);

#[derive(Default)]
pub struct Counts {
    made: AtomicUsize,
    dropped: AtomicUsize,
}

impl Counter {
    /// A counted value holding `value`.
    pub fn make(&self, value: u64) -> Counted {
        self.0.made.fetch_add(1, Ordering::SeqCst);
        Counted {
            value,
            check: !value,
            counts: Arc::clone(&self.0),
        }
    }

    pub fn made(&self) -> usize {
        self.0.made.load(Ordering::SeqCst)
    }

    pub fn dropped(&self) -> usize {
        self.0.dropped.load(Ordering::SeqCst)
    }

    /// Values made but not dropped yet.
    pub fn alive(&self) -> usize {
        self.made() - self.dropped()
    }
}

/// A value that records its drop, and a redundant copy of its content (`check == !value`) that a
/// reader can verify to detect reading freed or half-written memory.
pub struct Counted {
    pub value: u64,
    check: u64,
    counts: Arc<Counts>,
}

impl Counted {
    /// Whether the value is intact.
    pub fn is_intact(&self) -> bool {
        self.check == !self.value
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        assert!(self.is_intact(), "dropping a corrupted value");
        self.check = 0; // a later read of this value would now fail `is_intact`
        self.counts.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

/// Reclaims every unprotected value retired into the global domain, waiting for reclamations
/// other threads are running (tests in one binary share the global domain).
///
/// Twice: a reclamation another test runs concurrently may have taken one of our values out of
/// the retired lists while it was still protected; it puts it back after its scan, and the first
/// `cleanup` (which waits for that reclamation to end) may have found the lists empty by then.
pub fn reclaim_global() {
    // Values this thread retired may still wait in its batch (the asymmetric barrier's).
    hazptr::flush_retired();
    hazptr::Domain::global().cleanup();
    hazptr::Domain::global().cleanup();
}

/// Reclaims into the global domain until `done()` holds, for at most a second.
///
/// One reclamation is not always enough while the binary's other tests run. A reader of another
/// test may protect, for an instant, an address it loaded just before the value there was freed
/// and one of ours allocated in its place (its validating reload then fails and it lets go); or a
/// reclamation started by another thread (on retirement, or on haphazard's timer) may be holding
/// our retired values. Neither lasts, so this tries again; a value really leaked, or really
/// still protected, fails the caller's assertion once the second has passed.
pub fn reclaim_global_until(mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        reclaim_global();
        if done() || Instant::now() >= deadline {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}
