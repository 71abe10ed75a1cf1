//! Numbers beyond what the model's integers hold.
//!
//! * [`parse`] reads YAML as `serde_yaml::Value` does, except that an
//!   integer beyond `u64` (which `serde_yaml` refuses to put in a `Value`,
//!   failing the whole document) becomes the nearest `f64`: such a number is
//!   a bound or an example, never something the generator computes with.
//! * [`widen`]: an `integer` schema with a bound beyond `i64` is typed `u64`
//!   when every bound fits one (the schema is marked [`WIDE`]), and otherwise
//!   loses the bounds that fit nothing (the type stays `i64`); either way a
//!   warning says which. The generator checks no bound, so a dropped bound
//!   changes documentation only. Extensions are not read: their values are
//!   not the document's schemas (oxide's `x-rust-type` carries `minimum:
//!   0.0` for a Rust type's parameters), see [`is_extension`].

use super::Origins;
use serde::de::{
    DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};
use serde_yaml::{Mapping, Number, Value};
use std::fmt;

/// The extension that marks an `integer` schema typed `u64`.
pub(crate) const WIDE: &str = "x-oapi-client-gen-u64";

/// Parses YAML (or JSON) into a value, big integers as `f64`.
pub(super) fn parse(bytes: &[u8]) -> Result<Value, serde_yaml::Error> {
    Lenient.deserialize(serde_yaml::Deserializer::from_slice(bytes))
}

struct Lenient;

impl<'de> DeserializeSeed<'de> for Lenient {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(Lenient)
    }
}

impl<'de> Visitor<'de> for Lenient {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Number(match i64::try_from(v) {
            Ok(i) => i.into(),
            Err(_) => Number::from(v as f64),
        }))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(Value::Number(match u64::try_from(v) {
            Ok(u) => u.into(),
            Err(_) => Number::from(v as f64),
        }))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(Lenient)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Lenient)? {
            out.push(v);
        }
        Ok(Value::Sequence(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Mapping::new();
        while let Some(k) = map.next_key_seed(Lenient)? {
            if out.contains_key(&k) {
                let shown = match &k {
                    Value::String(s) => format!("{s:?}"),
                    other => serde_yaml::to_string(other)
                        .unwrap_or_default()
                        .trim()
                        .to_owned(),
                };
                return Err(serde::de::Error::custom(format_args!(
                    "duplicate entry with key {shown}"
                )));
            }
            let v = map.next_value_seed(Lenient)?;
            out.insert(k, v);
        }
        Ok(Value::Mapping(out))
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        let (tag, contents) = data.variant::<String>()?;
        let value = contents.newtype_variant_seed(Lenient)?;
        Ok(Value::Tagged(Box::new(serde_yaml::value::TaggedValue {
            tag: serde_yaml::value::Tag::new(tag),
            value,
        })))
    }
}

/// Types `integer` schemas whose bounds do not fit `i64` (see the module
/// documentation); returns the warnings, pointers as written.
pub(super) fn widen(root: &mut Value, origins: &Origins, file: &str) -> Vec<String> {
    let mut warnings = Vec::new();
    walk(root, "#", false, origins, file, &mut warnings);
    warnings
}

/// Members whose value maps names (of properties, components, media types,
/// server variables, ...) to what they name: there an `x-` key is a name.
const NAME_MAPS: [&str; 21] = [
    "properties",
    "patternProperties",
    "dependentSchemas",
    "definitions",
    "$defs",
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
    "pathItems",
    "webhooks",
    "content",
    "encoding",
    "variables",
    "scopes",
    "mapping",
];

/// Whether the value of member `key` maps names (see [`is_extension`]).
pub(super) fn holds_names(key: &str) -> bool {
    NAME_MAPS.contains(&key)
}

/// Whether member `key` of an object is an extension (`x-...`), whose
/// value is not read as part of the document: any `x-` key, unless the
/// object maps names (`names`, from [`holds_names`] of the key it is
/// under), where `x-count` may be a property.
pub(super) fn is_extension(key: &str, names: bool) -> bool {
    !names && key.starts_with("x-")
}

const BOUNDS: [&str; 3] = ["minimum", "maximum", "multipleOf"];

