//! The index of an [`AnchoredHead`](crate::AnchoredHead): a table of levels of slots, each slot
//! a state word and an anchor's node.
//!
//! Level 0 holds slot 0, level `l > 0` holds the `2^(l-1)` slots from `2^(l-1)`. A level is two
//! arrays, allocated the first time one of its slots is made, each by the thread whose
//! compare-and-exchange installs it (the others free theirs): the slots' words, four bytes each,
//! zeroed, and their nodes, uninitialised (for a large level, both are fresh pages that the
//! system maps only as slots are used). The words are apart
//! from the nodes so that a lookup that reads only a word (a hash map ruling a key out with its
//! bucket's filter) reads a dense array, a sixteenth of a map's bucket nodes: it stays in cache
//! where the nodes do not. Slots never move; the nodes in them are dropped with the index, after
//! the chain's own nodes.
//!
//! A slot's word holds, in its two low bits, whether its anchor is [`EMPTY`], [`MAKING`] or
//! [`READY`], and above them the slot's *summary*: [`SUMMARY_BITS`] bits that the chain's user
//! sets (never clears) and reads with the state in one load, such as a filter of the keys that
//! follow the anchor. Every change of the state keeps the summary, and a summary is only ever
//! added to a slot that is not empty, so an empty slot's word is zero. A slot's node is written
//! by the thread that moves it out of [`EMPTY`], and both of its level's arrays are installed
//! before that.
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
use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release, SeqCst};

use crate::linked::anchor::{Item, ItemNode};
use crate::linked::link::{Link, Node, link_unpublished};
use crate::reclaim::sync::{AtomicPtr, AtomicU32, fence};

/// Where a slot's anchor node lives (written once, by the thread that makes the slot).
type NodeCell<A, T, F> = UnsafeCell<MaybeUninit<ItemNode<A, T, F>>>;

/// A slot whose anchor was never made.
pub(super) const EMPTY: u32 = 0;
/// A slot whose anchor one thread is making: its node is written, and linked or about to be.
pub(super) const MAKING: u32 = 1;
/// A slot whose anchor is linked: the index lends it.
pub(super) const READY: u32 = 2;
/// The bits of a word that hold the state.
const STATE: u32 = 0b11;
/// Where the summary starts in a word.
const SUMMARY_SHIFT: u32 = 2;
/// How many bits a slot's summary has: those of a word but the state's two.
pub(super) const SUMMARY_BITS: u32 = u32::BITS - SUMMARY_SHIFT;

/// How many levels the index has: level 0, and one per bit of a slot number, enough for every
/// `usize` (the last levels can never be allocated: making a slot there fails to allocate).
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

/// The first slot of level `level` (the inverse of [`locate`]: slot `level_start(l) + offset`
/// is at `offset` in level `l`).
#[inline]
fn level_start(level: usize) -> usize {
    if level == 0 { 0 } else { 1 << (level - 1) }
}

/// A slot of the index: its word, and where its node is.
pub(super) struct Slot<'i, A, T, F> {
    word: &'i AtomicU32,
    /// The level's nodes: installed before any of its slots leaves [`EMPTY`], so that once this
    /// slot's word is read not empty, they are (loaded after the word, never before).
    nodes: &'i AtomicPtr<NodeCell<A, T, F>>,
    offset: usize,
}

