//! Loom models of the linked-structure toolkit through `ListSet`, `HashMap`, `Head::iter`, `AnchoredHead::iter_split`,
//! `hazptr::Queue` and `hazptr::Stack`: every interleaving (up to the preemption bound) of two threads on a list of
//! two or three nodes or a queue or stack of one or two values,
//! with haphazard's and hazptr's atomics, fences and thread-locals switched to loom's. Run with
//! `scripts/loom.sh` (see `tests/loom.rs` for the two loom-specific facts that shape `model` and
//! `spawn`, copied here).
//!
//! Each model checks what it observes: the results of both threads, the set's content after
//! them, that a value read through a guard is not dropped while the guard lives, and that every
//! key and value is dropped exactly once in the end.
#![cfg(loom)]

use std::sync::atomic::{AtomicUsize, Ordering};

use hazptr::{Domain, Global, Head, Owned, Queue, Stack};
use hazptr_suite::hash_map::HashMap;
use hazptr_suite::list_set::ListSet;
use loom::sync::Arc;
use loom::thread::{self, JoinHandle};

#[path = "common/loom_model.rs"]
mod loom_model;

/// [`loom_model::model`], draining the caches of the global domain (the only one used here).
fn model(body: impl Fn() + Sync + Send + 'static) {
    loom_model::model::<Global>(body);
}

/// [`loom_model::spawn`], draining the caches of the global domain.
fn spawn<R: 'static>(f: impl FnOnce() -> R + 'static) -> JoinHandle<R> {
    loom_model::spawn::<Global, R>(f)
}

/// How many times each key (by id) was dropped.
#[derive(Default)]
struct DropLog {
    drops: [AtomicUsize; 8],
}

impl DropLog {
    fn drops(&self, id: u64) -> usize {
        self.drops[usize::try_from(id).unwrap()].load(Ordering::SeqCst)
    }
}

/// A key ordered by `id` that logs its drop in slot `slot`; probes (for lookups) are not logged.
struct Key {
    id: u64,
    slot: u64,
    log: Option<std::sync::Arc<DropLog>>,
}

impl Key {
    fn logged(id: u64, log: &std::sync::Arc<DropLog>) -> Self {
        Self::logged_at(id, id, log)
    }

    fn logged_at(id: u64, slot: u64, log: &std::sync::Arc<DropLog>) -> Self {
        Self {
            id,
            slot,
            log: Some(std::sync::Arc::clone(log)),
        }
    }

    fn probe(id: u64) -> Self {
        Self {
            id,
            slot: 0,
            log: None,
        }
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        if let Some(log) = &self.log {
            let before =
                log.drops[usize::try_from(self.slot).unwrap()].fetch_add(1, Ordering::SeqCst);
            assert_eq!(before, 0, "key in slot {} dropped twice", self.slot);
        }
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.id.cmp(&other.id)
    }
}
impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

fn reclaim_global() {
    Domain::global().reclaim();
}

/// Harris's race: removing 2 from {1, 2} while inserting 3 after it. The insertion must not be
/// lost, 2 must be gone, and every key is dropped once in the end.
#[test]
fn remove_races_an_insert_next_to_it() {
    model(|| {
        let log = std::sync::Arc::new(DropLog::default());
        let set = Arc::new(ListSet::new());
        assert!(set.insert(Key::logged(1, &log)));
        assert!(set.insert(Key::logged(2, &log)));

        let remover = {
            let set = Arc::clone(&set);
            spawn(move || set.remove(&Key::probe(2)))
        };
        let inserter = {
            let (set, log) = (Arc::clone(&set), std::sync::Arc::clone(&log));
            spawn(move || set.insert(Key::logged(3, &log)))
        };
        assert!(
            remover.join().unwrap(),
            "2 was present and only this thread removes it"
        );
        assert!(inserter.join().unwrap(), "3 was absent");
        assert!(set.contains(&Key::probe(1)));
        assert!(!set.contains(&Key::probe(2)));
        assert!(
            set.contains(&Key::probe(3)),
            "the insertion next to 2 was lost"
        );

        drop(set);
        reclaim_global();
        for id in 1..=3 {
            assert_eq!(log.drops(id), 1, "drops of key {id}");
        }
    });
}

