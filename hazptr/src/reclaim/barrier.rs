//! The barrier between publishing a hazard and re-validating it: an asymmetric pair (a compiler
//! fence for readers, `membarrier` for the side that frees) where the system has one, a `SeqCst`
//! fence per protection elsewhere.
//!
//! # Why a reader needs a barrier
//!
//! A reader protects a value `p` of a field by storing `p` in its hazard slot, then loading the
//! field again: if the field still holds `p`, `p` is protected. A writer unlinks `p` from the
//! field, retires it, and a reclamation later frees it unless it finds `p` in some hazard slot.
//! The reader's store and its re-validating load must not be reordered (a CPU's store buffer
//! does exactly that, x86 included): otherwise the reader can validate against the field before
//! its hazard is visible, the reclamation can miss the hazard, and the reader uses freed memory.
//! haphazard puts a `fence(SeqCst)` between the two on every protection (a locked instruction on
//! x86, about two thirds of a protected read here), and another before each scan.
//!
//! # The asymmetric pair
//!
//! `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)` (Linux ≥ 4.14, after
//! `MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED`) makes every other running thread of the process
//! execute a full memory barrier before it returns (a thread that is not running has passed
//! through a context switch, which is one). So each reader thread `R` has a point `B_R` during
//! the call where all of `R`'s earlier accesses are complete and none of its later ones has
//! started. With readers that only keep the compiler from reordering (`light`: store the
//! hazard, `compiler_fence(SeqCst)`, re-validate), and a writer that runs `heavy` **after**
//! unlinking `p` and **before** any reclamation can scan for `p`:
//!
//! - if `R`'s hazard store comes before `B_R`, it is visible to every thread once the
//!   `membarrier` returns, so the scan (which happens after it: see below) sees it and keeps `p`;
//! - if the store comes after `B_R`, so does `R`'s re-validating load (program order, kept by the
//!   compiler fence, and the barrier at `B_R` orders everything before it against everything
//!   after it), and the unlink happened before the `membarrier` call (a full barrier in the
//!   calling thread too, so the unlink is visible to all by `B_R`): the load sees the field no
//!   longer holding `p` (`p` cannot be stored again: it is not freed before the scan), so `R`
//!   does not use `p`. A reader on the writer's own thread is ordered by program order.
//!
//! This is Folly's `asymmetricLightBarrier`/`asymmetricHeavyBarrier` and the Linux
//! `sys_membarrier` RCU flavour. `membarrier` costs 0.2–0.7 µs here (more with more running
//! threads to interrupt), so it is paid once per batch of retired values (`reclaim/batch.rs`).
//!
//! # Where it is relied on
//!
//! - **Readers** (`AtomicPtr::protect` and `field::protect_link`, called by the generated loads,
//!   `update`, guards, `protected!`, `load_and_link` and `Protected::load_link`): `light` with
//!   `Fence::Light` for fields of a static domain (the global domain and
//!   `static_unique_domain!` families).
//! - **Retirement into a static domain** (`field::retire_static`): in the asymmetric mode a value
//!   is not given to haphazard at once; it waits in this thread's buffer (`reclaim/batch.rs`),
//!   which runs `heavy` once and then retires the whole batch. So every value hazptr ever hands
//!   to a static domain had a heavy barrier after its unlink and before it entered haphazard's
//!   retired lists; a scan can only find it in those lists (it takes them with an acquiring
//!   `pop_all`, after the `membarrier` returned), so every scan that could free it comes after
//!   the barrier. That holds for haphazard's own reclamations too, whichever thread runs them and
//!   whatever triggers them (the count and 2 s time triggers inside any `retire`,
//!   `eager_reclaim`, `cleanup`): they only ever scan what is in the lists.
//! - **Per-instance domains** (`#[hazard(domain = …)]`) keep the symmetric path: readers use
//!   `Fence::Full` and values are retired directly. A per-thread buffer cannot hold values of a
//!   domain that may be dropped while they wait (the struct can be dropped on another thread,
//!   and its `Domain` field replaced with `mem::replace`), and a `membarrier` per retirement
//!   would cost several times the retirement itself.
//! - **Other retirements into the same domain**: anything that retires into a static domain
//!   without hazptr (raw haphazard users of the global domain) protects its own values with
//!   haphazard's fenced loads, which need no heavy barrier; the values *hazptr readers* read are
//!   the values of hazptr fields, which only hazptr retires (see `AtomicPtr::as_engine` for what
//!   its user must then do).
//!
//! # The holes, and how each is closed
//!
//! - **Per-instance domains**: kept on the symmetric path (above). Measured alternative: a
//!   `membarrier` before each retirement, 0.24–0.7 µs against a 60–80 ns retirement.
//! - **haphazard's own reclamations** (count- and time-triggered, inside any thread's `retire`,
//!   and `eager_reclaim`): they scan only what is in the retired lists, which every hazptr value
//!   enters after its barrier. A reclamation that started *before* a value entered cannot free
//!   it (it took the lists before).
//! - **Guards, `protected!`, `update`**: all go through `AtomicPtr::protect` with the field's
//!   fence kind; there is no other protect path.
//! - **Link loads** (`field::protect_link`: `Protected::load_link`, the generated
//!   `load_protected_…_and_link`): the light barrier for static domains; their `# Safety`
//!   sections require the link's values to be retired by hazptr (a `#[hazard]` field's
//!   retirement), as the queue's nodes are.
//! - **Raw haphazard users of the same domain**: their values are not read by hazptr readers
//!   (only hazptr fields are), and their own readers use haphazard's fenced protection; a
//!   reclamation scanning both kinds of value is correct for each.
//! - **`AtomicPtr::as_engine`**: its `# Safety` requires a heavy barrier between an unlink made
//!   through the engine and the value's retirement.
//! - **Thread exit**: a thread-local's destructor flushes the buffer; a retirement after that
//!   destructor (from another thread-local's destructor) runs its own heavy barrier and retires
//!   directly. One made by a reclaimed value's drop while a flush runs goes into the buffer,
//!   which the flush emptied before retiring: a later flush's barrier covers it.
//! - **Batches taken over by other threads** (`reclaim/batch.rs`): the taker runs a heavy barrier
//!   after the take and before it retires the values; each value's unlink happens before that
//!   call (its push happens before the take), which is what the argument above needs. The
//!   handshake's own barrier, before the take, would not do (see there).
//! - **A panic in a retired value's drop** during a flush: caught by `Reclaimed`
//!   (`reclaim/section.rs`) like any other, resumed by the hazptr call that flushed, or reported and
//!   dropped at thread exit; the buffer is emptied whatever happens (entries not yet retired when
//!   something unwinds leak, which is safe).
//! - **Garbage held by buffers**: bounded by count (63 per thread) and by time
//!   (`reclaim/batch.rs`): a value waits at most 10 ms after its batch's first entry, then until
//!   the next full or aged batch of any thread of the process (which takes the idle batches
//!   over), the background reclaimer's next round (every 20 ms while values wait), any
//!   [`reclaim`](fn@crate::reclaim), its own thread's next retirements or
//!   [`flush_retired`](crate::flush_retired), or its thread's exit. Only a process with the
//!   reclaimer off in which no thread retires or reclaims any more keeps its idle batches (up to
//!   63 values each).
//! - **Mode changes**: there are none; [`force_fallback`] works only before the first operation.
//! - **`membarrier` failing after registration**: the process aborts rather than free what a
//!   reader may hold.
//!
//! # Deciding once
//!
//! The mode is decided once per process, on first use, and never changes: asymmetric when the
//! registration succeeds, unless the environment variable `HAZPTR_BARRIER` is `fallback` or
//! [`force_fallback`] ran first; the fallback when registration fails (an old kernel, seccomp),
//! on other systems, and always under Miri and loom (`cfg(miri)`, `cfg(loom)`), where the
//! fallback is the code haphazard runs (a `SeqCst` fence per protection, values retired at
//! once). Because it never changes, a reader that saw the asymmetric mode and a writer deciding
//! whether to buffer always agree. A reader pays one relaxed load of the mode per protection.

