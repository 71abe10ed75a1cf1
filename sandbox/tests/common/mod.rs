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

/// The test configuration: the demo client, no rate limit unless asked.
pub fn config() -> SandboxConfig {
    SandboxConfig::default().rate_limit_per_minute(None)
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
