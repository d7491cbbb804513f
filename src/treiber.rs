//! A Treiber stack (R. K. Treiber, "Systems Programming: Coping with Parallelism", IBM 1986):
//! a singly linked list whose head is swung by compare-and-swap, with popped nodes reclaimed
//! through hazard pointers, written on hazptr's linked-structure toolkit.
//!
//! Ownership is the toolkit's: the [`Head`] owns the top node, each node's link owns the node
//! below. A push publishes an [`Owned`] node in front
//! ([`Head::push_front`]), linked to the old top. A pop stands a cursor before the top node and
//! removes it: marking the node's link decides the one pop that takes its value, and the
//! cursor then unlinks and retires the node (or a later pop does, if a push got in between).
//! The cursor protects the top node with a hazard pointer, which also rules out ABA.
//!
//! One `unsafe` block is left: moving the value out of the popped node, which stays readable
//! (other pops may still be reading its link) until it is reclaimed. The toolkit cannot know that
//! nobody reads the value in place; this stack knows, since it never lends a reference to it.

use core::mem::ManuallyDrop;
use core::ptr;

use hazptr::{Head, Owned};

/// A lock-free LIFO stack.
///
/// ```
/// let stack = hazptr_suite::treiber::TreiberStack::new();
/// stack.push(1);
/// stack.push(2);
/// assert_eq!(stack.pop(), Some(2));
/// assert_eq!(stack.pop(), Some(1));
/// assert_eq!(stack.pop(), None);
/// ```
pub struct TreiberStack<T: Send + Sync + 'static> {
    /// Each value is moved out by the one pop that marks its node; `ManuallyDrop`, so that the
    /// node, reclaimed later or freed with the head, never drops it in place.
    head: Head<ManuallyDrop<T>>,
}

impl<T: Send + Sync + 'static> TreiberStack<T> {
    /// An empty stack.
    #[must_use]
    pub fn new() -> Self {
        Self { head: Head::new() }
    }

    /// Pushes `value` on top.
    pub fn push(&self, value: T) {
        self.head.push_front(Owned::new(ManuallyDrop::new(value)));
    }

    /// Pops the top value; `None` if the stack is empty.
    pub fn pop(&self) -> Option<T> {
        let mut cursor = self.head.cursor();
        loop {
            // Before the first node not popped yet (unlinking popped ones on the way).
            cursor.seek(|_| true)?;
            if cursor.remove() {
                let top = cursor.current()?;
                // SAFETY: this pop marked the node, which happens once per node, so it is the
                // only one to read the value, once; no code reads a stack node's value in place
                // (pops read values only after marking, and nothing else lends them); the
                // cursor's hazard pointer keeps the node allocated meanwhile; `ManuallyDrop`
                // never drops it in place: it is dropped once, by its new owner.
                return Some(unsafe { ptr::read(&raw const **top) });
            }
            // Another pop marked it first: look again.
        }
    }

    /// Whether the stack was empty when looked at.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.head.cursor().seek(|_| true).is_none()
    }
}

impl<T: Send + Sync + 'static> Default for TreiberStack<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Send + Sync + 'static> Drop for TreiberStack<T> {
    fn drop(&mut self) {
        // Drops every value left (each node is retired); the head then frees the nodes still
        // linked, whose values were taken.
        while self.pop().is_some() {}
    }
}
