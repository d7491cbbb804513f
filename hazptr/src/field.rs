//! What the methods generated for a `#[hazard]` field do.
//!
//! The derive keeps its expansion to one call per method; the logic lives here, once. The
//! domain-generic core is `unsafe`: its caller promises that the domain it passes is the one
//! that protects and reclaims every value the field ever holds. [`static_domain`] discharges that
//! promise with [`StaticDomain`]'s contract (a family with exactly one, program-wide domain);
//! [`instance`] passes it on to the generated code, which always pairs a field with the domain
//! field the user named.

use core::ptr;
use core::sync::atomic::Ordering;

use haphazard::{AtomicPtr, Domain, HazardPointer};

use crate::bounds::{PointeeSend, PointeeSync};
use crate::sync::fence;

/// Replaces the field's value and retires the old one into `domain`.
///
/// # Safety
///
/// Every value `field` holds is protected only by hazard pointers of `domain` and retired only
/// into `domain`.
#[inline]
unsafe fn swap_in<T: PointeeSend, F>(field: &AtomicPtr<T, F>, new: Box<T>, domain: &Domain<F>) {
    if let Some(old) = field.swap(new) {
        // `swap` is only `Release`: pair it with the `Release` store that published `old`, so the
        // thread that drops `old` sees it fully built.
        fence(Ordering::Acquire);
        // SAFETY: the swap unlinked `old`, so no protection can start on it (a protection is only
        // valid once re-validated against the field); this thread alone got it from the swap, so
        // it is retired once; and `domain` is the field's domain (the caller's promise).
        unsafe { T::retire_in(old.into_inner().as_ptr(), domain) };
    }
}

/// Replaces the field's value with `new` if it still is `current` (compared by address), and
/// retires the old one into `domain`; hands `new` back otherwise.
///
/// # Safety
///
/// As for [`swap_in`].
#[inline]
unsafe fn compare_exchange_in<T: PointeeSend, F>(
    field: &AtomicPtr<T, F>,
    current: Option<&T>,
    new: Box<T>,
    domain: &Domain<F>,
) -> Result<(), Box<T>> {
    let current = current.map_or(ptr::null_mut(), |current| ptr::from_ref(current).cast_mut());
    // `current` is a live reference (or null), so its address cannot have been reclaimed and
    // reused: no ABA.
    let old = field.compare_exchange(current, new)?;
    if let Some(old) = old {
        fence(Ordering::Acquire);
        // SAFETY: as in `swap_in`: the successful exchange unlinked `old`, only this thread's
        // exchange succeeded with it, and `domain` is the field's domain.
        unsafe { T::retire_in(old.into_inner().as_ptr(), domain) };
    }
    Ok(())
}

/// Read-copy-update: protects the current value with `hazard`, builds its successor with `f`,
/// installs it if the field did not change meanwhile (retiring the old value), else retries.
///
/// # Safety
///
/// As for [`swap_in`], and `hazard` is a hazard pointer of `domain`.
#[inline]
unsafe fn update_in<T, F: 'static>(
    field: &AtomicPtr<T, F>,
    hazard: &mut HazardPointer<'_, F>,
    domain: &Domain<F>,
    mut f: impl FnMut(Option<&T>) -> Box<T>,
) where
    T: PointeeSend + PointeeSync,
{
    loop {
        // SAFETY: values of `field` are only reclaimed through `domain`, and `hazard` is one of
        // its hazard pointers (the caller's promise).
        let current = unsafe { T::protect(field, hazard) };
        let new = f(current);
        // SAFETY: forwarded from the caller.
        match unsafe { compare_exchange_in(field, current, new, domain) } {
            Ok(()) => return,
            // Somebody replaced the value meanwhile: drop our successor and start again.
            Err(_stale) => {}
        }
    }
}

