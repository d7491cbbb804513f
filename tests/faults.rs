//! Faults: panics in user code and threads that exit mid-use. After each, nothing leaks, nothing
//! is dropped twice, no state is left poisoned, and the next operation works.
//!
//! Each test uses a domain of its own (a `static_unique_domain!` family or a per-instance
//! domain), so that its reclamations and drop counts are not disturbed by the other tests of this
//! binary, which run concurrently.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell as StdCell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::Duration;

use hazptr::{AtomicPtr, Domain, HazardProtected, Protected, StaticDomain};

std::thread_local! {
    /// Heap allocations made by this thread so far (counted by [`CountingAllocator`]).
    static ALLOCATIONS: StdCell<usize> = const { StdCell::new(0) };
}

/// The system allocator, counting each thread's allocations, so that a test can tell whether a
/// thread had to allocate hazard records or reused ones handed back by exited threads.
struct CountingAllocator;

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the counting
// touches only a `const`-initialised thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
        // SAFETY: forwarded from the caller.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded from the caller (`ptr` came from `System` via `alloc`).
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn allocations() -> usize {
    ALLOCATIONS.with(StdCell::get)
}

/// Counts the values made and dropped, and which value each drop was.
#[derive(Default)]
struct Ledger {
    made: AtomicUsize,
    dropped: AtomicUsize,
    /// Sum of the dropped values, to tell *which* values were dropped.
    dropped_sum: AtomicUsize,
}

impl Ledger {
    fn live(&self) -> usize {
        self.made.load(Ordering::SeqCst) - self.dropped.load(Ordering::SeqCst)
    }
}

/// A value that records its construction and drop; it panics in `drop` when asked to.
struct Tracked {
    value: usize,
    panic_on_drop: bool,
    ledger: Arc<Ledger>,
}

impl Tracked {
    fn new(value: usize, ledger: &Arc<Ledger>) -> Self {
        ledger.made.fetch_add(1, Ordering::SeqCst);
        Self {
            value,
            panic_on_drop: false,
            ledger: Arc::clone(ledger),
        }
    }

    fn panicking(value: usize, ledger: &Arc<Ledger>) -> Self {
        let mut tracked = Self::new(value, ledger);
        tracked.panic_on_drop = true;
        tracked
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.ledger.dropped.fetch_add(1, Ordering::SeqCst);
        self.ledger
            .dropped_sum
            .fetch_add(self.value, Ordering::SeqCst);
        assert!(
            !self.panic_on_drop,
            "Tracked({}) panics on drop",
            self.value
        );
    }
}

/// Frees every value retired into `F`'s domain that no guard protects.
///
/// Twice, because the tests sharing a domain run concurrently: a reclamation another test
/// started earlier may hold one of our values, seen protected by a guard we have dropped since,
/// and put it back only after our first `cleanup` found the lists empty. The first `cleanup`
/// waits for that reclamation to end; the second then frees the value (or waits for whichever
/// reclamation took it meanwhile, which frees it).
fn reclaim<F: StaticDomain>() {
    // What this thread retired may still wait in its batch (the asymmetric barrier's).
    hazptr::flush_retired();
    F::domain().reclaim();
    F::domain().reclaim();
}

/// Runs `f`, which must panic, without printing the panic message of the expected panic.
fn expect_panic<R>(f: impl FnOnce() -> R) {
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    assert!(result.is_err(), "expected a panic");
}

/// Runs `f` on a helper thread and fails (instead of hanging) if it does not return in time.
fn within_seconds<R: Send + 'static>(
    seconds: u64,
    what: &str,
    f: impl FnOnce() -> R + Send + 'static,
) -> R {
    let (done, result) = mpsc::channel();
    thread::spawn(move || done.send(f()).unwrap());
    result
        .recv_timeout(Duration::from_secs(seconds))
        .unwrap_or_else(|_| panic!("{what} did not return within {seconds} s"))
}

mod update_panics {
    use super::*;

    hazptr::static_unique_domain!(static DOMAIN: Domain<Family>);

    #[derive(HazardProtected)]
    struct Cell {
        #[hazard(non_null)]
        value: AtomicPtr<Tracked, Family>,
    }

