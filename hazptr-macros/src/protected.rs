//! `protected!`: binds protected references for the rest of the enclosing block.
//!
//! ```text
//! protected! {
//!     let a = x.head;
//!     let Some(b) = y.tail else { return };
//! }
//! ```
//!
//! expands to
//!
//! ```text
//! let mut hazards = ::hazptr::__private::HazardSet::<_, 2>::acquire();
//! let [h0, h1] = hazards.slots();
//! let a = ::hazptr::__private::protect(h0, HazptrAtomicPtr::as_atomic_ptr(&x.head));
//! let Some(b) = ::hazptr::__private::protect(h1, HazptrAtomicPtr::as_atomic_ptr(&y.tail))
//!     else { return };
//! ```
//!
//! `hazptr::protected!` is a `macro_rules!` that calls this macro with `[$crate]` before the
//! bindings, so `::hazptr` above is wherever the caller's crate finds hazptr (re-exported under
//! another name included); called without it, the expansion names `::hazptr`.
//!
//! `hazards`, `h0` and `h1` have mixed-site hygiene: the user's code cannot name them, and
//! they cannot shadow or be shadowed by the user's names. Each reference borrows its hazard
//! pointer, which lives until the end of the block, so the borrow checker stops any reference
//! from outliving its protection.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::{ParseStream, Parser as _};
use syn::spanned::Spanned as _;
use syn::{Block, Expr, Local, Stmt};

use crate::errors::Errors;

/// One `let` of the input.
struct Binding {
    local: Local,
    place: Expr,
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let (krate, input) = crate_path(input);
    let bindings = parse(input, &mut errors);
    // The bindings that parsed are expanded even next to errors, so that the code using them adds
    // no "cannot find value" errors to the real one.
    let mut out = errors.into_compile_errors();
    if bindings.is_empty() {
        return out;
    }

