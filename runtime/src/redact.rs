//! Hiding secret values in response bodies before they reach a message or a
//! `Debug` string.
//!
//! A body can hold a secret (a `registerUser` answer carries the user's
//! secret), and bodies end up in error messages when they do not decode; a
//! hostile or broken server chooses that text. The redaction scans JSON text
//! token by token, so it also covers truncated or otherwise malformed JSON
//! (an excerpt cut at 512 bytes), and keeps the rest of the text as it was:
//!
//! - keys are compared decoded, so `"user\u0053ecret"` is `userSecret`;
//! - the whole value of a secret-named key is replaced by `"[redacted]"`,
//!   whether a string, a number, an array or an object (`null`, `true` and
//!   `false` say nothing and are kept); an unterminated value is redacted to
//!   the end of the text;
//! - secret-named keys are found at any depth, inside arrays too.
//!
//! On valid JSON the result equals [`redact_json_value`] applied to the
//! parsed document (a fuzzed property).

/// Whether a property or parameter name marks a secret value: it contains
/// `secret`, `password` or `token` (case-insensitive). The generator's rule
/// for `SecretString` fields (`secret`, `password`) plus bearer-style tokens.
pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_lowercase();
    ["secret", "password", "token"]
        .iter()
        .any(|needle| lower.contains(needle))
}

/// What replaces a secret value.
const REDACTED: &str = "[redacted]";

/// `url` fit to print: any user name and password and the value of every
/// query parameter (whatever its name: a receiver's token may be called
/// anything) replaced by `[redacted]`, and any fragment too. Text that is
/// not an absolute URL comes back as `[unparsable URL]`.
///
/// ```
/// use oapi_client_runtime::redact::redact_url;
/// assert_eq!(
///     redact_url("https://me:pw@hooks.example:8443/in?token=abc&v=2#k"),
///     "https://[redacted]@hooks.example:8443/in?token=[redacted]&v=[redacted]#[redacted]"
/// );
/// assert_eq!(redact_url("http://127.0.0.1:9/hook"), "http://127.0.0.1:9/hook");
/// assert_eq!(redact_url("http://h/in?abc123"), "http://h/in?[redacted]");
/// ```
pub fn redact_url(url: &str) -> String {
    let Ok(mut parsed) = reqwest::Url::parse(url) else {
        return "[unparsable URL]".to_owned();
    };
    let userinfo = !parsed.username().is_empty() || parsed.password().is_some();
    // Rebuilt by hand: `Url` would percent-encode the brackets.
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    let query = parsed.query().map(|q| {
        q.split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) => format!("{name}={REDACTED}"),
                // A bare `?abc123` may be the token itself.
                None if pair.is_empty() => String::new(),
                None => REDACTED.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("&")
    });
    let fragment = parsed.fragment().is_some();
    parsed.set_query(None);
    parsed.set_fragment(None);
    let mut out = parsed.to_string();
    if userinfo {
        if let Some(at) = out.find("://") {
            out.insert_str(at + 3, &format!("{REDACTED}@"));
        }
    }
    if let Some(q) = query {
        out.push('?');
        out.push_str(&q);
    }
    if fragment {
        out.push('#');
        out.push_str(REDACTED);
    }
    out
}

/// `body` as lossy UTF-8 text with secret JSON values replaced.
pub fn redact_body(body: &[u8]) -> String {
    redact_json_text(&String::from_utf8_lossy(body))
}

/// Replaces, at any depth, the value of every secret-named property of a
/// parsed JSON document with the string `"[redacted]"` (see the module
/// documentation for which values).
pub fn redact_json_value(value: &mut serde_json::Value) {
    use serde_json::Value;
    // An explicit stack: a deeply nested hostile document cannot overflow it.
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    if is_secret_name(key) && !matches!(v, Value::Null | Value::Bool(_)) {
                        *v = Value::String(REDACTED.to_owned());
                    } else {
                        stack.push(v);
                    }
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
}

