//! What the methods generated for a `#[hazard]` field do, and the one place where the bounds
//! that make them sound are proven.
//!
//! # The proof
//!
//! A field of type `A` holding a `T` of family `F` can be read and written when `A` is
//! `hazptr::AtomicPtr<T, F>`, `T` is `Send + Sync + 'static`, and `F` has the domain the field
//! uses: a [`StaticDomain`], or an [`InstanceFamily`] whose domain is a field of the struct.
//! The generated code asks once per field, `Field::<A, T, F>::NEW.static_domain(&self.f)` (or
//! `.instance_domain(…)`), and gets a [`StaticPlace`] (or an [`InstancePlace`]) whose methods
//! do the work and ask nothing more of `T` and `F`.
//!
//! `static_domain` and `instance_domain` are inherent methods of `Field` bounded by all of the
//! above, so method resolution picks them where the bounds hold, at the place the generated
//! method is compiled. Where a bound fails, resolution goes on through `Deref` to [`Unproven`]'s
//! methods of the same names, which never return: the generated methods then compile without
//! adding errors of their own, and the derive's check (`__hazptr_checks`, with the traits of
//! `bounds.rs`) reports the failure once, at the user's type, so such a crate never builds.
//!
//! A place carries what needs the bounds as two function pointers, made where the bounds hold:
//! `retire` (needs `T: Send`) and, for a static domain, `acquire` (needs `F: StaticDomain`).
//! Every place is made and used inside one inlined method, so the compiler sees which functions
//! they are and calls (and inlines) them directly.
//!
//! # Why each method is sound
//!
//! Values enter a field as a `Box<T>` it owns, leave it only through an [`Unlinked`] (after
//! which no protection of them can start), and are then retired once into the field's domain,
//! which frees them only when no hazard pointer of that domain protects them. Readers protect
//! with hazard pointers of that same domain. For a static domain the domain is `F`'s one domain,
//! by [`StaticDomain`]'s contract; for a per-instance domain it is the struct's domain field,
//! which the generated code vouches for in the one `unsafe` call it makes per field,
//! [`AtomicPtr::__in_domain`].

use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr;

use haphazard::HazardPointer;

use crate::field::atomic_ptr::{AtomicPtr, Unlinked};
use crate::field::family::InstanceFamily;
use crate::protect::guard::{InstanceHazard, Protected, ProtectedIn};
use crate::protect::hazard_cache::CachedHazard;
use crate::protect::hazard_cache::StaticDomain;
use crate::protect::validate::protect_link;
use crate::reclaim::barrier::Fence;
use crate::reclaim::domain::{self as domains, Domain};
use crate::reclaim::reclaimer::retire_static as retire_static_value;

/// The question the generated code asks of each field: may a field of type `A`, holding a `T` of
/// family `F`, be used in its kind of domain (for a per-instance domain, held in a field of type
/// `D`)? See the module documentation.
pub struct Field<A, T, F, D = ()>(Types<A, T, F, D>);

impl<A, T, F, D> Field<A, T, F, D> {
    /// The question, to call `static_domain` or `instance_domain` on.
    pub const NEW: Self = Self(PhantomData);
}

impl<T: Send + Sync + 'static, F: StaticDomain> Field<AtomicPtr<T, F>, T, F> {
    /// The field's operations in `F`'s static domain.
    #[allow(clippy::inline_always)] // the read path: see `hazard_cache::acquire`
    #[inline(always)]
    pub fn static_domain<'a>(&self, field: &'a AtomicPtr<T, F>) -> StaticPlace<'a, T, F> {
        Place {
            field,
            domain: F::domain(),
            retire: retire_static::<T, F>,
            hazards: FromCache(CachedHazard::<F>::acquire),
        }
    }
}

