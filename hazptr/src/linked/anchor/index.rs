//! The index of an [`AnchoredHead`](crate::AnchoredHead): a table of levels of slots, each slot
//! an anchor's node with a state word beside it.
//!
//! Level 0 holds slot 0, level `l > 0` holds the `2^(l-1)` slots from `2^(l-1)`; a level is
//! allocated (zeroed, so the system maps its pages only as slots are used) the first time one of
//! its slots is, by the thread whose compare-and-exchange installs it (the others free theirs).
//! Slots never move; the nodes in them are dropped with the index, after the chain's own nodes.
//!
//! A slot's state word holds, in its two low bits, whether its anchor is [`EMPTY`], [`MAKING`]
//! or [`READY`], and above them the slot's *summary*: [`SUMMARY_BITS`] bits that the chain's
//! user sets (never clears) and reads with the state in one load, such as a filter of the keys
//! that follow the anchor. Every change of the state keeps the summary, and a summary is only
//! ever added to a slot that is not empty, so an empty slot's word is zero.
//!
//! A summary protocol (a hash map's filters, which must never miss a key) may pair "add to one
//! slot's summary, then look at another slot's state" in one thread with "start making that
//! other slot, then read the first one's summary" in another, and need one of the two to see
//! the other: a store-buffering pattern, which acquire and release alone allow both to miss.
//! So a thread issues a sequentially consistent fence after adding to a summary
//! ([`Slot::add_summary`]) and after it starts making a slot ([`Slot::start_making`]): of two
//! such fences, one comes first, and the reads after it see the write before the other. (Fences
//! rather than sequentially consistent accesses, which would do the same under the C++ model:
//! loom checks fences, and treats sequentially consistent loads as acquiring ones.)

use core::cell::UnsafeCell;
use core::mem::MaybeUninit;
use core::ptr;
use core::sync::atomic::Ordering::{AcqRel, Acquire, Release, SeqCst};

use crate::linked::anchor::ItemNode;
use crate::reclaim::sync::{AtomicPtr, AtomicUsize, fence};

/// A slot of the index: a state word, and the anchor's node once the state leaves [`EMPTY`].
/// All-zero bytes are an empty slot (the levels are allocated zeroed).
pub(super) struct Slot<A, T, F> {
    /// The state in the low bits ([`STATE`]), the summary above ([`SUMMARY_SHIFT`]).
    word: AtomicUsize,
    pub(super) node: UnsafeCell<MaybeUninit<ItemNode<A, T, F>>>,
}

/// A slot whose anchor was never made.
pub(super) const EMPTY: usize = 0;
/// A slot whose anchor one thread is making: its node is written, and linked or about to be.
pub(super) const MAKING: usize = 1;
/// A slot whose anchor is linked: the index lends it.
pub(super) const READY: usize = 2;
/// The bits of a word that hold the state.
const STATE: usize = 0b11;
/// Where the summary starts in a word.
const SUMMARY_SHIFT: u32 = 2;
/// How many bits a slot's summary has: those of a `usize` but the state's two.
pub(super) const SUMMARY_BITS: u32 = usize::BITS - SUMMARY_SHIFT;

/// How many levels the index has: level 0, and one per bit of a slot number, enough for every
/// `usize` (the last levels can never be allocated: setting a slot there fails to allocate).
const LEVELS: usize = usize::BITS as usize + 1;

/// The level of slot `i`, and its place in the level.
#[inline]
fn locate(i: usize) -> (usize, usize) {
    if i == 0 {
        (0, 0)
    } else {
        let level = (usize::BITS - i.leading_zeros()) as usize;
        (level, i - (1 << (level - 1)))
    }
}

/// How many slots level `level` holds.
#[inline]
fn level_len(level: usize) -> usize {
    if level == 0 { 1 } else { 1 << (level - 1) }
}

impl<A, T, F> Slot<A, T, F> {
    /// The state ([`EMPTY`], [`MAKING`] or [`READY`]) and the summary, read at once.
    #[inline]
    pub(super) fn read(&self) -> (usize, usize) {
        // Acquiring: a ready slot's node was written before its state.
        let word = self.word.load(Acquire);
        (word & STATE, word >> SUMMARY_SHIFT)
    }

    /// Moves an empty slot to [`MAKING`]: `Ok` for the one thread that did (after a
    /// sequentially consistent fence: see the module documentation), else the state.
    pub(super) fn start_making(&self) -> Result<(), usize> {
        // An empty slot's word is zero: summaries are only added to slots that are not empty.
        self.word
            .compare_exchange(EMPTY, MAKING, AcqRel, Acquire)
            .map_err(|word| word & STATE)?;
        fence(SeqCst);
        Ok(())
    }

    /// Moves a slot this thread is making to [`READY`], keeping its summary: publishes its
    /// node to the index's readers.
    pub(super) fn finish_making(&self) {
        // MAKING + 1 == READY, in the low bits only.
        let was = self.word.fetch_add(READY - MAKING, Release);
        debug_assert_eq!(was & STATE, MAKING);
    }

