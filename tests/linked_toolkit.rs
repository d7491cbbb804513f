//! The linked-structure toolkit itself (`Head`, `Owned`, `Cursor`), apart from the structures
//! built on it: where a cursor stands after each operation, what a failed insertion hands back,
//! and a chain in a `static_unique_domain!` family, reclaimed by its own domain.

mod common;

use common::{Counted, Counter};
use hazptr::{Head, Owned, StaticDomain};

hazptr::static_unique_domain!(static CHAINS: Domain<ChainFamily>);

fn values<F: StaticDomain>(head: &Head<Counted, F>) -> Vec<u64> {
    let mut seen = Vec::new();
    head.cursor().seek(|v| {
        seen.push(v.value);
        false
    });
    seen
}

#[test]
fn a_new_cursor_stands_at_the_end_of_an_empty_chain() {
    let counter = Counter::default();
    let head: Head<Counted> = Head::new();
    let mut cursor = head.cursor();
    assert!(cursor.current().is_none());
    assert!(!cursor.remove(), "nothing to remove at the end");
    // Inserting at the end of an empty chain succeeds once; the second sees the chain changed.
    assert!(cursor.insert(Owned::new(counter.make(1))).is_ok());
    let back = cursor
        .insert(Owned::new(counter.make(2)))
        .expect_err("the head moved");
    assert_eq!(
        back.value, 2,
        "the failed insertion hands the node back, untouched"
    );
    assert_eq!(back.into_inner().value, 2);
    drop(cursor);
    assert_eq!(values(&head), [1]);
    assert!(!head.is_empty());
    drop(head);
    assert_eq!(counter.alive(), 0);
}

#[test]
fn seek_stands_before_the_first_match_and_insert_goes_before_it() {
    let counter = Counter::default();
    let head: Head<Counted> = Head::new();
    for value in [30, 10] {
        head.push_front(Owned::new(counter.make(value)));
    }
    let mut cursor = head.cursor();
    assert_eq!(cursor.seek(|v| v.value >= 20).map(|v| v.value), Some(30));
    assert!(cursor.insert(Owned::new(counter.make(20))).is_ok());
    // Still before 30, now behind 20: the link before it changed, so inserting fails.
    assert_eq!(cursor.current().map(|v| v.value), Some(30));
    assert!(cursor.insert(Owned::new(counter.make(25))).is_err());
    assert_eq!(cursor.seek(|v| v.value >= 100).map(|v| v.value), None);
    assert!(
        cursor.insert(Owned::new(counter.make(40))).is_ok(),
        "at the end"
    );
    drop(cursor);
    assert_eq!(values(&head), [10, 20, 30, 40]);
    let guard = {
        let mut cursor = head.cursor();
        cursor.seek(|v| v.value == 20);
        cursor.into_current().expect("20 is there")
    };
    assert_eq!(guard.value, 20);
    drop(guard);
    assert!(
        head.cursor().into_current().is_none(),
        "a new cursor stands at no node"
    );
}

#[test]
fn a_chain_of_a_static_unique_domain_is_reclaimed_by_that_domain() {
    let counter = Counter::default();
    let head: Head<Counted, ChainFamily> = Head::new();
    for value in 0..4 {
        head.push_front(Owned::new(counter.make(value)));
    }
    let mut cursor = head.cursor();
    for value in [3, 1] {
        cursor.seek(|v| v.value == value);
        assert!(cursor.remove());
        assert!(!cursor.remove(), "already removed");
    }
    // The last removed node is still protected by the cursor. (The removals wait in this
    // thread's batch of retirements until it is flushed.)
    hazptr::flush_retired();
    let _ = CHAINS.eager_reclaim();
    assert_eq!(
        counter.dropped(),
        1,
        "only the unprotected removed node is freed"
    );
    drop(cursor);
    hazptr::flush_retired();
    let _ = ChainFamily::domain().eager_reclaim();
    assert_eq!(counter.dropped(), 2);
    assert_eq!(values(&head), [2, 0]);
    drop(head);
    assert_eq!(counter.alive(), 0);
}

hazptr::static_unique_domain!(static WALKS: Domain<WalkFamily>);

/// A node whose removal could not unlink it (the link before it was frozen by another removal)
/// is unlinked by the next walk that passes; the walk then stands on the node it stops at, with
/// the hazard pointer that protects it, wherever it stops after the unlink (the walk's roles go
/// round three slots, and an unlink swaps two of them).
#[test]
fn a_walk_unlinks_what_a_removal_left_and_protects_where_it_stops() {
    for target in 3..8 {
        let counter = Counter::default();
        let head: Head<Counted, WalkFamily> = Head::new();
        for value in (0..8).rev() {
            head.push_front(Owned::new(counter.make(value)));
        }
        let mut late = head.cursor();
        late.seek(|v| v.value == 2);
        let mut early = head.cursor();
        early.seek(|v| v.value == 1);
        assert!(early.remove());
        drop(early);
        // 2 is marked, but the link before it (1's) is frozen: it stays linked, after 0.
        assert!(late.remove());
        drop(late);
        let guard = {
            let mut cursor = head.cursor();
            assert_eq!(
                cursor.seek(|v| v.value == target).map(|v| v.value),
                Some(target)
            );
            cursor.into_current().expect("the target is there")
        };
        assert_eq!(guard.value, target);
        assert_eq!(
            values(&head),
            [0].into_iter().chain(3..8).collect::<Vec<_>>(),
            "2 was unlinked"
        );
        let mut cursor = head.cursor();
        cursor.seek(|v| v.value == target);
        assert!(cursor.remove());
        drop(cursor);
        hazptr::flush_retired();
        let _ = WALKS.eager_reclaim();
        assert!(guard.is_intact());
        assert_eq!(
            counter.dropped(),
            2,
            "1 and 2 are freed, the guarded target is not"
        );
        drop(guard);
        hazptr::flush_retired();
        let _ = WALKS.eager_reclaim();
        assert_eq!(counter.dropped(), 3);
        drop(head);
        assert_eq!(counter.alive(), 0);
    }
}
