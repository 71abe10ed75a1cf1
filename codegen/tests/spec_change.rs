//! Editing the real spec (a new operation, a new property) shows up in the
//! generated client, and the result still parses.

use serde_yaml::{Mapping, Value};
use std::path::Path;

fn map(v: &mut Value) -> &mut Mapping {
    v.as_mapping_mut().expect("mapping")
}

#[test]
fn new_operation_and_property_appear() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/snaptrade.yaml");
    let Ok(text) = std::fs::read_to_string(&spec) else {
        eprintln!("note: {} is absent; skipping", spec.display());
        return;
    };
    let mut doc: Value = serde_yaml::from_str(&text).expect("spec parses");
    let new_op: Value = serde_yaml::from_str(
        r#"
get:
  tags: [Authentication]
  operationId: Authentication_getUserStatus
  summary: A made-up operation.
  parameters:
    - { name: userId, in: query, required: true, schema: { type: string } }
  responses:
    "200":
      description: ok
      content:
        application/json:
          schema: { type: object, properties: { active: { type: boolean } } }
"#,
    )
    .expect("op");
    let paths = map(&mut doc).get_mut("paths").expect("paths");
    map(paths).insert("/snapTrade/userStatus".into(), new_op);
    let schemas = map(&mut doc)
        .get_mut("components")
        .and_then(|c| c.get_mut("schemas"))
        .expect("schemas");
    let body = map(schemas)
        .get_mut("SnapTradeRegisterUserRequestBody")
        .and_then(|b| b.get_mut("properties"))
        .expect("register body properties");
    map(body).insert(
        "nickname".into(),
        serde_yaml::from_str("{ type: string, description: A display name. }").expect("prop"),
    );
    let edited = serde_yaml::to_string(&doc).expect("serialize");
    let opts = oapi_client_gen::Options {
        runtime_path: "crate::runtime".into(),
        spec_name: "spec/snaptrade.yaml".into(),
        doc_crate: None,
        derives: Vec::new(),
    };
    let before = oapi_client_gen::generate(text.as_bytes(), &opts).expect("original generates");
    let after = oapi_client_gen::generate(edited.as_bytes(), &opts).expect("edited generates");
    assert!(!before.contains("get_user_status"));
    assert!(after
        .contains("pub fn get_user_status(&self, user_id: impl Into<String>) -> GetUserStatus"));
    assert!(after.contains("pub struct GetUserStatusResponse"));
    assert!(after.contains("pub nickname: Option<String>,"));
    assert!(after.contains("pub fn nickname(mut self, value: impl Into<String>) -> Self"));
    syn::parse_file(&after).expect("edited output parses");
}
