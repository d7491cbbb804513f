//! Loom models of hazptr's runtime and generated code: every interleaving (up to a preemption
//! bound) of a few threads using derived accessors, with haphazard's and hazptr's atomics,
//! fences and thread-locals all switched to loom's.
//!
//! Run with `scripts/loom.sh` (or `RUSTFLAGS="--cfg loom" cargo test --release --test loom`).
//! `LOOM_MAX_PREEMPTIONS` bounds the search (the script sets 3: about 45 s on two cores; run
//! directly, the models default to 2: about 5 s).
//!
//! Each model checks what it observes, not only that it does not crash:
//! - a value read through a guard has not been dropped while the guard lives (the drop log is
//!   checked *while* the guard is held, which is exactly the hazard-pointer promise);
//! - after the threads join, an eager reclamation drops every retired value exactly once, and
//!   dropping the structure accounts for the rest: allocations == drops, never a double drop.
//!
//! Two loom-specific facts shape the models:
//! - Under loom, haphazard's global domain (and a `static_unique_domain!` domain, see
//!   `hazptr/src/sync.rs`) is a `loom::lazy_static`, rebuilt for every execution and dropped when
//!   the model's closure returns, *before* the main thread's loom thread-locals are. And
//!   `loom::thread::JoinHandle::join` returns *before* the joined thread's thread-locals are
//!   dropped. hazptr's per-thread hazard-pointer cache is such a thread-local, and its destructor
//!   hands cached hazard pointers back to their domain, so left to itself it could run after the
//!   domain is gone. [`model`] therefore runs each body on a spawned thread, and every thread of a
//!   model is started with [`spawn`], which drains the thread's caches before the thread ends
//!   (with real threads, `join` waits for thread-local destructors and statics are never
//!   dropped, so this is a loom-only concern).
//! - The models use the global domain, a `static_unique_domain!` family and per-instance domains
//!   (`#[hazard(domain = …)]`), which covers every path of the runtime: cached hazard pointers
//!   of two static families, and `HazardPointer::new_in_domain` per load.
#![cfg(loom)]

use std::sync::atomic::{AtomicUsize, Ordering};

use hazptr::{AtomicPtr, Domain, HazardProtected, StaticDomain};
use loom::sync::Arc;
use loom::thread::{self, JoinHandle};

#[path = "common/loom_model.rs"]
mod loom_model;

/// [`loom_model::model`], draining the caches of the global domain and of `CounterFamily`.
fn model(body: impl Fn() + Sync + Send + 'static) {
    loom_model::model::<CounterFamily>(body);
}

/// [`loom_model::spawn`], draining the caches of the global domain and of `CounterFamily`.
fn spawn<R: 'static>(f: impl FnOnce() -> R + 'static) -> JoinHandle<R> {
    loom_model::spawn::<CounterFamily, R>(f)
}

/// How many times each value (by id) has been dropped. Plain std atomics: the log is an
/// observer, not part of the synchronisation loom checks.
#[derive(Default)]
struct DropLog {
    drops: [AtomicUsize; 8],
}

impl DropLog {
    fn drops(&self, id: usize) -> usize {
        self.drops[id].load(Ordering::SeqCst)
    }

    fn total(&self) -> usize {
        self.drops.iter().map(|d| d.load(Ordering::SeqCst)).sum()
    }

    /// Asserts that each of `ids` was dropped exactly once and nothing else was dropped.
    fn assert_dropped_once(&self, ids: &[usize]) {
        for (id, count) in self.drops.iter().enumerate() {
            let expected = usize::from(ids.contains(&id));
            assert_eq!(
                count.load(Ordering::SeqCst),
                expected,
                "drops of value {id}"
            );
        }
    }
}

/// A value that logs its drop. Reading `id` after the drop would be a use-after-free; the models
/// check the log while a guard is held instead, so a premature reclamation is reported as a
/// failed assertion, not left to chance.
struct Tracked {
    id: usize,
    log: std::sync::Arc<DropLog>,
}

