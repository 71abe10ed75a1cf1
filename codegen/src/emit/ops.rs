//! One module per operation group: the group struct, and per operation a
//! request builder, its error enum and (when needed) its success enum.

use super::{doc, has_display, ident, ty_tokens, Ctx};
use crate::model::{
    Api, BodyDef, Group, Loc, Media, Op, Outcome, StatusMatch, Style, Ty, TypeKind,
};
use proc_macro2::{Literal, TokenStream};
use quote::quote;

pub(super) fn group(api: &Api, g: &Group, runtime_path: &syn::Path) -> TokenStream {
    let module = ident(&g.module);
    let gname = ident(&g.type_name);
    let gdoc = doc(&g.doc);
    let methods = g.ops.iter().map(|op| method(api, op));
    let form_helper = if g
        .ops
        .iter()
        .any(|op| op.body_media == Media::Form && op.body.is_some())
    {
        quote! {
            /// `application/x-www-form-urlencoded` pairs of a serialized body object:
            /// strings as they are, arrays as repeated pairs (form style, explode),
            /// other values as JSON text; absent (`null`) values are left out.
            fn form_pairs(value: ::serde_json::Value) -> Vec<(String, String)> {
                let mut pairs = Vec::new();
                if let ::serde_json::Value::Object(map) = value {
                    for (name, value) in map {
                        let items = match value {
                            ::serde_json::Value::Array(items) => items,
                            other => vec![other],
                        };
                        for item in items {
                            match item {
                                ::serde_json::Value::Null => {}
                                ::serde_json::Value::String(text) => pairs.push((name.clone(), text)),
                                other => pairs.push((name.clone(), other.to_string())),
                            }
                        }
                    }
                }
                pairs
            }
        }
    } else {
        quote!()
    };
    let items = g.ops.iter().map(|op| op_items(api, g, op));
    quote! {
        #gdoc
        pub mod #module {
            use #runtime_path as rt;

            #gdoc
            #[derive(Debug, Clone, Copy)]
            pub struct #gname<'a> {
                transport: &'a rt::Transport,
            }

            impl<'a> #gname<'a> {
                pub(super) fn new(transport: &'a rt::Transport) -> Self {
                    Self { transport }
                }

                #(#methods)*
            }

            #(#items)*

            #form_helper
        }
    }
}

/// An input of the operation: a parameter, a body property or the body.
struct Input {
    /// Builder field / setter / argument name.
    rust: String,
    /// The type the value has (without the `Option` of an optional input).
    ty: Ty,
    required: bool,
    doc: String,
}

fn inputs(op: &Op) -> Vec<Input> {
    let mut out: Vec<Input> = op
        .params
        .iter()
        .map(|p| Input {
            rust: p.rust.clone(),
            ty: p.ty.clone(),
            required: p.required,
            doc: p.doc.clone(),
        })
        .collect();
    match &op.body {
        Some(BodyDef::Flattened { fields, .. }) => {
            for f in fields.iter().filter(|f| !f.field.read_only) {
                out.push(Input {
                    rust: f.builder.clone(),
                    ty: f.field.inner.clone(),
                    required: !f.field.optional,
                    doc: f.field.doc.clone(),
                })
            }
        }
        Some(BodyDef::Single {
            rust,
            ty,
            required,
            doc,
        }) => out.push(Input {
            rust: rust.clone(),
            ty: ty.clone(),
            required: *required,
            doc: doc.clone(),
        }),
        None => {}
    }
    out
}

