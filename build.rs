//! Regenerates `generated/snaptrade.rs` from `spec/snaptrade.yaml`.
//!
//! Runs only with the `regenerate` feature (on by default); without it the
//! checked-in generated file is used as is and the generator is not compiled.
//!
//! The file is rewritten only when its bytes change. In check mode it is never
//! written: a stale file fails the build with a diff. Check mode is on when
//! `CI` is set (to anything but `false`/`0`/empty) or when `CODEGEN_CHECK=1`;
//! `CODEGEN_CHECK=0` turns it off even under CI.
//!
//! `generated/` is deliberately not watched: the build writes it, and watching
//! it would make every second build rerun this script.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=spec");
    println!("cargo:rerun-if-env-changed=CI");
    println!("cargo:rerun-if-env-changed=CODEGEN_CHECK");
    #[cfg(feature = "regenerate")]
    regenerate();
}

#[cfg(feature = "regenerate")]
fn regenerate() {
    use std::path::Path;

    const SPEC: &str = "spec/snaptrade.yaml";
    const OUT: &str = "generated/snaptrade.rs";
    const API: &str = "generated/API.md";

    let root = std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default();
    let root = Path::new(&root);
    let flag = |name: &str| {
        std::env::var(name)
            .ok()
            .map(|v| v.trim().to_ascii_lowercase())
    };
    let on = |v: &str| !matches!(v, "" | "0" | "false" | "no" | "off");
    let check_only = match flag("CODEGEN_CHECK") {
        Some(v) if !v.is_empty() => on(&v),
        _ => flag("CI").is_some_and(|v| on(&v)),
    };
    let opts = oapi_client_gen::Options {
        runtime_path: "crate::runtime".to_owned(),
        spec_name: SPEC.to_owned(),
        doc_crate: Some("snaptrade".to_owned()),
        // Models, success and error enums keep `PartialEq`: callers compare
        // them (the generator leaves it out unless asked, to save compile time).
        derives: vec!["PartialEq".to_owned()],
    };
    // The Rust source and the API surface listing (API.md) are both checked.
    let sync = |file: &'static str, content: &str| {
        oapi_client_gen::sync(&root.join(file), content, check_only)
            .map(|outcome| (file, outcome))
            .map_err(|e| match e {
                oapi_client_gen::Error::Stale { diff, .. } => oapi_client_gen::Error::Stale {
                    file: file.to_owned(),
                    diff,
                    fix: format!(
                        "run `cargo build` without CI=true (or `cargo run -p oapi-client-gen -- generate {SPEC} --out {OUT} --surface {API} --runtime-path crate::runtime`) and commit generated/"
                    ),
                },
                other => other,
            })
    };
    let result = oapi_client_gen::generate_file_all(&root.join(SPEC), &opts)
        .and_then(|all| Ok([sync(OUT, &all.rust)?, sync(API, &all.surface)?]));
    match result {
        Ok(outcomes) => {
            for (file, outcome) in outcomes {
                if outcome == oapi_client_gen::SyncOutcome::Written {
                    println!("cargo:warning=oapi-client-gen: regenerated {file} from {SPEC}");
                }
            }
        }
        Err(e) => {
            // Cargo shows `cargo:warning` lines even for a failing script; the
            // message also goes to stderr for the full build log.
            for line in e.to_string().lines() {
                println!("cargo:warning={line}");
            }
            eprintln!("{e}");
            if let oapi_client_gen::Error::Stale { .. } = e {
                eprintln!(
                    "(check mode: CI={:?}, CODEGEN_CHECK={:?})",
                    flag("CI"),
                    flag("CODEGEN_CHECK")
                );
            }
            std::process::exit(1);
        }
    }
}
