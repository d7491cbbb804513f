//! Parsing `#[hazard(…)]`, on the struct and on its fields.

use proc_macro2::Span;
use syn::ext::IdentExt as _;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned as _;
use syn::{Attribute, Ident, LitStr, Member, Path, Visibility};

use crate::errors::Errors;

/// The keys a field's `#[hazard(…)]` accepts.
const FIELD_KEYS: &str = "`rename`, `non_null`, `domain`, `vis`, `links`";
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
    /// Where a `domain` key stands, even a malformed one (then `domain` is `None`).
    pub(crate) domain_key: Option<Span>,
    pub(crate) vis: Option<Visibility>,
    /// `links`: generate the linked-structure methods too.
    pub(crate) links: bool,
}

/// The struct's `#[hazard(…)]` keys.
#[derive(Default)]
pub(crate) struct StructAttr {
    pub(crate) domain: Option<Member>,
    /// Where a `domain` key stands, even a malformed one (then `domain` is `None`).
    pub(crate) domain_key: Option<Span>,
    pub(crate) custom_drop: bool,
    pub(crate) krate: Option<Path>,
}

/// Where a `#[hazard]` attribute stands, for the messages.
#[derive(Clone, Copy)]
enum Site {
    Struct,
    Field,
}

/// The field keys, for "did you mean" suggestions.
const FIELD_KEY_NAMES: &[&str] = &["rename", "non_null", "domain", "vis", "links"];
/// The struct keys, for "did you mean" suggestions.
const STRUCT_KEY_NAMES: &[&str] = &["domain", "custom_drop", "crate"];

/// Parses every `#[hazard]` among a field's attributes; errors go to `errors`.
///
/// A mistake in one key is recorded and parsing goes on with the next key, so that every mistake
/// is reported at once and the fallback expansion knows as much as possible: a quoted
/// `rename = "x"` still names the methods `…_x`, a misspelt `non_nul` still counts as `non_null`.
pub(crate) fn parse_field(attrs: &[Attribute], errors: &mut Errors) -> FieldAttr {
    let mut out = FieldAttr::default();
    let mut seen = Seen::default();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("hazard")) {
        out.marker.get_or_insert(attr.span());
        let parsed = parse_each(attr, Site::Field, |meta| {
            let key = key_name(&meta);
            let result = field_key(&meta, &key, &mut out, &mut seen, errors);
            recover(&meta, result, errors)
        });
        errors.ok(parsed);
    }
    out
}

fn field_key(
    meta: &ParseNestedMeta,
    key: &str,
    out: &mut FieldAttr,
    seen: &mut Seen,
    errors: &mut Errors,
) -> syn::Result<()> {
    let first = seen.first(meta, key, errors);
    match key {
        "rename" => {
            let rename = parse_rename(meta, errors)?;
            if first {
                out.rename = rename;
            }
        }
        "non_null" => {
            no_value(meta, "non_null", errors)?;
            out.non_null = true;
        }
        "links" => {
            no_value(meta, "links", errors)?;
            out.links = true;
        }
        "domain" => {
            out.domain_key.get_or_insert(meta.path.span());
            let domain = parse_member(meta, "domain", errors)?;
            if first {
                out.domain = domain;
            }
        }
        "vis" => {
            let vis = parse_vis(meta)?;
            if first {
                out.vis = Some(vis);
            }
        }
        "custom_drop" | "crate" => {
            errors.push(meta.error(format_args!(
                "`{key}` applies to the whole struct: move it to a `#[hazard({key})]` on the \
                 struct"
            )));
            skip_value(meta)?;
        }
        _ => {
            let guess = closest(key, FIELD_KEY_NAMES);
            errors.push(unknown_key(meta, key, Site::Field, guess));
            match guess {
                // Parsed as the key it resembles, for the fallback expansion only: the error
                // above is already recorded.
                Some(guess) => return field_key(meta, guess, out, seen, &mut Errors::default()),
                None => skip_value(meta)?,
            }
        }
    }
    Ok(())
}

/// Parses every `#[hazard]` among the struct's attributes; errors go to `errors`.
pub(crate) fn parse_struct(attrs: &[Attribute], errors: &mut Errors) -> StructAttr {
    let mut out = StructAttr::default();
    let mut seen = Seen::default();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("hazard")) {
        let parsed = parse_each(attr, Site::Struct, |meta| {
            let key = key_name(&meta);
            let result = struct_key(&meta, &key, &mut out, &mut seen, errors);
            recover(&meta, result, errors)
        });
        errors.ok(parsed);
    }
    out
}