    /// A closure that panics while building the successor: the field keeps its value, the
    /// half-built successor is dropped during the unwinding, and the next update works.
    #[test]
    fn panicking_update_closure_leaves_the_field_usable() {
        let ledger = Arc::new(Ledger::default());
        let cell = Cell {
            value: hazptr::atomic_ptr(Tracked::new(1, &ledger)),
        };

        expect_panic(|| {
            cell.update_value(|current| {
                let successor = Tracked::new(current.value + 10, &ledger);
                assert_eq!(successor.value, 11);
                panic!("update closure fails");
            });
        });
        // The half-built 11 was dropped by the unwinding; 1 is still installed and live.
        assert_eq!(ledger.dropped.load(Ordering::SeqCst), 1);
        assert_eq!(ledger.dropped_sum.load(Ordering::SeqCst), 11);
        assert_eq!(cell.load_protected_value().value, 1);

        // The hazard pointer the update held went back to the cache unprotected: 1 can be
        // replaced and reclaimed.
        cell.update_value(|current| Tracked::new(current.value + 1, &ledger));
        assert_eq!(cell.load_protected_value().value, 2);
        reclaim::<Family>();
        assert_eq!(ledger.dropped_sum.load(Ordering::SeqCst), 11 + 1);

        drop(cell);
        reclaim::<Family>();
        assert_eq!(ledger.live(), 0, "allocations == drops");
        assert_eq!(ledger.dropped_sum.load(Ordering::SeqCst), 11 + 1 + 2);
    }

    /// A closure that panics on its retry: the first call's successor (which lost the race to a
    /// swap made from inside the closure) is dropped, the swapped-in value stays, and the value
    /// the swap replaced is retired exactly once.
    #[test]
    fn panicking_update_closure_on_retry() {
        let ledger = Arc::new(Ledger::default());
        let cell = Cell {
            value: hazptr::atomic_ptr(Tracked::new(1, &ledger)),
        };

        let mut calls = 0;
        expect_panic(|| {
            cell.update_value(|current| {
                calls += 1;
                if calls == 1 {
                    assert_eq!(current.value, 1);
                    // Another writer gets in first (here, re-entrantly): the exchange will fail.
                    cell.swap_and_retire_value(Tracked::new(2, &ledger));
                    // `current` is still protected by the update's hazard pointer.
                    assert_eq!(current.value, 1);
                    Tracked::new(100, &ledger)
                } else {
                    assert_eq!(current.value, 2);
                    panic!("update closure fails on its retry");
                }
            });
        });
        assert_eq!(calls, 2);
        assert_eq!(cell.load_protected_value().value, 2);
        // 100 (the stale successor) was dropped when the exchange failed; 1 is retired.
        reclaim::<Family>();
        assert_eq!(ledger.dropped_sum.load(Ordering::SeqCst), 100 + 1);
        assert_eq!(ledger.live(), 1);

        cell.update_value(|current| Tracked::new(current.value + 1, &ledger));
        drop(cell);
        reclaim::<Family>();
        assert_eq!(ledger.live(), 0, "allocations == drops");
        assert_eq!(ledger.dropped_sum.load(Ordering::SeqCst), 100 + 1 + 2 + 3);
    }
}

mod drop_panics {
    use super::*;

    struct Family;
    impl hazptr::InstanceFamily for Family {}

    #[derive(HazardProtected)]
    #[hazard(domain = domain)]
    struct Cell {
        #[hazard(non_null)]
        value: AtomicPtr<Tracked, Family>,
        domain: Domain<Family>,
    }

    /// A `T::drop` that panics while a reclamation drops retired values: every *other* retired
    /// value is still dropped exactly once, the domain is not left in a state where `cleanup`
    /// waits forever, and the next operations work. (Whether the panic then reaches the caller
    /// that ran the reclamation is the runtime's choice; this test accepts either.)
    #[test]
    fn panicking_drop_during_reclamation() {
        let ledger = Arc::new(Ledger::default());
        let cell = Arc::new(Cell {
            value: hazptr::atomic_ptr(Tracked::new(1, &ledger)),
            domain: Domain::new(&Family),
        });
        cell.swap_and_retire_value(Tracked::panicking(2, &ledger));
        for value in 3..=6 {
            cell.swap_and_retire_value(Tracked::new(value, &ledger));
        }
        // Retired: 1, 2 (panics), 3, 4, 5. Installed: 6.
        let reclaim = || cell.domain.reclaim();
        let _panicked = panic::catch_unwind(AssertUnwindSafe(reclaim)).is_err();
        let _ = cell.domain.reclaim();
        assert_eq!(
            ledger.dropped_sum.load(Ordering::SeqCst),
            1 + 2 + 3 + 4 + 5,
            "every retired value was dropped, the panicking one included"
        );
        assert_eq!(ledger.live(), 1);

        let shared = Arc::clone(&cell);
        within_seconds(10, "cleanup after a panicking drop", move || {
            shared.domain.reclaim();
        });
        cell.swap_and_retire_value(Tracked::new(7, &ledger));
        assert_eq!(cell.load_protected_value().value, 7);
        drop(Arc::into_inner(cell).expect("the helper thread is done"));
        assert_eq!(ledger.live(), 0, "allocations == drops");
    }

