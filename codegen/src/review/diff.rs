//! `codegen diff OLD NEW`: what a spec change does to callers of the
//! generated client.
//!
//! Operations are matched by `operationId` (an operation whose id changed but
//! whose method and path did not is reported as renamed). Everything an
//! operation touches is compared with `$ref`s followed, so moving a schema
//! between an inline definition and `components` is not a change. Types are
//! compared as the generator maps them (`int32` → `i32`, `format: password`
//! → `SecretString`, `format: date-time` → `String`, ...), and a field's or
//! parameter's required-ness as the generated Rust sees it (`Option` or not,
//! method argument or builder setter).
//!
//! Each change is [`Class::Breaking`] (code calling the old client may stop
//! compiling or working), [`Class::Compatible`] or [`Class::Docs`] (text
//! only). A change found through a schema shared by several operations is
//! reported once, naming them all.

use super::lookup;
use crate::error::{ptr, Error};
use crate::model::classify::{all_of, classify, AllOf, Kind, ObjView};
use crate::model::{Ty, METHODS};
use crate::names;
use openapiv3::Schema;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// How a change affects existing callers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Existing callers may break.
    Breaking,
    /// Existing callers keep working.
    Compatible,
    /// Only documentation text changed.
    Docs,
}

impl Class {
    /// `breaking`, `compatible` or `docs`.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Compatible => "compatible",
            Class::Docs => "docs",
        }
    }
}

/// One difference between the two documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Its class.
    pub class: Class,
    /// A stable code, such as `parameter-added-required` or `enum-value-removed`.
    pub kind: &'static str,
    /// The `operationId`s it affects (empty for document-level changes).
    pub operations: Vec<String>,
    /// A readable location inside the operation (`request body .broker`).
    pub at: String,
    /// JSON pointer of the element: in the new document, or in the old one
    /// for something removed.
    pub pointer: String,
    /// What changed.
    pub message: String,
}

/// The result of comparing two documents.
#[derive(Debug, Clone)]
pub struct Report {
    /// Name of the old document.
    pub old: String,
    /// Name of the new document.
    pub new: String,
    /// Changes, sorted by class, operation, location.
    pub changes: Vec<Change>,
}

impl Report {
    /// The number of changes of a class.
    pub fn count(&self, class: Class) -> usize {
        self.changes.iter().filter(|c| c.class == class).count()
    }

    /// Whether anything breaks existing callers.
    pub fn is_breaking(&self) -> bool {
        self.count(Class::Breaking) > 0
    }

    /// Readable text, grouped by class. Documentation changes are counted;
    /// `list_docs` lists them too.
    pub fn human(&self, list_docs: bool) -> String {
        let mut out = format!("codegen diff {} → {}\n", self.old, self.new);
        for (class, title) in [
            (Class::Breaking, "Breaking changes"),
            (Class::Compatible, "Compatible changes"),
            (Class::Docs, "Documentation changes"),
        ] {
            let n = self.count(class);
            out.push('\n');
            if n == 0 {
                out.push_str(&format!("{title}: none\n"));
                continue;
            }
            if class == Class::Docs && !list_docs {
                let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
                for c in self.changes.iter().filter(|c| c.class == class) {
                    *kinds.entry(c.kind).or_default() += 1;
                }
                let parts: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
                out.push_str(&format!(
                    "{title}: {n} ({}; list them with --docs)\n",
                    parts.join(", ")
                ));
                continue;
            }
            out.push_str(&format!("{title} ({n}):\n"));
            let mut last_ops: Option<&[String]> = None;
            for c in self.changes.iter().filter(|c| c.class == class) {
                if last_ops != Some(c.operations.as_slice()) {
                    let head = if c.operations.is_empty() {
                        "(document)".to_owned()
                    } else {
                        c.operations.join(", ")
                    };
                    out.push_str(&format!("  {head}\n"));
                    last_ops = Some(c.operations.as_slice());
                }
                let at = if c.at.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", c.at)
                };
                out.push_str(&format!("    - {at}{} [{}]\n", c.message, c.kind));
                out.push_str(&format!("      at {}\n", c.pointer));
            }
        }
        let b = self.count(Class::Breaking);
        out.push_str(&format!(
            "\nResult: {}, {} compatible, {} documentation change(s).\n",
            if b == 0 {
                "no breaking changes".to_owned()
            } else {
                format!("{b} BREAKING change(s)")
            },
            self.count(Class::Compatible),
            self.count(Class::Docs)
        ));
        out
    }

    /// The report as pretty JSON (every change, documentation included).
    pub fn json(&self) -> String {
        let changes: Vec<Value> = self
            .changes
            .iter()
            .map(|c| {
                serde_json::json!({
                    "class": c.class.as_str(),
                    "kind": c.kind,
                    "operations": c.operations,
                    "at": c.at,
                    "pointer": c.pointer,
                    "message": c.message,
                })
            })
            .collect();
        let v = serde_json::json!({
            "old": self.old,
            "new": self.new,
            "summary": {
                "breaking": self.count(Class::Breaking),
                "compatible": self.count(Class::Compatible),
                "docs": self.count(Class::Docs),
            },
            "changes": changes,
        });
        serde_json::to_string_pretty(&v).unwrap_or_default()
    }
}

