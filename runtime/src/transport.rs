//! Sending an [`OperationRequest`]: credentials, URL, HTTP, raw response.

use crate::encode::query_string;
use crate::error::{RequestError, TransportError, TransportErrorKind};
use crate::intercept::Interceptors;
use crate::limit::{Limiter, RateLimiter, RequestLimit};
use crate::request::{Body, OperationRequest, QueryValue, SecurityScheme};
use crate::response::{RateLimit, RawResponse};
use crate::retry::{decide, within_budget, Outcome, RetryPolicy};
use crate::trace::CallTrace;
use std::fmt;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A request as it will go on the wire, handed to the [`Authenticator`].
///
/// `path` already includes the base URL's own path prefix: signers must sign
/// exactly what is sent.
#[derive(Debug, Clone)]
pub struct PreparedRequest {
    /// The operation id.
    pub operation_id: &'static str,
    /// HTTP method.
    pub method: http::Method,
    /// The path as sent (base URL prefix + operation path), percent-encoded.
    pub path: String,
    /// Query pairs in order; values are encoded by [`PreparedRequest::query_string`].
    pub query: Vec<(String, QueryValue)>,
    /// Headers to send.
    pub headers: http::HeaderMap,
    /// The body.
    pub body: Body,
    /// Seconds to add to the local clock to get the server's, as measured by
    /// the client (see [`Transport::set_clock_offset`]); 0 until measured.
    pub clock_offset: i64,
}

impl PreparedRequest {
    /// The query string exactly as it will be sent, without the leading `?`.
    pub fn query_string(&self) -> String {
        query_string(self.query.iter().map(|(n, v)| (n.as_str(), v.as_wire())))
    }
}

/// Adds credentials to a request, driven by the operation's security
/// requirement (the list of schemes that must all be satisfied).
pub trait Authenticator: Send + Sync + 'static {
    /// Whether this authenticator can satisfy every scheme of `requirement`.
    fn supports(&self, requirement: &[SecurityScheme]) -> bool;

    /// Adds the credentials. Called once per attempt, so time-based values
    /// (timestamps, signatures) are fresh on every send.
    fn authenticate(
        &self,
        request: &mut PreparedRequest,
        requirement: &[SecurityScheme],
    ) -> Result<(), String>;
}

/// Default cap on a response body: 16 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 << 20;

/// Transport settings.
#[derive(Clone)]
pub struct TransportConfig {
    /// Base URL, with or without a path prefix (`https://api.example.com/v2`).
    pub base_url: String,
    /// Per-request timeout (connect + send + read), per attempt.
    pub timeout: Duration,
    /// `User-Agent` header.
    pub user_agent: String,
    /// Retry policy for calls that do not set their own.
    pub retry: RetryPolicy,
    /// Client-side rate limit, applied to every attempt; `None`: off.
    pub rate_limit: Option<RequestLimit>,
    /// Where the rate limit's slots are kept; wins over `rate_limit` when
    /// set. `None` with a `rate_limit`: an [`InProcessLimiter`](crate::InProcessLimiter).
    pub rate_limiter: Option<Arc<dyn RateLimiter>>,
    /// Longest response body read; a longer one fails with
    /// [`TransportErrorKind::BodyTooLarge`] without being read further.
    pub max_response_bytes: usize,
    /// A client built from the caller's `reqwest::ClientBuilder` (proxy, root
    /// certificates, pool, HTTP/2) instead of the default one; `timeout` and
    /// `user_agent` are then set on each request (a call's own timeout still
    /// wins). Like the default client it never follows a redirect and never
    /// sends `Referer`: see [`HttpClient`].
    pub http_client: Option<HttpClient>,
    /// Run around every attempt, in order (see [`Interceptor`](crate::Interceptor)).
    pub interceptors: Interceptors,
}

