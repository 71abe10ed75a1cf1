//! What every generated operation does with an answer, written once.
//!
//! A generated [`Operation`] impl builds its [`OperationRequest`] and
//! matches the answer's status: one arm per documented success, and [`fail`]
//! for everything else; [`send`] is the one future that runs them all. `fail` asks the
//! operation's error enum, through [`ApiErrorKind`], which variant the status
//! and body are; that impl is one match arm per documented error status, so an
//! operation's generated code grows by about one line per documented status.

use crate::error::{ApiError, Error, RequestError};
use crate::request::{Body, OperationRequest};
use crate::response::{RawResponse, Response};
use crate::transport::Transport;
use std::future::Future;
use std::pin::Pin;

/// The outcome of one operation call: the decoded success with its status and
/// headers, or the operation's [`Error`].
pub type Result<T, E> = std::result::Result<Response<T>, Error<E>>;

/// An operation's enum of documented error responses.
///
/// Generated code implements it with one match arm per documented status; a
/// status the document does not list, or a body that does not match its
/// schema, gives the enum's `Unknown` variant.
pub trait ApiErrorKind: Sized {
    /// The variant for an answer with `status` and `body`.
    fn from_response(status: u16, body: &[u8]) -> Self;
}

/// The error kind of an operation whose document lists no error answer:
/// every error is [`Unknown`](Self::Unknown), and the status, code, detail
/// and request id are on the [`ApiError`] around it. Generated code names it
/// per operation (`pub type HoldError = rt::UndocumentedError;`), so one
/// type serves every such operation instead of an enum and an impl each.
///
/// ```
/// use oapi_client_runtime::{ApiErrorKind, UndocumentedError};
/// assert_eq!(UndocumentedError::from_response(500, b"{}"), UndocumentedError::Unknown);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UndocumentedError {
    /// Any error answer: the document describes none.
    Unknown,
}

impl ApiErrorKind for UndocumentedError {
    fn from_response(_: u16, _: &[u8]) -> Self {
        UndocumentedError::Unknown
    }
}

/// The error result for an answer that is not a documented success: the
/// variant chosen by [`ApiErrorKind::from_response`], plus the status, the
/// API's code and detail, the request id, headers and the raw body.
pub fn fail<T, E: ApiErrorKind>(operation_id: &'static str, raw: RawResponse) -> Result<T, E> {
    let kind = E::from_response(raw.status.as_u16(), &raw.body);
    Err(Error::Api(Box::new(ApiError::from_raw(
        operation_id,
        raw,
        kind,
    ))))
}

/// A JSON error body decoded as `T`, or `None` when it does not match (the
/// caller then answers with its `Unknown` variant).
pub fn json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<T> {
    serde_json::from_slice(body).ok()
}

/// A `text/*` body as a string; invalid UTF-8 is replaced, never an error.
pub fn text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}

/// A JSON success body decoded as `T` and wrapped by `variant` (a variant of
/// the operation's success enum); see [`decode_json`](crate::decode_json).
pub fn decode_json_as<T: serde::de::DeserializeOwned, U, E>(
    operation_id: &'static str,
    raw: RawResponse,
    variant: impl FnOnce(T) -> U,
) -> Result<U, E> {
    crate::decode_json(operation_id, raw).map(|r: Response<T>| r.map(variant))
}

/// The whole `decode` of an operation with one documented success, status
/// `status` with a JSON body: that body decoded (see
/// [`decode_json`](crate::decode_json)), any other status through [`fail`].
///
/// ```
/// use oapi_client_runtime::{json_at, ApiErrorKind, Error, RawResponse};
/// #[derive(Debug)]
/// struct NoErrors;
/// impl ApiErrorKind for NoErrors {
///     fn from_response(_: u16, _: &[u8]) -> Self { NoErrors }
/// }
/// let raw = |status: u16| RawResponse {
///     status: status.try_into().unwrap(),
///     headers: Default::default(),
///     body: "[1, 2]".into(),
/// };
/// let ok = json_at::<Vec<u8>, NoErrors>("op", 201, raw(201)).unwrap();
/// assert_eq!(ok.body, [1, 2]);
/// assert!(matches!(json_at::<Vec<u8>, NoErrors>("op", 201, raw(200)), Err(Error::Api(_))));
/// ```
pub fn json_at<T: serde::de::DeserializeOwned, E: ApiErrorKind>(
    operation_id: &'static str,
    status: u16,
    raw: RawResponse,
) -> Result<T, E> {
    if raw.status.as_u16() == status {
        crate::decode_json(operation_id, raw)
    } else {
        fail(operation_id, raw)
    }
}

