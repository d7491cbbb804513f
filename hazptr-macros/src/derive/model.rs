//! Validates the input of `#[derive(HazardProtected)]` into what `expand` needs.

use std::collections::BTreeMap;

use proc_macro2::Span;
use quote::format_ident;
use syn::spanned::Spanned as _;
use syn::visit::Visit;
use syn::{
    Data, DeriveInput, Field, Fields, GenericArgument, Generics, Ident, Member, Path,
    PathArguments, Type, Visibility,
};

use super::attr::{self, FieldAttr};
use crate::errors::Errors;

/// A struct that derives `HazardProtected`, validated.
pub(crate) struct Model<'a> {
    pub(crate) input: &'a DeriveInput,
    /// The path to the hazptr crate (`::hazptr` unless `#[hazard(crate = …)]`).
    pub(crate) krate: Path,
    pub(crate) custom_drop: bool,
    pub(crate) fields: Vec<HazardField<'a>>,
}

/// One `#[hazard]` field.
pub(crate) struct HazardField<'a> {
    pub(crate) member: Member,
    /// The visibility of the generated methods.
    pub(crate) vis: Visibility,
    /// The field's declared type.
    pub(crate) ty: &'a Type,
    /// `T` of `AtomicPtr<T, F>`.
    pub(crate) pointee: Type,
    /// `F` of `AtomicPtr<T, F>`, when written.
    pub(crate) family: Option<Type>,
    /// What the method names end with; `None` for the bare names of a newtype.
    pub(crate) suffix: Option<Ident>,
    /// Where the generated method names point: the field name or the `rename` value.
    pub(crate) name_span: Span,
    pub(crate) non_null: bool,
    /// `#[hazard(links)]`: the linked-structure methods are generated too.
    pub(crate) links: bool,
    /// The field holding the struct's own domain, if the field uses one.
    pub(crate) domain: Option<DomainField<'a>>,
    /// Whether the pointee mentions a generic parameter of the struct: its bounds then go on the
    /// impl's `where` clause; a concrete pointee's are only checked (see `expand.rs`).
    pub(crate) generic_pointee: bool,
    /// Whether the family mentions a generic parameter of the struct.
    pub(crate) generic_family: bool,
}

/// The field holding a per-instance domain.
pub(crate) struct DomainField<'a> {
    pub(crate) member: Member,
    /// The domain field's type; `None` when `domain = …` names no usable field (an error is
    /// recorded, and only the fallback expansion, which never names the domain, is generated).
    pub(crate) ty: Option<&'a Type>,
}

impl HazardField<'_> {
    /// The name of the generated method with `prefix` (`load_protected`, …).
    pub(crate) fn method(&self, prefix: &str) -> Ident {
        match &self.suffix {
            // An explicit `Ident` argument (not `{suffix}` captured by `format!`) drops the `r#` of
            // a raw identifier: `r#type` gives `load_protected_type`.
            Some(suffix) => format_ident!("{prefix}_{}", suffix, span = self.name_span),
            None => Ident::new(prefix, self.name_span),
        }
    }

    /// `load_protected_{suffix}_with` (`load_protected_with` for a newtype): the load of a
    /// per-instance field that reuses a hazard pointer.
    pub(crate) fn reuse_method(&self) -> Ident {
        match &self.suffix {
            Some(suffix) => format_ident!("load_protected_{}_with", suffix, span = self.name_span),
            None => Ident::new("load_protected_with", self.name_span),
        }
    }

    /// How the field is named in messages and documentation: `` `config` `` or `` `0` ``.
    pub(crate) fn display_name(&self) -> String {
        display_member(&self.member)
    }
}

trait UnrawString {
    fn unraw_string(&self) -> String;
}

impl UnrawString for Ident {
    fn unraw_string(&self) -> String {
        use syn::ext::IdentExt as _;
        self.unraw().to_string()
    }
}