impl TransportConfig {
    /// Settings for `base_url` with a 30 s timeout, the default retry policy,
    /// no rate limit and a [`DEFAULT_MAX_RESPONSE_BYTES`] body cap.
    pub fn new(base_url: impl Into<String>) -> Self {
        TransportConfig {
            base_url: base_url.into(),
            timeout: Duration::from_secs(30),
            user_agent: format!("oapi-client-runtime/{}", env!("CARGO_PKG_VERSION")),
            retry: RetryPolicy::default(),
            rate_limit: None,
            rate_limiter: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            http_client: None,
            interceptors: Interceptors::new(),
        }
    }
}

/// A `reqwest::Client` built by the runtime from a caller's
/// `reqwest::ClientBuilder`, for [`TransportConfig::http_client`].
///
/// The runtime sets `redirect(Policy::none())` and `referer(false)` on the
/// builder last, so whatever the caller set before (even
/// `Policy::limited(10)`), a signed request is never resent to the URL a
/// redirect names and its URL (whose query may hold a secret) never travels
/// in a `Referer` header. A ready-made `reqwest::Client` is not accepted:
/// its redirect policy cannot be checked.
///
/// ```
/// use oapi_client_runtime::{reqwest, HttpClient};
/// let http = HttpClient::from_builder(reqwest::Client::builder().pool_max_idle_per_host(8))?;
/// # Ok::<(), String>(())
/// ```
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
}

impl HttpClient {
    /// Builds `builder` with redirects and `Referer` turned off (installing
    /// the process's rustls crypto provider first if none is). Fails only if
    /// reqwest cannot build it (a TLS backend or a certificate it refuses).
    pub fn from_builder(builder: reqwest::ClientBuilder) -> Result<HttpClient, String> {
        crate::install_crypto_provider();
        builder
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .build()
            .map(|client| HttpClient { client })
            .map_err(|e| format!("cannot build HTTP client: {}", error_chain(&e)))
    }
}

/// Its settings are not shown: they may hold proxy credentials.
impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HttpClient { .. }")
    }
}

/// Shows whether a caller's client is set, not its settings: a client's
/// `Debug` lists its proxies and default headers, which may hold credentials.
impl fmt::Debug for TransportConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportConfig")
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .field("rate_limit", &self.rate_limit)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("http_client", &self.http_client.is_some())
            .field("interceptors", &self.interceptors)
            .finish_non_exhaustive()
    }
}

/// Counters of one transport (shared by its clones), for monitoring and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransportStats {
    /// Calls to [`Transport::execute`].
    pub calls: u64,
    /// Attempts sent (or tried), first attempts and retries.
    pub attempts: u64,
    /// Attempts after the first.
    pub retries: u64,
    /// Attempts that waited for the rate limiter.
    pub rate_limited: u64,
    /// Total time attempts waited for the rate limiter, in milliseconds.
    pub rate_limit_wait_ms: u64,
}

/// The HTTP side of a generated client: one `reqwest` connection pool plus the
/// authenticator. Cheap to clone; clones share the pool, the rate limiter,
/// the clock offset and the counters.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
    /// Set by [`Transport::with_retry`]: this handle's policy.
    retry: Option<RetryPolicy>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    /// `base_url` parsed once; each attempt sets path and query on a clone
    /// (no reparse of the whole URL per call).
    parsed_base: reqwest::Url,
    /// The base URL's own path prefix (`""` or `/v1`, no trailing slash).
    prefix: String,
    auth: Option<Arc<dyn Authenticator>>,
    retry: RetryPolicy,
    clock_offset: AtomicI64,
    limiter: Option<Limiter>,
    max_response_bytes: usize,
    /// With a caller's client: the per-attempt timeout and `User-Agent` to
    /// set on each request (the default client has them built in).
    per_request: Option<(Duration, http::HeaderValue)>,
    interceptors: Interceptors,
    calls: AtomicU64,
    attempts: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    rate_limit_wait_ms: AtomicU64,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.inner.base_url)
            .field("authenticator", &self.inner.auth.is_some())
            .field("retry", &self.retry_policy())
            .field("rate_limit", &self.rate_limit())
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .finish()
    }
}

