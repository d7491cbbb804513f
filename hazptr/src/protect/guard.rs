//! Guards: a protected reference together with the hazard pointer that protects it.

use core::fmt;
use core::ops::Deref;

use haphazard::HazardPointer;

use crate::reclaim::domain::{Domain, Global};

use crate::protect::hazard_cache::CachedHazard;
use crate::protect::hazard_cache::StaticDomain;
use crate::reclaim::barrier::Fence;

/// `Deref`, `AsRef`, `Debug` and `Display` of a guard, all through the protected reference.
macro_rules! guard_traits {
    ($guard:ident, $family_bound:tt) => {
        impl<T, F: $family_bound> Deref for $guard<'_, T, F> {
            type Target = T;

            #[inline]
            fn deref(&self) -> &T {
                self.value
            }
        }

        impl<T, F: $family_bound> AsRef<T> for $guard<'_, T, F> {
            #[inline]
            fn as_ref(&self) -> &T {
                self.value
            }
        }

        impl<T: fmt::Debug, F: $family_bound> fmt::Debug for $guard<'_, T, F> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(self.value, f)
            }
        }

        impl<T: fmt::Display, F: $family_bound> fmt::Display for $guard<'_, T, F> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self.value, f)
            }
        }
    };
}

/// A reference to a value loaded from a `#[hazard]` field of a static domain (the global domain
/// or a [`static_unique_domain!`](crate::static_unique_domain) family), protected from
/// reclamation for as long as the guard lives.
///
/// Returned by the generated `load_protected…()` methods. Another thread may replace and retire
/// the value meanwhile: the guard still reads the value it loaded, and the value is reclaimed
/// only after the last guard protecting it is dropped. Dropping the guard ends the protection and
/// returns its hazard pointer to a per-thread cache, so guards are cheap to make and drop; hold
/// one only as long as you read through it, since a protected value cannot be reclaimed.
///
/// A guard borrows the struct it was loaded from, so it cannot outlive it. It may move to
/// another thread (with scoped threads) when `T: Sync`.
///
/// ```
/// use hazptr::{AtomicPtr, HazardProtected};
///
/// #[derive(HazardProtected)]
/// struct Settings {
///     #[hazard(non_null)]
///     greeting: AtomicPtr<String>,
/// }
///
/// let settings = Settings { greeting: hazptr::atomic_ptr("hello".to_string()) };
/// let old = settings.load_protected_greeting();
/// settings.swap_and_retire_greeting("bonjour".to_string());
/// assert_eq!(*old, "hello"); // still readable: `old` protects it
/// assert_eq!(*settings.load_protected_greeting(), "bonjour");
/// ```
#[must_use = "a guard protects its value only while it lives; dropping it at once makes the load useless"]
pub struct Protected<'a, T, F: 'static = Global> {
    // Dereferenceable while `_hazard` protects it, and `_hazard` lives exactly as long as `self`.
    value: &'a T,
    _hazard: CachedHazard<F>,
}

impl<'a, T, F: 'static> Protected<'a, T, F> {
    /// Wraps a value that `hazard` protects.
    ///
    /// # Safety
    ///
    /// `hazard` protects `value` (it was loaded with `hazard` from a field whose values are only
    /// ever retired into `F`'s domain), and `value` stays valid while the protection lasts.
    #[inline]
    pub(crate) unsafe fn new(value: &'a T, hazard: CachedHazard<F>) -> Self {
        Self {
            value,
            _hazard: hazard,
        }
    }

    /// The address of the protected value, to compare guards by identity.
    ///
    /// ```
    /// use hazptr::{AtomicPtr, HazardProtected, Protected};
    ///
    /// #[derive(HazardProtected)]
    /// struct Cell(#[hazard] AtomicPtr<u32>);
    ///
    /// let cell = Cell(hazptr::atomic_ptr(1));
    /// let a = cell.load_protected().unwrap();
    /// let b = cell.load_protected().unwrap();
    /// assert_eq!(Protected::as_ptr(&a), Protected::as_ptr(&b)); // the same object
    /// cell.swap_and_retire(1);
    /// let c = cell.load_protected().unwrap();
    /// assert_ne!(Protected::as_ptr(&a), Protected::as_ptr(&c)); // equal value, new object
    /// ```
    #[inline]
    #[must_use]
    pub fn as_ptr(this: &Self) -> *const T {
        this.value
    }

    /// A guard of a part of the protected value (a field, an element, what a `Box` in it holds),
    /// keeping the same protection: the whole value stays readable for as long as the new
    /// guard lives. Like `std::cell::Ref::map`; an associated function, so that it does not
    /// shadow a method of `T`.
    ///
    /// Sound for any `f`: `f` is given a reference of a lifetime it cannot name, so it can keep
    /// nothing of the value past its call, and what it returns borrows the value (or outlives
    /// it); the value is not dropped while its hazard pointer, now the new guard's, protects it.
    ///
    /// ```
    /// use hazptr::{AtomicPtr, HazardProtected, Protected};
    ///
    /// #[derive(HazardProtected)]
    /// struct Cell(#[hazard] AtomicPtr<(u32, String)>);
    ///
    /// let cell = Cell(hazptr::atomic_ptr((1, "one".to_string())));
    /// let name = Protected::map(cell.load_protected().unwrap(), |(_, name)| name);
    /// cell.swap_and_retire((2, "two".to_string()));
    /// assert_eq!(*name, "one"); // still readable: the guard protects the old pair
    /// ```
    #[inline]
    pub fn map<U>(this: Self, f: impl FnOnce(&T) -> &U) -> Protected<'a, U, F> {
        let Self {
            value,
            _hazard: hazard,
        } = this;
        Protected {
            value: f(value),
            _hazard: hazard,
        }
    }
}