use core::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use crate::reclaim::sync::fence;

/// Which barrier pair hazptr uses in this process (see [`mode`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Readers use a compiler fence; retirements into static domains are batched per thread, and
    /// each batch runs `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)` before it is retired.
    Asymmetric,
    /// Readers use a `SeqCst` fence per protection and values are retired at once (haphazard's
    /// own protocol): no `membarrier` on this system, `HAZPTR_BARRIER=fallback`,
    /// [`force_fallback`], Miri or loom.
    Fallback,
}

/// Not decided yet: readers use the full fence and decide.
const UNDECIDED: u8 = 0;
const ASYMMETRIC: u8 = 1;
const FALLBACK: u8 = 2;

/// The process-wide mode: [`UNDECIDED`] until the first protection or retirement decides it,
/// then [`ASYMMETRIC`] or [`FALLBACK`] for ever.
static MODE: Padded = Padded(AtomicU8::new(UNDECIDED));

/// [`MODE`] on cache lines of its own (two: adjacent-line prefetch), read by every protection:
/// left to the linker, it shared a line with haphazard's global domain, whose counters every
/// retirement writes.
#[repr(align(128))]
struct Padded(AtomicU8);

/// The barrier pair this process uses, deciding it now if nothing has yet.
///
/// ```
/// // In a test that must run the fallback whatever the system offers, call
/// // `hazptr::barrier::force_fallback()` before any other hazptr operation.
/// let mode = hazptr::barrier::mode();
/// assert_eq!(mode, hazptr::barrier::mode(), "decided once");
/// ```
#[must_use]
pub fn mode() -> Mode {
    if decided() == ASYMMETRIC {
        Mode::Asymmetric
    } else {
        Mode::Fallback
    }
}