/// Validates `input`, recording every problem in `errors`. The model is as complete as the input
/// allows, so that a fallback expansion can still declare the methods of the fields that are fine.
pub(crate) fn build<'a>(input: &'a DeriveInput, errors: &mut Errors) -> Option<Model<'a>> {
    let fields = match &input.data {
        Data::Struct(data) => &data.fields,
        Data::Enum(data) => {
            errors.spanned(
                data.enum_token,
                format_args!(
                    "`HazardProtected` can only be derived for a struct, not an enum: to swap \
                     whole `{0}` values, derive it on a struct with a field \
                     `#[hazard] state: hazptr::AtomicPtr<{0}>`",
                    input.ident
                ),
            );
            return None;
        }
        Data::Union(data) => {
            errors.spanned(
                data.union_token,
                "`HazardProtected` can only be derived for a struct, not a union: a union cannot \
                 tell which of its fields holds a pointer to reclaim; use a struct whose \
                 `#[hazard]` fields are `hazptr::AtomicPtr<T>`",
            );
            return None;
        }
    };

    let struct_attr = attr::parse_struct(&input.attrs, errors);
    let field_attrs: Vec<FieldAttr> = fields
        .iter()
        .map(|field| attr::parse_field(&field.attrs, errors))
        .collect();
    let newtype = matches!(fields, Fields::Unnamed(unnamed) if unnamed.unnamed.len() == 1);
    let params = GenericNames::of(&input.generics);

    let mut model_fields = Vec::new();
    // Domain fields already reported, so that a struct-level `domain = …` shared by several
    // fields is reported once.
    let mut domains_reported = Vec::new();
    // Method-name suffix (or "" for bare names) -> the field that took it.
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    // Every generated method name -> the field it belongs to.
    let mut methods: BTreeMap<String, String> = BTreeMap::new();
    // Whether an unmarked `hazptr::AtomicPtr` field was reported (then "no field marked" would
    // only repeat it).
    let mut unmarked_reported = false;
    for (index, (field, field_attr)) in fields.iter().zip(&field_attrs).enumerate() {
        if field_attr.marker.is_none() {
            unmarked_reported |= check_unmarked_atomic_ptr(field, index, errors);
            continue;
        }
        let member = member_of(field, index);
        let (suffix, name_span) = match (&field_attr.rename, &field.ident) {
            (Some(rename), _) => (Some(rename.clone()), rename.span()),
            (None, Some(ident)) => (Some(ident.clone()), ident.span()),
            (None, None) if newtype => (None, field.ty.span()),
            (None, None) => {
                errors.spanned(
                    &field.ty,
                    format_args!(
                        "field {index} of a tuple struct needs a name for its methods: add \
                         `#[hazard(rename = name)]` to get `load_protected_name()`, …"
                    ),
                );
                (Some(format_ident!("_{index}")), field.ty.span())
            }
        };
        let key = suffix
            .as_ref()
            .map(UnrawString::unraw_string)
            .unwrap_or_default();
        let this = display_member(&member);
        let mut clashes = names.contains_key(&key);
        if let Some(first) = names.get(&key).cloned() {
            let at = field_attr.rename.as_ref().map_or(name_span, Ident::span);
            errors.push(syn::Error::new(
                at,
                format_args!(
                    "fields {first} and {this} would both generate `load_protected_{key}` and the \
                     other `…_{key}` methods: give one of them `#[hazard(rename = other_name)]`"
                ),
            ));
        } else {
            names.insert(key.clone(), this.clone());
            // Different suffixes can still produce one name: `head`'s
            // `load_protected_head_and_link` is `head_and_link`'s `load_protected_…`.
            let per_instance = field_attr.domain.is_some()
                || field_attr.domain_key.is_some()
                || struct_attr.domain.is_some()
                || struct_attr.domain_key.is_some();
            for method in generated_names(&key, per_instance, field_attr.links) {
                if let Some(first) = methods.insert(method.clone(), this.clone()) {
                    let at = field_attr.rename.as_ref().map_or(name_span, Ident::span);
                    errors.push(syn::Error::new(
                        at,
                        format_args!(
                            "fields {first} and {this} would both generate `{method}`: give one \
                             of them `#[hazard(rename = other_name)]`"
                        ),
                    ));
                    clashes = true;
                    break;
                }
            }
        }

        let wanted = match (&field_attr.domain, field_attr.domain_key) {
            (Some(domain), _) => Some(domain),
            (None, Some(_)) => None,
            (None, None) => struct_attr.domain.as_ref(),
        };
        let domain = match wanted {
            Some(_) => resolve_domain(
                wanted,
                fields,
                &field_attrs,
                &member,
                errors,
                &mut domains_reported,
            ),
            // A malformed `domain` key, already reported: the fallback still declares the
            // per-instance signatures the user meant.
            None => field_attr
                .domain_key
                .or(struct_attr.domain_key)
                .map(|span| DomainField {
                    member: Member::Named(Ident::new("domain", span)),
                    ty: None,
                }),
        };
        if last_segment_args(&field.ty, "AtomicPtr")
            .is_some_and(|args| args.is_empty() || args.len() > 2)
        {
            // `AtomicPtr` without `<T>`, or with more than `<T, F>`: rustc reports it (E0107, with
            // the fix); a second error here would only repeat it.
            continue;
        }
        // A `Box<T>` or std `AtomicPtr<T>` is reported, and still declared with pointee `T` in
        // the fallback, so that calls to its methods add nothing to the report.
        let Some((pointee, family)) = errors
            .ok(atomic_ptr_args(&field.ty))
            .or_else(|| intended_pointee(&field.ty).map(|pointee| (pointee.clone(), None)))
        else {
            continue;
        };
        check_no_borrow(&pointee, domain.is_some(), errors);
        if let Some(DomainField {
            member: domain_member,
            ty: Some(domain_ty),
        }) = &domain
        {
            check_same_family(
                &member,
                &field.ty,
                family.as_ref(),
                domain_member,
                domain_ty,
                errors,
            );
        }
        let generic_pointee = params.mentioned_in(&pointee);
        let generic_family = family.as_ref().is_some_and(|f| params.mentioned_in(f));
        if clashes {
            // Its methods would be defined twice: the fallback declares the first field's only.
            continue;
        }
        model_fields.push(HazardField {
            member,
            vis: field_attr.vis.clone().unwrap_or_else(|| field.vis.clone()),
            ty: &field.ty,
            pointee,
            family,
            suffix,
            name_span,
            non_null: field_attr.non_null,
            links: field_attr.links,
            domain,
            generic_pointee,
            generic_family,
        });
    }

    if !unmarked_reported && field_attrs.iter().all(|attr| attr.marker.is_none()) {
        errors.spanned(
            &input.ident,
            format_args!(
                "`{}` has no field marked `#[hazard]`: mark each `hazptr::AtomicPtr` field \
                 whose values the derive should protect and reclaim",
                input.ident
            ),
        );
    }

    Some(Model {
        input,
        krate: struct_attr
            .krate
            .unwrap_or_else(|| syn::parse_quote!(::hazptr)),
        custom_drop: struct_attr.custom_drop,
        fields: model_fields,
    })
}

