//! The derive's methods for linked structures: `compare_exchange_without_retire_…` (push),
//! `compare_exchange_ptr_and_retire_…` (pop), `load_protected_…_and_link` (a queue's double
//! protection), and `Protected::load_link` / `ProtectedIn::load_link` (an alias such as a
//! queue's tail). Each value is counted: nothing leaks, nothing is freed twice (a second drop of
//! a `Counted` panics), and nothing protected is freed.

mod common;

use core::ptr;
use core::sync::atomic::{AtomicPtr as Link, Ordering};
use std::cell::Cell;

use common::{Counted, Counter, reclaim_global, reclaim_global_until};
use hazptr::{AtomicPtr, Domain, HazardProtected, InstanceFamily, Protected, ProtectedIn};

/// A node of a singly linked list: its link owns the next node, and dropping it drops nothing
/// but its payload.
struct Node {
    payload: Counted,
    next: Link<Node>,
}

fn node(payload: Counted, next: *mut Node) -> Box<Node> {
    Box::new(Node {
        payload,
        next: Link::new(next),
    })
}

/// A list in the global domain.
#[derive(HazardProtected)]
struct List {
    #[hazard(links)]
    head: AtomicPtr<Node>,
}

#[test]
fn without_retire_hands_the_old_value_to_the_caller_and_ptr_exchange_takes_it_back() {
    let counter = Counter::default();
    let list = List {
        head: hazptr::atomic_ptr(Node {
            payload: counter.make(1),
            next: Link::new(ptr::null_mut()),
        }),
    };
    let first = list.head.load_ptr();
    // Push: the new node's link takes over the old head, which must not be retired.
    assert!(
        list.compare_exchange_without_retire_head(first, node(counter.make(2), first))
            .is_ok()
    );
    // A push against a stale head fails and gives the node back, untouched.
    let stale = list
        .compare_exchange_without_retire_head(first, node(counter.make(3), first))
        .expect_err("the head moved");
    assert_eq!(stale.payload.value, 3);
    drop(stale);
    reclaim_global_until(|| counter.dropped() >= 1);
    assert_eq!(
        counter.dropped(),
        1,
        "only the stale node's payload is gone"
    );

    // Pop: move node 1 from node 2's link into the head, retiring node 2.
    let top = list.load_protected_head().unwrap();
    assert_eq!(top.payload.value, 2);
    let below = top.next.load(Ordering::Acquire);
    assert_eq!(below, first);
    // SAFETY: `below` is node 1, a live `Box`, not retired, owned by `top.next`, which drops
    // nothing and gives it up here; node 2 becomes unreachable from every field.
    let moved = unsafe { list.compare_exchange_ptr_and_retire_head(Some(&top), below) };
    assert!(moved.is_ok());
    reclaim_global_until(|| counter.dropped() >= 1);
    assert_eq!(
        counter.dropped(),
        1,
        "node 2 is retired but protected by `top`"
    );
    assert!(top.payload.is_intact());
    drop(top);
    reclaim_global_until(|| counter.dropped() >= 2);
    assert_eq!(counter.dropped(), 2, "node 2 freed once unprotected");
    assert_eq!(list.load_protected_head().unwrap().payload.value, 1);
    drop(list);
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!((counter.made(), counter.dropped()), (3, 3));
}

