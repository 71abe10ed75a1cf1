//! Turning spec names into Rust identifiers.
//!
//! Rules (documented because they shape the public API of generated code):
//! * Types and variants are PascalCase: the name is split on every character
//!   that is not an ASCII letter or digit, each part gets an upper-case first
//!   letter, and parts written entirely in capitals (`USD`, `ID`) keep only
//!   that first capital (`Usd`, `Id`). Mixed-case parts are kept
//!   (`encryptedResponse` → `EncryptedResponse`, `LoginRedirectURI` stays).
//! * A type name starting with a digit gets a `Model` prefix
//!   (`400FailedRequestResponse` → `Model400FailedRequestResponse`); a variant
//!   name starting with a digit gets `V` (`1d` → `V1d`).
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

fn parts(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

fn pascal_parts(name: &str) -> String {
    let mut out = String::new();
    for part in parts(name) {
        let all_caps = !part.chars().any(|c| c.is_ascii_lowercase());
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            let rest: String = chars.collect();
            if all_caps {
                out.push_str(&rest.to_ascii_lowercase());
            } else {
                out.push_str(&rest);
            }
        }
    }
    out
}

/// A type name.
pub fn type_name(name: &str) -> String {
    let mut out = pascal_parts(name);
    if out.is_empty() {
        out = "Unnamed".into();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out = format!("Model{out}");
    }
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

/// snake_case without keyword handling.
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    for part in parts(name) {
        if !out.is_empty() {
            out.push('_');
        }
        let chars: Vec<char> = part.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                let prev = chars[i - 1];
                let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
                if prev.is_ascii_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_ascii_uppercase() && next_lower)
                {
                    out.push('_');
                }
            }
            out.push(c.to_ascii_lowercase());
        }
    }
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
            "Model400FailedRequestResponse"
        );
        assert_eq!(type_name("encryptedResponse"), "EncryptedResponse");
        assert_eq!(type_name("LoginRedirectURI"), "LoginRedirectURI");
        assert_eq!(type_name("API Status"), "ApiStatus");
        assert_eq!(variant_name("trade-if-available"), "TradeIfAvailable");
        assert_eq!(variant_name("USD"), "Usd");
        assert_eq!(variant_name("1d"), "V1d");
        assert_eq!(snake("redirectURI"), "redirect_uri");
        assert_eq!(snake("loginSnapTradeUser"), "login_snap_trade_user");
        assert_eq!(snake("API Status"), "api_status");
        assert_eq!(snake("default_detail"), "default_detail");
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
