//! A small line diff for stale-file messages.
//!
//! The generated file's first line holds the spec digest, so it changes on
//! every spec edit; trimming a common prefix and suffix would then report the
//! whole file. A longest-common-subsequence diff shows only the lines that
//! really changed, as short hunks with one line of context.

/// Diff size (lines × lines) above which only the changed region is shown.
const MAX_CELLS: usize = 16_000_000;

/// A compact diff of `old` → `new`: hunks of `-`/`+` lines with one line of
/// context, at most `max` changed lines in all.
pub(crate) fn line_diff(old: &str, new: &str, max: usize) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Trim what is equal at both ends, then diff the middle exactly.
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let ops = if ma.len().saturating_mul(mb.len()) <= MAX_CELLS {
        lcs_ops(ma, mb)
    } else {
        ma.iter()
            .map(|_| Op::Del)
            .chain(mb.iter().map(|_| Op::Add))
            .collect()
    };

    // Walk the script, tracking positions in both files.
    let mut out = String::new();
    let (mut i, mut j) = (prefix, prefix);
    let mut shown = 0;
    let mut last_context: Option<usize> = None;
    let mut iter = ops.iter().peekable();
    while let Some(op) = iter.next() {
        match op {
            Op::Keep => {
                i += 1;
                j += 1;
            }
            Op::Del | Op::Add => {
                if shown >= max {
                    let rest = 1 + iter.filter(|o| **o != Op::Keep).count();
                    out.push_str(&format!("... ({rest} more changed lines)\n"));
                    break;
                }
                if last_context != Some(i) {
                    out.push_str(&format!("@@ line {} @@\n", i + 1));
                    if i > 0 {
                        out.push_str(&format!(" {}\n", a[i - 1]));
                    }
                }
                if *op == Op::Del {
                    out.push_str(&format!("-{}\n", a[i]));
                    i += 1;
                } else {
                    out.push_str(&format!("+{}\n", b[j]));
                    j += 1;
                }
                shown += 1;
                last_context = Some(i);
                if iter.peek().is_none_or(|o| **o == Op::Keep) && i < a.len() {
                    out.push_str(&format!(" {}\n", a[i]));
                }
            }
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Keep,
    Del,
    Add,
}

fn lcs_ops(a: &[&str], b: &[&str]) -> Vec<Op> {
    let (n, m) = (a.len(), b.len());
    // lens[i][j]: LCS length of a[i..] and b[j..].
    let mut lens = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lens[at(i, j)] = if a[i] == b[j] {
                lens[at(i + 1, j + 1)] + 1
            } else {
                lens[at(i + 1, j)].max(lens[at(i, j + 1)])
            };
        }
    }
    let mut ops = Vec::with_capacity(n + m);
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push(Op::Keep);
            i += 1;
            j += 1;
        } else if i < n && (j == m || lens[at(i + 1, j)] >= lens[at(i, j + 1)]) {
            // Removals before additions, as diff(1) prints them.
            ops.push(Op::Del);
            i += 1;
        } else {
            ops.push(Op::Add);
            j += 1;
        }
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_only_changed_lines_even_when_the_first_line_changes() {
        let old = "digest 1\na\nb\nc\nd\ne\n";
        let new = "digest 2\na\nb\nC\nd\ne\n";
        assert_eq!(
            line_diff(old, new, 10),
            "@@ line 1 @@\n-digest 1\n+digest 2\n a\n@@ line 4 @@\n b\n-c\n+C\n d\n"
        );
    }

    #[test]
    fn caps_the_output() {
        let old: String = (0..50).map(|i| format!("{i}\n")).collect();
        let new: String = (0..50).map(|i| format!("x{i}\n")).collect();
        let d = line_diff(&old, &new, 4);
        assert_eq!(d.lines().filter(|l| l.starts_with(['-', '+'])).count(), 4);
        assert!(d.ends_with("... (96 more changed lines)\n"), "{d}");
    }
}
