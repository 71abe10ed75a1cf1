//! The request builder of an operation: an owned client handle (with the
//! per-call timeout), and one field per input; setters for optional inputs.

use super::{arg_types, is_copy_primitive, Input};
use crate::emit::{doc, ident};
use crate::model::{Api, Op};
use proc_macro2::TokenStream;
use quote::quote;

/// The builder struct. It owns a clone of the transport (one reference
/// count), so the request future is `Send + 'static` and can be spawned;
/// the runtime's `Handle` holds it with the per-call timeout (one field).
pub(super) fn builder(api: &Api, op: &Op, all: &[Input], link: &str) -> TokenStream {
    let name = ident(&op.type_name);
    let fields = all.iter().map(|i| {
        let n = ident(&i.rust);
        let (_, stored) = arg_types(api, &i.ty);
        if i.required {
            quote!(#n: #stored,)
        } else {
            quote!(#n: Option<#stored>,)
        }
    });
    let bdoc = doc(&format!(
        "Request builder returned by [`{link}`]: `{} {}`. Set optional inputs, then `.await` it (or call [`send`](Self::send)).",
        op.http_method, op.path
    ));
    quote! {
        #bdoc
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is sent with `.await` or `.send().await`"]
        pub struct #name {
            transport: rt::Handle,
            #(#fields)*
        }
    }
}

/// One setter per optional input.
pub(super) fn setters(api: &Api, all: &[Input]) -> Vec<TokenStream> {
    all.iter()
        .filter(|i| !i.required)
        .map(|i| {
            let n = ident(&i.rust);
            let (at, _) = arg_types(api, &i.ty);
            // A body property's description is on its model field: linked,
            // not repeated.
            let d = match &i.body_field {
                Some(field) if !i.doc.trim().is_empty() => doc(&format!("See [`{field}`].")),
                _ => doc(&i.doc),
            };
            let conv = if is_copy_primitive(api, &i.ty) {
                quote!(value)
            } else {
                quote!(value.into())
            };
            quote! {
                #d
                pub fn #n(mut self, value: #at) -> Self {
                    self.#n = Some(#conv);
                    self
                }
            }
        })
        .collect()
}