/// A field spelled `AtomicPtr<…>` (or `hazptr::AtomicPtr<…>`, any path whose last segment is
/// `AtomicPtr` and that does not start at `std`, `core` or `alloc`) but not marked `#[hazard]`
/// would keep its values out of the derive: no method could read or replace them (the field's own
/// drop would free the last one at once), which is never what its author meant. Records an error
/// at the field and returns whether it did.
///
/// The derive sees only spellings: a std `AtomicPtr` imported with `use` looks the same, so the
/// message gives that case's fix too (its full path, which this check leaves alone).
fn check_unmarked_atomic_ptr(field: &Field, index: usize, errors: &mut Errors) -> bool {
    let Type::Path(path) = ungroup(&field.ty) else {
        return false;
    };
    if path.qself.is_some() {
        return false;
    }
    let segments = &path.path.segments;
    let Some(last) = segments.last() else {
        return false;
    };
    if last.ident != "AtomicPtr" {
        return false;
    }
    let first = &segments[0].ident;
    if segments.len() > 1 && (first == "std" || first == "core" || first == "alloc") {
        return false;
    }
    let pointee = last_segment_args(&field.ty, "AtomicPtr")
        .and_then(|args| args.first().map(|pointee| shown(*pointee)))
        .unwrap_or_else(|| "T".to_owned());
    let name = display_member(&member_of(field, index));
    let ty = &field.ty;
    let at = match &field.ident {
        Some(ident) => quote::quote!(#ident: #ty),
        None => quote::quote!(#ty),
    };
    // Spelled through `hazptr`, it cannot be std's: the second fix would only distract.
    let other_fix = if segments.len() > 1 && first == "hazptr" {
        String::new()
    } else {
        format!(
            ", or, if it is not hazptr's `AtomicPtr` (std's imported as `AtomicPtr`), write its \
             full path `std::sync::atomic::AtomicPtr<{pointee}>`"
        )
    };
    errors.spanned(
        at,
        format_args!(
            "field {name} is a `hazptr::AtomicPtr` without `#[hazard]`: the derive would generate \
             no method to read or replace its value; mark it `#[hazard]` (so its values are \
             protected when read, and retired when replaced){other_fix}"
        ),
    );
    true
}

/// The names of the methods generated for a field whose names end with `suffix` (`""` for the
/// bare names of a newtype); `expand` generates exactly these.
pub(crate) fn generated_names(suffix: &str, per_instance: bool, links: bool) -> Vec<String> {
    const PREFIXES: [&str; 5] = [
        "load_protected",
        "swap_and_retire",
        "compare_exchange_and_retire",
        "update",
        "clear_and_retire",
    ];
    let name = |prefix: &str, ending: &str| match (suffix.is_empty(), ending.is_empty()) {
        (true, true) => prefix.to_owned(),
        (true, false) => format!("{prefix}_{ending}"),
        (false, true) => format!("{prefix}_{suffix}"),
        (false, false) => format!("{prefix}_{suffix}_{ending}"),
    };
    let mut names: Vec<String> = PREFIXES.iter().map(|prefix| name(prefix, "")).collect();
    if links {
        // `link_methods` in expand.rs.
        names.push(name("compare_exchange_without_retire", ""));
        names.push(name("compare_exchange_ptr_and_retire", ""));
        names.push(name("load_protected", "and_link"));
    }
    if per_instance {
        // `reuse_methods` in expand.rs.
        names.push(name("hazard_pointer", ""));
        names.push(name("load_protected", "with"));
    }
    names
}

fn member_of(field: &Field, index: usize) -> Member {
    match &field.ident {
        Some(ident) => Member::Named(ident.clone()),
        None => Member::Unnamed(syn::Index {
            index: u32::try_from(index).unwrap_or(u32::MAX),
            span: field.ty.span(),
        }),
    }
}

pub(crate) fn display_member(member: &Member) -> String {
    match member {
        Member::Named(ident) => format!("`{}`", ident.unraw_string()),
        Member::Unnamed(index) => format!("`{}`", index.index),
    }
}

/// Finds the field named by `domain = …`, which must exist, not itself be `#[hazard]`, and hold
/// a domain by value. On a mistake, records it (once per domain field) and still returns the
/// named member, so that the fallback declares the methods with per-instance signatures.
fn resolve_domain<'a>(
    domain: Option<&Member>,
    fields: &'a Fields,
    attrs: &[FieldAttr],
    this: &Member,
    errors: &mut Errors,
    reported: &mut Vec<String>,
) -> Option<DomainField<'a>> {
    let wanted = domain?;
    let mut report = |errors: &mut Errors, at: &dyn quote::ToTokens, message: String| {
        let key = format!("{} {message}", display_member(wanted));
        if !reported.contains(&key) {
            errors.spanned(at.to_token_stream(), message);
            reported.push(key);
        }
    };
    let unresolved = || DomainField {
        member: wanted.clone(),
        ty: None,
    };
    let found = fields
        .iter()
        .enumerate()
        .find(|(index, field)| same_member(&member_of(field, *index), wanted));
    let Some((index, field)) = found else {
        let names: Vec<String> = fields
            .iter()
            .enumerate()
            .filter(|(index, _)| attrs[*index].marker.is_none())
            .map(|(index, field)| display_member(&member_of(field, index)))
            .collect();
        let candidates = if names.is_empty() {
            "add a field `dom: hazptr::Domain<Family>` and name it".to_owned()
        } else {
            format!("the fields that could hold it: {}", names.join(", "))
        };
        report(
            errors,
            wanted,
            format!(
                "no field {} in this struct: `domain = …` names the field that holds the \
                 `hazptr::Domain`; {candidates}",
                display_member(wanted)
            ),
        );
        return Some(unresolved());
    };
    if attrs[index].marker.is_some() {
        let message = if same_member(wanted, this) {
            format!(
                "field {} cannot be its own domain: `domain = …` names another field, one that \
                 holds a `hazptr::Domain<Family>`",
                display_member(wanted)
            )
        } else {
            format!(
                "field {} is a `#[hazard]` field, so it cannot also be the domain: `domain = …` \
                 names a field that holds a `hazptr::Domain<Family>`",
                display_member(wanted)
            )
        };
        report(errors, wanted, message);
        return Some(unresolved());
    }
    if let Some(problem) = not_an_owned_domain(&field.ty) {
        report(
            errors,
            &field.ty,
            format!(
                "field {} holds the domain of `#[hazard(domain = {})]`, so it must be a \
                 `hazptr::Domain<Family>` held by value (`Domain::new(&Family)`), not {problem}",
                display_member(wanted),
                display_member(wanted).trim_matches('`'),
            ),
        );
        return Some(unresolved());
    }
    Some(DomainField {
        member: wanted.clone(),
        ty: Some(&field.ty),
    })
}

