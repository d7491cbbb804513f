//! The background reclaimer: frees what nothing protects any more, with no call from the user.
//!
//! Without it, a retired value waits for the next reclamation of its domain, which runs inside
//! a retirement (every 1000 or so, or 2 s after the last one), a [`reclaim`](fn@crate::reclaim), or,
//! for a value in a thread's batch, that thread's next batch or its exit: a writer that replaces
//! a large value once and then idles keeps the old one for as long as it idles.
//!
//! The reclaimer is one thread, `hazptr-reclaimer`, started at the first retirement into a static
//! domain (the global domain or a `static_unique_domain!` family). Every [`PERIOD`] while any
//! static domain holds unfreed values, it hands on the threads' batches (taking them as another
//! thread's `reclaim` does, skipping a thread found in the middle of a retirement until the next
//! round), reclaims every static domain that holds values, and drops what that freed. When
//! nothing is left to free it parks until a retirement wakes it: the first retirement of a
//! batch (in the asymmetric mode) or each retirement into a static domain (in the fallback)
//! checks one flag, [`IDLE`], after a fence (once per batch) or the retirement's own locked
//! count (in the fallback), and unparks it if it is set. Nothing is added to the read path.
//!
//! It runs user code (the freed values' `Drop`, on its thread: every retired type is `Send`). A
//! panic there is caught and posted: the next [`reclaim`](fn@crate::reclaim) or `Domain::reclaim`,
//! on any thread, resumes it (`section.rs`); the panic hook reports it when it happens, as for a
//! panic on any thread.
//!
//! It is a detached thread: it never keeps the process from exiting. After a `fork`, the child
//! has no reclaimer (only the forking thread survives); its next retirement that finds the
//! reclaimer idle, or its next [`reclaim`](fn@crate::reclaim), starts one for it. Nothing waits
//! for the reclaimer, so a child without one frees by the rules without it; as for any lock of
//! a multi-threaded parent, a fork made while the reclaimer holds the batches' registry (a few
//! microseconds per round) leaves it held in the child (POSIX allows only async-signal-safe
//! calls in such a child until it `exec`s). It is not started under
//! Miri or loom, nor when `HAZPTR_RECLAIMER=off` is set in the environment (read once, at its
//! first start), nor while `set_background_reclaim(false)`
//! holds; the rules without it are those of the crate documentation's "When is a value freed?".
//! A process that cannot start a thread runs without it.

use core::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering, fence};
use core::time::Duration;
use std::sync::{Mutex, PoisonError};
use std::thread;

use crate::reclaim::batch;
use crate::reclaim::counters::Counters;
use crate::reclaim::domain::{Domain, Reclaimable};
use crate::reclaim::doorbell::{self, IDLE, THREAD};
use crate::reclaim::section;

/// How long the reclaimer waits between its rounds while values are unfreed.
pub(crate) const PERIOD: Duration = Duration::from_millis(20);

/// Whether the reclaimer may run: [`UNSET`] until the first start reads the environment.
static ENABLED: AtomicU8 = AtomicU8::new(UNSET);
const UNSET: u8 = 0;
const ON: u8 = 1;
const OFF: u8 = 2;

/// Whether a start was attempted in this process (a relaxed load on the cold paths that start
/// it).
static STARTED: AtomicBool = AtomicBool::new(false);

/// Whether the reclaimer may run: the API's last word, else the environment's.
fn enabled() -> bool {
    match ENABLED.load(Ordering::Relaxed) {
        ON => true,
        OFF => false,
        _ => {
            let off = std::env::var_os("HAZPTR_RECLAIMER").is_some_and(|value| {
                let value = value.to_string_lossy().to_ascii_lowercase();
                matches!(value.trim(), "off" | "0" | "false" | "no")
            });
            let state = if off { OFF } else { ON };
            let _ = ENABLED.compare_exchange(UNSET, state, Ordering::Relaxed, Ordering::Relaxed);
            ENABLED.load(Ordering::Relaxed) == ON
        }
    }
}

/// Turns the background reclaimer on or off (see the crate documentation's "When is a value
/// freed?"); it overrides `HAZPTR_RECLAIMER`.
///
/// Off, no thread of hazptr's runs user code: retired values are freed by the retirements, the
/// reclamations and the thread exits that free them without it. Turned off while it runs, the
/// reclaimer finishes its round and parks; turned on again, it resumes (or starts, at the next
/// retirement into a static domain).
///
/// ```
/// hazptr::set_background_reclaim(false);
/// // … a phase that wants no extra thread to run drops …
/// hazptr::set_background_reclaim(true);
/// ```
pub fn set_background_reclaim(on: bool) {
    ENABLED.store(if on { ON } else { OFF }, Ordering::SeqCst);
    if on {
        if STARTED.load(Ordering::Relaxed) {
            doorbell::wake();
        } else {
            start();
        }
    }
}

/// Starts the reclaimer if it may run and has not started in this process.
#[cold]
#[inline(never)]
pub(crate) fn start() {
    // Not in this crate's own unit tests either, which count what waits in batches.
    if cfg!(any(miri, loom, test)) || !enabled() {
        return;
    }
    let mut slot = THREAD.lock().unwrap_or_else(PoisonError::into_inner);
    let pid = std::process::id();
    if slot
        .as_ref()
        .is_some_and(|(_, started_in)| *started_in == pid)
    {
        return;
    }
    STARTED.store(true, Ordering::Relaxed);
    doorbell::on_fork_restart(start);
    // The default stack (2 MiB): user `Drop`s run on it.
    let spawned = thread::Builder::new()
        .name("hazptr-reclaimer".into())
        .spawn(run);
    if let Ok(handle) = spawned {
        *slot = Some((handle.thread().clone(), pid));
    }
}