    /// A value whose drop panics is dropped by the domain's own drop (the struct is dropped):
    /// the panic surfaces from the struct's drop, and the value is dropped once.
    #[test]
    fn panicking_drop_when_the_structure_drops() {
        let ledger = Arc::new(Ledger::default());
        let cell = Cell {
            value: hazptr::atomic_ptr(Tracked::panicking(1, &ledger)),
            domain: Domain::new(&Family),
        };
        assert_eq!(cell.load_protected_value().value, 1);
        expect_panic(move || drop(cell));
        assert_eq!(ledger.dropped.load(Ordering::SeqCst), 1, "dropped once");
        assert_eq!(ledger.live(), 0);

        // A new structure of the same family works as before.
        let cell = Cell {
            value: hazptr::atomic_ptr(Tracked::new(2, &ledger)),
            domain: Domain::new(&Family),
        };
        cell.swap_and_retire_value(Tracked::new(3, &ledger));
        assert_eq!(cell.load_protected_value().value, 3);
        drop(cell);
        assert_eq!(ledger.live(), 0, "allocations == drops");
        assert_eq!(ledger.dropped_sum.load(Ordering::SeqCst), 1 + 2 + 3);
    }
}

mod thread_exit {
    use super::*;

    hazptr::static_unique_domain!(static DOMAIN: Domain<Family>);

    #[derive(HazardProtected)]
    struct Cell {
        #[hazard(non_null)]
        value: AtomicPtr<Tracked, Family>,
    }

    /// A `'static` cell (a guard kept in a thread-local must borrow one), in `slot`: a static,
    /// so that Miri sees it as reachable rather than leaked. Its last value is retired by
    /// `retire_last` at the end of each test.
    fn new_cell(
        slot: &'static OnceLock<Cell>,
        value: usize,
        ledger: &Arc<Ledger>,
    ) -> &'static Cell {
        let cell = Cell {
            value: hazptr::atomic_ptr(Tracked::new(value, ledger)),
        };
        assert!(slot.set(cell).is_ok(), "each test uses its own slot");
        slot.get().unwrap()
    }

    /// Retires the last value of a static cell (the equivalent of dropping it), replacing it
    /// with a value counted in a ledger of its own.
    fn retire_last(cell: &'static Cell) {
        cell.swap_and_retire_value(Tracked {
            value: 0,
            panic_on_drop: false,
            ledger: Arc::new(Ledger::default()),
        });
    }

    thread_local! {
        static KEPT: RefCell<Vec<Protected<'static, Tracked, Family>>> =
            const { RefCell::new(Vec::new()) };
    }

    /// A thread ends while guards it keeps in a thread-local are alive: they are dropped with the
    /// thread's storage (before or after its hazard-pointer cache is drained, whichever order
    /// the platform runs destructors in), and their protection ends with them.
    #[test]
    fn thread_exits_while_holding_guards() {
        static CELL: OnceLock<Cell> = OnceLock::new();
        let ledger = Arc::new(Ledger::default());
        let cell = new_cell(&CELL, 1, &ledger);
        let (held, wait) = mpsc::channel();
        let (finish, finished) = mpsc::channel::<()>();
        let reader = thread::spawn(move || {
            KEPT.with_borrow_mut(|kept| {
                // More guards than the cache holds, so that some are released to the domain.
                kept.extend((0..12).map(|_| cell.load_protected_value()));
            });
            held.send(()).unwrap();
            finished.recv().unwrap();
            // Return with the guards still in `KEPT`.
        });
        wait.recv().unwrap();
        cell.swap_and_retire_value(Tracked::new(2, &ledger));
        reclaim::<Family>();
        assert_eq!(
            ledger.dropped.load(Ordering::SeqCst),
            0,
            "1 is protected by the reader's guards"
        );
        finish.send(()).unwrap();
        reader.join().unwrap();

        reclaim::<Family>();
        assert_eq!(
            ledger.dropped_sum.load(Ordering::SeqCst),
            1,
            "1 freed once after exit"
        );
        // The next operations work, from this thread and from a new one.
        assert_eq!(cell.load_protected_value().value, 2);
        thread::spawn(move || cell.update_value(|v| Tracked::new(v.value + 1, &v.ledger)))
            .join()
            .unwrap();
        assert_eq!(cell.load_protected_value().value, 3);
        retire_last(cell);
        reclaim::<Family>();
        assert_eq!(ledger.live(), 0, "allocations == drops");
        assert_eq!(ledger.dropped_sum.load(Ordering::SeqCst), 1 + 2 + 3);
    }

    /// A thread panics while it holds guards and `protected!` bindings: the unwinding drops
    /// them, their protection ends, and the value they protected is reclaimed exactly once.
    #[test]
    fn thread_panics_while_holding_guards() {
        let ledger = Arc::new(Ledger::default());
        let cell = Cell {
            value: hazptr::atomic_ptr(Tracked::new(1, &ledger)),
        };
        thread::scope(|s| {
            let (held, wait) = mpsc::channel();
            let (fail, failing) = mpsc::channel::<()>();
            let cell = &cell;
            let reader = s.spawn(move || {
                let guard = cell.load_protected_value();
                hazptr::protected! {
                    let Some(bound) = cell.value else { unreachable!("never emptied") };
                }
                assert_eq!((guard.value, bound.value), (1, 1));
                held.send(()).unwrap();
                failing.recv().unwrap();
                panic!("the reader fails while it holds its guards");
            });
            wait.recv().unwrap();
            cell.swap_and_retire_value(Tracked::new(2, &ledger));
            reclaim::<Family>();
            assert_eq!(
                ledger.dropped.load(Ordering::SeqCst),
                0,
                "1 is still protected"
            );
            fail.send(()).unwrap();
            assert!(reader.join().is_err(), "the reader panicked");
        });
        reclaim::<Family>();
        assert_eq!(ledger.dropped_sum.load(Ordering::SeqCst), 1, "1 freed once");
        // The next operations work.
        cell.update_value(|v| Tracked::new(v.value + 1, &v.ledger));
        assert_eq!(cell.load_protected_value().value, 3);
        drop(cell);
        reclaim::<Family>();
        assert_eq!(ledger.live(), 0, "allocations == drops");
        assert_eq!(ledger.dropped_sum.load(Ordering::SeqCst), 1 + 2 + 3);
    }

    /// Threads end with hazard pointers in their per-thread cache (every guard they made was
    /// dropped, so the cache is full): the cached hazard pointers protect nothing, their records
    /// go back to the domain, and many such threads do not exhaust or disturb anything.
    #[test]
    fn threads_exit_with_cached_hazard_pointers() {
        const THREADS: usize = if cfg!(miri) { 3 } else { 64 };
        static CELL: OnceLock<Cell> = OnceLock::new();
        let ledger = Arc::new(Ledger::default());
        let cell = new_cell(&CELL, 1, &ledger);
        let mut expected_sum = 0;
        for round in 0..THREADS {
            let before = round + 1;
            thread::spawn(move || {
                // Fill the cache: several guards at once, all dropped before the thread ends.
                let guards: Vec<_> = (0..8).map(|_| cell.load_protected_value()).collect();
                assert!(guards.iter().all(|g| g.value == before));
                drop(guards);
                cell.update_value(|v| Tracked::new(v.value + 1, &v.ledger));
            })
            .join()
            .unwrap();
            expected_sum += before;
            // The value the thread replaced is reclaimable: no cached hazard pointer of the
            // dead thread protects it.
            reclaim::<Family>();
            assert_eq!(ledger.dropped_sum.load(Ordering::SeqCst), expected_sum);
            assert_eq!(ledger.live(), 1);
        }
        assert_eq!(cell.load_protected_value().value, THREADS + 1);
        retire_last(cell);
        reclaim::<Family>();
        assert_eq!(ledger.live(), 0, "allocations == drops");
    }
}

