//! The bounds a `#[hazard]` pointee must meet, as traits whose unmet-bound errors explain
//! themselves.
//!
//! Each is implemented for exactly the types with the underlying bound. The derive checks them
//! once per field, in a hidden function whose calls are spanned at the user's field type, so a
//! missing bound is reported once, with this module's message, there.
//!
//! The generated methods must not repeat that error. A `where` clause would (a method of an impl
//! whose clause fails cannot be called: every call site would report it again), so the methods
//! of a field whose pointee is a concrete type carry no pointee bound: they get the operations
//! that need one from [`Pointee::ops`], which resolves to the real operations when the pointee
//! has its bounds, and to the uninhabited [`Unbounded`] otherwise, in a crate that the check
//! has already failed. Generic pointees are bounded by the impl's `where` clause as usual (a
//! clause with a type parameter only restricts the impl).

use core::convert::Infallible;
use core::marker::PhantomData;
use core::ops::Deref;

use haphazard::{AtomicPtr, Domain, HazardPointer};

use crate::hazard_cache::{CachedHazard, StaticDomain};

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
    /// Names the bound: the derive checks a concrete pointee `T` with
    /// `let () = <T as PointeeSend>::HOLDS;`, which fails exactly when `T` is not `Send`, with
    /// this trait's message at `T` (a function bounded by the trait would add a note pointing
    /// into this crate).
    #[doc(hidden)]
    const HOLDS: () = ();

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
    /// Names the bound, as [`PointeeSend::HOLDS`] does.
    #[doc(hidden)]
    const HOLDS: () = ();

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

/// The operations on a field's values that need its pointee's bounds; the runtime's field
/// functions reach their pointee only through them.
///
/// # Safety
///
/// An implementation asserts that its operations are sound for `T`: it is implemented only by
/// [`Pointee<T>`] for `T: Send + Sync + 'static`, and by the uninhabited [`Unbounded<T>`], whose
/// operations cannot be called.
pub unsafe trait PointeeOps<T>: Copy {
    /// Retires `ptr` into `domain`.
    ///
    /// # Safety
    ///
    /// As for [`PointeeSend::retire_in`].
    unsafe fn retire_in<F>(self, ptr: *mut T, domain: &Domain<F>);

    /// Protects the value of `field` with `hazard`.
    ///
    /// # Safety
    ///
    /// As for [`PointeeSync::protect`].
    unsafe fn protect<'h, F: 'static>(
        self,
        field: &AtomicPtr<T, F>,
        hazard: &'h mut HazardPointer<'_, F>,
    ) -> Option<&'h T>;

    /// Protects the value of `field` with a hazard pointer from this thread's cache.
    fn protect_cached<F: StaticDomain>(
        self,
        field: &AtomicPtr<T, F>,
    ) -> Option<(*const T, CachedHazard<F>)>;
}

/// The pointee type `T` of a `#[hazard]` field, from which a generated method gets the
/// operations that need `T`'s bounds: `Pointee::<T>::NEW.ops()` (see the module documentation).
///
/// `ops` is an inherent method bounded by `T`'s bounds, so method resolution picks it when `T`
/// has them; when `T` has not, resolution goes on through `Deref` to `UnmetBounds::ops`. The
/// choice is made where the generated method is compiled, for its concrete pointee type.
pub struct Pointee<T>(PhantomData<fn() -> T>);

impl<T> Pointee<T> {
    /// The pointee type, to call `ops` on.
    pub const NEW: Self = Self(PhantomData);
}

copy_marker!(Pointee);

impl<T: PointeeSend + PointeeSync + 'static> Pointee<T> {
    /// `T`'s operations, for a pointee that has its bounds.
    #[allow(clippy::inline_always)] // on the read path, like `CachedHazard::protect`
    #[inline(always)]
    #[must_use]
    pub const fn ops(&self) -> Self {
        *self
    }
}

