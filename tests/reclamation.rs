//! When values are freed, from the user's side: a reclamation that finishes (a 100,000-node chain
//! in one call, on a 2 MiB stack, is `reclaim_chain.rs`), that may be re-entered from a `Drop`, that never aborts on a
//! drop panic while unwinding and returns what it freed; freeing with no call (the background
//! reclaimer) for an idle, blocked, exiting and main-thread writer, in the global domain and in
//! a `static_unique_domain!` family; and the per-domain statistics.
//!
//! Safe code only: drop counters and `Domain::stats` are the whole of what it observes. Tests
//! that wait for a free poll until a deadline of seconds; none sleeps a fixed time and then
//! checks. The background reclaimer is on here (the default); `HAZPTR_RECLAIMER=off` turns the
//! tests that need it into checks that the value is *not* freed without a call.
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use hazptr::{AtomicPtr, Domain, Global, HazardProtected, InstanceFamily, StaticDomain};

/// Counts its drops in the counter it points at.
struct Tracked(&'static AtomicUsize);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls `done` until it holds or `within` has passed; whether it held.
fn eventually(within: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(2));
    }
}

/// Whether the background reclaimer runs in this process (never under Miri).
fn reclaimer_on() -> bool {
    !cfg!(miri) && !std::env::var("HAZPTR_RECLAIMER").is_ok_and(|v| v.eq_ignore_ascii_case("off"))
}

/// How long a test waits for the reclaimer: far above its 100 ms, for a loaded 2-core machine.
const PATIENCE: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------------------------
// Complete

static REENTRANT_DROPS: AtomicUsize = AtomicUsize::new(0);
static REENTRANT_MADE: AtomicUsize = AtomicUsize::new(0);

/// A payload whose drop does what a user's drop may: one in five calls `reclaim()`, the others
/// retire a value of their own (a replacement in a field, a queue push and pop, a stack push and
/// pop).
struct Busy {
    kind: usize,
}

impl Busy {
    fn new(kind: usize) -> Self {
        REENTRANT_MADE.fetch_add(1, Ordering::SeqCst);
        Self { kind }
    }
}

