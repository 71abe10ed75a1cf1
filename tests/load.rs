//! Load against the sandbox, with the sandbox counting what it received.
//!
//! * `ten_thousand_signed_calls_at_concurrency_64` (runs with `cargo test`):
//!   one client, 10,000 signed calls, 64 at a time, no rate limit: zero
//!   failures, zero signature mismatches, every attempt received exactly
//!   once; prints calls, retries, time and peak memory (VmHWM).
//! * `soak_*` (ignored; 60 s each, run together in about two minutes):
//!   ```sh
//!   cargo test --release --test load -- --ignored --nocapture
//!   ```
//!   The sandbox's 250-per-minute limit is on. Without the client's limiter
//!   calls hit 429s and retry; with it the sandbox never throttles. Either way
//!   every call ends in success or a typed error, and none is lost or
//!   duplicated: the sandbox received exactly the attempts the client made,
//!   and the users it holds are exactly those whose registration succeeded.

mod common;

use common::{Act, FaultServer};
use snaptrade::runtime::{RetryPolicy, TransportErrorKind};
use snaptrade::{Client, Error, SecretString};
use snaptrade_sandbox::{SandboxConfig, SANDBOX_CLIENT_ID, SANDBOX_CONSUMER_KEY};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CONCURRENCY: usize = 64;

fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

async fn sandbox(rate_limit: Option<u32>) -> snaptrade_sandbox::RunningSandbox {
    snaptrade_sandbox::start(
        SandboxConfig::default().rate_limit_per_minute(rate_limit),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .expect("sandbox starts")
}

fn builder(base_url: String) -> snaptrade::ClientBuilder {
    Client::builder()
        .client_id(SANDBOX_CLIENT_ID)
        .consumer_key(SANDBOX_CONSUMER_KEY)
        .base_url(base_url)
        .timeout(Duration::from_secs(10))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_signed_calls_at_concurrency_64() {
    const CALLS: u64 = 10_000;
    let sandbox = sandbox(None).await;
    let client = builder(sandbox.base_url()).build().unwrap();
    let next = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..CONCURRENCY {
        let (client, next, failures) = (client.clone(), next.clone(), failures.clone());
        workers.push(tokio::spawn(async move {
            let auth = client.authentication();
            // Each worker's first call registers its user.
            let user = format!("load-user-{w}");
            let mut secret: Option<SecretString> = None;
            while next.fetch_add(1, Ordering::Relaxed) < CALLS {
                let outcome: Result<(), String> = match &secret {
                    None => auth
                        .register_snap_trade_user(&user)
                        .await
                        .map(|r| secret = r.body.user_secret.clone())
                        .map_err(|e| e.to_string()),
                    Some(s) if w % 2 == 0 => auth
                        .login_snap_trade_user(&user, s)
                        .await
                        .map(drop)
                        .map_err(|e| e.to_string()),
                    Some(_) => auth
                        .list_snap_trade_users()
                        .await
                        .map(drop)
                        .map_err(|e| e.to_string()),
                };
                if let Err(e) = outcome {
                    failures.lock().unwrap().push(e);
                }
            }
        }));
    }
    for w in workers {
        w.await.expect("no worker panics");
    }
    let elapsed = started.elapsed();
    let stats = client.transport().stats();
    let server = sandbox.stats();
    let failures = failures.lock().unwrap();
    println!(
        "load: {} calls, {} failures, {} retries, {} attempts, sandbox received {} \
         ({} signature mismatches) in {elapsed:.2?} ({:.0} calls/s); peak memory (VmHWM) {} KiB",
        stats.calls,
        failures.len(),
        stats.retries,
        stats.attempts,
        server.received,
        server.signature_mismatches,
        stats.calls as f64 / elapsed.as_secs_f64(),
        peak_memory_kib().map_or("?".into(), |k| k.to_string()),
    );
    assert!(
        failures.is_empty(),
        "failures: {:?}",
        &failures[..failures.len().min(5)]
    );
    assert_eq!(stats.calls, CALLS);
    assert_eq!(server.signature_mismatches, 0);
    assert_eq!(
        server.received, stats.attempts,
        "every attempt arrived once"
    );
    assert_eq!(server.succeeded, CALLS);
}

#[tokio::test]
async fn client_rate_limiter_keeps_any_window_under_the_limit() {
    const LIMIT: usize = 5;
    const WINDOW: Duration = Duration::from_millis(400);
    let arrivals = Arc::new(Mutex::new(Vec::<Instant>::new()));
    let log = arrivals.clone();
    let server = FaultServer::start(move |_| {
        log.lock().unwrap().push(Instant::now());
        Act::response(200, "application/json", &[], "[]")
    })
    .await;
    let client = builder(server.base_url())
        .rate_limit(LIMIT as u32, WINDOW)
        .build()
        .unwrap();
    let started = Instant::now();
    let calls: Vec<_> = (0..3 * LIMIT)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.authentication().list_snap_trade_users().await })
        })
        .collect();
    for c in calls {
        c.await
            .unwrap()
            .expect("limited calls wait, they do not fail");
    }
    let mut times = arrivals.lock().unwrap().clone();
    times.sort();
    assert_eq!(times.len(), 3 * LIMIT);
    for (i, t) in times.iter().enumerate().skip(LIMIT) {
        let gap = t.duration_since(times[i - LIMIT]);
        assert!(gap >= WINDOW, "{} requests within {gap:?}", LIMIT + 1);
    }
    assert!(started.elapsed() >= WINDOW * 2);
    let stats = client.transport().stats();
    assert_eq!(stats.rate_limited, 2 * LIMIT as u64);
    assert!(client.transport().rate_limit().is_some());
}

