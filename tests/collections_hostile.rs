//! An attacker's program against the toolkit's new pieces and the map: safe code only, calling
//! the anchors, `Cursor::replace`, `Cursor::insert_protected` and `Protected::map` in the ways
//! the map never would. Each test asserts what it observes (drop counts, values read, refused
//! misuse); under Miri (`scripts/miri.sh`, and the CI gate) any use-after-free, double free or
//! leak they could cause is reported.
#![forbid(unsafe_code)]

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use common::{Counted, Counter, reclaim_global_until};
use hazptr::collections::HashMap;
use hazptr::{AnchoredHead, Head, Item, Owned, Protected};

/// Whether `f` panicked.
fn panics(f: impl FnOnce()) -> bool {
    catch_unwind(AssertUnwindSafe(f)).is_err()
}

/// The key of an item of the chains below (anchors keyed like values).
fn key(item: &Item<u64, Counted>) -> u64 {
    match item {
        Item::Anchor(key) => *key,
        Item::Value(value) => value.value,
    }
}

/// An anchored chain holding the values `values` and, first, an anchor keyed 0 in slot 0.
fn chain(counter: &Counter, values: &[u64]) -> AnchoredHead<u64, Counted> {
    let chain = AnchoredHead::new();
    let anchor = chain.make_anchor(0, 0, None, |_| true).unwrap();
    let mut cursor = chain.cursor_at(anchor);
    for &v in values.iter().rev() {
        cursor.seek(|_| true);
        cursor
            .insert(Owned::new(Item::Value(counter.make(v))))
            .unwrap();
    }
    chain
}

#[test]
fn an_anchor_is_never_removed_nor_replaced() {
    let counter = Counter::default();
    {
        let chain = chain(&counter, &[1, 2]);
        let mut cursor = chain.cursor();
        assert!(cursor.seek(|_| true).unwrap().is_anchor());
        assert!(!cursor.remove(), "an anchor refuses removal");
        let back = cursor
            .replace(Owned::new(Item::Value(counter.make(9))))
            .unwrap_err();
        assert_eq!(key(&back), 9, "and replacement");
        drop(back);
        // The anchor is still linked, and walks from it see what follows.
        let anchor = chain.anchor(0).unwrap();
        let found = chain.find_from(anchor, |i| key(i) >= 2).unwrap();
        assert_eq!(key(&found), 2);
        // An anchor item is refused by every insertion, and as a replacement.
        let mut cursor = chain.cursor_at(anchor);
        cursor.seek(|i| key(i) >= 2);
        assert!(cursor.insert(Owned::new(Item::Anchor(2))).is_err());
        assert!(
            cursor
                .insert_protected(Owned::new(Item::Anchor(2)))
                .is_err()
        );
        assert!(cursor.replace(Owned::new(Item::Anchor(2))).is_err());
        assert_eq!(key(cursor.current().unwrap()), 2, "unchanged");
        // A second anchor, after 1: a slot is made once.
        let second = chain
            .make_anchor(3, 1, Some(anchor), |i| key(i) > 1)
            .unwrap();
        assert_eq!(second.key(), &1);
        assert_eq!(chain.make_anchor(3, 7, None, |_| true).unwrap().key(), &1);
        assert_eq!(chain.iter().filter(|i| i.is_anchor()).count(), 2);
        let mut cursor = chain.cursor_at(second);
        assert_eq!(cursor.seek(|_| true).map(key), Some(2));
    }
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!(counter.dropped(), counter.made());
}

/// Anchors live in the index: each is dropped once with it, made and linked or not (a `stop`
/// that panics leaves its slot being made, never lent).
#[test]
fn anchors_are_dropped_once_with_the_index() {
    let counter = Counter::default();
    {
        let chain: AnchoredHead<Counted, u64> = AnchoredHead::new();
        let key = |item: &Item<Counted, u64>| match item {
            Item::Anchor(anchor) => anchor.value,
            Item::Value(value) => *value,
        };
        let first = chain
            .make_anchor(0, counter.make(0), None, |_| true)
            .unwrap();
        let mut cursor = chain.cursor_at(first);
        cursor.seek(|_| true);
        cursor.insert(Owned::new(Item::Value(5))).unwrap();
        chain
            .make_anchor(1, counter.make(3), Some(first), |i| key(i) >= 3)
            .unwrap();
        assert!(panics(|| {
            let _ = chain.make_anchor(2, counter.make(9), None, |_| panic!("hostile stop"));
        }));
        assert!(
            chain.anchor(2).is_none(),
            "a slot whose making panicked is never lent"
        );
        assert!(
            chain
                .make_anchor(2, counter.make(9), None, |_| true)
                .is_none()
        );
        let items: Vec<u64> = chain.iter().map(|i| key(&i)).collect();
        assert_eq!(items, [0, 3, 5]);
        // Moved out by value: the value, and the anchors freed with the iterator.
        assert_eq!(chain.into_values().collect::<Vec<_>>(), [5]);
    }
    assert_eq!(
        counter.dropped(),
        counter.made(),
        "each anchor dropped once"
    );
}

