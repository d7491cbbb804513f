//! A lock-free, dynamically resizable vector (Dechev, Pirkelbauer & Stroustrup, "Lock-free
//! Dynamically Resizable Arrays", OPODIS 2006), with its descriptors reclaimed through
//! `#[derive(HazardProtected)]`.
//!
//! # The algorithm
//!
//! Elements live in up to 60 buckets, bucket `i` holding `8 · 2^i` slots, each bucket allocated
//! on first use and installed once by compare-and-swap from null (`vector/storage.rs`). The
//! vector's state is one pointer to an immutable `Descriptor`: its size, and the write a push
//! still has to make (`WriteDescriptor { location, old, new }`). Every push and pop installs a new
//! descriptor by compare-and-swap and retires the old one into the vector's own hazard-pointer
//! domain. Before starting its own operation, a thread finishes ("helps") the pending write of
//! the descriptor it loaded, so a push stalled between installing its descriptor and writing its
//! slot never blocks anyone.
//!
//! # What this version fixes in the design it comes from
//!
//! - **The helped write is marked done, not the current one.** The `done` flag lives inside the
//!   `WriteDescriptor`, which is otherwise immutable, and a helper sets the flag of the
//!   descriptor it helped. (Clearing "the pending write of whatever descriptor is current"
//!   could mark a newer push done before its write happened: a lost push, or a pop returning
//!   a stale slot. `tests/vector.rs` drives that interleaving.)
//! - **No descriptor is read unprotected**: every access goes through the guard returned by the
//!   generated `load_protected_descriptor()`, so a descriptor retired meanwhile stays alive.
//! - **Helping is ABA-free.** A helper's compare-and-swap can run late, after the write it helps
//!   was done, popped, and the slot reused. With bare element values, pushing the value the
//!   helper expects would let its stale swap succeed and overwrite the newer element. Each slot
//!   therefore holds the element with the sequence number of the descriptor that wrote it
//!   (`storage::Tagged`, swapped as one 16-byte word); sequence numbers only grow, so a stale
//!   swap always fails.
//! - **Any `Copy` element of up to 8 bytes** ([`Element`]), padded and zero-sized ones
//!   included, checked at compile time (a vector is shared between threads only when its
//!   elements are `Send`), instead of silently assuming 8 bytes; and indexed
//!   [`Vector::get`]. A slot keeps an element's bytes as they are, its uninitialised padding
//!   included: they are never read as an integer, so the slot cannot be an integer atomic. On
//!   x86-64 it is a `lock cmpxchg16b` in inline assembly (`vector/storage/cmpxchg16b.rs`),
//!   lock-free; under Miri, which cannot run inline assembly, and on other architectures, a
//!   lock.
//!
//! # What the derive does here
//!
//! The descriptor field is `#[hazard(domain = domain, non_null)]`: the derive generates
//! `load_protected_descriptor()` (a guard from the vector's own domain) and
//! `compare_exchange_and_retire_descriptor()`, and retires the last descriptor when the vector
//! drops, after which the domain field frees everything retired into it. The only `unsafe` left
//! is the algorithm's own: bucket allocation and indexing, the slots' atomic word, and reading
//! an element back from its bits (in `vector/storage.rs` and `vector/storage/cmpxchg16b.rs`).
//! `src/baseline/vector.rs` is the same vector, sharing the storage and the descriptor types,
//! written against raw `haphazard` for comparison.
//!
//! # Under `--cfg loom`
//!
//! Everything the algorithm synchronises through is loom's: the descriptor field and the domain
//! (hazptr and haphazard switch to loom atomics), the `done` flags, the bucket pointers, and the
//! slots, which become loom `Mutex`es since loom has no 128-bit atomic. Only the statistics
//! counters stay `std` atomics: they order nothing.

mod storage;

use core::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use hazptr::{AtomicPtr, Domain, HazardDrop, HazardProtected, InstanceFamily};

#[cfg(loom)]
use loom::sync::atomic::AtomicBool;
#[cfg(not(loom))]
use std::sync::atomic::AtomicBool;

pub(crate) use self::storage::{Buckets, Tagged, from_bits, to_bits};
pub use self::storage::{Element, MAX_LEN};

/// The family of every vector's own hazard-pointer domain.
pub struct VecFamily;

impl InstanceFamily for VecFamily {}

