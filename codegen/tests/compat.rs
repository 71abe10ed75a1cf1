//! What `oapi-client-gen diff` calls compatible is compatible for Rust
//! callers, and what it calls breaking does break them.
//!
//! Each case is a change to `tests/compat/base.yaml` and a caller written
//! against the code generated from the base document. The caller compiles
//! against the old code always; against the new code it must compile for a
//! compatible change and fail, with the expected error, for a breaking one.
//! Callers `match` exhaustively where the language lets them (a `_` arm only
//! where `#[non_exhaustive]` requires one), so a variant added without
//! `#[non_exhaustive]` would break them.
//!
//! Everything is one `cargo check --workspace --keep-going` in its own target
//! directory under the workspace's (the runtime compiles once; later runs
//! only check the small crates), offline, with the workspace's Cargo.lock.

use std::path::{Path, PathBuf};
use std::process::Command;

struct Case {
    name: &'static str,
    /// `(old text, new text)` replacements that turn the base into the new document.
    edits: &'static [(&'static str, &'static str)],
    /// The caller's items; `api` is the generated module.
    caller: &'static str,
    /// `None`: compatible. `Some(code)`: the new code must fail with this error.
    breaks_with: Option<&'static str>,
}

const CASES: &[Case] = &[
    Case {
        name: "enum_value_added",
        edits: &[("enum: [red, green]", "enum: [red, green, blue]")],
        caller: "pub fn f(c: &api::models::Color) -> u8 {
            match c {
                api::models::Color::Red => 1,
                api::models::Color::Green => 2,
                api::models::Color::Other(_) => 3,
                _ => 0,
            }
        }",
        breaks_with: None,
    },
    Case {
        name: "alternative_added",
        edits: &[
            (
                "        - {$ref: '#/components/schemas/Cat'}\n",
                "        - {$ref: '#/components/schemas/Cat'}\n        - {$ref: '#/components/schemas/Bird'}\n",
            ),
            (
                "    Problem:",
                "    Bird: {type: object, required: [wing], properties: {wing: {type: string}}}\n    Problem:",
            ),
        ],
        caller: "pub fn f(k: &api::models::Kind) -> bool {
            match k {
                api::models::Kind::Dog(d) => d.bark,
                api::models::Kind::Cat(c) => c.meow > 0,
                _ => false,
            }
        }",
        breaks_with: None,
    },
    Case {
        // A tagged union (inline objects with a one-value tag) gains a
        // variant: `#[non_exhaustive]` already made callers write `_`.
        name: "tagged_variant_added",
        edits: &[(
            "enum: [square]}, w: {type: integer}}}\n",
            "enum: [square]}, w: {type: integer}}}\n        - {type: object, required: [kind], properties: {kind: {type: string, enum: [dot]}}}\n",
        )],
        caller: "pub fn f(s: &api::models::Shape) -> i64 {
            match s {
                api::models::Shape::Circle { r } => *r,
                api::models::Shape::Square { w } => *w,
                api::models::Shape::Unknown => -1,
                _ => 0,
            }
        }",
        breaks_with: None,
    },
    Case {
        name: "error_response_added",
        edits: &[(
            "        \"404\":",
            "        \"409\": {description: conflict, content: {application/json: {schema: {$ref: '#/components/schemas/Problem'}}}}\n        \"404\":",
        )],
        caller: "pub fn f(e: &api::pets::GetError) -> Option<String> {
            match e {
                api::pets::GetError::NotFound(p) => p.message.clone(),
                api::pets::GetError::Unknown => None,
                _ => None,
            }
        }",
        breaks_with: None,
    },
    Case {
        name: "success_response_added",
        edits: &[(
            "        \"202\":",
            "        \"206\": {description: partial, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}\n        \"202\":",
        )],
        caller: "pub fn f(s: &api::pets::ListSuccess) -> usize {
            match s {
                api::pets::ListSuccess::Ok(pets) => pets.len(),
                api::pets::ListSuccess::Accepted(_) => 0,
                _ => 0,
            }
        }",
        breaks_with: None,
    },
    Case {
        name: "operation_added",
        edits: &[(
            "  /pets:\n",
            "  /pets:\n    post:\n      operationId: Pets_create\n      tags: [Pets]\n      responses:\n        \"204\": {description: made}\n",
        )],
        caller: "pub async fn f(c: api::Client) -> bool {
            c.pets().list().await.is_ok() && c.pets().get(\"7\").await.is_ok()
        }",
        breaks_with: None,
    },
    Case {
        name: "optional_parameter_added",
        edits: &[(
            "        - {name: verbose,",
            "        - {name: limit, in: query, schema: {type: integer}}\n        - {name: verbose,",
        )],
        caller: "pub async fn f(c: api::Client) -> bool {
            c.pets().get(\"7\").verbose(true).await.is_ok()
        }",
        breaks_with: None,
    },
    Case {
        name: "optional_field_added",
        edits: &[(
            "        tag: {type: string}\n",
            "        tag: {type: string}\n        nickname: {type: string}\n",
        )],
        // Reading fields and `..` patterns keep compiling; a struct literal
        // would not (see docs/ARCHITECTURE.md: models stay constructible).
        caller: "pub fn f(p: &api::models::Pet) -> usize {
            let api::models::Pet { name, tag, .. } = p;
            name.len() + tag.as_ref().map_or(0, String::len) + usize::from(p.color.is_some())
        }",
        breaks_with: None,
    },
    Case {
        name: "enum_value_removed",
        edits: &[("enum: [red, green]", "enum: [red]")],
        caller: "pub fn f() -> api::models::Color { api::models::Color::Green }",
        breaks_with: Some("E0599"),
    },
    Case {
        name: "alternative_removed",
        edits: &[("        - {$ref: '#/components/schemas/Cat'}\n", "")],
        caller: "pub fn f(k: &api::models::Kind) -> bool {
            matches!(k, api::models::Kind::Cat(_))
        }",
        breaks_with: Some("E0599"),
    },
    Case {
        name: "operation_removed",
        edits: &[("operationId: Pets_list", "operationId: Pets_all")],
        caller: "pub async fn f(c: api::Client) -> bool { c.pets().list().await.is_ok() }",
        breaks_with: Some("E0599"),
    },
    Case {
        name: "required_parameter_added",
        edits: &[(
            "        - {name: verbose,",
            "        - {name: owner, in: query, required: true, schema: {type: string}}\n        - {name: verbose,",
        )],
        caller: "pub async fn f(c: api::Client) -> bool { c.pets().get(\"7\").await.is_ok() }",
        breaks_with: Some("E0061"),
    },
    Case {
        name: "field_removed",
        edits: &[("        tag: {type: string}\n", "")],
        caller: "pub fn f(p: &api::models::Pet) -> Option<String> { p.tag.clone() }",
        breaks_with: Some("E0609"),
    },
    Case {
        // One success type became two: the method now returns an enum of
        // them, so a caller that used the one type no longer compiles.
        name: "second_success_type_added",
        edits: &[(
            "        \"404\":",
            "        \"203\": {description: stale copy, content: {application/json: {schema: {$ref: '#/components/schemas/Problem'}}}}\n        \"404\":",
        )],
        caller: "pub async fn f(c: api::Client) -> Option<String> {
            let pet: api::models::Pet = c.pets().get(\"7\").await.ok()?.body;
            Some(pet.name)
        }",
        breaks_with: Some("E0308"),
    },
    Case {
        // `Pet.size`'s inline enum is `Size` while nothing else wants that
        // name; a second inline `size` enum makes both keep their long
        // names (`PetSize`, `ProblemSize`), which `diff` must call breaking
        // even though the document change itself (a field added) is not.
        name: "inline_short_name_given_up",
        edits: &[(
            "    Problem: {type: object, properties: {message: {type: string}}}",
            "    Problem: {type: object, properties: {message: {type: string}, size: {type: string, enum: [xs]}}}",
        )],
        caller: "pub fn f(s: &api::models::Size) -> bool { matches!(s, api::models::Size::S) }",
        breaks_with: Some("E0425"),
    },
    Case {
        // An integer-or-string union is the runtime's `IntegerOrString`; with
        // a third alternative it becomes a generated enum, so "alternative
        // added" is breaking here.
        name: "integer_or_string_gains_an_alternative",
        edits: &[(
            "code: {oneOf: [{type: integer}, {type: string}]}",
            "code: {oneOf: [{type: integer}, {type: string}, {type: boolean}]}",
        )],
        caller: "pub fn f(p: &api::models::Pet) -> bool { p.code.as_ref().is_some_and(|c| *c == 7) }",
        breaks_with: Some("E0308"),
    },
    Case {
        // A oneOf of one alternative is that type; a second one makes it an
        // enum, so this "alternative added" is breaking too.
        name: "single_alternative_gains_a_second",
        edits: &[(
            "best_friend: {oneOf: [{$ref: '#/components/schemas/Dog'}]}",
            "best_friend: {oneOf: [{$ref: '#/components/schemas/Dog'}, {$ref: '#/components/schemas/Cat'}]}",
        )],
        caller: "pub fn f(p: &api::models::Pet) -> bool { p.best_friend.as_ref().is_some_and(|d| d.bark) }",
        breaks_with: Some("E0609"),
    },
    Case {
        // The document only gains an enum value (compatible by itself), but
        // the tag is no longer one value per alternative: the union leaves
        // the tagged form for one struct per alternative, and the variants
        // callers name are gone (`diff`: type-changed at the union).
        name: "tag_no_longer_one_value",
        edits: &[("enum: [square]", "enum: [square, box]")],
        caller: "pub fn f(s: &api::models::Shape) -> bool {
            matches!(s, api::models::Shape::Square { w } if *w > 0)
        }",
        breaks_with: Some("E0599"),
    },
    Case {
        name: "field_type_changed",
        edits: &[("        tag: {type: string}\n", "        tag: {type: integer}\n")],
        caller: "pub fn f(p: &api::models::Pet) -> Option<String> { p.tag.clone() }",
        breaks_with: Some("E0308"),
    },
];

