//! Anchors: entry points into a chain, for structures that do not walk from the head (the
//! buckets of a split-ordered hash map, Shalev & Shavit, "Split-Ordered Lists: Lock-Free
//! Extensible Hash Tables", JACM 2006).
//!
//! An [`AnchoredHead`] is a [`Head`] whose chain holds two kinds of nodes, [`Item`]s: values,
//! which are inserted, removed and replaced as in any chain, and *anchors*, which are made in
//! the chain's index ([`AnchoredHead::make_anchor`]) and never deleted: [`AnchoredCursor::remove`]
//! and [`AnchoredCursor::replace`] refuse them, the cursor's insertions refuse anchor items, and
//! the chain's plain [`Cursor`] is never lent out. An anchor therefore stays linked, unmarked
//! and allocated until the chain drops, which makes its link a second head: a walk may start
//! there ([`AnchoredHead::cursor_at`], [`AnchoredHead::find_from`]) and a reference to it needs
//! no hazard pointer, only a borrow of the chain ([`Anchor`]). The index numbers the anchors
//! ([`AnchoredHead::anchor`]): a map's bucket table, which grows without moving what it holds.
//!
//! The index (`anchor/index.rs`) is a table of levels: level 0 holds slot 0, level `l > 0`
//! holds the `2^(l-1)` slots from `2^(l-1)`; a level is allocated the first time one of its
//! slots is made. A slot is a 4-byte word (empty, being made, ready), in a dense array of the
//! level's words, and the anchor's node itself, in an array of the level's nodes: a lookup of a
//! bucket reads a word, then the node, not a pointer to an anchor elsewhere. The word also keeps
//! the slot's *summary*, bits the chain's user only ever sets ([`AnchoredHead::add_summary`])
//! and reads with the state ([`AnchoredHead::indexed`]): a hash map keeps there a filter of the
//! keys that follow the anchor. Slots never move; the nodes in them are dropped with the index,
//! after the chain's own nodes.

use core::fmt;
use core::ptr;

use crate::linked::cursor::Cursor;
use crate::linked::iter::Iter;
use crate::linked::link::{Head, Link, Node, Owned, is_marked, unmarked};
use crate::protect::guard::Protected;
use crate::protect::hazard_cache::StaticDomain;
use crate::reclaim::domain::Global;

mod index;
mod into_values;
mod split_iter;

use index::Index;
pub use into_values::IntoValues;
pub use split_iter::SplitIter;

/// What a node of an [`AnchoredHead`]'s chain holds: an anchor, never deleted, or a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item<A, T> {
    /// An anchor, with its key (a split-ordered map's bucket number, bit-reversed).
    Anchor(A),
    /// A value.
    Value(T),
}

impl<A, T> Item<A, T> {
    /// The value, `None` for an anchor.
    #[inline]
    pub fn value(&self) -> Option<&T> {
        match self {
            Self::Anchor(_) => None,
            Self::Value(value) => Some(value),
        }
    }

    /// Whether this is an anchor.
    #[inline]
    pub fn is_anchor(&self) -> bool {
        matches!(self, Self::Anchor(_))
    }
}

/// A node of an anchored chain.
type ItemNode<A, T, F> = Node<Item<A, T>, F>;

/// What an insertion that guards its node gives: the guard, or the node back.
type Guarded<'h, A, T, F> = Result<Protected<'h, Item<A, T>, F>, Owned<Item<A, T>, F>>;

