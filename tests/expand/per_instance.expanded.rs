const _: () = {
    #[automatically_derived]
    impl Queue {
        /**Loads the value of field `head` and protects it: the guard derefs to `&Node`, and the value is not reclaimed while the guard lives, even if another thread replaces it. `None` if the field is empty.

Protects through the struct's own domain (field `domain`); each load acquires a hazard record from it (`load_protected_head_with` reuses one).*/
        #[inline]
        fn load_protected_head(
            &self,
        ) -> ::core::option::Option<::hazptr::ProtectedIn<'_, Node, QueueFamily>> {
            unsafe {
                ::hazptr::__private::instance::load(
                    ::hazptr::__private::instance::Family::<QueueFamily>::NEW.instance(),
                    ::hazptr::__private::instance::Pointee::<Node>::NEW.ops(),
                    ::hazptr::__private::HazardField::field(&self.head),
                    &self.domain,
                )
            }
        }
        /**Installs `new` (a `Node` or a `Box<Node>`) in field `head`.

The old value is retired into the struct's domain (field `domain`) and dropped once no guard protects it, at the latest when the struct is dropped.*/
        #[inline]
        fn swap_and_retire_head(
            &self,
            new: impl ::core::convert::Into<::hazptr::__private::Box<Node>>,
        ) {
            unsafe {
                ::hazptr::__private::instance::swap_and_retire(
                    ::hazptr::__private::instance::Family::<QueueFamily>::NEW.instance(),
                    ::hazptr::__private::instance::Pointee::<Node>::NEW.ops(),
                    ::hazptr::__private::HazardField::field(&self.head),
                    &self.domain,
                    ::core::convert::Into::into(new),
                )
            }
        }
        /**Installs `new` in field `head` if it still holds `current` (compared by address; `None` for empty; pass what a guard derefs to, e.g. `guard.as_deref()`).

The old value is retired into the struct's domain (field `domain`) and dropped once no guard protects it, at the latest when the struct is dropped.

# Errors

Gives `new` back if the field holds another value.*/
        #[inline]
        fn compare_exchange_and_retire_head(
            &self,
            current: ::core::option::Option<&Node>,
            new: impl ::core::convert::Into<::hazptr::__private::Box<Node>>,
        ) -> ::core::result::Result<(), ::hazptr::__private::Box<Node>> {
            unsafe {
                ::hazptr::__private::instance::compare_exchange_and_retire(
                    ::hazptr::__private::instance::Family::<QueueFamily>::NEW.instance(),
                    ::hazptr::__private::instance::Pointee::<Node>::NEW.ops(),
                    ::hazptr::__private::HazardField::field(&self.head),
                    &self.domain,
                    current,
                    ::core::convert::Into::into(new),
                )
            }
        }
        /**Replaces the value of field `head` with `f(current)` (`None` when empty), calling `f` again if another thread replaced the value meanwhile (read-copy-update).

The old value is retired into the struct's domain (field `domain`) and dropped once no guard protects it, at the latest when the struct is dropped.*/
        #[inline]
        fn update_head(
            &self,
            mut f: impl ::core::ops::FnMut(::core::option::Option<&Node>) -> Node,
        ) {
            unsafe {
                ::hazptr::__private::instance::update(
                    ::hazptr::__private::instance::Family::<QueueFamily>::NEW.instance(),
                    ::hazptr::__private::instance::Pointee::<Node>::NEW.ops(),
                    ::hazptr::__private::HazardField::field(&self.head),
                    &self.domain,
                    |current| ::hazptr::__private::Box::new(f(current)),
                )
            }
        }
        /**Empties field `head`; returns whether it held a value.

The old value is retired into the struct's domain (field `domain`) and dropped once no guard protects it, at the latest when the struct is dropped.*/
        #[inline]
        fn clear_and_retire_head(&self) -> bool {
            unsafe {
                ::hazptr::__private::instance::clear_and_retire(
                    ::hazptr::__private::instance::Family::<QueueFamily>::NEW.instance(),
                    ::hazptr::__private::instance::Pointee::<Node>::NEW.ops(),
                    ::hazptr::__private::HazardField::field(&self.head),
                    &self.domain,
                )
            }
        }
        /**Installs `new` in field `head` if it still holds `current` (null for empty), compared by address, **without** retiring the old value: its ownership passes to the caller, typically because `new` links to it (a stack's push).

Needs no protection of `current`: when another thread changed the field meanwhile, the exchange fails. Never frees anything, so it is safe; a caller that drops the old value's ownership leaks it.

# Errors

Gives `new` back if the field holds another value.*/
        #[inline]
        fn compare_exchange_without_retire_head(
            &self,
            current: *const Node,
            new: impl ::core::convert::Into<::hazptr::__private::Box<Node>>,
        ) -> ::core::result::Result<(), ::hazptr::__private::Box<Node>> {
            ::hazptr::__private::instance::compare_exchange_without_retire(
                ::hazptr::__private::HazardField::field(&self.head),
                current,
                ::core::convert::Into::into(new),
            )
        }
        /**Installs `new`, a `*mut Node` whose ownership the caller hands over, in field `head` if it still holds `current` (compared by address; pass what a guard derefs to). This is how a linked structure moves a node that a link of the old value owns into the field (a stack's pop, a queue's dequeue).

The old value is retired into the struct's domain (field `domain`) and dropped once no guard protects it, at the latest when the struct is dropped. Dropping it must not drop `new`: a link that owned `new` is a plain `AtomicPtr` or raw pointer, which drops nothing.

# Safety

- `new` is null or a live value allocated as a `Box<Node>` and not retired, with the provenance of that allocation (the pointer a link holds, or one from `Box::into_raw`; not one derived from a reference such as a guard's `as_ptr`), and its ownership moves into the field if (and only if) the exchange succeeds: its previous owner neither frees nor retires it afterwards, and it is retired only by this field's methods, after it leaves the field.
- Once unlinked, `current` cannot be protected anew except through loads validated against this field (such as `load_protected_head_and_link`).

# Errors

Gives `new` back if the field holds another value; its ownership stays with the caller.*/
        #[inline]
        unsafe fn compare_exchange_ptr_and_retire_head(
            &self,
            current: ::core::option::Option<&Node>,
            new: *mut Node,
        ) -> ::core::result::Result<(), *mut Node> {
            unsafe {
                ::hazptr::__private::instance::compare_exchange_ptr_and_retire(
                    ::hazptr::__private::instance::Family::<QueueFamily>::NEW.instance(),
                    ::hazptr::__private::instance::Pointee::<Node>::NEW.ops(),
                    ::hazptr::__private::HazardField::field(&self.head),
                    &self.domain,
                    current,
                    new,
                )
            }
        }
        /**Loads the value `a` of field `head` and the value `b` of the link `link(a)` (an `AtomicPtr<U>` inside `a`, or any link whose values are retired as stated below), and protects both: two guards, from two hazard pointers. `b` is checked after its protection against both `link(a)` and field `head` still holding `a`, so it cannot have been retired before the guard protected it. The second guard is `None` when the link is null; the whole result is `None` when the field is empty.

This is the double protection of a Michael–Scott queue's dequeue (head, then head's successor).

# Safety

A value `b` held by `link(a)` is only retired into this field's domain, and only after `a` has left field `head` or `b` has left `link(a)`.*/
        #[inline]
        #[track_caller]
        #[allow(clippy::type_complexity)]
        unsafe fn load_protected_head_and_link<
            __HazptrLinked: ::hazptr::__private::PointeeSync + 'static,
        >(
            &self,
            link: impl for<'__v> ::core::ops::Fn(
                &'__v Node,
            ) -> &'__v ::core::sync::atomic::AtomicPtr<__HazptrLinked>,
        ) -> ::core::option::Option<
            (
                ::hazptr::ProtectedIn<'_, Node, QueueFamily>,
                ::core::option::Option<
                    ::hazptr::ProtectedIn<'_, __HazptrLinked, QueueFamily>,
                >,
            ),
        > {
            unsafe {
                ::hazptr::__private::instance::load_and_link(
                    ::hazptr::__private::instance::Family::<QueueFamily>::NEW.instance(),
                    ::hazptr::__private::instance::Pointee::<Node>::NEW.ops(),
                    ::hazptr::__private::HazardField::field(&self.head),
                    &self.domain,
                    link,
                )
            }
        }
        ///A hazard pointer of the struct's domain (field `domain`), for [`load_protected_head_with`](Self::load_protected_head_with): one hazard-record acquisition for any number of loads, where each `load_protected_head()` guard acquires its own.
        #[inline]
        #[must_use]
        fn hazard_pointer_head(&self) -> ::hazptr::InstanceHazard<'_, QueueFamily> {
            ::hazptr::__private::instance::hazard(&self.domain)
        }
        /**Loads the value of field `head` and protects it with `hazard` (from [`hazard_pointer_head`](Self::hazard_pointer_head)): the `&Node` stays valid until `hazard` is used again or dropped, even if another thread replaces the value; the value `hazard` protected before is no longer protected by it. `None` if the field is empty.

# Panics

If `hazard` comes from another struct.*/
        #[inline]
        #[must_use]
        #[track_caller]
        fn load_protected_head_with<'__hazptr_h>(
            &'__hazptr_h self,
            hazard: &'__hazptr_h mut ::hazptr::InstanceHazard<'_, QueueFamily>,
        ) -> ::core::option::Option<&'__hazptr_h Node> {
            unsafe {
                ::hazptr::__private::instance::load_with(
                    ::hazptr::__private::instance::Family::<QueueFamily>::NEW.instance(),
                    ::hazptr::__private::instance::Pointee::<Node>::NEW.ops(),
                    ::hazptr::__private::HazardField::field(&self.head),
                    &self.domain,
                    hazard,
                )
            }
        }
    }
    #[automatically_derived]
    impl ::hazptr::__private::ReclaimFields for Queue {
        #[inline]
        fn reclaim_fields(&mut self) {
            unsafe {
                ::hazptr::__private::instance::retire_on_drop(
                    ::hazptr::__private::instance::Family::<QueueFamily>::NEW.instance(),
                    ::hazptr::__private::instance::Pointee::<Node>::NEW.ops(),
                    ::hazptr::__private::HazardField::field_mut(&mut self.head),
                    &self.domain,
                )
            };
        }
    }
    #[automatically_derived]
    impl ::core::ops::Drop for Queue {
        fn drop(&mut self) {
            #[allow(unused_imports)]
            use ::hazptr::__private::{ReclaimSkipped as _, ReclaimViaDerive as _};
            #[allow(unused_mut)]
            let mut reclaim_on_exit = (&::hazptr::__private::DropGlue::new(self))
                .reclaimer();
        }
    }
    #[automatically_derived]
    impl Queue {
        #[doc(hidden)]
        #[allow(dead_code)]
        fn __hazptr_checks() {
            ::hazptr::__private::assert_hazptr_atomic_ptr::<
                AtomicPtr<Node, QueueFamily>,
                _,
                _,
            >();
            let () = <Node as ::hazptr::__private::PointeeSend>::HOLDS;
            let () = <Node as ::hazptr::__private::PointeeSync>::HOLDS;
            let () = <QueueFamily as ::hazptr::InstanceFamily>::HOLDS;
            ::hazptr::__private::assert_owned_domain::<Domain<QueueFamily>>();
        }
    }
};