    let count = bindings.len();
    // Located at the first place, so that errors about the hazard pointers point there.
    let first = bindings[0].place.span();
    let hazards = Ident::new("hazards", Span::mixed_site().located_at(first));
    let slots: Vec<_> = bindings
        .iter()
        .enumerate()
        .map(|(index, binding)| {
            let span = Span::mixed_site().located_at(binding.place.span());
            format_ident!("hazard_{index}", span = span)
        })
        .collect();
    let lets = bindings.iter().zip(&slots).map(|(binding, slot)| {
        let Local {
            attrs,
            let_token,
            pat,
            init,
            semi_token,
            ..
        } = &binding.local;
        let place = &binding.place;
        // The crate path keeps how it resolves (`$crate` must) but is located at the place, so
        // that the call's span, and an error about it, stays at the user's place.
        let krate = located_at(&krate, place.span());
        let diverge = init
            .as_ref()
            .and_then(|init| init.diverge.as_ref())
            .map(|(else_token, block)| quote!(#else_token #block));
        let eq = init.as_ref().map(|init| init.eq_token);
        // Spanned at the place: a place that is not a `hazptr::AtomicPtr`, or whose family has
        // no static domain, is reported there.
        let protect = quote_spanned! {place.span()=>
            #krate::__private::protect(
                #slot,
                #krate::__private::HazptrAtomicPtr::as_atomic_ptr(&#place),
            )
        };
        quote! {
            #(#attrs)*
            #let_token #pat #eq #protect #diverge #semi_token
        }
    });
    // Spanned at the first place: a family without a static domain is reported there.
    // One hygiene context throughout (rustc cannot join spans of two contexts).
    let at_first = Span::mixed_site().located_at(first);
    let krate = located_at(&krate, first);
    out.extend(quote_spanned! {at_first=>
        let mut #hazards = #krate::__private::HazardSet::<_, #count>::acquire();
        let [#(#slots),*] = #hazards.slots();
    });
    out.extend(lets);
    out
}

/// `tokens`, located at `span` but resolved as they were.
fn located_at(tokens: &TokenStream, span: Span) -> TokenStream {
    tokens
        .clone()
        .into_iter()
        .map(|mut token| {
            token.set_span(token.span().located_at(span));
            token
        })
        .collect()
}

/// The path to hazptr (the `[$crate]` group `hazptr::protected!` puts first, else `::hazptr`) and
/// the bindings.
fn crate_path(input: TokenStream) -> (TokenStream, TokenStream) {
    let mut tokens = input.clone().into_iter();
    match tokens.next() {
        Some(proc_macro2::TokenTree::Group(group))
            if group.delimiter() == proc_macro2::Delimiter::Bracket =>
        {
            (group.stream(), tokens.collect())
        }
        _ => (quote!(::hazptr), input),
    }
}

/// The `let`s of the input, each checked; problems go to `errors`. A `let` whose value is not a
/// place is reported and still returned (its expansion compiles), so only the mistake is reported.
fn parse(input: TokenStream, errors: &mut Errors) -> Vec<Binding> {
    if input.is_empty() {
        errors.push(syn::Error::new(
            Span::call_site(),
            "`protected!` needs at least one binding: `protected!(let name = value.field);`",
        ));
        return Vec::new();
    }
    // The last `let` may omit its `;`: `protected!(let cfg = svc.config)`.
    let mut input = input;
    let last = input.clone().into_iter().last();
    if let Some(last) = last.filter(
        |last| !matches!(last, proc_macro2::TokenTree::Punct(punct) if punct.as_char() == ';'),
    ) {
        // Spanned at the last token, so that "expected an expression" points into the input.
        let mut semi = proc_macro2::Punct::new(';', proc_macro2::Spacing::Alone);
        semi.set_span(last.span());
        input.extend([proc_macro2::TokenTree::Punct(semi)]);
    }
    let parser = |stream: ParseStream| Block::parse_within(stream);
    let statements = match parser.parse2(input) {
        Ok(statements) => statements,
        Err(error) => {
            // syn lists every token a pattern may start with; say it in the user's terms.
            let what = error.to_string();
            let what = if what.starts_with("expected one of: identifier") {
                "expected a name or a pattern after `let`".to_owned()
            } else {
                what
            };
            errors.push(syn::Error::new(
                error.span(),
                format_args!(
                    "{what}: `protected!` takes `let` bindings, as in \
                     `protected!(let name = value.field);`"
                ),
            ));
            return Vec::new();
        }
    };
    let mut bindings = Vec::new();
    for statement in statements {
        let Stmt::Local(local) = statement else {
            errors.spanned(
                &statement,
                "`protected!` takes only `let` bindings (`let name = value.field;`): put other \
                 statements after the macro, where the bindings are in scope",
            );
            continue;
        };
        let Some(init) = &local.init else {
            errors.spanned(
                &local,
                "this `let` has no place to read: write `let name = value.field;`",
            );
            continue;
        };
        let place = (*init.expr).clone();
        if !is_place(&place) {
            errors.spanned(
                &place,
                "`protected!` reads a `hazptr::AtomicPtr` where it lives: a field \
                 (`svc.config`), a variable, an index or `*reference`, not a temporary; bind \
                 the `AtomicPtr` a call returns to a variable first",
            );
        }
        bindings.push(Binding { local, place });
    }
    bindings
}

/// A place expression: the `AtomicPtr` is read where it lives. A temporary `AtomicPtr` would be
/// dropped at the end of the `let`, leaking its value, and reading one is always a mistake.
fn is_place(expr: &Expr) -> bool {
    match expr {
        Expr::Path(_) => true,
        // `value.field` is a place even when `value` is a call returning a reference.
        Expr::Field(_) | Expr::Index(_) => true,
        Expr::Unary(unary) => matches!(unary.op, syn::UnOp::Deref(_)),
        Expr::Paren(paren) => is_place(&paren.expr),
        Expr::Group(group) => is_place(&group.expr),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_of(input: TokenStream) -> String {
        let mut errors = Errors::default();
        parse(input, &mut errors);
        errors.into_compile_errors().to_string()
    }

    #[test]
    fn uses_the_crate_path_it_is_given() {
        let out = expand(quote!([my::hazptr] let a = x.head;)).to_string();
        assert!(
            out.contains("my :: hazptr :: __private :: HazardSet"),
            "{out}"
        );
        assert!(
            !out.contains(":: hazptr :: __private :: protect")
                || out.contains("my :: hazptr :: __private :: protect"),
            "{out}"
        );
    }

    #[test]
    fn accepts_places_and_let_else() {
        let out = expand(quote! {
            let Some(head) = list.head else { return None };
            let tail = (*list).tail;
            let first = items[0];
        });
        let out = out.to_string();
        assert!(out.contains("HazardSet :: < _ , 3usize >"), "{out}");
        assert!(out.contains("else { return None }"), "{out}");
    }

    #[test]
    fn a_binding_that_is_not_a_place_is_still_expanded_next_to_its_error() {
        let out = expand(quote!(let x = make(); let y = a.b;)).to_string();
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("HazardSet :: < _ , 2usize >"), "{out}");
    }

    #[test]
    fn rejects_non_places_non_lets_and_nothing() {
        assert!(errors_of(TokenStream::new()).contains("at least one binding"));
        assert!(errors_of(quote!(let x = make();)).contains("the `AtomicPtr` a call returns"));
        assert!(errors_of(quote!(let x = a.get();)).contains("not a temporary"));
        assert!(errors_of(quote!(let = a;)).contains("`protected!` takes `let` bindings"));
        assert!(errors_of(quote!(foo();)).contains("only `let` bindings"));
        assert!(errors_of(quote!(let x;)).contains("no place to read"));
    }
}
