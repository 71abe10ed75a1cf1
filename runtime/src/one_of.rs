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

impl Shape {
    /// An object variant: its required and declared properties, and whether
    /// it forbids others (`additionalProperties: false`).
    pub const fn object(
        required: &'static [&'static str],
        known: &'static [&'static str],
        closed: bool,
    ) -> Self {
        Shape {
            kind: JsonKind::Object,
            required,
            known,
            closed,
        }
    }

    /// A variant that is not an object (or any value): only its JSON type counts.
    pub const fn of(kind: JsonKind) -> Self {
        Shape {
            kind,
            required: &[],
            known: &[],
            closed: false,
        }
    }
}

/// The try-in-order loop of a generated `oneOf`/`anyOf` `Deserialize`: tries
/// the variants [`rank`] allows, best first (the one named by `tagged`, the
/// discriminator's choice, before all others), and returns the first that
/// decodes. `variant(i, value)` decodes `value` as variant `i`.
///
/// The error names the type (`name`) and the last variant's decoding error.
pub fn decode<T, E: serde::de::Error>(
    name: &str,
    value: &Value,
    shapes: &[Shape],
    tagged: Option<usize>,
    variant: impl Fn(usize, &Value) -> Result<T, serde_json::Error>,
) -> Result<T, E> {
    let mut order = rank(value, shapes);
    if let Some(first) = tagged {
        order.retain(|i| *i != first);
        order.insert(0, first);
    }
    let mut last_error = None;
    for index in order {
        match variant(index, value) {
            Ok(decoded) => return Ok(decoded),
            Err(e) => last_error = Some(e),
        }
    }
    Err(E::custom(match last_error {
        Some(e) => format!("no alternative of `{name}` decodes the value: {e}"),
        None => format!("the value matches no alternative of `{name}`"),
    }))
}

/// Writes a variant of a discriminated `oneOf`/`anyOf`: its payload, with
/// the discriminator property `tag` set to `value` when the payload (an
/// object) does not already carry it, so the receiver can tell the variant.
///
/// ```
/// use oapi_client_runtime::one_of::serialize_tagged;
/// #[derive(serde::Serialize)]
/// struct Dog { bark: i64 }
/// let mut out = Vec::new();
/// serialize_tagged(&mut serde_json::Serializer::new(&mut out), "kind", "Dog", &Dog { bark: 1 }).unwrap();
/// assert_eq!(out, br#"{"bark":1,"kind":"Dog"}"#);
/// ```
pub fn serialize_tagged<S: serde::Serializer, T: serde::Serialize>(
    serializer: S,
    tag: &str,
    value: &str,
    variant: &T,
) -> Result<S::Ok, S::Error> {
    use serde::ser::Error as _;
    let mut json = serde_json::to_value(variant).map_err(S::Error::custom)?;
    if let Value::Object(map) = &mut json {
        if !map.contains_key(tag) {
            map.insert(tag.to_owned(), Value::String(value.to_owned()));
        }
    }
    serde::Serialize::serialize(&json, serializer)
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
    fn decode_tries_in_rank_order_and_names_the_type() {
        let shapes = [Shape::of(JsonKind::String), OPEN];
        let pick = |i: usize, v: &Value| match i {
            0 => serde_json::from_value::<String>(v.clone()).map(|s| format!("s:{s}")),
            _ => serde_json::from_value::<serde_json::Map<String, Value>>(v.clone())
                .map(|m| format!("o:{}", m.len())),
        };
        let got: Result<String, serde_json::Error> =
            decode("T", &serde_json::json!("x"), &shapes, None, pick);
        assert_eq!(got.unwrap(), "s:x");
        let got: Result<String, serde_json::Error> =
            decode("T", &serde_json::json!({"a": 1}), &shapes, None, pick);
        assert_eq!(got.unwrap(), "o:1");
        let err =
            decode::<String, serde_json::Error>("T", &serde_json::json!(3), &shapes, None, pick)
                .unwrap_err();
        assert_eq!(err.to_string(), "the value matches no alternative of `T`");
        // The discriminator's choice is tried first, even when ranked out.
        let err =
            decode::<String, serde_json::Error>("T", &serde_json::json!(3), &shapes, Some(0), pick)
                .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("no alternative of `T` decodes the value: "),
            "{err}"
        );
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
