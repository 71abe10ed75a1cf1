//! Issue 13 §2 and §4 over real loopback HTTP: what a hostile or broken
//! server sends, and any builder value, ends in a typed error, never a panic;
//! a signed request is never resent elsewhere; a base URL that is not in
//! normal form still signs what is sent; a one-time secret in an answer that
//! does not decode is still in the error.

mod common;

use common::{Act, FaultServer, Recorder, Reply};
use snaptrade::runtime::{RetryPolicy, TransportErrorKind};
use snaptrade::{Client, Error};
use std::time::{Duration, Instant};

fn client(base_url: &str, policy: RetryPolicy) -> Client {
    Client::builder()
        .client_id("CID")
        .consumer_key("hostile-test-consumer-key")
        .base_url(base_url)
        .timeout(Duration::from_secs(5))
        .retry(policy)
        .build()
        .unwrap()
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_elapsed: Duration::from_secs(10),
    }
}

#[tokio::test]
async fn sync_clock_on_a_timestamp_with_a_multibyte_zone_is_a_decode_error() {
    let server = Recorder::start().await;
    // `+0é0`: four bytes after the sign, the second and third one character.
    server.reply(Reply::json(
        200,
        r#"{"online":true,"timestamp":"2024-01-01T00:00:00+0é0"}"#,
    ));
    let c = client(&server.base_url(), RetryPolicy::never());
    match c.sync_clock().await {
        Err(Error::Decode(d)) => {
            assert_eq!(d.status, 200);
            assert!(d.message.contains("+0é0"), "{}", d.message);
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(c.transport().clock_offset(), 0, "offset left unchanged");
    // A readable time still works, and an unreadable one falls back to `Date`.
    server.reply(
        Reply::json(
            200,
            r#"{"online":true,"timestamp":"2024-01-01T00:00:00+0é0"}"#,
        )
        .with_header("Date", "Mon, 01 Jan 2024 00:00:00 GMT"),
    );
    let offset = c.sync_clock().await.expect("the Date header is read");
    assert!(offset < -60, "the server's 2024 is behind: {offset}");
}

/// Before the fix, `started.elapsed() + wait` overflowed once the first
/// attempt had taken a second: the call panicked.
#[tokio::test]
async fn huge_retry_after_and_rate_limit_reset_end_retrying_without_overflow() {
    let throttle = |header: &'static str| {
        move |_| {
            let mut acts = vec![Act::Sleep(Duration::from_millis(1100))];
            acts.extend(Act::response(
                429,
                "application/json",
                &[header],
                r#"{"detail":"slow down","code":"0000"}"#,
            ));
            acts
        }
    };
    let retry_after = FaultServer::start(throttle("Retry-After: 18446744073709551615")).await;
    let reset = FaultServer::start(throttle("X-RateLimit-Reset: 99999999999999999999999")).await;
    let date = FaultServer::start(throttle("Retry-After: Fri, 31 Dec 9999 23:59:59 GMT")).await;
    let started = Instant::now();
    let calls = [&retry_after, &reset, &date].map(|server| {
        let c = client(&server.base_url(), fast_retries());
        async move { c.authentication().list_snap_trade_users().await }
    });
    let [a, b, d] = calls;
    let (a, b, d) = tokio::join!(a, b, d);
    for (name, result) in [("retry-after", a), ("reset", b), ("date", d)] {
        let err = result.expect_err(name);
        assert_eq!(err.status().map(|s| s.as_u16()), Some(429), "{name}");
    }
    // One attempt each: the wait asked for is beyond any budget.
    for server in [&retry_after, &reset, &date] {
        assert_eq!(server.hits(), 1);
    }
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn extreme_builder_values_do_not_panic() {
    let server = Recorder::start().await;
    server.reply(Reply::json(503, "{}").with_header("Retry-After", "0"));
    server.reply(Reply::json(200, r#"["u1"]"#));
    let c = Client::builder()
        .client_id("CID")
        .consumer_key("KEY")
        .base_url(server.base_url())
        .timeout(Duration::MAX)
        .max_response_bytes(usize::MAX)
        .retry(RetryPolicy {
            max_attempts: u32::MAX,
            base_delay: Duration::MAX,
            max_delay: Duration::MAX,
            max_elapsed: Duration::MAX,
        })
        .build()
        .unwrap();
    let users = c.authentication().list_snap_trade_users().await.unwrap();
    assert_eq!(users.body.len(), 1);
    assert_eq!(server.take().len(), 2);
}

/// A signed POST answered with 307 to another origin: not followed, the
/// other server receives nothing, and the error says where it pointed.
#[tokio::test]
async fn redirects_are_not_followed_and_carry_the_location() {
    let elsewhere = Recorder::start().await;
    let server = Recorder::start().await;
    let target = format!("{}/api/v1/snapTrade/registerUser", elsewhere.base_url());
    for status in [307, 308, 302] {
        server.reply(Reply::json(status, "{}").with_header("Location", &target));
        let err = client(&server.base_url(), fast_retries())
            .authentication()
            .register_snap_trade_user("alice")
            .await
            .unwrap_err();
        let Error::Transport(t) = &err else {
            panic!("expected a transport error, got {err:?}")
        };
        assert_eq!(t.kind, TransportErrorKind::Redirect, "{status}");
        assert_eq!(t.location.as_deref(), Some(target.as_str()));
        assert_eq!(t.attempts, 1);
        assert!(err.to_string().contains(&status.to_string()), "{err}");
    }
    // An idempotent GET is not retried on a redirect either, and a secret
    // echoed in the Location's query is not kept.
    server.reply(Reply::json(301, "{}").with_header(
        "Location",
        &format!("{}/x?userId=u&userSecret=leaked", elsewhere.base_url()),
    ));
    let err = client(&server.base_url(), fast_retries())
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("expected a transport error, got {err:?}")
    };
    let location = t.location.as_deref().unwrap();
    assert!(location.ends_with("userSecret=[redacted]"), "{location}");
    assert!(!format!("{err:?}{err}").contains("leaked"));
    assert_eq!(server.take().len(), 4);
    assert!(
        elsewhere.take().is_empty(),
        "the other origin got a request"
    );
}

/// `http://host/api/./v1` used to be signed as written and sent as
/// `/api/v1`: every call was refused (401 / 1076). The sandbox verifies the
/// signature of what arrives.
#[tokio::test]
async fn a_base_url_not_in_normal_form_signs_what_is_sent() {
    let sandbox = snaptrade_sandbox::start(
        snaptrade_sandbox::SandboxConfig::default().rate_limit_per_minute(None),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let root = sandbox.base_url();
    for base in [
        format!("{root}/api/./v1"),
        format!("{root}/api/x/../v1/"),
        format!("{root}/./api//v1/.."),
    ] {
        let c = Client::builder()
            .client_id(snaptrade_sandbox::SANDBOX_CLIENT_ID)
            .consumer_key(snaptrade_sandbox::SANDBOX_CONSUMER_KEY)
            .base_url(&base)
            .retry(RetryPolicy::never())
            .build()
            .unwrap();
        let result = c.authentication().list_snap_trade_users().await;
        if base.ends_with("/..") {
            // Normalizes to `/api`, a path the sandbox does not serve: the
            // point is that it is not a signature failure.
            let err = result.unwrap_err();
            assert_ne!(err.status().map(|s| s.as_u16()), Some(401), "{base}: {err}");
        } else {
            result.unwrap_or_else(|e| panic!("{base}: {e}"));
        }
    }
    sandbox.shutdown().await.unwrap();
}

/// Issue 13 §4: a register answer of an unexpected shape still yields the
/// one-time secret's bytes from the `DecodeError`, while its `Display` and
/// `Debug` keep it hidden.
#[tokio::test]
async fn a_register_answer_that_does_not_decode_still_holds_the_secret() {
    let server = Recorder::start().await;
    server.reply(Reply::json(
        200,
        r#"{"userId":{"unexpected":"shape"},"userSecret":"one-time-s3cret"}"#,
    ));
    let err = client(&server.base_url(), RetryPolicy::never())
        .authentication()
        .register_snap_trade_user("bob")
        .await
        .unwrap_err();
    let Error::Decode(d) = &err else {
        panic!("expected a decode error, got {err:?}")
    };
    let raw: serde_json::Value = serde_json::from_slice(&d.body).unwrap();
    assert_eq!(raw["userSecret"], "one-time-s3cret");
    let shown = format!("{err}{err:?}");
    assert!(!shown.contains("one-time-s3cret"), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
}
