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

impl std::fmt::Debug for Counted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Counted").field(&self.value).finish()
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
    hazptr::Domain::global().reclaim();
    hazptr::Domain::global().reclaim();
    // The baselines written on raw haphazard retire into the engine's own global domain.
    haphazard::Domain::global().cleanup();
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

/// A xorshift64* generator: seeded, reproducible operation sequences without a crate.
pub struct XorShift(u64);

impl XorShift {
    /// A generator from `seed` (any value; zero is replaced).
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `0..bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }
}

/// How many times longer the linked-structure stress tests run: `HAZPTR_LINKED_SCALE`
/// (default 1, a few seconds at most on two cores; cut further under Miri).
pub fn linked_scale() -> u64 {
    std::env::var("HAZPTR_LINKED_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

/// A counted value ordered, hashed and compared by its content: a key whose drops are counted.
pub struct CountedKey(pub Counted);

impl PartialEq for CountedKey {
    fn eq(&self, other: &Self) -> bool {
        assert!(
            self.0.is_intact() && other.0.is_intact(),
            "compared a corrupted key"
        );
        self.0.value == other.0.value
    }
}

impl Eq for CountedKey {}

impl PartialOrd for CountedKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CountedKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        assert!(
            self.0.is_intact() && other.0.is_intact(),
            "compared a corrupted key"
        );
        self.0.value.cmp(&other.0.value)
    }
}

impl std::hash::Hash for CountedKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.value.hash(state);
    }
}
