//! Tokens from the model: the file layout of docs/ARCHITECTURE.md.

mod ops;
#[cfg(feature = "cli")]
pub(crate) use ops::arg_types;
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

/// `#[doc = r" line"]` attributes (printed as `/// line`).
pub(crate) fn doc(text: &str) -> TokenStream {
    let lines = doc_lines(text);
    let attrs = lines.iter().map(|l| {
        let l = raw_str(&format!(" {l}"));
        quote!(#[doc = #l])
    });
    quote!(#(#attrs)*)
}

/// A raw string literal of `text` (`r"..."`, with as many `#` as it needs).
/// A doc line is read three times on its way out (escaped here, unescaped by
/// `syn`, again by prettyplease); a raw literal is copied each time instead,
/// and prints the same `/// line`.
fn raw_str(text: &str) -> proc_macro2::Literal {
    let mut hashes = String::new();
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    // Any text can be a raw string (it has no escapes), and a proc-macro2
    // literal always lexes from a well-formed literal: the fallback never runs.
    format!("r{hashes}\"{text}\"{hashes}")
        .parse()
        .unwrap_or_else(|_| proc_macro2::Literal::string(text))
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
    /// One operation group module.
    Group(usize),
    /// `Client` and its accessors.
    Client,
}

/// Model types per `Models` unit.
const MODELS_PER_UNIT: usize = 48;

/// The parts of the file in output order. Top-level items are formatted
/// independently by prettyplease, so formatting them one by one and
/// concatenating the text gives the text of the whole file; the `models`
/// module is split into runs of items that are formatted inside their own
/// `pub mod models { .. }` and joined (see [`join_models`]).
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
    units.extend((0..api.groups.len()).map(Unit::Group));
    units.push(Unit::Client);
    units
}

/// The tokens of one unit, and (for models) whether they use the runtime.
pub(crate) fn unit_tokens(
    api: &Api,
    runtime_path: &syn::Path,
    doc_crate: Option<&str>,
    unit: Unit,
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
        Unit::Group(i) => (
            ops::group(api, &api.groups[i], runtime_path, doc_crate),
            false,
        ),
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

/// Joins the formatted `models` units into the text of one module: the text
/// before the first unit's closing line, the inner lines of the others, then
/// the closing line. `import` (the inner line(s) of the formatted runtime
/// import) goes first inside the module.
/// The lines inside the module of one formatted `models` unit.
pub(crate) fn models_inner(text: &str) -> Option<&str> {
    const OPEN: &str = "pub mod models {\n";
    let start = text.find(OPEN)? + OPEN.len();
    text[start..].strip_suffix("}\n")
}

pub(crate) fn join_models(parts: &[String], import: Option<&str>) -> Option<String> {
    const OPEN: &str = "pub mod models {\n";
    if let ([only], None) = (parts, import) {
        return Some(only.clone());
    }
    let mut out = String::with_capacity(parts.iter().map(String::len).sum::<usize>() + 64);
    let n = parts.len();
    for (i, text) in parts.iter().enumerate() {
        let open_end = text.find(OPEN)? + OPEN.len();
        let (head, inner) = text.split_at(open_end);
        if i == 0 {
            out.push_str(head);
            if let Some(import) = import {
                out.push_str(import);
            }
        }
        if i + 1 == n {
            out.push_str(inner);
        } else {
            let close = inner.strip_suffix("}\n")?;
            out.push_str(close);
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

    /// The literal `raw_str` gives reads back as the text, whatever the text
    /// holds: quotes and `"#` runs (more `#`), a bare carriage return (not
    /// allowed in a raw string: the escaped literal instead), backslashes.
    #[test]
    fn raw_doc_literals_read_back_as_the_text() {
        for text in [
            " plain",
            r#" say "hi""#,
            r##" a "# inside"##,
            " back\\slash \\n stays",
            " bare \r return",
            "",
        ] {
            let lit = raw_str(text);
            let parsed: syn::LitStr = syn::parse2(quote!(#lit)).expect("a string literal");
            assert_eq!(parsed.value(), text, "{lit}");
        }
        assert!(raw_str(" plain").to_string().starts_with("r\""));
        assert!(raw_str(r##" a "# inside"##)
            .to_string()
            .starts_with("r##\""));
    }

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
