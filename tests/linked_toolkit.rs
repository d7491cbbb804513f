//! The linked-structure toolkit itself (`Head`, `Owned`, `Cursor`, `Queue`, `Stack`), apart from
//! the structures built on it: where a cursor stands after each operation, what a failed insertion
//! hands back, what `Head::find` protects and unlinks, a chain in a `static_unique_domain!` family,
//! reclaimed by its own domain, and how the queue and the stack own their values and nodes.
#![forbid(unsafe_code)]

mod common;

use common::{Counted, Counter};
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::thread;

use hazptr::{Head, Owned, Protected, Queue, Stack, StaticDomain};

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
    let _ = CHAINS.reclaim();
    assert_eq!(
        counter.dropped(),
        1,
        "only the unprotected removed node is freed"
    );
    drop(cursor);
    hazptr::flush_retired();
    let _ = ChainFamily::domain().reclaim();
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
    unlinks_what_a_removal_left_and_protects_where_it_stops::<WalkFamily>(|head, target| {
        let mut cursor = head.cursor();
        assert_eq!(
            cursor.seek(|v| v.value == target).map(|v| v.value),
            Some(target)
        );
        cursor.into_current().expect("the target is there")
    });
}

hazptr::static_unique_domain!(static FIND_UNLINKS: Domain<FindUnlinkFamily>);

/// A deleted node that `Head::find` meets on its way is unlinked (by the cursor's walk it falls
/// back to) before `find` goes past it, and the guard protects where it stops.
#[test]
fn find_unlinks_what_a_removal_left_and_protects_where_it_stops() {
    unlinks_what_a_removal_left_and_protects_where_it_stops::<FindUnlinkFamily>(|head, target| {
        let mut asked = Vec::new();
        let guard = head
            .find(|v| {
                asked.push(v.value);
                v.value == target
            })
            .expect("the target is there");
        assert!(
            !asked.contains(&2),
            "`stop` is not asked about a deleted node"
        );
        guard
    });
}

/// For each target from 3 to 7, on the chain 0..8 of `F`'s domain: removes 1, then 2 (whose
/// unlink fails, 1's link being frozen), looks the target up with `lookup` (which must walk past
/// 2), and checks that 2 was unlinked, and that the guard keeps the target alive through its
/// removal and a reclamation of the domain.
fn unlinks_what_a_removal_left_and_protects_where_it_stops<F: StaticDomain>(
    lookup: for<'h> fn(&'h Head<Counted, F>, u64) -> Protected<'h, Counted, F>,
) {
    for target in 3..8 {
        let counter = Counter::default();
        let head: Head<Counted, F> = Head::new();
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
        let guard = lookup(&head, target);
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
        let _ = F::domain().reclaim();
        assert!(guard.is_intact());
        assert_eq!(
            counter.dropped(),
            2,
            "1 and 2 are freed, the guarded target is not"
        );
        drop(guard);
        hazptr::flush_retired();
        let _ = F::domain().reclaim();
        assert_eq!(counter.dropped(), 3);
        drop(head);
        assert_eq!(counter.alive(), 0);
    }
}

hazptr::static_unique_domain!(static FINDS: Domain<FindFamily>);

/// `Head::find` hands out the hazard pointer that protects the node it stops at, whether it stops
/// at the first node (one hazard pointer, taken inline) or further (two, swapping roles at each
/// node): the guard keeps a removed node's value alive through a reclamation.
#[test]
fn find_protects_the_node_it_stops_at() {
    let counter = Counter::default();
    let head: Head<Counted, FindFamily> = Head::new();
    assert!(head.find(|_| true).is_none(), "an empty chain");
    for value in (0..8).rev() {
        head.push_front(Owned::new(counter.make(value * 10)));
    }
    assert!(head.find(|v| v.value > 70).is_none(), "past the end");
    for (freed, target) in (0..8u64).map(|v| v * 10).enumerate() {
        let guard = head
            .find(|v| v.value >= target.saturating_sub(5))
            .expect("the target is there");
        assert_eq!(guard.value, target);
        let mut cursor = head.cursor();
        assert_eq!(
            cursor.seek(|v| v.value == target).map(|v| v.value),
            Some(target)
        );
        assert!(cursor.remove());
        drop(cursor);
        hazptr::flush_retired();
        let _ = FINDS.reclaim();
        assert!(guard.is_intact());
        assert_eq!(counter.dropped(), freed, "the guarded node is not freed");
        drop(guard);
        hazptr::flush_retired();
        let _ = FINDS.reclaim();
        assert_eq!(counter.dropped(), freed + 1, "freed once the guard is gone");
    }
    assert!(head.is_empty());
}