/// `(argument type, stored type)`: strings take `impl Into<String>`,
/// secrets `impl Into<SecretString>`, anything else `impl Into<T>`.
fn arg_types(api: &Api, ty: &Ty) -> (TokenStream, TokenStream) {
    match api.underlying(ty) {
        Ty::String => (quote!(impl Into<String>), quote!(String)),
        prim @ (Ty::Bool | Ty::I32 | Ty::I64 | Ty::F32 | Ty::F64) => {
            let t = ty_tokens(&prim, Ctx::Group);
            (t.clone(), t)
        }
        Ty::Secret => (
            quote!(impl Into<rt::SecretString>),
            quote!(rt::SecretString),
        ),
        _ => {
            let t = ty_tokens(ty, Ctx::Group);
            (quote!(impl Into<#t>), t)
        }
    }
}

fn op_doc(op: &Op) -> String {
    let mut text = String::new();
    if let Some(s) = &op.summary {
        text.push_str(s.trim());
        text.push_str("\n\n");
    }
    if let Some(d) = &op.description {
        text.push_str(d.trim());
        text.push_str("\n\n");
    }
    if op.deprecated {
        text.push_str("**Deprecated** in the spec.\n\n");
    }
    text.push_str(&format!(
        "`{} {}` (operation `{}`).",
        op.http_method, op.path, op.id
    ));
    text
}

fn method(api: &Api, op: &Op) -> TokenStream {
    let name = ident(&op.method_name);
    let builder = ident(&op.type_name);
    let all = inputs(op);
    let mut text = op_doc(op);
    let required: Vec<&Input> = all.iter().filter(|i| i.required).collect();
    if !required.is_empty() {
        text.push_str("\n\nArguments:");
        for i in &required {
            let first = i.doc.lines().next().unwrap_or("").trim();
            text.push_str(&format!(
                "\n* `{}`: {}",
                i.rust.trim_start_matches("r#"),
                first
            ));
        }
    }
    let optional: Vec<&Input> = all.iter().filter(|i| !i.required).collect();
    if !optional.is_empty() {
        let names: Vec<String> = optional
            .iter()
            .map(|i| {
                format!(
                    "[`{}`]({}::{})",
                    i.rust.trim_start_matches("r#"),
                    op.type_name,
                    i.rust
                )
            })
            .collect();
        text.push_str(&format!(
            "\n\nOptional inputs are set on the builder: {}.",
            names.join(", ")
        ));
    }
    let d = doc(&text);
    let args = required.iter().map(|i| {
        let n = ident(&i.rust);
        let (at, _) = arg_types(api, &i.ty);
        quote!(#n: #at)
    });
    let inits = all.iter().map(|i| {
        let n = ident(&i.rust);
        if i.required {
            match api.underlying(&i.ty) {
                Ty::Bool | Ty::I32 | Ty::I64 | Ty::F32 | Ty::F64 => quote!(#n,),
                _ => quote!(#n: #n.into(),),
            }
        } else {
            quote!(#n: None,)
        }
    });
    let allow = if required.len() > 6 {
        quote!(#[allow(clippy::too_many_arguments)])
    } else {
        quote!()
    };
    quote! {
        #d
        #allow
        pub fn #name(&self, #(#args),*) -> #builder<'a> {
            #builder {
                transport: self.transport,
                #(#inits)*
            }
        }
    }
}

/// An owned `String` from `expr` of type `ty` (for paths, headers, query).
fn to_string_expr(api: &Api, expr: TokenStream, ty: &Ty) -> TokenStream {
    match api.underlying(ty) {
        Ty::String => expr,
        Ty::Secret => quote!(#expr.expose().to_owned()),
        Ty::Vec(inner) => {
            let item = to_string_expr(api, quote!(item), &inner);
            quote!(#expr.into_iter().map(|item| #item).collect::<Vec<String>>().join(","))
        }
        Ty::Option(inner) => {
            let item = to_string_expr(api, quote!(item), &inner);
            quote!(#expr.map(|item| #item).unwrap_or_default())
        }
        other if has_display(api, &other) => quote!(#expr.to_string()),
        _ => quote!(::serde_json::to_string(&#expr).unwrap_or_default()),
    }
}

fn query_value(api: &Api, expr: TokenStream, ty: &Ty) -> TokenStream {
    match api.underlying(ty) {
        Ty::Secret => quote!(rt::QueryValue::Secret(#expr)),
        _ => {
            let s = to_string_expr(api, expr, ty);
            quote!(rt::QueryValue::Plain(#s))
        }
    }
}

/// Statements pushing query pairs for the value `expr` (owned) of type `ty`.
fn query_push(api: &Api, wire: &str, style: Style, expr: TokenStream, ty: &Ty) -> TokenStream {
    let under = api.underlying(ty);
    let fields = match &under {
        Ty::Named(n) => match api.type_def(n).map(|t| &t.kind) {
            Some(TypeKind::Struct { fields, .. }) => Some(fields),
            _ => None,
        },
        _ => None,
    };
    if let Some(fields) = fields {
        // An object: one pair per present property (form, explode;
        // deepObject), or all of them in one value (form, no explode).
        let mut stmts = Vec::new();
        for f in fields {
            let fname = ident(&f.rust);
            let key = match style {
                Style::DeepObject => format!("{wire}[{}]", f.wire),
                _ => f.wire.clone(),
            };
            let value = to_string_expr(api, quote!(item), &f.inner);
            let one = match style {
                Style::Form => {
                    let fwire = &f.wire;
                    quote! {
                        parts.push(#fwire.to_owned());
                        parts.push(#value);
                    }
                }
                _ => quote!(request.query.push((#key, rt::QueryValue::Plain(#value)));),
            };
            if f.optional {
                stmts.push(quote!(if let Some(item) = object.#fname { #one }));
            } else {
                stmts.push(quote!({ let item = object.#fname; #one }));
            }
        }
        return if style == Style::Form {
            quote! {{
                let object = #expr;
                let mut parts: Vec<String> = Vec::new();
                #(#stmts)*
                request.query.push((#wire, rt::QueryValue::Plain(parts.join(","))));
            }}
        } else {
            quote! {{
                let object = #expr;
                #(#stmts)*
            }}
        };
    }
    match under {
        Ty::Vec(inner) => {
            let separator = match style {
                Style::FormExplode => None,
                Style::SpaceDelimited => Some(" "),
                Style::PipeDelimited => Some("|"),
                _ => Some(","),
            };
            match separator {
                None => {
                    let qv = query_value(api, quote!(item), &inner);
                    quote! {
                        for item in #expr {
                            request.query.push((#wire, #qv));
                        }
                    }
                }
                Some(sep) if api.underlying(&inner) == Ty::String => quote! {
                    request.query.push((#wire, rt::QueryValue::Plain(#expr.join(#sep))));
                },
                Some(sep) => {
                    let item = to_string_expr(api, quote!(item), &inner);
                    quote! {
                        request.query.push((#wire, rt::QueryValue::Plain(
                            #expr.into_iter().map(|item| #item).collect::<Vec<String>>().join(#sep),
                        )));
                    }
                }
            }
        }
        _ => {
            let qv = query_value(api, expr, ty);
            quote!(request.query.push((#wire, #qv));)
        }
    }
}

fn op_items(api: &Api, g: &Group, op: &Op) -> TokenStream {
    let builder = ident(&op.type_name);
    let error = ident(&op.error_name);
    let group = ident(&g.type_name);
    let method = ident(&op.method_name);
    let op_id = &op.id;
    let all = inputs(op);

    // ---- success type -------------------------------------------------
    let distinct: Vec<&Option<Ty>> = {
        let mut v: Vec<&Option<Ty>> = Vec::new();
        for s in &op.successes {
            if !v.contains(&&s.ty) {
                v.push(&s.ty);
            }
        }
        v
    };
    let multi = distinct.len() > 1;
    let success_ident = ident(&op.success_name);
    let (success_ty, success_enum) = if multi {
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
        let sdoc = doc(&format!(
            "The documented success responses of [`{}::{}`].",
            g.type_name,
            op.method_name.trim_start_matches("r#")
        ));
        (
            quote!(#success_ident),
            quote! {
                #sdoc
                #[derive(Debug, Clone, PartialEq)]
                #[allow(clippy::large_enum_variant)]
                pub enum #success_ident {
                    #(#variants)*
                }
            },
        )
    } else {
        match distinct.first() {
            Some(Some(t)) => (ty_tokens(t, Ctx::Group), quote!()),
            _ => (quote!(()), quote!()),
        }
    };

    // ---- error enum -----------------------------------------------------
    let err_outcomes: Vec<&Outcome> = op.errors.iter().chain(op.default.as_ref()).collect();
    let err_variants = err_outcomes.iter().map(|o| {
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
    let edoc = doc(&format!(
        "The documented error responses of [`{}::{}`], decoded. Found in `Error::Api(e).kind`.",
        g.type_name,
        op.method_name.trim_start_matches("r#")
    ));
    let large = if err_outcomes.iter().any(|o| o.ty.is_some()) {
        quote!(#[allow(clippy::large_enum_variant)])
    } else {
        quote!()
    };
    let error_enum = quote! {
        #edoc
        #[derive(Debug, Clone, PartialEq)]
        #large
        pub enum #error {
            #(#err_variants)*
            /// A status the spec does not document, or an error body that does not match its documented schema.
            Unknown,
        }
    };

    // ---- builder struct -------------------------------------------------
    let fields = all.iter().map(|i| {
        let n = ident(&i.rust);
        let (_, stored) = arg_types(api, &i.ty);
        if i.required {
            quote!(#n: #stored,)
        } else {
            quote!(#n: Option<#stored>,)
        }
    });
    let setters = all.iter().filter(|i| !i.required).map(|i| {
        let n = ident(&i.rust);
        let (at, _) = arg_types(api, &i.ty);
        let d = doc(&i.doc);
        let conv = match api.underlying(&i.ty) {
            Ty::Bool | Ty::I32 | Ty::I64 | Ty::F32 | Ty::F64 => quote!(value),
            _ => quote!(value.into()),
        };
        quote! {
            #d
            pub fn #n(mut self, value: #at) -> Self {
                self.#n = Some(#conv);
                self
            }
        }
    });
    let bdoc = doc(&format!(
        "Request builder returned by [`{0}::{1}`]: `{2} {3}`. Set optional inputs, then `.await` it (or call [`send`](Self::send)).",
        g.type_name,
        op.method_name.trim_start_matches("r#"),
        op.http_method,
        op.path
    ));

    // ---- send -------------------------------------------------------------
    let path_expr = path_expr(api, op);
    // OpenAPI's eight methods are all associated constants of `http::Method`.
    let http_method = ident(&op.http_method.to_ascii_uppercase());
    let mut stmts: Vec<TokenStream> = Vec::new();
    for p in &op.params {
        let n = ident(&p.rust);
        let wire = &p.wire;
        match p.loc {
            Loc::Path => {}
            Loc::Query => {
                let push = |expr: TokenStream, ty: &Ty| query_push(api, wire, p.style, expr, ty);
                if p.required {
                    stmts.push(push(quote!(self.#n), &p.ty));
                } else {
                    let inner = push(quote!(value), &p.ty);
                    stmts.push(quote! {
                        if let Some(value) = self.#n {
                            #inner
                        }
                    });
                }
            }
            Loc::Header => {
                if p.required {
                    let s = to_string_expr(api, quote!(self.#n), &p.ty);
                    stmts.push(quote!(request.headers.push((#wire, #s));));
                } else {
                    let s = to_string_expr(api, quote!(value), &p.ty);
                    stmts.push(quote! {
                        if let Some(value) = self.#n {
                            request.headers.push((#wire, #s));
                        }
                    });
                }
            }
        }
    }
    let serialize_err = quote! {
        |e| rt::Error::Request(rt::RequestError {
            operation_id: OPERATION_ID,
            message: format!("cannot serialize the request body: {e}"),
        })
    };
    match &op.body {
        Some(BodyDef::Flattened {
            struct_name,
            fields,
        }) => {
            let sn = ident(struct_name);
            let inits = fields.iter().map(|f| {
                let fname = ident(&f.field.rust);
                let bname = ident(&f.builder);
                if f.field.read_only {
                    quote!(#fname: None,)
                } else {
                    quote!(#fname: self.#bname,)
                }
            });
            let encode = if op.body_media == Media::Form {
                quote!(rt::Body::Form(form_pairs(::serde_json::to_value(&body).map_err(#serialize_err)?)))
            } else {
                quote!(rt::Body::Json(::serde_json::to_value(&body).map_err(#serialize_err)?))
            };
            stmts.push(quote! {
                let body = super::models::#sn { #(#inits)* };
                request.body = #encode;
            });
        }
        Some(BodyDef::Single { rust, required, .. }) => {
            let n = ident(rust);
            let encode = match &op.body_media {
                Media::Text => quote!(rt::Body::Text(body)),
                Media::Bytes(content_type) => quote!(rt::Body::Bytes {
                    content_type: #content_type,
                    data: body.into(),
                }),
                Media::Json => {
                    quote!(rt::Body::Json(::serde_json::to_value(&body).map_err(#serialize_err)?))
                }
                Media::Form => {
                    quote!(rt::Body::Form(form_pairs(::serde_json::to_value(&body).map_err(#serialize_err)?)))
                }
                Media::Multipart(encoding) => {
                    let (names, types): (Vec<&String>, Vec<&String>) =
                        encoding.iter().map(|(n, t)| (n, t)).unzip();
                    quote!(rt::Body::Multipart(body.with_encoding(&[#((#names, #types)),*])))
                }
            };
            if *required {
                stmts.push(quote! {
                    let body = self.#n;
                    request.body = #encode;
                });
            } else {
                stmts.push(quote! {
                    if let Some(body) = self.#n {
                        request.body = #encode;
                    }
                });
            }
        }
        None => {}
    }
    if !op.security.is_empty() {
        let alts = op.security.iter().map(|alt| {
            let schemes = alt.iter().map(|s| {
                let s = ident(s);
                quote!(super::security::#s)
            });
            quote!(&[#(#schemes),*])
        });
        stmts.push(quote! {
            const SECURITY: &[&[rt::SecurityScheme]] = &[#(#alts),*];
            request.security = SECURITY;
        });
    }
    if let Some(idem) = op.idempotent {
        stmts.push(quote!(request.idempotent = #idem;));
    }

    // Status dispatch: exact codes first, then ranges.
    let mut arms: Vec<TokenStream> = Vec::new();
    let ordered = |v: &[Outcome]| -> Vec<Outcome> {
        let mut codes: Vec<Outcome> = v
            .iter()
            .filter(|o| matches!(o.status, StatusMatch::Code(_)))
            .cloned()
            .collect();
        codes.extend(
            v.iter()
                .filter(|o| matches!(o.status, StatusMatch::Range(_)))
                .cloned(),
        );
        codes
    };
    for s in ordered(&op.successes) {
        let pat = status_pattern(s.status);
        let v = ident(&s.variant);
        let raw_body = match &s.media {
            Media::Text => Some(quote!(String::from_utf8_lossy(&raw.body).into_owned())),
            Media::Bytes(_) => Some(quote!(raw.body.to_vec())),
            Media::Json | Media::Form | Media::Multipart(_) => None,
        };
        let arm = match (&s.ty, multi, raw_body) {
            (Some(_), false, Some(decode)) => quote!(#pat => Ok(rt::Response {
                body: #decode,
                status: raw.status,
                headers: raw.headers,
            }),),
            (Some(_), true, Some(decode)) => quote!(#pat => Ok(rt::Response {
                body: #success_ident::#v(#decode),
                status: raw.status,
                headers: raw.headers,
            }),),
            (Some(t), false, None) => {
                let t = ty_tokens(t, Ctx::Group);
                quote!(#pat => rt::decode_json::<#t, #error>(OPERATION_ID, raw),)
            }
            (None, false, _) => quote!(#pat => Ok(rt::decode_empty::<#error>(raw)),),
            (Some(t), true, None) => {
                let t = ty_tokens(t, Ctx::Group);
                quote!(#pat => rt::decode_json::<#t, #error>(OPERATION_ID, raw).map(|r| r.map(#success_ident::#v)),)
            }
            (None, true, _) => {
                quote!(#pat => Ok(rt::decode_empty::<#error>(raw).map(|()| #success_ident::#v)),)
            }
        };
        arms.push(arm);
    }
    let err_arm = |o: &Outcome| -> TokenStream {
        let v = ident(&o.variant);
        let raw_body = match &o.media {
            Media::Text => Some(quote!(String::from_utf8_lossy(&raw.body).into_owned())),
            Media::Bytes(_) => Some(quote!(raw.body.to_vec())),
            Media::Json | Media::Form | Media::Multipart(_) => None,
        };
        match (&o.ty, raw_body) {
            (Some(_), Some(decode)) => quote! {{
                let kind = #error::#v(#decode);
                Err(rt::Error::Api(Box::new(rt::ApiError::from_raw(OPERATION_ID, raw, kind))))
            }},
            (Some(t), None) => {
                let t = ty_tokens(t, Ctx::Group);
                quote! {{
                    let kind = match rt::decode_error_body::<#t>(&raw) {
                        Some(body) => #error::#v(body),
                        None => #error::Unknown,
                    };
                    Err(rt::Error::Api(Box::new(rt::ApiError::from_raw(OPERATION_ID, raw, kind))))
                }}
            }
            (None, _) => {
                quote!(Err(rt::Error::Api(Box::new(rt::ApiError::from_raw(OPERATION_ID, raw, #error::#v)))))
            }
        }
    };
    for e in ordered(&op.errors) {
        let pat = status_pattern(e.status);
        let body = err_arm(&e);
        arms.push(quote!(#pat => #body,));
    }
    let fallback = match &op.default {
        Some(d) => err_arm(d),
        None => {
            quote!(Err(rt::Error::Api(Box::new(rt::ApiError::from_raw(OPERATION_ID, raw, #error::Unknown)))))
        }
    };
    arms.push(quote!(_ => #fallback,));

    let mutability = if stmts.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };
    let method_link = format!(
        " Sends the request and decodes the answer (see [`{}::{}`]).",
        g.type_name,
        op.method_name.trim_start_matches("r#")
    );
    let _ = (&group, &method);
    quote! {
        #bdoc
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is sent with `.await` or `.send().await`"]
        pub struct #builder<'a> {
            transport: &'a rt::Transport,
            #(#fields)*
        }

        impl #builder<'_> {
            #(#setters)*

            #[doc = #method_link]
            pub async fn send(self) -> Result<rt::Response<#success_ty>, rt::Error<#error>> {
                const OPERATION_ID: &str = #op_id;
                let path = #path_expr;
                let #mutability request = rt::OperationRequest::new(
                    OPERATION_ID,
                    rt::Method::#http_method,
                    path,
                );
                #(#stmts)*
                let raw = self.transport.execute(request).await?;
                match raw.status.as_u16() {
                    #(#arms)*
                }
            }
        }

        impl<'a> ::std::future::IntoFuture for #builder<'a> {
            type Output = Result<rt::Response<#success_ty>, rt::Error<#error>>;
            type IntoFuture = ::std::pin::Pin<Box<dyn ::std::future::Future<Output = Self::Output> + Send + 'a>>;
            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }

        #error_enum
        #success_enum
    }
}

fn status_pattern(s: StatusMatch) -> TokenStream {
    match s {
        StatusMatch::Code(c) => {
            let c = Literal::u16_unsuffixed(c);
            quote!(#c)
        }
        StatusMatch::Range(r) => {
            let lo = Literal::u16_unsuffixed(r.saturating_mul(100));
            let hi = Literal::u16_unsuffixed(r.saturating_mul(100).saturating_add(99));
            quote!(#lo..=#hi)
        }
    }
}

/// The path with parameters substituted and percent-encoded.
fn path_expr(api: &Api, op: &Op) -> TokenStream {
    let mut fmt = String::new();
    let mut args: Vec<TokenStream> = Vec::new();
    let mut rest = op.path.as_str();
    while let Some(start) = rest.find('{') {
        let (before, after) = rest.split_at(start);
        fmt.push_str(&before.replace('}', "}}"));
        let after = &after[1..];
        let Some(end) = after.find('}') else {
            fmt.push_str("{{");
            rest = after;
            continue;
        };
        let name = &after[..end];
        match op
            .params
            .iter()
            .find(|p| p.loc == Loc::Path && p.wire == name)
        {
            Some(p) => {
                let n = ident(&p.rust);
                let s = match api.underlying(&p.ty) {
                    Ty::String => quote!(&self.#n),
                    _ => {
                        let e = to_string_expr(api, quote!(self.#n), &p.ty);
                        quote!(&#e)
                    }
                };
                fmt.push_str("{}");
                args.push(quote!(rt::encode_path_segment(#s)));
            }
            None => {
                fmt.push_str("{{");
                fmt.push_str(name);
                fmt.push_str("}}");
            }
        }
        rest = &after[end + 1..];
    }
    fmt.push_str(&rest.replace('{', "{{").replace('}', "}}"));
    if args.is_empty() {
        let literal = op.path.clone();
        quote!(#literal.to_owned())
    } else {
        quote!(format!(#fmt, #(#args),*))
    }
}
