//! Operations compared one by one: security, parameters, bodies, responses.

use super::{json_schema, text, Class, Cx, Dir, Doc, Node, OpRef};
use crate::error::{ptr, Error};
use crate::names;
use serde_json::Value;
use std::collections::BTreeMap;

impl<'a> Cx<'a> {
    pub(super) fn operations(
        &mut self,
        old_rust: &BTreeMap<String, (String, bool)>,
        new_rust: &BTreeMap<String, (String, bool)>,
    ) -> Result<(), Error> {
        let olds = Self::collect(self.old);
        let news = Self::collect(self.new);
        let mut renamed: BTreeMap<&str, &str> = BTreeMap::new(); // new id -> old id
        for (id, o) in &olds {
            self.op = id.clone();
            self.visited.clear();
            if news.contains_key(id) {
                continue;
            }
            let twin = news.iter().find(|(nid, n)| {
                !olds.contains_key(*nid) && n.method == o.method && n.path == o.path
            });
            match twin {
                Some((nid, n)) => {
                    renamed.insert(nid, id);
                    self.push(
                        Class::Breaking,
                        "operation-renamed",
                        "",
                        &ptr(&n.node.ptr, &["operationId"]),
                        format!(
                            "operation renamed to {nid} ({} {})",
                            o.method.to_ascii_uppercase(),
                            o.path
                        ),
                    );
                }
                None => self.push(
                    Class::Breaking,
                    "operation-removed",
                    "",
                    &o.node.ptr,
                    format!(
                        "operation removed ({} {}{})",
                        o.method.to_ascii_uppercase(),
                        o.path,
                        old_rust
                            .get(id)
                            .map(|(r, _)| format!(", `{r}`"))
                            .unwrap_or_default()
                    ),
                ),
            }
        }
        for (id, n) in &news {
            self.op = id.clone();
            self.visited.clear();
            let old_id = if olds.contains_key(id) {
                id.as_str()
            } else if let Some(o) = renamed.get(id.as_str()) {
                o
            } else {
                self.push(
                    Class::Compatible,
                    "operation-added",
                    "",
                    &n.node.ptr,
                    format!(
                        "operation added ({} {}{})",
                        n.method.to_ascii_uppercase(),
                        n.path,
                        new_rust
                            .get(id)
                            .map(|(r, _)| format!(", `{r}`"))
                            .unwrap_or_default()
                    ),
                );
                continue;
            };
            let Some(o) = olds.get(old_id) else { continue };
            if (o.method, &o.path) != (n.method, &n.path) {
                self.push(
                    Class::Breaking,
                    "operation-moved",
                    "",
                    &n.node.ptr,
                    format!(
                        "operation moved from {} {} to {} {}",
                        o.method.to_ascii_uppercase(),
                        o.path,
                        n.method.to_ascii_uppercase(),
                        n.path
                    ),
                );
            }
            if let (Some((or, omulti)), Some((nr, nmulti))) =
                (old_rust.get(old_id), new_rust.get(id))
            {
                if or != nr {
                    self.push(
                        Class::Breaking,
                        "rust-name-changed",
                        "",
                        &n.node.ptr,
                        format!("the generated method `{or}` is now `{nr}`"),
                    );
                }
                if omulti != nmulti {
                    self.push(
                        Class::Breaking,
                        "return-type-changed",
                        "responses",
                        &ptr(&n.node.ptr, &["responses"]),
                        if *nmulti {
                            "the success responses now have different types: the method returns an enum of them"
                        } else {
                            "the success responses now share one type: the method no longer returns an enum"
                        },
                    );
                }
            }
            self.operation(o, n)?;
        }
        self.op.clear();
        Ok(())
    }

    pub(super) fn operation(&mut self, o: &OpRef<'a>, n: &OpRef<'a>) -> Result<(), Error> {
        for key in ["summary", "description"] {
            self.docs("operation", "", o.node.v, &n.node, key);
        }
        let dep = |v: &Value| v.get("deprecated") == Some(&Value::Bool(true));
        if dep(o.node.v) != dep(n.node.v) {
            self.push(
                Class::Compatible,
                "deprecation-changed",
                "",
                &ptr(&n.node.ptr, &["deprecated"]),
                if dep(n.node.v) {
                    "operation deprecated"
                } else {
                    "operation no longer deprecated"
                },
            );
        }
        self.security(o, n);
        self.params(o, n)?;
        self.body(o, n)?;
        self.responses(o, n)
    }

