//! Webhooks end to end over loopback: the sandbox (`WebhookConfig`) sends,
//! a receiver built on `snaptrade::webhook` on axum verifies and types.
//! Registering and deleting a user delivers both events; a tampered body, a
//! wrong key and a missing header are rejected; a receiver that fails (or is
//! not even listening) gets the event on a later attempt.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Router;
use snaptrade::runtime::RetryPolicy;
use snaptrade::webhook::{Event, Verifier, VerifyError};
use snaptrade_sandbox::{RunningSandbox, SandboxConfig, WebhookConfig, WebhookStats};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CLIENT_ID: &str = "WEBHOOK_TEST_CLIENT";
const KEY: &str = "webhook-test-consumer-key";

/// One POST the receiver got, as it came over the wire.
#[derive(Debug, Clone)]
struct Delivery {
    signature: Option<String>,
    body: Bytes,
    result: Result<Event, VerifyError>,
    status: u16,
}

#[derive(Clone)]
struct Receiver {
    verifier: Arc<Verifier>,
    /// Answer 503 to this many deliveries first.
    fail_first: Arc<AtomicU32>,
    log: Arc<Mutex<Vec<Delivery>>>,
}

async fn receive(State(rx): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let result = rx.verifier.verify_now(&headers, &body);
    let failing = rx
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    let status = match &result {
        _ if failing => StatusCode::SERVICE_UNAVAILABLE,
        Ok(_) => StatusCode::OK,
        Err(VerifyError::MissingSignature | VerifyError::BadSignature) => StatusCode::UNAUTHORIZED,
        Err(_) => StatusCode::BAD_REQUEST,
    };
    rx.log.lock().unwrap().push(Delivery {
        signature: headers
            .get("signature")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body,
        result,
        status: status.as_u16(),
    });
    status
}

struct RunningReceiver {
    url: String,
    log: Arc<Mutex<Vec<Delivery>>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningReceiver {
    async fn start(key: &str, fail_first: u32) -> RunningReceiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener, key, fail_first)
    }

    fn serve(listener: tokio::net::TcpListener, key: &str, fail_first: u32) -> RunningReceiver {
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let state = Receiver {
            verifier: Arc::new(Verifier::new(key)),
            fail_first: Arc::new(AtomicU32::new(fail_first)),
            log: log.clone(),
        };
        let app = Router::new()
            .route("/hooks", axum::routing::post(receive))
            .with_state(state);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        RunningReceiver { url, log, task }
    }

    fn deliveries(&self) -> Vec<Delivery> {
        self.log.lock().unwrap().clone()
    }

    /// The events accepted so far, in arrival order.
    fn accepted(&self) -> Vec<Event> {
        self.deliveries()
            .into_iter()
            .filter(|d| d.status == 200)
            .filter_map(|d| d.result.ok())
            .collect()
    }
}

impl Drop for RunningReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn webhook_config(url: &str) -> WebhookConfig {
    WebhookConfig::new(url)
        .delete_delay(Duration::from_millis(300))
        .backoff(Duration::from_millis(50), Duration::from_millis(200))
}

