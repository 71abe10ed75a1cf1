//! Generation timing driver (not part of the workspace): `scripts/bench.sh`
//! copies this file into a throwaway crate under /tmp, once linked against our
//! `codegen` library (`--features ours`) and once against progenitor from
//! crates.io (`--features progenitor`), so that both generators are timed by the
//! same code: read the file, parse, generate, pretty-print.
//!
//! usage: genbench-{ours,progenitor} ITERATIONS SPEC...
//! prints one tab-separated line per spec:
//! `spec  ok|refused|panicked  median_ms  min_ms  lines  message`
//!
//! With `GENBENCH_OUT=DIR`, the last output for each spec is also written to
//! `DIR/<spec file stem>.rs` (`scripts/bench_compile.sh` compiles it), and
//! `GENBENCH_RUNTIME_PATH` overrides our runtime path (default `crate::runtime`).

use std::time::Instant;

#[cfg(feature = "ours")]
fn generate(path: &str) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let mut opts = oapi_client_gen::Options::default();
    opts.runtime_path =
        std::env::var("GENBENCH_RUNTIME_PATH").unwrap_or_else(|_| "crate::runtime".to_owned());
    opts.spec_name = path.to_owned();
    oapi_client_gen::generate(&bytes, &opts).map_err(|e| e.to_string())
}

#[cfg(feature = "progenitor")]
fn generate(path: &str) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let spec: openapiv3::OpenAPI = if path.ends_with(".json") {
        serde_json::from_slice(&bytes).map_err(|e| e.to_string())?
    } else {
        serde_yaml::from_slice(&bytes).map_err(|e| e.to_string())?
    };
    let mut generator = progenitor::Generator::default();
    let tokens = generator.generate_tokens(&spec).map_err(|e| e.to_string())?;
    let file: syn::File = syn::parse2(tokens).map_err(|e| e.to_string())?;
    Ok(prettyplease::unparse(&file))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(160).collect()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let iterations: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(5).max(1);
    // Panics are reported as results, not printed by the default hook.
    std::panic::set_hook(Box::new(|_| {}));
    for path in args {
        let mut times = Vec::new();
        let mut outcome = ("ok", String::new(), 0usize);
        let mut last = String::new();
        for _ in 0..iterations {
            let start = Instant::now();
            let result = std::panic::catch_unwind(|| generate(&path));
            let ms = start.elapsed().as_secs_f64() * 1e3;
            match result {
                Ok(Ok(text)) => {
                    times.push(ms);
                    outcome.2 = text.lines().count();
                    last = text;
                }
                Ok(Err(e)) => {
                    outcome = ("refused", one_line(&e), 0);
                    break;
                }
                Err(panic) => {
                    let msg = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    outcome = ("panicked", one_line(&msg), 0);
                    break;
                }
            }
        }
        if let (Ok(dir), false) = (std::env::var("GENBENCH_OUT"), last.is_empty()) {
            let stem = std::path::Path::new(&path)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            std::fs::write(format!("{dir}/{stem}.rs"), &last).expect("GENBENCH_OUT is writable");
        }
        times.sort_by(f64::total_cmp);
        let (median, min) = if times.is_empty() {
            (f64::NAN, f64::NAN)
        } else {
            (times[times.len() / 2], times[0])
        };
        println!(
            "{path}\t{}\t{median:.1}\t{min:.1}\t{}\t{}",
            outcome.0, outcome.2, outcome.1
        );
    }
}
