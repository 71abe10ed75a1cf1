//! A local stand-in for SnapTrade's API status and authentication endpoints.
//!
//! It serves the six operations of `spec/snaptrade.yaml` over HTTP, verifies
//! requests the way SnapTrade does (`clientId`, `timestamp`, `Signature`),
//! keeps users in memory (optionally in a state file) and answers with
//! SnapTrade's body shapes, using the generated model types of the
//! [`snaptrade`] crate. It is meant for examples, tests and trying the API
//! without credentials; it never talks to SnapTrade.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use snaptrade_sandbox::{SandboxConfig, SANDBOX_CLIENT_ID, SANDBOX_CONSUMER_KEY};
//! let sandbox = snaptrade_sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse()?).await?;
//! let client = snaptrade::Client::builder()
//!     .client_id(SANDBOX_CLIENT_ID)
//!     .consumer_key(SANDBOX_CONSUMER_KEY)
//!     .base_url(sandbox.base_url())
//!     .build()?;
//! let _user = client.authentication().register_snap_trade_user("user-1").await?;
//! sandbox.shutdown().await?;
//! # Ok(()) }
//! ```
//!
//! # Paths
//!
//! | method | path | operation |
//! |---|---|---|
//! | `GET` | `/` | API status, unsigned: `{"version", "timestamp" (RFC 3339), "online": true}` |
//! | `GET` | `/snapTrade/listUsers` | user ids of the client, in registration order |
//! | `POST` | `/snapTrade/registerUser` | body `{"userId"}`; answers `{"userId", "userSecret"}` |
//! | `DELETE` | `/snapTrade/deleteUser?userId=` | answers `{"status": "deleted", "detail", "userId"}` |
//! | `POST` | `/snapTrade/login?userId=&userSecret=` | optional body of portal options; answers `{"redirectURI", "sessionId"}` |
//! | `POST` | `/snapTrade/resetUserSecret` | body `{"userId", "userSecret"}`; answers the new secret |
//! | `GET` | `/authorizations?userId=&userSecret=` | the user's connections, SnapTrade's `BrokerageAuthorization` shape |
//! | `POST` | `/authorizations/{id}/disable?userId=&userSecret=` | breaks a connection (to test `reconnect`); `CONNECTION_BROKEN` |
//! | `GET` | `/snapTrade/redeemToken?token=` | the Connection Portal page (unsigned; the link `login` answers) |
//! | `POST` | `/snapTrade/portal/connect` | the page's connect request, body `{"token", "broker"}` (unsigned, token-bound) |
//!
//! Every path is also served under the legacy prefix [`LEGACY_PREFIX`]
//! (`/api/v1/snapTrade/listUsers`); those answers carry `Deprecation: true`
//! and a `Link: <path>; rel="successor-version"` header. The signature covers
//! the path as received, prefix included.
//!
//! Users belong to a client id: two clients never see each other's users.
//!
//! # Connection Portal
//!
//! `login` answers a `redirectURI` pointing at the sandbox itself
//! ([`SandboxConfig::public_url`], else the listening address), valid for
//! [`SandboxConfig::portal_ttl`]. The page lists the brokerages of
//! [`BROKERS`], each a `<button data-broker="SLUG">`; a click creates a
//! connection (a UUID, `connectionType` honoured, one per brokerage and
//! user: connecting the same brokerage again returns it), sends a signed
//! `CONNECTION_ADDED` webhook with `brokerageAuthorizationId`, and posts
//! `{"status": "SUCCESS", "authorizationId"}` to `window.parent` and
//! `window.opener`. [`FAILING_BROKER`] posts `{"status": "ERROR",
//! "errorCode", "statusCode", "detail"}`; the close button (with
//! `showCloseButton`, or Escape) posts `"CLOSED"`. `broker` shows that
//! brokerage only, `reconnect` repairs that connection (same id,
//! `CONNECTION_FIXED`), `customRedirect` with `immediateRedirect` sends the
//! top level back to the partner (not inside an iframe), `darkMode` and
//! `locale` (`en`, `pt-BR`) are honoured. An unknown link answers 404, an
//! expired or used one 410: an error page that posts the `ERROR` message.
//! The connect request needs the link's token, JSON, and (from a browser)
//! the portal's own origin; a link is used up by its first connection.
//!
//! # Deletion
//!
//! `deleteUser` answers 200 at once; the user stays (listed, able to log
//! in) for [`SandboxConfig::delete_delay`] ([`DEFAULT_DELETE_DELAY`]), then
//! is removed and `USER_DELETED` is sent. With a state file the due time is
//! stored, and a restart resumes the timer.
//!
//! # Verification
//!
//! Signed operations check, in order: `clientId` (present and configured),
//! `timestamp` (present, an integer, within
//! [`SandboxConfig::timestamp_window`] of the server's clock), that a
//! `Signature` header is present (all before the body is read), that a
//! non-empty body is JSON, and the `Signature` header's value, with
//! [`snaptrade::sign::verify`] over the path and raw query as received and
//! the body bytes (constant time). Then the rate limit is counted, then the
//! operation runs. Query values are percent-decoded; `+` stays a plus sign.
//!
//! # Headers
//!
//! Every response has a fresh `X-Request-ID`. Every response to a verified
//! request has `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
//! `X-RateLimit-Reset` (seconds until the oldest counted request leaves the
//! rolling 60 s window) while a limit is configured; a 429 adds `Retry-After`.
//!
//! # Errors
//!
//! Bodies are `{"default_detail": "...", "default_code": N}` except 429 and
//! 500, which use `{"detail", "status_code", "code"}` as SnapTrade does.
//! Codes 1000, 1011, 1066 and 1076 are SnapTrade's own; the others are this
//! sandbox's choice.
//!
//! | status | code | detail | when |
//! |---|---|---|---|
//! | 400 | 1010 | `A user with this userId already exists.` | `registerUser` with a taken id |
//! | 400 | 1080 | `Request body is not valid JSON.` | a non-empty body that does not parse |
//! | 400 | 1081 | `Missing required field: <name>` | `userId`/`userSecret` missing or empty (query or body) |
//! | 400 | 1082 | `Invalid value for <name>: ...` | wrong JSON type, body not an object, enum value not listed, query value not UTF-8 |
//! | 400 | 1083 | `Unsupported locale "...": use en or pt-BR.` | `login` with another locale |
//! | 401 | 1071 | `Missing clientId query parameter.` | no or empty `clientId` |
//! | 401 | 1072 | `Unknown clientId: ...` | `clientId` not configured |
//! | 401 | 1073 | `Missing timestamp query parameter.` | no `timestamp` |
//! | 401 | 1074 | `The timestamp query parameter must be an integer ...` | `timestamp` not an integer |
//! | 401 | 1075 | `The request timestamp T is N seconds away from server time ...` | outside the window |
//! | 401 | 1076 | `Unable to verify signature sent` | `Signature` missing or wrong |
//! | 401 | 1078 | `Unable to verify user` | `resetUserSecret` with an unknown user or wrong secret |
//! | 403 | 1066 | `User does not have permission to access this resource` | `login` with a wrong secret |
//! | 404 | 1011 | `The requested resource does not exist.` | unknown user (`login`, `deleteUser`), unknown path |
//! | 405 | 1090 | `Method "X" not allowed.` | known path, other method (with `Allow`) |
//! | 413 | 1091 | `Request body is larger than ...` | body over 1 MiB |
//! | 429 | `"0000"` | `Request was throttled. Expected available in N seconds.` | over the rate limit |
//! | 408 | 1092 | `Request body not received within N seconds.` | body slower than [`ServerLimits::body_read_timeout`] |
//! | 500 | 1000 | `Encountered an unexpected exception.` | the state file could not be written (the change is undone) |
//!
//! # State file
//!
//! With [`SandboxConfig::state_file`] the users are loaded at start (a
//! missing file is an empty state) and the whole state is rewritten after
//! each change: to a temporary file in the same directory, flushed, then
//! renamed over the old file, so a crash never leaves a torn file. A change
//! is answered only once it is on disk, so `kill -9` loses nothing that was
//! acknowledged; a change that cannot be written is undone and answered 500.
//! Temporary files are created exclusively (never through a planted link)
//! and, like the state file, with mode 0600: it holds user secrets in clear
//! text and is for local testing only. The file stays locked (an OS lock on
//! `FILE.lock`) while the sandbox runs, and a second sandbox on the same
//! file refuses to start.
//!
//! # Slow and hostile clients
//!
//! See [`ServerLimits`]: request heads and bodies have read timeouts,
//! connections are capped, and a request is authenticated from its head
//! (`clientId`, `timestamp`, presence of `Signature`) before its body is
//! read, within a global budget of body bytes held in memory.
#![warn(missing_docs)]

