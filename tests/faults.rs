//! Faults on loopback: a server that stalls, truncates, resets, lies about
//! its content or throttles forever. Every call must end in a typed error
//! (the variant is asserted) within a bounded time, with no panic and no hang.
//!
//! Each test prints `fault <name>: <elapsed> ...`; run with `--nocapture` to
//! see the longest faulted call.

mod common;

use common::{Act, FaultServer};
use snaptrade::api_status::CheckError;
use snaptrade::authentication::{
    ListSnapTradeUsersError as ListErr, RegisterSnapTradeUserError as RegisterErr,
};
use snaptrade::runtime::{RetryPolicy, TransportError, TransportErrorKind};
use snaptrade::{Client, Error, ErrorCode};
use std::future::Future;
use std::time::{Duration, Instant};

/// Per-attempt timeout of every client here.
const TIMEOUT: Duration = Duration::from_millis(300);
/// Every faulted call must be over well within this.
const BOUND: Duration = Duration::from_secs(5);
const CAP: usize = 64 * 1024;

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        max_elapsed: Duration::from_secs(3),
    }
}

fn client(server: &FaultServer) -> Client {
    Client::builder()
        .client_id("CID")
        .consumer_key("fault-test-consumer-key")
        .base_url(server.base_url())
        .timeout(TIMEOUT)
        .retry(fast_retries())
        .max_response_bytes(CAP)
        .build()
        .unwrap()
}

/// Runs one faulted call under a hard deadline and reports its duration.
async fn faulted<T, E>(
    name: &str,
    call: impl Future<Output = Result<T, Error<E>>>,
) -> (Error<E>, Duration) {
    let started = Instant::now();
    let result = tokio::time::timeout(BOUND * 2, call)
        .await
        .unwrap_or_else(|_| panic!("fault {name}: the call hung"));
    let elapsed = started.elapsed();
    let Err(err) = result else {
        panic!("fault {name}: the call succeeded")
    };
    println!("fault {name}: {elapsed:?}");
    assert!(elapsed < BOUND, "fault {name} took {elapsed:?}");
    (err, elapsed)
}

