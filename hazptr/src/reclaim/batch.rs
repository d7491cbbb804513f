//! Per-thread batches of retired values, so that one `membarrier` serves many retirements, and
//! how the batch of a thread that stopped retiring reaches its domains all the same.
//!
//! In the asymmetric mode (`barrier.rs`), a value unlinked from a field of a static domain must
//! not reach haphazard's retired lists before a heavy barrier has run after its unlink. Each
//! thread keeps the values it retires in a buffer of [`BATCH`] entries (one buffer per thread for
//! every static domain family: an entry carries the function that retires it into its own
//! domain). A batch is flushed, i.e. moved out of its buffer, [`barrier::heavy`](crate::barrier)
//! run once after that, and every entry handed to its domain's `retire`:
//!
//! - by its thread, when the buffer is full (the [`BATCH`]-th retirement);
//! - by its thread, at a retirement that finds its oldest entry older than [`MAX_AGE_NS`]
//!   (checked on every [`AGE_CHECK_EVERY`]-th entry, against the coarse monotonic clock);
//! - by any other thread, right after that thread flushed its own batch by one of the two rules
//!   above, if its oldest entry is older than [`MAX_AGE_NS`] (a *take*: see below);
//! - by any thread's [`reclaim`](fn@crate::reclaim), whatever its age (a take, for other threads);
//! - by its thread, on [`flush_retired`](crate::flush_retired);
//! - by its thread, when it exits (a thread-local destructor).
//!
//! A retirement that cannot use the buffer runs the heavy barrier itself and retires the value
//! directly: from another thread-local's destructor after this one's has run, or while another
//! thread is taking the batch. A flush moves the entries out and empties the buffer before it
//! retires them, so a retirement made meanwhile by a reclaimed value's drop goes into the empty
//! buffer, for a later flush (whose barrier comes after its unlink).
//!
//! # Bounds
//!
//! Values waiting in buffers are retired but not yet in any domain: at most [`BATCH`] − 1 per
//! thread (for all static domains together), on top of haphazard's own bound for what it holds
//! (its reclamation threshold, max(1000, 2 × hazard records), per domain). In time, a value
//! waits at most until [`MAX_AGE_NS`] after its batch's first entry, then until the first of:
//!
//! - the next flush by count or age of any thread of the process (an active writer makes one at
//!   least every [`BATCH`] retirements) that finds the value's thread outside a retirement (a
//!   busy section: a few nanoseconds, see below; a thread found inside one is retiring, and its
//!   own age check then applies again);
//! - any [`reclaim`](fn@crate::reclaim), on any thread;
//! - its thread's next [`AGE_CHECK_EVERY`] retirements at most, or its
//!   [`flush_retired`](crate::flush_retired);
//! - its thread's exit.
//!
//! So a writer that stops writing but stays alive keeps its batch only while no thread of the
//! process retires a batch's worth, none calls `reclaim`, and the background reclaimer
//! (`reclaimer.rs`, which takes every batch it finds, every 20 ms) is off. Without it, in a
//! process where nothing retires or reclaims any more, up to [`BATCH`] − 1 values per idle
//! thread stay put, as haphazard's own retired lists do (its time trigger, every 2 s, also fires
//! only inside a retirement into that domain).
//!
//! # Taking another thread's batch
//!
//! A thread that stopped retiring keeps its batch: other threads take it over, with a handshake
//! on two flags of the buffer that costs the owner nothing per retirement (`buffer.rs` gives the
//! protocol and why it is sound).
//!
//! # Who takes
//!
//! - A thread that has just moved out its own batch by count or age (it pays a `membarrier`
//!   then anyway) tries the registry lock (`try_lock`: a busy registry is skipped, never waited
//!   for) and takes every other batch whose oldest entry is older than [`MAX_AGE_NS`], giving up
//!   on any whose owner is busy. While it is the only registered thread it skips even the lock.
//! - [`reclaim`](fn@crate::reclaim) locks the registry, flushes its own batch and takes every other
//!   non-empty one, waiting for owners found busy (their busy sections are short and never wait;
//!   an owner descheduled inside one delays it until it runs again, and one stopped there, by a
//!   debugger or `SIGSTOP`, holds it, and everything else that needs the lock, until resumed).
//! - [`flush_retired`](crate::flush_retired) flushes this thread's batch only, without the lock:
//!   the cheap call, one barrier, for code that wants its own values in their domain now (the
//!   litmus test calls it after every retirement); [`reclaim`](fn@crate::reclaim) is the call for
//!   everything. A batch that another thread took is retired by that thread, right after its
//!   barrier: a `flush_retired` that finds its buffer emptied by a take in progress returns
//!   while the taker may still be handing the values on; [`reclaim`](fn@crate::reclaim) waits for
//!   such a taker (it counts itself pending while it holds taken values: `section.rs`).
//! - The background reclaimer (`reclaimer.rs`) takes every non-empty batch once per round,
//!   skipping owners found busy, as an aged take does.
//!
//! A thread never takes its own buffer through the handshake (it flushes it directly), and no
//! take runs inside a busy section (none runs user code or takes the lock). A taken value is
//! retired, and may be dropped, on the taker's thread: every retired type is `Send`. A panic in
//! its drop is resumed by the taker's hazptr call, as for any value haphazard reclaims there.
//!
//!
//! # The registry
//!
//! Every buffer that has held an entry is registered, by address, in a process-wide
//! `Mutex<Vec<_>>` at its first retirement, and removed under that lock by its thread's exit
//! destructor, before its storage goes: a taker holding the lock only touches live buffers. The
//! buffer is a thread-local *without* a destructor (its storage lives as long as its thread, and
//! no `&mut` to it ever exists while takers may hold a `&`); a second, empty thread-local's
//! destructor ([`Exit`]) unregisters it and flushes it for the last time. Under the lock run
//! only atomic operations, copies of entries, a clock read, `membarrier`, `reclaim`'s wait for
//! busy owners, and the global allocator (the registry's and the taken entries' vectors): no
//! retirement, no drop of a retired value, nothing that waits for the lock.
//!
//! # The batch size
//!
//! `membarrier` costs about 0.24 µs with no other thread running and 0.7 µs with one (it
//! interrupts every running thread of the process); a retirement through haphazard costs about
//! 60–70 ns. With 64 entries the barrier adds 4–11 ns per retirement, the buffer itself (a
//! thread-local access, the busy flag's two stores and the request's load, the entry's stores)
//! about 1–2 ns: within the 15% the writes may cost over raw haphazard, while the buffers stay
//! small next to haphazard's threshold of 1000.

