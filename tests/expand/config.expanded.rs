const _: () = {
    use ::hazptr::{self as __hazptr, __private as __hazptr_rt};
    #[automatically_derived]
    impl Service {
        #[inline]
        fn __hazptr_config(
            &self,
        ) -> __hazptr_rt::StaticPlace<'_, Config, __hazptr::Global> {
            __hazptr_rt::Field::<AtomicPtr<Config>, Config, __hazptr::Global>::NEW
                .static_domain(&self.config)
        }
        #[inline]
        fn __hazptr_routes(
            &self,
        ) -> __hazptr_rt::StaticPlace<'_, RouteTable, __hazptr::Global> {
            __hazptr_rt::Field::<
                AtomicPtr<RouteTable>,
                RouteTable,
                __hazptr::Global,
            >::NEW
                .static_domain(&self.routes)
        }
        /**Loads the value of field `config` and protects it: the guard derefs to `&Config`, which stays valid while the guard lives, even if another thread replaces it. `None` if the field is empty.

The guard's hazard pointer comes from a per-thread cache, so a load costs about what a protected load with a reused hazard pointer costs.*/
        #[inline]
        fn load_protected_config(
            &self,
        ) -> ::core::option::Option<__hazptr::Protected<'_, Config>> {
            self.__hazptr_config().load()
        }
        /**Installs `new` in field `config` if it still holds `current` (compared by address: pass what a guard derefs to, `None` for empty).

The old value is retired into the field's domain, and freed by a later reclamation once no guard protects it.

# Errors

Gives `new` back if the field holds another value.*/
        #[inline]
        fn compare_exchange_and_retire_config(
            &self,
            current: ::core::option::Option<&Config>,
            new: impl ::core::convert::Into<__hazptr_rt::Box<Config>>,
        ) -> ::core::result::Result<(), __hazptr_rt::Box<Config>> {
            self.__hazptr_config().compare_exchange_and_retire(current, new)
        }
        /**Replaces the value of field `config` with `f(current)` (`None` when empty), calling `f` again if another thread replaced it meanwhile (read-copy-update).

The old value is retired into the field's domain, and freed by a later reclamation once no guard protects it.*/
        #[inline]
        fn update_config(
            &self,
            f: impl ::core::ops::FnMut(::core::option::Option<&Config>) -> Config,
        ) {
            self.__hazptr_config().update(f)
        }
        /**Empties field `config`; returns whether it held a value.

The old value is retired into the field's domain, and freed by a later reclamation once no guard protects it.*/
        #[inline]
        fn clear_and_retire_config(&self) -> bool {
            self.__hazptr_config().clear_and_retire()
        }
        /**Installs `new` (a `Config` or a `Box<Config>`) in field `config`.

The old value is retired into the field's domain, and freed by a later reclamation once no guard protects it.*/
        #[inline]
        fn swap_and_retire_config(
            &self,
            new: impl ::core::convert::Into<__hazptr_rt::Box<Config>>,
        ) {
            self.__hazptr_config().swap_and_retire(new)
        }
        /**Loads the value of field `routes` and protects it: the guard derefs to `&RouteTable`, which stays valid while the guard lives, even if another thread replaces it.

The guard's hazard pointer comes from a per-thread cache, so a load costs about what a protected load with a reused hazard pointer costs.

# Panics

If the field is empty, which only moving an emptied `AtomicPtr` into it can cause.*/
        #[inline]
        #[track_caller]
        fn load_protected_routes(&self) -> __hazptr::Protected<'_, RouteTable> {
            __hazptr_rt::non_null(self.__hazptr_routes().load())
        }
        /**Installs `new` in field `routes` if it still holds `current` (compared by address: pass what a guard derefs to).

The old value is retired into the field's domain, and freed by a later reclamation once no guard protects it.

# Errors

Gives `new` back if the field holds another value.*/
        #[inline]
        fn compare_exchange_and_retire_routes(
            &self,
            current: &RouteTable,
            new: impl ::core::convert::Into<__hazptr_rt::Box<RouteTable>>,
        ) -> ::core::result::Result<(), __hazptr_rt::Box<RouteTable>> {
            self.__hazptr_routes()
                .compare_exchange_and_retire(::core::option::Option::Some(current), new)
        }
        /**Replaces the value of field `routes` with `f(&current)`, calling `f` again if another thread replaced it meanwhile (read-copy-update).

The old value is retired into the field's domain, and freed by a later reclamation once no guard protects it.*/
        #[inline]
        #[track_caller]
        fn update_routes(
            &self,
            mut f: impl ::core::ops::FnMut(&RouteTable) -> RouteTable,
        ) {
            self.__hazptr_routes().update(|current| f(__hazptr_rt::non_null(current)))
        }
        /**Installs `new` (a `RouteTable` or a `Box<RouteTable>`) in field `routes`.

The old value is retired into the field's domain, and freed by a later reclamation once no guard protects it.*/
        #[inline]
        fn swap_and_retire_routes(
            &self,
            new: impl ::core::convert::Into<__hazptr_rt::Box<RouteTable>>,
        ) {
            self.__hazptr_routes().swap_and_retire(new)
        }
        #[doc(hidden)]
        #[allow(dead_code)]
        fn __hazptr_checks() {
            __hazptr_rt::assert_hazptr_atomic_ptr::<
                AtomicPtr<Config>,
                Config,
                __hazptr::Global,
            >();
            let () = <Config as __hazptr_rt::PointeeSend>::HOLDS;
            let () = <Config as __hazptr_rt::PointeeSync>::HOLDS;
            __hazptr_rt::assert_hazptr_atomic_ptr::<
                AtomicPtr<RouteTable>,
                RouteTable,
                __hazptr::Global,
            >();
            let () = <RouteTable as __hazptr_rt::PointeeSend>::HOLDS;
            let () = <RouteTable as __hazptr_rt::PointeeSync>::HOLDS;
        }
    }
    #[automatically_derived]
    impl ::core::ops::Drop for Service {
        fn drop(&mut self) {
            self.__hazptr_config().clear_and_retire();
            self.__hazptr_routes().clear_and_retire();
        }
    }
};