/// Two threads insert the same key into {1}: exactly one succeeds; the loser's key is dropped
/// at once, the winner's with the set.
#[test]
fn two_inserts_of_one_key() {
    model(|| {
        let log = std::sync::Arc::new(DropLog::default());
        let set = Arc::new(ListSet::new());
        assert!(set.insert(Key::logged(1, &log)));
        let threads: Vec<_> = [2, 3]
            .into_iter()
            .map(|slot| {
                let (set, log) = (Arc::clone(&set), std::sync::Arc::clone(&log));
                // Both insert key 2, each logged in a slot of its own.
                spawn(move || set.insert(Key::logged_at(2, slot, &log)))
            })
            .collect();
        let wins: usize = threads
            .into_iter()
            .map(|t| usize::from(t.join().unwrap()))
            .sum();
        assert_eq!(wins, 1, "exactly one insertion of key 2 wins");
        assert!(set.contains(&Key::probe(2)));
        assert_eq!(
            log.drops(2) + log.drops(3),
            1,
            "the losing key is dropped at once"
        );
        drop(set);
        reclaim_global();
        for slot in 1..=3 {
            assert_eq!(log.drops(slot), 1, "drops of the key in slot {slot}");
        }
    });
}

/// A reader holds `get`'s guard on a value while another thread removes its key and reclaims:
/// the value is not dropped while the guard lives; a stable neighbour is always found.
#[test]
fn get_guard_survives_a_concurrent_remove_and_reclaim() {
    model(|| {
        let log = std::sync::Arc::new(DropLog::default());
        let map = Arc::new(HashMap::with_buckets(1));
        assert!(map.insert(Key::probe(1), Key::logged(1, &log)));
        assert!(map.insert(Key::probe(2), Key::logged(2, &log)));

        let reader = {
            let map = Arc::clone(&map);
            spawn(move || {
                if let Some(value) = map.get(&Key::probe(1)) {
                    thread::yield_now();
                    assert_eq!(
                        value.log.as_ref().unwrap().drops(1),
                        0,
                        "dropped under a guard"
                    );
                    assert_eq!(value.id, 1);
                }
                assert!(map.contains_key(&Key::probe(2)), "a stable key was missed");
            })
        };
        let remover = {
            let map = Arc::clone(&map);
            spawn(move || {
                assert!(map.remove(&Key::probe(1)));
                let _ = Domain::global().reclaim();
            })
        };
        reader.join().unwrap();
        remover.join().unwrap();
        reclaim_global();
        assert_eq!(
            log.drops(1),
            1,
            "the removed value is dropped once unprotected"
        );
        drop(map);
        assert_eq!(log.drops(2), 1);
    });
}

/// A push races a consumer that pops twice from a queue holding 1: the consumer gets 1 first,
/// then 2 or nothing (the push may land between its two exchanges, where a pop must help the
/// tail forward before it moves the head); the queue keeps what it did not get; every value is
/// dropped once.
#[test]
fn queue_push_races_two_pops() {
    model(|| {
        let log = std::sync::Arc::new(DropLog::default());
        let queue = Arc::new(Queue::<Key>::new());
        queue.push(Key::logged(1, &log));

        let pusher = {
            let (queue, log) = (Arc::clone(&queue), std::sync::Arc::clone(&log));
            spawn(move || queue.push(Key::logged(2, &log)))
        };
        let popper = {
            let queue = Arc::clone(&queue);
            spawn(move || {
                let first = queue.pop().map(|key| key.id);
                let second = queue.pop().map(|key| key.id);
                let _ = Domain::global().reclaim();
                (first, second)
            })
        };
        pusher.join().unwrap();
        let (first, second) = popper.join().unwrap();
        assert_eq!(first, Some(1), "1 was in the queue first");
        let rest = queue.pop().map(|key| key.id);
        match second {
            Some(2) => assert_eq!(rest, None, "2 was popped once"),
            None => assert_eq!(rest, Some(2), "the push was not lost"),
            other => panic!("popped {other:?} second"),
        }
        assert!(queue.is_empty());
        drop(queue);
        reclaim_global();
        for id in 1..=2 {
            assert_eq!(log.drops(id), 1, "drops of value {id}");
        }
    });
}