use core::ptr;
use core::sync::atomic::{AtomicUsize, Ordering, fence};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};

mod buffer;

use crate::reclaim::barrier;
use crate::reclaim::counters::Counters;
use crate::reclaim::section;
use buffer::{AGE_CHECK_EVERY, BATCH, Buffer, Entry, MAX_AGE_NS, MIXED, Moved, State, clock};

/// Runs the heavy barrier, then retires every entry of each of `batches`.
///
/// # Safety
///
/// Every entry was moved out of a buffer (so nothing else retires it) and unlinked before its
/// push, which happens before this call (the owner's own flush, or a [`take`]).
unsafe fn retire_after_barrier(batches: &[&[Entry]]) {
    barrier::heavy();
    // In a section (the values the engine frees are dropped when it ends: `section.rs`), and
    // counted per run of entries of one domain, not per entry.
    section::run_quietly(|| {
        for batch in batches {
            for run in batch.chunk_by(|a, b| ptr::eq(a.counters, b.counters)) {
                let counters = run[0].counters;
                counters.count_retired(run.len() as u64);
                let ((), freed) = section::counting(|| {
                    for entry in run {
                        // SAFETY: unlinked before a push that happens before the barrier just
                        // run (the caller's promise), and retired once: it was moved out of its
                        // buffer, whose length was set to 0 before this call. Should a
                        // retirement unwind, the entries after it leak, which is safe.
                        unsafe { entry.retire() };
                    }
                });
                counters.count_reclamation(freed, false);
            }
        }
    });
}

