//! What the generated client puts on the wire, checked against a recording
//! server on 127.0.0.1: method, raw path and query (order and encoding),
//! headers, body, and the signature recomputed on the server side.

mod common;

use common::{Recorder, Reply};
use snaptrade::{sign, Client};

const CLIENT_ID: &str = "YOUR_CLIENT_ID";
const KEY: &str = "YOUR_CONSUMER_KEY";
const TS: u64 = 1_700_000_000;

fn client(base_url: &str) -> Client {
    Client::builder()
        .client_id(CLIENT_ID)
        .consumer_key(KEY)
        .base_url(base_url)
        .clock(|| TS)
        .build()
        .expect("client builds")
}

/// Recomputes the signature from what arrived, as a server would.
fn assert_signed(rec: &common::Recorded) {
    let sig = rec.header("signature").expect("Signature header");
    assert_eq!(
        sign::verify(KEY, rec.path(), rec.query(), &rec.body, sig).ok(),
        Some(true),
        "signature does not verify for {} {}",
        rec.method,
        rec.target
    );
}

#[tokio::test]
async fn api_status_is_sent_unsigned() {
    let server = Recorder::start().await;
    server.reply(Reply::json(
        200,
        r#"{"version":153,"timestamp":"2022-11-04 01:47:00.377969+00:00","online":true}"#,
    ));
    let resp = client(&server.base_url())
        .api_status()
        .check()
        .await
        .unwrap();
    assert_eq!(resp.body.version, Some(153));
    assert_eq!(resp.body.online, Some(true));
    assert_eq!(resp.request_id(), Some("req-200"));
    let rec = server.last();
    assert_eq!((rec.method.as_str(), rec.target.as_str()), ("GET", "/"));
    assert_eq!(rec.header("signature"), None);
    assert!(rec.body.is_empty());
}

#[tokio::test]
async fn register_matches_the_reference_sdk_on_the_wire() {
    let server = Recorder::start().await;
    server.reply(Reply::json(
        200,
        r#"{"userId":"snaptrade-user-123","userSecret":"adf2aa34-8219-40f7-a6b3-60156985cc61"}"#,
    ));
    let resp = client(&server.base_url())
        .authentication()
        .register_snap_trade_user("snaptrade-user-123")
        .await
        .unwrap();
    assert_eq!(resp.body.user_id.as_deref(), Some("snaptrade-user-123"));
    let secret = resp.body.user_secret.as_ref().expect("secret");
    assert_eq!(secret.expose(), "adf2aa34-8219-40f7-a6b3-60156985cc61");
    assert!(
        !format!("{:?}", resp.body).contains("adf2aa34"),
        "secret leaked in Debug"
    );
    let rec = server.last();
    // Figures from the reference SDK's own capture of this request.
    assert_eq!(rec.method, "POST");
    assert_eq!(
        rec.target,
        "/snapTrade/registerUser?clientId=YOUR_CLIENT_ID&timestamp=1700000000"
    );
    assert_eq!(rec.body, br#"{"userId":"snaptrade-user-123"}"#);
    assert_eq!(rec.header("content-type"), Some("application/json"));
    assert_eq!(
        rec.header("signature"),
        Some("P3KirfS8xyXD3M3U5VUV9Nf3y6WKwXNtyzxm3rrtMiY=")
    );
    assert_signed(&rec);
}

#[tokio::test]
async fn login_orders_query_and_signs_options() {
    let server = Recorder::start().await;
    server.reply(Reply::json(
        200,
        r#"{"redirectURI":"https://x/y","sessionId":"s-1"}"#,
    ));
    server.reply(Reply::json(
        200,
        r#"{"redirectURI":"https://x/y","sessionId":"s-2"}"#,
    ));
    let c = client(&server.base_url());
    // No options: the reference SDK sends `{}` and signs content null.
    c.authentication()
        .login_snap_trade_user("snaptrade-user-123", "adf2aa34-8219-40f7-a6b3-60156985cc61")
        .await
        .unwrap();
    let rec = server.last();
    assert_eq!(
        rec.target,
        "/snapTrade/login?userId=snaptrade-user-123&userSecret=adf2aa34-8219-40f7-a6b3-60156985cc61&clientId=YOUR_CLIENT_ID&timestamp=1700000000"
    );
    assert_eq!(
        rec.header("signature"),
        Some("acFgqmu+hxfEzAGr4ak8WgCEU3t+IvWSsc2agwXZMIw=")
    );
    assert_signed(&rec);

    // The options of the reference capture B04 give its exact signature.
    use snaptrade::models::{ConnectionPortalVersion as Version, ConnectionType};
    let resp = c
        .authentication()
        .login_snap_trade_user("snaptrade-user-123", "adf2aa34-8219-40f7-a6b3-60156985cc61")
        .broker("ALPACA")
        .immediate_redirect(true)
        .connection_type(ConnectionType::Read)
        .dark_mode(true)
        .locale("pt-BR")
        .connection_portal_version(Version::V4)
        .send()
        .await
        .unwrap();
    let rec = server.last();
    assert_eq!(
        rec.header("signature"),
        Some("Ip+UoBxfuVloUtZQX/jdVUQBHQgx5tUXVh52bnWBgKM=")
    );
    assert_signed(&rec);
    let body: serde_json::Value = serde_json::from_slice(&rec.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"broker":"ALPACA","immediateRedirect":true,"connectionType":"read",
            "darkMode":true,"locale":"pt-BR","connectionPortalVersion":"v4"})
    );
    match resp.body {
        snaptrade::models::LoginSnapTradeUserResponse::LoginRedirectUri(l) => {
            assert_eq!(l.session_id.as_deref(), Some("s-2"))
        }
        other => panic!("expected a redirect, got {other:?}"),
    }
}