/// The whole `decode` of an operation with one documented success, status
/// `status` without a body: [`empty`] for it, [`fail`] for any other.
///
/// ```
/// use oapi_client_runtime::{empty_at, ApiErrorKind, Error, RawResponse};
/// #[derive(Debug)]
/// struct NoErrors;
/// impl ApiErrorKind for NoErrors {
///     fn from_response(_: u16, _: &[u8]) -> Self { NoErrors }
/// }
/// let raw = |status: u16| RawResponse {
///     status: status.try_into().unwrap(),
///     headers: Default::default(),
///     body: Default::default(),
/// };
/// assert_eq!(empty_at::<NoErrors>("op", 204, raw(204)).unwrap().status, 204);
/// assert!(matches!(empty_at::<NoErrors>("op", 204, raw(200)), Err(Error::Api(_))));
/// ```
pub fn empty_at<E: ApiErrorKind>(
    operation_id: &'static str,
    status: u16,
    raw: RawResponse,
) -> Result<(), E> {
    if raw.status.as_u16() == status {
        Ok(empty(raw))
    } else {
        fail(operation_id, raw)
    }
}

/// A success documented without a body.
pub fn empty(raw: RawResponse) -> Response<()> {
    raw_response(raw, |_| ())
}

/// A `text/*` success body, decoded with [`text`].
pub fn text_response(raw: RawResponse) -> Response<String> {
    raw_response(raw, text)
}

/// A binary success body, as bytes.
pub fn bytes_response(raw: RawResponse) -> Response<Vec<u8>> {
    raw_response(raw, <[u8]>::to_vec)
}

fn raw_response<T>(raw: RawResponse, body: impl FnOnce(&[u8]) -> T) -> Response<T> {
    Response {
        body: body(&raw.body),
        status: raw.status,
        headers: raw.headers,
    }
}

/// A request body object as JSON.
pub fn json_body<T: serde::Serialize>(
    operation_id: &'static str,
    body: &T,
) -> std::result::Result<Body, RequestError> {
    serde_json::to_value(body)
        .map(Body::Json)
        .map_err(|e| unserializable(operation_id, e))
}

/// A request body object as `application/x-www-form-urlencoded` pairs:
/// strings as they are, arrays as repeated pairs (form style, explode), other
/// values as JSON text; absent (`null`) properties are left out.
pub fn form_body<T: serde::Serialize>(
    operation_id: &'static str,
    body: &T,
) -> std::result::Result<Body, RequestError> {
    let value = serde_json::to_value(body).map_err(|e| unserializable(operation_id, e))?;
    let mut pairs = Vec::new();
    if let serde_json::Value::Object(map) = value {
        for (name, value) in map {
            let items = match value {
                serde_json::Value::Array(items) => items,
                other => vec![other],
            };
            for item in items {
                match item {
                    serde_json::Value::Null => {}
                    serde_json::Value::String(text) => pairs.push((name.clone(), text)),
                    other => pairs.push((name.clone(), other.to_string())),
                }
            }
        }
    }
    Ok(Body::Form(pairs))
}

fn unserializable(operation_id: &'static str, e: serde_json::Error) -> RequestError {
    RequestError {
        operation_id,
        message: format!("cannot serialize the request body: {e}"),
    }
}