/// The vector's state: its size, and the write the last push still has to make.
///
/// Immutable once installed, except for the write's `done` flag.
pub(crate) struct Descriptor {
    /// The number of elements.
    pub(crate) size: usize,
    /// This descriptor's place in the order in which descriptors were installed (the first is 0);
    /// a write stores it as its slot's tag.
    pub(crate) seq: u64,
    /// The element a push installed at `size - 1`, if it may not be in its slot yet.
    pub(crate) write: Option<WriteDescriptor>,
    counters: Arc<Counters>,
}

/// A push's pending write: store `new` at `location`, where the slot held `old`.
pub(crate) struct WriteDescriptor {
    pub(crate) location: usize,
    pub(crate) old: Tagged,
    pub(crate) new: Tagged,
    /// Set by whichever thread finished this write (never by a thread working on another
    /// descriptor).
    pub(crate) done: AtomicBool,
}

impl Descriptor {
    pub(crate) fn new(
        size: usize,
        seq: u64,
        write: Option<WriteDescriptor>,
        counters: &Arc<Counters>,
    ) -> Self {
        counters.allocated.fetch_add(1, Ordering::Relaxed);
        Self {
            size,
            seq,
            write,
            counters: Arc::clone(counters),
        }
    }

    /// The descriptor for the state after this one, built in `spare` (a descriptor whose
    /// installation failed) when there is one, to save an allocation.
    #[expect(
        clippy::unnecessary_box_returns,
        reason = "the box is what the descriptor field installs, and a spare is reused as is"
    )]
    pub(crate) fn successor(
        &self,
        size: usize,
        write: Option<WriteDescriptor>,
        spare: Option<Box<Self>>,
    ) -> Box<Self> {
        let seq = self.seq + 1;
        match spare {
            Some(mut spare) => {
                spare.size = size;
                spare.seq = seq;
                spare.write = write;
                spare
            }
            None => Box::new(Self::new(size, seq, write, &self.counters)),
        }
    }

    /// Finishes this descriptor's pending write, if it has one, and marks it done.
    ///
    /// Idempotent: when another thread already stored the write, the slot's tag has moved past
    /// `old`, so the swap fails and changes nothing.
    pub(crate) fn complete_write(&self, buckets: &Buckets, hook: &impl Hook) {
        let Some(write) = &self.write else { return };
        if write.done.load(Ordering::Acquire) {
            return;
        }
        // A push allocates its slot before it installs its write.
        let slot = buckets.element(write.location);
        hook.reached(Checkpoint::HelpingWrite {
            location: write.location,
        });
        slot.compare_exchange(write.old, write.new);
        hook.reached(Checkpoint::WriteStored {
            location: write.location,
        });
        write.done.store(true, Ordering::Release);
    }
}

impl WriteDescriptor {
    pub(crate) fn new(location: usize, old: Tagged, new: Tagged) -> Self {
        Self {
            location,
            old,
            new,
            done: AtomicBool::new(false),
        }
    }
}

impl Drop for Descriptor {
    fn drop(&mut self) {
        self.counters.freed.fetch_add(1, Ordering::Relaxed);
    }
}

/// What happened to a vector's descriptors (one is installed per push and per pop).
///
/// Counters only: they synchronise nothing.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) allocated: AtomicU64,
    pub(crate) retired: AtomicU64,
    pub(crate) discarded: AtomicU64,
    pub(crate) freed: AtomicU64,
}

/// A snapshot of a vector's descriptor counts (see [`DescriptorCounters`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DescriptorStats {
    /// Descriptors allocated (a failed installation reuses its descriptor for the next attempt).
    pub allocated: u64,
    /// Descriptors replaced by a push or pop, plus the last one when the vector dropped: each
    /// was retired into the vector's domain.
    pub retired: u64,
    /// Descriptors dropped without ever being installed (a pop that found the vector empty after
    /// a failed attempt).
    pub discarded: u64,
    /// Descriptors dropped so far: the discarded ones and the retired ones reclaimed.
    pub freed: u64,
}

impl DescriptorStats {
    /// Retired descriptors that were reclaimed.
    #[must_use]
    pub fn reclaimed(&self) -> u64 {
        self.freed - self.discarded
    }
}

/// A handle on a vector's descriptor counts, which outlives the vector: once the vector has
/// dropped, every descriptor it allocated has been freed.
#[derive(Clone, Debug)]
pub struct DescriptorCounters(Arc<Counters>);

impl DescriptorCounters {
    pub(crate) fn new(counters: &Arc<Counters>) -> Self {
        Self(Arc::clone(counters))
    }

