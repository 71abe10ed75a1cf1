//! `generate` and `check`.

use clap::Args;
use oapi_client_gen::{CrateOptions, SyncOutcome, DEFAULT_RUNTIME_DEP, DEFAULT_RUNTIME_PATH};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `generate`.
#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// The OpenAPI 3.0.x or 3.1.x document (YAML or JSON).
    spec: PathBuf,
    /// Where to write: a `.rs` file (one module) or a directory (a crate).
    /// Files are written only if their bytes change.
    #[arg(short, long, value_name = "FILE.rs|DIR")]
    out: PathBuf,
    /// Path of the runtime in generated code [default: ::oapi_client_runtime].
    /// A crate output depends on the crate its first segment names.
    #[arg(long, value_name = "PATH")]
    pub(crate) runtime_path: Option<String>,
    /// The runtime crate's dependency as written in Cargo.toml (crate output),
    /// e.g. '{ path = "../runtime" }' [default: "0.1" for the default runtime].
    #[arg(long, value_name = "DEP")]
    pub(crate) runtime_dep: Option<String>,
    /// Package name of a crate output [default: the spec file's stem].
    #[arg(long, value_name = "NAME")]
    crate_name: Option<String>,
    /// Name shown in the generated header and in errors [default: SPEC as given].
    #[arg(long, value_name = "NAME")]
    spec_name: Option<String>,
    /// Also write the API surface listing (API.md) to FILE.
    #[arg(long, value_name = "FILE")]
    surface: Option<PathBuf>,
    /// Write nothing; a file whose bytes would change is an error (CI).
    #[arg(long)]
    pub(crate) check: bool,
    /// A derive to add to every model struct and union (repeatable), e.g.
    /// `--derive PartialEq`. Models have only `Debug`, `Clone` and serde's
    /// by default: each derive adds to every user's compile time.
    #[arg(long = "derive", value_name = "PATH")]
    pub(crate) derives: Vec<String>,
}

/// Arguments of `check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The OpenAPI 3.0.x or 3.1.x document (YAML or JSON).
    spec: PathBuf,
}

