//! A generic OpenAPI 3.0/3.1 → Rust client generator.
//!
//! Pipeline: YAML/JSON bytes → version check → (3.1: rewritten into 3.0
//! shapes, `load::oas31`) → `openapiv3::OpenAPI` → local
//! `$ref` validation → `model` (names decided, reachable schemas only) →
//! tokens (`emit`, one unit per top-level item, group head, or run of models
//! or operations, formatted on several threads) → `syn` parse check →
//! `prettyplease`. Doc comments go around `syn`: each documented item carries
//! a marker that is replaced by its `///` lines after formatting
//! (`emit::doc_text`). A large JSON document is read in two halves on two
//! threads, and its fast-path checks run beside the lowering.
//!
//! The generated code calls a small runtime (see `docs/ARCHITECTURE.md`) at
//! [`Options::runtime_path`] and uses only that, `serde`, `serde_json` and
//! `std`. Output is deterministic: the same bytes and options give the same
//! text.
//!
//! ```
//! let spec = br#"
//! openapi: 3.0.0
//! info: { title: Demo, version: "1" }
//! paths:
//!   /ping:
//!     get:
//!       operationId: Health_ping
//!       responses:
//!         "204": { description: pong }
//! "#;
//! let out = oapi_client_gen::generate(spec, &oapi_client_gen::Options::default()).unwrap();
//! assert!(out.contains("pub fn ping(&self)"));
//! ```

#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod conformance;
mod docs;
mod emit;
mod error;
mod load;
pub(crate) mod model;
pub mod names;
pub mod review;
pub mod surface;
mod textdiff;

pub use emit::package::{crate_files, CrateOptions, DEFAULT_RUNTIME_DEP, DEFAULT_RUNTIME_PATH};
pub use error::Error;

use std::path::Path;

/// Generation options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Absolute path of the runtime module in the crate that includes the
    /// output (`crate::runtime`, or `::some_crate::runtime`).
    pub runtime_path: String,
    /// The spec's name as shown in the header and in errors.
    pub spec_name: String,
    /// The crate through which callers reach the generated `Client`
    /// (`snaptrade` for `snaptrade::Client`). Each operation's doc then has
    /// a `no_run` example that compiles as a doctest of that crate. `None`:
    /// the example is shown as an `ignore` block with a placeholder crate
    /// name, since the including crate is unknown.
    pub doc_crate: Option<String>,
    /// Derives added to every model struct and union (`PartialEq`,
    /// `::schemars::JsonSchema`), besides `Debug`, `Clone`, `Default` (when
    /// every field is optional) and serde's. None by default: each derive
    /// costs every user of the client compile time. String enums always
    /// have `PartialEq`, `Eq` and `Hash`.
    pub derives: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            runtime_path: "crate::runtime".to_owned(),
            spec_name: "spec.yaml".to_owned(),
            doc_crate: None,
            derives: Vec::new(),
        }
    }
}

/// The command that regenerates, shown by check mode.
pub const FIX_COMMAND: &str = "run `cargo build` without CI=true (or `cargo run -p oapi-client-gen -- generate <spec> --out <file>`) and commit generated/";

/// Everything generated from one spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The Rust source (`generated/<name>.rs`).
    pub rust: String,
    /// The API surface listing (`generated/API.md`, see [`surface`]).
    pub surface: String,
    /// What the reader should know about the document that the generated
    /// code does not say, one sentence each naming the file and the JSON
    /// pointer: what the generator changed in reading it (an integer bound
    /// beyond `i64`: the type chosen or the bound dropped), and parts the
    /// client leaves out on purpose (a header parameter named `Accept`,
    /// `Content-Type` or `Authorization`). The CLI prints them.
    pub warnings: Vec<String>,
}

/// Generates the Rust source for a spec.
pub fn generate(spec_bytes: &[u8], opts: &Options) -> Result<String, Error> {
    // The surface listing is not rendered: nobody would read it.
    generate_parts(spec_bytes, opts, false).map(|o| o.rust)
}

/// Generates the Rust source and the API surface listing from one lowering.
pub fn generate_all(spec_bytes: &[u8], opts: &Options) -> Result<Output, Error> {
    generate_parts(spec_bytes, opts, true)
}