impl Tracked {
    fn new(id: usize, log: &std::sync::Arc<DropLog>) -> Self {
        Self {
            id,
            log: std::sync::Arc::clone(log),
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        let before = self.log.drops[self.id].fetch_add(1, Ordering::SeqCst);
        assert_eq!(before, 0, "value {} dropped twice", self.id);
    }
}

/// A cell in the global domain.
#[derive(HazardProtected)]
struct GlobalCell {
    #[hazard(non_null)]
    value: AtomicPtr<Tracked>,
}

/// The family of [`InstanceCell`]'s own domain.
struct CellFamily;
impl hazptr::InstanceFamily for CellFamily {}

/// A cell with a domain of its own.
#[derive(HazardProtected)]
#[hazard(domain = domain)]
struct InstanceCell {
    #[hazard]
    value: AtomicPtr<Tracked, CellFamily>,
    domain: Domain<CellFamily>,
}

/// Two places in the global domain, read together by `protected!`.
#[derive(HazardProtected)]
struct Pair {
    #[hazard]
    left: AtomicPtr<Tracked>,
    #[hazard]
    right: AtomicPtr<Tracked>,
}

hazptr::static_unique_domain!(static COUNTERS: Domain<CounterFamily>);

/// A counter updated by read-copy-update, in a static domain of its own.
#[derive(HazardProtected)]
struct Counter {
    #[hazard(non_null)]
    count: AtomicPtr<Tracked, CounterFamily>,
}

/// Reclaims everything the global domain can reclaim: no guard is alive when it is called.
fn reclaim_global() {
    Domain::global().reclaim();
}

/// A reader loads while a writer swaps and retires (and reclaims at once): the reader sees the
/// old or the new value, and whichever it sees stays alive while its guard lives.
#[test]
fn load_races_swap_and_retire() {
    model(|| {
        let log = std::sync::Arc::new(DropLog::default());
        let cell = Arc::new(GlobalCell {
            value: hazptr::atomic_ptr(Tracked::new(1, &log)),
        });

        let reader = {
            let cell = Arc::clone(&cell);
            spawn(move || {
                let guard = cell.load_protected_value();
                let id = guard.id;
                assert!(id == 1 || id == 2, "read value {id}");
                // Whatever the writer and its reclamation did meanwhile, the value is alive.
                thread::yield_now();
                assert_eq!(guard.log.drops(id), 0, "value {id} reclaimed under a guard");
                assert_eq!(guard.id, id);
                id
            })
        };
        let writer = {
            let cell = Arc::clone(&cell);
            let log = std::sync::Arc::clone(&log);
            spawn(move || {
                cell.swap_and_retire_value(Tracked::new(2, &log));
                // Reclaim at once, racing the reader's protection.
                let _ = Domain::global().reclaim();
            })
        };
        let seen = reader.join().unwrap();
        writer.join().unwrap();
        assert!(seen == 1 || seen == 2);

        reclaim_global();
        log.assert_dropped_once(&[1]);
        // Dropping the cell retires value 2; no guard is alive, so reclamation frees it.
        drop(Arc::try_unwrap(cell).ok().expect("threads joined"));
        reclaim_global();
        log.assert_dropped_once(&[1, 2]);
    });
}

/// A `protected!` block (two bindings from one set of cached hazard pointers) races a writer
/// that swaps one place and clears the other, reclaiming at once: the block sees each place's
/// old or new value, both stay alive until the block ends, and afterwards every replaced value
/// is dropped exactly once.
#[test]
fn protected_block_races_swap_and_clear() {
    model(|| {
        let log = std::sync::Arc::new(DropLog::default());
        let pair = Arc::new(Pair {
            left: hazptr::atomic_ptr(Tracked::new(1, &log)),
            right: hazptr::atomic_ptr(Tracked::new(2, &log)),
        });

        let reader = {
            let pair = Arc::clone(&pair);
            spawn(move || {
                hazptr::protected! {
                    let Some(left) = pair.left else { panic!("left is never emptied") };
                    let right = pair.right;
                }
                assert!(left.id == 1 || left.id == 3, "left read {}", left.id);
                assert!(matches!(right.map(|r| r.id), Some(2) | None));
                thread::yield_now();
                assert_eq!(
                    left.log.drops(left.id),
                    0,
                    "left reclaimed under protection"
                );
                if let Some(right) = right {
                    assert_eq!(right.log.drops(2), 0, "right reclaimed under protection");
                }
                (left.id, right.map(|r| r.id))
            })
        };
        let writer = {
            let pair = Arc::clone(&pair);
            let log = std::sync::Arc::clone(&log);
            spawn(move || {
                pair.swap_and_retire_left(Tracked::new(3, &log));
                assert!(pair.clear_and_retire_right());
                let _ = Domain::global().reclaim();
            })
        };
        let _seen = reader.join().unwrap();
        writer.join().unwrap();

        reclaim_global();
        log.assert_dropped_once(&[1, 2]);
        drop(Arc::try_unwrap(pair).ok().expect("threads joined"));
        reclaim_global();
        log.assert_dropped_once(&[1, 2, 3]);
    });
}

/// Two `update_…` loops race on one counter: neither increment is lost, every replaced value is
/// dropped exactly once, and a loser's discarded successor is dropped at once.
#[test]
fn two_update_loops_race() {
    model(|| {
        let log = std::sync::Arc::new(DropLog::default());
        let counter = Arc::new(Counter {
            count: hazptr::atomic_ptr(Tracked::new(0, &log)),
        });
        // Every allocation gets a fresh id, hence its own slot in the drop log; `carried[id]` is
        // the count that allocation holds.
        let next_id = std::sync::Arc::new(AtomicUsize::new(1));
        let carried = std::sync::Arc::new([const { AtomicUsize::new(usize::MAX) }; 8]);
        carried[0].store(0, Ordering::SeqCst);

        let spawn_increment = || {
            let counter = Arc::clone(&counter);
            let log = std::sync::Arc::clone(&log);
            let next_id = std::sync::Arc::clone(&next_id);
            let carried = std::sync::Arc::clone(&carried);
            spawn(move || {
                let mut calls = 0;
                counter.update_count(|current| {
                    calls += 1;
                    // The current value is protected while the closure runs.
                    assert_eq!(log.drops(current.id), 0, "update read a reclaimed value");
                    let value = carried[current.id].load(Ordering::SeqCst) + 1;
                    let id = next_id.fetch_add(1, Ordering::SeqCst);
                    carried[id].store(value, Ordering::SeqCst);
                    Tracked::new(id, &log)
                });
                let _ = CounterFamily::domain().reclaim();
                calls
            })
        };
        let a = spawn_increment();
        let b = spawn_increment();
        let calls = a.join().unwrap() + b.join().unwrap();
        assert!(calls >= 2);

        let allocated = next_id.load(Ordering::SeqCst);
        assert_eq!(allocated, 1 + calls, "one successor per closure call");
        // Retries dropped their stale successors already; the two replaced values are retired.
        CounterFamily::domain().reclaim();
        assert_eq!(
            log.total(),
            allocated - 1,
            "all but the current value are dropped"
        );
        drop(Arc::try_unwrap(counter).ok().expect("threads joined"));
        CounterFamily::domain().reclaim();
        assert_eq!(log.total(), allocated);
        let finals: Vec<_> = (0..allocated)
            .filter(|&id| carried[id].load(Ordering::SeqCst) == 2)
            .collect();
        assert_eq!(
            finals.len(),
            1,
            "exactly one allocation carries the final count 2"
        );
        for id in 0..allocated {
            assert_eq!(log.drops(id), 1, "value {id} dropped once");
        }
    });
}

/// A compare-and-swap races a swap in a per-instance domain. When it fails it must hand its new
/// value back intact (the caller drops it: no leak, no double drop); when it succeeds the old
/// value is retired.
#[test]
fn failed_compare_exchange_hands_the_value_back() {
    model(|| {
        let log = std::sync::Arc::new(DropLog::default());
        let cell = Arc::new(InstanceCell {
            value: hazptr::atomic_ptr(Tracked::new(1, &log)),
            domain: Domain::new(&CellFamily),
        });

        let cas = {
            let cell = Arc::clone(&cell);
            let log = std::sync::Arc::clone(&log);
            spawn(move || {
                let guard = cell.load_protected_value().expect("never emptied");
                let seen = guard.id;
                let result =
                    cell.compare_exchange_and_retire_value(Some(&*guard), Tracked::new(3, &log));
                // Still protected, whether or not the exchange retired it.
                assert_eq!(log.drops(seen), 0, "value {seen} reclaimed under a guard");
                match result {
                    Ok(()) => Ok(seen),
                    Err(back) => {
                        assert_eq!(back.id, 3, "the new value comes back");
                        assert_eq!(log.drops(3), 0);
                        drop(back);
                        assert_eq!(log.drops(3), 1);
                        Err(seen)
                    }
                }
            })
        };
        let swapper = {
            let cell = Arc::clone(&cell);
            let log = std::sync::Arc::clone(&log);
            spawn(move || cell.swap_and_retire_value(Tracked::new(2, &log)))
        };
        let outcome = cas.join().unwrap();
        swapper.join().unwrap();

        let current = cell.load_protected_value().expect("never emptied").id;
        match outcome {
            // The exchange won (1 -> 3), then the swap replaced 3 with 2.
            Ok(1) => assert_eq!(current, 2),
            // The swap came first (1 -> 2); the exchange replaced 2 with 3.
            Ok(2) => assert_eq!(current, 3),
            // The swap came between the load of 1 and the exchange: the exchange failed.
            Err(1) => assert_eq!(current, 2),
            other => panic!("impossible outcome {other:?}"),
        }
        // Dropping the cell frees everything: its domain is dropped with it.
        drop(Arc::try_unwrap(cell).ok().expect("threads joined"));
        log.assert_dropped_once(&[1, 2, 3]);
    });
}

/// A guard is loaded on one thread and dropped on another while a third thread retires its
/// value and reclaims: the value survives until the guard's drop, and is reclaimed once after.
#[test]
fn guard_dropped_on_another_thread_while_retiring() {
    model(|| {
        let log = std::sync::Arc::new(DropLog::default());
        // A leaked `'static` cell, so that a guard borrowing it can cross threads; it is
        // reconstructed and dropped below.
        let cell: &'static GlobalCell = Box::leak(Box::new(GlobalCell {
            value: hazptr::atomic_ptr(Tracked::new(1, &log)),
        }));

