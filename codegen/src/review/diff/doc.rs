//! One side of a diff: a document as JSON, with `$ref`s resolved and pointers kept.

use super::super::lookup;
use crate::error::{ptr, Error};
use crate::model::classify::{all_of, classify, integer_and_string, AllOf, Kind, ObjView};
use crate::model::Ty;
use openapiv3::Schema;
use serde_json::Value;

#[derive(Clone, Copy)]
pub(super) struct Doc<'a> {
    pub(super) root: &'a Value,
    pub(super) file: &'a str,
}

/// A JSON value and its pointer in its document.
#[derive(Clone)]
pub(super) struct Node<'a> {
    pub(super) v: &'a Value,
    pub(super) ptr: String,
}

impl<'a> Doc<'a> {
    pub(super) fn err(&self, pointer: &str, message: impl Into<String>) -> Error {
        Error::spec(self.file, pointer, message)
    }

    /// Follows `$ref`s.
    pub(super) fn resolve(&self, n: Node<'a>) -> Result<Node<'a>, Error> {
        let mut cur = n;
        for _ in 0..64 {
            match cur.v.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let v = lookup(self.root, r).ok_or_else(|| {
                        self.err(&cur.ptr, format!("dangling or non-local $ref `{r}`"))
                    })?;
                    cur = Node {
                        v,
                        ptr: r.to_owned(),
                    };
                }
                None => return Ok(cur),
            }
        }
        Err(self.err(&n_ptr(&cur), "$ref cycle"))
    }

    /// The schema at `n` (already resolved) as the generator classifies
    /// it ([`classify`]), with single-member unions and `allOf`s unwrapped
    /// and `allOf` objects merged as lowering merges them.
    pub(super) fn categorize(
        &self,
        n: &Node<'a>,
        secret: bool,
        depth: usize,
    ) -> Result<Kind<'a, Node<'a>>, Error> {
        if depth > 64 {
            return Err(self.err(&n.ptr, "allOf nested too deeply"));
        }
        Ok(match self.shallow(n) {
            Kind::OneOf(mut alts) | Kind::AllOf(mut alts) if alts.len() == 1 => {
                let one = self.resolve(alts.remove(0))?;
                return self.categorize(&one, secret, depth + 1);
            }
            Kind::AllOf(members) => {
                let mut kinds = Vec::with_capacity(members.len());
                for m in members {
                    let m = self.resolve(m)?;
                    kinds.push(self.categorize(&m, secret, depth + 1)?);
                }
                match all_of(kinds) {
                    AllOf::Object(o) => Kind::Object(o),
                    AllOf::One(_, k) => k,
                    AllOf::Any | AllOf::Conflict(_) => Kind::Any,
                }
            }
            Kind::Prim(Ty::String) if secret => Kind::Prim(Ty::Secret),
            Kind::Unsupported(_) => Kind::Any,
            k => k,
        })
    }

    /// [`classify`] on the node, its sub-schemas turned back into nodes of
    /// this document.
    pub(super) fn shallow(&self, n: &Node<'a>) -> Kind<'a, Node<'a>> {
        let Ok(schema) = serde_json::from_value::<Schema>(n.v.clone()) else {
            return Kind::Any;
        };
        let v = n.v;
        let at = |key: &str| {
            v.get(key).map(|x| Node {
                v: x,
                ptr: ptr(&n.ptr, &[key]),
            })
        };
        let list = |key: &str| -> Vec<Node<'a>> {
            v.get(key)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .enumerate()
                        .map(|(i, x)| Node {
                            v: x,
                            ptr: ptr(&n.ptr, &[key, &i.to_string()]),
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        match classify(&schema) {
            Kind::Object(o) => {
                let props = v.get("properties").and_then(Value::as_object);
                Kind::Object(ObjView {
                    props: o
                        .props
                        .iter()
                        .filter_map(|(k, _)| {
                            let (key, x) = props?.get_key_value(*k)?;
                            Some((
                                key.as_str(),
                                Node {
                                    v: x,
                                    ptr: ptr(&n.ptr, &["properties", k]),
                                },
                            ))
                        })
                        .collect(),
                    required: v
                        .get("required")
                        .and_then(Value::as_array)
                        .map(|a| a.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default(),
                    closed: o.closed,
                })
            }
            Kind::OneOf(_) => {
                let alts = list("oneOf");
                Kind::OneOf(if alts.is_empty() { list("anyOf") } else { alts })
            }
            Kind::AllOf(_) => Kind::AllOf(list("allOf")),
            Kind::Array(items) => Kind::Array(items.and_then(|_| at("items"))),
            Kind::Map(value) => Kind::Map(value.and_then(|_| at("additionalProperties"))),
            Kind::StringEnum(values) => Kind::StringEnum(values),
            Kind::Prim(t) => Kind::Prim(t),
            Kind::Any => Kind::Any,
            Kind::Unsupported(what) => Kind::Unsupported(what),
        }
    }

    /// Whether a union is one the generator types as the runtime's
    /// `IntegerOrString`: exactly an integer and a plain string, not
    /// nullable, no discriminator (see `model::schemas`).
    pub(super) fn integer_or_string(&self, union: &Node<'a>, alts: &[Node<'a>]) -> bool {
        if union.v.get("discriminator").is_some() {
            return false;
        }
        let [a, b] = alts else { return false };
        let kind = |n: &Node<'a>| {
            let n = self.resolve(n.clone()).ok()?;
            if n.v.get("nullable") == Some(&Value::Bool(true)) {
                return None;
            }
            self.categorize(&n, false, 0).ok()
        };
        integer_and_string(kind(a), kind(b))
    }

    /// Whether a property's schema is nullable (on the property, its target
    /// or a single `allOf` member).
    pub(super) fn nullable(&self, n: &Node<'a>) -> Result<bool, Error> {
        let flag = |v: &Value| v.get("nullable") == Some(&Value::Bool(true));
        if flag(n.v) {
            return Ok(true);
        }
        if let Some([one]) =
            n.v.get("allOf")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
        {
            let node = Node {
                v: one,
                ptr: ptr(&n.ptr, &["allOf", "0"]),
            };
            if flag(self.resolve(node)?.v) {
                return Ok(true);
            }
        }
        Ok(flag(self.resolve(n.clone())?.v))
    }
}

pub(super) fn n_ptr(n: &Node<'_>) -> String {
    n.ptr.clone()
}