/// The owner's side of a buffer: its retirements, flushes, registration and exit.
impl Buffer {
    /// Adds `entry` (flushing the batch if it is now due), or gives it back (`Err`) if the
    /// buffer is closed or a taker has asked for it: the caller retires it itself.
    #[inline]
    fn push(&self, entry: Entry) -> Result<(), Entry> {
        if (self.state.get() != State::Registered && !self.register()) || !self.enter() {
            return Err(entry);
        }
        let len = self.len.load(Ordering::Relaxed);
        let Some(slot) = self.entries.get(len) else {
            // Never: `len` < `BATCH` outside a busy section.
            self.leave();
            return Err(entry);
        };
        // SAFETY: inside a busy section that found no take request: no taker touches the
        // entries until it ends (module documentation), and the owner is this thread.
        unsafe { *slot.get() = entry };
        #[cfg(all(test, not(loom)))]
        handshake_tests::widen_busy_section(len);
        let domain = ptr::from_ref(entry.counters).cast_mut();
        if self.domain.load(Ordering::Relaxed) != domain {
            let hint = if len == 0 { domain } else { MIXED };
            self.domain.store(hint, Ordering::Relaxed);
        }
        let len = len + 1;
        if len == 1 {
            self.since.store(clock::now_ns(), Ordering::Relaxed);
        }
        self.len.store(len, Ordering::Relaxed);
        if len == BATCH
            || (len.is_multiple_of(AGE_CHECK_EVERY)
                && clock::now_ns().saturating_sub(self.since.load(Ordering::Relaxed)) >= MAX_AGE_NS)
        {
            self.flush_from_push();
            return Ok(());
        }
        self.leave();
        if len == 1 {
            // A batch began: the reclaimer, if parked, frees it in time (`reclaimer.rs`).
            crate::reclaim::doorbell::wake_if_idle_after_store();
        }
        Ok(())
    }
    /// Inside the busy section of a push that made the batch due: moves its entries out, ends
    /// the section, takes other threads' aged batches, and retires them all.
    #[cold]
    #[inline(never)]
    fn flush_from_push(&self) {
        let _held = section::hold_taken();
        let mut moved = Moved::new();
        // SAFETY: still inside the busy section of `push`, which found no take request.
        let own = unsafe { self.move_out(&mut moved) };
        self.leave();
        let others = take_aged(self);
        // SAFETY: moved out above, or by `take_aged`; each was unlinked before its push, which
        // happens before this call (program order here; the handshake for the others).
        unsafe { retire_after_barrier(&[own, &others]) };
    }
    /// Flushes the buffer: see [`flush_retired`](crate::flush_retired). Also from a value's
    /// drop during a flush: the entries pushed since are flushed.
    fn flush(&self) {
        loop {
            // The owner's own stores, or a taker's 0 (the taker retires what it took, after its
            // own barrier).
            if self.len.load(Ordering::Relaxed) == 0 {
                return;
            }
            if self.enter() {
                let _held = section::hold_taken();
                let mut moved = Moved::new();
                // SAFETY: the owner inside a busy section that found no take request.
                let own = unsafe { self.move_out(&mut moved) };
                self.leave();
                if !own.is_empty() {
                    // SAFETY: moved out above; unlinked before their pushes, earlier on this
                    // thread.
                    unsafe { retire_after_barrier(&[own]) };
                }
                return;
            }
            // A taker holds the registry lock and will clear its request soon: it takes the
            // batch, or gives up on it, without waiting for anything this thread does outside
            // a busy section.
            while self.take_request.load(Ordering::Acquire) {
                std::thread::yield_now();
            }
        }
    }

