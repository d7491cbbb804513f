//! What the methods generated for a `#[hazard]` field do.
//!
//! The derive keeps its expansion to one call per method; the logic lives here, once. The
//! domain-generic core is `unsafe`: its caller promises that the domain it passes is the one
//! that protects and reclaims every value the field ever holds. [`static_domain`] discharges that
//! promise with [`StaticDomain`](crate::StaticDomain)'s contract (a family with exactly one,
//! program-wide domain);
//! [`instance`] passes it on to the generated code, which always pairs a field with the domain
//! field the user named.
//!
//! Each function that protects or retires takes the pointee's operations (`pointee`, a
//! [`PointeeOps<T>`]) as its first argument instead of bounding `T`: they exist only for a
//! `Send + Sync + 'static` pointee, so they carry its bounds, and a generated method gets them
//! from [`Pointee::ops`](crate::bounds::Pointee::ops) without repeating the derive's check of
//! those bounds (see `bounds.rs`).

use core::ptr;
use core::sync::atomic::Ordering;

use haphazard::{AtomicPtr, Domain, HazardPointer};

use crate::bounds::{PointeeOps, PointeeSync};
use crate::sync::fence;

/// Replaces the field's value and retires the old one into `domain`.
///
/// # Safety
///
/// Every value `field` holds is protected only by hazard pointers of `domain` and retired only
/// into `domain`.
#[inline]
unsafe fn swap_in<T, F>(
    pointee: impl PointeeOps<T>,
    field: &AtomicPtr<T, F>,
    new: Box<T>,
    domain: &Domain<F>,
) {
    if let Some(old) = field.swap(new) {
        // `swap` is only `Release`: pair it with the `Release` store that published `old`, so the
        // thread that drops `old` sees it fully built.
        fence(Ordering::Acquire);
        // SAFETY: the swap unlinked `old`, so no protection can start on it (a protection is only
        // valid once re-validated against the field); this thread alone got it from the swap, so
        // it is retired once; and `domain` is the field's domain (the caller's promise).
        unsafe { pointee.retire_in(old.into_inner().as_ptr(), domain) };
    }
}

