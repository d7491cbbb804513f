//! `hazptr::AtomicPtr`: the type of a `#[hazard]` field, and every atomic operation on it.
//!
//! The field's value is a `Box<T>` it owns (or null). This module does the atomics and nothing
//! else: protecting the value with a hazard pointer, and unlinking it (swap, exchange, clear),
//! which hands back an [`Unlinked`] pointer that the caller must retire. Which domain protects
//! and retires, and the bounds that make it sound, are `place.rs`'s business.

use core::fmt;
use core::ptr::{self, NonNull};
use core::sync::atomic::Ordering;

use haphazard::HazardPointer;

use crate::reclaim::domain::Global;

use crate::reclaim::barrier::{self, Fence};
use crate::reclaim::sync::fence;

/// An atomic pointer to a `T` that it owns, for a `#[derive(HazardProtected)]` field marked
/// `#[hazard]` or a place `protected!` reads.
///
/// It owns its value as a `Box<T>`, or is empty (null). It has no safe method that reads,
/// replaces or frees the value: the derive generates those for the struct that holds it
/// (`load_protected_f()`, `swap_and_retire_f(new)`, …), so that every value is protected while
/// it is read and retired, never freed, when it is replaced. `F` is the family of the domain
/// that protects and reclaims its values: [`Global`] (the default), a
/// [`static_unique_domain!`](crate::static_unique_domain) family, or an
/// [`InstanceFamily`](crate::InstanceFamily) whose domain is a field of the struct.
///
/// A struct that derives `HazardProtected` retires the field's last value when it is dropped;
/// that value is freed once no guard protects it (see the crate documentation's "When is a value
/// freed?"). An `AtomicPtr` dropped on its own (a local, a field of a struct that does not
/// derive, an element of a `Vec`) frees its value at once, as a `Box<T>` would: every guard
/// borrows the field it was read from, so none can still read the value when the field is
/// dropped, and nothing else can have it (a value leaves a field only through hazptr, which
/// retires it). So it cannot serve as a plain link that only points at a value another link
/// owns (the derive's `#[hazard(links)]` methods take such links as `core`'s `AtomicPtr`).
///
/// It is `Sync` for every `T` (nothing can reach the value through a shared reference except the
/// derive's methods and `protected!`, which require `T: Send + Sync + 'static`), and `Send` when
/// `T` is: dropping it drops the value on the thread that drops it.
///
/// ```
/// use hazptr::{AtomicPtr, HazardProtected};
///
/// #[derive(HazardProtected)]
/// struct Greeting(#[hazard] AtomicPtr<String>);
///
/// let greeting = Greeting(AtomicPtr::new("hello".to_string()));
/// greeting.swap_and_retire("bonjour".to_string()); // "hello" is retired, not freed
/// assert_eq!(*greeting.load_protected().unwrap(), "bonjour");
/// ```
///
/// # Values read through hazptr must be retired through hazptr
///
/// A reader protects a value by publishing its address in a hazard pointer of the field's domain
/// and checking that the field still holds it; a value is freed only by a reclamation of that
/// same domain that finds no hazard pointer protecting it. So every value this field has ever
/// held must leave it through hazptr (a generated method, or the struct's drop), which retires it
/// into that domain after unlinking it. [`as_engine`](Self::as_engine) is the escape hatch to the
/// engine's type, and states what its user must keep to.
///
/// There is a second reason. For fields of a static domain (the global domain and
/// [`static_unique_domain!`](crate::static_unique_domain) families), readers order their hazard
/// before the re-validation with a compiler fence only, not a `SeqCst` fence: the side that
/// retires runs the heavy barrier (`membarrier`) between a value's unlink and any reclamation
/// that could free it (see [`barrier`]). hazptr's retirements do that, once per
/// batch of values; haphazard's own `retire`, `retire_in` and `retire_ptr` do not. A value
/// retired into the domain by other means than hazptr can be freed while a hazptr reader still
/// uses it.
#[repr(transparent)]
pub struct AtomicPtr<T, F = Global>(haphazard::AtomicPtr<T, F>);

// SAFETY: moving the field moves the ownership of its value, which its drop may free on the
// receiving thread: sound when `T: Send`, as for a `Box<T>`. Nothing else of `T` is reachable
// through the move.
unsafe impl<T: Send, F> Send for AtomicPtr<T, F> {}