    /// The counts now. Each is read separately, so under concurrent use they may be off by a
    /// few operations relative to each other.
    #[must_use]
    pub fn snapshot(&self) -> DescriptorStats {
        DescriptorStats {
            allocated: self.0.allocated.load(Ordering::Relaxed),
            retired: self.0.retired.load(Ordering::Relaxed),
            discarded: self.0.discarded.load(Ordering::Relaxed),
            freed: self.0.freed.load(Ordering::Relaxed),
        }
    }
}

/// A point inside an operation at which a [`Hook`] sees the thread pass.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Checkpoint {
    /// A push installed its descriptor; its write may still be pending.
    PushInstalled {
        /// Where the push writes.
        location: usize,
    },
    /// A thread found a write pending and is about to make its compare-and-swap on the slot.
    HelpingWrite {
        /// The slot to write.
        location: usize,
    },
    /// A thread finishing a pending write has made its compare-and-swap on the slot, and has
    /// not yet marked the write done.
    WriteStored {
        /// The slot written.
        location: usize,
    },
}

/// Test instrumentation: called at each [`Checkpoint`], so that a test can pause threads there
/// and force an interleaving (`tests/vector.rs` forces the lost-push race this way).
///
/// Not part of the API. A vector is generic over its hook, defaulting to [`NoHook`], whose empty
/// method is inlined away: the hook costs nothing when unused (no field, no call, no branch).
#[doc(hidden)]
pub trait Hook: Sync {
    /// The calling thread passes `checkpoint`.
    fn reached(&self, checkpoint: Checkpoint);
}

/// The hook of every vector that is not under test: does nothing.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, Default)]
pub struct NoHook;

impl Hook for NoHook {
    #[inline]
    fn reached(&self, _: Checkpoint) {}
}

/// A lock-free vector of up to [`MAX_LEN`] small `Copy` elements: push, pop, indexed read.
///
/// Every operation is lock-free: a thread stalled anywhere never prevents the others from
/// completing theirs.
///
/// ```
/// use hazptr_suite::vector::Vector;
///
/// let v = Vector::new();
/// std::thread::scope(|s| {
///     s.spawn(|| (0..100).for_each(|i| v.push(i)));
///     s.spawn(|| (100..200).for_each(|i| v.push(i)));
/// });
/// assert_eq!(v.len(), 200);
/// let mut all: Vec<u32> = std::iter::from_fn(|| v.pop()).collect();
/// all.sort_unstable();
/// assert_eq!(all, (0..200).collect::<Vec<_>>());
/// ```
#[derive(HazardProtected)]
#[hazard(custom_drop)]
pub struct Vector<T, H = NoHook> {
    /// Where descriptors are protected and retired; dropping it (after the derive retired the
    /// last descriptor) frees every descriptor retired into it.
    domain: Domain<VecFamily>,
    #[hazard(domain = domain, non_null)]
    descriptor: AtomicPtr<Descriptor, VecFamily>,
    buckets: Buckets,
    counters: Arc<Counters>,
    hook: H,
    /// Elements are stored as bits, copied in and out by whichever thread pushes, pops or reads:
    /// like a `Mutex<T>`, the vector is `Send` and `Sync` exactly when `T: Send`.
    element: PhantomData<std::sync::Mutex<T>>,
}

impl<T: Element> Vector<T> {
    /// An empty vector; allocates no bucket yet.
    #[must_use]
    pub fn new() -> Self {
        Self::with_hook(NoHook)
    }
}

impl<T: Element> Default for Vector<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Element, H: Hook> Vector<T, H> {
    /// An empty vector that reports its checkpoints to `hook`. Test instrumentation only.
    #[doc(hidden)]
    pub fn with_hook(hook: H) -> Self {
        let () = T::FITS_IN_A_SLOT;
        let counters = Arc::new(Counters::default());
        Self {
            domain: Domain::new(&VecFamily),
            descriptor: hazptr::atomic_ptr(Descriptor::new(0, 0, None, &counters)),
            buckets: Buckets::new(),
            counters,
            hook,
            element: PhantomData,
        }
    }

