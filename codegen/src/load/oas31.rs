//! The OpenAPI 3.1 reader: a pass over the raw document that writes what
//! 3.1 (JSON Schema 2020-12) says in the shapes of 3.0, so that one
//! `openapiv3` parse and one lowering serve both versions and end in the
//! same model. Emission, `API.md` and the review diff never learn which
//! version they read.
//!
//! Why not a 3.1 crate: the lowering, the review diff and their shared
//! classification read `openapiv3` types (and the raw document as 3.0
//! writes it); a second object model would need a second lowering that could
//! drift from the first. Every 3.1 construct the generator types has a 3.0
//! spelling, so one rewrite keeps a single path:
//!
//! * `type: [T, "null"]`, `anyOf`/`oneOf` with a `{type: "null"}` member and
//!   `const: null` → `nullable: true` (an `Option`), the remaining members
//!   as `allOf: [one]` (the 3.0 idiom for a nullable reference), merged into
//!   the schema when it is inline, or as the union of the rest;
//! * `type: [A, B]` → `oneOf: [{type: A, ...}, {type: B, ...}]`, each
//!   type's keywords with it;
//! * `const: v` → `enum: [v]` (with the `type` its value has);
//! * numeric `exclusiveMinimum`/`exclusiveMaximum` → `minimum` plus the
//!   boolean;
//! * `examples: [..]` → `example` (the first), `contentMediaType:
//!   application/octet-stream` → `format: binary`, `contentEncoding: base64`
//!   → `format: byte`;
//! * `$ref` beside other keywords (allowed in 3.1) → `allOf: [{$ref}]` with
//!   the keywords beside it, so the description and default stay;
//! * boolean schemas: `true` → `{}`; `false` → `{not: {}}` (refused if used);
//! * `$ref`s to `components.pathItems` are replaced by the path item, and a
//!   document without `paths` gets an empty one.
//!
//! `$defs` are schemas like any other (a `$ref` into one is hoisted into
//! `components` by [`super::prepare`]); `$comment`, `$schema`, `$id`,
//! `$anchor` and `contentSchema` are annotations and dropped. `info.summary`,
//! `license.identifier` and `jsonSchemaDialect` need nothing.
//!
//! Keywords the model cannot honour (`prefixItems`, `$dynamicRef`,
//! `$dynamicAnchor`, `unevaluatedProperties`, `unevaluatedItems`) are
//! replaced by the extension [`REFUSED`], which the lowering turns into an
//! error naming the keyword when (and only when) the schema is used.
//!
//! Every part that moves is recorded in [`Origins`], so errors name the JSON
//! pointer of the document as written.

use crate::error::{escape_pointer, Error};
use serde_yaml::{Mapping, Value};

/// The extension that marks a schema using a keyword the generator refuses
/// (its value is the keyword).
pub(crate) const REFUSED: &str = "x-oapi-client-gen-refused";

/// The JSON Schema keywords refused in a schema that is used.
pub(crate) const REFUSED_KEYWORDS: [&str; 5] = [
    "prefixItems",
    "$dynamicRef",
    "$dynamicAnchor",
    "unevaluatedProperties",
    "unevaluatedItems",
];

/// Annotation-only keywords: dropped.
const ANNOTATIONS: [&str; 6] = [
    "$comment",
    "$schema",
    "$id",
    "$anchor",
    "$vocabulary",
    "contentSchema",
];

/// Where the parts the rewrite moved were written: `(pointer now, pointer in
/// the document as written)`.
#[derive(Debug, Default, Clone)]
pub(crate) struct Origins {
    moves: Vec<(String, String)>,
}

impl Origins {
    /// The pointer in the document as written for a pointer into the
    /// rewritten one.
    pub(crate) fn restore(&self, pointer: &str) -> String {
        let best = self
            .moves
            .iter()
            .filter(|(new, _)| {
                pointer == new
                    || (pointer.starts_with(new.as_str())
                        && pointer.as_bytes().get(new.len()) == Some(&b'/'))
            })
            .max_by_key(|(new, _)| new.len());
        match best {
            Some((new, orig)) => format!("{orig}{}", &pointer[new.len()..]),
            None => pointer.to_owned(),
        }
    }

    /// The error with its pointer restored.
    pub(crate) fn restore_error(&self, e: Error) -> Error {
        match e {
            Error::Spec {
                file,
                pointer,
                message,
            } => Error::Spec {
                pointer: self.restore(&pointer),
                file,
                message,
            },
            other => other,
        }
    }

    fn record(&mut self, new: &str, orig: &str) {
        if new != orig {
            self.moves.push((new.to_owned(), orig.to_owned()));
        }
    }
}

fn key(k: &str) -> Value {
    Value::String(k.to_owned())
}

fn child(base: &str, seg: &str) -> String {
    format!("{base}/{}", escape_pointer(seg))
}

/// A webhook of a 3.1 document (`webhooks`): what the server sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawWebhook {
    /// Its key in `webhooks`.
    pub(crate) name: String,
    /// The HTTP method, upper case.
    pub(crate) method: String,
    /// The payload's schema, as a key of `components.schemas` (an inline
    /// payload is moved there, as `{name}Payload`).
    pub(crate) schema: Option<String>,
    /// The payload's media type.
    pub(crate) media: Option<String>,
    /// JSON pointer of the operation (as written).
    pub(crate) pointer: String,
    /// Its summary or description.
    pub(crate) doc: Option<String>,
}

