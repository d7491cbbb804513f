const _: () = {
    use ::hazptr::{self as __hazptr, __private as __hazptr_rt};
    #[automatically_derived]
    impl S {
        #[inline]
        fn __hazptr(&self) -> __hazptr_rt::StaticPlace<'_, u64, __hazptr::Global> {
            __hazptr_rt::Field::<AtomicPtr<u64>, u64, __hazptr::Global>::NEW
                .static_domain(&self.0)
        }
        /**Loads the value of field `0` and protects it: the guard derefs to `&u64`, which stays valid while the guard lives, even if another thread replaces it. `None` if the field is empty.

The guard's hazard pointer comes from a per-thread cache, so a load costs about what a protected load with a reused hazard pointer costs.*/
        #[inline]
        fn load_protected(
            &self,
        ) -> ::core::option::Option<__hazptr::Protected<'_, u64>> {
            self.__hazptr().load()
        }
        /**Installs `new` in field `0` if it still holds `current` (compared by address: pass what a guard derefs to, `None` for empty).

The old value is retired into the field's domain, and freed by a later reclamation once no guard protects it.

# Errors

Gives `new` back if the field holds another value.*/
        #[inline]
        fn compare_exchange_and_retire(
            &self,
            current: ::core::option::Option<&u64>,
            new: impl ::core::convert::Into<__hazptr_rt::Box<u64>>,
        ) -> ::core::result::Result<(), __hazptr_rt::Box<u64>> {
            self.__hazptr().compare_exchange_and_retire(current, new)
        }
        /**Replaces the value of field `0` with `f(current)` (`None` when empty), calling `f` again if another thread replaced it meanwhile (read-copy-update).

The old value is retired into the field's domain, and freed by a later reclamation once no guard protects it.*/
        #[inline]
        fn update(
            &self,
            f: impl ::core::ops::FnMut(::core::option::Option<&u64>) -> u64,
        ) {
            self.__hazptr().update(f)
        }
        /**Empties field `0`; returns whether it held a value.

The old value is retired into the field's domain, and freed by a later reclamation once no guard protects it.*/
        #[inline]
        fn clear_and_retire(&self) -> bool {
            self.__hazptr().clear_and_retire()
        }
        /**Installs `new` (a `u64` or a `Box<u64>`) in field `0`.

The old value is retired into the field's domain, and freed by a later reclamation once no guard protects it.*/
        #[inline]
        fn swap_and_retire(
            &self,
            new: impl ::core::convert::Into<__hazptr_rt::Box<u64>>,
        ) {
            self.__hazptr().swap_and_retire(new)
        }
        #[doc(hidden)]
        #[allow(dead_code)]
        fn __hazptr_checks() {
            __hazptr_rt::assert_hazptr_atomic_ptr::<
                AtomicPtr<u64>,
                u64,
                __hazptr::Global,
            >();
            let () = <u64 as __hazptr_rt::PointeeSend>::HOLDS;
            let () = <u64 as __hazptr_rt::PointeeSync>::HOLDS;
        }
    }
    #[automatically_derived]
    impl ::core::ops::Drop for S {
        fn drop(&mut self) {
            self.__hazptr().clear_and_retire();
        }
    }
};