fn transport<E: std::fmt::Debug>(err: &Error<E>) -> &TransportError {
    match err {
        Error::Transport(t) => t,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

fn stall() -> Vec<Act> {
    vec![Act::Sleep(Duration::from_secs(30))]
}

#[tokio::test]
async fn slow_headers_time_out_and_idempotent_calls_retry_a_bounded_number_of_times() {
    let server = FaultServer::start(|_| stall()).await;
    let c = client(&server);
    let (err, elapsed) = faulted(
        "slow headers (GET, 4 attempts)",
        c.authentication().list_snap_trade_users().send(),
    )
    .await;
    let t = transport(&err);
    assert_eq!(t.kind, TransportErrorKind::Timeout);
    assert!(t.maybe_sent);
    assert_eq!(t.attempts, 4);
    assert_eq!(server.hits(), 4);
    assert!(elapsed >= TIMEOUT * 4, "{elapsed:?}");
    assert_eq!(c.transport().stats().retries, 3);
}

#[tokio::test]
async fn slow_headers_on_a_non_idempotent_call_are_not_retried() {
    let server = FaultServer::start(|_| stall()).await;
    let (err, _) = faulted(
        "slow headers (registerUser)",
        client(&server)
            .authentication()
            .register_snap_trade_user("u1")
            .send(),
    )
    .await;
    let t = transport(&err);
    assert_eq!(t.kind, TransportErrorKind::Timeout);
    assert!(
        t.maybe_sent,
        "the caller must learn it may have been applied"
    );
    assert_eq!(t.attempts, 1);
    assert!(err.to_string().contains("may have reached the server"));
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn slow_body_times_out() {
    let server = FaultServer::start(|_| {
        vec![
            Act::head(
                200,
                &["Content-Type: application/json", "Content-Length: 100"],
            ),
            Act::text("[\"u1\","),
            Act::Sleep(Duration::from_secs(30)),
        ]
    })
    .await;
    // Per-call policy: this one call is not retried.
    let c = client(&server).with_retry(RetryPolicy::never());
    let (err, elapsed) = faulted(
        "slow body",
        c.authentication().list_snap_trade_users().send(),
    )
    .await;
    assert_eq!(transport(&err).kind, TransportErrorKind::Timeout);
    assert_eq!(server.hits(), 1);
    assert!(elapsed >= TIMEOUT, "{elapsed:?}");
}

#[tokio::test]
async fn truncated_body_is_a_transport_error_and_is_retried_when_idempotent() {
    let server = FaultServer::start(|_| {
        vec![
            Act::head(
                200,
                &["Content-Type: application/json", "Content-Length: 100"],
            ),
            Act::text("[\"u1\","),
        ]
    })
    .await;
    let c = client(&server);
    let (err, _) = faulted(
        "truncated body",
        c.authentication().list_snap_trade_users().send(),
    )
    .await;
    let t = transport(&err);
    assert_eq!(t.kind, TransportErrorKind::Other, "{t}");
    assert_eq!(t.attempts, 4);
    assert_eq!(server.hits(), 4);
}

#[tokio::test]
async fn connection_reset_mid_body_is_a_transport_error() {
    let server = FaultServer::start(|_| {
        vec![
            Act::head(
                200,
                &["Content-Type: application/json", "Content-Length: 5000"],
            ),
            Act::text(&format!("[\"{}", "u".repeat(100))),
            Act::Sleep(Duration::from_millis(20)),
            Act::Reset,
        ]
    })
    .await;
    let (err, _) = faulted(
        "reset mid-body",
        client(&server)
            .with_retry(RetryPolicy::never())
            .authentication()
            .list_snap_trade_users()
            .send(),
    )
    .await;
    let t = transport(&err);
    assert_eq!(t.kind, TransportErrorKind::Other, "{t}");
    assert_eq!(t.attempts, 1);
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_and_not_retried() {
    let server =
        FaultServer::start(|_| Act::response(200, "application/json", &[], r#"{"online": tru"#))
            .await;
    let (err, _) = faulted(
        "malformed JSON",
        client(&server).api_status().check().send(),
    )
    .await;
    match &err {
        Error::Decode(d) => {
            assert_eq!(d.status, 200);
            assert!(d.excerpt.contains("tru"), "{d}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(server.hits(), 1);
}

const HTML_502: &str = "<html><head><title>502 Bad Gateway</title></head>\
<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";

#[tokio::test]
async fn html_502_page_ends_in_an_api_error_after_bounded_retries() {
    let server = FaultServer::start(|_| Act::response(502, "text/html", &[], HTML_502)).await;
    let c = client(&server);
    let (err, _) = faulted(
        "HTML 502 (GET, 4 attempts)",
        c.authentication().list_snap_trade_users().send(),
    )
    .await;
    let Error::Api(api) = &err else {
        panic!("expected an API error, got {err:?}")
    };
    assert_eq!(api.status, 502);
    assert_eq!(api.kind, ListErr::Unknown);
    assert!(api.body_text().contains("Bad Gateway"));
    assert_eq!(server.hits(), 4);

    // Not idempotent: one attempt, whatever the gateway says.
    let before = server.hits();
    let (err, _) = faulted(
        "HTML 502 (registerUser)",
        c.authentication().register_snap_trade_user("u1").send(),
    )
    .await;
    assert!(matches!(&err, Error::Api(a) if a.status == 502 && a.kind == RegisterErr::Unknown));
    assert_eq!(server.hits() - before, 1);
}

#[tokio::test]
async fn declared_body_over_the_cap_is_refused_without_reading_it() {
    let len = format!("Content-Length: {}", CAP * 32);
    let server = FaultServer::start(move |_| {
        vec![
            Act::head(200, &["Content-Type: application/json", &len]),
            // Sends a little, then waits: reading it all would time out.
            Act::text("[\"u1\""),
            Act::Sleep(Duration::from_secs(30)),
        ]
    })
    .await;
    let (err, elapsed) = faulted(
        "body over the cap (Content-Length)",
        client(&server)
            .authentication()
            .list_snap_trade_users()
            .send(),
    )
    .await;
    let t = transport(&err);
    assert_eq!(t.kind, TransportErrorKind::BodyTooLarge, "{t}");
    assert_eq!(t.attempts, 1, "an oversized answer is not retried");
    assert_eq!(server.hits(), 1);
    assert!(elapsed < TIMEOUT, "refused before reading: {elapsed:?}");
}

#[tokio::test]
async fn endless_chunked_body_stops_at_the_cap() {
    let server = FaultServer::start(|_| {
        vec![
            Act::head(
                200,
                &[
                    "Content-Type: application/json",
                    "Transfer-Encoding: chunked",
                ],
            ),
            Act::Endless,
        ]
    })
    .await;
    let (err, _) = faulted(
        "body over the cap (endless chunked)",
        client(&server)
            .with_retry(RetryPolicy::default())
            .authentication()
            .list_snap_trade_users()
            .send(),
    )
    .await;
    let t = transport(&err);
    assert_eq!(t.kind, TransportErrorKind::BodyTooLarge, "{t}");
    assert!(t.message.contains(&CAP.to_string()), "{t}");
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_body_under_the_cap_is_read_whole() {
    let users: Vec<String> = (0..1000).map(|i| format!("user-{i:05}")).collect();
    let body = serde_json::to_string(&users).unwrap();
    assert!(body.len() < CAP);
    let server =
        FaultServer::start(move |_| Act::response(200, "application/json", &[], &body)).await;
    let got = client(&server)
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap();
    assert_eq!(got.body, users);
}

#[tokio::test]
async fn wrong_content_type_is_a_decode_error() {
    let server = FaultServer::start(|n| {
        if n == 0 {
            Act::response(
                200,
                "text/html; charset=utf-8",
                &[],
                "<html>maintenance</html>",
            )
        } else {
            // Parses as JSON, but is declared as something else.
            Act::response(200, "text/plain", &[], r#"["u1"]"#)
        }
    })
    .await;
    let c = client(&server);
    for name in [
        "wrong content type (HTML)",
        "wrong content type (text/plain JSON)",
    ] {
        let (err, _) = faulted(name, c.authentication().list_snap_trade_users().send()).await;
        match &err {
            Error::Decode(d) => assert!(d.message.contains("Content-Type"), "{d}"),
            other => panic!("expected a decode error, got {other:?}"),
        }
    }
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn a_429_storm_ends_in_a_typed_error_after_the_policy_s_attempts() {
    let server = FaultServer::start(|_| {
        Act::response(
            429,
            "application/json",
            &["Retry-After: 0", "X-RateLimit-Remaining: 0"],
            r#"{"detail":"Request was throttled.","status_code":429,"code":"0000"}"#,
        )
    })
    .await;
    let c = client(&server);
    let (err, _) = faulted(
        "429 storm (Retry-After: 0)",
        c.authentication().list_snap_trade_users().send(),
    )
    .await;
    let Error::Api(api) = &err else {
        panic!("expected an API error, got {err:?}")
    };
    assert_eq!(api.status, 429);
    assert_eq!(api.code, Some(ErrorCode::Text("0000".into())));
    assert_eq!(server.hits(), 4);
}

#[tokio::test]
async fn a_429_asking_for_a_wait_beyond_the_budget_returns_at_once() {
    let server = FaultServer::start(|_| {
        Act::response(
            429,
            "application/json",
            &["Retry-After: 3600"],
            r#"{"detail":"Request was throttled.","status_code":429,"code":"0000"}"#,
        )
    })
    .await;
    let (err, elapsed) = faulted(
        "429 storm (Retry-After: 3600)",
        client(&server)
            .authentication()
            .list_snap_trade_users()
            .send(),
    )
    .await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(server.hits(), 1);
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
}

#[tokio::test]
async fn a_500_with_snaptrade_s_body_decodes_into_its_variant_and_is_not_retried() {
    let server = FaultServer::start(|_| {
        Act::response(
            500,
            "application/json",
            &["X-Request-ID: req-500"],
            r#"{"detail":"Encountered an unexpected exception.","status_code":500,"code":1000}"#,
        )
    })
    .await;
    let (err, _) = faulted(
        "500 with SnapTrade's body",
        client(&server)
            .authentication()
            .list_snap_trade_users()
            .send(),
    )
    .await;
    let Error::Api(api) = &err else {
        panic!("expected an API error, got {err:?}")
    };
    assert!(matches!(api.kind, ListErr::InternalServerError(_)));
    assert_eq!(api.code, Some(ErrorCode::Number(1000)));
    assert_eq!(
        api.detail.as_deref(),
        Some("Encountered an unexpected exception.")
    );
    assert_eq!(api.request_id.as_deref(), Some("req-500"));
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn unsigned_status_check_survives_faults_too() {
    let server = FaultServer::start(|n| match n {
        0 => stall(),
        1 => Act::response(503, "text/html", &[], "<html>busy</html>"),
        _ => Act::response(
            200,
            "application/json",
            &[],
            r#"{"version":153,"timestamp":"2024-01-01T00:00:00Z","online":true}"#,
        ),
    })
    .await;
    let started = Instant::now();
    let status = client(&server).api_status().check().await.unwrap();
    assert_eq!(status.online, Some(true));
    assert_eq!(server.hits(), 3);
    assert!(started.elapsed() < BOUND);
    // And a default-only error enum still gets its variant.
    let server = FaultServer::start(|_| Act::response(500, "text/html", &[], "<html/>")).await;
    let (err, _) = faulted(
        "status check 500",
        client(&server).api_status().check().send(),
    )
    .await;
    assert!(matches!(&err, Error::Api(a) if a.kind == CheckError::Default));
}

#[tokio::test]
async fn per_call_retry_policy_overrides_the_client_s() {
    let server = FaultServer::start(|_| Act::response(503, "text/html", &[], "busy")).await;
    let c = client(&server);
    let once = c.with_retry(RetryPolicy::never());
    assert_eq!(once.transport().retry_policy(), RetryPolicy::never());
    let err = once
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(server.hits(), 1);
    // The client itself keeps its policy; the handle shares its counters.
    c.authentication()
        .list_snap_trade_users()
        .await
        .unwrap_err();
    assert_eq!(server.hits(), 1 + 4);
    let stats = c.transport().stats();
    assert_eq!((stats.calls, stats.attempts, stats.retries), (2, 5, 3));
}