    /// Enters the registry, and sets up the thread-exit destructor that leaves it; `false` if
    /// that destructor cannot run any more (this thread's destructors are running) or has run.
    #[cold]
    #[inline(never)]
    fn register(&self) -> bool {
        // The first access registers `EXIT`'s destructor, also from another thread-local's
        // destructor (std runs those registered while the thread's destructors run); after
        // `EXIT` was destroyed it fails.
        if self.state.get() == State::Closed || EXIT.try_with(|_| {}).is_err() {
            self.state.set(State::Closed);
            return false;
        }
        // The caught-panic slot's destructor is registered with this thread's first retirement,
        // as the buffer's: a thread-local destructor that runs after both then finds neither
        // (`section.rs`).
        section::touch();
        let mut registry = registry();
        registry.push(Registered(ptr::from_ref(self)));
        REGISTERED.store(registry.len(), Ordering::Relaxed);
        drop(registry);
        self.state.set(State::Registered);
        true
    }

    /// Thread exit: leaves the registry and flushes the last batch. Later retirements on this
    /// thread go around the buffer.
    fn close(&self) {
        let _held = section::hold_taken();
        let mut moved = Moved::new();
        let own = {
            let mut registry = registry();
            let me = ptr::from_ref(self);
            registry.retain(|buffer| buffer.0 != me);
            REGISTERED.store(registry.len(), Ordering::Relaxed);
            self.state.set(State::Closed);
            // SAFETY: the owner (`close` runs in its exit destructor) holding the lock.
            unsafe { self.move_out(&mut moved) }
        };
        if !own.is_empty() {
            // SAFETY: moved out above; unlinked before their pushes, earlier on this thread.
            unsafe { retire_after_barrier(&[own]) };
        }
    }
}

std::thread_local! {
    /// This thread's buffer: no destructor, so its storage lives, at one address, as long as
    /// the thread (and no `&mut` to it is ever made: takers may hold a `&`).
    static BUFFER: Buffer = const { Buffer::new() };
    /// Its destructor unregisters and flushes `BUFFER` at thread exit; set up by the first
    /// retirement (`Buffer::register`).
    static EXIT: Exit = const { Exit };
}

/// The thread-exit destructor of this thread's buffer.
struct Exit;

impl Drop for Exit {
    fn drop(&mut self) {
        // A panic from a value's drop during this flush is caught by `Reclaimed` and, with no
        // hazptr call to resume it in, reported by the panic hook and dropped
        // (`reclaim/section.rs`); it cannot unwind out of this destructor.
        let _ = BUFFER.try_with(Buffer::close);
    }
}

/// Retires `value` with `retire` after a heavy barrier: batched in this thread's buffer, or at
/// once (with a barrier of its own) when the buffer is closed (thread exit) or being taken.
///
/// # Safety
///
/// `value` has left its field (nothing can protect it anew), is retired once, and
/// `retire(value)` is sound for it, on any thread, once a heavy barrier has run whose call the
/// unlink happens before: it retires `value`, of a `Send` type, into its field's domain, a
/// static domain (which outlives every buffer).
pub(crate) unsafe fn retire_later(
    value: *mut (),
    retire: unsafe fn(*mut ()),
    counters: &'static Counters,
) {
    let entry = Entry {
        value,
        retire,
        counters,
    };
    let refused = match BUFFER.try_with(|buffer| buffer.push(entry)) {
        Ok(Ok(())) => return,
        Ok(Err(entry)) => entry,
        Err(_) => entry,
    };
    // SAFETY: unlinked before this call (the caller's promise); retired once, here, after the
    // barrier `retire_after_barrier` runs.
    unsafe { retire_after_barrier(&[&[refused]]) };
}

/// Flushes this thread's buffer: see [`flush_retired`](crate::flush_retired).
pub(crate) fn flush() {
    let _ = BUFFER.try_with(Buffer::flush);
}

