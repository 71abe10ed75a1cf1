//! Type names decided for the whole document at once: component schemas
//! before lowering (families that share a name once the status-code prefix
//! is gone), inline types after it (the shortest name nothing else wants).

use super::ir::{Api, BodyDef, Ty, TypeKind};
use crate::names::{self, Names};
use openapiv3::{ReferenceOr, Schema};
use serde_json::Value;
use std::collections::BTreeMap;

/// The Rust names of the component schemas.
pub(super) struct ComponentNames {
    /// Schema key → Rust type name.
    pub rust: BTreeMap<String, String>,
    /// Schema key → the key whose lowering stands for it (itself, or the
    /// first member of a family of identical schemas).
    pub canonical: BTreeMap<String, String>,
    /// Canonical key → every key it stands for, in document order.
    pub members: BTreeMap<String, Vec<String>>,
}

/// Schema keys sharing a name once the leading number is gone, with their schemas.
type Family<'s> = Vec<(&'s String, &'s ReferenceOr<Schema>)>;

/// Names the component schemas.
///
/// Keys are grouped by their name without a leading number
/// (`400FailedRequestResponse`, `401FailedRequestResponse` →
/// `FailedRequestResponse`). Schemas of a group that are the same apart from
/// documentation are one type: the first such class (in document order)
/// takes the shorter name, any other keeps its first key's number
/// (`FailedRequestResponse425`). Everything goes in document order, so the
/// result is deterministic.
pub(super) fn component_names<'s>(
    schemas: impl IntoIterator<Item = (&'s String, &'s ReferenceOr<Schema>)>,
    names: &mut Names,
) -> ComponentNames {
    let schemas: Vec<(&String, &ReferenceOr<Schema>)> = schemas.into_iter().collect();
    let mut families: Vec<(String, Family)> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for (key, schema) in schemas {
        let (base, _) = names::type_name_parts(key);
        let base = if base.is_empty() {
            names::type_name(key)
        } else {
            base
        };
        match index.get(&base) {
            Some(&i) => families[i].1.push((key, schema)),
            None => {
                index.insert(base.clone(), families.len());
                families.push((base, vec![(key, schema)]));
            }
        }
    }
    let mut out = ComponentNames {
        rust: BTreeMap::new(),
        canonical: BTreeMap::new(),
        members: BTreeMap::new(),
    };
    for (base, family) in families {
        // Classes of identical schemas, in document order: the first class
        // takes the short name, the others keep their first key's number.
        let mut classes: Vec<(Option<Value>, Vec<&String>)> = Vec::new();
        if family.len() == 1 {
            classes.push((None, family.iter().map(|(k, _)| *k).collect()));
        } else {
            for (key, schema) in &family {
                let shape = structure(schema);
                match classes.iter_mut().find(|(s, _)| s.as_ref() == Some(&shape)) {
                    Some((_, keys)) => keys.push(key),
                    None => classes.push((Some(shape), vec![key])),
                }
            }
        }
        for (i, (_, keys)) in classes.into_iter().enumerate() {
            let rust = if i == 0 {
                names.claim(&base)
            } else {
                names.claim(&names::type_name(keys[0]))
            };
            let first = keys[0].clone();
            for k in &keys {
                out.rust.insert((*k).clone(), rust.clone());
                out.canonical.insert((*k).clone(), first.clone());
            }
            out.members
                .insert(first, keys.into_iter().cloned().collect());
        }
    }
    out
}

/// A schema as JSON without what only documents it, for comparing shapes.
fn structure(schema: &ReferenceOr<Schema>) -> Value {
    let mut v = serde_json::to_value(schema).unwrap_or(Value::Null);
    strip_docs(&mut v, false);
    v
}