impl<A, T, F> Slot<'_, A, T, F> {
    /// The state ([`EMPTY`], [`MAKING`] or [`READY`]) and the summary, read at once.
    #[inline]
    pub(super) fn read(&self) -> (u32, u32) {
        // Acquiring: a ready slot's node was written before its state.
        let word = self.word.load(Acquire);
        (word & STATE, word >> SUMMARY_SHIFT)
    }

    /// The slot's node, once this thread read the slot not empty ([`read`](Self::read)) or
    /// moved it out of [`EMPTY`] ([`start_making`](Self::start_making)): valid to write for the
    /// thread that did the latter, before it makes the slot ready, and to read once it is.
    #[inline]
    pub(super) fn node(&self) -> *mut ItemNode<A, T, F> {
        let nodes = self.nodes.load(Acquire);
        debug_assert!(!nodes.is_null(), "a slot that is not empty has its node");
        UnsafeCell::raw_get(nodes.wrapping_add(self.offset)).cast()
    }

    /// Moves an empty slot to [`MAKING`]: `Ok` for the one thread that did (after a
    /// sequentially consistent fence: see the module documentation), else the state.
    pub(super) fn start_making(&self) -> Result<(), u32> {
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
    pub(super) fn add_summary(&self, summary: u32) -> bool {
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
    /// Level `l`'s words: null, or `level_len(l)` words from a zeroed `Box`.
    words: [AtomicPtr<AtomicU32>; LEVELS],
    /// Level `l`'s nodes: null, or `level_len(l)` cells from a `Box` (installed before any of
    /// the level's slots leaves [`EMPTY`]).
    nodes: [AtomicPtr<NodeCell<A, T, F>>; LEVELS],
}

impl<A, T, F> Index<A, T, F> {
    /// An empty index, which allocates nothing.
    pub(super) fn new() -> Self {
        Self {
            words: core::array::from_fn(|_| AtomicPtr::new(ptr::null_mut())),
            nodes: core::array::from_fn(|_| AtomicPtr::new(ptr::null_mut())),
        }
    }

    /// Slot `i`, if its level's words are allocated (`None`: the slot is empty).
    #[inline]
    pub(super) fn get(&self, i: usize) -> Option<Slot<'_, A, T, F>> {
        let (level, offset) = locate(i);
        let words = self.words[level].load(Acquire);
        if words.is_null() {
            return None;
        }
        // SAFETY: a non-null level is a live allocation of `level_len(level)` words (freed only
        // by the drop, which `&self` excludes), and `offset < level_len(level)`.
        let word = unsafe { &*words.add(offset) };
        Some(Slot {
            word,
            nodes: &self.nodes[level],
            offset,
        })
    }

    /// Slot `i`, its level's arrays allocated first if they were not.
    pub(super) fn get_or_allocate(&self, i: usize) -> Slot<'_, A, T, F> {
        let (level, offset) = locate(i);
        let len = level_len(level);
        let words = install(&self.words[level], len, zeroed_words);
        install(&self.nodes[level], len, node_cells::<A, T, F>);
        Slot {
            // SAFETY: `install` returns a live level of `len` words, and `offset < len`.
            word: unsafe { &*words.add(offset) },
            nodes: &self.nodes[level],
            offset,
        }
    }
}

impl<A, T, F> Index<A, T, F> {
    /// Makes slots `0..2^bits` of an index nobody else can see yet (`&mut`, every slot empty)
    /// ready at once, slot `i`'s node holding an anchor keyed `key(i)` and linked to the slot
    /// after it in split order (see [`AnchoredHead::split_ordered`](super::AnchoredHead)): slot
    /// 0's node, which the caller links from the chain's head. The nodes are written, then
    /// linked, in the order of the slots: each link is the address of a node of the index.
    pub(super) fn make_split_ordered(
        &mut self,
        bits: u32,
        mut key: impl FnMut(usize) -> A,
    ) -> *mut ItemNode<A, T, F> {
        let len = 1usize << bits;
        let levels = locate(len - 1).0 + 1;
        // Every level's arrays first, so that any slot's node has its address.
        let nodes: [*mut NodeCell<A, T, F>; LEVELS] = core::array::from_fn(|level| {
            if level < levels {
                let _ = self.get_or_allocate(level_start(level));
                self.nodes[level].load(Acquire)
            } else {
                ptr::null_mut()
            }
        });
        let node_of = |i: usize| -> *mut ItemNode<A, T, F> {
            let (level, offset) = locate(i);
            UnsafeCell::raw_get(nodes[level].wrapping_add(offset)).cast()
        };
        // The place of slot `i` in split order, and back: its `bits` bits reversed.
        let reversed = |i: usize| {
            i.reverse_bits()
                .checked_shr(usize::BITS - bits)
                .unwrap_or(0)
        };
        // Written first, each unlinked: if `key` panics, every ready slot's node links
        // nothing, as the drop (`into_values::Runs`) needs.
        for i in 0..len {
            let slot = self.get_or_allocate(i);
            debug_assert_eq!(slot.word.load(Relaxed), EMPTY, "a fresh index");
            // SAFETY: the slot is empty (the index is fresh), so its node is unwritten and
            // nobody reads it; `&mut self` excludes every other access to the index. The word
            // is set after the write, so the drop, which drops the nodes of slots that are not
            // empty, finds it written.
            unsafe {
                node_of(i).write(Node {
                    value: Item::Anchor(key(i)),
                    next: Link::new(ptr::null_mut()),
                });
            }
            // Relaxed: whatever later shares the index with other threads orders this first.
            slot.word.store(READY, Relaxed);
        }
        // Then linked, in the order of the slots again, each to the next in split order.
        for i in 0..len {
            let after = reversed(i) + 1;
            if after < len {
                // SAFETY: both nodes are written above, and nobody else reads them yet.
                unsafe { link_unpublished(node_of(i), node_of(reversed(after))) };
            }
        }
        node_of(0)
    }
}