/// How many values this thread's buffer holds.
#[cfg(all(test, not(loom)))]
pub(crate) fn buffered() -> usize {
    BUFFER
        .try_with(|buffer| buffer.len.load(Ordering::Relaxed))
        .unwrap_or(0)
}

/// A registered buffer's address.
struct Registered(*const Buffer);

// SAFETY: the address of a `Buffer` (which is `Sync`), in the registry only while the buffer is
// alive: its thread removes it, under the lock, before the buffer's storage goes.
unsafe impl Send for Registered {}

/// Every registered buffer (module documentation).
static REGISTRY: Mutex<Vec<Registered>> = Mutex::new(Vec::new());

/// How many buffers the registry holds, as of its last change: read without the lock, to skip
/// it while this thread's buffer is the only one.
static REGISTERED: AtomicUsize = AtomicUsize::new(0);

/// The registry, locked. A panic never happens under the lock (module documentation), but
/// should one poison it, the list is still right: each change is one `push` or `retain`.
fn registry() -> MutexGuard<'static, Vec<Registered>> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What a taker does with a buffer whose owner it finds inside a busy section.
#[derive(Clone, Copy, PartialEq, Eq)]
enum WhenBusy {
    /// Gives up on it this time (a retirement never waits for another thread).
    Skip,
    /// Waits until the section ends (`reclaim`, which promises everything).
    Wait,
}