/// Matches without `_` on each kind of generated enum that can grow.
const PROBE: &str = "//! Must not compile: the enums are `#[non_exhaustive]`.
use apis::enum_value_added::{models, pets};

pub fn color(c: &models::Color) -> u8 {
    match c { models::Color::Red => 1, models::Color::Green => 2, models::Color::Other(_) => 3 }
}
pub fn kind(k: &models::Kind) -> u8 {
    match k { models::Kind::Dog(_) => 1, models::Kind::Cat(_) => 2 }
}
pub fn error(e: &pets::GetError) -> u8 {
    match e { pets::GetError::NotFound(_) => 1, pets::GetError::Unknown => 2 }
}
pub fn success(s: &pets::ListSuccess) -> u8 {
    match s { pets::ListSuccess::Ok(_) => 1, pets::ListSuccess::Accepted(_) => 2 }
}
pub fn shape(s: &models::Shape) -> u8 {
    match s {
        models::Shape::Circle { .. } => 1,
        models::Shape::Square { .. } => 2,
        models::Shape::Unknown => 3,
    }
}
";

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

/// `$CARGO_TARGET_DIR/compat-test`, or `target/compat-test`.
fn work_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let target = if target.is_absolute() {
        target
    } else {
        workspace_root().join(target)
    };
    target.join("compat-test")
}