        let guard = spawn(move || cell.load_protected_value()).join().unwrap();
        assert_eq!(guard.id, 1);

        let dropper = {
            let log = std::sync::Arc::clone(&log);
            spawn(move || {
                assert_eq!(log.drops(guard.id), 0, "reclaimed under a guard");
                drop(guard);
            })
        };
        let retirer = {
            let log = std::sync::Arc::clone(&log);
            spawn(move || {
                cell.swap_and_retire_value(Tracked::new(2, &log));
                let _ = Domain::global().reclaim();
            })
        };
        dropper.join().unwrap();
        retirer.join().unwrap();

        reclaim_global();
        log.assert_dropped_once(&[1]);
        // SAFETY: `cell` came from `Box::leak` above, every thread that borrowed it has joined
        // and the guard is dropped, so this is the only reference left.
        drop(unsafe { Box::from_raw(std::ptr::from_ref(cell).cast_mut()) });
        reclaim_global();
        log.assert_dropped_once(&[1, 2]);
    });
}

/// The vector's help-then-push path, against `hazptr_suite::vector`'s public API.
///
/// A pushes 1 and stops right after installing its descriptor, its write still pending (the
/// vector's test hook holds it at that checkpoint). Only then does B start: its push (or pop)
/// finds A's write pending, finishes it (helps), then makes its own. A resumes after B is done.
/// Loom explores every preemption (up to the bound) around those steps and, more to the point,
/// every value its memory model lets each load see: B must see A's whole descriptor and pending
/// write through the descriptor it protected, A must find its write done (or redo it harmlessly),
/// and nothing is lost, duplicated or left unfreed.
///
/// Why A and B do not run freely side by side: haphazard 0.1.8's `Domain::try_acquire_available`
/// (taking a hazard record from the domain's free list) spins *without yielding* while it reads
/// the list as locked by another thread. Loom requires every spin to yield (a load may keep
/// returning the same value for ever, and a preempted lock holder is not rescheduled once the
/// preemption bound is used up), so a model in which two threads take records from one domain
/// concurrently fails with "exceeded maximum number of branches". The vector takes a record from
/// its own domain on every operation (per-instance domains have no per-thread cache), so the
/// models keep record acquisitions of A and B apart; the models above use static domains, whose
/// per-thread caches keep each thread's records, so the free list is never contended there.
mod vector {
    use std::sync::Mutex;

