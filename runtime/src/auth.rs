//! Ready [`Authenticator`]s for the common OpenAPI security schemes.
//!
//! | scheme in the document | authenticator |
//! |---|---|
//! | `type: http, scheme: bearer`, `oauth2`, `openIdConnect` | [`BearerToken`] |
//! | `type: http, scheme: basic` | [`BasicAuth`] |
//! | `type: apiKey` (`in: header`, `query` or `cookie`) | [`ApiKey`] |
//! | several schemes, or alternatives | [`Credentials`] (a set of the above) |
//! | none | [`NoAuth`] |
//!
//! Each one is driven by the operation's security requirement: the generated
//! code says which schemes an operation needs and where an API key travels;
//! the authenticator only supplies the value. Secrets are kept as
//! [`SecretString`], so `Debug` of any of them never shows a credential, and
//! header values are marked sensitive.
//!
//! ```
//! use oapi_client_runtime::{ApiKey, BearerToken, Credentials, Transport, TransportConfig};
//! use std::sync::Arc;
//!
//! let auth = BearerToken::new("token-from-env");
//! assert_eq!(format!("{auth:?}"), "BearerToken { token: SecretString([redacted]) }");
//!
//! // A bearer token for some operations, an API key header for others.
//! let both = Credentials::new()
//!     .with(BearerToken::new("t"))
//!     .with(ApiKey::header("X-API-Key", "k"));
//! let transport = Transport::new(TransportConfig::new("https://api.example.com"), Some(Arc::new(both)));
//! assert!(transport.is_ok());
//! ```

use crate::request::{ApiKeyLocation, QueryValue, SchemeKind, SecurityScheme};
use crate::secret::SecretString;
use crate::transport::{Authenticator, PreparedRequest};
use http::header::{HeaderName, HeaderValue, AUTHORIZATION, COOKIE};
use std::fmt;
use std::sync::Arc;

/// Whether `requirement` is non-empty and every scheme in it passes `f`.
fn all_schemes(requirement: &[SecurityScheme], f: impl Fn(&SchemeKind) -> bool) -> bool {
    !requirement.is_empty() && requirement.iter().all(|s| f(&s.kind))
}

