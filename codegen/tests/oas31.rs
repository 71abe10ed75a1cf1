//! The OpenAPI 3.1 example of the top-level README generates the client the
//! README describes (the example is a YAML block, so no doctest covers it).

use std::path::Path;

#[test]
fn readme_3_1_example_generates() {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let Ok(text) = std::fs::read_to_string(&readme) else {
        return; // packaged crate: the workspace README is not there
    };
    let block = text
        .split("```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("a yaml block in README.md");
    assert!(block.starts_with("openapi: 3.1.0"), "{block}");
    let out = oapi_client_gen::generate_all(block.as_bytes(), &oapi_client_gen::Options::default())
        .unwrap_or_else(|e| panic!("{e}"));
    for want in [
        "pub tax: Option<f64>,",
        "pub owner: Option<Owner>,",
        "pub kind: Kind,",
        "request.push_cookie(\"session\", &value);",
        "pub fn q(mut self, value: impl Into<String>) -> Self {",
    ] {
        assert!(out.rust.contains(want), "{want} missing");
    }
    assert!(out
        .surface
        .contains("- setter `.session(String)` ← cookie \"session\""));
    assert!(out.warnings.is_empty());
}
