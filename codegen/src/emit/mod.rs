//! Tokens from the model: the file layout of docs/ARCHITECTURE.md.

mod doc_text;
mod ops;
#[cfg(feature = "cli")]
pub(crate) use ops::arg_types;
pub mod package;
mod types;

use crate::docs::doc_lines;
use crate::model::{Api, SchemeKindDef, Ty, TypeKind};
pub(crate) use doc_text::{collecting, doc_attrs, expand, plain_attrs};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// Where names are resolved from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ctx {
    /// Inside `models`.
    Models,
    /// Inside an operation group module (models are `models::X`, imported
    /// from `super` when the group uses any).
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

/// Whether `tokens` use the path `name ::` somewhere (such as `rt ::` or
/// `models ::`): decides whether a module needs that import. Walks the token
/// trees instead of formatting them to text, which cost a few percent of a
/// generation run.
pub(crate) fn uses_path(tokens: &TokenStream, name: &str) -> bool {
    use proc_macro2::{Spacing, TokenTree};
    let mut after_name = false;
    for tree in tokens.clone() {
        match &tree {
            TokenTree::Punct(p)
                if after_name && p.as_char() == ':' && p.spacing() == Spacing::Joint =>
            {
                return true;
            }
            TokenTree::Group(g) if uses_path(&g.stream(), name) => return true,
            _ => {}
        }
        after_name = matches!(&tree, TokenTree::Ident(i) if i == name);
    }
    false
}

/// The doc comment of `text` (markdown from the spec, escaped by
/// [`doc_lines`]), printed as `/// line`s; see [`doc_text`].
pub(crate) fn doc(text: &str) -> TokenStream {
    doc_attrs(doc_lines(text))
}

pub(crate) fn ty_tokens(ty: &Ty, ctx: Ctx) -> TokenStream {
    match ty {
        Ty::String => quote!(String),
        Ty::Secret => quote!(rt::SecretString),
        Ty::Bool => quote!(bool),
        Ty::I32 => quote!(i32),
        Ty::I64 => quote!(i64),
        Ty::U64 => quote!(u64),
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
        Ty::Named(n) if n == crate::model::MULTIPART => quote!(rt::multipart::Form),
        Ty::Named(n) if n == crate::model::INTEGER_OR_STRING => quote!(rt::IntegerOrString),
        Ty::Named(n) => {
            let i = ident(n);
            match ctx {
                Ctx::Models => quote!(#i),
                Ctx::Group => quote!(models::#i),
            }
        }
    }
}

/// Whether a model type implements `Display` (string enums, primitives).
pub(crate) fn has_display(api: &Api, ty: &Ty) -> bool {
    match api.underlying(ty) {
        Ty::String | Ty::Bool | Ty::I32 | Ty::I64 | Ty::U64 | Ty::F32 | Ty::F64 | Ty::Value => true,
        Ty::Named(n) if n == crate::model::INTEGER_OR_STRING => true,
        Ty::Named(n) => matches!(
            api.type_def(&n).map(|t| &t.kind),
            Some(TypeKind::StringEnum { .. })
        ),
        _ => false,
    }
}

/// One independently formatted part of the file (see [`render`]).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Unit {
    /// `DEFAULT_BASE_URL`.
    Head,
    /// `pub mod models { .. }` holding the model types in this index range.
    Models(usize, usize),
    /// `pub mod security { .. }`.
    Security,
    /// The head of operation group `i`'s module: the group type and its
    /// methods (see [`ops::group_head`]).
    GroupHead(usize),
    /// The items of group `i`'s operations in this index range.
    GroupOps(usize, usize, usize),
    /// `Client` and its accessors.
    Client,
}

/// The module whose text several units share (joined by [`join_module`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Module {
    Models,
    Group(usize),
}

impl Unit {
    /// The module this unit is a run of, if it is one.
    pub(crate) fn module(self) -> Option<Module> {
        match self {
            Unit::Models(..) => Some(Module::Models),
            Unit::GroupHead(i) | Unit::GroupOps(i, ..) => Some(Module::Group(i)),
            Unit::Head | Unit::Security | Unit::Client => None,
        }
    }
}

/// Model types per `Models` unit, and operations per `GroupOps` unit. Small
/// units keep both threads busy to the end: one unit of a large group was a
/// fifth of the formatting time of nexus (issue 23).
const MODELS_PER_UNIT: usize = 24;
const OPS_PER_UNIT: usize = 4;

