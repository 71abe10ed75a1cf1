//! Per-call options and owned request builders, over real loopback HTTP.
//!
//! `.timeout(d)` on a request builder replaces the client's per-attempt
//! timeout for that call only; request futures own their client handle, so
//! they can be spawned.

mod common;

use common::{Act, FaultServer};
use snaptrade::runtime::{RetryPolicy, TransportErrorKind};
use snaptrade::{Client, Error};
use std::future::IntoFuture as _;
use std::time::{Duration, Instant};

/// How long the server waits before it answers.
const SERVER_DELAY: Duration = Duration::from_millis(600);
const STATUS: &str = r#"{"version":151,"timestamp":"2026-01-01T00:00:00Z","online":true}"#;

fn slow_server() -> Vec<Act> {
    let mut acts = vec![Act::Sleep(SERVER_DELAY)];
    acts.extend(Act::response(200, "application/json", &[], STATUS));
    acts
}

fn client(server: &FaultServer, attempts: u32) -> Client {
    Client::builder()
        .client_id("CID")
        .consumer_key("call-options-consumer-key")
        .base_url(server.base_url())
        // Ample for the slow server: only a per-call timeout can fail the call.
        .timeout(Duration::from_secs(10))
        .retry(RetryPolicy {
            max_attempts: attempts,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(20),
            max_elapsed: Duration::from_secs(5),
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn per_call_timeout_fails_a_slow_call_that_succeeds_without_it() {
    let server = FaultServer::start(|_| slow_server()).await;
    let client = client(&server, 1);

    let started = Instant::now();
    let err = client
        .api_status()
        .check()
        .timeout(Duration::from_millis(150))
        .await
        .expect_err("the server answers after the per-call timeout");
    let elapsed = started.elapsed();
    let Error::Transport(t) = &err else {
        panic!("expected a transport error, got {err:?}")
    };
    assert_eq!(t.kind, TransportErrorKind::Timeout, "{t}");
    assert_eq!(t.attempts, 1);
    assert!(elapsed < SERVER_DELAY, "gave up after {elapsed:?}");

    // The same call without the override uses the client's 10 s timeout.
    let status = client.api_status().check().await.expect("slow but in time");
    assert_eq!(status.version, Some(151));
    assert_eq!(status.online, Some(true));
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn per_call_timeout_applies_to_every_attempt() {
    let server = FaultServer::start(|_| slow_server()).await;
    let client = client(&server, 2);
    let err = client
        .api_status()
        .check()
        .timeout(Duration::from_millis(150))
        .send()
        .await
        .expect_err("both attempts time out");
    let Error::Transport(t) = &err else {
        panic!("expected a transport error, got {err:?}")
    };
    assert_eq!(
        (t.kind, t.attempts),
        (TransportErrorKind::Timeout, 2),
        "{t}"
    );
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn request_futures_are_send_and_static() {
    let server =
        FaultServer::start(|_| Act::response(200, "application/json", &[], r#"["u1","u2"]"#)).await;
    let client = client(&server, 1);
    // The builder owns its handle: the client may go away before the call runs.
    let listed = tokio::spawn(client.authentication().list_snap_trade_users().send());
    let awaited = {
        let scoped = client.clone();
        tokio::spawn(
            scoped
                .authentication()
                .list_snap_trade_users()
                .into_future(),
        )
    };
    drop(client);
    for handle in [listed, awaited] {
        let users = handle.await.unwrap().expect("listed");
        assert_eq!(users.body, vec!["u1".to_owned(), "u2".to_owned()]);
    }
    assert_eq!(server.hits(), 2);
}
