//! An attacker's program: safe code (`forbid(unsafe_code)`) that calls every item of hazptr it
//! can name, the hidden ones (`__private`, the hidden macros) included, in the ways the derive
//! never would: twice, out of order, on the wrong types, after the value is gone. Each test
//! asserts what it observes (drop counts, values read, panics where a misuse is refused), and
//! `scripts/miri.sh` runs them all under Miri, which reports any use-after-free, double free or
//! leak such a call could cause.
#![forbid(unsafe_code)]

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use common::{Counted, Counter, reclaim_global_until};
use hazptr::__private::{
    Field, HazardCache, HazardSet, HazptrAtomicPtr, PointeeSend, PointeeSync, RetireOnExit,
    non_null, protect,
};
use hazptr::{AtomicPtr, Domain, Global, HazardProtected, StaticDomain};

#[derive(HazardProtected)]
struct Holder {
    #[hazard]
    value: AtomicPtr<Counted>,
}

/// The question the derive asks about `Holder::value`, asked by hand.
fn place(holder: &Holder) -> hazptr::__private::StaticPlace<'_, Counted, Global> {
    Field::<AtomicPtr<Counted>, Counted, Global>::NEW.static_domain(&holder.value)
}

/// Whether `f` panicked.
fn panics(f: impl FnOnce()) -> bool {
    catch_unwind(AssertUnwindSafe(f)).is_err()
}

#[test]
fn the_place_retires_what_it_takes_out_once_whatever_the_calls() {
    let counter = Counter::default();
    let holder = Holder {
        value: AtomicPtr::new(counter.make(1)),
    };
    // What the struct's drop does, called by hand, twice, then the drop itself.
    assert!(place(&holder).clear_and_retire());
    assert!(
        !place(&holder).clear_and_retire(),
        "nothing is left to retire"
    );
    assert!(place(&holder).load().is_none());
    assert!(holder.load_protected_value().is_none());
    drop(holder);
    reclaim_global_until(|| counter.dropped() == 1);
    assert_eq!((counter.made(), counter.dropped()), (1, 1));
}

#[test]
fn a_value_read_through_the_place_outlives_its_retirement() {
    let counter = Counter::default();
    let holder = Holder {
        value: AtomicPtr::new(counter.make(7)),
    };
    let guard = place(&holder).load().expect("not empty");
    place(&holder).swap_and_retire(counter.make(8));
    assert!(place(&holder).clear_and_retire());
    hazptr::reclaim();
    assert_eq!(
        (guard.value, guard.is_intact()),
        (7, true),
        "still protected"
    );
    assert_eq!(counter.dropped(), 1, "only the unprotected 8 was freed");
    drop(guard);
    reclaim_global_until(|| counter.dropped() == 2);
    assert_eq!(counter.dropped(), 2);
}

#[test]
fn every_place_method_keeps_the_counts() {
    let counter = Counter::default();
    let holder = Holder {
        value: AtomicPtr::null(),
    };
    let p = place(&holder);
    assert!(p.compare_exchange_and_retire(None, counter.make(1)).is_ok());
    let stale = p.compare_exchange_and_retire(None, counter.make(2));
    drop(stale.expect_err("not empty any more"));
    p.update(|old| counter.make(old.map_or(0, |old| old.value) + 10));
    assert_eq!(p.load().map(|v| v.value), Some(11));
    // Installs without retiring (the old value's ownership would be the caller's, which safe
    // code can only leak: into an empty field here, so that nothing leaks under Miri); refused
    // when the field is not what the caller says.
    let other = Holder {
        value: AtomicPtr::null(),
    };
    let q = place(&other);
    let refused =
        q.compare_exchange_without_retire(std::ptr::from_ref(&*p.load().unwrap()), counter.make(3));
    drop(refused.expect_err("`other` is empty"));
    assert!(
        q.compare_exchange_without_retire(std::ptr::null(), counter.make(4))
            .is_ok()
    );
    drop((holder, other));
    reclaim_global_until(|| counter.dropped() == 5);
    // 2 and 3 (refused), 1 (replaced by the update), 11 and 4 (on drop).
    assert_eq!((counter.made(), counter.dropped()), (5, 5));
}

