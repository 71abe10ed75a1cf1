//! The canonical form of a JSON text as a Python signer prints it, in one
//! pass and linear time, with a nesting limit checked before anything nests.
//!
//! The text is read once, left to right, by a loop with an explicit stack
//! (no recursion per nesting level): scalars are written in their canonical
//! form into one buffer as they are read, containers become nodes of a flat
//! tree, and each object's members are sorted (and duplicate keys dropped,
//! the last one kept) when the object closes. A second, recursive walk writes
//! the tree; its depth is bounded by [`MAX_DEPTH`], which the reader enforced.
//! Each byte of the input is read once and each byte of the output written
//! once, whatever the nesting, so a deeply nested body costs what a flat one
//! of the same size costs.

use super::{python_float_repr, write_escaped_code_point};
use std::fmt;

/// The deepest nesting of arrays and objects a JSON text may have (as in
/// `serde_json`): a text nesting more than this is refused with
/// [`JsonError::TooDeep`] as soon as the reader meets the first bracket
/// beyond it.
pub const MAX_DEPTH: usize = 128;

/// Why a JSON text has no canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonError {
    /// The text nests arrays and objects more than [`MAX_DEPTH`] deep.
    TooDeep {
        /// The limit, [`MAX_DEPTH`].
        max_depth: usize,
        /// Line of the first bracket beyond the limit (from 1).
        line: usize,
        /// Column of that bracket, in bytes (from 1).
        column: usize,
    },
    /// The text is not JSON (as Python's `json.loads` reads it, except that
    /// `NaN`, `Infinity` and `-Infinity` are refused too).
    Syntax {
        /// What was wrong; it never quotes the input.
        reason: &'static str,
        /// Line of the offending byte (from 1).
        line: usize,
        /// Column of that byte, in bytes (from 1).
        column: usize,
    },
}

impl JsonError {
    /// The line (from 1) where the text went wrong.
    pub fn line(&self) -> usize {
        match self {
            JsonError::TooDeep { line, .. } | JsonError::Syntax { line, .. } => *line,
        }
    }

    /// The column (in bytes, from 1) where the text went wrong.
    pub fn column(&self) -> usize {
        match self {
            JsonError::TooDeep { column, .. } | JsonError::Syntax { column, .. } => *column,
        }
    }

    /// `true` for [`JsonError::TooDeep`].
    pub fn is_too_deep(&self) -> bool {
        matches!(self, JsonError::TooDeep { .. })
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::TooDeep {
                max_depth,
                line,
                column,
            } => write!(
                f,
                "JSON nests arrays and objects more than {max_depth} deep \
                 (at line {line} column {column})"
            ),
            JsonError::Syntax {
                reason,
                line,
                column,
            } => write!(f, "{reason} at line {line} column {column}"),
        }
    }
}

impl std::error::Error for JsonError {}

/// A member of an object being read: the key's code points (WTF-8, so that
/// byte order is code point order, as Python's `sort_keys` sorts, even with
/// lone surrogates), and the value's node.
#[derive(Clone, Copy)]
struct Member {
    key: (usize, usize),
    value: usize,
}

#[derive(Clone, Copy)]
enum Node {
    /// Canonical text in `Reader::text`.
    Leaf(usize, usize),
    /// Children in `Reader::items`.
    Array(usize, usize),
    /// Sorted, de-duplicated members in `Reader::members`.
    Object(usize, usize),
}

/// An array or object still open.
struct Open {
    is_object: bool,
    /// Where its children start in the pending stack.
    first: usize,
    /// In an object, the key of the member whose value is being read.
    key: (usize, usize),
}

struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    /// Canonical text of every scalar, in document order.
    text: String,
    /// Key code points (WTF-8), in document order.
    keys: Vec<u8>,
    nodes: Vec<Node>,
    items: Vec<usize>,
    members: Vec<Member>,
    pending_items: Vec<usize>,
    pending_members: Vec<Member>,
}

