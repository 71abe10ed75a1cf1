//! Fuzzing parse → emit with proptest: arbitrary documents must give `Ok` or
//! a located error, never a panic, and never output that does not parse
//! (`Error::Internal`, a generator bug).
//!
//! Three generators of documents:
//! * random structures built from OpenAPI's vocabulary (so they reach deep
//!   into lowering), written as YAML or JSON;
//! * a fixture with one subtree replaced by a random structure;
//! * a fixture with random byte edits (syntax-level damage).
//!
//! In CI (`cargo test`) it runs for about two seconds. A long run:
//!
//! ```sh
//! CODEGEN_FUZZ_SECS=600 cargo test --release -p codegen --test fuzz -- --nocapture
//! ```
//!
//! prints the number of cases executed. `CODEGEN_FUZZ_SEED` picks the seed
//! (default: fixed, so CI is reproducible; `random` for a fresh one).

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_yaml::{Mapping, Value};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const KEYS: &[&str] = &[
    "openapi",
    "info",
    "title",
    "version",
    "paths",
    "components",
    "schemas",
    "responses",
    "parameters",
    "requestBodies",
    "securitySchemes",
    "security",
    "servers",
    "url",
    "variables",
    "default",
    "enum",
    "get",
    "post",
    "put",
    "delete",
    "patch",
    "operationId",
    "tags",
    "requestBody",
    "content",
    "application/json",
    "application/x-www-form-urlencoded",
    "text/plain",
    "application/octet-stream",
    "schema",
    "description",
    "required",
    "name",
    "in",
    "style",
    "explode",
    "type",
    "format",
    "properties",
    "items",
    "additionalProperties",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "discriminator",
    "propertyName",
    "mapping",
    "nullable",
    "readOnly",
    "writeOnly",
    "$ref",
    "200",
    "201",
    "204",
    "404",
    "4XX",
    "/a",
    "/a/{id}",
    "id",
    "A",
    "B",
    "self",
    "type",
    "x-idempotent",
];

const SCALARS: &[&str] = &[
    "object",
    "string",
    "integer",
    "number",
    "boolean",
    "array",
    "int32",
    "int64",
    "float",
    "double",
    "date-time",
    "date",
    "uuid",
    "byte",
    "binary",
    "password",
    "path",
    "query",
    "header",
    "cookie",
    "form",
    "deepObject",
    "3.0.0",
    "3.1.0",
    "#/components/schemas/A",
    "#/components/schemas/B",
    "#/components/responses/A",
    "#/components/parameters/A",
    "#/components/requestBodies/A",
    "#/components/schemas/Missing",
    "#/",
    "#",
    "other.yaml#/A",
    "",
    "{id}",
    "https://{host}/v1",
    "type",
    "Self",
    "1",
    "_",
    "é",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => proptest::sample::select(SCALARS).prop_map(|s| Value::String(s.to_owned())),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => (-3i64..300).prop_map(|n| Value::Number(n.into())),
        1 => Just(Value::Null),
        1 => "[ -~]{0,8}".prop_map(Value::String),
    ]
}

fn structure() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(6, 120, 6, |inner| {
        prop_oneof![
            1 => proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Sequence),
            4 => proptest::collection::vec(
                (proptest::sample::select(KEYS), inner),
                0..6
            )
            .prop_map(|kvs| {
                let mut m = Mapping::new();
                for (k, v) in kvs {
                    m.insert(Value::String(k.to_owned()), v);
                }
                Value::Mapping(m)
            }),
        ]
    })
}

/// A structure under a plausible 3.0 header, so lowering is reached.
fn document() -> impl Strategy<Value = Vec<u8>> {
    (structure(), structure(), any::<bool>(), any::<bool>()).prop_map(
        |(paths, components, header, json)| {
            let mut m = Mapping::new();
            if header {
                m.insert("openapi".into(), "3.0.3".into());
                let mut info = Mapping::new();
                info.insert("title".into(), "Fuzz".into());
                info.insert("version".into(), "1".into());
                m.insert("info".into(), Value::Mapping(info));
            }
            m.insert("paths".into(), paths);
            m.insert("components".into(), components);
            render(&Value::Mapping(m), json)
        },
    )
}

fn render(v: &Value, json: bool) -> Vec<u8> {
    if json {
        serde_json::to_vec(v).unwrap_or_default()
    } else {
        serde_yaml::to_string(v).unwrap_or_default().into_bytes()
    }
}

fn fixtures() -> Vec<(Value, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).expect("fixture");
            let value: Value = serde_yaml::from_slice(&bytes).expect("fixture parses");
            (value, bytes)
        })
        .collect()
}

/// Every node of a value, as paths of indices into mappings/sequences.
fn node_paths(v: &Value, here: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    out.push(here.clone());
    let children: Vec<&Value> = match v {
        Value::Mapping(m) => m.values().collect(),
        Value::Sequence(s) => s.iter().collect(),
        _ => Vec::new(),
    };
    for (i, c) in children.into_iter().enumerate() {
        here.push(i);
        node_paths(c, here, out);
        here.pop();
    }
}

fn node_mut<'v>(v: &'v mut Value, path: &[usize]) -> Option<&'v mut Value> {
    let Some((first, rest)) = path.split_first() else {
        return Some(v);
    };
    let child = match v {
        Value::Mapping(m) => m.values_mut().nth(*first)?,
        Value::Sequence(s) => s.get_mut(*first)?,
        _ => return None,
    };
    node_mut(child, rest)
}