/// A sensitive header value; the error names the scheme, never the value.
fn sensitive_value(text: &str, what: &str) -> Result<HeaderValue, String> {
    let mut value = HeaderValue::from_str(text)
        .map_err(|_| format!("the {what} is not a valid HTTP header value"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// `Authorization: Bearer <token>` for `http`/`bearer`, `oauth2` and
/// `openIdConnect` schemes (a token obtained elsewhere).
#[derive(Clone, Debug)]
pub struct BearerToken {
    token: SecretString,
}

impl BearerToken {
    /// Sends `token` as the bearer token.
    pub fn new(token: impl Into<SecretString>) -> Self {
        BearerToken {
            token: token.into(),
        }
    }
}

impl Authenticator for BearerToken {
    fn supports(&self, requirement: &[SecurityScheme]) -> bool {
        all_schemes(requirement, |kind| match kind {
            SchemeKind::Http { scheme } => scheme.eq_ignore_ascii_case("bearer"),
            SchemeKind::OAuth2 => true,
            SchemeKind::ApiKey { .. } => false,
        })
    }

    fn authenticate(
        &self,
        request: &mut PreparedRequest,
        _requirement: &[SecurityScheme],
    ) -> Result<(), String> {
        let value = sensitive_value(&format!("Bearer {}", self.token.expose()), "bearer token")?;
        request.headers.insert(AUTHORIZATION, value);
        Ok(())
    }
}

/// `Authorization: Basic base64(user:password)` for `http`/`basic` schemes.
#[derive(Clone, Debug)]
pub struct BasicAuth {
    username: String,
    password: SecretString,
}

impl BasicAuth {
    /// Sends `username` and `password` (RFC 7617).
    pub fn new(username: impl Into<String>, password: impl Into<SecretString>) -> Self {
        BasicAuth {
            username: username.into(),
            password: password.into(),
        }
    }
}

impl Authenticator for BasicAuth {
    fn supports(&self, requirement: &[SecurityScheme]) -> bool {
        all_schemes(
            requirement,
            |kind| matches!(kind, SchemeKind::Http { scheme } if scheme.eq_ignore_ascii_case("basic")),
        )
    }

    fn authenticate(
        &self,
        request: &mut PreparedRequest,
        _requirement: &[SecurityScheme],
    ) -> Result<(), String> {
        let pair = format!("{}:{}", self.username, self.password.expose());
        let value = sensitive_value(
            &format!("Basic {}", base64_encode(pair.as_bytes())),
            "basic credential",
        )?;
        request.headers.insert(AUTHORIZATION, value);
        Ok(())
    }
}

/// Standard base64 with padding (RFC 4648 §4): the only encoding HTTP basic
/// authentication needs, not worth a dependency.
fn base64_encode(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Which `apiKey` schemes an [`ApiKey`] answers for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum KeyMatch {
    /// Any single `apiKey` scheme, wherever it travels.
    Any,
    /// The scheme with this key in `components.securitySchemes`.
    Scheme(String),
    /// The scheme sent at this place under this name (ASCII case ignored).
    Param(ApiKeyLocation, String),
}

/// An API key for `type: apiKey` schemes, sent where the scheme says: a
/// header, a query parameter or a cookie, under the scheme's parameter name.
///
/// [`ApiKey::new`] answers for any requirement made of exactly one `apiKey`
/// scheme (the petstore case). When an API declares several keys, pick one
/// with [`ApiKey::for_scheme`] or by place and name with [`ApiKey::header`],
/// [`ApiKey::query`] or [`ApiKey::cookie`], and combine them in
/// [`Credentials`].
#[derive(Clone, Debug)]
pub struct ApiKey {
    value: SecretString,
    matches: KeyMatch,
}

impl ApiKey {
    /// The key for whichever single `apiKey` scheme an operation requires.
    pub fn new(value: impl Into<SecretString>) -> Self {
        ApiKey {
            value: value.into(),
            matches: KeyMatch::Any,
        }
    }

    /// The key for the scheme named `scheme` in `components.securitySchemes`.
    pub fn for_scheme(scheme: impl Into<String>, value: impl Into<SecretString>) -> Self {
        ApiKey {
            value: value.into(),
            matches: KeyMatch::Scheme(scheme.into()),
        }
    }

    /// The key for the scheme sent as the header `name` (`X-API-Key`).
    pub fn header(name: impl Into<String>, value: impl Into<SecretString>) -> Self {
        Self::at(ApiKeyLocation::Header, name.into(), value.into())
    }

    /// The key for the scheme sent as the query parameter `name` (`api_key`).
    pub fn query(name: impl Into<String>, value: impl Into<SecretString>) -> Self {
        Self::at(ApiKeyLocation::Query, name.into(), value.into())
    }

    /// The key for the scheme sent as the cookie `name`.
    pub fn cookie(name: impl Into<String>, value: impl Into<SecretString>) -> Self {
        Self::at(ApiKeyLocation::Cookie, name.into(), value.into())
    }

    fn at(location: ApiKeyLocation, name: String, value: SecretString) -> Self {
        ApiKey {
            value,
            matches: KeyMatch::Param(location, name),
        }
    }

    fn answers(&self, scheme: &SecurityScheme) -> bool {
        let SchemeKind::ApiKey { location, param } = scheme.kind else {
            return false;
        };
        match &self.matches {
            KeyMatch::Any => true,
            KeyMatch::Scheme(name) => scheme.name == name,
            KeyMatch::Param(loc, name) => *loc == location && param.eq_ignore_ascii_case(name),
        }
    }
}

impl Authenticator for ApiKey {
    fn supports(&self, requirement: &[SecurityScheme]) -> bool {
        // One value cannot stand for two different keys.
        matches!(requirement, [only] if self.answers(only))
    }

    fn authenticate(
        &self,
        request: &mut PreparedRequest,
        requirement: &[SecurityScheme],
    ) -> Result<(), String> {
        for scheme in requirement {
            let SchemeKind::ApiKey { location, param } = scheme.kind else {
                continue;
            };
            match location {
                ApiKeyLocation::Query => request
                    .query
                    .push((param.to_owned(), QueryValue::Secret(self.value.clone()))),
                ApiKeyLocation::Header => {
                    let name = HeaderName::from_bytes(param.as_bytes()).map_err(|_| {
                        format!("`{param}` (scheme {}) is not a header name", scheme.name)
                    })?;
                    let what = format!("API key of scheme {}", scheme.name);
                    request
                        .headers
                        .insert(name, sensitive_value(self.value.expose(), &what)?);
                }
                ApiKeyLocation::Cookie => {
                    let pair = format!("{param}={}", self.value.expose());
                    // Several cookie schemes share one `Cookie` header.
                    let joined = match request.headers.get(COOKIE).map(HeaderValue::to_str) {
                        Some(Ok(earlier)) => format!("{earlier}; {pair}"),
                        _ => pair,
                    };
                    let what = format!("API key cookie of scheme {}", scheme.name);
                    request
                        .headers
                        .insert(COOKIE, sensitive_value(&joined, &what)?);
                }
            }
        }
        Ok(())
    }
}

/// Several authenticators as one: for APIs whose operations need different
/// schemes, or a requirement that combines schemes (an API key *and* a bearer
/// token). A requirement is served whole by the first member that supports
/// it; otherwise scheme by scheme, each by the first member supporting that
/// scheme alone.
#[derive(Clone, Default)]
pub struct Credentials {
    members: Vec<Arc<dyn Authenticator>>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("members", &self.members.len())
            .finish()
    }
}

impl Credentials {
    /// An empty set (supports nothing).
    pub fn new() -> Self {
        Credentials::default()
    }

    /// Adds an authenticator; earlier ones win when several support a scheme.
    pub fn with(mut self, auth: impl Authenticator) -> Self {
        self.members.push(Arc::new(auth));
        self
    }

    fn whole(&self, requirement: &[SecurityScheme]) -> Option<&Arc<dyn Authenticator>> {
        self.members.iter().find(|m| m.supports(requirement))
    }

    fn for_scheme(&self, scheme: &SecurityScheme) -> Option<&Arc<dyn Authenticator>> {
        self.whole(std::slice::from_ref(scheme))
    }
}

impl Authenticator for Credentials {
    fn supports(&self, requirement: &[SecurityScheme]) -> bool {
        self.whole(requirement).is_some()
            || (!requirement.is_empty() && requirement.iter().all(|s| self.for_scheme(s).is_some()))
    }

    fn authenticate(
        &self,
        request: &mut PreparedRequest,
        requirement: &[SecurityScheme],
    ) -> Result<(), String> {
        if let Some(member) = self.whole(requirement) {
            return member.authenticate(request, requirement);
        }
        for scheme in requirement {
            let one = std::slice::from_ref(scheme);
            let member = self
                .for_scheme(scheme)
                .ok_or_else(|| format!("no credential for security scheme {}", scheme.name))?;
            member.authenticate(request, one)?;
        }
        Ok(())
    }
}

/// No credentials: for APIs that declare no security schemes. An operation
/// that does require one fails before sending, naming the scheme.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoAuth;

impl Authenticator for NoAuth {
    fn supports(&self, _requirement: &[SecurityScheme]) -> bool {
        false
    }

    fn authenticate(
        &self,
        _request: &mut PreparedRequest,
        requirement: &[SecurityScheme],
    ) -> Result<(), String> {
        let names: Vec<&str> = requirement.iter().map(|s| s.name).collect();
        Err(format!(
            "no credentials configured for {}",
            names.join(" + ")
        ))
    }
}

#[cfg(test)]
mod tests;
