//! An anchored chain taken apart: [`AnchoredHead::into_values`], and the chain's drop, which
//! free its value nodes walking several runs side by side.
//!
//! A chain whose nodes are scattered in memory (a hash map's, in hash order, allocated in
//! insertion order) costs a cache miss per node walked, and a walk waits for each before the
//! next, whose address it holds. Its anchors cut it into runs that can be walked apart, as
//! [`AnchoredHead::iter_split`] does: here every ready anchor starts a run, and [`LANES`] runs
//! are walked in turn, one node each, so that their misses overlap. Nothing else reaches the
//! chain (its owner consumes or drops it), so the walk needs no hazard pointer.

use core::fmt;
use core::iter::FusedIterator;
use core::mem::{self, ManuallyDrop};
use core::ptr;

use super::index::Index;
use super::{AnchoredHead, Item, ItemNode};
use crate::linked::cursor::prefetch;
use crate::linked::link::{Node, is_marked, unmarked};

/// How many runs are walked side by side.
const LANES: usize = 16;

impl<A, T, F> AnchoredHead<A, T, F> {
    /// The values of the chain, by value (deleted ones dropped); the anchors and the index are
    /// freed with the iterator. Not in the chain's order: the runs between anchors are taken
    /// apart side by side, a value from each in turn (each run in its order), so that their
    /// nodes' cache misses overlap.
    ///
    /// ```
    /// use hazptr::{AnchoredHead, Item, Owned};
    ///
    /// let chain: AnchoredHead<u32, u32> = AnchoredHead::new();
    /// let key = |item: &Item<u32, u32>| match item {
    ///     Item::Anchor(k) | Item::Value(k) => *k,
    /// };
    /// let mut cursor = chain.cursor();
    /// for value in [30, 20, 5] {
    ///     cursor.seek(|i| key(i) >= value);
    ///     cursor.insert(Owned::new(Item::Value(value))).unwrap();
    /// }
    /// drop(cursor);
    /// chain.make_anchor(1, 10, None, |i| key(i) >= 10).unwrap();
    /// let mut values: Vec<u32> = chain.into_values().collect();
    /// values.sort();
    /// assert_eq!(values, [5, 20, 30]);
    /// ```
    pub fn into_values(mut self) -> IntoValues<A, T, F> {
        // The chain moves to the iterator; its head must not free it (see the drop).
        let head = ManuallyDrop::new(mem::take(&mut self.head));
        // SAFETY: `self` is consumed, so nothing else uses the chain: the head's link and those
        // after it hold every node of the chain once (invariants 2 and 4 of `link.rs`); a value
        // node came from `Owned::new` (a `Box`), and anchors are only made in the index.
        let runs = unsafe { Runs::new(unmarked(head.link().load())) };
        IntoValues { runs, chain: self }
    }
}

impl<A, T, F> Drop for AnchoredHead<A, T, F> {
    fn drop(&mut self) {
        // `&mut self`: no cursor or guard borrows the chain. Its value nodes are `Box`es, freed
        // here; its anchors live in the index, freed after. (The head's own drop, which would
        // free every node as a `Box`, never runs on this chain: `ManuallyDrop`, even if a
        // value's drop panics.)
        let head = ManuallyDrop::new(mem::take(&mut self.head));
        // SAFETY: as in `into_values`, with `&mut self` in drop for the chain consumed.
        let mut runs = unsafe { Runs::new(unmarked(head.link().load())) };
        // SAFETY: the index of the chain `runs` takes apart.
        while unsafe { runs.next(&self.index) }.is_some() {}
        // Then the index drops, with the anchors.
    }
}

/// The values of an [`AnchoredHead`] it consumed ([`AnchoredHead::into_values`]), in no
/// particular order.
pub struct IntoValues<A, T, F> {
    /// The walk over what is left of the chain.
    runs: Runs<A, T, F>,
    /// The index, which holds the anchors; its head is empty.
    chain: AnchoredHead<A, T, F>,
}

// SAFETY: it owns the rest of the chain's values and the index, as the chain did.
unsafe impl<A: Send, T: Send, F> Send for IntoValues<A, T, F> {}

// SAFETY: through `&IntoValues` nothing is reachable.
unsafe impl<A, T, F> Sync for IntoValues<A, T, F> {}

impl<A, T, F> Iterator for IntoValues<A, T, F> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        // SAFETY: the index of the chain `runs` takes apart.
        unsafe { self.runs.next(&self.chain.index) }
    }
}

/// Once it returns `None` every run is done, and it stays so.
impl<A, T, F> FusedIterator for IntoValues<A, T, F> {}

impl<A, T, F> Drop for IntoValues<A, T, F> {
    fn drop(&mut self) {
        while self.next().is_some() {}
        // Then `chain` drops: an empty head, and the index with the anchors.
    }
}