    /// Appends `value`.
    ///
    /// # Panics
    ///
    /// If the vector already holds [`MAX_LEN`] elements, or a bucket cannot be allocated.
    pub fn push(&self, value: T) {
        let bits = to_bits(value);
        let mut spare = None;
        // One hazard pointer for every load of this push, retries included.
        let mut hazard = self.hazard_pointer_descriptor();
        loop {
            let current = self.load_protected_descriptor_with(&mut hazard);
            current.complete_write(&self.buckets, &self.hook);
            let location = current.size;
            // Every write before `current`'s is done and no later one exists yet, so the slot
            // holds its final value for `current`: the one this push replaces.
            let old = self.buckets.slot_or_allocate(location).load();
            let new = Tagged {
                tag: current.seq + 1,
                bits,
            };
            let write = WriteDescriptor::new(location, old, new);
            let next = current.successor(location + 1, Some(write), spare.take());
            match self.compare_exchange_and_retire_descriptor(current, next) {
                Ok(()) => {
                    self.counters.retired.fetch_add(1, Ordering::Relaxed);
                    self.hook.reached(Checkpoint::PushInstalled { location });
                    // Make the write now rather than leave it to the next operation. Whoever
                    // replaced our descriptor meanwhile made it already, so finishing whatever
                    // descriptor is current is enough. (This load ends the protection of
                    // `current`, which is retired.)
                    self.load_protected_descriptor_with(&mut hazard)
                        .complete_write(&self.buckets, &self.hook);
                    return;
                }
                Err(unused) => spare = Some(unused),
            }
        }
    }

    /// Removes and returns the last element, or `None` if the vector is empty.
    pub fn pop(&self) -> Option<T> {
        let mut spare = None;
        let mut hazard = self.hazard_pointer_descriptor();
        loop {
            let current = self.load_protected_descriptor_with(&mut hazard);
            current.complete_write(&self.buckets, &self.hook);
            let Some(location) = current.size.checked_sub(1) else {
                if let Some(spare) = spare {
                    self.counters.discarded.fetch_add(1, Ordering::Relaxed);
                    drop(spare);
                }
                return None;
            };
            let last = self.buckets.element(location).load();
            let next = current.successor(location, None, spare.take());
            match self.compare_exchange_and_retire_descriptor(current, next) {
                Ok(()) => {
                    self.counters.retired.fetch_add(1, Ordering::Relaxed);
                    // SAFETY: `location < current.size`, so its slot was written by the push
                    // that made it an element, with `to_bits::<T>` (all of `current`'s writes
                    // are complete); the exchange succeeding means `current` was still the
                    // state, so no later write touched the slot since we read it.
                    return Some(unsafe { from_bits(last.bits) });
                }
                Err(unused) => spare = Some(unused),
            }
        }
    }

    /// The element at `index`, or `None` if `index` is out of bounds.
    ///
    /// Under concurrent pushes and pops, the value returned is one that was at `index` at some
    /// moment during the call.
    #[must_use]
    pub fn get(&self, index: usize) -> Option<T> {
        let current = self.load_protected_descriptor();
        if index >= current.size {
            return None;
        }
        current.complete_write(&self.buckets, &self.hook);
        let slot = self.buckets.element(index);
        // SAFETY: `index < current.size` and `current`'s writes are complete, so the slot holds
        // the bits of an element pushed there, made by `to_bits::<T>`; a later write at `index`
        // stores another such element.
        Some(unsafe { from_bits(slot.load().bits) })
    }

    /// The number of elements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.load_protected_descriptor().size
    }

    /// Whether the vector has no elements.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Allocates the buckets that `len` elements need in total (not `len` more), so that pushes
    /// up to that length allocate nothing.
    ///
    /// # Panics
    ///
    /// If `len` exceeds [`MAX_LEN`], or a bucket cannot be allocated.
    pub fn reserve(&self, len: usize) {
        self.buckets.reserve(len);
    }

    /// The number of elements the allocated buckets hold.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.buckets.capacity()
    }

    /// Frees the retired descriptors no thread protects any more, now rather than at the
    /// domain's next automatic scan; returns how many it freed.
    pub fn reclaim(&self) -> usize {
        self.domain.reclaim()
    }

    /// A handle on this vector's descriptor counts, which stays readable after the vector drops.
    #[must_use]
    pub fn descriptor_counters(&self) -> DescriptorCounters {
        DescriptorCounters::new(&self.counters)
    }
}

impl<T, H> HazardDrop for Vector<T, H> {
    /// Counts the last descriptor, which the derive retires right after this.
    fn drop(&mut self) {
        self.counters.retired.fetch_add(1, Ordering::Relaxed);
    }
}