// SAFETY: a shared reference reaches the value only through the derive's methods and
// `protected!`, which require `T: Send + Sync + 'static`, and through `as_engine`, whose caller
// takes on the engine's contract; the field itself is an atomic pointer.
unsafe impl<T, F> Sync for AtomicPtr<T, F> {}

impl<T, F> Drop for AtomicPtr<T, F> {
    /// Frees the value, if any (see the type's documentation). A field of a struct that derives
    /// `HazardProtected` is empty by then: the struct's drop has retired its value.
    fn drop(&mut self) {
        let value = self.load_ptr();
        if !value.is_null() {
            // SAFETY: a field holds null or a `Box<T>` it owns (every constructor, and
            // `as_engine`'s contract); `&mut self` means no guard borrows the field, so nothing
            // reads the value, and no other field or list holds it (values leave a field only
            // through an `Unlinked`, which empties it). It is dropped once: the field goes with it.
            drop(unsafe { Box::from_raw(value) });
        }
    }
}

/// A value that an operation took out of its field: no new protection of it can start (a
/// protection is valid only once re-validated against the field), and nobody else got it from
/// the field. The caller must retire it, once, into the field's domain.
pub(crate) struct Unlinked<T>(NonNull<T>);

impl<T> Unlinked<T> {
    /// The value's address, for retirement.
    pub(crate) fn into_raw(self) -> *mut T {
        self.0.as_ptr()
    }
}

impl<T, F> AtomicPtr<T, F> {
    /// An `AtomicPtr` that owns `value`.
    #[must_use]
    pub fn new(value: T) -> Self {
        Self::from(Box::new(value))
    }

    /// An empty `AtomicPtr`, for an optional field (loads return `None`).
    ///
    /// Do not put it in a `#[hazard(non_null)]` field: loading such a field when it is empty
    /// panics.
    #[must_use]
    pub fn null() -> Self {
        // SAFETY: null is allowed (`haphazard::AtomicPtr::new`'s first requirement); there is no
        // pointee to have been allocated or to be dropped.
        Self(unsafe { haphazard::AtomicPtr::new(ptr::null_mut()) })
    }

    /// The address the field holds now (`Acquire`), null when empty: to compare with
    /// [`Protected::as_ptr`](crate::Protected::as_ptr), never to dereference, since the value
    /// may be retired and freed at any time unless a guard protects it.
    #[must_use]
    #[inline]
    pub fn load_ptr(&self) -> *mut T {
        self.0.load_ptr()
    }

    /// Whether the field is empty now.
    #[must_use]
    #[inline]
    pub fn is_null(&self) -> bool {
        self.load_ptr().is_null()
    }

    /// The engine's type, `haphazard::AtomicPtr`, for what hazptr does not offer.
    ///
    /// # Safety
    ///
    /// Through the returned reference, and for as long as the field is read by hazptr (through
    /// a generated method, a guard or `protected!`) or by anything else:
    ///
    /// - every value that leaves the field is retired exactly once, into the field's domain
    ///   (the one the derive's methods use: `F`'s static domain, or the struct's domain field),
    ///   and only after it has left the field: never freed directly, never retired into another
    ///   domain, never retired while the field still holds it;
    /// - every value stored is null or a `Box<T>` it then owns;
    /// - a value is protected only with hazard pointers of that same domain;
    /// - for a field of a static domain, while [`barrier::mode`] is
    ///   [`Asymmetric`](crate::barrier::Mode::Asymmetric): the value is handed to haphazard's
    ///   retirement only after a `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)` that started
    ///   after it left the field, since hazptr's readers rely on that barrier instead of a fence
    ///   of their own. hazptr's retirements do it; haphazard's `retire`, `retire_in` and
    ///   `retire_ptr` do not: call `membarrier` yourself (the process is registered once the
    ///   mode is asymmetric) between the unlink and the retirement, or use only operations that
    ///   do not unlink (loads, `store` of a value that is then never freed).
    ///
    /// `haphazard::AtomicPtr`'s safe `store`, and its `swap` and `compare_exchange` when the old
    /// value is then dropped without retiring it, leak the old value; that is memory-safe but
    /// defeats the struct's reclamation.
    #[inline]
    pub unsafe fn as_engine(&self) -> &haphazard::AtomicPtr<T, F> {
        &self.0
    }