/// The parts of the file in output order. Top-level items are formatted
/// independently by prettyplease, so formatting them one by one and
/// concatenating the text gives the text of the whole file; a module (the
/// `models` module, each operation group's) is split into runs of items
/// that are formatted inside their own `pub mod name { .. }` and joined (see
/// [`join_module`]).
pub(crate) fn units(api: &Api) -> Vec<Unit> {
    let mut units = vec![Unit::Head];
    let n = api.types.len();
    if n == 0 {
        units.push(Unit::Models(0, 0));
    }
    let mut start = 0;
    while start < n {
        let end = (start + MODELS_PER_UNIT).min(n);
        units.push(Unit::Models(start, end));
        start = end;
    }
    units.push(Unit::Security);
    for (i, g) in api.groups.iter().enumerate() {
        units.push(Unit::GroupHead(i));
        let mut start = 0;
        while start < g.ops.len() {
            let end = (start + OPS_PER_UNIT).min(g.ops.len());
            units.push(Unit::GroupOps(i, start, end));
            start = end;
        }
    }
    units.push(Unit::Client);
    units
}

/// About how long a unit takes to format, in microseconds at opt-level 0
/// (measured on progenitor's samples): units are started longest first, so
/// that no long one is left for last while the other threads idle.
pub(crate) fn weight(api: &Api, unit: Unit) -> usize {
    match unit {
        Unit::Head => 50,
        Unit::Models(start, end) => 70 * (end - start),
        Unit::Security => 50 + 50 * api.schemes.len(),
        Unit::GroupHead(i) => 100 + 150 * api.groups[i].ops.len(),
        Unit::GroupOps(_, start, end) => 400 * (end - start),
        Unit::Client => 50 + 80 * api.groups.len(),
    }
}

/// Per group, which operations share an earlier one's error enum (see
/// [`ops::shared_errors`]): worked out once, by the first unit of the group
/// that needs it.
pub(crate) struct SharedErrors<'a> {
    api: &'a Api,
    groups: Vec<std::sync::OnceLock<Vec<Option<&'a str>>>>,
}

impl<'a> SharedErrors<'a> {
    pub(crate) fn new(api: &'a Api) -> Self {
        let groups = api.groups.iter().map(|_| Default::default()).collect();
        SharedErrors { api, groups }
    }

    fn get(&self, group: usize) -> &[Option<&'a str>] {
        self.groups[group].get_or_init(|| ops::shared_errors(&self.api.groups[group]))
    }
}

