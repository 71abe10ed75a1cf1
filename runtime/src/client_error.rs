//! One error type for every operation, and one-call questions about an error.
//!
//! Each operation returns its own [`Error<E>`], generic over the operation's
//! enum of documented error responses. An application that calls several
//! operations wants one error type to `?` into: [`ClientError`] is that type.
//! Every `Error<E>` converts into it (`From`), keeping the status, the API's
//! code and detail, the request id, the documented variant's name and the raw
//! body. It is not generic, so it fits in an app's own error enum or in
//! `Result<_, ClientError>`.
//!
//! The questions an app asks of an error ("is it a 404?", "is it code 1010?")
//! are one method call on both [`Error<E>`] and [`ClientError`]:
//! `is_status(404)`, `has_code(1010)`, `api_code()`, `detail()`,
//! `request_id()`. [`ClientError`]'s fields are public, so a single pattern
//! such as `ClientError { status: Some(404), .. }` works too.

use crate::error::{excerpt, ApiError, Error, ErrorCode, TransportErrorKind};
use crate::redact::redact_body;
use std::fmt;

/// What kind of failure a [`ClientError`] is: the variants of [`Error<E>`],
/// without their payloads (those are flattened into [`ClientError`]'s fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientErrorKind {
    /// The server answered with a status that is not a documented success.
    Api,
    /// The request did not complete; the transport failure's kind.
    Transport(TransportErrorKind),
    /// A success status came with a body that does not match the spec.
    Decode,
    /// The request could not be built.
    Request,
}

/// The error of any operation, not generic: every [`Error<E>`] converts into
/// it, so `?` works across operations in a function returning
/// `Result<_, ClientError>`.
///
/// `Display` is the original error's message; neither it nor `Debug` shows a
/// credential (the body is shown with secret-named JSON values redacted).
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientError {
    /// What kind of failure this is.
    pub kind: ClientErrorKind,
    /// The operation that failed (its `operationId`).
    pub operation_id: &'static str,
    /// The HTTP status, when the server answered (`Api` and `Decode`).
    pub status: Option<u16>,
    /// The API's error code, when the body had one.
    pub code: Option<ErrorCode>,
    /// The API's message, when the body had one.
    pub detail: Option<String>,
    /// The name of the operation's documented error variant the answer
    /// decoded as (`"NotFound"`, `"BadRequest"`, `"Unknown"`); `Api` only.
    pub variant: Option<&'static str>,
    /// `X-Request-ID`, for support.
    pub request_id: Option<String>,
    /// Boxed so that `Result<_, ClientError>` stays small (clippy's
    /// `result_large_err` limit is 128 bytes) while the fields above stay
    /// matchable in one pattern.
    rest: Box<Rest>,
}

/// The parts of a [`ClientError`] that are read, not matched.
#[derive(Clone)]
struct Rest {
    /// The raw response body (empty when there was no answer).
    body: bytes::Bytes,
    /// The original error's message (already free of credentials).
    message: String,
}

impl ClientError {
    /// Whether the server answered with HTTP `status`.
    pub fn is_status(&self, status: u16) -> bool {
        self.status == Some(status)
    }

    /// The API's error code, when the body had one.
    pub fn api_code(&self) -> Option<&ErrorCode> {
        self.code.as_ref()
    }

    /// Whether the API's error code is `code` (a number or a string; see
    /// [`ErrorCode`]'s comparisons).
    pub fn has_code<C>(&self, code: C) -> bool
    where
        ErrorCode: PartialEq<C>,
    {
        self.code.as_ref().is_some_and(|c| *c == code)
    }

    /// The API's message, when the body had one.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// `X-Request-ID` of the response, when there was one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Whether this is an API error (the server answered with an error status).
    pub fn is_api(&self) -> bool {
        self.kind == ClientErrorKind::Api
    }

    /// The raw response body (empty when there was no answer). Holds
    /// whatever the server sent: redact before logging ([`Self::body_text`]).
    pub fn body(&self) -> &bytes::Bytes {
        &self.rest.body
    }

