//! `codegen diff`: every class of change, on small spec pairs
//! (`review/base.yaml` against `review/cases/<case>.yaml`, one edit each;
//! `review/make_cases.py` writes the cases).

use oapi_client_gen::review::diff::{diff, Class, Report};
use std::path::{Path, PathBuf};
use std::process::Command;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/review")
}

fn report(case: &str) -> Report {
    let old = dir().join("base.yaml");
    let new = dir().join("cases").join(format!("{case}.yaml"));
    let a = std::fs::read(&old).expect("base");
    let b = std::fs::read(&new).expect("case");
    diff(&a, "base.yaml", &b, &format!("{case}.yaml")).unwrap_or_else(|e| panic!("{e}"))
}

/// `(class, kind)` of each change, without duplicates, in report order.
fn kinds(r: &Report) -> Vec<(Class, &'static str)> {
    let mut out: Vec<(Class, &'static str)> = Vec::new();
    for c in &r.changes {
        if !out.contains(&(c.class, c.kind)) {
            out.push((c.class, c.kind));
        }
    }
    out
}

use Class::{Breaking as B, Compatible as C, Docs as D};

const CASES: &[(&str, &[(Class, &str)])] = &[
    ("op_removed", &[(B, "operation-removed")]),
    (
        "op_renamed",
        &[(B, "operation-renamed"), (B, "rust-name-changed")],
    ),
    ("op_added", &[(C, "operation-added")]),
    ("param_added_required", &[(B, "parameter-added-required")]),
    ("param_added_optional", &[(C, "parameter-added")]),
    ("param_made_required", &[(B, "parameter-made-required")]),
    ("param_type_changed", &[(B, "type-changed")]),
    // The replaced schemas lose their descriptions too.
    ("field_type_changed", &[(B, "type-changed"), (D, "schema")]),
    ("enum_value_removed", &[(B, "enum-value-removed")]),
    ("enum_value_added", &[(C, "enum-value-added")]),
    ("response_field_removed", &[(B, "field-removed")]),
    ("field_made_required", &[(B, "field-made-required")]),
    ("optional_field_added", &[(C, "field-added")]),
    (
        "required_request_field_added",
        &[(B, "field-added-required")],
    ),
    ("security_changed", &[(B, "security-changed")]),
    ("op_security_removed", &[(B, "security-changed")]),
    ("response_removed", &[(B, "response-removed")]),
    (
        "response_type_changed",
        &[(B, "type-changed"), (D, "schema")],
    ),
    (
        "request_body_made_required",
        &[(B, "request-body-made-required")],
    ),
    (
        "docs_only",
        &[
            (D, "info"),
            (D, "tag"),
            (D, "schema"),
            (D, "operation"),
            (D, "parameter"),
        ],
    ),
    // The same wire, but the generated names move: the body struct takes
    // the component's name and `get` returns an inline type, not `Pet`.
    ("moved_to_ref", &[(Class::Breaking, "rust-api-changed")]),
];

#[test]
fn every_case_is_classified() {
    let mut failures = Vec::new();
    for (case, expected) in CASES {
        let r = report(case);
        let mut got = kinds(&r);
        let mut want: Vec<(Class, &str)> = expected.to_vec();
        got.sort();
        want.sort();
        if got != want {
            failures.push(format!(
                "{case}: expected {want:?}\n  got {got:?}\n{}",
                r.human(true)
            ));
        }
        let breaking = want.iter().any(|(c, _)| *c == B);
        assert_eq!(r.is_breaking(), breaking, "{case}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_case_file_is_tested() {
    let mut names: Vec<String> = std::fs::read_dir(dir().join("cases"))
        .expect("cases")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".yaml"))
                .map(str::to_owned)
        })
        .collect();
    names.sort();
    let mut tested: Vec<String> = CASES.iter().map(|(c, _)| (*c).to_owned()).collect();
    tested.sort();
    assert_eq!(names, tested);
}

#[test]
fn changes_name_operations_and_pointers() {
    let r = report("enum_value_removed");
    let c = &r.changes[0];
    // Kind is used by a parameter of Pets_list and, through Pet, by the
    // responses of Pets_create and Pets_get: reported once, naming all three.
    assert_eq!(c.operations, ["Pets_create", "Pets_get", "Pets_list"]);
    assert_eq!(c.pointer, "#/components/schemas/Kind/enum");
    assert_eq!(r.changes.len(), 1);

    let r = report("param_made_required");
    assert_eq!(r.changes[0].operations, ["Pets_list"]);
    assert_eq!(
        r.changes[0].pointer,
        "#/paths/~1pets/get/parameters/0/required"
    );

    let r = report("op_removed");
    assert_eq!(r.changes[0].pointer, "#/paths/~1pets~1{id}/get");

    let text = report("response_removed").human(false);
    assert!(text.contains("Pets_get"), "{text}");
    assert!(
        text.contains("#/paths/~1pets~1{id}/get/responses/404"),
        "{text}"
    );
    assert!(text.contains("1 BREAKING"), "{text}");
}