/// Replaces the field's value with `new` if it still is `current` (compared by address), and
/// retires the old one into `domain`; hands `new` back otherwise.
///
/// # Safety
///
/// As for [`swap_in`].
#[inline]
unsafe fn compare_exchange_in<T, F>(
    pointee: impl PointeeOps<T>,
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
        unsafe { pointee.retire_in(old.into_inner().as_ptr(), domain) };
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
    pointee: impl PointeeOps<T>,
    field: &AtomicPtr<T, F>,
    hazard: &mut HazardPointer<'_, F>,
    domain: &Domain<F>,
    mut f: impl FnMut(Option<&T>) -> Box<T>,
) {
    loop {
        // SAFETY: values of `field` are only reclaimed through `domain`, and `hazard` is one of
        // its hazard pointers (the caller's promise).
        let current = unsafe { pointee.protect(field, hazard) };
        let new = f(current);
        // SAFETY: forwarded from the caller.
        match unsafe { compare_exchange_in(pointee, field, current, new, domain) } {
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
unsafe fn clear_in<T, F>(
    pointee: impl PointeeOps<T>,
    field: &AtomicPtr<T, F>,
    domain: &Domain<F>,
) -> bool {
    // SAFETY: null is a valid value for an `AtomicPtr` (its "empty" state).
    let Some(old) = (unsafe { field.swap_ptr(ptr::null_mut()) }) else {
        return false;
    };
    fence(Ordering::Acquire);
    // SAFETY: as in `swap_in`.
    unsafe { pointee.retire_in(old.into_inner().as_ptr(), domain) };
    true
}

/// Installs `new`, a pointer whose ownership the caller hands over, if the field still holds
/// `current` (compared by address), and retires the old value into `domain`; gives `new` back
/// otherwise.
///
/// # Safety
///
/// As for [`swap_in`]; and `new` is null or a live `Box<T>`-allocated value, not retired, with
/// the provenance of its allocation (not derived from a shared reference, which could not free
/// it), whose ownership moves into the field if (and only if) the exchange succeeds; and once this call
/// unlinks `current`, no thread can start protecting it except through loads validated against
/// `field` (see [`protect_link`]).
#[inline]
unsafe fn compare_exchange_ptr_in<T, F>(
    pointee: impl PointeeOps<T>,
    field: &AtomicPtr<T, F>,
    current: Option<&T>,
    new: *mut T,
    domain: &Domain<F>,
) -> Result<(), *mut T> {
    let current = current.map_or(ptr::null_mut(), |current| ptr::from_ref(current).cast_mut());
    // SAFETY: `new` is null or a live, `Box`-allocated value the field may own from now on,
    // which is what `AtomicPtr::new` requires of its pointer (the caller's promise).
    let old = unsafe { field.compare_exchange_ptr(current, new) }.map_err(|_| new)?;
    if let Some(old) = old {
        fence(Ordering::Acquire);
        // SAFETY: as in `compare_exchange_in`: the exchange unlinked `old` (a live reference,
        // so no ABA), only this exchange succeeded with it, no protection can start on it without
        // validating the field (the caller's promise), and `domain` is the field's domain.
        unsafe { pointee.retire_in(old.into_inner().as_ptr(), domain) };
    }
    Ok(())
}

/// Installs `new` if the field holds `current` (compared by address), without retiring the old
/// value: its ownership passes to the caller (typically `new` links to it). Gives `new` back
/// otherwise.
///
/// Safe for any domain: a value that is not retired is never freed, so the worst a caller can do
/// is leak it.
#[inline]
fn compare_exchange_without_retire_in<T, F>(
    field: &AtomicPtr<T, F>,
    current: *const T,
    new: Box<T>,
) -> Result<(), Box<T>> {
    // The old value, if any, is dropped as a `Replaced`, which only forgets the pointer.
    field.compare_exchange(current.cast_mut(), new).map(drop)
}

/// Protects the value of `link` with `hazard`: publishes it, then checks that `link` still holds
/// it (retrying from a fresh load if not) and that `still_valid()` holds. `Err(())` when
/// `still_valid()` fails (the caller must start again from what it validates), `Ok(None)` when
/// `link` is null.
///
/// Does what `HazardPointer::protect_ptr` does, for a `core::sync::atomic::AtomicPtr` link (a
/// pointer inside a protected value, or a pointer that aliases a field) instead of a `haphazard`
/// field, with an extra validation.
///
/// # Safety
///
/// A value of `link` is only retired into `hazard`'s domain, and only after it has left `link`
/// or after `still_valid()` has started to return `false`.
#[inline]
pub(crate) unsafe fn protect_link<U: PointeeSync, F: 'static>(
    link: &core::sync::atomic::AtomicPtr<U>,
    hazard: &mut HazardPointer<'_, F>,
    still_valid: impl Fn() -> bool,
) -> Result<Option<*const U>, ()> {
    let mut value = link.load(Ordering::Acquire);
    loop {
        hazard.protect_raw(value);
        // Orders the publication of the hazard before the loads that validate it, as
        // `HazardPointer::try_protect_ptr` does; reclamation pairs it with a fence of its own.
        fence(Ordering::SeqCst);
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
    if value.is_null() {
        hazard.reset_protection();
        return Ok(None);
    }
    // `value` was published in `hazard` before `link` was seen to still hold it while
    // `still_valid()` held; by the caller's promise it was not retired then, so every
    // reclamation that could free it sees the hazard and keeps it while `hazard` protects it.
    Ok(Some(value))
}

/// Protects the value `a` of `field` with `hazard_a`, then the value of `link(a)` with
/// `hazard_b`, validated against both `link(a)` and `field` still holding `a`.
///
/// Returns raw pointers, dereferenceable while the hazards keep protecting them; `None` when
/// the field is empty.
///
/// # Safety
///
/// As for [`swap_in`], both hazards belong to `domain`, and a value `b` held by `link(a)` is
/// only retired into `domain`, and only after `a` has left `field` or `b` has left `link(a)`.
#[inline]
unsafe fn load_and_link_in<T, U, F: 'static>(
    pointee: impl PointeeOps<T>,
    field: &AtomicPtr<T, F>,
    hazard_a: &mut HazardPointer<'_, F>,
    hazard_b: &mut HazardPointer<'_, F>,
    link: impl for<'v> Fn(&'v T) -> &'v core::sync::atomic::AtomicPtr<U>,
) -> Option<(*const T, Option<*const U>)>
where
    U: PointeeSync,
{
    loop {
        // SAFETY: values of `field` are only reclaimed through `domain`, to which `hazard_a`
        // belongs (the caller's promise).
        let a: *const T = unsafe { pointee.protect(field, hazard_a) }?;
        // SAFETY: `hazard_a` protects `a` until it protects something else, which happens only
        // on the next turn of this loop, after this reference is gone.
        let link = link(unsafe { &*a });
        // SAFETY: `link`'s values are retired into `domain`, to which `hazard_b` belongs, only
        // after `a` left `field` or they left `link` (the caller's promise).
        let b = unsafe { protect_link(link, hazard_b, || ptr::eq(field.load_ptr(), a)) };
        if let Ok(b) = b {
            return Some((a, b));
        }
        // `a` left the field: start again from the field's new value.
    }
}

/// Retires the field's current value (the struct holding the field is being dropped).
///
/// # Safety
///
/// As for [`swap_in`], and the field is never read or written again.
#[inline]
unsafe fn retire_last_in<T, F>(
    pointee: impl PointeeOps<T>,
    field: &mut AtomicPtr<T, F>,
    domain: &Domain<F>,
) {
    let last = field.load_ptr();
    if !last.is_null() {
        // SAFETY: the field holds `last`, which it owns as a `Box<T>`; the field is never used
        // again, so nothing can protect `last` anew, and it is retired once. A reference handed
        // out earlier (by `safe_load`, which does not borrow the struct) may still be alive,
        // which is why `last` is retired rather than freed: reclamation waits for it.
        unsafe { pointee.retire_in(last, domain) };
    }
}

/// The value a `#[hazard(non_null)]` field operation got, which only a null field can make
/// `None`.
#[allow(clippy::inline_always)] // on the read path of `non_null` fields
#[inline(always)]
#[track_caller]
fn non_null<V>(value: Option<V>) -> V {
    match value {
        Some(value) => value,
        None => non_null_field_was_null(),
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
///
/// Each that protects or retires takes the proof that `F` is a
/// [`StaticDomain`](crate::StaticDomain) (`family`, a `StaticProof<F>`) and reaches the domain
/// and its per-thread cache through it, instead of bounding `F`, for the reason it takes
/// `pointee`: a generated method gets it from
/// [`Family::static_domain`](crate::domain::Family::static_domain) without repeating the derive's
/// check of the family, and its signature, `Protected<'_, T, F>`, is well-formed for every
/// family (see [`CachedHazard`](crate::hazard_cache::CachedHazard)).
pub mod static_domain {
    use haphazard::AtomicPtr;

    use super::{PointeeOps, PointeeSync, non_null};
    /// The generated methods get their pointee's operations from it.
    pub use crate::bounds::Pointee;
    /// The generated methods get the proof that their family has a static domain from it.
    pub use crate::domain::Family;
    use crate::domain::StaticProof;
    use crate::guard::Protected;

    /// Loads and protects the field's value.
    ///
    /// `#[inline(always)]`, like the rest of the read path (see `hazard_cache::acquire`).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub fn load<T, F>(
        family: impl StaticProof<F>,
        pointee: impl PointeeOps<T>,
        field: &AtomicPtr<T, F>,
    ) -> Option<Protected<'_, T, F>>
    where
        F: 'static,
    {
        let (value, hazard) = family.protect(pointee, field)?;
        // SAFETY: `hazard` protects `value` (just loaded through it), and values of a static
        // family are only reclaimed through its one domain, which is `hazard`'s. Moving the
        // hazard pointer into the guard keeps the protection, which lasts as long as the guard.
        Some(unsafe { Protected::new(&*value, hazard) })
    }

    /// Loads and protects the value of a field that is never empty.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    #[track_caller]
    pub fn load_non_null<T, F>(
        family: impl StaticProof<F>,
        pointee: impl PointeeOps<T>,
        field: &AtomicPtr<T, F>,
    ) -> Protected<'_, T, F>
    where
        F: 'static,
    {
        non_null(load(family, pointee, field))
    }

    /// Installs `new` and retires the old value.
    #[inline]
    pub fn swap_and_retire<T, F>(
        family: impl StaticProof<F>,
        pointee: impl PointeeOps<T>,
        field: &AtomicPtr<T, F>,
        new: Box<T>,
    ) where
        F: 'static,
    {
        // SAFETY: `family` proves `F` a `StaticDomain` (`StaticProof`'s contract), so its one
        // domain, `family.domain()`, is the only one that can protect or reclaim values of the
        // field (`StaticDomain`'s contract).
        unsafe { super::swap_in(pointee, field, new, family.domain()) }
    }

    /// Installs `new` if the field still holds `current`, retiring it; gives `new` back if not.
    ///
    /// # Errors
    ///
    /// `Err(new)` when the field no longer holds `current`.
    #[inline]
    pub fn compare_exchange_and_retire<T, F>(
        family: impl StaticProof<F>,
        pointee: impl PointeeOps<T>,
        field: &AtomicPtr<T, F>,
        current: Option<&T>,
        new: Box<T>,
    ) -> Result<(), Box<T>>
    where
        F: 'static,
    {
        // SAFETY: as in `swap_and_retire`.
        unsafe { super::compare_exchange_in(pointee, field, current, new, family.domain()) }
    }

    /// Replaces the value with `f(current)` until no other writer interferes; retires the old.
    #[inline]
    pub fn update<T, F>(
        family: impl StaticProof<F>,
        pointee: impl PointeeOps<T>,
        field: &AtomicPtr<T, F>,
        f: impl FnMut(Option<&T>) -> Box<T>,
    ) where
        F: 'static,
    {
        let mut hazard = family.acquire();
        // SAFETY: as in `swap_and_retire`; `hazard` comes from `family.domain()`.
        unsafe { super::update_in(pointee, field, hazard.hazard_pointer(), family.domain(), f) }
    }

    /// [`update`] for a field that is never empty.
    #[inline]
    #[track_caller]
    pub fn update_non_null<T, F>(
        family: impl StaticProof<F>,
        pointee: impl PointeeOps<T>,
        field: &AtomicPtr<T, F>,
        mut f: impl FnMut(&T) -> Box<T>,
    ) where
        F: 'static,
    {
        update(family, pointee, field, |current| f(non_null(current)));
    }

    /// Empties the field, retiring its value; `true` if it had one.
    #[inline]
    pub fn clear_and_retire<T, F>(
        family: impl StaticProof<F>,
        pointee: impl PointeeOps<T>,
        field: &AtomicPtr<T, F>,
    ) -> bool
    where
        F: 'static,
    {
        // SAFETY: as in `swap_and_retire`.
        unsafe { super::clear_in(pointee, field, family.domain()) }
    }

    /// Installs `new`, a pointer whose ownership the caller hands over (typically a node that a
    /// link of the old value owned), if the field still holds `current`; retires the old value.
    ///
    /// # Safety
    ///
    /// `new` is null or a live `Box<T>`-allocated value, not retired, with the provenance of its
    /// allocation (not derived from a shared reference), whose ownership moves into the field
    /// if (and only if) the exchange succeeds; once unlinked, `current` cannot be
    /// protected anew except through loads validated against the field.
    ///
    /// # Errors
    ///
    /// `Err(new)` when the field no longer holds `current`.
    #[inline]
    pub unsafe fn compare_exchange_ptr_and_retire<T, F>(
        family: impl StaticProof<F>,
        pointee: impl PointeeOps<T>,
        field: &AtomicPtr<T, F>,
        current: Option<&T>,
        new: *mut T,
    ) -> Result<(), *mut T>
    where
        F: 'static,
    {
        // SAFETY: `family.domain()` is the only domain of the field (as in `swap_and_retire`);
        // the rest is the caller's promise.
        unsafe { super::compare_exchange_ptr_in(pointee, field, current, new, family.domain()) }
    }

    /// Installs `new` if the field holds `current`, without retiring the old value, whose
    /// ownership passes to the caller.
    ///
    /// # Errors
    ///
    /// `Err(new)` when the field does not hold `current`.
    #[inline]
    pub fn compare_exchange_without_retire<T, F>(
        field: &AtomicPtr<T, F>,
        current: *const T,
        new: Box<T>,
    ) -> Result<(), Box<T>> {
        super::compare_exchange_without_retire_in(field, current, new)
    }

    /// Loads and protects the field's value `a`, and the value of the link `link(a)`.
    ///
    /// # Safety
    ///
    /// A value `b` held by `link(a)` is only retired into `F`'s domain, and only after `a` has
    /// left the field or `b` has left `link(a)`.
    #[inline]
    #[allow(clippy::type_complexity)]
    pub unsafe fn load_and_link<'a, T, U, F>(
        family: impl StaticProof<F>,
        pointee: impl PointeeOps<T>,
        field: &'a AtomicPtr<T, F>,
        link: impl for<'v> Fn(&'v T) -> &'v core::sync::atomic::AtomicPtr<U>,
    ) -> Option<(Protected<'a, T, F>, Option<Protected<'a, U, F>>)>
    where
        U: PointeeSync + 'static,
        F: 'static,
    {
        let mut hazard_a = family.acquire();
        let mut hazard_b = family.acquire();
        // SAFETY: both hazards come from `family.domain()`, the field's only domain; the link's
        // promise is the caller's.
        let (a, b) = unsafe {
            super::load_and_link_in(
                pointee,
                field,
                hazard_a.hazard_pointer(),
                hazard_b.hazard_pointer(),
                link,
            )
        }?;
        // SAFETY: `hazard_a` protects `a` and `hazard_b` protects `b` (`load_and_link_in`), and
        // moving each into its guard keeps the protection for as long as the guard lives.
        unsafe {
            Some((
                Protected::new(&*a, hazard_a),
                b.map(|b| Protected::new(&*b, hazard_b)),
            ))
        }
    }

    /// [`load_and_link`] for a field that is never empty.
    ///
    /// # Safety
    ///
    /// As for [`load_and_link`].
    #[inline]
    #[track_caller]
    #[allow(clippy::type_complexity)]
    pub unsafe fn load_and_link_non_null<'a, T, U, F>(
        family: impl StaticProof<F>,
        pointee: impl PointeeOps<T>,
        field: &'a AtomicPtr<T, F>,
        link: impl for<'v> Fn(&'v T) -> &'v core::sync::atomic::AtomicPtr<U>,
    ) -> (Protected<'a, T, F>, Option<Protected<'a, U, F>>)
    where
        U: PointeeSync + 'static,
        F: 'static,
    {
        // SAFETY: forwarded from the caller.
        non_null(unsafe { load_and_link(family, pointee, field, link) })
    }

    /// Retires the field's last value: called from the struct's `Drop`.
    #[inline]
    pub fn retire_on_drop<T, F>(
        family: impl StaticProof<F>,
        pointee: impl PointeeOps<T>,
        field: &mut AtomicPtr<T, F>,
    ) where
        F: 'static,
    {
        // SAFETY: as in `swap_and_retire`; `&mut` proves no other access is under way, and the
        // struct being dropped never touches the field again.
        unsafe { super::retire_last_in(pointee, field, family.domain()) }
    }
}

