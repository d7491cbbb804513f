//! `#[derive(HazardProtected)]` on every struct shape it supports: each generated method does what
//! its documentation says, and dropping the struct reclaims each field's last value exactly once.

mod common;

use common::{Counted, Counter, reclaim_global, reclaim_global_until};
use hazptr::{AtomicPtr, Domain, HazardDrop, HazardProtected, InstanceFamily, Protected};

#[derive(HazardProtected)]
struct Service {
    #[hazard]
    config: AtomicPtr<Counted>,
    #[hazard(rename = routes, non_null)]
    route_table: AtomicPtr<Counted>,
    hits: std::sync::atomic::AtomicU64,
}

#[test]
fn named_fields_swap_and_reclaim_every_value_once() {
    let counter = Counter::default();
    let svc = Service {
        config: hazptr::atomic_ptr(counter.make(1)),
        route_table: hazptr::atomic_ptr(counter.make(100)),
        hits: 0.into(),
    };
    for i in 2..=10 {
        svc.swap_and_retire_config(counter.make(i));
        svc.swap_and_retire_routes(Box::new(counter.make(100 + i)));
    }
    assert_eq!(svc.load_protected_config().map(|c| c.value), Some(10));
    assert_eq!(svc.load_protected_routes().value, 110);
    assert_eq!(svc.hits.load(std::sync::atomic::Ordering::Relaxed), 0);
    drop(svc);
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!(counter.made(), 20);
    assert_eq!(
        counter.dropped(),
        20,
        "every value, replaced or last, is freed once"
    );
}

#[test]
fn a_guard_keeps_its_value_alive_across_a_replace() {
    let counter = Counter::default();
    let svc = Service {
        config: hazptr::atomic_ptr(counter.make(1)),
        route_table: hazptr::atomic_ptr(counter.make(2)),
        hits: 0.into(),
    };
    let old = svc.load_protected_config().unwrap();
    svc.swap_and_retire_config(counter.make(3));
    reclaim_global();
    assert_eq!(counter.dropped(), 0, "the guard still protects value 1");
    assert!(old.is_intact());
    assert_eq!(old.value, 1);
    assert_eq!(svc.load_protected_config().unwrap().value, 3);
    drop(old);
    reclaim_global_until(|| counter.dropped() >= 1);
    assert_eq!(counter.dropped(), 1, "value 1 is freed once unprotected");
    drop(svc);
    reclaim_global_until(|| counter.dropped() >= 3);
    assert_eq!(counter.dropped(), 3);
}

#[test]
fn compare_exchange_retires_on_success_and_hands_back_on_failure() {
    let counter = Counter::default();
    let svc = Service {
        config: hazptr::atomic_ptr(counter.make(1)),
        route_table: hazptr::atomic_ptr(counter.make(2)),
        hits: 0.into(),
    };
    let current = svc.load_protected_config().unwrap();
    assert!(
        svc.compare_exchange_and_retire_config(Some(&current), counter.make(3))
            .is_ok()
    );
    // `current` is stale now: the exchange fails and gives the new value back.
    let refused = svc
        .compare_exchange_and_retire_config(Some(&current), counter.make(4))
        .unwrap_err();
    assert_eq!(refused.value, 4);
    drop(refused);
    assert!(
        svc.compare_exchange_and_retire_config(None, counter.make(5))
            .is_err()
    );
    let routes = svc.load_protected_routes();
    assert!(
        svc.compare_exchange_and_retire_routes(&routes, counter.make(6))
            .is_ok()
    );
    drop((current, routes));
    assert_eq!(svc.load_protected_config().unwrap().value, 3);
    assert_eq!(svc.load_protected_routes().value, 6);
    drop(svc);
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!(counter.made(), 6);
    assert_eq!(counter.dropped(), 6);
}

#[test]
fn update_and_clear() {
    let counter = Counter::default();
    let svc = Service {
        config: hazptr::null_ptr(),
        route_table: hazptr::atomic_ptr(counter.make(0)),
        hits: 0.into(),
    };
    assert!(svc.load_protected_config().is_none());
    assert!(!svc.clear_and_retire_config(), "nothing to clear");
    for _ in 0..5 {
        svc.update_config(|old| counter.make(old.map_or(1, |c| c.value * 2)));
        svc.update_routes(|old| counter.make(old.value + 1));
    }
    assert_eq!(svc.load_protected_config().unwrap().value, 16);
    assert_eq!(svc.load_protected_routes().value, 5);
    assert!(svc.clear_and_retire_config());
    assert!(svc.load_protected_config().is_none());
    drop(svc);
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!(counter.made(), 11);
    assert_eq!(counter.dropped(), 11);
}