/// Replaces the value following each secret-named key with
/// `"[redacted]"`. Text that is not JSON passes through unchanged.
pub fn redact_json_text(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    // A secret key was read; a colon makes its value secret.
    let mut secret_key = false;
    // A secret key and its colon were read: the next value is secret.
    let mut secret_value = false;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if secret_value && c != b'"' {
            secret_value = false;
            let end = match c {
                b'{' | b'[' => container_end(bytes, i),
                b'-' | b'0'..=b'9' => scan_number(bytes, i),
                // A literal or stray text: nothing to hide.
                _ => i,
            };
            if end > i {
                out.push_str(&text[copied..i]);
                out.push('"');
                out.push_str(REDACTED);
                out.push('"');
                copied = end;
                i = end;
                continue;
            }
        }
        match c {
            b'"' => {
                let end = string_end(bytes, i);
                if secret_value {
                    out.push_str(&text[copied..i]);
                    out.push('"');
                    out.push_str(REDACTED);
                    out.push('"');
                    copied = end;
                    secret_value = false;
                } else {
                    // A key when a colon follows.
                    let closed = end > i + 1 && bytes[end - 1] == b'"' && end - 1 > i;
                    let inner_end = if closed { end - 1 } else { end };
                    let mut k = end;
                    while k < bytes.len() && bytes[k].is_ascii_whitespace() {
                        k += 1;
                    }
                    secret_key = closed
                        && k < bytes.len()
                        && bytes[k] == b':'
                        && is_secret_name(&decode_json_string(&text[i + 1..inner_end]));
                }
                i = end;
            }
            b':' => {
                secret_value = secret_key;
                secret_key = false;
                i += 1;
            }
            _ => {
                secret_key = false;
                i += 1;
            }
        }
    }
    if copied < text.len() {
        out.push_str(&text[copied..]);
    }
    out
}

/// The index just past the string starting with the quote at `start` (past
/// its closing quote, or the end of the text when it is unterminated).
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut j = start + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'"' => return j + 1,
            _ => j += 1,
        }
    }
    bytes.len()
}

/// The index just past the array or object opening at `start`, strings
/// skipped; the end of the text when it is unterminated.
fn container_end(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut j = start;
    while j < bytes.len() {
        match bytes[j] {
            b'"' => {
                j = string_end(bytes, j);
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
        j += 1;
    }
    bytes.len()
}

fn scan_number(bytes: &[u8], start: usize) -> usize {
    let mut j = start;
    while j < bytes.len() && matches!(bytes[j], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
        j += 1;
    }
    j
}

/// The text of a JSON string's content with its escapes decoded; invalid
/// escapes are kept as written (a lone surrogate becomes U+FFFD).
fn decode_json_string(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('u') => {
                let Some(unit) = hex4(&mut chars) else {
                    out.push_str("\\u");
                    continue;
                };
                let code = if (0xD800..0xDC00).contains(&unit) {
                    // A high surrogate: the low one should follow as `\uXXXX`.
                    let mut ahead = chars.clone();
                    match (ahead.next(), ahead.next(), hex4(&mut ahead)) {
                        (Some('\\'), Some('u'), Some(low)) if (0xDC00..0xE000).contains(&low) => {
                            chars = ahead;
                            0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                        }
                        _ => 0xFFFD,
                    }
                } else {
                    unit
                };
                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

fn hex4(chars: &mut std::str::Chars<'_>) -> Option<u32> {
    let mut n = 0;
    for _ in 0..4 {
        n = n * 16 + chars.next()?.to_digit(16)?;
    }
    Some(n)
}

/// Response headers as a `Debug` string shows them: a server chooses their
/// values, and a `Location` can echo a signed request's query (a user secret)
/// or a `Set-Cookie` carry a session. Locations keep their scheme, host and
/// path with query values, user info and fragment hidden (as
/// [`redact_url`]); cookies and credentials are hidden whole; the rest is
/// shown as received.
///
/// ```
/// use oapi_client_runtime::redact::RedactedHeaders;
/// let mut h = http::HeaderMap::new();
/// h.insert("location", "/next?userSecret=s3cret".parse().unwrap());
/// h.insert("set-cookie", "session=abc".parse().unwrap());
/// h.insert("x-request-id", "r-1".parse().unwrap());
/// let shown = format!("{:?}", RedactedHeaders(&h));
/// assert!(!shown.contains("s3cret") && !shown.contains("abc"), "{shown}");
/// assert!(shown.contains("/next?userSecret=[redacted]") && shown.contains("r-1"), "{shown}");
/// ```
pub struct RedactedHeaders<'a>(pub &'a http::HeaderMap);

impl std::fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            let text = String::from_utf8_lossy(value.as_bytes());
            let shown = match name.as_str() {
                "location" | "content-location" | "refresh" | "link" => redact_location(&text),
                "set-cookie"
                | "cookie"
                | "authorization"
                | "proxy-authorization"
                | "www-authenticate" => REDACTED.to_owned(),
                n if is_secret_name(n) => REDACTED.to_owned(),
                _ => text.into_owned(),
            };
            map.entry(&name.as_str(), &shown);
        }
        map.finish()
    }
}