/// A chain of [`Item`]s with anchors, and an index of its anchors by number. See the module
/// documentation of the toolkit's `anchor.rs` (in [`Head`]'s family): anchors are never
/// deleted, so walks may start at them.
///
/// Dropping it frees every node still linked, anchors included, and the index.
///
/// ```
/// use hazptr::{AnchoredHead, Item, Owned};
///
/// // A chain sorted by key, with an anchor (in slot 1) before key 10.
/// let chain: AnchoredHead<u32, u32> = AnchoredHead::new();
/// let key = |item: &Item<u32, u32>| match item {
///     Item::Anchor(k) | Item::Value(k) => *k,
/// };
/// let mut cursor = chain.cursor();
/// for value in [20, 5] {
///     cursor.seek(|i| key(i) >= value);
///     cursor.insert(Owned::new(Item::Value(value))).unwrap();
/// }
/// let anchor = chain.make_anchor(1, 10, None, |i| key(i) >= 10).unwrap();
/// assert_eq!(anchor.key(), &10);
/// cursor.seek(|i| key(i) >= 10);
/// assert!(!cursor.remove()); // an anchor is never deleted
///
/// // A walk from the anchor sees what follows it.
/// let anchor = chain.anchor(1).unwrap();
/// let found = chain.find_from(anchor, |i| key(i) >= 15).unwrap();
/// assert_eq!(*found, Item::Value(20));
/// ```
pub struct AnchoredHead<A, T, F = Global> {
    head: Head<Item<A, T>, F>,
    /// Dropped after the chain's nodes (the fields drop after the drop's body).
    index: Index<A, T, F>,
}

/// An anchor of an [`AnchoredHead`]'s chain: a node that is never deleted, so a reference to it
/// needs no hazard pointer, only a borrow of the chain. Made by [`AnchoredHead::make_anchor`],
/// [`AnchoredHead::anchor`] and [`AnchoredCursor::current_anchor`].
pub struct Anchor<'h, A, T, F = Global> {
    node: &'h Node<Item<A, T>, F>,
    /// The chain it belongs to, checked where an anchor is handed back to a chain.
    head: &'h Head<Item<A, T>, F>,
}

impl<A, T, F> Clone for Anchor<'_, A, T, F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A, T, F> Copy for Anchor<'_, A, T, F> {}

impl<'h, A, T, F> Anchor<'h, A, T, F> {
    /// The anchor's key.
    #[must_use]
    pub fn key(&self) -> &'h A {
        match &self.node.value {
            Item::Anchor(key) => key,
            Item::Value(_) => unreachable!("an anchor holds an anchor item"),
        }
    }

    /// Checks that the anchor belongs to `head`'s chain.
    #[track_caller]
    fn check(&self, head: &Head<Item<A, T>, F>) {
        assert!(
            ptr::eq(self.head, head),
            "an anchor was handed to a chain it does not belong to"
        );
    }
}

impl<A: fmt::Debug, T, F> fmt::Debug for Anchor<'_, A, T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Anchor").field(self.key()).finish()
    }
}

// SAFETY: the chain owns its nodes; sending it sends the `A`s and `T`s (dropped by the
// receiver). The index holds pointers into the chain only.
unsafe impl<A: Send, T: Send, F> Send for AnchoredHead<A, T, F> {}

// SAFETY: as for `Head`: through `&AnchoredHead`, threads read the items at the same time and
// retire the value nodes they unlink, which whichever thread reclaims then drops. The index is
// only read and filled with atomics.
unsafe impl<A: Send + Sync, T: Send + Sync, F> Sync for AnchoredHead<A, T, F> {}

impl<A, T, F> AnchoredHead<A, T, F> {
    /// An empty chain, with an empty index (which allocates nothing until a slot is set).
    #[must_use]
    pub fn new() -> Self {
        Self {
            head: Head::new(),
            index: Index::new(),
        }
    }

