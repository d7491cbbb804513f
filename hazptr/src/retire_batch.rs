//! Per-thread batches of retired values, so that one `membarrier` serves many retirements.
//!
//! In the asymmetric mode (`barrier.rs`), a value unlinked from a field of a static domain must
//! not reach haphazard's retired lists before a heavy barrier has run after its unlink. Each
//! thread keeps the values it retires in a buffer of [`BATCH`] entries (one buffer per thread for
//! every static domain family: an entry carries the function that retires it into its own
//! domain). The buffer is flushed, i.e. [`barrier::heavy`](crate::barrier) once and then every
//! entry handed to its domain's `retire`:
//!
//! - when it is full (the [`BATCH`]-th retirement);
//! - at a retirement that finds its oldest entry older than [`MAX_AGE_NS`] (checked on every
//!   [`AGE_CHECK_EVERY`]-th entry, against the coarse monotonic clock);
//! - on [`flush_retired`](crate::flush_retired) and [`reclaim`](crate::reclaim);
//! - when the thread exits (the buffer's thread-local destructor).
//!
//! A retirement that cannot use the buffer runs the heavy barrier itself and retires the value
//! directly: from another thread-local's destructor after this one's has run, or from a
//! reclaimed value's drop while the buffer is being flushed (its unlink came after the flush's
//! barrier, so that barrier does not cover it).
//!
//! # Bounds
//!
//! Values waiting in buffers are retired but not yet in any domain: at most [`BATCH`] − 1 per
//! thread (for all static domains together), on top of haphazard's own bound for what it holds
//! (its reclamation threshold, max(1000, 2 × hazard records), per domain). A value waits at most
//! until its thread's next retirement after [`MAX_AGE_NS`] (to within [`AGE_CHECK_EVERY`]
//! retirements), an explicit flush, or the thread's exit. A thread that never calls hazptr again
//! can therefore keep up to [`BATCH`] − 1 values until it exits; no other thread can take them
//! without a lock on every retirement. (haphazard's own time trigger is of the same kind: it
//! fires only inside a retirement.)
//!
//! # The batch size
//!
//! `membarrier` costs about 0.24 µs with no other thread running and 0.7 µs with one (it
//! interrupts every running thread of the process); a retirement through haphazard costs about
//! 60–70 ns. With 64 entries the barrier adds 4–11 ns per retirement, the buffer itself (a
//! thread-local access and two stores) about 1 ns: within the 15% the writes may cost over raw
//! haphazard, while the buffers stay small next to haphazard's threshold of 1000.

use core::cell::Cell;
use core::ptr;

use crate::barrier;

/// Entries per thread: see the module documentation.
pub(crate) const BATCH: usize = 64;

/// How old (in ns of the coarse monotonic clock) a buffer's oldest entry may grow before a
/// retirement flushes it.
pub(crate) const MAX_AGE_NS: u64 = 10_000_000;

/// The age is checked when the buffer's length is a multiple of this (a clock read costs ~7 ns,
/// a tenth of a retirement).
pub(crate) const AGE_CHECK_EVERY: usize = 8;

/// A retired value and the function that retires it into its domain.
#[derive(Clone, Copy)]
struct Entry {
    value: *mut (),
    /// Retires `value` into its field's domain.
    retire: unsafe fn(*mut ()),
}

impl Entry {
    /// An unused slot.
    const EMPTY: Self = Self {
        value: ptr::null_mut(),
        retire: retire_nothing,
    };

    /// Retires the value.
    ///
    /// # Safety
    ///
    /// The value is retired once, after a heavy barrier that followed its unlink (the
    /// [`retire_later`] caller's promise, and the flush's barrier).
    unsafe fn retire(self) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.retire)(self.value) }
    }
}

/// The retire function of [`Entry::EMPTY`], never called on a real value.
unsafe fn retire_nothing(_: *mut ()) {}

/// One thread's buffer.
struct Buffer {
    /// How many entries wait; [`BATCH`] while a flush runs (so that a retirement made meanwhile,
    /// by a reclaimed value's drop, goes around the buffer: it came after the flush's barrier).
    len: Cell<usize>,
    /// When the first entry came in (coarse monotonic clock, ns).
    since: Cell<u64>,
    entries: [Cell<Entry>; BATCH],
}

impl Buffer {
    const fn new() -> Self {
        Self {
            len: Cell::new(0),
            since: Cell::new(0),
            entries: [const { Cell::new(Entry::EMPTY) }; BATCH],
        }
    }

