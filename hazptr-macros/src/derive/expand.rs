//! Generates the methods, the reclamation on drop and the bound checks of a validated struct.
//!
//! The expansion of a struct `S` with `#[hazard]` fields is, inside a `const _: () = { … };`,
//! under the struct's own generics and `where` clause:
//!
//! - `impl S`, with, for each field `f`:
//!   - a hidden `__hazptr_f(&self)`, which asks hazptr's one question about the field,
//!     `Field::<A, T, F>::NEW.static_domain(&self.f)` (for a per-instance domain,
//!     `.instance_domain(&self.domain)` and the one `unsafe` call of the field,
//!     `self.f.__in_domain(proof)`, which vouches that the field is paired with that domain), and
//!     returns the field's place (see hazptr's `field.rs`);
//!   - the field's documented methods, each one call on that place;
//!
//!   and `__hazptr_checks()`, which checks every field once, spanned at the user's types, so a
//!   failing bound is one error there. Where a bound fails, the question resolves to an answer that
//!   never returns, so the methods add no errors of their own.
//! - `impl Drop for S`: retires each field's last value, after `HazardDrop::drop` with
//!   `#[hazard(custom_drop)]`.
//!
//! The generated code writes `unsafe` only in the methods of per-instance fields' pairing and of
//! `#[hazard(links)]` fields, and there it calls only methods named by hazptr, on the user's
//! field or on the place hazptr returns: no path from `#[hazard(crate = …)]` is called inside an
//! `unsafe` block, and no expression of the user's is evaluated in one.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{Ident, Path};

use super::model::{HazardField, Model, display_member, shown};

