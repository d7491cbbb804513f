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
//! - by any thread's [`reclaim`](crate::reclaim), whatever its age (a take, for other threads);
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
//! - any [`reclaim`](crate::reclaim), on any thread;
//! - its thread's next [`AGE_CHECK_EVERY`] retirements at most, or its
//!   [`flush_retired`](crate::flush_retired);
//! - its thread's exit.
//!
//! So a writer that stops writing but stays alive keeps its batch only while no thread of the
//! process retires a batch's worth and none calls `reclaim`. hazptr runs no thread of its own:
//! in a process where nothing retires or reclaims any more, up to [`BATCH`] − 1 values per idle
//! thread stay put, as haphazard's own retired lists do (its time trigger, every 2 s, also fires
//! only inside a retirement into that domain).
//!
//! # Taking another thread's batch: the handshake
//!
//! The owner's retirement must stay cheap (a lock, or any locked instruction, per retirement
//! would cost ~6 ns here, 8% of a swap and more than half of the 15% the writes may cost over
//! raw haphazard), so the taker pays, with the asymmetric pair
//! that readers and writers use (`barrier.rs`), here as a Dekker handshake on two flags of the
//! buffer:
//!
//! - **owner**, per retirement ([`Buffer::push`]): `busy = true` (relaxed), compiler fence,
//!   load `take_request` (acquire); if it is set, `busy = false` (release) and the value is
//!   retired directly with a heavy barrier of its own; otherwise the push as usual (and, when
//!   the batch is due, its entries moved out), then `busy = false` (release). Between the two
//!   stores runs no user code and nothing that waits (the *busy section*).
//! - **taker**, holding the registry lock ([`take`]): `take_request = true` on every buffer it
//!   wants; one heavy barrier ([`barrier::handshake`](crate::barrier)); then, for each, load
//!   `busy` (acquire): if it is set, give up on that buffer (or wait, for `reclaim`: below);
//!   otherwise copy its entries out, set its length to 0, and clear `take_request` (release).
//!
//! Why the two never touch the entries at once. `membarrier` makes the owner pass a full barrier
//! at some point `B` during the call (`barrier.rs`). Take any busy section of the owner:
//!
//! - if its `busy = true` comes before `B`, that store is visible to every thread once the call
//!   returns, so the taker's load returns it, or a later `busy = false`: the one that ends this
//!   section or a later one, a release store, which makes every access of that section and of
//!   all earlier ones happen before the taker's accesses;
//! - if it comes after `B`, so does its load of `take_request` (program order, kept by the
//!   compiler fence; `B` orders everything before it against everything after it), and the
//!   taker set the request before its call (the kernel runs a full barrier on entry), so the
//!   load sees the request, or the taker's clearing of it (a release store: the taker's accesses
//!   then happen before the owner's), and the section does not touch the entries.
//!
//! So a taker that loads `busy == false` after its barrier finds every entry it copies written
//! by a section that happens before its copy, and every section that has not ended by then
//! leaves the entries alone until the request is cleared. The same holds for a taker that
//! loaded `busy == true` and keeps loading, the request still set, until it reads `false`
//! (`reclaim` does, once per busy buffer), without another barrier: sections that start after
//! `B` see the request, and the section the taker found busy ends with a release store.
//!
//! The owner's [`flush_retired`](crate::flush_retired) moves its entries out in a busy section
//! too (finding a request, it leaves the section and waits for the request to clear: the taker
//! never waits for a thread outside its busy section). Its [`reclaim`](crate::reclaim) and its
//! exit hold the registry lock instead: takers set and clear requests only under that lock, so
//! none is pending while the owner holds it.
//!
//! Why the taken values may be retired. Each entry was unlinked before its push, which happens
//! before the take (above). The handshake's barrier does not cover the unlink: it ran before the
//! taker knew the owner's stores were visible, and a reader that passed its own barrier point
//! before the unlink reached it could still validate against the old field. So the taker runs a
//! heavy barrier *after* the take, before it retires the entries: the unlink happens before that
//! call, and the argument of `barrier.rs` (a store that happens before the call is visible to
//! every thread by its barrier point: the kernel's full barrier at the call's start is
//! cumulative) covers the taken entries as it covers the caller's own. A flush that takes other
//! batches therefore runs two barriers; one that finds nothing to take runs one.
//!
//! # Who takes
//!
//! - A thread that has just moved out its own batch by count or age (it pays a `membarrier`
//!   then anyway) tries the registry lock (`try_lock`: a busy registry is skipped, never waited
//!   for) and takes every other batch whose oldest entry is older than [`MAX_AGE_NS`], giving up
//!   on any whose owner is busy. While it is the only registered thread it skips even the lock.
//! - [`reclaim`](crate::reclaim) locks the registry, flushes its own batch and takes every other
//!   non-empty one, waiting for owners found busy (their busy sections are short and never wait;
//!   an owner descheduled inside one delays it until it runs again, and one stopped there, by a
//!   debugger or `SIGSTOP`, holds it, and everything else that needs the lock, until resumed).
//! - [`flush_retired`](crate::flush_retired) flushes this thread's batch only, without the lock:
//!   the cheap call, one barrier, for code that wants its own values in their domain now (the
//!   litmus test calls it after every retirement); [`reclaim`](crate::reclaim) is the call for
//!   everything. A batch that another thread took is retired by that thread, right after its
//!   barrier: a `flush_retired` that finds its buffer emptied by a take in progress returns
//!   while the taker may still be handing the values on (as a reclamation running on another
//!   thread may still hold values that an `eager_reclaim` here then does not see).
//!
//! A thread never takes its own buffer through the handshake (it flushes it directly), and no
//! take runs inside a busy section (none runs user code or takes the lock). A taken value is
//! retired, and may be dropped, on the taker's thread: every retired type is `Send`. A panic in
//! its drop is resumed by the taker's hazptr call, as for any value haphazard reclaims there.
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