#[test]
fn an_unproven_field_is_refused_at_run_time_too() {
    // Bounds that do not hold, or a field that is not a `hazptr::AtomicPtr`: the derive's check
    // rejects such a field at compile time; asked by hand, the question panics.
    let rc: AtomicPtr<Rc<u8>> = AtomicPtr::null();
    assert!(panics(|| {
        let _ = Field::<AtomicPtr<Rc<u8>>, Rc<u8>, Global>::NEW.static_domain(&rc);
    }));
    assert!(panics(|| {
        let _ = Field::<u32, String, Global>::NEW.static_domain(&5);
    }));
    let domain = Domain::new(&());
    assert!(panics(|| {
        let _ = Field::<AtomicPtr<String, ()>, String, (), u8>::NEW.instance_domain(&0);
    }));
    // The right types give a proof, which only `unsafe` code can pair with a field.
    let _proof =
        Field::<AtomicPtr<String, ()>, String, (), Domain<()>>::NEW.instance_domain(&domain);
    assert!(panics(|| {
        let _: u8 = non_null(None);
    }));
    assert_eq!(non_null(Some(3)), 3);
}

#[test]
fn protected_sets_lend_only_opaque_slots() {
    let counter = Counter::default();
    let places: [AtomicPtr<Counted>; 3] = [0, 1, 2].map(|v| AtomicPtr::new(counter.make(v)));
    {
        let mut set = HazardSet::<Global, 3>::acquire();
        let [a, b, c] = set.slots();
        let read = [
            protect(a, places[0].as_atomic_ptr()),
            protect(b, &places[1]),
            protect(c, &places[2]),
        ];
        assert_eq!(
            read.map(|v| v.map(|v| v.value)),
            [Some(0), Some(1), Some(2)]
        );
    }
    {
        // Through the macro the runtime hands `hazptr::protected!`, with the crate path given.
        hazptr::__private::protected!([hazptr] let first = places[0];);
        assert_eq!(first.map(|v| v.value), Some(0));
    }
    let holders = places.map(|value| Holder { value });
    drop(holders);
    reclaim_global_until(|| counter.dropped() == 3);
    assert_eq!(counter.dropped(), 3);
}

#[test]
fn the_caches_can_be_drained_and_closed_by_anyone() {
    std::thread::spawn(|| {
        let counter = Counter::default();
        let holder = Holder {
            value: AtomicPtr::new(counter.make(5)),
        };
        assert_eq!(holder.load_protected_value().map(|v| v.value), Some(5));
        // Close this thread's cache by hand, then drain a stray cache and a stray drain.
        let _ = Global::with_cache(HazardCache::drain_and_close);
        HazardCache::<Global>::new().drain_and_close();
        drop(hazptr::__private::DrainAtExit::<Global>::new());
        // Guards still work, their hazard pointers going back to the domain.
        for _ in 0..3 {
            assert_eq!(holder.load_protected_value().map(|v| v.value), Some(5));
        }
        drop(holder);
        reclaim_global_until(|| counter.dropped() == 1);
        assert_eq!(counter.dropped(), 1);
    })
    .join()
    .unwrap();
}

#[test]
fn the_check_items_and_the_drop_helper_do_nothing_harmful() {
    let () = <String as PointeeSend>::HOLDS;
    let () = <String as PointeeSync>::HOLDS;
    hazptr::__private::assert_static_pointee::<String>();
    hazptr::__private::assert_hazptr_atomic_ptr::<AtomicPtr<u8>, u8, Global>();
    hazptr::__private::assert_owned_domain::<Domain<()>, ()>();
    hazptr::__private::assert_static_domain::<Global>();
    hazptr::__private::assert_instance_family::<()>();
    let mut runs = 0;
    drop(RetireOnExit(&mut runs, |runs| *runs += 1));
    assert_eq!(runs, 1);
    // Also when what runs before it panics.
    let mut runs = 0;
    assert!(panics(|| {
        let on_exit = RetireOnExit(&mut runs, |runs| *runs += 1);
        let _ = &on_exit;
        panic!("a custom drop that panics");
    }));
    assert_eq!(runs, 1);
    // `__domain_static!` only declares a domain, as `Domain::new` does (the global family cannot
    // be constructed outside haphazard, so not a second global domain), and `__domain_ref!`
    // names it: neither makes the family a `StaticDomain`, which takes an `unsafe impl`.
    struct Mine;
    hazptr::__domain_static!(EXTRA: Mine = Mine);
    let extra: &Domain<Mine> = hazptr::__domain_ref!(EXTRA);
    assert_eq!(extra.reclaim(), 0);
}