/// Writes `text` only when it differs, so a warm run rechecks nothing.
fn write_if_changed(path: &Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

fn generate(spec: &str, name: &str) -> String {
    let opts = oapi_client_gen::Options {
        runtime_path: oapi_client_gen::DEFAULT_RUNTIME_PATH.to_owned(),
        spec_name: format!("{name}.yaml"),
        doc_crate: None,
        // Callers below compare values (`*c == 7`), as a client that asks
        // for `--derive PartialEq` allows.
        derives: vec!["PartialEq".to_owned()],
    };
    oapi_client_gen::generate(spec.as_bytes(), &opts).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// An API crate (`api-old` or `api-new`): one module per case.
fn api_crate(dir: &Path, side: &str, sources: &[(&str, String)]) {
    let runtime = workspace_root().join("runtime");
    write_if_changed(
        &dir.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"api-{side}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\noapi-client-runtime = {{ path = {:?} }}\n\
             serde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n",
            runtime.display().to_string()
        ),
    );
    let mut lib = String::from("//! Generated modules, one per case.\n");
    for (name, text) in sources {
        write_if_changed(&dir.join(format!("src/{name}.rs")), text);
        lib.push_str(&format!("#[allow(missing_docs)]\npub mod {name};\n"));
    }
    write_if_changed(&dir.join("src/lib.rs"), &lib);
}

#[test]
fn diff_classes_hold_for_rust_callers() {
    let base = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/compat/base.yaml"),
    )
    .expect("base spec");
    let dir = work_dir();
    let old_code = generate(&base, "base");
    let mut old = Vec::new();
    let mut new = Vec::new();
    let mut members = vec!["\"api-old\"".to_owned(), "\"api-new\"".to_owned()];
    for case in CASES {
        let mut spec = base.clone();
        for (from, to) in case.edits {
            assert!(
                spec.contains(from),
                "{}: `{from}` not in the base",
                case.name
            );
            spec = spec.replacen(from, to, 1);
        }
        // The edit is a change the generator sees (not a no-op).
        let new_code = generate(&spec, case.name);
        // And `diff` classes it as the callers below find it.
        let report = oapi_client_gen::review::diff::diff(
            base.as_bytes(),
            "base.yaml",
            spec.as_bytes(),
            &format!("{}.yaml", case.name),
        )
        .unwrap_or_else(|e| panic!("{}: diff: {e}", case.name));
        assert_eq!(
            report.is_breaking(),
            case.breaks_with.is_some(),
            "{}: diff says breaking = {}, the case says otherwise:\n{}",
            case.name,
            report.is_breaking(),
            report.human(false)
        );
        assert_ne!(new_code, old_code, "{}: no change in the code", case.name);
        old.push((case.name, old_code.clone()));
        new.push((case.name, new_code));
        for side in ["old", "new"] {
            let krate = format!("callers/{}_{side}", case.name);
            write_if_changed(
                &dir.join(&krate).join("Cargo.toml"),
                &format!(
                    "[package]\nname = \"caller_{}_{side}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
                     [dependencies]\napis = {{ package = \"api-{side}\", path = \"../../api-{side}\" }}\n",
                    case.name
                ),
            );
            write_if_changed(
                &dir.join(&krate).join("src/lib.rs"),
                &format!(
                    "//! Written against the old code of `{0}`.\nuse apis::{0} as api;\n\n{1}\n",
                    case.name, case.caller
                ),
            );
            members.push(format!("{krate:?}"));
        }
    }
    // The probe: the enums that can grow refuse a `match` without `_` even
    // on the code they were generated with (`#[non_exhaustive]` is there),
    // which is what makes the compatible cases above hold.
    write_if_changed(
        &dir.join("callers/probe/Cargo.toml"),
        "[package]\nname = \"caller_probe\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\napis = { package = \"api-old\", path = \"../../api-old\" }\n",
    );
    write_if_changed(&dir.join("callers/probe/src/lib.rs"), PROBE);
    members.push("\"callers/probe\"".to_owned());
    api_crate(&dir.join("api-old"), "old", &old);
    api_crate(&dir.join("api-new"), "new", &new);
    write_if_changed(
        &dir.join("Cargo.toml"),
        &format!(
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    );
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock")).expect("lock");
    if !dir.join("Cargo.lock").exists() {
        write_if_changed(&dir.join("Cargo.lock"), &lock);
    }
    let output = Command::new(env!("CARGO"))
        .args([
            "check",
            "--workspace",
            "--keep-going",
            "--offline",
            "--message-format=short",
        ])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo check");
    let stderr = String::from_utf8_lossy(&output.stderr);
    // `callers/NAME_SIDE/src/lib.rs:L:C: error[CODE]: ...` lines, per crate.
    let errors = |krate: &str| -> Vec<&str> {
        let prefix = format!("callers/{krate}/src/");
        stderr
            .lines()
            .filter(|l| l.starts_with(&prefix) && l.contains(": error"))
            .collect()
    };
    let mut problems = Vec::new();
    for case in CASES {
        let old_errors = errors(&format!("{}_old", case.name));
        if !old_errors.is_empty() {
            problems.push(format!(
                "{}: caller fails on the OLD code: {old_errors:?}",
                case.name
            ));
        }
        let new_errors = errors(&format!("{}_new", case.name));
        match case.breaks_with {
            None if !new_errors.is_empty() => problems.push(format!(
                "{}: called compatible, but the old caller fails on the new code: {new_errors:?}",
                case.name
            )),
            Some(code) if !new_errors.iter().any(|l| l.contains(&format!("error[{code}]"))) => {
                problems.push(format!(
                    "{}: called breaking, expected error[{code}] from the old caller, got {new_errors:?}",
                    case.name
                ))
            }
            _ => {}
        }
    }
    // Any other failure (an API crate itself, a dependency) is a problem too.
    let failed_crates: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("could not compile"))
        .filter(|l| {
            !CASES
                .iter()
                .filter(|c| c.breaks_with.is_some())
                .any(|c| l.contains(&format!("`caller_{}_new`", c.name)))
                && !l.contains("`caller_probe`")
        })
        .collect();
    let probe: Vec<&str> = errors("probe")
        .into_iter()
        .filter(|l| l.contains("error[E0004]"))
        .collect();
    if probe.len() != 5 {
        problems.push(format!(
            "probe: expected 5 non-exhaustive match errors (E0004), got {probe:?}"
        ));
    }
    if !failed_crates.is_empty() {
        problems.push(format!("unexpected failures: {failed_crates:?}"));
    }
    assert!(
        problems.is_empty(),
        "{}\n\n--- cargo check stderr ---\n{stderr}",
        problems.join("\n")
    );
}
