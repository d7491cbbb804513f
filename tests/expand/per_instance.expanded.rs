const _: () = {
    use ::hazptr::{self as __hazptr, __private as __hazptr_rt};
    #[automatically_derived]
    impl Queue {
        #[inline]
        fn __hazptr_head(&self) -> __hazptr_rt::InstancePlace<'_, Node, QueueFamily> {
            let proof = __hazptr_rt::Field::<
                AtomicPtr<Node, QueueFamily>,
                Node,
                QueueFamily,
                Domain<QueueFamily>,
            >::NEW
                .instance_domain(&self.domain);
            unsafe { self.head.__in_domain(proof) }
        }
        /**Loads the value of field `head` and protects it: the guard derefs to `&Node`, which stays valid while the guard lives, even if another thread replaces it. `None` if the field is empty.

The guard acquires a hazard record from the struct's domain (field `domain`); `load_protected_head_with` reuses one.*/
        #[inline]
        fn load_protected_head(
            &self,
        ) -> ::core::option::Option<__hazptr::ProtectedIn<'_, Node, QueueFamily>> {
            self.__hazptr_head().load()
        }
        /**Installs `new` in field `head` if it still holds `current` (compared by address: pass what a guard derefs to, `None` for empty).

The old value is retired into the struct's domain (field `domain`), and freed by a later reclamation once no guard protects it, at the latest when the struct is dropped.

# Errors

Gives `new` back if the field holds another value.*/
        #[inline]
        fn compare_exchange_and_retire_head(
            &self,
            current: ::core::option::Option<&Node>,
            new: impl ::core::convert::Into<__hazptr_rt::Box<Node>>,
        ) -> ::core::result::Result<(), __hazptr_rt::Box<Node>> {
            self.__hazptr_head().compare_exchange_and_retire(current, new)
        }
        /**Replaces the value of field `head` with `f(current)` (`None` when empty), calling `f` again if another thread replaced it meanwhile (read-copy-update).

The old value is retired into the struct's domain (field `domain`), and freed by a later reclamation once no guard protects it, at the latest when the struct is dropped.*/
        #[inline]
        fn update_head(
            &self,
            f: impl ::core::ops::FnMut(::core::option::Option<&Node>) -> Node,
        ) {
            self.__hazptr_head().update(f)
        }
        /**Empties field `head`; returns whether it held a value.

The old value is retired into the struct's domain (field `domain`), and freed by a later reclamation once no guard protects it, at the latest when the struct is dropped.*/
        #[inline]
        fn clear_and_retire_head(&self) -> bool {
            self.__hazptr_head().clear_and_retire()
        }
        /**Installs `new` (a `Node` or a `Box<Node>`) in field `head`.

The old value is retired into the struct's domain (field `domain`), and freed by a later reclamation once no guard protects it, at the latest when the struct is dropped.*/
        #[inline]
        fn swap_and_retire_head(
            &self,
            new: impl ::core::convert::Into<__hazptr_rt::Box<Node>>,
        ) {
            self.__hazptr_head().swap_and_retire(new)
        }
        ///A hazard pointer of the struct's domain (field `domain`), for [`load_protected_head_with`](Self::load_protected_head_with): one hazard-record acquisition for any number of loads, where each `load_protected_head()` guard acquires its own.
        #[inline]
        #[must_use]
        fn hazard_pointer_head(&self) -> __hazptr::InstanceHazard<'_, QueueFamily> {
            self.__hazptr_head().hazard()
        }
        /**Loads the value of field `head` and protects it with `hazard` (from [`hazard_pointer_head`](Self::hazard_pointer_head)): the `&Node` stays valid until `hazard` is used again or dropped, even if another thread replaces the value. `None` if the field is empty.

# Panics

If `hazard` comes from another struct.*/
        #[inline]
        #[must_use]
        #[track_caller]
        fn load_protected_head_with<'__hazptr_h>(
            &'__hazptr_h self,
            hazard: &'__hazptr_h mut __hazptr::InstanceHazard<'_, QueueFamily>,
        ) -> ::core::option::Option<&'__hazptr_h Node> {
            self.__hazptr_head().load_with(hazard)
        }
        #[doc(hidden)]
        #[allow(dead_code)]
        fn __hazptr_checks() {
            __hazptr_rt::assert_hazptr_atomic_ptr::<
                AtomicPtr<Node, QueueFamily>,
                Node,
                QueueFamily,
            >();
            let () = <Node as __hazptr_rt::PointeeSend>::HOLDS;
            let () = <Node as __hazptr_rt::PointeeSync>::HOLDS;
            let () = <QueueFamily as __hazptr::InstanceFamily>::HOLDS;
            __hazptr_rt::assert_owned_domain::<Domain<QueueFamily>, QueueFamily>();
        }
    }
    #[automatically_derived]
    impl ::core::ops::Drop for Queue {
        fn drop(&mut self) {
            self.__hazptr_head().clear_and_retire();
        }
    }
};