/// Makes this process use the fallback (a `SeqCst` fence per protection, no batching), if the
/// mode is not decided yet; returns whether the fallback is in effect.
///
/// Call it first thing in `main` (or at the start of a test binary), before any hazptr
/// operation: once a protection or a retirement has decided the mode, it never changes, and this
/// returns `false` if it decided the asymmetric one. The environment variable
/// `HAZPTR_BARRIER=fallback` has the same effect without code.
///
/// ```
/// if hazptr::barrier::force_fallback() {
///     assert_eq!(hazptr::barrier::mode(), hazptr::barrier::Mode::Fallback);
/// }
/// ```
#[allow(clippy::must_use_candidate)] // called for the effect as often as for the answer
pub fn force_fallback() -> bool {
    match MODE
        .0
        .compare_exchange(UNDECIDED, FALLBACK, Ordering::Relaxed, Ordering::Relaxed)
    {
        Ok(_) => true,
        Err(mode) => mode == FALLBACK,
    }
}

/// The mode, deciding it if needed.
#[inline]
fn decided() -> u8 {
    match MODE.0.load(Ordering::Relaxed) {
        UNDECIDED => decide(),
        mode => mode,
    }
}

/// Decides the mode: see the module documentation.
#[cold]
#[inline(never)]
fn decide() -> u8 {
    let wanted = if std::env::var_os("HAZPTR_BARRIER").is_some_and(|v| v == "fallback") {
        FALLBACK
    } else if system::register() {
        ASYMMETRIC
    } else {
        FALLBACK
    };
    // Relaxed is enough: the mode is one value that moves once, and every thread that acts on
    // it has read it (coherence gives all of them the same one). Registration happened before
    // the store, in this thread, and `membarrier` checks it per process.
    match MODE
        .0
        .compare_exchange(UNDECIDED, wanted, Ordering::Relaxed, Ordering::Relaxed)
    {
        Ok(_) => wanted,
        Err(mode) => mode,
    }
}

/// Whether retirements into static domains go through the per-thread batches (and readers of
/// their fields use a compiler fence).
#[inline]
pub(crate) fn asymmetric() -> bool {
    cfg!(all(target_os = "linux", not(miri), not(loom))) && decided() == ASYMMETRIC
}

/// Which barrier a protection needs: [`Fence::Light`] for fields whose values are retired only
/// after [`heavy`] (static domains), [`Fence::Full`] otherwise (per-instance domains).
#[derive(Clone, Copy)]
pub(crate) enum Fence {
    Light,
    Full,
}

/// Orders a reader's hazard store before its re-validating load (see the module documentation):
/// a compiler fence for [`Fence::Light`] in the asymmetric mode, a `SeqCst` fence otherwise.
#[allow(clippy::inline_always)] // the read path: see `hazard_cache::acquire`
#[inline(always)]
pub(crate) fn light(kind: Fence) {
    #[cfg(all(target_os = "linux", not(miri), not(loom)))]
    if let Fence::Light = kind {
        let mode = MODE.0.load(Ordering::Relaxed);
        if mode == ASYMMETRIC {
            core::sync::atomic::compiler_fence(Ordering::SeqCst);
            return;
        }
        fence(Ordering::SeqCst);
        if mode == UNDECIDED {
            // Protected by the full fence this time; later reads take the decided path.
            decide();
        }
        return;
    }
    let _ = kind;
    fence(Ordering::SeqCst);
}

