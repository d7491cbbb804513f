//! Validates the input of `#[derive(HazardProtected)]` into what `expand` needs.

use std::collections::BTreeMap;

use proc_macro2::Span;
use quote::{ToTokens as _, format_ident};
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
    /// The field holding the struct's own domain, if the field uses one.
    pub(crate) domain: Option<DomainField<'a>>,
    /// Whether the pointee or family mentions a generic parameter of the struct.
    pub(crate) generic: bool,
}

/// The field holding a per-instance domain.
pub(crate) struct DomainField<'a> {
    pub(crate) member: Member,
    pub(crate) ty: &'a Type,
}

impl HazardField<'_> {
    /// The name of the generated method with `prefix` (`load_protected`, …).
    pub(crate) fn method(&self, prefix: &str) -> Ident {
        match &self.suffix {
            Some(suffix) => format_ident!("{prefix}_{suffix}", span = self.name_span),
            None => Ident::new(prefix, self.name_span),
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
                "`HazardProtected` can only be derived for a struct: put the \
                 `hazptr::AtomicPtr` in a struct field marked `#[hazard]`",
            );
            return None;
        }
        Data::Union(data) => {
            errors.spanned(
                data.union_token,
                "`HazardProtected` can only be derived for a struct, not a union: a union cannot \
                 tell which of its fields holds a pointer to reclaim",
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
    // Method-name suffix (or "" for bare names) -> the field that took it.
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for (index, (field, field_attr)) in fields.iter().zip(&field_attrs).enumerate() {
        if field_attr.marker.is_none() {
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
        if let Some(first) = names.insert(key.clone(), this.clone()) {
            let at = field_attr.rename.as_ref().map_or(name_span, Ident::span);
            errors.push(syn::Error::new(
                at,
                format_args!(
                    "fields {first} and {this} would both generate `load_protected_{key}` and the \
                     other `…_{key}` methods: give one of them `#[hazard(rename = other_name)]`"
                ),
            ));
        }

        let domain = resolve_domain(
            field_attr.domain.as_ref().or(struct_attr.domain.as_ref()),
            fields,
            &field_attrs,
            &member,
            errors,
        );
        let Some((pointee, family)) = errors.ok(atomic_ptr_args(&field.ty)) else {
            continue;
        };
        if domain.is_none() {
            check_no_borrow(&pointee, errors);
        }
        let generic = params.mentioned_in(&pointee)
            || family.as_ref().is_some_and(|f| params.mentioned_in(f));
        model_fields.push(HazardField {
            member,
            vis: field_attr.vis.clone().unwrap_or_else(|| field.vis.clone()),
            ty: &field.ty,
            pointee,
            family,
            suffix,
            name_span,
            non_null: field_attr.non_null,
            domain,
            generic,
        });
    }

    if field_attrs.iter().all(|attr| attr.marker.is_none()) {
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

fn member_of(field: &Field, index: usize) -> Member {
    match &field.ident {
        Some(ident) => Member::Named(ident.clone()),
        None => Member::Unnamed(syn::Index {
            index: u32::try_from(index).unwrap_or(u32::MAX),
            span: field.ty.span(),
        }),
    }
}

fn display_member(member: &Member) -> String {
    match member {
        Member::Named(ident) => format!("`{}`", ident.unraw_string()),
        Member::Unnamed(index) => format!("`{}`", index.index),
    }
}

/// Finds the field named by `domain = …`, which must exist and not itself be `#[hazard]`.
fn resolve_domain<'a>(
    domain: Option<&Member>,
    fields: &'a Fields,
    attrs: &[FieldAttr],
    this: &Member,
    errors: &mut Errors,
) -> Option<DomainField<'a>> {
    let wanted = domain?;
    let found = fields
        .iter()
        .enumerate()
        .find(|(index, field)| same_member(&member_of(field, *index), wanted));
    match found {
        None => {
            errors.spanned(
                wanted,
                format_args!(
                    "no field {} in this struct: `domain = …` names the field that holds the \
                     `hazptr::Domain`",
                    display_member(wanted)
                ),
            );
            None
        }
        Some((index, _)) if attrs[index].marker.is_some() => {
            let message = if same_member(wanted, this) {
                format!(
                    "field {} cannot be its own domain: `domain = …` names the field that holds \
                     the `hazptr::Domain`",
                    display_member(wanted)
                )
            } else {
                format!(
                    "field {} is a `#[hazard]` field, so it cannot also be the domain: \
                     `domain = …` names the field that holds the `hazptr::Domain`",
                    display_member(wanted)
                )
            };
            errors.spanned(wanted, message);
            None
        }
        Some((_, field)) => Some(DomainField {
            member: wanted.clone(),
            ty: &field.ty,
        }),
    }
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
        let shown = ty.to_token_stream().to_string();
        let hint = match boxed_pointee(ty) {
            Some(inner) => format!(
                "; a `Box` cannot be replaced while other threads read it: use \
                 `hazptr::AtomicPtr<{}>`",
                inner.to_token_stream()
            ),
            None => String::new(),
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
             a std `AtomicPtr` does not say who owns what it points to, so the old value could \
             be neither retired on replace nor freed on drop; `hazptr::AtomicPtr<T>` owns its \
             value as a `Box<T>`",
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
        [_, _, holder, ..] => Err(syn::Error::new_spanned(
            holder,
            "a `#[hazard]` field owns its value as a `Box<T>`: remove the third type parameter \
             of `AtomicPtr`",
        )),
        [] => Err(syn::Error::new_spanned(
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

/// A value retired into a static domain may be dropped at any later time, so it may not borrow:
/// reports each lifetime other than `'static` in the pointee.
fn check_no_borrow(pointee: &Type, errors: &mut Errors) {
    struct Lifetimes<'e> {
        pointee: String,
        errors: &'e mut Errors,
    }
    impl<'ast> Visit<'ast> for Lifetimes<'_> {
        fn visit_lifetime(&mut self, lifetime: &'ast syn::Lifetime) {
            if lifetime.ident != "static" {
                self.errors.spanned(
                    lifetime,
                    format_args!(
                        "`{}` borrows for `{lifetime}`, but a value retired into a static domain \
                         may be dropped after `{lifetime}` has ended (a use-after-free): store \
                         owned (`'static`) data, or give the struct its own domain with \
                         `#[hazard(domain = field)]`",
                        self.pointee
                    ),
                );
            }
        }
    }
    Lifetimes {
        pointee: pointee.to_token_stream().to_string().replace("& ", "&"),
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

    /// Whether `ty` names one of the parameters (types and consts by identifier, lifetimes by
    /// name).
    fn mentioned_in(&self, ty: &Type) -> bool {
        struct Finder<'n> {
            names: &'n [String],
            found: bool,
        }
        impl<'ast> Visit<'ast> for Finder<'_> {
            fn visit_ident(&mut self, ident: &'ast Ident) {
                self.found |= self.names.iter().any(|name| ident == name);
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