/// A chain made at once in split order: its anchors in that order, a walk from any of them, the
/// slots refused for a second making, values inserted between them freed once; a key function
/// that panics part way leaves the anchors made so far to the index, each dropped once.
#[test]
fn a_split_ordered_chain_is_an_ordinary_chain() {
    let counter = Counter::default();
    {
        let slots: AnchoredHead<u64, Counted> = AnchoredHead::split_ordered(3, |slot| slot as u64);
        let order: Vec<u64> = slots.iter().map(|i| key(&i)).collect();
        assert_eq!(order, [0, 4, 2, 6, 1, 5, 3, 7], "bit-reversed slot numbers");
        // Keyed by split order from here on: the anchors of a map's table.
        let chain: AnchoredHead<u64, Counted> =
            AnchoredHead::split_ordered(3, |slot| (slot as u64).reverse_bits());
        for slot in 0..8 {
            let anchor = chain.anchor(slot).expect("every slot is ready");
            let key = *anchor.key();
            assert!(
                chain
                    .make_anchor(slot, 99, None, |_| true)
                    .is_some_and(|a| *a.key() == key)
            );
            let mut cursor = chain.cursor_at(anchor);
            cursor.seek(|i| self::key(i) > key);
            cursor
                .insert(Owned::new(Item::Value(counter.make(key + 1))))
                .unwrap();
        }
        let keys: Vec<u64> = chain.iter().map(|i| key(&i)).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted, "in key order");
        assert_eq!(keys.len(), 16);
        let made = std::cell::Cell::new(0);
        assert!(panics(|| {
            let _: AnchoredHead<Counted, u64> = AnchoredHead::split_ordered(4, |slot| {
                assert!(slot < 5, "hostile key");
                made.set(made.get() + 1);
                counter.make(slot as u64)
            });
        }));
        assert_eq!(made.get(), 5);
    }
    assert_eq!(
        counter.dropped(),
        counter.made(),
        "each value and anchor dropped once"
    );
}

/// A chain taken apart by value (`into_values`, which walks sixteen runs side by side) yields
/// each value in it once, whatever its runs hold: more runs than lanes, empty runs (the head's,
/// anchors followed by anchors, the last anchor of the chain), values removed before; what an
/// iterator dropped half-way has not yielded, and the anchors, are dropped once.
#[test]
fn a_chain_taken_apart_yields_each_value_once() {
    let counter = Counter::default();
    // 32 slots keyed by split order; after the anchor of each slot `s` but the last one
    // (slot 31, the last node of the chain), `s % 4` values: none after a multiple of 4.
    let filled = |counter: &Counter| {
        let chain: AnchoredHead<u64, Counted> =
            AnchoredHead::split_ordered(5, |slot| (slot as u64).reverse_bits());
        let mut expected = Vec::new();
        for slot in 0..31 {
            let anchor = chain.anchor(slot).expect("every slot is ready");
            let first = *anchor.key() + 1;
            let mut cursor = chain.cursor_at(anchor);
            for value in (first..first + slot as u64 % 4).rev() {
                cursor.seek(|i| key(i) >= value);
                cursor
                    .insert(Owned::new(Item::Value(counter.make(value))))
                    .unwrap();
                expected.push(value);
            }
        }
        // Removed (unlinked and retired) before: not in the chain.
        for value in expected.iter().copied().filter(|v| v % 5 == 0) {
            let mut cursor = chain.cursor();
            assert!(cursor.seek(|i| key(i) >= value).is_some());
            assert!(cursor.remove());
        }
        expected.retain(|v| v % 5 != 0);
        expected.sort_unstable();
        (chain, expected)
    };
    {
        let (chain, expected) = filled(&counter);
        assert!(expected.len() > 16);
        let mut values: Vec<u64> = chain.into_values().map(|v| v.value).collect();
        values.sort_unstable();
        assert_eq!(values, expected, "each value once");
        let (chain, expected) = filled(&counter);
        let mut values = chain.into_values();
        let taken: Vec<u64> = values.by_ref().take(5).map(|v| v.value).collect();
        assert!(taken.iter().all(|v| expected.binary_search(v).is_ok()));
        drop(values);
        let no_values: AnchoredHead<u64, Counted> = AnchoredHead::split_ordered(2, |s| s as u64);
        assert_eq!(no_values.into_values().count(), 0);
        let empty: AnchoredHead<u64, Counted> = AnchoredHead::new();
        assert_eq!(empty.into_values().count(), 0);
    }
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!(counter.dropped(), counter.made(), "each value dropped once");
}