mod hazard_records {
    use super::*;

    hazptr::static_unique_domain!(static RECORDS: Domain<Family>);

    #[derive(HazardProtected)]
    struct Cell {
        #[hazard(non_null)]
        value: AtomicPtr<u64, Family>,
    }

    /// A thread that exits hands the hazard records of its cached hazard pointers back to the
    /// domain: later threads reuse them instead of allocating new ones (a leak would make every
    /// thread allocate as many records as the first). This family's domain serves this test
    /// only, so the first reader finds no record to reuse.
    #[test]
    fn exiting_threads_hand_their_hazard_records_back() {
        const READERS: usize = if cfg!(miri) { 3 } else { 32 };
        const GUARDS: usize = 8;
        let cell = Cell {
            value: hazptr::atomic_ptr(7),
        };
        // The allocations a new thread makes while it loads `GUARDS` guards at once (which takes
        // `GUARDS` hazard pointers) and drops them (which fills its cache).
        let reader_allocations = || {
            thread::scope(|s| {
                s.spawn(|| {
                    let before = allocations();
                    let guards: [_; GUARDS] = std::array::from_fn(|_| cell.load_protected_value());
                    assert!(guards.iter().all(|guard| **guard == 7));
                    drop(guards);
                    allocations() - before
                })
                .join()
                .unwrap()
            })
        };
        let first = reader_allocations();
        assert!(
            first >= GUARDS,
            "the first reader allocates its records: {first}"
        );
        for _ in 0..READERS {
            let later = reader_allocations();
            assert!(
                later + GUARDS <= first,
                "a later reader allocated {later} times, the first {first}: records leaked"
            );
        }
        cell.swap_and_retire_value(8);
        assert_eq!(*cell.load_protected_value(), 8);
    }
}
