//! The Treiber stack on the toolkit's links (R. K. Treiber, "Systems Programming: Coping with
//! Parallelism", IBM 1986), with popped nodes reclaimed through hazard pointers (Michael,
//! "Hazard Pointers", IEEE TPDS 2004): a pop protects the top node, a push protects nothing.
//!
//! Ownership: `head` owns the top node, each node's link owns the node below. The invariants:
//!
//! 1. A node's link is set before the node is published, and never changes afterwards.
//! 2. A node leaves the stack only by the exchange that moves the head from it to its
//!    successor; that pop moves its value out and retires it, once. It is never linked again.
//!
//! Hence: if `head` holds `n` after a hazard pointer published `n`, `n` was not retired then,
//! and stays allocated while protected; and if the head still holds `n` when a pop's exchange
//! compares it, `n` never left (its address cannot have been reused while protected), so its
//! link still holds the node below it: no ABA.
//!
//! As in the queue, values are never lent in place: a value is read once, moved out by the pop
//! that unlinks its node, while other pops may still be reading that node's link.

use core::fmt;
use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::ptr;

use crate::reclaim::domain::Global;

use crate::linked::cursor::{Slot, protect};
use crate::linked::link::{Link, Owned, retire};
use crate::linked::queue::{OwnsValues, Values};
use crate::protect::hazard_cache::CachedHazard;
use crate::protect::hazard_cache::StaticDomain;
use crate::reclaim::barrier::LightFence;

/// A lock-free LIFO stack of `T`s (Treiber), whose popped nodes are retired into `F`'s static
/// domain (the global domain by default, or a
/// [`static_unique_domain!`](crate::static_unique_domain) family), without `unsafe` in the code
/// that uses it.
///
/// A pop protects the top node with one hazard pointer from the thread's cache, which also rules
/// out ABA; a push protects nothing. As with [`Queue`](crate::Queue), values are moved in and
/// out, never read in place by anyone else, so the stack is `Send` and `Sync` when `T` is
/// `Send`. Dropping the stack drops the values still in it.
///
/// ```
/// let stack: hazptr::Stack<u32> = hazptr::Stack::new();
/// stack.push(1);
/// stack.push(2);
/// assert_eq!(stack.pop(), Some(2));
/// assert_eq!(stack.pop(), Some(1));
/// assert_eq!(stack.pop(), None);
/// ```
pub struct Stack<T, F = Global> {
    /// Holds the top node, which it owns, or null.
    head: Link<MaybeUninit<T>, F>,
    _owns: OwnsValues<T, F>,
}

// SAFETY: the stack owns its values, so sending it sends the `T`s (dropped by the receiver).
unsafe impl<T: Send, F> Send for Stack<T, F> {}

// SAFETY: through `&Stack`, a thread moves `T`s in and out of nodes other threads hold: that sends
// them (`T: Send`). No `&T` is ever shared: a value is read only by the one pop that unlinks its
// node (invariant 2 of the module documentation), so `T: Sync` is not needed.
unsafe impl<T: Send, F> Sync for Stack<T, F> {}

impl<T, F> Stack<T, F> {
    /// An empty stack.
    #[must_use]
    pub fn new() -> Self {
        Self {
            head: Link::new(ptr::null_mut()),
            _owns: PhantomData,
        }
    }

    /// Whether the stack was empty when looked at (another thread may push or pop at once).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.head.load().is_null()
    }
}

impl<T: Send + 'static, F: StaticDomain> Stack<T, F> {
    /// Pushes `value` on top. Reads no node, so it needs no hazard pointer.
    pub fn push(&self, value: T) {
        self.head.push(Owned::new(MaybeUninit::new(value)));
    }

    /// Pops the top value; `None` if the stack is empty.
    pub fn pop(&self) -> Option<T> {
        let fence = LightFence::for_walk();
        // Taken here, inline (every pop of a stack that is not empty protects its top).
        let mut on_top: Slot<F> = Some(CachedHazard::acquire());
        loop {
            let top = protect(&self.head, self.head.load(), &mut on_top, fence);
            if top.is_null() {
                return None;
            }
            // SAFETY: `head` held `top` after `on_top` published it: `top` was not retired then
            // (invariant 2), and stays allocated while `on_top` protects it.
            let next = unsafe { &*top }.next.load();
            if self.head.compare_exchange(top, next).is_ok() {
                // SAFETY: `on_top` protects `top`, so it is allocated; it held a value since its
                // push, and this thread's exchange unlinked it, which happens once per node: so
                // this is the one read of the value, which moves it out, and nobody reads it in
                // place (invariant 2). `MaybeUninit` never drops it.
                let value = unsafe { (*top).value.assume_init_read() };
                // SAFETY: this thread's exchange unlinked `top` (invariant 2): it is in no link
                // a protection validates against any more, it was allocated by `Owned::new`, and
                // it is retired once, here; its value was moved out, and is not dropped again.
                unsafe { retire(top) };
                return Some(value);
            }
        }
    }
}

impl<T, F> Default for Stack<T, F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, F> Drop for Stack<T, F> {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no thread reads the chain; each node in it came from
        // `Owned::new`, holds a value pushed and not popped, is held by one link and was never
        // retired (invariant 2).
        unsafe { Values::new(self.head.load()) }.drop_all();
    }
}

impl<T, F> fmt::Debug for Stack<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stack")
            .field("is_empty", &self.is_empty())
            .finish()
    }
}
