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
        /**Loads the value of field `head` and protects it: the guard derefs to `&Node`, which stays valid while the guard lives, even if another thread replaces it.

The guard acquires a hazard record from the struct's domain (field `domain`); `load_protected_head_with` reuses one.

# Panics

If the field is empty, which only moving an emptied `AtomicPtr` into it can cause.*/
        #[inline]
        #[track_caller]
        fn load_protected_head(&self) -> __hazptr::ProtectedIn<'_, Node, QueueFamily> {
            __hazptr_rt::non_null(self.__hazptr_head().load())
        }
        /**Installs `new` in field `head` if it still holds `current` (compared by address: pass what a guard derefs to).

The old value is retired into the struct's domain (field `domain`), and freed by a later reclamation once no guard protects it, at the latest when the struct is dropped.

# Errors

Gives `new` back if the field holds another value.*/
        #[inline]
        fn compare_exchange_and_retire_head(
            &self,
            current: &Node,
            new: impl ::core::convert::Into<__hazptr_rt::Box<Node>>,
        ) -> ::core::result::Result<(), __hazptr_rt::Box<Node>> {
            self.__hazptr_head()
                .compare_exchange_and_retire(::core::option::Option::Some(current), new)
        }
        /**Replaces the value of field `head` with `f(&current)`, calling `f` again if another thread replaced it meanwhile (read-copy-update).

The old value is retired into the struct's domain (field `domain`), and freed by a later reclamation once no guard protects it, at the latest when the struct is dropped.*/
        #[inline]
        #[track_caller]
        fn update_head(&self, mut f: impl ::core::ops::FnMut(&Node) -> Node) {
            self.__hazptr_head().update(|current| f(__hazptr_rt::non_null(current)))
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
        /**Loads the value of field `head` and protects it with `hazard` (from [`hazard_pointer_head`](Self::hazard_pointer_head)): the `&Node` stays valid until `hazard` is used again or dropped, even if another thread replaces the value.

# Panics

If `hazard` comes from another struct, or the field is empty.*/
        #[inline]
        #[must_use]
        #[track_caller]
        fn load_protected_head_with<'__hazptr_h>(
            &'__hazptr_h self,
            hazard: &'__hazptr_h mut __hazptr::InstanceHazard<'_, QueueFamily>,
        ) -> &'__hazptr_h Node {
            __hazptr_rt::non_null(self.__hazptr_head().load_with(hazard))
        }
        /**Installs `new` in field `head` if it still holds `current` (compared by address), **without** retiring the old value: its ownership passes to the caller, typically because `new` links to it (a stack's push). Frees nothing, so it is safe; a caller that drops the old value's ownership leaks it.

# Errors

Gives `new` back if the field holds another value.*/
        #[inline]
        fn compare_exchange_without_retire_head(
            &self,
            current: *const Node,
            new: impl ::core::convert::Into<__hazptr_rt::Box<Node>>,
        ) -> ::core::result::Result<(), __hazptr_rt::Box<Node>> {
            self.__hazptr_head().compare_exchange_without_retire(current, new)
        }
        /**Installs `new`, a `*mut Node` whose ownership the caller hands over, in field `head` if it still holds `current` (compared by address), moving a node that a link of the old value owns into the field (a stack's pop).

The old value is retired into the struct's domain (field `domain`), and freed by a later reclamation once no guard protects it, at the latest when the struct is dropped.

# Safety

- `new` is a live value allocated as a `Box<Node>`, not retired, with that allocation's provenance (the pointer a link holds, or `Box::into_raw`'s), and its ownership moves into the field if (and only if) the exchange succeeds: its previous owner neither frees nor retires it, and it is retired only by this field's methods, after it leaves the field.
- Once unlinked, `current` cannot be protected anew except through loads validated against this field (such as `load_protected_head_and_link`).

# Errors

Gives `new` back if the field holds another value.*/
        #[inline]
        unsafe fn compare_exchange_ptr_and_retire_head(
            &self,
            current: &Node,
            new: *mut Node,
        ) -> ::core::result::Result<(), *mut Node> {
            let current = ::core::option::Option::Some(current);
            unsafe { self.__hazptr_head().compare_exchange_ptr_and_retire(current, new) }
        }
        /**Loads the value `a` of field `head` and the value `b` of the link `link(a)`, and protects both (a Michael–Scott queue's dequeue): `b` is checked after its protection against both `link(a)` and field `head` still holding `a`. The second guard is `None` when the link is null.

# Safety

A value `b` held by `link(a)` is only retired into this field's domain, by hazptr (the retirement of a `#[hazard]` field, which runs the heavy barrier the protection relies on: see `hazptr::barrier`), and only after `a` has left field `head` or `b` has left `link(a)`.*/
        #[inline]
        #[track_caller]
        #[allow(clippy::type_complexity)]
        unsafe fn load_protected_head_and_link<
            __HazptrLinked: ::core::marker::Sync + 'static,
        >(
            &self,
            link: impl for<'__v> ::core::ops::Fn(
                &'__v Node,
            ) -> &'__v ::core::sync::atomic::AtomicPtr<__HazptrLinked>,
        ) -> (
            __hazptr::ProtectedIn<'_, Node, QueueFamily>,
            ::core::option::Option<
                __hazptr::ProtectedIn<'_, __HazptrLinked, QueueFamily>,
            >,
        ) {
            let loaded = unsafe { self.__hazptr_head().load_and_link(link) };
            __hazptr_rt::non_null(loaded)
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