/// A chain dropped with a slot left being made (its anchor's walk panicked) and values on both
/// sides of where that anchor would go frees each value once.
#[test]
fn a_chain_with_a_stopped_making_frees_its_values_once() {
    let counter = Counter::default();
    {
        let chain = chain(&counter, &[1, 2, 3]);
        assert!(panics(|| {
            let _ = chain.make_anchor(1, 2, None, |i| {
                assert!(key(i) < 2, "hostile stop");
                false
            });
        }));
        assert!(chain.anchor(1).is_none());
        chain.make_anchor(2, 3, None, |i| key(i) >= 3).unwrap();
        let items: Vec<u64> = chain.iter().map(|i| key(&i)).collect();
        assert_eq!(items, [0, 1, 2, 3, 3]);
    }
    assert_eq!(counter.made(), 3);
    assert_eq!(counter.dropped(), 3, "each value dropped once");
}

/// A split iteration yields each value once whatever slots it is given (none, repeated, not
/// made, out of range), and never an anchor; when the values a run has yielded and stands on
/// are removed under it, its walk starts again from its own anchor and ends at the next: every
/// value never removed once, none twice, the removed ones freed once.
#[test]
fn a_split_iteration_yields_each_value_once() {
    let counter = Counter::default();
    {
        // Eight buckets in split order, two values after each anchor.
        let chain: AnchoredHead<u64, Counted> =
            AnchoredHead::split_ordered(3, |slot| (slot as u64).reverse_bits());
        for slot in 0..8 {
            let anchor = chain.anchor(slot).unwrap();
            let at = *anchor.key();
            let mut cursor = chain.cursor_at(anchor);
            for offset in [2, 1] {
                cursor.seek(|i| key(i) > at);
                cursor
                    .insert(Owned::new(Item::Value(counter.make(at + offset))))
                    .unwrap();
            }
        }
        let sorted = |mut keys: Vec<u64>| {
            keys.sort_unstable();
            keys
        };
        let all = sorted(
            chain
                .iter()
                .filter(|i| !i.is_anchor())
                .map(|i| key(&i))
                .collect(),
        );
        assert_eq!(all.len(), 16);
        for slots in [
            vec![],
            (0..8).collect(),
            vec![7, 7, 3, 100, usize::MAX],
            vec![5],
        ] {
            let seen = chain.iter_split(slots).map(|i| key(&i)).collect::<Vec<_>>();
            assert_eq!(sorted(seen), all, "each value once");
        }
        // Each run yields its first value and steps on to its second; then both are removed
        // in the first four buckets.
        let mut iter = chain.iter_split(0..8);
        let mut seen: Vec<u64> = iter.by_ref().take(8).map(|i| key(&i)).collect();
        let removed: Vec<u64> = (0..4_usize)
            .flat_map(|slot| {
                let at = (slot as u64).reverse_bits();
                [at + 1, at + 2]
            })
            .collect();
        let mut cursor = chain.cursor();
        for &value in &removed {
            cursor.seek(|i| key(i) >= value);
            assert!(cursor.remove());
        }
        drop(cursor);
        seen.extend(iter.map(|i| key(&i)));
        let kept: Vec<u64> = all
            .iter()
            .copied()
            .filter(|v| !removed.contains(v))
            .collect();
        let seen = sorted(seen);
        let mut once = seen.clone();
        once.dedup();
        assert_eq!(once, seen, "none twice");
        assert!(
            kept.iter().all(|v| seen.contains(v)),
            "none never removed missed"
        );
        reclaim_global_until(|| counter.dropped() == removed.len());
        assert_eq!(chain.iter().filter(|i| !i.is_anchor()).count(), kept.len());
    }
    assert_eq!(counter.dropped(), counter.made(), "each value dropped once");
}