impl<T: Send + Sync + 'static, F: InstanceFamily> Field<AtomicPtr<T, F>, T, F, Domain<F>> {
    /// The proof that the field may be paired with `domain`, a per-instance domain of family
    /// `F`, for [`AtomicPtr::__in_domain`].
    #[allow(clippy::inline_always)] // a zero-cost proof on the read path
    #[inline(always)]
    #[must_use]
    pub fn instance_domain<'a>(&self, domain: &'a Domain<F>) -> InstanceProof<'a, T, F> {
        InstanceProof {
            domain,
            retire: retire::<T, F>,
        }
    }
}

impl<A, T, F, D> Deref for Field<A, T, F, D> {
    type Target = Unproven<A, T, F, D>;

    #[inline]
    fn deref(&self) -> &Unproven<A, T, F, D> {
        &Unproven(PhantomData)
    }
}

/// What [`Field`] derefs to: its methods are picked only where the bounds fail, in a crate that
/// the derive's check makes fail to compile.
pub struct Unproven<A, T, F, D>(Types<A, T, F, D>);

/// The types a [`Field`] asks about, owned by nothing.
type Types<A, T, F, D> = PhantomData<fn() -> (A, T, F, D)>;

impl<A, T, F, D> Unproven<A, T, F, D> {
    /// Never returns (see the module documentation).
    #[cold]
    #[allow(clippy::unused_self)] // a method, so that method resolution can pick it
    pub fn static_domain<'a>(&self, _field: &'a A) -> StaticPlace<'a, T, F> {
        unproven()
    }

    /// Never returns (see the module documentation).
    #[cold]
    #[must_use]
    #[allow(clippy::unused_self)] // a method, so that method resolution can pick it
    pub fn instance_domain<'a>(&self, _domain: &'a D) -> InstanceProof<'a, T, F> {
        unproven()
    }
}

#[cold]
#[inline(never)]
fn unproven() -> ! {
    panic!("a `#[hazard]` field whose bounds do not hold is rejected at compile time")
}

/// Retires `value` into `domain`, dropping it there with its panics caught (see
/// `reclaim/section.rs`).
///
/// # Safety
///
/// `value` left its field (an [`Unlinked`]), is retired once, and `domain` is the field's domain.
unsafe fn retire<T: Send + 'static, F>(value: *mut T, domain: &Domain<F>) {
    // SAFETY: `value` came from a `Box<T>` (every field value does), is unlinked and retired
    // once, into the field's domain: the caller's promise.
    unsafe { domains::retire_into(value, domain) };
}

/// [`retire`] into `F`'s one domain (`domain`): in the asymmetric mode, through this thread's
/// batch, which runs the heavy barrier its readers rely on before haphazard sees the value
/// (`barrier.rs`).
///
/// # Safety
///
/// As for [`retire`], with `domain` `F`'s one domain (which `StaticDomain` makes the field's).
unsafe fn retire_static<T: Send + 'static, F: StaticDomain>(value: *mut T, _: &Domain<F>) {
    // SAFETY: `value` left its field and is retired once (the caller's promise); `F::domain()` is
    // the field's domain (`StaticDomain`'s contract), and `retire_erased::<T, F>` retires into it.
    unsafe { retire_static_value(value, F::domain(), retire_erased::<T, F>) };
}

/// Retires a batched value into `F`'s domain (the batch resumes its drop panics, or drops them
/// at thread exit: see `reclaim/batch.rs`).
///
/// # Safety
///
/// `value` is a `*mut T` that left its field of family `F`, retired once, after a heavy barrier
/// that followed its unlink.
unsafe fn retire_erased<T: Send + 'static, F: StaticDomain>(value: *mut ()) {
    // SAFETY: as for `retire`: a `Box<T>` value, unlinked, retired once into its field's domain;
    // the heavy barrier is the caller's promise, which readers with a light fence need. The
    // batch runs this in a section and counts it.
    unsafe { domains::engine_retire(value.cast::<T>(), F::domain()) };
}