impl<A, T, F> fmt::Debug for IntoValues<A, T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoValues").finish_non_exhaustive()
    }
}

/// A chain nobody else uses, taken apart: its value nodes freed and their values handed out,
/// from [`LANES`] runs walked in turn. A run starts at the head or after a ready anchor and
/// ends at the next anchor (or the end); the index hands out the anchors' runs in the order of
/// their slots.
///
/// Every anchor of the chain is a ready slot's: a slot still being made here is one whose
/// making panicked, in its walk or its summary, before its anchor was linked (the link and the
/// slot's move to ready have nothing between them). So each value node is in exactly one run.
/// Were such an anchor linked, the values after it up to the next anchor would be in no run:
/// leaked, never freed twice. If a value's drop panics, the nodes not yet freed are leaked.
struct Runs<A, T, F> {
    /// Each lane's next node, or null: the lane has no run.
    lanes: [*mut ItemNode<A, T, F>; LANES],
    /// The lane whose turn it is (modulo [`LANES`]).
    turn: usize,
    /// The first node of the run from the head, until a lane takes it; null then, or if the
    /// chain has no node.
    first: *mut ItemNode<A, T, F>,
    /// The slot from which the ready anchors' runs are not taken yet; `None` once all are.
    slot: Option<usize>,
}

impl<A, T, F> Runs<A, T, F> {
    /// The walk of the chain whose first node is `first` (null if none).
    ///
    /// # Safety
    ///
    /// Nothing else uses the chain or its index until the walk is done (their owner gave them
    /// up); `first` and the links that follow it hold every node of the chain once, every
    /// ready slot's anchor among them unless `first` is null; each node is an anchor of the
    /// chain's index or a value node from `Owned::new` (a `Box`).
    unsafe fn new(first: *mut ItemNode<A, T, F>) -> Self {
        Self {
            lanes: [ptr::null_mut(); LANES],
            turn: 0,
            first,
            // A chain with no node linked has no runs: its nodes went elsewhere
            // (`into_values` took the head), or it never got any; then its ready anchors'
            // links are not its own.
            slot: (!first.is_null()).then_some(0),
        }
    }

    /// The next value not deleted, taken out of its node, which is freed; deleted values met
    /// on the way are dropped. `None` once every run is done.
    ///
    /// # Safety
    ///
    /// `index` is the index of the chain given to [`new`](Self::new).
    unsafe fn next(&mut self, index: &Index<A, T, F>) -> Option<T> {
        loop {
            let lane = self.turn % LANES;
            self.turn = self.turn.wrapping_add(1);
            let node = self.lanes[lane];
            if node.is_null() {
                let run = self.next_run(index);
                if run.is_null() && self.lanes.iter().all(|lane| lane.is_null()) {
                    // No run left to take, and every lane is done.
                    return None;
                }
                // The run's first node is read at the lane's next turn: time to load it.
                prefetch(run);
                self.lanes[lane] = run;
                continue;
            }
            // SAFETY: `new`'s promise: a node of the chain not freed yet (the runs are
            // disjoint, and each lane walks its run once, forward); allocated until freed here,
            // and an anchor until the index drops, after the walk.
            let at = unsafe { &*node };
            if at.value.is_anchor() {
                // The end of the run.
                self.lanes[lane] = ptr::null_mut();
                continue;
            }
            let next = at.next.load();
            self.lanes[lane] = unmarked(next);
            // Its turn comes again after the other lanes': time to load it.
            prefetch(unmarked(next));
            // SAFETY: a value node, a `Box` (`new`'s promise), held by one link, which the lane
            // has passed: taken out once.
            let Node { value, .. } = *unsafe { Box::from_raw(node) };
            match value {
                // A deleted node (its own link marked) holds a value removed or replaced.
                Item::Value(value) if !is_marked(next) => return Some(value),
                _ => {}
            }
        }
    }

    /// The first node of a run no lane has taken, or null if none is left: the head's, then
    /// those after the ready anchors (the last node of the chain starts none).
    fn next_run(&mut self, index: &Index<A, T, F>) -> *mut ItemNode<A, T, F> {
        if !self.first.is_null() {
            return mem::replace(&mut self.first, ptr::null_mut());
        }
        while let Some((slot, anchor)) = self.slot.and_then(|from| index.ready_from(from)) {
            self.slot = slot.checked_add(1);
            // SAFETY: a ready slot's node, written and linked, allocated with the index.
            let first = unmarked(unsafe { &*anchor }.next.load());
            // (If it is an anchor, the run is empty: the lane finds out at its turn, rather
            // than this read waiting for the node.)
            if !first.is_null() {
                return first;
            }
        }
        self.slot = None;
        ptr::null_mut()
    }
}
