//! The cursor: a hand-over-hand walk along a chain of marked links (Harris 2001, with Michael's
//! hazard pointers, "High Performance Dynamic Lock-Free Hash Tables and List-Based Sets",
//! SPAA 2002), holding at most three hazard pointers however far it goes.
//!
//! The cursor stands between two links: `prev`, the head or the link of a node it protects, and
//! `curr`, the node `prev` held, unmarked, when the cursor last looked, which it protects too. A
//! step protects the successor of `curr` with the third hazard pointer, then rotates the three
//! roles; no guard per node, no recursion. The validation of each step, and why it suffices, is
//! in [`Cursor::seek`]; the invariants it relies on are in `link.rs`.
//!
//! [`Head::find`], a lookup without a cursor, is in `find.rs`; the edits that hand back a guard
//! ([`Cursor::insert_protected`], [`Cursor::replace`]) in `cursor/edit.rs`.

use core::fmt;
use core::marker::PhantomData;
use core::ptr;

use haphazard::HazardPointer;

use crate::reclaim::domain::Global;

use crate::linked::link::{Head, Link, Node, Owned, is_marked, marked, retire, unmarked};
use crate::protect::guard::Protected;
use crate::protect::hazard_cache::CachedHazard;
use crate::protect::hazard_cache::StaticDomain;
use crate::reclaim::barrier::LightFence;

mod edit;

/// A position in a [`Head`]'s chain, for reading it, inserting and removing nodes, without
/// `unsafe`.
///
/// Made by [`Head::cursor`]. It stands before a node, the *current* one ([`current`]), or at
/// the end; a new cursor stands at the end of an empty chain until it [`seek`]s. It protects
/// the current node and the one before it with hazard pointers of `F`'s domain (three at
/// most, each taken from the thread's cache when first needed and returned when the cursor
/// drops), so the references it lends stay valid while they borrow it, whatever other threads
/// do: they cannot be kept across a move of the cursor, which borrows it mutably.
///
/// - [`seek`] walks from the head to the first node whose value satisfies a predicate,
///   unlinking (and retiring) the nodes other threads deleted on the way (Harris–Michael's
///   `find`);
/// - [`insert`] publishes an [`Owned`] node before the current one, if nothing changed there;
/// - [`remove`] deletes the current node: marks it (the logical deletion that decides which
///   thread removed it), then tries to unlink and retire it;
/// - [`into_current`] keeps only the current node's protection, as a [`Protected`] guard.
///
/// Not `Send` and not `Sync`: a cursor is one thread's walk, and its hazard pointers go back to
/// the cache of the thread that took them.
///
/// A sorted set (Harris–Michael's list):
///
/// ```
/// use hazptr::{Head, Owned};
///
/// struct ListSet<K> {
///     head: Head<K>,
/// }
///
/// impl<K: Ord + Send + Sync + 'static> ListSet<K> {
///     fn insert(&self, key: K) -> bool {
///         let mut cursor = self.head.cursor();
///         let mut node = Owned::new(key);
///         loop {
///             // Stand before the first node whose key is not smaller.
///             if cursor.seek(|k| *k >= *node) == Some(&*node) {
///                 return false; // already present: `node` is dropped
///             }
///             match cursor.insert(node) {
///                 Ok(()) => return true,
///                 Err(back) => node = back, // something changed there: seek again
///             }
///         }
///     }
///
///     fn remove(&self, key: &K) -> bool {
///         let mut cursor = self.head.cursor();
///         while cursor.seek(|k| k >= key) == Some(key) {
///             if cursor.remove() {
///                 return true; // marked by us
///             }
///         }
///         false
///     }
///
///     fn contains(&self, key: &K) -> bool {
///         self.head.find(|k| k >= key).is_some_and(|k| *k == *key)
///     }
/// }
///
/// let set = ListSet { head: Head::new() };
/// for key in [30, 10, 20, 10] {
///     set.insert(key);
/// }
/// assert!(set.remove(&20));
/// assert!(!set.remove(&20));
/// assert!(set.contains(&10) && set.contains(&30) && !set.contains(&20));
/// let mut cursor = set.head.cursor();
/// assert_eq!(cursor.seek(|_| true), Some(&10)); // sorted
/// ```
///
/// [`current`]: Self::current
/// [`seek`]: Self::seek
/// [`insert`]: Self::insert
/// [`remove`]: Self::remove
/// [`into_current`]: Self::into_current
pub struct Cursor<'h, T, F: StaticDomain = Global> {
    /// Where every walk starts: the head's link, or the link of an anchor of the head's chain
    /// (a node that is never deleted: `anchor.rs`), which behaves as a head: never marked, and
    /// allocated while the head is borrowed.
    start: Raw<*const Link<T, F>>,
    /// Borrowed: its drop frees the chain.
    head: &'h Head<T, F>,
    /// The start link, or the link of a node one of `hazards` (not `hazards[c]`) protects.
    prev: Raw<*const Link<T, F>>,
    /// Null (the end), or the unmarked node `prev` held when last validated, which
    /// `hazards[c]` protects.
    curr: Raw<*mut Node<T, F>>,
    /// Each taken from the thread's cache the first time it protects a node (a lookup that
    /// stops at the first node takes one), returned when the cursor drops.
    hazards: [Slot<F>; 3],
    /// Which hazard protects `curr`.
    c: usize,
    /// Not `Send`, not `Sync` (see the type's documentation).
    _one_thread: PhantomData<*const ()>,
}