    /// Adds `entry`: `Ok(true)` if the buffer must now be flushed (full, or too old), `Err` if
    /// a flush is running (the caller retires `entry` itself).
    #[inline]
    fn push(&self, entry: Entry) -> Result<bool, Entry> {
        let len = self.len.get();
        let Some(slot) = self.entries.get(len) else {
            return Err(entry);
        };
        slot.set(entry);
        let len = len + 1;
        self.len.set(len);
        if len == 1 {
            self.since.set(clock::now_ns());
            return Ok(false);
        }
        Ok(len == BATCH
            || (len.is_multiple_of(AGE_CHECK_EVERY)
                && clock::now_ns().saturating_sub(self.since.get()) >= MAX_AGE_NS))
    }

    /// The heavy barrier, then every waiting entry into its domain; nothing while a flush runs
    /// (a value's drop that calls `flush_retired` during one).
    fn flush(&self) {
        let len = self.len.get();
        // `len == BATCH` only while a flush runs: the push that fills the buffer flushes it at
        // once (`retire_later`), with no other code in between.
        if len != 0 && len < BATCH {
            self.flush_first(len);
        }
    }

    /// Flushes the first `len` entries (all of them: the buffer's length before the flush).
    fn flush_first(&self, len: usize) {
        /// Empties the buffer when the flush ends, even by unwinding (entries not yet retired
        /// then leak, which is safe).
        struct Emptied<'a>(&'a Cell<usize>);
        impl Drop for Emptied<'_> {
            fn drop(&mut self) {
                self.0.set(0);
            }
        }

        self.len.set(BATCH);
        let _emptied = Emptied(&self.len);
        barrier::heavy();
        for entry in &self.entries[..len] {
            // SAFETY: each entry was unlinked before it was buffered (`retire_later`'s
            // contract), the barrier above came after that, and it is retired once: the buffer
            // is emptied when this loop ends, and pushes made meanwhile are refused.
            unsafe { entry.get().retire() };
        }
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        // Thread exit. A panic from a value's drop during this flush is caught by `Reclaimed`
        // and, with no hazptr call to resume it in, reported by the panic hook and dropped
        // (`reclaim_panic.rs`); it cannot unwind out of this destructor.
        self.flush();
    }
}

std::thread_local! {
    static BUFFER: Buffer = const { Buffer::new() };
}

/// Retires `value` with `retire` after a heavy barrier: batched in this thread's buffer, or at
/// once (with a barrier of its own) when the buffer is gone (thread exit) or being flushed.
///
/// # Safety
///
/// `value` has left its field (nothing can protect it anew), is retired once, and
/// `retire(value)` is sound for it once a heavy barrier has run after that: it retires `value`
/// into its field's domain, a static domain (which outlives every buffer).
pub(crate) unsafe fn retire_later(value: *mut (), retire: unsafe fn(*mut ())) {
    let entry = Entry { value, retire };
    let refused = match BUFFER.try_with(|buffer| match buffer.push(entry) {
        Ok(true) => {
            buffer.flush_first(buffer.len.get());
            Ok(())
        }
        Ok(false) => Ok(()),
        Err(entry) => Err(entry),
    }) {
        Ok(Ok(())) => return,
        Ok(Err(entry)) => entry,
        Err(_) => entry,
    };
    barrier::heavy();
    // SAFETY: unlinked before this call (the caller's promise), after which the barrier above
    // ran; retired once, here.
    unsafe { refused.retire() };
}

/// Flushes this thread's buffer: see [`flush_retired`](crate::flush_retired).
pub(crate) fn flush() {
    let _ = BUFFER.try_with(Buffer::flush);
}

/// How many values this thread's buffer holds.
#[cfg(test)]
pub(crate) fn buffered() -> usize {
    BUFFER.try_with(|buffer| buffer.len.get()).unwrap_or(0)
}

#[cfg(all(target_os = "linux", not(miri), not(loom)))]
mod clock {
    /// The coarse monotonic clock (updated every tick, read without a system call), in ns.
    #[inline]
    pub(super) fn now_ns() -> u64 {
        let now = rustix::time::clock_gettime(rustix::time::ClockId::MonotonicCoarse);
        u64::try_from(now.tv_sec)
            .unwrap_or(0)
            .saturating_mul(1_000_000_000)
            .saturating_add(u64::try_from(now.tv_nsec).unwrap_or(0))
    }
}