/// The tokens of one unit, and whether it needs its module's shared import:
/// the runtime for models, `super::models` for a group.
pub(crate) fn unit_tokens(
    api: &Api,
    runtime_path: &syn::Path,
    doc_crate: Option<&str>,
    unit: Unit,
    shared: &SharedErrors,
) -> (TokenStream, bool) {
    match unit {
        Unit::Head => {
            let base_url = &api.base_url;
            let base_doc = match &api.base_url_doc {
                Some(text) => doc(text),
                None => quote!(#[doc = " The first `servers[].url` of the document."]),
            };
            (
                quote! {
                    #base_doc
                    pub const DEFAULT_BASE_URL: &str = #base_url;
                },
                false,
            )
        }
        Unit::Models(start, end) => {
            let (body, uses_rt) = types::model_items(&api.types[start..end], &api.model_derives);
            (models_mod(body), uses_rt)
        }
        Unit::Security => (security(api, runtime_path), false),
        Unit::GroupHead(i) => ops::group_head(api, &api.groups[i], runtime_path, doc_crate),
        Unit::GroupOps(i, start, end) => {
            ops::group_ops(api, &api.groups[i], start..end, shared.get(i))
        }
        Unit::Client => (client(api, runtime_path), false),
    }
}

/// `pub mod models { body }`.
pub(crate) fn models_mod(body: TokenStream) -> TokenStream {
    quote! {
        /// Request and response types: one item per schema the operations use.
        pub mod models {
            #body
        }
    }
}

/// The lines inside the module of one formatted `models` unit.
pub(crate) fn models_inner(text: &str) -> Option<&str> {
    let (_, inner) = split_open(text)?;
    inner.strip_suffix("}\n")
}

/// `text` split after the line opening its module (`pub mod name {`, after
/// any doc lines).
fn split_open(text: &str) -> Option<(&str, &str)> {
    let start = if text.starts_with("pub mod ") {
        0
    } else {
        text.find("\npub mod ")? + 1
    };
    let open_end = start + text[start..].find("{\n")? + 2;
    Some(text.split_at(open_end))
}

/// Joins the formatted units of one module into its text: the first unit up
/// to its closing line, the inner lines of the others, then the closing
/// line. `import` (lines at the module's indentation) goes inside the
/// module after its first `after` lines.
pub(crate) fn join_module(parts: &[String], import: Option<&str>, after: usize) -> Option<String> {
    if let ([only], None) = (parts, import) {
        return Some(only.clone());
    }
    let mut out = String::with_capacity(parts.iter().map(String::len).sum::<usize>() + 64);
    let n = parts.len();
    for (i, text) in parts.iter().enumerate() {
        let (head, mut inner) = split_open(text)?;
        if i == 0 {
            out.push_str(head);
            if let Some(import) = import {
                for _ in 0..after {
                    let line_end = inner.find('\n')? + 1;
                    out.push_str(&inner[..line_end]);
                    inner = &inner[line_end..];
                }
                out.push_str(import);
            }
        }
        if i + 1 == n {
            out.push_str(inner);
        } else {
            out.push_str(inner.strip_suffix("}\n")?);
        }
    }
    Some(out)
}

fn security(api: &Api, runtime_path: &syn::Path) -> TokenStream {
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
    let sets = requirement_sets(api);
    // A requirement names `rt::SecurityScheme` even when it lists no scheme
    // (`security: [{}]`: no credentials needed).
    let needs_rt = !api.schemes.is_empty() || !sets.is_empty();
    let requirements = sets.into_iter().map(|alts| {
        let name = requirement_const(api, alts).map(|n| ident(&n));
        let listed: Vec<String> = alts
            .iter()
            .map(|alt| {
                if alt.is_empty() {
                    "no credentials".to_owned()
                } else {
                    format!("`{}`", alt.join("` + `"))
                }
            })
            .collect();
        let d = doc(&format!(
            "The security requirement of the operations that accept any one of: {}.",
            listed.join("; or ")
        ));
        let alts = alts.iter().map(|alt| {
            let schemes = alt.iter().map(|s| ident(s));
            quote!(&[#(#schemes),*])
        });
        quote! {
            #d
            pub const #name: &[&[rt::SecurityScheme]] = &[#(#alts),*];
        }
    });
    let security_use = if needs_rt {
        quote!(use #runtime_path as rt;)
    } else {
        quote!()
    };
    quote! {
        /// The security schemes the operations require, as the runtime's authenticators see them.
        pub mod security {
            #security_use
            #(#schemes)*
            #(#requirements)*
        }
    }
}

/// The distinct non-empty security requirements of the operations, in
/// document order; each becomes one constant of the `security` module.
fn requirement_sets(api: &Api) -> Vec<&Vec<Vec<String>>> {
    let mut sets: Vec<&Vec<Vec<String>>> = Vec::new();
    for op in api.groups.iter().flat_map(|g| &g.ops) {
        if !op.security.is_empty() && !sets.contains(&&op.security) {
            sets.push(&op.security);
        }
    }
    sets
}

/// The name of the `security` constant holding `security` (`None` when the
/// operation needs no credentials): `REQUIREMENTS_<n>`, its prefix lengthened
/// until no scheme constant starts with it.
pub(crate) fn requirement_const(api: &Api, security: &Vec<Vec<String>>) -> Option<String> {
    let index = requirement_sets(api).iter().position(|s| *s == security)?;
    let mut prefix = String::from("REQUIREMENTS");
    while api
        .schemes
        .iter()
        .any(|s| s.const_name.starts_with(&prefix))
    {
        prefix.insert_str(0, "OP_");
    }
    Some(format!("{prefix}_{}", index + 1))
}

fn client(api: &Api, runtime_path: &syn::Path) -> TokenStream {
    let accessors = api.groups.iter().map(|g| {
        let m = ident(&g.module);
        let t = ident(&g.type_name);
        let d = doc(&g.doc);
        quote! {
            #d
            pub fn #m(&self) -> #m::#t {
                #m::#t::new(self.transport.clone())
            }
        }
    });
    let title = &api.title;
    let client_doc = doc(&format!(
        "Entry point to the `{title}` API: one accessor per operation group. Cheap to clone."
    ));
    quote! {
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

/// The derives asked for (`Options::derives`, validated by `generate`), as
/// `A, B,`: on model structs and unions, and on the operations' success and
/// error enums (which hold models).
pub(crate) fn derive_paths(derives: &[String]) -> TokenStream {
    let paths: Vec<syn::Path> = derives
        .iter()
        .filter_map(|d| syn::parse_str(d).ok())
        .collect();
    quote!(#(#paths,)*)
}

fn extra_derives(api: &Api) -> TokenStream {
    derive_paths(&api.model_derives)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_path_finds_the_identifier_followed_by_a_path_separator() {
        assert!(uses_path(
            &quote!(
                fn f() {
                    rt::json(x)
                }
            ),
            "rt"
        ));
        assert!(!uses_path(
            &quote!(
                struct Port;
                fn f() -> Port::X {}
            ),
            "rt"
        ));
        assert!(!uses_path(&quote!(let rt = 1; rt + 1), "rt"));
        assert!(uses_path(&quote!(Vec<models::Disk>), "models"));
    }
}
