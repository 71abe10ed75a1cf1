//! The [`Authenticator`] for SnapTrade's partner credentials.
//!
//! The spec declares three `apiKey` schemes that must be used together: a
//! client id and a timestamp in the query, and a signature in a header. The
//! generated code only says which schemes an operation needs; this module
//! supplies their values. A scheme's role is recognised from its scheme name
//! or parameter name (`…ClientId`/`clientId`, `…Timestamp`/`timestamp`,
//! `…Signature`/`Signature`), so a spec that renames the schemes still works.

use crate::runtime::{
    ApiKeyLocation, Authenticator, Body, PreparedRequest, QueryValue, SchemeKind, SecretString,
    SecurityScheme,
};
use std::fmt;
use std::sync::Arc;

/// A source of Unix time in whole seconds; replaceable for tests.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    // Declaration order is the order the reference SDK appends query values.
    ClientId,
    Timestamp,
    Signature,
}

fn role(scheme: &SecurityScheme) -> Option<(Role, ApiKeyLocation, &'static str)> {
    let SchemeKind::ApiKey { location, param } = scheme.kind else {
        return None;
    };
    let matches = |needle: &str| {
        contains_ignore_case(scheme.name, needle) || contains_ignore_case(param, needle)
    };
    let role = if matches("signature") {
        Role::Signature
    } else if matches("timestamp") {
        Role::Timestamp
    } else if matches("clientid") || matches("client_id") {
        Role::ClientId
    } else {
        return None;
    };
    Some((role, location, param))
}

/// Whether `haystack` contains `needle` (lowercase ASCII), ignoring ASCII case.
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// SnapTrade partner credentials: client id, consumer key and a clock.
#[derive(Clone)]
pub struct PartnerAuth {
    client_id: String,
    consumer_key: SecretString,
    clock: Clock,
}

impl fmt::Debug for PartnerAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PartnerAuth")
            .field("client_id", &self.client_id)
            .field("consumer_key", &self.consumer_key)
            .finish_non_exhaustive()
    }
}

impl PartnerAuth {
    /// Credentials using the system clock.
    pub fn new(client_id: impl Into<String>, consumer_key: impl Into<SecretString>) -> Self {
        Self::with_clock(client_id, consumer_key, system_clock())
    }

    /// Credentials with an explicit clock (tests, replay of known vectors).
    pub fn with_clock(
        client_id: impl Into<String>,
        consumer_key: impl Into<SecretString>,
        clock: Clock,
    ) -> Self {
        PartnerAuth {
            client_id: client_id.into(),
            consumer_key: consumer_key.into(),
            clock,
        }
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }
}

impl Authenticator for PartnerAuth {
    fn supports(&self, requirement: &[SecurityScheme]) -> bool {
        requirement.iter().all(|s| role(s).is_some())
    }

    fn authenticate(
        &self,
        request: &mut PreparedRequest,
        requirement: &[SecurityScheme],
    ) -> Result<(), String> {
        let mut roles: Vec<_> = requirement.iter().filter_map(role).collect();
        roles.sort_by_key(|r| r.0);
        // The measured skew corrects a local clock that is off from the server's.
        let timestamp = ((self.clock)() as i64 + request.clock_offset).to_string();
        let mut signature_slot = None;
        for (role, location, param) in roles {
            let value = match role {
                Role::ClientId => self.client_id.clone(),
                Role::Timestamp => timestamp.clone(),
                Role::Signature => {
                    signature_slot = Some((location, param));
                    continue;
                }
            };
            put(request, location, param, value)?;
        }
        // The signature covers everything else, so it is computed last.
        if let Some((location, param)) = signature_slot {
            let content = match &request.body {
                Body::Empty => None,
                Body::Json(v) => Some(v),
                _ => return Err("SnapTrade signing needs a JSON body or none".into()),
            };
            let sig = crate::sign::signature(
                self.consumer_key.expose(),
                &request.path,
                &request.query_string(),
                content,
            );
            put(request, location, param, sig)?;
        }
        Ok(())
    }
}

fn put(
    request: &mut PreparedRequest,
    location: ApiKeyLocation,
    param: &str,
    value: String,
) -> Result<(), String> {
    match location {
        ApiKeyLocation::Query => request
            .query
            .push((param.to_owned(), QueryValue::Plain(value))),
        ApiKeyLocation::Header => {
            let name = http::HeaderName::from_bytes(param.as_bytes())
                .map_err(|e| format!("security header {param:?}: {e}"))?;
            let mut value = http::HeaderValue::from_str(&value)
                .map_err(|e| format!("security header {param}: {e}"))?;
            // A credential (the signature): `Debug` of the headers hides it.
            value.set_sensitive(true);
            request.headers.insert(name, value);
        }
        ApiKeyLocation::Cookie => {
            return Err(format!("cookie security scheme {param:?} is not supported"))
        }
    }
    Ok(())
}