use core::cell::{Cell, UnsafeCell};
use core::mem::MaybeUninit;
use core::sync::atomic::{
    AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering, compiler_fence, fence,
};
use core::{ptr, slice};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};

use crate::barrier;
use crate::domain::Counters;
use crate::section;

/// Entries per thread: see the module documentation.
pub(crate) const BATCH: usize = 64;

/// How old (in ns of the coarse monotonic clock) a buffer's oldest entry may grow before a
/// retirement flushes it, or another thread's flush takes it.
pub(crate) const MAX_AGE_NS: u64 = 10_000_000;

/// The age is checked when the buffer's length is a multiple of this (a clock read costs ~7 ns,
/// a tenth of a retirement).
pub(crate) const AGE_CHECK_EVERY: usize = 8;

/// A retired value and the function that retires it into its domain.
#[derive(Clone, Copy)]
struct Entry {
    value: *mut (),
    /// Retires `value` into its field's domain (uncounted: the flush counts).
    retire: unsafe fn(*mut ()),
    /// The counts of that domain.
    counters: &'static Counters,
}

/// The counts of no domain, for [`Entry::EMPTY`].
static NO_DOMAIN: Counters = Counters::new();

/// [`Buffer::domain`] when the entries belong to several domains.
const MIXED: *mut Counters = ptr::dangling_mut();

impl Entry {
    /// An unused slot.
    const EMPTY: Self = Self {
        value: ptr::null_mut(),
        retire: retire_nothing,
        counters: &NO_DOMAIN,
    };

    /// Retires the value.
    ///
    /// # Safety
    ///
    /// The value is retired once, after a heavy barrier whose call its unlink happens before
    /// (the [`retire_later`] caller's promise, and the flush's barrier).
    unsafe fn retire(self) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.retire)(self.value) }
    }
}

/// The retire function of [`Entry::EMPTY`], never called on a real value.
unsafe fn retire_nothing(_: *mut ()) {}

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

/// Room for the entries a flush or a take moves out of a buffer ([`Buffer::move_out`]), left
/// uninitialised: filling it with empty entries first cost ~2 instructions per retirement.
struct Moved([MaybeUninit<Entry>; BATCH]);