#[derive(HazardProtected)]
struct Side(#[hazard] AtomicPtr<Tracked>);

static SIDE_DROPS: AtomicUsize = AtomicUsize::new(0);
static SIDE_MADE: AtomicUsize = AtomicUsize::new(0);

/// A value a payload's drop makes and retires.
fn side() -> Tracked {
    SIDE_MADE.fetch_add(1, Ordering::SeqCst);
    Tracked(&SIDE_DROPS)
}

impl Drop for Busy {
    fn drop(&mut self) {
        REENTRANT_DROPS.fetch_add(1, Ordering::SeqCst);
        match self.kind % 5 {
            0 => {
                hazptr::reclaim();
            }
            1 => {
                let cell = Side(hazptr::atomic_ptr(side()));
                cell.swap_and_retire(side());
            }
            2 => {
                let queue: hazptr::Queue<Tracked> = hazptr::Queue::new();
                queue.push(side());
                drop(queue.pop());
                queue.push(side());
            }
            3 => {
                let stack: hazptr::Stack<Tracked> = hazptr::Stack::new();
                stack.push(side());
                drop(stack.pop());
                stack.push(side());
            }
            _ => {
                let _ = Domain::global().reclaim();
            }
        }
    }
}

#[derive(HazardProtected)]
struct Holder(#[hazard(non_null)] AtomicPtr<Busy>);

#[test]
fn drops_that_reclaim_and_retire_during_a_reclamation_finish_and_free_everything() {
    const THREADS: usize = 4;
    const REPLACEMENTS: usize = if cfg!(miri) { 50 } else { 5_000 };
    let holder = Holder(hazptr::atomic_ptr(Busy::new(0)));
    thread::scope(|s| {
        for t in 0..THREADS {
            let holder = &holder;
            s.spawn(move || {
                for i in 0..REPLACEMENTS {
                    holder.swap_and_retire(Busy::new(t * REPLACEMENTS + i));
                    if i % 1000 == 999 {
                        hazptr::reclaim();
                    }
                }
            });
        }
    });
    drop(holder);
    hazptr::reclaim();
    assert_eq!(
        REENTRANT_DROPS.load(Ordering::SeqCst),
        REENTRANT_MADE.load(Ordering::SeqCst),
        "every payload dropped once"
    );
    assert_eq!(
        SIDE_DROPS.load(Ordering::SeqCst),
        SIDE_MADE.load(Ordering::SeqCst),
        "what the drops made and retired is freed by the same calls"
    );
}

#[test]
fn a_drop_that_reclaims_inside_a_reclamation_leaves_nothing_behind() {
    static INNER: AtomicUsize = AtomicUsize::new(0);
    static OUTER: AtomicUsize = AtomicUsize::new(0);
    /// Retires a value of its own, then reclaims, from its drop.
    struct RetiresThenReclaims;
    impl Drop for RetiresThenReclaims {
        fn drop(&mut self) {
            OUTER.fetch_add(1, Ordering::SeqCst);
            let side = Side(hazptr::atomic_ptr(Tracked(&INNER)));
            drop(side);
            hazptr::reclaim();
        }
    }
    #[derive(HazardProtected)]
    struct Cell(#[hazard] AtomicPtr<RetiresThenReclaims>);
    let cell = Cell(hazptr::atomic_ptr(RetiresThenReclaims));
    for _ in 0..100 {
        cell.swap_and_retire(RetiresThenReclaims);
    }
    drop(cell);
    hazptr::reclaim();
    assert_eq!(OUTER.load(Ordering::SeqCst), 101);
    assert_eq!(
        INNER.load(Ordering::SeqCst),
        101,
        "what the drops retired is freed too"
    );
}

#[test]
fn a_drop_that_calls_cleanup_during_a_reclamation_does_not_hang() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    /// Calls the domain's `cleanup` (the engine's name, hazptr's complete reclamation) from
    /// its drop, which runs during the `reclaim` that frees it.
    struct CleansUp;
    impl Drop for CleansUp {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::SeqCst);
            Domain::global().cleanup();
        }
    }
    #[derive(HazardProtected)]
    struct Cell(#[hazard] AtomicPtr<CleansUp>);
    let cell = Cell(hazptr::atomic_ptr(CleansUp));
    for _ in 0..10 {
        cell.swap_and_retire(CleansUp);
    }
    drop(cell);
    hazptr::reclaim();
    assert_eq!(
        DROPS.load(Ordering::SeqCst),
        11,
        "all freed, and the call returned"
    );
}

#[test]
fn reclaim_returns_what_it_freed() {
    struct Family;
    impl InstanceFamily for Family {}
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    #[derive(HazardProtected)]
    struct Owned {
        #[hazard(domain = domain)]
        value: AtomicPtr<Tracked, Family>,
        domain: Domain<Family>,
    }
    let owned = Owned {
        value: hazptr::atomic_ptr(Tracked(&DROPS)),
        domain: Domain::new(&Family),
    };
    for _ in 0..10 {
        owned.swap_and_retire_value(Tracked(&DROPS));
    }
    // A retirement may reclaim on its own (the engine's first one in a domain does).
    let before = DROPS.load(Ordering::SeqCst);
    let freed = owned.domain.reclaim();
    assert_eq!(before + freed, 10, "it counts every value it freed");
    assert_eq!(DROPS.load(Ordering::SeqCst), 10);
    let stats = owned.domain.stats();
    assert_eq!((stats.unfreed, stats.freed), (0, 10), "{stats:?}");
    drop(owned);
    assert_eq!(
        DROPS.load(Ordering::SeqCst),
        11,
        "the domain's drop frees the last value"
    );
}

// ---------------------------------------------------------------------------------------------
// Drop panics

#[test]
fn a_caught_drop_panic_is_not_resumed_while_the_thread_unwinds() {
    static BOMBS: AtomicUsize = AtomicUsize::new(0);
    /// Panics in its drop when it holds `true`.
    struct Bomb(bool);
    impl Drop for Bomb {
        fn drop(&mut self) {
            if self.0 {
                BOMBS.fetch_add(1, Ordering::SeqCst);
                panic!("a bomb's drop");
            }
        }
    }
    /// Reclaims from its drop, which here runs while the thread unwinds.
    struct ReclaimsOnDrop;
    impl Drop for ReclaimsOnDrop {
        fn drop(&mut self) {
            hazptr::reclaim();
        }
    }
    #[derive(HazardProtected)]
    struct BombCell(#[hazard(non_null)] AtomicPtr<Bomb>);
    // The bomb is retired while a guard protects it; the panic below unwinds, dropping the guard,
    // then the cell, then `ReclaimsOnDrop`, whose `reclaim()` frees the bomb while the thread
    // unwinds (or the background reclaimer frees it first, on its thread). Either way the
    // process must not abort, and the outer panic is the one `catch_unwind` returns.
    let outcome = std::panic::catch_unwind(|| {
        let _reclaims = ReclaimsOnDrop;
        let cell = BombCell(hazptr::atomic_ptr(Bomb(true)));
        let _guard = cell.load_protected();
        cell.swap_and_retire(Bomb(false));
        panic!("the outer panic");
    });
    let payload = outcome.expect_err("the outer panic unwinds");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"the outer panic"));
    assert!(eventually(PATIENCE, || {
        let _ = std::panic::catch_unwind(hazptr::reclaim);
        BOMBS.load(Ordering::SeqCst) == 1
    }));
}

