//! Tokens from the model: the file layout of docs/ARCHITECTURE.md.

mod ops;
pub mod package;
mod types;

use crate::docs::doc_lines;
use crate::model::{Api, SchemeKindDef, Ty, TypeKind};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// Where names are resolved from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ctx {
    /// Inside `models`.
    Models,
    /// Inside an operation group module (models are `super::models::X`).
    Group,
}

/// An identifier; never panics (invalid input becomes a placeholder).
pub(crate) fn ident(name: &str) -> Ident {
    let (raw, bare) = match name.strip_prefix("r#") {
        Some(b) => (true, b),
        None => (false, name),
    };
    let valid = bare
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && bare != "_";
    if !valid {
        return Ident::new("invalid_name", Span::call_site());
    }
    if raw && !matches!(bare, "self" | "Self" | "super" | "crate") {
        Ident::new_raw(bare, Span::call_site())
    } else {
        Ident::new(bare, Span::call_site())
    }
}

/// `#[doc = " line"]` attributes.
pub(crate) fn doc(text: &str) -> TokenStream {
    let lines = doc_lines(text);
    let attrs = lines.iter().map(|l| {
        let l = format!(" {l}");
        quote!(#[doc = #l])
    });
    quote!(#(#attrs)*)
}

pub(crate) fn ty_tokens(ty: &Ty, ctx: Ctx) -> TokenStream {
    match ty {
        Ty::String => quote!(String),
        Ty::Secret => quote!(rt::SecretString),
        Ty::Bool => quote!(bool),
        Ty::I32 => quote!(i32),
        Ty::I64 => quote!(i64),
        Ty::F32 => quote!(f32),
        Ty::F64 => quote!(f64),
        Ty::Value => quote!(::serde_json::Value),
        Ty::Vec(t) => {
            let t = ty_tokens(t, ctx);
            quote!(Vec<#t>)
        }
        Ty::Map(t) => {
            let t = ty_tokens(t, ctx);
            quote!(::std::collections::BTreeMap<String, #t>)
        }
        Ty::Option(t) => {
            let t = ty_tokens(t, ctx);
            quote!(Option<#t>)
        }
        Ty::Boxed(t) => {
            let t = ty_tokens(t, ctx);
            quote!(Box<#t>)
        }
        Ty::Named(n) if n == crate::model::BYTE => quote!(u8),
        Ty::Named(n) => {
            let i = ident(n);
            match ctx {
                Ctx::Models => quote!(#i),
                Ctx::Group => quote!(super::models::#i),
            }
        }
    }
}

/// Whether a model type implements `Display` (string enums, primitives).
pub(crate) fn has_display(api: &Api, ty: &Ty) -> bool {
    match api.underlying(ty) {
        Ty::String | Ty::Bool | Ty::I32 | Ty::I64 | Ty::F32 | Ty::F64 | Ty::Value => true,
        Ty::Named(n) => matches!(
            api.type_def(&n).map(|t| &t.kind),
            Some(TypeKind::StringEnum { .. })
        ),
        _ => false,
    }
}

/// The whole file, before formatting.
pub fn file(api: &Api, runtime_path: &syn::Path) -> TokenStream {
    let base_url = &api.base_url;
    let models = types::models(api, runtime_path);
    let schemes = api.schemes.iter().map(|s| {
        let name = ident(&s.const_name);
        let wire = &s.name;
        let d = doc(&s.doc);
        let kind = match &s.kind {
            SchemeKindDef::ApiKey(loc, param) => {
                let loc = ident(loc);
                quote!(rt::SchemeKind::ApiKey { location: rt::ApiKeyLocation::#loc, param: #param })
            }
            SchemeKindDef::Http(scheme) => quote!(rt::SchemeKind::Http { scheme: #scheme }),
            SchemeKindDef::OAuth2 => quote!(rt::SchemeKind::OAuth2),
        };
        quote! {
            #d
            pub const #name: rt::SecurityScheme = rt::SecurityScheme { name: #wire, kind: #kind };
        }
    });
    let security_use = if api.schemes.is_empty() {
        quote!()
    } else {
        quote!(use #runtime_path as rt;)
    };
    let groups = api.groups.iter().map(|g| ops::group(api, g, runtime_path));
    let accessors = api.groups.iter().map(|g| {
        let m = ident(&g.module);
        let t = ident(&g.type_name);
        let d = doc(&g.doc);
        quote! {
            #d
            pub fn #m(&self) -> #m::#t<'_> {
                #m::#t::new(&self.transport)
            }
        }
    });
    let title = &api.title;
    let client_doc = doc(&format!(
        "Entry point to the `{title}` API: one accessor per operation group. Cheap to clone."
    ));
    let base_doc = match &api.base_url_doc {
        Some(text) => doc(text),
        None => quote!(#[doc = " The first `servers[].url` of the document."]),
    };
    quote! {
        #base_doc
        pub const DEFAULT_BASE_URL: &str = #base_url;

        /// Request and response types: one item per schema the operations use.
        pub mod models {
            #models
        }

        /// The security schemes the operations require, as the runtime's authenticators see them.
        pub mod security {
            #security_use
            #(#schemes)*
        }

        #(#groups)*

        #client_doc
        #[derive(Clone, Debug)]
        pub struct Client {
            transport: #runtime_path::Transport,
        }

        impl Client {
            /// Wraps a configured transport.
            pub fn from_transport(transport: #runtime_path::Transport) -> Self {
                Client { transport }
            }

            /// The transport every request goes through.
            pub fn transport(&self) -> &#runtime_path::Transport {
                &self.transport
            }

            #(#accessors)*
        }
    }
}
