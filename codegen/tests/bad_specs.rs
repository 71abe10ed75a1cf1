//! Every `bad/*.yaml` must fail with an error naming the file, the location
//! and the problem: each line of the matching `.expect` file must appear in
//! the error's Display text.

use std::path::Path;

#[test]
fn bad_specs_give_located_errors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("bad dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    entries.sort();
    assert!(entries.len() >= 7);
    let mut problems = Vec::new();
    for spec in entries {
        let name = format!(
            "bad/{}",
            spec.file_name().unwrap_or_default().to_string_lossy()
        );
        let expect_path = spec.with_extension("expect");
        let expect = std::fs::read_to_string(&expect_path)
            .unwrap_or_else(|_| panic!("missing {}", expect_path.display()));
        let opts = oapi_client_gen::Options {
            spec_name: name.clone(),
            ..oapi_client_gen::Options::default()
        };
        match oapi_client_gen::generate_file(&spec, &opts) {
            Ok(_) => problems.push(format!("{name}: generated without error")),
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    msg.starts_with(&name),
                    "{name}: message does not start with the file: {msg}"
                );
                for want in expect.lines().filter(|l| !l.trim().is_empty()) {
                    if !msg.contains(want) {
                        problems.push(format!("{name}: expected `{want}` in:\n  {msg}"));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The generator never panics: truncated and corrupted documents give errors.
#[test]
fn never_panics_on_mangled_input() {
    mangle("kitchen_sink.yaml");
}

/// The same for OpenAPI 3.1 (the 3.1 reader rewrites the document first).
#[test]
fn never_panics_on_mangled_3_1_input() {
    mangle("oas31.yaml");
}

fn mangle(fixture: &str) {
    let base = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(fixture),
    )
    .expect("fixture");
    let opts = oapi_client_gen::Options::default();
    let mut n = 0usize;
    for cut in (0..base.len()).step_by(23) {
        let _ = oapi_client_gen::generate(&base[..cut], &opts);
        n += 1;
    }
    // Deterministic byte corruption.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..300 {
        let mut bytes = base.clone();
        for _ in 0..3 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let i = (seed as usize) % bytes.len();
            let table = b" :-{}[]\"'#$&*!|>%@`abc123\n";
            bytes[i] = table[(seed >> 32) as usize % table.len()];
        }
        let _ = oapi_client_gen::generate(&bytes, &opts);
        n += 1;
    }
    assert!(n > 300);
}

#[test]
fn invalid_runtime_path_is_an_error() {
    let opts = oapi_client_gen::Options {
        runtime_path: "not a path!".into(),
        spec_name: "x.yaml".into(),
        doc_crate: None,
        derives: Vec::new(),
    };
    let err = oapi_client_gen::generate(b"openapi: 3.0.0", &opts).expect_err("must fail");
    assert!(err.to_string().contains("invalid runtime path"), "{err}");
}