/// An iteration that must start again from the last anchor it passed, where an anchor made
/// since stands before a value it yielded, does not yield that value again: the iteration
/// yields 10 and steps on to 20; 15 is inserted before 20 and 20 removed, so the walk cannot
/// unlink 20 from 10's link and starts again from the anchor keyed 0, meeting the new anchor
/// keyed 5 before 10.
#[test]
fn a_restarted_iteration_passing_a_new_anchor_yields_nothing_twice() {
    let counter = Counter::default();
    {
        let chain = chain(&counter, &[10, 20, 30]);
        let mut iter = chain.iter_split(std::iter::empty());
        let mut seen = vec![key(&iter.next().unwrap())];
        assert_eq!(seen, [10]);
        let mut cursor = chain.cursor();
        cursor.seek(|i| key(i) >= 15);
        cursor
            .insert(Owned::new(Item::Value(counter.make(15))))
            .unwrap();
        cursor.seek(|i| key(i) >= 20);
        assert!(cursor.remove());
        drop(cursor);
        chain.make_anchor(1, 5, None, |i| key(i) >= 5).unwrap();
        seen.extend(iter.map(|i| key(&i)));
        assert_eq!(seen, [10, 15, 30], "10 once, 20 removed before it was read");
    }
    reclaim_global_until(|| counter.dropped() == counter.made());
}

#[test]
fn an_anchor_of_another_chain_is_refused() {
    let counter = Counter::default();
    let a = chain(&counter, &[1]);
    let b = chain(&counter, &[2]);
    let of_a = a.anchor(0).unwrap();
    assert!(panics(|| drop(b.cursor_at(of_a))));
    assert!(panics(|| drop(b.find_from(of_a, |_| true))));
    assert!(panics(|| {
        let _ = b.make_anchor(1, 5, Some(of_a), |_| true);
    }));
    // Nothing was made, and both chains still read their own values.
    assert!(b.anchor(1).is_none());
    assert_eq!(
        key(&b
            .find_from(b.anchor(0).unwrap(), |i| !i.is_anchor())
            .unwrap()),
        2
    );
    assert_eq!(key(&a.find_from(of_a, |i| !i.is_anchor()).unwrap()), 1);
    assert!(a.anchor(7).is_none() && a.anchor(usize::MAX).is_none());
}

#[test]
fn a_replaced_value_stays_readable_and_is_freed_once() {
    let counter = Counter::default();
    {
        let head: Head<Counted> = Head::new();
        head.push_front(Owned::new(counter.make(1)));
        let mut cursor = head.cursor();
        cursor.seek(|_| true);
        let new = cursor.replace(Owned::new(counter.make(2))).unwrap();
        assert_eq!(new.value, 2);
        // The cursor still stands at the old value, which is deleted: it cannot be replaced or
        // removed again.
        assert_eq!(cursor.current().map(|c| c.value), Some(1));
        assert!(!cursor.remove());
        let again = cursor.replace(Owned::new(counter.make(3))).unwrap_err();
        drop(again);
        let old = cursor.into_current().unwrap();
        reclaim_global_until(|| false);
        assert!(old.is_intact() && old.value == 1);
        assert_eq!(head.iter().map(|v| v.value).collect::<Vec<_>>(), [2]);
        // At the end, nothing to replace.
        let mut cursor = head.cursor();
        assert!(cursor.seek(|_| false).is_none());
        drop(cursor.replace(Owned::new(counter.make(4))).unwrap_err());
        // An inserted value's guard outlives its removal.
        let mut cursor = head.cursor();
        cursor.seek(|_| true);
        let inserted = cursor
            .insert_protected(Owned::new(counter.make(5)))
            .unwrap();
        let mut cursor = head.cursor();
        cursor.seek(|v| v.value == 5);
        assert!(cursor.remove());
        drop(cursor);
        reclaim_global_until(|| false);
        assert!(inserted.is_intact() && inserted.value == 5);
        drop((old, new, inserted));
    }
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!(counter.dropped(), counter.made());
}