/// Empties the field and retires its value; `true` when there was one.
///
/// # Safety
///
/// As for [`swap_in`].
#[inline]
unsafe fn clear_in<T: PointeeSend, F>(field: &AtomicPtr<T, F>, domain: &Domain<F>) -> bool {
    // SAFETY: null is a valid value for an `AtomicPtr` (its "empty" state).
    let Some(old) = (unsafe { field.swap_ptr(ptr::null_mut()) }) else {
        return false;
    };
    fence(Ordering::Acquire);
    // SAFETY: as in `swap_in`.
    unsafe { T::retire_in(old.into_inner().as_ptr(), domain) };
    true
}

/// Retires the field's current value (the struct holding the field is being dropped).
///
/// # Safety
///
/// As for [`swap_in`], and the field is never read or written again.
#[inline]
unsafe fn retire_last_in<T: PointeeSend, F>(field: &mut AtomicPtr<T, F>, domain: &Domain<F>) {
    let last = field.load_ptr();
    if !last.is_null() {
        // SAFETY: the field holds `last`, which it owns as a `Box<T>`; the field is never used
        // again, so nothing can protect `last` anew, and it is retired once. A reference handed
        // out earlier (by `safe_load`, which does not borrow the struct) may still be alive,
        // which is why `last` is retired rather than freed: reclamation waits for it.
        unsafe { T::retire_in(last, domain) };
    }
}

/// Reports a `#[hazard(non_null)]` field found empty.
#[cold]
#[inline(never)]
#[track_caller]
fn non_null_field_was_null() -> ! {
    panic!(
        "a `#[hazard(non_null)]` field is null: safe code can only do this by moving an \
         emptied `AtomicPtr` (from `clear_and_retire…` or `hazptr::null_ptr`) into it"
    )
}

/// The operations of a field whose domain is static: the global domain, or a
/// `static_unique_domain!` family.
pub mod static_domain {
    use haphazard::AtomicPtr;

    use super::{PointeeSend, PointeeSync, non_null_field_was_null};
    use crate::guard::Protected;
    use crate::hazard_cache::{CachedHazard, StaticDomain};

    /// Loads and protects the field's value.
    #[inline]
    pub fn load<T, F>(field: &AtomicPtr<T, F>) -> Option<Protected<'_, T, F>>
    where
        T: PointeeSend + PointeeSync + 'static,
        F: StaticDomain,
    {
        let mut hazard = CachedHazard::acquire();
        // SAFETY: values of a static family are only reclaimed through its one domain
        // (`StaticDomain`'s contract), which `hazard` belongs to.
        let value: *const T = unsafe { T::protect(field, hazard.hazard_pointer()) }?;
        // SAFETY: `hazard` protects `value` (just loaded through it), and values of a static
        // family are only reclaimed through its one domain, which is `hazard`'s. Moving the
        // hazard pointer into the guard keeps the protection, which lasts as long as the guard.
        Some(unsafe { Protected::new(&*value, hazard) })
    }

    /// Loads and protects the value of a field that is never empty.
    #[inline]
    #[track_caller]
    pub fn load_non_null<T, F>(field: &AtomicPtr<T, F>) -> Protected<'_, T, F>
    where
        T: PointeeSend + PointeeSync + 'static,
        F: StaticDomain,
    {
        match load(field) {
            Some(value) => value,
            None => non_null_field_was_null(),
        }
    }

    /// Installs `new` and retires the old value.
    #[inline]
    pub fn swap_and_retire<T, F>(field: &AtomicPtr<T, F>, new: Box<T>)
    where
        T: PointeeSend + PointeeSync + 'static,
        F: StaticDomain,
    {
        // SAFETY: `F` has one domain, `F::domain()`, which is the only one that can protect or
        // reclaim values of the field (`StaticDomain`'s contract).
        unsafe { super::swap_in(field, new, F::domain()) }
    }

