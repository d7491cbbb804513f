const _: () = {
    #[automatically_derived]
    impl Logged {
        #[inline]
        fn __hazptr_state(
            &self,
        ) -> my::path::__private::StaticPlace<'_, State, my::path::Global> {
            my::path::__private::Field::<AtomicPtr<State>, State, my::path::Global>::NEW
                .static_domain(&self.state)
        }
        /**Loads the value of field `state` and protects it: the guard derefs to `&State`, which stays valid while the guard lives, even if another thread replaces it.

The guard's hazard pointer comes from a per-thread cache, so a load costs about what a protected load with a reused hazard pointer costs.

# Panics

If the field is empty, which only moving an emptied `AtomicPtr` into it can cause.*/
        #[inline]
        #[track_caller]
        fn load_protected_state(&self) -> my::path::Protected<'_, State> {
            my::path::__private::non_null(self.__hazptr_state().load())
        }
        /**Installs `new` in field `state` if it still holds `current` (compared by address: pass what a guard derefs to).

The old value is retired into the field's domain, and freed by a later reclamation once no guard protects it.

# Errors

Gives `new` back if the field holds another value.*/
        #[inline]
        fn compare_exchange_and_retire_state(
            &self,
            current: &State,
            new: impl ::core::convert::Into<my::path::__private::Box<State>>,
        ) -> ::core::result::Result<(), my::path::__private::Box<State>> {
            self.__hazptr_state()
                .compare_exchange_and_retire(::core::option::Option::Some(current), new)
        }
        /**Replaces the value of field `state` with `f(&current)`, calling `f` again if another thread replaced it meanwhile (read-copy-update).

The old value is retired into the field's domain, and freed by a later reclamation once no guard protects it.*/
        #[inline]
        #[track_caller]
        fn update_state(&self, mut f: impl ::core::ops::FnMut(&State) -> State) {
            self.__hazptr_state()
                .update(|current| f(my::path::__private::non_null(current)))
        }
        /**Installs `new` (a `State` or a `Box<State>`) in field `state`.

The old value is retired into the field's domain, and freed by a later reclamation once no guard protects it.*/
        #[inline]
        fn swap_and_retire_state(
            &self,
            new: impl ::core::convert::Into<my::path::__private::Box<State>>,
        ) {
            self.__hazptr_state().swap_and_retire(new)
        }
        #[doc(hidden)]
        #[allow(dead_code)]
        fn __hazptr_checks() {
            my::path::__private::assert_hazptr_atomic_ptr::<
                AtomicPtr<State>,
                State,
                my::path::Global,
            >();
            let () = <State as my::path::__private::PointeeSend>::HOLDS;
            let () = <State as my::path::__private::PointeeSync>::HOLDS;
        }
    }
    #[automatically_derived]
    impl ::core::ops::Drop for Logged {
        fn drop(&mut self) {
            let on_exit = my::path::__private::RetireOnExit(
                self,
                |this| {
                    this.__hazptr_state().clear_and_retire();
                },
            );
            <Self as my::path::HazardDrop>::drop(&mut *on_exit.0);
        }
    }
};