/// A field, with the domain its values are protected through and retired into: what the
/// generated methods call. Made only where its bounds hold (see the module documentation): as a
/// [`StaticPlace`] by [`Field::static_domain`], as an [`InstancePlace`] by
/// [`AtomicPtr::__in_domain`]. Its writes are the same for both; its reads differ in where their
/// hazard pointers come from (`H`).
pub struct Place<'a, T, F: 'static, H> {
    field: &'a AtomicPtr<T, F>,
    /// The field's domain.
    domain: &'a Domain<F>,
    /// `retire_static::<T, F>` or `retire::<T, F>`: into `domain`.
    retire: unsafe fn(*mut T, &Domain<F>),
    hazards: H,
}

/// A field of a static domain (the global domain or a
/// [`static_unique_domain!`](crate::static_unique_domain) family), whose loads take their hazard
/// pointer from this thread's cache.
pub type StaticPlace<'a, T, F> = Place<'a, T, F, FromCache<F>>;

/// A field of a per-instance domain, paired with its domain, whose loads acquire a hazard record
/// from it.
pub type InstancePlace<'a, T, F> = Place<'a, T, F, FromDomain>;

/// The hazard pointers of a [`StaticPlace`]: `CachedHazard::<F>::acquire`, from this thread's
/// cache of `F`'s one domain.
pub struct FromCache<F: 'static>(fn() -> CachedHazard<F>);

/// The hazard pointers of an [`InstancePlace`]: new ones, from its domain.
#[derive(Clone, Copy)]
pub struct FromDomain;

impl<T, F: 'static, H: Copy> Clone for Place<'_, T, F, H> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, F: 'static, H: Copy> Copy for Place<'_, T, F, H> {}

impl<F: 'static> Clone for FromCache<F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F: 'static> Copy for FromCache<F> {}

/// The writes, the same in every domain.
impl<T, F: 'static, H: Copy> Place<'_, T, F, H> {
    /// Installs `new` and retires the old value.
    #[inline]
    pub fn swap_and_retire(self, new: impl Into<Box<T>>) {
        if let Some(old) = self.field.swap(new.into()) {
            self.retire(old);
        }
    }

    /// Installs `new` if the field still holds `current` (by address), retiring the old value;
    /// gives `new` back otherwise.
    ///
    /// # Errors
    ///
    /// `Err(new)` when the field holds another value.
    #[inline]
    pub fn compare_exchange_and_retire(
        self,
        current: Option<&T>,
        new: impl Into<Box<T>>,
    ) -> Result<(), Box<T>> {
        if let Some(old) = self.field.compare_exchange(address(current), new.into())? {
            self.retire(old);
        }
        Ok(())
    }

    /// Empties the field, retiring its value; whether it had one.
    #[inline]
    #[allow(clippy::must_use_candidate)] // the struct's drop calls it for the effect alone
    pub fn clear_and_retire(self) -> bool {
        self.field.take().map(|old| self.retire(old)).is_some()
    }

    /// Installs `new` if the field holds `current`, handing the old value's ownership to the
    /// caller (a push: `new` links to it). Frees nothing.
    ///
    /// # Errors
    ///
    /// `Err(new)` when the field holds another value.
    #[inline]
    pub fn compare_exchange_without_retire(
        self,
        current: *const T,
        new: impl Into<Box<T>>,
    ) -> Result<(), Box<T>> {
        self.field.compare_exchange_keep(current, new.into())
    }

    /// Installs `new`, whose ownership the caller hands over, if the field still holds
    /// `current`, retiring the old value; gives `new` back otherwise.
    ///
    /// # Safety
    ///
    /// As for the generated `compare_exchange_ptr_and_retire_…` (see its documentation):
    /// `new` is null or a live, unretired `Box<T>` allocation whose ownership moves into the
    /// field on success, and once unlinked, `current` can be protected anew only through loads
    /// validated against this field.
    ///
    /// # Errors
    ///
    /// `Err(new)` when the field holds another value.
    #[inline]
    pub unsafe fn compare_exchange_ptr_and_retire(
        self,
        current: Option<&T>,
        new: *mut T,
    ) -> Result<(), *mut T> {
        // SAFETY: forwarded from the caller.
        if let Some(old) = unsafe { self.field.compare_exchange_raw(address(current), new) }? {
            self.retire(old);
        }
        Ok(())
    }