/// A `Location` value, absolute or relative, with its secrets hidden.
fn redact_location(value: &str) -> String {
    if reqwest::Url::parse(value).is_ok() {
        return redact_url(value);
    }
    // Relative: resolve against a placeholder origin, redact, take it off.
    const BASE: &str = "http://relative.invalid";
    match reqwest::Url::parse(BASE).and_then(|b| b.join(value)) {
        Ok(joined) => redact_url(joined.as_str())
            .trim_start_matches(BASE)
            .to_owned(),
        Err(_) => REDACTED.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    #[test]
    fn secret_values_are_replaced_and_the_rest_kept() {
        assert_eq!(
            redact_json_text(r#"{"userId":"u1","userSecret":"s3cr3t","n":1}"#),
            r#"{"userId":"u1","userSecret":"[redacted]","n":1}"#
        );
        assert_eq!(
            redact_json_text(r#"[{ "password" : "p\"w" }, {"x": "password"}]"#),
            r#"[{ "password" : "[redacted]" }, {"x": "password"}]"#
        );
        assert_eq!(
            redact_json_text(r#"{"userSecret":"s3cr"#),
            r#"{"userSecret":"[redacted]""#
        );
        assert_eq!(
            redact_json_text(r#"{"userSecret":12,"b":"keep","token":null}"#),
            r#"{"userSecret":"[redacted]","b":"keep","token":null}"#
        );
        assert_eq!(
            redact_json_text("<html>502 Bad Gateway</html>"),
            "<html>502 Bad Gateway</html>"
        );
        assert_eq!(
            redact_json_text(r#"{"a":"é","token":"ü"}"#),
            r#"{"a":"é","token":"[redacted]"}"#
        );
    }

    /// The shapes issue 13 found passing unredacted.
    #[test]
    fn hostile_shapes_are_redacted() {
        // An escaped key is still the key it decodes to.
        assert_eq!(
            redact_json_text(r#"{"user\u0053ecret":"s1","p\u0061ssword":"s2"}"#),
            r#"{"user\u0053ecret":"[redacted]","p\u0061ssword":"[redacted]"}"#
        );
        // A secret-named key holding an array or an object.
        assert_eq!(
            redact_json_text(r#"{"userSecret":["s1",{"x":"s2"}],"userId":"u"}"#),
            r#"{"userSecret":"[redacted]","userId":"u"}"#
        );
        // Secrets inside arrays, and inside an object-valued `detail`.
        assert_eq!(
            redact_json_text(
                r#"{"detail":{"users":[{"userSecret":"s1"},{"userSecret":"s2"}]},"code":1}"#
            ),
            r#"{"detail":{"users":[{"userSecret":"[redacted]"},{"userSecret":"[redacted]"}]},"code":1}"#
        );
        // Truncated inside a secret array: redacted to the end.
        assert_eq!(
            redact_json_text(r#"{"secrets":["s1","s2"#),
            r#"{"secrets":"[redacted]""#
        );
        // A surrogate pair and a broken escape in a key do not panic.
        assert_eq!(
            redact_json_text(r#"{"\ud83d\ude00secret":"x","\u12":"y","\":"z"}"#),
            r#"{"\ud83d\ude00secret":"[redacted]","\u12":"y","\":"z"}"#
        );
        let mut v: Value =
            serde_json::from_str(r#"[{"a":{"accessToken":{"x":1}},"b":[{"password":5}]}]"#)
                .unwrap();
        redact_json_value(&mut v);
        assert_eq!(
            v.to_string(),
            r#"[{"a":{"accessToken":"[redacted]"},"b":[{"password":"[redacted]"}]}]"#
        );
    }

    /// Cases per property: `PROPTEST_CASES` overrides (for long runs).
    fn config(default: u32) -> ProptestConfig {
        let cases = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default);
        ProptestConfig::with_cases(cases)
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("userSecret".to_owned()),
            Just("password".to_owned()),
            Just("accessToken".to_owned()),
            Just("SeCrEt_x".to_owned()),
            Just("userId".to_owned()),
            Just("detail".to_owned()),
            "[a-z]{1,6}",
        ]
    }

    fn document() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(Value::from),
            "[a-z é\"\\\\]{0,5}".prop_map(Value::String),
        ];
        leaf.prop_recursive(5, 40, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((key(), inner), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    /// Puts the marker `Q` (used nowhere else) into every string under a
    /// secret-named key: the text that must never come out.
    fn mark_secrets(v: &mut Value, secret: bool) {
        match v {
            Value::String(s) if secret => s.insert(0, 'Q'),
            Value::Array(items) => items.iter_mut().for_each(|i| mark_secrets(i, secret)),
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    mark_secrets(v, secret || is_secret_name(k));
                }
            }
            _ => {}
        }
    }

    /// JSON text of `v`, with the key characters picked by `mask` written as
    /// `\uXXXX` escapes and optional spaces around the punctuation.
    fn write(v: &Value, mask: u64, spaced: bool, out: &mut String) {
        let sp = if spaced { " " } else { "" };
        match v {
            Value::Array(items) => {
                out.push('[');
                for (n, item) in items.iter().enumerate() {
                    if n > 0 {
                        out.push_str(sp);
                        out.push(',');
                    }
                    write(item, mask, spaced, out);
                }
                out.push(']');
            }
            Value::Object(map) => {
                out.push('{');
                for (n, (k, item)) in map.iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    out.push_str(sp);
                    out.push('"');
                    for (i, c) in k.chars().enumerate() {
                        if mask >> (i % 64) & 1 == 1 {
                            out.push_str(&format!("\\u{:04x}", c as u32));
                        } else {
                            out.push(c);
                        }
                    }
                    out.push('"');
                    out.push_str(sp);
                    out.push(':');
                    out.push_str(sp);
                    write(item, mask.rotate_left(7), spaced, out);
                }
                out.push('}');
            }
            other => out.push_str(&other.to_string()),
        }
    }

    proptest! {
        #![proptest_config(config(512))]

        /// Valid JSON: the text redaction equals the parse-then-redact one,
        /// and no secret survives, whatever the escapes and nesting.
        #[test]
        fn text_redaction_matches_parsed_redaction(
            mut doc in document(),
            mask in any::<u64>(),
            spaced in any::<bool>(),
        ) {
            mark_secrets(&mut doc, false);
            let mut text = String::new();
            write(&doc, mask, spaced, &mut text);
            let redacted = redact_json_text(&text);
            prop_assert!(!redacted.contains('Q'), "{} -> {}", text, redacted);
            let mut expected: Value = serde_json::from_str(&text).unwrap();
            redact_json_value(&mut expected);
            let got: Value = serde_json::from_str(&redacted).unwrap();
            prop_assert_eq!(got, expected);
        }

        /// Truncated JSON (an excerpt, a cut connection): still no secret.
        #[test]
        fn truncated_json_leaks_no_secret(
            mut doc in document(),
            mask in any::<u64>(),
            cut in any::<prop::sample::Index>(),
        ) {
            mark_secrets(&mut doc, false);
            let mut text = String::new();
            write(&doc, mask, false, &mut text);
            let mut at = cut.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let redacted = redact_json_text(&text[..at]);
            prop_assert!(!redacted.contains('Q'), "{} -> {}", &text[..at], redacted);
        }

        /// Anything at all: no panic.
        #[test]
        fn arbitrary_input_never_panics(
            bytes in prop::collection::vec(any::<u8>(), 0..200),
            text in "[\"\\\\{}\\[\\]:,0-9a-zé\\-u ]{0,60}",
        ) {
            let _ = redact_body(&bytes);
            let _ = redact_json_text(&text);
        }
    }
}
