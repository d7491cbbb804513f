const _: () = {
    #[automatically_derived]
    impl Service {
        /**Loads the value of field `config` and protects it: the guard derefs to `&Config`, and the value is not reclaimed while the guard lives, even if another thread replaces it. `None` if the field is empty.

The guard's hazard pointer comes from a per-thread cache: a load costs about as much as one protected load with a reused `HazardPointer`.*/
        #[inline]
        fn load_protected_config(
            &self,
        ) -> ::core::option::Option<::hazptr::Protected<'_, Config>> {
            ::hazptr::__private::static_domain::load(
                ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                    .static_domain(),
                ::hazptr::__private::static_domain::Pointee::<Config>::NEW.ops(),
                ::hazptr::__private::HazardField::field(&self.config),
            )
        }
        /**Installs `new` (a `Config` or a `Box<Config>`) in field `config`.

The old value is retired into the field's static domain and dropped once no guard protects it.*/
        #[inline]
        fn swap_and_retire_config(
            &self,
            new: impl ::core::convert::Into<::hazptr::__private::Box<Config>>,
        ) {
            ::hazptr::__private::static_domain::swap_and_retire(
                ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                    .static_domain(),
                ::hazptr::__private::static_domain::Pointee::<Config>::NEW.ops(),
                ::hazptr::__private::HazardField::field(&self.config),
                ::core::convert::Into::into(new),
            )
        }
        /**Installs `new` in field `config` if it still holds `current` (compared by address; `None` for empty; pass what a guard derefs to, e.g. `guard.as_deref()`).

The old value is retired into the field's static domain and dropped once no guard protects it.

# Errors

Gives `new` back if the field holds another value.*/
        #[inline]
        fn compare_exchange_and_retire_config(
            &self,
            current: ::core::option::Option<&Config>,
            new: impl ::core::convert::Into<::hazptr::__private::Box<Config>>,
        ) -> ::core::result::Result<(), ::hazptr::__private::Box<Config>> {
            ::hazptr::__private::static_domain::compare_exchange_and_retire(
                ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                    .static_domain(),
                ::hazptr::__private::static_domain::Pointee::<Config>::NEW.ops(),
                ::hazptr::__private::HazardField::field(&self.config),
                current,
                ::core::convert::Into::into(new),
            )
        }
        /**Replaces the value of field `config` with `f(current)` (`None` when empty), calling `f` again if another thread replaced the value meanwhile (read-copy-update).

The old value is retired into the field's static domain and dropped once no guard protects it.*/
        #[inline]
        fn update_config(
            &self,
            mut f: impl ::core::ops::FnMut(::core::option::Option<&Config>) -> Config,
        ) {
            ::hazptr::__private::static_domain::update(
                ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                    .static_domain(),
                ::hazptr::__private::static_domain::Pointee::<Config>::NEW.ops(),
                ::hazptr::__private::HazardField::field(&self.config),
                |current| ::hazptr::__private::Box::new(f(current)),
            )
        }
        /**Empties field `config`; returns whether it held a value.

The old value is retired into the field's static domain and dropped once no guard protects it.*/
        #[inline]
        fn clear_and_retire_config(&self) -> bool {
            ::hazptr::__private::static_domain::clear_and_retire(
                ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                    .static_domain(),
                ::hazptr::__private::static_domain::Pointee::<Config>::NEW.ops(),
                ::hazptr::__private::HazardField::field(&self.config),
            )
        }
        /**Installs `new` in field `config` if it still holds `current` (null for empty), compared by address, **without** retiring the old value: its ownership passes to the caller, typically because `new` links to it (a stack's push).

Needs no protection of `current`: when another thread changed the field meanwhile, the exchange fails. Never frees anything, so it is safe; a caller that drops the old value's ownership leaks it.

# Errors

Gives `new` back if the field holds another value.*/
        #[inline]
        fn compare_exchange_without_retire_config(
            &self,
            current: *const Config,
            new: impl ::core::convert::Into<::hazptr::__private::Box<Config>>,
        ) -> ::core::result::Result<(), ::hazptr::__private::Box<Config>> {
            ::hazptr::__private::static_domain::compare_exchange_without_retire(
                ::hazptr::__private::HazardField::field(&self.config),
                current,
                ::core::convert::Into::into(new),
            )
        }
        /**Installs `new`, a `*mut Config` whose ownership the caller hands over, in field `config` if it still holds `current` (compared by address; pass what a guard derefs to). This is how a linked structure moves a node that a link of the old value owns into the field (a stack's pop, a queue's dequeue).

The old value is retired into the field's static domain and dropped once no guard protects it. Dropping it must not drop `new`: a link that owned `new` is a plain `AtomicPtr` or raw pointer, which drops nothing.

# Safety

- `new` is null or a live value allocated as a `Box<Config>` and not retired, with the provenance of that allocation (the pointer a link holds, or one from `Box::into_raw`; not one derived from a reference such as a guard's `as_ptr`), and its ownership moves into the field if (and only if) the exchange succeeds: its previous owner neither frees nor retires it afterwards, and it is retired only by this field's methods, after it leaves the field.
- Once unlinked, `current` cannot be protected anew except through loads validated against this field (such as `load_protected_config_and_link`).

# Errors

Gives `new` back if the field holds another value; its ownership stays with the caller.*/
        #[inline]
        unsafe fn compare_exchange_ptr_and_retire_config(
            &self,
            current: ::core::option::Option<&Config>,
            new: *mut Config,
        ) -> ::core::result::Result<(), *mut Config> {
            unsafe {
                ::hazptr::__private::static_domain::compare_exchange_ptr_and_retire(
                    ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                        .static_domain(),
                    ::hazptr::__private::static_domain::Pointee::<Config>::NEW.ops(),
                    ::hazptr::__private::HazardField::field(&self.config),
                    current,
                    new,
                )
            }
        }
        /**Loads the value `a` of field `config` and the value `b` of the link `link(a)` (an `AtomicPtr<U>` inside `a`, or any link whose values are retired as stated below), and protects both: two guards, from two hazard pointers. `b` is checked after its protection against both `link(a)` and field `config` still holding `a`, so it cannot have been retired before the guard protected it. The second guard is `None` when the link is null; the whole result is `None` when the field is empty.

This is the double protection of a Michael–Scott queue's dequeue (head, then head's successor).

# Safety

A value `b` held by `link(a)` is only retired into this field's domain, and only after `a` has left field `config` or `b` has left `link(a)`.*/
        #[inline]
        #[track_caller]
        #[allow(clippy::type_complexity)]
        unsafe fn load_protected_config_and_link<
            __HazptrLinked: ::hazptr::__private::PointeeSync + 'static,
        >(
            &self,
            link: impl for<'__v> ::core::ops::Fn(
                &'__v Config,
            ) -> &'__v ::core::sync::atomic::AtomicPtr<__HazptrLinked>,
        ) -> ::core::option::Option<
            (
                ::hazptr::Protected<'_, Config>,
                ::core::option::Option<::hazptr::Protected<'_, __HazptrLinked>>,
            ),
        > {
            unsafe {
                ::hazptr::__private::static_domain::load_and_link(
                    ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                        .static_domain(),
                    ::hazptr::__private::static_domain::Pointee::<Config>::NEW.ops(),
                    ::hazptr::__private::HazardField::field(&self.config),
                    link,
                )
            }
        }
        /**Loads the value of field `routes` and protects it: the guard derefs to `&RouteTable`, and the value is not reclaimed while the guard lives, even if another thread replaces it.

The guard's hazard pointer comes from a per-thread cache: a load costs about as much as one protected load with a reused `HazardPointer`.

# Panics

If the field is null, which only `unsafe` code, or moving an emptied `AtomicPtr` into it, can cause.*/
        #[inline]
        #[track_caller]
        fn load_protected_routes(&self) -> ::hazptr::Protected<'_, RouteTable> {
            ::hazptr::__private::static_domain::load_non_null(
                ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                    .static_domain(),
                ::hazptr::__private::static_domain::Pointee::<RouteTable>::NEW.ops(),
                ::hazptr::__private::HazardField::field(&self.routes),
            )
        }
        /**Installs `new` (a `RouteTable` or a `Box<RouteTable>`) in field `routes`.

The old value is retired into the field's static domain and dropped once no guard protects it.*/
        #[inline]
        fn swap_and_retire_routes(
            &self,
            new: impl ::core::convert::Into<::hazptr::__private::Box<RouteTable>>,
        ) {
            ::hazptr::__private::static_domain::swap_and_retire(
                ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                    .static_domain(),
                ::hazptr::__private::static_domain::Pointee::<RouteTable>::NEW.ops(),
                ::hazptr::__private::HazardField::field(&self.routes),
                ::core::convert::Into::into(new),
            )
        }
        /**Installs `new` in field `routes` if it still holds `current` (compared by address; pass the value a guard derefs to).

The old value is retired into the field's static domain and dropped once no guard protects it.

# Errors

Gives `new` back if the field holds another value.*/
        #[inline]
        fn compare_exchange_and_retire_routes(
            &self,
            current: &RouteTable,
            new: impl ::core::convert::Into<::hazptr::__private::Box<RouteTable>>,
        ) -> ::core::result::Result<(), ::hazptr::__private::Box<RouteTable>> {
            ::hazptr::__private::static_domain::compare_exchange_and_retire(
                ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                    .static_domain(),
                ::hazptr::__private::static_domain::Pointee::<RouteTable>::NEW.ops(),
                ::hazptr::__private::HazardField::field(&self.routes),
                ::core::option::Option::Some(current),
                ::core::convert::Into::into(new),
            )
        }
        /**Replaces the value of field `routes` with `f(&current)`, calling `f` again if another thread replaced the value meanwhile (read-copy-update).

The old value is retired into the field's static domain and dropped once no guard protects it.*/
        #[inline]
        #[track_caller]
        fn update_routes(
            &self,
            mut f: impl ::core::ops::FnMut(&RouteTable) -> RouteTable,
        ) {
            ::hazptr::__private::static_domain::update_non_null(
                ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                    .static_domain(),
                ::hazptr::__private::static_domain::Pointee::<RouteTable>::NEW.ops(),
                ::hazptr::__private::HazardField::field(&self.routes),
                |current| ::hazptr::__private::Box::new(f(current)),
            )
        }
        /**Installs `new` in field `routes` if it still holds `current`, compared by address, **without** retiring the old value: its ownership passes to the caller, typically because `new` links to it (a stack's push).

Needs no protection of `current`: when another thread changed the field meanwhile, the exchange fails. Never frees anything, so it is safe; a caller that drops the old value's ownership leaks it.

# Errors

Gives `new` back if the field holds another value.*/
        #[inline]
        fn compare_exchange_without_retire_routes(
            &self,
            current: *const RouteTable,
            new: impl ::core::convert::Into<::hazptr::__private::Box<RouteTable>>,
        ) -> ::core::result::Result<(), ::hazptr::__private::Box<RouteTable>> {
            ::hazptr::__private::static_domain::compare_exchange_without_retire(
                ::hazptr::__private::HazardField::field(&self.routes),
                current,
                ::core::convert::Into::into(new),
            )
        }
        /**Installs `new`, a `*mut RouteTable` whose ownership the caller hands over, in field `routes` if it still holds `current` (compared by address; pass what a guard derefs to). This is how a linked structure moves a node that a link of the old value owns into the field (a stack's pop, a queue's dequeue).

The old value is retired into the field's static domain and dropped once no guard protects it. Dropping it must not drop `new`: a link that owned `new` is a plain `AtomicPtr` or raw pointer, which drops nothing.

# Safety

- `new` is a live value allocated as a `Box<RouteTable>` and not retired, with the provenance of that allocation (the pointer a link holds, or one from `Box::into_raw`; not one derived from a reference such as a guard's `as_ptr`), and its ownership moves into the field if (and only if) the exchange succeeds: its previous owner neither frees nor retires it afterwards, and it is retired only by this field's methods, after it leaves the field.
- Once unlinked, `current` cannot be protected anew except through loads validated against this field (such as `load_protected_routes_and_link`).

# Errors

Gives `new` back if the field holds another value; its ownership stays with the caller.*/
        #[inline]
        unsafe fn compare_exchange_ptr_and_retire_routes(
            &self,
            current: &RouteTable,
            new: *mut RouteTable,
        ) -> ::core::result::Result<(), *mut RouteTable> {
            unsafe {
                ::hazptr::__private::static_domain::compare_exchange_ptr_and_retire(
                    ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                        .static_domain(),
                    ::hazptr::__private::static_domain::Pointee::<RouteTable>::NEW.ops(),
                    ::hazptr::__private::HazardField::field(&self.routes),
                    ::core::option::Option::Some(current),
                    new,
                )
            }
        }
        /**Loads the value `a` of field `routes` and the value `b` of the link `link(a)` (an `AtomicPtr<U>` inside `a`, or any link whose values are retired as stated below), and protects both: two guards, from two hazard pointers. `b` is checked after its protection against both `link(a)` and field `routes` still holding `a`, so it cannot have been retired before the guard protected it. The second guard is `None` when the link is null.

This is the double protection of a Michael–Scott queue's dequeue (head, then head's successor).

# Safety

A value `b` held by `link(a)` is only retired into this field's domain, and only after `a` has left field `routes` or `b` has left `link(a)`.*/
        #[inline]
        #[track_caller]
        #[allow(clippy::type_complexity)]
        unsafe fn load_protected_routes_and_link<
            __HazptrLinked: ::hazptr::__private::PointeeSync + 'static,
        >(
            &self,
            link: impl for<'__v> ::core::ops::Fn(
                &'__v RouteTable,
            ) -> &'__v ::core::sync::atomic::AtomicPtr<__HazptrLinked>,
        ) -> (
            ::hazptr::Protected<'_, RouteTable>,
            ::core::option::Option<::hazptr::Protected<'_, __HazptrLinked>>,
        ) {
            unsafe {
                ::hazptr::__private::static_domain::load_and_link_non_null(
                    ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                        .static_domain(),
                    ::hazptr::__private::static_domain::Pointee::<RouteTable>::NEW.ops(),
                    ::hazptr::__private::HazardField::field(&self.routes),
                    link,
                )
            }
        }
    }
    #[automatically_derived]
    impl ::hazptr::__private::ReclaimFields for Service {
        #[inline]
        fn reclaim_fields(&mut self) {
            ::hazptr::__private::static_domain::retire_on_drop(
                ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                    .static_domain(),
                ::hazptr::__private::static_domain::Pointee::<Config>::NEW.ops(),
                ::hazptr::__private::HazardField::field_mut(&mut self.config),
            );
            ::hazptr::__private::static_domain::retire_on_drop(
                ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                    .static_domain(),
                ::hazptr::__private::static_domain::Pointee::<RouteTable>::NEW.ops(),
                ::hazptr::__private::HazardField::field_mut(&mut self.routes),
            );
        }
    }
    #[automatically_derived]
    impl ::core::ops::Drop for Service {
        fn drop(&mut self) {
            #[allow(unused_imports)]
            use ::hazptr::__private::{ReclaimSkipped as _, ReclaimViaDerive as _};
            #[allow(unused_mut)]
            let mut reclaim_on_exit = (&::hazptr::__private::DropGlue::new(self))
                .reclaimer();
        }
    }
    #[automatically_derived]
    impl Service {
        #[doc(hidden)]
        #[allow(dead_code)]
        fn __hazptr_checks() {
            ::hazptr::__private::assert_hazptr_atomic_ptr::<AtomicPtr<Config>, _, _>();
            let () = <Config as ::hazptr::__private::PointeeSend>::HOLDS;
            let () = <Config as ::hazptr::__private::PointeeSync>::HOLDS;
            ::hazptr::__private::assert_hazptr_atomic_ptr::<
                AtomicPtr<RouteTable>,
                _,
                _,
            >();
            let () = <RouteTable as ::hazptr::__private::PointeeSend>::HOLDS;
            let () = <RouteTable as ::hazptr::__private::PointeeSync>::HOLDS;
        }
    }
};
