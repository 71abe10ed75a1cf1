//! SnapTrade request signing, exactly as the reference (Python) SDK does it.
//!
//! The signed string is the JSON object `{"content": C, "path": P, "query": Q}`
//! with keys sorted at every level, no whitespace, non-ASCII written as
//! lower-case `\uXXXX` escapes (UTF-16 surrogate pairs beyond the BMP) and `/`
//! left alone: what Python's `json.dumps(..., separators=(",", ":"),
//! sort_keys=True)` prints. `C` is the JSON body, or `null` when there is no
//! body or the body is `{}`; `P` is the path as sent; `Q` the query as sent.
//! The `Signature` header is standard base64 of HMAC-SHA256 over that string,
//! keyed with the consumer key's bytes.
//!
//! These functions are public so that users can check their own signer:
//!
//! ```
//! use snaptrade::sign;
//! let body = serde_json::json!({"userId": "snaptrade-user-123"});
//! let sig = sign::signature(
//!     "YOUR_CONSUMER_KEY",
//!     "/snapTrade/registerUser",
//!     "clientId=YOUR_CLIENT_ID&timestamp=1700000000",
//!     Some(&body),
//! );
//! assert_eq!(sig, "P3KirfS8xyXD3M3U5VUV9Nf3y6WKwXNtyzxm3rrtMiY=");
//! ```

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use serde_json::Value;
use std::fmt::Write as _;

mod canonical;

pub use canonical::{JsonError, MAX_DEPTH};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The string that is signed for a request.
///
/// `content` is the JSON body; `None`, `null` and `{}` all sign as `null`.
pub fn signed_string(path: &str, query: &str, content: Option<&Value>) -> String {
    // Room for a typical body too, so the string is allocated once.
    build_signed(path, query, 320, |out| match content {
        None | Some(Value::Null) => out.push_str("null"),
        Some(Value::Object(map)) if map.is_empty() => out.push_str("null"),
        Some(v) => write_canonical(out, v),
    })
}

/// `{"content":C,"path":P,"query":Q}`, `C` written by `content` in place.
fn build_signed(
    path: &str,
    query: &str,
    content_room: usize,
    content: impl FnOnce(&mut String),
) -> String {
    let mut out = String::with_capacity(32 + content_room + path.len() + query.len());
    out.push_str("{\"content\":");
    content(&mut out);
    out.push_str(",\"path\":");
    write_string(&mut out, path);
    out.push_str(",\"query\":");
    write_string(&mut out, query);
    out.push('}');
    out
}

/// The `Signature` header value for a request.
pub fn signature(consumer_key: &str, path: &str, query: &str, content: Option<&Value>) -> String {
    sign_string(consumer_key, &signed_string(path, query, content))
}

/// Base64 of HMAC-SHA256 of an already built signed string.
pub fn sign_string(consumer_key: &str, signed: &str) -> String {
    let mut mac = new_mac(consumer_key);
    mac.update(signed.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Checks a received `Signature` header in constant time.
///
/// `body` is the raw request body: empty means no body; otherwise it must be
/// JSON, which is parsed and re-canonicalized, so key order and escaping on
/// the wire do not matter; its numbers are read as the Python SDK reads them
/// (see [`canonical_json_from_slice`]). Returns `Err` when the body is not
/// JSON or nests more than [`MAX_DEPTH`] deep; that check runs first, in
/// linear time and without recursion, so no body can exhaust the stack.
pub fn verify(
    consumer_key: &str,
    path: &str,
    query: &str,
    body: &[u8],
    signature_b64: &str,
) -> Result<bool, JsonError> {
    // The body as the server's Python reads it (numbers included), so a
    // body whose numbers `serde_json::Value` cannot hold exactly still verifies.
    let content = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        Some(canonical_json_from_slice(body)?)
    };
    let Ok(expected) = base64::engine::general_purpose::STANDARD.decode(signature_b64.trim())
    else {
        return Ok(false);
    };
    let content = match content.as_deref() {
        None | Some("null" | "{}") => "null",
        Some(c) => c,
    };
    let mut mac = new_mac(consumer_key);
    mac.update(build_signed(path, query, content.len(), |out| out.push_str(content)).as_bytes());
    Ok(mac.verify_slice(&expected).is_ok())
}

fn new_mac(consumer_key: &str) -> HmacSha256 {
    // HMAC accepts keys of any length; this cannot fail.
    match <HmacSha256 as KeyInit>::new_from_slice(consumer_key.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    }
}

/// Serializes a JSON value the way the signer does (sorted keys, ASCII only).
///
/// ```
/// let v = serde_json::json!({"b": [1, "é"], "a": {"z": null, "y": 1.5}});
/// assert_eq!(snaptrade::sign::canonical_json(&v), r#"{"a":{"y":1.5,"z":null},"b":[1,"\u00e9"]}"#);
/// ```
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(&mut out, value);
    out
}

