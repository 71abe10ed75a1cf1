//! `Client::wait_until_user_deleted` against the sandbox's asynchronous
//! deletion: by polling, by the webhook hub before the next poll, timeout.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use snaptrade::wait::{Noticed, WaitError, WaitOptions};
use snaptrade::webhook::{self, Hub};
use snaptrade_sandbox::{RunningSandbox, SandboxConfig, WebhookConfig};
use std::time::Duration;

const CLIENT_ID: &str = "WAIT_CLIENT";
const KEY: &str = "WAIT_KEY";

async fn sandbox(config: SandboxConfig) -> (RunningSandbox, snaptrade::Client) {
    let sandbox = snaptrade_sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = snaptrade::Client::builder()
        .client_id(CLIENT_ID)
        .consumer_key(KEY)
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    (sandbox, client)
}

fn config(delay: Duration) -> SandboxConfig {
    SandboxConfig::with_client(CLIENT_ID, KEY)
        .rate_limit_per_minute(None)
        .delete_delay(delay)
}

/// An app's webhook receiver: verifies each delivery and publishes it on `hub`.
async fn receiver(hub: Hub) -> String {
    let app = axum::Router::new().route(
        "/webhooks",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let hub = hub.clone();
            async move {
                let signature = headers
                    .get(webhook::SIGNATURE_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                match webhook::verify(KEY, signature, &body, std::time::SystemTime::now()) {
                    Ok(event) => {
                        hub.publish(&event);
                        StatusCode::OK
                    }
                    Err(_) => StatusCode::UNAUTHORIZED,
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

async fn register_and_delete(client: &snaptrade::Client, user: &str) {
    let auth = client.authentication();
    auth.register_snap_trade_user(user).await.unwrap();
    let deleted = auth.delete_snap_trade_user(user).await.unwrap();
    assert_eq!(deleted.body.status.as_deref(), Some("deleted"));
    // Queued, not done: still listed.
    let users = auth.list_snap_trade_users().await.unwrap().body;
    assert!(users.iter().any(|u| u == user), "{users:?}");
}

#[tokio::test]
async fn polling_sees_the_user_go() {
    let (_sandbox, client) = sandbox(config(Duration::from_millis(700))).await;
    register_and_delete(&client, "poll-user").await;
    let options = WaitOptions::default()
        .interval(Duration::from_millis(100), Duration::from_millis(400))
        .timeout(Duration::from_secs(20));
    let done = client
        .wait_until_user_deleted("poll-user", options)
        .await
        .unwrap();
    assert_eq!(done.noticed, Noticed::Poll);
    assert!(done.polls >= 2, "{done:?}");
    let users = client
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap()
        .body;
    assert!(!users.iter().any(|u| u == "poll-user"));
}

#[tokio::test]
async fn the_webhook_ends_the_wait_before_the_next_poll() {
    let hub = Hub::new();
    let url = receiver(hub.clone()).await;
    let config = config(Duration::from_millis(500)).webhook(WebhookConfig::new(url));
    let (sandbox, client) = sandbox(config).await;
    register_and_delete(&client, "hooked-user").await;
    // The next poll would come after 60 s: only the webhook can end this wait.
    let options = WaitOptions::default()
        .interval(Duration::from_secs(60), Duration::from_secs(60))
        .timeout(Duration::from_secs(30))
        .hub(&hub);
    let done = client
        .wait_until_user_deleted("hooked-user", options)
        .await
        .unwrap();
    assert_eq!(done.noticed, Noticed::Webhook);
    assert_eq!(done.polls, 1);
    assert!(done.elapsed < Duration::from_secs(30), "{done:?}");
    // USER_DELETED is sent once the user is gone.
    let users = client
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap()
        .body;
    assert!(!users.iter().any(|u| u == "hooked-user"));
    drop(sandbox);
}

#[tokio::test]
async fn a_wait_past_its_timeout_fails() {
    let (_sandbox, client) = sandbox(config(Duration::from_secs(30))).await;
    register_and_delete(&client, "slow-user").await;
    let options = WaitOptions::default()
        .interval(Duration::from_millis(100), Duration::from_millis(100))
        .timeout(Duration::from_millis(350));
    match client.wait_until_user_deleted("slow-user", options).await {
        Err(WaitError::Timeout { polls, .. }) => assert!(polls >= 3, "{polls}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
}
