//! Interceptors: caller code run around every attempt of every call.
//!
//! **Signing cannot be broken by an interceptor, because the signer's inputs
//! are out of its reach.** An interceptor runs after the request has been
//! authenticated (signed), just before it is sent, and sees it through
//! [`Outgoing`]: the operation id, method, path template and attempt number
//! read-only, plus one thing it may do: *add* a header that is not already
//! there. It cannot read or change the path, the query, the body, or any
//! header already set by the operation, the authenticator or the transport
//! (`Signature`, `Authorization`, `Content-Type`, ...); nor can it set
//! framing headers (`Host`, `Content-Length`, ...) or `User-Agent`. An
//! attempt to do so is refused with a [`HeaderRefused`] and the request goes
//! out unchanged. Because it never sees header values, the query or the body,
//! an interceptor also never sees a credential or a user secret.
//!
//! After each attempt, [`Interceptor::after_response`] gets an [`Incoming`]:
//! the same identity plus the status and headers of the response, or the
//! kind of transport failure, and the attempt's duration (never the body,
//! which may hold secrets).
//!
//! Several interceptors run in the order they were registered, for both
//! hooks. Hooks are synchronous and run on the calling task: keep them short
//! (count, add a header, hand a record to a channel).

use crate::error::TransportErrorKind;
use crate::response::RawResponse;
use crate::transport::SendError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Code run before each attempt is sent and after each attempt ends.
///
/// Both hooks have empty defaults: implement the ones you need.
///
/// ```
/// use oapi_client_runtime::{Interceptor, Outgoing};
///
/// /// Adds an `X-Trace-Id` header to every attempt.
/// struct TraceId;
///
/// impl Interceptor for TraceId {
///     fn before_send(&self, request: &mut Outgoing<'_>) {
///         let id = format!("{}-{}", request.operation_id(), request.attempt());
///         // Refused only if the header is already set; the request still goes out.
///         let _ = request.add_header("x-trace-id", &id);
///     }
/// }
/// ```
pub trait Interceptor: Send + Sync + 'static {
    /// Called for every attempt (retries included), after the request has
    /// been authenticated, just before it is sent.
    fn before_send(&self, request: &mut Outgoing<'_>) {
        let _ = request;
    }

    /// Called when an attempt ends with a response (any status) or a
    /// transport failure, before the retry decision. Not called for requests
    /// that could not be built (nothing was sent).
    fn after_response(&self, response: &Incoming<'_>) {
        let _ = response;
    }
}

/// A shared interceptor is one too: register `Arc::clone(&metrics)` and
/// keep the other handle to read what it collected.
impl<T: Interceptor + ?Sized> Interceptor for Arc<T> {
    fn before_send(&self, request: &mut Outgoing<'_>) {
        (**self).before_send(request);
    }

    fn after_response(&self, response: &Incoming<'_>) {
        (**self).after_response(response);
    }
}

/// The operation an attempt belongs to.
#[derive(Debug, Clone, Copy)]
struct Identity<'a> {
    operation_id: &'static str,
    method: &'a http::Method,
    path_template: &'static str,
    attempt: u32,
}

/// The request of one attempt, as an interceptor may see and extend it.
pub struct Outgoing<'a> {
    id: Identity<'a>,
    headers: &'a mut http::HeaderMap,
}

/// Why [`Outgoing::add_header`] left the request unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderRefused {
    /// Not a valid header name or value.
    #[error("invalid header: {0}")]
    Invalid(String),
    /// The header is already set (by the operation, the authenticator or the
    /// transport): it may be signed or a credential, so it stays as it is.
    #[error("header {0} is already set and cannot be changed by an interceptor")]
    AlreadySet(String),
    /// A header the transport owns (framing, `Host`, `User-Agent`).
    #[error("header {0} is reserved to the transport")]
    Reserved(String),
}

/// Headers an interceptor may not add even when absent: HTTP framing and
/// routing (set by the HTTP layer) and `User-Agent` (set with the client's
/// own setting, which would otherwise be overridden on some clients only).
const RESERVED: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "proxy-authorization",
    "proxy-connection",
    "user-agent",
];

impl Outgoing<'_> {
    /// The operation id.
    pub fn operation_id(&self) -> &'static str {
        self.id.operation_id
    }

    /// The HTTP method.
    pub fn method(&self) -> &http::Method {
        self.id.method
    }

    /// The spec's path template (`/users/{id}`); empty for requests built
    /// without one.
    pub fn path_template(&self) -> &'static str {
        self.id.path_template
    }

    /// 1 for the first attempt, 2 for the first retry, ...
    pub fn attempt(&self) -> u32 {
        self.id.attempt
    }

    /// Whether the request already has header `name` (its value stays hidden:
    /// it may be a credential).
    pub fn has_header(&self, name: &str) -> bool {
        self.headers.contains_key(name)
    }

    /// Adds header `name: value` to this attempt. Refused, leaving the
    /// request as it was, when the name or value is invalid, the header is
    /// already set, or it is [reserved](HeaderRefused::Reserved).
    pub fn add_header(&mut self, name: &str, value: &str) -> Result<(), HeaderRefused> {
        let name = http::HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| HeaderRefused::Invalid(format!("name {name:?}: {e}")))?;
        if RESERVED.contains(&name.as_str()) {
            return Err(HeaderRefused::Reserved(name.as_str().to_owned()));
        }
        if self.headers.contains_key(&name) {
            return Err(HeaderRefused::AlreadySet(name.as_str().to_owned()));
        }
        let value = http::HeaderValue::from_str(value)
            .map_err(|e| HeaderRefused::Invalid(format!("value of {name}: {e}")))?;
        self.headers.insert(name, value);
        Ok(())
    }
}

