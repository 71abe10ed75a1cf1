//! The blocking client (feature `blocking`) end to end: the sandbox runs on
//! its own thread and runtime, the test itself has no async code. Same
//! builders, same signing (the sandbox checks every signature), same retries
//! (a flaky loopback server answers 503 first).

use snaptrade::blocking::{BlockingSend, Client};
use snaptrade::{ClientError, ClientErrorKind, RetryPolicy};
use snaptrade_sandbox::{SandboxConfig, SANDBOX_CLIENT_ID, SANDBOX_CONSUMER_KEY};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::Duration;

/// Starts the sandbox on a runtime of its own; both are returned so the
/// server lives as long as the test.
fn sandbox() -> (
    tokio::runtime::Runtime,
    snaptrade_sandbox::RunningSandbox,
    String,
) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = rt
        .block_on(snaptrade_sandbox::start(
            // Deleted at once: the test deletes twice and expects a 404.
            SandboxConfig::default().delete_delay(std::time::Duration::ZERO),
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap();
    let url = sandbox.base_url();
    (rt, sandbox, url)
}

fn client(base_url: &str) -> Client {
    Client::builder()
        .client_id(SANDBOX_CLIENT_ID)
        .consumer_key(SANDBOX_CONSUMER_KEY)
        .base_url(base_url)
        .build_blocking()
        .unwrap()
}

#[test]
fn walkthrough_through_the_blocking_client() -> Result<(), ClientError> {
    let (_rt, _sandbox, url) = sandbox();
    let client = client(&url);
    let status = client.api_status().check().send_blocking()?;
    assert_eq!(status.body.online, Some(true));

    let auth = client.authentication();
    let user = auth
        .register_snap_trade_user("blocking-user")
        .send_blocking()?;
    let secret = user.body.user_secret.clone().expect("new user's secret");
    assert_eq!(user.body.user_id.as_deref(), Some("blocking-user"));

    let login = auth
        .login_snap_trade_user("blocking-user", secret.clone())
        .connection_type(snaptrade::models::ConnectionType::Read)
        .send_blocking()?;
    assert_eq!(login.status, 200);

    let users = auth.list_snap_trade_users().send_blocking()?;
    assert!(users.body.iter().any(|u| u == "blocking-user"));

    let reset = auth
        .reset_snap_trade_user_secret("blocking-user", secret.clone())
        .send_blocking()?;
    let new_secret = reset.body.user_secret.expect("rotated secret");
    assert_ne!(new_secret, secret);
    // The old secret no longer logs in: 403 from the sandbox, code 1066.
    let err = auth
        .login_snap_trade_user("blocking-user", secret)
        .send_blocking()
        .unwrap_err();
    assert!(err.is_status(403) && err.has_code(1066), "{err:?}");

    let deleted = auth
        .delete_snap_trade_user("blocking-user")
        .send_blocking()?;
    assert_eq!(deleted.status, 200);
    let err: ClientError = auth
        .delete_snap_trade_user("blocking-user")
        .send_blocking()
        .unwrap_err()
        .into();
    assert!(err.is_status(404) && err.has_code(1011), "{err:?}");
    Ok(())
}

/// A server that answers the first request with 503 and every later one
/// with a status body; returns its URL and the join handle (which yields how
/// many requests it served).
fn flaky_server(requests: usize) -> (String, std::thread::JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut served = 0;
        while served < requests {
            let Ok((sock, _)) = listener.accept() else {
                break;
            };
            sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut reader = BufReader::new(sock.try_clone().unwrap());
            // Serve each request on this connection until the client closes it.
            loop {
                let mut length = 0usize;
                let mut line = String::new();
                let mut saw_request = false;
                while reader.read_line(&mut line).unwrap_or(0) > 0 {
                    saw_request = true;
                    if line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    line.clear();
                }
                if !saw_request {
                    break;
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let (status, body) = if served == 0 {
                    ("503 Service Unavailable", "{}")
                } else {
                    ("200 OK", r#"{"version":151,"online":true}"#)
                };
                served += 1;
                let reply = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                if (&sock).write_all(reply.as_bytes()).is_err() || served >= requests {
                    break;
                }
            }
        }
        served
    });
    (url, handle)
}

#[test]
fn the_blocking_client_retries_like_the_async_one() {
    let (url, server) = flaky_server(2);
    let client = Client::builder()
        .client_id("CID")
        .consumer_key("KEY")
        .base_url(&url)
        .retry(RetryPolicy {
            base_delay: Duration::from_millis(1),
            ..RetryPolicy::default()
        })
        .build_blocking()
        .unwrap();
    let status = client.api_status().check().send_blocking().unwrap();
    assert_eq!(status.body.version, Some(151));
    assert_eq!(server.join().unwrap(), 2, "one 503, then the retried call");

    // Without retries the same 503 reaches the caller.
    let (url, server) = flaky_server(1);
    let once = Client::builder()
        .client_id("CID")
        .consumer_key("KEY")
        .base_url(&url)
        .retry(RetryPolicy::never())
        .build_blocking()
        .unwrap();
    let err = once.api_status().check().send_blocking().unwrap_err();
    assert!(err.is_status(503), "{err:?}");
    assert_eq!(server.join().unwrap(), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn calling_it_inside_async_code_answers_instead_of_panicking() {
    let (url, server) = flaky_server(2);
    let client = Client::builder()
        .client_id("CID")
        .consumer_key("KEY")
        .base_url(&url)
        .retry(RetryPolicy::never())
        .build_blocking()
        .unwrap();
    let err: ClientError = client
        .api_status()
        .check()
        .send_blocking()
        .unwrap_err()
        .into();
    assert_eq!((err.kind, err.status), (ClientErrorKind::Api, Some(503)));
    let ok = client.api_status().check().send_blocking().unwrap();
    assert_eq!(ok.body.online, Some(true));
    server.join().unwrap();
}
