//! hazptr's [`Domain`]: the engine's domain, the counts behind [`Domain::stats`], and the one way
//! a value is handed to the engine ([`retire_into`]: counted, in a section).
//!
//! A field's family is [`Global`] (the default), a family declared with
//! [`static_unique_domain!`](crate::static_unique_domain) (both static domains: one domain for
//! the whole program), or an `InstanceFamily`, whose domains live inside the structs that use
//! them (`#[hazard(domain = field)]`; `field/family.rs`). What [`Domain::reclaim`] does is
//! `complete.rs`.

use core::fmt;
use core::mem::ManuallyDrop;
use core::sync::atomic::Ordering;

use crate::reclaim::counters::Counters;
use crate::reclaim::section;

/// A hazard-pointer domain: the hazard pointers that protect a family's values, and the values
/// retired into it until no hazard pointer protects them.
///
/// Three kinds of domain exist:
///
/// - the **global domain**, [`Domain::global()`], of the [`Global`] family: the default of every
///   `AtomicPtr<T>` field, and of the linked toolkit;
/// - a **static domain of its own family**, declared with
///   [`static_unique_domain!`](crate::static_unique_domain), for a structure whose garbage and
///   scans should stay apart from the rest of the program's;
/// - a **per-instance domain**, `Domain::new(&family)` stored in a field of the struct whose
///   `#[hazard(domain = field)]` fields use it (the family implements [`InstanceFamily`](crate::InstanceFamily)):
///   everything retired into it is freed, at the latest, when the struct drops, so its values
///   need not be `'static`.
///
/// [`reclaim`](Self::reclaim) frees what nothing protects now, completely; [`stats`](Self::stats)
/// tells what waits. When values are freed without a call is the rule of the crate
/// documentation's section "When is a value freed?".
///
/// hazptr's domain wraps `haphazard`'s; [`as_engine`](Self::as_engine) reaches it, for what hazptr
/// does not offer.
///
/// ```
/// use hazptr::{AtomicPtr, Domain, HazardProtected};
///
/// hazptr::static_unique_domain!(static ROUTES: Domain<RouteFamily>);
///
/// #[derive(HazardProtected)]
/// struct Router {
///     #[hazard(non_null)]
///     table: AtomicPtr<Vec<&'static str>, RouteFamily>,
/// }
///
/// let router = Router { table: hazptr::atomic_ptr(vec!["/"]) };
/// router.swap_and_retire_table(vec!["/", "/health"]);
/// ROUTES.reclaim(); // the old table is freed: no guard protects it
/// assert_eq!(ROUTES.stats().unfreed, 0);
/// ```
pub struct Domain<F> {
    /// The engine's domain: dropped in a section (see `Drop`), never moved out.
    pub(crate) engine: ManuallyDrop<haphazard::Domain<F>>,
    pub(crate) counters: Counters,
}

/// The family of the [global domain](Domain::global): the default family of every `AtomicPtr`
/// field and of the linked toolkit.
///
/// Only hazptr makes a value of it (its one domain's): no other `Domain<Global>` can exist, which
/// is what lets `protected!` and the fields' guards protect through the global domain.
pub struct Global {
    _only_hazptr_constructs_it: (),
}

// SAFETY: `Global` has a private field and hazptr constructs it once, for `GLOBAL`: that is the
// only `Domain<Global>`, and the only `haphazard::Domain<Global>`.
unsafe impl haphazard::Singleton for Global {}

impl fmt::Debug for Global {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Global")
    }
}

mod global {
    use super::Global;

    crate::__domain_static!(
        /// The global domain.
        GLOBAL: Global = Global { _only_hazptr_constructs_it: () }
    );

    #[inline]
    pub(super) fn get() -> &'static super::Domain<Global> {
        crate::__domain_ref!(GLOBAL)
    }
}

impl Domain<Global> {
    /// The global domain: where every field and structure of the [`Global`] family (the default)
    /// protects and retires.
    #[inline]
    #[must_use]
    pub fn global() -> &'static Self {
        global::get()
    }
}

macro_rules! constructor {
    ($($const:ident)?) => {
        /// A new domain of `family`, for a per-instance domain: a field of the struct whose
        /// `#[hazard(domain = field)]` fields use it. Dropping it frees everything retired into
        /// it (no guard can outlive it: guards borrow it).
        ///
        /// For a static domain, use [`static_unique_domain!`](crate::static_unique_domain).
        #[must_use]
        pub $($const)? fn new(family: &F) -> Self {
            Self {
                engine: ManuallyDrop::new(haphazard::Domain::new(family)),
                counters: Counters::new(),
            }
        }
    };
}