impl Moved {
    fn new() -> Self {
        Self([const { MaybeUninit::uninit() }; BATCH])
    }
}

/// Whether a thread's buffer is in the registry (read and written by its own thread only).
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Never held an entry.
    Unregistered,
    Registered,
    /// Its thread's exit destructor has run (or could not be set up): retirements go around it.
    Closed,
}

/// One thread's buffer. Its entries are touched by its thread inside a busy section or under
/// the registry lock, and by a taker under the lock after the handshake (module documentation).
struct Buffer {
    /// Set by the owner around each push (the busy section).
    busy: AtomicBool,
    /// Set by a taker, under the registry lock, while it takes or decides not to.
    take_request: AtomicBool,
    /// How many entries wait; always below [`BATCH`] outside a busy section. Written under the
    /// handshake's rules; an atomic so that a taker may also read it as a hint without them.
    len: AtomicUsize,
    /// When the first entry came in (coarse monotonic clock, ns): as `len`.
    since: AtomicU64,
    /// The counts of the domain every waiting entry belongs to, or [`MIXED`]: a hint for
    /// [`batched`], written by the owner only.
    domain: AtomicPtr<Counters>,
    /// Owner only: never read by a taker.
    state: Cell<State>,
    entries: [UnsafeCell<Entry>; BATCH],
}

// SAFETY: another thread reaches a `Buffer` only as a taker, through the registry, which holds
// buffers that are alive (each is unregistered by its thread's exit destructor before its
// storage goes). A taker reads and writes the atomics, and reads `entries` and writes `len` only
// after the handshake (module documentation) showed that every access of the owner to them
// happens before its own, and that the owner keeps off them until the taker's release clears the
// request; takers exclude each other with the registry lock. `state` is never touched by any
// thread but the owner. Entries hold values of `Send` types (`retire_later`'s contract), so
// retiring them on the taker's thread is sound.
unsafe impl Sync for Buffer {}

impl Buffer {
    const fn new() -> Self {
        Self {
            busy: AtomicBool::new(false),
            take_request: AtomicBool::new(false),
            len: AtomicUsize::new(0),
            since: AtomicU64::new(0),
            domain: AtomicPtr::new(ptr::null_mut()),
            state: Cell::new(State::Unregistered),
            entries: [const { UnsafeCell::new(Entry::EMPTY) }; BATCH],
        }
    }

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
            crate::reclaimer::wake_if_idle_after_store();
        }
        Ok(())
    }

    /// Starts a busy section (module documentation); `false`, the section left again, if a
    /// taker has asked for the batch.
    #[inline]
    fn enter(&self) -> bool {
        self.busy.store(true, Ordering::Relaxed);
        // Keeps the load below after the store above in the program (the handshake's barrier
        // orders them on the processor): module documentation.
        compiler_fence(Ordering::SeqCst);
        if self.take_request.load(Ordering::Acquire) {
            self.leave();
            return false;
        }
        true
    }

    /// Ends a busy section: its accesses happen before those of a taker that reads this store.
    #[inline]
    fn leave(&self) {
        self.busy.store(false, Ordering::Release);
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

    /// Copies the waiting entries into `into` and empties the buffer; returns the copies.
    ///
    /// # Safety
    ///
    /// The caller may touch the entries: it is the owner inside a busy section that found no
    /// take request, the owner holding the registry lock, or a taker holding the lock after the
    /// handshake found the owner outside its busy section.
    unsafe fn move_out<'a>(&self, into: &'a mut Moved) -> &'a [Entry] {
        let len = self.len.load(Ordering::Relaxed);
        let from = &self.entries[..len];
        for (to, from) in into.0.iter_mut().zip(from) {
            // SAFETY: the caller may read the entries (above).
            to.write(unsafe { *from.get() });
        }
        self.len.store(0, Ordering::Relaxed);
        // SAFETY: the loop initialised the first `from.len()` elements (`len` ≤ `BATCH`, or
        // slicing `entries` would have panicked), and `MaybeUninit<Entry>` has `Entry`'s layout.
        unsafe { slice::from_raw_parts(into.0.as_ptr().cast::<Entry>(), from.len()) }
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
/// [`reclaim`](crate::reclaim).
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
        // (`reclaim_panic.rs`); it cannot unwind out of this destructor.
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

