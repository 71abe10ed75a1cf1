//! `codegen generate SPEC --out FILE.rs|DIR [--runtime-path PATH] [--runtime-dep DEP] [--check]`
//! `codegen check SPEC`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[path = "review/cli.rs"]
mod review_cli;

const USAGE: &str = "usage:
  codegen generate SPEC --out FILE.rs [--runtime-path PATH] [--spec-name NAME] [--check]
      Generates Rust from an OpenAPI 3.0 document into one module file.
  codegen generate SPEC --out DIR --runtime-path ::CRATE::runtime --runtime-dep DEP
                   [--crate-name NAME] [--check]
      Writes a ready crate: DIR/Cargo.toml, DIR/src/lib.rs, DIR/src/generated.rs.
      DEP is the runtime crate's dependency as written in Cargo.toml, e.g.
      '{ path = \"../snaptrade\" }'. Files are written only if their bytes change;
      with --check, a stale file is an error and nothing is written.
  codegen check SPEC
      Validates the document (everything generate does, without writing).
  (diff, subset: see `codegen diff --help`)

Options:
  --runtime-path PATH   runtime module path used by generated code (default crate::runtime)
  --spec-name NAME      name shown in the header and errors (default: SPEC as given)
  --crate-name NAME     package name of a crate output (default: the spec file stem)
  --runtime-dep DEP     dependency specification of the runtime crate (crate output)
  --surface FILE        also write the API surface listing (API.md) to FILE";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(code) = review_cli::dispatch(&args) {
        return code;
    }
    match run(args) {
        Ok(msg) => {
            if !msg.is_empty() {
                println!("{msg}");
            }
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<String, String> {
    let mut it = args.into_iter();
    let cmd = it.next().ok_or_else(|| USAGE.to_owned())?;
    let mut spec: Option<String> = None;
    let mut out: Option<PathBuf> = None;
    let mut opts = oapi_client_gen::Options::default();
    let mut spec_name: Option<String> = None;
    let mut check_only = false;
    let mut crate_name: Option<String> = None;
    let mut runtime_dep: Option<String> = None;
    let mut surface: Option<PathBuf> = None;
    while let Some(a) = it.next() {
        match a.as_str() {
            "--out" | "-o" => out = Some(it.next().ok_or("--out needs a value")?.into()),
            "--runtime-path" => {
                opts.runtime_path = it.next().ok_or("--runtime-path needs a value")?
            }
            "--spec-name" => spec_name = Some(it.next().ok_or("--spec-name needs a value")?),
            "--check" => check_only = true,
            "--surface" => surface = Some(it.next().ok_or("--surface needs a value")?.into()),
            "--crate-name" => crate_name = Some(it.next().ok_or("--crate-name needs a value")?),
            "--runtime-dep" => runtime_dep = Some(it.next().ok_or("--runtime-dep needs a value")?),
            "-h" | "--help" => return Ok(USAGE.to_owned()),
            s if s.starts_with('-') => return Err(format!("unknown option {s}\n\n{USAGE}")),
            s if spec.is_none() => spec = Some(s.to_owned()),
            s => return Err(format!("unexpected argument {s}\n\n{USAGE}")),
        }
    }
    match cmd.as_str() {
        "-h" | "--help" | "help" => Ok(USAGE.to_owned()),
        "generate" | "check" => {
            let spec = spec.ok_or_else(|| format!("missing SPEC\n\n{USAGE}"))?;
            opts.spec_name = spec_name.unwrap_or_else(|| spec.clone());
            let all = oapi_client_gen::generate_file_all(Path::new(&spec), &opts)
                .map_err(|e| e.to_string())?;
            if cmd == "check" {
                return Ok(format!("{spec}: ok"));
            }
            let content = all.rust;
            let mut surface_note = String::new();
            if let Some(path) = &surface {
                let outcome = oapi_client_gen::sync(path, &all.surface, check_only)
                    .map_err(|e| e.to_string())?;
                surface_note = format!(
                    "{}: {}\n",
                    path.display(),
                    match outcome {
                        oapi_client_gen::SyncOutcome::Unchanged => "unchanged",
                        oapi_client_gen::SyncOutcome::Written => "written",
                    }
                );
            }
            let out = out.ok_or_else(|| format!("generate needs --out FILE_OR_DIR\n\n{USAGE}"))?;
            if out.extension().is_some_and(|e| e == "rs") {
                return match oapi_client_gen::sync(&out, &content, check_only)
                    .map_err(|e| e.to_string())?
                {
                    oapi_client_gen::SyncOutcome::Unchanged => {
                        Ok(format!("{surface_note}{}: unchanged", out.display()))
                    }
                    oapi_client_gen::SyncOutcome::Written => {
                        Ok(format!("{surface_note}{}: written", out.display()))
                    }
                };
            }
            let stem = Path::new(&spec)
                .file_stem()
                .map(|s| {
                    s.to_string_lossy()
                        .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
                })
                .unwrap_or_else(|| "generated".into());
            let krate = oapi_client_gen::CrateOptions {
                name: crate_name.unwrap_or(stem),
                runtime_dep: runtime_dep.ok_or_else(|| {
                    format!("a crate output (--out DIR) needs --runtime-dep\n\n{USAGE}")
                })?,
            };
            let files =
                oapi_client_gen::crate_files(&content, &opts, &krate).map_err(|e| e.to_string())?;
            let mut report: Vec<String> = surface_note.lines().map(str::to_owned).collect();
            for (rel, text) in files {
                let target = out.join(rel);
                let outcome =
                    oapi_client_gen::sync(&target, &text, check_only).map_err(|e| e.to_string())?;
                report.push(format!(
                    "{}: {}",
                    target.display(),
                    match outcome {
                        oapi_client_gen::SyncOutcome::Unchanged => "unchanged",
                        oapi_client_gen::SyncOutcome::Written => "written",
                    }
                ));
            }
            Ok(report.join("\n"))
        }
        other => Err(format!("unknown command {other}\n\n{USAGE}")),
    }
}