fn struct_key(
    meta: &ParseNestedMeta,
    key: &str,
    out: &mut StructAttr,
    seen: &mut Seen,
    errors: &mut Errors,
) -> syn::Result<()> {
    let first = seen.first(meta, key, errors);
    match key {
        "domain" => {
            out.domain_key.get_or_insert(meta.path.span());
            let domain = parse_member(meta, "domain", errors)?;
            if first {
                out.domain = domain;
            }
        }
        "custom_drop" => {
            no_value(meta, "custom_drop", errors)?;
            out.custom_drop = true;
        }
        "crate" => {
            if !meta.input.peek(syn::Token![=]) {
                return Err(meta.error(
                    "`crate` needs the path hazptr is reached by: `#[hazard(crate = path::to::hazptr)]`",
                ));
            }
            let path = meta.value()?.call(Path::parse_mod_style)?;
            if first {
                out.krate = Some(path);
            }
        }
        "rename" | "non_null" | "vis" => {
            errors.push(meta.error(format_args!(
                "`{key}` applies to one field: move it to that field's `#[hazard({key})]`"
            )));
            skip_value(meta)?;
        }
        _ => {
            let guess = closest(key, STRUCT_KEY_NAMES);
            errors.push(unknown_key(meta, key, Site::Struct, guess));
            match guess {
                Some(guess) => return struct_key(meta, guess, out, seen, &mut Errors::default()),
                None => skip_value(meta)?,
            }
        }
    }
    Ok(())
}

/// Records the error of one key, if any, and skips the rest of its value so that the next key
/// is parsed too.
fn recover(
    meta: &ParseNestedMeta,
    result: syn::Result<()>,
    errors: &mut Errors,
) -> syn::Result<()> {
    if let Err(error) = result {
        errors.push(error);
        skip_value(meta)?;
    }
    Ok(())
}

/// Skips the tokens up to the next `,` (or the end): the rest of a key's value.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    meta.input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((token, next)) = rest.token_tree() {
            if matches!(&token, proc_macro2::TokenTree::Punct(punct) if punct.as_char() == ',') {
                break;
            }
            rest = next;
        }
        Ok(((), rest))
    })
}

/// The known key `key` is a likely misspelling of: at most two edits away.
fn closest(key: &str, known: &[&'static str]) -> Option<&'static str> {
    // A key that is one word of a known key (`drop` for `custom_drop`, `null` for `non_null`),
    // or the same letters without underscores (`nonnull`), is what the user meant.
    let letters = |name: &str| name.replace('_', "");
    let part_of = known.iter().find(|candidate| {
        (key.len() >= 4 && candidate.split('_').any(|word| word == key))
            || letters(key) == letters(candidate)
    });
    part_of.copied().or_else(|| {
        known
            .iter()
            .map(|candidate| (edit_distance(key, candidate), *candidate))
            .filter(|(distance, _)| *distance <= 2)
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, candidate)| candidate)
    })
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
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
    /// Whether this is the first `key`; records a duplicate-key error if not.
    fn first(&mut self, meta: &ParseNestedMeta, key: &str, errors: &mut Errors) -> bool {
        if self.0.iter().any(|seen| seen == key) {
            errors.push(meta.error(format_args!(
                "duplicate `{key}` key: give it once per `#[hazard]` target (the first one is \
                 kept)"
            )));
            return false;
        }
        self.0.push(key.to_owned());
        true
    }
}

fn unknown_key(meta: &ParseNestedMeta, key: &str, site: Site, guess: Option<&str>) -> syn::Error {
    let (expected, place) = match site {
        Site::Field => (FIELD_KEYS, "a field"),
        Site::Struct => (STRUCT_KEYS, "the struct"),
    };
    let guess = guess
        .map(|guess| format!("did you mean `{guess}`? "))
        .unwrap_or_default();
    meta.error(format_args!(
        "unknown key `{key}` in `#[hazard(…)]` on {place}: {guess}expected one of: {expected}"
    ))
}

/// `non_null` and `custom_drop` are flags: `key = value` and `key(…)` are mistakes, recorded
/// (the flag is still taken as set) and skipped.
fn no_value(meta: &ParseNestedMeta, key: &str, errors: &mut Errors) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) || meta.input.peek(syn::token::Paren) {
        errors.push(meta.error(format_args!(
            "`{key}` takes no value: write `#[hazard({key})]`"
        )));
        skip_value(meta)?;
    }
    Ok(())
}

/// `rename = name`: any identifier, keywords included (`rename = type` gives `load_protected_type`).
///
/// Recoverable mistakes (a quoted name, several words) are recorded in `errors` and the name the
/// user meant is returned, so that the fallback expansion declares the methods they call.
fn parse_rename(meta: &ParseNestedMeta, errors: &mut Errors) -> syn::Result<Option<Ident>> {
    if !meta.input.peek(syn::Token![=]) {
        errors.push(meta.error("`rename` needs a name: `#[hazard(rename = name)]`"));
        skip_value(meta)?;
        return Ok(None);
    }
    let value = meta.value()?;
    if value.peek(LitStr) {
        let literal: LitStr = value.parse()?;
        let meant = literal.parse_with(Ident::parse_any).ok();
        let shown = meant
            .as_ref()
            .map_or_else(|| literal.value().replace(' ', "_"), ToString::to_string);
        errors.push(syn::Error::new_spanned(
            &literal,
            format_args!("write the name without quotes: `rename = {shown}`"),
        ));
        return Ok(meant);
    }
    let name = value.call(Ident::parse_any).map_err(|error| {
        syn::Error::new(
            error.span(),
            "expected a name after `rename =`, as in `#[hazard(rename = routes)]`",
        )
    })?;
    if value.is_empty() || value.peek(syn::Token![,]) {
        return Ok(Some(name));
    }
    // `rename = route table`: the words joined by `_` are most likely what was meant.
    let mut words = vec![name.unraw().to_string()];
    let mut last = name.span();
    while !(value.is_empty() || value.peek(syn::Token![,])) {
        match value.call(Ident::parse_any) {
            Ok(word) => {
                last = word.span();
                words.push(word.unraw().to_string());
            }
            Err(_) => {
                return Err(value.error(
                    "`rename` takes one identifier: `#[hazard(rename = name)]` names the \
                     methods `load_protected_name`, …",
                ));
            }
        }
    }
    let joined = words.join("_");
    errors.push(syn::Error::new(
        name.span().join(last).unwrap_or(last),
        format_args!("`rename` takes one identifier, not several words: write `rename = {joined}`"),
    ));
    Ok(Some(Ident::new(&joined, name.span())))
}