#[test]
fn a_drop_panic_reaches_the_reclaiming_call_after_everything_else_is_freed() {
    static FREED: AtomicUsize = AtomicUsize::new(0);
    struct MaybeBomb(bool);
    impl Drop for MaybeBomb {
        fn drop(&mut self) {
            FREED.fetch_add(1, Ordering::SeqCst);
            assert!(!self.0, "this one panics");
        }
    }
    #[derive(HazardProtected)]
    struct Cell(#[hazard] AtomicPtr<MaybeBomb>);
    let cell = Cell(hazptr::atomic_ptr(MaybeBomb(true)));
    for _ in 0..9 {
        cell.swap_and_retire(MaybeBomb(false));
    }
    drop(cell);
    // The panic comes out of whichever call frees the bomb: the first of these, or a later
    // hazptr call of this process if the reclaimer freed it first; either way after all ten
    // were freed.
    assert!(eventually(PATIENCE, || {
        let _ = std::panic::catch_unwind(hazptr::reclaim);
        FREED.load(Ordering::SeqCst) == 10
    }));
}

// ---------------------------------------------------------------------------------------------
// Prompt, with no call

hazptr::static_unique_domain!(static FAMILY_DOMAIN: Domain<PromptFamily>);

/// A 1 MiB config, replaced once by a writer that then stops retiring.
struct Config {
    _bytes: Vec<u8>,
    dropped: &'static AtomicBool,
}

impl Drop for Config {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

fn config(dropped: &'static AtomicBool) -> Config {
    Config {
        _bytes: vec![7; 1 << 20],
        dropped,
    }
}

#[derive(HazardProtected)]
struct Service<F: StaticDomain> {
    #[hazard(non_null)]
    config: AtomicPtr<Config, F>,
}

/// How the writer behaves after its one replacement.
#[derive(Clone, Copy, Debug)]
enum Writer {
    /// Stays alive, retiring nothing, until told to end.
    Idles,
    /// Blocks on a lock another thread holds.
    Blocks,
    /// Exits at once.
    Exits,
    /// The main (test) thread replaces and goes on waiting.
    IsTheTestThread,
}

/// Replaces the config once as `writer` says, with a reader reading the new one throughout, and
/// reports whether the old one was freed with no call, within [`PATIENCE`].
fn freed_without_a_call<F: StaticDomain>(writer: Writer) -> bool {
    static OLD: [AtomicBool; 8] = [const { AtomicBool::new(false) }; 8];
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    static NEW: AtomicBool = AtomicBool::new(false);
    let old = &OLD[NEXT.fetch_add(1, Ordering::SeqCst) % 8];
    old.store(false, Ordering::SeqCst);
    let service = Service::<F> {
        config: hazptr::atomic_ptr(config(old)),
    };
    let stop = AtomicBool::new(false);
    let lock = Mutex::new(());
    let replaced = Barrier::new(2);
    thread::scope(|s| {
        let service = &service;
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                let _guard = service.load_protected_config();
                thread::yield_now();
            }
        });
        let held = lock.lock().unwrap();
        let (end, ended) = mpsc::channel::<()>();
        match writer {
            Writer::IsTheTestThread => service.swap_and_retire_config(config(&NEW)),
            _ => {
                let lock = &lock;
                let replaced = &replaced;
                s.spawn(move || {
                    service.swap_and_retire_config(config(&NEW));
                    replaced.wait();
                    match writer {
                        Writer::Idles => drop(ended.recv()),
                        Writer::Blocks => drop(lock.lock()),
                        _ => {}
                    }
                });
                replaced.wait();
            }
        }
        let freed = eventually(PATIENCE, || old.load(Ordering::SeqCst));
        stop.store(true, Ordering::Relaxed);
        drop(held);
        drop(end);
        freed
    })
}

