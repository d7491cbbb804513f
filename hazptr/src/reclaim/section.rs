//! Where a reclaimed value's `Drop` runs: after the engine's reclamation, never inside it.
//!
//! Every call into haphazard that may reclaim (a retirement, a reclamation, dropping a
//! per-instance domain) runs inside a *section* ([`run`]). The engine frees a value by dropping
//! its [`Reclaimed`] wrapper; inside a section that drop does not run the value's `Drop`: it
//! pushes the value on this thread's *deferred* list, a plain vector (no allocation per value),
//! and returns. When the outermost section ends, it drains the list: it drops each value in
//! turn, with a panic from its `Drop` caught.
//!
//! Why: the engine's reclamation holds the retired lists it took and a count of reclamations in
//! progress, and loops until its lists stay empty. A `Drop` that ran in there and retired more
//! values, called [`reclaim`](fn@crate::reclaim) (which waits for reclamations in progress) or
//! panicked would make it loop without end, wait for itself, or leak what it held. Run after
//! the engine returned, a `Drop` may do anything a hazptr user may: retire (its values go into
//! a batch or a domain, and are reclaimed by a later section, or by the running
//! [`reclaim`](fn@crate::reclaim)'s next round), use cursors, queues and stacks, call
//! [`reclaim`](fn@crate::reclaim) (which, called from a drain, reclaims and defers but neither
//! drains nor waits: the drain it runs in drops what it frees).
//!
//! The drain is a loop, not a recursion: a section that ends while this thread drains (a
//! retirement made by a drained value's `Drop`) leaves what it deferred to the running drain. A
//! chain of 100,000 nodes, each owning the next, is freed one node per iteration.
//!
//! # Panics in a reclaimed value's `Drop`
//!
//! Caught (the panic hook has reported it by then), and the first one is resumed by the
//! outermost section when the drain is over, so that it reaches the hazptr call that freed the
//! value, as a panic in a `Box`'s drop would. Never while this thread already unwinds (a second
//! panic there would abort the process): it is then dropped, after the hook's report, and the
//! unwinding goes on. A panic caught on the background reclaimer's thread (`reclaimer.rs`),
//! where no caller waits for it, is posted and resumed by the next [`reclaim`](fn@crate::reclaim)
//! or `Domain::reclaim` made outside any reclamation, on any thread (only one is kept: later
//! ones are dropped after the hook's report); a retirement or a drop never resumes it. A value reclaimed outside any section (the engine's own methods, reached through
//! [`Domain::as_engine`](crate::Domain::as_engine)) is dropped at once, inside the engine's
//! reclamation, with its panic caught and dropped after the hook's report.
//!
//! # Thread-local destructors
//!
//! [`LOCAL`] has no destructor (its list is empty whenever no section runs), so a hazptr call
//! from another thread-local's destructor finds it and runs its sections as anywhere else.
//! [`CAUGHT`], which may hold a payload, has one: std destroys thread-locals in the reverse order
//! of their first use, so a destructor that runs after it (the thread used that thread-local
//! before its first caught panic) finds nowhere to keep a panic, which is then dropped after the
//! hook's report, as outside a hazptr call. One that runs while `CAUGHT` is alive resumes the
//! panic as anywhere else, and a panic unwinding out of a thread-local's destructor aborts the
//! process, as any does there.
//!
//! # Waiting for other threads
//!
//! [`reclaim`](fn@crate::reclaim) must also free the values another thread has taken out of a
//! domain or a batch and not dropped yet. A thread that holds such values (a deferred list
//! that is not empty, a batch moved out of its buffer and not yet retired) is *pending* from
//! the first such value to the end of its drain: it counts itself in one of two process-wide
//! counters ([`PENDING`]), the one the current phase names; [`wait_for_pending`] flips the
//! phase and waits for the counter of the old one to reach zero (as SRCU does), so that a
//! steady stream of new reclamations cannot hold it up. Once per reclamation or batch, never
//! per value or retirement.

use core::cell::{Cell, RefCell};
use core::mem::ManuallyDrop;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Mutex, PoisonError};

/// A reclaimed value waiting for its drop.
struct Deferred {
    value: *mut (),
    /// Drops `value` (a `Box<T>`) with its panic caught.
    drop: unsafe fn(*mut ()),
}

