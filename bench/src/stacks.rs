//! Workload 6: Treiber stacks under each reclamation scheme, and the push/pop-pair workload.
//!
//! hazptr's stack is `hazptr_suite::treiber::TreiberStack`; the `crossbeam-epoch` and `seize`
//! stacks are written here the way each crate's documentation writes one.

use std::hint::black_box;
use std::mem::ManuallyDrop;
use std::ptr;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_epoch::{self as epoch, Atomic, Owned};
use seize::{Collector, Guard as _, reclaim};

/// A concurrent LIFO stack of `u64`.
pub trait Stack: Sync {
    /// Its name in tables.
    const NAME: &'static str;
    /// An empty stack.
    fn new() -> Self;
    /// Pushes `value`.
    fn push(&self, value: u64);
    /// Pops the most recently pushed value, if any.
    fn pop(&self) -> Option<u64>;
}

/// hazptr: `hazptr_suite::treiber::TreiberStack`, a wrapper of `hazptr::Stack`.
impl Stack for hazptr_suite::treiber::TreiberStack<u64> {
    const NAME: &'static str = "hazptr (TreiberStack)";

    fn new() -> Self {
        Self::new()
    }

    #[inline]
    fn push(&self, value: u64) {
        Self::push(self, value);
    }

    #[inline]
    fn pop(&self) -> Option<u64> {
        Self::pop(self)
    }
}

/// A node of [`EpochStack`].
struct EpochNode {
    value: u64,
    next: Atomic<EpochNode>,
}

/// A Treiber stack over `crossbeam-epoch`.
pub struct EpochStack {
    head: Atomic<EpochNode>,
}

impl Stack for EpochStack {
    const NAME: &'static str = "crossbeam-epoch";

    fn new() -> Self {
        Self {
            head: Atomic::null(),
        }
    }

    fn push(&self, value: u64) {
        let mut node = Owned::new(EpochNode {
            value,
            next: Atomic::null(),
        });
        let guard = epoch::pin();
        loop {
            let head = self.head.load(Ordering::Relaxed, &guard);
            node.next.store(head, Ordering::Relaxed);
            match self.head.compare_exchange(
                head,
                node,
                Ordering::Release,
                Ordering::Relaxed,
                &guard,
            ) {
                Ok(_) => return,
                Err(failed) => node = failed.new,
            }
        }
    }

    fn pop(&self) -> Option<u64> {
        let guard = epoch::pin();
        loop {
            let head = self.head.load(Ordering::Acquire, &guard);
            // SAFETY: nodes are only destroyed through `defer_destroy` after being unlinked, so a
            // node loaded under this pin stays valid until the pin ends.
            let node = unsafe { head.as_ref() }?;
            let next = node.next.load(Ordering::Relaxed, &guard);
            if self
                .head
                .compare_exchange(head, next, Ordering::Relaxed, Ordering::Relaxed, &guard)
                .is_ok()
            {
                let value = node.value;
                // SAFETY: the exchange unlinked `head` and only this thread's exchange did, so it
                // is destroyed once, after every pin that may still read it has ended.
                unsafe { guard.defer_destroy(head) };
                return Some(value);
            }
        }
    }
}

impl Drop for EpochStack {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no other thread can reach the nodes, so they are freed at once.
        unsafe {
            let guard = epoch::unprotected();
            let mut current = self.head.load(Ordering::Relaxed, guard);
            while !current.is_null() {
                let node = current.into_owned();
                current = node.next.load(Ordering::Relaxed, guard);
            }
        }
    }
}

/// A node of [`SeizeStack`].
struct SeizeNode {
    value: ManuallyDrop<u64>,
    next: *mut SeizeNode,
}

/// A Treiber stack over `seize`, with its own collector (as seize's guide builds one).
pub struct SeizeStack {
    head: AtomicPtr<SeizeNode>,
    collector: Collector,
}

impl Stack for SeizeStack {
    const NAME: &'static str = "seize";

    fn new() -> Self {
        Self {
            head: AtomicPtr::new(ptr::null_mut()),
            collector: Collector::new(),
        }
    }

