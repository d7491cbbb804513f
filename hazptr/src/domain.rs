//! Domains and their families: which domain protects and reclaims a field's values, hazptr's
//! [`Domain`] type, what it counts, and the reclamation that finishes ([`Domain::reclaim`],
//! [`reclaim`](crate::reclaim)).
//!
//! A field's family is [`Global`] (the default), a family declared with
//! [`static_unique_domain!`](crate::static_unique_domain) (both [`StaticDomain`]s: one domain for
//! the whole program), or an [`InstanceFamily`], whose domains live inside the structs that use
//! them (`#[hazard(domain = field)]`).
//!
//! # A reclamation that finishes
//!
//! [`complete`] runs rounds: each hands every thread's batch on to its domain (`retire_batch.rs`),
//! reclaims each domain it covers, and drops what that freed (`section.rs`), including what the
//! drops retired meanwhile, until a round frees nothing. It then waits for the threads that held
//! values outside any domain when it began (a reclamation or a taken batch in progress,
//! [`section::wait_for_pending`]) and runs its rounds again if it found one. Called from a value's
//! `Drop` during a reclamation, it runs one round without its drain or its wait: the reclamation
//! it runs inside drops what it freed, and finishes the job.

use core::fmt;
use core::mem::ManuallyDrop;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::hazard_cache::StaticDomain;
use crate::section::{self, Context};

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
///   `#[hazard(domain = field)]` fields use it (the family implements [`InstanceFamily`]):
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
    pub(super) fn get() -> &'static crate::Domain<Global> {
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

    /// Frees every value retired into this domain that no guard protects, now, and returns how
    /// many it freed.
    ///
    /// Complete: it first hands on every thread's batch (values retired into a static domain
    /// wait there, see [`barrier`](crate::barrier)); values that the freed values' drops retire
    /// meanwhile are freed by the same call, transitively (a chain of a million nodes, each
    /// owning the next, is freed by one call, one node at a time, without recursion); and it
    /// waits for other threads that are in the middle of freeing or handing on values of the
    /// domain. It returns once every value retired before the call, or by a drop it ran, is freed
    /// unless a guard protects it.
    ///
    /// A `Drop` that runs during this call may call it again, or [`reclaim`](crate::reclaim),
    /// retire, or use any of hazptr's structures: the inner call frees what it can and leaves
    /// the rest of the work to this one (it returns how many values it handed to this call to
    /// drop), and this one still returns with everything unprotected freed.
    ///
    /// A panic in a freed value's `Drop` is caught, the other values are still freed, and the
    /// first such panic is resumed when the call is done (unless the thread is already
    /// unwinding: then it is dropped, after the panic hook reported it).
    #[allow(clippy::must_use_candidate)] // called for the effect as often as for the count
    pub fn reclaim(&self) -> usize
    where
        F: Sync + Send,
    {
        complete(|| vec![self as &dyn Reclaimable])
    }

    /// What this domain holds and has freed: see [`Stats`].
    #[must_use]
    pub fn stats(&self) -> Stats {
        let batched = crate::retire_batch::batched(&self.counters);
        let freed = self.counters.freed.load(Ordering::SeqCst);
        let retired = self.counters.retired.load(Ordering::SeqCst);
        Stats {
            unfreed: retired.saturating_sub(freed) + batched,
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
    /// [`reclaim`](crate::reclaim) and the background reclaimer) and those a retirement ran
    /// that freed something.
    pub reclamations: u64,
}

/// A domain's counts (see [`Stats`]) and, for a static domain, whether it is in [`STATICS`].
pub(crate) struct Counters {
    /// Values handed to the engine.
    pub(crate) retired: AtomicU64,
    freed: AtomicU64,
    reclamations: AtomicU64,
    registered: AtomicBool,
}

impl Counters {
    pub(crate) const fn new() -> Self {
        Self {
            retired: AtomicU64::new(0),
            freed: AtomicU64::new(0),
            reclamations: AtomicU64::new(0),
            registered: AtomicBool::new(false),
        }
    }

    /// Counts `retired` values handed to the engine.
    #[inline]
    pub(crate) fn count_retired(&self, retired: u64) {
        self.retired.fetch_add(retired, Ordering::SeqCst);
    }

    /// Counts an engine call that freed `freed` values (a reclamation if it was `asked` for or
    /// freed any).
    #[inline]
    pub(crate) fn count_reclamation(&self, freed: u64, asked: bool) {
        if freed > 0 {
            self.freed.fetch_add(freed, Ordering::SeqCst);
        }
        if asked || freed > 0 {
            self.reclamations.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Values handed to the engine and not freed yet.
    pub(crate) fn in_engine(&self) -> u64 {
        let freed = self.freed.load(Ordering::SeqCst);
        self.retired.load(Ordering::SeqCst).saturating_sub(freed)
    }
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

/// [`retire_into`] for a value already counted as retired (a batch counts its entries at once).
///
/// # Safety
///
/// As for [`retire_into`].
#[inline]
pub(crate) unsafe fn retire_counted<T: Send, F>(value: *mut T, domain: &Domain<F>) {
    let ((), freed) = section::run_quietly(|| {
        // SAFETY: the caller's promise.
        section::counting(|| unsafe { engine_retire(value, domain) })
    });
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

/// A static domain, as [`complete`] and the reclaimer reach it.
pub(crate) trait Reclaimable: Sync {
    /// [`Domain::engine_reclaim`].
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

/// Every static domain that has had a value retired into it: what [`reclaim`](crate::reclaim)
/// and the background reclaimer cover.
static STATICS: Mutex<Vec<&'static dyn Reclaimable>> = Mutex::new(Vec::new());

/// Adds `F`'s domain to [`STATICS`] at its first retirement (a relaxed load after that), and
/// starts the background reclaimer.
#[inline]
pub(crate) fn note_static<F: StaticDomain>() -> &'static Counters {
    let domain = F::domain();
    if !domain.counters.registered.load(Ordering::Relaxed) {
        register(domain);
    }
    &domain.counters
}

#[cold]
#[inline(never)]
fn register(domain: &'static dyn Reclaimable) {
    {
        let mut statics = STATICS.lock().unwrap_or_else(PoisonError::into_inner);
        if !domain.counters().registered.load(Ordering::Relaxed) {
            statics.push(domain);
            domain.counters().registered.store(true, Ordering::Relaxed);
        }
    }
    crate::reclaimer::start();
}

/// The static domains in [`STATICS`], the global domain first.
pub(crate) fn statics() -> Vec<&'static dyn Reclaimable> {
    let mut all: Vec<&'static dyn Reclaimable> = vec![Domain::global()];
    let registered = STATICS.lock().unwrap_or_else(PoisonError::into_inner);
    all.extend(
        registered
            .iter()
            .copied()
            .filter(|d| !core::ptr::addr_eq(*d, Domain::global())),
    );
    all
}

/// How many outermost [`complete`] calls run: the background reclaimer skips its rounds
/// meanwhile, so that a chain being freed stays on the thread that frees it.
pub(crate) static COMPLETING: core::sync::atomic::AtomicUsize =
    core::sync::atomic::AtomicUsize::new(0);

/// Counts an outermost [`complete`] in [`COMPLETING`] while it lives (also when a drop panic it
/// resumes unwinds out of it).
struct Completing;

impl Completing {
    fn enter() -> Self {
        COMPLETING.fetch_add(1, Ordering::SeqCst);
        Self
    }
}

impl Drop for Completing {
    fn drop(&mut self) {
        COMPLETING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The reclamation that finishes, over the domains `domains` returns (asked again each round:
/// a drop may retire into a static domain for the first time); returns how many values it freed
/// (for a nested call: handed to the running reclamation to drop). Module documentation.
pub(crate) fn complete<'a>(domains: impl Fn() -> Vec<&'a dyn Reclaimable>) -> usize {
    let round = |wait: bool| {
        crate::retire_batch::take_all();
        for domain in domains() {
            domain.engine_reclaim(wait);
        }
    };
    if section::context() != Context::Outermost {
        // One round, deferring: the section or drain it runs in (`Nested`), or the engine's
        // reclamation it runs inside (`InEngine`), must not be waited for, and drops what this
        // round frees.
        let freed = |list: &[&dyn Reclaimable]| -> u64 {
            list.iter()
                .map(|d| d.counters().freed.load(Ordering::SeqCst))
                .sum()
        };
        let before = freed(&domains());
        section::run_quietly(|| round(false));
        let after = freed(&domains());
        return usize::try_from(after.saturating_sub(before)).unwrap_or(usize::MAX);
    }
    let _completing = Completing::enter();
    let mut total = 0;
    // Passes: each runs rounds until one frees nothing, then waits for the threads that were
    // pending when the wait began, whose values then reach their domains or are dropped (a
    // chain another thread took a link of goes on in the next pass). Bounded by the passes in a
    // row that free nothing of this call's, so that other threads' steady work cannot hold it.
    let mut passes_without_progress = 0;
    loop {
        loop {
            let ((), dropped) = section::run(|| round(true));
            if dropped == 0 {
                break;
            }
            total += dropped;
            passes_without_progress = 0;
        }
        if !section::wait_for_pending() || passes_without_progress == 8 {
            break;
        }
        passes_without_progress += 1;
    }
    total
}

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
/// It is not implemented for [`Global`] or any other [`StaticDomain`]
/// family, on purpose: such a family has exactly one domain, which `protected!` and the static
/// fields' guards protect through, so a value of theirs must never be retired into another one.
/// A per-instance domain needs a family of its own. (A `static_unique_domain!` family could be
/// given this trait, but no second domain of it can be built: only its macro constructs it.)
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the family of a per-instance domain",
    label = "not an `InstanceFamily`",
    note = "a domain stored in the struct needs a family that has no program-wide domain: declare one with `struct MyFamily; impl hazptr::InstanceFamily for MyFamily {{}}`, or use `()`",
    note = "for the global domain or a `static_unique_domain!` family, drop `domain = …` from `#[hazard(…)]`"
)]
pub trait InstanceFamily: 'static {
    /// Names the bound: the derive checks a concrete family `F` with
    /// `let () = <F as InstanceFamily>::HOLDS;`, which fails exactly when `F` is not an
    /// `InstanceFamily`, with this trait's message at `F` (see `bounds.rs`).
    #[doc(hidden)]
    const HOLDS: () = ();
}

impl InstanceFamily for () {}

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
            unsafe impl $crate::__private::Singleton for $family {}

            $crate::__domain_static!(
                $(#[$attr])* $domain: $family = $family { _only_this_module_constructs_it: () }
            );

            // SAFETY: `$domain` is the one domain of `$family` (see above), and the cache below
            // only receives hazard pointers that `hazptr` made from it.
            unsafe impl $crate::StaticDomain for $family {
                #[inline]
                fn domain() -> &'static $crate::Domain<Self> {
                    $crate::__domain_ref!($domain)
                }

                $crate::__static_domain_cache!($family);
            }
        }
        $vis use $domain::$family;
        $vis use $domain::$domain;
    };
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
