//! [`crate::ms_queue::MsQueue`] (on `hazptr::Queue`) written against raw `haphazard`: the same nodes and algorithm,
//! with hand-managed hazard pointers (one for an enqueue, two for a dequeue, validated by hand),
//! `unsafe` dereferences, exchanges and retirements, and a hand-written `Drop`.

use core::mem::MaybeUninit;
use core::ptr;
use core::sync::atomic::Ordering;
// haphazard's `protect_ptr` takes its own atomic type, which is loom's under `--cfg loom`.
#[cfg(not(loom))]
use core::sync::atomic::AtomicPtr as Link;
#[cfg(loom)]
use loom::sync::atomic::AtomicPtr as Link;

use haphazard::{AtomicPtr, Domain, HazardPointer};

/// A lock-free FIFO queue, with hand-written hazard-pointer code.
pub struct MsQueue<T: Send + Sync + 'static> {
    /// Owns the dummy node; never null; protected by, and retired into, the global domain.
    head: AtomicPtr<Node<T>>,
    /// The last node, or the one before it; owns nothing.
    tail: Link<Node<T>>,
}

struct Node<T> {
    /// Initialised in every node but the first dummy; moved out once, never dropped in place.
    value: MaybeUninit<T>,
    /// The next node, owned by this link until a dequeue moves it into `head`.
    next: Link<Node<T>>,
}

impl<T: Send + Sync + 'static> MsQueue<T> {
    /// An empty queue.
    #[must_use]
    pub fn new() -> Self {
        let head = AtomicPtr::from(Box::new(Node {
            value: MaybeUninit::uninit(),
            next: Link::new(ptr::null_mut()),
        }));
        let tail = Link::new(head.load_ptr());
        Self { head, tail }
    }

    /// Appends `value` at the back.
    pub fn enqueue(&self, value: T) {
        let node = Box::into_raw(Box::new(Node {
            value: MaybeUninit::new(value),
            next: Link::new(ptr::null_mut()),
        }));
        let mut hazard = HazardPointer::new();
        loop {
            let Some((last, _)) = hazard.protect_ptr(&self.tail) else {
                unreachable!("the tail is never null")
            };
            // SAFETY: `hazard` protects `last`, validated against `tail`; a node is retired only
            // after the head, which never passes the tail, left it, so after it left `tail`.
            let last = unsafe { last.as_ref() };
            let next = last.next.load(Ordering::Acquire);
            if next.is_null() {
                if last
                    .next
                    .compare_exchange(ptr::null_mut(), node, Ordering::Release, Ordering::Relaxed)
                    .is_ok()
                {
                    let _ = self.advance_tail(last, node);
                    return;
                }
            } else {
                let _ = self.advance_tail(last, next);
            }
        }
    }

    /// Removes the front value; `None` if the queue is empty.
    ///
    /// # Panics
    ///
    /// Never: the head always holds a node.
    pub fn dequeue(&self) -> Option<T> {
        let mut hazards = HazardPointer::many::<2>();
        let [hazard_dummy, hazard_first] = hazards.as_refs();
        loop {
            let dummy = self
                .head
                .safe_load(hazard_dummy)
                .expect("head is never null");
            let dummy_ptr = ptr::from_ref(dummy).cast_mut();
            let (first, _) = hazard_first.protect_ptr(&dummy.next)?;
            if self.head.load_ptr() != dummy_ptr {
                // `first` may have been retired before its protection: start again.
                continue;
            }
            if ptr::eq(self.tail.load(Ordering::Acquire), dummy) {
                let _ = self.advance_tail(dummy, first.as_ptr());
                continue;
            }
            // SAFETY: `first` is a live `Box` node owned by `dummy.next`, which hands it over to
            // `head` if the exchange succeeds.
            if let Ok(old) = unsafe { self.head.compare_exchange_ptr(dummy_ptr, first.as_ptr()) } {
                // SAFETY: `hazard_first` protects `first`, validated while `dummy` was still the
                // head (a node is retired only after the head left its predecessor); its value
                // is initialised, read once, by this dequeue, and never dropped in place.
                let value = unsafe { first.as_ref().value.assume_init_read() };
                let old = old.expect("the exchange replaced `dummy`, which is not null");
                // SAFETY: `old` (`dummy`) was just unlinked from `head`, and the tail has left
                // it; loads through its predecessor's link are validated against `head`; only
                // this dequeue unlinked it, so it is retired once, into the global domain.
                unsafe { old.retire() };
                return Some(value);
            }
        }
    }

    fn advance_tail(&self, from: &Node<T>, to: *mut Node<T>) -> Result<(), ()> {
        self.tail
            .compare_exchange(
                ptr::from_ref(from).cast_mut(),
                to,
                Ordering::Release,
                Ordering::Relaxed,
            )
            .map(drop)
            .map_err(drop)
    }

    /// Whether the queue was empty when looked at.
    ///
    /// # Panics
    ///
    /// Never: the head always holds a node.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        let mut hazard = HazardPointer::new();
        let dummy = self
            .head
            .safe_load(&mut hazard)
            .expect("head is never null");
        dummy.next.load(Ordering::Acquire).is_null()
    }
}

impl<T: Send + Sync + 'static> Default for MsQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Send + Sync + 'static> Drop for MsQueue<T> {
    fn drop(&mut self) {
        while self.dequeue().is_some() {}
        // SAFETY: the dummy is the head's last value, allocated as a `Box`; `head` is never
        // used again, so it is retired once, into the global domain that protects it.
        unsafe {
            Domain::global().retire_ptr::<Node<T>, Box<Node<T>>>(self.head.load_ptr());
        }
    }
}
