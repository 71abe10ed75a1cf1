//! The `models` module.

use super::{doc, doc_attrs, ident, plain_attrs, ty_tokens, Ctx};
use crate::model::{ExternalVariant, Field, TaggedVariant, TypeDef, TypeKind, Variant};
use proc_macro2::TokenStream;
use quote::quote;

/// The items of `types` (a slice of the model types), and whether they use
/// the runtime (`rt ::` in their text: the `models` module then imports it).
pub(super) fn model_items(types: &[TypeDef], derives: &[String]) -> (TokenStream, bool) {
    let extra = super::derive_paths(derives);
    let items: Vec<TokenStream> = types.iter().map(|t| type_def(t, &extra)).collect();
    let body = quote!(#(#items)*);
    // Import the runtime only when a model uses it (no unused import).
    let uses_rt = super::uses_path(&body, "rt");
    (body, uses_rt)
}

fn type_def(t: &TypeDef, extra: &TokenStream) -> TokenStream {
    let name = ident(&t.name);
    // A component whose Rust name differs from its key says which it is; an
    // inline type's pointer is already in its doc or in `API.md`.
    // "The `Key` schema." is what the model says of a schema the document
    // leaves undescribed (API.md lists it); in code it would only repeat
    // the name, so it is left out, as the filler of fields is.
    let filler = t
        .origin
        .iter()
        .any(|k| t.doc == format!("The `{k}` schema."));
    let text = if filler { "" } else { t.doc.as_str() };
    let d = match t.spec_note() {
        Some(note) if !t.origin.iter().any(|o| o.starts_with('#')) => {
            doc(&format!("{text}\n\n{note}"))
        }
        _ => doc(text),
    };
    match &t.kind {
        TypeKind::Alias(ty) => {
            let ty = ty_tokens(ty, Ctx::Models);
            quote! {
                #d
                pub type #name = #ty;
            }
        }
        TypeKind::Struct { fields, closed } => struct_def(&name, &d, fields, *closed, extra),
        TypeKind::StringEnum {
            variants,
            default,
            docs,
        } => string_enum(&name, &d, variants, *default, docs),
        TypeKind::OneOf {
            variants,
            discriminator,
        } => one_of(&t.name, &name, &d, variants, discriminator.as_ref(), extra),
        TypeKind::TaggedUnion {
            tag,
            variants,
            closed,
        } => {
            // What the enum does with a tag it does not know is part of its
            // contract: said once, on the type.
            let d = doc(&format!("{}\n\n{}", t.doc, tagged_note(tag, *closed)));
            tagged_union(&name, &d, tag, variants, *closed, extra)
        }
        TypeKind::ExternalUnion { variants } => {
            let d = doc(&format!("{}\n\n{EXTERNAL_NOTE}", t.doc));
            external_union(&name, &d, variants, extra)
        }
    }
}

/// The paragraph an externally tagged union's documentation ends with.
const EXTERNAL_NOTE: &str = "Written as an object with one property, whose name says the \
    variant (`{\"name\": value}`). A property name that this version of the spec does not list, \
    or a second property, is an error.";

/// The paragraph a tagged union's documentation ends with.
fn tagged_note(tag: &str, closed: bool) -> String {
    let unknown = crate::model::UNKNOWN_VARIANT;
    format!(
        "Told apart by the `{tag}` property: each variant is one of its values. \
         A value of `{tag}` that this version of the spec does not list decodes as \
         [`Self::{unknown}`], without its other properties, and serializing \
         `{unknown}` is an error (there is nothing faithful to write); a listed \
         value whose other properties do not fit its variant is an error{}.",
        if closed {
            ", and so is a property no variant declares"
        } else {
            ""
        }
    )
}

fn struct_def(
    name: &syn::Ident,
    d: &TokenStream,
    fields: &[Field],
    closed: bool,
    extra: &TokenStream,
) -> TokenStream {
    let all_optional = fields.iter().all(|f| f.optional);
    let derive_default = if all_optional {
        quote!(Default,)
    } else {
        quote!()
    };
    let camel = camel_case_fits(fields);
    let container = match (camel, closed) {
        (true, true) => quote!(#[serde(rename_all = "camelCase", deny_unknown_fields)]),
        (true, false) => quote!(#[serde(rename_all = "camelCase")]),
        (false, true) => quote!(#[serde(deny_unknown_fields)]),
        (false, false) => quote!(),
    };
    let fields = field_defs(fields, camel, quote!(pub));
    quote! {
        #d
        #[derive(Debug, Clone, #extra #derive_default ::serde::Serialize, ::serde::Deserialize)]
        #container
        pub struct #name {
            #(#fields)*
        }
    }
}

/// Whether `rename_all = "camelCase"` names more of `fields` right than
/// their Rust names do as they are (only the others then get their own
/// `rename`).
fn camel_case_fits(fields: &[Field]) -> bool {
    let named = || fields.iter().filter(|f| !f.flatten);
    let camel_hits = named().filter(|f| serde_camel(&f.rust) == f.wire).count();
    let same_hits = named().filter(|f| f.rust == f.wire).count();
    camel_hits > same_hits
}

/// The fields of a struct or of a struct variant, with their serde
/// attributes (`camel`: the container renames to camelCase); `vis` is `pub`
/// for a struct and empty for a variant (whose fields are public already).
fn field_defs<'f>(
    fields: &'f [Field],
    camel: bool,
    vis: TokenStream,
) -> impl Iterator<Item = TokenStream> + 'f {
    fields.iter().map(move |f| {
        let fname = ident(&f.rust);
        let wire = &f.wire;
        // A struct variant's fields may be printed on one line, where a
        // marker would stay inline (see `doc_text`).
        let fd = if vis.is_empty() {
            plain_attrs(&crate::docs::doc_lines(&f.doc))
        } else {
            doc(&f.doc)
        };
        let ty = ty_tokens(&f.ty, Ctx::Models);
        let implied = if camel {
            serde_camel(&f.rust)
        } else {
            f.rust.clone()
        };
        let rename = if implied == *wire {
            quote!()
        } else {
            quote!(rename = #wire,)
        };
        let attr = if f.flatten {
            quote!(#[serde(flatten)])
        } else if f.skip_none {
            quote!(#[serde(#rename default, skip_serializing_if = "Option::is_none")])
        } else if f.optional {
            quote!(#[serde(#rename default)])
        } else if rename.is_empty() {
            quote!()
        } else {
            quote!(#[serde(rename = #wire)])
        };
        quote! {
            #fd
            #attr
            #vis #fname: #ty,
        }
    })
}

/// A [`TypeKind::TaggedUnion`]: serde's internally tagged enum, each
/// alternative a struct variant, and `Unknown` for a tag value no variant
/// has. `#[serde(other)]` makes `Unknown` take any such value (an error
/// would make one new kind of item in a list fail the whole response);
/// `skip_serializing` makes writing it an error instead of a document
/// without the tag the receiver needs.
fn tagged_union(
    name: &syn::Ident,
    d: &TokenStream,
    tag: &str,
    variants: &[TaggedVariant],
    closed: bool,
    extra: &TokenStream,
) -> TokenStream {
    let container = if closed {
        quote!(#[serde(tag = #tag, deny_unknown_fields)])
    } else {
        quote!(#[serde(tag = #tag)])
    };
    let defs = variants.iter().map(|v| {
        let vn = ident(&v.name);
        let vd = doc(&v.doc);
        let wire = &v.wire;
        let camel = camel_case_fits(&v.fields);
        let rename = if v.name == *wire {
            quote!()
        } else {
            quote!(rename = #wire,)
        };
        let attr = match (rename.is_empty(), camel) {
            (true, false) => quote!(),
            (_, true) => quote!(#[serde(#rename rename_all = "camelCase")]),
            (false, false) => quote!(#[serde(rename = #wire)]),
        };
        let fields = field_defs(&v.fields, camel, quote!());
        quote! {
            #vd
            #attr
            #vn { #(#fields)* },
        }
    });
    let unknown = ident(crate::model::UNKNOWN_VARIANT);
    let unknown_doc = doc_attrs(vec![format!(
        "A value of `{tag}` that this version of the spec does not list (the other properties are not kept). Serializing it is an error."
    )]);
    let names = variants.iter().map(|v| v.name.as_str());
    let allow = enum_allow(name, names.chain([crate::model::UNKNOWN_VARIANT]), true);
    quote! {
        #d
        #[derive(Debug, Clone, #extra ::serde::Serialize, ::serde::Deserialize)]
        #container
        #allow
        #[non_exhaustive]
        pub enum #name {
            #(#defs)*
            #unknown_doc
            #[serde(other, skip_serializing)]
            #unknown,
        }
    }
}

/// The `#[allow]` of a generated enum: `large_enum_variant` where the
/// variants hold payloads (their sizes are the document's), and
/// `enum_variant_names` where the variant names, which come from the
/// document, could trip that lint in the user's `cargo clippy` (a name that
/// starts or ends with the enum's, or three or more sharing their first or
/// last word: `OtherSpeed` in `Speed`, `NotFoundError`/`TimeoutError`/...).
fn enum_allow<'v>(
    name: &syn::Ident,
    variants: impl Iterator<Item = &'v str>,
    payloads: bool,
) -> TokenStream {
    let names: Vec<&str> = variants.collect();
    let enum_name = name.to_string();
    let words = |v: &'v str| -> (&'v str, &'v str) {
        let starts: Vec<usize> = v
            .char_indices()
            .filter(|(i, c)| *i == 0 || c.is_ascii_uppercase())
            .map(|(i, _)| i)
            .collect();
        let first_end = starts.get(1).copied().unwrap_or(v.len());
        let last_start = starts.last().copied().unwrap_or(0);
        (&v[..first_end], &v[last_start..])
    };
    let shared = |pick: fn((&'v str, &'v str)) -> &'v str| {
        names.len() >= 3
            && names
                .iter()
                .all(|v| pick(words(v)) == pick(words(names[0])))
    };
    let trips = names
        .iter()
        .any(|v| v.starts_with(&enum_name) || v.ends_with(&enum_name))
        || shared(|w| w.0)
        || shared(|w| w.1);
    match (payloads, trips) {
        (true, true) => quote!(#[allow(clippy::large_enum_variant, clippy::enum_variant_names)]),
        (true, false) => quote!(#[allow(clippy::large_enum_variant)]),
        (false, true) => quote!(#[allow(clippy::enum_variant_names)]),
        (false, false) => quote!(),
    }
}

/// A [`TypeKind::ExternalUnion`]: serde's default (externally tagged)
/// enum, a newtype variant per property name.
fn external_union(
    name: &syn::Ident,
    d: &TokenStream,
    variants: &[ExternalVariant],
    extra: &TokenStream,
) -> TokenStream {
    let defs = variants.iter().map(|v| {
        let vn = ident(&v.name);
        let vd = doc(&v.doc);
        let wire = &v.wire;
        let rename = if v.name == *wire {
            quote!()
        } else {
            quote!(#[serde(rename = #wire)])
        };
        let ty = ty_tokens(&v.ty, Ctx::Models);
        quote! {
            #vd
            #rename
            #vn(#ty),
        }
    });
    let allow = enum_allow(name, variants.iter().map(|v| v.name.as_str()), true);
    quote! {
        #d
        #[derive(Debug, Clone, #extra ::serde::Serialize, ::serde::Deserialize)]
        #allow
        #[non_exhaustive]
        pub enum #name {
            #(#defs)*
        }
    }
}

/// The name serde's `rename_all = "camelCase"` gives a field (serde_derive's
/// rule: drop `_`, capitalize what follows it, lower-case the first letter).
/// A raw identifier (`r#type`) gets a name no wire name has, so it always
/// keeps its own `rename`.
fn serde_camel(rust: &str) -> String {
    if rust.starts_with("r#") || !rust.is_ascii() || rust.is_empty() {
        return String::from("\0");
    }
    let mut pascal = String::with_capacity(rust.len());
    let mut capitalize = true;
    for ch in rust.chars() {
        if ch == '_' {
            capitalize = true;
        } else if capitalize {
            pascal.push(ch.to_ascii_uppercase());
            capitalize = false;
        } else {
            pascal.push(ch);
        }
    }
    match pascal.get(..1) {
        Some(first) => first.to_ascii_lowercase() + &pascal[1..],
        None => pascal,
    }
}

fn string_enum(
    name: &syn::Ident,
    d: &TokenStream,
    variants: &[(String, String)],
    default: Option<usize>,
    docs: &[String],
) -> TokenStream {
    let defs = variants.iter().enumerate().map(|(i, (v, wire))| {
        let v = ident(v);
        let vd = match docs.get(i).filter(|d| !d.is_empty()) {
            Some(d) => doc(&format!("`{wire}`: {d}")),
            None => doc_attrs(vec![format!("`{wire}`")]),
        };
        let def = if Some(i) == default {
            quote!(#[default])
        } else {
            quote!()
        };
        quote! {
            #vd
            #def
            #v,
        }
    });
    let pairs = variants.iter().map(|(v, wire)| {
        let v = ident(v);
        quote!(#v => #wire)
    });
    let derive_default = if default.is_some() {
        quote!(Default,)
    } else {
        quote!()
    };
    let allow = enum_allow(
        name,
        variants.iter().map(|(v, _)| v.as_str()).chain(["Other"]),
        false,
    );
    quote! {
        #d
        #[derive(Debug, Clone, PartialEq, Eq, Hash, #derive_default)]
        #allow
        #[non_exhaustive]
        pub enum #name {
            #(#defs)*
            /// A value this version of the spec does not list, kept verbatim.
            Other(String),
        }

        rt::string_enum!(#name { #(#pairs),* });
    }
}

fn one_of(
    raw_name: &str,
    name: &syn::Ident,
    d: &TokenStream,
    variants: &[Variant],
    discriminator: Option<&(String, Vec<(String, usize)>)>,
    extra: &TokenStream,
) -> TokenStream {
    let defs = variants.iter().map(|v| {
        let vn = ident(&v.name);
        let vd = doc(&v.doc);
        let ty = ty_tokens(&v.ty, Ctx::Models);
        quote! {
            #vd
            #vn(#ty),
        }
    });
    let shapes = variants.iter().map(|v| {
        let kind = ident(v.shape.kind);
        if v.shape.kind == "Object" {
            let required = &v.shape.required;
            let known = &v.shape.known;
            let closed = v.shape.closed;
            quote!(rt::one_of::Shape::object(&[#(#required),*], &[#(#known),*], #closed))
        } else {
            quote!(rt::one_of::Shape::of(rt::one_of::JsonKind::#kind))
        }
    });
    // The last variant takes `_`: the runtime asks only for indices it was given.
    let last = variants.len().saturating_sub(1);
    let arms = variants.iter().enumerate().map(|(i, v)| {
        let vn = ident(&v.name);
        let pat = if i == last {
            quote!(_)
        } else {
            let i = proc_macro2::Literal::usize_unsuffixed(i);
            quote!(#i)
        };
        quote!(#pat => ::serde::Deserialize::deserialize(value).map(Self::#vn),)
    });
    // `pick(index, value)`: a `match` on the index, or no `match` at all for
    // fewer than two variants (clippy's `match_single_binding`).
    let pick = match variants {
        [] => quote!(
            |_, _| Err(<::serde_json::Error as ::serde::de::Error>::custom(
                "no alternatives"
            ))
        ),
        [only] => {
            let vn = ident(&only.name);
            quote!(|_, value| ::serde::Deserialize::deserialize(value).map(Self::#vn))
        }
        _ => quote!(|index, value| match index { #(#arms)* }),
    };
    let tagged = match discriminator {
        Some((prop, map)) if !map.is_empty() => {
            let arms = map.iter().map(|(wire, i)| {
                let i = proc_macro2::Literal::usize_unsuffixed(*i);
                quote!(Some(#wire) => Some(#i),)
            });
            quote! {
                match value.get(#prop).and_then(::serde_json::Value::as_str) {
                    #(#arms)*
                    _ => None,
                }
            }
        }
        _ => quote!(None),
    };
    // With a discriminator, writing a variant also writes its tag when the
    // alternative does not carry it itself (the runtime adds it); without
    // one, a variant is written as its payload.
    let (derive_ser, ser_impl) = match discriminator {
        Some((prop, map)) if !map.is_empty() => {
            let arms = variants.iter().enumerate().map(|(i, v)| {
                let vn = ident(&v.name);
                match map.iter().find(|(_, j)| *j == i) {
                    Some((wire, _)) => quote!(
                        Self::#vn(v) => rt::one_of::serialize_tagged(serializer, #prop, #wire, v),
                    ),
                    None => quote!(Self::#vn(v) => ::serde::Serialize::serialize(v, serializer),),
                }
            });
            (
                quote!(),
                quote! {
                    impl ::serde::Serialize for #name {
                        fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                            match self {
                                #(#arms)*
                            }
                        }
                    }
                },
            )
        }
        _ => (quote!(::serde::Serialize,), quote!()),
    };
    let allow = enum_allow(name, variants.iter().map(|v| v.name.as_str()), true);
    let untagged = if ser_impl.is_empty() {
        quote!(#[serde(untagged)])
    } else {
        quote!()
    };
    quote! {
        #d
        #[derive(Debug, Clone, #extra #derive_ser)]
        #untagged
        #allow
        #[non_exhaustive]
        pub enum #name {
            #(#defs)*
        }

        #ser_impl

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                const SHAPES: &[rt::one_of::Shape] = &[#(#shapes),*];
                let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                rt::one_of::decode(#raw_name, &value, SHAPES, #tagged, #pick)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::enum_allow;

    fn allow(name: &str, variants: &[&str], payloads: bool) -> String {
        let name = syn::Ident::new(name, proc_macro2::Span::call_site());
        enum_allow(&name, variants.iter().copied(), payloads).to_string()
    }

    /// `enum_variant_names` is allowed exactly where clippy's default rules
    /// could fire on names taken from the document.
    #[test]
    fn variant_names_that_would_trip_clippy_are_allowed() {
        let lint = "clippy :: enum_variant_names";
        assert!(allow("Speed", &["Slow", "OtherSpeed", "Other"], false).contains(lint));
        assert!(allow("Speed", &["SpeedUp", "Slow", "Other"], false).contains(lint));
        let errors = ["NotFoundError", "TimeoutError", "GoneError"];
        assert!(allow("Failure", &errors, true).contains(lint));
        assert!(allow("Ask", &["GetOne", "GetTwo", "GetThree"], true).contains(lint));
        // Two sharing a word is below clippy's threshold of three.
        assert!(!allow("Failure", &errors[..2], true).contains(lint));
        assert_eq!(allow("Speed", &["Slow", "Fast", "Other"], false), "");
        assert_eq!(
            allow("Shape", &["Circle", "Rect", "Unknown"], true),
            "# [allow (clippy :: large_enum_variant)]"
        );
    }
}