    /// The body as JSON, when it is JSON. Holds whatever the server sent,
    /// secrets included: redact before logging (Debug/Display already do).
    pub fn body_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.rest.body).ok()
    }

    /// The body as text (lossy), with the values of secret-named JSON
    /// properties replaced by `[redacted]`.
    pub fn body_text(&self) -> String {
        redact_body(&self.rest.body)
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rest.message)
    }
}

impl fmt::Debug for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientError")
            .field("kind", &self.kind)
            .field("operation_id", &self.operation_id)
            .field("status", &self.status)
            .field("code", &self.code)
            .field("detail", &self.detail)
            .field("variant", &self.variant)
            .field("request_id", &self.request_id)
            .field("body", &excerpt(&self.rest.body))
            .field("message", &self.rest.message)
            .finish()
    }
}

impl std::error::Error for ClientError {}

impl<E: fmt::Debug> From<Error<E>> for ClientError {
    fn from(e: Error<E>) -> Self {
        let message = e.to_string();
        let mut body = bytes::Bytes::new();
        let blank = |kind, operation_id| ClientError {
            kind,
            operation_id,
            status: None,
            code: None,
            detail: None,
            variant: None,
            request_id: None,
            rest: Box::new(Rest {
                body: bytes::Bytes::new(),
                message: String::new(),
            }),
        };
        let mut out = match e {
            Error::Api(api) => {
                let api = *api;
                let variant = Some(api.variant_name());
                body = api.body;
                ClientError {
                    variant,
                    status: Some(api.status.as_u16()),
                    code: api.code,
                    detail: api.detail,
                    request_id: api.request_id,
                    ..blank(ClientErrorKind::Api, api.operation_id)
                }
            }
            Error::Transport(t) => blank(ClientErrorKind::Transport(t.kind), t.operation_id),
            Error::Decode(d) => {
                let d = *d;
                body = d.body;
                ClientError {
                    status: Some(d.status.as_u16()),
                    request_id: d.request_id,
                    ..blank(ClientErrorKind::Decode, d.operation_id)
                }
            }
            Error::Request(r) => blank(ClientErrorKind::Request, r.operation_id),
        };
        *out.rest = Rest { body, message };
        out
    }
}

impl<E> ApiError<E> {
    /// Whether the status is `status`.
    pub fn is_status(&self, status: u16) -> bool {
        self.status == status
    }
}

impl<E: fmt::Debug> ApiError<E> {
    /// The name of the documented error variant the answer decoded as
    /// (`"NotFound"`, `"Unknown"`): the leading identifier of the variant's
    /// `Debug` output, so generated enums need no extra code. Only names
    /// from a fixed set are returned, never payload text.
    pub fn variant_name(&self) -> &'static str {
        let debug = format!("{:?}", self.kind);
        let end = debug
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(debug.len());
        intern(&debug[..end])
    }
}

/// Maps a variant name to a `&'static str` without leaking per call: names
/// are few (one per documented error status, plus `Unknown`), so each
/// distinct name is leaked once and reused.
fn intern(name: &str) -> &'static str {
    use std::collections::BTreeSet;
    use std::sync::Mutex;
    static NAMES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    // An identifier from a generated enum; a hand-written `Debug` could print
    // anything, so cap what is kept.
    if name.is_empty() || name.len() > 64 {
        return "Unknown";
    }
    let mut names = NAMES.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(found) = names.get(name) {
        return found;
    }
    if names.len() >= 1024 {
        return "Unknown";
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(leaked);
    leaked
}

impl<E> Error<E> {
    /// Whether the server answered with HTTP `status` (an API error or a
    /// success body that failed to decode).
    pub fn is_status(&self, status: u16) -> bool {
        self.status().is_some_and(|s| s == status)
    }

    /// The API's error code, when this is an API error whose body had one.
    pub fn api_code(&self) -> Option<&ErrorCode> {
        self.as_api().and_then(|e| e.code.as_ref())
    }

