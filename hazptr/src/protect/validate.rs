//! Protecting the value of a plain link: publish, fence, check the link still holds it. The step
//! every protected read of hazptr's ends with (a field's through `AtomicPtr::protect`, a guard's
//! `load_link`, a dequeue's second hazard pointer).

use core::ptr;

use haphazard::HazardPointer;

use crate::reclaim::barrier::{self, Fence};

/// Protects the value of `link` with `hazard`: publishes it, then checks that `link` still holds
/// it (retrying from a fresh load if not) and that `still_valid()` holds. `Err(())` when
/// `still_valid()` fails (the caller must start again from what it validates), `Ok(None)` when
/// `link` is null.
///
/// # Safety
///
/// A value of `link` is only retired into `hazard`'s domain, and only after it has left `link`
/// or after `still_valid()` has started to return `false`; with [`Fence::Light`], only through
/// a static domain's retirement (`field/place.rs`'s `retire_static`, `linked/link.rs`'s `retire`),
/// whose batches run the heavy barrier after that and before any scan.
#[inline]
pub(crate) unsafe fn protect_link<U, F: 'static>(
    link: &core::sync::atomic::AtomicPtr<U>,
    hazard: &mut HazardPointer<'_, F>,
    fence: Fence,
    still_valid: impl Fn() -> bool,
) -> Result<Option<ptr::NonNull<U>>, ()> {
    use core::sync::atomic::Ordering;
    let mut value = link.load(Ordering::Acquire);
    loop {
        hazard.protect_raw(value);
        // As in `AtomicPtr::protect`: `still_valid`'s loads come after it too, so a retirement
        // made after `still_valid` turned false is covered by the same argument.
        barrier::light(fence);
        let again = link.load(Ordering::Acquire);
        if again == value {
            break;
        }
        value = again;
    }
    if !still_valid() {
        hazard.reset_protection();
        return Err(());
    }
    let value = ptr::NonNull::new(value);
    if value.is_none() {
        hazard.reset_protection();
    }
    // `value` was published in `hazard` before `link` was seen to still hold it while
    // `still_valid()` held; by the caller's promise it was not retired then, so every
    // reclamation that could free it sees the hazard and keeps it while `hazard` protects it.
    Ok(value)
}