/// Compares two documents (given as bytes, with the names used in errors
/// and in the report).
pub fn diff(
    old_bytes: &[u8],
    old_name: &str,
    new_bytes: &[u8],
    new_name: &str,
) -> Result<Report, Error> {
    let old_root = super::read(old_bytes, old_name)?;
    let new_root = super::read(new_bytes, new_name)?;
    // The generator must accept both; its model also gives the Rust names.
    let old_api = crate::model::lower(&crate::load::load(old_bytes, old_name)?, old_name)?;
    let new_api = crate::model::lower(&crate::load::load(new_bytes, new_name)?, new_name)?;
    let mut cx = Cx {
        old: Doc {
            root: &old_root,
            file: old_name,
        },
        new: Doc {
            root: &new_root,
            file: new_name,
        },
        op: String::new(),
        visited: BTreeSet::new(),
        out: Vec::new(),
    };
    cx.document()?;
    cx.operations(&rust_names(&old_api), &rust_names(&new_api))?;
    Ok(Report {
        old: old_name.to_owned(),
        new: new_name.to_owned(),
        changes: finish(cx.out),
    })
}

/// Per operation: `group().method()` and whether it returns an enum of
/// several success types.
fn rust_names(api: &crate::model::Api) -> BTreeMap<String, (String, bool)> {
    let mut out = BTreeMap::new();
    for g in &api.groups {
        for op in &g.ops {
            let mut distinct: Vec<&Option<crate::model::Ty>> = Vec::new();
            for s in &op.successes {
                if !distinct.contains(&&s.ty) {
                    distinct.push(&s.ty);
                }
            }
            out.insert(
                op.id.clone(),
                (
                    format!("{}().{}()", g.module, op.method_name),
                    distinct.len() > 1,
                ),
            );
        }
    }
    out
}

/// Merges changes reported through several operations, then sorts.
fn finish(raw: Vec<Change>) -> Vec<Change> {
    let mut merged: BTreeMap<(Class, &'static str, String, String), Change> = BTreeMap::new();
    for c in raw {
        let key = (c.class, c.kind, c.pointer.clone(), c.message.clone());
        match merged.get_mut(&key) {
            Some(m) => {
                for op in c.operations {
                    if !m.operations.contains(&op) {
                        m.operations.push(op);
                    }
                }
            }
            None => {
                merged.insert(key, c);
            }
        }
    }
    let mut out: Vec<Change> = merged
        .into_values()
        .map(|mut c| {
            c.operations.sort();
            c
        })
        .collect();
    out.sort_by(|a, b| {
        (
            a.class,
            &a.operations,
            &a.at,
            &a.pointer,
            a.kind,
            &a.message,
        )
            .cmp(&(
                b.class,
                &b.operations,
                &b.at,
                &b.pointer,
                b.kind,
                &b.message,
            ))
    });
    out
}

// ---------------------------------------------------------------------------

#[derive(Clone, Copy)]
struct Doc<'a> {
    root: &'a Value,
    file: &'a str,
}

