//! One thread's buffer of retired values, and the two flags of the handshake by which another
//! thread may take its entries (`batch.rs` says when batches flush and who takes them).
//!
//! # The handshake
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
//! - **taker**, holding the registry lock (`take`, `batch.rs`): `take_request = true` on every buffer it
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
//! never waits for a thread outside its busy section). Its [`reclaim`](fn@crate::reclaim) and its
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

use core::cell::{Cell, UnsafeCell};
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering, compiler_fence};
use core::{ptr, slice};

use crate::reclaim::counters::Counters;

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
pub(super) struct Entry {
    pub(super) value: *mut (),
    /// Retires `value` into its field's domain (uncounted: the flush counts).
    pub(super) retire: unsafe fn(*mut ()),
    /// The counts of that domain.
    pub(super) counters: &'static Counters,
}

/// The counts of no domain, for [`Entry::EMPTY`].
static NO_DOMAIN: Counters = Counters::new();

/// [`Buffer::domain`] when the entries belong to several domains.
pub(super) const MIXED: *mut Counters = ptr::dangling_mut();

impl Entry {
    /// An unused slot.
    pub(super) const EMPTY: Self = Self {
        value: ptr::null_mut(),
        retire: retire_nothing,
        counters: &NO_DOMAIN,
    };

    /// Retires the value.
    ///
    /// # Safety
    ///
    /// The value is retired once, after a heavy barrier whose call its unlink happens before
    /// (the [`retire_later`](super::retire_later) caller's promise, and the flush's barrier).
    pub(super) unsafe fn retire(self) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.retire)(self.value) }
    }
}

/// The retire function of [`Entry::EMPTY`], never called on a real value.
unsafe fn retire_nothing(_: *mut ()) {}

/// Room for the entries a flush or a take moves out of a buffer ([`Buffer::move_out`]), left
/// uninitialised: filling it with empty entries first cost ~2 instructions per retirement.
pub(super) struct Moved([MaybeUninit<Entry>; BATCH]);

impl Moved {
    pub(super) fn new() -> Self {
        Self([const { MaybeUninit::uninit() }; BATCH])
    }
}

/// Whether a thread's buffer is in the registry (read and written by its own thread only).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    /// Never held an entry.
    Unregistered,
    Registered,
    /// Its thread's exit destructor has run (or could not be set up): retirements go around it.
    Closed,
}

/// One thread's buffer. Its entries are touched by its thread inside a busy section or under
/// the registry lock, and by a taker under the lock after the handshake (module documentation).
pub(super) struct Buffer {
    /// Set by the owner around each push (the busy section).
    pub(super) busy: AtomicBool,
    /// Set by a taker, under the registry lock, while it takes or decides not to.
    pub(super) take_request: AtomicBool,
    /// How many entries wait; always below [`BATCH`] outside a busy section. Written under the
    /// handshake's rules; an atomic so that a taker may also read it as a hint without them.
    pub(super) len: AtomicUsize,
    /// When the first entry came in (coarse monotonic clock, ns): as `len`.
    pub(super) since: AtomicU64,
    /// The counts of the domain every waiting entry belongs to, or [`MIXED`]: a hint for
    /// [`batched`](super::batched), written by the owner only.
    pub(super) domain: AtomicPtr<Counters>,
    /// Owner only: never read by a taker.
    pub(super) state: Cell<State>,
    pub(super) entries: [UnsafeCell<Entry>; BATCH],
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
    pub(super) const fn new() -> Self {
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
    /// Starts a busy section (module documentation); `false`, the section left again, if a
    /// taker has asked for the batch.
    #[inline]
    pub(super) fn enter(&self) -> bool {
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
    pub(super) fn leave(&self) {
        self.busy.store(false, Ordering::Release);
    }
    /// Copies the waiting entries into `into` and empties the buffer; returns the copies.
    ///
    /// # Safety
    ///
    /// The caller may touch the entries: it is the owner inside a busy section that found no
    /// take request, the owner holding the registry lock, or a taker holding the lock after the
    /// handshake found the owner outside its busy section.
    pub(super) unsafe fn move_out<'a>(&self, into: &'a mut Moved) -> &'a [Entry] {
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
}

#[cfg(all(target_os = "linux", not(miri), not(loom)))]
pub(super) mod clock {
    /// The coarse monotonic clock (updated every tick, read without a system call), in ns.
    #[inline]
    pub(crate) fn now_ns() -> u64 {
        let now = rustix::time::clock_gettime(rustix::time::ClockId::MonotonicCoarse);
        u64::try_from(now.tv_sec)
            .unwrap_or(0)
            .saturating_mul(1_000_000_000)
            .saturating_add(u64::try_from(now.tv_nsec).unwrap_or(0))
    }
}

#[cfg(not(all(target_os = "linux", not(miri), not(loom))))]
pub(super) mod clock {
    /// No batching happens on other systems, under Miri or loom (their mode is the fallback):
    /// no clock either.
    #[inline]
    pub(crate) fn now_ns() -> u64 {
        0
    }
}