#[cfg(not(all(target_os = "linux", not(miri), not(loom))))]
mod clock {
    /// No batching happens on other systems, under Miri or loom (their mode is the fallback):
    /// no clock either.
    #[inline]
    pub(super) fn now_ns() -> u64 {
        0
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use core::sync::atomic::{AtomicUsize, Ordering};
    use std::cell::RefCell;
    use std::panic::{self, AssertUnwindSafe};

    use super::{BATCH, buffered};
    use crate::barrier;
    use crate::field::Field;
    use crate::{AtomicPtr, StaticDomain};

    /// Counts its drops in a static of the test; panics in its drop when `panics`.
    struct Counted {
        drops: &'static AtomicUsize,
        panics: bool,
    }

    impl Drop for Counted {
        fn drop(&mut self) {
            self.drops.fetch_add(1, Ordering::SeqCst);
            assert!(!self.panics, "a retired value's drop panics");
        }
    }

    fn counted(drops: &'static AtomicUsize) -> Counted {
        Counted {
            drops,
            panics: false,
        }
    }

    /// Replaces the value of `field` (a field of `F`'s domain) with `new`, retiring the old one
    /// as the generated `swap_and_retire_…` does.
    fn swap<F: StaticDomain>(field: &AtomicPtr<Counted, F>, new: Counted) {
        Field::<AtomicPtr<Counted, F>, Counted, F>::NEW
            .static_domain(field)
            .swap_and_retire(new);
    }

    /// Empties `field`, retiring its value as the struct's drop does, and flushes the batch.
    fn clear<F: StaticDomain>(field: &AtomicPtr<Counted, F>) {
        let _ = Field::<AtomicPtr<Counted, F>, Counted, F>::NEW
            .static_domain(field)
            .clear_and_retire();
        crate::flush_retired();
    }

    // Each test has a domain of its own, so that no other test's retirements or reclamations
    // touch its values.
    crate::static_unique_domain!(static FULL: Domain<FullFamily>);
    crate::static_unique_domain!(static EXIT: Domain<ExitFamily>);
    crate::static_unique_domain!(static LATE: Domain<LateFamily>);
    crate::static_unique_domain!(static PANICS: Domain<PanicFamily>);

    #[test]
    fn a_batch_reaches_its_domain_when_full() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        std::thread::spawn(|| {
            let field = AtomicPtr::<Counted, FullFamily>::new(counted(&DROPS));
            for _ in 0..BATCH - 1 {
                swap(&field, counted(&DROPS));
            }
            let _ = FULL.eager_reclaim();
            if barrier::mode() == barrier::Mode::Asymmetric {
                assert_eq!(buffered(), BATCH - 1, "the batch holds every retired value");
                assert_eq!(DROPS.load(Ordering::SeqCst), 0, "none reached the domain");
            } else {
                assert_eq!(buffered(), 0, "the fallback retires at once");
                assert_eq!(DROPS.load(Ordering::SeqCst), BATCH - 1);
            }
            swap(&field, counted(&DROPS));
            assert_eq!(buffered(), 0, "the full batch was flushed");
            let _ = FULL.eager_reclaim();
            assert_eq!(DROPS.load(Ordering::SeqCst), BATCH);
            clear(&field);
            let _ = FULL.eager_reclaim();
            assert_eq!(DROPS.load(Ordering::SeqCst), BATCH + 1);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_thread_flushes_its_batch_when_it_exits() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        static FIELD: std::sync::OnceLock<AtomicPtr<Counted, ExitFamily>> =
            std::sync::OnceLock::new();
        let field = FIELD.get_or_init(|| AtomicPtr::new(counted(&DROPS)));
        std::thread::spawn(move || {
            for _ in 0..3 {
                swap(field, counted(&DROPS));
            }
        })
        .join()
        .unwrap();
        // `join` waits for the thread's thread-local destructors, the batch's included.
        let _ = EXIT.eager_reclaim();
        assert_eq!(DROPS.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn a_retirement_from_a_thread_local_destructor_reaches_its_domain() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        static FIELD: std::sync::OnceLock<AtomicPtr<Counted, LateFamily>> =
            std::sync::OnceLock::new();

        /// Retires the field's value when the thread's storage is destroyed.
        struct RetireOnExit;
        impl Drop for RetireOnExit {
            fn drop(&mut self) {
                swap(FIELD.get().unwrap(), counted(&DROPS));
            }
        }
        std::thread_local! {
            static LATE_RETIRE: RefCell<Option<RetireOnExit>> = const { RefCell::new(None) };
        }

        FIELD.get_or_init(|| AtomicPtr::new(counted(&DROPS)));
        // Registered before the batch (first retirement after it) and after it: thread-local
        // destructors run in reverse order of registration, so one of the two retirements
        // finds the batch gone and retires directly.
        for register_first in [true, false] {
            std::thread::spawn(move || {
                if register_first {
                    LATE_RETIRE.with_borrow_mut(|late| *late = Some(RetireOnExit));
                    swap(FIELD.get().unwrap(), counted(&DROPS));
                } else {
                    swap(FIELD.get().unwrap(), counted(&DROPS));
                    LATE_RETIRE.with_borrow_mut(|late| *late = Some(RetireOnExit));
                }
            })
            .join()
            .unwrap();
        }
        let _ = LATE.eager_reclaim();
        assert_eq!(DROPS.load(Ordering::SeqCst), 4, "two swaps per thread");
    }

    crate::static_unique_domain!(static NESTED: Domain<NestedFamily>);

    /// Retires the value of `INNER` when dropped.
    struct RetiresOnDrop;

    static INNER: std::sync::OnceLock<AtomicPtr<Counted, NestedFamily>> =
        std::sync::OnceLock::new();
    static INNER_DROPS: AtomicUsize = AtomicUsize::new(0);

    impl Drop for RetiresOnDrop {
        fn drop(&mut self) {
            swap(INNER.get().unwrap(), counted(&INNER_DROPS));
        }
    }

    #[test]
    fn a_retirement_made_during_a_flush_gets_a_barrier_of_its_own() {
        std::thread::spawn(|| {
            INNER.get_or_init(|| AtomicPtr::new(counted(&INNER_DROPS)));
            let outer = AtomicPtr::<RetiresOnDrop, NestedFamily>::new(RetiresOnDrop);
            Field::<AtomicPtr<RetiresOnDrop, NestedFamily>, RetiresOnDrop, NestedFamily>::NEW
                .static_domain(&outer)
                .swap_and_retire(RetiresOnDrop);
            // The flush retires the first `RetiresOnDrop` into a new domain, whose first
            // retirement reclaims (haphazard's timer is due at once): its drop retires the
            // inner value while the flush runs.
            crate::flush_retired();
            let _ = NESTED.eager_reclaim();
            assert_eq!(
                buffered(),
                0,
                "the nested retirement went around the buffer"
            );
            assert_eq!(
                INNER_DROPS.load(Ordering::SeqCst),
                1,
                "and reached the domain"
            );
            let _ =
                Field::<AtomicPtr<RetiresOnDrop, NestedFamily>, RetiresOnDrop, NestedFamily>::NEW
                    .static_domain(&outer)
                    .clear_and_retire();
            crate::flush_retired();
            let _ = NESTED.eager_reclaim();
            clear(INNER.get().unwrap());
            let _ = NESTED.eager_reclaim();
            assert_eq!(INNER_DROPS.load(Ordering::SeqCst), 3);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_drop_panic_during_a_flush_is_resumed_by_the_hazptr_call() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        std::thread::spawn(|| {
            let field = AtomicPtr::<Counted, PanicFamily>::new(Counted {
                drops: &DROPS,
                panics: true,
            });
            // Retire the panicking value; the flush hands it to the domain (the fallback, at
            // once), whose first retirement reclaims (haphazard's timer is due at once in a new
            // domain): the hazptr call that handed it over resumes the panic.
            let swapped = panic::catch_unwind(AssertUnwindSafe(|| swap(&field, counted(&DROPS))));
            let flushed = panic::catch_unwind(AssertUnwindSafe(crate::flush_retired));
            assert!(
                swapped.is_err() != flushed.is_err(),
                "one of the two calls resumed the drop's panic"
            );
            let _ = PANICS.eager_reclaim();
            assert_eq!(
                DROPS.load(Ordering::SeqCst),
                1,
                "reclaimed once, panic and all"
            );
            if barrier::mode() == barrier::Mode::Asymmetric {
                assert!(flushed.is_err(), "the flush resumed the drop's panic");
            }
            clear(&field);
            let _ = PANICS.eager_reclaim();
            assert_eq!(DROPS.load(Ordering::SeqCst), 2);
        })
        .join()
        .unwrap();
    }
}