/// The operations of a field whose domain is another field of the same struct
/// (`#[hazard(domain = field)]`).
///
/// Each is `unsafe`: the caller promises that `domain` is the domain every value of `field` is
/// protected by and retired into. The derive keeps that promise by always passing the domain
/// field the user named, of the same struct as the field.
///
/// Each that protects or retires also takes the proof that `F` is an
/// [`InstanceFamily`](crate::InstanceFamily) (`family`, an `InstanceProof<F>`) instead of
/// bounding `F`, for the reason it takes `pointee` (see the [parent module](super)): a generated
/// method gets it from [`Family::instance`](crate::domain::Family::instance) without repeating
/// the derive's check of the family. A family that is not one (such as the global family, whose
/// one domain `haphazard`'s safe loads trust) never reaches these functions: its proof has no
/// values.
///
/// Pointees are `'static` here too: the domain drops retired values when it is dropped, and safe
/// code can move the domain out of its struct (`mem::replace`) and drop it after any borrow a
/// value held has ended.
pub mod instance {
    use haphazard::{AtomicPtr, Domain, HazardPointer};

    use super::{PointeeOps, PointeeSync, non_null};
    /// The generated methods get their pointee's operations from it.
    pub use crate::bounds::Pointee;
    /// The generated methods get the proof that their family is an `InstanceFamily` from it.
    pub use crate::domain::Family;
    use crate::domain::InstanceProof;
    use crate::guard::{InstanceHazard, ProtectedIn};