// SAFETY: implemented exactly for the `Send + Sync + 'static` types; each operation is `T`'s own.
unsafe impl<T: PointeeSend + PointeeSync + 'static> PointeeOps<T> for Pointee<T> {
    #[inline]
    unsafe fn retire_in<F>(self, ptr: *mut T, domain: &Domain<F>) {
        // SAFETY: forwarded from the caller.
        unsafe { T::retire_in(ptr, domain) }
    }

    #[allow(clippy::inline_always)] // the read path
    #[inline(always)]
    unsafe fn protect<'h, F: 'static>(
        self,
        field: &AtomicPtr<T, F>,
        hazard: &'h mut HazardPointer<'_, F>,
    ) -> Option<&'h T> {
        // SAFETY: forwarded from the caller.
        unsafe { T::protect(field, hazard) }
    }

    #[allow(clippy::inline_always)] // the read path: see `CachedHazard::protect`
    #[inline(always)]
    fn protect_cached<F: StaticDomain>(
        self,
        field: &AtomicPtr<T, F>,
    ) -> Option<(*const T, CachedHazard<F>)> {
        CachedHazard::protect(field)
    }
}

impl<T> Deref for Pointee<T> {
    type Target = UnmetBounds<T>;

    #[inline]
    fn deref(&self) -> &UnmetBounds<T> {
        &UnmetBounds(PhantomData)
    }
}

/// What [`Pointee`] derefs to: its `ops` is picked only for a pointee without its bounds.
pub struct UnmetBounds<T>(PhantomData<fn() -> T>);

impl<T> UnmetBounds<T> {
    /// Never returns: picked only in a crate that does not compile, because the derive's check
    /// of the same bounds fails.
    #[cold]
    #[must_use]
    #[allow(clippy::unused_self)] // a method, so that method resolution can pick it
    pub fn ops(&self) -> Unbounded<T> {
        unreachable!("a `#[hazard]` pointee without its bounds is rejected at compile time")
    }
}

/// The operations of a pointee without its bounds: a type without values, so that the runtime's
/// functions compile for any pointee and none of them can run for such a pointee.
pub struct Unbounded<T>(Infallible, PhantomData<fn() -> T>);

copy_marker!(Unbounded);

// SAFETY: no value of `Unbounded<T>` exists, so none of these operations can be called.
unsafe impl<T> PointeeOps<T> for Unbounded<T> {
    unsafe fn retire_in<F>(self, _: *mut T, _: &Domain<F>) {
        match self.0 {}
    }

    unsafe fn protect<'h, F: 'static>(
        self,
        _: &AtomicPtr<T, F>,
        _: &'h mut HazardPointer<'_, F>,
    ) -> Option<&'h T> {
        match self.0 {}
    }

    fn protect_cached<F: StaticDomain>(
        self,
        _: &AtomicPtr<T, F>,
    ) -> Option<(*const T, CachedHazard<F>)> {
        match self.0 {}
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

/// Checks a generic pointee's bounds, including that the value outlives any domain it can be
/// retired into; the derive calls it from a hidden function, spanned at the field's pointee type,
/// so that a missing bound is reported there, with rustc's suggestion of the bound the struct
/// lacks. (A concrete pointee is checked with the traits' `HOLDS` constants instead.)
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

#[cfg(all(test, not(loom)))]
mod tests {
    use core::any::type_name_of_val;
    use std::rc::Rc;

    use super::Pointee;

    #[test]
    fn a_pointee_with_its_bounds_gets_its_own_operations() {
        let ops = Pointee::<String>::NEW.ops();
        assert_eq!(
            type_name_of_val(&ops),
            core::any::type_name::<Pointee<String>>()
        );
    }

    #[test]
    #[should_panic = "rejected at compile time"]
    #[allow(unreachable_code)] // `ops` returns an uninhabited type
    fn a_pointee_without_its_bounds_gets_none() {
        // Compiles only because no derive checks `Rc` here; the derive's check makes a crate
        // that reaches this fail to compile.
        let _ = Pointee::<Rc<u8>>::NEW.ops();
    }
}
