const _: () = {
    #[automatically_derived]
    impl S {
        /**Loads the value of field `0` and protects it: the guard derefs to `&u64`, and the value is not reclaimed while the guard lives, even if another thread replaces it. `None` if the field is empty.

The guard's hazard pointer comes from a per-thread cache: a load costs about as much as one protected load with a reused `HazardPointer`.*/
        #[inline]
        fn load_protected(
            &self,
        ) -> ::core::option::Option<::hazptr::Protected<'_, u64>> {
            ::hazptr::__private::static_domain::load(
                ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                    .static_domain(),
                ::hazptr::__private::static_domain::Pointee::<u64>::NEW.ops(),
                ::hazptr::__private::HazardField::field(&self.0),
            )
        }
        /**Installs `new` (a `u64` or a `Box<u64>`) in field `0`.

The old value is retired into the field's static domain and dropped once no guard protects it.*/
        #[inline]
        fn swap_and_retire(
            &self,
            new: impl ::core::convert::Into<::hazptr::__private::Box<u64>>,
        ) {
            ::hazptr::__private::static_domain::swap_and_retire(
                ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                    .static_domain(),
                ::hazptr::__private::static_domain::Pointee::<u64>::NEW.ops(),
                ::hazptr::__private::HazardField::field(&self.0),
                ::core::convert::Into::into(new),
            )
        }
        /**Installs `new` in field `0` if it still holds `current` (compared by address; `None` for empty; pass what a guard derefs to, e.g. `guard.as_deref()`).

The old value is retired into the field's static domain and dropped once no guard protects it.

# Errors

Gives `new` back if the field holds another value.*/
        #[inline]
        fn compare_exchange_and_retire(
            &self,
            current: ::core::option::Option<&u64>,
            new: impl ::core::convert::Into<::hazptr::__private::Box<u64>>,
        ) -> ::core::result::Result<(), ::hazptr::__private::Box<u64>> {
            ::hazptr::__private::static_domain::compare_exchange_and_retire(
                ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                    .static_domain(),
                ::hazptr::__private::static_domain::Pointee::<u64>::NEW.ops(),
                ::hazptr::__private::HazardField::field(&self.0),
                current,
                ::core::convert::Into::into(new),
            )
        }
        /**Replaces the value of field `0` with `f(current)` (`None` when empty), calling `f` again if another thread replaced the value meanwhile (read-copy-update).

The old value is retired into the field's static domain and dropped once no guard protects it.*/
        #[inline]
        fn update(
            &self,
            mut f: impl ::core::ops::FnMut(::core::option::Option<&u64>) -> u64,
        ) {
            ::hazptr::__private::static_domain::update(
                ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                    .static_domain(),
                ::hazptr::__private::static_domain::Pointee::<u64>::NEW.ops(),
                ::hazptr::__private::HazardField::field(&self.0),
                |current| ::hazptr::__private::Box::new(f(current)),
            )
        }
        /**Empties field `0`; returns whether it held a value.

The old value is retired into the field's static domain and dropped once no guard protects it.*/
        #[inline]
        fn clear_and_retire(&self) -> bool {
            ::hazptr::__private::static_domain::clear_and_retire(
                ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                    .static_domain(),
                ::hazptr::__private::static_domain::Pointee::<u64>::NEW.ops(),
                ::hazptr::__private::HazardField::field(&self.0),
            )
        }
        /**Installs `new` in field `0` if it still holds `current` (null for empty), compared by address, **without** retiring the old value: its ownership passes to the caller, typically because `new` links to it (a stack's push).

Needs no protection of `current`: when another thread changed the field meanwhile, the exchange fails. Never frees anything, so it is safe; a caller that drops the old value's ownership leaks it.

# Errors

Gives `new` back if the field holds another value.*/
        #[inline]
        fn compare_exchange_without_retire(
            &self,
            current: *const u64,
            new: impl ::core::convert::Into<::hazptr::__private::Box<u64>>,
        ) -> ::core::result::Result<(), ::hazptr::__private::Box<u64>> {
            ::hazptr::__private::static_domain::compare_exchange_without_retire(
                ::hazptr::__private::HazardField::field(&self.0),
                current,
                ::core::convert::Into::into(new),
            )
        }
        /**Installs `new`, a `*mut u64` whose ownership the caller hands over, in field `0` if it still holds `current` (compared by address; pass what a guard derefs to). This is how a linked structure moves a node that a link of the old value owns into the field (a stack's pop, a queue's dequeue).

The old value is retired into the field's static domain and dropped once no guard protects it. Dropping it must not drop `new`: a link that owned `new` is a plain `AtomicPtr` or raw pointer, which drops nothing.

# Safety

- `new` is null or a live value allocated as a `Box<u64>` and not retired, with the provenance of that allocation (the pointer a link holds, or one from `Box::into_raw`; not one derived from a reference such as a guard's `as_ptr`), and its ownership moves into the field if (and only if) the exchange succeeds: its previous owner neither frees nor retires it afterwards, and it is retired only by this field's methods, after it leaves the field.
- Once unlinked, `current` cannot be protected anew except through loads validated against this field (such as `load_protected_and_link`).

# Errors

Gives `new` back if the field holds another value; its ownership stays with the caller.*/
        #[inline]
        unsafe fn compare_exchange_ptr_and_retire(
            &self,
            current: ::core::option::Option<&u64>,
            new: *mut u64,
        ) -> ::core::result::Result<(), *mut u64> {
            unsafe {
                ::hazptr::__private::static_domain::compare_exchange_ptr_and_retire(
                    ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                        .static_domain(),
                    ::hazptr::__private::static_domain::Pointee::<u64>::NEW.ops(),
                    ::hazptr::__private::HazardField::field(&self.0),
                    current,
                    new,
                )
            }
        }
        /**Loads the value `a` of field `0` and the value `b` of the link `link(a)` (an `AtomicPtr<U>` inside `a`, or any link whose values are retired as stated below), and protects both: two guards, from two hazard pointers. `b` is checked after its protection against both `link(a)` and field `0` still holding `a`, so it cannot have been retired before the guard protected it. The second guard is `None` when the link is null; the whole result is `None` when the field is empty.

This is the double protection of a Michael–Scott queue's dequeue (head, then head's successor).

# Safety

A value `b` held by `link(a)` is only retired into this field's domain, and only after `a` has left field `0` or `b` has left `link(a)`.*/
        #[inline]
        #[track_caller]
        #[allow(clippy::type_complexity)]
        unsafe fn load_protected_and_link<
            __HazptrLinked: ::hazptr::__private::PointeeSync + 'static,
        >(
            &self,
            link: impl for<'__v> ::core::ops::Fn(
                &'__v u64,
            ) -> &'__v ::core::sync::atomic::AtomicPtr<__HazptrLinked>,
        ) -> ::core::option::Option<
            (
                ::hazptr::Protected<'_, u64>,
                ::core::option::Option<::hazptr::Protected<'_, __HazptrLinked>>,
            ),
        > {
            unsafe {
                ::hazptr::__private::static_domain::load_and_link(
                    ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                        .static_domain(),
                    ::hazptr::__private::static_domain::Pointee::<u64>::NEW.ops(),
                    ::hazptr::__private::HazardField::field(&self.0),
                    link,
                )
            }
        }
    }
    #[automatically_derived]
    impl ::hazptr::__private::ReclaimFields for S {
        #[inline]
        fn reclaim_fields(&mut self) {
            ::hazptr::__private::static_domain::retire_on_drop(
                ::hazptr::__private::static_domain::Family::<::hazptr::Global>::NEW
                    .static_domain(),
                ::hazptr::__private::static_domain::Pointee::<u64>::NEW.ops(),
                ::hazptr::__private::HazardField::field_mut(&mut self.0),
            );
        }
    }
    #[automatically_derived]
    impl ::core::ops::Drop for S {
        fn drop(&mut self) {
            #[allow(unused_imports)]
            use ::hazptr::__private::{ReclaimSkipped as _, ReclaimViaDerive as _};
            #[allow(unused_mut)]
            let mut reclaim_on_exit = (&::hazptr::__private::DropGlue::new(self))
                .reclaimer();
        }
    }
    #[automatically_derived]
    impl S {
        #[doc(hidden)]
        #[allow(dead_code)]
        fn __hazptr_checks() {
            ::hazptr::__private::assert_hazptr_atomic_ptr::<AtomicPtr<u64>, _, _>();
            let () = <u64 as ::hazptr::__private::PointeeSend>::HOLDS;
            let () = <u64 as ::hazptr::__private::PointeeSync>::HOLDS;
        }
    }
};