    use hazptr_suite::vector::{Checkpoint, Hook, Vector};
    use loom::sync::Arc;
    use loom::sync::atomic::{AtomicBool, Ordering};
    use loom::thread::{self, ThreadId};

    use super::{model, spawn};

    /// The vector's hook: records which thread passed which checkpoint, and holds the thread
    /// that installs the push at location 0 there until the helper is done.
    #[derive(Default)]
    struct Handoff {
        events: Mutex<Vec<(ThreadId, Checkpoint)>>,
        installed: AtomicBool,
        helper_done: AtomicBool,
    }

    /// What the vector holds as its hook: the model's [`Handoff`].
    struct Hooked(Arc<Handoff>);

    impl Hook for Hooked {
        fn reached(&self, checkpoint: Checkpoint) {
            let this = &self.0;
            this.events
                .lock()
                .unwrap()
                .push((thread::current().id(), checkpoint));
            if checkpoint == (Checkpoint::PushInstalled { location: 0 }) {
                this.installed.store(true, Ordering::Release);
                while !this.helper_done.load(Ordering::Acquire) {
                    thread::yield_now();
                }
            }
        }
    }

    impl Handoff {
        fn wait_until_installed(&self) {
            while !self.installed.load(Ordering::Acquire) {
                thread::yield_now();
            }
        }