/// The canonical form of a JSON text, reading it as Python's `json.loads`
/// does: what a Python server signs for a body it received.
///
/// This is [`canonical_json`] of the parsed text, except for numbers that
/// `serde_json::Value` cannot hold as Python does. Python keeps integers of
/// any size exactly (`18446744073709551616`), reads `-0` as the integer `0`,
/// and prints a float beyond `f64`'s range as `Infinity`. Webhook
/// verification and the server-side [`verify`] use this, so a body with such
/// numbers still verifies.
///
/// Strings are read as Python reads them too: a `\ud800` escape that is not
/// half of a surrogate pair is a lone surrogate, written back as `\ud800`
/// (`serde_json` refuses it). `NaN` and `Infinity` literals are refused.
///
/// The text is read once, with an explicit stack, in time linear in its
/// length whatever its nesting. A text nesting arrays and objects more than
/// [`MAX_DEPTH`] (128) deep is refused with [`JsonError::TooDeep`] before
/// anything nests further, so no input can exhaust the stack.
///
/// ```
/// use snaptrade::sign::canonical_json_from_slice;
/// let body = br#"{"id": 123456789012345678901234567890, "b": -0, "a": 1E2}"#;
/// assert_eq!(
///     canonical_json_from_slice(body).unwrap(),
///     r#"{"a":100.0,"b":0,"id":123456789012345678901234567890}"#
/// );
/// assert_eq!(canonical_json_from_slice(br#"["\ud800", 1e400]"#).unwrap(), r#"["\ud800",Infinity]"#);
/// let bomb = "[".repeat(100_000);
/// assert!(canonical_json_from_slice(bomb.as_bytes()).unwrap_err().is_too_deep());
/// ```
pub fn canonical_json_from_slice(json: &[u8]) -> Result<String, JsonError> {
    canonical::canonicalize(json)
}

fn write_canonical(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            // Sort explicitly: serde_json's map keeps insertion order when
            // another crate in the build enables `preserve_order`. Python
            // sorts by code point, which for UTF-8 strings is byte order.
            // One pass in the common case: write the entries in map order
            // while checking that the keys ascend; only a map found out of
            // order is rewritten from a sorted copy of its entries.
            let mark = out.len();
            if !write_entries(out, map.iter(), true) {
                out.truncate(mark);
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                write_entries(out, entries.into_iter(), false);
            }
        }
    }
}

/// Writes `{k:v,...}`. With `check_order`, stops and returns `false` at the
/// first key that is not greater than the one before it.
fn write_entries<'a>(
    out: &mut String,
    entries: impl Iterator<Item = (&'a String, &'a Value)>,
    check_order: bool,
) -> bool {
    out.push('{');
    let mut previous: Option<&str> = None;
    for (k, v) in entries {
        if let Some(prev) = previous {
            if check_order && prev > k.as_str() {
                return false;
            }
            out.push(',');
        }
        previous = Some(k);
        write_string(out, k);
        out.push(':');
        write_canonical(out, v);
    }
    out.push('}');
    true
}

/// Bytes that `json.dumps(..., ensure_ascii=True)` does not copy as they are:
/// control characters, `"`, `\`, DEL and everything non-ASCII.
static NEEDS_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = b < 0x20 || b >= 0x7f || b == b'"' as usize || b == b'\\' as usize;
        b += 1;
    }
    table
};

fn write_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    // Copy runs of plain printable ASCII in one go; escape the rest.
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(offset) = bytes[i..]
        .iter()
        .position(|&b| NEEDS_ESCAPE[usize::from(b)])
    {
        out.push_str(&s[i..i + offset]);
        i += offset;
        // `i` is on a char boundary: every byte before it was ASCII or a whole char.
        let c = s[i..].chars().next().unwrap_or('\u{fffd}');
        i += c.len_utf8();
        write_escaped_code_point(out, u32::from(c));
    }
    out.push_str(&s[i..]);
    out.push('"');
}