/// Collects the webhooks, moving inline payload schemas into
/// `components.schemas` so they lower like any other (the move recorded).
pub(super) fn webhooks(root: &mut Value, o: &mut Origins) -> Vec<RawWebhook> {
    let mut out = Vec::new();
    let Some(Value::Mapping(hooks)) = root.get("webhooks").cloned() else {
        return out;
    };
    for (name, item) in &hooks {
        let Some(name) = name.as_str() else { continue };
        let Value::Mapping(item) = item else { continue };
        for method in crate::model::METHODS {
            let Some(Value::Mapping(op)) = item.get(method) else {
                continue;
            };
            let pointer = format!("#/webhooks/{}/{method}", escape_pointer(name));
            let mut body = op.get("requestBody").cloned();
            let mut body_ptr = format!("{pointer}/requestBody");
            for _ in 0..8 {
                let target = match body.as_ref().and_then(|b| b.get("$ref")) {
                    Some(Value::String(t)) => t.clone(),
                    _ => break,
                };
                body = super::resolve_pointer(root, &target).cloned();
                body_ptr = target;
            }
            let content = body
                .as_ref()
                .and_then(|b| b.get("content"))
                .and_then(Value::as_mapping);
            let picked = content.and_then(|c| {
                c.iter()
                    .find(|(k, _)| k.as_str().is_some_and(|k| k.contains("json")))
                    .or_else(|| c.iter().next())
            });
            let (media, schema) = match picked {
                Some((mt, media)) => (mt.as_str().map(str::to_owned), media.get("schema").cloned()),
                None => (None, None),
            };
            let schema = match schema {
                Some(Value::Mapping(s)) => match s.get("$ref") {
                    Some(Value::String(r))
                        if s.len() == 1 && r.starts_with("#/components/schemas/") =>
                    {
                        let rest = &r["#/components/schemas/".len()..];
                        (!rest.contains('/')).then(|| rest.replace("~1", "/").replace("~0", "~"))
                    }
                    _ => {
                        let mut key = format!("{name}Payload");
                        if method != "post" {
                            key = format!("{name}{}Payload", crate::names::type_name(method));
                        }
                        let taken = |k: &str| {
                            root.get("components")
                                .and_then(|c| c.get("schemas"))
                                .and_then(|s| s.get(k))
                                .is_some()
                        };
                        let base = key.clone();
                        let mut n = 2;
                        while taken(&key) {
                            key = format!("{base}{n}");
                            n += 1;
                        }
                        let mt = media.clone().unwrap_or_default();
                        o.record(
                            &format!("#/components/schemas/{}", escape_pointer(&key)),
                            &format!("{body_ptr}/content/{}/schema", escape_pointer(&mt)),
                        );
                        insert_schema(root, &key, Value::Mapping(s));
                        Some(key)
                    }
                },
                _ => None,
            };
            let text = |k: &str| op.get(k).and_then(Value::as_str).map(str::to_owned);
            out.push(RawWebhook {
                name: name.to_owned(),
                method: method.to_ascii_uppercase(),
                schema,
                media,
                pointer,
                doc: text("summary").or_else(|| text("description")),
            });
        }
    }
    out
}

fn insert_schema(root: &mut Value, k: &str, schema: Value) {
    let Value::Mapping(doc) = root else { return };
    let comps = doc
        .entry(key("components"))
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    let Value::Mapping(comps) = comps else { return };
    let schemas = comps
        .entry(key("schemas"))
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    if let Value::Mapping(schemas) = schemas {
        schemas.insert(key(k), schema);
    }
}

/// Rewrites a 3.1 document (see the module documentation) into 3.0 shapes.
pub(super) fn normalize(root: &mut Value) -> Origins {
    let mut o = Origins::default();
    let Value::Mapping(doc) = root else {
        return o;
    };
    doc.insert(key("openapi"), key("3.0.3"));
    if !doc.contains_key("paths") {
        doc.insert(key("paths"), Value::Mapping(Mapping::new()));
    }
    let path_items = doc
        .get("components")
        .and_then(|c| c.get("pathItems"))
        .cloned();
    mutual_tls(doc);
    let keys: Vec<Value> = doc.keys().cloned().collect();
    for k in keys {
        let name = k.as_str().unwrap_or_default().to_owned();
        let Some(v) = doc.get_mut(&k) else { continue };
        let here = child("#", &name);
        match name.as_str() {
            "components" => {
                let Value::Mapping(comps) = v else { continue };
                for (ck, cv) in comps.iter_mut() {
                    let section = ck.as_str().unwrap_or_default();
                    let sp = child(&here, section);
                    if section == "schemas" {
                        if let Value::Mapping(schemas) = cv {
                            for (sk, s) in schemas.iter_mut() {
                                let p = child(&sp, sk.as_str().unwrap_or_default());
                                schema(s, &p, &p, &mut o);
                            }
                        }
                    } else if section != "examples" && !section.starts_with("x-") {
                        other(cv, &sp, &sp, path_items.as_ref(), &mut o);
                    }
                }
            }
            "paths" | "webhooks" => other(v, &here, &here, path_items.as_ref(), &mut o),
            _ => {}
        }
    }
    o
}

