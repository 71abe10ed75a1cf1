//! One module per operation group: the group struct, and per operation a
//! request builder ([`builder`]), its `send` ([`send`]), its error enum
//! ([`errors`]) and, when needed, its success enum ([`success`]).
//!
//! What every operation does alike (status dispatch, error-body decoding,
//! `IntoFuture`, `.timeout(..)`) lives in the runtime; the generated code says
//! only what is particular to the operation, about one line per documented
//! status.

mod builder;
mod errors;
mod example;
mod send;
mod success;

use super::{doc, doc_attrs, ident, ty_tokens, Ctx};
use crate::model::{Api, BodyDef, Group, Op, Outcome, StatusMatch, Ty};
use proc_macro2::TokenStream;
use quote::quote;

/// For each operation of `g`, the operation whose error enum it shares
/// (by error type name), if an earlier one's documented errors are the
/// same (variants, bodies, docs): the others' error types are aliases of the
/// first one's, so each operation still names its own error type.
pub(super) fn shared_errors(g: &Group) -> Vec<Option<&str>> {
    let mut error_sets: Vec<(String, &str)> = Vec::new();
    g.ops
        .iter()
        .map(|op| {
            let key = errors::error_key(op);
            let shared = error_sets
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, name)| *name);
            if shared.is_none() {
                error_sets.push((key, op.error_name.as_str()));
            }
            shared
        })
        .collect()
}

/// The head of a group's module: its doc, the runtime import, the group
/// type and its methods (one per operation); and whether they name a model
/// (then the module needs `use super::models;`, see [`super::join_module`]).
pub(super) fn group_head(
    api: &Api,
    g: &Group,
    runtime_path: &syn::Path,
    doc_crate: Option<&str>,
) -> (TokenStream, bool) {
    let module = ident(&g.module);
    let gname = ident(&g.type_name);
    let gdoc = doc(&g.doc);
    let methods: Vec<TokenStream> = g
        .ops
        .iter()
        .map(|op| method(api, g, op, doc_crate))
        .collect();
    let uses_models = methods.iter().any(|t| crate::emit::uses_path(t, "models"));
    let tokens = quote! {
        #gdoc
        pub mod #module {
            use #runtime_path as rt;

            #gdoc
            #[derive(Debug, Clone)]
            pub struct #gname {
                transport: rt::Transport,
            }

            impl #gname {
                pub(super) fn new(transport: rt::Transport) -> Self {
                    Self { transport }
                }

                #(#methods)*
            }
        }
    };
    (tokens, uses_models)
}