mod cli;
mod failure;
mod portal;
mod serve;
mod server;
mod store;
mod util;
mod webhook;

pub use cli::{run_cli, SandboxArgs};
pub use portal::FAILING_BROKER;
pub use serve::ServerLimits;
pub use webhook::{check_webhook_url, WebhookConfig, WebhookStats};

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The demo client id accepted by [`SandboxConfig::default`].
pub const SANDBOX_CLIENT_ID: &str = "SANDBOX_CLIENT_ID";
/// The consumer key of [`SANDBOX_CLIENT_ID`]. Public on purpose: it only
/// opens this local sandbox.
pub const SANDBOX_CONSUMER_KEY: &str = "SANDBOX_CONSUMER_KEY";
/// SnapTrade's default rate limit: requests per rolling minute per client id.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 250;
/// Default allowed distance between a request's timestamp and the server clock.
pub const DEFAULT_TIMESTAMP_WINDOW: Duration = Duration::from_secs(300);
/// The legacy path prefix, still served with a `Deprecation` header.
pub const LEGACY_PREFIX: &str = "/api/v1";
/// The `version` reported by `GET /`.
pub const STATUS_VERSION: i64 = 153;
/// How long a Connection Portal link stays valid by default (SnapTrade's 5 minutes).
pub const DEFAULT_PORTAL_TTL: Duration = Duration::from_secs(300);
/// How long a deleted user lingers by default before it is gone and
/// `USER_DELETED` is sent. SnapTrade deletes in the background and does not
/// promise a time; a few seconds makes code that assumes an instant
/// deletion fail in tests, without slowing them much.
pub const DEFAULT_DELETE_DELAY: Duration = Duration::from_secs(3);
/// The brokerage slugs the sandbox portal offers (`data-broker` of its
/// buttons). [`FAILING_BROKER`] always refuses the login.
pub const BROKERS: &[&str] = &["ALPACA", "QUESTRADE", "WEALTHSIMPLETRADE", FAILING_BROKER];