/// What the value-moving structures, [`Queue`] and [`Stack`], have in common: the tests below run
/// on both.
trait Moves<T>: Default + Sync {
    fn push(&self, value: T);
    fn pop(&self) -> Option<T>;
    fn is_empty(&self) -> bool;
    /// Whether values come out in the order they went in.
    const FIFO: bool;
}

macro_rules! impl_moves {
    ($($structure:ident: $fifo:literal),*) => {$(
        impl<T: Send + 'static, F: StaticDomain> Moves<T> for $structure<T, F> {
            fn push(&self, value: T) {
                $structure::push(self, value);
            }
            fn pop(&self) -> Option<T> {
                $structure::pop(self)
            }
            fn is_empty(&self) -> bool {
                $structure::is_empty(self)
            }
            const FIFO: bool = $fifo;
        }
    )*};
}
impl_moves!(Queue: true, Stack: false);

hazptr::static_unique_domain!(static QUEUES: Domain<QueueFamily>);
hazptr::static_unique_domain!(static STACKS: Domain<StackFamily>);

/// Each pop retires the node it leaves (a queue's old dummy, a stack's top) into the
/// structure's domain, once; the values are moved out, so reclaiming the nodes drops none of
/// them.
#[test]
fn each_pop_retires_one_node_into_the_domain() {
    retires_one_node_per_pop::<Queue<Counted, QueueFamily>, QueueFamily>();
    retires_one_node_per_pop::<Stack<Counted, StackFamily>, StackFamily>();
}

fn retires_one_node_per_pop<M: Moves<Counted> + 'static, F: StaticDomain>() {
    thread::spawn(|| {
        let counter = Counter::default();
        let moves = M::default();
        // A first retirement, so that haphazard's timer (due at once in a new domain) does not
        // reclaim in the middle of the count below.
        moves.push(counter.make(100));
        drop(moves.pop());
        hazptr::flush_retired();
        let _ = F::domain().reclaim();

        for value in 0..10 {
            moves.push(counter.make(value));
        }
        let popped: Vec<u64> = std::iter::from_fn(|| moves.pop().map(|v| v.value)).collect();
        let mut expected: Vec<u64> = (0..10).collect();
        if !M::FIFO {
            expected.reverse();
        }
        assert_eq!(popped, expected, "the structure's order");
        assert_eq!(
            counter.alive(),
            0,
            "the popped values were the caller's to drop"
        );
        hazptr::flush_retired();
        assert_eq!(F::domain().reclaim(), 10, "one node retired per pop");
        assert_eq!(
            counter.dropped(),
            11,
            "reclaiming nodes dropped no value again"
        );
        assert!(moves.is_empty());
    })
    .join()
    .unwrap();
}

/// Values are never lent in place, so a value that is `Send` but not `Sync` (a `Cell`) may go
/// through a queue or a stack shared between threads.
#[test]
fn a_value_that_is_not_sync_goes_through_a_shared_structure() {
    not_sync_values::<Queue<Cell<u64>>>();
    not_sync_values::<Stack<Cell<u64>>>();
}

fn not_sync_values<M: Moves<Cell<u64>>>() {
    let moves = M::default();
    thread::scope(|s| {
        for start in [0, 1000] {
            let moves = &moves;
            s.spawn(move || {
                for i in start..start + 100 {
                    moves.push(Cell::new(i));
                }
            });
        }
    });
    let mut values: Vec<u64> = std::iter::from_fn(|| moves.pop().map(Cell::into_inner)).collect();
    values.sort_unstable();
    assert_eq!(values, (0..100).chain(1000..1100).collect::<Vec<_>>());
}

