//! Rewrites applied to the raw document before `openapiv3` reads it, for
//! valid constructs that `openapiv3` (or the model) cannot take as written:
//!
//! * a property literally named `$ref` (`properties: {$ref: {...}}`) would
//!   be read as a reference: it is renamed to [`REF_PROPERTY`], which
//!   [`crate::model::classify`] turns back into `$ref`;
//! * a `$ref` whose fragment is percent-encoded (`#/paths/~1a~1%7Bid%7D`, as
//!   RFC 6901 §6 writes a JSON pointer in a URI fragment) is decoded, so the
//!   pointer that remains only has `~1`/`~0` escapes (a reference that only
//!   resolves as written, a key with a literal `%41`, is kept as written);
//! * a `$ref` to a nested location (`#/components/schemas/X/properties/y`,
//!   `#/paths/~1a/get/parameters/0`, ...) is hoisted: the target is copied
//!   into `components` under a fresh key and the reference points there.
//! * [`repair`] (only when the document fails to deserialize): a text
//!   keyword written as a number or boolean (`pattern: 0`, `description: 2`)
//!   and the non-text values of a `type: string` schema's `enum` become their
//!   text, which is what a reader of the document sees; an operation's
//!   callback given as a `$ref` (which `openapiv3` reads only in
//!   `components`) is replaced by what it refers to.
//!
//! * a schema's object keywords beside `allOf`/`oneOf`/`anyOf` are folded
//!   into the composition ([`super::siblings`]), so no field is dropped.
//!
//! A reference to nothing is left alone, for the `$ref` check to report.

use super::{resolve_pointer, scalar_text};
use crate::error::escape_pointer;
use serde_yaml::{Mapping, Value};
use std::collections::BTreeMap;

/// What a property named `$ref` is called between loading and
/// classification (not a valid `$ref`, and not a name a document uses).
pub(crate) const REF_PROPERTY: &str = "\u{1}$ref";

/// Whether the raw document needs [`prepare`] (cheap; for the JSON fast path).
pub(super) fn needed_json(node: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match node {
        J::Object(m) if super::siblings::present_json(m) => true,
        J::Object(m) => m.iter().any(|(k, v)| {
            if k == "$ref" {
                match v {
                    J::String(t) => t.contains('%') || nested(t).is_some(),
                    _ => true,
                }
            } else {
                needed_json(v)
            }
        }),
        J::Array(a) => a.iter().any(needed_json),
        _ => false,
    }
}

/// Applies the rewrites.
pub(super) fn prepare(root: &mut Value) {
    rename_ref_properties(root);
    // Before hoisting, which reads the targets as JSON pointers.
    decode_percent_refs(root);
    hoist_nested(root);
    // After hoisting: a nested `$ref` into `X/properties/y` must resolve
    // against the document as written.
    super::siblings::fold(root);
}

/// Percent-decodes the fragments of local `$ref`s (see the module
/// documentation): a reference is rewritten when its decoded form resolves,
/// or when neither form does (the `$ref` check then names the decoded one).
fn decode_percent_refs(root: &mut Value) {
    fn collect(node: &Value, out: &mut BTreeMap<String, String>) {
        match node {
            Value::Mapping(m) => {
                for (k, v) in m {
                    match (scalar_text(k).as_deref(), v) {
                        (Some("$ref"), Value::String(t))
                            if t.starts_with('#') && t.contains('%') =>
                        {
                            if let Some(decoded) = percent_decode(t) {
                                out.insert(t.clone(), decoded);
                            }
                        }
                        _ => collect(v, out),
                    }
                }
            }
            Value::Sequence(s) => s.iter().for_each(|v| collect(v, out)),
            Value::Tagged(t) => collect(&t.value, out),
            _ => {}
        }
    }
    fn rewrite(node: &mut Value, map: &BTreeMap<String, String>) {
        match node {
            Value::Mapping(m) => {
                for (k, v) in m.iter_mut() {
                    match v {
                        Value::String(t) if scalar_text(k).as_deref() == Some("$ref") => {
                            if let Some(decoded) = map.get(t.as_str()) {
                                *t = decoded.clone();
                            }
                        }
                        _ => rewrite(v, map),
                    }
                }
            }
            Value::Sequence(s) => s.iter_mut().for_each(|v| rewrite(v, map)),
            Value::Tagged(t) => rewrite(&mut t.value, map),
            _ => {}
        }
    }
    let mut map = BTreeMap::new();
    collect(root, &mut map);
    map.retain(|raw, decoded| {
        resolve_pointer(root, decoded).is_some() || resolve_pointer(root, raw).is_none()
    });
    if !map.is_empty() {
        rewrite(root, &map);
    }
}

