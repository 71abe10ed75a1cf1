//! Hiding secret values in response bodies before they reach a message or a
//! `Debug` string.
//!
//! A body can hold a secret (a `registerUser` answer carries the user's
//! secret), and bodies end up in error messages when they do not decode. The
//! redaction works on JSON text token by token, so it also covers truncated
//! or otherwise malformed JSON: the string value after any key whose name
//! marks it secret is replaced by `[redacted]`.

/// Whether a property or parameter name marks a secret value: it contains
/// `secret`, `password` or `token` (case-insensitive). The generator's rule
/// for `SecretString` fields (`secret`, `password`) plus bearer-style tokens.
pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["secret", "password", "token"]
        .iter()
        .any(|needle| lower.contains(needle))
}

/// `body` as lossy UTF-8 text with secret JSON string values replaced.
pub fn redact_body(body: &[u8]) -> String {
    redact_json_text(&String::from_utf8_lossy(body))
}

/// Replaces the string value following each secret-named key with
/// `[redacted]`. Text that is not JSON passes through unchanged; an
/// unterminated secret value is redacted to the end.
pub fn redact_json_text(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    // Set after a secret key and its colon: the next string is a secret.
    let mut redact_next = false;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < bytes.len() && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                let end = j.min(bytes.len());
                if redact_next {
                    out.push_str(&text[copied..start]);
                    out.push_str("[redacted]");
                    copied = end;
                    redact_next = false;
                } else {
                    // A key when a colon follows.
                    let mut k = end + 1;
                    while k < bytes.len() && bytes[k].is_ascii_whitespace() {
                        k += 1;
                    }
                    if k < bytes.len() && bytes[k] == b':' {
                        redact_next = is_secret_name(&text[start..end]);
                    }
                }
                i = end + 1;
            }
            b':' | b',' | b'{' | b'[' => {
                if bytes[i] != b':' {
                    redact_next = false;
                }
                i += 1;
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                // A number, literal or stray text: not a string value.
                redact_next = false;
                i += 1;
            }
        }
    }
    if copied < text.len() {
        out.push_str(&text[copied..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
            r#"{"userSecret":"[redacted]"#
        );
        assert_eq!(
            redact_json_text(r#"{"userSecret":12,"b":"keep"}"#),
            r#"{"userSecret":12,"b":"keep"}"#
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
}
