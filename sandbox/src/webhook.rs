//! Webhook deliveries, like SnapTrade's: a signed `USER_REGISTERED` after a
//! registration and a signed `USER_DELETED` a moment after a deletion (the
//! background delete), POSTed to [`WebhookConfig::url`].
//!
//! Each event is delivered by its own task, so a slow or failing receiver
//! never holds up another event or a request. A delivery is done when the
//! receiver answers 200, 201, 202 or 204 (SnapTrade's list); anything else,
//! or no answer, is counted and retried with exponential backoff, for as
//! long as the sandbox runs. Deliveries still pending when the sandbox stops
//! are counted as abandoned.
//!
//! The `Signature` header is [`snaptrade::webhook::sign`] of the event under
//! the consumer key of the client the user belongs to.

use crate::SandboxConfig;
use serde_json::{json, Value};
use snaptrade::runtime::redact::redact_url;
use snaptrade::webhook::{UnixTime, USER_DELETED, USER_REGISTERED};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Where and how the sandbox delivers webhooks ([`SandboxConfig::webhook`]).
///
/// The URL may carry a receiver's token (in its query or as a user name and
/// password): `Debug`, the start-up banner, logs and errors show it through
/// [`redact_url`], never whole.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    /// The receiver's URL: an absolute `http://` or `https://` URL with a
    /// host, checked when the sandbox starts ([`check_webhook_url`]).
    pub url: String,
    /// How long after a deletion is done (see
    /// [`SandboxConfig::delete_delay`](crate::SandboxConfig::delete_delay))
    /// `USER_DELETED` is sent; zero by default.
    pub delete_delay: Duration,
    /// Wait before the first retry; doubled after each failure.
    pub initial_backoff: Duration,
    /// Longest wait between retries.
    pub max_backoff: Duration,
    /// Per-attempt timeout.
    pub timeout: Duration,
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &redact_url(&self.url))
            .field("delete_delay", &self.delete_delay)
            .field("initial_backoff", &self.initial_backoff)
            .field("max_backoff", &self.max_backoff)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Whether `url` can receive webhooks: an absolute `http` or `https` URL
/// with a host. The error names the URL redacted ([`redact_url`]).
pub fn check_webhook_url(url: &str) -> Result<(), String> {
    let shown = redact_url(url);
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| format!("webhook URL {shown}: not an absolute URL ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "webhook URL {shown}: the scheme must be http or https, not {:?}",
            parsed.scheme()
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(format!("webhook URL {shown}: no host"));
    }
    Ok(())
}

impl WebhookConfig {
    /// The receiver's URL fit to print (see [`redact_url`]).
    pub fn redacted_url(&self) -> String {
        redact_url(&self.url)
    }

    /// Delivers to `url` with the defaults: `USER_DELETED` as the deletion
    /// is done, retries after 1 s, 2 s, 4 s ... up to 60 s, 10 s per attempt.
    pub fn new(url: impl Into<String>) -> WebhookConfig {
        WebhookConfig {
            url: url.into(),
            delete_delay: Duration::ZERO,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
        }
    }

    /// Sets [`delete_delay`](Self::delete_delay).
    pub fn delete_delay(mut self, delay: Duration) -> WebhookConfig {
        self.delete_delay = delay;
        self
    }

    /// Sets the first and the longest wait between retries.
    pub fn backoff(mut self, initial: Duration, max: Duration) -> WebhookConfig {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }
}

/// `CONNECTION_ADDED`: a connection was made in the portal.
pub(crate) const CONNECTION_ADDED: &str = "CONNECTION_ADDED";
/// `CONNECTION_FIXED`: a disabled connection was repaired.
pub(crate) const CONNECTION_FIXED: &str = "CONNECTION_FIXED";
/// `CONNECTION_BROKEN`: a connection was disabled.
pub(crate) const CONNECTION_BROKEN: &str = "CONNECTION_BROKEN";
/// `CONNECTION_FAILED`: a login to a brokerage failed in the portal.
pub(crate) const CONNECTION_FAILED: &str = "CONNECTION_FAILED";

/// Webhook delivery counters, from [`crate::RunningSandbox::webhook_stats`].
/// `attempts = delivered + rejected + unreachable`, and every event is
/// `pending` until it is `delivered` or `abandoned`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookStats {
    /// Events created (one per registration, deletion and connection event).
    pub events: u64,
    /// Events the receiver accepted (200, 201, 202 or 204).
    pub delivered: u64,
    /// POSTs made, first tries and retries.
    pub attempts: u64,
    /// Attempts answered with another status (each one retried).
    pub rejected: u64,
    /// Attempts that got no answer: connection refused, timeout (retried).
    pub unreachable: u64,
    /// Events not delivered yet (waiting for their delay or a retry).
    pub pending: u64,
    /// Events still pending when the sandbox stopped.
    pub abandoned: u64,
}

