//! A per-thread cache of hazard pointers, one per static domain family.
//!
//! `haphazard` hands out a hazard pointer by taking a record from a domain-wide list guarded by
//! a lock bit (about 22 ns on our machines) and gives it back on drop. Guards are created on
//! every read, so hazptr keeps a few released hazard pointers per thread and reuses them: taking
//! one from the cache is a thread-local access and a couple of plain loads and stores. A cached
//! hazard pointer protects nothing (its protection is reset before it is cached); the records it
//! holds go back to the domain when the thread exits.

use core::cell::Cell;
use core::mem::ManuallyDrop;

use haphazard::{Domain, Global, HazardPointer};

/// How many released hazard pointers a thread keeps per domain family.
///
/// Every cached hazard pointer keeps a hazard record of the domain busy, and reclamation scans
/// all records, so the cache stays small: enough for a `protected!` block with several bindings
/// plus a few guards held at once.
pub(crate) const CACHE_CAPACITY: usize = 8;

/// The released hazard pointers of one thread, for one domain family.
///
/// Used only through [`StaticDomain::with_cache`]; users never name it.
#[doc(hidden)]
pub struct HazardCache<F: 'static> {
    len: Cell<usize>,
    slots: [Cell<Option<HazardPointer<'static, F>>>; CACHE_CAPACITY],
}

impl<F: 'static> HazardCache<F> {
    /// An empty cache (usable in a `const` thread-local initialiser).
    #[must_use]
    pub const fn new() -> Self {
        Self {
            len: Cell::new(0),
            slots: [const { Cell::new(None) }; CACHE_CAPACITY],
        }
    }

    /// Takes a cached hazard pointer, if there is one.
    #[inline]
    fn pop(&self) -> Option<HazardPointer<'static, F>> {
        let len = self.len.get().checked_sub(1)?;
        self.len.set(len);
        self.slots[len].take()
    }

    /// Caches `hazard`, or hands it back when the cache is full.
    #[inline]
    fn push(&self, hazard: HazardPointer<'static, F>) -> Result<(), HazardPointer<'static, F>> {
        let len = self.len.get();
        match self.slots.get(len) {
            Some(slot) => {
                slot.set(Some(hazard));
                self.len.set(len + 1);
                Ok(())
            }
            None => Err(hazard),
        }
    }

    /// How many hazard pointers are cached.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len.get()
    }
}

impl<F: 'static> Default for HazardCache<F> {
    fn default() -> Self {
        Self::new()
    }
}

/// A domain family with exactly one domain, which lives as long as the program: the
/// [global domain](Global), or one declared with [`static_unique_domain!`](crate::static_unique_domain).
///
/// Fields whose family implements `StaticDomain` need no domain of their own: loads take their
/// hazard pointer from a per-thread cache, and `protected!` can read them. Implemented for
/// [`Global`]; [`static_unique_domain!`](crate::static_unique_domain) implements it for the
/// families it declares. Do not implement it by hand.
///
/// # Safety
///
/// `domain()` returns the same domain on every call, and no other `Domain<Self>` ever exists (the
/// promise `haphazard::Singleton` makes), so protecting through it and retiring into it always
/// meet. `with_cache` runs `f` on a cache that only ever holds hazard pointers of `domain()`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the family of a static domain",
    label = "this family has no program-wide domain",
    note = "a `#[hazard]` field without `domain = …` (and every place read by `protected!`) must use the global domain or a family declared with `hazptr::static_unique_domain!`",
    note = "for a domain stored in the struct, name its field: `#[hazard(domain = field_name)]`"
)]
pub unsafe trait StaticDomain: Sized + 'static {
    /// The one domain of this family.
    fn domain() -> &'static Domain<Self>;

    /// Runs `f` on this thread's hazard-pointer cache of this family; `None` when the thread's
    /// storage has already been torn down (during thread exit).
    #[doc(hidden)]
    fn with_cache<R>(f: impl FnOnce(&HazardCache<Self>) -> R) -> Option<R>;
}

crate::__hazard_cache_key!(GLOBAL_CACHE: Global);

// SAFETY: `Domain::global()` is a single static; hazptr never creates another `Domain<Global>`,
// and `GLOBAL_CACHE` only receives hazard pointers made by `CachedHazard`/`HazardSet` from
// `Global::domain()`.
unsafe impl StaticDomain for Global {
    #[inline]
    fn domain() -> &'static Domain<Self> {
        Domain::global()
    }

    #[inline]
    fn with_cache<R>(f: impl FnOnce(&HazardCache<Self>) -> R) -> Option<R> {
        GLOBAL_CACHE.try_with(f).ok()
    }
}

/// Takes a hazard pointer of `F`'s domain: from this thread's cache when it has one.
#[inline]
fn acquire<F: StaticDomain>() -> HazardPointer<'static, F> {
    match F::with_cache(HazardCache::pop) {
        Some(Some(hazard)) => hazard,
        _ => HazardPointer::new_in_domain(F::domain()),
    }
}