impl fmt::Debug for Outgoing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.keys().map(|n| n.as_str()).collect();
        f.debug_struct("Outgoing")
            .field("operation_id", &self.id.operation_id)
            .field("method", self.id.method)
            .field("path_template", &self.id.path_template)
            .field("attempt", &self.id.attempt)
            .field("header_names", &names)
            .finish()
    }
}

/// How one attempt ended, as an interceptor sees it.
pub struct Incoming<'a> {
    id: Identity<'a>,
    result: &'a Result<RawResponse, SendError>,
    elapsed: Duration,
}

impl Incoming<'_> {
    /// The operation id.
    pub fn operation_id(&self) -> &'static str {
        self.id.operation_id
    }

    /// The HTTP method.
    pub fn method(&self) -> &http::Method {
        self.id.method
    }

    /// The spec's path template; empty for requests built without one.
    pub fn path_template(&self) -> &'static str {
        self.id.path_template
    }

    /// 1 for the first attempt, 2 for the first retry, ...
    pub fn attempt(&self) -> u32 {
        self.id.attempt
    }

    /// The response status, if a response came.
    pub fn status(&self) -> Option<http::StatusCode> {
        self.result.as_ref().ok().map(|r| r.status)
    }

    /// The response headers, if a response came.
    pub fn headers(&self) -> Option<&http::HeaderMap> {
        self.result.as_ref().ok().map(|r| &r.headers)
    }

    /// The whole response body, if a response came: what the operation
    /// decodes next (for recording, or checking a decode round trip).
    ///
    /// Only with the cargo feature `intercept-body`, which test harnesses
    /// turn on: a body can hold a secret (a one-time user secret), and
    /// without the feature no secret reaches an interceptor.
    #[cfg(feature = "intercept-body")]
    pub fn body(&self) -> Option<&[u8]> {
        self.result.as_ref().ok().map(|r| &r.body[..])
    }

    /// The response's `X-Request-ID`, if any.
    pub fn request_id(&self) -> Option<&str> {
        self.result.as_ref().ok().and_then(RawResponse::request_id)
    }

    /// The kind of failure when no (complete) response came.
    pub fn error(&self) -> Option<TransportErrorKind> {
        match self.result {
            Err(SendError::Transport(t)) => Some(t.kind),
            _ => None,
        }
    }

    /// Time from sending this attempt to its end (body read or failure).
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }
}

impl fmt::Debug for Incoming<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Incoming")
            .field("operation_id", &self.id.operation_id)
            .field("method", self.id.method)
            .field("path_template", &self.id.path_template)
            .field("attempt", &self.id.attempt)
            .field("status", &self.status())
            .field("error", &self.error())
            .field("elapsed", &self.elapsed)
            .finish()
    }
}

/// The interceptors of a client, in the order they run.
#[derive(Clone, Default)]
pub struct Interceptors(Vec<Arc<dyn Interceptor>>);

impl Interceptors {
    /// No interceptors.
    pub fn new() -> Self {
        Interceptors(Vec::new())
    }

    /// Appends `interceptor`: it runs after those already added.
    pub fn push(&mut self, interceptor: Arc<dyn Interceptor>) {
        self.0.push(interceptor);
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Runs every `before_send` on the request of one attempt.
    #[inline]
    pub(crate) fn before_send(
        &self,
        op: &crate::OperationRequest,
        attempt: u32,
        headers: &mut http::HeaderMap,
    ) {
        if self.0.is_empty() {
            return;
        }
        let mut outgoing = Outgoing {
            id: Identity {
                operation_id: op.operation_id,
                method: &op.method,
                path_template: op.path_template,
                attempt,
            },
            headers,
        };
        for i in &self.0 {
            i.before_send(&mut outgoing);
        }
    }

    /// Runs every `after_response` on how one attempt ended.
    #[inline]
    pub(crate) fn after_response(
        &self,
        op: &crate::OperationRequest,
        attempt: u32,
        result: &Result<RawResponse, SendError>,
        sent: std::time::Instant,
    ) {
        if self.0.is_empty() {
            return;
        }
        let elapsed = sent.elapsed();
        let incoming = Incoming {
            id: Identity {
                operation_id: op.operation_id,
                method: &op.method,
                path_template: op.path_template,
                attempt,
            },
            result,
            elapsed,
        };
        for i in &self.0 {
            i.after_response(&incoming);
        }
    }
}

impl fmt::Debug for Interceptors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Interceptors({})", self.0.len())
    }
}