/// [`canonical_json_from_slice`](super::canonical_json_from_slice).
pub(super) fn canonicalize(input: &[u8]) -> Result<String, JsonError> {
    let mut reader = Reader {
        input,
        pos: 0,
        text: String::with_capacity(input.len()),
        keys: Vec::new(),
        nodes: Vec::new(),
        items: Vec::new(),
        members: Vec::new(),
        pending_items: Vec::new(),
        pending_members: Vec::new(),
    };
    let root = reader.read()?;
    if let Node::Leaf(start, end) = reader.nodes[root] {
        // A scalar: its text is the answer.
        let mut text = std::mem::take(&mut reader.text);
        text.truncate(end);
        text.drain(..start);
        return Ok(text);
    }
    let mut out = String::with_capacity(reader.text.len() + input.len() / 4);
    reader.write(&mut out, root, 0);
    Ok(out)
}

impl Reader<'_> {
    fn error(&self, reason: &'static str) -> JsonError {
        let (line, column) = position(self.input, self.pos);
        JsonError::Syntax {
            reason,
            line,
            column,
        }
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.input.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn expect(&mut self, byte: u8, reason: &'static str) -> Result<(), JsonError> {
        self.skip_whitespace();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(reason))
        }
    }

    fn push_node(&mut self, node: Node) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// Reads the whole text; the root node.
    fn read(&mut self) -> Result<usize, JsonError> {
        let mut open: Vec<Open> = Vec::new();
        'value: loop {
            // A value starts here.
            self.skip_whitespace();
            let mut done = match self.peek() {
                Some(bracket @ (b'[' | b'{')) => {
                    if open.len() == MAX_DEPTH {
                        let (line, column) = position(self.input, self.pos);
                        return Err(JsonError::TooDeep {
                            max_depth: MAX_DEPTH,
                            line,
                            column,
                        });
                    }
                    self.pos += 1;
                    let is_object = bracket == b'{';
                    open.push(Open {
                        is_object,
                        first: if is_object {
                            self.pending_members.len()
                        } else {
                            self.pending_items.len()
                        },
                        key: (0, 0),
                    });
                    self.skip_whitespace();
                    let close = if is_object { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.pos += 1;
                        self.close(&mut open)
                    } else {
                        if is_object {
                            self.read_key(&mut open)?;
                        }
                        continue 'value;
                    }
                }
                Some(b'"') => {
                    let start = self.text.len();
                    self.read_string(false)?;
                    let end = self.text.len();
                    self.push_node(Node::Leaf(start, end))
                }
                Some(b't') => self.literal("true")?,
                Some(b'f') => self.literal("false")?,
                Some(b'n') => self.literal("null")?,
                Some(b'-' | b'0'..=b'9') => self.read_number()?,
                Some(_) => return Err(self.error("expected a value")),
                None => return Err(self.error("unexpected end of input")),
            };
            // `done` is a complete value: attach it, then close as many
            // containers as end here.
            loop {
                let Some(top) = open.last_mut() else {
                    self.skip_whitespace();
                    if self.pos != self.input.len() {
                        return Err(self.error("trailing characters after the JSON value"));
                    }
                    return Ok(done);
                };
                let is_object = top.is_object;
                if is_object {
                    let key = top.key;
                    self.pending_members.push(Member { key, value: done });
                } else {
                    self.pending_items.push(done);
                }
                self.skip_whitespace();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if is_object {
                            self.read_key(&mut open)?;
                        }
                        continue 'value;
                    }
                    Some(b'}') if is_object => {
                        self.pos += 1;
                        done = self.close(&mut open);
                    }
                    Some(b']') if !is_object => {
                        self.pos += 1;
                        done = self.close(&mut open);
                    }
                    None => return Err(self.error("unexpected end of input")),
                    Some(_) if is_object => return Err(self.error("expected `,` or `}`")),
                    Some(_) => return Err(self.error("expected `,` or `]`")),
                }
            }
        }
    }

    /// Closes the innermost open container (its closing bracket was read);
    /// its node.
    fn close(&mut self, open: &mut Vec<Open>) -> usize {
        let Some(frame) = open.pop() else {
            unreachable!("close is only called with a container open")
        };
        if frame.is_object {
            let start = self.members.len();
            let pending = &mut self.pending_members[frame.first..];
            let keys = &self.keys;
            let key = |m: &Member| &keys[m.key.0..m.key.1];
            // Python's `sort_keys` orders by code point: WTF-8 byte order.
            // A stable sort keeps repeated keys in document order, and the
            // last of each run is the value `json.loads` keeps.
            if !pending.windows(2).all(|w| key(&w[0]) < key(&w[1])) {
                pending.sort_by(|a, b| key(a).cmp(key(b)));
            }
            for (i, m) in pending.iter().enumerate() {
                if pending.get(i + 1).is_some_and(|next| key(next) == key(m)) {
                    continue;
                }
                self.members.push(*m);
            }
            self.pending_members.truncate(frame.first);
            let end = self.members.len();
            self.push_node(Node::Object(start, end))
        } else {
            let start = self.items.len();
            self.items.extend(self.pending_items.drain(frame.first..));
            let end = self.items.len();
            self.push_node(Node::Array(start, end))
        }
    }

    /// Reads `"key" :` in the innermost (object) container.
    fn read_key(&mut self, open: &mut [Open]) -> Result<(), JsonError> {
        self.skip_whitespace();
        if self.peek() != Some(b'"') {
            return Err(self.error(if self.pos == self.input.len() {
                "unexpected end of input"
            } else {
                "expected a string key"
            }));
        }
        let start = self.keys.len();
        self.read_string(true)?;
        let end = self.keys.len();
        if let Some(top) = open.last_mut() {
            top.key = (start, end);
        }
        self.expect(b':', "expected `:` after a key")
    }

    fn literal(&mut self, word: &'static str) -> Result<usize, JsonError> {
        if self.input[self.pos..].starts_with(word.as_bytes()) {
            let start = self.text.len();
            self.text.push_str(word);
            self.pos += word.len();
            let end = self.text.len();
            Ok(self.push_node(Node::Leaf(start, end)))
        } else {
            Err(self.error("expected a value"))
        }
    }

    /// A number, written as Python prints what `json.loads` makes of it:
    /// integers of any size exactly (`-0` is `0`), anything with a fraction
    /// or an exponent as `repr(float)`, `Infinity` beyond `f64`'s range.
    fn read_number(&mut self) -> Result<usize, JsonError> {
        let input = self.input;
        let start = self.pos;
        let mut i = start;
        let digits = |i: &mut usize| {
            let from = *i;
            while input.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i - from
        };
        if input.get(i) == Some(&b'-') {
            i += 1;
        }
        match input.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                digits(&mut i);
            }
            _ => {
                self.pos = i;
                return Err(self.error("invalid number"));
            }
        }
        let mut is_float = false;
        if input.get(i) == Some(&b'.') {
            i += 1;
            is_float = true;
            if digits(&mut i) == 0 {
                self.pos = i;
                return Err(self.error("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = input.get(i) {
            i += 1;
            is_float = true;
            if let Some(b'+' | b'-') = input.get(i) {
                i += 1;
            }
            if digits(&mut i) == 0 {
                self.pos = i;
                return Err(self.error("invalid number"));
            }
        }
        self.pos = i;
        // Only ASCII digits, signs, `.` and `e` were taken.
        let number = std::str::from_utf8(&input[start..i]).unwrap_or("0");
        let out_start = self.text.len();
        if is_float {
            // Rust's parse rounds correctly, as Python's does; beyond
            // `f64`'s range it gives an infinity, as Python's does.
            match number.parse::<f64>() {
                Ok(f) if f.is_infinite() => {
                    self.text
                        .push_str(if f < 0.0 { "-Infinity" } else { "Infinity" });
                }
                Ok(f) => self.text.push_str(&python_float_repr(f)),
                Err(_) => return Err(self.error("invalid number")),
            }
        } else if number == "-0" {
            self.text.push('0');
        } else {
            // JSON integers have no `+` and no leading zeros: already canonical.
            self.text.push_str(number);
        }
        let out_end = self.text.len();
        Ok(self.push_node(Node::Leaf(out_start, out_end)))
    }

    /// Reads a string (the reader is on its opening quote). A key's code
    /// points go to `keys` as WTF-8; a value's canonical text (quoted, with
    /// Python's `ensure_ascii` escapes) to `text`.
    ///
    /// As Python reads it: `\uXXXX` escapes of a high then a low surrogate
    /// are one code point, any other surrogate escape is a lone surrogate,
    /// and UTF-8-encoded surrogates in the bytes are accepted too (Python
    /// decodes a `bytes` body with `surrogatepass`). Control characters
    /// must be escaped.
    fn read_string(&mut self, is_key: bool) -> Result<(), JsonError> {
        self.pos += 1; // the opening quote
        if !is_key {
            self.text.push('"');
        }
        let input = self.input;
        loop {
            // A run of printable ASCII other than `"` and `\` is copied as is.
            let run_start = self.pos;
            while let Some(&b) = input.get(self.pos) {
                if (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\' {
                    self.pos += 1;
                } else {
                    break;
                }
            }
            if self.pos > run_start {
                // Printable ASCII: valid UTF-8.
                let run = std::str::from_utf8(&input[run_start..self.pos]).unwrap_or("");
                if is_key {
                    self.keys.extend_from_slice(run.as_bytes());
                } else {
                    self.text.push_str(run);
                }
            }
            let code_point = match input.get(self.pos) {
                None => return Err(self.error("unexpected end of input in a string")),
                Some(b'"') => {
                    self.pos += 1;
                    if !is_key {
                        self.text.push('"');
                    }
                    return Ok(());
                }
                Some(b'\\') => self.read_escape()?,
                Some(&b) if b < 0x20 => return Err(self.error("control character in a string")),
                Some(0x7f) => {
                    self.pos += 1;
                    0x7f
                }
                Some(_) => self.read_utf8()?,
            };
            if is_key {
                push_wtf8(&mut self.keys, code_point);
            } else {
                write_escaped_code_point(&mut self.text, code_point);
            }
        }
    }

    /// After a backslash: the code point it stands for.
    fn read_escape(&mut self) -> Result<u32, JsonError> {
        self.pos += 1;
        let Some(&b) = self.input.get(self.pos) else {
            return Err(self.error("unexpected end of input in a string"));
        };
        self.pos += 1;
        Ok(match b {
            b'"' => 0x22,
            b'\\' => 0x5c,
            b'/' => 0x2f,
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => 0x0a,
            b'r' => 0x0d,
            b't' => 0x09,
            b'u' => {
                let high = self.read_hex4()?;
                if (0xd800..0xdc00).contains(&high) && self.input[self.pos..].starts_with(b"\\u") {
                    let mark = self.pos;
                    self.pos += 2;
                    let low = self.read_hex4()?;
                    if (0xdc00..0xe000).contains(&low) {
                        return Ok(0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00));
                    }
                    // Not a pair: the next escape is read on its own.
                    self.pos = mark;
                }
                high
            }
            _ => {
                self.pos -= 1;
                return Err(self.error("invalid escape in a string"));
            }
        })
    }

    fn read_hex4(&mut self) -> Result<u32, JsonError> {
        let mut value = 0u32;
        for _ in 0..4 {
            let digit = self
                .input
                .get(self.pos)
                .and_then(|b| (*b as char).to_digit(16));
            let Some(digit) = digit else {
                return Err(self.error("invalid \\u escape in a string"));
            };
            value = value * 16 + digit;
            self.pos += 1;
        }
        Ok(value)
    }

    /// A UTF-8 sequence starting at a non-ASCII byte: its code point.
    /// Well-formed UTF-8 only (no overlong forms, nothing beyond U+10FFFF),
    /// except that encoded surrogates (`ED A0..BF ..`) are taken, as
    /// Python's `surrogatepass` takes them.
    fn read_utf8(&mut self) -> Result<u32, JsonError> {
        let input = self.input;
        let b0 = input[self.pos];
        let (len, min_second, max_second, initial) = match b0 {
            0xc2..=0xdf => (2, 0x80, 0xbf, u32::from(b0 & 0x1f)),
            0xe0 => (3, 0xa0, 0xbf, 0),
            0xe1..=0xef => (3, 0x80, 0xbf, u32::from(b0 & 0x0f)),
            0xf0 => (4, 0x90, 0xbf, 0),
            0xf1..=0xf3 => (4, 0x80, 0xbf, u32::from(b0 & 0x07)),
            0xf4 => (4, 0x80, 0x8f, 4),
            _ => return Err(self.error("invalid UTF-8 in a string")),
        };
        let mut code_point = initial;
        for k in 1..len {
            let b = input.get(self.pos + k).copied().unwrap_or(0);
            let (lo, hi) = if k == 1 {
                (min_second, max_second)
            } else {
                (0x80, 0xbf)
            };
            if !(lo..=hi).contains(&b) {
                self.pos += k;
                return Err(self.error("invalid UTF-8 in a string"));
            }
            code_point = (code_point << 6) | u32::from(b & 0x3f);
        }
        self.pos += len;
        Ok(code_point)
    }

    /// Writes node `id` (at nesting `depth`, which the reader kept within
    /// [`MAX_DEPTH`], so this recursion is bounded).
    fn write(&self, out: &mut String, id: usize, depth: usize) {
        debug_assert!(depth <= MAX_DEPTH);
        match self.nodes[id] {
            Node::Leaf(start, end) => out.push_str(&self.text[start..end]),
            Node::Array(start, end) => {
                out.push('[');
                for (i, item) in self.items[start..end].iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.write(out, *item, depth + 1);
                }
                out.push(']');
            }
            Node::Object(start, end) => {
                out.push('{');
                for (i, m) in self.members[start..end].iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push('"');
                    for cp in Wtf8(&self.keys[m.key.0..m.key.1]) {
                        write_escaped_code_point(out, cp);
                    }
                    out.push_str("\":");
                    self.write(out, m.value, depth + 1);
                }
                out.push('}');
            }
        }
    }
}

