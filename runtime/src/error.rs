//! Errors of a call: from the API, the network, or decoding.
//!
//! None of them carries a credential: requests are described by operation id,
//! method and path only, never by URL (the query may hold a user secret).

use crate::redact::redact_body;
use crate::response::{header_str, RawResponse};
use http::{HeaderMap, StatusCode};
use std::fmt;

/// Longest body excerpt kept in messages; the full body stays in the error.
const EXCERPT: usize = 512;

/// The error of one operation call. `E` is the operation's own enum of
/// documented error responses.
#[derive(Debug, thiserror::Error)]
pub enum Error<E> {
    /// The server answered with a status that is not a documented success.
    /// Boxed: it carries headers and the body, and most results are `Ok`.
    #[error(transparent)]
    Api(Box<ApiError<E>>),
    /// The request did not complete: connection, TLS, timeout.
    #[error(transparent)]
    Transport(Box<TransportError>),
    /// A success status came with a body that does not match the spec.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The request could not be built (bad base URL, missing credential, ...).
    #[error(transparent)]
    Request(RequestError),
}

impl<E> Error<E> {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            _ => None,
        }
    }

    /// The `X-Request-ID` of the response, when there was one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id.as_deref(),
            Error::Decode(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// The API error, if this is one.
    pub fn as_api(&self) -> Option<&ApiError<E>> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }
}

impl<E> From<TransportError> for Error<E> {
    fn from(e: TransportError) -> Self {
        Error::Transport(Box::new(e))
    }
}

impl<E> From<RequestError> for Error<E> {
    fn from(e: RequestError) -> Self {
        Error::Request(e)
    }
}

/// A value a document types as "an integer or a string"
/// (`oneOf: [{type: integer}, {type: string}]`), most often an API's error
/// code: a number in the examples, a string (`"0000"`) in some bodies seen in
/// practice. Generated models use it for such unions, and compare it with
/// numbers and text either way (`code == 1076`, `code == "1076"`).
///
/// ```
/// use oapi_client_runtime::IntegerOrString;
/// let code: IntegerOrString = serde_json::from_str("\"1076\"").unwrap();
/// assert!(code == 1076);
/// assert_eq!(serde_json::to_string(&IntegerOrString::Number(7)).unwrap(), "7");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum IntegerOrString {
    /// A number such as `1076`.
    Number(i64),
    /// Text such as `"0000"`.
    Text(String),
}

/// The API's error code, as [`ApiError::code`] and
/// [`ClientError::api_code`](crate::ClientError::api_code) give it: the same
/// type generated models use for a code typed "an integer or a string".
pub type ErrorCode = IntegerOrString;

impl fmt::Display for IntegerOrString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntegerOrString::Number(n) => write!(f, "{n}"),
            IntegerOrString::Text(s) => f.write_str(s),
        }
    }
}

/// A non-success answer from the API.
///
/// `Debug` and `Display` show the body with secret-named JSON values
/// redacted; the `body` field itself is the raw bytes.
pub struct ApiError<E> {
    /// The operation that failed.
    pub operation_id: &'static str,
    /// HTTP status.
    pub status: StatusCode,
    /// The documented error response this status maps to, decoded.
    pub kind: E,
    /// The API's error code, read from `default_code` or `code`.
    pub code: Option<ErrorCode>,
    /// The API's message, read from `default_detail` or `detail`.
    pub detail: Option<String>,
    /// `X-Request-ID`, for support.
    pub request_id: Option<String>,
    /// Response headers.
    pub headers: HeaderMap,
    /// The raw body, untouched.
    pub body: bytes::Bytes,
}

impl<E> ApiError<E> {
    /// Builds the error from a raw response and the decoded documented variant.
    pub fn from_raw(operation_id: &'static str, raw: RawResponse, kind: E) -> Self {
        let (code, detail) = code_and_detail(&raw.body);
        ApiError {
            operation_id,
            status: raw.status,
            kind,
            code,
            detail,
            request_id: header_str(&raw.headers, "x-request-id").map(str::to_owned),
            headers: raw.headers,
            body: raw.body,
        }
    }