/// One code point (a lone surrogate included) inside a JSON string, as
/// `json.dumps(..., ensure_ascii=True)` writes it: printable ASCII as is,
/// the short escapes, everything else as lower-case `\uXXXX` (a UTF-16
/// surrogate pair beyond the BMP).
fn write_escaped_code_point(out: &mut String, cp: u32) {
    fn unit(out: &mut String, u: u32) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        out.push_str("\\u");
        for shift in [12, 8, 4, 0] {
            out.push(HEX[((u >> shift) & 0xf) as usize] as char);
        }
    }
    match cp {
        0x22 => out.push_str("\\\""),
        0x5c => out.push_str("\\\\"),
        0x0a => out.push_str("\\n"),
        0x0d => out.push_str("\\r"),
        0x09 => out.push_str("\\t"),
        0x08 => out.push_str("\\b"),
        0x0c => out.push_str("\\f"),
        0x20..=0x7e => out.push(cp as u8 as char),
        0x10000.. => {
            let v = cp - 0x10000;
            unit(out, 0xd800 | (v >> 10));
            unit(out, 0xdc00 | (v & 0x3ff));
        }
        _ => unit(out, cp),
    }
}

/// Numbers as Python prints them: integers in full, floats as `repr(float)`
/// (shortest round-trip digits; exponent form below 1e-4 and from 1e16 up).
fn write_number(out: &mut String, n: &serde_json::Number) {
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(f) = n.as_f64() {
        out.push_str(&python_float_repr(f));
    }
}