    /// A hazard pointer of `domain`, for [`load_with`].
    #[inline]
    pub fn hazard<F: 'static>(domain: &Domain<F>) -> InstanceHazard<'_, F> {
        InstanceHazard::new(domain)
    }

    /// Loads and protects the field's value with `hazard`, ending whatever it protected before.
    ///
    /// # Panics
    ///
    /// If `hazard` belongs to another domain than `domain`.
    ///
    /// # Safety
    ///
    /// See the [module documentation](self).
    #[inline]
    #[track_caller]
    pub unsafe fn load_with<'h, T, F>(
        _family: impl InstanceProof<F>,
        pointee: impl PointeeOps<T>,
        field: &'h AtomicPtr<T, F>,
        domain: &'h Domain<F>,
        hazard: &'h mut InstanceHazard<'_, F>,
    ) -> Option<&'h T>
    where
        F: 'static,
    {
        // SAFETY: values of `field` are only reclaimed through `domain` (the caller's promise),
        // and `of` checked that the hazard pointer belongs to `domain`. The reference borrows
        // the hazard pointer, so it cannot outlive the protection.
        unsafe { pointee.protect(field, hazard.of(domain)) }
    }

    /// [`load_with`] for a field that is never empty.
    ///
    /// # Panics
    ///
    /// If `hazard` belongs to another domain than `domain`, or the field is null.
    ///
    /// # Safety
    ///
    /// See the [module documentation](self).
    #[inline]
    #[track_caller]
    pub unsafe fn load_with_non_null<'h, T, F>(
        family: impl InstanceProof<F>,
        pointee: impl PointeeOps<T>,
        field: &'h AtomicPtr<T, F>,
        domain: &'h Domain<F>,
        hazard: &'h mut InstanceHazard<'_, F>,
    ) -> &'h T
    where
        F: 'static,
    {
        // SAFETY: forwarded from the caller.
        non_null(unsafe { load_with(family, pointee, field, domain, hazard) })
    }

    /// Loads and protects the field's value.
    ///
    /// # Safety
    ///
    /// See the [module documentation](self).
    #[inline]
    pub unsafe fn load<'a, T, F>(
        _family: impl InstanceProof<F>,
        pointee: impl PointeeOps<T>,
        field: &'a AtomicPtr<T, F>,
        domain: &'a Domain<F>,
    ) -> Option<ProtectedIn<'a, T, F>>
    where
        F: 'static,
    {
        let mut hazard = HazardPointer::new_in_domain(domain);
        // SAFETY: values of `field` are only reclaimed through `domain` (the caller's promise),
        // and `hazard` belongs to `domain`.
        let value: *const T = unsafe { pointee.protect(field, &mut hazard) }?;
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
        family: impl InstanceProof<F>,
        pointee: impl PointeeOps<T>,
        field: &'a AtomicPtr<T, F>,
        domain: &'a Domain<F>,
    ) -> ProtectedIn<'a, T, F>
    where
        F: 'static,
    {
        // SAFETY: forwarded from the caller.
        non_null(unsafe { load(family, pointee, field, domain) })
    }

    /// Installs `new` and retires the old value.
    ///
    /// # Safety
    ///
    /// See the [module documentation](self).
    #[inline]
    pub unsafe fn swap_and_retire<T, F>(
        _family: impl InstanceProof<F>,
        pointee: impl PointeeOps<T>,
        field: &AtomicPtr<T, F>,
        domain: &Domain<F>,
        new: Box<T>,
    ) where
        F: 'static,
    {
        // SAFETY: forwarded from the caller.
        unsafe { super::swap_in(pointee, field, new, domain) }
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
        _family: impl InstanceProof<F>,
        pointee: impl PointeeOps<T>,
        field: &AtomicPtr<T, F>,
        domain: &Domain<F>,
        current: Option<&T>,
        new: Box<T>,
    ) -> Result<(), Box<T>>
    where
        F: 'static,
    {
        // SAFETY: forwarded from the caller.
        unsafe { super::compare_exchange_in(pointee, field, current, new, domain) }
    }

    /// Replaces the value with `f(current)` until no other writer interferes; retires the old.
    ///
    /// # Safety
    ///
    /// See the [module documentation](self).
    #[inline]
    pub unsafe fn update<T, F>(
        _family: impl InstanceProof<F>,
        pointee: impl PointeeOps<T>,
        field: &AtomicPtr<T, F>,
        domain: &Domain<F>,
        f: impl FnMut(Option<&T>) -> Box<T>,
    ) where
        F: 'static,
    {
        let mut hazard = HazardPointer::new_in_domain(domain);
        // SAFETY: forwarded from the caller; `hazard` belongs to `domain`.
        unsafe { super::update_in(pointee, field, &mut hazard, domain, f) }
    }

    /// [`update`] for a field that is never empty.
    ///
    /// # Safety
    ///
    /// See the [module documentation](self).
    #[inline]
    #[track_caller]
    pub unsafe fn update_non_null<T, F>(
        family: impl InstanceProof<F>,
        pointee: impl PointeeOps<T>,
        field: &AtomicPtr<T, F>,
        domain: &Domain<F>,
        mut f: impl FnMut(&T) -> Box<T>,
    ) where
        F: 'static,
    {
        // SAFETY: forwarded from the caller.
        unsafe {
            update(family, pointee, field, domain, |current| {
                f(non_null(current))
            });
        }
    }

    /// Empties the field, retiring its value; `true` if it had one.
    ///
    /// # Safety
    ///
    /// See the [module documentation](self).
    #[inline]
    pub unsafe fn clear_and_retire<T, F>(
        _family: impl InstanceProof<F>,
        pointee: impl PointeeOps<T>,
        field: &AtomicPtr<T, F>,
        domain: &Domain<F>,
    ) -> bool
    where
        F: 'static,
    {
        // SAFETY: forwarded from the caller.
        unsafe { super::clear_in(pointee, field, domain) }
    }

    /// Installs `new`, a pointer whose ownership the caller hands over, if the field still holds
    /// `current`; retires the old value.
    ///
    /// # Safety
    ///
    /// See the [module documentation](self), and
    /// [`static_domain::compare_exchange_ptr_and_retire`](super::static_domain::compare_exchange_ptr_and_retire)
    /// for `new` and `current`.
    ///
    /// # Errors
    ///
    /// `Err(new)` when the field no longer holds `current`.
    #[inline]
    pub unsafe fn compare_exchange_ptr_and_retire<T, F>(
        _family: impl InstanceProof<F>,
        pointee: impl PointeeOps<T>,
        field: &AtomicPtr<T, F>,
        domain: &Domain<F>,
        current: Option<&T>,
        new: *mut T,
    ) -> Result<(), *mut T>
    where
        F: 'static,
    {
        // SAFETY: forwarded from the caller.
        unsafe { super::compare_exchange_ptr_in(pointee, field, current, new, domain) }
    }

    /// Installs `new` if the field holds `current`, without retiring the old value, whose
    /// ownership passes to the caller. Safe: it can at worst leak the old value.
    ///
    /// # Errors
    ///
    /// `Err(new)` when the field does not hold `current`.
    #[inline]
    pub fn compare_exchange_without_retire<T, F>(
        field: &AtomicPtr<T, F>,
        current: *const T,
        new: Box<T>,
    ) -> Result<(), Box<T>>
    where
        F: 'static,
    {
        super::compare_exchange_without_retire_in(field, current, new)
    }

    /// Loads and protects the field's value `a`, and the value of the link `link(a)`.
    ///
    /// # Safety
    ///
    /// See the [module documentation](self); and a value `b` held by `link(a)` is only retired
    /// into `domain`, and only after `a` has left the field or `b` has left `link(a)`.
    #[inline]
    #[allow(clippy::type_complexity)]
    pub unsafe fn load_and_link<'a, T, U, F>(
        _family: impl InstanceProof<F>,
        pointee: impl PointeeOps<T>,
        field: &'a AtomicPtr<T, F>,
        domain: &'a Domain<F>,
        link: impl for<'v> Fn(&'v T) -> &'v core::sync::atomic::AtomicPtr<U>,
    ) -> Option<(ProtectedIn<'a, T, F>, Option<ProtectedIn<'a, U, F>>)>
    where
        U: PointeeSync + 'static,
        F: 'static,
    {
        let mut hazard_a = HazardPointer::new_in_domain(domain);
        let mut hazard_b = HazardPointer::new_in_domain(domain);
        // SAFETY: both hazards belong to `domain`, the field's domain (the caller's promise, as
        // is the link's).
        let (a, b) =
            unsafe { super::load_and_link_in(pointee, field, &mut hazard_a, &mut hazard_b, link) }?;
        // SAFETY: `hazard_a` protects `a` and `hazard_b` protects `b`; moving each into its guard
        // keeps the protection for as long as the guard lives.
        unsafe {
            Some((
                ProtectedIn::new(&*a, hazard_a),
                b.map(|b| ProtectedIn::new(&*b, hazard_b)),
            ))
        }
    }

    /// [`load_and_link`] for a field that is never empty.
    ///
    /// # Safety
    ///
    /// As for [`load_and_link`].
    #[inline]
    #[track_caller]
    #[allow(clippy::type_complexity)]
    pub unsafe fn load_and_link_non_null<'a, T, U, F>(
        family: impl InstanceProof<F>,
        pointee: impl PointeeOps<T>,
        field: &'a AtomicPtr<T, F>,
        domain: &'a Domain<F>,
        link: impl for<'v> Fn(&'v T) -> &'v core::sync::atomic::AtomicPtr<U>,
    ) -> (ProtectedIn<'a, T, F>, Option<ProtectedIn<'a, U, F>>)
    where
        U: PointeeSync + 'static,
        F: 'static,
    {
        // SAFETY: forwarded from the caller.
        non_null(unsafe { load_and_link(family, pointee, field, domain, link) })
    }

    /// Retires the field's last value into the struct's domain, which frees it when the domain
    /// field is dropped right after: called from the struct's `Drop`.
    ///
    /// # Safety
    ///
    /// See the [module documentation](self); the field is never used again.
    #[inline]
    pub unsafe fn retire_on_drop<T, F>(
        _family: impl InstanceProof<F>,
        pointee: impl PointeeOps<T>,
        field: &mut AtomicPtr<T, F>,
        domain: &Domain<F>,
    ) where
        F: 'static,
    {
        // SAFETY: forwarded from the caller.
        unsafe { super::retire_last_in(pointee, field, domain) }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use core::ptr;
    use core::sync::atomic::{AtomicPtr as Link, AtomicUsize, Ordering};

    use haphazard::{AtomicPtr, Domain, Global, HazardPointer};

    use super::{compare_exchange_without_retire_in, protect_link, static_domain};

    /// Counts its drops in the counter it points to.
    struct Counted(&'static AtomicUsize);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn exchange_without_retire_leaves_the_old_value_alone() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        let field: AtomicPtr<Counted> = AtomicPtr::from(Box::new(Counted(&DROPS)));
        let old = field.load_ptr();
        let stale =
            compare_exchange_without_retire_in(&field, ptr::null(), Box::new(Counted(&DROPS)));
        drop(stale.expect_err("the field is not empty"));
        assert_eq!(DROPS.load(Ordering::SeqCst), 1);
        assert!(compare_exchange_without_retire_in(&field, old, Box::new(Counted(&DROPS))).is_ok());
        Domain::global().cleanup();
        assert_eq!(
            DROPS.load(Ordering::SeqCst),
            1,
            "the old value is not retired"
        );
        // SAFETY: `old` left the field unretired, so this test owns it; nothing protects it.
        drop(unsafe { Box::from_raw(old) });
        // SAFETY: nothing protects the field's value; retired once.
        unsafe { field.retire() };
        Domain::global().cleanup();
        assert_eq!(DROPS.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn ptr_exchange_moves_ownership_in_and_retires_the_old_value() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        let field: AtomicPtr<Counted> = AtomicPtr::from(Box::new(Counted(&DROPS)));
        let new = Box::into_raw(Box::new(Counted(&DROPS)));
        // SAFETY: `new` is a live `Box` owned here; `None` does not match, so it stays here.
        let failed = unsafe {
            static_domain::compare_exchange_ptr_and_retire(
                static_domain::Family::<Global>::NEW.static_domain(),
                static_domain::Pointee::<Counted>::NEW.ops(),
                &field,
                None,
                new,
            )
        };
        assert_eq!(failed, Err(new));
        // SAFETY: the field holds the value `current` refers to (read with the field unchanged
        // and unretired), `new` is owned here and moves into the field, and the old value is
        // reachable from nowhere else.
        let moved = unsafe {
            let current = &*field.load_ptr();
            static_domain::compare_exchange_ptr_and_retire(
                static_domain::Family::<Global>::NEW.static_domain(),
                static_domain::Pointee::<Counted>::NEW.ops(),
                &field,
                Some(current),
                new,
            )
        };
        assert!(moved.is_ok());
        assert_eq!(field.load_ptr(), new);
        Domain::global().cleanup();
        assert_eq!(
            DROPS.load(Ordering::SeqCst),
            1,
            "the old value is retired and freed"
        );
        // SAFETY: nothing protects the field's value; retired once.
        unsafe { field.retire() };
        Domain::global().cleanup();
        assert_eq!(DROPS.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn protect_link_validates_the_link_and_the_extra_condition() {
        let value = Box::into_raw(Box::new(7_u32));
        let link = Link::new(value);
        let mut hazard = HazardPointer::<Global>::new();
        // SAFETY (all three): `value` is freed only at the end of the test, by the test.
        let got = unsafe { protect_link(&link, &mut hazard, || true) };
        assert_eq!(got, Ok(Some(value.cast_const())));
        assert_eq!(
            unsafe { protect_link(&link, &mut hazard, || false) },
            Err(())
        );
        link.store(ptr::null_mut(), Ordering::Relaxed);
        assert_eq!(
            unsafe { protect_link(&link, &mut hazard, || true) },
            Ok(None)
        );
        drop(hazard);
        // SAFETY: allocated above, never shared beyond this test, freed once.
        drop(unsafe { Box::from_raw(value) });
    }
}