impl<T: Send + Sync + 'static, F: StaticDomain> Head<T, F> {
    /// A cursor at the end of an empty chain: call [`Cursor::seek`] to stand before a node.
    #[must_use]
    pub fn cursor(&self) -> Cursor<'_, T, F> {
        // SAFETY: the head's own link.
        unsafe { self.cursor_from(self.link()) }
    }

    /// A cursor whose walks start at `start` instead of the head: at the end of an empty chain
    /// until it seeks.
    ///
    /// # Safety
    ///
    /// `start` is the head's link or the link of a node of this head's chain that is never
    /// deleted (an anchor, `anchor.rs`): it stays allocated and unmarked while the head lives,
    /// and every node it holds is linked, as for a head.
    pub(crate) unsafe fn cursor_from(&self, start: &Link<T, F>) -> Cursor<'_, T, F> {
        Cursor {
            start: Raw(start),
            head: self,
            prev: Raw(start),
            curr: Raw(ptr::null_mut()),
            hazards: [None, None, None],
            c: 0,
            _one_thread: PhantomData,
        }
    }
}

/// A raw pointer held by a cursor. It does not make the cursor `!Send`/`!Sync` by itself: the
/// cursor opts out with its one marker, `_one_thread`, so that sending a cursor to another
/// thread is one error, not one per pointer.
struct Raw<P>(P);

// SAFETY: only `Cursor` holds a `Raw`, and a cursor is neither `Send` nor `Sync` (its
// `_one_thread` marker), so no pointer crosses threads through it.
unsafe impl<P> Send for Raw<P> {}

// SAFETY: as for `Send`.
unsafe impl<P> Sync for Raw<P> {}

/// One of a cursor's hazard pointers, taken when it first protects a node.
pub(crate) type Slot<F> = Option<CachedHazard<F>>;

