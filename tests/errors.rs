//! Each documented error status decodes into its own error variant, carrying
//! the API's code, detail and request id; undocumented statuses, bad bodies
//! and dead servers are error values too, and none of them shows a secret.

mod common;

use common::{Recorder, Reply};
use snaptrade::api_status::CheckError;
use snaptrade::authentication::{
    DeleteSnapTradeUserError as DeleteErr, ListSnapTradeUsersError as ListErr,
    LoginSnapTradeUserError as LoginErr, RegisterSnapTradeUserError as RegisterErr,
    ResetSnapTradeUserSecretError as ResetErr,
};
use snaptrade::runtime::RetryPolicy;
use snaptrade::{Client, Error, ErrorCode};
use std::time::Duration;

const SECRET: &str = "adf2aa34-8219-40f7-a6b3-60156985cc61";
const KEY: &str = "super-secret-consumer-key";

/// Retries off: each canned reply must reach the caller as it is.
fn client(server: &Recorder) -> Client {
    Client::builder()
        .client_id("CID")
        .consumer_key(KEY)
        .base_url(server.base_url())
        .retry(RetryPolicy::never())
        .build()
        .unwrap()
}

const E400: &str = r#"{"default_detail":"Unable to verify data sent","default_code":1076}"#;
const E401: &str = r#"{"default_detail":"Unable to verify signature sent","default_code":1076}"#;
const E403: &str = r#"{"default_detail":"User does not have permission to access this resource","default_code":1066}"#;
const E404: &str =
    r#"{"default_detail":"The requested resource does not exist.","default_code":1011}"#;
const E500: &str =
    r#"{"detail":"Encountered an unexpected exception.","status_code":500,"code":1000}"#;

fn assert_no_secret<T: std::fmt::Debug + std::fmt::Display>(e: &T) {
    for text in [format!("{e}"), format!("{e:?}")] {
        assert!(!text.contains(SECRET), "user secret leaked: {text}");
        assert!(!text.contains(KEY), "consumer key leaked: {text}");
    }
}

#[tokio::test]
async fn login_errors_map_by_status() {
    let server = Recorder::start().await;
    let c = client(&server);
    for (status, body) in [
        (400, E400),
        (403, E403),
        (404, E404),
        (500, "oops"),
        (418, "{}"),
    ] {
        server.reply(Reply::json(status, body));
        let err = c
            .authentication()
            .login_snap_trade_user("u", SECRET)
            .await
            .expect_err("non-2xx is an error");
        assert_no_secret(&err);
        let Error::Api(api) = &err else {
            panic!("{status}: expected an API error, got {err:?}")
        };
        assert_eq!(api.status.as_u16(), status);
        assert_eq!(
            api.request_id.as_deref(),
            Some(format!("req-{status}").as_str())
        );
        assert_eq!(api.body, body.as_bytes());
        match (status, &api.kind) {
            // The four 4xx bodies are one typed model: the same function
            // reads each, and its code and detail need no JSON digging.
            (400, LoginErr::BadRequest(b)) => {
                assert_eq!(api.code, Some(ErrorCode::Number(1076)));
                assert_eq!(api.detail.as_deref(), Some("Unable to verify data sent"));
                assert_eq!(typed(b), (Some(1076), Some("Unable to verify data sent")));
            }
            (403, LoginErr::Forbidden(b)) => {
                assert_eq!(api.code, Some(ErrorCode::Number(1066)));
                assert_eq!(b.default_code, Some(ErrorCode::Number(1066)));
                assert!(b.default_code.as_ref().is_some_and(|c| *c == 1066));
            }
            (404, LoginErr::NotFound(b)) => {
                assert_eq!(api.code, Some(ErrorCode::Number(1011)));
                assert_eq!(typed(b).0, Some(1011));
            }
            (500, LoginErr::InternalServerError) => assert_eq!(api.code, None),
            (418, LoginErr::Unknown) => {}
            (s, k) => panic!("status {s} decoded as {k:?}"),
        }
    }
}

