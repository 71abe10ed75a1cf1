//! Reading a spec: YAML/JSON syntax, OpenAPI version, local `$ref`s, and
//! deserialization into `openapiv3` types with errors that point at the
//! offending element.

use crate::error::{escape_pointer, ptr, Error};
use openapiv3::OpenAPI;
use serde_yaml::Value;

mod numbers;
mod oas31;
mod prepare;
mod siblings;

pub(crate) use numbers::WIDE;
pub(crate) use oas31::{Origins, RawWebhook, REFUSED, REFUSED_KEYWORDS};

pub(crate) use prepare::REF_PROPERTY;

/// A document read: the `openapiv3` document (3.1 written as 3.0, see
/// [`oas31`]) and where the parts the 3.1 reader moved were written.
pub(crate) struct Loaded {
    /// The document.
    pub(crate) doc: OpenAPI,
    /// Pointers into `doc` → pointers into the document as written.
    pub(crate) origins: Origins,
    /// What the reader changed that the caller should know (a bound beyond
    /// `i64`), each naming the file and the JSON pointer.
    pub(crate) warnings: Vec<String>,
    /// The webhooks (3.1), in document order.
    pub(crate) webhooks: Vec<RawWebhook>,
}

/// Parses and validates a document.
pub fn load(bytes: &[u8], file: &str) -> Result<OpenAPI, Error> {
    load_full(bytes, file).map(|l| l.doc)
}

/// Parses and validates a document (OpenAPI 3.0.x or 3.1.x).
pub(crate) fn load_full(bytes: &[u8], file: &str) -> Result<Loaded, Error> {
    if is_json(bytes) {
        if let Some(doc) = json::typed(bytes).filter(|_| json::checked(bytes).is_some()) {
            return Ok(Loaded::json(doc));
        }
    }
    load_slow(bytes, file)
}