/// The items of the operations `range` of a group (builder, setters,
/// `Operation` impl, error and success types), inside `pub mod module { }`
/// for formatting; and whether they name a model. `shared` is
/// [`shared_errors`] of the group.
pub(super) fn group_ops(
    api: &Api,
    g: &Group,
    range: std::ops::Range<usize>,
    shared: &[Option<&str>],
) -> (TokenStream, bool) {
    let module = ident(&g.module);
    let items: Vec<TokenStream> = g.ops[range.clone()]
        .iter()
        .zip(&shared[range])
        .map(|(op, shared)| op_items(api, g, op, *shared))
        .collect();
    let uses_models = items.iter().any(|t| crate::emit::uses_path(t, "models"));
    (quote!(pub mod #module { #(#items)* }), uses_models)
}

/// An input of the operation: a parameter, a body property or the body.
pub(super) struct Input {
    /// Builder field / setter / argument name.
    pub(super) rust: String,
    /// The type the value has (without the `Option` of an optional input).
    pub(super) ty: Ty,
    pub(super) required: bool,
    /// The spec's description; empty when it has none.
    pub(super) doc: String,
    /// For a property of a flattened body: `models::Body::field`, where its
    /// description is written (the builder links there, never repeats it).
    pub(super) body_field: Option<String>,
}

pub(super) fn inputs(op: &Op) -> Vec<Input> {
    let mut out: Vec<Input> = op
        .params
        .iter()
        .map(|p| Input {
            rust: p.rust.clone(),
            ty: p.ty.clone(),
            required: p.required,
            doc: p.doc.clone(),
            body_field: None,
        })
        .collect();
    match &op.body {
        Some(BodyDef::Flattened {
            struct_name,
            fields,
        }) => {
            for f in fields.iter().filter(|f| !f.field.read_only) {
                out.push(Input {
                    rust: f.builder.clone(),
                    ty: f.field.inner.clone(),
                    required: !f.field.optional,
                    doc: f.field.doc.clone(),
                    body_field: Some(format!("models::{struct_name}::{}", f.field.rust)),
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
            body_field: None,
        }),
        None => {}
    }
    out
}

/// `(argument type, stored type)`: strings take `impl Into<String>`,
/// secrets `impl Into<SecretString>`, anything else `impl Into<T>`.
pub(crate) fn arg_types(api: &Api, ty: &Ty) -> (TokenStream, TokenStream) {
    match api.underlying(ty) {
        Ty::String => (quote!(impl Into<String>), quote!(String)),
        prim @ (Ty::Bool | Ty::I32 | Ty::I64 | Ty::U64 | Ty::F32 | Ty::F64) => {
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

/// Whether a value of `ty` is stored as it is (no `.into()`).
pub(super) fn is_copy_primitive(api: &Api, ty: &Ty) -> bool {
    matches!(
        api.underlying(ty),
        Ty::Bool | Ty::I32 | Ty::I64 | Ty::U64 | Ty::F32 | Ty::F64
    )
}

fn op_doc(op: &Op, inline_example: Option<&str>) -> String {
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
        "`{} {}` (operation `{}`)",
        op.http_method, op.path, op.id
    ));
    match inline_example {
        Some(call) => text.push_str(&format!(": `{call}`.")),
        None => text.push('.'),
    }
    text
}

/// The group's method that starts a request: required inputs as arguments.
fn method(api: &Api, g: &Group, op: &Op, doc_crate: Option<&str>) -> TokenStream {
    let name = ident(&op.method_name);
    let builder = ident(&op.type_name);
    let all = inputs(op);
    let example = example::example(api, op, &g.module, &all, doc_crate);
    // Without a crate to doctest in, the example is inline code in the
    // method line; with one, a `no_run` block at the end.
    let (inline, block) = match (doc_crate, example) {
        (None, example) => (example, None),
        (Some(_), example) => (None, example),
    };
    let mut text = op_doc(op, inline.as_deref());
    let required: Vec<&Input> = all.iter().filter(|i| i.required).collect();
    // Each description is said once: a parameter's here (its only place) when
    // the spec gives one; a body property's on its model field, linked once.
    let described: Vec<&&Input> = required
        .iter()
        .filter(|i| i.body_field.is_none() && !i.doc.trim().is_empty())
        .collect();
    if !described.is_empty() {
        text.push_str("\n\nArguments:");
        for i in described {
            let first = i.doc.trim().lines().next().unwrap_or("").trim();
            text.push_str(&format!(
                "\n* `{}`: {}",
                i.rust.trim_start_matches("r#"),
                first
            ));
        }
    }
    if let Some(BodyDef::Flattened { struct_name, .. }) = &op.body {
        text.push_str(&format!(
            "\n\nThe body's properties are described on [`models::{struct_name}`]."
        ));
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
    let mut lines = crate::docs::doc_lines(&text);
    // Added after `doc_lines`, which fences the spec's own code blocks as
    // `text`: this block is ours and must stay Rust. It directly follows the
    // last paragraph (a fence may interrupt one) to keep the file short.
    if let Some(example) = block {
        lines.extend(example.lines().map(str::to_owned));
    }
    let d = doc_attrs(lines);
    let args = required.iter().map(|i| {
        let n = ident(&i.rust);
        let (at, _) = arg_types(api, &i.ty);
        quote!(#n: #at)
    });
    let inits = all.iter().map(|i| {
        let n = ident(&i.rust);
        match (i.required, is_copy_primitive(api, &i.ty)) {
            (true, true) => quote!(#n,),
            (true, false) => quote!(#n: #n.into(),),
            (false, _) => quote!(#n: None,),
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
        pub fn #name(&self, #(#args),*) -> #builder {
            #builder {
                transport: rt::Handle::new(self.transport.clone()),
                #(#inits)*
            }
        }
    }
}

/// The items of one operation: builder, `send`, the runtime's shared impls,
/// the error enum and the success enum.
fn op_items(api: &Api, g: &Group, op: &Op, shared_error: Option<&str>) -> TokenStream {
    let all = inputs(op);
    let link = format!(
        "{}::{}",
        g.type_name,
        op.method_name.trim_start_matches("r#")
    );
    let extra = super::extra_derives(api);
    let success = success::success(op, &link, &extra);
    let builder_ident = ident(&op.type_name);
    let builder = builder::builder(api, op, &all, &link);
    let setters = builder::setters(api, &all);
    let send = send::send(api, op, &success);
    let errors = match shared_error {
        _ if errors::undocumented(api, op) => errors::undocumented_alias(op, &link),
        None => errors::error_enum(op, &link, &extra),
        Some(first) => errors::error_alias(op, &link, first),
    };
    let success_enum = &success.item;
    let setters = if setters.is_empty() {
        quote!()
    } else {
        quote!(impl #builder_ident { #(#setters)* })
    };
    quote! {
        #builder
        #setters
        #send
        rt::operation!(#builder_ident);
        #errors
        #success_enum
    }
}

/// Exact codes first, then ranges, so a `match` tries the specific first.
pub(super) fn ordered(v: &[Outcome]) -> Vec<&Outcome> {
    let codes = v
        .iter()
        .filter(|o| matches!(o.status, StatusMatch::Code(_)));
    let ranges = v
        .iter()
        .filter(|o| matches!(o.status, StatusMatch::Range(_)));
    codes.chain(ranges).collect()
}

/// The `match` pattern of a status: `404` or `400..=499`.
pub(super) fn status_pattern(s: StatusMatch) -> TokenStream {
    use proc_macro2::Literal;
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