/// A push races a pop on a stack holding 1: the pop gets 1 or the pushed 2, and the other stays
/// on the stack; every value is dropped once.
#[test]
fn stack_push_races_a_pop() {
    model(|| {
        let log = std::sync::Arc::new(DropLog::default());
        let stack = Arc::new(Stack::<Key>::new());
        stack.push(Key::logged(1, &log));
        let pusher = {
            let (stack, log) = (Arc::clone(&stack), std::sync::Arc::clone(&log));
            spawn(move || stack.push(Key::logged(2, &log)))
        };
        let popper = {
            let stack = Arc::clone(&stack);
            spawn(move || {
                let id = stack.pop().map(|key| key.id);
                let _ = Domain::global().reclaim();
                id
            })
        };
        pusher.join().unwrap();
        let popped = popper.join().unwrap();
        let rest = stack.pop().map(|key| key.id);
        let mut both = [popped, rest];
        both.sort_unstable();
        assert_eq!(
            both,
            [Some(1), Some(2)],
            "nothing lost, nothing popped twice"
        );
        assert!(stack.is_empty());
        drop(stack);
        reclaim_global();
        for id in 1..=2 {
            assert_eq!(log.drops(id), 1, "drops of value {id}");
        }
    });
}

/// What the two value-moving structures have in common, for [`two_pops_share_two_values`].
trait Moves: Send + Sync + 'static {
    fn new() -> Self;
    fn push(&self, key: Key);
    fn pop(&self) -> Option<Key>;
    fn is_empty(&self) -> bool;
}

macro_rules! impl_moves {
    ($($structure:ident),*) => {$(
        impl Moves for $structure<Key> {
            fn new() -> Self {
                $structure::new()
            }
            fn push(&self, key: Key) {
                $structure::push(self, key);
            }
            fn pop(&self) -> Option<Key> {
                $structure::pop(self)
            }
            fn is_empty(&self) -> bool {
                $structure::is_empty(self)
            }
        }
    )*};
}
impl_moves!(Queue, Stack);

/// Two threads pop from a queue holding 1 and 2, and reclaim: each gets one value, both values
/// are popped once, and neither is dropped twice (a value is moved out only by the pop whose
/// exchange moved the head onto its node, while its hazard pointer keeps the node alive).
#[test]
fn queue_two_pops_share_two_values() {
    two_pops_share_two_values::<Queue<Key>>();
}

/// As for the queue, on a stack holding 2 over 1 (a pop's hazard pointer on the top node keeps
/// its address from being reused, so an exchange that finds the head unchanged finds its link
/// unchanged: no ABA).
#[test]
fn stack_two_pops_share_two_values() {
    two_pops_share_two_values::<Stack<Key>>();
}

/// Two threads each pop once from a structure holding 1 and 2, and reclaim; checks that each
/// got one value and that every value is dropped once.
///
/// At most two preemptions, anywhere: one pop can be interrupted after its protection and again
/// before its exchange, or each pop once, while the other moves the head and reclaims; a third
/// takes the queue's model from 13 s to 4 minutes on two cores.
fn two_pops_share_two_values<M: Moves>() {
    loom_model::model_bounded::<Global>(2, || {
        let log = std::sync::Arc::new(DropLog::default());
        let structure = Arc::new(M::new());
        structure.push(Key::logged(1, &log));
        structure.push(Key::logged(2, &log));
        let poppers: Vec<_> = (0..2)
            .map(|_| {
                let structure = Arc::clone(&structure);
                spawn(move || {
                    let id = structure.pop().map(|key| key.id);
                    let _ = Domain::global().reclaim();
                    id
                })
            })
            .collect();
        let mut got: Vec<_> = poppers.into_iter().map(|p| p.join().unwrap()).collect();
        got.sort_unstable();
        assert_eq!(got, [Some(1), Some(2)], "each pop got one value");
        assert!(structure.is_empty());
        drop(structure);
        reclaim_global();
        for id in 1..=2 {
            assert_eq!(log.drops(id), 1, "drops of value {id}");
        }
    });
}

