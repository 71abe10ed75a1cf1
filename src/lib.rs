//! A typed, signed client for SnapTrade's API status and authentication
//! endpoints, generated from the checked-in OpenAPI document `spec/snaptrade.yaml`.
//!
//! - [`Client`] is the entry point: [`Client::new`], [`Client::from_env`] or
//!   [`Client::builder`] (base URL, timeout, retries, rate limit).
//! - Its operation groups: [`Client::api_status`] ([`api_status`]) and
//!   [`Client::authentication`] ([`authentication`]). Each operation returns
//!   a builder: required inputs are arguments, optional ones setters, and
//!   `.await` sends it.
//! - [`models`]: the request and response bodies.
//! - Errors: every call returns [`Response`] or [`Error`]; [`Error::Api`]
//!   holds an [`ApiError`] whose `kind` is the operation's enum of documented
//!   error bodies (for example [`authentication::DeleteSnapTradeUserError`]),
//!   with [`ErrorCode`], request id and the raw body. Questions take one
//!   call (`e.is_status(404)`, `e.has_code(1010)`, `e.detail()`), and every
//!   operation's error converts into the non-generic [`ClientError`], so `?`
//!   works across operations.
//! - `snaptrade::blocking` (cargo feature `blocking`): the same builders, sent with
//!   `send_blocking()` instead of `.await`.
//! - [`guide`]: the README (quickstart, regeneration, reviewing spec changes,
//!   resilience: retries, rate limits, clock skew).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let snaptrade = snaptrade::Client::from_env()?; // SNAPTRADE_CLIENT_ID / SNAPTRADE_CONSUMER_KEY
//! let status = snaptrade.api_status().check().await?;
//! println!("online: {:?}", status.online);
//!
//! let auth = snaptrade.authentication();
//! let user = auth.register_snap_trade_user("snaptrade-user-123").await?;
//! let secret = user.body.user_secret.clone().expect("the API returns the secret once");
//! let login = auth
//!     .login_snap_trade_user("snaptrade-user-123", &secret)
//!     .connection_type(snaptrade::models::ConnectionType::Trade)
//!     .await?;
//! println!("{:?}", login.body);
//! # Ok(()) }
//! ```
//!
//! Request builders own a clone of the client's handle, so a request future is
//! `Send + 'static` and can be spawned; `.timeout(..)` overrides the client's
//! per-attempt timeout for one call:
//!
//! ```no_run
//! # async fn run(client: snaptrade::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! let users = tokio::spawn(client.authentication().list_snap_trade_users().send());
//! let status = client.api_status().check().timeout(Duration::from_secs(2)).await?;
//! println!("{:?} {:?}", users.await??.body, status.online);
//! # Ok(()) }
//! ```
//!
//! **Errors.** A documented error status decodes into the operation's error
//! enum, `#[non_exhaustive]` (a newer spec may document more), so a `match`
//! ends in `_`:
//!
//! ```no_run
//! # async fn run(client: snaptrade::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use snaptrade::authentication::DeleteSnapTradeUserError;
//! match client.authentication().delete_snap_trade_user("snaptrade-user-123").await {
//!     Ok(done) => println!("queued: {:?}", done.body),
//!     Err(snaptrade::Error::Api(e)) => match e.kind {
//!         // Every 4xx body is one typed model, `models::FailedRequestResponse`.
//!         DeleteSnapTradeUserError::NotFound(body) => {
//!             println!("no such user: {:?} (code {:?})", body.default_detail, body.default_code)
//!         }
//!         _ => eprintln!("HTTP {} code {:?}, request {:?}", e.status, e.code, e.request_id),
//!     },
//!     Err(other) => return Err(other.into()), // transport, decode, request
//! }
//! # Ok(()) }
//! ```
//!
//! **Retries.** Idempotent calls retry connect errors, timeouts and 429/5xx
//! with jittered backoff, honouring `Retry-After`; set the policy per client
//! or per call:
//!
//! ```no_run
//! # fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use snaptrade::RetryPolicy;
//! use std::time::Duration;
//! let client = snaptrade::Client::builder()
//!     .from_env()
//!     .retry(RetryPolicy { max_attempts: 6, max_delay: Duration::from_secs(5), ..RetryPolicy::default() })
//!     .build()?;
//! let once = client.with_retry(RetryPolicy::never()); // for calls that must not repeat
//! # let _ = once; Ok(()) }
//! ```
//!
//! **Tests.** The `snaptrade-sandbox` crate is a local SnapTrade stand-in
//! that checks signatures like the real API; start it on a loopback port and
//! point the client at it (this example runs as a doctest):
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use snaptrade_sandbox::{SandboxConfig, SANDBOX_CLIENT_ID, SANDBOX_CONSUMER_KEY};
//! let sandbox = snaptrade_sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse()?).await?;
//! let client = snaptrade::Client::builder()
//!     .client_id(SANDBOX_CLIENT_ID)
//!     .consumer_key(SANDBOX_CONSUMER_KEY)
//!     .base_url(sandbox.base_url())
//!     .build()?;
//! let user = client.authentication().register_snap_trade_user("test-user").await?;
//! assert!(user.body.user_secret.is_some());
//! sandbox.shutdown().await?;
//! # Ok(()) }
//! ```
//!
//! The hand-written SnapTrade parts are [`sign`] (the request signature),
//! [`auth`] (the authenticator that applies it), [`config`] (the builder) and
//! [`clock`]. The generic machinery the generated code calls (transport,
//! retries, limiter, error decoding) is the [`oapi_client_runtime`] crate,
//! re-exported as `snaptrade::runtime` and documented there.
#![warn(missing_docs)]