/// Appends a code point (a lone surrogate included) as WTF-8.
fn push_wtf8(buf: &mut Vec<u8>, cp: u32) {
    if cp < 0x80 {
        buf.push(cp as u8);
    } else if cp < 0x800 {
        buf.extend_from_slice(&[0xc0 | (cp >> 6) as u8, 0x80 | (cp & 0x3f) as u8]);
    } else if cp < 0x10000 {
        buf.extend_from_slice(&[
            0xe0 | (cp >> 12) as u8,
            0x80 | ((cp >> 6) & 0x3f) as u8,
            0x80 | (cp & 0x3f) as u8,
        ]);
    } else {
        buf.extend_from_slice(&[
            0xf0 | (cp >> 18) as u8,
            0x80 | ((cp >> 12) & 0x3f) as u8,
            0x80 | ((cp >> 6) & 0x3f) as u8,
            0x80 | (cp & 0x3f) as u8,
        ]);
    }
}

/// The code points of WTF-8 that [`push_wtf8`] wrote.
struct Wtf8<'a>(&'a [u8]);

impl Iterator for Wtf8<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        let (&b0, rest) = self.0.split_first()?;
        let len = match b0 {
            0x00..=0x7f => 1,
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            _ => 4,
        };
        let len = len.min(self.0.len());
        let mut cp = match len {
            1 => u32::from(b0),
            2 => u32::from(b0 & 0x1f),
            3 => u32::from(b0 & 0x0f),
            _ => u32::from(b0 & 0x07),
        };
        for b in &rest[..len - 1] {
            cp = (cp << 6) | u32::from(b & 0x3f);
        }
        self.0 = &self.0[len..];
        Some(cp)
    }
}

/// Line and column (both from 1; the column in bytes) of byte `pos`.
fn position(input: &[u8], pos: usize) -> (usize, usize) {
    let before = &input[..pos.min(input.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = pos
        - before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1)
        + 1;
    (line, column)
}
