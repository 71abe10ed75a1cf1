//! The runtime that Rust clients generated from OpenAPI 3.0 documents call.
//!
//! Requests are described by
//! [`OperationRequest`], credentials are added by an [`Authenticator`] chosen
//! from the operation's security schemes, and responses come back as
//! [`Response`] or [`Error`]. An API with its own request signing plugs it in
//! by implementing [`Authenticator`].
//!
//! Hooks for services: with the cargo feature `tracing` (default) every
//! [`Transport::execute`] runs in an `operation` span (target
//! `oapi_client_runtime`) recording `operation_id`, `method`, `path` (the
//! template), then `status`, `attempts`, `request_id`, `error`, `elapsed_ms`,
//! with `retrying` and `waited for the rate limiter` events; the query,
//! headers and bodies are never recorded. [`TransportConfig::http_client`]
//! takes an [`HttpClient`] built from a caller's `reqwest::ClientBuilder`
//! (it never follows redirects or sends `Referer`), and [`Interceptor`]s run around
//! each attempt without being able to change what was signed.

mod auth;
#[cfg(feature = "blocking")]
pub mod blocking;
mod client_error;
mod dispatch;
mod encode;
mod error;
mod intercept;
mod limit;
#[cfg(feature = "redis")]
mod limit_redis;
pub mod multipart;
pub mod one_of;
pub mod redact;
mod redirect;
mod request;
mod response;
mod retry;
mod secret;
mod server_time;
mod string_enum;
mod tls;
mod trace;
mod transport;

pub use auth::{ApiKey, BasicAuth, BearerToken, Credentials, NoAuth};
pub use client_error::{ClientError, ClientErrorKind};
pub use dispatch::{
    bytes_response, decode_json_as, empty, empty_at, fail, form_body, json, json_at, json_body,
    route, send, text, text_response, ApiErrorKind, Call, Handle, Operation, Prepared, Result,
    UndocumentedError,
};
pub use encode::{encode_cookie, encode_path_segment, encode_query, query_string};
pub use error::{
    decode_empty, decode_error_body, decode_json, ApiError, DecodeError, Error, ErrorCode,
    IntegerOrString, RequestError, TransportError, TransportErrorKind,
};
/// The HTTP method type used in [`OperationRequest`].
pub use http::Method;
pub use intercept::{HeaderRefused, Incoming, Interceptor, Interceptors, Outgoing};
pub use limit::{Acquire, InProcessLimiter, Permit, RateLimiter, RequestLimit, MAX_RATE_WINDOW};
#[cfg(feature = "redis")]
pub use limit_redis::{RedisLimiterConfig, RedisLimiterStats, RedisRateLimiter};
pub use request::{ApiKeyLocation, Body, OperationRequest, QueryValue, SchemeKind, SecurityScheme};
/// The HTTP client crate, for [`HttpClient::from_builder`]: configure a
/// `reqwest::ClientBuilder` of the same version the runtime uses.
pub use reqwest;
pub use response::{RateLimit, RawResponse, Response};
pub use retry::RetryPolicy;
pub use secret::SecretString;
/// serde, for the impls [`string_enum!`] writes in generated crates.
#[doc(hidden)]
pub use serde as __serde;
pub use tls::install_crypto_provider;
pub use transport::{
    Authenticator, HttpClient, PreparedRequest, SendError, Transport, TransportConfig,
    TransportStats, DEFAULT_MAX_RESPONSE_BYTES,
};

/// The crate's README: its Rust blocks compile (and run) as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
