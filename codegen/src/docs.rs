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
    if !line.contains(['[', ']', '<']) && !line.contains("http://") && !line.contains("https://") {
        return line.to_owned();
    }
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len() + 8);
    let mut i = 0;
    let mut in_code = false;
    while let Some(&c) = chars.get(i) {
        if c == '`' {
            in_code = !in_code;
            out.push(c);
            i += 1;
            continue;
        }
        if in_code {
            out.push(c);
            i += 1;
            continue;
        }
        if is_url_start(&chars[i..]) {
            // Inside a markdown link target `(...)` or an autolink `<...>`?
            let prev = if i > 0 {
                chars.get(i - 1).copied()
            } else {
                None
            };
            let end = chars[i..]
                .iter()
                .position(|ch| ch.is_whitespace() || matches!(ch, ')' | '>' | '"' | '\''))
                .map_or(chars.len(), |p| i + p);
            let mut url: String = chars[i..end].iter().collect();
            // Trailing punctuation belongs to the sentence.
            let mut tail = String::new();
            while url.ends_with(['.', ',', ';', ':', '!', '?']) {
                if let Some(ch) = url.pop() {
                    tail.insert(0, ch);
                }
            }
            if matches!(prev, Some('(') | Some('<')) {
                out.push_str(&url);
            } else {
                out.push('<');
                out.push_str(&url);
                out.push('>');
            }
            out.push_str(&tail);
            i = end;
            continue;
        }
        match c {
            '[' => {
                // A markdown link `[text](url)` stays; anything else is escaped.
                let close = chars[i..].iter().position(|&ch| ch == ']').map(|p| i + p);
                let is_link = close.is_some_and(|e| chars.get(e + 1) == Some(&'('));
                // [`Type::item`]: an intra-doc link written by the generator.
                let is_path_link = close.is_some_and(|e| {
                    let inner: String = chars[i + 1..e].iter().collect();
                    inner.len() > 2
                        && inner.starts_with('`')
                        && inner.ends_with('`')
                        && inner[1..inner.len() - 1]
                            .chars()
                            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == ':')
                });
                if is_link || is_path_link {
                    if is_path_link {
                        if let Some(e) = close {
                            let link: String = chars[i..=e].iter().collect();
                            out.push_str(&link);
                            i = e + 1;
                            continue;
                        }
                    }
                    out.push('[');
                } else {
                    out.push_str("\\[");
                }
            }
            ']' => {
                if chars.get(i + 1) == Some(&'(') {
                    out.push(']');
                } else {
                    out.push_str("\\]");
                }
            }
            '<' => {
                if is_url_start(&chars[i + 1..]) {
                    out.push('<');
                } else {
                    out.push_str("&lt;");
                }
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Whether `chars` starts with `http://` or `https://`.
fn is_url_start(chars: &[char]) -> bool {
    let starts = |prefix: &str| {
        let mut it = chars.iter();
        prefix.chars().all(|c| it.next() == Some(&c))
    };
    starts("http://") || starts("https://")
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