/// Why `ty` is visibly not a `Domain` held by value, when that can be told from its spelling
/// (other types are left to the `OwnedDomain` check, which sees through aliases).
fn not_an_owned_domain(ty: &Type) -> Option<String> {
    let shown = shown(ty);
    match ungroup(ty) {
        Type::Reference(_) | Type::Ptr(_) => Some(format!(
            "a pointer (`{shown}`): a domain shared through a pointer could be dropped, with the \
             values retired into it, while this struct still protects through it; for a domain \
             shared by many structs, use `hazptr::static_unique_domain!` and no `domain = …`"
        )),
        Type::Tuple(_) | Type::Array(_) | Type::Slice(_) | Type::Never(_) => {
            Some(format!("`{shown}`"))
        }
        Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last()?;
            let name = last.ident.to_string();
            let not_domain = matches!(
                name.as_str(),
                "u8" | "u16"
                    | "u32"
                    | "u64"
                    | "u128"
                    | "usize"
                    | "i8"
                    | "i16"
                    | "i32"
                    | "i64"
                    | "i128"
                    | "isize"
                    | "bool"
                    | "char"
                    | "f32"
                    | "f64"
                    | "str"
                    | "String"
                    | "Vec"
                    | "Option"
                    | "AtomicPtr"
                    | "HazardPointer"
            );
            let pointer = matches!(name.as_str(), "Box" | "Arc" | "Rc" | "Weak");
            if pointer {
                Some(format!(
                    "a pointer (`{shown}`): the domain must live in the struct itself, so that \
                     it is dropped with the struct, after the values retired into it"
                ))
            } else if not_domain {
                Some(format!("`{shown}`"))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// A field of a per-instance domain has the domain's family: `AtomicPtr<T, F>` with
/// `Domain<F>`. Reported here when the spelling shows a difference (else the mismatch would be
/// reported by every generated method); aliases are left to the compiler.
fn check_same_family(
    member: &Member,
    field_ty: &Type,
    family: Option<&Type>,
    domain_member: &Member,
    domain_ty: &Type,
    errors: &mut Errors,
) {
    let Some(domain_family) =
        last_segment_args(domain_ty, "Domain").and_then(|args| match args.as_slice() {
            [family] => Some(*family),
            _ => None,
        })
    else {
        return;
    };
    let written = family.map_or_else(|| "Global".to_owned(), family_name);
    let wanted = family_name(domain_family);
    if written == wanted {
        return;
    }
    let pointee = last_segment_args(field_ty, "AtomicPtr")
        .and_then(|args| args.first().map(|pointee| shown(*pointee)))
        .unwrap_or_else(|| "T".to_owned());
    let implicit = if family.is_none() {
        " (a field without a family is of the `Global` family)"
    } else {
        ""
    };
    let at: &dyn quote::ToTokens = match family {
        Some(family) => family,
        None => field_ty,
    };
    errors.spanned(
        at.to_token_stream(),
        format_args!(
            "field {} is of family `{written}`{implicit}, but its domain, field {}, is a \
             `{}`: write `AtomicPtr<{pointee}, {}>`",
            display_member(member),
            display_member(domain_member),
            shown(domain_ty),
            shown(domain_family),
        ),
    );
}

/// The type arguments of `ty` when its last path segment is `name`.
fn last_segment_args<'t>(ty: &'t Type, name: &str) -> Option<Vec<&'t Type>> {
    let Type::Path(path) = ungroup(ty) else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return Some(Vec::new());
    };
    Some(
        args.args
            .iter()
            .filter_map(|arg| match arg {
                GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect(),
    )
}

/// A family as compared: the last path segment with its arguments (`hazptr::Global` and
/// `Global` are the same), or the whole type (`()`).
fn family_name(ty: &Type) -> String {
    match ungroup(ty) {
        Type::Path(path) if path.qself.is_none() => {
            path.path.segments.last().map_or_else(|| shown(ty), shown)
        }
        other => shown(other),
    }
}

/// A type as the user wrote it, for messages: `Box<String>`, not `Box < String >`.
pub(crate) fn shown(ty: &impl quote::ToTokens) -> String {
    let mut out = ty.to_token_stream().to_string();
    for (from, to) in [
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        (" ,", ","),
        (" :: ", "::"),
        (":: ", "::"),
        ("& '", "&'"),
        ("& ", "&"),
        ("* const ", "*const "),
        ("* mut ", "*mut "),
        (" ;", ";"),
        ("[ ", "["),
        (" ]", "]"),
        ("( ", "("),
        (" )", ")"),
    ] {
        out = out.replace(from, to);
    }
    out
}

fn same_member(a: &Member, b: &Member) -> bool {
    match (a, b) {
        (Member::Named(a), Member::Named(b)) => a.unraw_string() == b.unraw_string(),
        (Member::Unnamed(a), Member::Unnamed(b)) => a.index == b.index,
        _ => false,
    }
}

/// `T` and, when written, `F` of a field spelled `AtomicPtr<T>` or `AtomicPtr<T, F>`.
fn atomic_ptr_args(ty: &Type) -> syn::Result<(Type, Option<Type>)> {
    let not_atomic_ptr = || {
        let shown = shown(ty);
        let hint = match boxed_pointee(ty) {
            Some(inner) => format!(
                ": a `Box` cannot be replaced while other threads read it; use \
                 `hazptr::AtomicPtr<{}>`, whose value is replaced by `swap_and_retire_…`",
                self::shown(inner)
            ),
            None => ": mark only the fields whose values are swapped and reclaimed, each a \
                     `hazptr::AtomicPtr<T>`, and leave the others unmarked"
                .to_owned(),
        };
        syn::Error::new_spanned(
            ty,
            format!(
                "`#[hazard]` needs a field of type `hazptr::AtomicPtr<T>`, not `{shown}`{hint}"
            ),
        )
    };
    let Type::Path(path) = ungroup(ty) else {
        return Err(not_atomic_ptr());
    };
    if path.qself.is_some() {
        return Err(not_atomic_ptr());
    }
    let Some(last) = path.path.segments.last() else {
        return Err(not_atomic_ptr());
    };
    if last.ident != "AtomicPtr" {
        return Err(not_atomic_ptr());
    }
    let first = &path.path.segments[0].ident;
    if path.path.segments.len() > 1 && (first == "std" || first == "core") {
        return Err(syn::Error::new_spanned(
            ty,
            "`#[hazard]` needs a `hazptr::AtomicPtr<T>`, not a `std::sync::atomic::AtomicPtr`: \
             the owner of a std `AtomicPtr`'s pointee is unknown, so hazptr could neither retire \
             a replaced value nor free the last one on drop; use `hazptr::AtomicPtr<T>`, which \
             owns its value as a `Box<T>`",
        ));
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return Err(syn::Error::new_spanned(
            ty,
            "write the pointee type: `AtomicPtr<T>`, or `AtomicPtr<T, Family>` for a domain \
             family other than the global one",
        ));
    };
    let types: Vec<&Type> = args
        .args
        .iter()
        .filter_map(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })
        .collect();
    match types.as_slice() {
        [pointee] => Ok(((*pointee).clone(), None)),
        [pointee, family] => Ok(((*pointee).clone(), Some((*family).clone()))),
        // More than two are rustc's E0107, and the model skips such a field (see `build`).
        _ => Err(syn::Error::new_spanned(
            args,
            "write the pointee type: `AtomicPtr<T>`",
        )),
    }
}

fn ungroup(mut ty: &Type) -> &Type {
    loop {
        match ty {
            Type::Group(group) => ty = &group.elem,
            Type::Paren(paren) => ty = &paren.elem,
            _ => return ty,
        }
    }
}

/// `T` of a field spelled `Box<T>` or `…::AtomicPtr<T>` that is not a `hazptr::AtomicPtr`.
fn intended_pointee(ty: &Type) -> Option<&Type> {
    boxed_pointee(ty)
        .or_else(|| last_segment_args(ty, "AtomicPtr").and_then(|args| args.first().copied()))
}

/// `T` of a type spelled `Box<T>`, for the hint on a boxed field.
fn boxed_pointee(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ungroup(ty) else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Box" {
        return None;
    }
    match &last.arguments {
        PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty),
            _ => None,
        }),
        _ => None,
    }
}

