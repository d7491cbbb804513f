//! Parsing `#[hazard(…)]`, on the struct and on its fields.

use proc_macro2::Span;
use syn::ext::IdentExt as _;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned as _;
use syn::{Attribute, Ident, LitStr, Member, Path, Visibility};

use crate::errors::Errors;

/// The keys a field's `#[hazard(…)]` accepts.
const FIELD_KEYS: &str = "`rename`, `non_null`, `domain`, `vis`";
/// The keys the struct's `#[hazard(…)]` accepts.
const STRUCT_KEYS: &str = "`domain`, `custom_drop`, `crate`";

/// A field's `#[hazard(…)]` keys.
#[derive(Default)]
pub(crate) struct FieldAttr {
    /// The span of the first `#[hazard]` on the field, if it has one.
    pub(crate) marker: Option<Span>,
    pub(crate) rename: Option<Ident>,
    pub(crate) non_null: bool,
    pub(crate) domain: Option<Member>,
    pub(crate) vis: Option<Visibility>,
}

/// The struct's `#[hazard(…)]` keys.
#[derive(Default)]
pub(crate) struct StructAttr {
    pub(crate) domain: Option<Member>,
    pub(crate) custom_drop: bool,
    pub(crate) krate: Option<Path>,
}

/// Where a `#[hazard]` attribute stands, for the messages.
#[derive(Clone, Copy)]
enum Site {
    Struct,
    Field,
}

/// Parses every `#[hazard]` among a field's attributes; errors go to `errors`.
pub(crate) fn parse_field(attrs: &[Attribute], errors: &mut Errors) -> FieldAttr {
    let mut out = FieldAttr::default();
    let mut seen = Seen::default();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("hazard")) {
        out.marker.get_or_insert(attr.span());
        let parsed = parse_each(attr, Site::Field, |meta| {
            let key = key_name(&meta);
            match key.as_str() {
                "rename" => {
                    seen.first(&meta, &key)?;
                    out.rename = Some(parse_rename(&meta)?);
                }
                "non_null" => {
                    seen.first(&meta, &key)?;
                    no_value(&meta, "non_null")?;
                    out.non_null = true;
                }
                "domain" => {
                    seen.first(&meta, &key)?;
                    out.domain = Some(parse_member(&meta, "domain")?);
                }
                "vis" => {
                    seen.first(&meta, &key)?;
                    out.vis = Some(parse_vis(&meta)?);
                }
                "custom_drop" | "crate" => {
                    return Err(meta.error(format_args!(
                        "`{key}` applies to the whole struct: move it to a `#[hazard({key})]` \
                         on the struct"
                    )));
                }
                _ => return Err(unknown_key(&meta, &key, Site::Field)),
            }
            Ok(())
        });
        errors.ok(parsed);
    }
    out
}

/// Parses every `#[hazard]` among the struct's attributes; errors go to `errors`.
pub(crate) fn parse_struct(attrs: &[Attribute], errors: &mut Errors) -> StructAttr {
    let mut out = StructAttr::default();
    let mut seen = Seen::default();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("hazard")) {
        let parsed = parse_each(attr, Site::Struct, |meta| {
            let key = key_name(&meta);
            match key.as_str() {
                "domain" => {
                    seen.first(&meta, &key)?;
                    out.domain = Some(parse_member(&meta, "domain")?);
                }
                "custom_drop" => {
                    seen.first(&meta, &key)?;
                    no_value(&meta, "custom_drop")?;
                    out.custom_drop = true;
                }
                "crate" => {
                    seen.first(&meta, &key)?;
                    out.krate = Some(meta.value()?.call(Path::parse_mod_style)?);
                }
                "rename" | "non_null" | "vis" => {
                    return Err(meta.error(format_args!(
                        "`{key}` applies to one field: move it to that field's `#[hazard({key})]`"
                    )));
                }
                _ => return Err(unknown_key(&meta, &key, Site::Struct)),
            }
            Ok(())
        });
        errors.ok(parsed);
    }
    out
}