/// [`generate_all`], with the surface listing left empty unless `surface`.
fn generate_parts(spec_bytes: &[u8], opts: &Options, surface: bool) -> Result<Output, Error> {
    let file = opts.spec_name.as_str();
    // Validated here; each formatting thread parses its own copy.
    let _: syn::Path = syn::parse_str(&opts.runtime_path).map_err(|e| Error::Spec {
        file: file.to_owned(),
        pointer: "#".to_owned(),
        message: format!("invalid runtime path `{}`: {e}", opts.runtime_path),
    })?;
    // The digest (sha2 is slow at opt-level 0, where build scripts run) is
    // taken on another thread while the document is lowered.
    let (lowered, digest) = lower_bytes_beside(spec_bytes, file, || sha256_hex(spec_bytes));
    let (mut api, warnings) = lowered?;
    for d in &opts.derives {
        syn::parse_str::<syn::Path>(d).map_err(|e| Error::Spec {
            file: file.to_owned(),
            pointer: "#".to_owned(),
            message: format!("invalid derive `{d}`: {e}"),
        })?;
    }
    api.model_derives.clone_from(&opts.derives);
    let body = render(&api, &opts.runtime_path, opts.doc_crate.as_deref(), file)?;
    let surface = if surface {
        surface::render(&api, file)
    } else {
        String::new()
    };
    let rust = format!(
        "// @generated by oapi-client-gen from {file} (sha256 {digest}).\n\
         // Do not edit: change the spec and run `cargo build`.\n\n\
         // Formatted by the generator (prettyplease); rustfmt must leave it as is,\n\
         // or the next build would see a stale file.\n\
         #![cfg_attr(rustfmt, rustfmt::skip)]\n\n{body}"
    );
    Ok(Output {
        rust,
        surface,
        warnings,
    })
}

/// Reads a document (OpenAPI 3.0.x or 3.1.x) and lowers it to the model;
/// errors name the JSON pointer of the document as written.
pub(crate) fn lower_bytes(
    spec_bytes: &[u8],
    file: &str,
) -> Result<(model::Api, Vec<String>), Error> {
    lower_bytes_beside(spec_bytes, file, || ()).0
}

/// [`lower_bytes`], with `side` run on another thread meanwhile.
///
/// A JSON document is read (typed, on both cores), then lowered on this
/// thread while the other checks that the fast path may take it and runs
/// `side`: the lowering is serial, and the checks were a third of the
/// serial part. A document the checks refuse is read and lowered again by
/// the YAML path, which reports its errors.
fn lower_bytes_beside<T: Send>(
    spec_bytes: &[u8],
    file: &str,
    side: impl FnOnce() -> T + Send,
) -> (Result<(model::Api, Vec<String>), Error>, T) {
    std::thread::scope(|s| {
        let typed = load::is_json(spec_bytes)
            .then(|| load::json_typed(spec_bytes))
            .flatten();
        let Some(doc) = typed else {
            let side = s.spawn(side);
            let lowered = load::load_slow(spec_bytes, file).and_then(|l| lower_loaded(l, file));
            return (lowered, join_thread(side));
        };
        let beside = s.spawn(|| (load::json_fast_path_takes(spec_bytes), side()));
        let lowered = lower_loaded(load::Loaded::json(doc), file);
        let (takes, t) = join_thread(beside);
        if takes {
            return (lowered, t);
        }
        let lowered = load::load_slow(spec_bytes, file).and_then(|l| lower_loaded(l, file));
        (lowered, t)
    })
}

/// Joins a scoped thread, passing its panic on.
pub(crate) fn join_thread<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn lower_loaded(loaded: load::Loaded, file: &str) -> Result<(model::Api, Vec<String>), Error> {
    let mut api = model::lower(&loaded.doc, file, &loaded.webhooks)
        .map_err(|e| loaded.origins.restore_error(e))?;
    // Inline types say where they are written: in the document as written.
    for t in &mut api.types {
        for o in &mut t.origin {
            if o.starts_with('#') {
                *o = loaded.origins.restore(o);
            }
        }
        if let Some(p) = t
            .doc
            .strip_prefix("Inline schema at `")
            .and_then(|r| r.strip_suffix("`."))
        {
            t.doc = format!("Inline schema at `{}`.", loaded.origins.restore(p));
        }
    }
    let mut warnings = loaded.warnings;
    warnings.extend(api.warnings.iter().cloned());
    Ok((api, warnings))
}

