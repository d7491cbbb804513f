//! The Michael–Scott queue on the toolkit's links (M. M. Michael and M. L. Scott, "Simple, Fast,
//! and Practical Non-Blocking and Blocking Concurrent Queue Algorithms", PODC 1996), with
//! dequeued nodes reclaimed through hazard pointers as in Michael, "Hazard Pointers", IEEE TPDS
//! 2004: a pop protects the head and its successor, a push protects the tail.
//!
//! Ownership: `head` owns the *dummy* node (the last one popped, or the initial one, whose value
//! is moved out or was never written), and each node's link owns its successor. `tail` owns
//! nothing: it points at the last node, or at the one before it while a push is between its two
//! exchanges, and only moves forward along links. The queue's invariants:
//!
//! 1. A node's link is set once, from null, by the push that links its successor; it is never
//!    marked (a queue deletes nothing from the middle).
//! 2. The head never passes the tail: a pop that finds them equal (with a successor behind)
//!    first helps the tail forward. So the head leaves a node only after the tail has.
//! 3. A node is retired only by the pop whose exchange moved the head off it (once: the head
//!    moves forward, and its hazard keeps the node's address from being reused meanwhile), and
//!    its value was moved out before, by the pop whose exchange made it the dummy.
//!
//! Hence: if `head` (or `tail`) holds `n` after a hazard pointer published `n`, `n` was not
//! retired when it was published (by 2 and 3, for the tail), and it stays allocated while the
//! hazard protects it; and if `head` still holds `d` after the successor `n` of `d` was
//! published, the head has not left `d`, so it has not left `n`: `n` was not retired either.
//!
//! With the asymmetric barrier (`barrier.rs`), protections use a compiler fence only, and every
//! node reaches the domain through the retiring thread's batch, after a heavy barrier. That
//! barrier came after the pop's exchange, so a reader's re-read after it sees the head moved; and
//! after the pop read the tail moved past the node (perhaps by another thread's exchange), so the
//! re-read sees the tail moved too: `membarrier` acts as a full barrier on every thread, and full
//! barriers are cumulative. A reader whose re-read still sees the node published its hazard
//! before the barrier, where the scan finds it.
//!
//! Values are never lent in place: a value is read once, moved out by the one pop that made its
//! node the dummy. That is why the queue needs only `T: Send` to be shared, and why a pop can
//! move the value out of a node other threads may still hold (as their dummy, reading only its
//! link) without any `unsafe` in the code that uses the queue.

use core::fmt;
use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::ptr;

use crate::reclaim::domain::Global;

use crate::linked::cursor::{Slot, protect, publish};
use crate::linked::link::{Link, Node, Owned, retire};
use crate::protect::hazard_cache::CachedHazard;
use crate::protect::hazard_cache::StaticDomain;
use crate::reclaim::barrier::LightFence;

/// A node of a queue or a [`Stack`](crate::Stack): its value is moved out by a pop (the one that
/// makes it a queue's dummy, or unlinks it from a stack), so the node never drops it
/// (`MaybeUninit`).
pub(crate) type ValueNode<T, F> = Node<MaybeUninit<T>, F>;

/// What a queue or a stack owns, for the drop check: nodes, and the `T`s in them (which
/// `MaybeUninit` alone would not say); and a raw pointer, which opts out of the automatic `Send`
/// and `Sync` the links would give for every `T` (each structure says when it is `Send` and
/// `Sync` instead).
pub(crate) type OwnsValues<T, F> = PhantomData<(Box<ValueNode<T, F>>, T, *const ())>;