/// Dropping a queue or a stack drops the values still in it, each once, even when one of their
/// drops panics: the values after it are dropped too, and the panic reaches the caller.
#[test]
fn a_dropped_structure_drops_its_values_even_when_one_panics() {
    drops_values_through_a_panic::<Queue<Bomb>>();
    drops_values_through_a_panic::<Stack<Bomb>>();
}

/// Panics in its drop when `panics`.
struct Bomb {
    panics: bool,
    _counted: Counted,
}

impl Drop for Bomb {
    fn drop(&mut self) {
        assert!(!self.panics, "a value's drop panics");
    }
}

fn drops_values_through_a_panic<M: Moves<Bomb>>() {
    let counter = Counter::default();
    let moves = M::default();
    for i in 0..6 {
        moves.push(Bomb {
            panics: i == 3,
            _counted: counter.make(i),
        });
    }
    drop(moves.pop());
    let dropped = panic::catch_unwind(AssertUnwindSafe(|| drop(moves)));
    assert!(dropped.is_err(), "the value's panic reached the caller");
    assert_eq!(
        (counter.made(), counter.dropped()),
        (6, 6),
        "every value dropped once, those after the panicking one included"
    );
}

hazptr::static_unique_domain!(static ITERS: Domain<IterFamily>);

/// Frees what the tests of `IterFamily` retired and nothing protects: twice, as
/// `reclaim_global` does, since these tests run side by side in one domain.
fn reclaim_iters() {
    hazptr::flush_retired();
    let _ = ITERS.reclaim();
    let _ = ITERS.reclaim();
}

fn iterated<F: StaticDomain>(head: &Head<Counted, F>) -> Vec<u64> {
    head.iter()
        .map(|value| {
            assert!(value.is_intact(), "a yielded value was freed");
            value.value
        })
        .collect()
}