fn python_float_repr(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }
    // `{:e}` gives the shortest round-trip digits as `d.ddde[-]x`. When two
    // strings of that length are equally short and round-trip, Rust may
    // pick either; Python picks the one nearest the exact value (ties to
    // even), which is the exactly rounded string of that many digits.
    let shortest = format!("{f:e}");
    let len = shortest
        .bytes()
        .take_while(|b| *b != b'e')
        .filter(u8::is_ascii_digit)
        .count();
    let nearest = format!("{f:.*e}", len.saturating_sub(1));
    let sci = if nearest.parse::<f64>() == Ok(f) {
        nearest
    } else {
        shortest
    };
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if negative { "-" } else { "" };
    if !(-4..16).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}e{esign}{:02}", exp.abs());
    }
    let point = exp + 1; // digits before the decimal point
    if point <= 0 {
        format!("{sign}0.{}{digits}", "0".repeat((-point) as usize))
    } else if (point as usize) >= digits.len() {
        format!(
            "{sign}{digits}{}.0",
            "0".repeat(point as usize - digits.len())
        )
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{sign}{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_python_repr() {
        for (f, want) in [
            (1.5, "1.5"),
            (1.0, "1.0"),
            (100.0, "100.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e16, "1e+16"),
            (1.2345e17, "1.2345e+17"),
            (123456789012345.6, "123456789012345.6"),
            (-2.5e-7, "-2.5e-07"),
            (0.1, "0.1"),
            // Exactly ...447.25: `.2` and `.3` both round-trip; Python
            // prints the even one.
            (1273812973436447.2, "1273812973436447.2"),
        ] {
            assert_eq!(python_float_repr(f), want, "{f}");
        }
    }

    /// Expected values printed by Python 3:
    /// `json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))`.
    #[test]
    fn text_canonicalizes_as_python_reads_it() {
        for (text, python) in [
            ("18446744073709551616", "18446744073709551616"),
            ("-9223372036854775809", "-9223372036854775809"),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567890",
            ),
            ("-0", "0"),
            ("-0.0", "-0.0"),
            ("1e400", "Infinity"),
            ("-1e400", "-Infinity"),
            ("1E2", "100.0"),
            ("0.1e1", "1.0"),
            ("1.7976931348623157e308", "1.7976931348623157e+308"),
            (" [1.0, 2 ] ", "[1.0,2]"),
            (r#"{"a":1,"a":2}"#, r#"{"a":2}"#),
            (
                r#"{"é":1,"z":2,"A":[{"y":null,"x":true}]}"#,
                r#"{"A":[{"x":true,"y":null}],"z":2,"\u00e9":1}"#,
            ),
            (r#""a\/b\u00e9\ud83d\ude00""#, r#""a/b\u00e9\ud83d\ude00""#),
        ] {
            assert_eq!(
                canonical_json_from_slice(text.as_bytes()).unwrap(),
                python,
                "{text}"
            );
        }
        assert!(canonical_json_from_slice(b"{\"a\":").is_err());
        assert!(canonical_json_from_slice(b"NaN").is_err());
    }

    /// Strings, keys and numbers that `serde_json` cannot read or reads
    /// differently; expected values printed by Python 3.11 as above.
    #[test]
    fn strings_and_keys_canonicalize_as_python_reads_them() {
        for (text, python) in [
            (
                r#"{"\ue000":1,"\ud800":2,"\ud7ff":3,"\ud83d\ude00":4,"b":5,"b":6}"#,
                r#"{"b":6,"\ud7ff":3,"\ud800":2,"\ue000":1,"\ud83d\ude00":4}"#,
            ),
            (r#""\ud800\ud800\udc00""#, r#""\ud800\ud800\udc00""#),
            (r#""\udc00\ud800""#, r#""\udc00\ud800""#),
            (r#""\ud800\u0041""#, r#""\ud800A""#),
            (
                "[1.0e+2,-1e-400,0.000001,12345678901234567890.5]",
                "[100.0,-0.0,1e-06,1.2345678901234567e+19]",
            ),
            (r#"{"a":1,"a":[2]}"#, r#"{"a":[2]}"#),
            (" [ ] ", "[]"),
            ("{}", "{}"),
            (
                "\"a\\u0000\\u007f\u{7f}\u{80}\"",
                r#""a\u0000\u007f\u007f\u0080""#,
            ),
            ("[true,false,null]", "[true,false,null]"),
        ] {
            assert_eq!(
                canonical_json_from_slice(text.as_bytes()).as_deref(),
                Ok(python),
                "{text}"
            );
        }
        // Python decodes a body with `surrogatepass`: an encoded surrogate
        // is a lone surrogate.
        assert_eq!(
            canonical_json_from_slice(b"\"\xed\xa0\x80\"").as_deref(),
            Ok(r#""\ud800""#)
        );
        for bad in [
            &b"[1,]"[..],
            b"01",
            b"\"\\ud800\\uzzzz\"",
            b"\"\t\"",
            b"\"\xff\"",
            b"\"\xc0\x80\"",
            b"\"\xf4\x90\x80\x80\"",
            b"[1.]",
            b"1e",
            b"-",
            b"tru",
            b"\"abc",
            b"{\"a\" 1}",
            b"{1:2}",
            b"[1 2]",
            b"\xef\xbb\xbf[1]",
            b"",
            b"Infinity",
        ] {
            let err = canonical_json_from_slice(bad).unwrap_err();
            assert!(
                matches!(err, JsonError::Syntax { .. }),
                "{}: {err}",
                String::from_utf8_lossy(bad)
            );
        }
        let err = canonical_json_from_slice(b"[1,\n  x]").unwrap_err();
        assert_eq!((err.line(), err.column()), (2, 3), "{err}");
        assert_eq!(err.to_string(), "expected a value at line 2 column 3");
    }

    /// 128 nested arrays or objects are read; one more is refused with
    /// `TooDeep`, at the bracket beyond the limit.
    #[test]
    fn nesting_is_limited_to_max_depth() {
        let nested = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        assert_eq!(
            canonical_json_from_slice(nested(MAX_DEPTH).as_bytes()).unwrap(),
            nested(MAX_DEPTH)
        );
        let err = canonical_json_from_slice(nested(MAX_DEPTH + 1).as_bytes()).unwrap_err();
        assert_eq!(
            err,
            JsonError::TooDeep {
                max_depth: 128,
                line: 1,
                column: 129
            }
        );
        assert!(err.to_string().contains("more than 128 deep"), "{err}");
        let objects = format!(
            "{}{}",
            r#"{"b":1,"a":"#.repeat(MAX_DEPTH),
            "}".repeat(MAX_DEPTH)
        );
        let err = canonical_json_from_slice(objects.as_bytes()).unwrap_err();
        assert!(matches!(err, JsonError::Syntax { .. }), "{err}");
        let objects = format!(
            "{}null{}",
            r#"{"b":1,"a":"#.repeat(MAX_DEPTH),
            "}".repeat(MAX_DEPTH)
        );
        let want = format!(
            "{}null{}",
            r#"{"a":"#.repeat(MAX_DEPTH),
            r#","b":1}"#.repeat(MAX_DEPTH)
        );
        assert_eq!(canonical_json_from_slice(objects.as_bytes()).unwrap(), want);
        let deeper = format!("{{\"a\":{objects}}}");
        assert!(canonical_json_from_slice(deeper.as_bytes())
            .unwrap_err()
            .is_too_deep());
    }

    /// Issue 22 F1: 100,000 levels (and a 16 KB bomb with a `Signature`)
    /// overflowed the stack before the MAC was checked. On a thread with a
    /// 2 MiB stack (tokio's worker size) they are refused, not a crash.
    #[test]
    fn deep_nesting_is_refused_on_a_small_stack() {
        let worker = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(|| {
                for bomb in [
                    "[".repeat(100_000),
                    format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
                    r#"{"a":"#.repeat(100_000),
                    r#"[{"a":"#.repeat(50_000),
                ] {
                    let err = canonical_json_from_slice(bomb.as_bytes()).unwrap_err();
                    assert!(err.is_too_deep(), "{err}");
                    let err = verify("K", "/p", "", bomb.as_bytes(), "c2ln").unwrap_err();
                    assert!(err.is_too_deep(), "{err}");
                }
            })
            .unwrap();
        worker.join().expect("no stack overflow, no panic");
    }

    /// Signatures printed by Python (the SDK's signed string, HMAC-SHA256,
    /// base64): a body with an integer beyond 64 bits and `-0`, and the
    /// bodies that sign as `null` (none, `null`, `{}`).
    #[test]
    fn verify_reads_a_body_as_python_signed_it() {
        let body = br#"{"userId":"u","n":18446744073709551616,"z":-0}"#;
        let (path, query) = ("/snapTrade/registerUser", "clientId=C&timestamp=1");
        let python = "VZpy1dw7CEfyAOSjAG4OQowYcct1lDTX0EcDS3xVzlY=";
        assert_eq!(verify("K", path, query, body, python).ok(), Some(true));
        assert_eq!(verify("K2", path, query, body, python).ok(), Some(false));
        let null = "iinHbOOGy1m3kmqrfxQuDcMKKQcoOvMXeFM8Fvs+ECQ=";
        for body in [&b""[..], b" ", b"null", b" { } "] {
            assert_eq!(
                verify("K", "/p", "", body, null).ok(),
                Some(true),
                "{body:?}"
            );
        }
        assert!(verify("K", "/p", "", b"{", null).is_err());
    }

    /// Where `serde_json::Value` holds a number exactly, both paths agree.
    #[test]
    fn text_and_value_canonicalize_alike() {
        let text = r#"{"b":[1,-2,1.5,1e-7,1e16,18446744073709551615,"é"],"a":{"z":null,"y":false},"c":"\u0001"}"#;
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            canonical_json_from_slice(text.as_bytes()).unwrap(),
            canonical_json(&value)
        );
    }

    #[test]
    fn escapes_like_python_ensure_ascii() {
        let v = Value::String("a\"\\/\n\u{1}é😀\u{7f}".into());
        assert_eq!(
            canonical_json(&v),
            r#""a\"\\/\n\u0001\u00e9\ud83d\ude00\u007f""#
        );
    }

    #[test]
    fn empty_object_and_none_sign_as_null() {
        let empty = serde_json::json!({});
        assert_eq!(
            signed_string("/p", "q=1", Some(&empty)),
            signed_string("/p", "q=1", None)
        );
        assert_eq!(
            signed_string("/p", "q=1", None),
            r#"{"content":null,"path":"/p","query":"q=1"}"#
        );
    }

    #[test]
    fn verify_accepts_reordered_body_and_rejects_tampering() {
        let sig = signature(
            "k",
            "/p",
            "a=1",
            Some(&serde_json::json!({"a": 1, "b": "é"})),
        );
        assert_eq!(
            verify("k", "/p", "a=1", "{\"b\":\"é\", \"a\":1}".as_bytes(), &sig).ok(),
            Some(true)
        );
        assert_eq!(
            verify("k", "/p", "a=2", b"{\"a\":1,\"b\":\"\\u00e9\"}", &sig).ok(),
            Some(false)
        );
        assert_eq!(
            verify("x", "/p", "a=1", b"{\"a\":1,\"b\":\"\\u00e9\"}", &sig).ok(),
            Some(false)
        );
        assert!(verify("k", "/p", "a=1", b"{not json", &sig).is_err());
    }
}