/// Takes the entries of every registered buffer but `own` that `wanted` selects (by its
/// `len` and `since`, read as hints), appending them to `taken`: the taker's half of the
/// handshake (module documentation). Runs [`barrier::handshake`] if any buffer is wanted.
///
/// The caller retires what it took only after a heavy barrier that it runs after this call.
fn take(
    registry: &MutexGuard<'_, Vec<Registered>>,
    own: *const Buffer,
    wanted: impl Fn(&Buffer) -> bool,
    when_busy: WhenBusy,
    taken: &mut Vec<Entry>,
) {
    let buffers = || {
        registry
            .iter()
            .filter(|buffer| buffer.0 != own)
            .map(|buffer| {
                // SAFETY: a registered buffer is alive while the registry lock is held (its thread
                // unregisters it under the lock before its storage goes), and `Sync`.
                unsafe { &*buffer.0 }
            })
    };
    let mut requested = 0;
    for buffer in buffers() {
        if buffer.len.load(Ordering::Relaxed) != 0 && wanted(buffer) {
            buffer.take_request.store(true, Ordering::Relaxed);
            requested += 1;
        }
    }
    if requested == 0 {
        return;
    }
    // The requests before the barrier, the loads of `busy` after it.
    fence(Ordering::SeqCst);
    barrier::handshake();
    fence(Ordering::SeqCst);
    taken.reserve(requested * (BATCH - 1));
    // Only this thread sets requests (it holds the lock) and it clears each below: the ones set
    // are the ones it set above.
    for buffer in buffers().filter(|buffer| buffer.take_request.load(Ordering::Relaxed)) {
        let mut spins = 0_u32;
        while buffer.busy.load(Ordering::Acquire) {
            if when_busy == WhenBusy::Skip {
                break;
            }
            // A busy section is a few stores and maybe a clock read: spin, then yield in case
            // its thread was preempted inside it.
            spins += 1;
            if spins < 100 {
                core::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
        if !buffer.busy.load(Ordering::Acquire) {
            let mut moved = Moved::new();
            // SAFETY: a taker holding the lock, whose handshake found the owner outside its
            // busy section (the load just above) with the request still set.
            taken.extend_from_slice(unsafe { buffer.move_out(&mut moved) });
        }
        buffer.take_request.store(false, Ordering::Release);
    }
}

/// After a flush by count or age: takes every other buffer whose oldest entry is older than
/// [`MAX_AGE_NS`], if the registry lock is free and holds other buffers.
fn take_aged(own: &Buffer) -> Vec<Entry> {
    let mut taken = Vec::new();
    if REGISTERED.load(Ordering::Relaxed) < 2 {
        return taken;
    }
    let registry = match REGISTRY.try_lock() {
        Ok(registry) => registry,
        Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        Err(TryLockError::WouldBlock) => return taken,
    };
    let now = clock::now_ns();
    let aged =
        |buffer: &Buffer| now.saturating_sub(buffer.since.load(Ordering::Relaxed)) >= MAX_AGE_NS;
    take(&registry, own, aged, WhenBusy::Skip, &mut taken);
    taken
}

/// Hands this thread's retired values, and every other thread's, to their domains: see
/// [`reclaim`](fn@crate::reclaim).
pub(crate) fn take_all() {
    if !barrier::asymmetric() {
        return;
    }
    let own = BUFFER.try_with(ptr::from_ref).unwrap_or(ptr::null());
    let _held = section::hold_taken();
    let mut moved = Moved::new();
    let mut taken = Vec::new();
    let own_entries = {
        let registry = registry();
        // SAFETY: `own` is null or this thread's buffer, whose storage lives as long as the
        // thread (a thread-local without a destructor).
        let own_entries = unsafe { own.as_ref() }.map_or(&[][..], |own| {
            // SAFETY: the owner holding the registry lock.
            unsafe { own.move_out(&mut moved) }
        });
        take(&registry, own, |_| true, WhenBusy::Wait, &mut taken);
        own_entries
    };
    if !own_entries.is_empty() || !taken.is_empty() {
        // SAFETY: moved out above, or by `take`; each was unlinked before its push, which
        // happens before this call (program order, or the handshake).
        unsafe { retire_after_barrier(&[own_entries, &taken]) };
    }
}

/// How many values wait in batches for the domain counted by `counters` (a batch of several
/// domains counts toward each): see `Stats::batched`.
pub(crate) fn batched(counters: &Counters) -> u64 {
    if !barrier::asymmetric() || REGISTERED.load(Ordering::Relaxed) == 0 {
        return 0;
    }
    let me = ptr::from_ref(counters).cast_mut();
    registry()
        .iter()
        .map(|buffer| {
            // SAFETY: a registered buffer is alive while the registry lock is held (its thread
            // unregisters it under the lock before its storage goes), and `Sync`.
            let buffer = unsafe { &*buffer.0 };
            let len = buffer.len.load(Ordering::SeqCst);
            let domain = buffer.domain.load(Ordering::Relaxed);
            if len != 0 && (domain == me || domain == MIXED) {
                len as u64
            } else {
                0
            }
        })
        .sum()
}

/// Whether any batch holds values (a hint, read with a `SeqCst` load after the reclaimer's
/// fence: `reclaimer.rs`).
pub(crate) fn any_batched() -> bool {
    if !barrier::asymmetric() || REGISTERED.load(Ordering::Relaxed) == 0 {
        return false;
    }
    registry().iter().any(|buffer| {
        // SAFETY: as in `batched`.
        unsafe { &*buffer.0 }.len.load(Ordering::SeqCst) != 0
    })
}

/// The reclaimer's hand-on: takes every other thread's non-empty batch whose owner is not in
/// the middle of a retirement, flushes its own, and retires them all.
pub(crate) fn take_for_reclaimer() {
    if !barrier::asymmetric() {
        return;
    }
    flush();
    let _held = section::hold_taken();
    let mut taken = Vec::new();
    {
        let registry = registry();
        let own = BUFFER.try_with(ptr::from_ref).unwrap_or(ptr::null());
        take(&registry, own, |_| true, WhenBusy::Skip, &mut taken);
    }
    if !taken.is_empty() {
        // SAFETY: moved out by `take`; each was unlinked before its push, which happens before
        // this call (the handshake).
        unsafe { retire_after_barrier(&[&taken]) };
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, not(loom)))]
mod handshake_tests;
