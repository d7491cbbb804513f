//! The thread-locals each static family's hazard-pointer cache lives in: the macro that declares
//! them for a [`StaticDomain`](crate::StaticDomain) implementation, once per configuration (std's thread-locals, or
//! loom's under `--cfg loom`, with the self-draining cache loom needs).

#[cfg(loom)]
use crate::protect::hazard_cache::{HazardCache, StaticDomain};

/// Expands to the `with_cache` and `drain_at_thread_exit` methods of a
/// [`StaticDomain`](crate::StaticDomain) implementation for `$family`, each declaring its own
/// thread-local (see `hazard_cache.rs` for why there are two).
///
/// Defined here, once per configuration, so that the `cfg(loom)` choice is made when hazptr is
/// compiled: expansions in a user's crate then never mention a cfg that crate does not declare.
#[cfg(not(loom))]
#[doc(hidden)]
#[macro_export]
macro_rules! __static_domain_cache {
    ($family:ty) => {
        #[inline]
        fn with_cache<R>(
            f: impl ::core::ops::FnOnce(&$crate::__private::HazardCache<Self>) -> R,
        ) -> ::core::option::Option<R> {
            ::std::thread_local! {
                static CACHE: $crate::__private::HazardCache<$family> =
                    const { $crate::__private::HazardCache::new() };
            }
            // `with` only lends the address; `f` runs outside it, so that `with` stays small
            // enough to inline whatever `f` is.
            let cache: *const $crate::__private::HazardCache<$family> =
                CACHE.with(::core::ptr::from_ref);
            // SAFETY: a `const`-initialised thread-local without drop glue lives, at this
            // address, as long as its thread, with no lazy initialisation and no destructor;
            // `f` runs now, on this thread, so the reference is valid while `f` uses it.
            ::core::option::Option::Some(f(unsafe { &*cache }))
        }

        #[cold]
        fn drain_at_thread_exit() -> bool {
            ::std::thread_local! {
                static DRAIN: $crate::__private::DrainAtExit<$family> =
                    const { $crate::__private::DrainAtExit::new() };
            }
            // The first access registers `DRAIN`'s destructor, also from another thread-local's
            // destructor: std runs the destructors registered while the thread's destructors
            // run. `DRAIN`'s destructor closes the cache, so `open` does not come here again
            // after it; should it, `try_with` answers `false` (do not cache) where `with` would
            // panic, and a panic in a thread-local destructor aborts the process.
            DRAIN.try_with(|_| {}).is_ok()
        }
    };
}

/// The loom version of `__static_domain_cache!`: one loom thread-local whose destructor (loom runs
/// them at the end of each modelled thread) drains the cache.
#[cfg(loom)]
#[doc(hidden)]
#[macro_export]
macro_rules! __static_domain_cache {
    ($family:ty) => {
        fn with_cache<R>(
            f: impl ::core::ops::FnOnce(&$crate::__private::HazardCache<Self>) -> R,
        ) -> ::core::option::Option<R> {
            $crate::__private::loom::thread_local! {
                static CACHE: $crate::__private::DrainingCache<$family> =
                    $crate::__private::DrainingCache::new();
            }
            CACHE.try_with(|cache| f(&cache.0)).ok()
        }

        fn drain_at_thread_exit() -> bool {
            true
        }
    };
}

/// A [`HazardCache`](HazardCache) that drains itself when dropped: the loom
/// thread-local, for which one thread-local with a destructor is simplest.
#[cfg(loom)]
#[doc(hidden)]
pub struct DrainingCache<F: StaticDomain>(pub HazardCache<F>);

#[cfg(loom)]
impl<F: StaticDomain> DrainingCache<F> {
    /// An empty cache.
    #[must_use]
    pub const fn new() -> Self {
        Self(HazardCache::new())
    }
}

#[cfg(loom)]
impl<F: StaticDomain> Default for DrainingCache<F> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(loom)]
impl<F: StaticDomain> Drop for DrainingCache<F> {
    fn drop(&mut self) {
        self.0.drain_and_close();
    }
}
