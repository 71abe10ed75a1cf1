//! The `models` module.

use super::{doc, ident, ty_tokens, Ctx};
use crate::model::{Field, TypeDef, TypeKind, Variant};
use proc_macro2::TokenStream;
use quote::quote;

/// The items of `types` (a slice of the model types), and whether they use
/// the runtime (`rt ::` in their text: the `models` module then imports it).
pub(super) fn model_items(types: &[TypeDef]) -> (TokenStream, bool) {
    let items: Vec<TokenStream> = types.iter().map(type_def).collect();
    let body = quote!(#(#items)*);
    // Import the runtime only when a model uses it (no unused import). Items
    // end in `;` or `}`, so the text of a whole module contains `rt ::` exactly
    // when the text of one of its parts does.
    let uses_rt = body.to_string().contains("rt ::");
    (body, uses_rt)
}

fn type_def(t: &TypeDef) -> TokenStream {
    let name = ident(&t.name);
    let d = doc(&t.doc);
    match &t.kind {
        TypeKind::Alias(ty) => {
            let ty = ty_tokens(ty, Ctx::Models);
            quote! {
                #d
                pub type #name = #ty;
            }
        }
        TypeKind::Struct { fields, closed } => struct_def(&name, &d, fields, *closed),
        TypeKind::StringEnum { variants, default } => string_enum(&name, &d, variants, *default),
        TypeKind::OneOf {
            variants,
            discriminator,
        } => one_of(&t.name, &name, &d, variants, discriminator.as_ref()),
    }
}

fn struct_def(name: &syn::Ident, d: &TokenStream, fields: &[Field], closed: bool) -> TokenStream {
    let all_optional = fields.iter().all(|f| f.optional);
    let derive_default = if all_optional {
        quote!(Default,)
    } else {
        quote!()
    };
    let deny = if closed {
        quote!(#[serde(deny_unknown_fields)])
    } else {
        quote!()
    };
    let fields = fields.iter().map(|f| {
        let fname = ident(&f.rust);
        let wire = &f.wire;
        let fd = doc(&f.doc);
        let ty = ty_tokens(&f.ty, Ctx::Models);
        let attr = if f.skip_none {
            quote!(#[serde(rename = #wire, default, skip_serializing_if = "Option::is_none")])
        } else if f.optional {
            quote!(#[serde(rename = #wire, default)])
        } else {
            quote!(#[serde(rename = #wire)])
        };
        quote! {
            #fd
            #attr
            pub #fname: #ty,
        }
    });
    quote! {
        #d
        #[derive(Debug, Clone, PartialEq, #derive_default ::serde::Serialize, ::serde::Deserialize)]
        #deny
        pub struct #name {
            #(#fields)*
        }
    }
}

fn string_enum(
    name: &syn::Ident,
    d: &TokenStream,
    variants: &[(String, String)],
    default: Option<usize>,
) -> TokenStream {
    let defs = variants.iter().enumerate().map(|(i, (v, wire))| {
        let v = ident(v);
        let vd = format!(" `{wire}`");
        let def = if Some(i) == default {
            quote!(#[default])
        } else {
            quote!()
        };
        quote! {
            #[doc = #vd]
            #def
            #v,
        }
    });
    let to_str = variants.iter().map(|(v, wire)| {
        let v = ident(v);
        quote!(Self::#v => #wire,)
    });
    let from_str = variants.iter().map(|(v, wire)| {
        let v = ident(v);
        quote!(#wire => Self::#v,)
    });
    let derive_default = if default.is_some() {
        quote!(Default,)
    } else {
        quote!()
    };
    quote! {
        #d
        #[derive(Debug, Clone, PartialEq, Eq, Hash, #derive_default)]
        pub enum #name {
            #(#defs)*
            /// A value this version of the spec does not list, kept verbatim.
            Other(String),
        }

        impl #name {
            /// The value as it is sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    Self::Other(value) => value.as_str(),
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#from_str)*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl From<String> for #name {
            fn from(value: String) -> Self {
                Self::from(value.as_str())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <String as ::serde::Deserialize>::deserialize(deserializer).map(Self::from)
            }
        }
    }
}

fn one_of(
    raw_name: &str,
    name: &syn::Ident,
    d: &TokenStream,
    variants: &[Variant],
    discriminator: Option<&(String, Vec<(String, usize)>)>,
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
        let required = &v.shape.required;
        let known = &v.shape.known;
        let closed = v.shape.closed;
        quote! {
            rt::one_of::Shape {
                kind: rt::one_of::JsonKind::#kind,
                required: &[#(#required),*],
                known: &[#(#known),*],
                closed: #closed,
            }
        }
    });
    let arms = variants.iter().enumerate().map(|(i, v)| {
        let vn = ident(&v.name);
        let i = proc_macro2::Literal::usize_unsuffixed(i);
        quote!(#i => ::serde_json::from_value(value.clone()).map(Self::#vn),)
    });
    let disc = match discriminator {
        Some((prop, map)) if !map.is_empty() => {
            let arms = map.iter().map(|(wire, i)| {
                let i = proc_macro2::Literal::usize_unsuffixed(*i);
                quote!(Some(#wire) => Some(#i),)
            });
            quote! {
                let tagged = match value.get(#prop).and_then(::serde_json::Value::as_str) {
                    #(#arms)*
                    _ => None,
                };
                if let Some(first) = tagged {
                    order.retain(|i| *i != first);
                    order.insert(0, first);
                }
            }
        }
        _ => quote!(),
    };
    let mutability = if disc.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };
    let no_match = format!("the value matches no alternative of `{raw_name}`");
    let failed = format!("no alternative of `{raw_name}` decodes the value: {{e}}");
    quote! {
        #d
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize)]
        #[serde(untagged)]
        #[allow(clippy::large_enum_variant)]
        pub enum #name {
            #(#defs)*
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                const SHAPES: &[rt::one_of::Shape] = &[#(#shapes),*];
                let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                let #mutability order = rt::one_of::rank(&value, SHAPES);
                #disc
                let mut last_error = None;
                for index in order {
                    let decoded = match index {
                        #(#arms)*
                        _ => continue,
                    };
                    match decoded {
                        Ok(decoded) => return Ok(decoded),
                        Err(e) => last_error = Some(e),
                    }
                }
                Err(<D::Error as ::serde::de::Error>::custom(match last_error {
                    Some(e) => format!(#failed),
                    None => #no_match.to_owned(),
                }))
            }
        }
    }
}
