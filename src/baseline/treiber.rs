//! [`crate::treiber::TreiberStack`] written against raw `haphazard`: the same nodes and
//! algorithm, with a `HazardPointer` per pop, the `unsafe` pointer exchange, the `unsafe`
//! retirement, and a hand-written `Drop`.

use core::mem::ManuallyDrop;
use core::ptr;
use core::sync::atomic::{AtomicPtr as Link, Ordering};

use haphazard::{AtomicPtr, HazardPointer};

/// A lock-free LIFO stack, with hand-written hazard-pointer code.
pub struct TreiberStack<T: Send + Sync + 'static> {
    /// Owns the top node; every value is protected by, and retired into, the global domain.
    head: AtomicPtr<Node<T>>,
}

struct Node<T> {
    /// Moved out by the pop that unlinks the node; never dropped in place.
    value: ManuallyDrop<T>,
    /// The node below; written before the node is published.
    next: Link<Node<T>>,
}

impl<T: Send + Sync + 'static> TreiberStack<T> {
    /// An empty stack.
    #[must_use]
    pub fn new() -> Self {
        Self {
            // SAFETY: null is a valid, empty value for an `AtomicPtr`.
            head: unsafe { AtomicPtr::new(ptr::null_mut()) },
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
            // The old top is not retired: `node.next` owns it now (the `Replaced` is ignored).
            match self.head.compare_exchange(top, node) {
                Ok(_) => return,
                Err(back) => node = back,
            }
        }
    }

    /// Pops the top value; `None` if the stack is empty.
    ///
    /// # Panics
    ///
    /// Never: a successful exchange replaced a non-null node.
    pub fn pop(&self) -> Option<T> {
        let mut hazard = HazardPointer::new();
        loop {
            let top = self.head.safe_load(&mut hazard)?;
            let top_ptr = ptr::from_ref(top).cast_mut();
            let below = top.next.load(Ordering::Acquire);
            // SAFETY: `below` is null or a live node allocated as a `Box` by `push`, owned by
            // `top.next`, which hands it over to `head` if the exchange succeeds.
            if let Ok(old) = unsafe { self.head.compare_exchange_ptr(top_ptr, below) } {
                // SAFETY: only the pop that unlinked `top` reads its value, once; `Node` never
                // drops it; `hazard` keeps `top` allocated.
                let value = unsafe { ptr::read(&raw const *top.value) };
                let old = old.expect("the exchange replaced `top`, which is not null");
                // SAFETY: `old` is `top`, just unlinked from `head`, from which every load
                // starts; only this pop unlinked it, so it is retired once, into the global
                // domain, which protects every value of `head`.
                unsafe { old.retire() };
                return Some(value);
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

impl<T: Send + Sync + 'static> Drop for TreiberStack<T> {
    fn drop(&mut self) {
        // Drops every value left and retires every node; `head` ends empty (it has no `Drop`).
        while self.pop().is_some() {}
    }
}