/// [`light`] with [`Fence::Light`], the mode read once for a walk that publishes many hazards in
/// a row (the cursor's). The asymmetric mode never changes once decided, so a walk that saw it
/// at its start may use the compiler fence at every step, exactly as `light` would after reading
/// the mode again; a walk that did not see it calls `light` at every step.
///
/// An enum, so that a walk can be compiled once per variant (the mode test leaves its loop).
#[derive(Clone, Copy)]
pub(crate) enum LightFence {
    /// The mode was asymmetric when the walk started, so it is for ever: a compiler fence.
    Compiler,
    /// The mode was not asymmetric when the walk started: [`light`] decides at every step.
    PerStep,
}

impl LightFence {
    /// Reads the mode for a walk.
    #[allow(clippy::inline_always)] // the read path: see `hazard_cache::acquire`
    #[inline(always)]
    pub(crate) fn for_walk() -> Self {
        if cfg!(all(target_os = "linux", not(miri), not(loom)))
            && MODE.0.load(Ordering::Relaxed) == ASYMMETRIC
        {
            Self::Compiler
        } else {
            Self::PerStep
        }
    }

    /// Orders a hazard store before its re-validating load: [`light`]`(Fence::Light)`.
    #[allow(clippy::inline_always)] // once per node a walk visits
    #[inline(always)]
    pub(crate) fn after_publish(self) {
        match self {
            Self::Compiler => core::sync::atomic::compiler_fence(Ordering::SeqCst),
            Self::PerStep => light(Fence::Light),
        }
    }
}

/// Set only by [`__skip_heavy_barrier`].
static SKIP_HEAVY: AtomicBool = AtomicBool::new(false);

/// Makes [`heavy`] do nothing while readers keep the compiler fence: the bug the litmus test
/// (`tests/asymmetric_barrier.rs`) must catch. Not public API.
///
/// # Safety
///
/// Makes every later reclamation of a static domain able to free a value a reader is using: call
/// it only in a test that expects use-after-free, and never read freed values in a way that is
/// undefined behaviour beyond what that test checks.
#[doc(hidden)]
pub unsafe fn __skip_heavy_barrier() {
    SKIP_HEAVY.store(true, Ordering::Relaxed);
}

/// Makes every other running thread of the process execute a full memory barrier (see the
/// module documentation). Only called in the asymmetric mode, which registered the process.
pub(crate) fn heavy() {
    if SKIP_HEAVY.load(Ordering::Relaxed) {
        return;
    }
    system::heavy();
}

/// [`heavy`], never skipped: the barrier of the handshake by which one thread takes another's
/// batch of retired values (`reclaim/batch.rs`). [`__skip_heavy_barrier`] removes the barrier
/// that readers rely on, to show that the litmus test catches its absence; it must not also
/// break the ownership of the batches (two threads retiring one value), a different bug.
pub(crate) fn handshake() {
    system::heavy();
}

#[cfg(all(target_os = "linux", not(miri), not(loom)))]
mod system {
    use rustix::thread::{MembarrierCommand, membarrier};

    /// Registers the process for private expedited `membarrier`; whether it worked (and one
    /// barrier then works too, so a seccomp filter that allows only the registration is caught).
    pub(super) fn register() -> bool {
        membarrier(MembarrierCommand::RegisterPrivateExpedited).is_ok()
            && membarrier(MembarrierCommand::PrivateExpedited).is_ok()
    }

    /// `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)`.
    pub(super) fn heavy() {
        // After a successful registration the kernel documents no failure for this command
        // (EINVAL and EPERM are what registration rules out). If it failed anyway, readers'
        // protections would not be proven: stop rather than free what they may be reading.
        if let Err(error) = membarrier(MembarrierCommand::PrivateExpedited) {
            eprintln!("hazptr: membarrier failed after registration ({error}); aborting");
            std::process::abort();
        }
    }
}

#[cfg(not(all(target_os = "linux", not(miri), not(loom))))]
mod system {
    /// No `membarrier` here (another system, Miri or loom): the fallback.
    pub(super) fn register() -> bool {
        false
    }

    /// Never called: [`register`] never succeeds, so the mode is never asymmetric.
    pub(super) fn heavy() {
        core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn the_mode_is_decided_once() {
        let first = mode();
        assert_eq!(mode(), first);
        assert_eq!(force_fallback(), first == Mode::Fallback);
        assert_eq!(mode(), first);
    }

    #[test]
    fn the_asymmetric_mode_needs_linux_outside_miri() {
        if cfg!(any(miri, not(target_os = "linux"))) {
            assert_eq!(mode(), Mode::Fallback);
        }
        assert_eq!(asymmetric(), mode() == Mode::Asymmetric);
    }
}
