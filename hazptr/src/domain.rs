//! Domain families: which domain protects and reclaims a field's values.
//!
//! The derive checks a concrete family of a `#[hazard]` field once, in its hidden check
//! function, at the user's family type (`let () = <F as InstanceFamily>::HOLDS;` with
//! `domain = …`, `<F as StaticDomain>::HOLDS` without), rather than in the `where` clause of the
//! generated methods: a clause that fails for a concrete type would be reported there (with a
//! note about trivial bounds) and again at every call of a method. The methods get the proof
//! that their family has its kind of domain from [`Family::instance`] or
//! [`Family::static_domain`] instead, which, like `Pointee::ops` (see `bounds.rs`), resolve to
//! an uninhabited proof when the family has not, in a crate that the check has already failed.

use core::convert::Infallible;
use core::marker::PhantomData;
use core::ops::Deref;

use haphazard::{AtomicPtr, Domain};

use crate::bounds::PointeeOps;
use crate::hazard_cache::{CachedHazard, StaticDomain};

/// A family for domains that live inside a struct, one per instance:
/// `#[hazard(domain = field)]`, with the field holding a `hazptr::Domain<Self>`.
///
/// Implement it for a type of your own (any type will do; it only names the family) or use
/// `()`:
///
/// ```
/// pub struct QueueFamily;
/// impl hazptr::InstanceFamily for QueueFamily {}
/// ```
///
/// It is not implemented for [`Global`](crate::Global), on purpose: `Domain::new(&Global)` would
/// make a second domain of the global family, and `haphazard`'s safe loads trust that the global
/// family has exactly one domain. A per-instance domain needs a family of its own.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the family of a per-instance domain",
    label = "not an `InstanceFamily`",
    note = "a domain stored in the struct needs a family that has no program-wide domain: declare one with `struct MyFamily; impl hazptr::InstanceFamily for MyFamily {{}}`, or use `()`",
    note = "for the global domain or a `static_unique_domain!` family, drop `domain = …` from `#[hazard(…)]`"
)]
pub trait InstanceFamily: 'static {
    /// Names the bound: the derive checks a concrete family `F` with
    /// `let () = <F as InstanceFamily>::HOLDS;`, which fails exactly when `F` is not an
    /// `InstanceFamily`, with this trait's message at `F` (a function bounded by the trait would
    /// add a note pointing into this crate).
    #[doc(hidden)]
    const HOLDS: () = ();
}

impl InstanceFamily for () {}

/// The family `F` of a `#[hazard]` field, from which a generated method gets the proof that `F`
/// has its kind of domain: `Family::<F>::NEW.instance()` for a `#[hazard(domain = …)]` field,
/// `Family::<F>::NEW.static_domain()` otherwise (see the module documentation).
///
/// Each is an inherent method bounded by `F`'s trait, so method resolution picks it when `F` has
/// the trait; when `F` has not, resolution goes on through `Deref` to `NotAFamily`'s method of
/// the same name. The choice is made where the generated method is compiled, for its concrete
/// family.
pub struct Family<F>(PhantomData<fn() -> F>);

impl<F> Family<F> {
    /// The family, to call `instance` or `static_domain` on.
    pub const NEW: Self = Self(PhantomData);
}

impl<F: InstanceFamily> Family<F> {
    /// The proof that `F` is an [`InstanceFamily`].
    #[allow(clippy::inline_always)] // a zero-sized value on the read path
    #[inline(always)]
    #[must_use]
    pub const fn instance(&self) -> IsInstance<F> {
        IsInstance(PhantomData)
    }
}

impl<F: StaticDomain> Family<F> {
    /// The proof that `F` is a [`StaticDomain`].
    #[allow(clippy::inline_always)] // a zero-sized value on the read path
    #[inline(always)]
    #[must_use]
    pub const fn static_domain(&self) -> IsStatic<F> {
        IsStatic(PhantomData)
    }
}

impl<F> Deref for Family<F> {
    type Target = NotAFamily<F>;

    #[inline]
    fn deref(&self) -> &NotAFamily<F> {
        &NotAFamily(PhantomData)
    }
}

/// What [`Family`] derefs to: its `instance` is picked only for a family that is not an
/// [`InstanceFamily`], its `static_domain` only for one that is not a [`StaticDomain`].
pub struct NotAFamily<F>(PhantomData<fn() -> F>);

