//! Helpers shared by the sandbox tests: starting a sandbox on a free loopback
//! port, building a generated client for it, and a raw HTTP/1.1 client for
//! requests the generated client cannot make (malformed bodies, missing
//! credentials).

#![allow(dead_code)]

use snaptrade::runtime::RetryPolicy;
use snaptrade::Client;
use snaptrade_sandbox::{RunningSandbox, SandboxConfig, SANDBOX_CLIENT_ID, SANDBOX_CONSUMER_KEY};
use std::collections::BTreeMap;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The test configuration: the demo client, no rate limit unless asked,
/// deletions at once (the portal and deletion tests set their own delay).
pub fn config() -> SandboxConfig {
    SandboxConfig::default()
        .rate_limit_per_minute(None)
        .delete_delay(std::time::Duration::ZERO)
}

pub async fn start(config: SandboxConfig) -> RunningSandbox {
    snaptrade_sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("sandbox starts")
}

/// A client of the demo credentials against `base_url`, without retries so
/// every status is seen as the server sent it.
pub fn client_for(base_url: &str) -> Client {
    client_with(base_url, SANDBOX_CLIENT_ID, SANDBOX_CONSUMER_KEY)
}

pub fn client_with(base_url: &str, client_id: &str, consumer_key: &str) -> Client {
    Client::builder()
        .client_id(client_id)
        .consumer_key(consumer_key)
        .base_url(base_url)
        .retry(RetryPolicy::never())
        .build()
        .expect("client builds")
}

/// A user id unique within the test run.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A raw answer.
#[derive(Debug)]
pub struct RawAnswer {
    pub status: u16,
    /// Lower-cased names.
    pub headers: BTreeMap<String, String>,
    pub body: serde_json::Value,
}

impl RawAnswer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// Sends one request exactly as given (target = path + `?` + query) and reads
/// the whole answer.
pub async fn raw(
    sandbox: &RunningSandbox,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> RawAnswer {
    let mut sock = tokio::net::TcpStream::connect(sandbox.addr())
        .await
        .unwrap();
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        sandbox.addr(),
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    sock.write_all(head.as_bytes()).await.unwrap();
    sock.write_all(body).await.unwrap();
    let mut buf = Vec::new();
    sock.read_to_end(&mut buf).await.unwrap();
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let text = String::from_utf8(buf[..end].to_vec()).unwrap();
    let mut lines = text.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let body = &buf[end + 4..];
    let body = if body.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(body).expect("a JSON body")
    };
    RawAnswer {
        status,
        headers,
        body,
    }
}

/// `clientId=..&timestamp=..` for the demo client, now.
pub fn auth_query() -> String {
    format!("clientId={SANDBOX_CLIENT_ID}&timestamp={}", unix_now())
}

/// A signed raw request: signs `path`, `query` and `body` with the demo key.
pub async fn signed_raw(
    sandbox: &RunningSandbox,
    method: &str,
    path: &str,
    query: &str,
    body: &[u8],
) -> RawAnswer {
    let content: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let sig = snaptrade::sign::signature(SANDBOX_CONSUMER_KEY, path, query, content.as_ref());
    raw(
        sandbox,
        method,
        &format!("{path}?{query}"),
        &[("Signature", &sig), ("Content-Type", "application/json")],
        body,
    )
    .await
}

/// A webhook receiver on loopback: every delivery's `Signature` header and
/// body, answered 200. Returns its URL and the deliveries as they come.
pub async fn webhook_sink() -> (
    String,
    tokio::sync::mpsc::UnboundedReceiver<(String, serde_json::Value)>,
) {
    use axum::http::HeaderMap;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let tx = tx.clone();
            async move {
                let signature = headers
                    .get("signature")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let event = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
                let _ = tx.send((signature, event));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, rx)
}

/// The next webhook of type `event_type` (others are skipped), within 10 s.
pub async fn next_event(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<(String, serde_json::Value)>,
    event_type: &str,
) -> (String, serde_json::Value) {
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            let (sig, event) = rx.recv().await.expect("the receiver runs");
            if event["eventType"] == event_type {
                return (sig, event);
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {event_type} webhook within 10 s"))
}

/// Registers `user_id` and logs in with `options` (the login body); returns
/// the user's secret and the portal link.
pub async fn portal_login(
    sandbox: &RunningSandbox,
    user_id: &str,
    options: serde_json::Value,
) -> (String, String) {
    let body = serde_json::json!({ "userId": user_id }).to_string();
    let registered = signed_raw(
        sandbox,
        "POST",
        "/snapTrade/registerUser",
        &auth_query(),
        body.as_bytes(),
    )
    .await;
    assert_eq!(registered.status, 200, "{:?}", registered.body);
    let secret = registered.body["userSecret"].as_str().unwrap().to_owned();
    let link = login_link(sandbox, user_id, &secret, options).await;
    (secret, link)
}

/// A new portal link for an existing user.
pub async fn login_link(
    sandbox: &RunningSandbox,
    user_id: &str,
    secret: &str,
    options: serde_json::Value,
) -> String {
    let query = format!("userId={user_id}&userSecret={secret}&{}", auth_query());
    let body = options.to_string();
    let login = signed_raw(sandbox, "POST", "/snapTrade/login", &query, body.as_bytes()).await;
    assert_eq!(login.status, 200, "{:?}", login.body);
    login.body["redirectURI"].as_str().unwrap().to_owned()
}

/// `GET /authorizations` for a user, signed.
pub async fn authorizations(
    sandbox: &RunningSandbox,
    user_id: &str,
    secret: &str,
) -> Vec<serde_json::Value> {
    let query = format!("userId={user_id}&userSecret={secret}&{}", auth_query());
    let answer = signed_raw(sandbox, "GET", "/authorizations", &query, b"").await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body.as_array().unwrap().clone()
}