/// Validates a spec without producing output.
pub fn check(spec_bytes: &[u8], opts: &Options) -> Result<(), Error> {
    generate(spec_bytes, opts).map(|_| ())
}

/// Reads `path` and generates.
pub fn generate_file(path: &Path, opts: &Options) -> Result<String, Error> {
    generate_file_all(path, opts).map(|o| o.rust)
}

/// Reads `path` and generates the Rust source and the API surface listing.
pub fn generate_file_all(path: &Path, opts: &Options) -> Result<Output, Error> {
    generate_all(&read_file(path)?, opts)
}

/// Reads a whole file (pipes such as `/dev/fd/N` included), naming it in errors.
pub fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::Io {
        file: path.display().to_string(),
        message: format!("cannot read: {e}"),
    })
}

/// A formatted unit and whether it needs its module's shared import.
type UnitResult = Result<(String, bool), Error>;

/// What every unit of one file is formatted from.
struct RenderInput<'a> {
    api: &'a model::Api,
    doc_crate: Option<&'a str>,
    shared: emit::SharedErrors<'a>,
    file: &'a str,
}

/// Formats one unit of the file (tokens → `syn` parse check → prettyplease).
fn render_unit(input: &RenderInput, runtime_path: &syn::Path, unit: emit::Unit) -> UnitResult {
    let tokens = || {
        emit::unit_tokens(
            input.api,
            runtime_path,
            input.doc_crate,
            unit,
            &input.shared,
        )
    };
    let ((marked, uses), docs) = emit::collecting(tokens);
    let text = pretty(marked, input.file)?;
    if let Some(text) = emit::expand(&text, &docs) {
        return Ok((text, uses));
    }
    // A marker prettyplease printed where a doc comment would not have gone:
    // the unit is formatted again with doc attributes, the slow way.
    #[cfg(test)]
    tests::FALLBACKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let (tokens, uses) = tokens();
    Ok((pretty(tokens, input.file)?, uses))
}

fn pretty(tokens: proc_macro2::TokenStream, file: &str) -> Result<String, Error> {
    let parsed: syn::File = syn::parse2(tokens).map_err(|e| Error::Internal {
        file: file.to_owned(),
        message: e.to_string(),
    })?;
    Ok(prettyplease::unparse(&parsed))
}

/// The formatted body of the file. Its units (see [`emit::units`]) are
/// formatted on up to `available_parallelism` threads; the text does not
/// depend on how many.
fn render(
    api: &model::Api,
    runtime_path: &str,
    doc_crate: Option<&str>,
    file: &str,
) -> Result<String, Error> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let units = emit::units(api);
    let input = RenderInput {
        api,
        doc_crate,
        shared: emit::SharedErrors::new(api),
        file,
    };
    // Longest first (see `emit::weight`); the text is assembled in file
    // order whatever the order of formatting.
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(emit::weight(api, units[i])));
    let next = AtomicUsize::new(0);
    let parse_path = || -> Result<syn::Path, Error> {
        syn::parse_str(runtime_path).map_err(|e| Error::Internal {
            file: file.to_owned(),
            message: e.to_string(),
        })
    };
    // Each worker takes the next unit until none is left; tokens never cross
    // threads (proc-macro2 values are not `Send`), only the formatted text.
    let work = || -> Vec<(usize, UnitResult)> {
        let mut done = Vec::new();
        let path = match parse_path() {
            Ok(p) => p,
            Err(e) => return vec![(0, Err(e))],
        };
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            done.push((i, render_unit(&input, &path, units[i])));
        }
        done
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(units.len());
    let mut results: Vec<(usize, UnitResult)> = if threads > 1 {
        std::thread::scope(|s| {
            let handles: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
            let mut all = work();
            for h in handles {
                all.extend(join_thread(h));
            }
            all
        })
    } else {
        work()
    };
    results.sort_by_key(|(i, _)| *i);
    let mut out = String::new();
    // The run of units of the module being joined, and whether any needs
    // the module's import.
    let mut run: Vec<String> = Vec::new();
    let mut run_uses = false;
    let mut results = results.into_iter().zip(&units).peekable();
    while let Some(((_, result), unit)) = results.next() {
        let (text, uses) = result?;
        let Some(module) = unit.module() else {
            out.push_str(&text);
            continue;
        };
        run.push(text);
        run_uses |= uses;
        if results.peek().and_then(|(_, u)| u.module()) == Some(module) {
            continue;
        }
        out.push_str(&join(module, &run, run_uses, &parse_path()?, file)?);
        run.clear();
        run_uses = false;
    }
    Ok(out)
}