/// The code for a struct that passed validation.
pub(crate) fn generate(model: &Model) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.input.ident;
    let (impl_generics, ty_generics, where_clause) = model.input.generics.split_for_impl();
    let fields: Vec<_> = model.fields.iter().map(|field| Access { field }).collect();
    let places = fields.iter().map(Access::place_method);
    let methods = fields.iter().map(|access| access.methods(Mode::Real));
    let checks = model.fields.iter().map(checks);
    let imports = imports(krate, Mode::Real);
    let retire = |this: &TokenStream| {
        let getters = fields.iter().map(Access::getter);
        quote!(#(#this.#getters().clear_and_retire();)*)
    };
    let drop_body = if model.custom_drop {
        let retire = retire(&quote!(this));
        // Spanned at the struct: a missing `impl HazardDrop` is reported there.
        let custom =
            quote_spanned!(ident.span()=> <Self as __hazptr::HazardDrop>::drop(&mut *on_exit.0));
        quote! {
            // Retires the fields when it goes out of scope, also if `HazardDrop::drop` panics.
            let on_exit = __hazptr_rt::RetireOnExit(self, |this| { #retire });
            #custom;
        }
    } else {
        retire(&quote!(self))
    };

    quote! {
        const _: () = {
            #imports

            #[automatically_derived]
            impl #impl_generics #ident #ty_generics #where_clause {
                #(#places)*
                #(#methods)*

                #[doc(hidden)]
                #[allow(dead_code)]
                fn __hazptr_checks() {
                    #(#checks)*
                }
            }

            #[automatically_derived]
            impl #impl_generics ::core::ops::Drop for #ident #ty_generics #where_clause {
                fn drop(&mut self) {
                    #drop_body
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
        .map(|field| Access { field }.methods(Mode::Fallback));
    let imports = imports(krate, Mode::Fallback);
    quote! {
        const _: () = {
            #imports

            #[automatically_derived]
            #[allow(unused_variables, clippy::all)]
            impl #impl_generics #ident #ty_generics #where_clause {
                #(#methods)*
            }
        };
    }
}

/// The two names the expansion reaches hazptr by, `__hazptr` (the crate, from `crate = …` or
/// `::hazptr`) and `__hazptr_rt` (its `__private`), declared once at the top of its `const _`
/// block so that every path after them is short.
fn imports(krate: &Path, mode: Mode) -> TokenStream {
    // The fallback's stub bodies may leave one of them unused.
    let allow = (mode == Mode::Fallback).then(|| quote!(#[allow(unused_imports)]));
    quote! {
        #allow
        use #krate::{self as __hazptr, __private as __hazptr_rt};
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Real,
    Fallback,
}

/// One field: what its generated code names.
struct Access<'f> {
    field: &'f HazardField<'f>,
}

impl Access<'_> {
    /// `__hazptr_{suffix}`: the hidden method that returns the field's place.
    fn getter(&self) -> Ident {
        match &self.field.suffix {
            Some(suffix) => format_ident!("__hazptr_{}", suffix),
            None => Ident::new("__hazptr", Span::call_site()),
        }
    }

    /// The family of the field's domain (`Global` when the field names none).
    fn family(&self) -> TokenStream {
        match &self.field.family {
            Some(family) => family.to_token_stream(),
            None => quote!(__hazptr::Global),
        }
    }

    /// The guard type a load returns, of `pointee`.
    fn guard(&self, pointee: &TokenStream) -> TokenStream {
        match (&self.field.domain, &self.field.family) {
            (None, None) => quote!(__hazptr::Protected<'_, #pointee>),
            (None, Some(family)) => quote!(__hazptr::Protected<'_, #pointee, #family>),
            (Some(_), _) => {
                let family = self.family();
                quote!(__hazptr::ProtectedIn<'_, #pointee, #family>)
            }
        }
    }

    /// A generated method's body: one call on the field's place, or, in the fallback expansion
    /// (beside an error), a body that only has to type-check.
    fn body(&self, mode: Mode, call: TokenStream) -> TokenStream {
        match mode {
            Mode::Real => {
                let getter = self.getter();
                quote!(self.#getter().#call)
            }
            Mode::Fallback => quote!(::core::unreachable!()),
        }
    }

    /// `call` on the place, for a `non_null` field, unwrapped with a panic if the field is empty.
    fn non_null(&self, mode: Mode, call: TokenStream) -> TokenStream {
        let body = self.body(mode, call);
        match mode {
            Mode::Real => quote!(__hazptr_rt::non_null(#body)),
            Mode::Fallback => body,
        }
    }

    /// The hidden method that returns the field's place (see the module documentation).
    fn place_method(&self) -> TokenStream {
        let field = self.field;
        let (getter, ty, pointee, member) =
            (self.getter(), field.ty, &field.pointee, &field.member);
        let family = self.family();
        let question = quote!(__hazptr_rt::Field::<#ty, #pointee, #family);
        match &field.domain {
            None => quote! {
                #[inline]
                fn #getter(&self) -> __hazptr_rt::StaticPlace<'_, #pointee, #family> {
                    #question>::NEW.static_domain(&self.#member)
                }
            },
            Some(domain) => {
                let (domain, domain_ty) = (&domain.member, domain.ty);
                quote! {
                    #[inline]
                    fn #getter(&self) -> __hazptr_rt::InstancePlace<'_, #pointee, #family> {
                        let proof = #question, #domain_ty>::NEW.instance_domain(&self.#domain);
                        // SAFETY: `self.#domain` is the domain field that `#[hazard(domain = …)]`
                        // names for this field, and every generated method of the field reaches
                        // it through this pairing only: it protects through that domain and
                        // retires into it.
                        unsafe { self.#member.__in_domain(proof) }
                    }
                }
            }
        }
    }

    /// The field's methods: five (four for `non_null`), plus the reuse methods of a per-instance
    /// domain and the linked-structure methods of `#[hazard(links)]`.
    fn methods(&self, mode: Mode) -> TokenStream {
        let field = self.field;
        let vis = &field.vis;
        let pointee = &field.pointee;
        let boxed = quote!(__hazptr_rt::Box<#pointee>);
        let name = field.display_name();
        let ty = shown(pointee);
        let guard = self.guard(&pointee.to_token_stream());
        let retire_note = self.retire_note();
        let load_note = match &field.domain {
            None => "The guard's hazard pointer comes from a per-thread cache, so a load costs \
                     about what a protected load with a reused hazard pointer costs."
                .to_owned(),
            Some(domain) => format!(
                "The guard acquires a hazard record from the struct's domain (field {}); `{}` \
                 reuses one.",
                display_member(&domain.member),
                field.reuse_method()
            ),
        };
        let (load, swap, cas, update, clear) = (
            field.method("load_protected"),
            field.method("swap_and_retire"),
            field.method("compare_exchange_and_retire"),
            field.method("update"),
            field.method("clear_and_retire"),
        );
        let swap_doc =
            format!("Installs `new` (a `{ty}` or a `Box<{ty}>`) in field {name}.\n\n{retire_note}");
        let swap_body = self.body(mode, quote!(swap_and_retire(new)));
        let optional = if field.non_null {
            let load_doc = format!(
                "Loads the value of field {name} and protects it: the guard derefs to `&{ty}`, \
                 which stays valid while the guard lives, even if another thread replaces \
                 it.\n\n{load_note}\n\n# Panics\n\nIf the field is empty, which only moving an \
                 emptied `AtomicPtr` into it can cause."
            );
            let cas_doc = format!(
                "Installs `new` in field {name} if it still holds `current` (compared by \
                 address: pass what a guard derefs to).\n\n{retire_note}\n\n# Errors\n\nGives \
                 `new` back if the field holds another value."
            );
            let update_doc = format!(
                "Replaces the value of field {name} with `f(&current)`, calling `f` again if \
                 another thread replaced it meanwhile (read-copy-update).\n\n{retire_note}"
            );
            let load_body = self.non_null(mode, quote!(load()));
            let cas_body = self.body(
                mode,
                quote!(compare_exchange_and_retire(
                    ::core::option::Option::Some(current),
                    new
                )),
            );
            let update_body = self.body(
                mode,
                quote!(update(|current| f(__hazptr_rt::non_null(current)))),
            );
            quote! {
                #[doc = #load_doc]
                #[inline]
                #[track_caller]
                #vis fn #load(&self) -> #guard {
                    #load_body
                }

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
            }
        } else {
            let load_doc = format!(
                "Loads the value of field {name} and protects it: the guard derefs to `&{ty}`, \
                 which stays valid while the guard lives, even if another thread replaces it. \
                 `None` if the field is empty.\n\n{load_note}"
            );
            let cas_doc = format!(
                "Installs `new` in field {name} if it still holds `current` (compared by \
                 address: pass what a guard derefs to, `None` for empty).\n\n{retire_note}\n\n\
                 # Errors\n\nGives `new` back if the field holds another value."
            );
            let update_doc = format!(
                "Replaces the value of field {name} with `f(current)` (`None` when empty), \
                 calling `f` again if another thread replaced it meanwhile \
                 (read-copy-update).\n\n{retire_note}"
            );
            let clear_doc =
                format!("Empties field {name}; returns whether it held a value.\n\n{retire_note}");
            let load_body = self.body(mode, quote!(load()));
            let cas_body = self.body(mode, quote!(compare_exchange_and_retire(current, new)));
            let update_body = self.body(mode, quote!(update(f)));
            let clear_body = self.body(mode, quote!(clear_and_retire()));
            quote! {
                #[doc = #load_doc]
                #[inline]
                #vis fn #load(&self) -> ::core::option::Option<#guard> {
                    #load_body
                }

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
                    f: impl ::core::ops::FnMut(::core::option::Option<&#pointee>) -> #pointee,
                ) {
                    #update_body
                }

                #[doc = #clear_doc]
                #[inline]
                #vis fn #clear(&self) -> bool {
                    #clear_body
                }
            }
        };
        let reuse = self.reuse_methods(mode);
        let links = if field.links {
            self.link_methods(mode, &retire_note)
        } else {
            TokenStream::new()
        };
        quote! {
            #optional

            #[doc = #swap_doc]
            #[inline]
            #vis fn #swap(&self, new: impl ::core::convert::Into<#boxed>) {
                #swap_body
            }

            #reuse
            #links
        }
    }

    /// When a replaced value is freed, for the documentation of the methods that replace one.
    fn retire_note(&self) -> String {
        match &self.field.domain {
            None => "The old value is retired into the field's domain, and freed by a later \
                     reclamation once no guard protects it."
                .to_owned(),
            Some(domain) => format!(
                "The old value is retired into the struct's domain (field {}), and freed by a \
                 later reclamation once no guard protects it, at the latest when the struct is \
                 dropped.",
                display_member(&domain.member)
            ),
        }
    }

    /// For a field of a per-instance domain: `hazard_pointer_…()`, a hazard pointer of the
    /// struct's domain, and `load_protected_…_with(&mut hazard)`, a load that reuses it
    /// (per-instance domains have no per-thread cache, so each guard acquires a hazard record).
    /// Nothing for a static domain, whose guards already reuse hazard pointers.
    fn reuse_methods(&self, mode: Mode) -> TokenStream {
        let field = self.field;
        let Some(domain) = &field.domain else {
            return TokenStream::new();
        };
        let vis = &field.vis;
        let pointee = &field.pointee;
        let family = self.family();
        let (name, ty) = (field.display_name(), shown(pointee));
        let hazard_pointer = field.method("hazard_pointer");
        let load_with = field.reuse_method();
        let hazard_doc = format!(
            "A hazard pointer of the struct's domain (field {}), for \
             [`{load_with}`](Self::{load_with}): one hazard-record acquisition for any number of \
             loads, where each `{}()` guard acquires its own.",
            display_member(&domain.member),
            field.method("load_protected"),
        );
        let hazard_body = self.body(mode, quote!(hazard()));
        let (output, load_body, absent) = if field.non_null {
            (
                quote!(&'__hazptr_h #pointee),
                self.non_null(mode, quote!(load_with(hazard))),
                "\n\n# Panics\n\nIf `hazard` comes from another struct, or the field is empty.",
            )
        } else {
            (
                quote!(::core::option::Option<&'__hazptr_h #pointee>),
                self.body(mode, quote!(load_with(hazard))),
                " `None` if the field is empty.\n\n# Panics\n\nIf `hazard` comes from another \
                 struct.",
            )
        };
        let load_doc = format!(
            "Loads the value of field {name} and protects it with `hazard` (from \
             [`{hazard_pointer}`](Self::{hazard_pointer})): the `&{ty}` stays valid until \
             `hazard` is used again or dropped, even if another thread replaces the value.{absent}"
        );
        quote! {
            #[doc = #hazard_doc]
            #[inline]
            #[must_use]
            #vis fn #hazard_pointer(&self) -> __hazptr::InstanceHazard<'_, #family> {
                #hazard_body
            }

            #[doc = #load_doc]
            #[inline]
            #[must_use]
            #[track_caller]
            #vis fn #load_with<'__hazptr_h>(
                &'__hazptr_h self,
                hazard: &'__hazptr_h mut __hazptr::InstanceHazard<'_, #family>,
            ) -> #output {
                #load_body
            }
        }
    }

    /// The methods for linked structures (stacks, queues), whose nodes are owned by a link of
    /// their predecessor before a field owns them, generated for `#[hazard(links)]`: install a
    /// node without retiring the old value (push), install an already-linked node (pop), and
    /// protect a node with the node its link points to (a queue's dequeue).
    fn link_methods(&self, mode: Mode, retire_note: &str) -> TokenStream {
        let field = self.field;
        let vis = &field.vis;
        let pointee = &field.pointee;
        let boxed = quote!(__hazptr_rt::Box<#pointee>);
        let (name, ty) = (field.display_name(), shown(pointee));
        let without = field.method("compare_exchange_without_retire");
        let ptr_cas = field.method("compare_exchange_ptr_and_retire");
        let link = match &field.suffix {
            Some(suffix) => {
                format_ident!("load_protected_{}_and_link", suffix, span = field.name_span)
            }
            None => Ident::new("load_protected_and_link", field.name_span),
        };
        let guard = self.guard(&pointee.to_token_stream());
        let linked_guard = self.guard(&quote!(__HazptrLinked));
        let (current_ty, current_arg, link_ret, null, none) = if field.non_null {
            (
                quote!(&#pointee),
                quote!(::core::option::Option::Some(current)),
                quote!((#guard, ::core::option::Option<#linked_guard>)),
                "",
                "",
            )
        } else {
            (
                quote!(::core::option::Option<&#pointee>),
                quote!(current),
                quote!(::core::option::Option<(#guard, ::core::option::Option<#linked_guard>)>),
                "null or ",
                "; the whole result is `None` when the field is empty",
            )
        };
        let without_body = self.body(mode, quote!(compare_exchange_without_retire(current, new)));
        // Only the call on the place is in the `unsafe` block: its arguments and the
        // unwrapping of a `non_null` result are evaluated outside.
        let ptr_cas_body = match mode {
            Mode::Real => {
                let call = self.body(mode, quote!(compare_exchange_ptr_and_retire(current, new)));
                quote! {
                    let current = #current_arg;
                    // SAFETY: this method's contract is the place's (see its `# Safety`).
                    unsafe { #call }
                }
            }
            Mode::Fallback => self.body(mode, TokenStream::new()),
        };
        let link_body = match mode {
            Mode::Real => {
                let call = self.body(mode, quote!(load_and_link(link)));
                let loaded = if field.non_null {
                    quote!(__hazptr_rt::non_null(loaded))
                } else {
                    quote!(loaded)
                };
                quote! {
                    // SAFETY: this method's contract is the place's (see its `# Safety`).
                    let loaded = unsafe { #call };
                    #loaded
                }
            }
            Mode::Fallback => self.body(mode, TokenStream::new()),
        };
        let without_doc = format!(
            "Installs `new` in field {name} if it still holds `current` ({null}compared by \
             address), **without** retiring the old value: its ownership passes to the caller, \
             typically because `new` links to it (a stack's push). Frees nothing, so it is safe; \
             a caller that drops the old value's ownership leaks it.\n\n# Errors\n\nGives `new` \
             back if the field holds another value."
        );
        let ptr_cas_doc = format!(
            "Installs `new`, a `*mut {ty}` whose ownership the caller hands over, in field {name} \
             if it still holds `current` (compared by address), moving a node that a link of the \
             old value owns into the field (a stack's pop).\n\n{retire_note}\n\n# Safety\n\n- \
             `new` is {null}a live value allocated as a `Box<{ty}>`, not retired, with that \
             allocation's provenance (the pointer a link holds, or `Box::into_raw`'s), and its \
             ownership moves into the field if (and only if) the exchange succeeds: its previous \
             owner neither frees nor retires it, and it is retired only by this field's methods, \
             after it leaves the field.\n- Once unlinked, `current` cannot be protected anew \
             except through loads validated against this field (such as `{link}`).\n\n# \
             Errors\n\nGives `new` back if the field holds another value."
        );
        let link_doc = format!(
            "Loads the value `a` of field {name} and the value `b` of the link `link(a)`, and \
             protects both (a Michael–Scott queue's dequeue): `b` is checked after its \
             protection against both `link(a)` and field {name} still holding `a`. The second \
             guard is `None` when the link is null{none}.\n\n# Safety\n\nA value `b` held by \
             `link(a)` is only retired into this field's domain, by hazptr (the retirement of a \
             `#[hazard]` field, which runs the heavy barrier the protection relies on: see \
             `hazptr::barrier`), and only after `a` has left field {name} or `b` has left \
             `link(a)`."
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
            #vis unsafe fn #link<__HazptrLinked: ::core::marker::Sync + 'static>(
                &self,
                link: impl for<'__v> ::core::ops::Fn(
                    &'__v #pointee,
                ) -> &'__v ::core::sync::atomic::AtomicPtr<__HazptrLinked>,
            ) -> #link_ret {
                #link_body
            }
        }
    }
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

/// The checks of `__hazptr_checks` for one field.
fn checks(field: &HazardField) -> TokenStream {
    let ty = field.ty;
    // With the pointee and family the methods use, as written: a type alias that reorders
    // them is rejected here, rather than answered with methods that panic.
    let written = Access { field };
    let (pointee, family) = (&field.pointee, written.family());
    let mut out = quote_spanned! {ty.span()=>
        __hazptr_rt::assert_hazptr_atomic_ptr::<#ty, #pointee, #family>();
    };
    // Every pointee, generic or not: the methods of a concrete one do not repeat the check.
    let pointee = &field.pointee;
    out.extend(if field.generic_pointee {
        // A bounded function, so that rustc suggests the bound the struct lacks.
        quote_spanned! {pointee.span()=>
            __hazptr_rt::assert_static_pointee::<#pointee>();
        }
    } else {
        // The traits' own items, so that the error is the trait's message at the type, without
        // a note pointing into hazptr. A type that names no parameter of the struct is
        // `'static`.
        quote_spanned! {pointee.span()=>
            let () = <#pointee as __hazptr_rt::PointeeSend>::HOLDS;
            let () = <#pointee as __hazptr_rt::PointeeSync>::HOLDS;
        }
    });
    match (&field.domain, &field.family) {
        // A generic family, with a bounded function, so that rustc suggests the bound the struct
        // lacks.
        (None, Some(family)) if field.generic_family => {
            out.extend(quote_spanned! {family.span()=>
                __hazptr_rt::assert_static_domain::<#family>();
            });
        }
        (Some(_), Some(family)) if field.generic_family => {
            out.extend(quote_spanned! {family.span()=>
                __hazptr_rt::assert_instance_family::<#family>();
            });
        }
        // A concrete family, with the trait's own item (as a concrete pointee above): the
        // methods do not repeat the check. Of a per-instance domain:
        (Some(_), Some(family)) => out.extend(quote_spanned! {family.span()=>
            let () = <#family as __hazptr::InstanceFamily>::HOLDS;
        }),
        // No family is `Global`, which is never an `InstanceFamily`: reported at the field type.
        (Some(_), None) => {
            // Every token at the field type, where rustc reports the failure.
            let global = respan(quote!(__hazptr::Global), ty.span());
            out.extend(quote_spanned! {ty.span()=>
                let () = <#global as __hazptr::InstanceFamily>::HOLDS;
            });
        }
        // A concrete static family, likewise.
        (None, Some(family)) => out.extend(quote_spanned! {family.span()=>
            let () = <#family as __hazptr::StaticDomain>::HOLDS;
        }),
        // No family is `Global`, a static domain.
        (None, None) => {}
    }
    if let Some(domain_ty) = field.domain.as_ref().and_then(|domain| domain.ty) {
        // Of the field's family: the model compares the families' names, this their types (two
        // families of one name from different paths). Without a family the field is `Global`'s,
        // already reported above, so the domain only has to be a `Domain`.
        let family = field
            .family
            .as_ref()
            .map_or_else(|| quote!(_), ToTokens::to_token_stream);
        out.extend(quote_spanned! {domain_ty.span()=>
            __hazptr_rt::assert_owned_domain::<#domain_ty, #family>();
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use proc_macro2::{TokenStream, TokenTree};
    use quote::quote;
    use syn::{DeriveInput, Type, parse_quote};

    use super::shown;

    /// Every `unsafe { … }` block in `tokens`, nested ones included.
    fn unsafe_blocks(tokens: TokenStream, out: &mut Vec<TokenStream>) {
        let mut after_unsafe = false;
        for token in tokens {
            if let TokenTree::Group(group) = &token {
                if after_unsafe && group.delimiter() == proc_macro2::Delimiter::Brace {
                    out.push(group.stream());
                }
                unsafe_blocks(group.stream(), out);
            }
            after_unsafe = matches!(&token, TokenTree::Ident(ident) if ident == "unsafe");
        }
    }

    /// Whether `tokens` holds the ident `name` or a `::` anywhere.
    fn names_a_path(tokens: &TokenStream, name: &str) -> bool {
        tokens.clone().into_iter().any(|token| match token {
            TokenTree::Ident(ident) => ident == name,
            TokenTree::Punct(punct) => punct.as_char() == ':',
            TokenTree::Group(group) => names_a_path(&group.stream(), name),
            TokenTree::Literal(_) => false,
        })
    }

    #[test]
    fn no_path_of_the_user_is_called_inside_a_generated_unsafe_block() {
        // Every shape that generates `unsafe`: a per-instance domain (its pairing) and
        // `#[hazard(links)]` (its unsafe methods), with a crate path of the user's choosing.
        let inputs: [DeriveInput; 2] = [
            parse_quote! {
                #[hazard(crate = my_alias, domain = dom)]
                struct Queue {
                    #[hazard(links)]
                    head: AtomicPtr<Node, Fam>,
                    #[hazard(non_null, links)]
                    tail: AtomicPtr<Node, Fam>,
                    dom: Domain<Fam>,
                }
            },
            parse_quote! {
                #[hazard(crate = my_alias)]
                struct Stack(#[hazard(links)] AtomicPtr<Node>);
            },
        ];
        for input in inputs {
            let out = super::super::expand(&input);
            assert!(!out.to_string().contains("compile_error"), "{out}");
            let mut blocks = Vec::new();
            unsafe_blocks(out, &mut blocks);
            assert!(!blocks.is_empty(), "these inputs generate `unsafe` blocks");
            for block in blocks {
                // Only methods named by hazptr, on `self`'s field or on its place: no path, so
                // nothing `crate = …` chose, and no expression of the user's.
                assert!(
                    !names_a_path(&block, "my_alias"),
                    "a path inside `unsafe`: {block}"
                );
                let first = block.clone().into_iter().next().map(|t| t.to_string());
                assert_eq!(first.as_deref(), Some("self"), "{block}");
            }
        }
        let _ = quote!();
    }

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