#[test]
fn json_output_is_complete_and_deterministic() {
    let r = report("docs_only");
    let a = r.json();
    assert_eq!(a, report("docs_only").json());
    let v: serde_json::Value = serde_json::from_str(&a).expect("json");
    assert_eq!(v["summary"]["breaking"], 0);
    assert_eq!(v["summary"]["docs"], r.count(Class::Docs));
    assert_eq!(v["changes"].as_array().map(Vec::len), Some(r.changes.len()));
    // The human form only counts documentation changes unless asked.
    assert!(r.human(false).contains("list them with --docs"));
    assert!(r.human(true).contains("#/info/description"));
}

#[test]
fn a_document_is_unchanged_against_itself() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/snaptrade.yaml");
    let Ok(bytes) = std::fs::read(&spec) else {
        return;
    };
    let r = diff(&bytes, "a", &bytes, "b").expect("diff");
    assert!(r.changes.is_empty(), "{}", r.human(true));
}

#[test]
fn bad_input_is_an_error_naming_file_and_pointer() {
    let good = std::fs::read(dir().join("base.yaml")).expect("base");
    let bad = b"openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          $ref: '#/components/responses/Nope'\n";
    let e = diff(&good, "base.yaml", bad, "bad.yaml").expect_err("dangling ref");
    let msg = e.to_string();
    assert!(msg.starts_with("bad.yaml: "), "{msg}");
    assert!(msg.contains("#/paths/~1a/get/responses/200"), "{msg}");
    let e = diff(b"{", "broken.yaml", &good, "base.yaml").expect_err("syntax");
    assert!(e.to_string().starts_with("broken.yaml:"), "{e}");
    for junk in [&b""[..], b"[]", b"openapi: 3.0.0", b"\xff\xfe", b"paths: 7"] {
        assert!(diff(junk, "junk", &good, "base").is_err());
    }
}

fn codegen() -> Command {
    Command::new(env!("CARGO_BIN_EXE_oapi-client-gen"))
}