    pub(super) fn effective_security(doc: Doc<'a>, op: &OpRef<'a>) -> (Vec<String>, String) {
        let (reqs, pointer) = match op.node.v.get("security") {
            Some(s) => (Some(s), ptr(&op.node.ptr, &["security"])),
            None => (doc.root.get("security"), "#/security".to_owned()),
        };
        let mut alts: Vec<String> = reqs
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|req| {
                        let mut parts: Vec<String> = req
                            .as_object()
                            .map(|m| {
                                m.keys()
                                    .map(|name| {
                                        let def = doc
                                            .root
                                            .pointer(&format!(
                                                "/components/securitySchemes/{}",
                                                crate::error::escape_pointer(name)
                                            ))
                                            .cloned()
                                            .unwrap_or(Value::Null);
                                        let f = |k: &str| text(&def, k).unwrap_or("").to_owned();
                                        let how = match f("type").as_str() {
                                            "apiKey" => format!("apiKey {} {}", f("in"), f("name")),
                                            "http" => format!("http {}", f("scheme")),
                                            other => other.to_owned(),
                                        };
                                        format!("{name} ({how})")
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        parts.sort();
                        if parts.is_empty() {
                            "anonymous".to_owned()
                        } else {
                            parts.join(" + ")
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        alts.sort();
        (alts, pointer)
    }

    pub(super) fn security(&mut self, o: &OpRef<'a>, n: &OpRef<'a>) {
        let (a, _) = Self::effective_security(self.old, o);
        let (b, pointer) = Self::effective_security(self.new, n);
        if a != b {
            let show = |v: &[String]| {
                if v.is_empty() {
                    "none".to_owned()
                } else {
                    v.join(" | ")
                }
            };
            self.push(
                Class::Breaking,
                "security-changed",
                "security",
                &pointer,
                format!("security changed from {} to {}", show(&a), show(&b)),
            );
        }
    }

    /// Effective parameters keyed by `(in, name)`: path-level ones, overridden
    /// by the operation's.
    pub(super) fn param_map(
        doc: Doc<'a>,
        op: &OpRef<'a>,
    ) -> Result<BTreeMap<(String, String), Node<'a>>, Error> {
        let mut out = BTreeMap::new();
        for owner in [&op.item, &op.node] {
            let Some(list) = owner.v.get("parameters").and_then(Value::as_array) else {
                continue;
            };
            for (i, p) in list.iter().enumerate() {
                let node = doc.resolve(Node {
                    v: p,
                    ptr: ptr(&owner.ptr, &["parameters", &i.to_string()]),
                })?;
                let loc = text(node.v, "in").unwrap_or("").to_owned();
                let name = text(node.v, "name").unwrap_or("").to_owned();
                out.insert((loc, name), node);
            }
        }
        Ok(out)
    }

    pub(super) fn param_schema(p: &Node<'a>) -> Option<Node<'a>> {
        match p.v.get("schema") {
            Some(s) => Some(Node {
                v: s,
                ptr: ptr(&p.ptr, &["schema"]),
            }),
            None => json_schema(p.v.get("content"), &p.ptr).map(|(_, n)| n),
        }
    }

    pub(super) fn params(&mut self, o: &OpRef<'a>, n: &OpRef<'a>) -> Result<(), Error> {
        let olds = Self::param_map(self.old, o)?;
        let news = Self::param_map(self.new, n)?;
        let required = |(loc, _): &(String, String), p: &Node<'_>| {
            loc == "path" || p.v.get("required") == Some(&Value::Bool(true))
        };
        for (key, op) in &olds {
            if !news.contains_key(key) {
                self.push(
                    Class::Breaking,
                    "parameter-removed",
                    format!("parameter {} ({})", key.1, key.0),
                    &op.ptr,
                    "parameter removed",
                );
            }
        }
        for (key, np) in &news {
            let at = format!("parameter {} ({})", key.1, key.0);
            let Some(op) = olds.get(key) else {
                if required(key, np) {
                    self.push(
                        Class::Breaking,
                        "parameter-added-required",
                        at,
                        &np.ptr,
                        "required parameter added (a new method argument)",
                    );
                } else {
                    self.push(
                        Class::Compatible,
                        "parameter-added",
                        at,
                        &np.ptr,
                        "optional parameter added",
                    );
                }
                continue;
            };
            self.docs("parameter", &at, op.v, np, "description");
            match (required(key, op), required(key, np)) {
                (false, true) => self.push(
                    Class::Breaking,
                    "parameter-made-required",
                    at.clone(),
                    &ptr(&np.ptr, &["required"]),
                    "optional parameter made required (now a method argument)",
                ),
                (true, false) => self.push(
                    Class::Breaking,
                    "parameter-made-optional",
                    at.clone(),
                    &ptr(&np.ptr, &["required"]),
                    "required parameter made optional (no longer a method argument: a builder setter)",
                ),
                _ => {}
            }
            let secret = names::is_secret_name(&key.1);
            match (Self::param_schema(op), Self::param_schema(np)) {
                (Some(a), Some(b)) => self.schema(a, b, &at, Dir::Input, secret, 0)?,
                (None, None) => {}
                (_, b) => self.push(
                    Class::Breaking,
                    "type-changed",
                    at,
                    &b.map_or_else(|| np.ptr.clone(), |b| b.ptr),
                    "parameter schema added or removed",
                ),
            }
        }
        Ok(())
    }

    pub(super) fn request_body(doc: Doc<'a>, op: &OpRef<'a>) -> Result<Option<Node<'a>>, Error> {
        match op.node.v.get("requestBody") {
            Some(b) => Ok(Some(doc.resolve(Node {
                v: b,
                ptr: ptr(&op.node.ptr, &["requestBody"]),
            })?)),
            None => Ok(None),
        }
    }

    pub(super) fn body(&mut self, o: &OpRef<'a>, n: &OpRef<'a>) -> Result<(), Error> {
        let ob = Self::request_body(self.old, o)?;
        let nb = Self::request_body(self.new, n)?;
        let required = |b: &Node<'_>| b.v.get("required") == Some(&Value::Bool(true));
        let at = "request body";
        match (ob, nb) {
            (None, None) => Ok(()),
            (Some(ob), None) => {
                self.push(
                    Class::Breaking,
                    "request-body-removed",
                    at,
                    &ob.ptr,
                    "request body removed",
                );
                Ok(())
            }
            (None, Some(nb)) => {
                if required(&nb) {
                    self.push(
                        Class::Breaking,
                        "request-body-added-required",
                        at,
                        &nb.ptr,
                        "required request body added",
                    );
                } else {
                    self.push(
                        Class::Compatible,
                        "request-body-added",
                        at,
                        &nb.ptr,
                        "optional request body added",
                    );
                }
                Ok(())
            }
            (Some(ob), Some(nb)) => {
                self.docs("request-body", at, ob.v, &nb, "description");
                match (required(&ob), required(&nb)) {
                    (false, true) => self.push(
                        Class::Breaking,
                        "request-body-made-required",
                        at,
                        &ptr(&nb.ptr, &["required"]),
                        "optional request body made required",
                    ),
                    (true, false) => self.push(
                        Class::Compatible,
                        "request-body-made-optional",
                        at,
                        &ptr(&nb.ptr, &["required"]),
                        "required request body made optional",
                    ),
                    _ => {}
                }
                self.content(ob, nb, at, Dir::Input)
            }
        }
    }

    /// Compares the JSON bodies of two requests or responses.
    pub(super) fn content(
        &mut self,
        o: Node<'a>,
        n: Node<'a>,
        at: &str,
        dir: Dir,
    ) -> Result<(), Error> {
        match (
            json_schema(o.v.get("content"), &o.ptr),
            json_schema(n.v.get("content"), &n.ptr),
        ) {
            (None, None) => Ok(()),
            (Some(_), None) => {
                self.push(
                    Class::Breaking,
                    "type-changed",
                    at,
                    &n.ptr,
                    "JSON body removed",
                );
                Ok(())
            }
            (None, Some((_, s))) => {
                self.push(
                    Class::Breaking,
                    "type-changed",
                    at,
                    &s.ptr,
                    "JSON body added where there was none",
                );
                Ok(())
            }
            (Some((_, a)), Some((_, b))) => match (a.v.is_null(), b.v.is_null()) {
                (true, true) => Ok(()),
                (false, false) => self.schema(a, b, at, dir, false, 0),
                _ => {
                    self.push(
                        Class::Breaking,
                        "type-changed",
                        at,
                        &b.ptr,
                        "body schema added or removed",
                    );
                    Ok(())
                }
            },
        }
    }

    pub(super) fn responses(&mut self, o: &OpRef<'a>, n: &OpRef<'a>) -> Result<(), Error> {
        let list = |op: &OpRef<'a>| -> Vec<(String, Node<'a>)> {
            op.node
                .v
                .get("responses")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            (
                                k.clone(),
                                Node {
                                    v,
                                    ptr: ptr(&op.node.ptr, &["responses", k]),
                                },
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let olds: BTreeMap<String, Node<'a>> = list(o).into_iter().collect();
        let news: BTreeMap<String, Node<'a>> = list(n).into_iter().collect();
        for (status, or) in &olds {
            if !news.contains_key(status) {
                self.push(
                    Class::Breaking,
                    "response-removed",
                    format!("response {status}"),
                    &or.ptr,
                    format!("response {status} removed"),
                );
            }
        }
        for (status, nr) in &news {
            let at = format!("response {status}");
            let Some(or) = olds.get(status) else {
                self.push(
                    Class::Compatible,
                    "response-added",
                    at,
                    &nr.ptr,
                    format!("response {status} added"),
                );
                continue;
            };
            let or = self.old.resolve(or.clone())?;
            let nr = self.new.resolve(nr.clone())?;
            self.docs("response", &at, or.v, &nr, "description");
            self.content(or, nr, &at, Dir::Output)?;
        }
        Ok(())
    }
}
