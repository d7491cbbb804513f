//! Generates the methods, the reclamation on drop and the bound checks of a validated struct.
//!
//! The expansion of a struct `S` with `#[hazard]` fields is, inside a `const _: () = { … };`:
//!
//! - `impl S where <bounds> { <five methods per field> }`: each method is one call into
//!   `hazptr::__private`, passing the proof that the field's family has its kind of domain
//!   (`Family::<F>::NEW.static_domain()`, or `.instance()` for a per-instance domain) and the
//!   pointee's operations, `Pointee::<T>::NEW.ops()`. The `where` clause states the trait of each
//!   generic family, and the bounds (`Send + Sync + 'static`) of each pointee that mentions a
//!   generic parameter of the struct. A concrete pointee's bounds and a concrete family's trait
//!   are not on it: a clause that fails for a concrete type would be reported there (with a note
//!   about trivial bounds) and again at every call of a method. Its methods compile without
//!   them instead, because `ops()`, `static_domain()` and `instance()` resolve to uninhabited,
//!   never-called operations and proofs when the bounds fail (see `hazptr`'s `bounds.rs` and
//!   `domain.rs`), and the check below reports the failure once. Their signatures stay
//!   well-formed: `Protected<'_, T, F>` asks nothing of `F`.
//! - `impl ReclaimFields for S where <the same>`: retires each field's last value;
//!   `impl Drop for S` reaches it through `DropGlue` (see `hazptr`'s `reclaim_on_drop.rs`).
//! - `impl S { fn __hazptr_checks() }`, with only the struct's own bounds: the checks a
//!   `where` clause cannot make, spanned at the user's types. Those that depend on the struct's
//!   generic parameters (there a failing clause would silently disable the impl instead of
//!   reporting an error), and those of concrete pointees and families (see above): that the
//!   field really is a `hazptr::AtomicPtr`, that every pointee is `Send + Sync + 'static`, that
//!   every family has its trait, that a domain field holds its domain by value.

use std::collections::BTreeMap;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{Ident, Path, Type};

use super::model::{HazardField, Model, display_member, shown};

/// The code for a struct that passed validation.
pub(crate) fn generate(model: &Model) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.input.ident;
    let (impl_generics, ty_generics, where_clause) = model.input.generics.split_for_impl();
    let checked = checked_where_clause(model);
    let methods = model
        .fields
        .iter()
        .map(|field| methods(field, krate, Mode::Real));
    let reclaims = model.fields.iter().map(|field| reclaim(field, krate));
    let checks = model.fields.iter().map(|field| checks(field, krate));
    // Runs first, with every field in place; the reclamation guard below still reclaims the
    // fields if it panics.
    let reclaimer = Ident::new("reclaim_on_exit", Span::mixed_site());
    let custom_drop = model.custom_drop.then(|| {
        quote_spanned! {ident.span()=>
            <Self as #krate::HazardDrop>::drop(#reclaimer.dropped());
        }
    });

    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #ident #ty_generics #checked {
                #(#methods)*
            }

            #[automatically_derived]
            impl #impl_generics #krate::__private::ReclaimFields for #ident #ty_generics #checked {
                #[inline]
                fn reclaim_fields(&mut self) {
                    #(#reclaims)*
                }
            }

            #[automatically_derived]
            impl #impl_generics ::core::ops::Drop for #ident #ty_generics #where_clause {
                fn drop(&mut self) {
                    #[allow(unused_imports)]
                    use #krate::__private::{ReclaimSkipped as _, ReclaimViaDerive as _};
                    // Reclaims the fields when it goes out of scope, unwinding included.
                    #[allow(unused_mut)]
                    let mut #reclaimer = (&#krate::__private::DropGlue::new(self)).reclaimer();
                    #custom_drop
                }
            }

            #[automatically_derived]
            impl #impl_generics #ident #ty_generics #where_clause {
                #[doc(hidden)]
                #[allow(dead_code)]
                fn __hazptr_checks() {
                    #(#checks)*
                }
            }
        };
    }
}

/// The methods of every field that is fine, with bodies that never run, for a struct whose
/// derive reported errors: code calling them then compiles, and the user sees only the errors
/// that matter.
pub(crate) fn fallback(model: &Model) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.input.ident;
    let (impl_generics, ty_generics, where_clause) = model.input.generics.split_for_impl();
    let methods = model
        .fields
        .iter()
        .map(|field| methods(field, krate, Mode::Fallback));
    quote! {
        const _: () = {
            #[automatically_derived]
            #[allow(unused_variables, clippy::all)]
            impl #impl_generics #ident #ty_generics #where_clause {
                #(#methods)*
            }
        };
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Real,
    Fallback,
}

