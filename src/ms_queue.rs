//! A Michael–Scott queue (M. M. Michael and M. L. Scott, "Simple, Fast, and Practical
//! Non-Blocking and Blocking Concurrent Queue Algorithms", PODC 1996), with dequeued nodes
//! reclaimed through hazard pointers as in Michael, "Hazard Pointers", IEEE TPDS 2004: a dequeue
//! protects the head and its successor (two hazard pointers), an enqueue protects the tail.
//!
//! Ownership: `head` owns the dummy node (the last one dequeued, or the initial one), each
//! node's `next` link owns its successor. `tail` owns nothing: it points at the last or the
//! second-to-last node, and only ever moves forward. The head never passes the tail (a dequeue
//! that finds them equal first helps the tail forward), so a node is retired, when the head
//! leaves it, only after the tail has left it too.

use core::mem::MaybeUninit;
use core::ptr;
use core::sync::atomic::{AtomicPtr as Link, Ordering};

use hazptr::{AtomicPtr, HazardDrop, HazardProtected, Protected};

/// A lock-free FIFO queue.
///
/// ```
/// let queue = hazptr_suite::ms_queue::MsQueue::new();
/// queue.enqueue("a");
/// queue.enqueue("b");
/// assert_eq!(queue.dequeue(), Some("a"));
/// assert_eq!(queue.dequeue(), Some("b"));
/// assert_eq!(queue.dequeue(), None);
/// ```
#[derive(HazardProtected)]
#[hazard(custom_drop)]
pub struct MsQueue<T: Send + Sync + 'static> {
    #[hazard(non_null, links)]
    head: AtomicPtr<Node<T>>,
    /// The last node, or the one before it while an enqueue is between its two steps.
    tail: Link<Node<T>>,
}

struct Node<T> {
    /// Initialised in every node but the first dummy; moved out by the one dequeue that makes
    /// the node the new dummy. `MaybeUninit` never drops it in place.
    value: MaybeUninit<T>,
    /// The next node, which this link owns until a dequeue moves it into `head`; set once,
    /// from null.
    next: Link<Node<T>>,
}

impl<T: Send + Sync + 'static> MsQueue<T> {
    /// An empty queue.
    #[must_use]
    pub fn new() -> Self {
        let dummy = Box::new(Node {
            value: MaybeUninit::uninit(),
            next: Link::new(ptr::null_mut()),
        });
        let head = AtomicPtr::from(dummy);
        let tail = Link::new(head.load_ptr());
        Self { head, tail }
    }

    /// Appends `value` at the back.
    pub fn enqueue(&self, value: T) {
        let node = Box::into_raw(Box::new(Node {
            value: MaybeUninit::new(value),
            next: Link::new(ptr::null_mut()),
        }));
        loop {
            // SAFETY: `tail` only points at nodes of this queue, which are retired into the
            // global domain, by a dequeue, only once the head has left them; the head never
            // passes the tail, so a node is retired only after it has left `tail`.
            let Some(last): Option<Protected<'_, Node<T>>> =
                (unsafe { Protected::load_link(&self.tail) })
            else {
                unreachable_null_tail()
            };
            let next = last.next.load(Ordering::Acquire);
            if next.is_null() {
                // Link the node: from here on `last.next` owns it.
                if last
                    .next
                    .compare_exchange(ptr::null_mut(), node, Ordering::Release, Ordering::Relaxed)
                    .is_ok()
                {
                    // Swing the tail to the new node; if this fails, another thread helped.
                    let _ = self.advance_tail(&last, node);
                    return;
                }
            } else {
                // The tail lags behind the last node: help it forward, then retry.
                let _ = self.advance_tail(&last, next);
            }
        }
    }

    /// Removes the front value; `None` if the queue is empty.
    pub fn dequeue(&self) -> Option<T> {
        loop {
            // SAFETY: a node that `dummy.next` holds is retired only after the head leaves
            // `dummy` (nodes are retired by dequeues, when the head moves past them, and the head
            // moves past `dummy` first).
            let (dummy, first) = unsafe { self.load_protected_head_and_link(|node| &node.next) };
            let first = first?;
            // `first` again, as the raw pointer the link holds: it keeps the provenance of the
            // `Box` allocation, which the field needs to free it one day (a pointer derived from
            // the guard's shared reference would not do). The link never changes once set.
            let new_dummy = dummy.next.load(Ordering::Acquire);
            if ptr::eq(self.tail.load(Ordering::Acquire), Protected::as_ptr(&dummy)) {
                // The tail still points at the dummy, behind `first`: help it forward first, so
                // that the head never passes the tail.
                let _ = self.advance_tail(&dummy, new_dummy);
                continue;
            }
            // SAFETY: `new_dummy` was allocated as a `Box` by `enqueue` and is owned by
            // `dummy.next`, a plain link that drops nothing, which gives it up to `head` if the
            // exchange succeeds; it is not retired (the head has not left it). The unlinked
            // `dummy` cannot be protected anew: loads start from `head`, or from `tail`, which
            // has left it, or from a predecessor's `next`, validated against `head`.
            if unsafe { self.compare_exchange_ptr_and_retire_head(&dummy, new_dummy) }.is_ok() {
                // SAFETY: `first` holds an initialised value (only the first dummy does not,
                // and it is never anyone's successor); this thread's exchange made `first` the
                // new dummy, which happens once per node, so nobody else reads the value, and
                // `MaybeUninit` never drops it: it is dropped once, by its new owner. The guard
                // keeps `first` allocated meanwhile.
                return Some(unsafe { first.value.assume_init_read() });
            }
        }
    }

    /// Moves the tail from `from` to `to`, the node `from.next` holds.
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
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.load_protected_head()
            .next
            .load(Ordering::Acquire)
            .is_null()
    }
}

/// `tail` always points at a node: it starts at the first dummy and only moves along links.
#[cold]
fn unreachable_null_tail() -> ! {
    unreachable!("the tail of a queue is never null")
}

impl<T: Send + Sync + 'static> Default for MsQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Send + Sync + 'static> HazardDrop for MsQueue<T> {
    fn drop(&mut self) {
        // Drops every value left and retires every node but the dummy, which the derive
        // retires next (its value was moved out, or never written).
        while self.dequeue().is_some() {}
    }
}
