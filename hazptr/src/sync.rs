//! The fence and thread-local storage hazptr uses, switched to loom's under `--cfg loom`, the
//! same switch `haphazard` makes for its own atomics, so that loom models see every
//! synchronisation the runtime performs.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::fence;

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::fence;

/// Declares the per-thread [`HazardCache`](crate::__private::HazardCache) of one domain family.
///
/// Defined here, once per configuration, so that the `cfg(loom)` choice is made when hazptr is
/// compiled: expansions in a user's crate then never mention a cfg that crate does not declare.
#[cfg(not(loom))]
#[doc(hidden)]
#[macro_export]
macro_rules! __hazard_cache_key {
    ($name:ident: $family:ty) => {
        ::std::thread_local! {
            static $name: $crate::__private::HazardCache<$family> =
                const { $crate::__private::HazardCache::new() };
        }
    };
}

/// Declares the per-thread [`HazardCache`](crate::__private::HazardCache) of one domain family,
/// as a loom thread-local so that loom runs its destructor at the end of each modelled thread.
#[cfg(loom)]
#[doc(hidden)]
#[macro_export]
macro_rules! __hazard_cache_key {
    ($name:ident: $family:ty) => {
        $crate::__private::loom::thread_local! {
            static $name: $crate::__private::HazardCache<$family> =
                $crate::__private::HazardCache::new();
        }
    };
}
