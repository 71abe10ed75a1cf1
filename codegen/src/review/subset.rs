//! `codegen subset --tags "A,B" SPEC`: a self-contained document holding
//! only the operations tagged with one of the chosen tags.
//!
//! Kept: `openapi`, `info`, `servers`, global `security`, `externalDocs`,
//! top-level `x-` extensions, the chosen tags' entries under `tags`, the paths
//! with at least one chosen operation (only those operations, plus path-level
//! `parameters`, `summary`, `description` and `servers`), and every component
//! those reference, transitively (schemas, parameters, request bodies,
//! responses, headers, examples, links, callbacks), plus the security schemes
//! named by the kept security requirements. Key order follows the source.

use super::lookup;
use crate::error::Error;
use serde_yaml::{Mapping, Value};
use std::collections::BTreeSet;

use crate::model::METHODS;

/// Extracts the operations tagged with any of `tags` (exact tag names) and
/// everything they need, as YAML.
pub fn subset(bytes: &[u8], file: &str, tags: &[String]) -> Result<String, Error> {
    let json = super::read(bytes, file)?;
    // As written (a 3.1 document stays 3.1), big integers read as the
    // generator reads them.
    let root: Value = crate::load::parse(bytes, file)?;
    let Some(src) = root.as_mapping() else {
        return Err(Error::spec(file, "#", "the document is not a mapping"));
    };
    if tags.is_empty() {
        return Err(Error::spec(
            file,
            "#/tags",
            "no tags chosen (--tags \"A,B\")",
        ));
    }
    let wanted = |op: &Value| -> bool {
        op.get("tags")
            .and_then(Value::as_sequence)
            .is_some_and(|ts| {
                ts.iter()
                    .filter_map(Value::as_str)
                    .any(|t| tags.iter().any(|w| w == t))
            })
    };

    // Paths and operations.
    let mut paths = Mapping::new();
    let mut found: BTreeSet<String> = BTreeSet::new();
    let mut all_tags: BTreeSet<String> = BTreeSet::new();
    let mut security_users: Vec<Value> = Vec::new();
    if let Some(src_paths) = src.get("paths").and_then(Value::as_mapping) {
        for (path, item) in src_paths {
            let Some(item) = item.as_mapping() else {
                continue;
            };
            let mut kept = Mapping::new();
            for (k, v) in item {
                let key = k.as_str().unwrap_or("");
                if METHODS.contains(&key) {
                    for t in v
                        .get("tags")
                        .and_then(Value::as_sequence)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                    {
                        all_tags.insert(t.to_owned());
                        if tags.iter().any(|w| w == t) {
                            found.insert(t.to_owned());
                        }
                    }
                    if wanted(v) {
                        kept.insert(k.clone(), v.clone());
                        if let Some(s) = v.get("security") {
                            security_users.push(s.clone());
                        }
                    }
                }
            }
            if kept.is_empty() {
                continue;
            }
            let mut out = Mapping::new();
            for (k, v) in item {
                let key = k.as_str().unwrap_or("");
                if METHODS.contains(&key) {
                    if let Some(op) = kept.get(k) {
                        out.insert(k.clone(), op.clone());
                    }
                } else {
                    out.insert(k.clone(), v.clone());
                }
            }
            paths.insert(path.clone(), Value::Mapping(out));
        }
    }
    let missing: Vec<&String> = tags.iter().filter(|t| !found.contains(*t)).collect();
    if !missing.is_empty() {
        let known: Vec<String> = all_tags.iter().map(|t| format!("{t:?}")).collect();
        return Err(Error::spec(
            file,
            "#/paths",
            format!(
                "no operation is tagged {}; the operations' tags are: {}",
                missing
                    .iter()
                    .map(|t| format!("{t:?}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                known.join(", ")
            ),
        ));
    }

    // Components reached from the kept paths, transitively.
    let mut needed: BTreeSet<(String, String)> = BTreeSet::new();
    let mut queue: Vec<Value> = vec![Value::Mapping(paths.clone())];
    while let Some(v) = queue.pop() {
        let mut refs = Vec::new();
        collect_refs(&v, &mut refs);
        for r in refs {
            let Some(rest) = r.strip_prefix("#/components/") else {
                return Err(Error::spec(
                    file,
                    "#/paths",
                    format!("unsupported $ref `{r}`: only `#/components/<kind>/<name>` can be extracted"),
                ));
            };
            let Some((kind, name)) = rest.split_once('/') else {
                return Err(Error::spec(
                    file,
                    "#/paths",
                    format!("unsupported $ref `{r}`"),
                ));
            };
            let name = name.replace("~1", "/").replace("~0", "~");
            if needed.insert((kind.to_owned(), name.clone())) {
                match lookup(&json, &r) {
                    Some(_) => {
                        if let Some(target) = src
                            .get("components")
                            .and_then(|c| c.get(kind))
                            .and_then(|m| m.get(name.as_str()))
                        {
                            queue.push(target.clone());
                        }
                    }
                    None => {
                        return Err(Error::spec(file, "#/paths", format!("dangling $ref `{r}`")))
                    }
                }
            }
        }
    }
    // Security schemes named by the kept requirements.
    if let Some(g) = src.get("security") {
        security_users.push(g.clone());
    }
    for reqs in &security_users {
        for req in reqs.as_sequence().into_iter().flatten() {
            for name in req.as_mapping().into_iter().flat_map(|m| m.keys()) {
                if let Some(n) = name.as_str() {
                    needed.insert(("securitySchemes".to_owned(), n.to_owned()));
                }
            }
        }
    }

    let mut components = Mapping::new();
    if let Some(src_comp) = src.get("components").and_then(Value::as_mapping) {
        for (kind, entries) in src_comp {
            let Some(kind_s) = kind.as_str() else {
                continue;
            };
            if kind_s.starts_with("x-") {
                components.insert(kind.clone(), entries.clone());
                continue;
            }
            let Some(entries) = entries.as_mapping() else {
                continue;
            };
            let mut kept = Mapping::new();
            for (name, v) in entries {
                let Some(n) = name.as_str() else { continue };
                if needed.contains(&(kind_s.to_owned(), n.to_owned())) {
                    kept.insert(name.clone(), v.clone());
                }
            }
            if !kept.is_empty() {
                components.insert(kind.clone(), Value::Mapping(kept));
            }
        }
    }

    let mut out = Mapping::new();
    for (k, v) in src {
        let key = k.as_str().unwrap_or("");
        match key {
            "paths" => {
                out.insert(k.clone(), Value::Mapping(paths.clone()));
            }
            "components" if !components.is_empty() => {
                out.insert(k.clone(), Value::Mapping(components.clone()));
            }
            "tags" => {
                let kept: Vec<Value> = v
                    .as_sequence()
                    .into_iter()
                    .flatten()
                    .filter(|t| {
                        t.get("name")
                            .and_then(Value::as_str)
                            .is_some_and(|n| tags.iter().any(|w| w == n))
                    })
                    .cloned()
                    .collect();
                if !kept.is_empty() {
                    out.insert(k.clone(), Value::Sequence(kept));
                }
            }
            "openapi" | "info" | "servers" | "security" | "externalDocs" => {
                out.insert(k.clone(), v.clone());
            }
            other if other.starts_with("x-") => {
                out.insert(k.clone(), v.clone());
            }
            _ => {}
        }
    }
    let text = serde_yaml::to_string(&Value::Mapping(out))
        .map_err(|e| Error::spec(file, "#", format!("cannot write the subset as YAML: {e}")))?;
    // The result must itself be a document the generator accepts.
    crate::load::load(text.as_bytes(), &format!("subset of {file}"))?;
    Ok(text)
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Mapping(m) => {
            for (k, x) in m {
                if k.as_str() == Some("$ref") {
                    if let Some(r) = x.as_str() {
                        out.push(r.to_owned());
                    }
                } else if k.as_str() == Some("discriminator") {
                    // `mapping` values name schemas without a `$ref` key.
                    let targets = x.get("mapping").and_then(Value::as_mapping);
                    for t in targets.into_iter().flat_map(|m| m.values()) {
                        if let Some(r) = t.as_str().filter(|r| r.starts_with("#/")) {
                            out.push(r.to_owned());
                        }
                    }
                } else {
                    collect_refs(x, out);
                }
            }
        }
        Value::Sequence(s) => {
            for x in s {
                collect_refs(x, out);
            }
        }
        Value::Tagged(t) => collect_refs(&t.value, out),
        _ => {}
    }
}
