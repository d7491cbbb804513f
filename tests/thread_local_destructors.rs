//! hazptr used from another thread-local's destructor: structs dropped, values retired and
//! reclaimed, guards and `protected!` blocks, and a retired value whose drop panics, whatever the
//! order in which the thread's thread-locals were first used.
//!
//! At thread exit, std destroys a thread's thread-locals in the reverse order of their first use
//! (on Linux; other platforms may differ, which is why every order is tried). Each test runs its
//! code in the destructor of a thread-local of its own, in a thread that used hazptr
//!
//! - after that thread-local ([`Order::UserFirst`]): hazptr's thread-locals (the hazard-pointer
//!   cache's drain, the panic bookkeeping of retirements) are destroyed before the destructor
//!   runs, and the hazard-pointer cache is drained and closed;
//! - before it ([`Order::HazptrFirst`]): hazptr's thread-locals are still alive;
//! - not at all before thread exit ([`Order::OnlyInDestructor`]): hazptr's thread-locals are first
//!   used, and registered, while the thread's destructors run.
//!
//! A panic that unwinds out of a thread-local destructor aborts the process, so code in the
//! destructors asserts nothing: it records what it saw, and the test asserts on that after the
//! thread has joined. (If hazptr itself panics there, the test binary aborts, which fails it.)

mod common;

use std::cell::RefCell;
use std::panic::{self, PanicHookInfo};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::thread;

use common::{Counted, Counter, reclaim_global_until};
use hazptr::{AtomicPtr, Domain, HazardProtected, protected};

#[derive(HazardProtected)]
struct S {
    #[hazard]
    f: AtomicPtr<Counted>,
}

#[derive(HazardProtected)]
struct Pair {
    #[hazard]
    first: AtomicPtr<Counted>,
    #[hazard(non_null)]
    second: AtomicPtr<Counted>,
}

/// Whether the thread first uses the test's thread-local or hazptr's; see the module docs.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Order {
    UserFirst,
    HazptrFirst,
    OnlyInDestructor,
}

const ORDERS: [Order; 3] = [
    Order::UserFirst,
    Order::HazptrFirst,
    Order::OnlyInDestructor,
];

/// The value of [`AT_EXIT`]: runs its closures when the thread's thread-locals are destroyed.
struct RunAtExit(RefCell<Vec<Box<dyn FnOnce()>>>);

impl Drop for RunAtExit {
    fn drop(&mut self) {
        for f in self.0.get_mut().drain(..) {
            f();
        }
    }
}

thread_local! {
    /// The test's thread-local: first used by [`at_thread_exit`].
    static AT_EXIT: RunAtExit = const { RunAtExit(RefCell::new(Vec::new())) };
}

/// Runs `f` in the destructor of [`AT_EXIT`], which this first use registers.
fn at_thread_exit(f: impl FnOnce() + 'static) {
    AT_EXIT.with(|at_exit| at_exit.0.borrow_mut().push(Box::new(f)));
}

/// Uses each of hazptr's thread-locals: a guard and a `protected!` block (the hazard-pointer
/// cache, and its drain at thread exit), a swap (the panic bookkeeping of retirements). The two
/// values it makes are retired.
fn use_hazptr(counter: &Counter) {
    let s = S {
        f: hazptr::atomic_ptr(counter.make(900)),
    };
    drop(s.load_protected_f());
    protected! {
        let Some(_value) = s.f else { unreachable!("the field holds a value") };
    }
    s.swap_and_retire_f(counter.make(901));
}

/// Spawns a thread that runs `destructor` in a thread-local destructor, using hazptr before or
/// after registering it as `order` says, and waits for the thread to end.
fn in_thread_local_destructor(
    order: Order,
    counter: &Counter,
    destructor: impl FnOnce() + Send + 'static,
) {
    let counter = counter.clone();
    thread::spawn(move || {
        if order == Order::HazptrFirst {
            use_hazptr(&counter);
        }
        at_thread_exit(destructor);
        if order == Order::UserFirst {
            use_hazptr(&counter);
        }
    })
    .join()
    .unwrap();
}

/// A log of what the code in a destructor saw, for the test to check after the thread ends.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<Option<u64>>>>);

impl Seen {
    fn push(&self, value: Option<u64>) {
        self.0.lock().unwrap().push(value);
    }