    /// Adds `summary` (its low [`SUMMARY_BITS`] bits) to the slot's, unless the slot is empty,
    /// then issues a sequentially consistent fence (see the module documentation): whether it
    /// was not empty.
    pub(super) fn add_summary(&self, summary: usize) -> bool {
        if self.word.load(Acquire) & STATE == EMPTY {
            return false;
        }
        // A slot never goes back to empty.
        self.word.fetch_or(summary << SUMMARY_SHIFT, AcqRel);
        fence(SeqCst);
        true
    }
}

/// The table of levels.
pub(super) struct Index<A, T, F> {
    /// Level `l` is null or the first of `level_len(l)` slots, from a zeroed `Box`.
    levels: [AtomicPtr<Slot<A, T, F>>; LEVELS],
}

impl<A, T, F> Index<A, T, F> {
    /// An empty index, which allocates nothing.
    pub(super) fn new() -> Self {
        Self {
            levels: core::array::from_fn(|_| AtomicPtr::new(ptr::null_mut())),
        }
    }

    /// Slot `i`, if its level is allocated (`None`: the slot is empty).
    #[inline]
    pub(super) fn get(&self, i: usize) -> Option<&Slot<A, T, F>> {
        let (level, offset) = locate(i);
        let slots = self.levels[level].load(Acquire);
        if slots.is_null() {
            return None;
        }
        // SAFETY: a non-null level is a live allocation of `level_len(level)` slots (freed only
        // by the drop, which `&self` excludes), and `offset < level_len(level)`.
        Some(unsafe { &*slots.add(offset) })
    }

    /// Slot `i`, its level allocated first if it was not.
    pub(super) fn get_or_allocate(&self, i: usize) -> &Slot<A, T, F> {
        let (level, offset) = locate(i);
        let mut slots = self.levels[level].load(Acquire);
        if slots.is_null() {
            let fresh = new_level::<A, T, F>(level_len(level));
            slots = match self.levels[level].compare_exchange(
                ptr::null_mut(),
                fresh,
                AcqRel,
                Acquire,
            ) {
                Ok(_) => fresh,
                Err(first) => {
                    // SAFETY: `fresh` came from `new_level` with this length, and was not
                    // installed: nobody else knows of it, and none of its slots was used.
                    unsafe { free_level(fresh, level_len(level)) };
                    first
                }
            };
        }
        // SAFETY: as in `get`: `slots` is a live level of `level_len(level)` slots.
        unsafe { &*slots.add(offset) }
    }
}

impl<A, T, F> Drop for Index<A, T, F> {
    fn drop(&mut self) {
        // The chain drops its own nodes first (its drop's body runs before its fields drop),
        // so nothing links to an anchor any more.
        for (level, slots) in self.levels.iter().enumerate() {
            let slots = slots.load(Acquire);
            if !slots.is_null() {
                // SAFETY: an installed level came from `new_level` with this length; `&mut
                // self`, and the chain's nodes are freed: nothing uses it.
                unsafe { free_level(slots, level_len(level)) };
            }
        }
    }
}

/// A level of `len` empty slots.
fn new_level<A, T, F>(len: usize) -> *mut Slot<A, T, F> {
    #[cfg(not(loom))]
    let slots: Box<[Slot<A, T, F>]> = {
        let zeroed = Box::<[Slot<A, T, F>]>::new_zeroed_slice(len);
        // SAFETY: all-zero bytes are a valid `Slot`: an atomic integer holding `EMPTY` with no
        // summary, and a `MaybeUninit`, valid whatever its bytes.
        unsafe { zeroed.assume_init() }
    };
    // Loom's atomics are objects of their own, not zeroable memory.
    #[cfg(loom)]
    let slots: Box<[Slot<A, T, F>]> = (0..len)
        .map(|_| Slot {
            word: AtomicUsize::new(EMPTY),
            node: UnsafeCell::new(MaybeUninit::uninit()),
        })
        .collect();
    Box::into_raw(slots).cast::<Slot<A, T, F>>()
}

/// Drops the anchors of a level (its slots that are not empty hold one, linked or not) and
/// frees it.
///
/// # Safety
///
/// `slots` came from [`new_level`] with `len`, and nothing uses it any more: its chain's nodes
/// were freed (or it was never installed).
unsafe fn free_level<A, T, F>(slots: *mut Slot<A, T, F>, len: usize) {
    // SAFETY: the caller's promise: the level's own `Box`, used by nobody else now.
    let mut slots = unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(slots, len)) };
    for slot in &mut *slots {
        if slot.read().0 != EMPTY {
            // SAFETY: a slot leaves `EMPTY` only just before its node is written, by the one
            // thread that moved it (`make_anchor`), with nothing between that could stop it;
            // each node is dropped once, here.
            unsafe { slot.node.get_mut().assume_init_drop() };
        }
    }
}