    /// The chain of a split-ordered table of `2^bits` buckets, made at once: slot `i` holds an
    /// anchor keyed `key(i)`, every slot is ready with an empty summary, and the anchors are
    /// linked in split order: slot 0 first, then each slot after the one whose `bits` low bits,
    /// reversed, come just before its own reversed (the order of a split-ordered map's anchor
    /// keys, its bucket numbers bit-reversed). What making them one by one would give, at the
    /// cost of two writes each, in the order of the slots: nobody else can see the chain yet.
    ///
    /// # Panics
    ///
    /// If `bits` is `usize::BITS` or more; if `key` panics (the anchors made before are dropped
    /// with the index).
    ///
    /// ```
    /// use hazptr::{AnchoredHead, Item};
    ///
    /// let chain: AnchoredHead<u8, ()> = AnchoredHead::split_ordered(2, |slot| slot as u8);
    /// let slots: Vec<_> = chain.iter().map(|i| i.clone()).collect();
    /// assert_eq!(slots, [0, 2, 1, 3].map(Item::Anchor)); // 00, 10, 01, 11 reversed
    /// assert_eq!(chain.anchor(3).map(|a| *a.key()), Some(3));
    /// ```
    #[must_use]
    pub fn split_ordered(bits: u32, key: impl FnMut(usize) -> A) -> Self {
        assert!(bits < usize::BITS, "hazptr: a table of 2^{bits} slots");
        let mut chain = Self::new();
        let first = chain.index.make_split_ordered(bits, key);
        // SAFETY: `first`, slot 0's anchor, is written and in the index (which frees it), and
        // every anchor it links to is written too; `chain` is this function's alone, and empty.
        unsafe { chain.head.set_first_unpublished(first) };
        chain
    }

    /// Whether no node is linked now.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.head.is_empty()
    }

    /// How many bits of a summary a slot keeps ([`add_summary`](Self::add_summary)): 30, those
    /// of its `u32` word but the state's two.
    pub const SUMMARY_BITS: u32 = index::SUMMARY_BITS;

    /// The anchor in slot `i` of the index, `None` if it is not made (or not linked yet).
    #[inline]
    #[must_use]
    pub fn anchor(&self, i: usize) -> Option<Anchor<'_, A, T, F>> {
        match self.indexed(i) {
            Indexed::Ready { anchor, .. } => Some(anchor),
            Indexed::Empty | Indexed::Making { .. } => None,
        }
    }

    /// What slot `i` of the index holds, with its summary, read at once: nothing, an anchor
    /// being made, or a ready anchor.
    #[inline]
    #[must_use]
    pub fn indexed(&self, i: usize) -> Indexed<'_, A, T, F> {
        let Some(slot) = self.index.get(i) else {
            return Indexed::Empty;
        };
        let (state, summary) = slot.read();
        match state {
            index::EMPTY => Indexed::Empty,
            index::MAKING => Indexed::Making { summary },
            _ => {
                // SAFETY: a ready slot holds an anchor of this chain, written (and its level's
                // nodes installed) before the state was made ready (read above, acquiring),
                // never deleted, so it stays allocated, and unchanged but for its atomic link,
                // while the chain is borrowed.
                let node = unsafe { &*slot.node() };
                Indexed::Ready {
                    anchor: Anchor {
                        node,
                        head: &self.head,
                    },
                    summary,
                }
            }
        }
    }

    /// Adds the low [`SUMMARY_BITS`](Self::SUMMARY_BITS) bits of `summary` to slot `i`'s
    /// summary (a bitwise or), unless the slot is empty: whether it was not (being made or
    /// ready). Summaries are only ever added to, and only to slots that are not empty: a slot
    /// starts being made with none.
    ///
    /// An addition ends with a sequentially consistent fence, as the start of a slot's making
    /// does ([`make_anchor_summarized`](Self::make_anchor_summarized)): a thread that adds to a
    /// slot then finds another empty, and a thread that starts making that other slot then
    /// reads the first one's summary, cannot both miss each other.
    pub fn add_summary(&self, i: usize, summary: u32) -> bool {
        self.index
            .get(i)
            .is_some_and(|slot| slot.add_summary(summary))
    }
}

/// What a slot of an [`AnchoredHead`]'s index holds ([`AnchoredHead::indexed`]), with the
/// summary kept beside it.
#[derive(Debug)]
pub enum Indexed<'h, A, T, F = Global> {
    /// No anchor was ever made in the slot.
    Empty,
    /// A thread is making the slot's anchor: it may be linked already, but the index does not
    /// lend it yet.
    Making {
        /// The slot's summary so far.
        summary: u32,
    },
    /// The slot's anchor, linked.
    Ready {
        /// The anchor.
        anchor: Anchor<'h, A, T, F>,
        /// The slot's summary.
        summary: u32,
    },
}

