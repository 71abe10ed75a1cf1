//! Doc comments written as text, beside `syn` and prettyplease.
//!
//! A doc line as an attribute (`#[doc = r" line"]`) is lexed, parsed by `syn`
//! as an expression, printed by prettyplease and dropped again: a third of a
//! generated file is doc lines, and that work was a fifth of generation time
//! (issue 23). While a unit is formatted, [`doc_attrs`] emits one short
//! marker attribute per documented item instead (`#[__oapi_doc_7]`) and keeps
//! the lines aside; prettyplease puts the marker on a line of its own at the
//! item's indentation, and [`expand`] replaces that line with the `///` lines
//! prettyplease would have printed, byte for byte (the goldens check this).
//!
//! Outside [`collecting`] (tokens that are not formatted by `render`),
//! [`doc_attrs`] emits ordinary doc attributes.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use std::cell::RefCell;

/// The marker's identifier, before the index of its lines.
const MARKER: &str = "__oapi_doc_";

thread_local! {
    /// The doc lines of the unit being emitted on this thread, by marker
    /// index; `None` outside [`collecting`]. A thread-local rather than a
    /// parameter: `doc` is called from every emitter, and the lines must
    /// follow the tokens, which never leave their thread.
    static LINES: RefCell<Option<Vec<Vec<String>>>> = const { RefCell::new(None) };
}

/// Runs `f` with markers on, returning its result and the collected lines
/// (index `i` belongs to the marker `#[__oapi_doc_i]`).
pub(crate) fn collecting<R>(f: impl FnOnce() -> R) -> (R, Vec<Vec<String>>) {
    let outer = LINES.with(|l| l.borrow_mut().replace(Vec::new()));
    let result = f();
    let lines = LINES.with(|l| std::mem::replace(&mut *l.borrow_mut(), outer));
    (result, lines.unwrap_or_default())
}

/// The doc attributes of `lines` (already escaped, no leading space): one
/// marker while [`collecting`], else [`plain_attrs`].
pub(crate) fn doc_attrs(lines: Vec<String>) -> TokenStream {
    if lines.is_empty() {
        return TokenStream::new();
    }
    let marked = LINES.with(|l| match l.borrow_mut().as_mut() {
        Some(all) => {
            all.push(lines);
            Ok(all.len() - 1)
        }
        None => Err(lines),
    });
    match marked {
        Ok(index) => {
            let marker = Ident::new(&format!("{MARKER}{index}"), Span::call_site());
            quote!(#[#marker])
        }
        Err(lines) => plain_attrs(&lines),
    }
}

/// One `#[doc = " line"]` per line, markers or not: for places where
/// prettyplease may print an attribute inline (the fields of a struct
/// variant: `V { a: i64, b: String }`), where only a doc attribute forces
/// the line break.
pub(crate) fn plain_attrs(lines: &[String]) -> TokenStream {
    let attrs = lines.iter().map(|l| {
        let l = format!(" {l}");
        quote!(#[doc = #l])
    });
    quote!(#(#attrs)*)
}

/// `text` (a formatted unit) with each marker line replaced by its doc
/// lines at the marker's indentation (a marker may be used more than once:
/// tokens are cloned). `None` if a marker has no lines, or is not alone on
/// its line: then the unit is formatted again without markers.
pub(crate) fn expand(text: &str, lines: &[Vec<String>]) -> Option<String> {
    if lines.is_empty() {
        return Some(text.to_owned());
    }
    let extra: usize = lines.iter().flatten().map(|l| l.len() + 64).sum();
    let mut out = String::with_capacity(text.len() + extra);
    let mut copied = 0;
    let pattern = ["#[", MARKER].concat();
    for (at, _) in text.match_indices(&pattern) {
        // A marker must be alone on its line, where prettyplease puts a doc
        // comment. (No string literal holds one: a literal's newlines are
        // escaped.)
        let line_start = text[..at].rfind('\n').map_or(0, |p| p + 1);
        let indent = &text[line_start..at];
        if !indent.bytes().all(|b| b == b' ') {
            return None;
        }
        let rest = &text[at + pattern.len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let index: usize = rest[..digits].parse().ok()?;
        let tail = rest[digits..].strip_prefix("]\n")?;
        out.push_str(&text[copied..line_start]);
        for line in lines.get(index)? {
            // What prettyplease prints for `#[doc = " line"]`: `///` and the
            // value, trailing spaces trimmed.
            out.push_str(indent);
            out.push_str("///");
            let value = line.trim_end_matches(' ');
            if !value.is_empty() {
                out.push(' ');
                out.push_str(value);
            }
            out.push('\n');
        }
        copied = text.len() - tail.len();
    }
    out.push_str(&text[copied..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pretty(tokens: TokenStream) -> String {
        prettyplease::unparse(&syn::parse2(tokens).expect("a file"))
    }

    /// Markers expanded after formatting give the text that doc attributes
    /// formatted by prettyplease give, at every indentation.
    #[test]
    fn expanded_markers_print_what_doc_attributes_print() {
        let docs = [
            vec![
                "A struct.".to_owned(),
                String::new(),
                "More `x`.".to_owned(),
            ],
            vec!["A field.".to_owned()],
            vec!["An item in a module.".to_owned(), "  indented  ".to_owned()],
        ];
        let build = || {
            let [a, b, c] = docs.clone();
            let (a, b, c) = (doc_attrs(a), doc_attrs(b), doc_attrs(c));
            quote! {
                #a
                pub struct S {
                    #b
                    pub x: u8,
                }
                pub mod m {
                    #c
                    #[derive(Debug)]
                    pub struct T;
                }
            }
        };
        let plain = pretty(build());
        let (tokens, lines) = collecting(build);
        let marked = pretty(tokens);
        assert!(marked.contains("#[__oapi_doc_1]"), "{marked}");
        assert_eq!(expand(&marked, &lines).as_deref(), Some(plain.as_str()));
        assert!(plain.contains("    /// A field.\n"), "{plain}");
    }

    #[test]
    fn an_unknown_or_inline_marker_is_refused() {
        let lines = vec![vec!["a".to_owned()]];
        assert_eq!(expand("#[__oapi_doc_1]\npub struct S;\n", &lines), None);
        assert_eq!(expand("#[__oapi_doc_0] S,\n", &lines), None);
        let twice = "#[__oapi_doc_0]\npub struct S;\n  #[__oapi_doc_0]\n  pub struct T;\n";
        assert_eq!(
            expand(twice, &lines).as_deref(),
            Some("/// a\npub struct S;\n  /// a\n  pub struct T;\n")
        );
        assert_eq!(
            expand("#[__oapi_doc_0]\npub struct S;\n", &lines).as_deref(),
            Some("/// a\npub struct S;\n")
        );
    }

    #[test]
    fn outside_collecting_docs_are_attributes() {
        let t = doc_attrs(vec!["x".to_owned()]).to_string();
        assert!(t.contains("doc"), "{t}");
        assert!(!t.contains(MARKER), "{t}");
    }
}