impl<F> Domain<F> {
    #[cfg(not(loom))]
    constructor!(const);
    #[cfg(loom)]
    constructor!();

    /// What this domain holds and has freed: see [`Stats`].
    #[must_use]
    pub fn stats(&self) -> Stats {
        let batched = crate::reclaim::batch::batched(&self.counters);
        let (freed, in_engine) = self.counters.freed_and_in_engine();
        Stats {
            unfreed: in_engine + batched,
            batched,
            freed,
            reclamations: self.counters.reclamations.load(Ordering::Relaxed),
        }
    }

    /// The engine's domain (`haphazard::Domain`), for what hazptr does not offer.
    ///
    /// Its reclamation methods (`eager_reclaim`, `cleanup`) only see the values that have reached
    /// the engine's lists: not those waiting in a thread's batch, nor those a reclamation
    /// retires while it runs; they do not update [`stats`](Self::stats); and they drop the values
    /// they free inside the engine's reclamation, where a `Drop` that calls into hazptr may
    /// find the engine waiting for itself (`cleanup` then never returns). Use
    /// [`reclaim`](Self::reclaim) to reclaim.
    #[must_use]
    pub fn as_engine(&self) -> &haphazard::Domain<F> {
        &self.engine
    }

    /// One reclamation of the engine, counted in the stats; `wait`: also waits for the
    /// reclamations other threads are running in this domain.
    pub(crate) fn engine_reclaim(&self, wait: bool) {
        let ((), freed) = section::counting(|| {
            if wait {
                self.engine.cleanup();
            } else {
                let _ = self.engine.eager_reclaim();
            }
        });
        self.counters.count_reclamation(freed, true);
    }
}

impl<F> Drop for Domain<F> {
    fn drop(&mut self) {
        // In a section, so that the values the engine frees are dropped after it is done with
        // them (`section.rs`).
        section::run_quietly(|| {
            // SAFETY: `drop` runs once, and the engine is never used after it.
            unsafe { ManuallyDrop::drop(&mut self.engine) }
        });
    }
}

impl<F> fmt::Debug for Domain<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Domain")
            .field("family", &core::any::type_name::<F>())
            .field("stats", &self.stats())
            .finish()
    }
}

/// What a domain holds and has freed, from [`Domain::stats`].
///
/// Each figure is exact when nothing retires or reclaims into the domain meanwhile; while other
/// threads do, each is a value it had during the call. Values freed by the engine's own methods
/// (through [`Domain::as_engine`]) are not counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Values retired into the domain and not freed yet: protected by a guard, waiting for a
    /// reclamation, or waiting in a thread's batch (counted in `batched` too).
    pub unfreed: u64,
    /// Of `unfreed`, the values that wait in threads' batches, not yet handed to the domain
    /// (static domains in the asymmetric mode only; see [`barrier`](crate::barrier)). A batch
    /// that holds values of several domains counts all of them toward each.
    pub batched: u64,
    /// Values freed so far.
    pub freed: u64,
    /// Reclamations run so far: those asked for (by [`Domain::reclaim`],
    /// [`reclaim`](fn@crate::reclaim) and the background reclaimer) and those a retirement ran
    /// that freed something.
    pub reclamations: u64,
}

/// Retires `value` into `domain`'s engine, counted, in a section: the one way hazptr hands a
/// value to the engine.
///
/// # Safety
///
/// As `haphazard::Domain::retire_ptr::<T, Reclaimed<T>>`: `value` came from a `Box<T>`, no new
/// protection of it can be validated, it is retired once, and it stays valid until reclaimed.
#[inline]
pub(crate) unsafe fn retire_into<T: Send, F>(value: *mut T, domain: &Domain<F>) {
    domain.counters.count_retired(1);
    // SAFETY: the caller's promise.
    unsafe { retire_counted(value, domain) };
}

/// [`retire_into`] through `retire`, which hands `value` to `domain`'s engine at once (with the
/// deleter it chooses: [`engine_retire`] or [`engine_retire_as`]).
///
/// # Safety
///
/// As for [`retire_into`], and `retire(value)` is sound to call now.
#[inline]
pub(crate) unsafe fn retire_into_by<F>(
    value: *mut (),
    domain: &Domain<F>,
    retire: unsafe fn(*mut ()),
) {
    domain.counters.count_retired(1);
    // SAFETY: the caller's promise.
    in_counted_section(domain, || unsafe { retire(value) });
}