/// The code and detail of a 4xx body, whichever status it came with.
fn typed(b: &snaptrade::models::FailedRequestResponse) -> (Option<i64>, Option<&str>) {
    let code = match &b.default_code {
        Some(ErrorCode::Number(n)) => Some(*n),
        Some(ErrorCode::Text(t)) => t.parse().ok(),
        None => None,
    };
    (code, b.default_detail.as_deref())
}

#[test]
fn an_error_code_sent_as_text_decodes_into_the_typed_body() {
    let b: snaptrade::models::FailedRequestResponse =
        serde_json::from_str(r#"{"default_code":"0000","default_detail":"throttled"}"#).unwrap();
    assert_eq!(b.default_code, Some(ErrorCode::Text("0000".into())));
    assert!(b.default_code.as_ref().is_some_and(|c| *c == 0));
    assert_eq!(typed(&b), (Some(0), Some("throttled")));
    let b: snaptrade::models::UnexpectedExceptionResponse =
        serde_json::from_str(r#"{"detail":"throttled","status_code":429,"code":"0000"}"#).unwrap();
    assert_eq!(b.code, Some(ErrorCode::Text("0000".into())));
    assert_eq!(b.status_code, Some(429));
}

#[tokio::test]
async fn reset_secret_401_is_unauthorized_with_code_and_detail() {
    let server = Recorder::start().await;
    server.reply(Reply::json(401, E401));
    let err = client(&server)
        .authentication()
        .reset_snap_trade_user_secret("u", SECRET)
        .await
        .unwrap_err();
    assert_no_secret(&err);
    let api = err.as_api().expect("API error");
    assert!(
        matches!(api.kind, ResetErr::Unauthorized(_)),
        "{:?}",
        api.kind
    );
    assert_eq!(api.code, Some(ErrorCode::Number(1076)));
    assert_eq!(
        api.detail.as_deref(),
        Some("Unable to verify signature sent")
    );
    let shown = err.to_string();
    assert!(
        shown.contains("401") && shown.contains("1076") && shown.contains("req-401"),
        "{shown}"
    );

    for (status, body) in [(400, E400), (500, E500), (403, E403)] {
        server.reply(Reply::json(status, body));
        let err = client(&server)
            .authentication()
            .reset_snap_trade_user_secret("u", SECRET)
            .await
            .unwrap_err();
        let api = err.as_api().unwrap();
        match (status, &api.kind) {
            (400, ResetErr::BadRequest(_)) => {}
            (500, ResetErr::InternalServerError(b)) => {
                assert_eq!(b.code, Some(ErrorCode::Number(1000)));
                assert_eq!(b.status_code, Some(500));
                assert_eq!(
                    b.detail.as_deref(),
                    Some("Encountered an unexpected exception.")
                );
                assert_eq!(api.code, Some(ErrorCode::Number(1000)));
                assert_eq!(
                    api.detail.as_deref(),
                    Some("Encountered an unexpected exception.")
                );
            }
            // 403 is not documented for this operation.
            (403, ResetErr::Unknown) => {}
            (s, k) => panic!("status {s} decoded as {k:?}"),
        }
    }
}

#[tokio::test]
async fn list_register_delete_and_check_errors() {
    let server = Recorder::start().await;
    let c = client(&server);
    let auth = c.authentication();

    for (status, body) in [(400, E400), (404, E404), (500, E500)] {
        server.reply(Reply::json(status, body));
        let e = auth.list_snap_trade_users().await.unwrap_err();
        let ok = matches!(
            (status, &e.as_api().unwrap().kind),
            (400, ListErr::BadRequest(_))
                | (404, ListErr::NotFound(_))
                | (500, ListErr::InternalServerError(_))
        );
        assert!(ok, "list {status}: {e:?}");

        server.reply(Reply::json(status, body));
        let e = auth.register_snap_trade_user("u").await.unwrap_err();
        let ok = matches!(
            (status, &e.as_api().unwrap().kind),
            (400, RegisterErr::BadRequest(_))
                | (404, RegisterErr::NotFound(_))
                | (500, RegisterErr::InternalServerError(_))
        );
        assert!(ok, "register {status}: {e:?}");
    }
    for (status, body) in [(400, E400), (403, E403), (404, E404), (500, E500)] {
        server.reply(Reply::json(status, body));
        let e = auth.delete_snap_trade_user("u").await.unwrap_err();
        let ok = matches!(
            (status, &e.as_api().unwrap().kind),
            (400, DeleteErr::BadRequest(_))
                | (403, DeleteErr::Forbidden(_))
                | (404, DeleteErr::NotFound(_))
                | (500, DeleteErr::InternalServerError)
        );
        assert!(ok, "delete {status}: {e:?}");
    }
    // GET / documents only a bodiless `default` besides 200.
    server.reply(Reply::json(503, "<html>down</html>"));
    let e = c.api_status().check().await.unwrap_err();
    let api = e.as_api().unwrap();
    assert!(matches!(api.kind, CheckError::Default), "{:?}", api.kind);
    assert_eq!(api.body_text(), "<html>down</html>");
}

#[tokio::test]
async fn throttling_keeps_a_string_code_and_rate_limit_headers() {
    let server = Recorder::start().await;
    server.reply(
        Reply::json(
            429,
            r#"{"detail":"Request was throttled. Expected available in 7 seconds.","status_code":429,"code":"0000"}"#,
        )
        .with_header("Retry-After", "7")
        .with_header("X-RateLimit-Limit", "250")
        .with_header("X-RateLimit-Remaining", "0")
        .with_header("X-RateLimit-Reset", "7"),
    );
    let e = client(&server)
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap_err();
    let api = e.as_api().unwrap();
    assert_eq!(api.status.as_u16(), 429);
    assert!(matches!(api.kind, ListErr::Unknown));
    assert_eq!(api.code, Some(ErrorCode::Text("0000".into())));
    let rl = snaptrade::runtime::RateLimit::from_headers(&api.headers);
    assert_eq!(
        (rl.limit, rl.remaining, rl.reset_secs, rl.retry_after_secs),
        (Some(250), Some(0), Some(7), Some(7))
    );
}

#[tokio::test]
async fn a_success_status_with_a_wrong_body_is_a_decode_error_with_an_excerpt() {
    let server = Recorder::start().await;
    server.reply(Reply::json(200, r#"{"userId": 42}"#));
    let e = client(&server)
        .authentication()
        .register_snap_trade_user("u")
        .await
        .unwrap_err();
    let Error::Decode(d) = &e else {
        panic!("expected a decode error, got {e:?}")
    };
    assert_eq!(d.status.as_u16(), 200);
    assert_eq!(d.excerpt, r#"{"userId": 42}"#);
    assert_eq!(d.request_id.as_deref(), Some("req-200"));
    assert!(e.to_string().contains("does not match the spec"), "{e}");
}

#[tokio::test]
async fn a_dead_server_is_a_transport_error_without_the_query() {
    // Bind then drop a listener: the port is free and refuses connections.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = Client::builder()
        .client_id("CID")
        .consumer_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(20),
            max_elapsed: Duration::from_secs(5),
        })
        .build()
        .unwrap();
    let e = c
        .authentication()
        .login_snap_trade_user("u", SECRET)
        .await
        .unwrap_err();
    assert_no_secret(&e);
    let Error::Transport(t) = &e else {
        panic!("expected a transport error, got {e:?}")
    };
    assert_eq!(t.kind, snaptrade::runtime::TransportErrorKind::Connect);
    assert!(!t.maybe_sent);
    // Refused before sending: safe to retry even a non-idempotent call.
    assert_eq!(t.attempts, 3);
    assert_eq!(t.path, "/snapTrade/login");
    assert!(e.to_string().contains("the request was not sent"), "{e}");
}

#[test]
fn config_errors_and_debug_output_hide_the_consumer_key() {
    let b = Client::builder().client_id("CID").consumer_key(KEY);
    assert!(!format!("{b:?}").contains(KEY));
    let c = b.build().unwrap();
    assert!(!format!("{c:?}").contains(KEY));
    let e = Client::builder().client_id("CID").build().unwrap_err();
    assert_eq!(e, snaptrade::ConfigError::Missing("SNAPTRADE_CONSUMER_KEY"));
    let e = Client::builder()
        .client_id("c")
        .consumer_key("k")
        .base_url("ftp://x")
        .build()
        .unwrap_err();
    assert!(matches!(e, snaptrade::ConfigError::Invalid(_)), "{e:?}");
}