/// A source of Unix time in whole seconds.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// How a sandbox behaves.
#[derive(Clone)]
pub struct SandboxConfig {
    /// Accepted client ids and their consumer keys.
    pub clients: BTreeMap<String, String>,
    /// Largest accepted distance between a request's `timestamp` and the
    /// server's clock, either way.
    pub timestamp_window: Duration,
    /// Timeouts, connection cap and shutdown deadline (see [`ServerLimits`]).
    pub limits: ServerLimits,
    /// Requests per rolling 60 s per client id; `None` or `Some(0)` turns the
    /// limit (and its headers) off.
    pub rate_limit_per_minute: Option<u32>,
    /// Where users are kept across restarts; `None` keeps them in memory only.
    pub state_file: Option<PathBuf>,
    /// Replaces the system clock used to check timestamps and to report
    /// the time in `GET /`.
    pub clock: Option<Clock>,
    /// Print one line per request to stderr (method, path without the query,
    /// status, request id).
    pub log_requests: bool,
    /// Send signed `USER_REGISTERED` / `USER_DELETED` webhooks (see
    /// [`WebhookConfig`]); `None`: no webhooks.
    pub webhook: Option<WebhookConfig>,
    /// Keep the arrival time of every request, for
    /// [`RunningSandbox::arrivals`] (off by default: the log grows with
    /// every request).
    pub record_arrivals: bool,
    /// How long a login's Connection Portal link (`redirectURI`) stays valid.
    pub portal_ttl: Duration,
    /// The URL the sandbox is reached at (behind a proxy, say), used in the
    /// portal links; `None`: the listening address ([`start`]) or the
    /// request's `Host` ([`router`]).
    pub public_url: Option<String>,
    /// How long after `deleteSnapTradeUser` the user is gone (and
    /// `USER_DELETED` sent); until then it is still listed and can log in.
    /// Zero deletes at once.
    pub delete_delay: Duration,
}