fn graft(fixtures: &[(Value, Vec<u8>)]) -> impl Strategy<Value = Vec<u8>> {
    let fixtures = fixtures.to_vec();
    (
        0..fixtures.len(),
        any::<prop::sample::Index>(),
        structure(),
        any::<bool>(),
    )
        .prop_map(move |(fi, at, replacement, json)| {
            let mut doc = fixtures[fi].0.clone();
            let mut paths = Vec::new();
            node_paths(&doc, &mut Vec::new(), &mut paths);
            let path = at.get(&paths).clone();
            if let Some(node) = node_mut(&mut doc, &path) {
                *node = replacement;
            }
            render(&doc, json)
        })
}

#[derive(Debug, Clone)]
enum Edit {
    Replace(prop::sample::Index, u8),
    Insert(prop::sample::Index, &'static str),
    Delete(prop::sample::Index, usize),
}

fn byte_edits(fixtures: &[(Value, Vec<u8>)]) -> impl Strategy<Value = Vec<u8>> {
    let fixtures = fixtures.to_vec();
    let edit = prop_oneof![
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Replace(i, b)),
        (
            any::<prop::sample::Index>(),
            proptest::sample::select(
                &[
                    ": ",
                    "\n",
                    "\n  ",
                    "- ",
                    "{",
                    "}",
                    "[",
                    "]",
                    "\"",
                    "'",
                    "&a ",
                    "*a",
                    "!!str ",
                    "$ref: '#/'",
                    "~",
                    "? ",
                    "|\n",
                    "\t",
                    "\u{feff}",
                    "<<: *a\n",
                ][..]
            )
        )
            .prop_map(|(i, s)| Edit::Insert(i, s)),
        (any::<prop::sample::Index>(), 1usize..40).prop_map(|(i, n)| Edit::Delete(i, n)),
    ];
    (0..fixtures.len(), proptest::collection::vec(edit, 1..6)).prop_map(move |(fi, edits)| {
        let mut bytes = fixtures[fi].1.clone();
        for e in edits {
            if bytes.is_empty() {
                break;
            }
            match e {
                Edit::Replace(i, b) => {
                    let i = i.index(bytes.len());
                    bytes[i] = b;
                }
                Edit::Insert(i, s) => {
                    let i = i.index(bytes.len());
                    bytes.splice(i..i, s.bytes());
                }
                Edit::Delete(i, n) => {
                    let i = i.index(bytes.len());
                    let end = (i + n).min(bytes.len());
                    bytes.drain(i..end);
                }
            }
        }
        bytes
    })
}

/// Cases that generated code (reached emit), and cases refused by lowering.
static GENERATED: AtomicU64 = AtomicU64::new(0);
static SPEC_ERRORS: AtomicU64 = AtomicU64::new(0);

fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let opts = oapi_client_gen::Options {
        runtime_path: "::snaptrade::runtime".to_owned(),
        spec_name: "fuzz.yaml".to_owned(),
        doc_crate: None,
        derives: Vec::new(),
    };
    let outcome = std::panic::catch_unwind(|| oapi_client_gen::generate(bytes, &opts));
    match outcome {
        Err(_) => Err(TestCaseError::fail("the generator panicked")),
        Ok(Err(e @ oapi_client_gen::Error::Internal { .. })) => Err(TestCaseError::fail(format!(
            "generated code does not parse: {e}"
        ))),
        Ok(Err(e)) => {
            if matches!(e, oapi_client_gen::Error::Spec { .. }) {
                SPEC_ERRORS.fetch_add(1, Ordering::Relaxed);
            }
            let msg = e.to_string();
            prop_assert!(
                msg.starts_with("fuzz.yaml"),
                "error without the file: {msg}"
            );
            Ok(())
        }
        Ok(Ok(out)) => {
            GENERATED.fetch_add(1, Ordering::Relaxed);
            prop_assert!(out.starts_with("// @generated"));
            Ok(())
        }
    }
}

fn seed() -> [u8; 32] {
    let mut seed = [7u8; 32];
    match std::env::var("CODEGEN_FUZZ_SEED").ok().as_deref() {
        Some("random") => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            seed[..16].copy_from_slice(&nanos.to_le_bytes());
        }
        Some(s) => {
            let n: u128 = s.parse().unwrap_or_default();
            seed[..16].copy_from_slice(&n.to_le_bytes());
        }
        None => {}
    }
    eprintln!("fuzz seed: {seed:?}");
    seed
}

#[test]
fn parse_and_emit_never_panic() {
    let secs: u64 = std::env::var("CODEGEN_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let fx = fixtures();
    let strategy = prop_oneof![
        2 => document(),
        2 => graft(&fx),
        1 => byte_edits(&fx),
    ];
    let config = Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed()));
    // Silence the panic hook's output while probing for panics.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut cases = 0u64;
    let mut result = Ok(());
    while Instant::now() < deadline || cases == 0 {
        let tree = match strategy.new_tree(&mut runner) {
            Ok(tree) => tree,
            Err(e) => panic!("strategy: {e}"),
        };
        // `run_one` shrinks a failing case before reporting it.
        match runner.run_one(tree, |bytes| check(&bytes)) {
            Ok(_) => cases += 1,
            Err(e) => {
                result = Err(e.to_string());
                break;
            }
        }
    }
    std::panic::set_hook(hook);
    eprintln!(
        "fuzz: {cases} cases in {secs}s ({} generated code, {} spec errors, the rest syntax errors)",
        GENERATED.load(Ordering::Relaxed),
        SPEC_ERRORS.load(Ordering::Relaxed)
    );
    if let Err(e) = result {
        panic!("after {cases} cases: {e}");
    }
}