/// Removes documentation keywords from schema objects; `in_map` marks a
/// `properties` map, whose keys are property names, not keywords.
fn strip_docs(v: &mut Value, in_map: bool) {
    match v {
        Value::Object(m) => {
            if !in_map {
                for k in [
                    "description",
                    "title",
                    "example",
                    "examples",
                    "externalDocs",
                ] {
                    m.remove(k);
                }
            }
            for (k, child) in m.iter_mut() {
                strip_docs(child, !in_map && k == "properties");
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| strip_docs(i, false)),
        _ => {}
    }
}

/// Renames inline types to the shortest name the document allows.
///
/// `wants` holds, per inline type (by its long name, made from where it
/// sits: `SnapTradeLoginUserRequestBodyConnectionType`), the short name its
/// property or parameter gives (`ConnectionType`). A short name is granted
/// only when exactly one inline type wants it and no other type has it or
/// any long name in use is it, so granting never collides and does not
/// depend on the order the document is read in.
pub(super) fn shorten(api: &mut Api, wants: &BTreeMap<String, String>, taken: &Names) {
    let mut by_short: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (long, short) in wants {
        if long != short {
            by_short.entry(short).or_default().push(long);
        }
    }
    let mut rename: BTreeMap<String, String> = BTreeMap::new();
    for (short, longs) in by_short {
        if let [long] = longs.as_slice() {
            if !taken.contains(short) && api.type_def(long).is_some() {
                rename.insert((*long).to_owned(), short.to_owned());
            }
        }
    }
    if rename.is_empty() {
        return;
    }
    for t in &mut api.types {
        if let Some(n) = rename.get(&t.name) {
            t.name = n.clone();
        }
        match &mut t.kind {
            TypeKind::Struct { fields, .. } => {
                for f in fields {
                    retype(&mut f.ty, &rename);
                    retype(&mut f.inner, &rename);
                }
            }
            TypeKind::OneOf { variants, .. } => {
                for v in variants {
                    retype(&mut v.ty, &rename);
                }
            }
            TypeKind::TaggedUnion { variants, .. } => {
                for f in variants.iter_mut().flat_map(|v| v.fields.iter_mut()) {
                    retype(&mut f.ty, &rename);
                    retype(&mut f.inner, &rename);
                }
            }
            TypeKind::ExternalUnion { variants } => {
                for v in variants {
                    retype(&mut v.ty, &rename);
                }
            }
            TypeKind::Alias(ty) => retype(ty, &rename),
            TypeKind::StringEnum { .. } => {}
        }
    }
    api.types.sort_by(|a, b| a.name.cmp(&b.name));
    for op in api.groups.iter_mut().flat_map(|g| g.ops.iter_mut()) {
        for p in &mut op.params {
            retype(&mut p.ty, &rename);
        }
        match &mut op.body {
            Some(BodyDef::Flattened {
                struct_name,
                fields,
            }) => {
                if let Some(n) = rename.get(struct_name.as_str()) {
                    *struct_name = n.clone();
                }
                for f in fields {
                    retype(&mut f.field.ty, &rename);
                    retype(&mut f.field.inner, &rename);
                }
            }
            Some(BodyDef::Single { ty, .. }) => retype(ty, &rename),
            None => {}
        }
        let outcomes = op
            .successes
            .iter_mut()
            .chain(op.errors.iter_mut())
            .chain(op.default.iter_mut());
        for o in outcomes {
            if let Some(ty) = &mut o.ty {
                retype(ty, &rename);
            }
        }
    }
}

fn retype(ty: &mut Ty, rename: &BTreeMap<String, String>) {
    match ty {
        Ty::Vec(t) | Ty::Map(t) | Ty::Option(t) | Ty::Boxed(t) => retype(t, rename),
        Ty::Named(n) => {
            if let Some(new) = rename.get(n.as_str()) {
                *n = new.clone();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{lower, Api, TypeKind};

    fn api(yaml: &str) -> Api {
        let doc = crate::load::load(yaml.as_bytes(), "t.yaml").expect("loads");
        lower(&doc, "t.yaml", &[]).expect("lowers")
    }

    fn names(api: &Api) -> Vec<&str> {
        api.types.iter().map(|t| t.name.as_str()).collect()
    }

    const HEAD: &str = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: getA\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Holder'}}}}\n        '400': {description: bad, content: {application/json: {schema: {$ref: '#/components/schemas/400Failed'}}}}\n        '401': {description: bad, content: {application/json: {schema: {$ref: '#/components/schemas/401Failed'}}}}\ncomponents:\n  schemas:\n";

    #[test]
    fn identical_numbered_schemas_are_one_type_and_different_ones_keep_their_number() {
        let same = api(&format!(
            "{HEAD}    Holder: {{type: object}}\n    400Failed: {{type: object, description: one, properties: {{code: {{type: integer, description: x}}}}}}\n    401Failed: {{type: object, description: two, properties: {{code: {{type: integer, description: y}}}}}}\n"
        ));
        assert_eq!(names(&same), ["Failed", "Holder"]);
        let failed = same.type_def("Failed").unwrap();
        assert_eq!(failed.origin, ["400Failed", "401Failed"]);
        let differ = api(&format!(
            "{HEAD}    Holder: {{type: object}}\n    400Failed: {{type: object, properties: {{code: {{type: integer}}}}}}\n    401Failed: {{type: object, properties: {{code: {{type: string}}}}}}\n"
        ));
        assert_eq!(names(&differ), ["Failed", "Failed401", "Holder"]);
        // A property named `description` is a property, not documentation.
        let props = api(&format!(
            "{HEAD}    Holder: {{type: object}}\n    400Failed: {{type: object, properties: {{description: {{type: string}}}}}}\n    401Failed: {{type: object, properties: {{title: {{type: string}}}}}}\n"
        ));
        assert_eq!(names(&props), ["Failed", "Failed401", "Holder"]);
    }

    #[test]
    fn inline_types_take_the_short_name_only_when_nothing_else_wants_it() {
        let a = api(&format!(
            "{HEAD}    Holder:\n      type: object\n      properties:\n        mode: {{type: string, enum: [a, b]}}\n        kind: {{type: string, enum: [x]}}\n        tags: {{type: array, items: {{type: object, properties: {{n: {{type: string}}}}}}}}\n        other: {{$ref: '#/components/schemas/Other'}}\n        k: {{$ref: '#/components/schemas/Kind'}}\n    Other:\n      type: object\n      properties:\n        mode: {{type: string, enum: [c]}}\n    Kind: {{type: integer}}\n    400Failed: {{type: object}}\n    401Failed: {{type: object}}\n"
        ));
        // `mode` is wanted twice, `Kind` is a component: both keep the long
        // name; `tags` items are alone in wanting `TagsItem`.
        assert_eq!(
            names(&a),
            [
                "Failed",
                "Holder",
                "HolderKind",
                "HolderMode",
                "Kind",
                "Other",
                "OtherMode",
                "TagsItem"
            ]
        );
        let Some(TypeKind::Struct { fields, .. }) = a.type_def("Holder").map(|t| &t.kind) else {
            panic!("Holder is a struct")
        };
        let tags = fields.iter().find(|f| f.wire == "tags").unwrap();
        assert_eq!(tags.inner.spelled(), "Vec<TagsItem>");
    }
}