/// A JSON value and its pointer in its document.
#[derive(Clone)]
struct Node<'a> {
    v: &'a Value,
    ptr: String,
}

impl<'a> Doc<'a> {
    fn err(&self, pointer: &str, message: impl Into<String>) -> Error {
        Error::spec(self.file, pointer, message)
    }

    /// Follows `$ref`s.
    fn resolve(&self, n: Node<'a>) -> Result<Node<'a>, Error> {
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
    fn categorize(
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
    fn shallow(&self, n: &Node<'a>) -> Kind<'a, Node<'a>> {
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

    /// Whether a property's schema is nullable (on the property, its target
    /// or a single `allOf` member).
    fn nullable(&self, n: &Node<'a>) -> Result<bool, Error> {
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

fn n_ptr(n: &Node<'_>) -> String {
    n.ptr.clone()
}

/// Which way data flows, which decides what breaks.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Dir {
    /// Sent by the caller (parameters, request bodies).
    Input,
    /// Received by the caller (responses).
    Output,
}

struct Cx<'a> {
    old: Doc<'a>,
    new: Doc<'a>,
    /// The operation being compared (empty at document level).
    op: String,
    /// Schema pairs already compared for this operation.
    visited: BTreeSet<(String, String, Dir)>,
    out: Vec<Change>,
}

fn text<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

fn json_schema<'a>(content: Option<&'a Value>, base: &str) -> Option<(String, Node<'a>)> {
    let m = content?.as_object()?;
    let (mt, media) = m
        .iter()
        .find(|(k, _)| k.split(';').next().map(str::trim) == Some("application/json"))
        .or_else(|| m.iter().find(|(k, _)| k.contains("json")))?;
    let schema_ptr = ptr(base, &["content", mt, "schema"]);
    Some((
        mt.clone(),
        match media.get("schema") {
            Some(s) => Node {
                v: s,
                ptr: schema_ptr,
            },
            None => Node {
                v: &NULL,
                ptr: schema_ptr,
            },
        },
    ))
}

static NULL: Value = Value::Null;

struct OpRef<'a> {
    method: &'static str,
    path: String,
    node: Node<'a>,
    item: Node<'a>,
}

impl<'a> Cx<'a> {
    fn push(
        &mut self,
        class: Class,
        kind: &'static str,
        at: impl Into<String>,
        pointer: &str,
        message: impl Into<String>,
    ) {
        self.out.push(Change {
            class,
            kind,
            operations: if self.op.is_empty() {
                Vec::new()
            } else {
                vec![self.op.clone()]
            },
            at: at.into(),
            pointer: pointer.to_owned(),
            message: message.into(),
        });
    }

    fn docs(&mut self, kind: &'static str, at: &str, o: &Value, n: &Node<'a>, key: &str) {
        let a = text(o, key).map(str::trim);
        let b = text(n.v, key).map(str::trim);
        if a != b {
            let what = match (a, b) {
                (None, Some(_)) => "added",
                (Some(_), None) => "removed",
                _ => "changed",
            };
            self.push(
                Class::Docs,
                kind,
                at,
                &ptr(&n.ptr, &[key]),
                format!("{key} {what}"),
            );
        }
    }

    // ---- document level -----------------------------------------------

    fn document(&mut self) -> Result<(), Error> {
        let (o, n) = (self.old.root, self.new.root);
        let oi = o.get("info").unwrap_or(&NULL);
        let ni = Node {
            v: n.get("info").unwrap_or(&NULL),
            ptr: "#/info".to_owned(),
        };
        for key in ["title", "description", "version"] {
            self.docs("info", "info", oi, &ni, key);
        }
        let url = |d: &Value| {
            d.pointer("/servers/0/url")
                .and_then(Value::as_str)
                .unwrap_or("/")
                .to_owned()
        };
        if url(o) != url(n) {
            self.push(
                Class::Compatible,
                "server-changed",
                "servers",
                "#/servers/0/url",
                format!("default base URL changed from {:?} to {:?}", url(o), url(n)),
            );
        }
        // Tags' descriptions become group docs.
        let tags = |d: &'a Value| -> BTreeMap<String, (usize, &'a Value)> {
            d.get("tags")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .enumerate()
                        .filter_map(|(i, t)| Some((text(t, "name")?.to_owned(), (i, t))))
                        .collect()
                })
                .unwrap_or_default()
        };
        let new_tags = tags(n);
        for (name, (_, ot)) in tags(o) {
            if let Some((i, nt)) = new_tags.get(&name) {
                let node = Node {
                    v: nt,
                    ptr: format!("#/tags/{i}"),
                };
                self.docs("tag", &format!("tag {name:?}"), ot, &node, "description");
            }
        }
        // Security schemes' descriptions.
        let schemes = |d: &'a Value| {
            d.pointer("/components/securitySchemes")
                .and_then(Value::as_object)
        };
        if let (Some(os), Some(ns)) = (schemes(o), schemes(n)) {
            for (name, ov) in os {
                if let Some(nv) = ns.get(name) {
                    let node = Node {
                        v: nv,
                        ptr: ptr("#/components/securitySchemes", &[name]),
                    };
                    self.docs(
                        "security-scheme",
                        &format!("security scheme {name}"),
                        ov,
                        &node,
                        "description",
                    );
                }
            }
        }
        Ok(())
    }

    // ---- operations -----------------------------------------------------

    fn collect(doc: Doc<'a>) -> BTreeMap<String, OpRef<'a>> {
        let mut out = BTreeMap::new();
        let Some(paths) = doc.root.get("paths").and_then(Value::as_object) else {
            return out;
        };
        for (path, item) in paths {
            let ip = ptr("#/paths", &[path]);
            for m in METHODS {
                let Some(op) = item.get(m) else { continue };
                let id = text(op, "operationId")
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("{m}_{}", names::snake(path)));
                out.insert(
                    id,
                    OpRef {
                        method: m,
                        path: path.clone(),
                        node: Node {
                            v: op,
                            ptr: ptr(&ip, &[m]),
                        },
                        item: Node {
                            v: item,
                            ptr: ip.clone(),
                        },
                    },
                );
            }
        }
        out
    }

    fn operations(
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

    fn operation(&mut self, o: &OpRef<'a>, n: &OpRef<'a>) -> Result<(), Error> {
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

    fn effective_security(doc: Doc<'a>, op: &OpRef<'a>) -> (Vec<String>, String) {
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

    fn security(&mut self, o: &OpRef<'a>, n: &OpRef<'a>) {
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
    fn param_map(
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

    fn param_schema(p: &Node<'a>) -> Option<Node<'a>> {
        match p.v.get("schema") {
            Some(s) => Some(Node {
                v: s,
                ptr: ptr(&p.ptr, &["schema"]),
            }),
            None => json_schema(p.v.get("content"), &p.ptr).map(|(_, n)| n),
        }
    }

    fn params(&mut self, o: &OpRef<'a>, n: &OpRef<'a>) -> Result<(), Error> {
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

    fn request_body(doc: Doc<'a>, op: &OpRef<'a>) -> Result<Option<Node<'a>>, Error> {
        match op.node.v.get("requestBody") {
            Some(b) => Ok(Some(doc.resolve(Node {
                v: b,
                ptr: ptr(&op.node.ptr, &["requestBody"]),
            })?)),
            None => Ok(None),
        }
    }

    fn body(&mut self, o: &OpRef<'a>, n: &OpRef<'a>) -> Result<(), Error> {
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
    fn content(&mut self, o: Node<'a>, n: Node<'a>, at: &str, dir: Dir) -> Result<(), Error> {
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

    fn responses(&mut self, o: &OpRef<'a>, n: &OpRef<'a>) -> Result<(), Error> {
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

    // ---- schemas ----------------------------------------------------------

    fn schema(
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
                self.push(
                    Class::Breaking,
                    "type-changed",
                    at,
                    &n.ptr,
                    format!("type changed from {} to {}", a.label(), b.label()),
                );
                Ok(())
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn props(
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