impl<'h, T: Send + Sync + 'static, F: StaticDomain> Cursor<'h, T, F> {
    /// Walks from the head to the first node whose value satisfies `stop`, and stands before it;
    /// `None` when no node does (the cursor stands at the end). Nodes that other threads deleted
    /// are unlinked on the way (and retired by this thread), without asking `stop` about them.
    /// For a sorted chain, `stop` is "not smaller than the key": the cursor then stands where
    /// the key is, or where it would be inserted.
    ///
    /// Each step protects the successor `n` of the current node `c` with the spare hazard
    /// pointer, then reads `c`'s link again: if it still holds `n` unmarked, `c` was not
    /// deleted then, so `n` was still linked, and is protected from that moment on. If the link
    /// is marked, `c` is unlinked from the link before it, which must still hold `c`: if it does
    /// not, the walk starts again from the head (the link changed under it: another thread
    /// inserted or removed there). A walk from the head only restarts when another thread
    /// changed the chain where the walk was, so it always ends while other threads make
    /// progress (lock-free).
    pub fn seek(&mut self, mut stop: impl FnMut(&T) -> bool) -> Option<&T> {
        // One loop per barrier mode, each with its fence known: no mode test per node.
        match LightFence::for_walk() {
            LightFence::Compiler => while !self.walk(&mut stop, LightFence::Compiler) {},
            LightFence::PerStep => while !self.walk(&mut stop, LightFence::PerStep) {},
        }
        self.current()
    }

    /// One walk from the head (see [`seek`](Self::seek)): `true` when it stopped, at a node
    /// satisfying `stop` or at the end, `false` when it must start again.
    ///
    /// The walk keeps its position in locals; the cursor's fields are written when it stops.
    /// Until then they say "at the end of an empty chain" (the head's link and null, as a new
    /// cursor), which needs no protection: so if `stop` panics, the cursor left behind is still
    /// sound to use.
    ///
    /// The three roles (the hazard on the node of `prev`, none while `prev` is the head; the one
    /// on `curr`; the spare, for `curr`'s successor) go round the three slots as the walk moves
    /// on: `(a, b, c)`, `(b, c, a)`, `(c, a, b)`. The loop is written out once per arrangement,
    /// so each step knows its slots: no index and no rotation, and a move moves no hazard
    /// pointer (only an unlink does, between two slots: see [`step`]).
    #[allow(clippy::inline_always)] // into each arm of `seek`, with its fence
    #[inline(always)]
    fn walk(&mut self, stop: &mut impl FnMut(&T) -> bool, fence: LightFence) -> bool {
        // SAFETY: `start` is the head's link or an anchor's, allocated while the head is
        // borrowed (`cursor_from`'s promise).
        let head = unsafe { &*self.start.0 };
        self.prev.0 = head;
        self.curr.0 = ptr::null_mut();
        let [a, b, c] = &mut self.hazards;
        let first = head.load();
        if first.is_null() {
            return true;
        }
        // Taken here, inline: the one hazard pointer of a lookup that stops at the first node (a
        // map's `get`). The loop takes the others out of line.
        b.get_or_insert_with(CachedHazard::acquire);
        // The head is never marked (only nodes' links are), and every node it holds is linked:
        // protecting from it needs no other validation.
        let first = protect(head, first, b, fence);
        debug_assert!(!is_marked(first), "a head is never marked");
        let mut at = At {
            prev: head,
            curr: first,
        };
        // Which slot protects `curr` when the walk stops.
        let (stopped, curr_slot) = 'walk: {
            if first.is_null() {
                break 'walk (true, 1);
            }
            loop {
                if let Some(stopped) = step(&mut at, b, c, stop, fence) {
                    break 'walk (stopped, 1);
                }
                if let Some(stopped) = step(&mut at, c, a, stop, fence) {
                    break 'walk (stopped, 2);
                }
                if let Some(stopped) = step(&mut at, a, b, stop, fence) {
                    break 'walk (stopped, 0);
                }
            }
        };
        if stopped {
            self.c = curr_slot;
            self.prev.0 = at.prev;
            self.curr.0 = at.curr;
        }
        stopped
    }

    /// The head the cursor walks.
    pub(crate) fn head(&self) -> &'h Head<T, F> {
        self.head
    }

    /// The current node, null at the end; protected while the cursor stands before it.
    pub(crate) fn current_raw(&self) -> *mut Node<T, F> {
        self.curr.0
    }

    /// The value of the current node, `None` at the end. Protected for as long as the reference
    /// borrows the cursor, even if another thread removes the node meanwhile.
    #[inline]
    #[must_use]
    pub fn current(&self) -> Option<&T> {
        // SAFETY: `hazards[c]` protects `curr` while the cursor stands before it; the reference
        // borrows the cursor, which cannot move without a mutable borrow.
        unsafe { self.curr.0.as_ref() }.map(|node| &node.value)
    }

    /// Publishes `node` before the current node (at the end, if the cursor is there), if the
    /// link before it still holds the current node unmarked; gives `node` back otherwise (another
    /// thread changed the chain there, or deleted the node that link belongs to): seek again.
    ///
    /// After a successful insertion, the cursor still stands before the same node, now behind
    /// `node`: seek again before inserting or removing next to it.
    ///
    /// # Errors
    ///
    /// `Err(node)` when the chain changed there; `node` is unpublished again and linked to
    /// nothing.
    pub fn insert(&mut self, node: Owned<T, F>) -> Result<(), Owned<T, F>> {
        let node = node.into_raw_linked_to(self.curr.0);
        // SAFETY: `prev` is the head's link or the link of a node a hazard of the cursor
        // protects.
        let prev = unsafe { &*self.prev.0 };
        // `curr` is protected, so its address cannot be reused meanwhile: if `prev` still holds
        // it unmarked, the node before it is still linked and `curr` still follows it.
        match prev.compare_exchange(self.curr.0, node) {
            // `prev` owns `node`, whose link owns `curr` (`prev` owned it before).
            Ok(()) => Ok(()),
            // SAFETY: the exchange failed, so `node` was not published: it is still ours.
            Err(_) => Err(unsafe { Owned::from_unpublished(node) }),
        }
    }

    /// Deletes the current node: marks its link, which decides the one thread that removes it,
    /// then tries to unlink it (retiring it); if the link before it changed, a later walk
    /// unlinks it. Whether this call marked it: `false` if another thread deleted it first, or
    /// if the cursor is at the end.
    ///
    /// The cursor still stands before the node, and [`current`](Self::current) still reads it
    /// (protected, even once retired): a stack's pop takes its value from there.
    pub fn remove(&mut self) -> bool {
        let curr = self.curr.0;
        if curr.is_null() {
            return false;
        }
        // SAFETY: `hazards[c]` protects `curr` (see `walk`).
        let node = unsafe { &*curr };
        let mut next = node.next.load();
        loop {
            if is_marked(next) {
                return false;
            }
            match node.next.compare_exchange(next, marked(next)) {
                Ok(()) => break,
                // An insertion after `curr`: mark its new link instead.
                Err(actual) => next = actual,
            }
        }
        // SAFETY: `prev` is the head's link or the link of a node a hazard of the cursor
        // protects.
        let prev = unsafe { &*self.prev.0 };
        // `curr`'s link is marked, so `next` stays its successor; if `prev` still holds `curr`,
        // `curr` is linked, and so is `next` (invariant 2): unlinking puts a linked node in
        // `prev`, which takes over its ownership from `curr`'s frozen link.
        if prev.compare_exchange(curr, next).is_ok() {
            // SAFETY: this thread's exchange unlinked `curr`, which is marked (invariant 3).
            unsafe { retire(curr) };
        }
        true
    }

    /// Keeps the current node's protection, as a guard of its value, and gives the other two
    /// hazard pointers back; `None` at the end. What a map's `get` returns.
    #[must_use]
    pub fn into_current(self) -> Option<Protected<'h, T, F>> {
        let Self {
            curr,
            mut hazards,
            c,
            ..
        } = self;
        // SAFETY: `hazards[c]` protects `curr` (the cursor stood before it), and the node stays
        // allocated while it does, which the guard keeps; the reference borrows the head for
        // `'h`, which the chain's drop needs.
        let value = unsafe { curr.0.as_ref() }.map(|node| &node.value)?;
        let hazard = hazards[c].take()?;
        // SAFETY: as above: `hazard`, of `F`'s domain, protects the node holding `value`, and
        // moves into the guard with it.
        Some(unsafe { Protected::new(value, hazard) })
    }
}