pub mod auth;
#[cfg(feature = "blocking")]
pub mod blocking;
pub mod clock;
pub mod config;
pub mod sign;
pub mod wait;
pub mod webhook;

/// The generic runtime the generated code calls (the `oapi-client-runtime`
/// crate, documented there). Hidden here: callers need only the items
/// re-exported at the crate root.
#[doc(hidden)]
pub use oapi_client_runtime as runtime;

/// Code generated from `spec/snaptrade.yaml` by `oapi-client-gen`; everything
/// in it is re-exported at the crate root.
#[doc(hidden)]
#[path = "../generated/snaptrade.rs"]
pub mod generated;

pub use config::{ClientBuilder, ConfigError};
pub use wait::{WaitError, WaitOptions};
// Every generated item is reachable at the root (the glob); the page shows the
// ones callers use. A new operation group (a new tag in the spec) works at
// once and belongs in the list below to appear on the page. `security` is
// plumbing for `auth::PartnerAuth`.
#[doc(hidden)]
pub use generated::*;
#[doc(inline)]
pub use generated::{api_status, authentication, models, Client, DEFAULT_BASE_URL};
/// Installs the TLS crypto provider (rustls' `ring`) unless one is
/// installed; `true` when this call installed it. Call it before building
/// your own `reqwest::Client` for [`ClientBuilder::http_client`]: clients
/// built by this crate install it themselves. Idempotent. See
/// [`oapi_client_runtime::install_crypto_provider`].
pub use runtime::install_crypto_provider;
pub use runtime::{
    ApiError, ClientError, ClientErrorKind, Error, ErrorCode, RateLimit, RequestLimit, Response,
    RetryPolicy, SecretString, TransportError, TransportErrorKind,
};

/// The README: quickstart, the generated API, regeneration and reviewing spec
/// changes (`oapi-client-gen diff`, `generated/API.md`), resilience (retries,
/// rate limits, clock skew, body caps) and the repository layout. Its examples
/// are compiled as doctests, so they cannot drift from the API.
#[doc = include_str!("../README.md")]
pub mod guide {}

/// docs/ARCHITECTURE.md (packaged with the crate): its Rust blocks compile
/// as doctests, so they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../docs/ARCHITECTURE.md")]
struct ArchitectureDoctests;
