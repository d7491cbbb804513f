use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::protect::hazard_cache::StaticDomain;
use crate::reclaim::domain::{Domain, Global};
use haphazard::AtomicPtr;

fn cached() -> usize {
    Global::with_cache(HazardCache::len).unwrap()
}

/// Counts its drops in the counter it names (one per test: tests run in parallel).
struct Counted(&'static AtomicUsize);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_drained_cache_caches_nothing_more() {
    let cache = HazardCache::<Global>::new();
    assert!(
        cache
            .push(HazardPointer::new_in_domain(&Domain::global().engine))
            .is_none()
    );
    assert_eq!(cache.len(), 1);
    cache.drain_and_close();
    assert_eq!(cache.len(), 0);
    assert!(
        cache
            .push(HazardPointer::new_in_domain(&Domain::global().engine))
            .is_some(),
        "a closed cache hands the hazard pointer back"
    );
}

#[test]
fn drain_at_exit_empties_and_closes_the_threads_cache() {
    std::thread::spawn(|| {
        let guards: Vec<_> = (0..3).map(|_| CachedHazard::<Global>::acquire()).collect();
        drop(guards);
        assert_eq!(cached(), 3);
        // What the thread-local destructor does when the thread exits.
        drop(DrainAtExit::<Global>::new());
        assert_eq!(cached(), 0, "the records went back to the domain");
        drop(CachedHazard::<Global>::acquire());
        assert_eq!(
            cached(),
            0,
            "after the drain, released hazard pointers are dropped"
        );
    })
    .join()
    .unwrap();
}

/// A family whose drain at thread exit cannot be registered, as when its thread-local is
/// already destroyed.
struct Undrainable;

static UNDRAINABLE: Domain<Undrainable> = Domain::new(&Undrainable);
static DRAIN_REGISTRATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: `UNDRAINABLE` is the only `Domain<Undrainable>`, and the cache declared here only
// receives hazard pointers that `CachedHazard` and `HazardSet` made from it.
unsafe impl StaticDomain for Undrainable {
    fn domain() -> &'static Domain<Self> {
        &UNDRAINABLE
    }

    fn with_cache<R>(f: impl FnOnce(&HazardCache<Self>) -> R) -> Option<R> {
        std::thread_local! {
            static CACHE: HazardCache<Undrainable> = const { HazardCache::new() };
        }
        Some(CACHE.with(f))
    }

    fn drain_at_thread_exit() -> bool {
        DRAIN_REGISTRATIONS.fetch_add(1, Ordering::SeqCst);
        false
    }
}

#[test]
fn a_cache_whose_drain_cannot_be_registered_caches_nothing() {
    drop(CachedHazard::<Undrainable>::acquire());
    drop(HazardSet::<Undrainable, 3>::acquire());
    drop(CachedHazard::<Undrainable>::acquire());
    assert_eq!(
        Undrainable::with_cache(HazardCache::len),
        Some(0),
        "every hazard pointer went back to the domain"
    );
    assert_eq!(
        DRAIN_REGISTRATIONS.load(Ordering::SeqCst),
        1,
        "the first refusal closed the cache"
    );
}

#[test]
fn released_hazard_pointers_are_reused() {
    drop(CachedHazard::<Global>::acquire());
    let before = cached();
    assert!(before >= 1);
    let a = CachedHazard::<Global>::acquire();
    assert_eq!(cached(), before - 1);
    drop(a);
    assert_eq!(cached(), before);
}

#[test]
fn cache_holds_at_most_its_capacity() {
    let many: Vec<_> = (0..CACHE_CAPACITY + 4)
        .map(|_| CachedHazard::<Global>::acquire())
        .collect();
    drop(many);
    assert_eq!(cached(), CACHE_CAPACITY);
}

