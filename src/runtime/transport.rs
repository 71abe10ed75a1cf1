//! Sending an [`OperationRequest`]: credentials, URL, HTTP, raw response.

use crate::runtime::encode::query_string;
use crate::runtime::error::{RequestError, TransportError, TransportErrorKind};
use crate::runtime::request::{Body, OperationRequest, QueryValue, SecurityScheme};
use crate::runtime::response::{RateLimit, RawResponse};
use crate::runtime::retry::{decide, Outcome, RetryPolicy};
use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
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

/// Transport settings.
#[derive(Clone)]
pub struct TransportConfig {
    /// Base URL, with or without a path prefix (`https://api.snaptrade.com`).
    pub base_url: String,
    /// Per-request timeout (connect + send + read).
    pub timeout: Duration,
    /// `User-Agent` header.
    pub user_agent: String,
    /// Retry policy for calls that do not set their own.
    pub retry: RetryPolicy,
}

/// The HTTP side of a generated client: one `reqwest` connection pool plus the
/// authenticator. Cheap to clone.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    auth: Option<Arc<dyn Authenticator>>,
    retry: RetryPolicy,
    clock_offset: AtomicI64,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.inner.base_url)
            .field("authenticator", &self.inner.auth.is_some())
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

impl<E> From<SendError> for crate::runtime::Error<E> {
    fn from(e: SendError) -> Self {
        match e {
            SendError::Request(e) => crate::runtime::Error::Request(e),
            SendError::Transport(e) => crate::runtime::Error::Transport(Box::new(e)),
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
        // reqwest is built without a bundled crypto provider (aws-lc-rs is slow to
        // compile); ring is installed as the process default if none is yet.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(config.user_agent)
            .build()
            .map_err(|e| format!("cannot build HTTP client: {e}"))?;
        Ok(Transport {
            inner: Arc::new(Inner {
                http,
                base_url,
                auth,
                retry: config.retry,
                clock_offset: AtomicI64::new(0),
            }),
        })
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
    pub async fn execute(&self, op: OperationRequest) -> Result<RawResponse, SendError> {
        let policy = op.retry.unwrap_or(self.inner.retry);
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let prepared = self.prepare(&op)?;
            let result = self.send(&op, prepared).await;
            let outcome = match &result {
                Ok(raw) => {
                    Outcome::Status(raw.status.as_u16(), RateLimit::from_headers(&raw.headers))
                }
                Err(SendError::Transport(t)) => Outcome::Transport {
                    kind: t.kind,
                    maybe_sent: t.maybe_sent,
                },
                Err(SendError::Request(_)) => return result,
            };
            let wait = decide(&policy, op.idempotent, outcome, attempt);
            match wait {
                Some(wait) if started.elapsed() + wait <= policy.max_elapsed => {
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
        let prefix = match self.inner.base_url.find("://") {
            Some(i) => match self.inner.base_url[i + 3..].find('/') {
                Some(j) => &self.inner.base_url[i + 3 + j..],
                None => "",
            },
            None => "",
        };
        let mut headers = http::HeaderMap::new();
        for (name, value) in &op.headers {
            let name = http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| request_error(format!("header name {name:?}: {e}")))?;
            let value = http::HeaderValue::from_str(value)
                .map_err(|e| request_error(format!("header {name}: {e}")))?;
            headers.append(name, value);
        }
        let mut prepared = PreparedRequest {
            operation_id: op.operation_id,
            method: op.method.clone(),
            path: format!("{prefix}{}", op.path),
            query: op
                .query
                .iter()
                .map(|(n, v)| ((*n).to_owned(), v.clone()))
                .collect(),
            headers,
            body: op.body.clone(),
            clock_offset: self.clock_offset(),
        };
        if !op.security.is_empty() {
            let Some(auth) = &self.inner.auth else {
                return Err(request_error(
                    "operation requires credentials but the client has none".into(),
                ));
            };
            let requirement = op
                .security
                .iter()
                .find(|req| auth.supports(req))
                .ok_or_else(|| {
                    let names: Vec<String> = op
                        .security
                        .iter()
                        .map(|r| r.iter().map(|s| s.name).collect::<Vec<_>>().join("+"))
                        .collect();
                    request_error(format!(
                        "no configured credential satisfies the security requirement ({})",
                        names.join(" or ")
                    ))
                })?;
            auth.authenticate(&mut prepared, requirement)
                .map_err(request_error)?;
        }
        Ok(prepared)
    }

    async fn send(
        &self,
        op: &OperationRequest,
        prepared: PreparedRequest,
    ) -> Result<RawResponse, SendError> {
        let origin_end = self.inner.base_url.find("://").map_or(0, |i| {
            self.inner.base_url[i + 3..]
                .find('/')
                .map_or(self.inner.base_url.len(), |j| i + 3 + j)
        });
        let mut url = format!("{}{}", &self.inner.base_url[..origin_end], prepared.path);
        let query = prepared.query_string();
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        let url = reqwest::Url::parse(&url).map_err(|e| {
            SendError::Request(RequestError {
                operation_id: op.operation_id,
                message: format!("cannot build URL for {}: {e}", prepared.path),
            })
        })?;
        let mut builder = self
            .inner
            .http
            .request(prepared.method.clone(), url)
            .headers(prepared.headers)
            .header(http::header::ACCEPT, "application/json");
        builder = match prepared.body {
            Body::Empty => builder,
            Body::Json(value) => builder
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(&value).unwrap_or_default()),
            Body::Form(pairs) => builder
                .header(
                    http::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(query_string(
                    pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())),
                )),
            Body::Text(text) => builder
                .header(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")
                .body(text),
            Body::Bytes { content_type, data } => builder
                .header(http::header::CONTENT_TYPE, content_type)
                .body(data),
        };
        let transport_error = |e: reqwest::Error| {
            let kind = if e.is_timeout() {
                TransportErrorKind::Timeout
            } else if e.is_connect() {
                TransportErrorKind::Connect
            } else {
                TransportErrorKind::Other
            };
            SendError::Transport(TransportError {
                operation_id: op.operation_id,
                method: op.method.clone(),
                path: prepared.path.clone(),
                kind,
                // The URL holds the query, and the query may hold a user secret.
                message: error_chain(&e.without_url()),
                maybe_sent: kind != TransportErrorKind::Connect,
                attempts: 1,
            })
        };
        let response = builder.send().await.map_err(transport_error)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(transport_error)?;
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }
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