fn check_prompt<F: StaticDomain>(writer: Writer) {
    // Without the reclaimer, only a call frees it: another test's `reclaim()` in this process
    // may, or may not, so there is nothing to check.
    if reclaimer_on() {
        let freed = freed_without_a_call::<F>(writer);
        assert!(freed, "{writer:?}: the old config was freed with no call");
    }
}

#[test]
fn an_idle_writers_old_value_is_freed_with_no_call() {
    check_prompt::<Global>(Writer::Idles);
    check_prompt::<PromptFamily>(Writer::Idles);
}

#[test]
fn a_blocked_writers_old_value_is_freed_with_no_call() {
    check_prompt::<Global>(Writer::Blocks);
    check_prompt::<PromptFamily>(Writer::Blocks);
}

#[test]
fn an_exiting_writers_old_value_is_freed_with_no_call() {
    // A thread's exit hands its batch to the domain, where the reclaimer frees it.
    check_prompt::<Global>(Writer::Exits);
    check_prompt::<PromptFamily>(Writer::Exits);
}

#[test]
fn the_main_threads_old_value_is_freed_with_no_call() {
    check_prompt::<Global>(Writer::IsTheTestThread);
    check_prompt::<PromptFamily>(Writer::IsTheTestThread);
}

#[test]
fn a_guarded_value_outlives_the_reclaimer_and_is_freed_after_its_guard() {
    static DROPPED: AtomicBool = AtomicBool::new(false);
    static NEW: AtomicBool = AtomicBool::new(false);
    let service = Service::<PromptFamily> {
        config: hazptr::atomic_ptr(config(&DROPPED)),
    };
    let guard = service.load_protected_config();
    service.swap_and_retire_config(config(&NEW));
    // Many reclaimer rounds, and complete reclamations, while the guard holds it.
    let deadline = Instant::now() + Duration::from_millis(300);
    while Instant::now() < deadline {
        hazptr::reclaim();
        assert!(!DROPPED.load(Ordering::SeqCst), "freed while protected");
        assert_eq!(guard._bytes.len(), 1 << 20);
        thread::sleep(Duration::from_millis(5));
    }
    let stats = FAMILY_DOMAIN.stats();
    assert!(stats.unfreed >= 1, "{stats:?}");
    drop(guard);
    if reclaimer_on() {
        assert!(eventually(PATIENCE, || DROPPED.load(Ordering::SeqCst)));
    }
    FAMILY_DOMAIN.reclaim();
    assert!(DROPPED.load(Ordering::SeqCst));
    drop(service);
    FAMILY_DOMAIN.reclaim();
    assert!(NEW.load(Ordering::SeqCst));
}

#[test]
fn stats_count_what_waits_and_what_was_freed() {
    hazptr::static_unique_domain!(static COUNTED: Domain<CountedFamily>);
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    #[derive(HazardProtected)]
    struct Cell(#[hazard] AtomicPtr<Tracked, CountedFamily>);
    let cell = Cell(hazptr::atomic_ptr(Tracked(&DROPS)));
    let guard = cell.load_protected();
    for _ in 0..5 {
        cell.swap_and_retire(Tracked(&DROPS));
    }
    COUNTED.reclaim();
    let stats = COUNTED.stats();
    assert_eq!(stats.unfreed, 1, "the guarded one: {stats:?}");
    assert_eq!(stats.freed, 4, "{stats:?}");
    assert_eq!(stats.batched, 0, "{stats:?}");
    assert!(stats.reclamations >= 1, "{stats:?}");
    drop(guard);
    drop(cell);
    COUNTED.reclaim();
    let stats = COUNTED.stats();
    assert_eq!((stats.unfreed, stats.freed), (0, 6), "{stats:?}");
    assert_eq!(DROPS.load(Ordering::SeqCst), 6);
}