/// Prints the outcome: the message on stdout (exit 0) or the error on stderr (exit 1).
pub fn finish(result: Result<String, String>) -> ExitCode {
    match result {
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

pub fn check(args: CheckArgs) -> Result<String, String> {
    let opts = oapi_client_gen::Options {
        runtime_path: DEFAULT_RUNTIME_PATH.to_owned(),
        spec_name: args.spec.display().to_string(),
        doc_crate: None,
        derives: Vec::new(),
    };
    let all = oapi_client_gen::generate_file_all(&args.spec, &opts).map_err(|e| e.to_string())?;
    warn(&all.warnings);
    Ok(format!("{}: ok", args.spec.display()))
}

/// Prints the generator's warnings on stderr.
fn warn(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

fn outcome(path: &Path, outcome: SyncOutcome) -> String {
    let word = match outcome {
        SyncOutcome::Unchanged => "unchanged",
        SyncOutcome::Written => "written",
    };
    format!("{}: {word}", path.display())
}

pub fn generate(args: GenerateArgs) -> Result<String, String> {
    let spec_shown = args.spec.display().to_string();
    let out = &args.out;
    let is_file = out.extension().is_some_and(|e| e == "rs");
    let crate_name = args.crate_name.clone().unwrap_or_else(|| stem(&args.spec));
    // A crate output knows its own library name, so its operation examples
    // compile as doctests; a lone `.rs` file may be included anywhere.
    let doc_crate = (!is_file).then(|| crate_name.replace('-', "_"));
    let opts = oapi_client_gen::Options {
        runtime_path: args
            .runtime_path
            .clone()
            .unwrap_or_else(|| DEFAULT_RUNTIME_PATH.to_owned()),
        spec_name: args.spec_name.clone().unwrap_or_else(|| spec_shown.clone()),
        doc_crate,
        derives: args.derives.clone(),
    };
    let all = oapi_client_gen::generate_file_all(&args.spec, &opts).map_err(|e| e.to_string())?;
    warn(&all.warnings);
    let mut report = Vec::new();
    if let Some(path) = &args.surface {
        let done =
            oapi_client_gen::sync(path, &all.surface, args.check).map_err(|e| e.to_string())?;
        report.push(outcome(path, done));
    }
    if is_file {
        let done = oapi_client_gen::sync(out, &all.rust, args.check).map_err(|e| e.to_string())?;
        report.push(outcome(out, done));
        return Ok(report.join("\n"));
    }
    let krate = CrateOptions {
        name: crate_name,
        runtime_dep: runtime_dep(&args)?,
    };
    let files =
        oapi_client_gen::crate_files(&all.rust, &opts, &krate).map_err(|e| e.to_string())?;
    for (rel, text) in files {
        let target = out.join(rel);
        let done = oapi_client_gen::sync(&target, &text, args.check).map_err(|e| e.to_string())?;
        report.push(outcome(&target, done));
    }
    Ok(report.join("\n"))
}

/// `--runtime-dep`, or the published runtime when the runtime is the default one.
fn runtime_dep(args: &GenerateArgs) -> Result<String, String> {
    match (&args.runtime_dep, args.runtime_path.as_deref()) {
        (Some(dep), _) => Ok(dep.clone()),
        (None, None) => Ok(DEFAULT_RUNTIME_DEP.to_owned()),
        (None, Some(path)) if path.trim() == DEFAULT_RUNTIME_PATH => {
            Ok(DEFAULT_RUNTIME_DEP.to_owned())
        }
        (None, Some(path)) => Err(format!(
            "a crate output with --runtime-path {path} needs --runtime-dep \
             (how Cargo.toml names that crate, e.g. '{{ path = \"../it\" }}')"
        )),
    }
}

/// The spec file's stem as a package name (`pet store.yaml` → `pet-store`).
fn stem(spec: &Path) -> String {
    spec.file_stem()
        .map(|s| {
            s.to_string_lossy()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
        })
        .unwrap_or_else(|| "generated".into())
}

/// `conformance-driver SPEC --out DIR --client-crate NAME --client-path PATH
/// --runtime-dep SPEC`: a crate (its own workspace) whose `main` calls every
/// operation of the client crate generated from SPEC twice and prints one
/// JSON line per call (see `oapi_client_gen::conformance`).
#[derive(clap::Args, Debug)]
pub struct DriverArgs {
    /// The OpenAPI document the client was generated from.
    pub spec: PathBuf,
    /// The driver crate's directory.
    #[arg(long)]
    pub out: PathBuf,
    /// The client's package name.
    #[arg(long)]
    pub client_crate: String,
    /// The client crate's directory, as written in the driver's Cargo.toml.
    #[arg(long)]
    pub client_path: String,
    /// The runtime dependency, as for `generate --runtime-dep`.
    #[arg(long)]
    pub runtime_dep: String,
}

pub fn driver(args: DriverArgs) -> Result<String, String> {
    let bytes = oapi_client_gen::read_file(&args.spec).map_err(|e| e.to_string())?;
    let lib = args.client_crate.replace('-', "_");
    let main = oapi_client_gen::conformance::driver(&bytes, &args.spec.display().to_string(), &lib)
        .map_err(|e| e.to_string())?;
    let manifest = format!(
        "[package]\nname = \"{name}-driver\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\n{name} = {{ path = {path:?} }}\noapi-client-runtime = {dep}\n\
         serde = \"1\"\nserde_json = \"1\"\n\
         tokio = {{ version = \"1\", features = [\"rt\", \"time\", \"net\"] }}\n\n[workspace]\n",
        name = args.client_crate,
        path = args.client_path,
        dep = args.runtime_dep,
    );
    let mut report = Vec::new();
    for (rel, text) in [("Cargo.toml", manifest), ("src/main.rs", main)] {
        let target = args.out.join(rel);
        let done = oapi_client_gen::sync(&target, &text, false).map_err(|e| e.to_string())?;
        report.push(outcome(&target, done));
    }
    Ok(report.join("\n"))
}
