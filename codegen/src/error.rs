//! The generator's error type.

use std::fmt;

/// What went wrong, with enough context to find it in the spec: the file,
/// then a JSON pointer (or a YAML line and column), then the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The file could not be read or written.
    Io {
        /// The file.
        file: String,
        /// The operating system's message.
        message: String,
    },
    /// The bytes are not valid YAML or JSON.
    Syntax {
        /// The spec file.
        file: String,
        /// 1-based line, when known.
        line: Option<usize>,
        /// 1-based column, when known.
        column: Option<usize>,
        /// The parser's message.
        message: String,
    },
    /// The document is well-formed YAML but not a usable OpenAPI 3.0/3.1 document.
    Spec {
        /// The spec file.
        file: String,
        /// JSON pointer of the offending element (`#/paths/~1login/post`).
        pointer: String,
        /// The problem.
        message: String,
    },
    /// Check mode: the file on disk differs from what the spec generates.
    Stale {
        /// The generated file.
        file: String,
        /// A short line diff (`-` on disk, `+` generated).
        diff: String,
        /// The command that brings the file up to date.
        fix: String,
    },
    /// A bug in the generator: the emitted tokens do not form a Rust file.
    Internal {
        /// The spec file.
        file: String,
        /// The parser's message.
        message: String,
    },
}

impl Error {
    pub(crate) fn spec(file: &str, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Spec {
            file: file.to_owned(),
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { file, message } => write!(f, "{file}: {message}"),
            Error::Syntax {
                file,
                line,
                column,
                message,
            } => match (line, column) {
                (Some(l), Some(c)) => write!(f, "{file}:{l}:{c}: syntax error: {message}"),
                (Some(l), None) => write!(f, "{file}:{l}: syntax error: {message}"),
                _ => write!(f, "{file}: syntax error: {message}"),
            },
            Error::Spec {
                file,
                pointer,
                message,
            } => write!(f, "{file}: at {pointer}: {message}"),
            Error::Stale { file, diff, fix } => write!(
                f,
                "{file} is out of date with the spec it is generated from.\n{diff}\nTo fix: {fix}"
            ),
            Error::Internal { file, message } => write!(
                f,
                "{file}: internal generator error (please report): generated code does not parse: {message}"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Appends segments to a pointer.
pub(crate) fn ptr(base: &str, segments: &[&str]) -> String {
    let mut out = base.to_owned();
    for s in segments {
        out.push('/');
        out.push_str(&escape_pointer(s));
    }
    out
}