    fn take(&self) -> Vec<Option<u64>> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

/// The reproducer: the thread sets its thread-local before its first retirement, so
/// hazptr's thread-locals are destroyed first; dropping the kept struct then retires its value.
/// It aborted the process ("thread local panicked on drop").
/// `counter` made `made.0` values when hazptr was first used in the destructor
/// (`Order::OnlyInDestructor`), `made.1` in the other orders, and dropped each exactly once.
fn assert_made_and_dropped_once(order: Order, counter: &Counter, made: (usize, usize)) {
    let made = if order == Order::OnlyInDestructor {
        made.0
    } else {
        made.1
    };
    assert_eq!(counter.made(), made, "{order:?}");
    assert_eq!(
        counter.dropped(),
        made,
        "{order:?}: each value dropped once"
    );
}

#[test]
fn a_struct_kept_in_a_thread_local_used_before_hazptr_is_reclaimed() {
    thread_local! {
        static KEEP: RefCell<Option<S>> = const { RefCell::new(None) };
    }
    let counter = Counter::default();
    let in_thread = counter.clone();
    thread::spawn(move || {
        KEEP.with(|k| {
            *k.borrow_mut() = Some(S {
                f: hazptr::atomic_ptr(in_thread.make(1)),
            });
        });
        let s = S {
            f: hazptr::atomic_ptr(in_thread.make(2)),
        };
        s.swap_and_retire_f(in_thread.make(3));
    })
    .join()
    .unwrap();
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!(counter.made(), 3);
    assert_eq!(
        counter.dropped(),
        3,
        "the replaced value, the last one, and the kept struct's were each dropped once"
    );
}

/// The other order: the thread reads and swaps before it sets its thread-local, so hazptr's
/// thread-locals are still alive when the kept struct is dropped.
#[test]
fn a_struct_kept_in_a_thread_local_used_after_hazptr_is_reclaimed() {
    thread_local! {
        static KEEP: RefCell<Option<S>> = const { RefCell::new(None) };
    }
    let counter = Counter::default();
    let in_thread = counter.clone();
    thread::spawn(move || {
        let s = S {
            f: hazptr::atomic_ptr(in_thread.make(1)),
        };
        assert_eq!(s.load_protected_f().map(|v| v.value), Some(1));
        s.swap_and_retire_f(in_thread.make(2));
        KEEP.with(|k| {
            *k.borrow_mut() = Some(S {
                f: hazptr::atomic_ptr(in_thread.make(3)),
            });
        });
    })
    .join()
    .unwrap();
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!(counter.made(), 3);
    assert_eq!(counter.dropped(), 3, "each value was dropped once");
}

/// A struct dropped in a thread-local destructor, in every order, also one made there.
#[test]
fn a_struct_dropped_in_a_thread_local_destructor_is_reclaimed() {
    for order in ORDERS {
        let counter = Counter::default();
        let kept = S {
            f: hazptr::atomic_ptr(counter.make(1)),
        };
        let in_destructor = counter.clone();
        in_thread_local_destructor(order, &counter, move || {
            kept.swap_and_retire_f(in_destructor.make(2));
            drop(kept);
            let made_there = S {
                f: hazptr::atomic_ptr(in_destructor.make(3)),
            };
            drop(made_there);
        });
        reclaim_global_until(|| counter.alive() == 0);
        assert_made_and_dropped_once(order, &counter, (3, 5));
    }
}

/// Guards, taken one at a time and two at once, and `protected!` blocks of one and of two
/// bindings read the right values in a thread-local destructor, before and after a swap made
/// there; in the `UserFirst` order the thread's hazard-pointer cache is already drained, in
/// `OnlyInDestructor` it is first used there.
#[test]
fn guards_and_protected_blocks_read_in_a_thread_local_destructor() {
    for order in ORDERS {
        let counter = Counter::default();
        let pair = Pair {
            first: hazptr::atomic_ptr(counter.make(1)),
            second: hazptr::atomic_ptr(counter.make(2)),
        };
        let seen = Seen::default();
        let (in_destructor, log) = (counter.clone(), seen.clone());
        in_thread_local_destructor(order, &counter, move || {
            log.push(pair.load_protected_first().map(|v| v.value));
            {
                let first = pair.load_protected_first();
                let second = pair.load_protected_second();
                log.push(first.map(|v| v.value));
                log.push(Some(second.value));
            }
            protected! {
                let second = pair.second;
            }
            log.push(second.map(|v| v.value));
            pair.swap_and_retire_first(in_destructor.make(3));
            protected! {
                let first = pair.first;
                let Some(second) = pair.second else { unreachable!("non-null") };
            }
            log.push(first.map(|v| v.value));
            log.push(Some(second.value));
            log.push(pair.load_protected_first().map(|v| v.value));
            drop(pair);
        });
        assert_eq!(
            seen.take(),
            [1, 1, 2, 2, 3, 2, 3].map(Some),
            "{order:?}: the values read in the destructor"
        );
        reclaim_global_until(|| counter.alive() == 0);
        assert_made_and_dropped_once(order, &counter, (3, 5));
    }
}

/// `Domain::eager_reclaim` called in a thread-local destructor reclaims the values retired
/// there (and those the thread retired before).
#[test]
fn reclamation_runs_in_a_thread_local_destructor() {
    // Enough tries for the reclamations other tests run at the same time to let go of our
    // values (see `common::reclaim_global_until`); fewer under Miri, where each is slow.
    let tries = if cfg!(miri) { 100 } else { 1000 };
    for order in ORDERS {
        let counter = Counter::default();
        let s = S {
            f: hazptr::atomic_ptr(counter.make(1)),
        };
        let seen = Seen::default();
        let (in_destructor, log) = (counter.clone(), seen.clone());
        in_thread_local_destructor(order, &counter, move || {
            for value in 2..=4 {
                s.swap_and_retire_f(in_destructor.make(value));
            }
            drop(s);
            // Hand this thread's batch (the asymmetric barrier's) to the domain first.
            hazptr::flush_retired();
            for _ in 0..tries {
                Domain::global().reclaim();
                if in_destructor.alive() == 0 {
                    break;
                }
                thread::yield_now();
            }
            log.push(Some(in_destructor.alive() as u64));
        });
        assert_eq!(
            seen.take(),
            [Some(0)],
            "{order:?}: every value was reclaimed while the destructor ran"
        );
        assert_made_and_dropped_once(order, &counter, (4, 6));
    }
}

/// A value whose drop panics with its `id` (a `&'static str`), after counting the drop.
struct Panicky {
    id: &'static str,
    panics: bool,
    dropped: Arc<AtomicUsize>,
}

impl Panicky {
    fn new(id: &'static str, panics: bool, dropped: &Arc<AtomicUsize>) -> Self {
        Self {
            id,
            panics,
            dropped: Arc::clone(dropped),
        }
    }
}

impl Drop for Panicky {
    fn drop(&mut self) {
        self.dropped.fetch_add(1, Ordering::SeqCst);
        if self.panics {
            panic::panic_any(self.id);
        }
    }
}

/// The ids of the `Panicky` panics the panic hook reported, in place of printing them.
static REPORTED: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

/// Installs (once) a panic hook that records the panics of `Panicky` values in [`REPORTED`]
/// and passes every other panic to the previous hook.
fn record_panicky_reports() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
            match info.payload().downcast_ref::<&'static str>() {
                Some(&id) if id.starts_with("panicky ") => REPORTED.lock().unwrap().push(id),
                _ => previous(info),
            }
        }));
    });
}

