//! Two interceptors on one client: one adds a trace id header to every
//! attempt, the other counts attempts per operation and status.
//!
//! ```sh
//! cargo run --example interceptors
//! ```
//!
//! It starts the local sandbox (`snaptrade-sandbox`) in this process on a free
//! loopback port, makes a few calls (one of them failing), and prints the
//! counts. Interceptors run after the request is signed and can only add
//! headers that are not already set, so they cannot break the signature: the
//! sandbox verifies every call.

use snaptrade::runtime::{Incoming, Interceptor, Outgoing};
use snaptrade::Client;
use snaptrade_sandbox::{SandboxConfig, SANDBOX_CLIENT_ID, SANDBOX_CONSUMER_KEY};
use std::collections::BTreeMap;
use std::error::Error;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Adds `X-Trace-Id`, unique per attempt (a retry gets a new one).
struct TraceId {
    next: AtomicU64,
}

impl Interceptor for TraceId {
    fn before_send(&self, request: &mut Outgoing<'_>) {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let id = format!("{:016x}-{}", n, request.attempt());
        if let Err(e) = request.add_header("x-trace-id", &id) {
            // Only if something else set it first; the request still goes out.
            eprintln!("trace id not added: {e}");
        }
    }
}

/// Attempts per (operation, status), and the slowest attempt per operation.
#[derive(Default)]
struct Metrics {
    attempts: Mutex<BTreeMap<(&'static str, String), u64>>,
    slowest_ms: Mutex<BTreeMap<&'static str, u128>>,
}

/// Registered as `Arc<Metrics>` (an `Arc` of an interceptor is one), so
/// that `main` keeps a handle to read it.
impl Interceptor for Metrics {
    fn after_response(&self, response: &Incoming<'_>) {
        let status = match (response.status(), response.error()) {
            (Some(status), _) => status.as_u16().to_string(),
            (None, Some(kind)) => kind.to_string(),
            (None, None) => "unknown".to_owned(),
        };
        *self
            .attempts
            .lock()
            .unwrap()
            .entry((response.operation_id(), status))
            .or_default() += 1;
        let ms = response.elapsed().as_millis();
        let mut slowest = self.slowest_ms.lock().unwrap();
        let entry = slowest.entry(response.operation_id()).or_default();
        *entry = (*entry).max(ms);
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let sandbox =
        snaptrade_sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse()?).await?;
    let metrics = Arc::new(Metrics::default());
    let client = Client::builder()
        .client_id(SANDBOX_CLIENT_ID)
        .consumer_key(SANDBOX_CONSUMER_KEY)
        .base_url(sandbox.base_url())
        // Run in this order, before each attempt and after each response.
        .interceptor(TraceId {
            next: AtomicU64::new(1),
        })
        .interceptor(metrics.clone())
        .build()?;

    let auth = client.authentication();
    let user = format!("interceptors-example-{}", std::process::id());
    let registered = auth.register_snap_trade_user(user.as_str()).await?;
    let secret = registered
        .body
        .user_secret
        .clone()
        .ok_or("the sandbox returns the secret once")?;
    auth.login_snap_trade_user(user.as_str(), &secret).await?;
    auth.list_snap_trade_users().await?;
    // A wrong secret: an API error, counted with its status.
    let wrong = auth
        .login_snap_trade_user(user.as_str(), "not-the-secret")
        .await;
    println!("login with a wrong secret: {}", wrong.is_err());
    auth.delete_snap_trade_user(user.as_str()).await?;

    println!("{:<42} {:>7} {:>8}", "operation", "status", "attempts");
    for ((operation, status), n) in metrics.attempts.lock().unwrap().iter() {
        println!("{operation:<42} {status:>7} {n:>8}");
    }
    for (operation, ms) in metrics.slowest_ms.lock().unwrap().iter() {
        println!("slowest {operation}: {ms} ms");
    }
    sandbox.shutdown().await?;
    Ok(())
}
