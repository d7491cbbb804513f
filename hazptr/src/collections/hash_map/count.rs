//! The map's length: a striped counter, so that writers on different threads do not contend on
//! one cache line (as Java's `LongAdder`, which `ConcurrentHashMap` counts with).

use core::sync::atomic::Ordering;
use std::cell::Cell;

use crate::reclaim::sync::AtomicIsize;

/// How many stripes a counter has.
const STRIPES: usize = 8;

/// One stripe, alone on its cache line (128 bytes: two lines, which adjacent-line prefetchers
/// fetch together).
#[repr(align(128))]
struct Stripe(AtomicIsize);

/// A count kept in stripes: each thread adds to its own stripe; the count is their sum.
pub(super) struct Count {
    stripes: [Stripe; STRIPES],
}

std::thread_local! {
    /// This thread's stripe, given out in turn as threads first count.
    static STRIPE: Cell<Option<usize>> = const { Cell::new(None) };
}

/// The stripe of the next thread that counts.
static NEXT_STRIPE: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// This thread's stripe.
#[inline]
fn stripe() -> usize {
    STRIPE
        .try_with(|stripe| {
            stripe.get().unwrap_or_else(|| {
                let new = NEXT_STRIPE.fetch_add(1, Ordering::Relaxed) % STRIPES;
                stripe.set(Some(new));
                new
            })
        })
        // A thread-local destructor counting: any stripe will do.
        .unwrap_or(0)
}

impl Count {
    /// Zero.
    pub(super) fn new() -> Self {
        Self {
            stripes: core::array::from_fn(|_| Stripe(AtomicIsize::new(0))),
        }
    }

    /// Adds `n` (which may be negative) to this thread's stripe; the stripe's new value.
    #[inline]
    pub(super) fn add(&self, n: isize) -> isize {
        self.stripes[stripe()].0.fetch_add(n, Ordering::Relaxed) + n
    }

    /// The sum of the stripes, at least zero: exact when no thread counts meanwhile (a stripe
    /// may be negative when one thread removes what another inserted).
    pub(super) fn sum(&self) -> usize {
        let sum: isize = self
            .stripes
            .iter()
            .map(|stripe| stripe.0.load(Ordering::Relaxed))
            .sum();
        usize::try_from(sum).unwrap_or(0)
    }
}
