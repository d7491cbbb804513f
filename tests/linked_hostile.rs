//! The linked-structure toolkit in an attacker's hands: a crate that forbids `unsafe` and tries
//! to reach freed memory or a double free through `Head`, `Owned` and `Cursor` alone. Predicates
//! that panic (caught, the cursor used again), that re-enter the chain and remove the very node
//! the outer cursor stands on, that lie about the order; a cursor forgotten while its head is
//! dropped; values whose drop panics during reclamation. Run under Miri (`scripts/miri.sh`),
//! which reports any invalid access; the tests also count drops.
#![forbid(unsafe_code)]

mod common;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Counted, Counter, reclaim_global_until};
use hazptr::{Head, Owned};

fn chain(counter: &Counter, values: impl IntoIterator<Item = u64>) -> Head<Counted> {
    let head = Head::new();
    for value in values {
        head.push_front(Owned::new(counter.make(value)));
    }
    head
}

#[test]
fn a_panicking_predicate_leaves_a_usable_cursor() {
    let counter = Counter::default();
    let head = chain(&counter, [3, 2, 1]);
    let mut cursor = head.cursor();
    let caught = panic::catch_unwind(AssertUnwindSafe(|| {
        cursor.seek(|v| {
            if v.value == 2 {
                panic!("predicate")
            } else {
                false
            }
        });
    }));
    assert!(caught.is_err());
    // Whatever the cursor stands on now is protected and readable.
    if let Some(value) = cursor.current() {
        assert!(value.is_intact());
    }
    assert_eq!(cursor.seek(|v| v.value == 3).map(|v| v.value), Some(3));
    assert!(cursor.remove());
    assert!(cursor.current().is_some_and(Counted::is_intact));
    drop(cursor);
    drop(head);
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!(counter.alive(), 0);
}

#[test]
fn a_predicate_that_removes_the_node_under_the_outer_cursor() {
    let counter = Counter::default();
    let head = chain(&counter, [4, 3, 2, 1]);
    let mut outer = head.cursor();
    let found = outer.seek(|v| {
        if v.value == 2 {
            // Remove 2 (the node being looked at) and 3 through another cursor, and reclaim.
            let mut inner = head.cursor();
            for target in [2, 3] {
                assert_eq!(
                    inner.seek(|w| w.value == target).map(|w| w.value),
                    Some(target)
                );
                assert!(inner.remove());
            }
            drop(inner);
            hazptr::reclaim();
            // `v` is still protected by the outer cursor.
            assert!(v.is_intact());
            return true;
        }
        false
    });
    assert_eq!(found.map(|v| v.value), Some(2));
    // The outer cursor stands on a removed node: removing or inserting there changes nothing.
    assert!(!outer.remove());
    let back = outer.insert(Owned::new(counter.make(9)));
    assert!(
        back.is_err(),
        "inserted next to a node that is no longer linked"
    );
    drop(back);
    let mut left = Vec::new();
    assert!(
        outer
            .seek(|v| {
                left.push(v.value);
                false
            })
            .is_none()
    );
    assert_eq!(left, [1, 4]);
    drop(outer);
    drop(head);
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!(counter.alive(), 0);
}

#[test]
fn a_lying_order_breaks_no_memory() {
    let counter = Counter::default();
    let head: Head<Counted> = Head::new();
    let mut flip = 0u64;
    for value in 0..40 {
        let mut cursor = head.cursor();
        let mut node = Owned::new(counter.make(value));
        loop {
            flip = flip.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            cursor.seek(|_| flip >> 63 == 1);
            match cursor.insert(node) {
                Ok(()) => break,
                Err(back) => node = back,
            }
        }
        if value % 3 == 0 {
            cursor.seek(|_| true);
            cursor.remove();
        }
    }
    drop(head);
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!(counter.made(), counter.dropped());
}

// A domain of its own for the forgotten cursor below: its hazard pointers stay published for
// ever, and in the global domain they would keep another test's value at a reused address from
// being reclaimed.
hazptr::static_unique_domain!(static FORGOTTEN: Domain<ForgottenFamily>);

#[test]
fn a_forgotten_cursor_and_a_dropped_head() {
    let counter = Counter::default();
    let head: Head<Counted, ForgottenFamily> = Head::new();
    for value in [2, 1] {
        head.push_front(Owned::new(counter.make(value)));
    }
    let mut cursor = head.cursor();
    cursor.seek(|_| true);
    // Its hazard pointers stay published (leaked), but nothing can read through them.
    std::mem::forget(cursor);
    drop(head);
    assert_eq!(counter.alive(), 0, "the head frees what is linked at once");
}

#[test]
fn a_value_whose_drop_panics_during_reclamation() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::SeqCst);
            panic!("bomb");
        }
    }
    let head: Head<Bomb> = Head::new();
    for _ in 0..3 {
        head.push_front(Owned::new(Bomb));
    }
    for _ in 0..3 {
        // The removal retires the node; a reclamation it triggers may resume the panic here.
        let _ = panic::catch_unwind(AssertUnwindSafe(|| {
            let mut cursor = head.cursor();
            cursor.seek(|_| true);
            assert!(cursor.remove());
        }));
    }
    assert!(head.is_empty() || head.cursor().seek(|_| true).is_none());
    drop(head);
    // The reclamation that frees a bomb resumes its panic once it has freed the rest.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while DROPS.load(Ordering::SeqCst) < 3 && std::time::Instant::now() < deadline {
        let _ = panic::catch_unwind(hazptr::reclaim);
    }
    assert_eq!(DROPS.load(Ordering::SeqCst), 3);
}
