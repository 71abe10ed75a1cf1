//! The `oapi-client-gen` command: generate a client from an OpenAPI 3.0 or 3.1
//! document, validate one, review the changes between two, or cut a subset.
//!
//! Each subcommand lives in its own file: [`generate`] (`generate`, `check`)
//! and [`review`] (`diff`, `subset`). The library does the work; this binary
//! only parses arguments (clap, behind the `cli` feature so build scripts that
//! use the library never compile it) and prints.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod generate;
mod review;

/// Generates typed Rust clients from OpenAPI 3.0 and 3.1 documents.
#[derive(Parser, Debug)]
#[command(name = "oapi-client-gen", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Generates Rust from a document: one module file (`--out FILE.rs`) or a
    /// ready crate (`--out DIR`: Cargo.toml, src/lib.rs, src/generated.rs).
    Generate(generate::GenerateArgs),
    /// Validates a document (everything `generate` does, without writing).
    Check(generate::CheckArgs),
    /// Compares two documents and lists each change as breaking for existing
    /// callers, compatible, or documentation only.
    ///
    /// Exit status: 0 nothing breaks (or --allow-breaking), 1 something
    /// breaks, 2 usage or spec error.
    Diff(review::DiffArgs),
    /// Writes a self-contained document holding the operations with any of
    /// the tags and everything they reference.
    Subset(review::SubsetArgs),
    /// Writes a program that calls every operation of a generated client
    /// against a validating mock server (scripts/conformance.sh).
    #[command(name = "conformance-driver", hide = true)]
    ConformanceDriver(generate::DriverArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Generate(args) => generate::finish(generate::generate(args)),
        Command::Check(args) => generate::finish(generate::check(args)),
        Command::Diff(args) => review::finish(review::diff(args)),
        Command::Subset(args) => review::finish(review::subset(args)),
        Command::ConformanceDriver(args) => generate::finish(generate::driver(args)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn generate_takes_every_flag() {
        let cli = Cli::try_parse_from([
            "oapi-client-gen",
            "generate",
            "api.yaml",
            "--out",
            "out",
            "--runtime-path",
            "::rt",
            "--runtime-dep",
            "{ path = \"../rt\" }",
            "--crate-name",
            "api-client",
            "--spec-name",
            "api.yaml",
            "--surface",
            "API.md",
            "--check",
            "--derive",
            "PartialEq",
            "--derive",
            "Eq",
        ])
        .expect("parses");
        let Command::Generate(args) = cli.command else {
            panic!("not generate: {cli:?}");
        };
        assert_eq!(args.runtime_path.as_deref(), Some("::rt"));
        assert_eq!(args.runtime_dep.as_deref(), Some("{ path = \"../rt\" }"));
        assert!(args.check);
        assert_eq!(args.derives, ["PartialEq", "Eq"]);
    }

    #[test]
    fn diff_takes_one_file_with_base_or_two_without() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from(["oapi-client-gen", "diff"].iter().chain(args).copied())
        };
        assert!(parse(&["a.yaml", "b.yaml", "--json", "--allow-breaking", "--docs"]).is_ok());
        assert!(parse(&["--base", "HEAD~1", "b.yaml"]).is_ok());
        assert!(parse(&["a.yaml", "b.yaml", "c.yaml"]).is_err());
        assert!(parse(&[]).is_err());
        assert!(parse(&["--frobnicate", "a", "b"]).is_err());
    }

    #[test]
    fn subset_needs_tags() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from(["oapi-client-gen", "subset"].iter().chain(args).copied())
        };
        assert!(parse(&["--tags", "A,B", "api.yaml", "--out", "x.yaml"]).is_ok());
        assert!(parse(&["api.yaml"]).is_err());
    }
}
