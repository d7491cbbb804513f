const _: () = {
    #[automatically_derived]
    impl Logged {
        /**Loads the value of field `state` and protects it: the guard derefs to `&State`, and the value is not reclaimed while the guard lives, even if another thread replaces it.

The guard's hazard pointer comes from a per-thread cache: a load costs about as much as one protected load with a reused `HazardPointer`.

# Panics

If the field is null, which only `unsafe` code, or moving an emptied `AtomicPtr` into it, can cause.*/
        #[inline]
        #[track_caller]
        fn load_protected_state(&self) -> my::path::Protected<'_, State> {
            my::path::__private::static_domain::load_non_null(
                my::path::__private::static_domain::Family::<my::path::Global>::NEW
                    .static_domain(),
                my::path::__private::static_domain::Pointee::<State>::NEW.ops(),
                my::path::__private::HazardField::field(&self.state),
            )
        }
        /**Installs `new` (a `State` or a `Box<State>`) in field `state`.

The old value is retired into the field's static domain and dropped once no guard protects it.*/
        #[inline]
        fn swap_and_retire_state(
            &self,
            new: impl ::core::convert::Into<my::path::__private::Box<State>>,
        ) {
            my::path::__private::static_domain::swap_and_retire(
                my::path::__private::static_domain::Family::<my::path::Global>::NEW
                    .static_domain(),
                my::path::__private::static_domain::Pointee::<State>::NEW.ops(),
                my::path::__private::HazardField::field(&self.state),
                ::core::convert::Into::into(new),
            )
        }
        /**Installs `new` in field `state` if it still holds `current` (compared by address; pass the value a guard derefs to).

The old value is retired into the field's static domain and dropped once no guard protects it.

# Errors

Gives `new` back if the field holds another value.*/
        #[inline]
        fn compare_exchange_and_retire_state(
            &self,
            current: &State,
            new: impl ::core::convert::Into<my::path::__private::Box<State>>,
        ) -> ::core::result::Result<(), my::path::__private::Box<State>> {
            my::path::__private::static_domain::compare_exchange_and_retire(
                my::path::__private::static_domain::Family::<my::path::Global>::NEW
                    .static_domain(),
                my::path::__private::static_domain::Pointee::<State>::NEW.ops(),
                my::path::__private::HazardField::field(&self.state),
                ::core::option::Option::Some(current),
                ::core::convert::Into::into(new),
            )
        }
        /**Replaces the value of field `state` with `f(&current)`, calling `f` again if another thread replaced the value meanwhile (read-copy-update).

The old value is retired into the field's static domain and dropped once no guard protects it.*/
        #[inline]
        #[track_caller]
        fn update_state(&self, mut f: impl ::core::ops::FnMut(&State) -> State) {
            my::path::__private::static_domain::update_non_null(
                my::path::__private::static_domain::Family::<my::path::Global>::NEW
                    .static_domain(),
                my::path::__private::static_domain::Pointee::<State>::NEW.ops(),
                my::path::__private::HazardField::field(&self.state),
                |current| my::path::__private::Box::new(f(current)),
            )
        }
        /**Installs `new` in field `state` if it still holds `current`, compared by address, **without** retiring the old value: its ownership passes to the caller, typically because `new` links to it (a stack's push).

Needs no protection of `current`: when another thread changed the field meanwhile, the exchange fails. Never frees anything, so it is safe; a caller that drops the old value's ownership leaks it.

# Errors

Gives `new` back if the field holds another value.*/
        #[inline]
        fn compare_exchange_without_retire_state(
            &self,
            current: *const State,
            new: impl ::core::convert::Into<my::path::__private::Box<State>>,
        ) -> ::core::result::Result<(), my::path::__private::Box<State>> {
            my::path::__private::static_domain::compare_exchange_without_retire(
                my::path::__private::HazardField::field(&self.state),
                current,
                ::core::convert::Into::into(new),
            )
        }
        /**Installs `new`, a `*mut State` whose ownership the caller hands over, in field `state` if it still holds `current` (compared by address; pass what a guard derefs to). This is how a linked structure moves a node that a link of the old value owns into the field (a stack's pop, a queue's dequeue).

The old value is retired into the field's static domain and dropped once no guard protects it. Dropping it must not drop `new`: a link that owned `new` is a plain `AtomicPtr` or raw pointer, which drops nothing.

# Safety

- `new` is a live value allocated as a `Box<State>` and not retired, with the provenance of that allocation (the pointer a link holds, or one from `Box::into_raw`; not one derived from a reference such as a guard's `as_ptr`), and its ownership moves into the field if (and only if) the exchange succeeds: its previous owner neither frees nor retires it afterwards, and it is retired only by this field's methods, after it leaves the field.
- Once unlinked, `current` cannot be protected anew except through loads validated against this field (such as `load_protected_state_and_link`).

# Errors

Gives `new` back if the field holds another value; its ownership stays with the caller.*/
        #[inline]
        unsafe fn compare_exchange_ptr_and_retire_state(
            &self,
            current: &State,
            new: *mut State,
        ) -> ::core::result::Result<(), *mut State> {
            unsafe {
                my::path::__private::static_domain::compare_exchange_ptr_and_retire(
                    my::path::__private::static_domain::Family::<my::path::Global>::NEW
                        .static_domain(),
                    my::path::__private::static_domain::Pointee::<State>::NEW.ops(),
                    my::path::__private::HazardField::field(&self.state),
                    ::core::option::Option::Some(current),
                    new,
                )
            }
        }
        /**Loads the value `a` of field `state` and the value `b` of the link `link(a)` (an `AtomicPtr<U>` inside `a`, or any link whose values are retired as stated below), and protects both: two guards, from two hazard pointers. `b` is checked after its protection against both `link(a)` and field `state` still holding `a`, so it cannot have been retired before the guard protected it. The second guard is `None` when the link is null.

This is the double protection of a Michael–Scott queue's dequeue (head, then head's successor).

# Safety

A value `b` held by `link(a)` is only retired into this field's domain, and only after `a` has left field `state` or `b` has left `link(a)`.*/
        #[inline]
        #[track_caller]
        #[allow(clippy::type_complexity)]
        unsafe fn load_protected_state_and_link<
            __HazptrLinked: my::path::__private::PointeeSync + 'static,
        >(
            &self,
            link: impl for<'__v> ::core::ops::Fn(
                &'__v State,
            ) -> &'__v ::core::sync::atomic::AtomicPtr<__HazptrLinked>,
        ) -> (
            my::path::Protected<'_, State>,
            ::core::option::Option<my::path::Protected<'_, __HazptrLinked>>,
        ) {
            unsafe {
                my::path::__private::static_domain::load_and_link_non_null(
                    my::path::__private::static_domain::Family::<my::path::Global>::NEW
                        .static_domain(),
                    my::path::__private::static_domain::Pointee::<State>::NEW.ops(),
                    my::path::__private::HazardField::field(&self.state),
                    link,
                )
            }
        }
    }
    #[automatically_derived]
    impl my::path::__private::ReclaimFields for Logged {
        #[inline]
        fn reclaim_fields(&mut self) {
            my::path::__private::static_domain::retire_on_drop(
                my::path::__private::static_domain::Family::<my::path::Global>::NEW
                    .static_domain(),
                my::path::__private::static_domain::Pointee::<State>::NEW.ops(),
                my::path::__private::HazardField::field_mut(&mut self.state),
            );
        }
    }
    #[automatically_derived]
    impl ::core::ops::Drop for Logged {
        fn drop(&mut self) {
            #[allow(unused_imports)]
            use my::path::__private::{ReclaimSkipped as _, ReclaimViaDerive as _};
            #[allow(unused_mut)]
            let mut reclaim_on_exit = (&my::path::__private::DropGlue::new(self))
                .reclaimer();
            <Self as my::path::HazardDrop>::drop(reclaim_on_exit.dropped());
        }
    }
    #[automatically_derived]
    impl Logged {
        #[doc(hidden)]
        #[allow(dead_code)]
        fn __hazptr_checks() {
            my::path::__private::assert_hazptr_atomic_ptr::<AtomicPtr<State>, _, _>();
            let () = <State as my::path::__private::PointeeSend>::HOLDS;
            let () = <State as my::path::__private::PointeeSync>::HOLDS;
        }
    }
};
