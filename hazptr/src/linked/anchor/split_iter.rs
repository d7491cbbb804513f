//! [`AnchoredHead::iter_split`]: the values of an anchored chain, walked as several runs side by
//! side, so that the runs' cache misses overlap.
//!
//! A walk waits at every step for the node it moves to, whose address is in the node before. A
//! chain whose nodes are scattered in memory (a hash map's, in hash order, allocated in
//! insertion order) is walked at about one memory latency per node. Anchors cut the chain into
//! runs that can be walked independently: this iterator walks the run from the head and the run
//! from each anchor it is given, each up to the next of those anchors, and takes one value from
//! each run in turn.
//!
//! Each run is [`Head::iter`](crate::Head::iter)'s walk from its anchor's link (an anchor is
//! never deleted, so its link behaves as a head), which passes the anchors inside the run and
//! ends at the first of the given anchors it meets; a turn of a run reads at most one node it had
//! not read, which the walk asked the processor to load at the run's turn before. Anchors are
//! never deleted and nodes never move, so the given anchors cut the chain into disjoint runs
//! that together hold every node: a value in the chain for the whole iteration lies in exactly
//! one run, whose walk yields it once, as `Head::iter` does, since the walk never leaves its run
//! (a walk that starts again starts from the last anchor it passed, and the first given anchor
//! it meets ends it).

use core::fmt;
use core::iter::FusedIterator;
use core::ptr;

use super::{AnchoredHead, Item};
use crate::linked::iter::{Iter, Turn};
use crate::protect::guard::Protected;
use crate::protect::hazard_cache::StaticDomain;
use crate::reclaim::domain::Global;

impl<A: Send + Sync + 'static, T: Send + Sync + 'static, F: StaticDomain> AnchoredHead<A, T, F> {
    /// The value items of the chain, each as a guard, walked as several runs side by side: the
    /// run from the head, and the run from the anchor of each slot of `slots` that is ready
    /// (slots not made, and repeated ones, are skipped), each run up to the next of these
    /// anchors. It takes one value from each run in turn, so the memory latency of one run's
    /// step overlaps the others': pick anchors that cut the chain into runs of similar lengths
    /// (a split-ordered map's first buckets do).
    ///
    /// Weakly consistent, as [`iter`](Self::iter) is: it yields every value that is in the chain
    /// for the whole iteration, each value at most once, and may or may not yield values
    /// inserted or removed meanwhile; but not in the chain's order, only in each run's. Anchors
    /// are not yielded. Each run walks with three hazard pointers (and each guard takes one
    /// more), so every anchor given costs three, and a domain keeps every hazard record it ever
    /// handed out (for reuse): give a handful of anchors, not thousands.
    ///
    /// ```
    /// use hazptr::{AnchoredHead, Item, Owned};
    ///
    /// let chain: AnchoredHead<u32, u32> = AnchoredHead::new();
    /// let key = |item: &Item<u32, u32>| match item {
    ///     Item::Anchor(k) | Item::Value(k) => *k,
    /// };
    /// let mut cursor = chain.cursor();
    /// for value in [30, 25, 15, 5] {
    ///     cursor.seek(|i| key(i) >= value);
    ///     cursor.insert(Owned::new(Item::Value(value))).unwrap();
    /// }
    /// drop(cursor);
    /// chain.make_anchor(1, 10, None, |i| key(i) >= 10).unwrap();
    /// chain.make_anchor(2, 20, None, |i| key(i) >= 20).unwrap();
    ///
    /// // Three runs: 5 (from the head), 15 (from 10) and 25, 30 (from 20), taken in turn.
    /// let values: Vec<u32> = chain
    ///     .iter_split([1, 2, 2, 7])
    ///     .map(|item| *item.value().unwrap())
    ///     .collect();
    /// assert_eq!(values.len(), 4);
    /// let mut sorted = values.clone();
    /// sorted.sort();
    /// assert_eq!(sorted, [5, 15, 25, 30]);
    /// ```
    pub fn iter_split(&self, slots: impl IntoIterator<Item = usize>) -> SplitIter<'_, A, T, F> {
        // The ready anchors, each once, in the order given (which the runs take turns in: an
        // order independent of addresses, as a model checker needs).
        let mut anchors: Vec<_> = slots
            .into_iter()
            .filter_map(|i| self.anchor(i))
            .enumerate()
            .map(|(at, anchor)| (ptr::from_ref(&anchor.node.value).addr(), at, anchor.node))
            .collect();
        anchors.sort_unstable_by_key(|&(address, at, _)| (address, at));
        anchors.dedup_by_key(|&mut (address, ..)| address);
        let ends = anchors.iter().map(|&(address, ..)| address).collect();
        anchors.sort_unstable_by_key(|&(_, at, _)| at);
        let mut runs = Vec::with_capacity(anchors.len() + 1);
        // SAFETY: the head's own link.
        runs.push(unsafe { self.head.iter_from(self.head.link()) });
        for (.., node) in anchors {
            // SAFETY: the node of a ready anchor of this chain, never deleted: its link stays
            // allocated and unmarked while the chain is borrowed, and every node it holds is
            // linked (as in `cursor_at`).
            runs.push(unsafe { self.head.iter_from(&node.next) });
        }
        SplitIter {
            runs,
            ends,
            turn: 0,
        }
    }
}

/// The iterator of [`AnchoredHead::iter_split`]: a guard per value item, weakly consistent, in
/// no particular order. Not `Send` (it walks with cursors).
pub struct SplitIter<'h, A, T, F: StaticDomain = Global> {
    /// The runs not finished yet: walks from the head or from one of the anchors.
    runs: Vec<Iter<'h, Item<A, T>, F>>,
    /// The addresses of the anchors' items, sorted: a run ends at the first one it meets.
    ends: Vec<usize>,
    /// The run whose turn it is.
    turn: usize,
}

impl<A, T, F: StaticDomain> fmt::Debug for SplitIter<'_, A, T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SplitIter")
            .field("runs", &self.runs.len())
            .finish_non_exhaustive()
    }
}

impl<'h, A: Send + Sync + 'static, T: Send + Sync + 'static, F: StaticDomain> Iterator
    for SplitIter<'h, A, T, F>
{
    type Item = Protected<'h, Item<A, T>, F>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.runs.is_empty() {
            let run = self.turn % self.runs.len();
            let ends = &self.ends;
            // Anchors between the run's ends are passed; the first of `ends` stops the walk.
            let mut skip = |item: &Item<A, T>| {
                item.is_anchor() && ends.binary_search(&ptr::from_ref(item).addr()).is_err()
            };
            // SAFETY: `skip` names anchors only, which are never deleted.
            match unsafe { self.runs[run].turn(&mut skip) } {
                Turn::Value(item) if !item.is_anchor() => {
                    self.turn = run + 1;
                    return Some(item);
                }
                // An anchor between the run's ends, passed: the next run's turn (this run's
                // next node is on its way into the cache meanwhile).
                Turn::Anchor => self.turn = run + 1,
                // The end of the chain, or the next run's anchor: the run is done (the run
                // moved into its place takes this turn).
                Turn::Value(_) | Turn::End => {
                    drop(self.runs.swap_remove(run));
                }
            }
        }
        None
    }
}

/// Once it returns `None` it stays at the end: no run is left.
impl<A: Send + Sync + 'static, T: Send + Sync + 'static, F: StaticDomain> FusedIterator
    for SplitIter<'_, A, T, F>
{
}
