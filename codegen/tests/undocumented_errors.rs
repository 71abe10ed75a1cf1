//! An operation that documents no error answer names the runtime's
//! `UndocumentedError` instead of an enum of its own, unless a derive was
//! asked for that the runtime's type does not have.

const SPEC: &str = r#"
openapi: 3.0.3
info: {title: T, version: "1"}
paths:
  /a:
    get:
      operationId: plain
      responses:
        "204": {description: done}
  /b:
    get:
      operationId: failing
      responses:
        "204": {description: done}
        "404": {description: gone}
"#;

fn generate(derives: &[&str]) -> String {
    let opts = oapi_client_gen::Options {
        derives: derives.iter().map(|d| d.to_string()).collect(),
        ..Default::default()
    };
    oapi_client_gen::generate(SPEC.as_bytes(), &opts).expect("generates")
}

#[test]
fn no_documented_error_is_the_runtime_type() {
    let code = generate(&["PartialEq", "::core::hash::Hash"]);
    assert!(
        code.contains("pub type PlainError = rt::UndocumentedError;"),
        "{code}"
    );
    // A documented error keeps its enum.
    assert!(code.contains("pub enum FailingError {"), "{code}");
    assert!(!code.contains("pub enum PlainError"), "{code}");
}

#[test]
fn a_derive_the_runtime_type_lacks_keeps_the_enum() {
    let code = generate(&["serde::Serialize"]);
    assert!(code.contains("pub enum PlainError {"), "{code}");
    assert!(!code.contains("UndocumentedError"), "{code}");
}