/// A lock-free FIFO queue of `T`s (Michael–Scott), whose popped nodes are retired into `F`'s
/// static domain (the global domain by default, or a
/// [`static_unique_domain!`](crate::static_unique_domain) family), without `unsafe` in the code
/// that uses it.
///
/// A push protects one node (the tail) with a hazard pointer, a pop two (the head and its
/// successor), taken from the thread's cache. Values are moved in by [`push`](Self::push) and
/// out by [`pop`](Self::pop), never read in place by anyone else, so the queue is `Send` and
/// `Sync` when `T` is `Send` (a `T` that is not `Sync` may go through it). Dropping the queue
/// drops the values still in it; the nodes popped before are freed by a later reclamation of the
/// domain (their values were moved out).
///
/// ```
/// use std::thread;
///
/// let queue: hazptr::Queue<String> = hazptr::Queue::new();
/// thread::scope(|s| {
///     s.spawn(|| queue.push("a".to_string()));
///     s.spawn(|| queue.push("b".to_string()));
/// });
/// let mut popped = [queue.pop().unwrap(), queue.pop().unwrap()];
/// popped.sort();
/// assert_eq!(popped, ["a", "b"]);
/// assert_eq!(queue.pop(), None);
/// ```
pub struct Queue<T, F = Global> {
    /// Holds the dummy node, which it owns; never null.
    head: Link<MaybeUninit<T>, F>,
    /// Holds the last node, or the one before it; owns nothing; never null.
    tail: Link<MaybeUninit<T>, F>,
    _owns: OwnsValues<T, F>,
}

// SAFETY: the queue owns its values, so sending it sends the `T`s (dropped by the receiver).
unsafe impl<T: Send, F> Send for Queue<T, F> {}

// SAFETY: through `&Queue`, a thread moves `T`s in (`push`) and out (`pop`) of nodes other
// threads hold: that sends them (`T: Send`). No `&T` is ever shared: a value is read only by the
// one pop that moves it out (invariant 3 of the module documentation), so `T: Sync` is not needed.
unsafe impl<T: Send, F> Sync for Queue<T, F> {}

impl<T, F> Queue<T, F> {
    /// An empty queue (one dummy node, allocated now).
    #[must_use]
    pub fn new() -> Self {
        let dummy = Owned::<MaybeUninit<T>, F>::new(MaybeUninit::uninit())
            .into_raw_linked_to(ptr::null_mut());
        Self {
            head: Link::new(dummy),
            tail: Link::new(dummy),
            _owns: PhantomData,
        }
    }
}

impl<T: Send + 'static, F: StaticDomain> Queue<T, F> {
    /// Appends `value` at the back.
    pub fn push(&self, value: T) {
        let node = Owned::<MaybeUninit<T>, F>::new(MaybeUninit::new(value))
            .into_raw_linked_to(ptr::null_mut());
        let fence = LightFence::for_walk();
        // Taken here, inline (every push protects the tail), not by the cursor's cold `fill`.
        let mut on_tail: Slot<F> = Some(CachedHazard::acquire());
        loop {
            let last = protect(&self.tail, self.tail.load(), &mut on_tail, fence);
            // SAFETY: `tail` is never null, and held `last` after `on_tail` published it: `last`
            // was not retired then (the head leaves a node only after the tail has, and a node is
            // retired only when the head leaves it: invariants 2 and 3), and stays allocated
            // while `on_tail` protects it.
            let last = unsafe { &*last };
            let next = last.next.load();
            if next.is_null() {
                // Link the node: from here on `last`'s link owns it.
                if last.next.compare_exchange(ptr::null_mut(), node).is_ok() {
                    // Swing the tail to it; if this fails, another thread helped.
                    let _ = self
                        .tail
                        .compare_exchange(ptr::from_ref(last).cast_mut(), node);
                    return;
                }
            } else {
                // The tail lags behind the last node: help it forward, then try again.
                let _ = self
                    .tail
                    .compare_exchange(ptr::from_ref(last).cast_mut(), next);
            }
        }
    }

    /// Removes the front value; `None` if the queue is empty.
    pub fn pop(&self) -> Option<T> {
        let fence = LightFence::for_walk();
        // Every pop protects the head (taken here, inline); the successor's hazard pointer is
        // taken when there is one.
        let mut on_head: Slot<F> = Some(CachedHazard::acquire());
        let mut on_next: Slot<F> = None;
        loop {
            let dummy_ptr = protect(&self.head, self.head.load(), &mut on_head, fence);
            // SAFETY: `head` is never null, and held `dummy_ptr` after `on_head` published it:
            // not retired then (invariant 3), allocated while `on_head` protects it.
            let dummy = unsafe { &*dummy_ptr };
            let next = dummy.next.load();
            if next.is_null() {
                // The dummy is the last node: the head cannot have left it (it moves only to a
                // successor), so the queue was empty when its link was read.
                return None;
            }
            publish(&mut on_next, next, fence);
            if self.head.load() != dummy_ptr {
                // The head moved on: `next` may be gone already. Start again.
                continue;
            }
            // The head still held the dummy after `on_next` published `next`: the head had not
            // left the dummy, so not `next` either, which was not retired then.
            if self.tail.load() == dummy_ptr {
                // The tail still holds the dummy, behind `next`: help it forward first, so that
                // the head never passes the tail (invariant 2).
                let _ = self.tail.compare_exchange(dummy_ptr, next);
                continue;
            }
            if self.head.compare_exchange(dummy_ptr, next).is_ok() {
                // SAFETY: `on_next` protects `next` (validated above), so it is allocated. Its
                // value was written by `push` (only the first dummy has none, and it is nobody's
                // successor), and this thread's exchange made `next` the dummy, which happens
                // once per node: so this is the one read of the value, which moves it out, and
                // nobody reads it in place (invariant 3). `MaybeUninit` never drops it.
                let value = unsafe { (*next).value.assume_init_read() };
                // SAFETY: this thread's exchange moved the head off `dummy_ptr`, which the tail
                // had left (invariant 2): it is in no link a protection validates against any
                // more, it was allocated by `Owned::new`, and it is retired once, here. Its
                // value was moved out (or never written), and `MaybeUninit` does not drop it.
                unsafe { retire(dummy_ptr) };
                return Some(value);
            }
        }
    }

    /// Whether the queue was empty when looked at (another thread may push or pop at once).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        let mut on_head: Slot<F> = Some(CachedHazard::acquire());
        let dummy = protect(
            &self.head,
            self.head.load(),
            &mut on_head,
            LightFence::for_walk(),
        );
        // SAFETY: as in `pop`: `head` held `dummy` after it was published.
        unsafe { &*dummy }.next.load().is_null()
    }
}