/// This thread's side of the sections.
struct Local {
    /// How many sections are running on this thread.
    depth: Cell<usize>,
    /// Whether this thread is draining its deferred list (a drained value's `Drop` runs).
    draining: Cell<bool>,
    /// Whether a reclaimed value's `Drop` runs inside the engine's reclamation (no section).
    in_engine: Cell<bool>,
    /// Values the engine freed during the running sections. `ManuallyDrop`: the thread-local
    /// then has no destructor, and reaching it is a plain address (it is read on every
    /// reclaimed value); the list is empty whenever no section runs, and a section always ends
    /// before its thread does.
    deferred: ManuallyDrop<RefCell<Vec<Deferred>>>,
    /// The phase this thread counted itself pending in, while it is pending.
    pending: Cell<Option<usize>>,
    /// Whether this is the reclaimer's thread, which posts its caught panics instead of
    /// resuming them (and never resumes a posted one).
    posts: Cell<bool>,
    /// How many values the engine freed since the innermost [`counting`] began.
    freed: Cell<u64>,
}

std::thread_local! {
    /// The first panic caught since the outermost section began. A thread-local of its own, with
    /// a destructor (it may hold a payload): a hazptr call from another thread-local's destructor
    /// that runs after this one was destroyed finds no place to keep a panic, which is then
    /// dropped after the hook's report, never resumed there (module documentation).
    static CAUGHT: Cell<Option<Box<dyn Any + Send>>> = const { Cell::new(None) };
    static LOCAL: Local = const {
        Local {
            depth: Cell::new(0),
            draining: Cell::new(false),
            in_engine: Cell::new(false),
            deferred: ManuallyDrop::new(RefCell::new(Vec::new())),
            pending: Cell::new(None),
            posts: Cell::new(false),
            freed: Cell::new(0),
        }
    };
}

/// Threads pending in each phase (module documentation).
static PENDING: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];
/// The phase new pending threads count themselves in (its low bit).
static PHASE: AtomicUsize = AtomicUsize::new(0);
/// One waiter flips the phase at a time.
static WAITERS: Mutex<()> = Mutex::new(());

/// A panic caught where no caller waits for it (the reclaimer's thread).
static POSTED: Mutex<Option<Box<dyn Any + Send>>> = Mutex::new(None);
/// Whether [`POSTED`] holds a panic: read without the lock at the end of every outermost
/// section.
static HAS_POSTED: AtomicBool = AtomicBool::new(false);

/// A retired value, freed like a `Box<T>` but with its `Drop` run after the engine's
/// reclamation, and a panic from it caught (module documentation).
pub(crate) struct Reclaimed<T>(core::ptr::NonNull<T>);

impl<T> core::ops::Deref for Reclaimed<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the pointer came from `Box::into_raw` (`from_raw`'s contract) and the box is
        // freed only by this wrapper's drop.
        unsafe { self.0.as_ref() }
    }
}

// SAFETY: `into_raw` and `from_raw` are `Box::into_raw` and `Box::from_raw`, whose contract is
// the trait's: `from_raw` takes a pointer `into_raw` returned, once; the drop frees the box once.
unsafe impl<T> haphazard::raw::Pointer<T> for Reclaimed<T> {
    fn into_raw(self) -> *mut T {
        let this = core::mem::ManuallyDrop::new(self);
        this.0.as_ptr()
    }

    unsafe fn from_raw(ptr: *mut T) -> Self {
        // SAFETY: `ptr` came from `into_raw`, i.e. from a `Box<T>` (the caller's promise), so it
        // is not null.
        Self(unsafe { core::ptr::NonNull::new_unchecked(ptr) })
    }
}

impl<T> Drop for Reclaimed<T> {
    fn drop(&mut self) {
        let value = self.0.as_ptr().cast::<()>();
        let deferred = LOCAL.try_with(|local| {
            local.freed.set(local.freed.get() + 1);
            if local.depth.get() == 0 {
                return false;
            }
            if local.pending.get().is_none() {
                local.pending.set(Some(enter_pending()));
            }
            local.deferred.borrow_mut().push(Deferred {
                value,
                drop: drop_box::<T>,
            });
            true
        });
        if deferred != Ok(true) {
            // Outside any section: inside the engine's own reclamation, or with this thread's
            // storage gone (module documentation).
            let outer = LOCAL.try_with(|local| local.in_engine.replace(true));
            // SAFETY: the box is dropped once, here, and the wrapper is never used again.
            unsafe { drop_box::<T>(value) };
            let _ = LOCAL.try_with(|local| local.in_engine.set(outer.unwrap_or(false)));
        }
    }
}