/// How many values this thread's buffer holds.
#[cfg(all(test, not(loom)))]
pub(crate) fn buffered() -> usize {
    BUFFER
        .try_with(|buffer| buffer.len.load(Ordering::Relaxed))
        .unwrap_or(0)
}

#[cfg(all(target_os = "linux", not(miri), not(loom)))]
mod clock {
    /// The coarse monotonic clock (updated every tick, read without a system call), in ns.
    #[inline]
    pub(super) fn now_ns() -> u64 {
        let now = rustix::time::clock_gettime(rustix::time::ClockId::MonotonicCoarse);
        u64::try_from(now.tv_sec)
            .unwrap_or(0)
            .saturating_mul(1_000_000_000)
            .saturating_add(u64::try_from(now.tv_nsec).unwrap_or(0))
    }
}

#[cfg(not(all(target_os = "linux", not(miri), not(loom))))]
mod clock {
    /// No batching happens on other systems, under Miri or loom (their mode is the fallback):
    /// no clock either.
    #[inline]
    pub(super) fn now_ns() -> u64 {
        0
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use core::sync::atomic::{AtomicUsize, Ordering};
    use std::cell::RefCell;
    use std::panic::{self, AssertUnwindSafe};

    use super::{BATCH, buffered};
    use crate::barrier;
    use crate::field::Field;
    use crate::{AtomicPtr, StaticDomain};

    /// Counts its drops in a static of the test; panics in its drop when `panics`.
    struct Counted {
        drops: &'static AtomicUsize,
        panics: bool,
    }

    impl Drop for Counted {
        fn drop(&mut self) {
            self.drops.fetch_add(1, Ordering::SeqCst);
            assert!(!self.panics, "a retired value's drop panics");
        }
    }

    fn counted(drops: &'static AtomicUsize) -> Counted {
        Counted {
            drops,
            panics: false,
        }
    }

    /// Replaces the value of `field` (a field of `F`'s domain) with `new`, retiring the old one
    /// as the generated `swap_and_retire_…` does.
    fn swap<F: StaticDomain>(field: &AtomicPtr<Counted, F>, new: Counted) {
        Field::<AtomicPtr<Counted, F>, Counted, F>::NEW
            .static_domain(field)
            .swap_and_retire(new);
    }

    /// Empties `field`, retiring its value as the struct's drop does, and flushes the batch.
    fn clear<F: StaticDomain>(field: &AtomicPtr<Counted, F>) {
        let _ = Field::<AtomicPtr<Counted, F>, Counted, F>::NEW
            .static_domain(field)
            .clear_and_retire();
        crate::flush_retired();
    }

    // Each test has a domain of its own, so that no other test's retirements or reclamations
    // touch its values.
    crate::static_unique_domain!(static FULL: Domain<FullFamily>);
    crate::static_unique_domain!(static EXIT: Domain<ExitFamily>);
    crate::static_unique_domain!(static LATE: Domain<LateFamily>);
    crate::static_unique_domain!(static PANICS: Domain<PanicFamily>);

    #[test]
    fn a_batch_reaches_its_domain_when_full() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        std::thread::spawn(|| {
            let field = AtomicPtr::<Counted, FullFamily>::new(counted(&DROPS));
            for _ in 0..BATCH - 1 {
                swap(&field, counted(&DROPS));
            }
            let _ = FULL.as_engine().eager_reclaim();
            if barrier::mode() == barrier::Mode::Asymmetric {
                assert_eq!(buffered(), BATCH - 1, "the batch holds every retired value");
                assert_eq!(DROPS.load(Ordering::SeqCst), 0, "none reached the domain");
            } else {
                assert_eq!(buffered(), 0, "the fallback retires at once");
                assert_eq!(DROPS.load(Ordering::SeqCst), BATCH - 1);
            }
            swap(&field, counted(&DROPS));
            assert_eq!(buffered(), 0, "the full batch was flushed");
            let _ = FULL.as_engine().eager_reclaim();
            assert_eq!(DROPS.load(Ordering::SeqCst), BATCH);
            clear(&field);
            let _ = FULL.as_engine().eager_reclaim();
            assert_eq!(DROPS.load(Ordering::SeqCst), BATCH + 1);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_thread_flushes_its_batch_when_it_exits() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        static FIELD: std::sync::OnceLock<AtomicPtr<Counted, ExitFamily>> =
            std::sync::OnceLock::new();
        let field = FIELD.get_or_init(|| AtomicPtr::new(counted(&DROPS)));
        std::thread::spawn(move || {
            for _ in 0..3 {
                swap(field, counted(&DROPS));
            }
        })
        .join()
        .unwrap();
        // `join` waits for the thread's thread-local destructors, the batch's included.
        let _ = EXIT.as_engine().eager_reclaim();
        assert_eq!(DROPS.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn a_retirement_from_a_thread_local_destructor_reaches_its_domain() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        static FIELD: std::sync::OnceLock<AtomicPtr<Counted, LateFamily>> =
            std::sync::OnceLock::new();

        /// Retires the field's value when the thread's storage is destroyed.
        struct RetireOnExit;
        impl Drop for RetireOnExit {
            fn drop(&mut self) {
                swap(FIELD.get().unwrap(), counted(&DROPS));
            }
        }
        std::thread_local! {
            static LATE_RETIRE: RefCell<Option<RetireOnExit>> = const { RefCell::new(None) };
        }

        FIELD.get_or_init(|| AtomicPtr::new(counted(&DROPS)));
        // Registered before the batch (first retirement after it) and after it: thread-local
        // destructors run in reverse order of registration, so one of the two retirements
        // finds the batch gone and retires directly.
        for register_first in [true, false] {
            std::thread::spawn(move || {
                if register_first {
                    LATE_RETIRE.with_borrow_mut(|late| *late = Some(RetireOnExit));
                    swap(FIELD.get().unwrap(), counted(&DROPS));
                } else {
                    swap(FIELD.get().unwrap(), counted(&DROPS));
                    LATE_RETIRE.with_borrow_mut(|late| *late = Some(RetireOnExit));
                }
            })
            .join()
            .unwrap();
        }
        let _ = LATE.as_engine().eager_reclaim();
        assert_eq!(DROPS.load(Ordering::SeqCst), 4, "two swaps per thread");
    }

    crate::static_unique_domain!(static NESTED: Domain<NestedFamily>);

    /// Retires the value of `INNER` when dropped.
    struct RetiresOnDrop;

    static INNER: std::sync::OnceLock<AtomicPtr<Counted, NestedFamily>> =
        std::sync::OnceLock::new();
    static INNER_DROPS: AtomicUsize = AtomicUsize::new(0);

    impl Drop for RetiresOnDrop {
        fn drop(&mut self) {
            swap(INNER.get().unwrap(), counted(&INNER_DROPS));
        }
    }

    #[test]
    fn a_retirement_made_during_a_flush_waits_for_the_next_one() {
        std::thread::spawn(|| {
            INNER.get_or_init(|| AtomicPtr::new(counted(&INNER_DROPS)));
            let outer = AtomicPtr::<RetiresOnDrop, NestedFamily>::new(RetiresOnDrop);
            Field::<AtomicPtr<RetiresOnDrop, NestedFamily>, RetiresOnDrop, NestedFamily>::NEW
                .static_domain(&outer)
                .swap_and_retire(RetiresOnDrop);
            // The flush retires the first `RetiresOnDrop` into a new domain, whose first
            // retirement reclaims (haphazard's timer is due at once): its drop retires the
            // inner value while the flush runs, after the flush's barrier.
            crate::flush_retired();
            let _ = NESTED.as_engine().eager_reclaim();
            if barrier::mode() == barrier::Mode::Asymmetric {
                assert_eq!(
                    buffered(),
                    1,
                    "the nested retirement waits in the emptied buffer"
                );
                assert_eq!(INNER_DROPS.load(Ordering::SeqCst), 0, "for the next flush");
                crate::flush_retired();
                let _ = NESTED.as_engine().eager_reclaim();
            }
            assert_eq!(buffered(), 0);
            assert_eq!(
                INNER_DROPS.load(Ordering::SeqCst),
                1,
                "the nested retirement reached the domain"
            );
            let _ =
                Field::<AtomicPtr<RetiresOnDrop, NestedFamily>, RetiresOnDrop, NestedFamily>::NEW
                    .static_domain(&outer)
                    .clear_and_retire();
            crate::flush_retired();
            let _ = NESTED.as_engine().eager_reclaim();
            clear(INNER.get().unwrap());
            let _ = NESTED.as_engine().eager_reclaim();
            assert_eq!(INNER_DROPS.load(Ordering::SeqCst), 3);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_drop_panic_during_a_flush_is_resumed_by_the_hazptr_call() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        std::thread::spawn(|| {
            let field = AtomicPtr::<Counted, PanicFamily>::new(Counted {
                drops: &DROPS,
                panics: true,
            });
            // Retire the panicking value; the flush hands it to the domain (the fallback, at
            // once), whose first retirement reclaims (haphazard's timer is due at once in a new
            // domain): the hazptr call that handed it over resumes the panic.
            let swapped = panic::catch_unwind(AssertUnwindSafe(|| swap(&field, counted(&DROPS))));
            let flushed = panic::catch_unwind(AssertUnwindSafe(crate::flush_retired));
            assert!(
                swapped.is_err() != flushed.is_err(),
                "one of the two calls resumed the drop's panic"
            );
            let _ = PANICS.as_engine().eager_reclaim();
            assert_eq!(
                DROPS.load(Ordering::SeqCst),
                1,
                "reclaimed once, panic and all"
            );
            if barrier::mode() == barrier::Mode::Asymmetric {
                assert!(flushed.is_err(), "the flush resumed the drop's panic");
            }
            clear(&field);
            let _ = PANICS.as_engine().eager_reclaim();
            assert_eq!(DROPS.load(Ordering::SeqCst), 2);
        })
        .join()
        .unwrap();
    }
}

/// The handshake under contention: `mod tests` above shares its helpers' file, not this module,
/// so that this test's statics stay next to it.
#[cfg(all(test, not(loom)))]
mod handshake_tests {
    use core::ptr;
    use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::mpsc;

    use super::{BUFFER, Buffer, WhenBusy, registry, retire_after_barrier, take};
    use crate::AtomicPtr;
    use crate::barrier;
    use crate::field::Field;

    crate::static_unique_domain!(static CONTENDED: Domain<ContendedFamily>);

    /// The most values the owner makes.
    const MOST: usize = 400_000;
    /// The owner goes on past this many values until the taker has taken [`TAKES`] times.
    const LEAST: usize = 20_000;
    const TAKES: usize = 300;

    /// Which values were dropped.
    static DROPPED: [AtomicBool; MOST] = [const { AtomicBool::new(false) }; MOST];
    /// Drops of a value dropped before.
    static AGAIN: AtomicUsize = AtomicUsize::new(0);

    std::thread_local! {
        /// Whether this thread's pushes spin inside their busy sections.
        static WIDEN: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
    }

    /// Called by `Buffer::push` in unit tests, inside its busy section, between its entry's
    /// store and its length's: on a thread that asked for it, every 4th push spins there for
    /// a few microseconds, longer than a `membarrier`, so that takers find it busy (and one
    /// that ignored `busy` would copy the entries while the owner writes them).
    pub(super) fn widen_busy_section(len: usize) {
        if len.is_multiple_of(4) && WIDEN.with(core::cell::Cell::get) {
            for _ in 0..2_000 {
                core::hint::spin_loop();
            }
        }
    }

    /// Value `n` records its drop in `DROPPED[n]`.
    struct Once(usize);

    impl Drop for Once {
        fn drop(&mut self) {
            if DROPPED[self.0].swap(true, Ordering::SeqCst) {
                AGAIN.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    fn swap(field: &AtomicPtr<Once, ContendedFamily>, new: Once) {
        Field::<AtomicPtr<Once, ContendedFamily>, Once, ContendedFamily>::NEW
            .static_domain(field)
            .swap_and_retire(new);
    }

    /// An owner retires in a tight loop while another thread takes its batch over and over,
    /// alternately giving up on and waiting for its busy sections: every value is dropped once.
    #[test]
    fn a_batch_taken_while_its_owner_retires_drops_every_value_once() {
        if barrier::mode() != barrier::Mode::Asymmetric {
            // The fallback batches nothing: there is no handshake to test.
            return;
        }
        let field = AtomicPtr::<Once, ContendedFamily>::new(Once(0));
        let taken_batches = AtomicUsize::new(0);
        let owner_done = AtomicBool::new(false);
        let (address, owner_buffer) = mpsc::channel::<usize>();
        let (stopped, taker_stopped) = mpsc::channel::<()>();
        let (field_ref, taken_batches, owner_done) = (&field, &taken_batches, &owner_done);
        let made = std::thread::scope(|s| {
            let owner = s.spawn(move || {
                WIDEN.with(|widen| widen.set(true));
                swap(field_ref, Once(1));
                address
                    .send(BUFFER.with(|b| ptr::from_ref(b) as usize))
                    .unwrap();
                let mut made = 2;
                while made < MOST && (made < LEAST || taken_batches.load(Ordering::Relaxed) < TAKES)
                {
                    swap(field_ref, Once(made));
                    made += 1;
                    // Lets the taker run while the batch is part full, also when the two
                    // threads share a core (the other would otherwise get it mostly while this
                    // one waits in a flush's `membarrier`, its batch empty).
                    if made.is_multiple_of(16) {
                        std::thread::yield_now();
                    }
                }
                owner_done.store(true, Ordering::Release);
                // Alive, so registered, until the taker stops: its address is only compared,
                // but must not become another thread's buffer meanwhile.
                taker_stopped.recv().unwrap();
                made
            });
            s.spawn(move || {
                let target = owner_buffer.recv().unwrap() as *const Buffer;
                let mut round = 0_usize;
                while !owner_done.load(Ordering::Acquire) {
                    let when_busy = if round.is_multiple_of(2) {
                        WhenBusy::Wait
                    } else {
                        WhenBusy::Skip
                    };
                    round += 1;
                    let mut taken = Vec::new();
                    take(
                        &registry(),
                        ptr::null(),
                        |b| ptr::eq(b, target),
                        when_busy,
                        &mut taken,
                    );
                    if !taken.is_empty() {
                        taken_batches.fetch_add(1, Ordering::Relaxed);
                        // SAFETY: moved out by `take`, whose handshake makes each push happen
                        // before this call; each was unlinked before its push.
                        unsafe { retire_after_barrier(&[&taken[..]]) };
                    }
                }
                stopped.send(()).unwrap();
            });
            owner.join().unwrap()
        });
        // The owner's last batch was flushed at its exit; the last value is retired here.
        let _ = Field::<AtomicPtr<Once, ContendedFamily>, Once, ContendedFamily>::NEW
            .static_domain(&field)
            .clear_and_retire();
        crate::flush_retired();
        let _ = CONTENDED.as_engine().eager_reclaim();
        assert!(
            taken_batches.load(Ordering::Relaxed) >= TAKES,
            "the taker took the owner's batch {} times in {made} retirements",
            taken_batches.load(Ordering::Relaxed)
        );
        assert_eq!(
            AGAIN.load(Ordering::SeqCst),
            0,
            "no value was dropped twice"
        );
        let missing = DROPPED[..made]
            .iter()
            .filter(|d| !d.load(Ordering::SeqCst))
            .count();
        assert_eq!(missing, 0, "every one of the {made} values was dropped");
        assert!(DROPPED[made..].iter().all(|d| !d.load(Ordering::SeqCst)));
    }
}
