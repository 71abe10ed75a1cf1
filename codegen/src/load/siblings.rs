//! A schema's own object keywords beside a composition keyword.
//!
//! JSON Schema reads sibling keywords together: `{allOf: [A], properties:
//! {p}}` is an object with A's fields *and* `p`. `openapiv3` (and the model)
//! take one kind per schema, so without this rewrite `p` was silently
//! dropped: 3,183 schemas in 483 of the 2,060 a–m documents of the public
//! API directory (Azure's `allOf: [Resource]` beside `properties`).
//!
//! * Beside `allOf`, the object part (`properties`, `required`,
//!   `additionalProperties`) becomes one more member, so the merge that
//!   lowers `allOf` gives one struct with every field.
//! * Beside `oneOf`/`anyOf` whose alternatives only refine the object (a
//!   `required` list, narrower schemas of its own properties, no new
//!   property, no `$ref`), the alternatives are dropped: they constrain
//!   which fields are present, and the struct already carries every field.
//! * Beside `oneOf`/`anyOf` with a discriminator, an object part that only
//!   declares the discriminator property is dropped: the alternatives carry
//!   it, and the union is the type (Jira writes its tagged unions so).
//! * Beside `oneOf`/`anyOf` of other alternatives, both are put under an
//!   `allOf` (object part, then the union): the model makes that a struct
//!   with the union flattened into it, or refuses it by name when an
//!   alternative is not an object, instead of typing the union alone and
//!   losing the fields.
//!
//! A moved part's JSON pointer is under `allOf/<n>` of the schema.

use serde_yaml::{Mapping, Value};

/// The keywords of a schema's own object part.
const OBJECT_PART: [&str; 3] = ["properties", "required", "additionalProperties"];

/// Keywords an alternative may use and still only refine the object.
const REFINING: [&str; 12] = [
    "required",
    "properties",
    "additionalProperties",
    "type",
    "description",
    "title",
    "minProperties",
    "maxProperties",
    "not",
    "nullable",
    "example",
    "deprecated",
];

/// Whether a JSON node holds the pattern (for the loader's fast path).
pub(super) fn present_json(m: &serde_json::Map<String, serde_json::Value>) -> bool {
    let props = m
        .get("properties")
        .and_then(serde_json::Value::as_object)
        .is_some_and(|p| !p.is_empty());
    props
        && ["allOf", "oneOf", "anyOf"]
            .iter()
            .any(|k| m.get(*k).is_some_and(serde_json::Value::is_array))
}

/// Rewrites every schema of the document that has the pattern.
pub(super) fn fold(node: &mut Value) {
    match node {
        Value::Mapping(m) => {
            for (_, v) in m.iter_mut() {
                fold(v);
            }
            fold_one(m);
        }
        Value::Sequence(s) => s.iter_mut().for_each(fold),
        Value::Tagged(t) => fold(&mut t.value),
        _ => {}
    }
}

fn key(k: &str) -> Value {
    Value::String(k.to_owned())
}

fn fold_one(m: &mut Mapping) {
    let own_props: Vec<String> = match m.get("properties") {
        Some(Value::Mapping(p)) if !p.is_empty() => p
            .keys()
            .filter_map(|k| k.as_str().map(str::to_owned))
            .collect(),
        _ => return,
    };
    if matches!(m.get("allOf"), Some(Value::Sequence(_))) {
        let part = take_object_part(m);
        if let Some(Value::Sequence(members)) = m.get_mut("allOf") {
            members.push(part);
        }
        return;
    }
    for union in ["oneOf", "anyOf"] {
        let Some(Value::Sequence(alts)) = m.get(union) else {
            continue;
        };
        let tag = m
            .get("discriminator")
            .and_then(|d| d.get("propertyName"))
            .and_then(Value::as_str);
        if alts.iter().all(|a| refines(a, &own_props)) {
            m.remove(union);
        } else if tag.is_some_and(|t| own_props.iter().all(|p| p == t)) {
            // The object part only declares the discriminator, which the
            // alternatives carry (the union's tag): the union is the type.
            take_object_part(m);
        } else {
            let part = take_object_part(m);
            let mut choice = Mapping::new();
            if let Some(alts) = m.remove(union) {
                choice.insert(key(union), alts);
            }
            if let Some(d) = m.remove("discriminator") {
                choice.insert(key("discriminator"), d);
            }
            m.insert(
                key("allOf"),
                Value::Sequence(vec![part, Value::Mapping(choice)]),
            );
        }
        return;
    }
}