    /// Publishes the field's value in `hazard`, then checks that the field still holds it
    /// (retrying from the new value if not): the value is then protected for as long as `hazard`
    /// protects it. `None` when the field is empty.
    ///
    /// # Safety
    ///
    /// Values of the field are retired only into `hazard`'s domain, and only after they leave the
    /// field (what [`Unlinked`]'s users do); with [`Fence::Light`], only through
    /// `field::retire_static`, whose batches run the heavy barrier between the two
    /// (`barrier.rs`).
    #[allow(clippy::inline_always)] // the read path: see `hazard_cache::acquire`
    #[inline(always)]
    pub(crate) unsafe fn protect(
        &self,
        hazard: &mut HazardPointer<'_, F>,
        fence: Fence,
    ) -> Option<NonNull<T>>
    where
        F: 'static,
    {
        let mut value = self.0.load_ptr();
        loop {
            hazard.protect_raw(value);
            // Orders the publication before the re-validation: a `SeqCst` fence as in
            // `try_protect_ptr` (a reclamation orders its scan after its own), or, with
            // `Fence::Light` in the asymmetric mode, a compiler fence, the retiring side running
            // `membarrier` between the unlink and the scan (`barrier.rs`).
            barrier::light(fence);
            let again = self.0.load_ptr();
            if again == value {
                break;
            }
            value = again;
        }
        // Validated: the field held `value` after the hazard was published, so any retirement of
        // `value` comes after the publication, and the scan that could free it sees the hazard.
        let value = NonNull::new(value);
        if value.is_none() {
            hazard.reset_protection();
        }
        value
    }

    /// Installs `new` and unlinks the old value, if any.
    #[inline]
    pub(crate) fn swap(&self, new: Box<T>) -> Option<Unlinked<T>> {
        let old = self.0.swap(new)?;
        // `swap` is only `Release`: pair it with the `Release` store that published `old`, so the
        // thread that drops `old` sees it fully built.
        fence(Ordering::Acquire);
        Some(Unlinked(old.into_inner()))
    }

    /// Installs `new` if the field still holds `current` (compared by address; `None` for empty),
    /// and unlinks the old value; hands `new` back otherwise.
    #[inline]
    pub(crate) fn compare_exchange(
        &self,
        current: *const T,
        new: Box<T>,
    ) -> Result<Option<Unlinked<T>>, Box<T>> {
        let old = self.0.compare_exchange(current.cast_mut(), new)?;
        fence(Ordering::Acquire);
        Ok(old.map(|old| Unlinked(old.into_inner())))
    }

    /// Empties the field and unlinks its value, if any.
    #[inline]
    pub(crate) fn take(&self) -> Option<Unlinked<T>> {
        // SAFETY: null is a valid value for the field (its "empty" state).
        let old = unsafe { self.0.swap_ptr(ptr::null_mut()) }?;
        fence(Ordering::Acquire);
        Some(Unlinked(old.into_inner()))
    }

    /// Installs `new`, a pointer whose ownership the caller hands over, if the field still holds
    /// `current`, and unlinks the old value; hands `new` back otherwise.
    ///
    /// # Safety
    ///
    /// `new` is null or a live value allocated as a `Box<T>`, with that allocation's provenance,
    /// not retired, whose ownership moves into the field if (and only if) the exchange succeeds.
    #[inline]
    pub(crate) unsafe fn compare_exchange_raw(
        &self,
        current: *const T,
        new: *mut T,
    ) -> Result<Option<Unlinked<T>>, *mut T> {
        // SAFETY: `new` is what `haphazard::AtomicPtr::new` requires (the caller's promise).
        let old =
            unsafe { self.0.compare_exchange_ptr(current.cast_mut(), new) }.map_err(|_| new)?;
        fence(Ordering::Acquire);
        Ok(old.map(|old| Unlinked(old.into_inner())))
    }

    /// Installs `new` if the field holds `current`, handing the old value's ownership to the
    /// caller instead of unlinking it for retirement (a stack's push, where `new` links to it);
    /// hands `new` back otherwise. Frees nothing, so it cannot free a protected value.
    #[inline]
    pub(crate) fn compare_exchange_keep(
        &self,
        current: *const T,
        new: Box<T>,
    ) -> Result<(), Box<T>> {
        // The old value, if any, is dropped as a `Replaced`, which only forgets the pointer.
        self.0.compare_exchange(current.cast_mut(), new).map(drop)
    }
}

impl<T, F> From<Box<T>> for AtomicPtr<T, F> {
    /// An `AtomicPtr` that owns `value`.
    fn from(value: Box<T>) -> Self {
        Self(haphazard::AtomicPtr::from(value))
    }
}

impl<T, F> fmt::Debug for AtomicPtr<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AtomicPtr").field(&self.load_ptr()).finish()
    }
}
