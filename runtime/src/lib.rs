//! The runtime that Rust clients generated from OpenAPI 3.0 documents call.
//!
//! Requests are described by
//! [`OperationRequest`], credentials are added by an [`Authenticator`] chosen
//! from the operation's security schemes, and responses come back as
//! [`Response`] or [`Error`]. An API with its own request signing plugs it in
//! by implementing [`Authenticator`].

mod encode;
mod error;
mod limit;
pub mod multipart;
pub mod one_of;
pub mod redact;
mod request;
mod response;
mod retry;
mod secret;
mod transport;

pub use encode::{encode_path_segment, encode_query, query_string};
pub use error::{
    decode_empty, decode_error_body, decode_json, ApiError, DecodeError, Error, ErrorCode,
    RequestError, TransportError, TransportErrorKind,
};
/// The HTTP method type used in [`OperationRequest`].
pub use http::Method;
pub use limit::RequestLimit;
pub use request::{ApiKeyLocation, Body, OperationRequest, QueryValue, SchemeKind, SecurityScheme};
pub use response::{RateLimit, RawResponse, Response};
pub use retry::RetryPolicy;
pub use secret::SecretString;
pub use transport::{
    Authenticator, PreparedRequest, SendError, Transport, TransportConfig, TransportStats,
    DEFAULT_MAX_RESPONSE_BYTES,
};