#[test]
fn iter_yields_the_values_in_order_as_guards() {
    let counter = Counter::default();
    let head: Head<Counted, IterFamily> = Head::new();
    assert_eq!(iterated(&head), [], "an empty chain");
    for value in [4, 3, 2, 1] {
        head.push_front(Owned::new(counter.make(value)));
    }
    assert_eq!(iterated(&head), [1, 2, 3, 4]);
    // Guards from an iterator outlive it, and the removal of their nodes.
    let guards: Vec<Protected<'_, Counted, IterFamily>> = head.iter().take(2).collect();
    let mut cursor = head.cursor();
    for value in [1, 2] {
        cursor.seek(|v| v.value == value);
        assert!(cursor.remove());
    }
    drop(cursor);
    reclaim_iters();
    assert_eq!(counter.dropped(), 0, "both removed values are guarded");
    assert_eq!(guards.iter().map(|g| g.value).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(iterated(&head), [3, 4], "removed values are not yielded");
    drop(guards);
    reclaim_iters();
    assert_eq!(counter.dropped(), 2, "exactly the two removed values");
    drop(head);
    assert_eq!(counter.alive(), 0);
}

/// Having yielded 1, 2 and 3, the iterator's walk has stepped on to 4 (unread), when another
/// thread removes 3 and 4: 4's link is marked, and the walk cannot unlink it from 3's, marked
/// too, so it starts again from the head, where 1 and 2, still linked, were yielded already.
/// They are skipped: every value once, each never-removed one.
#[test]
fn iter_restarted_from_the_head_skips_what_it_yielded() {
    let counter = Counter::default();
    let head: Head<Counted, IterFamily> = Head::new();
    for value in (1..=5).rev() {
        head.push_front(Owned::new(counter.make(value)));
    }
    let mut iter = head.iter();
    let mut seen: Vec<u64> = iter.by_ref().take(3).map(|g| g.value).collect();
    assert_eq!(seen, [1, 2, 3]);
    let mut cursor = head.cursor();
    for value in [3, 4] {
        cursor.seek(|v| v.value == value);
        assert!(cursor.remove());
    }
    drop(cursor);
    seen.extend(iter.map(|g| g.value));
    assert_eq!(seen, [1, 2, 3, 5], "none twice, none never removed missed");
    reclaim_iters();
    assert_eq!(counter.dropped(), 2, "the two removed values, once each");
    assert_eq!(iterated(&head), [1, 2, 5]);
    drop(head);
    assert_eq!(counter.alive(), 0);
}

/// Two threads iterate while two others insert and remove odd values between the even ones,
/// which stay: each pass yields every even value once, in order, no node twice, each value
/// intact. (An odd value may come twice, out of order: a walk that starts again from the head
/// skips the nodes it yielded, and yields a node inserted since before them, which may hold a
/// value removed and inserted again: the documented weak consistency, seen in 1 of 6 runs.)
#[test]
fn iter_sees_every_value_never_removed_once_while_others_insert_and_remove() {
    // Miri runs every step of every thread: a small chain and a few passes there.
    const KEYS: u64 = if cfg!(miri) { 24 } else { 400 };
    const PASSES: usize = if cfg!(miri) { 3 } else { 200 };
    let counter = Counter::default();
    let head: Head<Counted, IterFamily> = Head::new();
    for value in (0..KEYS).rev().filter(|v| v % 2 == 0) {
        head.push_front(Owned::new(counter.make(value)));
    }
    let done = std::sync::atomic::AtomicBool::new(false);
    let passes = std::sync::atomic::AtomicUsize::new(0);
    thread::scope(|s| {
        for writer in 0..2u64 {
            let (head, counter, done) = (&head, &counter, &done);
            s.spawn(move || {
                let mut round = 0u64;
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    let key = 2 * ((round * 7 + writer * 101) % (KEYS / 2)) + 1;
                    round += 1;
                    let mut cursor = head.cursor();
                    let mut node = Owned::new(counter.make(key));
                    loop {
                        if cursor.seek(|v| v.value >= key).map(|v| v.value) == Some(key) {
                            break; // present: the other writer's; ours is dropped
                        }
                        match cursor.insert(node) {
                            Ok(()) => break,
                            Err(back) => node = back,
                        }
                    }
                    // Remove a key inserted a little earlier, by either writer.
                    let old = 2 * ((round.saturating_sub(3) * 7 + writer * 101) % (KEYS / 2)) + 1;
                    while cursor.seek(|v| v.value >= old).map(|v| v.value) == Some(old) {
                        if cursor.remove() {
                            break;
                        }
                    }
                }
            });
        }
        for _ in 0..2 {
            let (head, done, passes) = (&head, &done, &passes);
            s.spawn(move || {
                for _ in 0..PASSES {
                    // Every guard is kept for the pass: no yielded node is freed, so no address
                    // is reused, and each names one node.
                    let guards: Vec<_> = head.iter().collect();
                    let mut nodes: Vec<usize> = guards
                        .iter()
                        .map(|guard| core::ptr::from_ref::<Counted>(guard).addr())
                        .collect();
                    nodes.sort_unstable();
                    nodes.dedup();
                    assert_eq!(nodes.len(), guards.len(), "a node yielded twice");
                    let seen: Vec<u64> = guards
                        .iter()
                        .map(|guard| {
                            assert!(guard.is_intact(), "a yielded value was freed");
                            guard.value
                        })
                        .collect();
                    drop(guards);
                    let evens: Vec<u64> = seen.iter().copied().filter(|v| v % 2 == 0).collect();
                    assert_eq!(
                        evens,
                        (0..KEYS).filter(|v| v % 2 == 0).collect::<Vec<_>>(),
                        "every value never removed, in order"
                    );
                    passes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                done.store(true, std::sync::atomic::Ordering::Relaxed);
            });
        }
    });
    assert_eq!(passes.into_inner(), 2 * PASSES);
    // Every value is dropped once: the removed ones by a reclamation, the others with the head.
    let linked = iterated(&head).len();
    reclaim_iters();
    assert_eq!(counter.alive(), linked, "every removed value freed, once");
    drop(head);
    assert_eq!(counter.alive(), 0);
}
