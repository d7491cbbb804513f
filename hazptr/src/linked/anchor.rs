//! Anchors: entry points into a chain, for structures that do not walk from the head (the
//! buckets of a split-ordered hash map, Shalev & Shavit, "Split-Ordered Lists: Lock-Free
//! Extensible Hash Tables", JACM 2006).
//!
//! An [`AnchoredHead`] is a [`Head`] whose chain holds two kinds of nodes, [`Item`]s: values,
//! which are inserted, removed and replaced as in any chain, and *anchors*, which are inserted
//! like values but never deleted: [`AnchoredCursor::remove`] and
//! [`AnchoredCursor::replace`] refuse them, and the chain's plain [`Cursor`] is never lent out.
//! An anchor therefore stays linked, unmarked and allocated until the chain drops, which makes
//! its link a second head: a walk may start there ([`AnchoredHead::cursor_at`],
//! [`AnchoredHead::find_from`]) and a reference to it needs no hazard pointer, only a borrow of
//! the chain ([`Anchor`]). The chain keeps an index of anchors by number
//! ([`AnchoredHead::anchor`], [`AnchoredHead::set_anchor`]): a map's bucket table, which grows
//! without moving what it holds.
//!
//! The index is a table of levels: level 0 holds slot 0, level `l > 0` holds the `2^(l-1)`
//! slots from `2^(l-1)`; a level is allocated the first time a slot of it is set (the thread
//! whose compare-and-exchange installs it wins, the others free theirs), so slots never move
//! and a lookup is two loads. What the index holds are anchors of this chain only
//! ([`Anchor`]s carry the chain they came from, checked), so every pointer in it stays valid
//! while the chain lives.

use core::fmt;
use core::ptr;
use core::sync::atomic::Ordering;

use crate::linked::cursor::Cursor;
use crate::linked::link::{Head, Node, Owned, is_marked, unmarked};
use crate::protect::guard::Protected;
use crate::protect::hazard_cache::StaticDomain;
use crate::reclaim::domain::Global;
use crate::reclaim::sync::AtomicPtr;

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

/// A slot of the index: null or an anchor.
type Slot<A, T, F> = AtomicPtr<ItemNode<A, T, F>>;

/// What an insertion that guards its node gives: the guard, or the node back.
type Guarded<'h, A, T, F> = Result<Protected<'h, Item<A, T>, F>, Owned<Item<A, T>, F>>;

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

/// A chain of [`Item`]s with anchors, and an index of its anchors by number. See the module
/// documentation of the toolkit's `anchor.rs` (in [`Head`]'s family): anchors are never
/// deleted, so walks may start at them.
///
/// Dropping it frees every node still linked, anchors included, and the index.
///
/// ```
/// use hazptr::{AnchoredHead, Item, Owned};
///
/// // A chain sorted by key, with an anchor before key 10.
/// let chain: AnchoredHead<u32, u32> = AnchoredHead::new();
/// let key = |item: &Item<u32, u32>| match item {
///     Item::Anchor(k) | Item::Value(k) => *k,
/// };
/// let mut cursor = chain.cursor();
/// for item in [Item::Value(20), Item::Anchor(10), Item::Value(5)] {
///     let k = key(&item);
///     cursor.seek(|i| key(i) >= k);
///     cursor.insert(Owned::new(item)).unwrap();
/// }
/// cursor.seek(|i| key(i) >= 10);
/// let anchor = cursor.current_anchor().unwrap();
/// assert_eq!(chain.set_anchor(1, anchor).key(), &10);
/// assert!(!cursor.remove()); // an anchor is never deleted
///
/// // A walk from the anchor sees what follows it.
/// let anchor = chain.anchor(1).unwrap();
/// let found = chain.find_from(anchor, |i| key(i) >= 15).unwrap();
/// assert_eq!(*found, Item::Value(20));
/// ```
pub struct AnchoredHead<A, T, F = Global> {
    head: Head<Item<A, T>, F>,
    /// Level `l` is null or the first of `level_len(l)` slots, each null or an anchor of the
    /// chain (a node whose item is an [`Item::Anchor`]).
    levels: [AtomicPtr<Slot<A, T, F>>; LEVELS],
}