#[test]
fn updates_from_many_threads_lose_nothing() {
    let counter = Counter::default();
    let svc = Service {
        config: hazptr::atomic_ptr(counter.make(0)),
        route_table: hazptr::atomic_ptr(counter.make(0)),
        hits: 0.into(),
    };
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..250 {
                    svc.update_config(|old| counter.make(old.unwrap().value + 1));
                }
            });
        }
    });
    assert_eq!(svc.load_protected_config().unwrap().value, 1000);
    drop(svc);
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!(
        counter.alive(),
        0,
        "every attempt's value, won or lost, is freed"
    );
}

/// A newtype gets the bare method names.
#[derive(HazardProtected)]
struct Slot(#[hazard] AtomicPtr<Counted>);

#[test]
fn newtype_gets_bare_names() {
    let counter = Counter::default();
    let slot = Slot(hazptr::atomic_ptr(counter.make(1)));
    slot.swap_and_retire(counter.make(2));
    slot.update(|old| counter.make(old.unwrap().value + 1));
    let current = slot.load_protected().unwrap();
    assert_eq!(current.value, 3);
    assert!(
        slot.compare_exchange_and_retire(Some(&current), counter.make(4))
            .is_ok()
    );
    drop(current);
    assert!(slot.clear_and_retire());
    drop(slot);
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!((counter.made(), counter.dropped()), (4, 4));
}

/// Several fields of a tuple struct, named with `rename`.
#[derive(HazardProtected)]
struct Pair(
    #[hazard(rename = left)] AtomicPtr<Counted>,
    #[hazard(rename = right, non_null)] AtomicPtr<Counted>,
);

#[test]
fn tuple_struct_fields_use_their_rename() {
    let counter = Counter::default();
    let pair = Pair(hazptr::null_ptr(), hazptr::atomic_ptr(counter.make(2)));
    pair.swap_and_retire_left(counter.make(1));
    pair.swap_and_retire_right(counter.make(3));
    assert_eq!(
        (
            pair.load_protected_left().unwrap().value,
            pair.load_protected_right().value
        ),
        (1, 3)
    );
    drop(pair);
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!((counter.made(), counter.dropped()), (3, 3));
}

/// A generic struct, with a lifetime and a where clause.
#[derive(HazardProtected)]
struct Generic<'a, T, const N: usize>
where
    T: Send + Sync + 'static,
{
    #[hazard]
    items: AtomicPtr<[T; N]>,
    label: &'a str,
}

#[test]
fn generic_struct() {
    let counter = Counter::default();
    let label = String::from("pair");
    let g: Generic<'_, Counted, 2> = Generic {
        items: hazptr::atomic_ptr([counter.make(1), counter.make(2)]),
        label: &label,
    };
    g.swap_and_retire_items([counter.make(3), counter.make(4)]);
    let items = g.load_protected_items().unwrap();
    assert_eq!([items[0].value, items[1].value], [3, 4]);
    assert_eq!(g.label, "pair");
    drop(items);
    drop(g);
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!((counter.made(), counter.dropped()), (4, 4));
}

/// A generic struct with a concrete pointee next to the generic one, and a pointee naming `Self`
/// (a node linking to the next): the concrete pointee's bounds are checked instead of stated on
/// the impl, and its field works and is reclaimed like the others.
#[derive(HazardProtected)]
struct Mixed<T: Send + Sync + 'static> {
    #[hazard]
    generic: AtomicPtr<T>,
    #[hazard(non_null)]
    concrete: AtomicPtr<Counted>,
    #[hazard]
    next: AtomicPtr<Self>,
}