    /// The body as text (lossy), for logs, with the values of secret-named
    /// JSON properties (`userSecret`, ...) replaced by `[redacted]`.
    pub fn body_text(&self) -> String {
        redact_body(&self.body)
    }
}

impl<E: fmt::Debug> fmt::Debug for ApiError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("operation_id", &self.operation_id)
            .field("status", &self.status)
            .field("kind", &self.kind)
            .field("code", &self.code)
            .field("detail", &self.detail)
            .field("request_id", &self.request_id)
            .field("headers", &crate::redact::RedactedHeaders(&self.headers))
            .field("body", &redact_body(&self.body))
            .finish()
    }
}

impl<E: fmt::Debug> fmt::Display for ApiError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed with HTTP {}", self.operation_id, self.status)?;
        if let Some(code) = &self.code {
            write!(f, ", code {code}")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        } else if !self.body.is_empty() {
            write!(f, ": {}", excerpt(&self.body))?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl<E: fmt::Debug> std::error::Error for ApiError<E> {}

/// The request never got a complete answer.
#[derive(Debug, thiserror::Error)]
#[error("{operation_id}: {kind} while calling {method} {path} ({attempts} attempt(s); {}): {message}", if *maybe_sent { "the request may have reached the server" } else { "the request was not sent" })]
pub struct TransportError {
    /// The operation.
    pub operation_id: &'static str,
    /// The HTTP method.
    pub method: http::Method,
    /// The path (never the query, which may hold secrets).
    pub path: String,
    /// What went wrong.
    pub kind: TransportErrorKind,
    /// The underlying error's message, with any URL stripped.
    pub message: String,
    /// Whether the request may have reached the server. `false` only when the
    /// connection was refused or could not be made, so a retry of a
    /// non-idempotent call is safe exactly when this is `false`.
    pub maybe_sent: bool,
    /// How many attempts were made, retries included.
    pub attempts: u32,
    /// For [`TransportErrorKind::Redirect`]: the answer's `Location`; for
    /// [`TransportErrorKind::UnexpectedUrl`]: the URL that answered. Secret-named
    /// query values and any user name or password are redacted. Redirects
    /// are never followed.
    pub location: Option<String>,
}

/// The kind of transport failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// Could not connect.
    Connect,
    /// The configured timeout elapsed.
    Timeout,
    /// The response body was longer than the configured cap
    /// (`ClientBuilder::max_response_bytes`); reading stopped there. Never
    /// retried: the answer would be as long the next time.
    BodyTooLarge,
    /// The server answered with a redirect (a 3xx with a `Location`). A
    /// signed request is never resent to another URL, so it is not followed;
    /// the target is in [`TransportError::location`]. Never retried.
    Redirect,
    /// The response came from another URL than the one sent (only a client
    /// that followed a redirect could do that, which the runtime's clients
    /// never do). Its body is not read; [`TransportError::location`] holds
    /// that URL, redacted. Never retried.
    UnexpectedUrl,
    /// Anything else: a reset connection, a truncated body, a malformed
    /// response, TLS.
    Other,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportErrorKind::Connect => "connection failed",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::BodyTooLarge => "response body too large",
            TransportErrorKind::Redirect => "redirect not followed",
            TransportErrorKind::UnexpectedUrl => "response from an unexpected URL",
            TransportErrorKind::Other => "transport error",
        })
    }
}

/// A success status whose body does not decode as documented (or is not
/// declared as JSON). `Debug` shows the body with secret values redacted.
#[derive(thiserror::Error)]
#[error("{operation_id}: HTTP {status} body does not match the spec: {message}; body starts: {excerpt}{}", request_id.as_deref().map(|r| format!(" (request id {r})")).unwrap_or_default())]
pub struct DecodeError {
    /// The operation.
    pub operation_id: &'static str,
    /// HTTP status.
    pub status: StatusCode,
    /// The decoder's message (with line and column).
    pub message: String,
    /// The first bytes of the body, as text, secret values redacted.
    pub excerpt: String,
    /// `X-Request-ID`.
    pub request_id: Option<String>,
    /// The raw body.
    pub body: bytes::Bytes,
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("operation_id", &self.operation_id)
            .field("status", &self.status)
            .field("message", &self.message)
            .field("excerpt", &self.excerpt)
            .field("request_id", &self.request_id)
            .field("body", &redact_body(&self.body))
            .finish()
    }
}

