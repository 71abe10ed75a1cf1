//! An operation's `rt::Operation` impl: `request` fills in the path, query,
//! headers, body and security of an `rt::OperationRequest`; `decode`
//! dispatches the answer (one arm per documented success, `rt::fail` for the
//! rest). The runtime's one generic future (`rt::send`) runs them, so no
//! operation has an `async` state machine of its own.

use super::success::{self, Success};
use crate::emit::{has_display, ident};
use crate::model::params::{key_param, key_query_pairs, split_path_key, KeyValue};
use crate::model::{Api, BodyDef, Loc, Media, Op, StatusMatch, Style, Ty, TypeKind};
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn send(api: &Api, op: &Op, success: &Success) -> TokenStream {
    let error = ident(&op.error_name);
    let builder = ident(&op.type_name);
    let success_ty = &success.ty;
    let op_id = &op.id;
    let start = start_expr(api, op);
    let route = format!("{} {}", op.http_method.to_ascii_uppercase(), op.path);
    let mut stmts = params(api, op);
    if let Some(body) = body(op) {
        stmts.push(body);
    }
    if let Some(name) = crate::emit::requirement_const(api, &op.security) {
        let name = ident(&name);
        stmts.push(quote!(request.security = super::security::#name;));
    }
    if let Some(idem) = op.idempotent {
        stmts.push(quote!(request.idempotent = #idem;));
    }
    // `OperationRequest::new` starts with `application/json`.
    if op.accept != "application/json" {
        let accept = &op.accept;
        stmts.push(quote!(request.accept = #accept;));
    }
    let redirects: Vec<TokenStream> = op
        .successes
        .iter()
        .filter_map(|s| {
            let (low, high) = match s.status {
                StatusMatch::Code(c @ 300..=399) => (c, c),
                StatusMatch::Range(3) => (300, 399),
                _ => return None,
            };
            let (low, high) = (
                proc_macro2::Literal::u16_unsuffixed(low),
                proc_macro2::Literal::u16_unsuffixed(high),
            );
            Some(quote!((#low, #high)))
        })
        .collect();
    if !redirects.is_empty() {
        stmts.push(quote!(request.documented_redirects = &[#(#redirects),*];));
    }
    // Nothing to add to the request: no `mut` (it would be unused). The
    // route borrows `self` whole, so it is built before `transport` moves.
    let mutable = if stmts.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };
    let request = quote! {
        let #mutable request = #start;
        #(#stmts)*
        self.transport.prepared(request)
    };
    // One documented success is one runtime call; several are a `match`.
    let decode = success::single(op).unwrap_or_else(|| {
        let arms = success::arms(op, success);
        quote! {
            match raw.status.as_u16() {
                #(#arms)*
                _ => rt::fail(Self::ID, raw),
            }
        }
    });
    // The request as data, and the answer's decoder: the runtime's one
    // generic future (`rt::send`) drives every operation.
    quote! {
        impl rt::Operation for #builder {
            type Ok = #success_ty;
            type Error = #error;
            const ID: &'static str = #op_id;
            const ROUTE: &'static str = #route;
            fn request(self) -> rt::Prepared {
                #request
            }
            fn decode(raw: rt::RawResponse) -> rt::Result<Self::Ok, Self::Error> {
                #decode
            }
        }
    }
}

/// Statements adding the query and header parameters: first the pairs of a
/// query written into the path key (fixed text, or a path parameter's value;
/// a query parameter named there sends itself below), then the parameters.
fn params(api: &Api, op: &Op) -> Vec<TokenStream> {
    let mut stmts = Vec::new();
    for (key, value) in key_query_pairs(split_path_key(&op.path).1) {
        match key_param(value) {
            KeyValue::Literal(text) => {
                stmts.push(
                    quote!(request.query.push((#key, rt::QueryValue::Plain(#text.to_owned())));),
                );
            }
            KeyValue::Param(name) => {
                let Some(p) = op
                    .params
                    .iter()
                    .find(|p| p.loc == Loc::Path && p.wire == name)
                else {
                    continue;
                };
                let n = ident(&p.rust);
                // The path may use the same parameter: a copy, not a move.
                let value = if super::is_copy_primitive(api, &p.ty) {
                    quote!(self.#n)
                } else {
                    quote!(self.#n.clone())
                };
                let qv = query_value(api, value, &p.ty);
                stmts.push(quote!(request.query.push((#key, #qv));));
            }
            // Refused while lowering.
            KeyValue::Mixed => {}
        }
    }
    for p in &op.params {
        let n = ident(&p.rust);
        let wire = &p.wire;
        match p.loc {
            Loc::Path => {}
            Loc::Query => {
                let push = |expr: TokenStream, ty: &Ty| query_push(api, wire, p.style, expr, ty);
                if p.required {
                    stmts.push(push(quote!(self.#n), &p.ty));
                } else if plain_display(api, &p.ty) {
                    // The common case in one call: a scalar written with
                    // `Display`, as `query_push` would write it.
                    stmts.push(quote!(request.query_opt(#wire, self.#n);));
                } else {
                    let inner = push(quote!(value), &p.ty);
                    stmts.push(quote! {
                        if let Some(value) = self.#n {
                            #inner
                        }
                    });
                }
            }
            // `name=value` in the one `Cookie` header (style `form`); an
            // array's items are joined with `,` as a header's are.
            Loc::Cookie => {
                if p.required {
                    let s = to_string_expr(api, quote!(self.#n), &p.ty);
                    stmts.push(quote!(request.push_cookie(#wire, &#s);));
                } else {
                    let s = to_string_expr(api, quote!(value), &p.ty);
                    stmts.push(quote! {
                        if let Some(value) = self.#n {
                            request.push_cookie(#wire, &#s);
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
    stmts
}

/// The statement setting `request.body`, when the operation has a body.
fn body(op: &Op) -> Option<TokenStream> {
    match op.body.as_ref()? {
        BodyDef::Flattened {
            struct_name,
            fields,
        } => {
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
                quote!(rt::form_body(Self::ID, &body)?)
            } else {
                quote!(rt::json_body(Self::ID, &body)?)
            };
            Some(quote! {
                let body = models::#sn { #(#inits)* };
                request.body = #encode;
            })
        }
        BodyDef::Single { rust, required, .. } => {
            let n = ident(rust);
            let encode = match &op.body_media {
                Media::Text => quote!(rt::Body::Text(body)),
                Media::Bytes(content_type) => quote!(rt::Body::Bytes {
                    content_type: #content_type,
                    data: body.into(),
                }),
                Media::Json => quote!(rt::json_body(Self::ID, &body)?),
                Media::Form => quote!(rt::form_body(Self::ID, &body)?),
                Media::Multipart(encoding) => {
                    let (names, types): (Vec<&String>, Vec<&String>) =
                        encoding.iter().map(|(n, t)| (n, t)).unzip();
                    quote!(rt::Body::Multipart(body.with_encoding(&[#((#names, #types)),*])))
                }
            };
            Some(if *required {
                quote! {
                    let body = self.#n;
                    request.body = #encode;
                }
            } else {
                quote! {
                    if let Some(body) = self.#n {
                        request.body = #encode;
                    }
                }
            })
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
        // A JSON string is its text, not its JSON spelling (no quotes).
        Ty::Value => quote!(match #expr {
            ::serde_json::Value::String(text) => text,
            other => other.to_string(),
        }),
        other if has_display(api, &other) => quote!(#expr.to_string()),
        // A union of strings (`oneOf` of a uuid and a name, of one-value
        // enums) is its text, not its JSON spelling (no quotes).
        _ => quote!(match ::serde_json::to_value(&#expr) {
            Ok(::serde_json::Value::String(text)) => text,
            Ok(other) => other.to_string(),
            Err(_) => String::new(),
        }),
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
        // A free-form object: its keys come from the caller's map, so the
        // exploded styles name their pairs with owned strings (`free_query`;
        // every other name is one of the spec's literals).
        Ty::Map(inner) => match style {
            Style::Form => {
                let value = to_string_expr(api, quote!(item), &inner);
                quote! {{
                    let mut parts: Vec<String> = Vec::new();
                    for (key, item) in #expr {
                        parts.push(key);
                        parts.push(#value);
                    }
                    request.query.push((#wire, rt::QueryValue::Plain(parts.join(","))));
                }}
            }
            Style::DeepObject => {
                let qv = query_value(api, quote!(item), &inner);
                let name = format!("{}[{{key}}]", wire.replace('{', "{{").replace('}', "}}"));
                quote! {
                    for (key, item) in #expr {
                        request.free_query.push((format!(#name), #qv));
                    }
                }
            }
            _ => {
                let qv = query_value(api, quote!(item), &inner);
                quote! {
                    for (key, item) in #expr {
                        request.free_query.push((key, #qv));
                    }
                }
            }
        },
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

/// The expression starting the `OperationRequest`: method, path filled in,
/// path template (spans name the route, never the filled-in path: it may
/// carry ids). The timeout is added by `Handle::prepared` at the end.
///
/// Usually one short `rt::route` call, which reads the method and template
/// from the one-line `ROUTE` and fills the template in at run time: no
/// `format!` to expand and check per operation, and no long call for the
/// formatter to break over many lines. A key with a query or fragment
/// written into it keeps the `format!` of the path proper, since the
/// template recorded is the whole key.
fn start_expr(api: &Api, op: &Op) -> TokenStream {
    let key = op.path.as_str();
    if split_path_key(key).0 == key {
        let args = path_params(api, op).into_iter().map(|(p, string)| {
            let n = ident(&p.rust);
            match string {
                // `Display` writes what `to_string` gives today.
                None => quote!(&self.#n),
                Some(s) => quote!(&#s),
            }
        });
        return quote!(rt::route(&self, &[#(#args),*]));
    }
    // OpenAPI's eight methods are all associated constants of `http::Method`.
    let method = ident(&op.http_method.to_ascii_uppercase());
    let path = path_expr(api, op);
    quote!(rt::OperationRequest::new(Self::ID, rt::Method::#method, #path).with_path_template(#key))
}

/// The path parameters in the order the path names them, each with the
/// `String` expression to write when `Display` would not give its text
/// (`None`: the value itself, a string or a type whose `Display` is its
/// wire text).
fn path_params<'o>(api: &Api, op: &'o Op) -> Vec<(&'o crate::model::Param, Option<TokenStream>)> {
    let mut out = Vec::new();
    let mut rest = split_path_key(&op.path).0;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if let Some(p) = op
            .params
            .iter()
            .find(|p| p.loc == Loc::Path && p.wire == name)
        {
            let string = (!plain_display(api, &p.ty)).then(|| {
                let n = ident(&p.rust);
                // `rt::route` borrows `self` whole while its arguments are
                // built: the conversions that consume their value get a clone.
                let value = match api.underlying(&p.ty) {
                    Ty::Vec(_) | Ty::Option(_) | Ty::Value => quote!(self.#n.clone()),
                    _ => quote!(self.#n),
                };
                to_string_expr(api, value, &p.ty)
            });
            out.push((p, string));
        }
        rest = &after[end + 1..];
    }
    out
}

/// Whether `Display` writes the text `to_string_expr` gives for `ty`.
fn plain_display(api: &Api, ty: &Ty) -> bool {
    let under = api.underlying(ty);
    under != Ty::Value && has_display(api, &under)
}

/// The path with parameters substituted and percent-encoded.
fn path_expr(api: &Api, op: &Op) -> TokenStream {
    let mut fmt = String::new();
    let mut args: Vec<TokenStream> = Vec::new();
    let wire_path = split_path_key(&op.path).0;
    let mut rest = wire_path;
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
        quote!(#wire_path.to_owned())
    } else {
        quote!(format!(#fmt, #(#args),*))
    }
}
