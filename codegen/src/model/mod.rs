//! The intermediate model: what the emitter needs, with every name already
//! decided, lowered from an `openapiv3` document.
//!
//! Type mapping (documented choices):
//! * `integer` with `format: int32` → `i32`; any other integer → `i64`.
//! * `number` with `format: float` → `f32`; any other number → `f64`.
//! * `string` → `String` whatever its format (`date-time`, `date`, `uuid`,
//!   `byte` (base64 text), `binary` inside JSON, `decimal` stay text: no extra
//!   dependencies, no lossy parsing), except `format: password` and names
//!   containing `secret`/`password` → `SecretString`. A string `enum` → an
//!   enum with an `Other(String)` variant.
//! * An integer `enum` stays the integer type (so unlisted values decode);
//!   the known values, `default`s, `readOnly` and `writeOnly` are documented
//!   on the field. `readOnly`/`writeOnly` properties are `Option` even when
//!   required; read-only ones are not request inputs.
//! * Bodies: JSON; `application/x-www-form-urlencoded` objects (flattened
//!   like JSON objects, sent as form pairs); `text/*` → `String`; any other
//!   single-part media type → `Vec<u8>` sent/received as is. `multipart/*`,
//!   `not`, query maps and `allOf` of non-objects are
//!   refused with an error naming the construct and its JSON pointer.
//! * `boolean` → `bool`; no `type` → `serde_json::Value`; `array` → `Vec`;
//!   an object with only `additionalProperties` → `BTreeMap<String, T>`.
//! * `oneOf`/`anyOf` → an enum (one variant per alternative); `allOf` → the
//!   single member, or a struct merging the members' properties.
//! * `oneOf`/`anyOf` of inline objects that each require one property with
//!   a one-value string enum, the values distinct → one internally tagged
//!   enum, a struct variant per alternative and `Unknown` for an unlisted
//!   tag ([`TypeKind::TaggedUnion`]).
//! * `oneOf` of inline objects that each have one required property, the
//!   names distinct → one externally tagged enum, a newtype variant per
//!   property name ([`TypeKind::ExternalUnion`]).

pub(crate) mod bodies;
pub(crate) mod classify;
mod ir;
mod naming;
mod operations;
pub(crate) mod params;
mod refs;
mod schemas;
mod security;

pub(crate) use ir::*;

use crate::error::Error;
use crate::names::{self, Names};
use openapiv3::OpenAPI;
use std::collections::BTreeMap;

/// Whether a component schema is being lowered or is done (a reference back
/// to one in progress is a cycle, broken with a `Box`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    InProgress,
    Done,
}

/// Lowering state: the document, the names claimed so far and the types
/// made so far (each concern's methods live in the sibling modules).
struct Lowerer<'a> {
    doc: &'a OpenAPI,
    file: &'a str,
    /// Component schema key → Rust type name.
    comp_names: BTreeMap<String, String>,
    /// Component schema key → the key lowered for it (see [`naming`]).
    canonical: BTreeMap<String, String>,
    /// Canonical key → the keys it stands for.
    members: BTreeMap<String, Vec<String>>,
    /// Inline type name hint → the short name its property or parameter
    /// gives it (`SnapTradeLoginUserRequestBodyConnectionType` →
    /// `ConnectionType`), recorded before it is lowered.
    shorts: BTreeMap<String, String>,
    /// Inline type (long name) → its short name (see [`naming::shorten`]).
    wants: BTreeMap<String, String>,
    state: BTreeMap<String, State>,
    types: BTreeMap<String, TypeDef>,
    names: Names,
    /// How many `define`s are under way (bounds inline recursion).
    depth: usize,
    /// What was left out of the document (see [`Api::warnings`]).
    warnings: Vec<String>,
}

/// Lowers a parsed document.
pub(crate) fn lower(
    doc: &OpenAPI,
    file: &str,
    webhooks: &[crate::load::RawWebhook],
) -> Result<Api, Error> {
    let mut names = Names::with_reserved(names::RESERVED_TYPES);
    let comps = naming::component_names(
        doc.components.iter().flat_map(|c| c.schemas.iter()),
        &mut names,
    );
    let mut l = Lowerer {
        doc,
        file,
        comp_names: comps.rust,
        canonical: comps.canonical,
        members: comps.members,
        shorts: BTreeMap::new(),
        wants: BTreeMap::new(),
        state: BTreeMap::new(),
        types: BTreeMap::new(),
        names,
        depth: 0,
        warnings: Vec::new(),
    };
    let (groups, used_schemes) = l.lower_operations()?;
    let schemes = l.lower_schemes(&used_schemes);
    let mut hooks = Vec::new();
    for w in webhooks {
        let payload = match &w.schema {
            Some(key) => {
                let ty = l.lower_component(key, &w.pointer)?;
                if let (Ty::Named(n), Some(doc)) = (&ty, &w.doc) {
                    if let Some(t) = l.types.get_mut(n) {
                        if t.doc.starts_with("The `") && t.doc.ends_with("` schema.") {
                            t.doc = format!("Payload of the webhook `{}`: {doc}", w.name);
                        }
                    }
                }
                Some(ty)
            }
            None => None,
        };
        hooks.push(Webhook {
            name: w.name.clone(),
            method: w.method.clone(),
            payload,
            media: w.media.clone(),
        });
    }
    // Server variables take their defaults; the template is documented.
    let mut base_url_doc = None;
    let base_url = match doc.servers.first() {
        Some(server) => match &server.variables {
            Some(vars) if !vars.is_empty() => {
                let mut url = server.url.clone();
                let mut lines = Vec::new();
                for (name, var) in vars {
                    url = url.replace(&format!("{{{name}}}"), &var.default);
                    let choices = if var.enumeration.is_empty() {
                        String::new()
                    } else {
                        format!(" (one of `{}`)", var.enumeration.join("`, `"))
                    };
                    lines.push(format!("* `{name}`: `{}`{choices}", var.default));
                }
                if url.contains('{') {
                    return Err(Error::spec(
                        file,
                        "#/servers/0/url",
                        format!(
                            "server URL `{}` uses a variable that `variables` does not define",
                            server.url
                        ),
                    ));
                }
                base_url_doc = Some(format!(
                    "The first `servers[].url` of the document, `{}`, with each variable at its default:\n{}",
                    server.url,
                    lines.join("\n")
                ));
                url
            }
            _ => server.url.clone(),
        },
        None => "/".to_owned(),
    };
    let mut api = Api {
        base_url,
        base_url_doc,
        title: doc.info.title.clone(),
        types: l.types.into_values().collect(),
        schemes,
        groups,
        model_derives: Vec::new(),
        webhooks: hooks,
        warnings: l.warnings,
    };
    naming::shorten(&mut api, &l.wants, &l.names);
    Ok(api)
}

/// The HTTP methods a path item may hold, in the order the generator (and
/// `openapiv3::PathItem::iter`) visits them. The one list every reader of
/// path items uses.
pub(crate) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
