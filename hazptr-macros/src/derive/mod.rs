//! `#[derive(HazardProtected)]`: `attr` parses `#[hazard(…)]`, `model` validates the struct,
//! `expand` generates the code.

mod attr;
mod expand;
mod model;

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::errors::Errors;

/// The whole expansion: the generated code, or every error found next to a fallback that
/// declares the methods of the fields that are fine (so that code calling them does not add a
/// cascade of "no method named …" errors to the real one).
pub(crate) fn expand(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let model = model::build(input, &mut errors);
    match model {
        Some(model) if errors.is_empty() => expand::generate(&model),
        Some(model) => {
            let fallback = expand::fallback(&model);
            let mut out = errors.into_compile_errors();
            out.extend(fallback);
            out
        }
        None => errors.into_compile_errors(),
    }
}
