//! A string that never shows itself in `Debug` or `Display` output.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A secret value (consumer key, user secret, password) that redacts itself.
///
/// `Debug` and `Display` print `[redacted]`; the only way to read the value is
/// [`SecretString::expose`], so a secret cannot reach a log line or an error
/// message by accident. It serializes as the plain string, because the API
/// needs the real value on the wire.
///
/// ```
/// use snaptrade::runtime::SecretString;
/// let s = SecretString::from("adf2aa34");
/// assert_eq!(format!("{s:?}"), "SecretString([redacted])");
/// assert_eq!(s.expose(), "adf2aa34");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        SecretString(value.into())
    }

    /// The secret itself. Call this only where the value must leave the process.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Consumes the wrapper and returns the secret.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString([redacted])")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        SecretString(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        SecretString(value.to_owned())
    }
}

impl From<&String> for SecretString {
    fn from(value: &String) -> Self {
        SecretString(value.clone())
    }
}

impl From<&SecretString> for SecretString {
    fn from(value: &SecretString) -> Self {
        value.clone()
    }
}

impl Serialize for SecretString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(SecretString)
    }
}