/// Moves the object keywords out of `m` into a new `type: object` schema.
fn take_object_part(m: &mut Mapping) -> Value {
    let mut part = Mapping::new();
    part.insert(key("type"), key("object"));
    for k in OBJECT_PART {
        if let Some(v) = m.remove(k) {
            part.insert(key(k), v);
        }
    }
    Value::Mapping(part)
}

/// Whether an alternative only narrows the object it sits beside.
fn refines(alt: &Value, own_props: &[String]) -> bool {
    let Value::Mapping(a) = alt else {
        return false;
    };
    let keys_ok = a
        .keys()
        .all(|k| k.as_str().is_some_and(|k| REFINING.contains(&k)));
    let type_ok = a.get("type").is_none_or(|t| t.as_str() == Some("object"));
    let props_ok = match a.get("properties") {
        None => true,
        Some(Value::Mapping(p)) => p
            .keys()
            .all(|k| k.as_str().is_some_and(|k| own_props.iter().any(|o| o == k))),
        Some(_) => false,
    };
    keys_ok && type_ok && props_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(yaml: &str) -> serde_json::Value {
        let mut v: Value = serde_yaml::from_str(yaml).unwrap();
        fold(&mut v);
        serde_json::to_value(&v).unwrap()
    }

    #[test]
    fn properties_beside_all_of_become_a_member() {
        let v = folded(
            "allOf: [{$ref: '#/components/schemas/Base'}]\n\
             description: d\nrequired: [id]\nproperties: {id: {type: integer}}\n",
        );
        assert_eq!(
            v,
            serde_json::json!({"description": "d", "allOf": [
                {"$ref": "#/components/schemas/Base"},
                {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}
            ]})
        );
    }

    #[test]
    fn refining_alternatives_are_dropped_and_real_ones_kept_under_all_of() {
        let v = folded(
            "type: object\nproperties: {a: {type: string}, b: {type: string}}\n\
             oneOf: [{required: [a]}, {required: [b], properties: {b: {enum: [x]}}}]\n",
        );
        assert_eq!(
            v,
            serde_json::json!({"type": "object",
                "properties": {"a": {"type": "string"}, "b": {"type": "string"}}})
        );
        let v = folded(
            "properties: {id: {type: integer}}\n\
             discriminator: {propertyName: kind}\n\
             anyOf: [{$ref: '#/components/schemas/Cat'}, {properties: {bark: {type: integer}}}]\n",
        );
        assert_eq!(
            v,
            serde_json::json!({"allOf": [
                {"type": "object", "properties": {"id": {"type": "integer"}}},
                {"anyOf": [{"$ref": "#/components/schemas/Cat"},
                           {"properties": {"bark": {"type": "integer"}}}],
                 "discriminator": {"propertyName": "kind"}}
            ]})
        );
    }

    #[test]
    fn a_parent_that_only_declares_the_discriminator_is_the_union() {
        let v = folded(
            "type: object\nrequired: [kind]\nproperties: {kind: {type: string}}\n\
             discriminator: {propertyName: kind}\n\
             oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]\n",
        );
        assert_eq!(
            v,
            serde_json::json!({"type": "object", "discriminator": {"propertyName": "kind"},
                "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}]})
        );
    }

    #[test]
    fn a_property_named_all_of_is_not_a_composition() {
        let src = "type: object\nproperties: {allOf: {type: string}, x: {type: string}}\n";
        let v = folded(src);
        let want: serde_json::Value =
            serde_json::to_value(serde_yaml::from_str::<Value>(src).unwrap()).unwrap();
        assert_eq!(v, want);
    }
}
