//! Reviewing spec changes: a breaking-change report between two documents
//! ([`diff`]) and a self-contained extract of some tags' operations
//! ([`subset`]).
//!
//! Both read a document the way the generator does (same syntax, version and
//! `$ref` checks, same errors naming file, pointer and problem), then work on a
//! JSON view of it in which every `$ref` can be followed, so that where a
//! schema is written (inline or under `components`) never matters.

pub mod diff;
pub mod subset;

use crate::error::Error;
use serde_json::{Map, Value};

/// Parses `bytes` as the generator would, then returns the document as JSON
/// (mapping keys such as unquoted status codes become strings).
pub(crate) fn read(bytes: &[u8], file: &str) -> Result<Value, Error> {
    crate::load::load(bytes, file)?;
    // 3.1 written as 3.0, the object keywords beside a composition folded
    // in: the document as the generator reads it.
    Ok(to_json(&crate::load::raw(bytes, file)?))
}

/// Converts YAML to JSON, turning non-string keys into their text.
pub(crate) fn to_json(v: &serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(*b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s.clone()),
        Y::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
        Y::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                out.insert(key_text(k), to_json(v));
            }
            Value::Object(out)
        }
        Y::Tagged(t) => to_json(&t.value),
    }
}

fn key_text(k: &serde_yaml::Value) -> String {
    use serde_yaml::Value as Y;
    match k {
        Y::String(s) => s.clone(),
        Y::Bool(b) => b.to_string(),
        Y::Number(n) => n.to_string(),
        Y::Null => "null".to_owned(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_owned(),
    }
}

/// Follows a local `$ref` (`#/a/b`) in `root`.
pub(crate) fn lookup<'v>(root: &'v Value, reference: &str) -> Option<&'v Value> {
    let rest = reference.strip_prefix('#')?;
    if rest.is_empty() {
        return Some(root);
    }
    root.pointer(rest)
}
