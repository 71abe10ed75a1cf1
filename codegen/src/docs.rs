//! Spec prose → rustdoc text that builds without warnings and adds no doctests.
//!
//! * fenced code blocks become ```` ```text ```` (never compiled as doctests);
//! * leading indentation is removed outside fences (an indented block would
//!   be a Rust doctest);
//! * bare `http(s)://` URLs are wrapped in `<...>` (`rustdoc::bare_urls`);
//! * `[x]` not followed by `(` is escaped (`broken_intra_doc_links`);
//! * `<` that does not start an autolink is escaped (`invalid_html_tags`).
//!
//! Backtick code spans are left untouched.

/// Converts prose into doc lines (each later emitted as `#[doc = " line"]`).
pub fn doc_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_fence = false;
    for raw in text.trim().lines() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            if in_fence {
                out.push("```".to_owned());
            } else {
                out.push("```text".to_owned());
            }
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(line.to_owned());
        } else {
            out.push(escape_inline(trimmed));
        }
    }
    if in_fence {
        out.push("```".to_owned());
    }
    // Collapse runs of blank lines.
    let mut collapsed: Vec<String> = Vec::new();
    for l in out {
        if l.is_empty() && collapsed.last().is_some_and(String::is_empty) {
            continue;
        }
        collapsed.push(l);
    }
    collapsed
}

fn escape_inline(line: &str) -> String {
    // Most lines need nothing: copy them whole instead of char by char.
    // Backticks alone change nothing (they only stop the escapes below).
    // (Byte searches: `memchr` in the standard library, fast even where
    // build scripts run at opt-level 0; a `char` pattern search is not.)
    let b = line.as_bytes();
    if !b.contains(&b'[') && !b.contains(&b']') && !b.contains(&b'<') && !has_url(line) {
        return line.to_owned();
    }
    // Every character that matters is ASCII, so the line is scanned as
    // bytes and copied in runs between the changes (a byte of a multi-byte
    // character never equals an ASCII one).
    let mut out = String::with_capacity(line.len() + 8);
    let mut copied = 0;
    let mut i = 0;
    let mut in_code = false;
    while let Some(&c) = b.get(i) {
        if c == b'`' {
            in_code = !in_code;
            i += 1;
            continue;
        }
        if in_code {
            i += 1;
            continue;
        }
        // `i` is on a character boundary whenever `c` is ASCII.
        if c == b'h' && is_url_start(&line[i..]) {
            let rest = &line[i..];
            out.push_str(&line[copied..i]);
            // Inside a markdown link target `(...)` or an autolink `<...>`?
            let prev = line[..i].chars().next_back();
            let end = rest
                .char_indices()
                .find(|&(_, ch)| ch.is_whitespace() || matches!(ch, ')' | '>' | '"' | '\''))
                .map_or(line.len(), |(p, _)| i + p);
            // Trailing punctuation belongs to the sentence.
            let url = line[i..end].trim_end_matches(['.', ',', ';', ':', '!', '?']);
            if matches!(prev, Some('(') | Some('<')) {
                out.push_str(url);
            } else {
                out.push('<');
                out.push_str(url);
                out.push('>');
            }
            out.push_str(&line[i + url.len()..end]);
            i = end;
            copied = end;
            continue;
        }
        let replacement = match c {
            b'[' => {
                // A markdown link `[text](url)` stays; anything else is escaped.
                let close = line[i..].find(']').map(|p| i + p);
                let is_link = close.is_some_and(|e| b.get(e + 1) == Some(&b'('));
                // [`Type::item`]: an intra-doc link written by the generator.
                let path_link_end = close.filter(|&e| {
                    let inner = &line[i + 1..e];
                    inner.len() > 2
                        && inner.starts_with('`')
                        && inner.ends_with('`')
                        && inner[1..inner.len() - 1]
                            .bytes()
                            .all(|ch| ch.is_ascii_alphanumeric() || ch == b'_' || ch == b':')
                });
                if let Some(e) = path_link_end {
                    // Copied whole, its backticks included.
                    i = e + 1;
                    continue;
                }
                (!is_link).then_some("\\[")
            }
            b']' => (b.get(i + 1) != Some(&b'(')).then_some("\\]"),
            b'<' => (!is_url_start(&line[i + 1..])).then_some("&lt;"),
            _ => None,
        };
        if let Some(replacement) = replacement {
            out.push_str(&line[copied..i]);
            out.push_str(replacement);
            copied = i + 1;
        }
        i += 1;
    }
    out.push_str(&line[copied..]);
    out
}

/// Whether `text` starts with `http://` or `https://`.
/// Whether `line` holds `http://` or `https://`.
fn has_url(mut line: &str) -> bool {
    while let Some(p) = line.find(':') {
        let (before, after) = line.split_at(p);
        if after.starts_with("://") && (before.ends_with("http") || before.ends_with("https")) {
            return true;
        }
        line = &after[1..];
    }
    false
}

fn is_url_start(text: &str) -> bool {
    text.starts_with("http://") || text.starts_with("https://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes() {
        assert_eq!(
            doc_lines("See https://example.com/a. Also [x] and [y](https://z) and <b>"),
            vec!["See <https://example.com/a>. Also \\[x\\] and [y](https://z) and &lt;b>"]
        );
        assert_eq!(
            doc_lines("a\n```\n{ \"x\": 1 }\n```\n    indented"),
            vec!["a", "```text", "{ \"x\": 1 }", "```", "indented"]
        );
        assert_eq!(doc_lines("`<T>` [a]"), vec!["`<T>` \\[a\\]"]);
        assert_eq!(doc_lines("See [`A::b`]."), vec!["See [`A::b`]."]);
    }
}