/// The live counters behind [`WebhookStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    events: AtomicU64,
    delivered: AtomicU64,
    attempts: AtomicU64,
    rejected: AtomicU64,
    unreachable: AtomicU64,
    abandoned: AtomicU64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> WebhookStats {
        let load = |a: &AtomicU64| a.load(Ordering::SeqCst);
        let (events, delivered, abandoned) = (
            load(&self.events),
            load(&self.delivered),
            load(&self.abandoned),
        );
        WebhookStats {
            events,
            delivered,
            attempts: load(&self.attempts),
            rejected: load(&self.rejected),
            unreachable: load(&self.unreachable),
            pending: events.saturating_sub(delivered + abandoned),
            abandoned,
        }
    }
}

/// Sends the events of one sandbox. Dropping it (with the sandbox) stops
/// every delivery still waiting.
pub(crate) struct Deliverer {
    shared: Arc<Shared>,
    /// Dropped with the deliverer, which wakes every waiting task to stop.
    _stop: watch::Sender<()>,
    stopped: watch::Receiver<()>,
}

struct Shared {
    config: WebhookConfig,
    http: reqwest::Client,
    /// Client id → consumer key: the signing key of each client's events.
    keys: BTreeMap<String, String>,
    clock: Option<crate::Clock>,
    log: bool,
    counters: Arc<Counters>,
}