/// Drops a `Box<T>` with a panic from `T::drop` caught (kept for the outermost section, or
/// dropped: module documentation). The box's memory is freed even when `T::drop` panics.
///
/// # Safety
///
/// `value` came from `Box::<T>::into_raw`, and is dropped once.
unsafe fn drop_box<T>(value: *mut ()) {
    // SAFETY: the caller's promise.
    let value = unsafe { Box::from_raw(value.cast::<T>()) };
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(move || drop(value))) {
        keep_caught(payload);
    }
}

/// Keeps a caught panic for the outermost section, if one runs on this thread and none was
/// caught before; otherwise drops it (the hook has reported it).
fn keep_caught(payload: Box<dyn Any + Send>) {
    let in_section = LOCAL
        .try_with(|local| local.depth.get() > 0 || local.draining.get())
        .unwrap_or(false);
    if in_section {
        // With `CAUGHT` gone, the closure never runs and is dropped with the payload.
        let _ = CAUGHT.try_with(move |caught| {
            let first = caught.take().unwrap_or(payload);
            caught.set(Some(first));
        });
    }
}

/// Counts this thread pending in the current phase; returns the phase.
fn enter_pending() -> usize {
    let phase = PHASE.load(Ordering::SeqCst) & 1;
    PENDING[phase].fetch_add(1, Ordering::SeqCst);
    phase
}

/// Keeps this thread counted pending while it holds entries moved out of a batch and not yet
/// retired (module documentation): inside a section, until its drain ends; outside one (thread
/// exit with this thread's storage gone), until the returned value drops.
pub(crate) fn hold_taken() -> Held {
    let in_section = LOCAL.try_with(|local| {
        if local.depth.get() == 0 && !local.draining.get() {
            return false;
        }
        if local.pending.get().is_none() {
            local.pending.set(Some(enter_pending()));
        }
        true
    });
    if in_section == Ok(true) {
        Held(None)
    } else {
        Held(Some(enter_pending()))
    }
}