/// A request builder of a generated client, as data: how to build its
/// [`OperationRequest`] and how to decode its answer.
///
/// Generated code implements it once per operation; [`send`] (one generic
/// future for every operation) drives it, so an operation has no `async`
/// state machine of its own. [`operation!`](crate::operation) adds the
/// builder's `.timeout(..)`, `send()` and `IntoFuture` on top of it.
pub trait Operation: Sized {
    /// The decoded success body.
    type Ok: Send + 'static;
    /// The operation's enum of documented errors.
    type Error: ApiErrorKind + Send + 'static;
    /// The operation id, for errors and tracing.
    const ID: &'static str;
    /// The HTTP method, a space and the path template as the document writes
    /// it: `"GET /users/{id}"`. [`route`] starts the request from it.
    const ROUTE: &'static str;
    /// The transport to send with and the request, or why the request
    /// cannot be built (a body that does not serialize).
    fn request(self) -> Prepared;
    /// The answer as the operation's success or error.
    fn decode(raw: RawResponse) -> Result<Self::Ok, Self::Error>;
}

/// Starts the request of the operation `op` from its
/// [`ROUTE`](Operation::ROUTE): the method, and the path filled in from the
/// template with `args` (see [`OperationRequest::route`]). `op` only names
/// the operation (a builder's `&self`).
///
/// Generated code calls this first in [`Operation::request`], so the long
/// template sits in a one-line constant and the call stays short.
///
/// ```
/// use oapi_client_runtime as rt;
/// #[derive(Debug)]
/// struct NoErrors;
/// impl rt::ApiErrorKind for NoErrors {
///     fn from_response(_: u16, _: &[u8]) -> Self { NoErrors }
/// }
/// struct GetItem { transport: rt::Handle, id: u64 }
/// impl rt::Operation for GetItem {
///     type Ok = ();
///     type Error = NoErrors;
///     const ID: &'static str = "get_item";
///     const ROUTE: &'static str = "GET /items/{id}";
///     fn request(self) -> rt::Prepared {
///         let request = rt::route(&self, &[&self.id]);
///         self.transport.prepared(request)
///     }
///     fn decode(raw: rt::RawResponse) -> rt::Result<(), NoErrors> {
///         rt::empty_at(Self::ID, 204, raw)
///     }
/// }
/// let config = rt::TransportConfig::new("https://api.example");
/// let mut transport = rt::Handle::new(rt::Transport::new(config, None).unwrap());
/// transport.timeout = Some(std::time::Duration::from_secs(2));
/// let (_, request) = rt::Operation::request(GetItem { transport, id: 7 }).unwrap();
/// assert_eq!(request.timeout, Some(std::time::Duration::from_secs(2)));
/// assert_eq!((request.method, request.path.as_str()), (rt::Method::GET, "/items/7"));
/// assert_eq!((request.operation_id, request.path_template), ("get_item", "/items/{id}"));
/// ```
///
/// # Panics
///
/// When `ROUTE` does not start with an HTTP method and a space (generated
/// code always writes one).
pub fn route<O: Operation>(op: &O, args: &[&dyn std::fmt::Display]) -> OperationRequest {
    let (method, template) = O::ROUTE
        .split_once(' ')
        .and_then(|(m, t)| Some((http::Method::from_bytes(m.as_bytes()).ok()?, t)))
        .unwrap_or_else(|| panic!("{}: ROUTE {:?} is not `METHOD /path`", O::ID, O::ROUTE));
    // Only `op`'s type is used: it spares generated code a turbofish.
    let _ = op;
    OperationRequest::route(O::ID, method, template, args)
}

/// What a request builder holds besides its inputs: the client's transport
/// and the builder's own per-call timeout (set by `.timeout(..)`, see
/// [`operation!`](crate::operation)). One field instead of two in every
/// generated builder.
#[derive(Debug, Clone)]
pub struct Handle {
    /// The transport the request goes through.
    pub transport: Transport,
    /// The per-attempt timeout for this call only; `None` uses the client's.
    pub timeout: Option<std::time::Duration>,
}