impl<A: Send + Sync + 'static, T: Send + Sync + 'static, F: StaticDomain> AnchoredHead<A, T, F> {
    /// A cursor whose walks start at the head.
    #[must_use]
    pub fn cursor(&self) -> AnchoredCursor<'_, A, T, F> {
        AnchoredCursor {
            cursor: self.head.cursor(),
        }
    }

    /// Makes the anchor of slot `i`, keyed `key`, and links it where `stop` stops a walk from
    /// `from` (from the head if `None`): the anchor, now in the index; the one made already if
    /// the slot is ready; `None` if another thread is making it (walk from `from` meanwhile:
    /// any anchor before this one is a valid start). Each slot is made once.
    ///
    /// `stop` is asked as by [`AnchoredCursor::seek`]; if it panics, the slot stays "being
    /// made" (its anchor unlinked, dropped with the index) and the index never lends it.
    ///
    /// # Panics
    ///
    /// If `from` belongs to another chain.
    pub fn make_anchor<'h>(
        &'h self,
        i: usize,
        key: A,
        from: Option<Anchor<'h, A, T, F>>,
        stop: impl FnMut(&Item<A, T>) -> bool,
    ) -> Option<Anchor<'h, A, T, F>> {
        self.make_anchor_summarized(i, key, from, stop, || 0)
    }

    /// [`make_anchor`](Self::make_anchor), which also adds `summary()` to the slot's summary:
    /// called once the slot is being made (after its state changed, and a sequentially
    /// consistent fence), before the anchor is linked and the slot ready. A thread that
    /// [adds](Self::add_summary) to a slot and then finds this one empty, and this thread,
    /// reading the first slot's summary in `summary`, cannot both miss each other.
    ///
    /// # Panics
    ///
    /// If `from` belongs to another chain; if `summary` panics, the slot stays "being made", as
    /// when `stop` does.
    pub fn make_anchor_summarized<'h>(
        &'h self,
        i: usize,
        key: A,
        from: Option<Anchor<'h, A, T, F>>,
        mut stop: impl FnMut(&Item<A, T>) -> bool,
        summary: impl FnOnce() -> u32,
    ) -> Option<Anchor<'h, A, T, F>> {
        let mut cursor = match from {
            Some(from) => self.cursor_at(from),
            None => self.cursor(),
        };
        let slot = self.index.get_or_allocate(i);
        match slot.start_making() {
            Ok(()) => {}
            Err(index::READY) => return self.anchor(i),
            Err(_) => return None,
        }
        let node = slot.node();
        // SAFETY: this thread moved the slot out of `EMPTY`, so it alone writes the node, once;
        // nothing runs between the state's change and this write.
        unsafe {
            node.write(Node {
                value: Item::Anchor(key),
                next: Link::new(ptr::null_mut()),
            });
        }
        // The fence that ends an addition is for the threads that add to made slots (see
        // `add_summary`); this thread fenced when it started making the slot, and a summary of
        // nothing (most makings) needs no addition at all.
        let summary = summary();
        if summary != 0 {
            slot.add_summary(summary);
        }
        loop {
            cursor.cursor.seek(&mut stop);
            // SAFETY: the node is written and unpublished (this thread alone knows it until the
            // exchange succeeds); it lives in the index, freed after the chain's nodes by the
            // drop, which (like `into_values`) never frees an anchor as a `Box`; an anchor is
            // never deleted.
            if unsafe { cursor.cursor.insert_unowned(node) } {
                break;
            }
        }
        // Publishes the node to the index's readers.
        slot.finish_making();
        Some(Anchor {
            // SAFETY: written above, linked, never deleted: allocated while the chain lives.
            node: unsafe { &*node },
            head: &self.head,
        })
    }

    /// A cursor whose walks start at `anchor`: they see only what follows it.
    ///
    /// # Panics
    ///
    /// If `anchor` belongs to another chain.
    #[must_use]
    pub fn cursor_at<'h>(&'h self, anchor: Anchor<'h, A, T, F>) -> AnchoredCursor<'h, A, T, F> {
        anchor.check(&self.head);
        // SAFETY: `anchor` is an anchor of this chain (checked), never deleted: its link stays
        // allocated and unmarked while the chain is borrowed, and every node it holds is
        // linked (invariant 1 of `link.rs`).
        let cursor = unsafe { self.head.cursor_from(&anchor.node.next) };
        AnchoredCursor { cursor }
    }

    /// [`Head::find`]: the first item satisfying `stop`, protected, walking from the head.
    #[inline]
    pub fn find(
        &self,
        stop: impl FnMut(&Item<A, T>) -> bool,
    ) -> Option<Protected<'_, Item<A, T>, F>> {
        self.head.find(stop)
    }

    /// [`Head::find`] from `anchor`: the first item after it satisfying `stop`, protected.
    ///
    /// # Panics
    ///
    /// If `anchor` belongs to another chain.
    #[inline]
    pub fn find_from<'h>(
        &'h self,
        anchor: Anchor<'h, A, T, F>,
        stop: impl FnMut(&Item<A, T>) -> bool,
    ) -> Option<Protected<'h, Item<A, T>, F>> {
        anchor.check(&self.head);
        // SAFETY: as in `cursor_at`.
        unsafe { self.head.find_from(&anchor.node.next, stop) }
    }

    /// The items of the chain, in order, each as a guard: [`Head::iter`].
    pub fn iter(&self) -> Iter<'_, Item<A, T>, F> {
        self.head.iter()
    }
}