    /// Read-copy-update with `hazard`: protects the current value, builds its successor with
    /// `f`, and installs it if the field did not change meanwhile (retiring the old value), else
    /// starts again. What both kinds of place's `update` run.
    ///
    /// # Safety
    ///
    /// `hazard` belongs to the field's domain, and `fence` is what its values' retirement allows
    /// (as for [`AtomicPtr::protect`]).
    #[inline]
    unsafe fn update_with(
        self,
        hazard: &mut HazardPointer<'_, F>,
        fence: Fence,
        mut f: impl FnMut(Option<&T>) -> T,
    ) {
        loop {
            // SAFETY: forwarded from the caller; `current` is not used after `hazard` protects
            // another value, on the next turn.
            let current = unsafe { self.field.protect(hazard, fence) };
            let current = current.map(|current| unsafe { current.as_ref() });
            if self
                .compare_exchange_and_retire(current, f(current))
                .is_ok()
            {
                return;
            }
        }
    }

    /// Retires an unlinked value of the field into its domain.
    #[inline]
    fn retire(self, old: Unlinked<T>) {
        // SAFETY: `old` left the field and is retired once, into the field's domain (`F`'s one
        // domain, by `StaticDomain`'s contract, or the one `__in_domain`'s caller paired it with).
        unsafe { (self.retire)(old.into_raw(), self.domain) };
    }
}

/// The reads of a static field.
impl<'a, T, F: 'static> StaticPlace<'a, T, F> {
    /// Loads and protects the value, with a hazard pointer from this thread's cache.
    #[allow(clippy::inline_always)] // the read path: see `hazard_cache::acquire`
    #[inline(always)]
    #[must_use]
    pub fn load(self) -> Option<Protected<'a, T, F>> {
        let mut hazard = (self.hazards.0)();
        // SAFETY: `hazard` belongs to `F`'s one domain, the only one values of a static family
        // are retired into (`StaticDomain`'s contract, proven when `self` was made).
        let value = unsafe { self.field.protect(hazard.hazard_pointer(), Fence::Light) }?;
        // SAFETY: `hazard` protects `value` (just validated); the guard keeps both together.
        Some(unsafe { Protected::new(value.as_ref(), hazard) })
    }

    /// Read-copy-update: replaces the value with `f(current)` until no other writer got in
    /// between, retiring what it replaces.
    #[inline]
    pub fn update(self, f: impl FnMut(Option<&T>) -> T) {
        let mut hazard = (self.hazards.0)();
        // SAFETY: `hazard` belongs to `F`'s one domain, the only one values of a static family
        // are retired into (through the batches, after the heavy barrier `Fence::Light` needs).
        unsafe { self.update_with(hazard.hazard_pointer(), Fence::Light, f) };
    }

    /// Loads and protects the value `a` and the value of its link `link(a)`.
    ///
    /// # Safety
    ///
    /// A value `b` held by `link(a)` is only retired into `F`'s domain, by hazptr (a `#[hazard]`
    /// field's retirement, whose batches run the heavy barrier the light protection relies on:
    /// see [`barrier`](crate::barrier)), and only after `a` left the field or `b` left `link(a)`.
    #[inline]
    #[allow(clippy::type_complexity)]
    pub unsafe fn load_and_link<U: Sync + 'static>(
        self,
        link: impl for<'v> Fn(&'v T) -> &'v core::sync::atomic::AtomicPtr<U>,
    ) -> Option<(Protected<'a, T, F>, Option<Protected<'a, U, F>>)> {
        let (mut hazard_a, mut hazard_b) = ((self.hazards.0)(), (self.hazards.0)());
        // SAFETY: both hazards belong to `F`'s one domain; `link`'s values are retired as the
        // caller promises.
        let (a, b) = unsafe {
            load_and_link(
                self.field,
                hazard_a.hazard_pointer(),
                hazard_b.hazard_pointer(),
                Fence::Light,
                link,
            )
        }?;
        // SAFETY: each hazard protects its value; each guard keeps the two together.
        unsafe {
            Some((
                Protected::new(a.as_ref(), hazard_a),
                b.map(|b| Protected::new(b.as_ref(), hazard_b)),
            ))
        }
    }
}