/// `%XX` escapes decoded; `None` when an escape is malformed or the result
/// is not UTF-8 (the reference is then left as written).
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Hoists the targets of nested local references into `components`.
fn hoist_nested(root: &mut Value) {
    let mut hoisted: BTreeMap<String, String> = BTreeMap::new();
    // A hoisted copy may itself hold nested references: a few rounds.
    for _ in 0..8 {
        let mut found = Vec::new();
        collect_nested(root, &mut found);
        // Deepest first: a hoisted location becomes a `$ref`, which a
        // pointer through it could no longer follow.
        found.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        found.dedup();
        let mut changed = false;
        for target in found {
            if hoisted.contains_key(&target) {
                continue;
            }
            let Some(section) = nested(&target) else {
                continue;
            };
            let Some(value) = resolve_pointer(root, &target).cloned() else {
                continue;
            };
            let key = fresh_key(root, section, &target);
            if insert_component(root, section, &key, value) {
                let new = format!("#/components/{section}/{}", escape_pointer(&key));
                // The original place refers to the copy, so both are one type.
                if let Some(slot) = resolve_pointer_mut(root, &target) {
                    let mut m = Mapping::new();
                    m.insert(Value::String("$ref".to_owned()), Value::String(new.clone()));
                    *slot = Value::Mapping(m);
                }
                hoisted.insert(target, new);
                changed = true;
            }
        }
        if hoisted.is_empty() {
            return;
        }
        retarget(root, &hoisted);
        if !changed {
            return;
        }
    }
}

/// The `components` section a nested local reference belongs in, or `None`
/// when the reference is not nested (or not local).
fn nested(target: &str) -> Option<&'static str> {
    let segs: Vec<&str> = target.strip_prefix("#/")?.split('/').collect();
    if segs.len() == 3 && segs.first() == Some(&"components") {
        return None;
    }
    let last = segs.last().copied().unwrap_or_default();
    let before = segs
        .len()
        .checked_sub(2)
        .and_then(|i| segs.get(i))
        .copied()
        .unwrap_or_default();
    Some(match (before, last) {
        (_, "schema" | "items" | "additionalProperties" | "not") => "schemas",
        ("properties" | "allOf" | "oneOf" | "anyOf" | "schemas", _) => "schemas",
        ("parameters", _) => "parameters",
        ("responses", _) => "responses",
        (_, "requestBody") => "requestBodies",
        _ if segs.get(1) == Some(&"schemas") => "schemas",
        _ => return None,
    })
}