#[test]
fn generic_concrete_and_self_pointees_in_one_struct() {
    let counter = Counter::default();
    let leaf = Mixed {
        generic: hazptr::atomic_ptr(counter.make(1)),
        concrete: hazptr::atomic_ptr(counter.make(2)),
        next: hazptr::null_ptr(),
    };
    let root = Mixed {
        generic: hazptr::atomic_ptr(counter.make(3)),
        concrete: hazptr::atomic_ptr(counter.make(4)),
        next: hazptr::atomic_ptr(leaf),
    };
    root.swap_and_retire_concrete(counter.make(5));
    root.update_generic(|old| counter.make(old.map_or(0, |old| old.value) + 10));
    let next = root.load_protected_next().expect("linked");
    assert_eq!(next.load_protected_concrete().value, 2);
    assert_eq!(root.load_protected_generic().map(|g| g.value), Some(13));
    drop(next);
    drop(root);
    // A first reclamation frees `leaf`, whose drop retires its own fields' values; a later one
    // frees those.
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!((counter.made(), counter.dropped()), (6, 6));
}

/// A struct with its own domain: everything it retired is freed when it is dropped, at once.
struct QueueFamily;
impl InstanceFamily for QueueFamily {}

#[derive(HazardProtected)]
#[hazard(domain = domain)]
struct Owned {
    #[hazard]
    current: AtomicPtr<(Counted, String), QueueFamily>,
    domain: Domain<QueueFamily>,
}

#[test]
fn per_instance_domain_frees_everything_when_the_struct_drops() {
    let counter = Counter::default();
    let owned = Owned {
        current: hazptr::atomic_ptr((counter.make(0), "first".to_owned())),
        domain: Domain::new(&QueueFamily),
    };
    let first = owned.load_protected_current().unwrap();
    for i in 1..=50 {
        owned.swap_and_retire_current((counter.make(i), format!("value {i}")));
    }
    owned.domain.reclaim();
    assert_eq!(
        counter.dropped(),
        49,
        "all but the protected first value and the current one"
    );
    assert_eq!(first.0.value, 0);
    assert!(first.0.is_intact());
    drop(first);
    owned.domain.reclaim();
    assert_eq!(counter.dropped(), 50);
    drop(owned);
    assert_eq!(
        counter.dropped(),
        51,
        "dropping the struct frees its last value with its domain"
    );
}

#[derive(HazardProtected)]
struct OwnedNonNull {
    #[hazard(domain = domain, non_null)]
    current: AtomicPtr<Counted, QueueFamily>,
    domain: Domain<QueueFamily>,
}

#[test]
fn a_reused_instance_hazard_protects_its_latest_load_only() {
    let counter = Counter::default();
    let owned = OwnedNonNull {
        current: hazptr::atomic_ptr(counter.make(0)),
        domain: Domain::new(&QueueFamily),
    };
    let mut hazard = owned.hazard_pointer_current();
    let first = owned.load_protected_current_with(&mut hazard);
    assert_eq!(first.value, 0);
    owned.swap_and_retire_current(counter.make(1));
    owned.domain.reclaim();
    assert_eq!(counter.dropped(), 0, "the hazard pointer protects value 0");
    assert!(first.is_intact());

    // The next load through the same hazard pointer moves its protection to value 1.
    let second = owned.load_protected_current_with(&mut hazard);
    assert_eq!(second.value, 1);
    owned.domain.reclaim();
    assert_eq!(
        counter.dropped(),
        1,
        "value 0 is no longer protected, so it is freed"
    );
    owned.swap_and_retire_current(counter.make(2));
    owned.domain.reclaim();
    assert_eq!(counter.dropped(), 1, "value 1 is protected");
    drop(hazard);
    owned.domain.reclaim();
    assert_eq!(counter.dropped(), 2);
    drop(owned);
    assert_eq!(counter.dropped(), 3);
}

#[test]
fn an_instance_hazard_reads_an_optional_field_across_threads() {
    let counter = Counter::default();
    let owned = Owned {
        current: hazptr::atomic_ptr((counter.make(0), "v0".to_owned())),
        domain: Domain::new(&QueueFamily),
    };
    std::thread::scope(|s| {
        let readers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut hazard = owned.hazard_pointer_current();
                    let mut last = 0;
                    for _ in 0..2_000 {
                        let (value, name) = owned.load_protected_current_with(&mut hazard).unwrap();
                        assert!(value.is_intact());
                        assert_eq!(*name, format!("v{}", value.value));
                        assert!(value.value >= last, "values only grow");
                        last = value.value;
                    }
                })
            })
            .collect();
        for i in 1..=500 {
            owned.swap_and_retire_current((counter.make(i), format!("v{i}")));
        }
        for reader in readers {
            reader.join().unwrap();
        }
    });
    assert!(owned.clear_and_retire_current());
    assert!(
        owned
            .load_protected_current_with(&mut owned.hazard_pointer_current())
            .is_none()
    );
    drop(owned);
    assert_eq!(counter.alive(), 0, "every value was freed exactly once");
}