/// The proof that a field may be paired with a per-instance domain, and the domain (see
/// [`AtomicPtr::__in_domain`]).
pub struct InstanceProof<'a, T, F> {
    domain: &'a Domain<F>,
    /// `retire::<T, F>`.
    retire: unsafe fn(*mut T, &Domain<F>),
}

impl<T, F> Clone for InstanceProof<'_, T, F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, F> Copy for InstanceProof<'_, T, F> {}

impl<T, F> AtomicPtr<T, F> {
    /// The field's operations in the proof's domain, the struct's own domain: what the
    /// generated methods of a `#[hazard(domain = …)]` field call.
    ///
    /// # Safety
    ///
    /// Every value this field ever holds is protected only through the proof's domain and
    /// retired only into it (the generated code always pairs a field with the domain field its
    /// attribute names).
    #[doc(hidden)]
    #[inline]
    pub unsafe fn __in_domain<'a>(
        &'a self,
        proof: InstanceProof<'a, T, F>,
    ) -> InstancePlace<'a, T, F> {
        Place {
            field: self,
            domain: proof.domain,
            retire: proof.retire,
            hazards: FromDomain,
        }
    }
}

/// The reads of a per-instance field.
impl<'a, T, F: 'static> InstancePlace<'a, T, F> {
    /// Loads and protects the value, with a new hazard pointer of the domain.
    #[inline]
    #[must_use]
    pub fn load(self) -> Option<ProtectedIn<'a, T, F>> {
        let mut hazard = HazardPointer::new_in_domain(&self.domain.engine);
        // SAFETY: values of the field are retired only into `self.domain` (`__in_domain`'s
        // contract), to which `hazard` belongs.
        let value = unsafe { self.field.protect(&mut hazard, Fence::Full) }?;
        // SAFETY: `hazard` protects `value`; the guard keeps both together.
        Some(unsafe { ProtectedIn::new(value.as_ref(), hazard) })
    }

    /// A hazard pointer of the domain, for [`load_with`](Self::load_with).
    #[inline]
    #[must_use]
    pub fn hazard(self) -> InstanceHazard<'a, F> {
        InstanceHazard::new(self.domain)
    }

    /// Loads and protects the value with `hazard`, ending what it protected before.
    ///
    /// # Panics
    ///
    /// If `hazard` belongs to another domain.
    #[inline]
    #[track_caller]
    pub fn load_with<'h>(self, hazard: &'h mut InstanceHazard<'_, F>) -> Option<&'h T>
    where
        'a: 'h,
    {
        // SAFETY: as in `load`; `of` checked that the hazard pointer belongs to `self.domain`. The
        // reference borrows the hazard pointer, so it cannot outlive the protection.
        let value = unsafe { self.field.protect(hazard.of(self.domain), Fence::Full) }?;
        // SAFETY: protected by `hazard` for as long as the reference borrows it.
        Some(unsafe { value.as_ref() })
    }

    /// As [`StaticPlace::update`], with a new hazard pointer of the domain.
    #[inline]
    pub fn update(self, f: impl FnMut(Option<&T>) -> T) {
        let mut hazard = HazardPointer::new_in_domain(&self.domain.engine);
        // SAFETY: values of the field are retired only into `self.domain` (`__in_domain`'s
        // contract), to which `hazard` belongs; `Fence::Full` needs no heavy barrier.
        unsafe { self.update_with(&mut hazard, Fence::Full, f) };
    }

    /// As [`StaticPlace::load_and_link`], with two new hazard pointers of the domain.
    ///
    /// # Safety
    ///
    /// A value `b` held by `link(a)` is only retired into the domain, and only after `a` left
    /// the field or `b` left `link(a)`.
    #[inline]
    #[allow(clippy::type_complexity)]
    pub unsafe fn load_and_link<U: Sync + 'static>(
        self,
        link: impl for<'v> Fn(&'v T) -> &'v core::sync::atomic::AtomicPtr<U>,
    ) -> Option<(ProtectedIn<'a, T, F>, Option<ProtectedIn<'a, U, F>>)> {
        let mut hazard_a = HazardPointer::new_in_domain(&self.domain.engine);
        let mut hazard_b = HazardPointer::new_in_domain(&self.domain.engine);
        // SAFETY: both hazards belong to the field's domain; `link`'s values are retired as the
        // caller promises.
        let (a, b) =
            unsafe { load_and_link(self.field, &mut hazard_a, &mut hazard_b, Fence::Full, link) }?;
        // SAFETY: each hazard protects its value; each guard keeps the two together.
        unsafe {
            Some((
                ProtectedIn::new(a.as_ref(), hazard_a),
                b.map(|b| ProtectedIn::new(b.as_ref(), hazard_b)),
            ))
        }
    }
}