#[test]
fn a_mapped_guard_keeps_the_whole_value() {
    let counter = Counter::default();
    {
        let head: Head<(u64, Counted)> = Head::new();
        head.push_front(Owned::new((7, counter.make(70))));
        let part = Protected::map(head.find(|_| true).unwrap(), |(_, c)| c);
        let mut cursor = head.cursor();
        cursor.seek(|_| true);
        assert!(cursor.remove());
        drop(cursor);
        reclaim_global_until(|| false);
        assert!(part.is_intact() && part.value == 70);
    }
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!(counter.dropped(), counter.made());
}

/// Guards held across everything the map does to its entries: replacement, removal, `clear`,
/// `retain`, growth by doubling, and a panicking `Eq`.
#[test]
fn map_guards_outlive_every_change() {
    let counter = Counter::default();
    let keys = if cfg!(miri) { 40 } else { 2_000 };
    {
        let map = HashMap::with_capacity(1);
        map.insert(0, counter.make(0));
        let first = map.get(&0).unwrap();
        let replaced = map.insert(0, counter.make(1)).unwrap();
        for k in 1..keys {
            map.insert(k, counter.make(k)); // the table doubles many times
        }
        let removed = map.remove(&1).unwrap();
        map.retain(|k, _| k % 2 == 0);
        let survivor = map.get(&2).unwrap();
        map.clear();
        assert!(map.is_empty() && map.iter().next().is_none());
        reclaim_global_until(|| false);
        for guard in [&first, &replaced, &removed, &survivor] {
            assert!(guard.is_intact());
        }
        assert_eq!(
            [first.value, replaced.value, removed.value, survivor.value],
            [0, 0, 1, 2]
        );
        // A key whose `Eq` panics leaves the map usable.
        struct Bad(u64);
        impl std::hash::Hash for Bad {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.0.hash(state);
            }
        }
        impl PartialEq for Bad {
            fn eq(&self, _: &Self) -> bool {
                panic!("hostile Eq");
            }
        }
        impl Eq for Bad {}
        let bad = HashMap::new();
        bad.insert(Bad(1), counter.make(9));
        assert!(panics(|| drop(bad.get(&Bad(1)))));
        assert!(panics(|| drop(bad.insert(Bad(1), counter.make(10)))));
        assert_eq!(bad.len(), 1);
        drop((first, replaced, removed, survivor));
    }
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!(counter.dropped(), counter.made());
}

/// Summaries (the bits a chain keeps beside each anchor) are plain data: added to any slot,
/// far or near, made or not, with any bits, they change no item and free nothing; a summary
/// that panics leaves its slot being made, never lent, its anchor dropped once with the index.
#[test]
fn summaries_are_only_data() {
    use hazptr::Indexed;
    let counter = Counter::default();
    {
        let chain = chain(&counter, &[1, 2]);
        for slot in [1, 2, 63, 1 << 40, usize::MAX] {
            assert!(!chain.add_summary(slot, u32::MAX), "slot {slot} is empty");
            assert!(matches!(chain.indexed(slot), Indexed::Empty));
        }
        assert!(chain.add_summary(0, 0b101));
        assert!(chain.add_summary(0, u32::MAX << 1));
        let Indexed::Ready { anchor, summary } = chain.indexed(0) else {
            panic!("slot 0 is made");
        };
        let width = AnchoredHead::<u64, Counted>::SUMMARY_BITS;
        assert_eq!(
            summary,
            u32::MAX >> (u32::BITS - width),
            "every bit kept, none more"
        );
        assert_eq!(anchor.key(), &0);
        assert!(panics(|| {
            let _ = chain.make_anchor_summarized(
                5,
                7,
                Some(anchor),
                |i| key(i) >= 7,
                || panic!("hostile summary"),
            );
        }));
        assert!(chain.anchor(5).is_none(), "never lent");
        assert!(matches!(chain.indexed(5), Indexed::Making { summary: 0 }));
        assert!(chain.add_summary(5, 1), "being made: not empty");
        let made = chain.make_anchor_summarized(6, 9, Some(anchor), |i| key(i) >= 9, || 0b11);
        assert!(matches!(
            chain.indexed(6),
            Indexed::Ready { summary: 0b11, .. }
        ));
        assert_eq!(made.map(|a| *a.key()), Some(9));
        let items: Vec<u64> = chain.iter().map(|i| key(&i)).collect();
        assert_eq!(items, [0, 1, 2, 9]);
    }
    assert_eq!(counter.dropped(), counter.made());
}