/// `for item in &chain`: [`AnchoredHead::iter`].
impl<'h, A: Send + Sync + 'static, T: Send + Sync + 'static, F: StaticDomain> IntoIterator
    for &'h AnchoredHead<A, T, F>
{
    type Item = Protected<'h, Item<A, T>, F>;
    type IntoIter = Iter<'h, Item<A, T>, F>;

    fn into_iter(self) -> Iter<'h, Item<A, T>, F> {
        self.iter()
    }
}

impl<A, T, F> AnchoredHead<A, T, F> {
    /// The values of the chain, in order, mutably (anchors skipped: they cannot change, as an
    /// index entry relies on them): with `&mut self`, no other thread and no guard reads them.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.head.iter_mut().filter_map(|item| match item {
            Item::Value(value) => Some(value),
            Item::Anchor(_) => None,
        })
    }

    /// The first item after the anchor in slot `from` (after the head, if that slot was never
    /// set) that is not deleted and satisfies `stop`, if it is a value: mutably, with no hazard
    /// pointer, since `&mut self` excludes every other reader.
    pub fn find_mut(
        &mut self,
        from: usize,
        mut stop: impl FnMut(&Item<A, T>) -> bool,
    ) -> Option<&mut T> {
        let start = match self.anchor(from) {
            Some(anchor) => anchor.node.next.load(),
            None => self.head.link().load(),
        };
        let mut next = start;
        loop {
            // SAFETY: `&mut self`: no other thread, cursor or guard reaches the chain, so its
            // nodes stay allocated and this is the only reference to each (each node of the
            // chain is held by one of its links, invariants 2 and 4 of `link.rs`); the
            // reference lives as long as the borrow of `self`.
            let node: &mut ItemNode<A, T, F> = unsafe { unmarked(next).as_mut() }?;
            next = node.next.load();
            if is_marked(next) || !stop(&node.value) {
                continue;
            }
            return match &mut node.value {
                Item::Value(value) => Some(value),
                Item::Anchor(_) => None,
            };
        }
    }
}

impl<A, T, F> Default for AnchoredHead<A, T, F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<A, T, F> fmt::Debug for AnchoredHead<A, T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnchoredHead")
            .field("head", &self.head)
            .finish_non_exhaustive()
    }
}

/// A [`Cursor`] on an [`AnchoredHead`]'s chain, from [`AnchoredHead::cursor`] or
/// [`AnchoredHead::cursor_at`]: the same walk, insertion, removal and replacement, except that
/// anchors are never removed nor replaced.
pub struct AnchoredCursor<'h, A, T, F: StaticDomain = Global> {
    cursor: Cursor<'h, Item<A, T>, F>,
}