/// The value a `#[hazard(non_null)]` field operation got, which only an empty field makes `None`.
#[allow(clippy::inline_always)] // on the read path of `non_null` fields
#[inline(always)]
#[track_caller]
pub fn non_null<V>(value: Option<V>) -> V {
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
         emptied `AtomicPtr` (from `clear_and_retire…` or `AtomicPtr::null`) into it"
    )
}

/// The address `current` refers to, null for `None`: what the exchanges compare with. A live
/// reference's address cannot have been reclaimed and reused, so there is no ABA.
fn address<T>(current: Option<&T>) -> *const T {
    current.map_or(ptr::null(), ptr::from_ref)
}

/// Protects the value `a` of `field` with `hazard_a`, then the value of `link(a)` with
/// `hazard_b`, validated against both `link(a)` and `field` still holding `a`. `None` when the
/// field is empty.
///
/// # Safety
///
/// Values of `field` are retired only into the hazards' domain, after leaving the field; a value
/// `b` held by `link(a)` is only retired into that domain, and only after `a` left `field` or
/// `b` left `link(a)`.
#[inline]
#[allow(clippy::type_complexity)]
unsafe fn load_and_link<T, U, F: 'static>(
    field: &AtomicPtr<T, F>,
    hazard_a: &mut HazardPointer<'_, F>,
    hazard_b: &mut HazardPointer<'_, F>,
    fence: Fence,
    link: impl for<'v> Fn(&'v T) -> &'v core::sync::atomic::AtomicPtr<U>,
) -> Option<(ptr::NonNull<T>, Option<ptr::NonNull<U>>)> {
    loop {
        // SAFETY: forwarded from the caller.
        let a = unsafe { field.protect(hazard_a, fence) }?;
        // SAFETY: `hazard_a` protects `a` until the next turn of this loop, after this reference
        // is gone.
        let link = link(unsafe { a.as_ref() });
        // SAFETY: forwarded from the caller.
        let b = unsafe {
            protect_link(link, hazard_b, fence, || {
                ptr::eq(field.load_ptr(), a.as_ptr())
            })
        };
        if let Ok(b) = b {
            return Some((a, b));
        }
        // `a` left the field: start again from the field's new value.
    }
}