#[test]
fn a_failed_ptr_exchange_hands_the_pointer_back_and_retires_nothing() {
    let counter = Counter::default();
    let list = List {
        head: hazptr::atomic_ptr(Node {
            payload: counter.make(1),
            next: Link::new(ptr::null_mut()),
        }),
    };
    let new = Box::into_raw(node(counter.make(2), ptr::null_mut()));
    // SAFETY: `new` is a live `Box` this test owns; the field is not empty, so the exchange
    // against `None` fails and ownership stays here.
    let back = unsafe { list.compare_exchange_ptr_and_retire_head(None, new) };
    assert_eq!(back, Err(new));
    reclaim_global();
    assert_eq!(counter.dropped(), 0);
    // SAFETY: the exchange failed, so `new` is still this test's `Box`, freed once here.
    drop(unsafe { Box::from_raw(new) });
    assert_eq!(counter.dropped(), 1);
    // From empty: `None` matches, and the old (no) value retires nothing.
    assert!(list.clear_and_retire_head());
    let new = Box::into_raw(node(counter.make(3), ptr::null_mut()));
    // SAFETY: as above; the field is empty, so the exchange succeeds and the field owns `new`.
    assert!(unsafe { list.compare_exchange_ptr_and_retire_head(None, new) }.is_ok());
    drop(list);
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!((counter.made(), counter.dropped()), (3, 3));
}

#[test]
fn load_and_link_protects_both_values() {
    let counter = Counter::default();
    let list = List {
        head: hazptr::null_ptr(),
    };
    // SAFETY (each call below): nodes reachable through a `next` link are retired only after
    // the node holding the link has left `head`, or after they left the link.
    assert!(unsafe { list.load_protected_head_and_link(|n| &n.next) }.is_none());
    assert!(
        list.compare_exchange_without_retire_head(
            ptr::null(),
            node(counter.make(1), ptr::null_mut())
        )
        .is_ok()
    );
    let (a, b) = unsafe { list.load_protected_head_and_link(|n| &n.next) }.unwrap();
    assert_eq!((a.payload.value, b.is_none()), (1, true));
    drop((a, b));

    let second = Box::into_raw(node(counter.make(2), ptr::null_mut()));
    list.load_protected_head()
        .unwrap()
        .next
        .store(second, Ordering::Release);
    let (a, b) = unsafe { list.load_protected_head_and_link(|n| &n.next) }.unwrap();
    let b = b.unwrap();
    assert_eq!((a.payload.value, b.payload.value), (1, 2));
    // Pop node 1 (node 2 moves into the head), then retire node 2 too: `b` keeps it alive.
    // SAFETY: `second` is a live `Box` owned by node 1's link, which gives it up.
    assert!(unsafe { list.compare_exchange_ptr_and_retire_head(Some(&a), second) }.is_ok());
    assert!(list.clear_and_retire_head());
    drop(a);
    reclaim_global_until(|| counter.dropped() >= 1);
    assert_eq!(counter.dropped(), 1, "node 1 freed, node 2 still protected");
    assert!(b.payload.is_intact());
    drop(b);
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!((counter.made(), counter.dropped()), (2, 2));
}

#[test]
fn load_and_link_starts_again_when_the_field_moves_during_the_protection() {
    let counter = Counter::default();
    let list = List {
        head: hazptr::atomic_ptr(Node {
            payload: counter.make(1),
            next: Link::new(ptr::null_mut()),
        }),
    };
    let calls = Cell::new(0);
    // SAFETY: no node has a successor; the first call replaces (and retires) node 1 before its
    // link is validated, which the method must notice.
    let (a, b) = unsafe {
        list.load_protected_head_and_link(|n| {
            calls.set(calls.get() + 1);
            if calls.get() == 1 {
                list.swap_and_retire_head(Node {
                    payload: counter.make(2),
                    next: Link::new(ptr::null_mut()),
                });
            }
            &n.next
        })
    }
    .unwrap();
    assert_eq!(
        calls.get(),
        2,
        "the link was protected again from the new head"
    );
    assert_eq!((a.payload.value, b.is_none()), (2, true));
    drop((a, b));
    drop(list);
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!((counter.made(), counter.dropped()), (2, 2));
}