#[test]
fn cli_exit_status_and_flags() {
    let base = dir().join("base.yaml");
    let case = |c: &str| dir().join("cases").join(format!("{c}.yaml"));
    let run = |args: &[&std::ffi::OsStr]| codegen().args(args).output().expect("runs");
    let out = run(&[
        "diff".as_ref(),
        base.as_os_str(),
        case("op_removed").as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("operation-removed"));
    let out = run(&[
        "diff".as_ref(),
        "--allow-breaking".as_ref(),
        base.as_os_str(),
        case("op_removed").as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let out = run(&[
        "diff".as_ref(),
        base.as_os_str(),
        case("op_added").as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let out = run(&[
        "diff".as_ref(),
        "--json".as_ref(),
        base.as_os_str(),
        case("enum_value_added").as_os_str(),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["changes"][0]["kind"], "enum-value-added");
    let out = run(&[
        "diff".as_ref(),
        base.as_os_str(),
        "/nonexistent.yaml".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent.yaml"));
    let out = run(&["diff".as_ref(), base.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn cli_reads_pipes() {
    // `codegen diff A <(codegen subset ...)` hands over /dev/fd paths.
    if Command::new("bash").arg("-c").arg("true").status().is_err() {
        return;
    }
    let base = dir().join("base.yaml");
    let script = format!(
        "{bin} diff {base} <({bin} subset --tags Pets,Status {base})",
        bin = env!("CARGO_BIN_EXE_oapi-client-gen"),
        base = base.display()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .output()
        .expect("bash");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("/dev/fd/"), "{text}");
    assert!(text.contains("Breaking changes: none"), "{text}");
    assert!(text.contains("Compatible changes: none"), "{text}");
}

#[test]
fn cli_base_revision_from_git() {
    let tmp = std::env::temp_dir().join(format!("codegen-review-git-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join("spec")).expect("tmp");
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(&tmp)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
    };
    if git(&["init", "-q"]).is_err() {
        return; // no git
    }
    let spec = tmp.join("spec/api.yaml");
    std::fs::copy(dir().join("base.yaml"), &spec).expect("copy");
    git(&["add", "."]).expect("add");
    let committed = git(&["commit", "-q", "-m", "base"]).expect("commit");
    assert!(committed.status.success(), "{committed:?}");
    std::fs::copy(dir().join("cases/param_added_required.yaml"), &spec).expect("copy");
    let out = codegen()
        .args(["diff", "--base", "HEAD"])
        .arg(&spec)
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("parameter-added-required"), "{text}");
    assert!(text.contains("HEAD:"), "{text}");
    let out = codegen()
        .args(["diff", "--base", "no-such-rev"])
        .arg(&spec)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&tmp);
}

/// The Rust-facts safety net (`rust-api-changed`) ignores which enum value
/// is the default: a changed default stays the compatible `default-changed`.
#[test]
fn a_changed_default_is_not_a_lost_fact() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/snaptrade.yaml");
    let old = std::fs::read_to_string(&spec).expect("spec");
    assert_eq!(old.matches("default: read").count(), 1, "fixture changed");
    let new = old.replace("default: read", "default: trade");
    let r = diff(old.as_bytes(), "old.yaml", new.as_bytes(), "new.yaml").expect("diff");
    assert_eq!(kinds(&r), [(C, "default-changed")], "{}", r.human(false));
}

/// A type change to or from an integer-or-string union names the Rust type
/// it becomes (`IntegerOrString`), not just "a oneOf".
#[test]
fn a_change_to_integer_or_string_names_the_rust_type() {
    let doc = |code: &str| {
        format!(
            r##"openapi: 3.0.3
info: {{title: t, version: "1"}}
paths:
  /e:
    get:
      operationId: getE
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {{$ref: "#/components/schemas/E"}}
components:
  schemas:
    E:
      type: object
      properties:
        code: {code}
"##
        )
    };
    let text = "{type: string}";
    let union = "{oneOf: [{type: integer}, {type: string}]}";
    let other = "{oneOf: [{type: boolean}, {type: string}]}";
    let message = |a: &str, b: &str| {
        let r = diff(doc(a).as_bytes(), "a.yaml", doc(b).as_bytes(), "b.yaml").expect("diff");
        assert_eq!(kinds(&r)[0], (B, "type-changed"), "{}", r.human(false));
        r.changes[0].message.clone()
    };
    assert_eq!(
        message(text, union),
        "type changed from `String` to `IntegerOrString` (an integer or a string)"
    );
    assert_eq!(
        message(union, text),
        "type changed from `IntegerOrString` (an integer or a string) to `String`"
    );
    assert_eq!(
        message(text, other),
        "type changed from `String` to a oneOf"
    );
}

/// A document whose one operation returns the component `U`, given as the
/// YAML of its schema (indented six spaces after the first line).
fn union_doc(union: &str) -> String {
    format!(
        r##"openapi: 3.0.3
info: {{title: t, version: "1"}}
paths:
  /e:
    get:
      operationId: getE
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {{$ref: "#/components/schemas/U"}}
components:
  schemas:
    U:
      {union}"##
    )
}

/// `inside` and `outside`: the schema of the union `U`, in a form that names
/// its variants and out of it. Leaving the form (and entering it) is one
/// breaking `type-changed` at `U`, whose message starts with `leaving` when
/// it leaves; `grown` (`inside` with one more alternative) is only a
/// compatible `alternative-added`.
fn union_form_changes(inside: &str, outside: &str, grown: &str, leaving: &str) {
    let report = |a: &str, b: &str| {
        diff(
            union_doc(a).as_bytes(),
            "a.yaml",
            union_doc(b).as_bytes(),
            "b.yaml",
        )
        .expect("diff")
    };
    for (a, b, leaves) in [(inside, outside, true), (outside, inside, false)] {
        let r = report(a, b);
        assert_eq!(kinds(&r), [(B, "type-changed")], "{}", r.human(false));
        assert_eq!(r.changes[0].pointer, "#/components/schemas/U");
        assert_eq!(
            r.changes[0].message.starts_with(leaving),
            leaves,
            "{}",
            r.human(false)
        );
    }
    let r = report(inside, grown);
    assert_eq!(kinds(&r), [(C, "alternative-added")], "{}", r.human(false));
}

/// A union that enters or leaves the tagged form (an enum of struct variants
/// named by a one-value tag) renames every variant, however small the
/// document change: `diff` says so where the union is, for an inline union
/// and a component alike, and a tagged variant added stays compatible.
#[test]
fn a_union_entering_or_leaving_the_tagged_form_is_breaking() {
    let union = |b_kind: &str, extra: &str| {
        format!(
            "oneOf:\n        - {{type: object, required: [kind], properties: {{kind: {{type: string, enum: [a]}}}}}}\n        - {{type: object, required: [kind], properties: {{kind: {b_kind}}}}}\n{extra}"
        )
    };
    let tagged = "{type: string, enum: [b]}";
    let untagged = "{type: string, enum: [b, c]}";
    let third = "        - {type: object, required: [kind], properties: {kind: {type: string, enum: [d]}}}\n";
    union_form_changes(
        &union(tagged, ""),
        &union(untagged, ""),
        &union(tagged, third),
        "the union is no longer told apart",
    );
}

/// The same for the externally tagged form (an enum of a newtype variant per
/// property name, for objects of one required property each): a second
/// property in one alternative leaves it.
#[test]
fn a_union_entering_or_leaving_the_external_form_is_breaking() {
    let union = |err_props: &str, extra: &str| {
        format!(
            "oneOf:\n        - {{type: object, required: [ok], properties: {{ok: {{type: integer}}}}}}\n        - {{type: object, required: [err], properties: {{err: {{type: string}}{err_props}}}}}\n{extra}"
        )
    };
    let third = "        - {type: object, required: [gone], properties: {gone: {type: boolean}}}\n";
    union_form_changes(
        &union("", ""),
        &union(", code: {type: integer}", ""),
        &union("", third),
        "the union's alternatives are no longer objects of one property",
    );
}

/// A property beside `allOf` is a field of the generated struct, so `diff`
/// sees it as the generator does: removing it from a response is
/// `field-removed`, adding an optional one is `field-added`.
#[test]
fn properties_beside_all_of_are_fields() {
    let doc = |props: &str| {
        format!(
            r##"openapi: 3.0.3
info: {{title: t, version: "1"}}
paths:
  /r:
    get:
      operationId: getR
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {{$ref: "#/components/schemas/R"}}
components:
  schemas:
    Base: {{type: object, properties: {{id: {{type: integer}}}}}}
    R:
      allOf: [{{$ref: "#/components/schemas/Base"}}]
      properties: {props}
"##
        )
    };
    let both = "{age: {type: integer}, name: {type: string}}";
    let one = "{name: {type: string}}";
    let r = diff(
        doc(both).as_bytes(),
        "a.yaml",
        doc(one).as_bytes(),
        "b.yaml",
    )
    .expect("diff");
    assert_eq!(kinds(&r), [(B, "field-removed")], "{}", r.human(false));
    let r = diff(
        doc(one).as_bytes(),
        "a.yaml",
        doc(both).as_bytes(),
        "b.yaml",
    )
    .expect("diff");
    assert_eq!(kinds(&r), [(C, "field-added")], "{}", r.human(false));
}

/// The same API written as OpenAPI 3.0 (`nullable: true`, `allOf` around a
/// nullable reference) and as 3.1 (`type: [x, "null"]`, `anyOf` with a null
/// member, `const`, a `$ref` with a description beside it): no change
/// either way; and a real change across versions is still seen.
#[test]
fn the_same_api_in_3_0_and_3_1_is_no_change() {
    let doc = |version: &str, name: &str, owner: &str, kind: &str, pet: &str| {
        format!(
            r##"openapi: {version}
info: {{title: t, version: "1"}}
paths:
  /r/{{id}}:
    get:
      operationId: getR
      parameters:
        - {{name: id, in: path, required: true, schema: {{type: integer}}}}
        - {{name: q, in: query, schema: {name}}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {{$ref: "#/components/schemas/R"}}
components:
  schemas:
    Owner: {{type: object, description: An owner., properties: {{id: {{type: integer}}}}}}
    R:
      type: object
      required: [name, owner, kind]
      properties:
        name: {name}
        owner: {owner}
        kind: {kind}
        pet: {pet}
"##
        )
    };
    let v30 = doc(
        "3.0.3",
        "{type: string, nullable: true}",
        "{allOf: [{$ref: '#/components/schemas/Owner'}], nullable: true}",
        "{type: string, enum: [fixed]}",
        "{allOf: [{$ref: '#/components/schemas/Owner'}], description: The pet's owner.}",
    );
    let v31 = doc(
        "3.1.0",
        "{type: [string, 'null']}",
        "{anyOf: [{$ref: '#/components/schemas/Owner'}, {type: 'null'}]}",
        "{const: fixed}",
        "{$ref: '#/components/schemas/Owner', description: The pet's owner.}",
    );
    for (a, b) in [(&v30, &v31), (&v31, &v30)] {
        let r = diff(a.as_bytes(), "a.yaml", b.as_bytes(), "b.yaml").expect("diff");
        assert!(r.changes.is_empty(), "{}", r.human(true));
    }
    // Not nullable any more in 3.1: a type change for callers.
    let stricter = v31.replace("{type: [string, 'null']}", "{type: string}");
    let r = diff(v30.as_bytes(), "a.yaml", stricter.as_bytes(), "b.yaml").expect("diff");
    assert!(!r.changes.is_empty(), "{}", r.human(true));
}
