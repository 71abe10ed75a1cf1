//! The Connection Portal and connections over HTTP (no browser: the page's
//! requests are made directly), and the asynchronous deletion.

mod common;

use common::{
    authorizations, login_link, next_event, portal_login, signed_raw, start, unique, webhook_sink,
};
use serde_json::{json, Value};
use snaptrade_sandbox::{WebhookConfig, SANDBOX_CONSUMER_KEY};
use std::time::Duration;

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The token of a portal link.
fn token(link: &str) -> String {
    let query = link.split_once('?').unwrap().1;
    query
        .split('&')
        .find_map(|p| p.strip_prefix("token="))
        .unwrap()
        .to_owned()
}

/// POSTs what the page POSTs; returns the status and the message.
async fn connect(link: &str, broker: &str) -> (u16, Value) {
    let url = link.split_once("redeemToken").unwrap().0.to_owned() + "portal/connect";
    let answer = http()
        .post(url)
        .header("content-type", "application/json")
        .body(json!({"token": token(link), "broker": broker}).to_string())
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (
        status,
        serde_json::from_str(&answer.text().await.unwrap()).unwrap(),
    )
}

#[tokio::test]
async fn page_connect_list_and_webhook() {
    let (hook, mut events) = webhook_sink().await;
    let sandbox = start(common::config().webhook(WebhookConfig::new(hook))).await;
    let user = unique("portal");
    let (secret, link) = portal_login(&sandbox, &user, json!({"connectionType": "trade"})).await;
    assert!(
        link.starts_with(&format!(
            "{}/snapTrade/redeemToken?token=",
            sandbox.base_url()
        )),
        "{link}"
    );

    let page = http().get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let html = page.text().await.unwrap();
    assert!(html.contains("<main"), "{html}");
    assert!(html.contains(r#"<button type="button" class="broker" data-broker="ALPACA""#));
    assert!(html.contains(r#"data-broker="SANDBOX_FAIL""#));
    // connectionType trade: the read-only brokerage is not offered.
    assert!(!html.contains(r#"data-broker="WEALTHSIMPLETRADE""#));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external asset"
    );

    let (status, message) = connect(&link, "ALPACA").await;
    assert_eq!(status, 200, "{message}");
    assert_eq!(message["status"], "SUCCESS");
    let id = message["authorizationId"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 36);

    let list = authorizations(&sandbox, &user, &secret).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["type"], "trade");
    assert_eq!(list[0]["disabled"], false);
    assert_eq!(list[0]["brokerage"]["slug"], "ALPACA");

    let (signature, event) = next_event(&mut events, "CONNECTION_ADDED").await;
    assert_eq!(event["brokerageAuthorizationId"], id.as_str());
    assert_eq!(event["userId"], user.as_str());
    let body = serde_json::to_vec(&event).unwrap();
    let now = common::unix_now();
    assert!(snaptrade::webhook::verify(SANDBOX_CONSUMER_KEY, &signature, &body, now).is_ok());

    // The link is single-purpose: used once, it is gone.
    let (status, message) = connect(&link, "QUESTRADE").await;
    assert_eq!(status, 410);
    assert_eq!(message["errorCode"], "PORTAL_LINK_USED");
    assert_eq!(http().get(&link).send().await.unwrap().status(), 410);

    // Connecting the same brokerage again returns the same connection.
    let again = login_link(&sandbox, &user, &secret, json!({})).await;
    let (_, message) = connect(&again, "ALPACA").await;
    assert_eq!(message["authorizationId"], id.as_str());
    assert_eq!(authorizations(&sandbox, &user, &secret).await.len(), 1);
}

#[tokio::test]
async fn failing_broker_wrong_origin_and_unknown_links() {
    let sandbox = start(common::config()).await;
    let user = unique("portal-err");
    let (secret, link) = portal_login(&sandbox, &user, json!({"locale": "pt-BR"})).await;

    let (status, message) = connect(&link, "SANDBOX_FAIL").await;
    assert_eq!(status, 401);
    assert_eq!(
        message,
        json!({"status": "ERROR", "errorCode": "BROKERAGE_LOGIN_FAILED", "statusCode": 401,
               "detail": "Failing Brokerage recusou o login."})
    );
    assert!(authorizations(&sandbox, &user, &secret).await.is_empty());

    // From another origin (a CSRF attempt), or not JSON: refused.
    let url = format!("{}/snapTrade/portal/connect", sandbox.base_url());
    let body = json!({"token": token(&link), "broker": "ALPACA"}).to_string();
    let cross = http()
        .post(&url)
        .header("origin", "http://evil.example")
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    let form = http()
        .post(&url)
        .header("content-type", "text/plain")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 400);
    assert!(authorizations(&sandbox, &user, &secret).await.is_empty());
    // Still usable after failures.
    assert_eq!(connect(&link, "ALPACA").await.0, 200);

    let unknown = format!("{}/snapTrade/redeemToken?token=nope", sandbox.base_url());
    let page = http().get(&unknown).send().await.unwrap();
    assert_eq!(page.status(), 404);
    let html = page.text().await.unwrap();
    assert!(html.contains("PORTAL_LINK_UNKNOWN"), "{html}");
    assert_eq!(connect(&unknown, "ALPACA").await.0, 404);
}

#[tokio::test]
async fn links_expire_after_the_portal_ttl() {
    let sandbox = start(common::config().portal_ttl(Duration::from_millis(300))).await;
    let (_, link) = portal_login(&sandbox, &unique("ttl"), json!({})).await;
    assert_eq!(http().get(&link).send().await.unwrap().status(), 200);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let page = http().get(&link).send().await.unwrap();
    assert_eq!(page.status(), 410);
    assert!(page.text().await.unwrap().contains("PORTAL_LINK_EXPIRED"));
    let (status, message) = connect(&link, "ALPACA").await;
    assert_eq!(
        (status, message["errorCode"].as_str()),
        (410, Some("PORTAL_LINK_EXPIRED"))
    );
}

#[tokio::test]
async fn broker_option_and_reconnect_keep_the_id() {
    let (hook, mut events) = webhook_sink().await;
    let sandbox = start(common::config().webhook(WebhookConfig::new(hook))).await;
    let user = unique("reconnect");
    let (secret, link) = portal_login(&sandbox, &user, json!({"broker": "QUESTRADE"})).await;
    let html = http()
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(html.matches("data-broker=").count(), 1, "{html}");
    assert!(html.contains(r#"data-broker="QUESTRADE""#));
    let (status, message) = connect(&link, "QUESTRADE").await;
    assert_eq!(status, 200);
    let id = message["authorizationId"].as_str().unwrap().to_owned();

    // SnapTrade's test endpoint breaks the connection.
    let query = format!("userId={user}&userSecret={secret}&{}", common::auth_query());
    let path = format!("/authorizations/{id}/disable");
    let disabled = signed_raw(&sandbox, "POST", &path, &query, b"").await;
    assert_eq!(disabled.status, 200, "{:?}", disabled.body);
    let again = signed_raw(&sandbox, "POST", &path, &query, b"").await;
    assert_eq!(again.status, 402);
    assert_eq!(
        authorizations(&sandbox, &user, &secret).await[0]["disabled"],
        true
    );
    let (_, broken) = next_event(&mut events, "CONNECTION_BROKEN").await;
    assert_eq!(broken["brokerageAuthorizationId"], id.as_str());

    let repair = login_link(&sandbox, &user, &secret, json!({"reconnect": id})).await;
    assert_eq!(
        connect(&repair, "ALPACA").await.1["errorCode"],
        "RECONNECT_WRONG_BROKERAGE"
    );
    let (status, message) = connect(&repair, "QUESTRADE").await;
    assert_eq!(status, 200);
    assert_eq!(message["authorizationId"], id.as_str());
    let list = authorizations(&sandbox, &user, &secret).await;
    assert_eq!((list.len(), &list[0]["disabled"]), (1, &json!(false)));
    let (_, fixed) = next_event(&mut events, "CONNECTION_FIXED").await;
    assert_eq!(fixed["brokerageAuthorizationId"], id.as_str());

    let unknown = login_link(&sandbox, &user, &secret, json!({"reconnect": "nope"})).await;
    assert_eq!(http().get(&unknown).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn login_refuses_a_custom_redirect_that_is_not_http() {
    let sandbox = start(common::config()).await;
    let user = unique("redirect");
    let (secret, _) = portal_login(&sandbox, &user, json!({})).await;
    let query = format!("userId={user}&userSecret={secret}&{}", common::auth_query());
    let body = json!({"customRedirect": "javascript:alert(1)"}).to_string();
    let login = signed_raw(
        &sandbox,
        "POST",
        "/snapTrade/login",
        &query,
        body.as_bytes(),
    )
    .await;
    assert_eq!(login.status, 400);
}

/// Ids listed by `listUsers`.
async fn listed(sandbox: &snaptrade_sandbox::RunningSandbox) -> Vec<String> {
    let answer = signed_raw(
        sandbox,
        "GET",
        "/snapTrade/listUsers",
        &common::auth_query(),
        b"",
    )
    .await;
    serde_json::from_value(answer.body).unwrap()
}

#[tokio::test]
async fn deletion_lingers_then_sends_user_deleted() {
    let (hook, mut events) = webhook_sink().await;
    let config = common::config()
        .delete_delay(Duration::from_millis(800))
        .webhook(WebhookConfig::new(hook));
    let sandbox = start(config).await;
    let user = unique("linger");
    let (secret, _) = portal_login(&sandbox, &user, json!({})).await;
    let query = format!("userId={user}&{}", common::auth_query());
    let deleted = signed_raw(&sandbox, "DELETE", "/snapTrade/deleteUser", &query, b"").await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.body["status"], "deleted");
    // Still there: listed, and can log in.
    assert!(listed(&sandbox).await.contains(&user));
    login_link(&sandbox, &user, &secret, json!({})).await;
    let (_, event) = next_event(&mut events, "USER_DELETED").await;
    assert_eq!(event["userId"], user.as_str());
    assert!(
        !listed(&sandbox).await.contains(&user),
        "gone when USER_DELETED is sent"
    );
}

#[tokio::test]
async fn a_restart_keeps_a_pending_deletion() {
    let dir = std::env::temp_dir().join(unique("pending-delete"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let config = || {
        common::config()
            .state_file(&path)
            .delete_delay(Duration::from_millis(1500))
    };
    let sandbox = start(config()).await;
    let user = unique("restart");
    portal_login(&sandbox, &user, json!({})).await;
    let query = format!("userId={user}&{}", common::auth_query());
    let deleted = signed_raw(&sandbox, "DELETE", "/snapTrade/deleteUser", &query, b"").await;
    assert_eq!(deleted.status, 200);
    sandbox.shutdown().await.unwrap();

    let sandbox = start(config()).await;
    assert!(
        listed(&sandbox).await.contains(&user),
        "still pending after the restart"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while listed(&sandbox).await.contains(&user) {
        assert!(std::time::Instant::now() < deadline, "the deletion resumed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sandbox.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