/// A retired value may be dropped at any later time, so it may not borrow: reports each lifetime
/// other than `'static` in the pointee. A static domain outlives every borrow; a per-instance
/// domain can too, because safe code can move it out of its struct (`mem::replace`) and keep it.
fn check_no_borrow(pointee: &Type, instance_domain: bool, errors: &mut Errors) {
    struct Lifetimes<'e> {
        pointee: String,
        instance_domain: bool,
        errors: &'e mut Errors,
    }
    impl<'ast> Visit<'ast> for Lifetimes<'_> {
        fn visit_lifetime(&mut self, lifetime: &'ast syn::Lifetime) {
            if lifetime.ident == "static" {
                return;
            }
            let pointee = &self.pointee;
            let message = if self.instance_domain {
                format!(
                    "`{pointee}` borrows for `{lifetime}`, but a retired value is dropped by the \
                     struct's domain, which safe code can move out of the struct \
                     (`mem::replace`) and drop after `{lifetime}` has ended (a use-after-free): \
                     store owned (`'static`) data"
                )
            } else {
                format!(
                    "`{pointee}` borrows for `{lifetime}`, but a value retired into a static \
                     domain may be dropped after `{lifetime}` has ended (a use-after-free): store \
                     owned (`'static`) data"
                )
            };
            self.errors.spanned(lifetime, message);
        }
    }
    Lifetimes {
        pointee: shown(pointee),
        instance_domain,
        errors,
    }
    .visit_type(pointee);
}

