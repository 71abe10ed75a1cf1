//! Turning spec names into Rust identifiers.
//!
//! Rules (documented because they shape the public API of generated code):
//! * Types and variants are RFC 430 UpperCamelCase: the name is split into
//!   words (on every character that is not an ASCII letter or digit, at
//!   camel humps, around acronyms) and each word, acronyms included, becomes
//!   one capital then lower case (`LoginRedirectURI` → `LoginRedirectUri`,
//!   `UserIDandSecret` → `UserIdAndSecret`, `USD` → `Usd`).
//! * A type name cannot start with a digit: a leading number moves to the end
//!   (`400FailedRequestResponse` → `FailedRequestResponse400`; the model may
//!   drop it when nothing else wants the shorter name); a variant name
//!   starting with a digit gets `V` (`1d` → `V1d`).
//! * Fields, parameters, methods and modules are snake_case, splitting
//!   camelCase and acronyms (`redirectURI` → `redirect_uri`); a leading digit
//!   gets an `n` prefix.
//! * Rust keywords become raw identifiers (`r#type`), except those that cannot
//!   be raw (`self`, `super`, `crate`, `Self`), which get a `_` suffix.
//! * Collisions get a numeric suffix (`Name2`, `name_2`) in spec order, so
//!   the result is deterministic.

use std::collections::BTreeSet;

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where",
    "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Names of the prelude and of std items generated code uses unqualified; a
/// model type with one of these names would shadow them.
pub const RESERVED_TYPES: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "Default",
    "Clone",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Iterator",
    "IntoIterator",
    "ToString",
    "ToOwned",
    "From",
    "Into",
    "Eq",
    "PartialEq",
    "Ord",
    "PartialOrd",
    "Debug",
    "Hash",
    "AsRef",
    "AsMut",
    "Extend",
    "Unpin",
    "Self",
    "TryFrom",
    "TryInto",
];

/// Acronyms that may run straight into a lower-case word (`UserIDandSecret`,
/// `APIkey`). An upper-case run is otherwise split before its last capital
/// (`HTTPServer` → `HTTP` `Server`), which would read `IDand` as `I` `Dand`.
const ACRONYMS: &[&str] = &[
    "ACL", "API", "ARN", "CDN", "CSV", "DNS", "GUID", "HTML", "HTTP", "HTTPS", "IBAN", "ID", "IP",
    "JSON", "JWT", "MFA", "OTP", "PDF", "SDK", "SKU", "SMS", "SQL", "SSH", "SSL", "TLS", "TTL",
    "URI", "URL", "UTC", "UUID", "XML",
];

/// The words of a name: split on every character that is not an ASCII
/// letter or digit, at lower→upper and digit→upper changes, and around
/// acronyms (`redirectURI` → `redirect` `URI`, `URLs` stays one word).
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    // A part is ASCII letters and digits only (split on everything else), so its bytes
    // are its characters and any byte index is a character boundary. The
    // parts are found byte by byte (a byte of a multi-byte character is
    // never ASCII): a `char` predicate split is slow at opt-level 0.
    let bytes = name.as_bytes();
    let mut next = 0;
    while next < bytes.len() {
        if !bytes[next].is_ascii_alphanumeric() {
            next += 1;
            continue;
        }
        let part_start = next;
        while next < bytes.len() && bytes[next].is_ascii_alphanumeric() {
            next += 1;
        }
        let part = &name[part_start..next];
        let c = part.as_bytes();
        let mut start = 0;
        let mut i = 1;
        while i < c.len() {
            let (prev, cur) = (c[i - 1], c[i]);
            let mut cut = None;
            if cur.is_ascii_uppercase() && (prev.is_ascii_lowercase() || prev.is_ascii_digit()) {
                cut = Some(i);
            } else if cur.is_ascii_lowercase() && prev.is_ascii_uppercase() {
                let mut run = i - 1;
                while run > start && c[run - 1].is_ascii_uppercase() {
                    run -= 1;
                }
                if i - run >= 2 {
                    let mut end = i;
                    while end < c.len() && c[end].is_ascii_lowercase() {
                        end += 1;
                    }
                    let upper = &part[run..i];
                    let plural = end == i + 1 && cur == b's';
                    if plural {
                        // `URLs`, `IDs`: the acronym's plural is one word.
                    } else if ACRONYMS.contains(&upper)
                        && !ACRONYMS.contains(&&upper[..upper.len() - 1])
                    {
                        cut = Some(i);
                    } else {
                        cut = Some(i - 1);
                    }
                }
            }
            if let Some(at) = cut {
                out.push(part[start..at].to_owned());
                start = at;
            }
            i += 1;
        }
        out.push(part[start..].to_owned());
    }
    out
}

/// RFC 430 UpperCamelCase: every word, acronyms included, is one capital
/// then lower case (`LoginRedirectURI` → `LoginRedirectUri`).
fn pascal_words(words: &[String]) -> String {
    let mut out = String::new();
    for w in words {
        // Words are ASCII (see `words`): whole slices, not char by char.
        if let Some(first) = w.get(..1) {
            out.push_str(&first.to_ascii_uppercase());
            out.push_str(&w[1..].to_ascii_lowercase());
        }
    }
    out
}

fn pascal_parts(name: &str) -> String {
    pascal_words(&words(name))
}