        /// Whether `helper` stored the write of the push at `location` made by another thread.
        fn helped(&self, helper: ThreadId, location: usize) -> bool {
            let events = self.events.lock().unwrap();
            let pusher = events.iter().find_map(|(thread, event)| {
                (*event == Checkpoint::PushInstalled { location }).then_some(*thread)
            });
            pusher.is_some_and(|pusher| {
                pusher != helper
                    && events
                        .iter()
                        .any(|e| *e == (helper, Checkpoint::WriteStored { location }))
            })
        }
    }

    type HookedVector = Vector<u32, Hooked>;

    /// Starts A: push 1, held after installing its descriptor until B is done.
    fn start_pusher(vector: &Arc<HookedVector>) -> thread::JoinHandle<()> {
        let vector = Arc::clone(vector);
        spawn(move || vector.push(1))
    }

    /// Starts B: waits for A's install, runs `operation`, then releases A.
    fn start_helper<R: 'static>(
        vector: &Arc<HookedVector>,
        handoff: &Arc<Handoff>,
        operation: impl FnOnce(&HookedVector) -> R + 'static,
    ) -> thread::JoinHandle<(ThreadId, R)> {
        let vector = Arc::clone(vector);
        let handoff = Arc::clone(handoff);
        spawn(move || {
            handoff.wait_until_installed();
            let result = operation(&vector);
            handoff.helper_done.store(true, Ordering::Release);
            (thread::current().id(), result)
        })
    }

    /// B pushes while A's push is pending: B finishes A's write first, then pushes after it.
    #[test]
    fn help_then_push() {
        model(|| {
            let handoff = Arc::new(Handoff::default());
            let vector = Arc::new(Vector::with_hook(Hooked(Arc::clone(&handoff))));
            let counters = vector.descriptor_counters();
            let pusher = start_pusher(&vector);
            let helper = start_helper(&vector, &handoff, |vector| vector.push(2));
            pusher.join().unwrap();
            let (helper, ()) = helper.join().unwrap();

            assert!(handoff.helped(helper, 0), "B finished A's pending write");
            assert_eq!(vector.len(), 2);
            assert_eq!(
                (vector.get(0), vector.get(1), vector.get(2)),
                (Some(1), Some(2), None)
            );
            assert_eq!(
                (vector.pop(), vector.pop(), vector.pop()),
                (Some(2), Some(1), None)
            );
            drop(Arc::try_unwrap(vector).ok().expect("threads joined"));
            let stats = counters.snapshot();
            assert_eq!(
                stats.allocated, stats.freed,
                "every descriptor freed: {stats:?}"
            );
        });
    }

    /// B pops while A's push is pending: B finishes A's write, then pops A's element (never a
    /// stale slot).
    #[test]
    fn help_then_pop() {
        model(|| {
            let handoff = Arc::new(Handoff::default());
            let vector = Arc::new(Vector::with_hook(Hooked(Arc::clone(&handoff))));
            let counters = vector.descriptor_counters();
            let pusher = start_pusher(&vector);
            let helper = start_helper(&vector, &handoff, HookedVector::pop);
            pusher.join().unwrap();
            let (helper, popped) = helper.join().unwrap();

            assert!(handoff.helped(helper, 0), "B finished A's pending write");
            assert_eq!(popped, Some(1));
            assert_eq!((vector.len(), vector.get(0), vector.pop()), (0, None, None));
            drop(Arc::try_unwrap(vector).ok().expect("threads joined"));
            let stats = counters.snapshot();
            assert_eq!(
                stats.allocated, stats.freed,
                "every descriptor freed: {stats:?}"
            );
        });
    }
}
