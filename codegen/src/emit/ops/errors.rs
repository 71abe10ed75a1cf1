//! The error enum of an operation and its `rt::ApiErrorKind` impl: one
//! variant and one `match` arm per documented error status, `Unknown` for the
//! rest. The runtime does the decoding around it (`rt::fail`).

use super::{ordered, status_pattern};
use crate::emit::{doc, ident, ty_tokens, Ctx};
use crate::model::{Api, Media, Op, Outcome};
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn error_enum(op: &Op, link: &str, extra: &TokenStream) -> TokenStream {
    let edoc = doc(&format!(
        "The documented error responses of [`{link}`], decoded. Found in `Error::Api(e).kind`."
    ));
    enum_tokens(&ident(&op.error_name), &edoc, op, extra)
}

fn enum_tokens(name: &syn::Ident, edoc: &TokenStream, op: &Op, extra: &TokenStream) -> TokenStream {
    let outcomes: Vec<&Outcome> = op.errors.iter().chain(op.default.as_ref()).collect();
    let variants = outcomes.iter().map(|o| {
        let v = ident(&o.variant);
        let d = doc(&o.doc);
        match &o.ty {
            Some(t) => {
                let t = ty_tokens(t, Ctx::Group);
                quote!(#d #v(#t),)
            }
            None => quote!(#d #v,),
        }
    });
    let large = if outcomes.iter().any(|o| o.ty.is_some()) {
        quote!(#[allow(clippy::large_enum_variant)])
    } else {
        quote!()
    };
    let mut arms: Vec<TokenStream> = ordered(&op.errors)
        .into_iter()
        .map(|o| {
            let pat = status_pattern(o.status);
            let value = variant_value(o);
            quote!(#pat => #value,)
        })
        .collect();
    let fallback = op
        .default
        .as_ref()
        .map_or_else(|| quote!(Self::Unknown), variant_value);
    arms.push(quote!(_ => #fallback,));
    // Unused parameters are named `_` so that the impl compiles warning-free
    // for operations with no documented error (or no error body).
    let status = if op.errors.is_empty() {
        quote!(_)
    } else {
        quote!(status)
    };
    let body = if outcomes.iter().any(|o| o.ty.is_some()) {
        quote!(body)
    } else {
        quote!(_)
    };
    let kind = if op.errors.is_empty() {
        quote!(#fallback)
    } else {
        quote!(match status { #(#arms)* })
    };
    quote! {
        #edoc
        #[derive(Debug, #extra)]
        #large
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A status the spec does not document, or an error body that does not match its documented schema.
            Unknown,
        }

        impl rt::ApiErrorKind for #name {
            fn from_response(#status: u16, #body: &[u8]) -> Self {
                #kind
            }
        }
    }
}

/// What decides whether two operations can share one error enum: the
/// documented errors and the default answer, everything [`enum_tokens`]
/// reads of `op` (the derives are the same for every operation). Compared as
/// data: formatting each enum's tokens to text cost a few percent of a run.
pub(super) fn error_key(op: &Op) -> String {
    format!("{:?}{:?}", op.errors, op.default)
}

/// Whether `op`'s error type is the runtime's `UndocumentedError`: the
/// document lists no error answer (not even `default`), and every derive
/// asked for is one that type has.
pub(super) fn undocumented(api: &Api, op: &Op) -> bool {
    const HAS: &[&str] = &["Debug", "Clone", "Copy", "PartialEq", "Eq", "Hash"];
    op.errors.is_empty()
        && op.default.is_none()
        && api
            .model_derives
            .iter()
            .all(|d| HAS.contains(&d.rsplit("::").next().unwrap_or(d).trim()))
}

/// The error type of an operation that documents no error answer: the
/// runtime's one type for them, under the operation's own name.
pub(super) fn undocumented_alias(op: &Op, link: &str) -> TokenStream {
    let name = ident(&op.error_name);
    let d = doc(&format!(
        "[`{link}`] documents no error answer: every error is `Unknown`. Found in `Error::Api(e).kind`."
    ));
    quote! {
        #d
        pub type #name = rt::UndocumentedError;
    }
}

/// The error type of an operation whose documented errors are those of an
/// earlier operation of the group (`first`'s enum).
pub(super) fn error_alias(op: &Op, link: &str, first: &str) -> TokenStream {
    let name = ident(&op.error_name);
    let first_ident = ident(first);
    let d = doc(&format!(
        "The documented error responses of [`{link}`], decoded: the same as [`{first}`]'s. Found in `Error::Api(e).kind`."
    ));
    quote! {
        #d
        pub type #name = #first_ident;
    }
}

/// The variant for one documented error, decoding its body if it has one.
fn variant_value(o: &Outcome) -> TokenStream {
    let v = ident(&o.variant);
    match (&o.ty, &o.media) {
        (None, _) => quote!(Self::#v),
        (Some(_), Media::Text) => quote!(Self::#v(rt::text(body))),
        (Some(_), Media::Bytes(_)) => quote!(Self::#v(body.to_vec())),
        (Some(_), Media::Json | Media::Form | Media::Multipart(_)) => {
            quote!(rt::json(body).map_or(Self::Unknown, Self::#v))
        }
    }
}