    /// Installs `new` if the field still holds `current`, retiring it; gives `new` back if not.
    ///
    /// # Errors
    ///
    /// `Err(new)` when the field no longer holds `current`.
    #[inline]
    pub fn compare_exchange_and_retire<T, F>(
        field: &AtomicPtr<T, F>,
        current: Option<&T>,
        new: Box<T>,
    ) -> Result<(), Box<T>>
    where
        T: PointeeSend + PointeeSync + 'static,
        F: StaticDomain,
    {
        // SAFETY: as in `swap_and_retire`.
        unsafe { super::compare_exchange_in(field, current, new, F::domain()) }
    }

    /// Replaces the value with `f(current)` until no other writer interferes; retires the old.
    #[inline]
    pub fn update<T, F>(field: &AtomicPtr<T, F>, f: impl FnMut(Option<&T>) -> Box<T>)
    where
        T: PointeeSend + PointeeSync + 'static,
        F: StaticDomain,
    {
        let mut hazard = CachedHazard::acquire();
        // SAFETY: as in `swap_and_retire`; `hazard` comes from `F::domain()`.
        unsafe { super::update_in(field, hazard.hazard_pointer(), F::domain(), f) }
    }

    /// [`update`] for a field that is never empty.
    #[inline]
    #[track_caller]
    pub fn update_non_null<T, F>(field: &AtomicPtr<T, F>, mut f: impl FnMut(&T) -> Box<T>)
    where
        T: PointeeSend + PointeeSync + 'static,
        F: StaticDomain,
    {
        update(field, |current| match current {
            Some(current) => f(current),
            None => non_null_field_was_null(),
        });
    }

    /// Empties the field, retiring its value; `true` if it had one.
    #[inline]
    pub fn clear_and_retire<T, F>(field: &AtomicPtr<T, F>) -> bool
    where
        T: PointeeSend + PointeeSync + 'static,
        F: StaticDomain,
    {
        // SAFETY: as in `swap_and_retire`.
        unsafe { super::clear_in(field, F::domain()) }
    }

    /// Retires the field's last value: called from the struct's `Drop`.
    #[inline]
    pub fn retire_on_drop<T, F>(field: &mut AtomicPtr<T, F>)
    where
        T: PointeeSend + PointeeSync + 'static,
        F: StaticDomain,
    {
        // SAFETY: as in `swap_and_retire`; `&mut` proves no other access is under way, and the
        // struct being dropped never touches the field again.
        unsafe { super::retire_last_in(field, F::domain()) }
    }
}

/// The operations of a field whose domain is another field of the same struct
/// (`#[hazard(domain = field)]`).
///
/// Each is `unsafe`: the caller promises that `domain` is the domain every value of `field` is
/// protected by and retired into. The derive keeps that promise by always passing the domain
/// field the user named, of the same struct as the field.
pub mod instance {
    use haphazard::{AtomicPtr, Domain, HazardPointer};

    use super::{PointeeSend, PointeeSync, non_null_field_was_null};
    use crate::domain::InstanceFamily;
    use crate::guard::ProtectedIn;