    /// Whether this is an API error with code `code` (a number or a string;
    /// see [`ErrorCode`]'s comparisons).
    pub fn has_code<C>(&self, code: C) -> bool
    where
        ErrorCode: PartialEq<C>,
    {
        self.api_code().is_some_and(|c| *c == code)
    }

    /// The API's message, when this is an API error whose body had one.
    pub fn detail(&self) -> Option<&str> {
        self.as_api().and_then(|e| e.detail.as_deref())
    }

    /// The decoded documented error variant, when this is an API error.
    pub fn api_kind(&self) -> Option<&E> {
        self.as_api().map(|e| &e.kind)
    }
}

// A code is the same whether the API sent it as a number or as digits in a
// string: `1010` and `"1010"` compare equal, so callers need not care which
// form a given endpoint uses.
impl PartialEq<i64> for ErrorCode {
    fn eq(&self, other: &i64) -> bool {
        match self {
            ErrorCode::Number(n) => n == other,
            ErrorCode::Text(s) => s.trim().parse::<i64>().ok() == Some(*other),
        }
    }
}

impl PartialEq<i32> for ErrorCode {
    fn eq(&self, other: &i32) -> bool {
        *self == i64::from(*other)
    }
}

impl PartialEq<u32> for ErrorCode {
    fn eq(&self, other: &u32) -> bool {
        *self == i64::from(*other)
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        match self {
            ErrorCode::Text(s) => s == other,
            ErrorCode::Number(n) => other.trim().parse::<i64>().ok() == Some(*n),
        }
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl PartialEq<String> for ErrorCode {
    fn eq(&self, other: &String) -> bool {
        *self == **other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::RawResponse;
    use http::{HeaderMap, StatusCode};

    #[derive(Debug)]
    #[allow(dead_code)] // payloads are read through Debug only
    enum OpError {
        NotFound(serde_json::Value),
        Unknown,
    }

    fn api(kind: OpError, body: &'static str) -> Error<OpError> {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", "rid-9".parse().unwrap());
        let raw = RawResponse {
            status: StatusCode::NOT_FOUND,
            headers,
            body: bytes::Bytes::from_static(body.as_bytes()),
        };
        Error::Api(Box::new(ApiError::from_raw("getThing", raw, kind)))
    }

    #[test]
    fn client_error_is_small_enough_for_results() {
        assert!(std::mem::size_of::<ClientError>() <= 128);
    }

    #[test]
    fn error_codes_compare_as_numbers_or_text() {
        assert!(ErrorCode::Number(1010) == 1010);
        assert!(ErrorCode::Number(1010) == "1010");
        assert!(ErrorCode::Text("1010".into()) == 1010);
        assert!(ErrorCode::Text("0000".into()) == "0000");
        assert!(ErrorCode::Text("0000".into()) != "0");
        assert!(ErrorCode::Number(1010) != 1011);
        assert!(ErrorCode::Text("abc".into()) != 0);
    }

    #[test]
    fn converts_keeping_status_code_detail_variant_and_request_id() {
        let body = r#"{"default_code":"1011","default_detail":"gone","userSecret":"s3cr3t"}"#;
        let e = api(OpError::NotFound(serde_json::json!({"k": "v"})), body);
        assert!(e.is_status(404) && e.has_code(1011) && !e.has_code(1010));
        assert_eq!(e.detail(), Some("gone"));
        let c = ClientError::from(e);
        assert_eq!(c.kind, ClientErrorKind::Api);
        assert_eq!(
            (c.status, c.variant, c.request_id(), c.detail()),
            (Some(404), Some("NotFound"), Some("rid-9"), Some("gone"))
        );
        assert!(matches!(
            c,
            ClientError {
                status: Some(404),
                ..
            }
        ));
        assert!(c.has_code("1011") && c.has_code(1011));
        assert_eq!(c.body_json().unwrap()["default_code"], "1011");
        for text in [c.to_string(), format!("{c:?}")] {
            assert!(!text.contains("s3cr3t"), "{text}");
        }
        let unknown = ClientError::from(api(OpError::Unknown, ""));
        assert_eq!(unknown.variant, Some("Unknown"));
    }
}