/// What [`Cursor::guard_current`] found.
pub(crate) enum Current<'h, T, F: 'static> {
    /// The cursor is at the end.
    End,
    /// The current node was deleted (its link is marked) since the cursor moved to it.
    Deleted,
    /// The current node's value, with a hazard pointer of its own.
    Guard(Protected<'h, T, F>),
}

impl<'h, T: Send + Sync + 'static, F: StaticDomain> Cursor<'h, T, F> {
    /// Moves past the current node to the next node whose value satisfies `stop`, as a
    /// [`seek`](Self::seek) that starts where the cursor stands instead of at the head: `stop`
    /// must be false for the current node's value, or the cursor stays. Unlinks (and retires)
    /// the deleted nodes on the way, like `seek`. `true` when it stopped (at such a node, or at
    /// the end; at once if the cursor is at the end); `false` when the link before a deleted
    /// node changed under it, so that only a walk from the head can go on: the cursor is then
    /// left at the end of an empty chain, as a new one.
    ///
    /// The walk goes on with the cursor's three hazard pointers in their roles: `hazards[c]` on
    /// the current node, the next slot the spare, the one after it on the node of `prev` (the
    /// arrangements `walk` writes out, in a loop).
    pub(crate) fn advance(&mut self, stop: &mut impl FnMut(&T) -> bool) -> bool {
        if self.curr.0.is_null() {
            return true;
        }
        let fence = LightFence::for_walk();
        let mut at = At {
            prev: self.prev.0,
            curr: self.curr.0,
        };
        // As in `walk`: the fields say "at the end of an empty chain" until the walk stops.
        self.prev.0 = self.start.0;
        self.curr.0 = ptr::null_mut();
        let mut k = self.c;
        let stopped = loop {
            let [a, b, c] = &mut self.hazards;
            let (on_curr, spare) = match k {
                0 => (a, b),
                1 => (b, c),
                _ => (c, a),
            };
            // `at.curr` is not null: the cursor stood before it, or the step that moved to it
            // returned `None`, which it does only at a node.
            match step(&mut at, on_curr, spare, stop, fence) {
                // Moved: the spare now protects `curr`, and the old current node is the one of
                // `prev`.
                None => k = (k + 1) % 3,
                Some(stopped) => break stopped,
            }
        };
        if stopped {
            self.c = k;
            self.prev.0 = at.prev;
            self.curr.0 = at.curr;
        }
        stopped
    }