/// See [`hold_taken`].
pub(crate) struct Held(Option<usize>);

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(phase) = self.0 {
            PENDING[phase].fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Waits until every thread that was pending when this call began is done: the values it held
/// are dropped, or retired into their domains. Returns whether it found any thread pending.
pub(crate) fn wait_for_pending() -> bool {
    // Under loom, threads are coroutines of one OS thread: a spin here would never let the
    // pending one run.
    if cfg!(loom) {
        return false;
    }
    let _one_at_a_time = WAITERS.lock().unwrap_or_else(PoisonError::into_inner);
    let old = PHASE.fetch_add(1, Ordering::SeqCst) & 1;
    let mut waited = false;
    let mut spins = 0_u32;
    while PENDING[old].load(Ordering::SeqCst) != 0 {
        waited = true;
        spins += 1;
        if spins < 64 {
            core::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
    }
    waited
}

/// What kind of hazptr call is running on this thread.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Context {
    /// No section, no drain: a call from user code.
    Outermost,
    /// From a value's `Drop` during a drain, or inside a section.
    Nested,
    /// From a value's `Drop` run inside the engine's own reclamation (no section): the engine
    /// holds a reclamation open on this thread.
    InEngine,
}

/// Where this thread is.
pub(crate) fn context() -> Context {
    LOCAL
        .try_with(|local| {
            if local.in_engine.get() {
                Context::InEngine
            } else if local.depth.get() > 0 || local.draining.get() {
                Context::Nested
            } else {
                Context::Outermost
            }
        })
        .unwrap_or(Context::Nested)
}

/// Runs `body`, a call into one domain's engine, and counts the values that domain freed
/// meanwhile (its reclamations free only its own values): returns them with `body`'s result.
pub(crate) fn counting<R>(body: impl FnOnce() -> R) -> (R, u64) {
    let outer = LOCAL.try_with(|local| local.freed.replace(0));
    let result = body();
    let freed = match outer {
        Ok(outer) => LOCAL
            .try_with(|local| local.freed.replace(outer))
            .unwrap_or(0),
        Err(_) => 0,
    };
    (result, freed)
}

/// Decrements the depth if the section's body unwinds (nothing in a section runs user code, but
/// the engine may fail to allocate).
struct Unwinding;

impl Drop for Unwinding {
    fn drop(&mut self) {
        let outermost = LOCAL.try_with(|local| {
            local.depth.set(local.depth.get().saturating_sub(1));
            local.depth.get() == 0 && !local.draining.get()
        });
        if outermost == Ok(true) {
            // Unwinding: the drain drops what is deferred, and resumes nothing.
            drain();
        }
    }
}

/// Runs `body` (calls into the engine that may reclaim) as a section: the values the engine frees
/// meanwhile are dropped when the outermost section ends, then the first panic their drops raised
/// is resumed (module documentation). Returns `body`'s result and how many values the drain at
/// its end dropped (0 for a nested section, whose values the outermost one drops).
pub(crate) fn run<R>(body: impl FnOnce() -> R) -> (R, usize) {
    let counted = LOCAL
        .try_with(|local| local.depth.set(local.depth.get() + 1))
        .is_ok();
    if !counted {
        return (body(), 0);
    }
    let unwinding = Unwinding;
    let result = body();
    core::mem::forget(unwinding);
    let outermost = LOCAL.try_with(|local| {
        local.depth.set(local.depth.get() - 1);
        local.depth.get() == 0 && !local.draining.get()
    });
    let drained = if outermost == Ok(true) { drain() } else { 0 };
    (result, drained)
}

/// [`run`], for a body whose result the caller does not need.
pub(crate) fn run_quietly<R>(body: impl FnOnce() -> R) -> R {
    run(body).0
}

/// Drops every deferred value of this thread, also those deferred by the drops it runs; then
/// ends this thread's pending count and resumes the first caught panic (or a posted one) unless
/// the thread is unwinding. Returns how many it dropped.
fn drain() -> usize {
    let Ok(dropped) = LOCAL.try_with(|local| {
        local.draining.set(true);
        // A drain never nests (a section that ends while this thread drains leaves its values
        // to this loop), so its count is a local.
        let mut dropped = 0;
        loop {
            let next = local.deferred.borrow_mut().pop();
            let Some(deferred) = next else { break };
            // SAFETY: pushed by `Reclaimed::drop` for a box the engine freed, once.
            unsafe { (deferred.drop)(deferred.value) };
            dropped += 1;
        }
        // Its memory goes too: a thread that reclaimed once keeps nothing allocated for it.
        drop(core::mem::take(&mut *local.deferred.borrow_mut()));
        local.draining.set(false);
        if let Some(phase) = local.pending.take() {
            PENDING[phase].fetch_sub(1, Ordering::SeqCst);
        }
        dropped
    }) else {
        return 0;
    };
    resume_caught();
    dropped
}

/// Registers [`CAUGHT`]'s destructor now, if it is not yet (a thread's first retirement does,
/// so that the order of thread-local destructors is that of the first uses: module
/// documentation).
pub(crate) fn touch() {
    let _ = CAUGHT.try_with(|_| ());
}

/// Resumes the panic this thread caught, unless this thread is already unwinding (module
/// documentation).
fn resume_caught() {
    let caught = CAUGHT.try_with(Cell::take).ok().flatten();
    if let Some(payload) = caught
        && !std::thread::panicking()
    {
        panic::resume_unwind(payload);
    }
}

/// Resumes the panic the reclaimer posted, if any, unless this thread is unwinding or is the
/// reclaimer's: what an outermost `reclaim` does once it is done (module documentation).
pub(crate) fn resume_posted() {
    let posts = LOCAL.try_with(|local| local.posts.get()).unwrap_or(true);
    if posts || std::thread::panicking() {
        return;
    }
    if let Some(payload) = take_posted() {
        panic::resume_unwind(payload);
    }
}

/// The posted panic, if any.
fn take_posted() -> Option<Box<dyn Any + Send>> {
    if !HAS_POSTED.load(Ordering::Relaxed) {
        return None;
    }
    let mut posted = POSTED.lock().unwrap_or_else(PoisonError::into_inner);
    HAS_POSTED.store(false, Ordering::Relaxed);
    posted.take()
}

/// Marks this thread as the reclaimer's (see [`run_posting`]).
pub(crate) fn mark_posting_thread() {
    let _ = LOCAL.try_with(|local| local.posts.set(true));
}

/// Runs `body` as an outermost section on a thread where no caller waits for its panics (the
/// reclaimer's): a panic from a reclaimed value's drop is posted for the next `reclaim` of any
/// thread ([`resume_posted`]), unless one is posted already (then it is dropped, after the
/// hook's report).
/// `None` if it posted (or dropped) one.
pub(crate) fn run_posting<R>(body: impl FnOnce() -> R) -> Option<(R, usize)> {
    match panic::catch_unwind(AssertUnwindSafe(|| run(body))) {
        Ok(result) => Some(result),
        Err(payload) => {
            let mut posted = POSTED.lock().unwrap_or_else(PoisonError::into_inner);
            if posted.is_none() {
                *posted = Some(payload);
                HAS_POSTED.store(true, Ordering::Relaxed);
            }
            None
        }
    }
}