impl<'h, A: Send + Sync + 'static, T: Send + Sync + 'static, F: StaticDomain>
    AnchoredCursor<'h, A, T, F>
{
    /// [`Cursor::seek`]: stands before the first item after the cursor's start satisfying
    /// `stop`.
    #[inline]
    pub fn seek(&mut self, stop: impl FnMut(&Item<A, T>) -> bool) -> Option<&Item<A, T>> {
        self.cursor.seek(stop)
    }

    /// Moves past the current item to the next one satisfying `stop`, as a [`seek`](Self::seek)
    /// that starts where the cursor stands: a walk that visits each item once. `stop` is not
    /// asked about a deleted current item; about another, it must be false (or the cursor
    /// stays). `true` when it stopped (at such an item, or at the end; at once at the end);
    /// `false` when the link before a deleted item changed under it, so that only a `seek` can
    /// go on (the cursor is then at the end of an empty chain, as a new one).
    pub fn advance(&mut self, mut stop: impl FnMut(&Item<A, T>) -> bool) -> bool {
        self.cursor.advance(&mut stop)
    }

    /// [`Cursor::current`].
    #[inline]
    #[must_use]
    pub fn current(&self) -> Option<&Item<A, T>> {
        self.cursor.current()
    }

    /// The current node as an [`Anchor`], if it is one.
    #[must_use]
    pub fn current_anchor(&self) -> Option<Anchor<'h, A, T, F>> {
        // SAFETY: the cursor protects its current node while it stands before it, so it is
        // allocated here; if it is an anchor, it is never deleted, so it stays allocated while
        // the chain is borrowed, for `'h`. (A node's item never changes once published.)
        let node: &'h Node<Item<A, T>, F> = unsafe { self.cursor.current_raw().as_ref() }?;
        node.value.is_anchor().then_some(Anchor {
            node,
            head: self.cursor.head(),
        })
    }

    /// [`Cursor::insert`] of a value (anchors are made by [`AnchoredHead::make_anchor`]).
    ///
    /// # Errors
    ///
    /// As for [`Cursor::insert`], and `node` back if it holds an anchor item.
    pub fn insert(&mut self, node: Owned<Item<A, T>, F>) -> Result<(), Owned<Item<A, T>, F>> {
        if node.is_anchor() {
            return Err(node);
        }
        self.cursor.insert(node)
    }

    /// [`Cursor::insert_protected`].
    ///
    /// # Errors
    ///
    /// As for [`Cursor::insert`], and `node` back if it holds an anchor item.
    pub fn insert_protected(&mut self, node: Owned<Item<A, T>, F>) -> Guarded<'h, A, T, F> {
        if node.is_anchor() {
            return Err(node);
        }
        self.cursor.insert_protected(node)
    }

    /// [`Cursor::remove`], which does nothing (`false`) at an anchor.
    pub fn remove(&mut self) -> bool {
        if self.cursor.current().is_some_and(Item::is_anchor) {
            return false;
        }
        self.cursor.remove()
    }

    /// [`Cursor::replace`], which gives `node` back at an anchor, or if it holds one.
    ///
    /// # Errors
    ///
    /// As for [`Cursor::replace`], and at an anchor.
    pub fn replace(&mut self, node: Owned<Item<A, T>, F>) -> Guarded<'h, A, T, F> {
        if node.is_anchor() || self.cursor.current().is_some_and(Item::is_anchor) {
            return Err(node);
        }
        self.cursor.replace(node)
    }

    /// [`Cursor::into_current`].
    #[must_use]
    pub fn into_current(self) -> Option<Protected<'h, Item<A, T>, F>> {
        self.cursor.into_current()
    }
}

impl<A, T, F: StaticDomain> fmt::Debug for AnchoredCursor<'_, A, T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AnchoredCursor").field(&self.cursor).finish()
    }
}
