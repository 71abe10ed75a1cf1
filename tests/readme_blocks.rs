//! Every code block in our READMEs (and docs/ARCHITECTURE.md) is either a
//! doctest that compiles (Rust) or says which other language it is, so
//! rustdoc skips it; and each of those files is included as doctests by its
//! crate (issue 22). A new `ignore` block or an unlabelled fence fails here.

use std::path::Path;

/// (file, the crate source that includes it for doctests)
const FILES: &[(&str, &str)] = &[
    ("README.md", "src/lib.rs"),
    ("docs/ARCHITECTURE.md", "src/lib.rs"),
    ("codegen/README.md", "codegen/src/lib.rs"),
    ("runtime/README.md", "runtime/src/lib.rs"),
];

const NOT_RUST: &[&str] = &["sh", "toml", "text", "yaml", "json"];

#[test]
fn every_block_is_a_doctest_or_labelled_as_another_language() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (file, includer) in FILES {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let source = std::fs::read_to_string(root.join(includer)).unwrap();
        let name = Path::new(file).file_name().unwrap().to_str().unwrap();
        assert!(
            source.contains(&format!("include_str!(\"../{file}\")"))
                || source.contains(&format!("include_str!(\"../{name}\")")),
            "{includer} does not include {file} as doctests"
        );
        let mut open = false;
        let mut rust_blocks = 0;
        for (n, line) in text.lines().enumerate() {
            let Some(info) = line.trim_start().strip_prefix("```") else {
                continue;
            };
            if open {
                open = false;
                continue;
            }
            open = true;
            let tags: Vec<&str> = info.split(',').map(str::trim).collect();
            let at = format!("{file}:{}", n + 1);
            assert!(!info.is_empty(), "{at}: a fence without a language");
            if tags[0] == "rust" {
                rust_blocks += 1;
                assert!(
                    !tags.contains(&"ignore"),
                    "{at}: a Rust block must compile (no `ignore`)"
                );
            } else {
                assert!(
                    NOT_RUST.contains(&tags[0]),
                    "{at}: unknown language {info:?}"
                );
            }
        }
        assert!(!open, "{file}: an unclosed fence");
        assert!(rust_blocks > 0, "{file}: no Rust block");
    }
}
