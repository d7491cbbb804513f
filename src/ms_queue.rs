//! A Michael–Scott queue (M. M. Michael and M. L. Scott, "Simple, Fast, and Practical
//! Non-Blocking and Blocking Concurrent Queue Algorithms", PODC 1996), with dequeued nodes
//! reclaimed through hazard pointers as in Michael, "Hazard Pointers", IEEE TPDS 2004, on
//! hazptr's linked-structure toolkit: [`hazptr::Queue`] keeps the dummy node, the tail that owns
//! nothing, and the invariant that makes the tail safe to protect (the head never passes it).
//! A dequeue protects the head and its successor (two hazard pointers), an enqueue the tail.
//!
//! No `unsafe` here: a value goes into the queue by `enqueue` and comes out by the one `dequeue`
//! that unlinks it, and nobody reads it in place, so moving it out of a node that other threads
//! may still be reading is the toolkit's business, checked once, there.
//! `src/baseline/ms_queue.rs` is the same algorithm on raw `haphazard`, with its `unsafe`.

use hazptr::Queue;

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
pub struct MsQueue<T: Send + 'static> {
    queue: Queue<T>,
}

impl<T: Send + 'static> MsQueue<T> {
    /// An empty queue.
    #[must_use]
    pub fn new() -> Self {
        Self {
            queue: Queue::new(),
        }
    }

    /// Appends `value` at the back.
    pub fn enqueue(&self, value: T) {
        self.queue.push(value);
    }

    /// Removes the front value; `None` if the queue is empty.
    pub fn dequeue(&self) -> Option<T> {
        self.queue.pop()
    }

    /// Whether the queue was empty when looked at.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

impl<T: Send + 'static> Default for MsQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}
