const _: () = {
    use my::path::{self as __hazptr, __private as __hazptr_rt};
    #[automatically_derived]
    impl Logged {
        #[inline]
        fn __hazptr_state(
            &self,
        ) -> __hazptr_rt::StaticPlace<'_, State, __hazptr::Global> {
            __hazptr_rt::Field::<AtomicPtr<State>, State, __hazptr::Global>::NEW
                .static_domain(&self.state)
        }
        /**Loads the value of field `state` and protects it: the guard derefs to `&State`, which stays valid while the guard lives, even if another thread replaces it.

The guard's hazard pointer comes from a per-thread cache, so a load costs about what a protected load with a reused hazard pointer costs.

# Panics

If the field is empty, which only moving an emptied `AtomicPtr` into it can cause.*/
        #[inline]
        #[track_caller]
        fn load_protected_state(&self) -> __hazptr::Protected<'_, State> {
            __hazptr_rt::non_null(self.__hazptr_state().load())
        }
        /**Installs `new` in field `state` if it still holds `current` (compared by address: pass what a guard derefs to).

The old value is retired into the field's domain, and freed by a later reclamation once no guard protects it.

# Errors

Gives `new` back if the field holds another value.*/
        #[inline]
        fn compare_exchange_and_retire_state(
            &self,
            current: &State,
            new: impl ::core::convert::Into<__hazptr_rt::Box<State>>,
        ) -> ::core::result::Result<(), __hazptr_rt::Box<State>> {
            self.__hazptr_state()
                .compare_exchange_and_retire(::core::option::Option::Some(current), new)
        }
        /**Replaces the value of field `state` with `f(&current)`, calling `f` again if another thread replaced it meanwhile (read-copy-update).

The old value is retired into the field's domain, and freed by a later reclamation once no guard protects it.*/
        #[inline]
        #[track_caller]
        fn update_state(&self, mut f: impl ::core::ops::FnMut(&State) -> State) {
            self.__hazptr_state().update(|current| f(__hazptr_rt::non_null(current)))
        }
        /**Installs `new` (a `State` or a `Box<State>`) in field `state`.

The old value is retired into the field's domain, and freed by a later reclamation once no guard protects it.*/
        #[inline]
        fn swap_and_retire_state(
            &self,
            new: impl ::core::convert::Into<__hazptr_rt::Box<State>>,
        ) {
            self.__hazptr_state().swap_and_retire(new)
        }
        #[doc(hidden)]
        #[allow(dead_code)]
        fn __hazptr_checks() {
            __hazptr_rt::assert_hazptr_atomic_ptr::<
                AtomicPtr<State>,
                State,
                __hazptr::Global,
            >();
            let () = <State as __hazptr_rt::PointeeSend>::HOLDS;
            let () = <State as __hazptr_rt::PointeeSync>::HOLDS;
        }
    }
    #[automatically_derived]
    impl ::core::ops::Drop for Logged {
        fn drop(&mut self) {
            let on_exit = __hazptr_rt::RetireOnExit(
                self,
                |this| {
                    this.__hazptr_state().clear_and_retire();
                },
            );
            <Self as __hazptr::HazardDrop>::drop(&mut *on_exit.0);
        }
    }
};
