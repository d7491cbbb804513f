//! The cursor's edits that hand back a guard: [`Cursor::insert_protected`] and
//! [`Cursor::replace`], the one exchange that deletes a node and links its replacement in its
//! place (invariant 4 of `link.rs`).

use crate::linked::cursor::Cursor;
use crate::linked::link::{Node, Owned, is_marked, link_unpublished, marked, retire};
use crate::protect::guard::Protected;
use crate::protect::hazard_cache::{CachedHazard, StaticDomain};

impl<'h, T: Send + Sync + 'static, F: StaticDomain> Cursor<'h, T, F> {
    /// [`insert`](Self::insert) for a node that is not an [`Owned`] (an anchor, which lives in
    /// its chain's index, `anchor.rs`): whether it was published; if not, it is unpublished
    /// still, and the caller may try again after a seek.
    ///
    /// # Safety
    ///
    /// `node` is allocated, initialized and unpublished; it stays allocated while the head
    /// lives, is never deleted, and the caller keeps the head's drop (and `IntoIterator`) from
    /// freeing it as a `Box`.
    pub(crate) unsafe fn insert_unowned(&mut self, node: *mut Node<T, F>) -> bool {
        // SAFETY: the caller's promise: unpublished, so this thread alone reaches it.
        unsafe { link_unpublished(node, self.curr.0) };
        // SAFETY: as in `insert`.
        let prev = unsafe { &*self.prev.0 };
        prev.compare_exchange(self.curr.0, node).is_ok()
    }

    /// [`insert`](Self::insert), returning a guard of the inserted value: it stays readable
    /// for as long as the guard lives, even once another thread removes it. What a map's
    /// insert-if-absent returns.
    ///
    /// # Errors
    ///
    /// `Err(node)` when the chain changed there, as for [`insert`](Self::insert).
    pub fn insert_protected(
        &mut self,
        node: Owned<T, F>,
    ) -> Result<Protected<'h, T, F>, Owned<T, F>> {
        let node = node.into_raw_linked_to(self.curr.0);
        // Published on the node before the node is: no thread can have retired it, and the
        // exchange below releases the publication to every thread that then reaches the node
        // (and so to whichever unlinks and retires it, before its reclamation scans).
        let mut hazard = CachedHazard::<F>::acquire();
        hazard.hazard_pointer().protect_raw(node);
        // SAFETY: as in `insert`.
        let prev = unsafe { &*self.prev.0 };
        match prev.compare_exchange(self.curr.0, node) {
            Ok(()) => {
                // SAFETY: `hazard`, of `F`'s domain, protects the node since before it was
                // published (see above), so it stays allocated while the guard holds it; the
                // reference borrows the head for `'h`, which the chain's drop needs.
                let value = unsafe { &(*node).value };
                // SAFETY: as just said; the hazard moves into the guard with the value.
                Ok(unsafe { Protected::new(value, hazard) })
            }
            // SAFETY: the exchange failed, so `node` was not published: it is still ours.
            Err(_) => Err(unsafe { Owned::from_unpublished(node) }),
        }
    }

    /// Replaces the current node by `node` in one step, the current node's value by `node`'s
    /// for every reader: the one compare-and-exchange that marks the current node (deleting
    /// it, as [`remove`](Self::remove) does) also links `node` in its place, before the
    /// current node's successor. Then it tries to unlink (and retire) the current node, as
    /// `remove` does. What a map's value-replacing insert does: no reader finds neither the old
    /// value nor the new one.
    ///
    /// It returns a guard of the new value (as [`insert_protected`](Self::insert_protected)
    /// does). The cursor still stands before the replaced node, and [`current`](Self::current)
    /// still reads it, protected (even once retired): [`into_current`](Self::into_current)
    /// gives the old value as a guard.
    ///
    /// # Errors
    ///
    /// `Err(node)`, unpublished and linked to nothing, if the current node was deleted first
    /// (by another thread's removal or replacement), or if the cursor is at the end.
    pub fn replace(&mut self, node: Owned<T, F>) -> Result<Protected<'h, T, F>, Owned<T, F>> {
        let curr = self.curr.0;
        if curr.is_null() {
            return Err(node);
        }
        // SAFETY: `hazards[c]` protects `curr` (see `walk`).
        let old = unsafe { &*curr };
        let mut node = node;
        let mut next = old.next.load();
        let mut hazard = CachedHazard::<F>::acquire();
        let new = loop {
            if is_marked(next) {
                return Err(node);
            }
            let new = node.into_raw_linked_to(next);
            // As in `insert_protected`: published before the node is, released by the exchange.
            hazard.hazard_pointer().protect_raw(new);
            match old.next.compare_exchange(next, marked(new)) {
                // `curr` is deleted, its frozen link holds `new`, whose link holds `next`.
                Ok(()) => break new,
                Err(actual) => {
                    next = actual;
                    // SAFETY: the exchange failed, so `new` was not published: it is ours.
                    node = unsafe { Owned::from_unpublished(new) };
                }
            }
        };
        // SAFETY: `prev` is the head's link or the link of a node a hazard of the cursor
        // protects.
        let prev = unsafe { &*self.prev.0 };
        // As in `remove`: if `prev` still holds `curr`, `curr` is linked, and so is `new`, which
        // its marked link holds (invariant 4 of `link.rs`): unlinking puts a linked node in
        // `prev`, which takes over its ownership from `curr`'s frozen link.
        if prev.compare_exchange(curr, new).is_ok() {
            // SAFETY: this thread's exchange unlinked `curr`, which is marked (invariant 3).
            unsafe { retire(curr) };
        }
        // SAFETY: `hazard`, of `F`'s domain, protects `new` since before it was published, so it
        // stays allocated while the guard holds it; the reference borrows the head for `'h`.
        let value = unsafe { &(*new).value };
        // SAFETY: as just said; the hazard moves into the guard with the value.
        Ok(unsafe { Protected::new(value, hazard) })
    }
}