impl Default for SandboxConfig {
    /// The demo client ([`SANDBOX_CLIENT_ID`] / [`SANDBOX_CONSUMER_KEY`]), a
    /// 300 s window, 250 requests per minute, no state file, system clock.
    fn default() -> Self {
        SandboxConfig {
            clients: BTreeMap::from([(
                SANDBOX_CLIENT_ID.to_owned(),
                SANDBOX_CONSUMER_KEY.to_owned(),
            )]),
            timestamp_window: DEFAULT_TIMESTAMP_WINDOW,
            limits: ServerLimits::default(),
            rate_limit_per_minute: Some(DEFAULT_RATE_LIMIT_PER_MINUTE),
            state_file: None,
            clock: None,
            log_requests: false,
            webhook: None,
            record_arrivals: false,
            portal_ttl: DEFAULT_PORTAL_TTL,
            public_url: None,
            delete_delay: DEFAULT_DELETE_DELAY,
        }
    }
}

impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("clients", &self.clients.keys().collect::<Vec<_>>())
            .field("timestamp_window", &self.timestamp_window)
            .field("limits", &self.limits)
            .field("rate_limit_per_minute", &self.rate_limit_per_minute)
            .field("state_file", &self.state_file)
            .field("clock", &self.clock.as_ref().map(|_| "custom"))
            .field("log_requests", &self.log_requests)
            .field("webhook", &self.webhook)
            .field("record_arrivals", &self.record_arrivals)
            .field("portal_ttl", &self.portal_ttl)
            .field("public_url", &self.public_url)
            .field("delete_delay", &self.delete_delay)
            .finish()
    }
}

impl SandboxConfig {
    /// A configuration that accepts only `client_id` / `consumer_key`.
    pub fn with_client(client_id: impl Into<String>, consumer_key: impl Into<String>) -> Self {
        SandboxConfig {
            clients: BTreeMap::from([(client_id.into(), consumer_key.into())]),
            ..SandboxConfig::default()
        }
    }

    /// Also accepts `client_id` / `consumer_key`.
    pub fn client(mut self, client_id: impl Into<String>, consumer_key: impl Into<String>) -> Self {
        self.clients.insert(client_id.into(), consumer_key.into());
        self
    }

    /// Sets the rate limit (`None` or `Some(0)`: off).
    pub fn rate_limit_per_minute(mut self, limit: Option<u32>) -> Self {
        self.rate_limit_per_minute = limit;
        self
    }

    /// Sets the timestamp window.
    pub fn timestamp_window(mut self, window: Duration) -> Self {
        self.timestamp_window = window;
        self
    }