#[tokio::test]
async fn list_delete_and_reset_match_the_reference_signatures() {
    let server = Recorder::start().await;
    let c = client(&server.base_url());
    let auth = c.authentication();

    server.reply(Reply::json(200, r#"["a","b"]"#));
    let users = auth.list_snap_trade_users().await.unwrap();
    assert_eq!(users.body, vec!["a".to_string(), "b".to_string()]);
    let rec = server.last();
    assert_eq!(
        (rec.method.as_str(), rec.target.as_str()),
        (
            "GET",
            "/snapTrade/listUsers?clientId=YOUR_CLIENT_ID&timestamp=1700000000"
        )
    );
    assert_eq!(
        rec.header("signature"),
        Some("0yGORIWv2TMz2oQ/1AN0H5/V1y6EUycVK2ETgMH1NQE=")
    );
    assert!(rec.body.is_empty());

    server.reply(Reply::json(
        200,
        r#"{"status":"deleted","detail":"queued","userId":"snaptrade-user-123"}"#,
    ));
    let deleted = auth
        .delete_snap_trade_user("snaptrade-user-123")
        .await
        .unwrap();
    assert_eq!(deleted.body.status.as_deref(), Some("deleted"));
    let rec = server.last();
    assert_eq!(
        (rec.method.as_str(), rec.target.as_str()),
        ("DELETE", "/snapTrade/deleteUser?userId=snaptrade-user-123&clientId=YOUR_CLIENT_ID&timestamp=1700000000")
    );
    assert_eq!(
        rec.header("signature"),
        Some("2C1XnGDjFTlm1QYCkIk9S/2mEriiYoI+26jTeA3zvYE=")
    );

    server.reply(Reply::json(
        200,
        r#"{"userId":"snaptrade-user-123","userSecret":"new"}"#,
    ));
    auth.reset_snap_trade_user_secret("snaptrade-user-123", "adf2aa34-8219-40f7-a6b3-60156985cc61")
        .await
        .unwrap();
    let rec = server.last();
    assert_eq!(
        rec.target,
        "/snapTrade/resetUserSecret?clientId=YOUR_CLIENT_ID&timestamp=1700000000"
    );
    assert_eq!(
        rec.body,
        br#"{"userId":"snaptrade-user-123","userSecret":"adf2aa34-8219-40f7-a6b3-60156985cc61"}"#
    );
    assert_eq!(
        rec.header("signature"),
        Some("vaVyQ1fWKwe1+c0UhuDgiwj5RmV0AjYM3YXN2oA44j0=")
    );
}

#[tokio::test]
async fn escapes_user_ids_and_signs_the_escaped_query() {
    let server = Recorder::start().await;
    server.reply(Reply::json(200, r#"{"status":"deleted"}"#));
    let c = Client::builder()
        .client_id("id with space")
        .consumer_key(KEY)
        .base_url(server.base_url())
        .build()
        .unwrap();
    c.authentication()
        .delete_snap_trade_user("a b/é+&=?~_.-")
        .await
        .unwrap();
    let rec = server.last();
    let (before_ts, ts) = rec.query().rsplit_once("&timestamp=").unwrap();
    assert_eq!(
        before_ts,
        "userId=a%20b/%C3%A9%2B%26%3D%3F~_.-&clientId=id%20with%20space"
    );
    // A fresh timestamp from the system clock.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let ts: u64 = ts.parse().unwrap();
    assert!(now.abs_diff(ts) <= 5, "timestamp {ts} is not now ({now})");
    assert_signed(&rec);
}

#[tokio::test]
async fn a_base_url_path_prefix_is_sent_and_signed() {
    let server = Recorder::start().await;
    server.reply(Reply::json(200, "[]"));
    client(&format!("{}/api/v1/", server.base_url()))
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap();
    let rec = server.last();
    assert_eq!(rec.path(), "/api/v1/snapTrade/listUsers");
    assert_signed(&rec);
    assert_ne!(
        rec.header("signature"),
        Some("0yGORIWv2TMz2oQ/1AN0H5/V1y6EUycVK2ETgMH1NQE="),
        "the prefix must be part of the signed path"
    );
}

#[tokio::test]
async fn every_request_gets_a_fresh_timestamp() {
    let server = Recorder::start().await;
    let tick = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(TS));
    let t = tick.clone();
    let c = Client::builder()
        .client_id(CLIENT_ID)
        .consumer_key(KEY)
        .base_url(server.base_url())
        .clock(move || t.fetch_add(7, std::sync::atomic::Ordering::SeqCst))
        .build()
        .unwrap();
    server.reply(Reply::json(200, "[]"));
    server.reply(Reply::json(200, "[]"));
    c.authentication().list_snap_trade_users().await.unwrap();
    c.authentication().list_snap_trade_users().await.unwrap();
    let recs = server.take();
    assert!(recs[0].query().ends_with("timestamp=1700000000"));
    assert!(recs[1].query().ends_with("timestamp=1700000007"));
    assert_ne!(recs[0].header("signature"), recs[1].header("signature"));
}