/// `domain = field`: a field name, or an index in a tuple struct.
fn parse_member(
    meta: &ParseNestedMeta,
    key: &str,
    errors: &mut Errors,
) -> syn::Result<Option<Member>> {
    if !meta.input.peek(syn::Token![=]) {
        return Err(meta.error(format_args!(
            "`{key}` needs the name of the field holding the domain: `#[hazard({key} = field)]`"
        )));
    }
    let value = meta.value()?;
    if value.peek(LitStr) {
        let literal: LitStr = value.parse()?;
        errors.push(syn::Error::new_spanned(
            &literal,
            format_args!(
                "write the field name without quotes: `{key} = {}`",
                literal.value()
            ),
        ));
        return Ok(literal.parse::<Member>().ok());
    }
    value.parse::<Member>().map(Some).map_err(|error| {
        syn::Error::new(
            error.span(),
            format_args!("expected the field holding the domain: `{key} = field` or `{key} = 1`"),
        )
    })
}

/// `vis = pub`, `vis = pub(crate)`, …
fn parse_vis(meta: &ParseNestedMeta) -> syn::Result<Visibility> {
    if !meta.input.peek(syn::Token![=]) {
        return Err(meta.error("`vis` needs a visibility: `#[hazard(vis = pub)]`"));
    }
    let value = meta.value()?;
    let vis: Visibility = value.parse()?;
    if let Visibility::Inherited = vis {
        return Err(value.error(
            "expected a visibility, as in `vis = pub` or `vis = pub(crate)`; without `vis`, the \
             methods have the field's visibility",
        ));
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
    fn mistakes_keep_what_the_user_meant_for_the_fallback() {
        let (attr, error) = field(parse_quote!(#[hazard(rename = "routes", non_nul)]));
        let error = error.expect("two mistakes");
        assert!(error.contains("without quotes"), "{error}");
        assert!(error.contains("did you mean `non_null`"), "{error}");
        assert_eq!(attr.rename.unwrap(), "routes");
        assert!(
            attr.non_null,
            "the misspelt flag still counts for the fallback"
        );

        let (attr, error) = field(parse_quote!(#[hazard(rename = route table, vis = pub)]));
        assert!(error.unwrap().contains("write `rename = route_table`"));
        assert_eq!(attr.rename.unwrap(), "route_table");
        assert!(attr.vis.is_some(), "parsing goes on after a mistake");

        let (attr, error) = field(parse_quote!(#[hazard(rename = a, rename = b)]));
        assert!(error.unwrap().contains("duplicate `rename`"));
        assert_eq!(attr.rename.unwrap(), "a", "the first one is kept");

        let (attr, error) = field(parse_quote!(#[hazard(domain, bogus(1, 2), non_null)]));
        let error = error.unwrap();
        assert!(error.contains("`domain` needs the name"), "{error}");
        assert!(error.contains("unknown key `bogus`"), "{error}");
        assert!(attr.domain.is_none() && attr.domain_key.is_some());
        assert!(attr.non_null);
    }

    #[test]
    fn close_keys_are_suggested_and_distant_ones_are_not() {
        assert_eq!(closest("renam", FIELD_KEY_NAMES), Some("rename"));
        assert_eq!(closest("nonnull", FIELD_KEY_NAMES), Some("non_null"));
        assert_eq!(closest("domains", STRUCT_KEY_NAMES), Some("domain"));
        assert_eq!(closest("custom_dro", STRUCT_KEY_NAMES), Some("custom_drop"));
        assert_eq!(closest("drop", STRUCT_KEY_NAMES), Some("custom_drop"));
        assert_eq!(closest("null", FIELD_KEY_NAMES), Some("non_null"));
        assert_eq!(closest("frobnicate", STRUCT_KEY_NAMES), None);
        assert_eq!(
            closest("cat", FIELD_KEY_NAMES),
            None,
            "short words match no part"
        );
        assert_eq!(edit_distance("kitten", "sitting"), 3);
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