/// The names of a struct's generic parameters.
struct GenericNames(Vec<String>);

impl GenericNames {
    fn of(generics: &Generics) -> Self {
        Self(
            generics
                .params
                .iter()
                .map(|param| match param {
                    syn::GenericParam::Type(ty) => ty.ident.to_string(),
                    syn::GenericParam::Const(konst) => konst.ident.to_string(),
                    syn::GenericParam::Lifetime(lifetime) => lifetime.lifetime.to_string(),
                })
                .collect(),
        )
    }

    /// Whether `ty` may name one of the parameters: types and consts by identifier, lifetimes
    /// by name, and `Self` or a macro, which may expand to any of them. Erring towards "yes" is
    /// safe: a generic pointee is bounded by a `where` clause, a concrete one only checked.
    fn mentioned_in(&self, ty: &Type) -> bool {
        struct Finder<'n> {
            names: &'n [String],
            found: bool,
        }
        impl<'ast> Visit<'ast> for Finder<'_> {
            fn visit_ident(&mut self, ident: &'ast Ident) {
                self.found |= ident == "Self" || self.names.iter().any(|name| ident == name);
            }
            fn visit_macro(&mut self, _: &'ast syn::Macro) {
                self.found = true;
            }
            fn visit_lifetime(&mut self, lifetime: &'ast syn::Lifetime) {
                let name = lifetime.to_string();
                self.found |= self.names.contains(&name);
            }
        }
        if self.0.is_empty() {
            return false;
        }
        let mut finder = Finder {
            names: &self.0,
            found: false,
        };
        finder.visit_type(ty);
        finder.found
    }
}