fn walk(
    v: &mut Value,
    here: &str,
    names: bool,
    origins: &Origins,
    file: &str,
    out: &mut Vec<String>,
) {
    match v {
        Value::Mapping(m) => {
            if m.get("type").and_then(Value::as_str) == Some("integer") {
                one(m, here, origins, file, out);
            }
            for (k, c) in m.iter_mut() {
                let name = match k {
                    Value::String(s) => s.clone(),
                    other => serde_yaml::to_string(other)
                        .unwrap_or_default()
                        .trim()
                        .to_owned(),
                };
                if matches!(name.as_str(), "example" | "examples" | "default" | "enum")
                    || is_extension(&name, names)
                {
                    continue;
                }
                let child = format!("{here}/{}", crate::error::escape_pointer(&name));
                walk(c, &child, holds_names(&name), origins, file, out);
            }
        }
        Value::Sequence(s) => {
            for (i, c) in s.iter_mut().enumerate() {
                walk(c, &format!("{here}/{i}"), false, origins, file, out);
            }
        }
        _ => {}
    }
}

/// Whether a number is an integer `u64` holds. A float of `2^64` counts:
/// it is how JavaScript prints `u64::MAX` (`maximum: 18446744073709552000`).
fn fits_u64(n: &Number) -> bool {
    n.is_u64()
        || n.as_f64()
            .is_some_and(|f| f >= 0.0 && f.fract() == 0.0 && f <= u64::MAX as f64)
}

/// A whole number written as a float (`minimum: 1.0`, as pydantic writes an
/// `int` field's `Field(ge=1)`) that fits `i64`, as that integer.
fn whole_i64(n: &Number) -> Option<i64> {
    let f = n.as_f64().filter(|_| n.is_f64())?;
    // 2^63 is exactly representable; every f64 below it in magnitude with no
    // fraction converts without loss.
    (f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f))
        .then_some(f as i64)
}

