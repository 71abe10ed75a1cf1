//! `diff` and `subset`: reviewing a spec change.

use clap::Args;
use std::path::Path;
use std::process::{Command, ExitCode};

/// Arguments of `diff`.
#[derive(Args, Debug)]
pub struct DiffArgs {
    /// OLD and NEW, or only NEW with --base.
    #[arg(value_name = "OLD NEW", num_args = 1..=2, required = true)]
    files: Vec<String>,
    /// Take OLD from git: `git show REV:NEW`, run in NEW's directory.
    #[arg(long, value_name = "REV")]
    base: Option<String>,
    /// Print everything as JSON.
    #[arg(long)]
    json: bool,
    /// List documentation changes (otherwise only counted).
    #[arg(long)]
    docs: bool,
    /// Exit 0 even when something breaks (the change is on purpose).
    #[arg(long)]
    allow_breaking: bool,
}

/// Arguments of `subset`.
#[derive(Args, Debug)]
pub struct SubsetArgs {
    /// The OpenAPI document to cut.
    spec: String,
    /// Comma-separated tags; operations with any of them are kept.
    #[arg(long, value_name = "TAG[,TAG...]", required = true)]
    tags: String,
    /// Write to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    out: Option<String>,
}

/// Prints the text and exits with its code, or prints the error and exits 2.
pub fn finish(result: Result<(String, u8), String>) -> ExitCode {
    match result {
        Ok((text, code)) => {
            print!("{text}");
            if !text.is_empty() && !text.ends_with('\n') {
                println!();
            }
            ExitCode::from(code)
        }
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

fn read(path: &str) -> Result<Vec<u8>, String> {
    oapi_client_gen::read_file(Path::new(path)).map_err(|e| e.to_string())
}

pub fn diff(args: DiffArgs) -> Result<(String, u8), String> {
    let (old_name, old_bytes, new_name) = match (args.base, args.files.as_slice()) {
        (Some(rev), [new]) => {
            let (name, bytes) = git_show(&rev, new)?;
            (name, bytes, new.clone())
        }
        (None, [old, new]) => (old.clone(), read(old)?, new.clone()),
        _ => return Err("diff needs OLD and NEW, or --base REV and NEW".to_owned()),
    };
    let new_bytes = read(&new_name)?;
    let report = oapi_client_gen::review::diff::diff(&old_bytes, &old_name, &new_bytes, &new_name)
        .map_err(|e| e.to_string())?;
    let text = if args.json {
        report.json()
    } else {
        report.human(args.docs)
    };
    let code = u8::from(report.is_breaking() && !args.allow_breaking);
    Ok((text, code))
}

/// `git show REV:./NAME`, run in the file's directory so any path works.
fn git_show(rev: &str, file: &str) -> Result<(String, Vec<u8>), String> {
    let path = Path::new(file);
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| format!("{file}: not a file name"))?
        .to_string_lossy()
        .into_owned();
    let spec = format!("{rev}:./{name}");
    let out = Command::new("git")
        .arg("show")
        .arg(&spec)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git show {spec} (in {}) failed: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok((format!("{rev}:{file}"), out.stdout))
}

pub fn subset(args: SubsetArgs) -> Result<(String, u8), String> {
    let tags: Vec<String> = args
        .tags
        .split(',')
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    let text = oapi_client_gen::review::subset::subset(&read(&args.spec)?, &args.spec, &tags)
        .map_err(|e| e.to_string())?;
    match args.out {
        Some(path) => {
            std::fs::write(&path, &text).map_err(|e| format!("{path}: cannot write: {e}"))?;
            Ok((String::new(), 0))
        }
        None => Ok((text, 0)),
    }
}