impl fmt::Debug for Deliverer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deliverer")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl Deliverer {
    /// A deliverer for `config.webhook`, `None` when webhooks are off. Fails
    /// on a URL that is not `http`/`https` ([`check_webhook_url`]) or when
    /// no HTTP client can be built.
    pub(crate) fn new(
        config: &SandboxConfig,
        counters: Arc<Counters>,
    ) -> Result<Option<Deliverer>, String> {
        let Some(webhook) = config.webhook.clone() else {
            return Ok(None);
        };
        check_webhook_url(&webhook.url)?;
        // reqwest is built without a bundled TLS crypto provider; ring is
        // installed as the process default if none is yet (as the client does).
        let _ = rustls::crypto::ring::default_provider().install_default();
        // No redirect is followed (the signed event would go wherever a
        // receiver points, and a redirect is then just a failed attempt),
        // and no `Referer` carries the URL's token anywhere.
        let http = reqwest::Client::builder()
            .timeout(webhook.timeout)
            .user_agent(concat!("snaptrade-sandbox/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .build()
            .map_err(|e| format!("webhooks: cannot build an HTTP client: {e}"))?;
        let (stop, stopped) = watch::channel(());
        Ok(Some(Deliverer {
            shared: Arc::new(Shared {
                config: webhook,
                http,
                keys: config.clients.clone(),
                clock: config.clock.clone(),
                log: config.log_requests,
                counters,
            }),
            _stop: stop,
            stopped,
        }))
    }

    /// Queues `USER_REGISTERED` for `user_id` of `client_id`, sent at once.
    pub(crate) fn user_registered(&self, client_id: &str, user_id: &str) {
        self.user_event(USER_REGISTERED, client_id, user_id);
    }

    /// Queues `USER_DELETED` for `user_id` of `client_id`, sent after
    /// [`WebhookConfig::delete_delay`].
    pub(crate) fn user_deleted(&self, client_id: &str, user_id: &str) {
        self.user_event(USER_DELETED, client_id, user_id);
    }

    /// Queues a connection event (`CONNECTION_ADDED`, ...) for a
    /// connection of `user_id`, sent at once, with `brokerageAuthorizationId`
    /// (when there is one) and `brokerageId`.
    pub(crate) fn connection_event(
        &self,
        event_type: &'static str,
        client_id: &str,
        user_id: &str,
        authorization_id: Option<&str>,
        broker: &crate::portal::Broker,
    ) {
        let mut extra = serde_json::Map::new();
        if let Some(id) = authorization_id {
            extra.insert("brokerageAuthorizationId".into(), id.into());
        }
        extra.insert("brokerageId".into(), broker.id.into());
        if event_type == CONNECTION_FAILED {
            extra.insert(
                "details".into(),
                json!({"brokerage": broker.slug, "reason": "login refused"}),
            );
        }
        self.event(event_type, client_id, user_id, extra, Duration::ZERO);
    }

    /// Queues `event_type` for `user_id` of `client_id`. Must be called
    /// within a Tokio runtime (it is, from a request handler).
    fn user_event(&self, event_type: &'static str, client_id: &str, user_id: &str) {
        let delay = if event_type == USER_DELETED {
            self.shared.config.delete_delay
        } else {
            Duration::ZERO
        };
        self.event(
            event_type,
            client_id,
            user_id,
            serde_json::Map::new(),
            delay,
        );
    }

    /// Queues one event with `extra` fields, sent after `delay`.
    fn event(
        &self,
        event_type: &'static str,
        client_id: &str,
        user_id: &str,
        extra: serde_json::Map<String, Value>,
        delay: Duration,
    ) {
        let Some(key) = self.shared.keys.get(client_id).cloned() else {
            return;
        };
        self.shared.counters.events.fetch_add(1, Ordering::SeqCst);
        let shared = self.shared.clone();
        let stopped = self.stopped.clone();
        let (client_id, user_id) = (client_id.to_owned(), user_id.to_owned());
        tokio::spawn(async move {
            let delivered = deliver(
                &shared, stopped, event_type, &client_id, &user_id, &key, delay, &extra,
            )
            .await;
            if !delivered {
                shared.counters.abandoned.fetch_add(1, Ordering::SeqCst);
            }
        });
    }
}

/// Sleeps `d`; `false` when the sandbox stopped first.
async fn sleep_unless_stopped(d: Duration, stopped: &mut watch::Receiver<()>) -> bool {
    tokio::select! {
        () = tokio::time::sleep(d) => true,
        // `changed` fails once the sender (the deliverer) is gone.
        _ = stopped.changed() => false,
    }
}

/// Delivers one event until it is accepted; `false` when the sandbox
/// stopped first.
// The parts of one event, flat: `extra` holds the fields beyond the common ones.
#[allow(clippy::too_many_arguments)]
async fn deliver(
    shared: &Shared,
    mut stopped: watch::Receiver<()>,
    event_type: &str,
    client_id: &str,
    user_id: &str,
    consumer_key: &str,
    delay: Duration,
    extra: &serde_json::Map<String, Value>,
) -> bool {
    if !delay.is_zero() && !sleep_unless_stopped(delay, &mut stopped).await {
        return false;
    }
    let now = match &shared.clock {
        Some(clock) => UnixTime::from(clock()),
        None => UnixTime::now(),
    };
    let mut event = json!({
        "webhookId": crate::util::uuid_v4(),
        "clientId": client_id,
        "eventTimestamp": snaptrade::webhook::format_event_timestamp(now),
        "userId": user_id,
        "eventType": event_type,
    });
    if let Value::Object(fields) = &mut event {
        fields.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    let signature = snaptrade::webhook::sign(consumer_key, &event);
    let body = bytes_of(&event);
    let counters = &shared.counters;
    let mut backoff = shared.config.initial_backoff;
    for attempt in 1u64.. {
        counters.attempts.fetch_add(1, Ordering::SeqCst);
        let result = shared
            .http
            .post(&shared.config.url)
            .header("content-type", "application/json")
            .header(snaptrade::webhook::SIGNATURE_HEADER, &signature)
            .body(body.clone())
            .send()
            .await;
        let outcome = match result {
            Ok(response) => {
                let status = response.status().as_u16();
                if matches!(status, 200 | 201 | 202 | 204) {
                    counters.delivered.fetch_add(1, Ordering::SeqCst);
                    log(shared, event_type, user_id, attempt, &status.to_string());
                    return true;
                }
                counters.rejected.fetch_add(1, Ordering::SeqCst);
                status.to_string()
            }
            Err(e) => {
                counters.unreachable.fetch_add(1, Ordering::SeqCst);
                // Without the URL: it may carry a token.
                format!("no answer ({})", e.without_url())
            }
        };
        log(
            shared,
            event_type,
            user_id,
            attempt,
            &format!("{outcome}, retrying in {backoff:?}"),
        );
        if !sleep_unless_stopped(backoff, &mut stopped).await {
            return false;
        }
        backoff = (backoff * 2).min(shared.config.max_backoff);
    }
    false
}

fn bytes_of(event: &Value) -> Vec<u8> {
    // A `Value` always serializes.
    serde_json::to_vec(event).unwrap_or_default()
}

fn log(shared: &Shared, event_type: &str, user_id: &str, attempt: u64, outcome: &str) {
    if shared.log {
        eprintln!("webhook {event_type} user {user_id} attempt {attempt} -> {outcome}");
    }
}