/// Turns the background reclaimer off, for the rest of this binary's run, before a test
/// retires a panicking value: the test checks that the panic is swallowed on the thread that
/// drops it, in a thread-local destructor. The reclaimer would drop it on its own thread
/// instead, whenever its round came, and post the panic for the next `reclaim` to resume (a
/// failure seen in CI). The binary's other tests free with explicit reclamations.
fn background_reclaimer_off() {
    hazptr::set_background_reclaim(false);
}

fn reports_of(id: &str) -> usize {
    REPORTED
        .lock()
        .unwrap()
        .iter()
        .filter(|r| **r == id)
        .count()
}

hazptr::static_unique_domain!(
    /// The domain of the panicking values of one test: its reclamations free only them.
    static PANICKY_DOMAIN: Domain<PanickyFamily>
);

#[derive(HazardProtected)]
struct PanickyCell {
    #[hazard(non_null)]
    value: AtomicPtr<Panicky, PanickyFamily>,
}

/// A value whose drop panics, retired in a thread-local destructor and reclaimed there by
/// `eager_reclaim`, which runs outside any hazptr call: the hook reports the panic, which ends
/// there; the destructor goes on, and every value is dropped once.
#[test]
fn a_panicking_drop_reclaimed_in_a_thread_local_destructor_is_reported_and_swallowed() {
    record_panicky_reports();
    background_reclaimer_off();
    let ids = [
        "panicky eager UserFirst",
        "panicky eager HazptrFirst",
        "panicky eager OnlyInDestructor",
    ];
    for (order, id) in ORDERS.into_iter().zip(ids) {
        let dropped = Arc::new(AtomicUsize::new(0));
        let cell = PanickyCell {
            value: hazptr::atomic_ptr(Panicky::new(id, true, &dropped)),
        };
        let seen = Seen::default();
        let (in_destructor, log) = (Arc::clone(&dropped), seen.clone());
        in_thread_local_destructor(order, &Counter::default(), move || {
            // Protected while it is retired, so that no reclamation the swap may run frees it
            // inside the swap (which would resume the panic where hazptr's storage is alive).
            let guard = cell.load_protected_value();
            cell.swap_and_retire_value(Panicky::new(id, false, &in_destructor));
            // Hand this thread's batch to the domain while the value is still protected.
            hazptr::flush_retired();
            drop(guard);
            // The engine's own reclamation: no hazptr call to resume the panic in. It is not
            // complete: a retirement into the domain on another thread (one handing this
            // thread's batch on) may hold the domain's list for an instant, and this call then
            // finds it empty; so it is tried again until the value is dropped.
            for _ in 0..1000 {
                let _ = PANICKY_DOMAIN.as_engine().eager_reclaim();
                if in_destructor.load(Ordering::SeqCst) > 0 {
                    break;
                }
                thread::yield_now();
            }
            log.push(Some(in_destructor.load(Ordering::SeqCst) as u64));
            drop(cell);
            log.push(Some(42));
        });
        assert_eq!(
            seen.take(),
            [Some(1), Some(42)],
            "{order:?}: the panicking value was dropped in the destructor, which went on"
        );
        PANICKY_DOMAIN.reclaim();
        assert_eq!(
            dropped.load(Ordering::SeqCst),
            2,
            "{order:?}: both values dropped once"
        );
        assert_eq!(
            reports_of(id),
            1,
            "{order:?}: the hook reported the panic once"
        );
    }
}

