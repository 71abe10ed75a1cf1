//! Building a client: credentials, base URL, timeout, user agent.

use crate::auth::{Clock, PartnerAuth};
use crate::runtime::reqwest;
use crate::runtime::{
    HttpClient, Interceptor, Interceptors, RateLimiter, RequestLimit, RetryPolicy, SecretString,
    Transport, TransportConfig, DEFAULT_MAX_RESPONSE_BYTES,
};
use crate::Client;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "redis")]
#[path = "shared_limit.rs"]
mod shared_limit;

/// Environment variable holding the client id.
pub const ENV_CLIENT_ID: &str = "SNAPTRADE_CLIENT_ID";
/// Environment variable holding the consumer key.
pub const ENV_CONSUMER_KEY: &str = "SNAPTRADE_CONSUMER_KEY";
/// Environment variable overriding the base URL (optional).
pub const ENV_BASE_URL: &str = "SNAPTRADE_BASE_URL";

/// Default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a client could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required setting is missing.
    #[error("missing {0}: set it on the builder or in the environment")]
    Missing(&'static str),
    /// A setting has an unusable value.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// Builds a [`Client`].
///
/// ```no_run
/// # fn main() -> Result<(), snaptrade::ConfigError> {
/// let client = snaptrade::Client::builder()
///     .client_id("YOUR_CLIENT_ID")
///     .consumer_key("YOUR_CONSUMER_KEY")
///     .timeout(std::time::Duration::from_secs(10))
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    client_id: Option<String>,
    consumer_key: Option<SecretString>,
    base_url: String,
    timeout: Duration,
    user_agent: String,
    clock: Option<Clock>,
    retry: RetryPolicy,
    rate_limit: Option<RequestLimit>,
    /// Set by `rate_limiter` or `shared_rate_limit`.
    limiter: Option<LimiterChoice>,
    /// Processes sharing a `shared_rate_limit` budget (fallback sizing).
    #[cfg(feature = "redis")]
    limiter_replicas: u32,
    max_response_bytes: usize,
    /// Built by `http_client` (the error, if reqwest refused it, comes out
    /// of `build`).
    http_client: Option<Result<HttpClient, String>>,
    interceptors: Interceptors,
}

/// A rate-limit store other than the in-process default.
#[derive(Clone, Debug)]
enum LimiterChoice {
    Store(Arc<dyn RateLimiter>),
    #[cfg(feature = "redis")]
    Shared(oapi_client_runtime::RedisLimiterConfig),
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("client_id", &self.client_id)
            .field("consumer_key", &self.consumer_key)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .field("rate_limit", &self.rate_limit)
            .field("rate_limiter", &self.limiter)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("http_client", &self.http_client.is_some())
            .field("interceptors", &self.interceptors.len())
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            client_id: None,
            consumer_key: None,
            base_url: crate::generated::DEFAULT_BASE_URL.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            user_agent: format!("snaptrade-rust/{}", env!("CARGO_PKG_VERSION")),
            clock: None,
            retry: RetryPolicy::default(),
            rate_limit: None,
            limiter: None,
            #[cfg(feature = "redis")]
            limiter_replicas: 1,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            http_client: None,
            interceptors: Interceptors::new(),
        }
    }
}

impl ClientBuilder {
    /// The partner client id.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The consumer key used to sign requests. It never appears in `Debug` output.
    pub fn consumer_key(mut self, key: impl Into<SecretString>) -> Self {
        self.consumer_key = Some(key.into());
        self
    }

    /// The base URL (default `https://api.snaptrade.com`). A path prefix such
    /// as `/api/v1` is kept and signed as part of each request's path.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Per-request timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The retry policy (default: up to 4 attempts within 60 s, exponential
    /// backoff with full jitter). Non-idempotent calls are only repeated when
    /// the connection was refused; use [`RetryPolicy::never`] to turn retries off.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Keeps this client under `requests` per rolling `per` (off by default).
    /// SnapTrade allows 250 requests per minute per client id:
    /// `.rate_limit(250, Duration::from_secs(60))`.
    ///
    /// Calls over the limit wait for a slot instead of failing; every attempt
    /// (retries included) takes one. A request holds its slot from sending
    /// until one window after its response, so the server, which counts
    /// arrivals, never sees more than `requests` in any window. The limit is
    /// shared by clones of the client and handles from
    /// [`Client::with_retry`]; two separately built clients each have their
    /// own. A limit of 0 requests, an empty window or one longer than
    /// [`MAX_RATE_WINDOW`](crate::runtime::MAX_RATE_WINDOW) fails [`build`](Self::build).
    ///
    /// To share one budget between processes, see `shared_rate_limit`
    /// (feature `redis`) or [`rate_limiter`](Self::rate_limiter).
    pub fn rate_limit(mut self, requests: u32, per: Duration) -> Self {
        self.rate_limit = Some(RequestLimit { requests, per });
        self
    }

    /// Keeps the rate limit's slots in `store` instead of this process's
    /// memory (see [`RateLimiter`] for the contract); replaces
    /// [`rate_limit`](Self::rate_limit). Clients built with clones of the
    /// same store share its budget.
    pub fn rate_limiter(mut self, store: Arc<dyn RateLimiter>) -> Self {
        self.limiter = Some(LimiterChoice::Store(store));
        self
    }