// The reclamation tests below each use a domain of their own: in the global domain, a
// reclamation another test runs at the same moment may hold our retired value while ours
// runs, and ours would then find nothing to free.
crate::static_unique_domain!(static CACHED_DOMAIN: Domain<CachedFamily>);
crate::static_unique_domain!(static SET_DOMAIN: Domain<SetFamily>);

#[test]
fn a_cached_hazard_pointer_protects_nothing() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);

    let ptr: AtomicPtr<Counted, CachedFamily> = AtomicPtr::from(Box::new(Counted(&DROPS)));
    let mut hazard = CachedHazard::<CachedFamily>::acquire();
    assert!(ptr.safe_load(hazard.hazard_pointer()).is_some());
    // Back into the cache: the record stays with this thread, its protection must not.
    drop(hazard);
    assert!(CachedFamily::with_cache(HazardCache::len).unwrap() >= 1);
    let old = ptr.swap(Box::new(Counted(&DROPS))).unwrap();
    // SAFETY: `old` was unlinked by the swap and is retired once, into the domain that
    // protected it.
    unsafe { old.retire_in(&CACHED_DOMAIN.engine) };
    // The retirement may already have reclaimed it (haphazard also reclaims on a timer).
    let _ = CACHED_DOMAIN.reclaim();
    assert_eq!(DROPS.load(Ordering::SeqCst), 1);
    // SAFETY: nothing protects the value; it is retired once.
    unsafe { ptr.retire_in(&CACHED_DOMAIN.engine) };
}

#[test]
fn a_set_takes_and_returns_n_hazard_pointers() {
    drop(HazardSet::<Global, 3>::acquire());
    let before = cached();
    assert!(before >= 3);
    let mut set = HazardSet::<Global, 3>::acquire();
    assert_eq!(cached(), before - 3);
    let [first, second, third] = set.slots().map(HazardSlot::into_hazard_pointer);
    let values: [AtomicPtr<u8, Global>; 3] = [1, 2, 3].map(|v| AtomicPtr::from(Box::new(v)));
    assert_eq!(
        (
            values[0].safe_load(first),
            values[1].safe_load(second),
            values[2].safe_load(third)
        ),
        (Some(&1), Some(&2), Some(&3))
    );
    drop(set);
    assert_eq!(cached(), before);
    for p in values {
        // SAFETY: nothing protects these values any more and they are retired once each.
        unsafe { p.retire_in(&Domain::global().engine) };
    }
}

#[test]
fn a_set_larger_than_the_cache_fills_it_and_drops_the_rest() {
    std::thread::spawn(|| {
        assert_eq!(cached(), 0);
        let set = HazardSet::<Global, { CACHE_CAPACITY + 3 }>::acquire();
        assert_eq!(cached(), 0);
        drop(set);
        assert_eq!(
            cached(),
            CACHE_CAPACITY,
            "the overflow went back to the domain"
        );
        let set = HazardSet::<Global, 2>::acquire();
        assert_eq!(cached(), CACHE_CAPACITY - 2, "taken from the cache");
        drop(set);
        assert_eq!(cached(), CACHE_CAPACITY);
    })
    .join()
    .unwrap();
}

#[test]
fn a_released_set_protects_nothing() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);

    let values: [AtomicPtr<Counted, SetFamily>; 3] =
        core::array::from_fn(|_| AtomicPtr::from(Box::new(Counted(&DROPS))));
    let mut set = HazardSet::<SetFamily, 3>::acquire();
    for (value, hazard) in values
        .iter()
        .zip(set.slots().map(HazardSlot::into_hazard_pointer))
    {
        assert!(value.safe_load(hazard).is_some());
    }
    drop(set);
    for value in values {
        // SAFETY: nothing protects the value once the set is released; retired once each.
        unsafe { value.retire_in(&SET_DOMAIN.engine) };
    }
    let _ = SET_DOMAIN.reclaim();
    assert_eq!(DROPS.load(Ordering::SeqCst), 3, "all three were reclaimed");
}