/// A type name split in two: the name without its leading number, and that
/// number (`400FailedRequestResponse` → (`FailedRequestResponse`, `400`)).
/// A Rust type cannot start with a digit, and a status-code prefix says
/// little, so the number moves to the end or (when the document allows)
/// goes.
pub fn type_name_parts(name: &str) -> (String, String) {
    let ws = words(name);
    let lead = ws
        .iter()
        .take_while(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .count();
    let number = pascal_words(&ws[..lead]);
    let base = pascal_words(&ws[lead..]);
    (base, number)
}

/// A type name: RFC 430 UpperCamelCase, a leading number moved to the end
/// (`400FailedRequestResponse` → `FailedRequestResponse400`).
pub fn type_name(name: &str) -> String {
    let (base, number) = type_name_parts(name);
    let mut out = match (base.is_empty(), number.is_empty()) {
        (true, true) => "Unnamed".to_owned(),
        (true, false) => format!("Type{number}"),
        (false, _) => format!("{base}{number}"),
    };
    if NOT_RAW.contains(&out.as_str()) {
        out.push_str("Type");
    }
    out
}

/// An enum variant name.
pub fn variant_name(name: &str) -> String {
    let mut out = pascal_parts(name);
    if out.is_empty() {
        out = "Empty".into();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out = format!("V{out}");
    }
    if NOT_RAW.contains(&out.as_str()) {
        out.push_str("Value");
    }
    out
}

/// snake_case without keyword handling (the same words as type names).
pub fn snake(name: &str) -> String {
    let mut out = words(name)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if out.is_empty() {
        out = "value".into();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out = format!("n{out}");
    }
    out
}

/// A field, parameter, method or module name (may be `r#keyword`).
pub fn value_name(name: &str) -> String {
    let s = snake(name);
    if NOT_RAW.contains(&s.as_str()) {
        format!("{s}_")
    } else if KEYWORDS.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

/// SCREAMING_SNAKE_CASE for constants.
pub fn const_name(name: &str) -> String {
    snake(name).to_ascii_uppercase()
}

/// Hands out unique names in a namespace.
#[derive(Debug, Default, Clone)]
pub struct Names {
    used: BTreeSet<String>,
}

impl Names {
    /// A namespace with some names already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Names {
            used: reserved.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// Whether a name is taken.
    pub fn contains(&self, name: &str) -> bool {
        self.used.contains(name)
    }

    /// Claims `base`, or `base2`, `base3`... (`base_2` for snake_case names).
    pub fn claim(&mut self, base: &str) -> String {
        if self.used.insert(base.to_owned()) {
            return base.to_owned();
        }
        let snake = base.chars().any(|c| c.is_ascii_lowercase())
            && !base.chars().any(|c| c.is_ascii_uppercase());
        let stem = base.strip_prefix("r#").unwrap_or(base);
        let mut n = 2usize;
        loop {
            let candidate = if snake {
                format!("{stem}_{n}")
            } else {
                format!("{stem}{n}")
            };
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

/// Whether a property or parameter name marks a secret.
pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("secret") || lower.contains("password")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(
            type_name("400FailedRequestResponse"),
            "FailedRequestResponse400"
        );
        assert_eq!(
            type_name_parts("400FailedRequestResponse"),
            ("FailedRequestResponse".to_owned(), "400".to_owned())
        );
        assert_eq!(type_name("200"), "Type200");
        assert_eq!(type_name("encryptedResponse"), "EncryptedResponse");
        assert_eq!(type_name("LoginRedirectURI"), "LoginRedirectUri");
        assert_eq!(type_name("UserIDandSecret"), "UserIdAndSecret");
        assert_eq!(type_name("UserID"), "UserId");
        assert_eq!(type_name("HTTPServer"), "HttpServer");
        assert_eq!(type_name("HTTPSandbox"), "HttpSandbox");
        assert_eq!(type_name("APIKeys"), "ApiKeys");
        assert_eq!(type_name("listURLs"), "ListUrls");
        assert_eq!(type_name("UInt64"), "UInt64");
        assert_eq!(type_name("HTTP2Client"), "Http2Client");
        assert_eq!(type_name("oauth2_token"), "Oauth2Token");
        assert_eq!(type_name("API Status"), "ApiStatus");
        assert_eq!(variant_name("trade-if-available"), "TradeIfAvailable");
        assert_eq!(variant_name("USD"), "Usd");
        assert_eq!(variant_name("1d"), "V1d");
        assert_eq!(snake("redirectURI"), "redirect_uri");
        assert_eq!(snake("loginSnapTradeUser"), "login_snap_trade_user");
        assert_eq!(snake("API Status"), "api_status");
        assert_eq!(snake("default_detail"), "default_detail");
        assert_eq!(snake("userIDandSecret"), "user_id_and_secret");
        assert_eq!(snake("listURLs"), "list_urls");
        assert_eq!(snake("getHTTPSPort"), "get_https_port");
        assert_eq!(value_name("type"), "r#type");
        assert_eq!(value_name("self"), "self_");
        assert_eq!(const_name("PartnerClientId"), "PARTNER_CLIENT_ID");
    }

    #[test]
    fn collisions() {
        let mut n = Names::with_reserved(&["Other"]);
        assert_eq!(n.claim("Other"), "Other2");
        assert_eq!(n.claim("a_b"), "a_b");
        assert_eq!(n.claim("a_b"), "a_b_2");
    }
}