    /// Sets the timeouts, connection cap and shutdown deadline.
    pub fn limits(mut self, limits: ServerLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Keeps users in `path` across restarts.
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Sends webhooks as `webhook` describes.
    pub fn webhook(mut self, webhook: WebhookConfig) -> Self {
        self.webhook = Some(webhook);
        self
    }

    /// Sets how long portal links stay valid.
    pub fn portal_ttl(mut self, ttl: Duration) -> Self {
        self.portal_ttl = ttl;
        self
    }

    /// Sets the URL portal links point at (`https://sandbox.example/prefix`).
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// Sets how long a deleted user lingers (zero: deleted at once).
    pub fn delete_delay(mut self, delay: Duration) -> Self {
        self.delete_delay = delay;
        self
    }

    /// Replaces the clock used to check request timestamps.
    pub fn clock(mut self, clock: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }
}

/// The sandbox as an [`axum::Router`], to serve yourself or to test with
/// `tower::ServiceExt::oneshot`. Fails when the state file exists but
/// cannot be read or parsed, or is in use by another sandbox (it stays
/// locked while the router, or a clone of it, lives). Served this way, the
/// connection limits of [`SandboxConfig::limits`] other than the body read
/// timeout are up to you.
pub fn router(config: SandboxConfig) -> io::Result<axum::Router> {
    Ok(router_with_counters(config)?.0)
}

fn router_with_counters(
    config: SandboxConfig,
) -> io::Result<(axum::Router, Arc<server::Counters>)> {
    let app = Arc::new(server::App::new(config)?);
    server::resume_deletions(&app);
    let counters = app.counters.clone();
    Ok((
        axum::Router::new().fallback(server::handle).with_state(app),
        counters,
    ))
}

/// What a running sandbox has received so far and how it answered, from
/// [`RunningSandbox::stats`]. Every request counts once in `received` and
/// once in one of `succeeded`, `throttled` or `other_errors` when its answer
/// is sent; `signature_mismatches` counts the 401s with code 1076 (missing
/// or wrong `Signature`), which are also in `other_errors`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SandboxStats {
    /// Requests received (any method, path or outcome).
    pub received: u64,
    /// Answered with a 2xx.
    pub succeeded: u64,
    /// Answered 429 by the rate limit.
    pub throttled: u64,
    /// Rejected because the `Signature` header was missing or wrong.
    pub signature_mismatches: u64,
    /// Answered with any other non-2xx status.
    pub other_errors: u64,
}

/// Binds `addr` (port 0 picks a free port) and serves the sandbox on the
/// current Tokio runtime until [`RunningSandbox::shutdown`] is called or the
/// handle is dropped, with the timeouts and connection cap of
/// [`SandboxConfig::limits`].
pub async fn start(mut config: SandboxConfig, addr: SocketAddr) -> io::Result<RunningSandbox> {
    let limits = config.limits;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    if config.public_url.is_none() {
        config.public_url = Some(loopback_url(addr));
    }
    let (router, counters) = router_with_counters(config)?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve::serve(listener, router, limits, async move {
        // Resolves on `shutdown()` and when the handle is dropped.
        let _ = stopped.await;
    }));
    Ok(RunningSandbox {
        addr,
        stop: Some(stop),
        task: Some(task),
        counters,
    })
}

/// `http://IP:PORT`, loopback for an unspecified address.
fn loopback_url(mut addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    format!("http://{addr}")
}

/// A sandbox serving in the background. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningSandbox {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<io::Result<()>>>,
    counters: Arc<server::Counters>,
}

impl RunningSandbox {
    /// The bound address (with the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://IP:PORT`, to use as a client's base URL. An unspecified bind
    /// address (`0.0.0.0`, `::`) is given as loopback.
    pub fn base_url(&self) -> String {
        loopback_url(self.addr)
    }

    /// The request counters so far.
    pub fn stats(&self) -> SandboxStats {
        self.counters.snapshot()
    }

    /// The webhook delivery counters so far (all zero without webhooks).
    pub fn webhook_stats(&self) -> WebhookStats {
        self.counters.webhooks.snapshot()
    }

    /// When each request arrived, in order; empty unless
    /// [`SandboxConfig::record_arrivals`] is on.
    pub fn arrivals(&self) -> Vec<std::time::Instant> {
        self.counters.arrivals()
    }

    /// [`base_url`](Self::base_url) plus the legacy `/api/v1` prefix.
    pub fn legacy_base_url(&self) -> String {
        format!("{}{LEGACY_PREFIX}", self.base_url())
    }

    /// Stops accepting connections, lets requests in flight finish, and waits;
    /// connections still open after [`ServerLimits::shutdown_timeout`] (a
    /// half-sent request, say) are closed, so this always returns.
    pub async fn shutdown(mut self) -> io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.map_err(io::Error::other)?,
            None => Ok(()),
        }
    }
}