impl<F> NotAFamily<F> {
    /// Never returns: picked only in a crate that does not compile, because the derive's check
    /// of the same bound fails.
    #[cold]
    #[must_use]
    #[allow(clippy::unused_self)] // a method, so that method resolution can pick it
    pub fn instance(&self) -> NotInstance<F> {
        unreachable!(
            "a `#[hazard(domain = …)]` family that is not an `InstanceFamily` is rejected at compile time"
        )
    }

    /// Never returns: picked only in a crate that does not compile, because the derive's check
    /// of the same bound fails.
    #[cold]
    #[must_use]
    #[allow(clippy::unused_self)] // a method, so that method resolution can pick it
    pub fn static_domain(&self) -> NotStatic<F> {
        unreachable!(
            "a `#[hazard]` family without `domain = …` that is not a `StaticDomain` is rejected at compile time"
        )
    }
}

/// A proof that a family may be the family of a per-instance domain: the first argument of
/// every runtime function of a `#[hazard(domain = …)]` field.
///
/// # Safety
///
/// A value of an implementation proves that `F` is an [`InstanceFamily`]: it is implemented
/// only by [`IsInstance<F>`], made only by [`Family::instance`] for `F: InstanceFamily`, and by
/// the uninhabited [`NotInstance<F>`].
pub unsafe trait InstanceProof<F>: Copy {}

/// The proof that `F` is an [`InstanceFamily`]; only [`Family::instance`] makes one.
pub struct IsInstance<F>(PhantomData<fn() -> F>);

copy_marker!(IsInstance);

// SAFETY: a value is made only by `Family::instance`, for `F: InstanceFamily`.
unsafe impl<F: InstanceFamily> InstanceProof<F> for IsInstance<F> {}

/// The proof for a family that is not an [`InstanceFamily`]: a type without values, so that the
/// runtime's functions compile for any family and none of them can run for such a family.
pub struct NotInstance<F>(Infallible, PhantomData<fn() -> F>);

copy_marker!(NotInstance);

// SAFETY: no value of `NotInstance<F>` exists.
unsafe impl<F> InstanceProof<F> for NotInstance<F> {}

/// A proof that a family has one program-wide domain: the first argument of every runtime
/// function of a `#[hazard]` field without `domain = …`, through which those functions reach the
/// domain and its per-thread cache.
///
/// # Safety
///
/// A value of an implementation proves that `F` is a [`StaticDomain`], whose domain and cache its
/// methods use: it is implemented only by [`IsStatic<F>`], made only by [`Family::static_domain`]
/// for `F: StaticDomain`, and by the uninhabited [`NotStatic<F>`].
pub unsafe trait StaticProof<F: 'static>: Copy {
    /// `F`'s one domain.
    fn domain(self) -> &'static Domain<F>;

    /// A hazard pointer of `F`'s domain, from this thread's cache.
    fn acquire(self) -> CachedHazard<F>;

    /// Protects the value of `field` with a hazard pointer from this thread's cache.
    fn protect<T>(
        self,
        pointee: impl PointeeOps<T>,
        field: &AtomicPtr<T, F>,
    ) -> Option<(*const T, CachedHazard<F>)>;
}

/// The proof that `F` is a [`StaticDomain`]; only [`Family::static_domain`] makes one.
pub struct IsStatic<F>(PhantomData<fn() -> F>);

copy_marker!(IsStatic);

// SAFETY: a value is made only by `Family::static_domain`, for `F: StaticDomain`; the methods use
// `F`'s own domain and cache.
unsafe impl<F: StaticDomain> StaticProof<F> for IsStatic<F> {
    #[inline]
    fn domain(self) -> &'static Domain<F> {
        F::domain()
    }

    #[allow(clippy::inline_always)] // the read path: see `hazard_cache::acquire`
    #[inline(always)]
    fn acquire(self) -> CachedHazard<F> {
        CachedHazard::acquire()
    }

    #[allow(clippy::inline_always)] // the read path: see `hazard_cache::acquire`
    #[inline(always)]
    fn protect<T>(
        self,
        pointee: impl PointeeOps<T>,
        field: &AtomicPtr<T, F>,
    ) -> Option<(*const T, CachedHazard<F>)> {
        pointee.protect_cached(field)
    }
}