/// Whether `bytes` look like a JSON document (an object), which the fast
/// path may take: most large documents are JSON.
pub(crate) fn is_json(bytes: &[u8]) -> bool {
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// The fast path's typed read of a JSON document, before its checks
/// ([`json_fast_path_takes`]): a document they refuse must go through
/// [`load_slow`] instead, whatever this returned. Split so that the checks
/// can run beside the lowering of the document.
pub(crate) fn json_typed(bytes: &[u8]) -> Option<OpenAPI> {
    json::typed(bytes)
}

/// Whether the JSON fast path can take the document (see [`json_typed`]):
/// strict JSON, OpenAPI 3.0, nothing the YAML path must prepare, every
/// `$ref` local and resolvable.
pub(crate) fn json_fast_path_takes(bytes: &[u8]) -> bool {
    json::checked(bytes).is_some()
}

impl Loaded {
    /// A document the JSON fast path took: nothing moved, nothing to warn of.
    pub(crate) fn json(doc: OpenAPI) -> Loaded {
        Loaded {
            doc,
            origins: Origins::default(),
            warnings: Vec::new(),
            webhooks: Vec::new(),
        }
    }
}

/// The YAML path (JSON is YAML): reads any document, and gives the errors,
/// with line/column and JSON pointers.
pub(crate) fn load_slow(bytes: &[u8], file: &str) -> Result<Loaded, Error> {
    let mut origins = Origins::default();
    let mut warnings = Vec::new();
    let mut webhooks = Vec::new();
    load_yaml(bytes, file, &mut origins, &mut warnings, &mut webhooks)
        .map(|doc| Loaded {
            doc,
            origins: origins.clone(),
            warnings,
            webhooks,
        })
        .map_err(|e| origins.restore_error(e))
}

/// The raw document as the model reads it (3.1 written as 3.0, the object
/// keywords beside a composition folded in), for readers of the raw
/// document such as the review diff.
pub(crate) fn raw(bytes: &[u8], file: &str) -> Result<Value, Error> {
    let mut root = parse(bytes, file)?;
    if let Value::Mapping(map) = &root {
        if check_version(map, file)? {
            oas31::normalize(&mut root);
        }
    }
    siblings::fold(&mut root);
    Ok(root)
}

/// Reads YAML or JSON syntax (integers beyond `u64` as `f64`, see
/// [`numbers`]).
pub(crate) fn parse(bytes: &[u8], file: &str) -> Result<Value, Error> {
    numbers::parse(bytes).map_err(|e| {
        let loc = e.location();
        Error::Syntax {
            file: file.to_owned(),
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
            message: strip_location(&e.to_string()),
        }
    })
}

fn load_yaml(
    bytes: &[u8],
    file: &str,
    origins: &mut Origins,
    warnings: &mut Vec<String>,
    webhooks: &mut Vec<RawWebhook>,
) -> Result<OpenAPI, Error> {
    let mut root = parse(bytes, file)?;
    let Value::Mapping(map) = &root else {
        return Err(Error::spec(
            file,
            "#",
            "the document is not a mapping (expected an OpenAPI 3.0 or 3.1 object)",
        ));
    };
    if check_version(map, file)? {
        *origins = oas31::normalize(&mut root);
        *webhooks = oas31::webhooks(&mut root, origins);
    }
    *warnings = numbers::widen(&mut root, origins, file);
    let Value::Mapping(map) = &root else {
        return Err(Error::spec(file, "#", "the document is not a mapping"));
    };
    for key in ["info", "paths"] {
        if map.get(key).is_none() {
            return Err(Error::spec(
                file,
                "#",
                format!("missing required field `{key}`"),
            ));
        }
    }
    prepare::prepare(&mut root);
    check_refs(&root, &root, "#", file)?;
    match <OpenAPI as serde::Deserialize>::deserialize(&root) {
        Ok(doc) => Ok(doc),
        // Only a document that fails is repaired (scalars written as numbers
        // where the format wants text, ...): the common path pays nothing.
        Err(e) if !prepare::repair(&mut root) => {
            Err(locate_shape_error(&root, file, &e.to_string()))
        }
        Err(_) => match <OpenAPI as serde::Deserialize>::deserialize(&root) {
            Ok(doc) => Ok(doc),
            Err(e) => Err(locate_shape_error(&root, file, &e.to_string())),
        },
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

/// Checks the version: `Ok(true)` for 3.1.x, `Ok(false)` for 3.0.x.
fn check_version(map: &serde_yaml::Mapping, file: &str) -> Result<bool, Error> {
    if let Some(v) = map.get("swagger") {
        let version = scalar_text(v).unwrap_or_else(|| "?".into());
        return Err(Error::spec(
            file,
            "#/swagger",
            format!(
                "this is a Swagger/OpenAPI {version} document; only OpenAPI 3.0.x and 3.1.x are \
                 supported (convert it to 3.0 first)"
            ),
        ));
    }
    let Some(v) = map.get("openapi") else {
        return Err(Error::spec(
            file,
            "#",
            "missing required field `openapi` (expected `openapi: 3.0.x` or `3.1.x`)",
        ));
    };
    let version = scalar_text(v).unwrap_or_else(|| "?".into());
    if version == "3.1" || version.starts_with("3.1.") {
        return Ok(true);
    }
    if !(version == "3.0" || version.starts_with("3.0.")) {
        return Err(Error::spec(
            file,
            "#/openapi",
            format!("OpenAPI version {version} is not supported; only OpenAPI 3.0.x and 3.1.x are"),
        ));
    }
    Ok(false)
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
    if let Some(Value::Mapping(paths)) = resolve_pointer(root, "#/paths") {
        for (k, item) in paths {
            let p = ptr("#/paths", &[&scalar_text(k).unwrap_or_default()]);
            if let Value::Mapping(ops) = item {
                for (mk, op) in ops {
                    let m = scalar_text(mk).unwrap_or_default();
                    if crate::model::METHODS.contains(&m.as_str()) {
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

/// The fast path for JSON documents: `None` whenever the YAML path could
/// report anything (syntax, duplicate keys, version, missing fields, `$ref`s,
/// shape), so that errors stay those of the YAML path.
mod json {
    use openapiv3::OpenAPI;
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    use serde::Deserialize;
    use serde_json::value::RawValue;
    use serde_json::{Map, Value};
    use std::collections::HashSet;
    use std::fmt;

    /// Documents smaller than this are read on one thread: a thread costs
    /// more than it saves there.
    const SPLIT_BYTES: usize = 64 * 1024;

    /// The typed read of a JSON document. serde reads `OpenAPI` (and
    /// `Paths`) by buffering the whole object first, for their flattened
    /// extensions; a large document is instead split at its top level and
    /// at `paths`, and read in two halves of about the same size on two
    /// threads. Whatever the split path cannot read is read the plain way,
    /// which gives the same value (tested on every fixture).
    pub(super) fn typed(bytes: &[u8]) -> Option<OpenAPI> {
        if bytes.len() >= SPLIT_BYTES {
            if let Some(doc) = split_read(bytes) {
                return Some(doc);
            }
        }
        serde_json::from_slice::<OpenAPI>(bytes).ok()
    }

    /// An object's members in document order, values unread.
    struct Members<'a>(Vec<(String, &'a RawValue)>);

    impl<'de> Deserialize<'de> for Members<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Members<'de>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Members<'de>, A::Error> {
                    let mut out = Vec::new();
                    while let Some(k) = map.next_key::<String>()? {
                        out.push((k, map.next_value::<&'de RawValue>()?));
                    }
                    Ok(Members(out))
                }
            }
            d.deserialize_map(V)
        }
    }

    fn read<'a, T: Deserialize<'a>>(raw: &'a RawValue) -> Option<T> {
        serde_json::from_str(raw.get()).ok()
    }

    /// See [`typed`]: `None` where the plain read must decide.
    pub(super) fn split_read(bytes: &[u8]) -> Option<OpenAPI> {
        use openapiv3::{Components, Paths, ReferenceOr};
        let top: Members = serde_json::from_slice(bytes).ok()?;
        let get = |key: &str| top.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v);
        // Duplicate keys are the checks' to refuse; the plain read would
        // take the last one, so the split read takes none.
        let keys: HashSet<&str> = top.0.iter().map(|(k, _)| k.as_str()).collect();
        if keys.len() != top.0.len() {
            return None;
        }
        let paths_raw = get("paths")?;
        let members: Members = read(paths_raw)?;
        let size = |raw: &RawValue| raw.get().len();
        let components_raw = get("components");
        // The first path items up to half of what is read go to the other
        // thread; the rest, `components` and the small parts stay here.
        let total = size(paths_raw) + components_raw.map_or(0, size);
        let mut first = 0;
        let mut taken = 0;
        while first < members.0.len() && taken < total / 2 {
            taken += size(members.0[first].1);
            first += 1;
        }
        type Items = Vec<(String, ReferenceOr<openapiv3::PathItem>)>;
        let read_items = |part: &[(String, &RawValue)]| -> Option<Items> {
            part.iter()
                .filter(|(k, _)| k.starts_with('/'))
                .map(|(k, v)| Some((k.clone(), read(v)?)))
                .collect()
        };
        let (head, tail) = members.0.split_at(first);
        let extensions = |m: &[(String, &RawValue)]| -> Option<_> {
            m.iter()
                .filter(|(k, _)| k.starts_with("x-"))
                .map(|(k, v)| Some((k.clone(), read::<Value>(v)?)))
                .collect::<Option<_>>()
        };
        // A member that may be absent: its default then, else it must read.
        fn or_default<'a, T: Deserialize<'a> + Default>(raw: Option<&'a RawValue>) -> Option<T> {
            raw.map_or(Some(T::default()), read)
        }
        std::thread::scope(|s| {
            let head = s.spawn(|| read_items(head));
            let tail = read_items(tail);
            let components: Option<Components> = or_default(components_raw)?;
            let mut doc = OpenAPI {
                openapi: read(get("openapi")?)?,
                info: read(get("info")?)?,
                servers: or_default(get("servers"))?,
                paths: Paths {
                    paths: Default::default(),
                    extensions: extensions(&members.0)?,
                },
                components,
                security: or_default(get("security"))?,
                tags: or_default(get("tags"))?,
                external_docs: or_default(get("externalDocs"))?,
                extensions: extensions(&top.0)?,
            };
            let head = crate::join_thread(head)?;
            doc.paths.paths = head.into_iter().chain(tail?).collect();
            Some(doc)
        })
    }

    /// Whether the JSON path can take the document: strict JSON (no
    /// duplicate keys), OpenAPI 3.0, nothing the YAML path must prepare,
    /// every `$ref` local and resolvable.
    pub(super) fn checked(bytes: &[u8]) -> Option<()> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let root = Strict.deserialize(&mut de).ok()?;
        de.end().ok()?;
        let map = root.as_object()?;
        if map.contains_key("swagger") {
            return None;
        }
        let version = map.get("openapi")?.as_str()?;
        if !(version == "3.0" || version.starts_with("3.0.")) {
            return None;
        }
        if !map.contains_key("info") || !map.contains_key("paths") {
            return None;
        }
        if super::prepare::needed_json(&root) || big_bounds(&root, false) {
            return None;
        }
        let mut resolved = HashSet::new();
        refs_ok(&root, &root, &mut resolved).then_some(())
    }

    /// Whether an `integer` schema has a bound beyond `i64` (see
    /// `numbers::widen`, which does not read extensions either). `names`:
    /// the object maps names (`numbers::holds_names`).
    fn big_bounds(node: &Value, names: bool) -> bool {
        use super::numbers::{holds_names, is_extension};
        match node {
            Value::Object(m) => {
                (m.get("type").and_then(Value::as_str) == Some("integer")
                    && ["minimum", "maximum", "multipleOf"]
                        .iter()
                        .any(|k| m.get(*k).is_some_and(|n| n.is_number() && !n.is_i64())))
                    || m.iter()
                        .any(|(k, v)| !is_extension(k, names) && big_bounds(v, holds_names(k)))
            }
            Value::Array(a) => a.iter().any(|v| big_bounds(v, false)),
            _ => false,
        }
    }

    fn refs_ok<'v>(root: &'v Value, node: &'v Value, resolved: &mut HashSet<&'v str>) -> bool {
        match node {
            Value::Object(m) => m.iter().all(|(k, v)| {
                if k == "$ref" {
                    let Value::String(target) = v else {
                        return false;
                    };
                    resolved.contains(target.as_str())
                        || (target.starts_with('#')
                            && resolve(root, target).is_some()
                            && resolved.insert(target.as_str()))
                } else {
                    refs_ok(root, v, resolved)
                }
            }),
            Value::Array(a) => a.iter().all(|v| refs_ok(root, v, resolved)),
            _ => true,
        }
    }

    /// As `super::resolve_pointer`, on a JSON value.
    fn resolve<'v>(root: &'v Value, reference: &str) -> Option<&'v Value> {
        let rest = reference.strip_prefix('#')?;
        if rest.is_empty() {
            return Some(root);
        }
        let mut cur = root;
        for raw in rest.strip_prefix('/')?.split('/') {
            cur = match cur {
                Value::Object(m) if raw.contains('~') => {
                    m.get(&raw.replace("~1", "/").replace("~0", "~"))?
                }
                Value::Object(m) => m.get(raw)?,
                Value::Array(a) => {
                    let seg = raw.replace("~1", "/").replace("~0", "~");
                    a.get(seg.parse::<usize>().ok()?)?
                }
                _ => return None,
            };
        }
        Some(cur)
    }

    /// A `serde_json::Value` that refuses duplicate keys (as the YAML path does).
    struct Strict;

    impl<'de> DeserializeSeed<'de> for Strict {
        type Value = Value;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_any(Strict)
        }
    }

    impl<'de> Visitor<'de> for Strict {
        type Value = Value;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
            Ok(Value::from(v))
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
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut out = Vec::new();
            while let Some(v) = seq.next_element_seed(Strict)? {
                out.push(v);
            }
            Ok(Value::Array(out))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut out = Map::new();
            while let Some(k) = map.next_key::<String>()? {
                let v = map.next_value_seed(Strict)?;
                if out.insert(k, v).is_some() {
                    return Err(serde::de::Error::custom("duplicate key"));
                }
            }
            Ok(Value::Object(out))
        }
    }
}

