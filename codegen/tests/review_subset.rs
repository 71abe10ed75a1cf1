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

/// The node at a JSON pointer (`/a/b~1c`), for changing it in place.
fn at_pointer<'a>(
    doc: &'a mut serde_yaml::Value,
    pointer: &str,
) -> Option<&'a mut serde_yaml::Value> {
    let mut node = doc;
    for part in pointer.strip_prefix('/')?.split('/') {
        let key = part.replace("~1", "/").replace("~0", "~");
        node = node.as_mapping_mut()?.get_mut(key.as_str())?;
    }
    Some(node)
}

/// Our spec with the deviations listed in `spec/deviations.yaml` put back to
/// upstream's value (what scripts/check_spec_agreement.py compares too).
fn ours_without_listed_deviations(ours: &[u8], upstream: &[u8]) -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/deviations.yaml");
    let mut doc: serde_yaml::Value = serde_yaml::from_slice(ours).expect("our spec");
    let Ok(list) = std::fs::read(root) else {
        return ours.to_vec();
    };
    let mut theirs: serde_yaml::Value = serde_yaml::from_slice(upstream).expect("upstream");
    let list: serde_yaml::Value = serde_yaml::from_slice(&list).expect("deviations.yaml");
    for dev in list["deviations"].as_sequence().expect("a deviations list") {
        let pointer = dev["pointer"].as_str().expect("pointer");
        let upstream_value = at_pointer(&mut theirs, pointer)
            .unwrap_or_else(|| panic!("{pointer}: not in upstream"))
            .clone();
        *at_pointer(&mut doc, pointer).unwrap_or_else(|| panic!("{pointer}: not in ours")) =
            upstream_value;
    }
    serde_yaml::to_string(&doc).expect("yaml").into_bytes()
}

/// SnapTrade's published document, cut down to the tags our spec covers,
/// differs from ours only in documentation, once the deviations listed in
/// `spec/deviations.yaml` are put back.
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
    // Unchanged, ours differs where the list says: the listed deviation shows.
    let direct = diff(
        &ours,
        "spec/snaptrade.yaml",
        cut.as_bytes(),
        "upstream subset",
    )
    .expect("diff");
    assert!(direct.count(Class::Breaking) > 0, "{}", direct.human(false));
    let ours = ours_without_listed_deviations(&ours, &theirs);
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