/// The proof for a family that is not a [`StaticDomain`]: a type without values, so that the
/// runtime's functions compile for any family and none of them can run for such a family.
pub struct NotStatic<F>(Infallible, PhantomData<fn() -> F>);

copy_marker!(NotStatic);

// SAFETY: no value of `NotStatic<F>` exists.
unsafe impl<F: 'static> StaticProof<F> for NotStatic<F> {
    fn domain(self) -> &'static Domain<F> {
        match self.0 {}
    }

    fn acquire(self) -> CachedHazard<F> {
        match self.0 {}
    }

    fn protect<T>(
        self,
        _: impl PointeeOps<T>,
        _: &AtomicPtr<T, F>,
    ) -> Option<(*const T, CachedHazard<F>)> {
        match self.0 {}
    }
}

/// Declares a static domain with a family of its own, usable by `#[hazard]` fields of type
/// `AtomicPtr<T, Family>` and by `protected!`.
///
/// `static_unique_domain!(static NAME: Domain<Family>);` declares `NAME`, a program-wide
/// `Domain<Family>`, and `Family`, a type only this macro can instantiate (so no other domain of
/// that family can exist), like `haphazard`'s macro of the same name, and makes the family a
/// [`StaticDomain`] with its own per-thread hazard-pointer cache. Use it at
/// module scope; attributes such as doc comments before `static` go on the static. Values
/// retired into it are reclaimed independently of the global domain's, which keeps a busy
/// structure's garbage and scans to itself.
///
/// ```
/// use hazptr::{AtomicPtr, HazardProtected};
///
/// hazptr::static_unique_domain!(static ROUTES: Domain<RouteFamily>);
///
/// #[derive(HazardProtected)]
/// struct Router {
///     #[hazard(non_null)]
///     table: AtomicPtr<Vec<String>, RouteFamily>,
/// }
///
/// let router = Router { table: hazptr::atomic_ptr(vec!["/".to_string()]) };
/// router.swap_and_retire_table(vec!["/".to_string(), "/health".to_string()]);
/// assert_eq!(router.load_protected_table().len(), 2);
/// # let _ = &ROUTES;
/// ```
#[cfg(not(loom))] // The loom variant, whose `Domain::new` is not `const`, is in `sync.rs`.
#[macro_export]
macro_rules! static_unique_domain {
    ($(#[$attr:meta])* $vis:vis static $domain:ident: Domain<$family:ident>) => {
        #[allow(non_snake_case)]
        mod $domain {
            #[doc = ::core::concat!(
                "The domain family of [`", ::core::stringify!($domain), "`]: only that static ",
                "can be a `Domain<", ::core::stringify!($family), ">`."
            )]
            pub struct $family {
                _only_this_module_constructs_it: (),
            }

            // SAFETY: `$family` has a private field, so only this module can construct it, and it
            // does so exactly once, for `$domain`: `$domain` is the only `Domain<$family>`.
            unsafe impl $crate::Singleton for $family {}

            $(#[$attr])*
            pub static $domain: $crate::Domain<$family> = $crate::Domain::new(&$family {
                _only_this_module_constructs_it: (),
            });

            // SAFETY: `$domain` is the one domain of `$family` (see above), and the cache below only
            // receives hazard pointers that `hazptr` made from `$domain`.
            unsafe impl $crate::__private::StaticDomain for $family {
                #[inline]
                fn domain() -> &'static $crate::Domain<Self> {
                    &$domain
                }

                $crate::__static_domain_cache!($family);
            }
        }
        $vis use $domain::$family;
        $vis use $domain::$domain;
    };
}

#[cfg(all(test, not(loom)))]
mod tests {
    use core::any::{type_name, type_name_of_val};

    use super::{Family, IsInstance};

    #[test]
    fn an_instance_family_gets_its_proof() {
        let proof = Family::<()>::NEW.instance();
        assert_eq!(type_name_of_val(&proof), type_name::<IsInstance<()>>());
    }

    #[test]
    #[should_panic = "rejected at compile time"]
    #[allow(unreachable_code)] // `instance` returns an uninhabited type
    fn the_global_family_gets_none() {
        // Compiles only because no derive checks `Global` here; the derive's check makes a crate
        // that reaches this fail to compile.
        let _ = Family::<haphazard::Global>::NEW.instance();
    }
}