/// An anchor of an [`AnchoredHead`]'s chain: a node that is never deleted, so a reference to it
/// needs no hazard pointer, only a borrow of the chain. Made by
/// [`AnchoredCursor::current_anchor`] and [`AnchoredHead::anchor`].
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
            levels: core::array::from_fn(|_| AtomicPtr::new(ptr::null_mut())),
        }
    }

    /// Whether no node is linked now.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.head.is_empty()
    }

    /// The anchor in slot `i` of the index, `None` if the slot was never set.
    #[inline]
    #[must_use]
    pub fn anchor(&self, i: usize) -> Option<Anchor<'_, A, T, F>> {
        let (level, offset) = locate(i);
        let slots = self.levels[level].load(Ordering::Acquire);
        if slots.is_null() {
            return None;
        }
        // SAFETY: a non-null level is a live allocation of `level_len(level)` slots (freed only
        // by the drop), and `offset < level_len(level)`.
        let slot = unsafe { &*slots.add(offset) };
        let node = slot.load(Ordering::Acquire);
        // SAFETY: a slot holds null or an anchor of this chain (`set_anchor` checks), which is
        // never deleted, so it stays allocated while the chain is borrowed.
        let node = unsafe { node.as_ref() }?;
        Some(Anchor {
            node,
            head: &self.head,
        })
    }

    /// Sets slot `i` of the index to `anchor`, unless it was set already: the anchor the slot
    /// holds now, `anchor` or the one set first.
    ///
    /// # Panics
    ///
    /// If `anchor` belongs to another chain.
    pub fn set_anchor<'h>(&'h self, i: usize, anchor: Anchor<'h, A, T, F>) -> Anchor<'h, A, T, F> {
        anchor.check(&self.head);
        let (level, offset) = locate(i);
        let slots = self.level(level);
        // SAFETY: `slots` is a live level of `level_len(level)` slots (see `level`), and
        // `offset < level_len(level)`.
        let slot = unsafe { &*slots.add(offset) };
        let new = ptr::from_ref(anchor.node).cast_mut();
        match slot.compare_exchange(ptr::null_mut(), new, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => anchor,
            Err(first) => Anchor {
                // SAFETY: as in `anchor`: an anchor of this chain.
                node: unsafe { &*first },
                head: &self.head,
            },
        }
    }

    /// Level `level` of the index, allocated if it was not.
    fn level(&self, level: usize) -> *mut Slot<A, T, F> {
        let slots = self.levels[level].load(Ordering::Acquire);
        if !slots.is_null() {
            return slots;
        }
        let fresh: Box<[Slot<A, T, F>]> = (0..level_len(level))
            .map(|_| AtomicPtr::new(ptr::null_mut()))
            .collect();
        let fresh = Box::into_raw(fresh).cast::<Slot<A, T, F>>();
        match self.levels[level].compare_exchange(
            ptr::null_mut(),
            fresh,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => fresh,
            Err(first) => {
                // SAFETY: `fresh` came from the `Box` of `level_len(level)` slots just made, and
                // was not installed: nobody else knows of it.
                drop(unsafe {
                    Box::from_raw(ptr::slice_from_raw_parts_mut(fresh, level_len(level)))
                });
                first
            }
        }
    }
}

impl<A: Send + Sync + 'static, T: Send + Sync + 'static, F: StaticDomain> AnchoredHead<A, T, F> {
    /// A cursor whose walks start at the head.
    #[must_use]
    pub fn cursor(&self) -> AnchoredCursor<'_, A, T, F> {
        AnchoredCursor {
            cursor: self.head.cursor(),
        }
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
    pub fn iter(&self) -> impl Iterator<Item = Protected<'_, Item<A, T>, F>> {
        self.head.iter()
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

    /// The items of the chain, in order, by value (deleted ones dropped); the index is freed.
    pub fn into_items(mut self) -> crate::linked::owned_iter::IntoIter<Item<A, T>, F> {
        core::mem::take(&mut self.head).into_iter()
    }
}

impl<A, T, F> Default for AnchoredHead<A, T, F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<A, T, F> Drop for AnchoredHead<A, T, F> {
    fn drop(&mut self) {
        for (level, slots) in self.levels.iter().enumerate() {
            let slots = slots.load(Ordering::Relaxed);
            if !slots.is_null() {
                // SAFETY: an installed level came from a `Box` of `level_len(level)` slots and is
                // freed only here; the nodes it points at are the chain's, freed by `head`.
                drop(unsafe {
                    Box::from_raw(ptr::slice_from_raw_parts_mut(slots, level_len(level)))
                });
            }
        }
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

    /// [`Cursor::insert`]: an anchor or a value.
    ///
    /// # Errors
    ///
    /// As for [`Cursor::insert`].
    pub fn insert(&mut self, node: Owned<Item<A, T>, F>) -> Result<(), Owned<Item<A, T>, F>> {
        self.cursor.insert(node)
    }

    /// [`Cursor::insert_protected`].
    ///
    /// # Errors
    ///
    /// As for [`Cursor::insert`].
    pub fn insert_protected(&mut self, node: Owned<Item<A, T>, F>) -> Guarded<'h, A, T, F> {
        self.cursor.insert_protected(node)
    }

    /// [`Cursor::remove`], which does nothing (`false`) at an anchor.
    pub fn remove(&mut self) -> bool {
        if self.cursor.current().is_some_and(Item::is_anchor) {
            return false;
        }
        self.cursor.remove()
    }

    /// [`Cursor::replace`], which gives `node` back at an anchor.
    ///
    /// # Errors
    ///
    /// As for [`Cursor::replace`], and at an anchor.
    pub fn replace(&mut self, node: Owned<Item<A, T>, F>) -> Guarded<'h, A, T, F> {
        if self.cursor.current().is_some_and(Item::is_anchor) {
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
