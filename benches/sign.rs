//! Signing cost per operation against the bare cost of HMAC-SHA256 + base64
//! over the same signed string, measured in the same process.
//!
//! `cargo bench --bench sign` prints one row per operation: ns per full
//! signature (canonical JSON + HMAC + base64), ns for the bare HMAC + base64,
//! and their ratio (goal: within 2x).

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use serde_json::json;
use std::hint::black_box;
use std::time::{Duration, Instant};

const KEY: &str = "YOUR_CONSUMER_KEY";
const Q: &str = "clientId=YOUR_CLIENT_ID&timestamp=1700000000";
const QL: &str = "userId=snaptrade-user-123&userSecret=adf2aa34-8219-40f7-a6b3-60156985cc61&clientId=YOUR_CLIENT_ID&timestamp=1700000000";

/// Runs `f` for at least `budget` and returns ns per call (best of 5 rounds).
fn measure(budget: Duration, mut f: impl FnMut()) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..5 {
        let mut n = 0u64;
        let start = Instant::now();
        while start.elapsed() < budget / 5 {
            for _ in 0..256 {
                f();
            }
            n += 256;
        }
        best = best.min(start.elapsed().as_nanos() as f64 / n as f64);
    }
    best
}

fn main() {
    let login_body = json!({"broker":"ALPACA","immediateRedirect":true,"customRedirect":"https://snaptrade.com",
        "connectionType":"trade-if-available","showCloseButton":false,"darkMode":true,"locale":"pt-BR",
        "connectionPortalVersion":"v4"});
    let cases = [
        ("check (unsigned in practice)", "/", Q, None),
        (
            "registerSnapTradeUser",
            "/snapTrade/registerUser",
            Q,
            Some(json!({"userId":"snaptrade-user-123"})),
        ),
        ("loginSnapTradeUser (no body)", "/snapTrade/login", QL, None),
        (
            "loginSnapTradeUser (8 options)",
            "/snapTrade/login",
            QL,
            Some(login_body),
        ),
        ("listSnapTradeUsers", "/snapTrade/listUsers", Q, None),
        (
            "deleteSnapTradeUser",
            "/snapTrade/deleteUser",
            "userId=snaptrade-user-123&clientId=YOUR_CLIENT_ID&timestamp=1700000000",
            None,
        ),
        (
            "resetSnapTradeUserSecret",
            "/snapTrade/resetUserSecret",
            Q,
            Some(
                json!({"userId":"snaptrade-user-123","userSecret":"adf2aa34-8219-40f7-a6b3-60156985cc61"}),
            ),
        ),
    ];
    let budget = Duration::from_millis(
        std::env::var("BENCH_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(500),
    );
    println!(
        "{:<34} {:>12} {:>12} {:>7}",
        "operation", "sign ns", "bare ns", "ratio"
    );
    for (name, path, query, body) in &cases {
        let full = measure(budget, || {
            black_box(snaptrade::sign::signature(
                KEY,
                black_box(path),
                black_box(query),
                body.as_ref(),
            ));
        });
        let signed = snaptrade::sign::signed_string(path, query, body.as_ref());
        let bare = measure(budget, || {
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
            mac.update(black_box(signed.as_bytes()));
            black_box(
                base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()),
            );
        });
        println!("{name:<34} {full:>12.0} {bare:>12.0} {:>6.2}x", full / bare);
    }
}
