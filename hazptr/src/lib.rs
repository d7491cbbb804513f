#![doc = include_str!("../README.md")]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]
#![warn(clippy::pedantic)]

// The layers, from the bottom up; each imports only from those below it (ARCHITECTURE.md).
pub mod collections;
mod field;
mod linked;
mod protect;
mod reclaim;

pub use crate::reclaim::barrier;

pub use crate::reclaim::domain::{Domain, Global, Stats};
pub use crate::reclaim::reclaimer::set_background_reclaim;

pub use crate::field::atomic_ptr::AtomicPtr;

pub use crate::linked::anchor::{
    Anchor, AnchoredCursor, AnchoredHead, Indexed, IntoValues, Item, SplitIter,
};
pub use crate::linked::cursor::Cursor;
pub use crate::linked::iter::Iter;
pub use crate::linked::link::{Head, Owned};
pub use crate::linked::owned_iter::{IntoIter, IterMut};
pub use crate::linked::{queue::Queue, stack::Stack};

pub use crate::field::drop_hook::HazardDrop;
pub use crate::field::family::InstanceFamily;
pub use crate::protect::guard::{InstanceHazard, Protected, ProtectedIn};
pub use crate::protect::hazard_cache::StaticDomain;

/// Generates safe, reclaiming accessors for the `hazptr::AtomicPtr` fields of a struct marked
/// `#[hazard]`, and a `Drop` that reclaims their last values.
///
/// For a field `f: AtomicPtr<T>` it generates, with the field's own visibility:
///
/// | method | what it does |
/// |---|---|
/// | `load_protected_f(&self) -> Option<Protected<'_, T>>` | reads the value, protected while the guard lives |
/// | `swap_and_retire_f(&self, new)` | installs `new` (a `T` or `Box<T>`), retires the old value |
/// | `compare_exchange_and_retire_f(&self, current, new)` | installs `new` if the field still holds `current` |
/// | `update_f(&self, \|old\| new)` | read-copy-update loop, retiring each replaced value |
/// | `clear_and_retire_f(&self) -> bool` | empties the field, retiring its value |
///
/// and, for a field marked `#[hazard(links)]`, the methods of linked structures (stacks,
/// queues), whose nodes are owned by a link of the node before them until a field takes them
/// over:
///
/// | method | what it does |
/// |---|---|
/// | `compare_exchange_without_retire_f(&self, current, new)` | installs `new` (a `T` or `Box<T>`) if the field holds `current` (`*const T`), handing the old value to the caller instead of retiring it (a push: `new` links to it) |
/// | `unsafe compare_exchange_ptr_and_retire_f(&self, current, new)` | installs `new: *mut T`, whose ownership a link hands over, and retires the old value (a pop) |
/// | `unsafe load_protected_f_and_link(&self, \|a\| &a.next)` | protects the value `a` and the value of its link, validated against both (a queue's dequeue) |
///
/// `Protected::load_link` / `ProtectedIn::load_link` protect the value of a plain link that
/// aliases such nodes (a queue's tail); `tests/derive_links.rs` in the repository shows them at
/// work. For lists, stacks and queues, prefer the linked-structure toolkit ([`Head`],
/// [`Cursor`], [`Queue`], [`Stack`]), which needs no `unsafe`; these methods are for structures
/// it does not cover.
///
/// A retired value is dropped once no guard protects it any more: by the background reclaimer
/// within about 100 ms, by [`reclaim`](fn@reclaim) or [`Domain::reclaim`] at once, or by a later reclamation
/// of its domain (the crate documentation's "When is a value freed?" gives the rule). Dropping
/// the struct retires each field's last value the same way. Field keys, in
/// `#[hazard(…)]`:
///
/// - `rename = name`: use `name` instead of the field name in the method names (needed for a
///   field of a tuple struct with several fields; a newtype `struct S(#[hazard] AtomicPtr<T>)`
///   gets the bare names `load_protected()`, `swap_and_retire()`, …);
/// - `non_null`: the field is never empty: loads return the guard itself, `update` passes
///   `&T`, and there is no `clear_and_retire`;
/// - `domain = field`: protect and retire through the `Domain<F>` held by that field of the
///   struct (the family must implement [`InstanceFamily`]), instead of a static domain;
/// - `vis = pub` (or any visibility): the methods' visibility, when it should differ from the
///   field's;
/// - `links`: also generate the linked-structure methods above.
///
/// Struct keys, in a `#[hazard(…)]` on the struct: `domain = field` (the default for every
/// field), `custom_drop` (run [`HazardDrop::drop`] before the fields are reclaimed), and
/// `crate = path` (where to find hazptr, when it is re-exported).
///
/// ```
/// use hazptr::{AtomicPtr, HazardProtected};
///
/// #[derive(HazardProtected)]
/// struct Service {
///     #[hazard]
///     config: AtomicPtr<String>,
/// }
///
/// let svc = Service { config: hazptr::atomic_ptr("v1".to_string()) };
/// let v1 = svc.load_protected_config().unwrap();
/// svc.swap_and_retire_config("v2".to_string());
/// assert_eq!(*v1, "v1");
/// assert_eq!(*svc.load_protected_config().unwrap(), "v2");
/// ```
pub use hazptr_macros::HazardProtected;

