//! Responses: the typed body beside the status and headers it came with.

use http::{HeaderMap, StatusCode};

/// The raw answer to one request, before any decoding. `Debug` shows the
/// body with secret-named JSON values redacted.
#[derive(Clone)]
pub struct RawResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: bytes::Bytes,
}

impl std::fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &crate::redact::redact_body(&self.body))
            .finish()
    }
}

impl RawResponse {
    /// The `X-Request-ID` header, which the API's support asks for.
    pub fn request_id(&self) -> Option<&str> {
        header_str(&self.headers, "x-request-id")
    }
}

/// A successful response: the decoded body plus the status and headers.
///
/// Derefs to the body, so `resp.user_id` works as well as `resp.body.user_id`.
/// `Debug` shows the headers through [`RedactedHeaders`](crate::redact::RedactedHeaders):
/// a documented redirect's `Location` may echo a secret.
#[derive(Clone)]
pub struct Response<T> {
    /// HTTP status (a 2xx, or a 3xx the operation documents).
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The decoded body.
    pub body: T,
}

impl<T: std::fmt::Debug> std::fmt::Debug for Response<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &crate::redact::RedactedHeaders(&self.headers))
            .field("body", &self.body)
            .finish()
    }
}

impl<T> Response<T> {
    /// The `X-Request-ID` header.
    pub fn request_id(&self) -> Option<&str> {
        header_str(&self.headers, "x-request-id")
    }

    /// The `Location` header: where a documented redirect (`302`, `303`, ...)
    /// points, or a `201`'s new resource. Redirects are never followed.
    pub fn location(&self) -> Option<&str> {
        header_str(&self.headers, "location")
    }

    /// The rate-limit headers, when the server sent them.
    pub fn rate_limit(&self) -> RateLimit {
        RateLimit::from_headers(&self.headers)
    }

    /// Drops status and headers and keeps the body.
    pub fn into_body(self) -> T {
        self.body
    }

    /// Transforms the body, keeping status and headers.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            status: self.status,
            headers: self.headers,
            body: f(self.body),
        }
    }
}

impl<T> std::ops::Deref for Response<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.body
    }
}

/// The `X-RateLimit-*` and `Retry-After` headers of a response. Every field is
/// optional: servers may omit them even while limits apply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimit {
    /// `X-RateLimit-Limit`: requests allowed in the window.
    pub limit: Option<u64>,
    /// `X-RateLimit-Remaining`: requests left in the window.
    pub remaining: Option<u64>,
    /// `X-RateLimit-Reset`: seconds until the window resets. A value that
    /// can only be a Unix time (10 digits or more) is converted to the seconds
    /// left until it.
    pub reset_secs: Option<u64>,
    /// `Retry-After` in seconds: the delta-seconds form as sent, an HTTP date
    /// as the seconds left until it.
    pub retry_after_secs: Option<u64>,
}

impl RateLimit {
    /// Reads the rate-limit headers from a header map. Never panics; numbers
    /// too large for `u64` saturate, unreadable values are `None`.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        use crate::server_time::{parse_count, parse_reset, parse_retry_after};
        let now = std::time::SystemTime::now();
        let text = |name: &str| header_str(headers, name);
        RateLimit {
            limit: text("x-ratelimit-limit").and_then(parse_count),
            remaining: text("x-ratelimit-remaining").and_then(parse_count),
            reset_secs: text("x-ratelimit-reset").and_then(|v| parse_reset(v, now)),
            retry_after_secs: text("retry-after").and_then(|v| parse_retry_after(v, now)),
        }
    }
}

pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}
