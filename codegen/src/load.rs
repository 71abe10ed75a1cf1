//! Reading a spec: YAML/JSON syntax, OpenAPI version, local `$ref`s, and
//! deserialization into `openapiv3` types with errors that point at the
//! offending element.

use crate::error::{escape_pointer, ptr, Error};
use openapiv3::OpenAPI;
use serde_yaml::Value;

/// Parses and validates a document.
pub fn load(bytes: &[u8], file: &str) -> Result<OpenAPI, Error> {
    let root: Value = serde_yaml::from_slice(bytes).map_err(|e| {
        let loc = e.location();
        Error::Syntax {
            file: file.to_owned(),
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
            message: strip_location(&e.to_string()),
        }
    })?;
    let Value::Mapping(map) = &root else {
        return Err(Error::spec(
            file,
            "#",
            "the document is not a mapping (expected an OpenAPI 3.0 object)",
        ));
    };
    check_version(map, file)?;
    for key in ["info", "paths"] {
        if map.get(key).is_none() {
            return Err(Error::spec(
                file,
                "#",
                format!("missing required field `{key}`"),
            ));
        }
    }
    check_refs(&root, &root, "#", file)?;
    match serde_yaml::from_value::<OpenAPI>(root.clone()) {
        Ok(doc) => Ok(doc),
        Err(e) => Err(locate_shape_error(&root, file, &e.to_string())),
    }
}

