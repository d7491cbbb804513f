//! The Treiber stack: nothing lost, nothing duplicated, nothing leaked, under concurrent pushes
//! and pops.

mod common;

use std::collections::BTreeMap;
use std::sync::Barrier;
use std::thread;

use common::{Counted, Counter};
use hazptr_suite::baseline::treiber::TreiberStack as BaselineStack;
use hazptr_suite::treiber::TreiberStack;

/// The operations the tests use, so that they run on the toolkit-based stack and on the
/// raw-`haphazard` baseline alike.
trait Stack<T>: Default + Sync {
    fn push(&self, value: T);
    fn pop(&self) -> Option<T>;
    fn is_empty(&self) -> bool;
}

macro_rules! impl_stack {
    ($($stack:ident),*) => {$(
        impl<T: Send + Sync + 'static> Stack<T> for $stack<T> {
            fn push(&self, value: T) {
                $stack::push(self, value);
            }
            fn pop(&self) -> Option<T> {
                $stack::pop(self)
            }
            fn is_empty(&self) -> bool {
                $stack::is_empty(self)
            }
        }
    )*};
}
impl_stack!(TreiberStack, BaselineStack);

/// Pushes per thread; kept small under Miri.
const PER_THREAD: u64 = if cfg!(miri) { 30 } else { 20_000 };
const THREADS: u64 = if cfg!(miri) { 3 } else { 4 };

fn multiset(values: impl IntoIterator<Item = u64>) -> BTreeMap<u64, usize> {
    let mut counts = BTreeMap::new();
    for value in values {
        *counts.entry(value).or_insert(0) += 1;
    }
    counts
}

#[test]
fn lifo_on_one_thread() {
    let stack = TreiberStack::new();
    assert!(stack.is_empty());
    assert_eq!(stack.pop(), None);
    for i in 0..10 {
        stack.push(i);
    }
    assert!(!stack.is_empty());
    let popped: Vec<i32> = std::iter::from_fn(|| stack.pop()).collect();
    assert_eq!(popped, (0..10).rev().collect::<Vec<_>>());
    assert_eq!(stack.pop(), None);
}

#[test]
fn dropping_a_stack_drops_what_it_holds() {
    dropping_drops_what_it_holds::<TreiberStack<Counted>>();
    dropping_drops_what_it_holds::<BaselineStack<Counted>>();
}

fn dropping_drops_what_it_holds<S: Stack<Counted>>() {
    let counter = Counter::default();
    let stack = S::default();
    for i in 0..100 {
        stack.push(counter.make(i));
    }
    let top = stack.pop().unwrap();
    assert_eq!(top.value, 99);
    drop(top);
    assert_eq!(counter.dropped(), 1);
    drop(stack);
    // The values are dropped by the pops in `drop`, at once; only nodes wait for reclamation.
    assert_eq!((counter.made(), counter.dropped()), (100, 100));
}

#[test]
fn concurrent_pushes_and_pops_lose_and_duplicate_nothing() {
    concurrent_pushes_and_pops::<TreiberStack<Counted>>();
}

#[test]
fn the_baseline_loses_and_duplicates_nothing_either() {
    concurrent_pushes_and_pops::<BaselineStack<Counted>>();
}

fn concurrent_pushes_and_pops<S: Stack<Counted>>() {
    let counter = Counter::default();
    let stack = S::default();
    let start = Barrier::new(usize::try_from(THREADS).unwrap());
    let popped: Vec<Vec<u64>> = thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (stack, counter, start) = (&stack, &counter, &start);
                scope.spawn(move || {
                    start.wait();
                    let mut mine = Vec::new();
                    for i in 0..PER_THREAD {
                        stack.push(counter.make(t * PER_THREAD + i));
                        // Pop about every other push, so the stack both grows and shrinks.
                        if i % 2 == 1 {
                            let value = stack.pop().expect("this thread pushed more");
                            assert!(value.is_intact(), "popped a corrupted value");
                            mine.push(value.value);
                        }
                    }
                    mine
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let mut seen: Vec<u64> = popped.into_iter().flatten().collect();
    let popped_count = seen.len();
    while let Some(value) = stack.pop() {
        assert!(value.is_intact());
        seen.push(value.value);
    }
    assert_eq!(seen.len(), usize::try_from(THREADS * PER_THREAD).unwrap());
    assert_eq!(multiset(seen), multiset(0..THREADS * PER_THREAD));
    assert!(popped_count > 0);
    assert!(stack.is_empty());
    drop(stack);
    common::reclaim_global_until(|| counter.alive() == 0);
    assert_eq!(counter.made(), counter.dropped(), "a value leaked");
}

#[test]
fn values_left_on_a_shared_stack_are_dropped_with_it() {
    let counter = Counter::default();
    let stack = TreiberStack::new();
    thread::scope(|scope| {
        for t in 0..THREADS {
            let (stack, counter) = (&stack, &counter);
            scope.spawn(move || {
                for i in 0..PER_THREAD / 4 {
                    stack.push(counter.make(t * PER_THREAD + i));
                }
            });
        }
    });
    let expected = usize::try_from(THREADS * (PER_THREAD / 4)).unwrap();
    assert_eq!(counter.alive(), expected);
    drop(stack);
    assert_eq!(counter.dropped(), expected);
}
