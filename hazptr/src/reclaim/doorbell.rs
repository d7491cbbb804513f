//! The background reclaimer's doorbell: the flag it sets before it parks with nothing to free,
//! and the check a retirement makes to wake it (`reclaimer.rs`). Below the batches, which ring
//! it, and the reclaimer, which answers.

use core::sync::atomic::{AtomicBool, Ordering, fence};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::thread::Thread;

/// Set by the reclaimer before it parks with nothing to free; a retirement that finds it set
/// clears it and unparks the reclaimer.
pub(crate) static IDLE: AtomicBool = AtomicBool::new(false);

/// The reclaimer's thread, once started, and the process it was started in.
pub(crate) static THREAD: Mutex<Option<(Thread, u32)>> = Mutex::new(None);

/// A retirement's check (module documentation): the caller made its retirement visible with a
/// `SeqCst` fence or locked instruction just before.
#[inline]
pub(crate) fn wake_if_idle() {
    if IDLE.load(Ordering::Relaxed) {
        wake();
    }
}

/// [`wake_if_idle`] after the first entry of a batch (a plain store): fences first.
#[inline]
pub(crate) fn wake_if_idle_after_store() {
    fence(Ordering::SeqCst);
    wake_if_idle();
}

/// How to start the reclaimer again in a process forked from the one it ran in (threads do not
/// survive a `fork`): set by the reclaimer's first start.
static RESTART: OnceLock<fn()> = OnceLock::new();

/// Registers `restart`, the reclaimer's start (see [`RESTART`]).
pub(crate) fn on_fork_restart(restart: fn()) {
    let _ = RESTART.set(restart);
}

/// Unparks the reclaimer if it is idle; in a forked child, where it does not exist, starts a
/// new one.
#[cold]
#[inline(never)]
pub(crate) fn wake() {
    if IDLE.swap(false, Ordering::SeqCst) {
        let slot = THREAD.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.as_ref() {
            Some((thread, pid)) if *pid == std::process::id() => thread.unpark(),
            Some(_) => {
                drop(slot);
                if let Some(restart) = RESTART.get() {
                    restart();
                }
            }
            None => {}
        }
    }
}
