//! The two helpers that sit between a place in the user's code and the runtime: `protect`, which
//! each `protected!` binding calls, and `HazardField`, through which generated methods reach
//! their field.

use haphazard::{AtomicPtr, Global, HazardPointer};

use crate::bounds::PointeeSync;
use crate::hazard_cache::StaticDomain;

/// Protects the value of `place` with one of `protected!`'s hidden hazard pointers.
///
/// The reference borrows both the hazard pointer (it cannot outlive the protection, which ends
/// with the block) and `place` (it cannot outlive the struct it was read from, which could not
/// then be dropped, moved or mutably borrowed while the reference is in use). The second borrow
/// is not needed for soundness, since the hazard pointer alone keeps the value alive, but a
/// reference that outlives the field it came from is a mistake worth reporting.
#[inline]
pub fn protect<'h, T, F>(
    hazard: &'h mut HazardPointer<'static, F>,
    place: &'h AtomicPtr<T, F>,
) -> Option<&'h T>
where
    T: PointeeSync,
    F: StaticDomain,
{
    // SAFETY: values of a static family are only reclaimed through its one domain
    // (`StaticDomain`'s contract), which `hazard` belongs to.
    unsafe { T::protect(place, hazard) }
}

/// The `hazptr::AtomicPtr<T, F>` a `#[hazard]` field holds.
///
/// Generated methods reach their field through this trait, so that a field of the wrong type is
/// reported once, by the derive's `HazptrAtomicPtr` check, and not again by every method body.
/// For that reason it is also implemented, uselessly, for `std::sync::atomic::AtomicPtr`: a
/// crate that derives on such a field never compiles (the check rejects it), so that
/// implementation never runs.
pub trait HazardField<T, F> {
    /// The field.
    fn field(&self) -> &AtomicPtr<T, F>;
    /// The field, exclusively.
    fn field_mut(&mut self) -> &mut AtomicPtr<T, F>;
}

impl<T, F> HazardField<T, F> for AtomicPtr<T, F> {
    #[inline]
    fn field(&self) -> &AtomicPtr<T, F> {
        self
    }

    #[inline]
    fn field_mut(&mut self) -> &mut AtomicPtr<T, F> {
        self
    }
}

impl<T> HazardField<T, Global> for core::sync::atomic::AtomicPtr<T> {
    fn field(&self) -> &AtomicPtr<T, Global> {
        unreachable!("rejected at compile time by the `HazptrAtomicPtr` check")
    }

    fn field_mut(&mut self) -> &mut AtomicPtr<T, Global> {
        unreachable!("rejected at compile time by the `HazptrAtomicPtr` check")
    }
}