/// `type: mutualTLS` schemes (3.1) authenticate at the TLS layer, with the
/// client certificate of the HTTP client (`ClientBuilder::http_client`): no
/// request carries anything for them. The schemes go, and a requirement
/// naming one asks nothing of the request for it.
fn mutual_tls(doc: &mut Mapping) {
    let mut names = Vec::new();
    if let Some(Value::Mapping(schemes)) = doc
        .get_mut("components")
        .and_then(|c| c.get_mut("securitySchemes"))
    {
        schemes.retain(|k, v| {
            let tls = v.get("type").and_then(Value::as_str) == Some("mutualTLS");
            if tls {
                names.push(k.clone());
            }
            !tls
        });
    }
    if names.is_empty() {
        return;
    }
    fn strip(v: &mut Value, names: &[Value]) {
        match v {
            Value::Mapping(m) => {
                for (k, c) in m.iter_mut() {
                    if k.as_str() == Some("security") {
                        if let Value::Sequence(reqs) = c {
                            for r in reqs.iter_mut() {
                                if let Value::Mapping(r) = r {
                                    r.retain(|k, _| !names.contains(k));
                                }
                            }
                        }
                    } else {
                        strip(c, names);
                    }
                }
            }
            Value::Sequence(s) => s.iter_mut().for_each(|c| strip(c, names)),
            _ => {}
        }
    }
    for (k, v) in doc.iter_mut() {
        if matches!(
            k.as_str(),
            Some("security" | "paths" | "webhooks" | "components")
        ) {
            if k.as_str() == Some("security") {
                if let Value::Sequence(reqs) = v {
                    for r in reqs.iter_mut() {
                        if let Value::Mapping(r) = r {
                            r.retain(|k, _| !names.contains(k));
                        }
                    }
                }
            } else {
                strip(v, &names);
            }
        }
    }
}

/// A part of the document that is not a schema: finds the schemas in it.
fn other(v: &mut Value, new: &str, orig: &str, items: Option<&Value>, o: &mut Origins) {
    o.record(new, orig);
    let Value::Mapping(m) = v else {
        if let Value::Sequence(s) = v {
            for (i, c) in s.iter_mut().enumerate() {
                let seg = i.to_string();
                other(c, &child(new, &seg), &child(orig, &seg), items, o);
            }
        }
        return;
    };
    // A path item written as a `$ref` to `components.pathItems`: the item
    // itself (its own keywords first), read where it was written.
    let mut orig = orig.to_owned();
    for _ in 0..8 {
        let target = match m.get("$ref") {
            Some(Value::String(t)) if t.starts_with("#/components/pathItems/") => t.clone(),
            _ => break,
        };
        let name = target
            .trim_start_matches("#/components/pathItems/")
            .replace("~1", "/")
            .replace("~0", "~");
        let Some(Value::Mapping(item)) = items.and_then(|i| i.get(name.as_str())) else {
            break;
        };
        m.remove("$ref");
        for (k, v) in item {
            if !m.contains_key(k) {
                m.insert(k.clone(), v.clone());
            }
        }
        orig = target;
        o.record(new, &orig);
    }
    // `responses` is optional in 3.1: an operation without documents none.
    for method in crate::model::METHODS {
        if let Some(Value::Mapping(op)) = m.get_mut(method) {
            if !op.contains_key("responses") {
                op.insert(key("responses"), Value::Mapping(Mapping::new()));
            }
        }
    }
    for (k, c) in m.iter_mut() {
        let name = k.as_str().unwrap_or_default();
        let (cn, co) = (child(new, name), child(&orig, name));
        match name {
            "schema" => schema(c, &cn, &co, o),
            "example" | "examples" | "default" => {}
            _ if name.starts_with("x-") => {}
            _ => other(c, &cn, &co, items, o),
        }
    }
}

/// Keywords whose value is a map of schemas.
const SCHEMA_MAPS: [&str; 5] = [
    "properties",
    "$defs",
    "definitions",
    "patternProperties",
    "dependentSchemas",
];
/// Keywords whose value is one schema.
const SCHEMA_ONE: [&str; 7] = [
    "items",
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
];
/// Keywords whose value is a list of schemas.
const SCHEMA_LISTS: [&str; 3] = ["allOf", "anyOf", "oneOf"];