/// Binds protected references for the rest of the enclosing block.
///
/// Each `let` reads a `hazptr::AtomicPtr` place (a field, a local, `*reference`) of a static
/// domain (the global domain or a [`static_unique_domain!`] family; a per-instance field is read
/// with its generated `load_protected_…()`) and binds an `Option<&T>` protected until the end of
/// the block; let-else works. All bindings of one `protected!` share one set of hazard pointers,
/// taken from the per-thread cache at once. The references cannot escape the block, and each
/// borrows the place it was read from, so the struct holding it cannot be dropped or moved while
/// they are in use.
///
/// A field marked `#[hazard(non_null)]` still binds an `Option<&T>`: `protected!` reads the
/// `AtomicPtr` place, not the struct's attributes, so it cannot know the field is never empty.
/// Bind such a field with let-else:
///
/// ```
/// use hazptr::{AtomicPtr, HazardProtected, protected};
///
/// #[derive(HazardProtected)]
/// struct Service {
///     #[hazard(non_null)]
///     config: AtomicPtr<String>,
/// }
///
/// let svc = Service { config: hazptr::atomic_ptr("v1".to_string()) };
/// protected! {
///     // `svc.load_protected_config()` returns the guard itself; here it is an `Option`.
///     let Some(config) = svc.config else { unreachable!("`config` is never empty") };
/// }
/// assert_eq!(config, "v1");
/// ```
///
/// Each binding is read, and protected, on its own: the bindings are not a snapshot of the
/// fields taken at one instant. While a writer replaces several fields one after another, a
/// block may see some fields' new values and others' old ones. Fields that must be read
/// consistently belong in one value: one field holding a struct of the three, replaced as a
/// whole, read with one binding.
///
/// ```
/// use hazptr::{AtomicPtr, HazardProtected, protected};
///
/// #[derive(HazardProtected)]
/// struct List {
///     #[hazard]
///     head: AtomicPtr<u32>,
///     #[hazard]
///     tail: AtomicPtr<u32>,
/// }
///
/// let list = List { head: hazptr::atomic_ptr(1), tail: hazptr::atomic_ptr(2) };
/// protected! {
///     let Some(h) = list.head else { panic!("empty") };
///     let t = list.tail;
/// }
/// assert_eq!((*h, t.copied()), (1, Some(2)));
/// ```
#[macro_export]
macro_rules! protected {
    ($($bindings:tt)*) => {
        // `[$crate]` tells the expansion where hazptr is, even when it is re-exported.
        $crate::__private::protected!([$crate] $($bindings)*)
    };
}

/// A `hazptr::AtomicPtr` holding `value`, for initialising a `#[hazard]` field:
/// [`AtomicPtr::new`].
///
/// ```
/// let field: hazptr::AtomicPtr<u64> = hazptr::atomic_ptr(7);
/// # drop(field);
/// ```
#[must_use]
pub fn atomic_ptr<T, F>(value: T) -> AtomicPtr<T, F> {
    AtomicPtr::new(value)
}

/// An empty `hazptr::AtomicPtr`, for initialising an optional `#[hazard]` field:
/// [`AtomicPtr::null`].
///
/// Loads from it give `None`. Do not put it in a `#[hazard(non_null)]` field: loading such a
/// field when it is empty panics.
///
/// ```
/// let field: hazptr::AtomicPtr<u64> = hazptr::null_ptr();
/// assert!(field.is_null());
/// ```
#[must_use]
pub fn null_ptr<T, F>() -> AtomicPtr<T, F> {
    AtomicPtr::null()
}