/// Why a request could not be sent or answered.
#[derive(Debug)]
pub enum SendError {
    /// Building the request failed.
    Request(RequestError),
    /// Network failure.
    Transport(TransportError),
}

impl<E> From<SendError> for crate::Error<E> {
    fn from(e: SendError) -> Self {
        match e {
            SendError::Request(e) => crate::Error::Request(e),
            SendError::Transport(e) => crate::Error::Transport(Box::new(e)),
        }
    }
}

impl Transport {
    /// Builds a transport. Fails only if the base URL is not an absolute
    /// `http`/`https` URL or the TLS backend cannot start.
    pub fn new(
        config: TransportConfig,
        auth: Option<Arc<dyn Authenticator>>,
    ) -> Result<Self, String> {
        let base_url = config.base_url.trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&base_url)
            .map_err(|e| format!("invalid base URL {base_url:?}: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!(
                "base URL {base_url:?} must start with http:// or https://"
            ));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(format!(
                "base URL {base_url:?} must not have a query or fragment"
            ));
        }
        crate::install_crypto_provider();
        let limiter = Limiter::from_config(config.rate_limiter.as_ref(), config.rate_limit)?;
        if config.max_response_bytes == 0 {
            return Err("max_response_bytes must be at least 1".into());
        }
        // The prefix comes from the parsed URL, the one that is sent: cut from
        // the raw text, `/api/./v1` or `/a b` would be signed as written but
        // sent normalized (`/api/v1`, `/a%20b`), and every signature would fail.
        let prefix = parsed.path().trim_end_matches('/').to_owned();
        let per_request = match config.http_client {
            Some(_) => Some((
                config.timeout,
                http::HeaderValue::from_str(&config.user_agent)
                    .map_err(|e| format!("invalid user agent: {e}"))?,
            )),
            None => None,
        };
        // Neither a caller's client (see `HttpClient`) nor ours follows a
        // redirect or sends `Referer`: see `redirect`.
        let http = match config.http_client {
            Some(client) => client.client,
            None => reqwest::Client::builder()
                .timeout(config.timeout)
                .user_agent(config.user_agent)
                .redirect(reqwest::redirect::Policy::none())
                .referer(false)
                .build()
                .map_err(|e| format!("cannot build HTTP client: {e}"))?,
        };
        Ok(Transport {
            inner: Arc::new(Inner {
                http,
                base_url,
                parsed_base: parsed,
                prefix,
                auth,
                retry: config.retry,
                clock_offset: AtomicI64::new(0),
                limiter,
                max_response_bytes: config.max_response_bytes,
                per_request,
                interceptors: config.interceptors,
                calls: AtomicU64::new(0),
                attempts: AtomicU64::new(0),
                retries: AtomicU64::new(0),
                rate_limited: AtomicU64::new(0),
                rate_limit_wait_ms: AtomicU64::new(0),
            }),
            retry: None,
        })
    }

    /// A handle on the same connection pool, credentials, rate limiter and
    /// counters whose calls use `policy` instead of the client's retry policy
    /// (a request's own [`OperationRequest::retry`] still wins). Cheap: one
    /// reference count.
    pub fn with_retry(&self, policy: RetryPolicy) -> Transport {
        Transport {
            inner: self.inner.clone(),
            retry: Some(policy),
        }
    }

    /// The retry policy calls through this handle use when the request sets none.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry.unwrap_or(self.inner.retry)
    }

    /// The client-side rate limit, if one is on.
    pub fn rate_limit(&self) -> Option<RequestLimit> {
        self.inner.limiter.as_ref().map(Limiter::limit)
    }

    /// The response body cap in bytes.
    pub fn max_response_bytes(&self) -> usize {
        self.inner.max_response_bytes
    }

    /// The counters so far (shared by every clone of this transport).
    pub fn stats(&self) -> TransportStats {
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        TransportStats {
            calls: load(&self.inner.calls),
            attempts: load(&self.inner.attempts),
            retries: load(&self.inner.retries),
            rate_limited: load(&self.inner.rate_limited),
            rate_limit_wait_ms: load(&self.inner.rate_limit_wait_ms),
        }
    }

    /// Seconds the server's clock is ahead of ours (negative: behind), as
    /// last set; authenticators add it to time-based credentials.
    pub fn clock_offset(&self) -> i64 {
        self.inner.clock_offset.load(Ordering::Relaxed)
    }

    /// Records the measured offset of the server's clock.
    pub fn set_clock_offset(&self, seconds: i64) {
        self.inner.clock_offset.store(seconds, Ordering::Relaxed);
    }

    /// The base URL without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Authenticates, sends and reads the whole response, retrying as the
    /// [`RetryPolicy`] and the request's idempotency allow. Every attempt is
    /// authenticated afresh (a new timestamp and signature).
    ///
    /// With a rate limit on, every attempt first waits for a free slot; the
    /// wait counts towards the policy's `max_elapsed`.
    pub async fn execute(&self, op: OperationRequest) -> Result<RawResponse, SendError> {
        let call = CallTrace::start(&op);
        let result = call.instrument(self.run(op, &call)).await;
        call.finish(&result);
        result
    }

    /// The retry loop of [`execute`](Self::execute).
    async fn run(&self, op: OperationRequest, call: &CallTrace) -> Result<RawResponse, SendError> {
        let policy = op.retry.unwrap_or_else(|| self.retry_policy());
        let started = Instant::now();
        self.inner.calls.fetch_add(1, Ordering::Relaxed);
        let mut attempt = 1;
        loop {
            // Held until the attempt is over: see `limit` for why.
            let slot = match &self.inner.limiter {
                Some(limiter) => {
                    let asked = Instant::now();
                    let slot = limiter.acquire().await;
                    let waited = asked.elapsed();
                    if waited >= Duration::from_millis(1) {
                        self.inner.rate_limited.fetch_add(1, Ordering::Relaxed);
                        self.inner
                            .rate_limit_wait_ms
                            .fetch_add(waited.as_millis() as u64, Ordering::Relaxed);
                        call.rate_limited(waited);
                    }
                    Some(slot)
                }
                None => None,
            };
            // Signed after the wait, so the timestamp is fresh.
            let prepared = self.prepare(&op)?;
            self.inner.attempts.fetch_add(1, Ordering::Relaxed);
            if attempt > 1 {
                self.inner.retries.fetch_add(1, Ordering::Relaxed);
            }
            call.attempt();
            let sent = Instant::now();
            let result = self.send(&op, prepared, attempt).await;
            drop(slot);
            if let Err(SendError::Request(_)) = result {
                return result;
            }
            let interceptors = &self.inner.interceptors;
            interceptors.after_response(&op, attempt, &result, sent);
            // The last attempt allowed: nothing to decide (skips reading the
            // rate-limit headers on every call that gets no retry).
            let last = attempt >= policy.max_attempts;
            let outcome = match &result {
                _ if last => None,
                Ok(raw) => {
                    let status = raw.status.as_u16();
                    // Only the statuses `decide` may retry look at the headers.
                    let limits = if matches!(status, 429 | 502 | 503 | 504) {
                        RateLimit::from_headers(&raw.headers)
                    } else {
                        RateLimit::default()
                    };
                    Some(Outcome::Status(status, limits))
                }
                Err(SendError::Transport(t)) => Some(Outcome::Transport {
                    kind: t.kind,
                    maybe_sent: t.maybe_sent,
                }),
                Err(SendError::Request(_)) => unreachable!("returned above"),
            };
            let wait = outcome.and_then(|outcome| decide(&policy, op.idempotent, outcome, attempt));
            match wait {
                Some(wait) if within_budget(&policy, started.elapsed(), wait) => {
                    call.retry(attempt, &result, wait);
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                _ => {
                    return result.map_err(|e| match e {
                        SendError::Transport(mut t) => {
                            t.attempts = attempt;
                            SendError::Transport(t)
                        }
                        other => other,
                    })
                }
            }
        }
    }

    /// Resolves the URL path and adds credentials, without sending.
    pub fn prepare(&self, op: &OperationRequest) -> Result<PreparedRequest, SendError> {
        let request_error = |message: String| {
            SendError::Request(RequestError {
                operation_id: op.operation_id,
                message,
            })
        };
        let prefix = self.inner.prefix.as_str();
        if let Some(segment) = dot_segment(&op.path) {
            // URLs drop `.` and `..` segments (and their `%2E` spellings), so
            // a path parameter such as `..` would send the request, signed
            // for one path, to another one: refuse it before anything is sent.
            return Err(request_error(format!(
                "the path {:?} has the segment {segment:?}, which URLs resolve away \
                 (a path parameter of `.` or `..` cannot be sent)",
                op.path
            )));
        }
        let mut headers = http::HeaderMap::new();
        for (name, value) in &op.headers {
            let name = http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| request_error(format!("header name {name:?}: {e}")))?;
            let mut value = http::HeaderValue::from_str(value)
                .map_err(|e| request_error(format!("header {name}: {e}")))?;
            // It may be a secret: see `OperationRequest::headers`.
            value.set_sensitive(true);
            headers.append(name, value);
        }
        let mut prepared = PreparedRequest {
            operation_id: op.operation_id,
            method: op.method.clone(),
            path: format!("{prefix}{}", op.path),
            query: {
                // Room for the credentials an authenticator appends.
                let mut query = Vec::with_capacity(op.query.len() + op.free_query.len() + 2);
                query.extend(op.query.iter().map(|(n, v)| ((*n).to_owned(), v.clone())));
                query.extend(op.free_query.iter().cloned());
                query
            },
            headers,
            body: op.body.clone(),
            clock_offset: self.clock_offset(),
        };
        if op.security.is_empty() {
            return Ok(prepared);
        }
        // The first alternative a configured credential satisfies. An empty
        // alternative (`security: [{}]`, `[{}, {a: []}]`) means no
        // credentials are needed: it is never the one authenticated with,
        // and it lets the request go without any when nothing else fits.
        let chosen = self.inner.auth.as_ref().and_then(|auth| {
            op.security
                .iter()
                .find(|req| !req.is_empty() && auth.supports(req))
                .map(|req| (auth, req))
        });
        match chosen {
            Some((auth, requirement)) => auth
                .authenticate(&mut prepared, requirement)
                .map_err(request_error)?,
            None if op.security.iter().any(|req| req.is_empty()) => {}
            None if self.inner.auth.is_none() => {
                return Err(request_error(
                    "operation requires credentials but the client has none".into(),
                ))
            }
            None => {
                let names: Vec<String> = op
                    .security
                    .iter()
                    .map(|r| r.iter().map(|s| s.name).collect::<Vec<_>>().join("+"))
                    .collect();
                return Err(request_error(format!(
                    "no configured credential satisfies the security requirement ({})",
                    names.join(" or ")
                )));
            }
        }
        Ok(prepared)
    }

    async fn send(
        &self,
        op: &OperationRequest,
        prepared: PreparedRequest,
        attempt: u32,
    ) -> Result<RawResponse, SendError> {
        // The path and query are already percent-encoded (the signature
        // covers them as they are): `set_path`/`set_query` keep `%XX` and the
        // characters `encode` leaves alone, so the target is byte for byte
        // what was signed (see the tests below and tests/wire.rs).
        let url = target_url(
            &self.inner.parsed_base,
            &prepared.path,
            &prepared.query_string(),
        );
        let mut request = reqwest::Request::new(prepared.method.clone(), url);
        // A per-call timeout replaces the client's for each attempt.
        *request.timeout_mut() = op.timeout;
        let headers = request.headers_mut();
        *headers = prepared.headers;
        if !op.accept.is_empty() {
            let accept = http::HeaderValue::from_str(op.accept).map_err(|e| {
                SendError::Request(RequestError {
                    operation_id: op.operation_id,
                    message: format!("Accept {:?}: {e}", op.accept),
                })
            })?;
            headers.append(http::header::ACCEPT, accept);
        }
        let multipart_type: String;
        let (content_type, body): (&str, reqwest::Body) = match prepared.body {
            Body::Empty => ("", reqwest::Body::default()),
            Body::Json(value) => (
                "application/json",
                serde_json::to_vec(&value).unwrap_or_default().into(),
            ),
            Body::Form(pairs) => (
                "application/x-www-form-urlencoded",
                query_string(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))).into(),
            ),
            Body::Text(text) => ("text/plain; charset=utf-8", text.into()),
            Body::Bytes { content_type, data } => (content_type, data.into()),
            Body::Multipart(form) => {
                let (ct, data) = form.encode().map_err(|message| {
                    SendError::Request(RequestError {
                        operation_id: op.operation_id,
                        message,
                    })
                })?;
                multipart_type = ct;
                (multipart_type.as_str(), data.into())
            }
        };
        if !content_type.is_empty() {
            let value = http::HeaderValue::from_str(content_type).map_err(|e| {
                SendError::Request(RequestError {
                    operation_id: op.operation_id,
                    message: format!("Content-Type {content_type:?}: {e}"),
                })
            })?;
            request
                .headers_mut()
                .append(http::header::CONTENT_TYPE, value);
            *request.body_mut() = Some(body);
        } else if matches!(
            prepared.method,
            http::Method::POST | http::Method::PUT | http::Method::PATCH
        ) {
            // RFC 9110 §8.6: a method that defines a body says it is empty,
            // or some proxies answer 411 Length Required.
            request.headers_mut().insert(
                http::header::CONTENT_LENGTH,
                http::HeaderValue::from_static("0"),
            );
        }
        let failure = |kind: TransportErrorKind, message: String| {
            SendError::Transport(TransportError {
                operation_id: op.operation_id,
                method: op.method.clone(),
                path: prepared.path.clone(),
                kind,
                message,
                maybe_sent: kind != TransportErrorKind::Connect,
                attempts: 1,
                location: None,
            })
        };
        let transport_error = |e: reqwest::Error| {
            let kind = if e.is_timeout() {
                TransportErrorKind::Timeout
            } else if e.is_connect() {
                TransportErrorKind::Connect
            } else {
                TransportErrorKind::Other
            };
            // The URL holds the query, and the query may hold a user secret.
            failure(kind, error_chain(&e.without_url()))
        };
        let cap = self.inner.max_response_bytes;
        let too_large = |seen: String| {
            failure(
                TransportErrorKind::BodyTooLarge,
                format!("the response body ({seen}) is over the {cap}-byte limit; reading stopped"),
            )
        };
        if let Some((timeout, user_agent)) = &self.inner.per_request {
            // A call's own timeout wins, as it does over the default client's.
            request.timeout_mut().get_or_insert(*timeout);
            let headers = request.headers_mut();
            headers.insert(http::header::USER_AGENT, user_agent.clone());
        }
        let interceptors = &self.inner.interceptors;
        interceptors.before_send(op, attempt, request.headers_mut());
        let sent_url = request.url().clone();
        let mut response = self
            .inner
            .http
            .execute(request)
            .await
            .map_err(transport_error)?;
        let status = response.status();
        // A documented 3xx is the operation's answer (not followed either);
        // any other is refused here.
        let documented = op.documents_redirect(status.as_u16());
        if let Some(location) =
            crate::redirect::redirect_location(status, response.headers()).filter(|_| !documented)
        {
            let mut e = failure(
                TransportErrorKind::Redirect,
                format!("HTTP {status} to {location}; a signed request is not resent elsewhere"),
            );
            if let SendError::Transport(t) = &mut e {
                t.location = Some(location);
            }
            return Err(e);
        }
        if response.url() != &sent_url {
            // Only a client that followed a redirect answers from elsewhere,
            // which `HttpClient` rules out; should it ever happen, that body
            // is another server's and is never decoded as the API's.
            let location = crate::redirect::redact_url(response.url());
            let mut e = failure(
                TransportErrorKind::UnexpectedUrl,
                format!(
                    "HTTP {status} came from {location}, not the URL sent; its body is not read"
                ),
            );
            if let SendError::Transport(t) = &mut e {
                t.location = Some(location);
            }
            return Err(e);
        }
        // Moved out, not cloned: the body is read without them.
        let headers = std::mem::take(response.headers_mut());
        // Never read an unbounded body: refuse a declared length over the cap
        // up front, and stop a chunked one as soon as it passes the cap.
        let declared = response.content_length();
        if let Some(len) = declared {
            if len > cap as u64 {
                return Err(too_large(format!("Content-Length {len}")));
            }
            // The length is enforced by the HTTP layer: the body cannot
            // outgrow it, so it is read in one piece (no copy for one chunk).
            let body = response.bytes().await.map_err(transport_error)?;
            return Ok(RawResponse {
                status,
                headers,
                body,
            });
        }
        let mut body = bytes::BytesMut::with_capacity(declared.unwrap_or(0) as usize);
        while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
            if body.len() + chunk.len() > cap {
                return Err(too_large(format!(
                    "more than {} bytes",
                    body.len() + chunk.len()
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(RawResponse {
            status,
            headers,
            body: body.freeze(),
        })
    }
}

/// `base` with `path` and `query` (both already percent-encoded; an empty
/// query means none) put in place as they are.
/// The first segment of `path` that a URL parser removes as `.` or `..`
/// (also spelled `%2E`, `.%2e`, ...), if any.
fn dot_segment(path: &str) -> Option<&str> {
    // Every request passes here: no allocation, and a segment longer than
    // `%2e%2e` is skipped at once.
    path.split('/').find(|seg| {
        let mut rest = seg.as_bytes();
        let mut dots = 0;
        while !rest.is_empty() && dots < 3 {
            rest = match rest {
                [b'.', tail @ ..] => tail,
                [b'%', b'2', e, tail @ ..] if e.eq_ignore_ascii_case(&b'e') => tail,
                _ => return false,
            };
            dots += 1;
        }
        rest.is_empty() && (dots == 1 || dots == 2)
    })
}

fn target_url(base: &reqwest::Url, path: &str, query: &str) -> reqwest::Url {
    let mut url = base.clone();
    url.set_path(path);
    url.set_query((!query.is_empty()).then_some(query));
    url
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        source = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::target_url;
    use crate::encode::{encode_path_segment, query_string};

    /// What the transport did before it kept the parsed base URL: format the
    /// whole URL and parse it again.
    fn reparsed(base: &str, path: &str, query: &str) -> reqwest::Url {
        let origin_end = base.find("://").map_or(0, |i| {
            base[i + 3..].find('/').map_or(base.len(), |j| i + 3 + j)
        });
        let mut url = format!("{}{path}", &base[..origin_end]);
        if !query.is_empty() {
            url.push('?');
            url.push_str(query);
        }
        reqwest::Url::parse(&url).unwrap()
    }

    #[test]
    fn dot_segments_are_found_in_every_spelling() {
        use super::dot_segment;
        for path in [
            "/a/../b",
            "/a/.",
            "/%2E%2E/x",
            "/a/.%2e",
            "/a/%2e",
            "/a/%2E./b",
        ] {
            assert!(dot_segment(path).is_some(), "{path}");
        }
        for path in [
            "/a/b",
            "/a/.../b",
            "/a/.b",
            "/a/b.",
            "/",
            "",
            "/%2e%2e%2e",
            "/a%2e/b",
        ] {
            assert_eq!(dot_segment(path), None, "{path}");
        }
    }

    #[test]
    fn target_url_keeps_the_signed_path_and_query_byte_for_byte() {
        // Every ASCII character and some non-ASCII, through our encoders.
        let all: String = (0u8..128).map(char::from).chain("üé€😀".chars()).collect();
        let values = [
            all.as_str(),
            "",
            "a b/c",
            "%41%2F",
            "x=y&z",
            "..",
            ".",
            "~_.-/",
            "#frag?q",
        ];
        for base in [
            "http://127.0.0.1:8080",
            "https://api.example.com",
            "https://example.com/api/v1",
            "http://[::1]:9",
        ] {
            let parsed = reqwest::Url::parse(base).unwrap();
            let prefix = reqwest::Url::parse(base).unwrap().path().to_owned();
            let prefix = if prefix == "/" { String::new() } else { prefix };
            for value in values {
                let path = format!("{prefix}/accounts/{}/x", encode_path_segment(value));
                let query = query_string([("userId", value), ("clientId", "ID"), (value, "v")]);
                let url = target_url(&parsed, &path, &query);
                assert_eq!(url, reparsed(base, &path, &query), "{base} {value:?}");
                if value != ".." && value != "." {
                    assert_eq!(url.path(), path, "{base} {value:?}");
                }
                assert_eq!(url.query(), Some(query.as_str()), "{base} {value:?}");
                let url = target_url(&parsed, &path, "");
                assert_eq!(url, reparsed(base, &path, ""));
                assert_eq!(url.query(), None);
            }
        }
    }
}

#[cfg(test)]
mod unexpected_url {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// Answers one request with `reply`, then stops.
    async fn answer_once(reply: String) -> std::net::SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 8192];
            let _ = sock.read(&mut buf).await;
            sock.write_all(reply.as_bytes()).await.unwrap();
        });
        addr
    }

    /// `HttpClient` cannot hold a client that follows redirects; should one
    /// ever do so, the answer from another URL is refused, not decoded.
    #[tokio::test]
    async fn an_answer_from_another_url_is_a_transport_error() {
        let body = "{\"from\":\"elsewhere\"}";
        let other = answer_once(format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        ))
        .await;
        let first = answer_once(format!(
            "HTTP/1.1 307 Temporary Redirect\r\nlocation: http://me:pw@{other}/moved?userSecret=s&a=1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        ))
        .await;
        crate::install_crypto_provider();
        // What `HttpClient::from_builder` never builds: reqwest's default
        // policy follows up to 10 redirects.
        let following = HttpClient {
            client: reqwest::Client::new(),
        };
        let mut config = TransportConfig::new(format!("http://{first}"));
        config.retry = RetryPolicy::never();
        config.http_client = Some(following);
        let transport = Transport::new(config, None).unwrap();
        let op = OperationRequest::new("op", http::Method::GET, "/x".into());
        let Err(SendError::Transport(t)) = transport.execute(op).await else {
            panic!("an answer from another URL was accepted");
        };
        assert_eq!(t.kind, TransportErrorKind::UnexpectedUrl);
        assert_eq!(
            t.location.as_deref(),
            Some(format!("http://%5Bredacted%5D@{other}/moved?userSecret=[redacted]&a=1").as_str())
        );
        assert!(!t.to_string().contains("pw@"), "{t}");
        assert!(!t.to_string().contains("elsewhere"), "{t}");
    }
}
