//! A Treiber stack (R. K. Treiber, "Systems Programming: Coping with Parallelism", IBM 1986):
//! a singly linked list whose head is swung by compare-and-swap, with popped nodes reclaimed
//! through hazard pointers (a pop protects the top node, which also rules out ABA), on hazptr's
//! linked-structure toolkit: [`hazptr::Stack`].
//!
//! No `unsafe` here: a value goes onto the stack by `push` and comes off by the one `pop` that
//! unlinks its node, and nobody reads it in place, so moving it out of a node that other pops
//! may still be reading is the toolkit's business, checked once, there.
//! `src/baseline/treiber.rs` is the same algorithm on raw `haphazard`, with its `unsafe`.

use hazptr::Stack;

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
pub struct TreiberStack<T: Send + 'static> {
    stack: Stack<T>,
}

impl<T: Send + 'static> TreiberStack<T> {
    /// An empty stack.
    #[must_use]
    pub fn new() -> Self {
        Self {
            stack: Stack::new(),
        }
    }

    /// Pushes `value` on top.
    pub fn push(&self, value: T) {
        self.stack.push(value);
    }

    /// Pops the top value; `None` if the stack is empty.
    pub fn pop(&self) -> Option<T> {
        self.stack.pop()
    }

    /// Whether the stack was empty when looked at.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.stack.is_empty()
    }
}

impl<T: Send + 'static> Default for TreiberStack<T> {
    fn default() -> Self {
        Self::new()
    }
}
