#![doc = include_str!("../README.md")]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]
#![warn(clippy::pedantic)]

/// `Clone` and `Copy` for the zero-sized (or uninhabited) proofs and operation sets generic over
/// one type, which a derive would only give when that type is `Copy` too.
macro_rules! copy_marker {
    ($($marker:ident),+ $(,)?) => {$(
        impl<T> Clone for $marker<T> {
            #[inline]
            fn clone(&self) -> Self {
                *self
            }
        }

        impl<T> Copy for $marker<T> {}
    )+};
}

mod bounds;
mod domain;
mod drop_hook;
mod field;
mod guard;
mod hazard_cache;
mod protect;
mod reclaim_on_drop;
mod reclaim_panic;
mod sync;

pub use haphazard::{AtomicPtr, Domain, Global, HazardPointer, HazardPointerArray, Singleton};

pub use crate::domain::InstanceFamily;
pub use crate::drop_hook::HazardDrop;
pub use crate::guard::{InstanceHazard, Protected, ProtectedIn};
pub use crate::hazard_cache::StaticDomain;

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
/// and, for linked structures (stacks, queues), whose nodes are owned by a link of the node
/// before them until a field takes them over:
///
/// | method | what it does |
/// |---|---|
/// | `compare_exchange_without_retire_f(&self, current, new)` | installs `new` (a `T` or `Box<T>`) if the field holds `current` (`*const T`), handing the old value to the caller instead of retiring it (a push: `new` links to it) |
/// | `unsafe compare_exchange_ptr_and_retire_f(&self, current, new)` | installs `new: *mut T`, whose ownership a link hands over, and retires the old value (a pop) |
/// | `unsafe load_protected_f_and_link(&self, \|a\| &a.next)` | protects the value `a` and the value of its link, validated against both (a queue's dequeue) |
///
/// `Protected::load_link` / `ProtectedIn::load_link` protect the value of a plain link that
/// aliases such nodes (a queue's tail). `src/treiber.rs` and `src/ms_queue.rs` in the repository
/// show them at work.
///
/// A retired value is dropped once no guard protects it any more. Field keys, in
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
///   field's.
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
/// domain and binds an `Option<&T>` protected until the end of the block; let-else works. All
/// bindings of one `protected!` share one set of hazard pointers, taken from the per-thread cache
/// at once. The references cannot escape the block, and each borrows the place it was read
/// from, so the struct holding it cannot be dropped or moved while they are in use.
///
/// ```
/// use hazptr::{AtomicPtr, protected};
///
/// let head: AtomicPtr<u32> = hazptr::atomic_ptr(1);
/// let tail: AtomicPtr<u32> = hazptr::atomic_ptr(2);
/// protected! {
///     let Some(h) = head else { panic!("empty") };
///     let t = tail;
/// }
/// assert_eq!((*h, t.copied()), (1, Some(2)));
/// # unsafe { head.retire(); tail.retire(); }
/// ```
pub use hazptr_macros::protected;

/// A `hazptr::AtomicPtr` holding `value`, for initialising a `#[hazard]` field.
///
/// ```
/// let field: hazptr::AtomicPtr<u64> = hazptr::atomic_ptr(7);
/// # unsafe { field.retire() };
/// ```
#[must_use]
pub fn atomic_ptr<T, F>(value: T) -> AtomicPtr<T, F> {
    AtomicPtr::from(Box::new(value))
}

/// An empty `hazptr::AtomicPtr`, for initialising an optional `#[hazard]` field.
///
/// Loads from it give `None`. Do not put it in a `#[hazard(non_null)]` field: loading such a
/// field when it is empty panics.
///
/// ```
/// let field: hazptr::AtomicPtr<u64> = hazptr::null_ptr();
/// assert!(field.load_ptr().is_null());
/// ```
#[must_use]
pub fn null_ptr<T, F>() -> AtomicPtr<T, F> {
    // SAFETY: null is allowed (`AtomicPtr::new`'s first requirement); there is no pointee to have
    // been allocated or to be dropped.
    unsafe { AtomicPtr::new(core::ptr::null_mut()) }
}

/// Not public API: what the macros' expansions call. Each item says why it exists.
#[doc(hidden)]
pub mod __private {
    /// The loom thread-local macro, for `__static_domain_cache!` under `--cfg loom`.
    #[cfg(loom)]
    pub use loom;

    /// The bound checks the derive emits, with messages that say what is missing and why.
    pub use crate::bounds::{
        HazptrAtomicPtr, OwnedDomain, PointeeSend, PointeeSync, assert_hazptr_atomic_ptr,
        assert_instance_family, assert_owned_domain, assert_static_domain, assert_static_pointee,
    };
    /// The generated methods' bodies.
    pub use crate::field::{instance, static_domain};
    /// `protected!`'s hidden hazard pointers, and the caches behind every static-domain guard.
    pub use crate::hazard_cache::{
        CachedHazard, DrainAtExit, HazardCache, HazardSet, StaticDomain,
    };
    pub use crate::protect::{HazardField, protect};
    /// The generated `Drop`.
    pub use crate::reclaim_on_drop::{
        DropGlue, ReclaimFields, ReclaimSkipped, ReclaimViaDerive, Reclaimer,
    };
    /// The loom thread-local's cache type.
    #[cfg(loom)]
    pub use crate::sync::DrainingCache;
    /// Generated signatures name `Box` by this path, which no user item can shadow.
    pub use std::boxed::Box;
}
