//! The success side of an operation: its type (one body type, or an enum
//! when the documented successes differ) and the `send` arm per status.

use super::{ordered, status_pattern};
use crate::emit::{doc, ident, ty_tokens, Ctx};
use crate::model::{Media, Op, StatusMatch, Ty};
use proc_macro2::TokenStream;
use quote::quote;

/// What `send` returns on success.
pub(super) struct Success {
    /// The body type of `rt::Response<..>`.
    pub(super) ty: TokenStream,
    /// The success enum, when there is one (else empty).
    pub(super) item: TokenStream,
    /// Whether the success is an enum with one variant per status.
    multi: bool,
}

pub(super) fn success(op: &Op, link: &str, extra: &TokenStream) -> Success {
    let mut distinct: Vec<&Option<Ty>> = Vec::new();
    for s in &op.successes {
        if !distinct.contains(&&s.ty) {
            distinct.push(&s.ty);
        }
    }
    if distinct.len() <= 1 {
        let ty = match distinct.first() {
            Some(Some(t)) => ty_tokens(t, Ctx::Group),
            _ => quote!(()),
        };
        return Success {
            ty,
            item: quote!(),
            multi: false,
        };
    }
    let name = ident(&op.success_name);
    let variants = op.successes.iter().map(|s| {
        let v = ident(&s.variant);
        let d = doc(&s.doc);
        match &s.ty {
            Some(t) => {
                let t = ty_tokens(t, Ctx::Group);
                quote!(#d #v(#t),)
            }
            None => quote!(#d #v,),
        }
    });
    let sdoc = doc(&format!("The documented success responses of [`{link}`]."));
    Success {
        ty: quote!(#name),
        item: quote! {
            #sdoc
            #[derive(Debug, Clone, #extra)]
            #[allow(clippy::large_enum_variant)]
            #[non_exhaustive]
            pub enum #name {
                #(#variants)*
            }
        },
        multi: true,
    }
}

/// One `match` arm per documented success status, exact codes first.
pub(super) fn arms(op: &Op, success: &Success) -> Vec<TokenStream> {
    let enum_name = ident(&op.success_name);
    ordered(&op.successes)
        .into_iter()
        .map(|s| {
            let pat = status_pattern(s.status);
            let v = ident(&s.variant);
            // The response, before a multi-success enum wraps its body.
            let (response, fallible) = match (&s.ty, &s.media) {
                (None, _) => (quote!(rt::empty(raw)), false),
                (Some(_), Media::Text) => (quote!(rt::text_response(raw)), false),
                (Some(_), Media::Bytes(_)) => (quote!(rt::bytes_response(raw)), false),
                (Some(_), Media::Json | Media::Form | Media::Multipart(_)) => {
                    (quote!(rt::decode_json(Self::ID, raw)), true)
                }
            };
            if let (true, true, Some(_)) = (fallible, success.multi, &s.ty) {
                return quote!(#pat => rt::decode_json_as(Self::ID, raw, #enum_name::#v),);
            }
            let wrap = match (success.multi, &s.ty) {
                (false, _) => None,
                (true, Some(_)) => Some(quote!(#enum_name::#v)),
                (true, None) => Some(quote!(|()| #enum_name::#v)),
            };
            match (fallible, wrap) {
                (true, None) => quote!(#pat => #response,),
                (true, Some(w)) => quote!(#pat => #response.map(|r| r.map(#w)),),
                (false, None) => quote!(#pat => Ok(#response),),
                (false, Some(w)) => quote!(#pat => Ok(#response.map(#w)),),
            }
        })
        .collect()
}

/// The whole `decode` of an operation with one documented success, an exact
/// status with a JSON body or none: one runtime call instead of a `match`.
pub(super) fn single(op: &Op) -> Option<TokenStream> {
    let [s] = op.successes.as_slice() else {
        return None;
    };
    let StatusMatch::Code(code) = s.status else {
        return None;
    };
    let code = proc_macro2::Literal::u16_unsuffixed(code);
    match (&s.ty, &s.media) {
        (None, _) => Some(quote!(rt::empty_at(Self::ID, #code, raw))),
        (Some(_), Media::Json | Media::Form | Media::Multipart(_)) => {
            Some(quote!(rt::json_at(Self::ID, #code, raw)))
        }
        (Some(_), Media::Text | Media::Bytes(_)) => None,
    }
}
