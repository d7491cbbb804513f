//! [`Head::find`]: a lookup that walks with two hazard pointers and no cursor (only an unlink
//! needs the node before the current one protected), and falls back to a cursor's walk when it
//! meets a deleted node; `find_from`, the same from an anchor (`anchor.rs`).

use crate::linked::cursor::{Slot, protect, publish};
use crate::linked::link::{Head, Link, Node, is_marked};
use crate::protect::guard::Protected;
use crate::protect::hazard_cache::{CachedHazard, StaticDomain};
use crate::reclaim::barrier::LightFence;

impl<T: Send + Sync + 'static, F: StaticDomain> Head<T, F> {
    /// The first node whose value satisfies `stop`, protected, as a guard of its value; `None`
    /// when no node does. What [`Cursor::seek`](crate::Cursor::seek) then [`Cursor::into_current`](crate::Cursor::into_current) return: nodes that
    /// other threads deleted are unlinked (and retired by this thread), without asking `stop`
    /// about them, and each step is validated as `seek`'s are. `stop` may be asked about a node
    /// more than once (a walk that starts again asks again).
    ///
    /// A lookup that changes nothing: it walks with two hazard pointers (one on the current
    /// node, one for its successor) and hands the one on the node it stops at to the guard,
    /// with no cursor to set up or put away; a lookup that stops at the first node takes one.
    /// Only if it meets a deleted node, or a link that changed under it, does it walk again
    /// from the head as a cursor, which unlinks what it must. What a map's `get` calls.
    ///
    /// ```
    /// use hazptr::{Head, Owned};
    ///
    /// let list: Head<u32> = Head::new();
    /// for key in [30, 20, 10] {
    ///     list.push_front(Owned::new(key)); // sorted: 10, 20, 30
    /// }
    /// let found = list.find(|k| *k >= 15).unwrap();
    /// assert_eq!(*found, 20);
    /// // The guard keeps the value readable even once its node is removed.
    /// let mut cursor = list.cursor();
    /// assert_eq!(cursor.seek(|k| *k == 20), Some(&20));
    /// assert!(cursor.remove());
    /// assert_eq!(*found, 20);
    /// assert_eq!(list.find(|k| *k >= 15).as_deref(), Some(&30));
    /// assert!(list.find(|k| *k > 30).is_none());
    /// ```
    #[inline]
    pub fn find(&self, stop: impl FnMut(&T) -> bool) -> Option<Protected<'_, T, F>> {
        // SAFETY: the head's own link.
        unsafe { self.find_from(self.link(), stop) }
    }

    /// [`find`](Self::find), walking from `start` instead of the head.
    ///
    /// # Safety
    ///
    /// As for [`cursor_from`](Self::cursor_from): `start` is the head's link or the link of a
    /// node of this head's chain that is never deleted.
    #[inline]
    pub(crate) unsafe fn find_from(
        &self,
        start: &Link<T, F>,
        mut stop: impl FnMut(&T) -> bool,
    ) -> Option<Protected<'_, T, F>> {
        // One body per barrier mode, each with its fence known, as in `seek`.
        let found = match LightFence::for_walk() {
            LightFence::Compiler => self.read_walk(start, &mut stop, LightFence::Compiler),
            LightFence::PerStep => self.read_walk(start, &mut stop, LightFence::PerStep),
        };
        // SAFETY: the caller's promise on `start`.
        found.unwrap_or_else(|()| unsafe { self.find_with_cursor(start, &mut stop) })
    }

    /// [`find`](Self::find)'s walk, which unlinks nothing: `Err(())` when it meets a deleted
    /// node or a link that changed since it was read, which a cursor's walk must deal with.
    ///
    /// It holds the hazard pointer on the current node and, while it moves, the one on the
    /// successor; the node before the current one needs none, since only an unlink writes its
    /// link. A move is validated as `cursor.rs`'s `step`'s common move is: the successor is protected, then
    /// found still held, unmarked, by the current node's link, so the current node was not
    /// deleted then, hence linked, and so was its successor (invariants 1 and 3 of `link.rs`).
    /// The two hazard pointers swap roles at each move, written out as two steps.
    #[allow(clippy::inline_always)] // into each arm of `find`, with its fence
    #[allow(clippy::unused_self)] // the guard it returns borrows the head
    #[inline(always)]
    fn read_walk(
        &self,
        start: &Link<T, F>,
        stop: &mut impl FnMut(&T) -> bool,
        fence: LightFence,
    ) -> Result<Option<Protected<'_, T, F>>, ()> {
        // The head, or an anchor's link, which behaves as one (`find_from`'s promise).
        let head = start;
        let first = head.load();
        if first.is_null() {
            return Ok(None);
        }
        // Taken inline: the one hazard pointer of a lookup that stops at the first node.
        let mut x: Slot<F> = Some(CachedHazard::acquire());
        let mut y: Slot<F> = None;
        // The head is never marked (only nodes' links are), and every node it holds is linked:
        // protecting from it needs no other validation (as in `Cursor::walk`).
        let mut curr = protect(head, first, &mut x, fence);
        debug_assert!(!is_marked(curr), "a head is never marked");
        loop {
            // SAFETY (both steps): `curr` is null or a node of this head's chain (borrowed for
            // the guard's lifetime), which the hazard pointer in the first slot passed has
            // protected since before it was validated as linked: by the head above, or by the
            // step that moved to it.
            curr = match unsafe { read_step(curr, &mut x, &mut y, stop, fence) } {
                ReadStep::Moved(next) => next,
                ReadStep::Stopped(found) => return Ok(found),
                ReadStep::Blocked => return Err(()),
            };
            curr = match unsafe { read_step(curr, &mut y, &mut x, stop, fence) } {
                ReadStep::Moved(next) => next,
                ReadStep::Stopped(found) => return Ok(found),
                ReadStep::Blocked => return Err(()),
            };
        }
    }

    /// [`find`](Self::find) when its walk met a deleted node or a changed link: a cursor's
    /// walk from `start`, which unlinks deleted nodes (or starts again).
    ///
    /// # Safety
    ///
    /// As for [`find_from`](Self::find_from).
    #[cold]
    #[inline(never)]
    unsafe fn find_with_cursor(
        &self,
        start: &Link<T, F>,
        stop: &mut impl FnMut(&T) -> bool,
    ) -> Option<Protected<'_, T, F>> {
        // SAFETY: the caller's promise on `start`.
        let mut cursor = unsafe { self.cursor_from(start) };
        cursor.seek(stop);
        cursor.into_current()
    }
}

