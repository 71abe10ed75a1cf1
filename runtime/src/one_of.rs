//! Choosing the variant of a `oneOf`/`anyOf` without a discriminator.
//!
//! `#[serde(untagged)]` takes the first variant that decodes, so an object
//! schema with only optional properties swallows every other variant. Instead
//! generated code asks [`rank`] which variants the value can be, best first:
//! variants whose required properties are missing, or that forbid a property
//! the value has, are ruled out; the rest are ordered by how many of the
//! value's keys they declare.

use serde_json::Value;

/// The JSON type a variant expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    /// Any value.
    Any,
    /// An object.
    Object,
    /// An array.
    Array,
    /// A string.
    String,
    /// An integer.
    Integer,
    /// Any number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// `null`.
    Null,
}

/// What generated code knows statically about one variant.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// The JSON type the variant expects.
    pub kind: JsonKind,
    /// Properties that must be present (objects only).
    pub required: &'static [&'static str],
    /// Properties the variant declares (objects only).
    pub known: &'static [&'static str],
    /// `additionalProperties: false`: no other property may appear.
    pub closed: bool,
}

/// Indices of the shapes `value` may decode as, most specific first.
pub fn rank(value: &Value, shapes: &[Shape]) -> Vec<usize> {
    let mut scored: Vec<(usize, usize)> = shapes
        .iter()
        .enumerate()
        .filter_map(|(i, s)| score(value, s).map(|sc| (i, sc)))
        .collect();
    // Stable sort: equal scores keep the spec's order.
    scored.sort_by_key(|s| std::cmp::Reverse(s.1));
    scored.into_iter().map(|(i, _)| i).collect()
}

fn score(value: &Value, shape: &Shape) -> Option<usize> {
    let kind_ok = match shape.kind {
        JsonKind::Any => true,
        JsonKind::Object => value.is_object(),
        JsonKind::Array => value.is_array(),
        JsonKind::String => value.is_string(),
        JsonKind::Integer => value.is_i64() || value.is_u64(),
        JsonKind::Number => value.is_number(),
        JsonKind::Boolean => value.is_boolean(),
        JsonKind::Null => value.is_null(),
    };
    if !kind_ok {
        return None;
    }
    let Some(map) = value.as_object() else {
        return Some(1);
    };
    if shape.kind != JsonKind::Object {
        return Some(0);
    }
    if shape.required.iter().any(|r| !map.contains_key(*r)) {
        return None;
    }
    let declared = map
        .keys()
        .filter(|k| shape.known.contains(&k.as_str()))
        .count();
    if shape.closed && declared < map.len() {
        return None;
    }
    // A variant that declares none of the keys of a non-empty object is a
    // poor match but still possible (all its properties may be optional).
    Some(1 + 2 * declared + usize::from(shape.closed))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN: Shape = Shape {
        kind: JsonKind::Object,
        required: &[],
        known: &["redirectURI", "sessionId"],
        closed: false,
    };
    const CLOSED: Shape = Shape {
        kind: JsonKind::Object,
        required: &[],
        known: &["encryptedSharedKey", "encryptedMessageData"],
        closed: true,
    };

    #[test]
    fn prefers_the_variant_declaring_the_keys() {
        let v = serde_json::json!({"encryptedSharedKey": "k", "encryptedMessageData": {}});
        assert_eq!(rank(&v, &[OPEN, CLOSED]), vec![1, 0]);
        let v = serde_json::json!({"redirectURI": "u", "sessionId": "s"});
        assert_eq!(rank(&v, &[OPEN, CLOSED]), vec![0]);
    }

    #[test]
    fn rules_out_wrong_kinds_and_missing_required() {
        let req = Shape {
            required: &["a"],
            ..OPEN
        };
        assert!(rank(&serde_json::json!({"b": 1}), &[req]).is_empty());
        assert!(rank(&serde_json::json!("text"), &[OPEN]).is_empty());
    }
}
