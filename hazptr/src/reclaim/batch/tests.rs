use core::sync::atomic::{AtomicUsize, Ordering};
use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};

use super::{BATCH, buffered};
use crate::field::atomic_ptr::AtomicPtr;
use crate::field::place::Field;
use crate::protect::hazard_cache::StaticDomain;
use crate::reclaim::barrier;

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
        let _ = FULL.as_engine().eager_reclaim();
        if barrier::mode() == barrier::Mode::Asymmetric {
            assert_eq!(buffered(), BATCH - 1, "the batch holds every retired value");
            assert_eq!(DROPS.load(Ordering::SeqCst), 0, "none reached the domain");
        } else {
            assert_eq!(buffered(), 0, "the fallback retires at once");
            assert_eq!(DROPS.load(Ordering::SeqCst), BATCH - 1);
        }
        swap(&field, counted(&DROPS));
        assert_eq!(buffered(), 0, "the full batch was flushed");
        let _ = FULL.as_engine().eager_reclaim();
        assert_eq!(DROPS.load(Ordering::SeqCst), BATCH);
        clear(&field);
        let _ = FULL.as_engine().eager_reclaim();
        assert_eq!(DROPS.load(Ordering::SeqCst), BATCH + 1);
    })
    .join()
    .unwrap();
}

#[test]
fn a_thread_flushes_its_batch_when_it_exits() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    static FIELD: std::sync::OnceLock<AtomicPtr<Counted, ExitFamily>> = std::sync::OnceLock::new();
    let field = FIELD.get_or_init(|| AtomicPtr::new(counted(&DROPS)));
    std::thread::spawn(move || {
        for _ in 0..3 {
            swap(field, counted(&DROPS));
        }
    })
    .join()
    .unwrap();
    // `join` waits for the thread's thread-local destructors, the batch's included.
    let _ = EXIT.as_engine().eager_reclaim();
    assert_eq!(DROPS.load(Ordering::SeqCst), 3);
}

#[test]
fn a_retirement_from_a_thread_local_destructor_reaches_its_domain() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    static FIELD: std::sync::OnceLock<AtomicPtr<Counted, LateFamily>> = std::sync::OnceLock::new();

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
    let _ = LATE.as_engine().eager_reclaim();
    assert_eq!(DROPS.load(Ordering::SeqCst), 4, "two swaps per thread");
}

crate::static_unique_domain!(static NESTED: Domain<NestedFamily>);

/// Retires the value of `INNER` when dropped.
struct RetiresOnDrop;

static INNER: std::sync::OnceLock<AtomicPtr<Counted, NestedFamily>> = std::sync::OnceLock::new();
static INNER_DROPS: AtomicUsize = AtomicUsize::new(0);

impl Drop for RetiresOnDrop {
    fn drop(&mut self) {
        swap(INNER.get().unwrap(), counted(&INNER_DROPS));
    }
}

#[test]
fn a_retirement_made_during_a_flush_waits_for_the_next_one() {
    std::thread::spawn(|| {
        INNER.get_or_init(|| AtomicPtr::new(counted(&INNER_DROPS)));
        let outer = AtomicPtr::<RetiresOnDrop, NestedFamily>::new(RetiresOnDrop);
        Field::<AtomicPtr<RetiresOnDrop, NestedFamily>, RetiresOnDrop, NestedFamily>::NEW
            .static_domain(&outer)
            .swap_and_retire(RetiresOnDrop);
        // The flush retires the first `RetiresOnDrop` into a new domain, whose first
        // retirement reclaims (haphazard's timer is due at once): its drop retires the
        // inner value while the flush runs, after the flush's barrier.
        crate::flush_retired();
        let _ = NESTED.as_engine().eager_reclaim();
        if barrier::mode() == barrier::Mode::Asymmetric {
            assert_eq!(
                buffered(),
                1,
                "the nested retirement waits in the emptied buffer"
            );
            assert_eq!(INNER_DROPS.load(Ordering::SeqCst), 0, "for the next flush");
            crate::flush_retired();
            let _ = NESTED.as_engine().eager_reclaim();
        }
        assert_eq!(buffered(), 0);
        assert_eq!(
            INNER_DROPS.load(Ordering::SeqCst),
            1,
            "the nested retirement reached the domain"
        );
        let _ = Field::<AtomicPtr<RetiresOnDrop, NestedFamily>, RetiresOnDrop, NestedFamily>::NEW
            .static_domain(&outer)
            .clear_and_retire();
        crate::flush_retired();
        let _ = NESTED.as_engine().eager_reclaim();
        clear(INNER.get().unwrap());
        let _ = NESTED.as_engine().eager_reclaim();
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
        let _ = PANICS.as_engine().eager_reclaim();
        assert_eq!(
            DROPS.load(Ordering::SeqCst),
            1,
            "reclaimed once, panic and all"
        );
        if barrier::mode() == barrier::Mode::Asymmetric {
            assert!(flushed.is_err(), "the flush resumed the drop's panic");
        }
        clear(&field);
        let _ = PANICS.as_engine().eager_reclaim();
        assert_eq!(DROPS.load(Ordering::SeqCst), 2);
    })
    .join()
    .unwrap();
}