#[cfg(test)]
mod tests {
    const DOC: &str = r##"{"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {},
        "components": {"schemas": {"X": {"type": "object", "properties": {
            "b": {"type": "string"}, "a": {"$ref": "#/components/schemas/Y"}}},
            "Y": {"type": "string"}}}}"##;

    fn property_order(doc: &openapiv3::OpenAPI) -> Vec<String> {
        let components = doc.components.as_ref().unwrap();
        let openapiv3::ReferenceOr::Item(x) = &components.schemas["X"] else {
            panic!("X is a reference");
        };
        let openapiv3::SchemaKind::Type(openapiv3::Type::Object(o)) = &x.schema_kind else {
            panic!("X is not an object");
        };
        o.properties.keys().cloned().collect()
    }

    #[test]
    fn json_fast_path_keeps_key_order_and_agrees_with_yaml() {
        let fast = super::json::typed(DOC.as_bytes()).expect("fast path");
        assert!(super::json_fast_path_takes(DOC.as_bytes()));
        assert_eq!(property_order(&fast), ["b", "a"]);
        let slow = super::load_yaml(
            DOC.as_bytes(),
            "t.json",
            &mut Default::default(),
            &mut Vec::new(),
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(fast, slow);
    }

    #[test]
    fn json_fast_path_leaves_errors_to_the_yaml_path() {
        let dup = r#"{"openapi": "3.0.0", "openapi": "3.0.1", "info": {}, "paths": {}}"#;
        assert!(!super::json_fast_path_takes(dup.as_bytes()));
        assert!(super::json::split_read(dup.as_bytes()).is_none());
        assert!(super::load(dup.as_bytes(), "t.json").is_err());
        let dangling = DOC.replace("schemas/Y\"", "schemas/Z\"");
        assert!(!super::json_fast_path_takes(dangling.as_bytes()));
        let err = super::load(dangling.as_bytes(), "t.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("dangling $ref"), "{err}");
    }

    /// Every fixture and bad spec, written as JSON: what the fast path
    /// takes, the YAML path reads to the same document, with no warning.
    #[test]
    fn json_fast_path_takes_only_what_the_yaml_path_reads_alike() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
        let (mut taken, mut refused) = (0, 0);
        for dir in ["fixtures", "bad"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("a test folder") {
                let path = entry.expect("an entry").path();
                let text = std::fs::read_to_string(&path).expect("a file");
                let Ok(value) = serde_yaml::from_str::<serde_json::Value>(&text) else {
                    continue;
                };
                let bytes = serde_json::to_vec_pretty(&value).expect("JSON");
                let Some(doc) = super::json_typed(&bytes) else {
                    continue;
                };
                if !super::json_fast_path_takes(&bytes) {
                    refused += 1;
                    continue;
                }
                let slow = super::load_slow(&bytes, "t.json").unwrap_or_else(|e| {
                    panic!(
                        "{}: taken by the fast path, refused by the YAML path: {e}",
                        path.display()
                    )
                });
                assert_eq!(doc, slow.doc, "{}", path.display());
                assert_eq!(slow.warnings, Vec::<String>::new(), "{}", path.display());
                assert!(slow.webhooks.is_empty(), "{}", path.display());
                taken += 1;
            }
        }
        assert!(
            taken >= 12 && refused >= 5,
            "{taken} taken, {refused} refused"
        );
    }

    /// The split read (large documents) gives what the plain read gives, on
    /// every fixture and the SnapTrade spec written as JSON, with and without
    /// extensions at the top and in `paths`; path items keep their order.
    #[test]
    fn split_json_read_agrees_with_the_plain_read() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut docs: Vec<std::path::PathBuf> = std::fs::read_dir(root.join("tests/fixtures"))
            .expect("fixtures")
            .map(|e| e.expect("an entry").path())
            .collect();
        docs.push(root.join("../spec/snaptrade.yaml"));
        docs.sort();
        let mut compared = 0;
        for path in docs {
            let text = std::fs::read_to_string(&path).expect("a fixture");
            let Ok(value) = serde_yaml::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            let mut variants = vec![value.clone()];
            let mut extended = value.clone();
            if let Some(map) = extended.as_object_mut() {
                map.insert("x-top".into(), serde_json::json!({"a": [1, 2]}));
                if let Some(paths) = map.get_mut("paths").and_then(|p| p.as_object_mut()) {
                    paths.insert("x-paths".into(), serde_json::json!("e"));
                }
            }
            variants.push(extended);
            for v in variants {
                let bytes = serde_json::to_vec(&v).expect("JSON");
                let Ok(plain) = serde_json::from_slice::<openapiv3::OpenAPI>(&bytes) else {
                    continue;
                };
                let split = super::json::split_read(&bytes)
                    .unwrap_or_else(|| panic!("{}: the split read refused it", path.display()));
                assert_eq!(split, plain, "{}", path.display());
                // (`IndexMap` equality ignores the order.)
                let order =
                    |d: &openapiv3::OpenAPI| d.paths.paths.keys().cloned().collect::<Vec<_>>();
                assert_eq!(order(&split), order(&plain), "{}", path.display());
                compared += 1;
            }
        }
        assert!(compared >= 10, "{compared} documents compared");
    }
}
