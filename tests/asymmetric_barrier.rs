//! The litmus test of the asymmetric barrier (`hazptr::barrier`): a reader protects values with
//! the light barrier (a compiler fence) and checks, while its guard lives, that the value is
//! still alive; a writer replaces the value and reclaims right after each replacement, so that
//! a reclamation scans the hazard slots as soon as possible after the unlink.
//!
//! Each value carries a canary that its drop poisons, and an id that a reused allocation would
//! change: a reader that sees either change while its guard lives has read a freed value.
//!
//! - `cargo test --test asymmetric_barrier`: must pass (a few seconds; in the asymmetric mode
//!   where the system has `membarrier`, in the fallback otherwise or with
//!   `HAZPTR_BARRIER=fallback`).
//! - `HAZPTR_LITMUS_SECS=60`: the same for longer.
//! - `HAZPTR_LITMUS_SKIP_BARRIER=1`: skips the heavy barrier (`hazptr::barrier::__skip_heavy_barrier`)
//!   while readers keep the light one. The test must then FAIL (a reader sees a freed value):
//!   the proof that it catches a missing barrier. It runs for up to 30 s then (it stops at the
//!   first freed value: within 0.3 s in most runs here). It reads freed memory on purpose, so
//!   run that mode only to check the test itself.
//!
//! The reader's and the writer's hazard records are taken from records made next to each other
//! (so they share a cache line): the writer's own protections keep pulling that line away from
//! the reader, whose hazard store then waits in its store buffer for longer, widening the window
//! in which a missing barrier shows.

#[path = "common/litmus.rs"]
mod litmus;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use hazptr::{AtomicPtr, HazardProtected};

/// The value of the environment variable `name`, if it is a number.
fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// The two tests of this file run one at a time: another writer's flush would take the idle
/// writer's aged batch at a moment the test does not choose.
static ALONE: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn no_reader_sees_a_value_freed_while_protected() {
    // The idle-writer test below needs the background reclaimer off for the whole process, and
    // no other writer of the process taking its batch.
    hazptr::set_background_reclaim(false);
    let _alone = ALONE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let skip = env_u64("HAZPTR_LITMUS_SKIP_BARRIER").is_some_and(|v| v != 0);
    if skip {
        // SAFETY: this mode exists to show that the test catches the use-after-free that
        // skipping the barrier allows; it only reads atomics of freed values, on purpose.
        unsafe { hazptr::barrier::__skip_heavy_barrier() };
    }
    // With the barrier skipped the run stops at the first freed value it sees, so it may run
    // longer by default: on a busy machine the two threads share one core for a while, and no
    // store-buffer race can happen then.
    let default_secs = if skip { 30 } else { 2 };
    let secs = env_u64("HAZPTR_LITMUS_SECS").unwrap_or(default_secs);
    let duration = Duration::from_millis(if cfg!(miri) { 20 } else { secs * 1000 });
    let started = Instant::now();
    let outcome = litmus::run(duration);
    eprintln!(
        "litmus ({:?}{}): {outcome:?} in {:.2?}",
        hazptr::barrier::mode(),
        if skip { ", heavy barrier skipped" } else { "" },
        started.elapsed()
    );
    assert!(outcome.protections > 0 && outcome.replacements > 0);
    assert_eq!(
        outcome.freed_while_protected, 0,
        "a reader saw a value freed while its guard protected it"
    );
}

hazptr::static_unique_domain!(static IDLE: Domain<IdleFamily>);
hazptr::static_unique_domain!(static BUSY: Domain<BusyFamily>);

/// Counts its drops.
struct Dropped(&'static AtomicUsize);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[derive(HazardProtected)]
struct Slot(#[hazard(non_null)] AtomicPtr<Dropped, IdleFamily>);

#[derive(HazardProtected)]
struct BusySlot(#[hazard(non_null)] AtomicPtr<Dropped, BusyFamily>);

/// More than the batches' deadline (10 ms of the coarse clock, which may lag by a tick).
const PAST_THE_DEADLINE: Duration = Duration::from_millis(25);

/// A writer that stops writing but stays alive holds at most a batch's worth of retired values
/// (63), for a bounded time: they reach their domain at its own first age check after the
/// batch's deadline (every 8th retirement), at the first full batch of another writer after the
/// deadline (which takes the idle batch over), or at once on `hazptr::reclaim()` on any thread:
/// each case below, while the idle writer stays blocked.
#[test]
fn an_idle_writer_holds_a_bounded_batch_for_a_bounded_time() {
    // Before any retirement of the process (the other test turns it off first too).
    hazptr::set_background_reclaim(false);
    let _alone = ALONE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    static BUSY_DROPS: AtomicUsize = AtomicUsize::new(0);
    let slot = Slot(hazptr::atomic_ptr(Dropped(&DROPS)));
    let asymmetric = hazptr::barrier::mode() == hazptr::barrier::Mode::Asymmetric;
    // What the idle writer's domain has dropped: the values that reached it (nothing protects
    // them).
    // The engine's own reclamation, which sees only what reached the domain; the background
    // reclaimer, which would hand the batch on, is off for this test's process.
    let dropped = || {
        let _ = IDLE.as_engine().eager_reclaim();
        DROPS.load(Ordering::SeqCst)
    };
    // What it has dropped if the batch holds the `held` values retired last.
    let holding = |held: usize, retired: usize| if asymmetric { retired - held } else { retired };
    std::thread::scope(|s| {
        let slot = &slot;
        let (orders, order) = mpsc::channel::<usize>();
        let (done, finished) = mpsc::channel::<()>();
        // The idle writer: retires as many values as it is told, then waits, alive; 0 ends it.
        s.spawn(move || {
            for n in order {
                if n == 0 {
                    break;
                }
                for _ in 0..n {
                    slot.swap_and_retire(Dropped(&DROPS));
                }
                done.send(()).unwrap();
            }
        });
        let retire = |n: usize| {
            orders.send(n).unwrap();
            finished.recv().unwrap();
        };

        // Its own age check.
        retire(10);
        assert_eq!(
            dropped(),
            holding(10, 10),
            "the idle writer's batch holds its 10 values"
        );
        std::thread::sleep(PAST_THE_DEADLINE);
        retire(6);
        assert_eq!(
            dropped(),
            16,
            "flushed at its first age check after the deadline (the 16th)"
        );

        // Another writer's full batch takes it over.
        retire(10);
        assert_eq!(dropped(), holding(10, 26), "held again while idle");
        std::thread::sleep(PAST_THE_DEADLINE);
        s.spawn(|| {
            let busy = BusySlot(hazptr::atomic_ptr(Dropped(&BUSY_DROPS)));
            for _ in 0..64 {
                busy.swap_and_retire(Dropped(&BUSY_DROPS));
            }
        })
        .join()
        .unwrap();
        assert_eq!(
            dropped(),
            26,
            "another writer's full batch took the idle writer's aged one"
        );

        // `hazptr::reclaim` takes it at once.
        retire(10);
        assert_eq!(dropped(), holding(10, 36), "held again while idle");
        hazptr::reclaim();
        assert_eq!(
            dropped(),
            36,
            "hazptr::reclaim took the idle writer's batch at once"
        );
        orders.send(0).unwrap();
    });
    drop(slot);
    hazptr::flush_retired();
    assert_eq!(dropped(), 37);
    hazptr::reclaim();
    let _ = BUSY.reclaim();
    assert_eq!(BUSY_DROPS.load(Ordering::SeqCst), 65);
}
