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

use crate::error::{ptr, Error};
use crate::model::METHODS;
use crate::names;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

// The two documents as JSON (doc), then the comparison by operation and by
// schema; each is an `impl Cx` block of its own.
mod doc;
mod operation;
mod schema;

use doc::{Doc, Node};

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
    let (old_api, _) = crate::lower_bytes(old_bytes, old_name)?;
    let (new_api, _) = crate::lower_bytes(new_bytes, new_name)?;
    let mut cx = Cx {
        old: Doc {
            root: &old_root,
            file: old_name,
        },
        new: Doc {
            root: &new_root,
            file: new_name,
        },
        tagged: (tagged_unions(&old_api), tagged_unions(&new_api)),
        op: String::new(),
        visited: BTreeSet::new(),
        out: Vec::new(),
    };
    cx.document()?;
    cx.operations(&rust_names(&old_api), &rust_names(&new_api))?;
    cx.op.clear();
    for (origin, old_name, new_name) in type_renames(&old_api, &new_api) {
        let pointer = if origin.starts_with('#') {
            origin.clone()
        } else {
            format!(
                "#/components/schemas/{}",
                crate::error::escape_pointer(&origin)
            )
        };
        cx.push(
            Class::Breaking,
            "rust-type-renamed",
            "",
            &pointer,
            format!("the generated type `models::{old_name}` is now `models::{new_name}`"),
        );
    }
    // What the document-level comparison calls harmless may still change
    // the generated Rust (a schema moved into a `$ref` gets the component's
    // name, an inline one takes the operation's): when nothing else is
    // breaking, facts the Rust API loses make the change breaking.
    if !cx.out.iter().any(|c| c.class == Class::Breaking) {
        let lost = lost_facts(&old_api, &new_api);
        if !lost.is_empty() {
            let shown: Vec<String> = lost
                .iter()
                .take(5)
                .map(|(h, l)| {
                    let h = h.trim_start_matches('#').trim();
                    if l.is_empty() {
                        h.to_owned()
                    } else {
                        format!("{h}: {l}")
                    }
                })
                .collect();
            cx.push(
                Class::Breaking,
                "rust-api-changed",
                "",
                "#",
                format!(
                    "the generated Rust API loses {} fact(s) that the documents' structure does not show, e.g. {}",
                    lost.len(),
                    shown.join("; ")
                ),
            );
        }
    }
    Ok(Report {
        old: old_name.to_owned(),
        new: new_name.to_owned(),
        changes: finish(cx.out),
    })
}

/// The facts of `old`'s Rust API (the lines of its `API.md` rendering, each
/// with the heading it sits under) that `new`'s lacks. Spec-name notes are
/// left out: they document, they do not constrain callers.
fn lost_facts(old: &crate::model::Api, new: &crate::model::Api) -> Vec<(String, String)> {
    let facts = |api: &crate::model::Api| {
        let text = crate::surface::render(api, "");
        let mut out = BTreeSet::new();
        let mut heading: Option<String> = None;
        for line in text.lines() {
            if line.starts_with("## ") {
                heading = Some(line.to_owned());
                continue;
            }
            let Some(h) = &heading else { continue };
            if line.trim().is_empty()
                || line.starts_with("Schema")
                || line.starts_with("Inline schema")
            {
                continue;
            }
            if line.starts_with('#') {
                heading = Some(line.to_owned());
                out.insert((line.to_owned(), String::new()));
            } else if let Some(ret) = line.strip_prefix("- returns ") {
                // The statuses grow with a success response added (a
                // compatible change); the type is the fact.
                let ty = ret.split(" on ").next().unwrap_or(ret);
                out.insert((h.clone(), format!("- returns {ty}")));
            } else {
                // Which value is the default is reported (and classed) as
                // `default-changed`; the value itself is the fact.
                let line = line.strip_suffix(" (default)").unwrap_or(line);
                out.insert((h.clone(), line.to_owned()));
            }
        }
        out
    };
    let new_facts = facts(new);
    facts(old)
        .into_iter()
        .filter(|f| !new_facts.contains(f))
        .collect()
}

/// Model types whose Rust name changed while the schema they come from
/// stayed: a short inline name given up because another type now wants it
/// too, or identical schemas that no longer are. The document-level diff
/// cannot see these, and each breaks callers that name the type.
fn type_renames(old: &crate::model::Api, new: &crate::model::Api) -> Vec<(String, String, String)> {
    let by_origin = |api: &crate::model::Api| {
        let mut m: BTreeMap<String, String> = BTreeMap::new();
        for t in &api.types {
            for o in &t.origin {
                m.insert(o.clone(), t.name.clone());
            }
        }
        m
    };
    let (old_o, new_o) = (by_origin(old), by_origin(new));
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for (origin, old_name) in &old_o {
        if let Some(new_name) = new_o.get(origin) {
            if new_name != old_name && seen.insert(old_name.clone()) {
                out.push((origin.clone(), old_name.clone(), new_name.clone()));
            }
        }
    }
    out
}

/// How a union the model types as an enum of named variants tells them
/// apart (see [`tagged_unions`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum UnionForm {
    /// By a one-value tag property: struct variants.
    Tagged,
    /// By the name of its one property: newtype variants.
    External,
}

/// The JSON pointers of the unions the generator types as tagged enums,
/// with their form (`TypeKind::TaggedUnion` or `TypeKind::ExternalUnion`):
/// whether a union is one depends on every alternative at once, so the
/// model decides and the schema comparison asks.
fn tagged_unions(api: &crate::model::Api) -> BTreeMap<String, UnionForm> {
    use crate::model::TypeKind;
    let mut out = BTreeMap::new();
    for t in &api.types {
        let form = match t.kind {
            TypeKind::TaggedUnion { .. } => UnionForm::Tagged,
            TypeKind::ExternalUnion { .. } => UnionForm::External,
            _ => continue,
        };
        for o in &t.origin {
            let at = if o.starts_with('#') {
                o.clone()
            } else {
                format!("#/components/schemas/{}", crate::error::escape_pointer(o))
            };
            out.insert(at, form);
        }
    }
    out
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
    /// Pointers of the tagged unions in the old and the new document (see
    /// [`tagged_unions`]).
    tagged: (BTreeMap<String, UnionForm>, BTreeMap<String, UnionForm>),
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
}
