//! `codegen subset`: chosen tags' operations plus everything they reference.

use oapi_client_gen::review::{diff::diff, diff::Class, subset::subset};
use std::path::Path;

fn base() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/review/base.yaml"))
        .expect("base")
}

fn tags(t: &[&str]) -> Vec<String> {
    t.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn keeps_the_tagged_operations_and_what_they_reference() {
    let out = subset(&base(), "base.yaml", &tags(&["Status"])).expect("subset");
    let doc: serde_yaml::Value = serde_yaml::from_str(&out).expect("yaml");
    let paths = doc["paths"].as_mapping().expect("paths");
    assert_eq!(paths.len(), 1, "{out}");
    assert!(doc["paths"]["/health"]["get"].is_mapping());
    // Nothing referenced: no schemas; the global security still names ApiKey.
    assert!(doc["components"]["schemas"].is_null(), "{out}");
    assert!(doc["components"]["securitySchemes"]["ApiKey"].is_mapping());
    assert_eq!(doc["tags"].as_sequence().map(Vec::len), Some(1));
    assert_eq!(doc["servers"][0]["url"], "https://pets.example.com");

    let out = subset(&base(), "base.yaml", &tags(&["Pets"])).expect("subset");
    let doc: serde_yaml::Value = serde_yaml::from_str(&out).expect("yaml");
    let schemas = doc["components"]["schemas"].as_mapping().expect("schemas");
    let names: Vec<&str> = schemas.keys().filter_map(|k| k.as_str()).collect();
    // Kind is reached only through Pet: transitive. Unused is dropped.
    assert_eq!(names, ["Kind", "Pet", "NewPet", "Error"], "{out}");
    // Path-level parameters stay with their path.
    assert!(doc["paths"]["/pets/{id}"]["parameters"].is_sequence());
    assert!(doc["paths"].get("/health").is_none());
}

#[test]
fn the_subset_of_everything_is_unchanged() {
    let out = subset(&base(), "base.yaml", &tags(&["Pets", "Status"])).expect("subset");
    let r = diff(&base(), "base.yaml", out.as_bytes(), "subset").expect("diff");
    assert!(r.changes.is_empty(), "{}", r.human(true));
    // Deterministic.
    assert_eq!(
        out,
        subset(&base(), "base.yaml", &tags(&["Pets", "Status"])).expect("again")
    );
}

#[test]
fn unknown_tags_and_bad_input_are_errors() {
    let e = subset(&base(), "base.yaml", &tags(&["Nope"])).expect_err("unknown tag");
    let msg = e.to_string();
    assert!(msg.starts_with("base.yaml: at #/paths:"), "{msg}");
    assert!(
        msg.contains("\"Nope\"") && msg.contains("\"Pets\""),
        "{msg}"
    );
    assert!(subset(&base(), "base.yaml", &[]).is_err());
    assert!(subset(b"{", "x.yaml", &tags(&["Pets"]))
        .expect_err("syntax")
        .to_string()
        .starts_with("x.yaml:"));
}

/// SnapTrade's published document, cut down to the tags our spec covers,
/// differs from ours only in documentation.
#[test]
fn upstream_subset_matches_our_spec_but_for_descriptions() {
    let upstream = std::env::var("CODEGEN_UPSTREAM_SPEC")
        .unwrap_or_else(|_| "/work/shared/snaptrade/upstream-api.yaml".to_owned());
    let (Ok(theirs), Ok(ours)) = (
        std::fs::read(&upstream),
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/snaptrade.yaml")),
    ) else {
        eprintln!("note: upstream document absent; skipping");
        return;
    };
    let cut = subset(&theirs, &upstream, &tags(&["API Status", "Authentication"])).expect("subset");
    let r = diff(
        &ours,
        "spec/snaptrade.yaml",
        cut.as_bytes(),
        "upstream subset",
    )
    .expect("diff");
    assert_eq!(r.count(Class::Breaking), 0, "{}", r.human(false));
    assert_eq!(r.count(Class::Compatible), 0, "{}", r.human(false));
}
