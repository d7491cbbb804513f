//! Loom models of hazptr's runtime and generated code: every interleaving (up to a preemption
//! bound) of a few threads using derived accessors, with haphazard's and hazptr's atomics,
//! fences and thread-locals all switched to loom's.
//!
//! Run with `scripts/loom.sh` (or `RUSTFLAGS="--cfg loom" cargo test --release --test loom`).
//! `LOOM_MAX_PREEMPTIONS` bounds the search; it defaults to 2 here, so that the whole file runs
//! in a few minutes on two cores.
//!
//! Each model checks what it observes, not only that it does not crash:
//! - a value read through a guard has not been dropped while the guard lives (the drop log is
//!   checked *while* the guard is held, which is exactly the hazard-pointer promise);
//! - after the threads join, an eager reclamation drops every retired value exactly once, and
//!   dropping the structure accounts for the rest: allocations == drops, never a double drop.
//!
//! Two loom-specific rules shape the models:
//! - Under loom, haphazard's global domain is a `loom::lazy_static`, rebuilt for every execution
//!   and dropped when the model's closure returns, *before* the main thread's loom thread-locals
//!   are. hazptr's per-thread hazard-pointer cache is such a thread-local, so a static-domain guard
//!   used on the model's main thread would leave cached hazard pointers that outlive their domain.
//!   Worse, `loom::thread::JoinHandle::join` returns *before* the joined thread's thread-locals
//!   are dropped, so even a spawned thread's cache may be dropped after the domain. [`model`]
//!   therefore runs each body on a spawned thread, and every thread of a model is started with
//!   [`spawn`], which empties the thread's cache
//!   (`StaticDomain::release_cached_hazard_pointers`, loom only) before the thread ends.
//! - `hazptr::static_unique_domain!` does not compile under loom: haphazard's `Domain::new` is
//!   not `const` there, and that macro builds a `static`. The models use the global domain and
//!   per-instance domains (`#[hazard(domain = …)]`), which cover both code paths of the runtime
//!   (cached hazard pointers and `HazardPointer::new_in_domain`).
#![cfg(loom)]

use std::sync::atomic::{AtomicUsize, Ordering};

use hazptr::{AtomicPtr, Domain, Global, HazardProtected, StaticDomain};
use loom::sync::Arc;
use loom::thread::{self, JoinHandle};

/// Runs `body` under loom, on a spawned loom thread (see the module documentation), with the
/// preemption bound from `LOOM_MAX_PREEMPTIONS`, 2 when unset.
fn model(body: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    let body = std::sync::Arc::new(body);
    builder.check(move || {
        let body = std::sync::Arc::clone(&body);
        spawn(move || body()).join().unwrap();
    });
}

/// Spawns a loom thread running `f`, which then empties its hazard-pointer cache (see the module
/// documentation).
fn spawn<R: 'static>(f: impl FnOnce() -> R + 'static) -> JoinHandle<R> {
    thread::spawn(move || {
        let result = f();
        Global::release_cached_hazard_pointers();
        result
    })
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
            assert_eq!(count.load(Ordering::SeqCst), expected, "drops of value {id}");
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

/// A counter updated by read-copy-update.
#[derive(HazardProtected)]
struct Counter {
    #[hazard(non_null)]
    count: AtomicPtr<Tracked>,
}

/// Reclaims everything the global domain can reclaim: no guard is alive when it is called.
fn reclaim_global() {
    Domain::global().cleanup();
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
                let _ = Domain::global().eager_reclaim();
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
                let _ = Domain::global().eager_reclaim();
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
        reclaim_global();
        assert_eq!(log.total(), allocated - 1, "all but the current value are dropped");
        drop(Arc::try_unwrap(counter).ok().expect("threads joined"));
        reclaim_global();
        assert_eq!(log.total(), allocated);
        let finals: Vec<_> = (0..allocated)
            .filter(|&id| carried[id].load(Ordering::SeqCst) == 2)
            .collect();
        assert_eq!(finals.len(), 1, "exactly one allocation carries the final count 2");
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

        let guard = spawn(move || cell.load_protected_value())
            .join()
            .unwrap();
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
                let _ = Domain::global().eager_reclaim();
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