impl<'a, T: Sync, F: StaticDomain> Protected<'a, T, F> {
    /// Loads and protects the value of `link`, a plain `AtomicPtr` that aliases values of
    /// `#[hazard]` fields of `F`'s domain (such as the tail of a Michael–Scott queue, which
    /// points at the node a chain of links owns). `None` if `link` is null.
    ///
    /// Protects like a field load: publishes the hazard, then checks that `link` still holds
    /// the value. That check proves the value alive only under the promise below.
    ///
    /// # Safety
    ///
    /// Every value `link` holds is only retired into `F::domain()`, by hazptr (a `#[hazard]`
    /// field's retirement: the protection uses the light barrier, which relies on the heavy
    /// barrier hazptr's retirements run; see [`barrier`](crate::barrier)), and only after it has
    /// left `link`.
    #[inline]
    pub unsafe fn load_link(link: &'a core::sync::atomic::AtomicPtr<T>) -> Option<Self> {
        let mut hazard = CachedHazard::acquire();
        // SAFETY: `hazard` belongs to `F::domain()`; values of `link` are retired into it only
        // after they leave `link` (the caller's promise), and validating nothing more is
        // always valid.
        let value = unsafe {
            crate::protect::validate::protect_link(
                link,
                hazard.hazard_pointer(),
                Fence::Light,
                || true,
            )
        };
        let value = value.ok()??;
        // SAFETY: `hazard` protects `value` (just protected and validated); moving it into the
        // guard keeps the protection for as long as the guard lives.
        Some(unsafe { Self::new(value.as_ref(), hazard) })
    }
}

guard_traits!(Protected, 'static);

/// A reference to a value loaded from a `#[hazard(domain = …)]` field, whose domain is a field
/// of the same struct, protected from reclamation for as long as the guard lives.
///
/// Like [`Protected`], but its hazard pointer comes from the struct's own domain, which keeps no
/// per-thread cache (hazard pointers cached per thread would outlive the struct's domain): making
/// one costs a hazard-record acquisition, about 2.5 ns alone and several times more when threads
/// contend for the domain. For many loads, reuse one [`InstanceHazard`] instead. Borrows the
/// struct, so the domain cannot be dropped while the guard lives.
///
/// ```
/// use hazptr::{AtomicPtr, Domain, HazardProtected, ProtectedIn};
///
/// struct LogFamily;
/// impl hazptr::InstanceFamily for LogFamily {}
///
/// #[derive(HazardProtected)]
/// struct Log {
///     #[hazard(domain = domain)]
///     last: AtomicPtr<String, LogFamily>,
///     domain: Domain<LogFamily>, // frees everything `last` retired when the log drops
/// }
///
/// let log = Log { last: hazptr::atomic_ptr("started".to_string()), domain: Domain::new(&LogFamily) };
/// let last: ProtectedIn<'_, String, LogFamily> = log.load_protected_last().unwrap();
/// log.swap_and_retire_last("running".to_string());
/// assert_eq!(*last, "started");
/// ```
#[must_use = "a guard protects its value only while it lives; dropping it at once makes the load useless"]
pub struct ProtectedIn<'a, T, F: 'static> {
    // Dereferenceable while `_hazard` protects it, and `_hazard` lives exactly as long as `self`.
    value: &'a T,
    _hazard: HazardPointer<'a, F>,
}

impl<'a, T, F: 'static> ProtectedIn<'a, T, F> {
    /// Wraps a value that `hazard` protects.
    ///
    /// # Safety
    ///
    /// `hazard` protects `value` (it was loaded with `hazard` from a field whose values are only
    /// ever retired into `hazard`'s domain), and `value` stays valid while the protection lasts.
    #[inline]
    pub(crate) unsafe fn new(value: &'a T, hazard: HazardPointer<'a, F>) -> Self {
        Self {
            value,
            _hazard: hazard,
        }
    }

    /// The address of the protected value, to compare guards by identity (see
    /// [`Protected::as_ptr`]).
    #[inline]
    #[must_use]
    pub fn as_ptr(this: &Self) -> *const T {
        this.value
    }
}