/// Runs `each` on every key of `attr`; a bare `#[hazard]` has none.
fn parse_each(
    attr: &Attribute,
    site: Site,
    each: impl FnMut(ParseNestedMeta) -> syn::Result<()>,
) -> syn::Result<()> {
    match &attr.meta {
        syn::Meta::Path(_) => match site {
            Site::Field => Ok(()),
            Site::Struct => Err(syn::Error::new_spanned(
                attr,
                format_args!(
                    "a bare `#[hazard]` on the struct does nothing: mark fields with it, or give \
                     the struct keys: {STRUCT_KEYS}"
                ),
            )),
        },
        syn::Meta::List(_) => attr.parse_nested_meta(each),
        syn::Meta::NameValue(name_value) => Err(syn::Error::new_spanned(
            name_value.eq_token,
            "expected `#[hazard]` or `#[hazard(key, key = value)]`",
        )),
    }
}

/// The key as written (an identifier or keyword such as `crate`).
fn key_name(meta: &ParseNestedMeta) -> String {
    let path = &meta.path;
    path.get_ident().map_or_else(
        || quote::quote!(#path).to_string().replace(' ', ""),
        |ident| ident.unraw().to_string(),
    )
}

/// Keys already given on this field or struct, to reject duplicates.
#[derive(Default)]
struct Seen(Vec<String>);

impl Seen {
    fn first(&mut self, meta: &ParseNestedMeta, key: &str) -> syn::Result<()> {
        if self.0.iter().any(|seen| seen == key) {
            return Err(meta.error(format_args!(
                "duplicate `{key}` key: give it once per `#[hazard]` target"
            )));
        }
        self.0.push(key.to_owned());
        Ok(())
    }
}

fn unknown_key(meta: &ParseNestedMeta, key: &str, site: Site) -> syn::Error {
    let (expected, place) = match site {
        Site::Field => (FIELD_KEYS, "a field"),
        Site::Struct => (STRUCT_KEYS, "the struct"),
    };
    meta.error(format_args!(
        "unknown key `{key}` in `#[hazard(…)]` on {place}; expected one of: {expected}"
    ))
}

/// `non_null` and `custom_drop` are flags: `key = value` and `key(…)` are mistakes.
fn no_value(meta: &ParseNestedMeta, key: &str) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) || meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format_args!(
            "`{key}` takes no value: write `#[hazard({key})]`"
        )));
    }
    Ok(())
}

/// `rename = name`: any identifier, keywords included (`rename = type` gives `load_protected_type`).
fn parse_rename(meta: &ParseNestedMeta) -> syn::Result<Ident> {
    if !meta.input.peek(syn::Token![=]) {
        return Err(meta.error("`rename` needs a name: `#[hazard(rename = name)]`"));
    }
    let value = meta.value()?;
    if value.peek(LitStr) {
        let literal: LitStr = value.parse()?;
        return Err(syn::Error::new_spanned(
            &literal,
            format_args!(
                "write the name without quotes: `rename = {}`",
                literal.value()
            ),
        ));
    }
    let name = value.call(Ident::parse_any).map_err(|error| {
        syn::Error::new(
            error.span(),
            "expected a name after `rename =`, as in `#[hazard(rename = routes)]`",
        )
    })?;
    if !(value.is_empty() || value.peek(syn::Token![,])) {
        return Err(value.error(
            "`rename` takes one identifier: the methods are then named `load_protected_<name>`, …",
        ));
    }
    Ok(name)
}