/// [`retire_into`] for a value already counted as retired (a batch counts its entries at once).
///
/// # Safety
///
/// As for [`retire_into`].
#[inline]
pub(crate) unsafe fn retire_counted<T: Send, F>(value: *mut T, domain: &Domain<F>) {
    // SAFETY: the caller's promise.
    in_counted_section(domain, || unsafe { engine_retire(value, domain) });
}

/// Runs `retire` (one retirement into `domain`'s engine) in a section, and counts what the
/// reclamation it may start frees toward `domain`.
#[inline]
fn in_counted_section<F>(domain: &Domain<F>, retire: impl FnOnce()) {
    let ((), freed) = section::run_quietly(|| section::counting(retire));
    domain.counters.count_reclamation(freed, false);
}

/// The engine's retirement of `value` into `domain`, uncounted; the caller runs it in a section
/// and counts it ([`retire_counted`], or a batch's flush).
///
/// # Safety
///
/// As for [`retire_into`].
#[inline]
pub(crate) unsafe fn engine_retire<T: Send, F>(value: *mut T, domain: &Domain<F>) {
    // SAFETY: the caller's promise; `Reclaimed<T>` frees it as the `Box<T>` it came from.
    let _ = unsafe { domain.engine.retire_ptr::<T, section::Reclaimed<T>>(value) };
}

/// [`engine_retire`] with `P`'s drop, not [`section::Reclaimed`]'s, run when the engine finds
/// `value` unprotected: a drop that either frees it through `Reclaimed` or hands it back to its
/// owner, uncounting it ([`Counters::count_withdrawn`]), and does nothing else inside the engine.
///
/// # Safety
///
/// As for [`retire_into`], and `P::from_raw(value)` is sound and its drop does one of those two.
#[inline]
pub(crate) unsafe fn engine_retire_as<T: Send, P: haphazard::raw::Pointer<T>, F>(
    value: *mut T,
    domain: &Domain<F>,
) {
    // SAFETY: the caller's promise.
    let _ = unsafe { domain.engine.retire_ptr::<T, P>(value) };
}

/// A domain, as `complete.rs` and the reclaimer reach it.
pub(crate) trait Reclaimable: Sync {
    /// `Domain::engine_reclaim`.
    fn engine_reclaim(&self, wait: bool);
    /// The domain's counts.
    fn counters(&self) -> &Counters;
}

impl<F: Sync + Send> Reclaimable for Domain<F> {
    fn engine_reclaim(&self, wait: bool) {
        Domain::engine_reclaim(self, wait);
    }

    fn counters(&self) -> &Counters {
        &self.counters
    }
}

/// The static of [`static_unique_domain!`](crate::static_unique_domain): a `Domain` built from
/// `$init`, initialised in place. Harmless on its own (it declares a domain, as `Domain::new`
/// does); its loom variant is a lazy static.
#[cfg(not(loom))]
#[doc(hidden)]
#[macro_export]
macro_rules! __domain_static {
    ($(#[$attr:meta])* $domain:ident: $family:ident = $init:expr) => {
        $(#[$attr])*
        pub static $domain: $crate::Domain<$family> = $crate::Domain::new(&$init);
    };
}

/// A reference to the domain `__domain_static!` declared.
#[cfg(not(loom))]
#[doc(hidden)]
#[macro_export]
macro_rules! __domain_ref {
    ($domain:ident) => {
        &$domain
    };
}

/// The loom variant of `__domain_static!`. Under loom, haphazard's `Domain::new` is not `const`
/// (its atomics are loom's), so, like haphazard's own global domain under loom, `$domain` is a
/// `loom::lazy_static::Lazy<Domain<$family>>`: built on first use in each loom execution, dropped
/// at the end of it. Code that must also build under loom reaches the domain through
/// `<$family as hazptr::StaticDomain>::domain()`, which works in both configurations.
#[cfg(loom)]
#[doc(hidden)]
#[macro_export]
macro_rules! __domain_static {
    ($(#[$attr:meta])* $domain:ident: $family:ident = $init:expr) => {
        $(#[$attr])*
        pub static $domain: $crate::__private::loom::lazy_static::Lazy<$crate::Domain<$family>> =
            $crate::__private::loom::lazy_static::Lazy {
                init: || $crate::Domain::new(&$init),
                _p: ::core::marker::PhantomData,
            };
    };
}

/// The loom variant of `__domain_ref!`.
#[cfg(loom)]
#[doc(hidden)]
#[macro_export]
macro_rules! __domain_ref {
    ($domain:ident) => {
        $domain.get()
    };
}
