//! Schemas compared as the generator maps them, with `$ref`s followed.

use super::doc::Doc;
use super::{Class, Cx, Dir, Node};
use crate::error::{ptr, Error};
use crate::model::classify::{Kind, ObjView};
use crate::names;
use serde_json::Value;

impl<'a> Cx<'a> {
    // ---- schemas ----------------------------------------------------------

    pub(super) fn schema(
        &mut self,
        o: Node<'a>,
        n: Node<'a>,
        at: &str,
        dir: Dir,
        secret: bool,
        depth: usize,
    ) -> Result<(), Error> {
        let o = self.old.resolve(o)?;
        let n = self.new.resolve(n)?;
        if depth > 64 {
            return Err(self.new.err(&n.ptr, "schemas nested too deeply"));
        }
        if !self
            .visited
            .insert((format!("{secret}{}", o.ptr), n.ptr.clone(), dir))
        {
            return Ok(());
        }
        self.docs("schema", at, o.v, &n, "description");
        let oc = self.old.categorize(&o, secret, 0)?;
        let nc = self.new.categorize(&n, secret, 0)?;
        let default = |v: &Value| v.get("default").cloned();
        if default(o.v) != default(n.v) {
            self.push(
                Class::Compatible,
                "default-changed",
                at,
                &ptr(&n.ptr, &["default"]),
                format!(
                    "default changed from {} to {}",
                    default(o.v).map_or("none".to_owned(), |v| v.to_string()),
                    default(n.v).map_or("none".to_owned(), |v| v.to_string())
                ),
            );
        }
        match (oc, nc) {
            (Kind::Prim(a), Kind::Prim(b)) if a == b => Ok(()),
            (Kind::Any, Kind::Any) => Ok(()),
            (Kind::StringEnum(a), Kind::StringEnum(b)) => {
                for v in a.iter().filter(|v| !b.contains(v)) {
                    self.push(
                        Class::Breaking,
                        "enum-value-removed",
                        at,
                        &ptr(&o.ptr, &["enum"]),
                        format!("enum value {v:?} removed"),
                    );
                }
                for v in b.iter().filter(|v| !a.contains(v)) {
                    self.push(
                        Class::Compatible,
                        "enum-value-added",
                        at,
                        &ptr(&n.ptr, &["enum"]),
                        format!("enum value {v:?} added"),
                    );
                }
                Ok(())
            }
            (Kind::Array(a), Kind::Array(b)) | (Kind::Map(a), Kind::Map(b)) => {
                let sub = format!("{at}[]");
                match (a, b) {
                    (Some(a), Some(b)) => self.schema(a, b, &sub, dir, false, depth + 1),
                    (None, None) => Ok(()),
                    (_, b) => {
                        self.push(
                            Class::Breaking,
                            "type-changed",
                            sub,
                            &b.map_or_else(|| n.ptr.clone(), |b| b.ptr),
                            "element type changed (to or from any JSON value)",
                        );
                        Ok(())
                    }
                }
            }
            (Kind::Object(a), Kind::Object(b)) => self.props(a, b, &o, &n, at, dir, depth),
            (Kind::OneOf(a), Kind::OneOf(b)) => {
                // "An integer or a string" is the runtime's `IntegerOrString`;
                // any other union is a generated enum. Crossing between the
                // two changes the Rust type even when an alternative is
                // only added.
                let (oi, ni) = (
                    self.old.integer_or_string(&o, &a),
                    self.new.integer_or_string(&n, &b),
                );
                if oi != ni {
                    self.push(
                        Class::Breaking,
                        "type-changed",
                        at,
                        &n.ptr,
                        if oi {
                            "type changed from `IntegerOrString` (an integer or a string) to a union of other alternatives"
                        } else {
                            "type changed from a union to `IntegerOrString` (an integer or a string)"
                        },
                    );
                    return Ok(());
                }
                // A tagged union is an enum of struct variants named by the
                // tag values; any other is an enum of one payload type per
                // alternative. Moving between the two renames every variant,
                // whatever the document change that causes it (a tag value
                // added, an alternative no longer inline).
                let (ot, nt) = (self.tagged.0.get(&o.ptr), self.tagged.1.get(&n.ptr));
                if ot != nt {
                    use super::UnionForm::{External, Tagged};
                    self.push(
                        Class::Breaking,
                        "type-changed",
                        at,
                        &n.ptr,
                        match (ot, nt) {
                            (Some(Tagged), None) => "the union is no longer told apart by a one-value tag: its enum of struct variants becomes an enum of one type per alternative",
                            (None, Some(Tagged)) => "the union is now told apart by a one-value tag: its enum of one type per alternative becomes an enum of struct variants",
                            (Some(External), None) => "the union's alternatives are no longer objects of one property each: its enum of a variant per property name becomes an enum of one type per alternative",
                            (None, Some(External)) => "the union's alternatives are now objects of one property each: its enum of one type per alternative becomes an enum of a variant per property name",
                            _ => "the union changes form (told apart by a one-value tag, or by the name of its one property): every variant changes",
                        },
                    );
                    return Ok(());
                }
                // A union of one alternative is that alternative's type; with
                // more it is an enum (and back).
                if (a.len() == 1) != (b.len() == 1) {
                    self.push(
                        Class::Breaking,
                        "type-changed",
                        at,
                        &n.ptr,
                        if a.len() == 1 {
                            "a oneOf/anyOf of one alternative (that type) now has several: the type becomes an enum"
                        } else {
                            "a oneOf/anyOf now has one alternative: the type is that alternative, no longer an enum"
                        },
                    );
                    return Ok(());
                }
                for (i, (x, y)) in a.iter().zip(&b).enumerate() {
                    let sub = format!("{at} (alternative {})", i + 1);
                    self.schema(x.clone(), y.clone(), &sub, dir, false, depth + 1)?;
                }
                for x in a.iter().skip(b.len()) {
                    self.push(
                        Class::Breaking,
                        "alternative-removed",
                        at,
                        &x.ptr,
                        "oneOf/anyOf alternative removed",
                    );
                }
                for y in b.iter().skip(a.len()) {
                    self.push(
                        Class::Compatible,
                        "alternative-added",
                        at,
                        &y.ptr,
                        "oneOf/anyOf alternative added",
                    );
                }
                Ok(())
            }
            (a, b) => {
                // The generic label says "a oneOf"; the Rust type of an
                // integer-or-string union is named so a reader knows it.
                let label = |side: &Doc<'a>, node: &Node<'a>, k: Kind<'a, Node<'a>>| match k {
                    Kind::OneOf(alts) if side.integer_or_string(node, &alts) => {
                        "`IntegerOrString` (an integer or a string)".to_owned()
                    }
                    k => k.label(),
                };
                let (from, to) = (label(&self.old, &o, a), label(&self.new, &n, b));
                self.push(
                    Class::Breaking,
                    "type-changed",
                    at,
                    &n.ptr,
                    format!("type changed from {from} to {to}"),
                );
                Ok(())
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn props(
        &mut self,
        a: ObjView<'a, Node<'a>>,
        b: ObjView<'a, Node<'a>>,
        o: &Node<'a>,
        n: &Node<'a>,
        at: &str,
        dir: Dir,
        depth: usize,
    ) -> Result<(), Error> {
        // (name, schema, listed in `required`)
        let flat = |x: ObjView<'a, Node<'a>>| -> Vec<(&'a str, Node<'a>, bool)> {
            x.props
                .into_iter()
                .map(|(k, node)| (k, node, x.required.contains(&k)))
                .collect()
        };
        let (a, b) = (flat(a), flat(b));
        let closed = |v: &Value| v.get("additionalProperties") == Some(&Value::Bool(false));
        if closed(o.v) != closed(n.v) {
            self.push(
                if closed(n.v) && dir == Dir::Output {
                    Class::Breaking
                } else {
                    Class::Compatible
                },
                "additional-properties-changed",
                at,
                &ptr(&n.ptr, &["additionalProperties"]),
                if closed(n.v) {
                    "unknown properties are now rejected (additionalProperties: false)"
                } else {
                    "unknown properties are now allowed"
                },
            );
        }
        for p in &a {
            if !b.iter().any(|q| q.0 == p.0) {
                self.push(
                    Class::Breaking,
                    "field-removed",
                    format!("{at} .{}", p.0),
                    &p.1.ptr,
                    match dir {
                        Dir::Input => "request field removed",
                        Dir::Output => "response field removed",
                    },
                );
            }
        }
        for q in b {
            let sub = format!("{at} .{}", q.0);
            let Some(p) = a.iter().find(|p| p.0 == q.0) else {
                let optional = !q.2 || self.new.nullable(&q.1)?;
                if dir == Dir::Input && !optional {
                    self.push(
                        Class::Breaking,
                        "field-added-required",
                        sub,
                        &q.1.ptr,
                        "required request field added",
                    );
                } else {
                    self.push(
                        Class::Compatible,
                        "field-added",
                        sub,
                        &q.1.ptr,
                        match (dir, optional) {
                            (Dir::Input, _) => "optional request field added",
                            (Dir::Output, true) => "optional response field added",
                            (Dir::Output, false) => "response field added",
                        },
                    );
                }
                continue;
            };
            let was = !p.2 || self.old.nullable(&p.1)?;
            let now = !q.2 || self.new.nullable(&q.1)?;
            match (was, now) {
                (true, false) => self.push(
                    Class::Breaking,
                    "field-made-required",
                    sub.clone(),
                    &q.1.ptr,
                    match dir {
                        Dir::Input => "optional request field made required",
                        Dir::Output => {
                            "optional response field made required (no longer an Option)"
                        }
                    },
                ),
                (false, true) => self.push(
                    Class::Breaking,
                    "field-made-optional",
                    sub.clone(),
                    &q.1.ptr,
                    match dir {
                        Dir::Input => {
                            "required request field made optional (no longer a method argument)"
                        }
                        Dir::Output => {
                            "required response field made optional or nullable (now an Option)"
                        }
                    },
                ),
                _ => {}
            }
            let secret = names::is_secret_name(q.0);
            self.schema(p.1.clone(), q.1, &sub, dir, secret, depth + 1)?;
        }
        Ok(())
    }
}