#[test]
fn load_link_protects_an_alias() {
    let counter = Counter::default();
    let list = List {
        head: hazptr::atomic_ptr(Node {
            payload: counter.make(1),
            next: Link::new(ptr::null_mut()),
        }),
    };
    let alias = Link::new(ptr::null_mut::<Node>());
    // SAFETY (both calls): `alias` holds null or the head node, which is retired only after the
    // alias is cleared below.
    assert!(unsafe { Protected::<Node>::load_link(&alias) }.is_none());
    alias.store(list.head.load_ptr(), Ordering::Release);
    let guard: Protected<'_, Node> = unsafe { Protected::load_link(&alias) }.unwrap();
    alias.store(ptr::null_mut(), Ordering::Release);
    assert!(list.clear_and_retire_head());
    reclaim_global();
    assert_eq!(counter.dropped(), 0, "the alias's guard protects node 1");
    assert_eq!(guard.payload.value, 1);
    drop(guard);
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!((counter.made(), counter.dropped()), (1, 1));
}

/// A stack in a domain of its own, whose head is never empty (a sentinel at the bottom).
#[derive(HazardProtected)]
struct OwnedStack {
    #[hazard(non_null, domain = domain, links)]
    head: AtomicPtr<Node, StackFamily>,
    domain: Domain<StackFamily>,
}

struct StackFamily;
impl InstanceFamily for StackFamily {}

impl OwnedStack {
    fn push(&self, payload: Counted) {
        let mut new = node(payload, ptr::null_mut());
        loop {
            let top = self.head.load_ptr();
            *new.next.get_mut() = top;
            match self.compare_exchange_without_retire_head(top, new) {
                Ok(()) => return,
                Err(back) => new = back,
            }
        }
    }

    /// Pops the top node (never the sentinel) and returns its payload's value.
    fn pop(&self) -> Option<u64> {
        loop {
            // SAFETY: a node is retired only when `head` leaves it, after the node above it.
            let (top, below) = unsafe { self.load_protected_head_and_link(|n| &n.next) };
            let _below = below?;
            // The raw pointer the link holds (not one derived from the guard): it carries the
            // `Box` allocation's provenance, which the field needs to free it.
            let below = top.next.load(Ordering::Acquire);
            // SAFETY: `below` is owned by `top.next`, which gives it up; not retired yet.
            if unsafe { self.compare_exchange_ptr_and_retire_head(&top, below) }.is_ok() {
                return Some(top.payload.value);
            }
        }
    }

    /// Frees every node below the head; the head itself is retired by the derive.
    fn free_links(&mut self) {
        let top = self.head.load_ptr();
        // SAFETY: `&mut self`: no other thread uses the stack; the head node is live.
        let mut below = unsafe { (*top).next.swap(ptr::null_mut(), Ordering::Relaxed) };
        while !below.is_null() {
            // SAFETY: each node below the head is owned by the link above it, which was just
            // emptied, so this frees it once; none is protected (no load reaches it any more).
            let node = unsafe { Box::from_raw(below) };
            below = node.next.load(Ordering::Relaxed);
        }
    }
}

#[test]
fn the_link_methods_work_in_a_per_instance_domain() {
    let counter = Counter::default();
    let mut stack = OwnedStack {
        domain: Domain::new(&StackFamily),
        head: hazptr::atomic_ptr(Node {
            payload: counter.make(0),
            next: Link::new(ptr::null_mut()),
        }),
    };
    for i in 1..=5 {
        stack.push(counter.make(i));
    }
    assert_eq!(stack.pop(), Some(5));
    assert_eq!(stack.pop(), Some(4));
    let alias = Link::new(stack.head.load_ptr());
    // SAFETY: `alias` holds the head node, which is retired only after the stack (and with it
    // the alias's guard, which borrows the domain) is gone.
    let top = unsafe { ProtectedIn::load_link(&alias, &stack.domain) }.unwrap();
    assert_eq!(top.payload.value, 3);
    drop(top);
    stack.free_links();
    assert_eq!(stack.load_protected_head().payload.value, 3);
    assert!(counter.dropped() >= 3, "the nodes below the head are freed");
    // Dropping the stack retires the head and drops the domain, which frees everything retired.
    drop(stack);
    assert_eq!((counter.made(), counter.dropped()), (6, 6));
}
