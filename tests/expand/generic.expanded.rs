const _: () = {
    use ::hazptr::{self as __hazptr, __private as __hazptr_rt};
    #[automatically_derived]
    impl<T: Send + Sync + 'static, F: StaticDomain> S<T, F> {
        #[inline]
        fn __hazptr_value(&self) -> __hazptr_rt::StaticPlace<'_, T, F> {
            __hazptr_rt::Field::<AtomicPtr<T, F>, T, F>::NEW.static_domain(&self.value)
        }
        /**Loads the value of field `value` and protects it: the guard derefs to `&T`, which stays valid while the guard lives, even if another thread replaces it. `None` if the field is empty.

The guard's hazard pointer comes from a per-thread cache, so a load costs about what a protected load with a reused hazard pointer costs.*/
        #[inline]
        fn load_protected_value(
            &self,
        ) -> ::core::option::Option<__hazptr::Protected<'_, T, F>> {
            self.__hazptr_value().load()
        }
        /**Installs `new` in field `value` if it still holds `current` (compared by address: pass what a guard derefs to, `None` for empty).

The old value is retired into the field's domain, and freed by a later reclamation once no guard protects it.

# Errors

Gives `new` back if the field holds another value.*/
        #[inline]
        fn compare_exchange_and_retire_value(
            &self,
            current: ::core::option::Option<&T>,
            new: impl ::core::convert::Into<__hazptr_rt::Box<T>>,
        ) -> ::core::result::Result<(), __hazptr_rt::Box<T>> {
            self.__hazptr_value().compare_exchange_and_retire(current, new)
        }
        /**Replaces the value of field `value` with `f(current)` (`None` when empty), calling `f` again if another thread replaced it meanwhile (read-copy-update).

The old value is retired into the field's domain, and freed by a later reclamation once no guard protects it.*/
        #[inline]
        fn update_value(
            &self,
            f: impl ::core::ops::FnMut(::core::option::Option<&T>) -> T,
        ) {
            self.__hazptr_value().update(f)
        }
        /**Empties field `value`; returns whether it held a value.

The old value is retired into the field's domain, and freed by a later reclamation once no guard protects it.*/
        #[inline]
        fn clear_and_retire_value(&self) -> bool {
            self.__hazptr_value().clear_and_retire()
        }
        /**Installs `new` (a `T` or a `Box<T>`) in field `value`.

The old value is retired into the field's domain, and freed by a later reclamation once no guard protects it.*/
        #[inline]
        fn swap_and_retire_value(
            &self,
            new: impl ::core::convert::Into<__hazptr_rt::Box<T>>,
        ) {
            self.__hazptr_value().swap_and_retire(new)
        }
        #[doc(hidden)]
        #[allow(dead_code)]
        fn __hazptr_checks() {
            __hazptr_rt::assert_hazptr_atomic_ptr::<AtomicPtr<T, F>, T, F>();
            __hazptr_rt::assert_static_pointee::<T>();
            __hazptr_rt::assert_static_domain::<F>();
        }
    }
    #[automatically_derived]
    impl<T: Send + Sync + 'static, F: StaticDomain> ::core::ops::Drop for S<T, F> {
        fn drop(&mut self) {
            self.__hazptr_value().clear_and_retire();
        }
    }
};