/// The array in `level`, allocated by `fresh` (with `len` elements) and installed first if it
/// was null.
fn install<X>(level: &AtomicPtr<X>, len: usize, fresh: fn(usize) -> Box<[X]>) -> *mut X {
    let installed = level.load(Acquire);
    if !installed.is_null() {
        return installed;
    }
    let fresh = Box::into_raw(fresh(len)).cast::<X>();
    match level.compare_exchange(ptr::null_mut(), fresh, AcqRel, Acquire) {
        Ok(_) => fresh,
        Err(first) => {
            // SAFETY: `fresh` is the `Box` of `len` elements made above, never installed:
            // nobody else knows of it.
            drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(fresh, len)) });
            first
        }
    }
}

/// `len` words holding [`EMPTY`] and no summary.
fn zeroed_words(len: usize) -> Box<[AtomicU32]> {
    #[cfg(not(loom))]
    {
        let zeroed = Box::<[AtomicU32]>::new_zeroed_slice(len);
        // SAFETY: all-zero bytes are a valid `AtomicU32`, holding 0.
        unsafe { zeroed.assume_init() }
    }
    // Loom's atomics are objects of their own, not zeroable memory.
    #[cfg(loom)]
    (0..len).map(|_| AtomicU32::new(EMPTY)).collect()
}

/// `len` unwritten node cells (not zeroed: a node is written before it is read).
fn node_cells<A, T, F>(len: usize) -> Box<[NodeCell<A, T, F>]> {
    let cells = Box::<[NodeCell<A, T, F>]>::new_uninit_slice(len);
    // SAFETY: a `MaybeUninit` in an `UnsafeCell` is valid whatever its bytes (`UnsafeCell` has
    // its contents' layout and validity).
    unsafe { cells.assume_init() }
}

impl<A, T, F> Index<A, T, F> {
    /// The first ready slot from slot `from` on, with its node; `None` if there is none.
    pub(super) fn ready_from(&self, from: usize) -> Option<(usize, *mut ItemNode<A, T, F>)> {
        let (first_level, first_offset) = locate(from);
        for level in first_level..LEVELS {
            let start = if level == first_level {
                first_offset
            } else {
                0
            };
            let words = self.words[level].load(Acquire);
            if words.is_null() {
                continue;
            }
            let nodes = self.nodes[level].load(Acquire);
            for offset in start..level_len(level) {
                // SAFETY: a non-null level is a live allocation of `level_len(level)` words
                // (freed only by the drop, which `&self` excludes), and `offset` is below it.
                let word = unsafe { &*words.add(offset) };
                if word.load(Acquire) & STATE == READY {
                    let node = UnsafeCell::raw_get(nodes.wrapping_add(offset)).cast();
                    return Some((level_start(level) + offset, node));
                }
            }
        }
        None
    }
}

impl<A, T, F> Drop for Index<A, T, F> {
    fn drop(&mut self) {
        // The chain drops its own nodes first (its drop's body runs before its fields drop),
        // so nothing links to an anchor any more.
        for level in 0..LEVELS {
            let len = level_len(level);
            let words = self.words[level].load(Acquire);
            let nodes = self.nodes[level].load(Acquire);
            if words.is_null() {
                // No slot of the level was made: its nodes hold nothing.
                debug_assert!(nodes.is_null(), "words are installed before nodes");
                continue;
            }
            // SAFETY: installed arrays of `len` elements, from `Box`es (see `install`); `&mut
            // self`, and the chain's nodes are freed: nothing uses them.
            let words = unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(words, len)) };
            if nodes.is_null() {
                continue;
            }
            // SAFETY: as above.
            let mut nodes = unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(nodes, len)) };
            for (word, node) in words.iter().zip(nodes.iter_mut()) {
                if word.load(Acquire) & STATE != EMPTY {
                    // SAFETY: a slot leaves `EMPTY` only just before its node is written, by
                    // the one thread that moved it (`make_anchor`), with nothing between that
                    // could stop it; each node is dropped once, here.
                    unsafe { node.get_mut().assume_init_drop() };
                }
            }
        }
    }
}