    /// The current node's value with a hazard pointer of its own (taken from the thread's
    /// cache), so that the guard outlives the cursor's moves: [`Current::Deleted`] if the node
    /// was deleted since the cursor moved to it.
    ///
    /// The new hazard pointer is published while the cursor's still protects the node, then
    /// validated as a step validates its successor: the node was linked (the cursor moved to it),
    /// and if its link still reads unmarked after the publication, it was not deleted then, so
    /// not unlinked, so not retired (invariant 3 of `link.rs`); it is protected from then on.
    pub(crate) fn guard_current(&self) -> Current<'h, T, F> {
        let curr = self.curr.0;
        if curr.is_null() {
            return Current::End;
        }
        let mut hazard = CachedHazard::<F>::acquire();
        hazard.hazard_pointer().protect_raw(curr);
        // Orders the publication before the read of the link, as `publish` does.
        LightFence::for_walk().after_publish();
        // SAFETY: `hazards[c]` protects `curr` while the cursor stands before it, so it is
        // allocated here.
        if is_marked(unsafe { &*curr }.next.load()) {
            return Current::Deleted;
        }
        // SAFETY: `hazard`, of `F`'s domain, protects the node from before the read that found it
        // not deleted (see above), so the node stays allocated while the guard holds it; the
        // reference borrows the head for `'h`, which the chain's drop needs.
        let node: &'h Node<T, F> = unsafe { &*curr };
        // SAFETY: as just said: `hazard` protects the node holding the value, and moves into
        // the guard with it.
        Current::Guard(unsafe { Protected::new(&node.value, hazard) })
    }

    /// Makes the current node the start of every later walk, as if the cursor had been made
    /// from its link ([`Head::cursor_from`]): a walk that must start again starts there.
    ///
    /// # Safety
    ///
    /// The cursor stands before a node of this chain that is never deleted (as `cursor_from`'s
    /// start must be).
    pub(crate) unsafe fn rebase(&mut self) {
        debug_assert!(!self.curr.0.is_null(), "the cursor stands before a node");
        // SAFETY: the caller's promise: the node is never deleted, so it stays linked, unmarked
        // and allocated while the head is borrowed, and so does its link.
        self.start.0 = unsafe { &raw const (*self.curr.0).next };
    }

    /// Moves to the current node's successor without reading it, and asks the processor to
    /// start loading it: an iteration's move, so that the successor's cache miss overlaps
    /// whatever runs before the cursor is used again. `false`, and the cursor stays, if the
    /// current node is deleted or its link changed meanwhile: [`advance`](Self::advance) then
    /// moves past it. At the end (or moved to it) the cursor stands at the end.
    ///
    /// The successor is protected with the spare hazard pointer, then found still held,
    /// unmarked, by the current node's link, as a step's common move validates it; nothing of
    /// it is read, so whether it satisfies anything is for the caller to ask once it stands
    /// there.
    pub(crate) fn step_over(&mut self) -> bool {
        let curr = self.curr.0;
        if curr.is_null() {
            return true;
        }
        // SAFETY: `hazards[c]` protects `curr` while the cursor stands before it.
        let node = unsafe { &*curr };
        let next = node.next.load();
        if is_marked(next) {
            return false;
        }
        let spare = (self.c + 1) % 3;
        if !next.is_null() {
            publish(&mut self.hazards[spare], next, LightFence::for_walk());
            if node.next.load() != next {
                return false;
            }
            prefetch(next);
        }
        // `curr`'s link held `next` unmarked after the hazard was published (or `next` is the
        // end): `curr` was not deleted then, so it was linked, and so was `next`, which the spare
        // protects from then on; the old current node's hazard becomes the one on `prev`'s node.
        self.prev.0 = &raw const node.next;
        self.curr.0 = next;
        self.c = spare;
        true
    }
}

