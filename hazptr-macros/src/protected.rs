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
//! let [h0, h1] = hazards.each_mut();
//! let a = ::hazptr::__private::protect(h0, &(x.head));
//! let Some(b) = ::hazptr::__private::protect(h1, &(y.tail)) else { return };
//! ```
//!
//! where `hazards`, `h0` and `h1` have mixed-site hygiene: the user's code cannot name them, and
//! they cannot shadow or be shadowed by the user's names. Each reference borrows its hazard
//! pointer, which lives until the end of the block, so the borrow checker stops any reference
//! from outliving its protection.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use syn::parse::{ParseStream, Parser as _};
use syn::{Block, Expr, Local, Stmt};

use crate::errors::Errors;

/// One `let` of the input.
struct Binding {
    local: Local,
    place: Expr,
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let bindings = parse(input, &mut errors);
    if !errors.is_empty() {
        return errors.into_compile_errors();
    }

    let count = bindings.len();
    let hazards = Ident::new("hazards", Span::mixed_site());
    let slots: Vec<_> = (0..count)
        .map(|index| format_ident!("hazard_{index}", span = Span::mixed_site()))
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
        let diverge = init
            .as_ref()
            .and_then(|init| init.diverge.as_ref())
            .map(|(else_token, block)| quote!(#else_token #block));
        let eq = init.as_ref().map(|init| init.eq_token);
        quote! {
            #(#attrs)*
            #let_token #pat #eq ::hazptr::__private::protect(#slot, &(#place)) #diverge #semi_token
        }
    });
    quote! {
        let mut #hazards = ::hazptr::__private::HazardSet::<_, #count>::acquire();
        let [#(#slots),*] = #hazards.each_mut();
        #(#lets)*
    }
}

/// The `let`s of the input, each checked; problems go to `errors`.
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
    let ends_with_semi = matches!(
        input.clone().into_iter().last(),
        Some(proc_macro2::TokenTree::Punct(punct)) if punct.as_char() == ';'
    );
    if !ends_with_semi {
        input.extend(quote!(;));
    }
    let parser = |stream: ParseStream| Block::parse_within(stream);
    let statements = match parser.parse2(input) {
        Ok(statements) => statements,
        Err(error) => {
            errors.push(error);
            return Vec::new();
        }
    };
    let mut bindings = Vec::new();
    for statement in statements {
        let Stmt::Local(local) = statement else {
            errors.spanned(
                &statement,
                "`protected!` takes only `let` bindings: `let name = value.field;`",
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
                "`protected!` reads a place that holds a `hazptr::AtomicPtr`: a field \
                 (`svc.config`), a variable, an index or `*reference`; bind a value returned by \
                 a call to a variable first",
            );
            continue;
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
    fn rejects_non_places_non_lets_and_nothing() {
        assert!(errors_of(TokenStream::new()).contains("at least one binding"));
        assert!(errors_of(quote!(let x = make();)).contains("bind a value returned by a call"));
        assert!(errors_of(quote!(let x = a.get();)).contains("bind a value returned"));
        assert!(errors_of(quote!(foo();)).contains("only `let` bindings"));
        assert!(errors_of(quote!(let x;)).contains("no place to read"));
    }
}