    /// Loads and protects the field's value.
    ///
    /// # Safety
    ///
    /// See the [module documentation](self).
    #[inline]
    pub unsafe fn load<'a, T, F>(
        field: &'a AtomicPtr<T, F>,
        domain: &'a Domain<F>,
    ) -> Option<ProtectedIn<'a, T, F>>
    where
        T: PointeeSend + PointeeSync,
        F: InstanceFamily,
    {
        let mut hazard = HazardPointer::new_in_domain(domain);
        // SAFETY: values of `field` are only reclaimed through `domain` (the caller's promise),
        // and `hazard` belongs to `domain`.
        let value: *const T = unsafe { T::protect(field, &mut hazard) }?;
        // SAFETY: `hazard` protects `value`; moving it into the guard keeps the protection for
        // as long as the guard lives.
        Some(unsafe { ProtectedIn::new(&*value, hazard) })
    }

    /// Loads and protects the value of a field that is never empty.
    ///
    /// # Safety
    ///
    /// See the [module documentation](self).
    #[inline]
    #[track_caller]
    pub unsafe fn load_non_null<'a, T, F>(
        field: &'a AtomicPtr<T, F>,
        domain: &'a Domain<F>,
    ) -> ProtectedIn<'a, T, F>
    where
        T: PointeeSend + PointeeSync,
        F: InstanceFamily,
    {
        // SAFETY: forwarded from the caller.
        match unsafe { load(field, domain) } {
            Some(value) => value,
            None => non_null_field_was_null(),
        }
    }

    /// Installs `new` and retires the old value.
    ///
    /// # Safety
    ///
    /// See the [module documentation](self).
    #[inline]
    pub unsafe fn swap_and_retire<T, F>(field: &AtomicPtr<T, F>, domain: &Domain<F>, new: Box<T>)
    where
        T: PointeeSend + PointeeSync,
        F: InstanceFamily,
    {
        // SAFETY: forwarded from the caller.
        unsafe { super::swap_in(field, new, domain) }
    }

    /// Installs `new` if the field still holds `current`, retiring it; gives `new` back if not.
    ///
    /// # Safety
    ///
    /// See the [module documentation](self).
    ///
    /// # Errors
    ///
    /// `Err(new)` when the field no longer holds `current`.
    #[inline]
    pub unsafe fn compare_exchange_and_retire<T, F>(
        field: &AtomicPtr<T, F>,
        domain: &Domain<F>,
        current: Option<&T>,
        new: Box<T>,
    ) -> Result<(), Box<T>>
    where
        T: PointeeSend + PointeeSync,
        F: InstanceFamily,
    {
        // SAFETY: forwarded from the caller.
        unsafe { super::compare_exchange_in(field, current, new, domain) }
    }

    /// Replaces the value with `f(current)` until no other writer interferes; retires the old.
    ///
    /// # Safety
    ///
    /// See the [module documentation](self).
    #[inline]
    pub unsafe fn update<T, F>(
        field: &AtomicPtr<T, F>,
        domain: &Domain<F>,
        f: impl FnMut(Option<&T>) -> Box<T>,
    ) where
        T: PointeeSend + PointeeSync,
        F: InstanceFamily,
    {
        let mut hazard = HazardPointer::new_in_domain(domain);
        // SAFETY: forwarded from the caller; `hazard` belongs to `domain`.
        unsafe { super::update_in(field, &mut hazard, domain, f) }
    }

    /// [`update`] for a field that is never empty.
    ///
    /// # Safety
    ///
    /// See the [module documentation](self).
    #[inline]
    #[track_caller]
    pub unsafe fn update_non_null<T, F>(
        field: &AtomicPtr<T, F>,
        domain: &Domain<F>,
        mut f: impl FnMut(&T) -> Box<T>,
    ) where
        T: PointeeSend + PointeeSync,
        F: InstanceFamily,
    {
        // SAFETY: forwarded from the caller.
        unsafe {
            update(field, domain, |current| match current {
                Some(current) => f(current),
                None => non_null_field_was_null(),
            });
        }
    }

    /// Empties the field, retiring its value; `true` if it had one.
    ///
    /// # Safety
    ///
    /// See the [module documentation](self).
    #[inline]
    pub unsafe fn clear_and_retire<T, F>(field: &AtomicPtr<T, F>, domain: &Domain<F>) -> bool
    where
        T: PointeeSend + PointeeSync,
        F: InstanceFamily,
    {
        // SAFETY: forwarded from the caller.
        unsafe { super::clear_in(field, domain) }
    }

    /// Retires the field's last value into the struct's domain, which frees it when the domain
    /// field is dropped right after: called from the struct's `Drop`.
    ///
    /// # Safety
    ///
    /// See the [module documentation](self); the field is never used again.
    #[inline]
    pub unsafe fn retire_on_drop<T, F>(field: &mut AtomicPtr<T, F>, domain: &Domain<F>)
    where
        T: PointeeSend + PointeeSync,
        F: InstanceFamily,
    {
        // SAFETY: forwarded from the caller.
        unsafe { super::retire_last_in(field, domain) }
    }
}
