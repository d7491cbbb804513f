//! What a new user meets in a first hour, as running code: a struct with a std `AtomicPtr`
//! written out beside its `#[hazard]` field (the derive leaves the std one alone, and frees the
//! hazptr one's values once), a `non_null` field read by `protected!` (an `Option`, bound with
//! let-else), and a chain read with `Head::iter`. The misuses of that hour are the UI cases and
//! the README's "Common errors".

mod common;

use std::sync::atomic::Ordering;

use common::{Counted, Counter, reclaim_global_until};
use hazptr::{AtomicPtr, HazardProtected, Head, Owned, protected};

#[derive(HazardProtected)]
struct Service {
    #[hazard(non_null)]
    config: AtomicPtr<Counted>,
    /// std's, written out: not hazptr's, so not the derive's (and not reported as unmarked).
    scratch: std::sync::atomic::AtomicPtr<u8>,
}

#[test]
fn a_std_atomic_ptr_written_out_sits_beside_a_hazard_field() {
    let counter = Counter::default();
    let mut byte = 7u8;
    let svc = Service {
        config: hazptr::atomic_ptr(counter.make(1)),
        scratch: std::sync::atomic::AtomicPtr::new(&raw mut byte),
    };
    svc.swap_and_retire_config(counter.make(2));
    {
        protected! {
            // A `non_null` field still binds an `Option` in `protected!`.
            let Some(config) = svc.config else { unreachable!("never empty") };
        }
        assert_eq!(config.value, 2);
    }
    // SAFETY: `scratch` points at `byte`, which outlives this read, and nothing writes it.
    assert_eq!(unsafe { *svc.scratch.load(Ordering::Relaxed) }, 7);
    drop(svc);
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!(
        (counter.made(), counter.dropped()),
        (2, 2),
        "both configs freed, once each; the std field's byte untouched"
    );
    assert_eq!(byte, 7);
}

#[test]
fn a_chain_read_with_iter_in_order() {
    let counter = Counter::default();
    let head: Head<Counted> = Head::new();
    for value in [3, 2, 1] {
        head.push_front(Owned::new(counter.make(value)));
    }
    let sum: u64 = head.iter().map(|value| value.value).sum();
    assert_eq!(sum, 6);
    let values: Vec<u64> = head.iter().map(|value| value.value).collect();
    assert_eq!(values, [1, 2, 3]);
    drop(head);
    assert_eq!(counter.alive(), 0, "the head frees its chain when it drops");
}