impl<T, F> Default for Queue<T, F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, F> Drop for Queue<T, F> {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no thread reads the chain. The dummy came from `Owned::new` (a
        // `Box`), is held by the head alone and was never retired (only nodes the head left
        // are), so it is freed here once; its value was moved out or never written, and
        // `MaybeUninit` does not drop it.
        let dummy = unsafe { Box::from_raw(self.head.load()) };
        // SAFETY: as for the dummy, every node after it came from `Owned::new`, is held by one
        // link and was never retired; each holds a value pushed and not popped (values are
        // moved out only of nodes that become the dummy: invariant 3).
        let mut rest = unsafe { Values::new(dummy.next.load()) };
        drop(dummy);
        rest.drop_all();
    }
}

/// A chain of nodes that each hold a value and that nobody else reads any more (the nodes after
/// a dropped queue's dummy, or a dropped stack's), from the one it holds on. Dropping it drops
/// what is left, so that a value whose drop panics does not leak the others.
pub(crate) struct Values<T, F>(*mut ValueNode<T, F>);

impl<T, F> Values<T, F> {
    /// The chain from `first` on (null: none).
    ///
    /// # Safety
    ///
    /// Nobody else reads the chain any more (its structure is being dropped); each node of it
    /// came from [`Owned::new`], holds an initialised value, is held by exactly one link (the one
    /// before it) and was never retired.
    pub(crate) unsafe fn new(first: *mut ValueNode<T, F>) -> Self {
        Self(first)
    }

    /// Drops each value and frees each node, advancing past each node before its value drops.
    pub(crate) fn drop_all(&mut self) {
        while !self.0.is_null() {
            // SAFETY: `new`'s contract: nobody else reads the chain, and each node came from
            // `Owned::new`, is held by one link (the one before it: the loop leaves it first)
            // and was never retired, so it is freed here once.
            let node = unsafe { Box::from_raw(self.0) };
            self.0 = node.next.load();
            // SAFETY: `new`'s contract: each node holds an initialised value, read once, here
            // (the node is freed next).
            let value = unsafe { node.value.assume_init_read() };
            drop(node);
            drop(value);
        }
    }
}

impl<T, F> Drop for Values<T, F> {
    fn drop(&mut self) {
        // Only reached with nodes left when a value's drop panicked in `drop_all`.
        self.drop_all();
    }
}

impl<T, F> fmt::Debug for Queue<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue").finish_non_exhaustive()
    }
}
