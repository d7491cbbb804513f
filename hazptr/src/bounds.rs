//! The bounds a `#[hazard]` pointee must meet, as traits whose unmet-bound errors explain
//! themselves.
//!
//! Each is implemented for exactly the types with the underlying bound: the runtime's functions
//! are bounded by these traits and the derive repeats them in its `where` clauses, so a missing
//! bound is reported once, with this module's message, at the user's field type.

use haphazard::{AtomicPtr, Domain, HazardPointer};

/// A value a `#[hazard]` field points to is `Send`: it can be retired.
///
/// Rather than having `Send` as a supertrait, this trait carries the one operation that needs
/// `Send`, so a failing `where Pointee: PointeeSend` clause reports this trait's message (a
/// supertrait would make rustc report the bare `Send` error instead).
///
/// # Safety
///
/// Implement it only for `Send` types; the blanket implementation covers all of them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the value of a `hazptr::AtomicPtr`: it is not `Send`",
    label = "`{Self}` is not `Send`",
    note = "a replaced value is retired, and whichever thread next reclaims the domain drops it, so it must be `Send`: use a `Send` type (`Arc` instead of `Rc`, …)"
)]
pub unsafe trait PointeeSend: Sized {
    /// Retires `ptr` into `domain`.
    ///
    /// # Safety
    ///
    /// As for `haphazard::Domain::retire_ptr` with `P = Box<Self>`.
    unsafe fn retire_in<F>(ptr: *mut Self, domain: &Domain<F>);
}

// SAFETY: implemented exactly for the `Send` types.
unsafe impl<T: Send> PointeeSend for T {
    #[inline]
    unsafe fn retire_in<F>(ptr: *mut Self, domain: &Domain<F>) {
        // SAFETY: forwarded from the caller (`Reclaimed<T>` is a `Box<T>` whose drop catches
        // a panic of `T::drop`).
        let retire = || unsafe { domain.retire_ptr::<T, crate::reclaim_panic::Reclaimed<T>>(ptr) };
        let _reclaimed = crate::reclaim_panic::resuming_drop_panics(retire);
    }
}

/// A value a `#[hazard]` field points to is `Sync`: it can be read by many threads.
///
/// Carries the one operation that needs `Sync` (see [`PointeeSend`] for why).
///
/// # Safety
///
/// Implement it only for `Sync` types; the blanket implementation covers all of them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the value of a `hazptr::AtomicPtr`: it is not `Sync`",
    label = "`{Self}` is not `Sync`",
    note = "every thread that loads the field reads the same value at the same time, so it must be `Sync`: use a `Sync` type (atomics or a `Mutex` instead of `Cell`/`RefCell`, `Arc` instead of `Rc`), or replace whole values instead of mutating them"
)]
pub unsafe trait PointeeSync: Sized {
    /// Protects the value of `field` with `hazard`.
    ///
    /// # Safety
    ///
    /// As for `haphazard::AtomicPtr::load`: the value is a valid `&Self` or null, and it is only
    /// reclaimed through the domain `hazard` belongs to.
    unsafe fn protect<'h, F: 'static>(
        field: &AtomicPtr<Self, F>,
        hazard: &'h mut HazardPointer<'_, F>,
    ) -> Option<&'h Self>;
}

// SAFETY: implemented exactly for the `Sync` types.
unsafe impl<T: Sync> PointeeSync for T {
    #[inline]
    unsafe fn protect<'h, F: 'static>(
        field: &AtomicPtr<Self, F>,
        hazard: &'h mut HazardPointer<'_, F>,
    ) -> Option<&'h Self> {
        // SAFETY: forwarded from the caller.
        unsafe { field.load(hazard) }
    }
}

/// A `#[hazard]` field's type, or a place `protected!` reads: `hazptr::AtomicPtr<T, F>` (which
/// owns its pointee as a `Box`).
///
/// `protected!` reaches its places through [`HazptrAtomicPtr::as_atomic_ptr`], so that a place of
/// another type is reported with this trait's message, at the place.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `hazptr::AtomicPtr<T>`: `#[hazard]` fields and the places `protected!` reads must be one",
    label = "not a `hazptr::AtomicPtr`",
    note = "the owner of the pointee of a `std::sync::atomic::AtomicPtr` (or of any other pointer) is unknown, so hazptr could neither retire a replaced value nor free the last one",
    note = "use `hazptr::AtomicPtr<T>`, which owns its pointee as a `Box<T>`: create it with `hazptr::atomic_ptr(value)` or `hazptr::null_ptr()`"
)]
pub trait HazptrAtomicPtr<T, F> {
    /// The place, as the `hazptr::AtomicPtr` it is.
    fn as_atomic_ptr(&self) -> &AtomicPtr<T, F>;
}

// The pointee and family are trait parameters, not associated types: a place of another type is
// then one unmet bound, reported once (a projection would report it a second time).
impl<T, F> HazptrAtomicPtr<T, F> for AtomicPtr<T, F, Box<T>> {
    #[inline]
    fn as_atomic_ptr(&self) -> &AtomicPtr<T, F> {
        self
    }
}

/// The field of a struct's own domain holds a `hazptr::Domain<F>` by value.
#[diagnostic::on_unimplemented(
    message = "the domain field of a `#[hazard(domain = …)]` must hold a `hazptr::Domain<F>` by value, not `{Self}`",
    label = "not an owned `Domain`",
    note = "values are retired into this domain and freed when it drops; a domain shared through a pointer could outlive the struct and the data its values borrow",
    note = "for a domain shared by many structs, declare it with `hazptr::static_unique_domain!` and drop `domain = …`"
)]
pub trait OwnedDomain {}

impl<F> OwnedDomain for haphazard::Domain<F> {}

/// Checks a struct's pointee bounds that depend on its generic parameters; the derive calls it
/// from a hidden function so that a missing bound on the struct is reported at the field type.
#[inline(always)]
pub const fn assert_pointee<T: PointeeSend + PointeeSync>() {}

/// Like [`assert_pointee`], and the value outlives any domain it can be retired into.
#[inline(always)]
pub const fn assert_static_pointee<T: PointeeSend + PointeeSync + 'static>() {}

/// Checks that a per-instance domain field holds its domain by value.
#[inline(always)]
pub const fn assert_owned_domain<D: OwnedDomain + ?Sized>() {}

/// Checks that a `#[hazard]` field is a `hazptr::AtomicPtr`.
#[inline(always)]
pub const fn assert_hazptr_atomic_ptr<A: HazptrAtomicPtr<T, F> + ?Sized, T, F>() {}

/// Checks that a generic family has a static domain.
#[inline(always)]
pub const fn assert_static_domain<F: crate::StaticDomain>() {}

/// Checks that a generic family may be the family of a per-instance domain.
#[inline(always)]
pub const fn assert_instance_family<F: crate::InstanceFamily>() {}