/// Starts a new reclaimer if this process was forked from the one it ran in (what an outermost
/// `reclaim` checks first: one `getpid`).
pub(crate) fn restart_if_forked() {
    if !STARTED.load(Ordering::Relaxed) {
        return;
    }
    let forked = THREAD
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .is_some_and(|(_, pid)| *pid != std::process::id());
    if forked {
        start();
    }
}

/// Whether a static domain holds unfreed values, or a batch waits.
fn work() -> bool {
    batch::any_batched()
        || statics()
            .iter()
            .any(|domain| domain.counters().in_engine() > 0)
}

/// One round: hands on the batches, reclaims the domains that hold values, drops what is freed.
fn round() {
    let _ = section::run_posting(|| {
        batch::take_for_reclaimer();
        for domain in statics() {
            if domain.counters().in_engine() > 0 {
                domain.engine_reclaim(false);
            }
        }
    });
}

/// The reclaimer's thread.
fn run() {
    section::mark_posting_thread();
    loop {
        if ENABLED.load(Ordering::SeqCst) != ON {
            IDLE.store(true, Ordering::SeqCst);
            thread::park();
            continue;
        }
        if COMPLETING.load(Ordering::SeqCst) > 0 {
            // A `reclaim` runs: it frees everything; this round would only take links of what
            // it is freeing.
            thread::park_timeout(PERIOD);
            continue;
        }
        if work() {
            round();
            thread::park_timeout(PERIOD);
            continue;
        }
        // Nothing to free: park until a retirement wakes us, unless one came in meanwhile.
        IDLE.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        if work() {
            IDLE.store(false, Ordering::SeqCst);
            continue;
        }
        thread::park();
        IDLE.store(false, Ordering::SeqCst);
        // The retirement that woke us may still be in its batch: give it a period.
        thread::park_timeout(PERIOD);
    }
}

/// Every static domain that has had a value retired into it: what [`reclaim`](fn@crate::reclaim)
/// and the background reclaimer cover.
static STATICS: Mutex<Vec<&'static dyn Reclaimable>> = Mutex::new(Vec::new());

/// Adds `domain`, a static domain, to [`STATICS`] at its first retirement (a relaxed load after that), and
/// starts the background reclaimer.
#[inline]
pub(crate) fn note_static<F: Send + Sync>(domain: &'static Domain<F>) -> &'static Counters {
    if !domain.counters.registered.load(Ordering::Relaxed) {
        register(domain);
    }
    &domain.counters
}

/// Retires `value` into `domain`, a static domain: in the asymmetric mode through this thread's
/// batch, whose heavy barrier the readers' light fence relies on (`batched` retires it into
/// `domain` once the barrier has run); in the fallback at once, ringing the reclaimer's doorbell.
/// The one retirement path of every static-domain value (fields and linked nodes).
///
/// # Safety
///
/// `value` came from a `Box<T>`, left its field or link (no new protection of it can be
/// validated) and is retired once; `batched(value)` retires it into `domain` (as
/// [`engine_retire`](crate::reclaim::domain::engine_retire) does, or
/// [`engine_retire_as`](crate::reclaim::domain::engine_retire_as)), sound on any thread in the
/// fallback, and in the asymmetric mode once a heavy barrier has run after the unlink.
#[inline]
pub(crate) unsafe fn retire_static<T: Send, F: Send + Sync>(
    value: *mut T,
    domain: &'static Domain<F>,
    batched: unsafe fn(*mut ()),
) {
    let counters = note_static(domain);
    if crate::reclaim::barrier::asymmetric() {
        // SAFETY: the caller's promise; `domain` is static, so it outlives the batch, and it is
        // the one `counters` count.
        unsafe { batch::retire_later(value.cast(), batched, counters) };
    } else {
        // SAFETY: the caller's promise; in the fallback readers fence for themselves, so
        // `batched` may run at once.
        unsafe { crate::reclaim::domain::retire_into_by(value.cast(), domain, batched) };
        doorbell::wake_if_idle();
    }
}

#[cold]
#[inline(never)]
fn register(domain: &'static dyn Reclaimable) {
    {
        let mut statics = STATICS.lock().unwrap_or_else(PoisonError::into_inner);
        if !domain.counters().registered.load(Ordering::Relaxed) {
            statics.push(domain);
            domain.counters().registered.store(true, Ordering::Relaxed);
        }
    }
    start();
}

/// The static domains in [`STATICS`], the global domain first.
pub(crate) fn statics() -> Vec<&'static dyn Reclaimable> {
    let mut all: Vec<&'static dyn Reclaimable> = vec![Domain::global()];
    let registered = STATICS.lock().unwrap_or_else(PoisonError::into_inner);
    all.extend(
        registered
            .iter()
            .copied()
            .filter(|d| !core::ptr::addr_eq(*d, Domain::global())),
    );
    all
}

/// How many outermost `complete` calls run: the background reclaimer skips its rounds
/// meanwhile, so that a chain being freed stays on the thread that frees it.
pub(crate) static COMPLETING: AtomicUsize = AtomicUsize::new(0);

/// Counts an outermost `complete` in [`COMPLETING`] while it lives (also when a drop panic it
/// resumes unwinds out of it).
pub(crate) struct Completing;

impl Completing {
    pub(crate) fn enter() -> Self {
        COMPLETING.fetch_add(1, Ordering::SeqCst);
        Self
    }
}

impl Drop for Completing {
    fn drop(&mut self) {
        COMPLETING.fetch_sub(1, Ordering::SeqCst);
    }
}
