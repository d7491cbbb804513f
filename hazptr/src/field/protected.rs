//! `protect`, which each `protected!` binding calls.

use crate::field::atomic_ptr::AtomicPtr;
use crate::field::bounds::PointeeSync;
use crate::protect::hazard_cache::HazardSlot;
use crate::protect::hazard_cache::StaticDomain;
use crate::reclaim::barrier::Fence;

/// Protects the value of `place` with one of `protected!`'s hidden hazard pointers.
///
/// The reference borrows both the hazard pointer (it cannot outlive the protection, which ends
/// with the block) and `place` (it cannot outlive the struct it was read from, which could not
/// then be dropped, moved or mutably borrowed while the reference is in use). The second borrow
/// is not needed for soundness, since the hazard pointer alone keeps the value alive, but a
/// reference that outlives the field it came from is a mistake worth reporting.
#[inline]
pub fn protect<'h, T, F>(slot: HazardSlot<'h, F>, place: &'h AtomicPtr<T, F>) -> Option<&'h T>
where
    T: PointeeSync,
    F: StaticDomain,
{
    // SAFETY: values of a static family are only retired into its one domain, after leaving
    // their field (`StaticDomain`'s contract, and every retirement hazptr makes), and the slot's
    // hazard pointer belongs to that domain.
    let value = unsafe { place.protect(slot.into_hazard_pointer(), Fence::Light) }?;
    // SAFETY: protected for as long as the slot's hazard pointer, which the reference borrows;
    // `T: PointeeSync` means `T: Sync`, so other threads may read it at the same time.
    Some(unsafe { value.as_ref() })
}
