//! The blocking client (cargo feature `blocking`), for scripts, CLIs and
//! services that are not async.
//!
//! [`Client`] has the same operation groups as the async [`crate::Client`]
//! and they return the very same request builders: the same operation names,
//! required arguments and optional setters. End a call with
//! [`send_blocking()`](BlockingSend::send_blocking) instead of `.await`. The
//! future that runs is the async one, so retries, the rate limit and signing
//! are identical.
//!
//! ```no_run
//! use snaptrade::blocking::BlockingSend;
//!
//! # fn run() -> Result<(), snaptrade::ClientError> {
//! let client = snaptrade::blocking::Client::from_env().expect("credentials in the environment");
//! let status = client.api_status().check().send_blocking()?;
//! println!("online: {:?}", status.body.online);
//! let user = client
//!     .authentication()
//!     .register_snap_trade_user("snaptrade-user-123")
//!     .send_blocking()?;
//! println!("{:?}", user.body.user_id);
//! # Ok(()) }
//! ```
//!
//! Calls run on a process-wide tokio runtime with one worker thread, started
//! on first use; the calling thread waits. Called from inside async code it
//! does not panic (no nested `block_on`), but it blocks that executor thread
//! for the whole call: `.await` the builder there instead.

use crate::{api_status, authentication, ClientBuilder, ConfigError};

/// Sends a request builder and waits for its answer: the runtime's
/// `BlockingSend`, implemented for every generated builder.
pub use oapi_client_runtime::blocking::BlockingSend;

/// A SnapTrade client whose calls block: wraps the async [`crate::Client`]
/// (same connection pool, credentials, retries and rate limiter). Cheap to
/// clone.
#[derive(Clone, Debug)]
pub struct Client {
    inner: crate::Client,
}

impl Client {
    /// A client for the given credentials and the default base URL.
    pub fn new(
        client_id: impl Into<String>,
        consumer_key: impl Into<crate::SecretString>,
    ) -> Result<Client, ConfigError> {
        crate::Client::new(client_id, consumer_key).map(Client::from)
    }

    /// A client configured from `SNAPTRADE_CLIENT_ID`, `SNAPTRADE_CONSUMER_KEY`
    /// and, if set, `SNAPTRADE_BASE_URL`.
    pub fn from_env() -> Result<Client, ConfigError> {
        crate::Client::from_env().map(Client::from)
    }

    /// The async client's builder (base URL, timeout, retries, rate limit);
    /// finish it with [`ClientBuilder::build_blocking`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Operations tagged `API Status`; end each call with `send_blocking()`.
    pub fn api_status(&self) -> api_status::ApiStatus {
        self.inner.api_status()
    }

    /// Operations tagged `Authentication`; end each call with `send_blocking()`.
    pub fn authentication(&self) -> authentication::Authentication {
        self.inner.authentication()
    }

    /// The async client this one wraps, for code that is partly async.
    pub fn as_async(&self) -> &crate::Client {
        &self.inner
    }
}

impl From<crate::Client> for Client {
    fn from(inner: crate::Client) -> Self {
        Client { inner }
    }
}

impl ClientBuilder {
    /// Builds a blocking [`Client`] (feature `blocking`).
    pub fn build_blocking(self) -> Result<Client, ConfigError> {
        self.build().map(Client::from)
    }
}
