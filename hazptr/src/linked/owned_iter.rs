//! Exclusive access to a chain: [`Head::iter_mut`] and [`Head`]'s `IntoIterator`, which need no
//! hazard pointer, since `&mut Head` (or owning it) means no cursor, guard or other thread can
//! reach the chain.
//!
//! Both yield the values of the nodes that are not deleted (whose own link is unmarked), in
//! order: a deleted node still in the chain (marked, not yet unlinked) holds a value that was
//! removed, or replaced by the node its link holds.

use core::iter::FusedIterator;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;

use crate::linked::link::{Head, Node, is_marked, unmarked};

impl<T, F> Head<T, F> {
    /// The values of the chain, in order, mutably: with `&mut self`, no other thread and no
    /// guard can read them meanwhile. Deleted values waiting to be unlinked are skipped.
    ///
    /// ```
    /// use hazptr::{Head, Owned};
    ///
    /// let mut list: Head<u32> = Head::new();
    /// list.push_front(Owned::new(2));
    /// list.push_front(Owned::new(1));
    /// list.iter_mut().for_each(|v| *v *= 10);
    /// assert_eq!(list.into_iter().collect::<Vec<_>>(), [10, 20]);
    /// ```
    pub fn iter_mut(&mut self) -> IterMut<'_, T, F> {
        IterMut {
            next: self.link().load(),
            _head: PhantomData,
        }
    }
}

impl<'h, T, F> IntoIterator for &'h mut Head<T, F> {
    type Item = &'h mut T;
    type IntoIter = IterMut<'h, T, F>;

    fn into_iter(self) -> IterMut<'h, T, F> {
        self.iter_mut()
    }
}

/// The iterator of [`Head::iter_mut`].
pub struct IterMut<'h, T, F> {
    /// The next node (with its mark, unused), or null.
    next: *mut Node<T, F>,
    _head: PhantomData<&'h mut Head<T, F>>,
}

// SAFETY: it lends `&mut T`s of a chain it borrows mutably, as a `&mut Head` would.
unsafe impl<T: Send, F> Send for IterMut<'_, T, F> {}

// SAFETY: as for `Send`: through `&IterMut` nothing is reachable.
unsafe impl<T: Sync, F> Sync for IterMut<'_, T, F> {}

impl<'h, T, F> Iterator for IterMut<'h, T, F> {
    type Item = &'h mut T;

    fn next(&mut self) -> Option<&'h mut T> {
        loop {
            let node = unmarked(self.next);
            // SAFETY: the chain is borrowed mutably for `'h`, so no other thread, cursor or guard
            // can reach it and no node of it is freed meanwhile; each node of the chain is held
            // by one link of it (invariants 2 and 4 of `link.rs`), so each is lent once.
            let node: &'h mut Node<T, F> = unsafe { node.as_mut() }?;
            self.next = node.next.load();
            if !is_marked(self.next) {
                return Some(&mut node.value);
            }
        }
    }
}

impl<T, F> FusedIterator for IterMut<'_, T, F> {}

impl<T, F> core::fmt::Debug for IterMut<'_, T, F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IterMut").finish_non_exhaustive()
    }
}

impl<T, F> IntoIterator for Head<T, F> {
    type Item = T;
    type IntoIter = IntoIter<T, F>;

    /// The values of the chain, in order, by value; the nodes are freed as it goes, and those
    /// left when it drops with it. Deleted values waiting to be unlinked are dropped, not
    /// yielded.
    fn into_iter(self) -> IntoIter<T, F> {
        // The chain moves to the iterator: the head must not free it (and holds nothing else
        // to drop).
        let head = ManuallyDrop::new(self);
        IntoIter {
            next: head.link().load(),
        }
    }
}

/// The iterator of [`Head`]'s `into_iter`: owns what is left of the chain.
pub struct IntoIter<T, F> {
    /// The next node (with its mark, unused), or null: the first node of the chain it owns.
    next: *mut Node<T, F>,
}

// SAFETY: it owns the rest of the chain, as a `Head` does.
unsafe impl<T: Send, F> Send for IntoIter<T, F> {}

// SAFETY: through `&IntoIter` nothing is reachable.
unsafe impl<T, F> Sync for IntoIter<T, F> {}

impl<T, F> IntoIter<T, F> {
    /// Takes the next node of the chain out, as a box.
    fn take(&mut self) -> Option<Box<Node<T, F>>> {
        let node = unmarked(self.next);
        if node.is_null() {
            return None;
        }
        // SAFETY: the iterator owns the rest of the chain (taken from a head it consumed, which
        // no cursor or guard borrowed); each node came from `Owned::new` and is held by one link
        // of it, and was never retired (invariant 3), so it is taken out once.
        let node = unsafe { Box::from_raw(node) };
        self.next = node.next.load();
        Some(node)
    }
}

impl<T, F> Iterator for IntoIter<T, F> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        loop {
            let node = self.take()?;
            if !is_marked(node.next.load()) {
                return Some(node.value);
            }
        }
    }
}

impl<T, F> FusedIterator for IntoIter<T, F> {}

impl<T, F> core::fmt::Debug for IntoIter<T, F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IntoIter").finish_non_exhaustive()
    }
}

impl<T, F> Drop for IntoIter<T, F> {
    fn drop(&mut self) {
        while self.take().is_some() {}
    }
}
