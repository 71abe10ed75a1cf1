//! A string that never shows itself in `Debug` or `Display` output.

use secrecy::ExposeSecret;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A secret value (consumer key, user secret, password) that redacts itself.
///
/// `Debug` and `Display` print `[redacted]`; the only way to read the value is
/// [`SecretString::expose`], so a secret cannot reach a log line or an error
/// message by accident. The memory is wiped on drop (it is kept in a
/// [`secrecy::SecretString`]). It serializes as the plain string, because the
/// API needs the real value on the wire.
///
/// ```
/// use oapi_client_runtime::SecretString;
/// let s = SecretString::from("adf2aa34");
/// assert_eq!(format!("{s:?}"), "SecretString([redacted])");
/// assert_eq!(s.expose(), "adf2aa34");
/// ```
#[derive(Clone)]
pub struct SecretString(secrecy::SecretString);

impl SecretString {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        SecretString(secrecy::SecretString::from(value.into()))
    }

    /// The secret itself. Call this only where the value must leave the process.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl Default for SecretString {
    fn default() -> Self {
        SecretString::new(String::new())
    }
}

impl PartialEq for SecretString {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for SecretString {}

impl std::hash::Hash for SecretString {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.expose().hash(state)
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
        SecretString::new(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        SecretString::new(value)
    }
}

impl From<&String> for SecretString {
    fn from(value: &String) -> Self {
        SecretString::new(value.as_str())
    }
}

impl From<&SecretString> for SecretString {
    fn from(value: &SecretString) -> Self {
        value.clone()
    }
}

impl Serialize for SecretString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(SecretString::new)
    }
}