hazptr::static_unique_domain!(
    /// The domain of the panicking values retired by `…_when_hazptrs_storage_is_gone`.
    static GONE_DOMAIN: Domain<GoneFamily>
);

#[derive(HazardProtected)]
struct GoneCell {
    #[hazard(non_null)]
    value: AtomicPtr<Panicky, GoneFamily>,
}

/// A value whose drop panics, reclaimed by a retirement (a hazptr call, which would resume the
/// panic) in a thread-local destructor that runs after hazptr's thread-locals were destroyed:
/// with nowhere to keep it, the panic is reported by the hook and ends there, as outside a
/// hazptr call; the retirements go on and reclaim every other value.
#[test]
fn a_panicking_drop_reclaimed_by_a_retirement_after_hazptrs_storage_is_gone_is_swallowed() {
    record_panicky_reports();
    background_reclaimer_off();
    const ID: &str = "panicky retirement UserFirst";
    // A retirement reclaims once more than 1000 values wait in the domain (and, on a timer, at
    // the first retirement into it); each swap retires one.
    const MAX_SWAPS: u64 = 1100;
    let dropped = Arc::new(AtomicUsize::new(0));
    let cell = GoneCell {
        value: hazptr::atomic_ptr(Panicky::new(ID, true, &dropped)),
    };
    let seen = Seen::default();
    let (in_destructor, log) = (Arc::clone(&dropped), seen.clone());
    in_thread_local_destructor(Order::UserFirst, &Counter::default(), move || {
        let mut swaps = 0;
        while in_destructor.load(Ordering::SeqCst) == 0 && swaps < MAX_SWAPS {
            cell.swap_and_retire_value(Panicky::new(ID, false, &in_destructor));
            swaps += 1;
        }
        log.push(Some(swaps));
        drop(cell);
    });
    let seen = seen.take();
    assert!(
        matches!(seen[..], [Some(swaps)] if (1..MAX_SWAPS).contains(&swaps)),
        "a swap reclaimed the panicking value: {seen:?}"
    );
    let made = seen[0].unwrap() as usize + 1;
    GONE_DOMAIN.reclaim();
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        made,
        "every value dropped once"
    );
    assert_eq!(reports_of(ID), 1, "the hook reported the panic once");
}