async fn sandbox(client_key: &str, webhook: WebhookConfig) -> RunningSandbox {
    // Deleted at once: the delay measured here is the webhook's own.
    let config = SandboxConfig::with_client(CLIENT_ID, client_key)
        .rate_limit_per_minute(None)
        .delete_delay(Duration::ZERO)
        .webhook(webhook);
    snaptrade_sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

fn client(sandbox: &RunningSandbox, key: &str) -> snaptrade::Client {
    snaptrade::Client::builder()
        .client_id(CLIENT_ID)
        .consumer_key(key)
        .base_url(sandbox.base_url())
        .retry(RetryPolicy::never())
        .build()
        .unwrap()
}

/// Polls `done` every 20 ms for at most 10 s.
async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn user_of(event: &Event) -> (&'static str, &str) {
    match event {
        Event::UserRegistered(u) => ("registered", u.user_id.as_str()),
        Event::UserDeleted(u) => ("deleted", u.user_id.as_str()),
        Event::Other { event_type, .. } => panic!("untyped {event_type}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_and_delete_deliver_verified_typed_events() {
    let receiver = RunningReceiver::start(KEY, 0).await;
    let sandbox = sandbox(KEY, webhook_config(&receiver.url)).await;
    let client = client(&sandbox, KEY);
    let auth = client.authentication();

    auth.register_snap_trade_user("hook-user-1").await.unwrap();
    wait_until("USER_REGISTERED", || receiver.accepted().len() == 1).await;
    let deleted_at = Instant::now();
    auth.delete_snap_trade_user("hook-user-1").await.unwrap();
    wait_until("USER_DELETED", || receiver.accepted().len() == 2).await;
    // Sent a moment later, like SnapTrade's background delete.
    assert!(deleted_at.elapsed() >= Duration::from_millis(300));

    let events = receiver.accepted();
    assert_eq!(user_of(&events[0]), ("registered", "hook-user-1"));
    assert_eq!(user_of(&events[1]), ("deleted", "hook-user-1"));
    for event in &events {
        let (Event::UserRegistered(u) | Event::UserDeleted(u)) = event else {
            unreachable!()
        };
        assert_eq!(u.client_id.as_deref(), Some(CLIENT_ID));
        assert!(u.webhook_id.as_deref().is_some_and(|id| id.len() == 36));
        assert!(u.event_timestamp.is_some());
    }
    assert_ne!(events[0].webhook_id(), events[1].webhook_id());
    wait_until("the sandbox to count the answer", || {
        sandbox.webhook_stats().pending == 0
    })
    .await;
    assert_eq!(
        sandbox.webhook_stats(),
        WebhookStats {
            events: 2,
            delivered: 2,
            attempts: 2,
            ..WebhookStats::default()
        }
    );

    // A delivery replayed with a changed body, without its header, or
    // checked under another key, is rejected.
    let original = receiver.deliveries()[0].clone();
    let signature = original.signature.clone().unwrap();
    let tampered = String::from_utf8(original.body.to_vec())
        .unwrap()
        .replace("hook-user-1", "hook-user-2");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let post = |body: String, signature: Option<&str>| {
        let mut request = http.post(&receiver.url).body(body);
        if let Some(s) = signature {
            request = request.header("Signature", s);
        }
        request.send()
    };
    let status = post(tampered, Some(&signature)).await.unwrap().status();
    assert_eq!(status, 401);
    let body = String::from_utf8(original.body.to_vec()).unwrap();
    let status = post(body.clone(), None).await.unwrap().status();
    assert_eq!(status, 401);
    let rejected: Vec<_> = receiver.deliveries()[2..]
        .iter()
        .map(|d| d.result.clone().unwrap_err())
        .collect();
    assert_eq!(
        rejected,
        [VerifyError::BadSignature, VerifyError::MissingSignature]
    );
    assert_eq!(
        Verifier::new("another-key").verify_now(&signature, &body),
        Err(VerifyError::BadSignature)
    );
    // The untouched delivery still verifies (it is recent).
    assert!(Verifier::new(KEY).verify_now(&signature, &body).is_ok());
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receiver_that_fails_first_still_gets_the_event() {
    let receiver = RunningReceiver::start(KEY, 2).await;
    let sandbox = sandbox(KEY, webhook_config(&receiver.url)).await;
    let client = client(&sandbox, KEY);
    let auth = client.authentication();
    auth.register_snap_trade_user("hook-retry").await.unwrap();
    wait_until("the retried event", || receiver.accepted().len() == 1).await;

    let statuses: Vec<u16> = receiver.deliveries().iter().map(|d| d.status).collect();
    assert_eq!(statuses, [503, 503, 200]);
    // Every attempt carried the same signed event.
    let deliveries = receiver.deliveries();
    assert!(deliveries.iter().all(|d| d.result.is_ok()));
    assert!(deliveries
        .windows(2)
        .all(|w| w[0].body == w[1].body && w[0].signature == w[1].signature));
    assert_eq!(
        user_of(&receiver.accepted()[0]),
        ("registered", "hook-retry")
    );
    wait_until("the sandbox to count the answer", || {
        sandbox.webhook_stats().pending == 0
    })
    .await;
    let stats = sandbox.webhook_stats();
    assert_eq!(
        (
            stats.events,
            stats.delivered,
            stats.attempts,
            stats.rejected,
            stats.pending
        ),
        (1, 1, 3, 2, 0)
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receiver_down_at_first_gets_the_event_when_it_comes_up() {
    // A free port with nobody listening yet.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = probe.local_addr().unwrap();
    drop(probe);
    let url = format!("http://{addr}/hooks");
    let sandbox = sandbox(KEY, webhook_config(&url)).await;
    let client = client(&sandbox, KEY);
    let auth = client.authentication();
    auth.register_snap_trade_user("hook-late").await.unwrap();
    wait_until("a refused attempt", || {
        sandbox.webhook_stats().unreachable >= 2
    })
    .await;
    assert_eq!(sandbox.webhook_stats().pending, 1);

    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let receiver = RunningReceiver::serve(listener, KEY, 0);
    wait_until("the late delivery", || receiver.accepted().len() == 1).await;
    assert_eq!(
        user_of(&receiver.accepted()[0]),
        ("registered", "hook-late")
    );
    wait_until("the sandbox to count the answer", || {
        sandbox.webhook_stats().pending == 0
    })
    .await;
    let stats = sandbox.webhook_stats();
    assert_eq!((stats.delivered, stats.pending), (1, 0));
    assert_eq!(stats.attempts, stats.unreachable + 1);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_signed_with_another_key_are_rejected_and_retried() {
    // The receiver expects KEY; the sandbox signs with this client's own key.
    let receiver = RunningReceiver::start(KEY, 0).await;
    let sandbox = sandbox("a-different-consumer-key", webhook_config(&receiver.url)).await;
    let client = client(&sandbox, "a-different-consumer-key");
    let auth = client.authentication();
    auth.register_snap_trade_user("hook-wrong-key")
        .await
        .unwrap();
    wait_until("two rejected attempts", || {
        sandbox.webhook_stats().rejected >= 2
    })
    .await;

    assert!(receiver.accepted().is_empty());
    for d in receiver.deliveries() {
        assert_eq!(
            (d.status, d.result.unwrap_err()),
            (401, VerifyError::BadSignature)
        );
    }
    let stats = sandbox.webhook_stats();
    assert_eq!((stats.delivered, stats.pending), (0, 1));
    assert!(stats.rejected >= 2, "{stats:?}");
    sandbox.shutdown().await.unwrap();
}

/// A receiver that answers every delivery with `status` and a `Location` on
/// another loopback port (a counting TCP listener): the sandbox must not
/// follow it.
#[tokio::test]
async fn the_sender_never_follows_a_redirect() {
    let elsewhere = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = elsewhere.local_addr().unwrap();
    let reached = Arc::new(AtomicU32::new(0));
    let count = reached.clone();
    let counter = tokio::spawn(async move {
        while let Ok((_socket, _)) = elsewhere.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
        }
    });
    for status in [301u16, 302, 303, 307, 308] {
        let hits = Arc::new(AtomicU32::new(0));
        let seen = hits.clone();
        let location = format!("http://{target}/stolen?token=t");
        let app = Router::new().fallback(move || {
            let (location, seen) = (location.clone(), seen.clone());
            async move {
                seen.fetch_add(1, Ordering::SeqCst);
                (
                    StatusCode::from_u16(status).unwrap(),
                    [(axum::http::header::LOCATION, location)],
                )
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let sandbox = sandbox(KEY, webhook_config(&url)).await;
        client(&sandbox, KEY)
            .authentication()
            .register_snap_trade_user("redirected-user")
            .await
            .unwrap();
        // Each redirect is a failed attempt, retried (to the same URL).
        wait_until("two attempts", || sandbox.webhook_stats().rejected >= 2).await;
        let stats = sandbox.webhook_stats();
        assert_eq!(
            (stats.delivered, stats.unreachable),
            (0, 0),
            "{status}: {stats:?}"
        );
        assert!(hits.load(Ordering::SeqCst) >= 2, "{status}");
        sandbox.shutdown().await.unwrap();
        server.abort();
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(reached.load(Ordering::SeqCst), 0, "a redirect was followed");
    counter.abort();
}

/// Only `http` and `https` URLs with a host: anything else stops the
/// sandbox from starting, with an error that does not show the token.
#[tokio::test]
async fn webhook_urls_other_than_http_and_https_are_refused_at_start() {
    for url in [
        "file:///etc/passwd?token=tok-1",
        "ftp://user:pw-1@example.com/x",
        "gopher://example.com:70/",
        "data:text/plain,hello",
        "http://",
        "/relative/hooks?token=tok-1",
        "not a url",
    ] {
        let config = SandboxConfig::with_client(CLIENT_ID, KEY).webhook(WebhookConfig::new(url));
        let e = snaptrade_sandbox::start(config, "127.0.0.1:0".parse().unwrap())
            .await
            .expect_err(url);
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{url}: {e}");
        let text = e.to_string();
        assert!(text.contains("webhook URL"), "{text}");
        for secret in ["tok-1", "pw-1", "user:"] {
            assert!(!text.contains(secret), "{url}: {text}");
        }
        assert!(snaptrade_sandbox::check_webhook_url(url).is_err(), "{url}");
    }
    for url in [
        "http://127.0.0.1:9/hooks",
        "https://hooks.example/in?token=x",
    ] {
        assert_eq!(snaptrade_sandbox::check_webhook_url(url), Ok(()), "{url}");
    }
}

/// The URL's token (query values, user name and password) never shows in
/// `Debug`, whether of the webhook settings or of the sandbox's.
#[test]
fn webhook_url_tokens_are_redacted_in_debug() {
    let webhook =
        WebhookConfig::new("https://hook-user:hook-pass@hooks.example/in?token=tok-2&sig=s-2");
    let config = SandboxConfig::with_client(CLIENT_ID, KEY).webhook(webhook.clone());
    for shown in [
        format!("{webhook:?}"),
        format!("{config:?}"),
        webhook.redacted_url(),
    ] {
        for secret in ["hook-user", "hook-pass", "tok-2", "s-2"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(
            shown.contains("hooks.example/in?token=[redacted]&sig=[redacted]"),
            "{shown}"
        );
    }
}