/// The request could not be built.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{operation_id}: {message}")]
pub struct RequestError {
    /// The operation.
    pub operation_id: &'static str,
    /// What is wrong.
    pub message: String,
}

/// Decodes a success body as JSON.
pub fn decode_json<T: serde::de::DeserializeOwned, E>(
    operation_id: &'static str,
    raw: RawResponse,
) -> Result<crate::Response<T>, Error<E>> {
    // A body declared as something else (an HTML error page from a proxy,
    // `text/plain`) is not the documented answer, even when it parses.
    if let Some(ct) = header_str(&raw.headers, "content-type") {
        if !is_json_media_type(ct) {
            return Err(Error::Decode(Box::new(DecodeError {
                operation_id,
                status: raw.status,
                message: format!("expected a JSON body, got Content-Type {ct:?}"),
                excerpt: excerpt(&raw.body),
                request_id: raw.request_id().map(str::to_owned),
                body: raw.body,
            })));
        }
    }
    // An empty body decodes as JSON null, so `Option`/`Value` bodies accept it.
    let parsed = if raw.body.iter().all(u8::is_ascii_whitespace) {
        serde_json::from_slice(b"null")
    } else {
        serde_json::from_slice(&raw.body)
    };
    match parsed {
        Ok(body) => Ok(crate::Response {
            status: raw.status,
            headers: raw.headers,
            body,
        }),
        Err(e) => Err(Error::Decode(Box::new(DecodeError {
            operation_id,
            status: raw.status,
            message: e.to_string(),
            excerpt: excerpt(&raw.body),
            request_id: raw.request_id().map(str::to_owned),
            body: raw.body,
        }))),
    }
}

/// `application/json`, `text/json` or any `+json` type, parameters ignored.
fn is_json_media_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let ends_with_json = essence.len() >= 5
        && essence.as_bytes()[essence.len() - 5..].eq_ignore_ascii_case(b"+json");
    essence.eq_ignore_ascii_case("application/json")
        || essence.eq_ignore_ascii_case("text/json")
        || ends_with_json
}

/// A success response documented without a body.
pub fn decode_empty<E>(raw: RawResponse) -> crate::Response<()> {
    crate::Response {
        status: raw.status,
        headers: raw.headers,
        body: (),
    }
}

/// Decodes an error body as JSON into a documented variant; `None` when it does not match.
pub fn decode_error_body<T: serde::de::DeserializeOwned>(raw: &RawResponse) -> Option<T> {
    serde_json::from_slice(&raw.body).ok()
}

fn code_and_detail(body: &[u8]) -> (Option<ErrorCode>, Option<String>) {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body)
    else {
        return (None, None);
    };
    let code = ["default_code", "code", "error_code"]
        .iter()
        .find_map(|k| match map.get(*k)? {
            serde_json::Value::Number(n) => n.as_i64().map(ErrorCode::Number),
            serde_json::Value::String(s) => Some(ErrorCode::Text(s.clone())),
            _ => None,
        });
    let detail = ["default_detail", "detail", "message", "error"]
        .iter()
        .find_map(|k| match map.get(*k)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Null => None,
            // An object- or array-valued detail may hold secret-named keys.
            other => {
                let mut other = other.clone();
                crate::redact::redact_json_value(&mut other);
                Some(other.to_string())
            }
        });
    (code, detail)
}

pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = redact_body(&body[..body.len().min(EXCERPT)]);
    let mut s = text.replace(['\n', '\r'], " ");
    if body.len() > EXCERPT {
        s.push_str("...");
    }
    s
}