impl<'a, T: Sync, F: 'static> ProtectedIn<'a, T, F> {
    /// Loads and protects the value of `link` through `domain`: [`Protected::load_link`] for a
    /// per-instance domain. `None` if `link` is null.
    ///
    /// # Safety
    ///
    /// Every value `link` holds is only retired into `domain`, and only after it has left `link`.
    #[inline]
    pub unsafe fn load_link(
        link: &'a core::sync::atomic::AtomicPtr<T>,
        domain: &'a Domain<F>,
    ) -> Option<Self> {
        let mut hazard = HazardPointer::new_in_domain(&domain.engine);
        // SAFETY: `hazard` belongs to `domain`, into which values of `link` are retired only
        // after they leave `link` (the caller's promise).
        let value = unsafe {
            crate::protect::validate::protect_link(link, &mut hazard, Fence::Full, || true)
        };
        let value = value.ok()??;
        // SAFETY: `hazard` protects `value`; moving it into the guard keeps the protection.
        Some(unsafe { Self::new(value.as_ref(), hazard) })
    }
}

guard_traits!(ProtectedIn, 'static);

/// A hazard pointer of one struct's own domain, for many loads of its `#[hazard(domain = …)]`
/// fields: one hazard-record acquisition for all of them, where each
/// [`ProtectedIn`] guard makes its own (see [`ProtectedIn`] for why per-instance domains have no
/// per-thread cache).
///
/// Made by the generated `hazard_pointer_…()` of a per-instance field and used by its
/// `load_protected_…_with(&mut hazard)`, which returns a plain reference protected until the
/// hazard pointer is used again or dropped. It protects at most one value at a time, and only
/// values of the struct whose domain it came from (a load through another struct's domain
/// panics).
///
/// ```
/// use hazptr::{AtomicPtr, Domain, HazardProtected};
///
/// struct LogFamily;
/// impl hazptr::InstanceFamily for LogFamily {}
///
/// #[derive(HazardProtected)]
/// struct Log {
///     #[hazard(domain = domain)]
///     last: AtomicPtr<String, LogFamily>,
///     domain: Domain<LogFamily>,
/// }
///
/// let log = Log { last: hazptr::atomic_ptr("started".to_string()), domain: Domain::new(&LogFamily) };
/// let mut hazard = log.hazard_pointer_last();
/// let mut lengths = 0;
/// for _ in 0..3 {
///     // Each load reuses `hazard`, and ends the protection of the previous one.
///     lengths += log.load_protected_last_with(&mut hazard).map_or(0, String::len);
/// }
/// assert_eq!(lengths, 21);
/// ```
pub struct InstanceHazard<'a, F: 'static> {
    hazard: HazardPointer<'a, F>,
    domain: &'a Domain<F>,
}

impl<'a, F: 'static> InstanceHazard<'a, F> {
    /// A hazard pointer of `domain`.
    #[inline]
    pub(crate) fn new(domain: &'a Domain<F>) -> Self {
        Self {
            hazard: HazardPointer::new_in_domain(&domain.engine),
            domain,
        }
    }

    /// The hazard pointer, after checking that it belongs to `domain`.
    ///
    /// # Panics
    ///
    /// If it belongs to another domain (it came from another struct).
    #[inline]
    #[track_caller]
    pub(crate) fn of(&mut self, domain: &Domain<F>) -> &mut HazardPointer<'a, F> {
        assert!(
            core::ptr::eq(self.domain, domain),
            "this hazard pointer belongs to another struct's domain: make one with this \
             struct's `hazard_pointer_…()`"
        );
        &mut self.hazard
    }
}

impl<F: 'static> fmt::Debug for InstanceHazard<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstanceHazard")
            .field("domain", &core::ptr::from_ref(self.domain))
            .finish_non_exhaustive()
    }
}