#[test]
#[should_panic = "belongs to another struct's domain"]
fn an_instance_hazard_of_another_struct_is_refused() {
    let counter = Counter::default();
    let a = OwnedNonNull {
        current: hazptr::atomic_ptr(counter.make(0)),
        domain: Domain::new(&QueueFamily),
    };
    let b = OwnedNonNull {
        current: hazptr::atomic_ptr(counter.make(1)),
        domain: Domain::new(&QueueFamily),
    };
    let mut hazard_of_a = a.hazard_pointer_current();
    let _ = b.load_protected_current_with(&mut hazard_of_a);
}

hazptr::static_unique_domain!(
    /// A family with a static domain of its own.
    static ROUTES: Domain<RouteFamily>
);

#[derive(HazardProtected)]
struct Router {
    #[hazard(non_null)]
    table: AtomicPtr<Counted, RouteFamily>,
}

#[test]
fn static_unique_domain_family() {
    let counter = Counter::default();
    let router = Router {
        table: hazptr::atomic_ptr(counter.make(1)),
    };
    let guard: Protected<'_, Counted, RouteFamily> = router.load_protected_table();
    router.swap_and_retire_table(counter.make(2));
    // Hand the retired value to the domain (with the asymmetric barrier it waits in this
    // thread's batch until then).
    hazptr::flush_retired();
    assert_eq!(ROUTES.reclaim(), 0, "value 1 is protected");
    drop(guard);
    assert_eq!(ROUTES.reclaim(), 1);
    drop(router);
    hazptr::flush_retired();
    ROUTES.reclaim();
    assert_eq!((counter.made(), counter.dropped()), (2, 2));
}

/// Custom drop logic runs first, with every field still in place.
#[derive(HazardProtected)]
#[hazard(custom_drop)]
struct Logged {
    #[hazard(non_null)]
    state: AtomicPtr<Counted>,
    seen_on_drop: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl HazardDrop for Logged {
    fn drop(&mut self) {
        let value = self.load_protected_state().value;
        self.seen_on_drop
            .store(value, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn custom_drop_runs_before_reclamation() {
    let counter = Counter::default();
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let logged = Logged {
        state: hazptr::atomic_ptr(counter.make(7)),
        seen_on_drop: seen.clone(),
    };
    logged.swap_and_retire_state(counter.make(8));
    drop(logged);
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 8);
    assert_eq!((counter.made(), counter.dropped()), (2, 2));
}

/// A custom drop that panics: the fields are reclaimed all the same, during the unwinding.
#[derive(HazardProtected)]
#[hazard(custom_drop)]
struct Fragile {
    #[hazard]
    state: AtomicPtr<Counted>,
}

impl HazardDrop for Fragile {
    fn drop(&mut self) {
        panic!("custom drop failed");
    }
}

#[test]
fn a_panicking_custom_drop_still_reclaims_the_fields() {
    let counter = Counter::default();
    let fragile = Fragile {
        state: hazptr::atomic_ptr(counter.make(1)),
    };
    fragile.swap_and_retire_state(counter.make(2));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(fragile)));
    assert!(
        outcome.is_err(),
        "the custom drop's panic reaches the caller"
    );
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!(
        (counter.made(), counter.dropped()),
        (2, 2),
        "nothing leaked"
    );
}

#[test]
#[should_panic(expected = "`#[hazard(non_null)]` field is null")]
fn a_non_null_field_made_empty_by_safe_code_panics_instead_of_misbehaving() {
    let counter = Counter::default();
    let mut svc = Service {
        config: hazptr::null_ptr(),
        route_table: hazptr::atomic_ptr(counter.make(1)),
        hits: 0.into(),
    };
    // Safe code can move an empty `AtomicPtr` into a `non_null` field through `&mut`.
    std::mem::swap(&mut svc.config, &mut svc.route_table);
    let _ = svc.load_protected_routes();
}