fn one(m: &mut Mapping, here: &str, origins: &Origins, file: &str, out: &mut Vec<String>) {
    for k in BOUNDS {
        if let Some(Value::Number(n)) = m.get(k) {
            if let Some(i) = whole_i64(n) {
                m.insert(Value::String(k.to_owned()), Value::Number(i.into()));
            }
        }
    }
    let big: Vec<(&str, Number)> = BOUNDS
        .iter()
        .filter_map(|k| match m.get(*k) {
            Some(Value::Number(n)) if !n.is_i64() => Some((*k, n.clone())),
            _ => None,
        })
        .collect();
    if big.is_empty() {
        return;
    }
    let at = origins.restore(here);
    let all_u64 = BOUNDS.iter().all(|k| match m.get(*k) {
        Some(Value::Number(n)) => fits_u64(n),
        _ => true,
    }) && !matches!(m.get("format").and_then(Value::as_str), Some("int32"));
    if all_u64 {
        let shown: Vec<String> = big.iter().map(|(k, n)| format!("{k} {n}")).collect();
        m.insert(Value::String(WIDE.to_owned()), Value::Bool(true));
        for (k, _) in &big {
            m.remove(*k);
        }
        out.push(format!(
            "{file}: at {at}: integer {} is beyond i64: typed u64",
            shown.join(", ")
        ));
    } else {
        for (k, n) in &big {
            m.remove(*k);
            out.push(format!(
                "{file}: at {at}/{k}: integer bound {n} fits neither i64 nor u64: dropped (the type stays i64)"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn whole_floats_within_i64_are_integers() {
        use super::{whole_i64, Number};
        assert_eq!(whole_i64(&Number::from(1.0)), Some(1));
        assert_eq!(whole_i64(&Number::from(-5.0)), Some(-5));
        assert_eq!(whole_i64(&Number::from(1000.0)), Some(1000));
        assert_eq!(whole_i64(&Number::from(1.5)), None);
        assert_eq!(whole_i64(&Number::from(9_223_372_036_854_775_808.0)), None);
        assert_eq!(whole_i64(&Number::from(7_i64)), None, "already an integer");
    }

    fn doc(version: &str) -> String {
        format!(
            "openapi: {version}\ninfo: {{title: t, version: '1'}}\npaths:\n  /x:\n    get:\n      \
             operationId: get_x\n      parameters:\n        - {{name: n, in: query, schema: {{type: \
             integer, minimum: 0, maximum: 18446744073709551615}}}}\n        - {{name: m, in: query, \
             schema: {{type: integer, maximum: 99999999999999999999999, example: \
             123456789012345678901234567890}}}}\n      responses: {{'204': {{description: ok}}}}\n"
        )
    }

    #[test]
    fn bounds_beyond_i64_widen_or_are_dropped_with_a_warning() {
        for version in ["3.0.3", "3.1.0"] {
            let text = doc(version);
            let json = serde_json::to_string(&crate::review::to_json(
                &super::parse(text.as_bytes()).expect("lenient YAML"),
            ))
            .expect("json");
            for (file, bytes) in [("t.yaml", text.as_bytes()), ("t.json", json.as_bytes())] {
                let opts = crate::Options {
                    spec_name: file.to_owned(),
                    ..crate::Options::default()
                };
                let out = crate::generate_all(bytes, &opts).unwrap_or_else(|e| panic!("{e}"));
                assert!(out.rust.contains("n: Option<u64>"), "{}", out.rust);
                assert!(out.rust.contains("m: Option<i64>"), "{}", out.rust);
                assert_eq!(
                    out.warnings,
                    [
                        format!(
                            "{file}: at #/paths/~1x/get/parameters/0/schema: integer maximum \
                             18446744073709551615 is beyond i64: typed u64"
                        ),
                        format!(
                            "{file}: at #/paths/~1x/get/parameters/1/schema/maximum: integer \
                             bound 1e23 fits neither i64 nor u64: dropped (the type stays i64)"
                        ),
                    ]
                );
            }
        }
    }

    /// An extension's value is not the document's: oxide's `x-rust-type`
    /// carries `minimum: 0.0` for a type parameter. Neither path reads it
    /// (a JSON document keeps the fast path), while a property named `x-...`
    /// is still a schema whose bounds are widened.
    #[test]
    fn extensions_are_not_widened_but_x_named_properties_are() {
        let text = r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
          "paths": {"/x": {"get": {"operationId": "get_x", "responses": {"200": {
            "description": "ok", "content": {"application/json": {
              "schema": {"$ref": "#/components/schemas/S"}}}}}}}},
          "components": {"schemas": {"S": {"type": "object", "properties": {
            "a": {"type": "integer", "format": "uint64", "minimum": 0,
              "x-rust-type": {"crate": "c", "path": "c::T", "version": "*", "parameters": [
                {"type": "integer", "format": "uint8", "minimum": 0.0, "maximum": 1e30}]}}}}}}}"##;
        let generate = |text: &str| {
            let opts = crate::Options {
                spec_name: "t.json".to_owned(),
                ..crate::Options::default()
            };
            let out = crate::generate_all(text.as_bytes(), &opts).unwrap_or_else(|e| panic!("{e}"));
            let body = out
                .rust
                .split_once("rustfmt::skip)]")
                .expect("the header")
                .1
                .to_owned();
            (body, out.warnings)
        };
        assert!(crate::load::json_fast_path_takes(text.as_bytes()));
        let (fast, warnings) = generate(text);
        assert_eq!(warnings, Vec::<String>::new());
        // The same document through the YAML path (a comment first).
        let (slow, warnings) = generate(&format!("# YAML\n{text}"));
        assert_eq!(warnings, Vec::<String>::new());
        assert_eq!(fast, slow);

        let named = text.replace(
            r#""a": {"#,
            r#""x-count": {"type": "integer", "maximum": 18446744073709551615}, "a": {"#,
        );
        assert!(!crate::load::json_fast_path_takes(named.as_bytes()));
        let (rust, warnings) = generate(&named);
        assert_eq!(
            warnings,
            [
                "t.json: at #/components/schemas/S/properties/x-count: integer maximum \
              18446744073709551615 is beyond i64: typed u64"
            ]
        );
        assert!(rust.contains("x_count: Option<u64>"), "{rust}");
    }

    #[test]
    fn javascript_s_u64_max_is_u64() {
        // digitalocean.com in the public API directory writes u64::MAX so.
        let text = doc("3.0.3").replace("18446744073709551615", "18446744073709552000");
        let out = crate::generate_all(text.as_bytes(), &crate::Options::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(out.rust.contains("n: Option<u64>"), "{}", out.rust);
    }

    #[test]
    fn duplicate_keys_and_tags_read_as_serde_yaml_reads_them() {
        let e = super::parse(b"a: 1\na: 2\n").unwrap_err().to_string();
        assert!(e.contains("duplicate entry with key \"a\""), "{e}");
        let v = super::parse(b"a: !t 1\nb: ~\n").expect("tagged");
        let want: serde_yaml::Value = serde_yaml::from_slice(b"a: !t 1\nb: ~\n").expect("yaml");
        assert_eq!(v, want);
    }
}