/// One schema (and everything under it).
fn schema(v: &mut Value, new: &str, orig: &str, o: &mut Origins) {
    o.record(new, orig);
    match v {
        Value::Bool(true) => *v = Value::Mapping(Mapping::new()),
        Value::Bool(false) => {
            let mut m = Mapping::new();
            m.insert(key("not"), Value::Mapping(Mapping::new()));
            *v = Value::Mapping(m);
        }
        _ => {}
    }
    let Value::Mapping(m) = v else { return };
    // Children that moved: relative path (`allOf/0`, `type`) → pointer as
    // written.
    let mut moved: Vec<(String, String)> = Vec::new();
    rewrite(m, orig, &mut moved);
    // Leaves too (a refused keyword is named by its pointer).
    for (rel, from) in &moved {
        o.record(&format!("{new}/{rel}"), from);
    }
    let origin_of = |rel: &str, first: &str| -> String {
        if let Some((_, o)) = moved.iter().find(|(r, _)| r == rel) {
            return o.clone();
        }
        if let Some((_, o)) = moved.iter().find(|(r, _)| r == first) {
            return format!("{o}{}", &rel[first.len()..]);
        }
        format!("{orig}/{rel}")
    };
    for (k, c) in m.iter_mut() {
        let name = k.as_str().unwrap_or_default();
        let kseg = escape_pointer(name);
        if SCHEMA_MAPS.contains(&name) {
            if let Value::Mapping(children) = c {
                for (ck, cv) in children.iter_mut() {
                    let rel = format!("{kseg}/{}", escape_pointer(ck.as_str().unwrap_or_default()));
                    let co = origin_of(&rel, &kseg);
                    schema(cv, &format!("{new}/{rel}"), &co, o);
                }
            }
        } else if SCHEMA_ONE.contains(&name) || name == "else" {
            if name == "additionalProperties" && !c.is_mapping() {
                continue;
            }
            let co = origin_of(&kseg, &kseg);
            schema(c, &format!("{new}/{kseg}"), &co, o);
        } else if SCHEMA_LISTS.contains(&name) {
            if let Value::Sequence(list) = c {
                for (i, cv) in list.iter_mut().enumerate() {
                    let rel = format!("{kseg}/{i}");
                    let co = origin_of(&rel, &kseg);
                    schema(cv, &format!("{new}/{rel}"), &co, o);
                }
            }
        }
    }
}

/// Whether a schema says only "the value is null".
fn is_null(v: &Value) -> bool {
    let Value::Mapping(m) = v else { return false };
    let null_type = match m.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Sequence(ts)) => ts.iter().all(|t| t.as_str() == Some("null")),
        _ => matches!(m.get("const"), Some(Value::Null)) && !m.contains_key("type"),
    };
    null_type
        && m.keys().all(|k| {
            matches!(
                k.as_str(),
                Some("type" | "const" | "title" | "description" | "$comment" | "default")
            )
        })
}

/// The keywords that belong to one JSON type (for splitting `type` arrays).
fn type_keywords(t: &str) -> &'static [&'static str] {
    match t {
        "string" => &[
            "format",
            "pattern",
            "minLength",
            "maxLength",
            "contentMediaType",
            "contentEncoding",
        ],
        "integer" | "number" => &[
            "format",
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
        ],
        "array" => &[
            "items",
            "minItems",
            "maxItems",
            "uniqueItems",
            "prefixItems",
        ],
        "object" => &[
            "properties",
            "required",
            "additionalProperties",
            "minProperties",
            "maxProperties",
            "patternProperties",
        ],
        _ => &[],
    }
}

/// Whether a JSON value has the JSON Schema type `t`.
fn has_type(v: &Value, t: &str) -> bool {
    match (v, t) {
        (Value::String(_), "string") => true,
        (Value::Bool(_), "boolean") => true,
        (Value::Number(n), "integer") => n.is_i64() || n.is_u64(),
        (Value::Number(_), "number") => true,
        (Value::Sequence(_), "array") => true,
        (Value::Mapping(_), "object") => true,
        (Value::Null, "null") => true,
        _ => false,
    }
}