#[test]
fn an_empty_rate_limit_is_a_configuration_error() {
    let err = builder("http://127.0.0.1:9".into())
        .rate_limit(0, Duration::from_secs(60))
        .build()
        .unwrap_err();
    assert!(matches!(err, snaptrade::ConfigError::Invalid(_)), "{err}");
}

/// What a soak saw.
#[derive(Debug, Default)]
struct Tally {
    ok: u64,
    throttled: u64,
    other: Vec<String>,
    registered: BTreeSet<String>,
    register_failed: BTreeSet<String>,
}

async fn soak(client_limiter: bool) {
    const RUN: Duration = Duration::from_secs(60);
    let sandbox = sandbox(Some(250)).await;
    let mut b = builder(sandbox.base_url()).retry(RetryPolicy::default());
    if client_limiter {
        b = b.rate_limit(250, Duration::from_secs(60));
    }
    let client = b.build().unwrap();
    let label = if client_limiter {
        "limiter on"
    } else {
        "limiter off"
    };
    let tally = Arc::new(Mutex::new(Tally::default()));
    let issued = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..CONCURRENCY {
        let (client, tally, issued) = (client.clone(), tally.clone(), issued.clone());
        workers.push(tokio::spawn(async move {
            let auth = client.authentication();
            let mut n = 0;
            while started.elapsed() < RUN {
                issued.fetch_add(1, Ordering::SeqCst);
                n += 1;
                // Every fourth call registers a fresh user: not idempotent, so
                // a duplicate delivery would show as a second user or a 400.
                let result = if n % 4 == 1 {
                    let user = format!("soak-{w}-{n}");
                    let r = auth.register_snap_trade_user(&user).await;
                    let mut t = tally.lock().unwrap();
                    match &r {
                        Ok(_) => t.registered.insert(user),
                        Err(_) => t.register_failed.insert(user),
                    };
                    r.map(drop).map_err(classify)
                } else {
                    auth.list_snap_trade_users()
                        .await
                        .map(drop)
                        .map_err(classify)
                };
                let mut t = tally.lock().unwrap();
                match result {
                    Ok(()) => t.ok += 1,
                    Err(None) => t.throttled += 1,
                    Err(Some(e)) => t.other.push(e),
                }
            }
        }));
    }
    for w in workers {
        w.await.expect("no worker panics");
    }
    let elapsed = started.elapsed();
    let stats = client.transport().stats();
    let server = sandbox.stats();
    let users = client
        .with_retry(RetryPolicy::never())
        .authentication()
        .list_snap_trade_users()
        .await;
    let t = tally.lock().unwrap();
    println!(
        "soak ({label}): {} calls in {elapsed:.1?}: {} ok, {} throttled after retries, {} other \
         errors; {} retries, {} attempts, {} limiter waits ({} ms); sandbox received {}, \
         answered {} ok / {} 429 / {} other; {} users registered",
        stats.calls,
        t.ok,
        t.throttled,
        t.other.len(),
        stats.retries,
        stats.attempts,
        stats.rate_limited,
        stats.rate_limit_wait_ms,
        server.received,
        server.succeeded,
        server.throttled,
        server.other_errors,
        t.registered.len(),
    );
    // None lost: every call issued came back, as a success or a typed error.
    assert_eq!(issued.load(Ordering::SeqCst), stats.calls);
    assert_eq!(t.ok + t.throttled + t.other.len() as u64, stats.calls);
    assert!(t.other.is_empty(), "unexpected errors: {:?}", t.other);
    // Every attempt arrived exactly once, and was answered.
    assert_eq!(server.received, stats.attempts);
    assert_eq!(
        server.succeeded + server.throttled + server.other_errors,
        server.received
    );
    assert_eq!(server.signature_mismatches, 0);
    // None duplicated: the sandbox holds exactly the users registered.
    if let Ok(users) = users {
        let held: BTreeSet<String> = users.body.iter().cloned().collect();
        assert_eq!(held, t.registered);
    }
    if client_limiter {
        assert_eq!(server.throttled, 0, "the limiter kept the client under");
        assert_eq!(t.throttled, 0);
    } else {
        assert!(server.throttled > 0, "the soak should have hit the limit");
    }
}

/// `None` for a 429 that survived its retries (the typed error expected
/// under a rate limit), `Some(description)` for anything else.
fn classify<E: std::fmt::Debug>(e: Error<E>) -> Option<String> {
    match &e {
        Error::Api(api) if api.status == 429 => None,
        Error::Transport(t) if t.kind == TransportErrorKind::Timeout => Some(format!("{e}")),
        _ => Some(format!("{e} ({e:?})")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "60 s soak: cargo test --release --test load -- --ignored --nocapture"]
async fn soak_60s_server_rate_limit_client_limiter_off() {
    soak(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "60 s soak: cargo test --release --test load -- --ignored --nocapture"]
async fn soak_60s_server_rate_limit_client_limiter_on() {
    soak(true).await;
}