/// Ends `hazard`'s protection and caches it; if the cache is full or gone, drops it, which hands
/// its record back to the domain.
#[inline]
fn release<F: StaticDomain>(mut hazard: HazardPointer<'static, F>) {
    hazard.reset_protection();
    // When the closure does not run (thread-local storage already destroyed), it is dropped with
    // `hazard` inside, which releases the record just the same.
    let _full = F::with_cache(move |cache| cache.push(hazard));
}

/// One hazard pointer of a static domain, returned to the per-thread cache when dropped.
///
/// This is what a [`Protected`](crate::Protected) guard holds.
#[doc(hidden)]
pub struct CachedHazard<F: StaticDomain> {
    // Only `Drop` takes it out, exactly once.
    hazard: ManuallyDrop<HazardPointer<'static, F>>,
}

impl<F: StaticDomain> CachedHazard<F> {
    /// A hazard pointer from this thread's cache, or a new one.
    #[inline]
    #[must_use]
    pub fn acquire() -> Self {
        Self {
            hazard: ManuallyDrop::new(acquire()),
        }
    }

    /// The hazard pointer, to protect with.
    #[inline]
    pub fn hazard_pointer(&mut self) -> &mut HazardPointer<'static, F> {
        &mut self.hazard
    }
}

impl<F: StaticDomain> Drop for CachedHazard<F> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: `drop` runs at most once and `self.hazard` is not used after it, so taking the
        // value out of the `ManuallyDrop` cannot duplicate it.
        let hazard = unsafe { ManuallyDrop::take(&mut self.hazard) };
        release(hazard);
    }
}

/// `N` hazard pointers of one static domain, taken from and returned to the per-thread cache in
/// one thread-local access each way. `protected!` keeps one in a hidden local.
#[doc(hidden)]
pub struct HazardSet<F: StaticDomain, const N: usize> {
    // Only `Drop` takes them out, each exactly once.
    hazards: [ManuallyDrop<HazardPointer<'static, F>>; N],
}

impl<F: StaticDomain, const N: usize> HazardSet<F, N> {
    /// `N` hazard pointers, from this thread's cache as far as it goes.
    #[inline]
    #[must_use]
    pub fn acquire() -> Self {
        let cached: Option<[Option<HazardPointer<'static, F>>; N]> =
            F::with_cache(|cache| core::array::from_fn(|_| cache.pop()));
        let mut cached = cached.unwrap_or_else(|| core::array::from_fn(|_| None));
        Self {
            hazards: core::array::from_fn(|i| {
                ManuallyDrop::new(
                    cached[i]
                        .take()
                        .unwrap_or_else(|| HazardPointer::new_in_domain(F::domain())),
                )
            }),
        }
    }

    /// Each hazard pointer, borrowed separately so that each can protect its own binding.
    #[inline]
    pub fn each_mut(&mut self) -> [&mut HazardPointer<'static, F>; N] {
        self.hazards.each_mut().map(|hazard| &mut **hazard)
    }
}

impl<F: StaticDomain, const N: usize> Drop for HazardSet<F, N> {
    #[inline]
    fn drop(&mut self) {
        let mut hazards = self.hazards.each_mut().map(|hazard| {
            // SAFETY: `drop` runs at most once and each slot is taken exactly once, here; nothing
            // reads `self.hazards` afterwards.
            unsafe { ManuallyDrop::take(hazard) }
        });
        for hazard in &mut hazards {
            hazard.reset_protection();
        }
        // If the closure does not run, dropping it drops the hazard pointers, which releases them.
        let _ = F::with_cache(move |cache| {
            for hazard in hazards {
                let _full = cache.push(hazard);
            }
        });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use haphazard::AtomicPtr;

    fn cached() -> usize {
        Global::with_cache(HazardCache::len).unwrap()
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

    #[test]
    fn a_cached_hazard_pointer_protects_nothing() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        struct Counted;
        impl Drop for Counted {
            fn drop(&mut self) {
                DROPS.fetch_add(1, Ordering::SeqCst);
            }
        }

        let ptr: AtomicPtr<Counted> = AtomicPtr::from(Box::new(Counted));
        let mut hazard = CachedHazard::<Global>::acquire();
        assert!(ptr.safe_load(hazard.hazard_pointer()).is_some());
        // Back into the cache: the record stays with this thread, its protection must not.
        drop(hazard);
        assert!(cached() >= 1);
        let old = ptr.swap(Box::new(Counted)).unwrap();
        // SAFETY: `old` was unlinked by the swap and is retired once, into the global domain
        // that protected it.
        unsafe { old.retire() };
        let _ = Domain::global().eager_reclaim();
        assert_eq!(DROPS.load(Ordering::SeqCst), 1);
        // SAFETY: nothing protects the value; it is retired once.
        unsafe { ptr.retire() };
    }

    #[test]
    fn a_set_takes_and_returns_n_hazard_pointers() {
        drop(HazardSet::<Global, 3>::acquire());
        let before = cached();
        assert!(before >= 3);
        let mut set = HazardSet::<Global, 3>::acquire();
        assert_eq!(cached(), before - 3);
        let [first, second, third] = set.each_mut();
        let values: [AtomicPtr<u8>; 3] = [1, 2, 3].map(|v| AtomicPtr::from(Box::new(v)));
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
            unsafe { p.retire() };
        }
    }
}
