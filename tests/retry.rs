//! Retries over real HTTP: idempotent calls repeat through throttling and
//! gateway errors, re-signed each time; non-idempotent ones never repeat once
//! the request may have reached the server.

mod common;

use common::{Recorder, Reply};
use snaptrade::runtime::RetryPolicy;
use snaptrade::{sign, Client};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_elapsed: Duration::from_secs(10),
    }
}

fn client(server: &Recorder, policy: RetryPolicy) -> Client {
    let tick = Arc::new(AtomicU64::new(1_700_000_000));
    Client::builder()
        .client_id("CID")
        .consumer_key("KEY")
        .base_url(server.base_url())
        .retry(policy)
        .clock(move || tick.fetch_add(1, Ordering::SeqCst))
        .build()
        .unwrap()
}

#[tokio::test]
async fn idempotent_calls_retry_and_re_sign_each_attempt() {
    let server = Recorder::start().await;
    server.reply(Reply::json(503, "<html>busy</html>"));
    server.reply(Reply::json(502, "bad gateway"));
    server.reply(Reply::json(200, r#"["u1"]"#));
    let users = client(&server, fast_policy())
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap();
    assert_eq!(users.body, vec!["u1".to_string()]);
    let recs = server.take();
    assert_eq!(recs.len(), 3);
    let stamps: Vec<&str> = recs
        .iter()
        .map(|r| r.query().rsplit('=').next().unwrap())
        .collect();
    assert_eq!(stamps, ["1700000000", "1700000001", "1700000002"]);
    for r in &recs {
        let sig = r.header("signature").unwrap();
        assert_eq!(
            sign::verify("KEY", r.path(), r.query(), &r.body, sig).ok(),
            Some(true)
        );
    }
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = Recorder::start().await;
    server.reply(
        Reply::json(429, r#"{"detail":"slow down","code":"0000"}"#).with_header("Retry-After", "1"),
    );
    server.reply(Reply::json(200, "[]"));
    let started = Instant::now();
    client(&server, fast_policy())
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.take().len(), 2);
}

#[tokio::test]
async fn a_wait_beyond_the_time_budget_returns_the_throttle_error() {
    let server = Recorder::start().await;
    server.reply(
        Reply::json(429, r#"{"detail":"slow down","code":"0000"}"#)
            .with_header("Retry-After", "120"),
    );
    let policy = RetryPolicy {
        max_elapsed: Duration::from_secs(2),
        ..fast_policy()
    };
    let started = Instant::now();
    let e = client(&server, policy)
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(e.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(server.take().len(), 1);
}

#[tokio::test]
async fn register_and_reset_are_never_repeated_after_reaching_the_server() {
    let server = Recorder::start().await;
    let c = client(&server, fast_policy());
    for status in [429, 500, 502, 503, 504] {
        server.reply(Reply::json(status, "{}"));
        let e = c
            .authentication()
            .register_snap_trade_user("u")
            .await
            .unwrap_err();
        assert_eq!(e.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(
            server.take().len(),
            1,
            "register was repeated after HTTP {status}"
        );

        server.reply(Reply::json(status, "{}"));
        let e = c
            .authentication()
            .reset_snap_trade_user_secret("u", "s")
            .await
            .unwrap_err();
        assert_eq!(e.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(
            server.take().len(),
            1,
            "reset was repeated after HTTP {status}"
        );
    }
}

#[tokio::test]
async fn retries_can_be_switched_off() {
    let server = Recorder::start().await;
    server.reply(Reply::json(503, "busy"));
    let e = client(&server, RetryPolicy::never())
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(server.take().len(), 1);
}
