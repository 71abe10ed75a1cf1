//! `generated/API.md`: the API surface listing.

use std::path::Path;

fn surface(spec: &[u8]) -> String {
    oapi_client_gen::generate_all(spec, &oapi_client_gen::Options::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .surface
}

#[test]
fn lists_operations_and_models_deterministically() {
    let spec = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/review/base.yaml"))
        .expect("base");
    let s = surface(&spec);
    assert_eq!(s, surface(&spec));
    for line in [
        "#### `pets().get(id: i64)`",
        "- request: `GET /pets/{id}`, operationId \"Pets_get\"",
        "- setter `.limit(i32)` ← query \"limit\"",
        "- error 404 → `NotFound(Error)`",
        "- `tag: Option<String>` ← \"tag\" (optional)",
        "- `name: String` ← \"name\" (required)",
        "- \"dog\" → `Dog`",
        "- security: none (unsigned)",
    ] {
        assert!(s.lines().any(|l| l == line), "missing {line:?} in\n{s}");
    }
    assert!(
        !s.contains("Unused"),
        "unreachable schemas are not generated"
    );
}

#[test]
fn a_spec_change_is_a_short_surface_diff_and_docs_are_not() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/review");
    let base = surface(&std::fs::read(dir.join("base.yaml")).expect("base"));
    let case =
        |c: &str| surface(&std::fs::read(dir.join(format!("cases/{c}.yaml"))).expect("case"));
    assert_eq!(base, case("docs_only"));
    let added = case("enum_value_added");
    let new: Vec<&str> = added
        .lines()
        .filter(|l| !base.lines().any(|b| b == *l))
        .collect();
    assert_eq!(new, ["- \"bird\" → `Bird`"]);
}

/// The checked-in listing matches the spec (build.rs keeps it so; CI fails otherwise).
#[test]
fn checked_in_api_md_is_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (Ok(spec), Ok(md)) = (
        std::fs::read(root.join("spec/snaptrade.yaml")),
        std::fs::read_to_string(root.join("generated/API.md")),
    ) else {
        return;
    };
    let opts = oapi_client_gen::Options {
        runtime_path: "crate::runtime".into(),
        spec_name: "spec/snaptrade.yaml".into(),
        doc_crate: None,
        derives: Vec::new(),
    };
    let out = oapi_client_gen::generate_all(&spec, &opts).expect("generates");
    assert!(
        out.surface == md,
        "generated/API.md is stale: run `cargo build`"
    );
}

/// A tagged union is listed with its tag, one line per tag value and one per
/// variant field (each naming its variant, so every line is a fact of its
/// own), and what an unlisted tag becomes.
#[test]
fn tagged_unions_list_their_tag_values_and_variant_fields() {
    let spec =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tagged.yaml"))
            .expect("fixture");
    let s = surface(&spec);
    let mut from_shape = s
        .lines()
        .skip_while(|l| *l != "### `Shape`: tagged union on \"type\"");
    let section: Vec<&str> = from_shape
        .next()
        .into_iter()
        .chain(from_shape.take_while(|l| !l.starts_with("### ")))
        .collect();
    assert_eq!(
        section,
        [
            "### `Shape`: tagged union on \"type\"",
            "",
            "- \"circle\" → `Circle`",
            "  - `Circle.fill: Option<Fill>` ← \"fill\" (optional)",
            "  - `Circle.label: Option<String>` ← \"label\" (optional)",
            "  - `Circle.radius: f64` ← \"radius\" (required)",
            "  - `Circle.style: Option<Style>` ← \"style\" (optional)",
            "- \"point\" → `Point` (no fields)",
            "- \"rect\" → `Rect`",
            "  - `Rect.corner_radius: Option<i64>` ← \"cornerRadius\" (optional)",
            "  - `Rect.height: i64` ← \"height\" (required)",
            "  - `Rect.stroke_width: Option<i64>` ← \"strokeWidth\" (optional)",
            "  - `Rect.width: i64` ← \"width\" (required)",
            "- \"unknown\" → `Unknown2`",
            "  - `Unknown2.reason: String` ← \"reason\" (required)",
            "- any other value → `Unknown` (other properties dropped; cannot be serialized)",
            "",
        ],
        "{s}"
    );
    assert!(s
        .lines()
        .any(|l| l == "### `Change`: tagged union on \"op\", unknown fields rejected"));
    // Near misses stay unions of structs.
    assert!(s.lines().any(|l| l == "### `Layer`: one of"), "{s}");
    // The alternatives' structs and tag enums are gone.
    assert!(!s.contains("ShapeVariant"), "{s}");
    // One property per alternative: a variant per property name.
    let outcome: Vec<&str> = s
        .lines()
        .skip_while(|l| *l != "### `Outcome`: one of, by property name")
        .take(5)
        .collect();
    assert_eq!(
        outcome,
        [
            "### `Outcome`: one of, by property name",
            "",
            "- \"err\" → `Err(Option<String>)`",
            "- \"ok\" → `Ok(OutcomeOk)`",
            "- \"type\" → `Type(i64)`",
        ],
        "{s}"
    );
    assert!(!s.contains("OutcomeVariant"), "{s}");
}