/// Joins the formatted units of one module (see [`emit::join_module`]),
/// with its shared import when a unit needs it: the runtime first in
/// `models`, `super::models` after the runtime's in a group.
fn join(
    module: emit::Module,
    parts: &[String],
    uses: bool,
    runtime_path: &syn::Path,
    file: &str,
) -> Result<String, Error> {
    let internal = || Error::Internal {
        file: file.to_owned(),
        message: "cannot join the formatted units of a module".to_owned(),
    };
    let (import, after) = match (module, uses) {
        (_, false) => (None, 0),
        (emit::Module::Models, true) => {
            let text = pretty(
                emit::models_mod(quote::quote!(use #runtime_path as rt;)),
                file,
            )?;
            let inner = emit::models_inner(&text).ok_or_else(internal)?;
            (Some(inner.to_owned()), 0)
        }
        (emit::Module::Group(_), true) => (Some("    use super::models;\n".to_owned()), 1),
    };
    emit::join_module(parts, import.as_deref(), after).ok_or_else(internal)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// What [`sync`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncOutcome {
    /// The file already had these bytes.
    Unchanged,
    /// The file was (re)written.
    Written,
}

/// Writes `content` to `out_path` only if the bytes differ (so nothing that
/// depends on the file rebuilds needlessly). With `check_only`, a difference
/// is an [`Error::Stale`] carrying a short diff, and nothing is written.
pub fn sync(out_path: &Path, content: &str, check_only: bool) -> Result<SyncOutcome, Error> {
    let file = out_path.display().to_string();
    let existing = match std::fs::read(out_path) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(Error::Io {
                file,
                message: format!("cannot read: {e}"),
            })
        }
    };
    if existing.as_deref() == Some(content.as_bytes()) {
        return Ok(SyncOutcome::Unchanged);
    }
    if check_only {
        let old = existing
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let diff = if old.is_empty() {
            "(the file does not exist)".to_owned()
        } else {
            short_diff(&old, content, 12)
        };
        return Err(Error::Stale {
            file,
            diff,
            fix: FIX_COMMAND.to_owned(),
        });
    }
    let io = |e: std::io::Error| Error::Io {
        file: file.clone(),
        message: format!("cannot write: {e}"),
    };
    if let Some(dir) = out_path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
    }
    // Write beside, then rename: a reader never sees half a file.
    let mut tmp_name = out_path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = out_path.with_file_name(tmp_name);
    std::fs::write(&tmp, content).map_err(io)?;
    std::fs::rename(&tmp, out_path).map_err(io)?;
    Ok(SyncOutcome::Written)
}

/// A compact diff for humans: only the changed lines, with one line of
/// context, at most `max` changed lines.
pub fn short_diff(old: &str, new: &str, max: usize) -> String {
    textdiff::line_diff(old, new, max)
}

/// The crate's README: its Rust blocks compile as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Units formatted a second time because a doc marker landed where no
    /// doc comment goes (see `emit::doc_text`).
    pub(crate) static FALLBACKS: AtomicUsize = AtomicUsize::new(0);

    /// Every fixture (structs, struct variants, enums, modules, impls) gets
    /// its doc comments from the markers: the output the goldens pin is
    /// produced without the slow path.
    #[test]
    fn doc_markers_expand_in_every_fixture() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).expect("fixtures") {
            let path = entry.expect("an entry").path();
            let before = FALLBACKS.load(Ordering::Relaxed);
            let out = super::generate_file(&path, &crate::Options::default())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(
                FALLBACKS.load(Ordering::Relaxed),
                before,
                "{}",
                path.display()
            );
            assert!(!out.contains("__oapi_doc_"), "{}", path.display());
            assert!(out.contains("    /// "), "{}", path.display());
            seen += 1;
        }
        assert!(seen >= 9, "{seen} fixtures");
    }
}
