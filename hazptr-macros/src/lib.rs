//! Procedural macros of [hazptr](https://docs.rs/hazptr): `#[derive(HazardProtected)]` and
//! `protected!`. Depend on `hazptr`, which re-exports both and documents them; the generated
//! code calls into it.

mod derive;
mod errors;
#[cfg(test)]
mod expand_snapshots;
mod protected;

use proc_macro::TokenStream;

/// Generates safe, reclaiming accessors for a struct's `#[hazard]` fields; see
/// `hazptr::HazardProtected`.
#[proc_macro_derive(HazardProtected, attributes(hazard))]
pub fn derive_hazard_protected(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    derive::expand(&input).into()
}

/// Binds protected references for the rest of the enclosing block; see `hazptr::protected!`,
/// which calls it with `[$crate]` before the bindings.
#[proc_macro]
pub fn protected(input: TokenStream) -> TokenStream {
    protected::expand(input.into()).into()
}
