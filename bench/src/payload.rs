//! The value every contender stores: a small struct that counts its own allocations and drops,
//! so that a workload can tell how many retired values are still waiting to be reclaimed.

use std::sync::atomic::{AtomicU64, Ordering};

/// Process-wide counts of payloads made and dropped.
///
/// Each counter sits on its own cache line: the writer bumps `created`, whichever thread
/// reclaims bumps `dropped`, and neither should slow the other (or the readers) down.
#[repr(align(128))]
struct Counter(AtomicU64);

static CREATED: Counter = Counter(AtomicU64::new(0));
static DROPPED: Counter = Counter(AtomicU64::new(0));

/// The value behind every pointer in every benchmark: two words, read together by readers.
#[derive(Debug)]
pub struct Payload {
    /// A number the writer chooses (the swap index).
    pub value: u64,
    /// `!value`: a reader that sees a torn or freed payload sees a mismatch.
    pub check: u64,
}

impl Payload {
    /// A new payload holding `value`; counted as live until dropped.
    #[inline]
    #[must_use]
    pub fn new(value: u64) -> Self {
        CREATED.0.fetch_add(1, Ordering::Relaxed);
        Self {
            value,
            check: !value,
        }
    }

    /// What a reader does with a protected payload: reads both words (and, in debug builds,
    /// checks that they agree).
    ///
    /// The check is a `debug_assert`: tests run it, the release-mode measurements do not, so
    /// that no contender's read carries a panic path (an unwinding edge makes a guard's drop
    /// glue an out-of-line landing pad, which would penalise guard-based APIs for the
    /// benchmark's own checking). Release builds fold both words into the result instead (equal to `value` for a sound payload).
    ///
    /// # Panics
    ///
    /// In debug builds, if the two words disagree, which only a use-after-free or a torn
    /// publication can cause.
    #[inline]
    #[must_use]
    pub fn read(&self) -> u64 {
        let (value, check) = (self.value, self.check);
        debug_assert_eq!(value, !check, "payload read after free or torn");
        value.wrapping_add(value ^ !check)
    }
}

impl Drop for Payload {
    #[inline]
    fn drop(&mut self) {
        DROPPED.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Payloads made and not yet dropped, in the whole process.
///
/// Workloads read it before they start (the values currently installed, plus anything an earlier
/// workload left retired) and subtract that baseline from later samples.
#[must_use]
pub fn live() -> u64 {
    // Read `dropped` first: a payload dropped between the two loads was created before it, so the
    // difference never underflows.
    let dropped = DROPPED.0.load(Ordering::Relaxed);
    let created = CREATED.0.load(Ordering::Relaxed);
    created.saturating_sub(dropped)
}

/// Serialises the tests that make or drop payloads: the counts are process-wide, and a test that
/// measures garbage must not see another test's payloads dropped meanwhile.
#[cfg(test)]
pub(crate) fn counting_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_counts_payloads_until_dropped() {
        let _serial = counting_lock();
        let payloads: Vec<Payload> = (0..100).map(Payload::new).collect();
        assert!(live() >= 100);
        assert_eq!(payloads[7].read(), 7);
        let created = CREATED.0.load(Ordering::Relaxed);
        let dropped = DROPPED.0.load(Ordering::Relaxed);
        drop(payloads);
        assert!(CREATED.0.load(Ordering::Relaxed) >= created);
        assert!(DROPPED.0.load(Ordering::Relaxed) >= dropped + 100);
    }
}