/// As [`resolve_pointer`], for changing the value.
fn resolve_pointer_mut<'v>(root: &'v mut Value, reference: &str) -> Option<&'v mut Value> {
    let rest = reference.strip_prefix("#/")?;
    let mut cur = root;
    for raw in rest.split('/') {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        cur = match cur {
            Value::Mapping(m) => m
                .iter_mut()
                .find(|(k, _)| scalar_text(k).as_deref() == Some(seg.as_str()))
                .map(|(_, v)| v)?,
            Value::Sequence(s) => s.get_mut(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn collect_nested(node: &Value, out: &mut Vec<String>) {
    match node {
        Value::Mapping(m) => {
            for (k, v) in m {
                match (scalar_text(k).as_deref(), v) {
                    (Some("$ref"), Value::String(t)) if nested(t).is_some() => out.push(t.clone()),
                    _ => collect_nested(v, out),
                }
            }
        }
        Value::Sequence(s) => s.iter().for_each(|v| collect_nested(v, out)),
        Value::Tagged(t) => collect_nested(&t.value, out),
        _ => {}
    }
}

fn retarget(node: &mut Value, hoisted: &BTreeMap<String, String>) {
    match node {
        Value::Mapping(m) => {
            for (k, v) in m.iter_mut() {
                if scalar_text(k).as_deref() == Some("$ref") {
                    if let Value::String(t) = v {
                        if let Some(new) = hoisted.get(t.as_str()) {
                            *t = new.clone();
                        }
                    }
                } else {
                    retarget(v, hoisted);
                }
            }
        }
        Value::Sequence(s) => s.iter_mut().for_each(|v| retarget(v, hoisted)),
        Value::Tagged(t) => retarget(&mut t.value, hoisted),
        _ => {}
    }
}

/// A component key made of the pointer's meaningful segments
/// (`X/properties/y` → `X_y`), unique in its section.
fn fresh_key(root: &Value, section: &str, target: &str) -> String {
    const NOISE: [&str; 10] = [
        "$defs",
        "definitions",
        "components",
        "schemas",
        "properties",
        "paths",
        "content",
        "schema",
        "parameters",
        "responses",
    ];
    let base: Vec<String> = target
        .trim_start_matches("#/")
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .filter(|s| !NOISE.contains(&s.as_str()))
        .map(|s| {
            s.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect::<String>()
        })
        .filter(|s| !s.trim_matches('_').is_empty())
        .collect();
    let base = if base.is_empty() {
        "Nested".to_owned()
    } else {
        base.join("_")
    };
    let taken = |k: &str| {
        resolve_pointer(
            root,
            &format!("#/components/{section}/{}", escape_pointer(k)),
        )
        .is_some()
    };
    let mut key = base.clone();
    let mut i = 2;
    while taken(&key) {
        key = format!("{base}_{i}");
        i += 1;
    }
    key
}

fn insert_component(root: &mut Value, section: &str, key: &str, value: Value) -> bool {
    let Value::Mapping(doc) = root else {
        return false;
    };
    let comps = doc
        .entry(Value::String("components".to_owned()))
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    let Value::Mapping(comps) = comps else {
        return false;
    };
    let sec = comps
        .entry(Value::String(section.to_owned()))
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    let Value::Mapping(sec) = sec else {
        return false;
    };
    sec.insert(Value::String(key.to_owned()), value);
    true
}

/// Renames `$ref` keys of `properties` maps (and their `required` entries).
fn rename_ref_properties(node: &mut Value) {
    match node {
        Value::Mapping(m) => {
            let mut renamed = false;
            if let Some(Value::Mapping(props)) = m.get_mut("properties") {
                let is_prop = |k: &Value, v: &Value| {
                    scalar_text(k).as_deref() == Some("$ref") && !matches!(v, Value::String(_))
                };
                if props.iter().any(|(k, v)| is_prop(k, v)) {
                    // Rebuilt, so the property keeps its place.
                    let old = std::mem::take(props);
                    for (k, v) in old {
                        let k = if is_prop(&k, &v) {
                            Value::String(REF_PROPERTY.to_owned())
                        } else {
                            k
                        };
                        props.insert(k, v);
                    }
                    renamed = true;
                }
            }
            if renamed {
                if let Some(Value::Sequence(req)) = m.get_mut("required") {
                    for r in req.iter_mut() {
                        if r.as_str() == Some("$ref") {
                            *r = Value::String(REF_PROPERTY.to_owned());
                        }
                    }
                }
            }
            for (k, v) in m.iter_mut() {
                if scalar_text(k).as_deref() != Some("$ref") {
                    rename_ref_properties(v);
                }
            }
        }
        Value::Sequence(s) => s.iter_mut().for_each(rename_ref_properties),
        Value::Tagged(t) => rename_ref_properties(&mut t.value),
        _ => {}
    }
}

/// The rewrites for a document `openapiv3` could not read (see the module
/// documentation). Returns whether anything changed.
pub(super) fn repair(root: &mut Value) -> bool {
    let scalars = stringify_scalars(root);
    inline_callback_refs(root) || scalars
}

/// Replaces `paths.*.*.callbacks.*` entries that are local `$ref`s by a copy
/// of their target.
fn inline_callback_refs(root: &mut Value) -> bool {
    let mut found: Vec<(Vec<Value>, String)> = Vec::new();
    if let Some(Value::Mapping(paths)) = root.get("paths") {
        for (pk, item) in paths {
            let Value::Mapping(item) = item else { continue };
            for (mk, op) in item {
                let Some(Value::Mapping(cbs)) = op.get("callbacks") else {
                    continue;
                };
                for (ck, cb) in cbs {
                    if let Some(Value::String(t)) = cb.get("$ref") {
                        found.push((vec![pk.clone(), mk.clone(), ck.clone()], t.clone()));
                    }
                }
            }
        }
    }
    let mut changed = false;
    for (keys, target) in found {
        let Some(value) = resolve_pointer(root, &target).cloned() else {
            continue;
        };
        let slot = root
            .get_mut("paths")
            .and_then(|p| p.get_mut(&keys[0]))
            .and_then(|i| i.get_mut(&keys[1]))
            .and_then(|o| o.get_mut("callbacks"))
            .and_then(|c| c.get_mut(&keys[2]));
        if let Some(slot) = slot {
            *slot = value;
            changed = true;
        }
    }
    changed
}

/// Turns scalars written as numbers or booleans into text where OpenAPI
/// wants text: the keywords `pattern`, `format`, `title`, `description`,
/// `summary`, `operationId`, and the `enum` values of a `type: string`
/// schema. Example and default values, `enum`s of other schemas and
/// extensions are data, never touched. Returns whether anything changed.
fn stringify_scalars(node: &mut Value) -> bool {
    const TEXT: [&str; 6] = [
        "pattern",
        "format",
        "title",
        "description",
        "summary",
        "operationId",
    ];
    fn text(v: &Value) -> Option<String> {
        match v {
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
    let mut changed = false;
    match node {
        Value::Mapping(m) => {
            let string_schema = m.get("type").and_then(Value::as_str) == Some("string");
            for (k, v) in m.iter_mut() {
                let key = scalar_text(k).unwrap_or_default();
                if TEXT.contains(&key.as_str()) {
                    if let Some(t) = text(v) {
                        *v = Value::String(t);
                        changed = true;
                        continue;
                    }
                }
                match key.as_str() {
                    "enum" if string_schema => {
                        if let Value::Sequence(values) = v {
                            for value in values.iter_mut() {
                                if let Some(t) = text(value) {
                                    *value = Value::String(t);
                                    changed = true;
                                }
                            }
                        }
                    }
                    // Property names are names, whatever they spell.
                    "properties" => {
                        if let Value::Mapping(props) = v {
                            for (_, schema) in props.iter_mut() {
                                changed |= stringify_scalars(schema);
                            }
                        }
                    }
                    "example" | "examples" | "default" | "enum" => {}
                    k if k.starts_with("x-") => {}
                    _ => changed |= stringify_scalars(v),
                }
            }
        }
        Value::Sequence(s) => {
            for v in s.iter_mut() {
                changed |= stringify_scalars(v);
            }
        }
        Value::Tagged(t) => changed |= stringify_scalars(&mut t.value),
        _ => {}
    }
    changed
}