/// The rewrites of one schema's own keywords (see the module docs);
/// `moved` receives the children that moved.
fn rewrite(m: &mut Mapping, orig: &str, moved: &mut Vec<(String, String)>) {
    // A union with a null member: nullable, and the rest.
    for union in ["anyOf", "oneOf"] {
        let Some(Value::Sequence(alts)) = m.get(union) else {
            continue;
        };
        if !alts.iter().any(is_null) {
            continue;
        }
        let Some(Value::Sequence(alts)) = m.remove(union) else {
            continue;
        };
        m.insert(key("nullable"), Value::Bool(true));
        let rest: Vec<(usize, Value)> = alts
            .into_iter()
            .enumerate()
            .filter(|(_, a)| !is_null(a))
            .collect();
        match rest.as_slice() {
            [] => {}
            [(i, Value::Mapping(one))]
                if !one.contains_key("$ref")
                    && !m.contains_key("discriminator")
                    && one.keys().all(|k| !m.contains_key(k)) =>
            {
                // Inline: its keywords are the schema's own.
                for (k, v) in one {
                    let name = k.as_str().unwrap_or_default();
                    moved.push((
                        escape_pointer(name),
                        format!("{orig}/{union}/{i}/{}", escape_pointer(name)),
                    ));
                    m.insert(k.clone(), v.clone());
                }
            }
            [(i, one)] => {
                let mut members = match m.remove("allOf") {
                    Some(Value::Sequence(s)) => s,
                    _ => Vec::new(),
                };
                moved.push((
                    format!("allOf/{}", members.len()),
                    format!("{orig}/{union}/{i}"),
                ));
                members.push(one.clone());
                m.insert(key("allOf"), Value::Sequence(members));
            }
            _ => {
                let mut kept = Vec::new();
                for (j, (i, a)) in rest.into_iter().enumerate() {
                    if i != j {
                        moved.push((format!("{union}/{j}"), format!("{orig}/{union}/{i}")));
                    }
                    kept.push(a);
                }
                m.insert(key(union), Value::Sequence(kept));
            }
        }
    }
    for k in ANNOTATIONS {
        m.remove(k);
    }
    if let Some(kw) = REFUSED_KEYWORDS.iter().find(|k| m.contains_key(**k)) {
        m.insert(key(REFUSED), key(kw));
        for k in REFUSED_KEYWORDS {
            m.remove(k);
        }
    }
    if let Some(Value::Sequence(examples)) = m.get("examples") {
        if !m.contains_key("example") {
            if let Some(first) = examples.first().cloned() {
                m.insert(key("example"), first);
            }
        }
        m.remove("examples");
    }
    if let Some(c) = m.remove("const") {
        if c.is_null() {
            m.insert(key("nullable"), Value::Bool(true));
        } else {
            if !m.contains_key("type") {
                let t = ["string", "integer", "number", "boolean", "array", "object"]
                    .into_iter()
                    .find(|t| has_type(&c, t));
                if let Some(t) = t {
                    m.insert(key("type"), key(t));
                }
            }
            if !m.contains_key("enum") {
                m.insert(key("enum"), Value::Sequence(vec![c]));
            }
        }
    }
    for (excl, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(Value::Number(n)) = m.get(excl).cloned() {
            m.insert(key(bound), Value::Number(n));
            m.insert(key(excl), Value::Bool(true));
        }
    }
    let media = m.remove("contentMediaType");
    let encoding = m.remove("contentEncoding");
    if !m.contains_key("format") {
        let format = match (encoding.as_ref().and_then(Value::as_str), media.as_ref()) {
            (Some("base64" | "base64url"), _) => Some("byte"),
            (None, Some(Value::String(mt))) if !mt.starts_with("text/") && !mt.contains("json") => {
                Some("binary")
            }
            _ => None,
        };
        if let Some(f) = format {
            m.insert(key("format"), key(f));
        }
    }
    // `type` arrays.
    if let Some(Value::Sequence(types)) = m.get("type").cloned() {
        let mut types: Vec<String> = types
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect();
        if types.iter().any(|t| t == "null") {
            m.insert(key("nullable"), Value::Bool(true));
            types.retain(|t| t != "null");
            if let Some(Value::Sequence(values)) = m.get_mut("enum") {
                values.retain(|v| !v.is_null());
            }
        }
        // `integer` beside `number` adds nothing.
        if types.iter().any(|t| t == "number") {
            types.retain(|t| t != "integer");
        }
        types.dedup();
        match types.as_slice() {
            [] => {
                m.remove("type");
            }
            [one] => {
                m.insert(key("type"), key(one));
            }
            _ if m.contains_key("oneOf") || m.contains_key("anyOf") => {
                m.remove("type");
            }
            _ => {
                m.remove("type");
                let values = match m.remove("enum") {
                    Some(Value::Sequence(v)) => Some(v),
                    _ => None,
                };
                let mut alts = Vec::new();
                for t in &types {
                    let mut alt = Mapping::new();
                    alt.insert(key("type"), key(t));
                    for kw in type_keywords(t) {
                        if let Some(v) = m.get(*kw) {
                            let fits = *kw != "format"
                                || match v.as_str().unwrap_or_default() {
                                    "int32" | "int64" => t == "integer",
                                    "float" | "double" => t == "number",
                                    _ => t == "string",
                                };
                            if fits {
                                alt.insert(key(kw), v.clone());
                            }
                        }
                    }
                    if let Some(values) = &values {
                        let mine: Vec<Value> =
                            values.iter().filter(|v| has_type(v, t)).cloned().collect();
                        if !mine.is_empty() {
                            alt.insert(key("enum"), Value::Sequence(mine));
                        }
                    }
                    alts.push(Value::Mapping(alt));
                }
                for t in &types {
                    for kw in type_keywords(t) {
                        m.remove(*kw);
                    }
                }
                m.insert(key("oneOf"), Value::Sequence(alts));
            }
        }
    }
    // `$ref` beside other keywords: the keywords stay, the reference
    // becomes the one member of an `allOf`.
    if m.contains_key("$ref") && m.len() > 1 {
        if let Some(r) = m.remove("$ref") {
            let mut inner = Mapping::new();
            inner.insert(key("$ref"), r);
            let mut members = match m.remove("allOf") {
                Some(Value::Sequence(s)) => s,
                _ => Vec::new(),
            };
            moved.push((format!("allOf/{}", members.len()), orig.to_owned()));
            members.push(Value::Mapping(inner));
            m.insert(key("allOf"), Value::Sequence(members));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(schema_yaml: &str) -> (serde_json::Value, Origins) {
        let doc = format!(
            "openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\ncomponents:\n  schemas:\n    S: {schema_yaml}\n"
        );
        let mut v: Value = serde_yaml::from_str(&doc).unwrap();
        let o = normalize(&mut v);
        let s = v["components"]["schemas"]["S"].clone();
        (serde_json::to_value(&s).unwrap(), o)
    }

    #[test]
    fn null_members_become_nullable() {
        let (v, _) = norm("{anyOf: [{type: string, maxLength: 3}, {type: 'null'}], title: T}");
        assert_eq!(
            v,
            serde_json::json!({"title": "T", "nullable": true, "type": "string", "maxLength": 3})
        );
        let (v, o) = norm("{anyOf: [{type: 'null'}, {$ref: '#/components/schemas/X'}]}");
        assert_eq!(
            v,
            serde_json::json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/X"}]})
        );
        assert_eq!(
            o.restore("#/components/schemas/S/allOf/0/$ref"),
            "#/components/schemas/S/anyOf/1/$ref"
        );
        let (v, _) = norm("{type: [integer, 'null'], enum: [1, 2, null]}");
        assert_eq!(
            v,
            serde_json::json!({"type": "integer", "nullable": true, "enum": [1, 2]})
        );
    }

    #[test]
    fn type_arrays_split_their_keywords() {
        let (v, _) = norm("{type: [string, integer], format: int32, maxLength: 2}");
        assert_eq!(
            v,
            serde_json::json!({"oneOf": [{"type": "string", "maxLength": 2},
                                         {"type": "integer", "format": "int32"}]})
        );
    }

    #[test]
    fn ref_siblings_const_exclusive_and_content() {
        let (v, o) = norm("{$ref: '#/components/schemas/X', description: d, default: a}");
        assert_eq!(
            v,
            serde_json::json!({"description": "d", "default": "a",
                               "allOf": [{"$ref": "#/components/schemas/X"}]})
        );
        assert_eq!(
            o.restore("#/components/schemas/S/allOf/0"),
            "#/components/schemas/S"
        );
        let (v, _) = norm("{const: cat}");
        assert_eq!(v, serde_json::json!({"type": "string", "enum": ["cat"]}));
        let (v, _) = norm("{type: number, exclusiveMinimum: 0, exclusiveMaximum: 1.5}");
        assert_eq!(
            v,
            serde_json::json!({"type": "number", "minimum": 0, "exclusiveMinimum": true,
                               "maximum": 1.5, "exclusiveMaximum": true})
        );
        let (v, _) = norm("{type: string, contentMediaType: application/octet-stream}");
        assert_eq!(v, serde_json::json!({"type": "string", "format": "binary"}));
        let (v, _) = norm("{type: string, contentEncoding: base64, examples: [aGk=]}");
        assert_eq!(
            v,
            serde_json::json!({"type": "string", "format": "byte", "example": "aGk="})
        );
    }

    #[test]
    fn refused_keywords_are_marked() {
        let (v, _) = norm("{type: array, prefixItems: [{type: string}], $comment: c}");
        assert_eq!(
            v,
            serde_json::json!({"type": "array", REFUSED: "prefixItems"})
        );
    }
}

/// Each 3.1 construct beside its 3.0 twin: both documents lower to the same
/// model (compared whole, through its `Debug` form).
#[cfg(test)]
mod twins {
    fn doc(version: &str, schemas: &str, extra: &str) -> String {
        format!(
            "openapi: {version}\ninfo: {{title: t, version: '1'}}\n{extra}paths:\n  /s:\n    post:\n      \
             operationId: put_s\n      requestBody:\n        content: {{application/json: {{schema: \
             {{$ref: '#/components/schemas/S'}}}}}}\n      responses:\n        '200':\n          \
             description: ok\n          content: {{application/json: {{schema: {{$ref: \
             '#/components/schemas/S'}}}}}}\ncomponents:\n  schemas:\n    Other: {{type: object, \
             properties: {{id: {{type: integer}}}}}}\n    S:\n{schemas}"
        )
    }

    fn lowered(text: &str) -> String {
        match crate::lower_bytes(text.as_bytes(), "t.yaml") {
            Ok((api, _)) => format!("{api:#?}"),
            Err(e) => panic!("{e}\n{text}"),
        }
    }

    /// `S` written the 3.1 way and the 3.0 way (indented as its body).
    fn same(v31: &str, v30: &str) {
        let a = lowered(&doc("3.1.0", v31, ""));
        let b = lowered(&doc("3.0.3", v30, ""));
        assert_eq!(a, b, "3.1:\n{v31}\n3.0:\n{v30}");
    }

    fn props(p: &str) -> String {
        format!("      type: object\n      required: [a]\n      properties:\n        a: {p}\n")
    }

    #[test]
    fn type_array_with_null_is_nullable() {
        same(
            &props("{type: [string, 'null'], maxLength: 4}"),
            &props("{type: string, nullable: true, maxLength: 4}"),
        );
        same(
            &props("{type: ['null', integer], format: int32}"),
            &props("{type: integer, format: int32, nullable: true}"),
        );
    }

    #[test]
    fn any_of_with_a_null_member_is_nullable() {
        // FastAPI's `Optional[X]`.
        same(
            &props(
                "{anyOf: [{$ref: '#/components/schemas/Other'}, {type: 'null'}], description: d}",
            ),
            &props(
                "{allOf: [{$ref: '#/components/schemas/Other'}], nullable: true, description: d}",
            ),
        );
        same(
            &props("{anyOf: [{type: string, enum: [x, y]}, {type: 'null'}], title: A}"),
            &props("{type: string, enum: [x, y], nullable: true, title: A}"),
        );
        same(
            &props("{oneOf: [{type: string}, {type: integer}, {type: 'null'}]}"),
            &props("{oneOf: [{type: string}, {type: integer}], nullable: true}"),
        );
    }

    #[test]
    fn type_array_without_null_is_a_union() {
        same(
            &props("{type: [string, integer]}"),
            &props("{oneOf: [{type: string}, {type: integer}]}"),
        );
        same(
            &props("{type: [boolean, array], items: {type: string}}"),
            &props("{oneOf: [{type: boolean}, {type: array, items: {type: string}}]}"),
        );
    }

    #[test]
    fn const_is_a_single_value_enum() {
        same(
            &props("{const: fixed, title: Lit}"),
            &props("{type: string, enum: [fixed], title: Lit}"),
        );
    }

    #[test]
    fn numeric_exclusive_bounds_and_examples() {
        same(
            &props("{type: number, exclusiveMinimum: 0, exclusiveMaximum: 10, examples: [1.5]}"),
            &props(
                "{type: number, minimum: 0, exclusiveMinimum: true, maximum: 10, \
                 exclusiveMaximum: true, example: 1.5}",
            ),
        );
    }

    #[test]
    fn ref_with_siblings_keeps_the_reference_and_the_doc() {
        same(
            &props("{$ref: '#/components/schemas/Other', description: The other., default: {id: 1}}"),
            &props("{allOf: [{$ref: '#/components/schemas/Other'}], description: The other., default: {id: 1}}"),
        );
    }

    #[test]
    fn defs_are_schemas_a_ref_can_reach() {
        let v31 = "      type: object\n      properties:\n        a: {$ref: '#/components/schemas/S/$defs/D'}\n      \
                   $defs:\n        D: {type: object, properties: {x: {type: string}}}\n";
        let a = lowered(&doc("3.1.0", v31, ""));
        assert!(a.contains("name: \"SD\""), "{a}");
        assert!(a.contains("wire: \"x\""), "{a}");
    }

    #[test]
    fn content_media_type_and_encoding_are_binary_and_byte() {
        same(
            &props("{type: string, contentMediaType: application/octet-stream}"),
            &props("{type: string, format: binary}"),
        );
        same(
            &props("{type: string, contentEncoding: base64}"),
            &props("{type: string, format: byte}"),
        );
    }

    #[test]
    fn boolean_schemas_and_annotations() {
        same(&props("true"), &props("{}"));
        same(
            &props("{type: string, $comment: c, deprecated: true, readOnly: false, contentSchema: {type: integer}}"),
            &props("{type: string, deprecated: true}"),
        );
    }

    #[test]
    fn path_items_info_summary_license_identifier_and_dialect() {
        let s = props("{type: string}");
        let v31 = doc(
            "3.1.0",
            &s,
            "jsonSchemaDialect: https://spec.openapis.org/oas/3.1/dialect/base\n",
        )
        .replace(
            "info: {title: t, version: '1'}",
            "info: {title: t, version: '1', summary: s, license: {name: MIT, identifier: MIT}}",
        )
        .replace(
            "paths:\n  /s:\n    post:",
            "paths:\n  /s: {$ref: '#/components/pathItems/S'}\n  /t:\n    post:",
        )
        .replace(
            "components:\n",
            "components:\n  pathItems:\n    S:\n      get:\n        operationId: get_s\n        \
             responses: {'204': {description: none}}\n",
        );
        let v30 = doc("3.0.3", &s, "").replace(
            "paths:\n  /s:\n    post:",
            "paths:\n  /s:\n    get:\n      operationId: get_s\n      responses: {'204': \
             {description: none}}\n  /t:\n    post:",
        );
        assert_eq!(lowered(&v31), lowered(&v30));
    }

    #[test]
    fn errors_name_the_pointer_as_written() {
        let v31 = doc(
            "3.1.0",
            &props("{anyOf: [{type: 'null'}, {type: array, prefixItems: [{type: string}]}]}"),
            "",
        );
        let e = crate::lower_bytes(v31.as_bytes(), "t.yaml")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "t.yaml: at #/components/schemas/S/properties/a/anyOf/1/prefixItems: unsupported \
             JSON Schema keyword `prefixItems` in a schema this document uses: the generator \
             cannot type it (and will not drop the constraint)"
        );
        // Unused: no error.
        let unused = v31.replace(
            "    S:\n",
            "    Unused: {unevaluatedProperties: false}\n    S:\n",
        );
        assert!(crate::lower_bytes(
            unused
                .replace("prefixItems", "minItems")
                .replace("[{type: string}]", "1")
                .as_bytes(),
            "t.yaml"
        )
        .is_ok());
    }
}

#[cfg(test)]
mod webhook_tests {
    const DOC: &str = r#"openapi: 3.1.0
info: {title: Hooks, version: '1'}
webhooks:
  newPet:
    post:
      summary: A pet was added.
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Pet'}
      responses: {'200': {description: ok}}
  petGone:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [id]
              properties:
                id: {type: integer}
                reason: {type: [string, 'null']}
      responses: {'200': {description: ok}}
components:
  schemas:
    Pet:
      type: object
      properties:
        name: {type: string}
"#;

    #[test]
    fn webhooks_give_payload_types_and_a_listing() {
        let out = crate::generate_all(DOC.as_bytes(), &crate::Options::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(out.surface.contains(
            "## Webhooks\n\n- webhook \"newPet\" `POST`: payload `Pet` (application/json)\n\
             - webhook \"petGone\" `POST`: payload `PetGonePayload` (application/json)\n"
        ));
        assert!(out
            .rust
            .contains("/// Payload of the webhook `newPet`: A pet was added."));
        assert!(out.rust.contains("pub struct PetGonePayload {"));
        assert!(out.rust.contains("pub reason: Option<String>,"));
        // A document without webhooks has no such section.
        let plain = DOC.split("webhooks:").next().unwrap_or_default().to_owned() + "paths: {}\n";
        let out = crate::generate_all(plain.as_bytes(), &crate::Options::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!out.surface.contains("Webhooks"));
    }

    #[test]
    fn errors_in_an_inline_payload_name_it_where_it_is_written() {
        let bad = DOC.replace(
            "reason: {type: [string, 'null']}",
            "reason: {prefixItems: []}",
        );
        let e = crate::generate_all(bad.as_bytes(), &crate::Options::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                "at #/webhooks/petGone/post/requestBody/content/application~1json/schema/\
                 properties/reason/prefixItems: unsupported JSON Schema keyword `prefixItems`"
            ),
            "{e}"
        );
    }
}

#[cfg(test)]
mod tag_tests {
    /// A discriminator without a mapping over alternatives whose tag is a
    /// `const` (pydantic's `Literal`, utoipa's tagged enums): the tag values
    /// are the constants, in 3.1 as in its 3.0 twin (`enum: [cat]`).
    #[test]
    fn const_tags_are_the_discriminator_values() {
        let doc = |version: &str, cat: &str, dog: &str| {
            format!(
                "openapi: {version}\ninfo: {{title: t, version: '1'}}\npaths:\n  /p:\n    get:\n      \
                 operationId: get_p\n      responses: {{'200': {{description: ok, content: \
                 {{application/json: {{schema: {{$ref: '#/components/schemas/Pet'}}}}}}}}}}\ncomponents:\n  \
                 schemas:\n    Pet:\n      oneOf: [{{$ref: '#/components/schemas/Cat'}}, {{$ref: \
                 '#/components/schemas/Dog'}}]\n      discriminator: {{propertyName: kind}}\n    \
                 Cat: {{type: object, required: [kind], properties: {{kind: {cat}}}}}\n    \
                 Dog: {{type: object, required: [kind], properties: {{kind: {dog}}}}}\n"
            )
        };
        let v31 = doc("3.1.0", "{const: cat}", "{type: string}");
        let v30 = doc("3.0.3", "{type: string, enum: [cat]}", "{type: string}");
        let lower = |text: &str| {
            let (api, _) =
                crate::lower_bytes(text.as_bytes(), "t.yaml").unwrap_or_else(|e| panic!("{e}"));
            let pet = api
                .type_def("Pet")
                .map(|t| format!("{:?}", t.kind))
                .unwrap_or_default();
            pet
        };
        let a = lower(&v31);
        assert!(
            a.contains("discriminator: Some((\"kind\", [(\"cat\", 0), (\"Dog\", 1)]))"),
            "{a}"
        );
        assert_eq!(a, lower(&v30));
    }
}

#[cfg(test)]
mod document_tests {
    /// An operation without `responses` (optional in 3.1) and a
    /// `mutualTLS` scheme (the TLS layer's business): the 3.0 document
    /// with `responses: {}` and no scheme.
    #[test]
    fn optional_responses_and_mutual_tls() {
        let v31 =
            "openapi: 3.1.0\ninfo: {title: t, version: '1'}\nsecurity: [{tls: []}]\npaths:\n  \
                   /a:\n    get:\n      operationId: get_a\n      security: [{tls: [], key: []}]\n\
                   components:\n  securitySchemes:\n    tls: {type: mutualTLS}\n    key: {type: \
                   apiKey, in: header, name: X-Key}\n";
        let v30 = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\nsecurity: [{}]\npaths:\n  \
                   /a:\n    get:\n      operationId: get_a\n      security: [{key: []}]\n      \
                   responses: {}\ncomponents:\n  securitySchemes:\n    key: {type: apiKey, in: \
                   header, name: X-Key}\n";
        let lower = |t: &str| match crate::lower_bytes(t.as_bytes(), "t.yaml") {
            Ok((api, _)) => format!("{api:#?}"),
            Err(e) => panic!("{e}"),
        };
        assert_eq!(lower(v31), lower(v30));
    }
}