/// Asks the processor to start loading `node`'s first cache line: a hint, which reads nothing
/// (any address will do), and nothing where no hint is known.
#[inline]
pub(crate) fn prefetch<T, F>(node: *mut Node<T, F>) {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    // SAFETY: `sse`, the one target feature `_mm_prefetch` needs, is in the baseline of every
    // x86-64 target; a prefetch reads nothing, so it needs no valid address.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(node.cast());
    }
    #[cfg(not(all(target_arch = "x86_64", not(miri))))]
    let _ = node;
}

impl<T, F: StaticDomain> fmt::Debug for Cursor<'_, T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cursor")
            .field("current", &self.curr.0)
            .finish_non_exhaustive()
    }
}

/// Where a walk stands: `prev`, the head's link or the link of the node the hazard on the node
/// of `prev` protects, and `curr`, the unmarked node `prev` held when validated, protected.
struct At<T, F> {
    prev: *const Link<T, F>,
    curr: *mut Node<T, F>,
}

/// Moves a walk from the non-null node `at.curr`, whose protecting hazard pointer is in
/// `on_curr`, to its successor, protecting it with the hazard pointer in `spare`: `None` when it
/// moved to a node (the roles then go round: see [`Cursor::walk`]); `Some(true)` when it
/// stopped, at a node satisfying `stop` or at the end; `Some(false)` when the walk must start
/// again from the head. Deleted nodes on the way are unlinked and retired without moving.
///
/// Each move protects the successor `next` of `curr` with the spare hazard pointer, then reads
/// `curr`'s link again: if it still holds `next` unmarked, `curr` was not deleted then, so
/// `next` was still linked, and is protected from that moment on. If the link is marked, `curr`
/// is unlinked from `prev`, which must still hold it, or the walk starts again.
#[allow(clippy::inline_always)] // three times in each arm of `seek`: the walk's hot loop
#[inline(always)]
fn step<T: Send + Sync + 'static, F: StaticDomain>(
    at: &mut At<T, F>,
    on_curr: &mut Slot<F>,
    spare: &mut Slot<F>,
    stop: &mut impl FnMut(&T) -> bool,
    fence: LightFence,
) -> Option<bool> {
    loop {
        // SAFETY: the hazard pointer in `on_curr` has protected `curr` since before it was
        // validated as linked (the head's protection, or the step that moved here), so it is
        // allocated while that hazard stays on it.
        let node = unsafe { &*at.curr };
        let next = node.next.load();
        if !is_marked(next) {
            if stop(&node.value) {
                // Not deleted when its link was read: the cursor stands before it.
                return Some(true);
            }
            // The common move, to a successor that is there and stays: protect it, then find
            // `curr`'s link still holding it, unmarked.
            if !next.is_null() {
                publish(spare, next, fence);
                if node.next.load() == next {
                    // `curr`'s link held `next` unmarked after the hazard was published: `curr`
                    // was not deleted then, so it was linked, and so was `next`.
                    at.prev = &raw const node.next;
                    at.curr = next;
                    return None;
                }
            }
        }
        // Every other case: `curr` deleted, its link changed since it was read, or the end.
        let next = protect(&node.next, node.next.load(), spare, fence);
        if is_marked(next) {
            // `curr` is deleted: unlink it from `prev`, which must still hold it.
            let succ = unmarked(next);
            // SAFETY: `prev` is the head's link or the link of the node the hazard on the node
            // of `prev` protects; `curr`'s link was marked, and `curr` is protected.
            if !unsafe { unlink(at.prev, at.curr, succ) } {
                // The link before `curr` changed: start again from the head.
                return Some(false);
            }
            // `prev` held `curr` unmarked until the exchange, so `curr` was linked when `succ`
            // was protected; since its link was marked before that, `succ` could not be unlinked
            // until `curr` was (invariant 2): `succ` was linked, and is protected.
            at.curr = succ;
            // The roles stay in their slots: the hazard pointer on `succ` moves into `on_curr`,
            // the one on the retired `curr` becomes the spare. Moving a hazard pointer does not
            // touch what it published, so `succ` stays protected throughout.
            core::mem::swap(on_curr, spare);
        } else {
            // As in the common move: `curr` was linked when `next` was protected.
            at.prev = &raw const node.next;
            at.curr = next;
            if !next.is_null() {
                return None;
            }
        }
        if at.curr.is_null() {
            // At the end.
            return Some(true);
        }
    }
}

