//! The `diff` and `subset` commands of the `codegen` binary (included by
//! `main.rs`; not part of the library).

use std::path::Path;
use std::process::{Command, ExitCode};

pub const USAGE: &str = "  codegen diff [--json] [--docs] [--allow-breaking] OLD NEW
  codegen diff --base REV [--json] [--docs] [--allow-breaking] NEW
      Compares two OpenAPI documents and lists each change as breaking for
      existing callers, compatible, or documentation only, with its operation
      and JSON pointer. --base REV takes OLD from git (`git show REV:NEW`).
      Exit status: 0 nothing breaks (or --allow-breaking), 1 something
      breaks, 2 usage or spec error. --docs lists documentation changes
      (otherwise counted); --json prints everything as JSON.
  codegen subset --tags \"TAG[,TAG...]\" SPEC [--out FILE]
      Writes (to FILE or stdout) a self-contained document holding the
      operations with any of the tags and everything they reference.";

/// Runs `diff` or `subset`; `None` for any other command.
pub fn dispatch(args: &[String]) -> Option<ExitCode> {
    let (cmd, rest) = args.split_first()?;
    let result = match cmd.as_str() {
        "diff" => diff(rest),
        "subset" => subset(rest),
        _ => return None,
    };
    Some(match result {
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
    })
}

fn value<'a>(it: &mut impl Iterator<Item = &'a String>, flag: &str) -> Result<String, String> {
    it.next()
        .cloned()
        .ok_or_else(|| format!("{flag} needs a value\n\nusage:\n{USAGE}"))
}

fn read(path: &str) -> Result<Vec<u8>, String> {
    oapi_client_gen::read_file(Path::new(path)).map_err(|e| e.to_string())
}

fn diff(args: &[String]) -> Result<(String, u8), String> {
    let mut json = false;
    let mut docs = false;
    let mut allow = false;
    let mut base: Option<String> = None;
    let mut files: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => json = true,
            "--docs" => docs = true,
            "--allow-breaking" => allow = true,
            "--base" => base = Some(value(&mut it, "--base")?),
            "-h" | "--help" => return Ok((format!("usage:\n{USAGE}\n"), 0)),
            s if s.starts_with('-') && s != "-" => {
                return Err(format!("unknown option {s}\n\nusage:\n{USAGE}"))
            }
            s => files.push(s.to_owned()),
        }
    }
    let (old_name, old_bytes, new_name) = match (base, files.as_slice()) {
        (Some(rev), [new]) => {
            let (name, bytes) = git_show(&rev, new)?;
            (name, bytes, new.clone())
        }
        (None, [old, new]) => (old.clone(), read(old)?, new.clone()),
        _ => {
            return Err(format!(
                "diff needs OLD and NEW, or --base REV and NEW\n\nusage:\n{USAGE}"
            ))
        }
    };
    let new_bytes = read(&new_name)?;
    let report = oapi_client_gen::review::diff::diff(&old_bytes, &old_name, &new_bytes, &new_name)
        .map_err(|e| e.to_string())?;
    let text = if json {
        report.json()
    } else {
        report.human(docs)
    };
    let code = u8::from(report.is_breaking() && !allow);
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

fn subset(args: &[String]) -> Result<(String, u8), String> {
    let mut tags: Option<String> = None;
    let mut out: Option<String> = None;
    let mut spec: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--tags" => tags = Some(value(&mut it, "--tags")?),
            "--out" | "-o" => out = Some(value(&mut it, "--out")?),
            "-h" | "--help" => return Ok((format!("usage:\n{USAGE}\n"), 0)),
            s if s.starts_with('-') => {
                return Err(format!("unknown option {s}\n\nusage:\n{USAGE}"))
            }
            s if spec.is_none() => spec = Some(s.to_owned()),
            s => return Err(format!("unexpected argument {s}\n\nusage:\n{USAGE}")),
        }
    }
    let spec = spec.ok_or_else(|| format!("subset needs SPEC\n\nusage:\n{USAGE}"))?;
    let tags: Vec<String> = tags
        .ok_or_else(|| format!("subset needs --tags\n\nusage:\n{USAGE}"))?
        .split(',')
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    let text = oapi_client_gen::review::subset::subset(&read(&spec)?, &spec, &tags)
        .map_err(|e| e.to_string())?;
    match out {
        Some(path) => {
            std::fs::write(&path, &text).map_err(|e| format!("{path}: cannot write: {e}"))?;
            Ok((String::new(), 0))
        }
        None => Ok((text, 0)),
    }
}