    fn push(&self, value: u64) {
        let node = Box::into_raw(Box::new(SeizeNode {
            value: ManuallyDrop::new(value),
            next: ptr::null_mut(),
        }));
        let guard = self.collector.enter();
        loop {
            let head = guard.protect(&self.head, Ordering::Relaxed);
            // SAFETY: `node` is not published yet: this thread owns it.
            unsafe { (*node).next = head };
            if self
                .head
                .compare_exchange(head, node, Ordering::Release, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
        }
    }

    fn pop(&self) -> Option<u64> {
        let guard = self.collector.enter();
        loop {
            let head = guard.protect(&self.head, Ordering::Acquire);
            if head.is_null() {
                return None;
            }
            // SAFETY: nodes are only freed through `collector.retire` after being unlinked, so a
            // node protected by the entered guard stays valid while the guard lives.
            let next = unsafe { (*head).next };
            if self
                .head
                .compare_exchange(head, next, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                // SAFETY: as above, `head` is still valid; it is read before being retired.
                let value = unsafe { *(*head).value };
                // SAFETY: the exchange unlinked `head` (a `Box` allocation) and only this thread's
                // exchange did, so it is retired once, into the collector guarding the stack.
                unsafe { self.collector.retire(head, reclaim::boxed) };
                return Some(value);
            }
        }
    }
}

impl Drop for SeizeStack {
    fn drop(&mut self) {
        let mut current = *self.head.get_mut();
        while !current.is_null() {
            // SAFETY: `&mut self`: no guard of this stack is alive, so the remaining nodes are
            // owned here; each came from `Box::into_raw` and is freed once.
            let node = unsafe { Box::from_raw(current) };
            current = node.next;
        }
    }
}

/// `threads` threads each push then pop, repeatedly, for `duration`: millions of push/pop pairs
/// per second, all threads together.
#[must_use]
pub fn pairs_mops<S: Stack>(threads: usize, duration: Duration) -> f64 {
    let stack = S::new();
    let stop = AtomicBool::new(false);
    let pairs = AtomicU64::new(0);
    let start_line = Barrier::new(threads + 1);
    let elapsed = thread::scope(|scope| {
        for thread_index in 0..threads {
            let (stack, stop, pairs, start_line) = (&stack, &stop, &pairs, &start_line);
            scope.spawn(move || {
                start_line.wait();
                let mut done = 0u64;
                let mut value = (thread_index as u64) << 48;
                while !stop.load(Ordering::Relaxed) {
                    stack.push(value);
                    black_box(stack.pop());
                    value += 1;
                    done += 1;
                }
                pairs.fetch_add(done, Ordering::Relaxed);
            });
        }
        start_line.wait();
        let start = Instant::now();
        thread::sleep(duration);
        stop.store(true, Ordering::Relaxed);
        start.elapsed()
    });
    #[allow(clippy::cast_precision_loss)]
    let mops = pairs.into_inner() as f64 / elapsed.as_secs_f64() / 1e6;
    mops
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lifo<S: Stack>() {
        let stack = S::new();
        assert_eq!(stack.pop(), None);
        for v in 1..=3 {
            stack.push(v);
        }
        assert_eq!(
            [stack.pop(), stack.pop(), stack.pop(), stack.pop()],
            [Some(3), Some(2), Some(1), None]
        );
        stack.push(9);
    }

    #[test]
    fn stacks_are_lifo() {
        lifo::<hazptr_suite::treiber::TreiberStack<u64>>();
        lifo::<EpochStack>();
        lifo::<SeizeStack>();
    }

    #[test]
    fn concurrent_pairs_make_progress() {
        assert!(pairs_mops::<SeizeStack>(2, Duration::from_millis(10)) > 0.0);
        assert!(
            pairs_mops::<hazptr_suite::treiber::TreiberStack<u64>>(2, Duration::from_millis(10))
                > 0.0
        );
        assert!(pairs_mops::<EpochStack>(2, Duration::from_millis(10)) > 0.0);
    }
}