/// Unlinks `curr`, whose link is marked and holds `succ`, from `prev`, if `prev` still holds it,
/// and retires it; whether it did. Out of the walk's loop: rare, and retiring is long.
///
/// # Safety
///
/// `prev` is the head's link or the link of a node a hazard pointer of this thread protects;
/// `curr` is protected and its link was marked.
#[cold]
#[inline(never)]
unsafe fn unlink<T: Send + 'static, F: StaticDomain>(
    prev: *const Link<T, F>,
    curr: *mut Node<T, F>,
    succ: *mut Node<T, F>,
) -> bool {
    // SAFETY: the caller's promise: `prev` is allocated.
    let prev = unsafe { &*prev };
    if prev.compare_exchange(curr, succ).is_err() {
        return false;
    }
    // SAFETY: this thread's exchange unlinked `curr`, which was marked (invariant 3).
    unsafe { retire(curr) };
    true
}

/// Protects the node `link` holds with the hazard pointer of `slot` (taken from the thread's
/// cache if the slot has none yet): publishes the unmarked address of `value`, a value `link`
/// held, then reads `link` again until it holds the same value (mark included). Returns that
/// value, marked or not; a null link is returned at once, with nothing published. Whether the
/// node was linked when published is the caller's to establish (from the mark, see
/// [`Cursor::seek`]).
#[allow(clippy::inline_always)] // once per node visited: the walk's hot loop
#[inline(always)]
pub(crate) fn protect<T, F: StaticDomain>(
    link: &Link<T, F>,
    mut value: *mut Node<T, F>,
    slot: &mut Slot<F>,
    fence: LightFence,
) -> *mut Node<T, F> {
    if unmarked(value).is_null() {
        // Nothing to protect (the end of the chain, or an empty head).
        return value;
    }
    loop {
        publish(slot, unmarked(value), fence);
        let again = link.load();
        if again == value {
            return value;
        }
        value = again;
        if unmarked(value).is_null() {
            return value;
        }
    }
}

/// Publishes `node` in the hazard pointer of `slot` (taken from the thread's cache, out of line,
/// if the slot has none yet), then fences, so that the caller's next read of the link `node` came from
/// validates it.
#[allow(clippy::inline_always)] // once per node visited: the walk's hot loop
#[inline(always)]
pub(crate) fn publish<T, F: StaticDomain>(
    slot: &mut Slot<F>,
    node: *mut Node<T, F>,
    fence: LightFence,
) {
    if let Some(hazard) = slot {
        hazard.hazard_pointer().protect_raw(node);
    } else {
        fill(slot).protect_raw(node);
    }
    // Orders the publication before the re-read, as `AtomicPtr::protect` does: a compiler
    // fence in the asymmetric mode, where every node is retired through the batch that runs the
    // heavy barrier before any scan (`link::retire`, `barrier.rs`); `SeqCst` otherwise.
    fence.after_publish();
}

/// Takes a hazard pointer for an empty slot. Out of line: a walk's loop then keeps no constant
/// of the cache's path in a register.
#[cold]
#[inline(never)]
fn fill<F: StaticDomain>(slot: &mut Slot<F>) -> &mut HazardPointer<'static, F> {
    slot.insert(CachedHazard::acquire()).hazard_pointer()
}