/// `domain = field`: a field name, or an index in a tuple struct.
fn parse_member(meta: &ParseNestedMeta, key: &str) -> syn::Result<Member> {
    if !meta.input.peek(syn::Token![=]) {
        return Err(meta.error(format_args!(
            "`{key}` needs the name of the field holding the domain: `#[hazard({key} = field)]`"
        )));
    }
    let value = meta.value()?;
    if value.peek(LitStr) {
        let literal: LitStr = value.parse()?;
        return Err(syn::Error::new_spanned(
            &literal,
            format_args!(
                "write the field name without quotes: `{key} = {}`",
                literal.value()
            ),
        ));
    }
    value.parse::<Member>().map_err(|error| {
        syn::Error::new(
            error.span(),
            format_args!("expected the field holding the domain: `{key} = field` or `{key} = 1`"),
        )
    })
}

/// `vis = pub`, `vis = pub(crate)`, …
fn parse_vis(meta: &ParseNestedMeta) -> syn::Result<Visibility> {
    let value = meta.value()?;
    let vis: Visibility = value.parse()?;
    if let Visibility::Inherited = vis {
        return Err(value.error("expected a visibility: `vis = pub` or `vis = pub(crate)`"));
    }
    Ok(vis)
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn field(attr: Attribute) -> (FieldAttr, Option<String>) {
        let mut errors = Errors::default();
        let parsed = parse_field(&[attr], &mut errors);
        let message = errors.into_compile_errors().to_string();
        (parsed, (!message.is_empty()).then_some(message))
    }

    #[test]
    fn bare_field_marker_has_no_keys() {
        let (attr, error) = field(parse_quote!(#[hazard]));
        assert!(error.is_none());
        assert!(attr.marker.is_some() && attr.rename.is_none() && !attr.non_null);
    }

    #[test]
    fn every_field_key_parses() {
        let (attr, error) = field(
            parse_quote!(#[hazard(rename = routes, non_null, domain = dom, vis = pub(crate))]),
        );
        assert!(error.is_none(), "{error:?}");
        assert_eq!(attr.rename.unwrap(), "routes");
        assert!(attr.non_null);
        assert!(matches!(attr.domain, Some(Member::Named(name)) if name == "dom"));
        assert!(matches!(attr.vis, Some(Visibility::Restricted(_))));
    }

    #[test]
    fn keyword_rename_is_accepted() {
        let (attr, error) = field(parse_quote!(#[hazard(rename = type)]));
        assert!(error.is_none(), "{error:?}");
        assert_eq!(attr.rename.unwrap(), "type");
    }

    #[test]
    fn mistakes_are_reported_with_what_to_write() {
        for (attr, expected) in [
            (parse_quote!(#[hazard(renam = x)]), "unknown key `renam`"),
            (
                parse_quote!(#[hazard(rename = "x")]),
                "without quotes: `rename = x`",
            ),
            (parse_quote!(#[hazard(rename)]), "`rename` needs a name"),
            (
                parse_quote!(#[hazard(non_null = true)]),
                "`non_null` takes no value",
            ),
            (
                parse_quote!(#[hazard(non_null, non_null)]),
                "duplicate `non_null`",
            ),
            (
                parse_quote!(#[hazard(custom_drop)]),
                "applies to the whole struct",
            ),
            (parse_quote!(#[hazard = 1]), "expected `#[hazard]`"),
        ] {
            let (_, error) = field(attr);
            let error = error.expect(expected);
            assert!(error.contains(expected), "{error}");
        }
    }

    #[test]
    fn struct_keys_parse_and_field_keys_are_refused() {
        let mut errors = Errors::default();
        let attr = parse_struct(
            &[parse_quote!(#[hazard(domain = 1, custom_drop, crate = ::my::hazptr)])],
            &mut errors,
        );
        assert!(errors.is_empty());
        assert!(attr.custom_drop && attr.domain.is_some() && attr.krate.is_some());

        let mut errors = Errors::default();
        parse_struct(&[parse_quote!(#[hazard(non_null)])], &mut errors);
        assert!(
            errors
                .into_compile_errors()
                .to_string()
                .contains("applies to one field")
        );
    }
}