impl Handle {
    /// A handle on `transport`, with no timeout of its own.
    pub fn new(transport: Transport) -> Self {
        Handle {
            transport,
            timeout: None,
        }
    }

    /// What [`Operation::request`] returns: the transport, and `request`
    /// with this handle's timeout.
    pub fn prepared(self, mut request: OperationRequest) -> Prepared {
        request.timeout = self.timeout;
        Ok((self.transport, request))
    }
}

/// What [`Operation::request`] gives: the transport to send with and the
/// request, or why the request cannot be built.
pub type Prepared = std::result::Result<(Transport, OperationRequest), RequestError>;

/// The future of an operation call: boxed, `Send + 'static`, so it can be
/// spawned.
pub type Call<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'static>>;

/// Sends `op` and decodes the answer: builds the request now, sends it when
/// the returned future is polled.
pub fn send<O: Operation>(op: O) -> Call<O::Ok, O::Error> {
    run(op.request(), O::decode)
}

/// One future type per success and error type pair, whatever the operation.
fn run<T: Send + 'static, E: Send + 'static>(
    request: Prepared,
    decode: fn(RawResponse) -> Result<T, E>,
) -> Call<T, E> {
    Box::pin(async move {
        let (transport, request) = request?;
        decode(transport.execute(request).await?)
    })
}