/// What one step of [`Head::find`]'s walk did.
enum ReadStep<'h, T, F: 'static> {
    /// Moved to this node, linked when its hazard pointer was published.
    Moved(*mut Node<T, F>),
    /// Stopped: at a node satisfying `stop`, protected, or at the end.
    Stopped(Option<Protected<'h, T, F>>),
    /// The current node is deleted, or its link changed since it was read: a cursor must walk.
    Blocked,
}

/// One step of [`Head::find`]'s walk from `curr`, protecting its successor with `spare`. The
/// guard it stops with takes the hazard pointer out of `on_curr`.
///
/// # Safety
///
/// `curr` is null, or a node of a chain of `F`'s domain whose head is borrowed for `'h`, which
/// was linked when the hazard pointer in `on_curr` was published on it, and which that hazard
/// pointer still protects.
#[allow(clippy::inline_always)] // twice in each arm of `find`: the walk's loop
#[inline(always)]
unsafe fn read_step<'h, T: Send + Sync + 'static, F: StaticDomain>(
    curr: *mut Node<T, F>,
    on_curr: &mut Slot<F>,
    spare: &mut Slot<F>,
    stop: &mut impl FnMut(&T) -> bool,
    fence: LightFence,
) -> ReadStep<'h, T, F> {
    // SAFETY: the caller's promise: the hazard pointer in `on_curr` has protected `curr` since
    // before it was validated as linked, so it is allocated while that hazard stays on it,
    // which the guard made from it keeps; the head, which the chain's drop needs, stays
    // borrowed for `'h`.
    let Some(node) = (unsafe { curr.as_ref::<'h>() }) else {
        return ReadStep::Stopped(None);
    };
    let next = node.next.load();
    if is_marked(next) {
        // Deleted: someone must unlink it before the walk goes past.
        return ReadStep::Blocked;
    }
    if stop(&node.value) {
        // Not deleted when its link was read: the first node satisfying `stop`.
        let Some(hazard) = on_curr.take() else {
            unreachable!("the current node is protected");
        };
        // SAFETY: `hazard`, of `F`'s domain, protects the node holding the value (see above),
        // and moves into the guard with it.
        return ReadStep::Stopped(Some(unsafe { Protected::new(&node.value, hazard) }));
    }
    if next.is_null() {
        return ReadStep::Stopped(None);
    }
    publish(spare, next, fence);
    if node.next.load() != next {
        // Marked or changed since it was read.
        return ReadStep::Blocked;
    }
    // `curr`'s link held `next` unmarked after the hazard was published: `curr` was not
    // deleted then, so it was linked, and so was `next`.
    ReadStep::Moved(next)
}