impl Mode {
    /// A generated method's body: `real`, or, in the fallback expansion (beside an error), a
    /// body that only has to type-check.
    fn body(self, real: TokenStream) -> TokenStream {
        match self {
            Mode::Real => real,
            Mode::Fallback => quote!(::core::unreachable!()),
        }
    }
}

/// The struct's `where` clause plus, per pointee and family, the bounds the runtime needs.
fn checked_where_clause(model: &Model) -> TokenStream {
    let krate = &model.krate;
    // Type (as written) -> (the type, its bounds), merged so each type is bounded once.
    let mut bounds: BTreeMap<String, (Type, Vec<TokenStream>)> = BTreeMap::new();
    let mut add = |ty: &Type, bound: TokenStream| {
        let entry = bounds
            .entry(ty.to_token_stream().to_string())
            .or_insert_with(|| (ty.clone(), Vec::new()));
        if !entry
            .1
            .iter()
            .any(|seen| seen.to_string() == bound.to_string())
        {
            entry.1.push(bound);
        }
    };
    for field in &model.fields {
        let span = field.pointee.span();
        // Every token of a bound carries the span of the type it bounds: rustc reports a failing
        // clause at its bound, which must point at the user's field, not at the derive.
        let at = |tokens: TokenStream, span: Span| respan(tokens, span);
        // Only generic pointees: a concrete one is checked by `__hazptr_checks` (see the module
        // documentation).
        if field.generic_pointee {
            add(
                &field.pointee,
                at(quote!(#krate::__private::PointeeSend), span),
            );
            add(
                &field.pointee,
                at(quote!(#krate::__private::PointeeSync), span),
            );
            // Every domain may drop a retired value after any borrow it holds has ended (see
            // `check_no_borrow` in `model.rs`).
            add(&field.pointee, at(quote!('static), span));
        }
        // Only a generic family: a concrete one (or the implied `Global`) is checked by
        // `__hazptr_checks` (see the module documentation).
        match (&field.domain, &field.family) {
            (None, Some(family)) if field.generic_family => {
                add(family, at(quote!(#krate::StaticDomain), family.span()));
            }
            (Some(_), Some(family)) if field.generic_family => {
                add(family, at(quote!(#krate::InstanceFamily), family.span()));
            }
            _ => {}
        }
    }

    // Spanned at the type, so that a failing clause points at the user's field type.
    let predicates = bounds
        .values()
        .map(|(ty, bounds)| quote_spanned!(ty.span()=> #ty: #(#bounds)+*));
    let existing = model
        .input
        .generics
        .where_clause
        .as_ref()
        .map(|clause| &clause.predicates)
        .filter(|predicates| !predicates.is_empty())
        .map(|predicates| {
            let trailing = (!predicates.trailing_punct()).then(|| quote!(,));
            quote!(#predicates #trailing)
        });
    quote!(where #existing #(#predicates,)*)
}

/// `tokens` with every span set to `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let proc_macro2::TokenTree::Group(group) = &token {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                token = proc_macro2::TokenTree::Group(inner);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}

/// What the generated code names for one field: its place and its domain.
struct Access<'f> {
    field: &'f HazardField<'f>,
    krate: &'f Path,
}

impl Access<'_> {
    /// `&self.field`, as the `hazptr::AtomicPtr` it is.
    fn field(&self) -> TokenStream {
        let krate = self.krate;
        let member = &self.field.member;
        quote!(#krate::__private::HazardField::field(&self.#member))
    }

    /// The runtime module and the extra domain argument for this field's domain.
    fn runtime(&self) -> (TokenStream, Option<TokenStream>) {
        let krate = self.krate;
        match &self.field.domain {
            None => (quote!(#krate::__private::static_domain), None),
            Some(domain) => {
                let member = &domain.member;
                (
                    quote!(#krate::__private::instance),
                    Some(quote!(&self.#member,)),
                )
            }
        }
    }

    /// The operations on the field's values that need the pointee's bounds, the first argument
    /// of every runtime call that protects or retires. Resolved where the method is compiled:
    /// the real ones when the pointee has its bounds, never-called ones otherwise (in a crate
    /// that `__hazptr_checks` fails).
    fn pointee_ops(&self) -> TokenStream {
        let (module, _) = self.runtime();
        let pointee = &self.field.pointee;
        quote!(#module::Pointee::<#pointee>::NEW.ops())
    }

    /// The proof that the field's family has its kind of domain, the first argument of every
    /// runtime call that protects or retires (resolved like [`Access::pointee_ops`]): that a
    /// per-instance domain's family is an `InstanceFamily`, or that a static domain's family is
    /// a `StaticDomain`.
    fn family_proof(&self) -> TokenStream {
        let krate = self.krate;
        let family = self.family();
        if self.field.domain.is_some() {
            quote!(#krate::__private::instance::Family::<#family>::NEW.instance(),)
        } else {
            quote!(#krate::__private::static_domain::Family::<#family>::NEW.static_domain(),)
        }
    }

    /// A call into the runtime: plain for static domains; for a per-instance domain, in an
    /// `unsafe` block whose promise (the domain passed is the field's) this expansion keeps.
    fn call(&self, function: &str, args: &TokenStream) -> TokenStream {
        let (module, domain) = self.runtime();
        let function = Ident::new(function, Span::call_site());
        let family = self.family_proof();
        let ops = self.pointee_ops();
        let field = self.field();
        if domain.is_some() {
            quote! {
                // SAFETY: `#domain` is the domain field the user named for this field; every
                // generated method of this field protects through it and retires into it.
                unsafe { #module::#function(#family #ops, #field, #domain #args) }
            }
        } else {
            quote!(#module::#function(#family #ops, #field, #args))
        }
    }

    /// The family of the field's domain (`Global` when the field names none).
    fn family(&self) -> TokenStream {
        let krate = self.krate;
        match &self.field.family {
            Some(family) => family.to_token_stream(),
            None => quote!(#krate::Global),
        }
    }

    /// The guard type a load returns.
    fn guard(&self) -> TokenStream {
        let krate = self.krate;
        let pointee = &self.field.pointee;
        match (&self.field.domain, &self.field.family) {
            (None, None) => quote!(#krate::Protected<'_, #pointee>),
            (None, Some(family)) => quote!(#krate::Protected<'_, #pointee, #family>),
            (Some(_), Some(family)) => quote!(#krate::ProtectedIn<'_, #pointee, #family>),
            (Some(_), None) => quote!(#krate::ProtectedIn<'_, #pointee, #krate::Global>),
        }
    }
}

/// The five (four for `non_null`) methods of one field.
fn methods(field: &HazardField, krate: &Path, mode: Mode) -> TokenStream {
    let access = Access { field, krate };
    let vis = &field.vis;
    let pointee = &field.pointee;
    let boxed = quote!(#krate::__private::Box<#pointee>);
    let name = field.display_name();
    let ty = shown(pointee);
    let guard = access.guard();
    let domain_note = match &field.domain {
        None => "The guard's hazard pointer comes from a per-thread cache: a load costs about \
                 as much as one protected load with a reused `HazardPointer`."
            .to_owned(),
        Some(domain) => format!(
            "Protects through the struct's own domain (field {}); each load acquires a hazard \
             record from it (`{}` reuses one).",
            display_member(&domain.member),
            field.reuse_method()
        ),
    };
    let retire_note = match &field.domain {
        None => "The old value is retired into the field's static domain and dropped once no \
                 guard protects it."
            .to_owned(),
        Some(domain) => format!(
            "The old value is retired into the struct's domain (field {}) and dropped once no \
             guard protects it, at the latest when the struct is dropped.",
            display_member(&domain.member)
        ),
    };

    let load = field.method("load_protected");
    let swap = field.method("swap_and_retire");
    let cas = field.method("compare_exchange_and_retire");
    let update = field.method("update");
    let clear = field.method("clear_and_retire");

    let swap_body =
        mode.body(access.call("swap_and_retire", &quote!(::core::convert::Into::into(new))));
    let swap_doc =
        format!("Installs `new` (a `{ty}` or a `Box<{ty}>`) in field {name}.\n\n{retire_note}");

    let links = link_methods(&access, mode, &retire_note);
    let reuse = reuse_methods(&access, mode);

    // The same for optional and `non_null` fields.
    let swap_method = quote! {
        #[doc = #swap_doc]
        #[inline]
        #vis fn #swap(&self, new: impl ::core::convert::Into<#boxed>) {
            #swap_body
        }
    };

    if field.non_null {
        let load_body = mode.body(access.call("load_non_null", &TokenStream::new()));
        let cas_body = mode.body(access.call(
            "compare_exchange_and_retire",
            &quote!(
                ::core::option::Option::Some(current),
                ::core::convert::Into::into(new)
            ),
        ));
        let update_body = mode.body(access.call(
            "update_non_null",
            &quote!(|current| #krate::__private::Box::new(f(current))),
        ));
        let load_doc = format!(
            "Loads the value of field {name} and protects it: the guard derefs to `&{ty}`, and \
             the value is not reclaimed while the guard lives, even if another thread replaces \
             it.\n\n{domain_note}\n\n# Panics\n\nIf the field is null, which only `unsafe` code, \
             or moving an emptied `AtomicPtr` into it, can cause."
        );
        let cas_doc = format!(
            "Installs `new` in field {name} if it still holds `current` (compared by address; \
             pass the value a guard derefs to).\n\n{retire_note}\n\n# Errors\n\nGives `new` back \
             if the field holds another value."
        );
        let update_doc = format!(
            "Replaces the value of field {name} with `f(&current)`, calling `f` again if another \
             thread replaced the value meanwhile (read-copy-update).\n\n{retire_note}"
        );
        quote! {
            #[doc = #load_doc]
            #[inline]
            #[track_caller]
            #vis fn #load(&self) -> #guard {
                #load_body
            }

            #swap_method

            #[doc = #cas_doc]
            #[inline]
            #vis fn #cas(
                &self,
                current: &#pointee,
                new: impl ::core::convert::Into<#boxed>,
            ) -> ::core::result::Result<(), #boxed> {
                #cas_body
            }

            #[doc = #update_doc]
            #[inline]
            #[track_caller]
            #vis fn #update(&self, mut f: impl ::core::ops::FnMut(&#pointee) -> #pointee) {
                #update_body
            }

            #links
            #reuse
        }
    } else {
        let load_body = mode.body(access.call("load", &TokenStream::new()));
        let cas_body = mode.body(access.call(
            "compare_exchange_and_retire",
            &quote!(current, ::core::convert::Into::into(new)),
        ));
        let update_body = mode.body(access.call(
            "update",
            &quote!(|current| #krate::__private::Box::new(f(current))),
        ));
        let clear_body = mode.body(access.call("clear_and_retire", &TokenStream::new()));
        let load_doc = format!(
            "Loads the value of field {name} and protects it: the guard derefs to `&{ty}`, and \
             the value is not reclaimed while the guard lives, even if another thread replaces \
             it. `None` if the field is empty.\n\n{domain_note}"
        );
        let cas_doc = format!(
            "Installs `new` in field {name} if it still holds `current` (compared by address; \
             `None` for empty; pass what a guard derefs to, e.g. `guard.as_deref()`).\n\n\
             {retire_note}\n\n# Errors\n\nGives `new` back if the field holds another value."
        );
        let update_doc = format!(
            "Replaces the value of field {name} with `f(current)` (`None` when empty), calling \
             `f` again if another thread replaced the value meanwhile (read-copy-update).\n\n\
             {retire_note}"
        );
        let clear_doc =
            format!("Empties field {name}; returns whether it held a value.\n\n{retire_note}");
        quote! {
            #[doc = #load_doc]
            #[inline]
            #vis fn #load(&self) -> ::core::option::Option<#guard> {
                #load_body
            }

            #swap_method

            #[doc = #cas_doc]
            #[inline]
            #vis fn #cas(
                &self,
                current: ::core::option::Option<&#pointee>,
                new: impl ::core::convert::Into<#boxed>,
            ) -> ::core::result::Result<(), #boxed> {
                #cas_body
            }

            #[doc = #update_doc]
            #[inline]
            #vis fn #update(
                &self,
                mut f: impl ::core::ops::FnMut(::core::option::Option<&#pointee>) -> #pointee,
            ) {
                #update_body
            }

            #[doc = #clear_doc]
            #[inline]
            #vis fn #clear(&self) -> bool {
                #clear_body
            }

            #links
            #reuse
        }
    }
}

/// For a field of a per-instance domain: `hazard_pointer_…()`, a hazard pointer of the struct's
/// domain, and `load_protected_…_with(&mut hazard)`, a load that reuses it (per-instance domains
/// have no per-thread cache, so each guard acquires a hazard record). Nothing for a static
/// domain, whose guards already reuse hazard pointers.
fn reuse_methods(access: &Access<'_>, mode: Mode) -> TokenStream {
    let field = access.field;
    let Some(domain) = &field.domain else {
        return TokenStream::new();
    };
    let krate = access.krate;
    let vis = &field.vis;
    let pointee = &field.pointee;
    let family = access.family();
    let name = field.display_name();
    let ty = shown(pointee);
    let domain_name = display_member(&domain.member);
    let member = &domain.member;
    let hazard_pointer = field.method("hazard_pointer");
    let load_with = field.reuse_method();
    let hazard_body = mode.body(quote!(#krate::__private::instance::hazard(&self.#member)));
    let hazard_doc = format!(
        "A hazard pointer of the struct's domain (field {domain_name}), for \
         [`{load_with}`](Self::{load_with}): one hazard-record acquisition for any number of \
         loads, where each `{load}()` guard acquires its own.",
        load = field.method("load_protected"),
    );
    let (output, function, absent) = if field.non_null {
        (
            quote!(&'__hazptr_h #pointee),
            "load_with_non_null",
            "\n\n# Panics\n\nIf `hazard` comes from another struct, or the field is null.",
        )
    } else {
        (
            quote!(::core::option::Option<&'__hazptr_h #pointee>),
            "load_with",
            " `None` if the field is empty.\n\n# Panics\n\nIf `hazard` comes from another struct.",
        )
    };
    let load_doc = format!(
        "Loads the value of field {name} and protects it with `hazard` (from \
         [`{hazard_pointer}`](Self::{hazard_pointer})): the `&{ty}` stays valid until \
         `hazard` is used again or dropped, even if another thread replaces the value; the \
         value `hazard` protected before is no longer protected by it.{absent}"
    );
    let load_body = mode.body(access.call(function, &quote!(hazard)));
    quote! {
        #[doc = #hazard_doc]
        #[inline]
        #[must_use]
        #vis fn #hazard_pointer(&self) -> #krate::InstanceHazard<'_, #family> {
            #hazard_body
        }

        #[doc = #load_doc]
        #[inline]
        #[must_use]
        #[track_caller]
        #vis fn #load_with<'__hazptr_h>(
            &'__hazptr_h self,
            hazard: &'__hazptr_h mut #krate::InstanceHazard<'_, #family>,
        ) -> #output {
            #load_body
        }
    }
}

/// The methods for linked structures (stacks, queues, lists), whose nodes are owned by a link
/// of their predecessor before a field owns them: install a node without retiring the old value
/// (push), install an already-linked node (pop), and protect a node together with the node its
/// link points to (a queue's dequeue).
fn link_methods(access: &Access<'_>, mode: Mode, retire_note: &str) -> TokenStream {
    let field = access.field;
    let krate = access.krate;
    let vis = &field.vis;
    let pointee = &field.pointee;
    let boxed = quote!(#krate::__private::Box<#pointee>);
    let name = field.display_name();
    let ty = shown(pointee);
    let without = field.method("compare_exchange_without_retire");
    let ptr_cas = field.method("compare_exchange_ptr_and_retire");
    let link = match &field.suffix {
        Some(suffix) => {
            quote::format_ident!("load_protected_{}_and_link", suffix, span = field.name_span)
        }
        None => Ident::new("load_protected_and_link", field.name_span),
    };
    let (module, domain) = access.runtime();
    let family = access.family_proof();
    let ops = access.pointee_ops();
    let field_ref = access.field();
    let u_guard = match (&field.domain, &field.family) {
        (None, None) => quote!(#krate::Protected<'_, __HazptrLinked>),
        (None, Some(family)) => quote!(#krate::Protected<'_, __HazptrLinked, #family>),
        (Some(_), Some(family)) => quote!(#krate::ProtectedIn<'_, __HazptrLinked, #family>),
        (Some(_), None) => quote!(#krate::ProtectedIn<'_, __HazptrLinked, #krate::Global>),
    };
    let u_bound = quote!(#krate::__private::PointeeSync + 'static);
    let guard = access.guard();
    let (current_ty, current_arg, link_load, link_ret) = if field.non_null {
        (
            quote!(&#pointee),
            quote!(::core::option::Option::Some(current)),
            "load_and_link_non_null",
            quote!((#guard, ::core::option::Option<#u_guard>)),
        )
    } else {
        (
            quote!(::core::option::Option<&#pointee>),
            quote!(current),
            "load_and_link",
            quote!(::core::option::Option<(#guard, ::core::option::Option<#u_guard>)>),
        )
    };
    let link_load = Ident::new(link_load, Span::call_site());
    // Safe in every domain (it frees nothing), so called without a domain or `unsafe` block.
    let without_body = mode.body(quote! {
        #module::compare_exchange_without_retire(
            #field_ref,
            current,
            ::core::convert::Into::into(new),
        )
    });
    let ptr_cas_body = mode.body(quote! {
        // SAFETY: the caller's promise (this method's `# Safety`) is the runtime's; the domain
        // passed, if any, is the domain field the user named for this field, which every
        // generated method of this field protects through and retires into.
        unsafe {
            #module::compare_exchange_ptr_and_retire(
                #family #ops, #field_ref, #domain #current_arg, new,
            )
        }
    });
    let link_body = mode.body(quote! {
        // SAFETY: as for `compare_exchange_ptr_and_retire…` above.
        unsafe { #module::#link_load(#family #ops, #field_ref, #domain link) }
    });

    let empty = if field.non_null {
        ""
    } else {
        " (null for empty)"
    };
    let without_doc = format!(
        "Installs `new` in field {name} if it still holds `current`{empty}, compared by \
         address, **without** retiring the old value: its ownership passes to the caller, \
         typically because `new` links to it (a stack's push).\n\nNeeds no protection of \
         `current`: when another thread changed the field meanwhile, the exchange fails. Never \
         frees anything, so it is safe; a caller that drops the old value's ownership leaks \
         it.\n\n# Errors\n\nGives `new` back if the field holds another value."
    );
    let ptr_cas_doc = format!(
        "Installs `new`, a `*mut {ty}` whose ownership the caller hands over, in field {name} \
         if it still holds `current` (compared by address; pass what a guard derefs to). This \
         is how a linked structure moves a node that a link of the old value owns into the \
         field (a stack's pop, a queue's dequeue).\n\n{retire_note} Dropping it must not drop \
         `new`: a link that owned `new` is a plain `AtomicPtr` or raw pointer, which drops \
         nothing.\n\n# Safety\n\n- `new` is {null}a live value allocated as a `Box<{ty}>` and \
         not retired, with the provenance of that allocation (the pointer a link holds, or \
         one from `Box::into_raw`; not one derived from a reference such as a guard's \
         `as_ptr`), and its ownership moves into the field if (and only if) the exchange \
         succeeds: its previous owner neither frees nor retires it afterwards, and it is \
         retired only by this field's methods, after it leaves the field.\n- Once unlinked, \
         `current` cannot be protected anew except through loads validated against this \
         field (such as `{link}`).\n\n# Errors\n\nGives `new` back if the field holds another \
         value; its ownership stays with the caller.",
        null = if field.non_null { "" } else { "null or " },
    );
    let link_doc = format!(
        "Loads the value `a` of field {name} and the value `b` of the link `link(a)` (an \
         `AtomicPtr<U>` inside `a`, or any link whose values are retired as stated below), and \
         protects both: two guards, from two hazard pointers. `b` is checked after its \
         protection against both `link(a)` and field {name} still holding `a`, so it cannot \
         have been retired before the guard protected it. The second guard is `None` when the \
         link is null{none}.\n\nThis is the double protection of a Michael–Scott queue's \
         dequeue (head, then head's successor).\n\n# Safety\n\nA value `b` held by `link(a)` \
         is only retired into this field's domain, and only after `a` has left field {name} or \
         `b` has left `link(a)`.",
        none = if field.non_null {
            ""
        } else {
            "; the whole result is `None` when the field is empty"
        },
    );

    quote! {
        #[doc = #without_doc]
        #[inline]
        #vis fn #without(
            &self,
            current: *const #pointee,
            new: impl ::core::convert::Into<#boxed>,
        ) -> ::core::result::Result<(), #boxed> {
            #without_body
        }

        #[doc = #ptr_cas_doc]
        #[inline]
        #vis unsafe fn #ptr_cas(
            &self,
            current: #current_ty,
            new: *mut #pointee,
        ) -> ::core::result::Result<(), *mut #pointee> {
            #ptr_cas_body
        }

        #[doc = #link_doc]
        #[inline]
        #[track_caller]
        #[allow(clippy::type_complexity)]
        #vis unsafe fn #link<__HazptrLinked: #u_bound>(
            &self,
            link: impl for<'__v> ::core::ops::Fn(
                &'__v #pointee,
            ) -> &'__v ::core::sync::atomic::AtomicPtr<__HazptrLinked>,
        ) -> #link_ret {
            #link_body
        }
    }
}

/// Retires the field's last value; part of `ReclaimFields::reclaim_fields`.
fn reclaim(field: &HazardField, krate: &Path) -> TokenStream {
    let access = Access { field, krate };
    let (module, _) = access.runtime();
    let family = access.family_proof();
    let ops = access.pointee_ops();
    let member = &field.member;
    let field_mut = quote!(#krate::__private::HazardField::field_mut(&mut self.#member));
    match &field.domain {
        None => quote! {
            #module::retire_on_drop(#family #ops, #field_mut);
        },
        Some(domain) => {
            let domain = &domain.member;
            quote! {
                // SAFETY: `self.#domain` is the domain this field's methods protect through and
                // retire into; the struct is being dropped, so the field is not used again.
                unsafe { #module::retire_on_drop(#family #ops, #field_mut, &self.#domain) };
            }
        }
    }
}

/// The checks of `__hazptr_checks` for one field.
fn checks(field: &HazardField, krate: &Path) -> TokenStream {
    let ty = field.ty;
    let mut out = quote_spanned! {ty.span()=>
        #krate::__private::assert_hazptr_atomic_ptr::<#ty, _, _>();
    };
    // Every pointee, generic or not: the methods of a concrete one do not repeat the check.
    let pointee = &field.pointee;
    out.extend(if field.generic_pointee {
        // A bounded function, so that rustc suggests the bound the struct lacks.
        quote_spanned! {pointee.span()=>
            #krate::__private::assert_static_pointee::<#pointee>();
        }
    } else {
        // The traits' own items, so that the error is the trait's message at the type, without
        // a note pointing into hazptr. A type that names no parameter of the struct is
        // `'static`.
        quote_spanned! {pointee.span()=>
            let () = <#pointee as #krate::__private::PointeeSend>::HOLDS;
            let () = <#pointee as #krate::__private::PointeeSync>::HOLDS;
        }
    });
    match (&field.domain, &field.family) {
        // A generic family, with a bounded function, so that rustc suggests the bound the struct
        // lacks.
        (None, Some(family)) if field.generic_family => {
            out.extend(quote_spanned! {family.span()=>
                #krate::__private::assert_static_domain::<#family>();
            });
        }
        (Some(_), Some(family)) if field.generic_family => {
            out.extend(quote_spanned! {family.span()=>
                #krate::__private::assert_instance_family::<#family>();
            });
        }
        // A concrete family, with the trait's own item (as a concrete pointee above): the
        // methods do not repeat the check. Of a per-instance domain:
        (Some(_), Some(family)) => out.extend(quote_spanned! {family.span()=>
            let () = <#family as #krate::InstanceFamily>::HOLDS;
        }),
        // No family is `Global`, which is never an `InstanceFamily`: reported at the field type.
        (Some(_), None) => {
            // Every token at the field type, where rustc reports the failure.
            let global = respan(quote!(#krate::Global), ty.span());
            out.extend(quote_spanned! {ty.span()=>
                let () = <#global as #krate::InstanceFamily>::HOLDS;
            });
        }
        // A concrete static family, likewise.
        (None, Some(family)) => out.extend(quote_spanned! {family.span()=>
            let () = <#family as #krate::StaticDomain>::HOLDS;
        }),
        // No family is `Global`, a static domain.
        (None, None) => {}
    }
    if let Some(domain_ty) = field.domain.as_ref().and_then(|domain| domain.ty) {
        out.extend(quote_spanned! {domain_ty.span()=>
            #krate::__private::assert_owned_domain::<#domain_ty>();
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::shown;
    use syn::{Type, parse_quote};

    #[test]
    fn types_print_as_written() {
        let cases: [(Type, &str); 3] = [
            (parse_quote!(Vec<String>), "Vec<String>"),
            (
                parse_quote!(std::collections::HashMap<u8, (u16, [u8; 4])>),
                "std::collections::HashMap<u8, (u16, [u8; 4])>",
            ),
            (parse_quote!(&'static str), "&'static str"),
        ];
        for (ty, written) in cases {
            assert_eq!(shown(&ty), written);
        }
    }
}