/// Implements what every request builder shares: `.timeout(..)`, `send()`
/// and `IntoFuture` (so the builder can be `.await`ed directly, as a
/// `Send + 'static` future), all through its [`Operation`] impl.
///
/// Generated code calls it once per operation: `rt::operation!(Builder);`.
/// The builder must have a field `transport: Handle` whose
/// [`Handle::prepared`] its [`Operation::request`] returns (that copies the
/// timeout into [`OperationRequest::timeout`](crate::OperationRequest::timeout)).
#[macro_export]
macro_rules! operation {
    ($builder:ident) => {
        impl $builder {
            /// Overrides the client's per-attempt timeout (connect, send and
            /// read of one attempt) for this call only; retries keep it.
            pub fn timeout(mut self, timeout: ::core::time::Duration) -> Self {
                self.transport.timeout = ::core::option::Option::Some(timeout);
                self
            }
            /// Sends the request and decodes the answer (the same as
            /// `.await` on the builder).
            pub fn send(
                self,
            ) -> $crate::Call<<Self as $crate::Operation>::Ok, <Self as $crate::Operation>::Error>
            {
                $crate::send(self)
            }
        }

        impl ::core::future::IntoFuture for $builder {
            type Output =
                $crate::Result<<Self as $crate::Operation>::Ok, <Self as $crate::Operation>::Error>;
            type IntoFuture =
                $crate::Call<<Self as $crate::Operation>::Ok, <Self as $crate::Operation>::Error>;
            fn into_future(self) -> Self::IntoFuture {
                $crate::send(self)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, StatusCode};

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct ErrBody {
        code: i64,
    }

    #[derive(Debug, PartialEq)]
    enum OpError {
        BadRequest(ErrBody),
        Gone,
        Unknown,
    }

    impl ApiErrorKind for OpError {
        fn from_response(status: u16, body: &[u8]) -> Self {
            match status {
                400 => json(body).map_or(Self::Unknown, Self::BadRequest),
                410 => Self::Gone,
                _ => Self::Unknown,
            }
        }
    }

    fn raw(status: u16, body: &'static str) -> RawResponse {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", "rid-1".parse().unwrap());
        RawResponse {
            status: StatusCode::from_u16(status).unwrap(),
            headers,
            body: bytes::Bytes::from_static(body.as_bytes()),
        }
    }

    fn kind(status: u16, body: &'static str) -> (OpError, Option<String>) {
        match fail::<(), OpError>("op", raw(status, body)) {
            Err(Error::Api(e)) => (e.kind, e.request_id),
            other => panic!("not an API error: {other:?}"),
        }
    }

    #[test]
    fn documented_status_decodes_its_body_else_unknown() {
        assert_eq!(
            kind(400, r#"{"code":1076}"#),
            (
                OpError::BadRequest(ErrBody { code: 1076 }),
                Some("rid-1".into())
            )
        );
        assert_eq!(kind(400, "<html>").0, OpError::Unknown);
        assert_eq!(kind(410, "").0, OpError::Gone);
        assert_eq!(kind(418, r#"{"code":1}"#).0, OpError::Unknown);
    }

    #[test]
    fn form_body_flattens_arrays_and_drops_nulls() {
        let body = serde_json::json!({"a": "x y", "b": [1, "two"], "c": null, "d": {"k": true}});
        let Body::Form(pairs) = form_body("op", &body).unwrap() else {
            panic!("not a form body")
        };
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("a", "x y"),
                ("b", "1"),
                ("b", "two"),
                ("d", r#"{"k":true}"#)
            ]
        );
        let Body::Json(value) = json_body("op", &body).unwrap() else {
            panic!("not a JSON body")
        };
        assert_eq!(value, body);
    }

    #[test]
    fn single_status_decoders_take_only_their_status() {
        let ok: Response<Vec<u8>> = json_at::<_, OpError>("op", 200, raw(200, "[7]")).unwrap();
        assert_eq!((ok.request_id(), &ok.body), (Some("rid-1"), &vec![7]));
        // Another 2xx is not the documented success: the error enum decides.
        match json_at::<Vec<u8>, OpError>("op", 200, raw(201, "[7]")) {
            Err(Error::Api(e)) => assert_eq!(e.kind, OpError::Unknown),
            other => panic!("not an API error: {other:?}"),
        }
        match json_at::<Vec<u8>, OpError>("op", 200, raw(400, r#"{"code":3}"#)) {
            Err(Error::Api(e)) => assert_eq!(e.kind, OpError::BadRequest(ErrBody { code: 3 })),
            other => panic!("not an API error: {other:?}"),
        }
        assert!(matches!(
            json_at::<Vec<u8>, OpError>("op", 200, raw(200, "nope")),
            Err(Error::Decode(_))
        ));
        assert_eq!(
            empty_at::<OpError>("op", 204, raw(204, "")).unwrap().status,
            204
        );
        match empty_at::<OpError>("op", 204, raw(410, "")) {
            Err(Error::Api(e)) => assert_eq!((e.kind, e.status.as_u16()), (OpError::Gone, 410)),
            other => panic!("not an API error: {other:?}"),
        }
    }

    struct Op<const BAD: bool>;
    impl<const BAD: bool> Operation for Op<BAD> {
        type Ok = ();
        type Error = OpError;
        const ID: &'static str = "op";
        const ROUTE: &'static str = if BAD { "/no/method" } else { "PATCH /a/{b}/c" };
        fn request(self) -> Prepared {
            unimplemented!()
        }
        fn decode(raw: RawResponse) -> Result<(), OpError> {
            empty_at(Self::ID, 204, raw)
        }
    }

    #[test]
    fn route_reads_method_and_template_from_the_operation() {
        let r = route(&Op::<false>, &[&"x/y"]);
        assert_eq!(r.method, http::Method::PATCH);
        assert_eq!(
            (r.path.as_str(), r.path_template),
            ("/a/x%2Fy/c", "/a/{b}/c")
        );
        assert_eq!(
            (r.operation_id, r.timeout, r.idempotent),
            ("op", None, false)
        );
    }

    #[test]
    #[should_panic(expected = "is not `METHOD /path`")]
    fn route_refuses_a_route_without_method() {
        route(&Op::<true>, &[]);
    }

    #[test]
    fn success_helpers_keep_status_and_headers() {
        let r = text_response(raw(200, "h\u{e9}"));
        assert_eq!(
            (r.body.as_str(), r.request_id()),
            ("h\u{e9}", Some("rid-1"))
        );
        assert_eq!(bytes_response(raw(201, "ab")).body, b"ab".to_vec());
        assert_eq!(empty(raw(204, "")).status, StatusCode::NO_CONTENT);
    }
}