fn strip_location(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn check_version(map: &serde_yaml::Mapping, file: &str) -> Result<(), Error> {
    if let Some(v) = map.get("swagger") {
        let version = scalar_text(v).unwrap_or_else(|| "?".into());
        return Err(Error::spec(
            file,
            "#/swagger",
            format!(
                "this is a Swagger/OpenAPI {version} document; only OpenAPI 3.0.x is supported \
                 (convert it to 3.0 first)"
            ),
        ));
    }
    let Some(v) = map.get("openapi") else {
        return Err(Error::spec(
            file,
            "#",
            "missing required field `openapi` (expected `openapi: 3.0.x`)",
        ));
    };
    let version = scalar_text(v).unwrap_or_else(|| "?".into());
    if !(version == "3.0" || version.starts_with("3.0.")) {
        return Err(Error::spec(
            file,
            "#/openapi",
            format!("OpenAPI version {version} is not supported; only OpenAPI 3.0.x is"),
        ));
    }
    Ok(())
}

/// Resolves a local JSON pointer (`#/a/b`) in the raw document.
pub fn resolve_pointer<'v>(root: &'v Value, reference: &str) -> Option<&'v Value> {
    let rest = reference.strip_prefix('#')?;
    if rest.is_empty() {
        return Some(root);
    }
    let rest = rest.strip_prefix('/')?;
    let mut cur = root;
    for raw in rest.split('/') {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        cur = match cur {
            Value::Mapping(m) => m
                .iter()
                .find(|(k, _)| scalar_text(k).as_deref() == Some(seg.as_str()))
                .map(|(_, v)| v)?,
            Value::Sequence(s) => s.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn check_refs(root: &Value, node: &Value, here: &str, file: &str) -> Result<(), Error> {
    match node {
        Value::Mapping(m) => {
            for (k, v) in m {
                let key = scalar_text(k).unwrap_or_default();
                let child = format!("{here}/{}", escape_pointer(&key));
                if key == "$ref" {
                    let Value::String(target) = v else {
                        return Err(Error::spec(file, child, "`$ref` must be a string"));
                    };
                    if !target.starts_with('#') {
                        return Err(Error::spec(
                            file,
                            child,
                            format!(
                                "unsupported external $ref `{target}`: only references inside \
                                 the document (`#/...`) are supported"
                            ),
                        ));
                    }
                    if resolve_pointer(root, target).is_none() {
                        return Err(Error::spec(
                            file,
                            child,
                            format!("dangling $ref `{target}`: nothing exists at that location"),
                        ));
                    }
                } else {
                    check_refs(root, v, &child, file)?;
                }
            }
        }
        Value::Sequence(s) => {
            for (i, v) in s.iter().enumerate() {
                check_refs(root, v, &format!("{here}/{i}"), file)?;
            }
        }
        Value::Tagged(t) => check_refs(root, &t.value, here, file)?,
        _ => {}
    }
    Ok(())
}

/// `serde_yaml::from_value` errors carry no location: deserialize the parts
/// one by one to find the smallest element that fails.
fn locate_shape_error(root: &Value, file: &str, whole: &str) -> Error {
    use openapiv3 as o;
    type Check = fn(&Value) -> Result<(), String>;
    fn check<T: serde::de::DeserializeOwned>(v: &Value) -> Result<(), String> {
        serde_yaml::from_value::<T>(v.clone())
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
    let mut first: Option<(String, String)> = None;
    let mut probe = |pointer: String, v: &Value, f: Check| {
        if first.is_none() {
            if let Err(e) = f(v) {
                first = Some((pointer, e));
            }
        }
    };
    if let Some(v) = resolve_pointer(root, "#/info") {
        probe("#/info".into(), v, check::<o::Info>);
    }
    let methods = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    if let Some(Value::Mapping(paths)) = resolve_pointer(root, "#/paths") {
        for (k, item) in paths {
            let p = ptr("#/paths", &[&scalar_text(k).unwrap_or_default()]);
            if let Value::Mapping(ops) = item {
                for (mk, op) in ops {
                    let m = scalar_text(mk).unwrap_or_default();
                    if methods.contains(&m.as_str()) {
                        let op_ptr = ptr(&p, &[&m]);
                        if let Value::Mapping(fields) = op {
                            for (fk, fv) in fields {
                                let f = scalar_text(fk).unwrap_or_default();
                                let fp = ptr(&op_ptr, &[&f]);
                                match f.as_str() {
                                    "responses" => {
                                        if let Value::Mapping(rs) = fv {
                                            for (rk, rv) in rs {
                                                let rp = ptr(
                                                    &fp,
                                                    &[&scalar_text(rk).unwrap_or_default()],
                                                );
                                                probe(rp, rv, check::<o::ReferenceOr<o::Response>>);
                                            }
                                        }
                                    }
                                    "parameters" => {
                                        if let Value::Sequence(ps) = fv {
                                            for (i, pv) in ps.iter().enumerate() {
                                                probe(
                                                    format!("{fp}/{i}"),
                                                    pv,
                                                    check::<o::ReferenceOr<o::Parameter>>,
                                                );
                                            }
                                        }
                                    }
                                    "requestBody" => {
                                        probe(fp, fv, check::<o::ReferenceOr<o::RequestBody>>)
                                    }
                                    _ => {}
                                }
                            }
                        }
                        probe(op_ptr, op, check::<o::Operation>);
                    }
                }
            }
            probe(p, item, check::<o::ReferenceOr<o::PathItem>>);
        }
    }
    if let Some(Value::Mapping(comps)) = resolve_pointer(root, "#/components") {
        for (section, f) in [
            ("schemas", check::<o::ReferenceOr<o::Schema>> as Check),
            ("responses", check::<o::ReferenceOr<o::Response>>),
            ("parameters", check::<o::ReferenceOr<o::Parameter>>),
            ("requestBodies", check::<o::ReferenceOr<o::RequestBody>>),
            (
                "securitySchemes",
                check::<o::ReferenceOr<o::SecurityScheme>>,
            ),
        ] {
            if let Some(Value::Mapping(items)) = comps.get(section) {
                for (k, v) in items {
                    let p = ptr(
                        "#/components",
                        &[section, &scalar_text(k).unwrap_or_default()],
                    );
                    probe(p, v, f);
                }
            }
        }
    }
    match first {
        Some((pointer, message)) => Error::spec(file, pointer, strip_location(&message)),
        None => Error::spec(file, "#", strip_location(whole)),
    }
}