    /// The longest response body read, in bytes (default 16 MiB). A longer
    /// answer fails with [`TransportErrorKind::BodyTooLarge`](crate::runtime::TransportErrorKind::BodyTooLarge)
    /// as soon as the cap is passed (or at once, when `Content-Length` says
    /// so); it is never read to the end.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Sends through a client built from `builder`, a `reqwest::ClientBuilder`
    /// you configured (proxy, private root certificates, connection pool,
    /// HTTP/2, DNS overrides). Without it the client builds its own, which
    /// needs no setup.
    ///
    /// The client is built here, after the runtime turns redirects and
    /// `Referer` off on `builder` (see [`HttpClient`]):
    /// a signed request is never resent elsewhere, whatever redirect policy
    /// `builder` had. Signing, retries, the rate limiter and interceptors
    /// apply as with the default client, and so do [`timeout`](Self::timeout)
    /// (set on every attempt, overriding the builder's own total timeout) and
    /// [`user_agent`](Self::user_agent) (set on every request). Use the same
    /// reqwest as this crate ([`crate::runtime::reqwest`]). If reqwest cannot
    /// build the client, [`build`](Self::build) fails with
    /// [`ConfigError::Invalid`].
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use snaptrade::runtime::reqwest;
    /// let client = snaptrade::Client::builder()
    ///     .client_id("YOUR_CLIENT_ID")
    ///     .consumer_key("YOUR_CONSUMER_KEY")
    ///     .http_client(
    ///         reqwest::Client::builder()
    ///             .proxy(reqwest::Proxy::all("http://proxy.internal:3128")?)
    ///             .pool_max_idle_per_host(8),
    ///     )
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn http_client(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.http_client = Some(HttpClient::from_builder(builder));
        self
    }

    /// Adds an interceptor, run around every attempt of every call after
    /// those added before it (see [`Interceptor`] for what it may see and
    /// do). It runs after the request is signed and can only add headers
    /// that are not already set, so it cannot change what was signed.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), snaptrade::ConfigError> {
    /// use snaptrade::runtime::{Interceptor, Outgoing};
    /// struct TraceId;
    /// impl Interceptor for TraceId {
    ///     fn before_send(&self, request: &mut Outgoing<'_>) {
    ///         let _ = request.add_header("x-trace-id", "4bf92f3577b34da6");
    ///     }
    /// }
    /// let client = snaptrade::Client::builder()
    ///     .client_id("YOUR_CLIENT_ID")
    ///     .consumer_key("YOUR_CONSUMER_KEY")
    ///     .interceptor(TraceId)
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors.push(Arc::new(interceptor));
        self
    }

    /// Replaces the clock that provides request timestamps (Unix seconds).
    pub fn clock(mut self, clock: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Fills unset credentials and the base URL from `SNAPTRADE_CLIENT_ID`,
    /// `SNAPTRADE_CONSUMER_KEY` and `SNAPTRADE_BASE_URL`.
    pub fn from_env(mut self) -> Self {
        let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        if self.client_id.is_none() {
            self.client_id = var(ENV_CLIENT_ID);
        }
        if self.consumer_key.is_none() {
            self.consumer_key = var(ENV_CONSUMER_KEY).map(SecretString::from);
        }
        if let Some(url) = var(ENV_BASE_URL) {
            self.base_url = url;
        }
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, ConfigError> {
        let client_id = self.client_id.ok_or(ConfigError::Missing(ENV_CLIENT_ID))?;
        let consumer_key = self
            .consumer_key
            .ok_or(ConfigError::Missing(ENV_CONSUMER_KEY))?;
        let rate_limiter = match self.limiter {
            None => None,
            Some(LimiterChoice::Store(store)) => Some(store),
            #[cfg(feature = "redis")]
            Some(LimiterChoice::Shared(shared)) => Some(shared_limit::build(
                shared,
                &client_id,
                self.timeout,
                self.limiter_replicas,
            )?),
        };
        let auth = match self.clock {
            Some(clock) => PartnerAuth::with_clock(client_id, consumer_key, clock),
            None => PartnerAuth::new(client_id, consumer_key),
        };
        let transport = Transport::new(
            TransportConfig {
                base_url: self.base_url,
                timeout: self.timeout,
                user_agent: self.user_agent,
                retry: self.retry,
                rate_limit: self.rate_limit,
                rate_limiter,
                max_response_bytes: self.max_response_bytes,
                http_client: self
                    .http_client
                    .transpose()
                    .map_err(|e| ConfigError::Invalid(format!("http_client: {e}")))?,
                interceptors: self.interceptors,
            },
            Some(Arc::new(auth)),
        )
        .map_err(ConfigError::Invalid)?;
        Ok(Client::from_transport(transport))
    }
}

impl Client {
    /// A builder with the default base URL and timeout.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client for the given credentials and the default base URL.
    pub fn new(
        client_id: impl Into<String>,
        consumer_key: impl Into<SecretString>,
    ) -> Result<Client, ConfigError> {
        Client::builder()
            .client_id(client_id)
            .consumer_key(consumer_key)
            .build()
    }

    /// The same client (connection pool, credentials, rate limiter) with
    /// another retry policy, for the calls made through the returned handle.
    /// Cheap: use it per call.
    ///
    /// ```no_run
    /// # async fn run(client: snaptrade::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use snaptrade::runtime::RetryPolicy;
    /// // This one call is never repeated, whatever the client's policy.
    /// let users = client
    ///     .with_retry(RetryPolicy::never())
    ///     .authentication()
    ///     .list_snap_trade_users()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn with_retry(&self, policy: RetryPolicy) -> Client {
        Client::from_transport(self.transport().with_retry(policy))
    }

    /// A client configured from `SNAPTRADE_CLIENT_ID`, `SNAPTRADE_CONSUMER_KEY`
    /// and, if set, `SNAPTRADE_BASE_URL`.
    pub fn from_env() -> Result<Client, ConfigError> {
        Client::builder().from_env().build()
    }
}
