//! A Treiber stack (R. K. Treiber, "Systems Programming: Coping with Parallelism", IBM 1986):
//! a singly linked list whose head is swung by compare-and-swap, with popped nodes reclaimed
//! through hazard pointers.
//!
//! Ownership: `head` owns the top node, each node's `next` link owns the node below. A push
//! installs a fresh node whose link takes over the old top (`compare_exchange_without_retire_head`);
//! a pop moves the node below from the popped node's link into `head` and retires the popped
//! node (`compare_exchange_ptr_and_retire_head`). A pop protects the top node with one hazard
//! pointer, which also rules out ABA: a protected node cannot be freed, so its address cannot
//! come back as another node while the pop compares against it.

use core::mem::ManuallyDrop;
use core::ptr;
use core::sync::atomic::{AtomicPtr as Link, Ordering};

use hazptr::{AtomicPtr, HazardDrop, HazardProtected};

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
#[derive(HazardProtected)]
#[hazard(custom_drop)]
pub struct TreiberStack<T: Send + Sync + 'static> {
    #[hazard(links)]
    head: AtomicPtr<Node<T>>,
}

struct Node<T> {
    /// Moved out by the one pop that unlinks the node; `Node` has no `Drop`, so it is never
    /// dropped in place.
    value: ManuallyDrop<T>,
    /// The node below; written before the node is published, never changed afterwards.
    next: Link<Node<T>>,
}

impl<T: Send + Sync + 'static> TreiberStack<T> {
    /// An empty stack.
    #[must_use]
    pub fn new() -> Self {
        Self {
            head: hazptr::null_ptr(),
        }
    }

    /// Pushes `value` on top.
    pub fn push(&self, value: T) {
        let mut node = Box::new(Node {
            value: ManuallyDrop::new(value),
            next: Link::new(ptr::null_mut()),
        });
        loop {
            let top = self.head.load_ptr();
            *node.next.get_mut() = top;
            // The old top now belongs to `node.next`, so it must not be retired.
            match self.compare_exchange_without_retire_head(top, node) {
                Ok(()) => return,
                Err(back) => node = back,
            }
        }
    }

    /// Pops the top value; `None` if the stack is empty.
    pub fn pop(&self) -> Option<T> {
        loop {
            let top = self.load_protected_head()?;
            let below = top.next.load(Ordering::Acquire);
            // SAFETY: `below` is null or the node `top.next` owns, allocated as a `Box` by
            // `push` and not retired (only pops retire, and only the node they unlink from
            // `head`; `below` stays linked while `top` is in `head`). On success, ownership moves
            // from `top.next` (a plain link that drops nothing) to `head`. The unlinked `top`
            // cannot be protected anew: loads start from `head`, which no longer holds it.
            if unsafe { self.compare_exchange_ptr_and_retire_head(Some(&top), below) }.is_ok() {
                // SAFETY: only the pop whose exchange unlinked `top` reads its value, once;
                // other pops only read `next`; the guard keeps `top` allocated; `Node` never
                // drops `value`, so it is dropped once, by its new owner.
                return Some(unsafe { ptr::read(&raw const *top.value) });
            }
        }
    }

    /// Whether the stack was empty when looked at.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.head.load_ptr().is_null()
    }
}

impl<T: Send + Sync + 'static> Default for TreiberStack<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Send + Sync + 'static> HazardDrop for TreiberStack<T> {
    fn drop(&mut self) {
        // Drops every value left; each node is retired, and `head` is empty afterwards, so
        // the derive has nothing left to retire.
        while self.pop().is_some() {}
    }
}