/// Iterating over 1, 2, 3 while another thread removes 2 and 3 and reclaims: where the removals
/// leave the iterator's walk unable to unlink (3 after the marked 2), it starts again from the
/// head and skips what it yielded (1, still linked). The iteration yields 1 once, 2 and 3 at
/// most once, in order, none dropped while its guard lives; every key is dropped once.
///
/// Bounded at 2 preemptions, as `two_pops_share_two_values`: it then explores about a minute on
/// two cores (a walk, two removals and a reclamation interleave in many ways).
#[test]
fn iter_races_two_removes_and_a_reclaim() {
    loom_model::model_bounded::<Global>(2, || {
        let log = std::sync::Arc::new(DropLog::default());
        let head: Arc<Head<Key>> = Arc::new(Head::new());
        for id in (1..=3).rev() {
            head.push_front(Owned::new(Key::logged(id, &log)));
        }

        let reader = {
            let head = Arc::clone(&head);
            spawn(move || {
                let mut ids = Vec::new();
                for key in head.iter() {
                    let log = key.log.as_ref().unwrap();
                    assert_eq!(log.drops(key.id), 0, "dropped under a guard");
                    ids.push(key.id);
                }
                ids
            })
        };
        let remover = {
            let head = Arc::clone(&head);
            spawn(move || {
                let mut cursor = head.cursor();
                for id in [2, 3] {
                    cursor.seek(|key| key.id == id);
                    assert!(cursor.remove());
                }
                drop(cursor);
                let _ = Domain::global().reclaim();
            })
        };
        let ids = reader.join().unwrap();
        remover.join().unwrap();
        assert!(
            ids.windows(2).all(|pair| pair[0] < pair[1]),
            "in order, none twice: {ids:?}"
        );
        assert_eq!(ids.first(), Some(&1), "the stable key was missed: {ids:?}");
        reclaim_global();
        assert_eq!(
            (log.drops(2), log.drops(3)),
            (1, 1),
            "removed, dropped once"
        );
        drop(head);
        assert_eq!(log.drops(1), 1);
    });
}

/// A split iteration over two runs, from the head (anchor 0, passed, then value 1) and from
/// anchor 1 (values 2 and 3), while another thread removes 2 and 3 and reclaims: the second run
/// may step on to a removed value, or start again from its anchor, but never leaves its run. 1
/// is yielded once, 2 and 3 at most once, no anchor, none dropped while its guard lives; every
/// value is dropped once.
///
/// Bounded at 1 preemption: two runs hold twice the hazard pointers of `Head::iter`'s model
/// (whose walk this one shares, checked there at 2), and every one is a step of the
/// reclamation's scan, so the search at 2 runs for more than ten minutes on two cores.
#[test]
fn split_iter_races_two_removes_and_a_reclaim() {
    use hazptr::{AnchoredHead, Item};
    loom_model::model_bounded::<Global>(1, || {
        let log = std::sync::Arc::new(DropLog::default());
        // Anchors keyed 0 (slot 0) and 10 (slot 1), values by id: 1, then 12 and 13, logged in
        // slots 1, 2 and 3.
        let chain: Arc<AnchoredHead<u64, Key>> =
            Arc::new(AnchoredHead::split_ordered(1, |slot| 10 * slot as u64));
        let key = |item: &Item<u64, Key>| match item {
            Item::Anchor(at) => *at,
            Item::Value(key) => key.id,
        };
        for (anchor, values) in [(0, &[(1, 1)][..]), (1, &[(13, 3), (12, 2)][..])] {
            let mut cursor = chain.cursor_at(chain.anchor(anchor).unwrap());
            for &(id, slot) in values {
                cursor.seek(|i| key(i) > id);
                cursor
                    .insert(Owned::new(Item::Value(Key::logged_at(id, slot, &log))))
                    .unwrap_or_else(|_| unreachable!("one thread"));
            }
        }

        let reader = {
            let chain = Arc::clone(&chain);
            spawn(move || {
                let mut ids = Vec::new();
                for item in chain.iter_split([1]) {
                    let Item::Value(key) = &*item else {
                        panic!("an anchor yielded");
                    };
                    let log = key.log.as_ref().unwrap();
                    assert_eq!(log.drops(key.slot), 0, "dropped under a guard");
                    ids.push(key.slot);
                }
                ids
            })
        };
        let remover = {
            let chain = Arc::clone(&chain);
            spawn(move || {
                let mut cursor = chain.cursor();
                for id in [12, 13] {
                    cursor.seek(|i| key(i) >= id);
                    assert!(cursor.remove());
                }
                drop(cursor);
                let _ = Domain::global().reclaim();
            })
        };
        let mut ids = reader.join().unwrap();
        remover.join().unwrap();
        ids.sort_unstable();
        let mut once = ids.clone();
        once.dedup();
        assert_eq!(once, ids, "none twice");
        assert!(ids.contains(&1), "the stable value was missed: {ids:?}");
        reclaim_global();
        assert_eq!(
            (log.drops(2), log.drops(3)),
            (1, 1),
            "removed, dropped once"
        );
        drop(chain);
        assert_eq!(log.drops(1), 1, "dropped with the chain");
    });
}