/// Frees every value retired into a static domain (the global domain and every
/// [`static_unique_domain!`](crate::static_unique_domain) family) that no guard protects, now;
/// returns how many it freed.
///
/// Complete, as [`Domain::reclaim`] is for one domain: it hands on every thread's batch first
/// (see [`barrier`]), frees what the freed values' drops retire meanwhile, transitively, and
/// waits for other threads in the middle of freeing or handing on values; when it returns,
/// every value retired before the call is freed unless a guard protects it. Without it, the
/// background reclaimer frees them within about 100 ms (see the crate documentation's "When is
/// a value freed?"); call it when they must be gone now: at the end of a phase, before
/// measuring memory, in a test. A per-instance domain is reclaimed by its own
/// [`Domain::reclaim`], or by dropping it.
///
/// Called from a `Drop` that runs during a reclamation, it frees what it can and leaves the
/// rest to the running reclamation, which still finishes the job (it then returns how many
/// values it handed to that reclamation to drop). A panic in a freed value's `Drop` is caught,
/// the other values are still freed, and the first such panic is resumed when the call is done,
/// unless the thread is already unwinding (it is then dropped, after the panic hook reported
/// it).
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use hazptr::{AtomicPtr, HazardProtected};
///
/// static DROPPED: AtomicUsize = AtomicUsize::new(0);
/// struct Payload;
/// impl Drop for Payload {
///     fn drop(&mut self) { DROPPED.fetch_add(1, Ordering::Relaxed); }
/// }
///
/// #[derive(HazardProtected)]
/// struct Holder(#[hazard] AtomicPtr<Payload>);
///
/// drop(Holder(AtomicPtr::new(Payload))); // retired, not yet freed
/// hazptr::reclaim();
/// assert_eq!(DROPPED.load(Ordering::Relaxed), 1);
/// ```
#[allow(clippy::must_use_candidate)] // called for the effect as often as for the count
pub fn reclaim() -> usize {
    reclaim::complete::complete(reclaim::reclaimer::statics)
}

/// Hands the values this thread retired and still holds in its batch to their domains now.
///
/// With the asymmetric barrier (see [`barrier`]), values retired into static domains wait in a
/// per-thread batch of up to 64 until one `membarrier` serves them all: when the batch is full,
/// at a retirement 10 ms after its first value, when the thread exits, on this call, or when
/// another thread hands the batch on (its [`reclaim`](fn@reclaim), the background reclaimer, or its next full
/// or aged batch once this one is 10 ms old). This thread's batch only, for one `membarrier`;
/// it frees nothing by itself (the domain's next reclamation does), where [`reclaim`](fn@reclaim) and
/// [`Domain::reclaim`] hand on every thread's and free. With the fallback barrier, values
/// reach their domain at once and this does nothing.
///
/// ```
/// use hazptr::{AtomicPtr, HazardProtected};
///
/// hazptr::static_unique_domain!(static NAMES: Domain<NameFamily>);
///
/// #[derive(HazardProtected)]
/// struct Name(#[hazard] AtomicPtr<String, NameFamily>);
///
/// let name = Name(hazptr::atomic_ptr("a".to_string()));
/// name.swap_and_retire("b".to_string());
/// hazptr::flush_retired();
/// assert_eq!(NAMES.stats().batched, 0, "\"a\" left this thread's batch");
/// ```
pub fn flush_retired() {
    reclaim::section::run_quietly(reclaim::batch::flush);
}

/// Not public API: what the macros' expansions call. Each item says why it exists, and each is
/// sound in any safe caller's hands: what depends on its caller is an `unsafe fn`.
#[doc(hidden)]
pub mod __private {
    /// The loom thread-local's cache type.
    #[cfg(loom)]
    pub use crate::protect::thread_locals::DrainingCache;
    /// The loom thread-local macro and lazy static, for `static_unique_domain!` under loom.
    #[cfg(loom)]
    pub use loom;

    /// `static_unique_domain!`'s per-thread hazard-pointer cache and its drain at thread exit.
    pub use crate::protect::hazard_cache::{DrainAtExit, HazardCache};
    /// `static_unique_domain!` declares its family a `Singleton` of the engine.
    pub use haphazard::Singleton;

    /// The `Drop` of a `#[hazard(custom_drop)]` struct.
    pub use crate::field::drop_hook::RetireOnExit;
    /// The derive's one question per field, and the answers its methods call (`field/place.rs`).
    pub use crate::field::place::{Field, InstancePlace, StaticPlace, non_null};
    /// Generated signatures name `Box` by this path, which no user item can shadow.
    pub use std::boxed::Box;

    pub use crate::field::protected::protect;
    /// `protected!`'s expansion, its hidden hazard pointers and its one call per binding.
    pub use crate::protect::hazard_cache::HazardSet;
    pub use hazptr_macros::protected;

    /// The derive's checks, with messages that say what is missing and why (`bounds.rs`);
    /// `HazptrAtomicPtr` is also how `protected!` reaches its places.
    pub use crate::field::bounds::{
        HazptrAtomicPtr, PointeeSend, PointeeSync, assert_hazptr_atomic_ptr,
        assert_instance_family, assert_owned_domain, assert_static_domain, assert_static_pointee,
    };
}
