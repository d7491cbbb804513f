//! The bounds a `#[hazard]` field must meet, as traits whose unmet-bound errors explain
//! themselves: the reporting half of the one proof layer (`place.rs` is the proving half).
//!
//! The derive checks each field once, in a hidden function whose checks are spanned at the
//! user's types, so a missing bound is reported once, with this module's message, there: a
//! concrete type with the traits' `HOLDS` constants (`let () = <T as PointeeSend>::HOLDS;`, which
//! fails with the trait's message at `T`, without a note pointing into hazptr), a generic one with
//! the `assert_…` functions (so that rustc suggests the bound the struct lacks). Nothing here is
//! relied on for soundness except `PointeeSync` by `protected!`: `place.rs` proves `Send`, `Sync`, `'static` and the family's trait
//! itself.

use crate::field::atomic_ptr::AtomicPtr;
use crate::reclaim::domain::Domain;

/// A value a `#[hazard]` field points to is `Send`: it can be retired.
///
/// Implemented for exactly the `Send` types. A separate trait rather than `Send` itself for its
/// message: a failing `Send` bound would report rustc's generic one.
///
/// # Safety
///
/// Implemented only for `Send` types (the blanket implementation covers all of them), so code
/// may rely on `T: PointeeSend` meaning `T: Send`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the value of a `hazptr::AtomicPtr`: it is not `Send`",
    label = "`{Self}` is not `Send`",
    note = "a replaced value is retired, and whichever thread next reclaims the domain drops it, so it must be `Send`: use a `Send` type (`Arc` instead of `Rc`, …)"
)]
pub unsafe trait PointeeSend {
    /// Names the bound: `let () = <T as PointeeSend>::HOLDS;` fails exactly when `T` is not
    /// `Send`, with this trait's message at `T`.
    #[doc(hidden)]
    const HOLDS: () = ();
}

// SAFETY: exactly the `Send` types.
unsafe impl<T: Send + ?Sized> PointeeSend for T {}

/// A value a `#[hazard]` field points to is `Sync`: it can be read by many threads.
///
/// Implemented for exactly the `Sync` types (see [`PointeeSend`] for why it exists).
///
/// # Safety
///
/// Implemented only for `Sync` types, so code may rely on `T: PointeeSync` meaning `T: Sync`
/// (`protected!`'s `protect` does).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the value of a `hazptr::AtomicPtr`: it is not `Sync`",
    label = "`{Self}` is not `Sync`",
    note = "every thread that loads the field reads the same value at the same time, so it must be `Sync`: use a `Sync` type (atomics or a `Mutex` instead of `Cell`/`RefCell`, `Arc` instead of `Rc`), or replace whole values instead of mutating them"
)]
pub unsafe trait PointeeSync {
    /// Names the bound, as [`PointeeSend::HOLDS`] does.
    #[doc(hidden)]
    const HOLDS: () = ();
}

// SAFETY: exactly the `Sync` types.
unsafe impl<T: Sync + ?Sized> PointeeSync for T {}

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
impl<T, F> HazptrAtomicPtr<T, F> for AtomicPtr<T, F> {
    #[inline]
    fn as_atomic_ptr(&self) -> &AtomicPtr<T, F> {
        self
    }
}

/// The field of a struct's own domain holds a `hazptr::Domain<F>` by value, of the family `F` of
/// the fields it serves.
#[diagnostic::on_unimplemented(
    message = "the domain field of a `#[hazard(domain = …)]` must hold a `hazptr::Domain<F>` by value, not `{Self}`",
    label = "not an owned `Domain` of the fields' family",
    note = "values are retired into this domain and freed when it drops; a domain shared through a pointer could outlive the struct and the data its values borrow",
    note = "for a domain shared by many structs, declare it with `hazptr::static_unique_domain!` and drop `domain = …`"
)]
pub trait OwnedDomain<F> {}

impl<F> OwnedDomain<F> for Domain<F> {}

/// Checks a generic pointee's bounds, including that the value outlives any domain it can be
/// retired into; the derive calls it from a hidden function, spanned at the field's pointee type,
/// so that a missing bound is reported there, with rustc's suggestion of the bound the struct
/// lacks. (A concrete pointee is checked with the traits' `HOLDS` constants instead.)
#[inline(always)]
pub const fn assert_static_pointee<T: PointeeSend + PointeeSync + 'static>() {}

/// Checks that a per-instance domain field holds its domain by value, of the family `F` of its
/// fields (which the derive passes as `_` when it reports a missing family itself).
#[inline(always)]
pub const fn assert_owned_domain<D: OwnedDomain<F> + ?Sized, F>() {}

/// Checks that a `#[hazard]` field is a `hazptr::AtomicPtr`.
#[inline(always)]
pub const fn assert_hazptr_atomic_ptr<A: HazptrAtomicPtr<T, F> + ?Sized, T, F>() {}

/// Checks that a generic family has a static domain.
#[inline(always)]
pub const fn assert_static_domain<F: crate::protect::hazard_cache::StaticDomain>() {}

/// Checks that a generic family may be the family of a per-instance domain.
#[inline(always)]
pub const fn assert_instance_family<F: crate::field::family::InstanceFamily>() {}
