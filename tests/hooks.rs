//! The production hooks over real loopback HTTP: a caller's own
//! `reqwest::Client` (through a loopback proxy, and with a DNS override), and
//! interceptors (a trace-id header, per-operation metrics, one that tries to
//! tamper with signed inputs) against the sandbox, which verifies every
//! signature.

mod common;

use common::{Act, FaultServer};
use snaptrade::runtime::reqwest;
use snaptrade::runtime::{
    HeaderRefused, Incoming, Interceptor, OperationRequest, Outgoing, RetryPolicy,
};
use snaptrade::Client;
use snaptrade_sandbox::SandboxConfig;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CLIENT_ID: &str = "HOOKS_TEST_CLIENT";
const KEY: &str = "hooks-test-consumer-key";

async fn sandbox() -> snaptrade_sandbox::RunningSandbox {
    snaptrade_sandbox::start(
        SandboxConfig::with_client(CLIENT_ID, KEY),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

/// A loopback TCP relay to `upstream` that counts connections and keeps
/// every byte the client sent. Used as an HTTP proxy (reqwest sends
/// absolute-form targets, which the sandbox's server accepts) or as the
/// server itself.
struct Tap {
    addr: SocketAddr,
    connections: Arc<AtomicU64>,
    sent: Arc<Mutex<Vec<u8>>>,
}

impl Tap {
    async fn start(upstream: SocketAddr) -> Tap {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicU64::new(0));
        let sent = Arc::new(Mutex::new(Vec::new()));
        let (count, log) = (connections.clone(), sent.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let log = log.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let (mut cr, mut cw) = client.into_split();
                    let (mut sr, mut sw) = server.into_split();
                    let up = async move {
                        let mut buf = vec![0u8; 16 * 1024];
                        while let Ok(n) = cr.read(&mut buf).await {
                            if n == 0 || sw.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                            log.lock().unwrap().extend_from_slice(&buf[..n]);
                        }
                        let _ = sw.shutdown().await;
                    };
                    let down = async move {
                        let _ = tokio::io::copy(&mut sr, &mut cw).await;
                        let _ = cw.shutdown().await;
                    };
                    tokio::join!(up, down);
                });
            }
        });
        Tap {
            addr,
            connections,
            sent,
        }
    }

    fn connections(&self) -> u64 {
        self.connections.load(Ordering::SeqCst)
    }

    /// What the client sent, lower-cased (header names are case-insensitive).
    fn sent(&self) -> String {
        String::from_utf8_lossy(&self.sent.lock().unwrap()).to_ascii_lowercase()
    }
}

fn rustls_provider() {
    // reqwest is built without a bundled provider: the one the runtime uses.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Register, log in, list, delete: three signed calls with a user secret in
/// the query, each checked by the sandbox.
async fn signed_calls(client: &Client, user: &str) {
    let auth = client.authentication();
    let registered = auth.register_snap_trade_user(user).await.unwrap();
    let secret = registered.body.user_secret.clone().unwrap();
    auth.login_snap_trade_user(user, &secret).await.unwrap();
    let users = auth.list_snap_trade_users().await.unwrap();
    assert!(users.body.iter().any(|u| u == user), "{:?}", users.body);
    auth.delete_snap_trade_user(user).await.unwrap();
}

#[tokio::test]
async fn own_http_client_through_a_loopback_proxy_is_used_and_calls_stay_signed() {
    rustls_provider();
    let sandbox = sandbox().await;
    let proxy = Tap::start(sandbox.addr()).await;
    let http = reqwest::Client::builder()
        .proxy(reqwest::Proxy::http(format!("http://{}", proxy.addr)).unwrap());
    // A host that does not resolve: only a proxy-using client reaches it.
    let client = Client::builder()
        .client_id(CLIENT_ID)
        .consumer_key(KEY)
        .base_url("http://snaptrade-via-proxy.invalid")
        .user_agent("hooks-test/1")
        .http_client(http)
        .build()
        .unwrap();
    signed_calls(&client, "proxied-user").await;
    assert!(proxy.connections() >= 1);
    let sent = proxy.sent();
    // Absolute-form targets: the proxy form of a request, from our client.
    assert_eq!(
        sent.matches("post http://snaptrade-via-proxy.invalid/snaptrade/registeruser?")
            .count(),
        1,
        "{sent}"
    );
    assert_eq!(
        sent.matches("get http://snaptrade-via-proxy.invalid/snaptrade/listusers?")
            .count(),
        1
    );
    // The builder's User-Agent is set on each request of the caller's client.
    assert_eq!(sent.matches("user-agent: hooks-test/1\r\n").count(), 4);
    assert_eq!(sent.matches("\r\nsignature: ").count(), 4);
    assert_eq!(client.transport().stats().attempts, 4);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn own_http_client_with_a_dns_override_and_a_timeout_per_attempt() {
    rustls_provider();
    let sandbox = sandbox().await;
    let tap = Tap::start(sandbox.addr()).await;
    let http = reqwest::Client::builder().resolve("snaptrade.internal.test", tap.addr);
    let client = Client::builder()
        .client_id(CLIENT_ID)
        .consumer_key(KEY)
        .base_url(format!(
            "http://snaptrade.internal.test:{}",
            tap.addr.port()
        ))
        .http_client(http)
        .build()
        .unwrap();
    signed_calls(&client, "resolved-user").await;
    assert!(tap.connections() >= 1);
    assert_eq!(
        tap.sent()
            .matches("\r\nhost: snaptrade.internal.test:")
            .count(),
        4
    );

    // The builder's timeout still bounds each attempt with a caller's client
    // that has none: a server that never answers fails in time.
    let silent = FaultServer::start(|_| vec![Act::Sleep(Duration::from_secs(30))]).await;
    let http = reqwest::Client::builder().resolve("silent.internal.test", silent.addr);
    let client = Client::builder()
        .client_id(CLIENT_ID)
        .consumer_key(KEY)
        .base_url(format!(
            "http://silent.internal.test:{}",
            silent.addr.port()
        ))
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::never())
        .http_client(http)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let e = client.api_status().check().await.unwrap_err();
    match e {
        snaptrade::Error::Transport(t) => {
            assert_eq!(t.kind, snaptrade::runtime::TransportErrorKind::Timeout)
        }
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    sandbox.shutdown().await.unwrap();
}

/// Adds `x-trace-id: <operation>-<attempt>` and records the order of hooks.
struct TraceId {
    order: Arc<Mutex<Vec<String>>>,
}

impl Interceptor for TraceId {
    fn before_send(&self, request: &mut Outgoing<'_>) {
        let id = format!("{}-{}", request.operation_id(), request.attempt());
        request.add_header("x-trace-id", &id).unwrap();
        self.order.lock().unwrap().push("trace-id before".into());
    }
    fn after_response(&self, _: &Incoming<'_>) {
        self.order.lock().unwrap().push("trace-id after".into());
    }
}

/// Tries to change what was signed and what the transport owns; keeps the
/// refusals.
struct Tamper {
    refused: Arc<Mutex<Vec<HeaderRefused>>>,
    order: Arc<Mutex<Vec<String>>>,
}

impl Interceptor for Tamper {
    fn before_send(&self, request: &mut Outgoing<'_>) {
        let mut refused = self.refused.lock().unwrap();
        for (name, value) in [
            ("Signature", "forged"),
            ("x-trace-id", "replaced"),
            ("accept", "text/html"),
            ("host", "evil.example"),
            ("content-length", "0"),
            ("user-agent", "not-me"),
            ("bad header", "x"),
        ] {
            if let Err(e) = request.add_header(name, value) {
                refused.push(e);
            }
        }
        if request.method() == "POST" {
            if let Err(e) = request.add_header("content-type", "text/plain") {
                refused.push(e);
            }
        }
        self.order.lock().unwrap().push("tamper before".into());
    }
    fn after_response(&self, _: &Incoming<'_>) {
        self.order.lock().unwrap().push("tamper after".into());
    }
}

/// Counts attempts per operation and status (or failure kind).
#[derive(Default)]
struct Metrics {
    counts: Mutex<BTreeMap<(String, String), u32>>,
}

impl Interceptor for Metrics {
    fn after_response(&self, response: &Incoming<'_>) {
        let outcome = match (response.status(), response.error()) {
            (Some(status), _) => status.as_u16().to_string(),
            (None, Some(kind)) => kind.to_string(),
            (None, None) => "none".into(),
        };
        *self
            .counts
            .lock()
            .unwrap()
            .entry((response.operation_id().to_owned(), outcome))
            .or_default() += 1;
    }
}

#[tokio::test]
async fn interceptors_add_a_header_count_per_operation_and_cannot_break_signing() {
    let sandbox = sandbox().await;
    let tap = Tap::start(sandbox.addr()).await;
    let order = Arc::new(Mutex::new(Vec::new()));
    let refused = Arc::new(Mutex::new(Vec::new()));
    let metrics = Arc::new(Metrics::default());
    let client = Client::builder()
        .client_id(CLIENT_ID)
        .consumer_key(KEY)
        .base_url(format!("http://{}", tap.addr))
        .interceptor(TraceId {
            order: order.clone(),
        })
        .interceptor(Tamper {
            refused: refused.clone(),
            order: order.clone(),
        })
        .interceptor(metrics.clone())
        .build()
        .unwrap();
    // Every call below is verified by the sandbox (a bad signature is a 401).
    signed_calls(&client, "intercepted").await;
    let wrong = client
        .authentication()
        .login_snap_trade_user("nobody", "wrong-secret")
        .await
        .unwrap_err();
    let wrong_status = wrong.as_api().map(|a| a.status.as_u16());

    let sent = tap.sent();
    for id in [
        "authentication_registersnaptradeuser-1",
        "authentication_loginsnaptradeuser-1",
        "authentication_listsnaptradeusers-1",
        "authentication_deletesnaptradeuser-1",
    ] {
        assert!(
            sent.contains(&format!("\r\nx-trace-id: {id}\r\n")),
            "{id}: {sent}"
        );
    }
    assert!(!sent.contains("forged") && !sent.contains("replaced") && !sent.contains("evil"));
    assert!(!sent.contains("not-me") && !sent.contains("text/html"));
    assert_eq!(sent.matches("\r\nsignature: ").count(), 5);

    let refused = refused.lock().unwrap().clone();
    let calls = 5;
    // Register and both logins are POSTs with a JSON body (Content-Type set).
    let posts = 3;
    assert_eq!(refused.len(), calls * 7 + posts, "{refused:?}");
    assert_eq!(
        refused[..7],
        [
            HeaderRefused::AlreadySet("signature".into()),
            HeaderRefused::AlreadySet("x-trace-id".into()),
            HeaderRefused::AlreadySet("accept".into()),
            HeaderRefused::Reserved("host".into()),
            HeaderRefused::Reserved("content-length".into()),
            HeaderRefused::Reserved("user-agent".into()),
            refused[6].clone(),
        ]
    );
    assert!(matches!(refused[6], HeaderRefused::Invalid(_)));
    assert_eq!(refused[7], HeaderRefused::AlreadySet("content-type".into()));

    // Registration order, for both hooks.
    let order = order.lock().unwrap().clone();
    assert_eq!(order.len(), calls * 4);
    assert_eq!(
        order[..4],
        [
            "trace-id before",
            "tamper before",
            "trace-id after",
            "tamper after"
        ]
    );

    let counts = metrics.counts.lock().unwrap().clone();
    let key = |op: &str, s: &str| (op.to_owned(), s.to_owned());
    let login_fail = wrong_status.map_or("none".to_owned(), |s| s.to_string());
    let mut expected = BTreeMap::from([
        (key("Authentication_registerSnapTradeUser", "200"), 1),
        (key("Authentication_loginSnapTradeUser", "200"), 1),
        (key("Authentication_listSnapTradeUsers", "200"), 1),
        (key("Authentication_deleteSnapTradeUser", "200"), 1),
    ]);
    *expected
        .entry(key("Authentication_loginSnapTradeUser", &login_fail))
        .or_default() += 1;
    assert_eq!(counts, expected);
    assert!(wrong_status.is_some_and(|s| s >= 400), "{wrong:?}");
    sandbox.shutdown().await.unwrap();
}

/// What one attempt looked like to the interceptors.
#[derive(Debug, PartialEq)]
struct Seen {
    attempt: u32,
    path_template: &'static str,
    status: Option<u16>,
    request_id: Option<String>,
}

struct Recorder(Arc<Mutex<Vec<Seen>>>);

impl Interceptor for Recorder {
    fn after_response(&self, r: &Incoming<'_>) {
        self.0.lock().unwrap().push(Seen {
            attempt: r.attempt(),
            path_template: r.path_template(),
            status: r.status().map(|s| s.as_u16()),
            request_id: r.request_id().map(str::to_owned),
        });
    }
}

#[tokio::test]
async fn interceptors_run_on_every_attempt_of_a_retried_call() {
    let server = FaultServer::start(|n| {
        if n == 0 {
            Act::response(503, "application/json", &["Retry-After: 0"], "{}")
        } else {
            Act::response(
                200,
                "application/json",
                &["X-Request-ID: req-ok"],
                r#"{"version":1,"timestamp":"2024-01-01T00:00:00Z","online":true}"#,
            )
        }
    })
    .await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let client = Client::builder()
        .client_id(CLIENT_ID)
        .consumer_key(KEY)
        .base_url(server.base_url())
        .retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_elapsed: Duration::from_secs(5),
        })
        .interceptor(TraceId {
            order: Arc::new(Mutex::new(Vec::new())),
        })
        .interceptor(Recorder(seen.clone()))
        .build()
        .unwrap();
    client.api_status().check().await.unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [
            Seen {
                attempt: 1,
                path_template: "/",
                status: Some(503),
                request_id: None
            },
            Seen {
                attempt: 2,
                path_template: "/",
                status: Some(200),
                request_id: Some("req-ok".into())
            },
        ]
    );
    let ids: Vec<Option<String>> = server
        .requests()
        .iter()
        .map(|r| r.header("x-trace-id").map(str::to_owned))
        .collect();
    assert_eq!(
        ids,
        [
            Some("ApiStatus_check-1".to_owned()),
            Some("ApiStatus_check-2".to_owned())
        ]
    );

    // A hand-built request has no template; a transport failure has no status.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let dead = Client::builder()
        .client_id(CLIENT_ID)
        .consumer_key(KEY)
        .base_url("http://127.0.0.1:9")
        .retry(RetryPolicy::never())
        .interceptor(Recorder(seen.clone()))
        .build()
        .unwrap();
    let op = OperationRequest::new("custom", snaptrade::runtime::Method::GET, "/x".into());
    assert!(dead.transport().execute(op).await.is_err());
    assert_eq!(
        *seen.lock().unwrap(),
        [Seen {
            attempt: 1,
            path_template: "",
            status: None,
            request_id: None
        }]
    );
}

/// A loopback server that counts the connections it accepts and answers each
/// request `200` with a body the API would accept: what a client that
/// followed a redirect would get.
struct Elsewhere {
    addr: SocketAddr,
    connections: Arc<AtomicU64>,
}

impl Elsewhere {
    async fn start() -> Elsewhere {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicU64::new(0));
        let count = connections.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 16 * 1024];
                    let _ = socket.read(&mut buf).await;
                    let body = r#"{"redirectURI":"https://elsewhere/x","sessionId":"s"}"#;
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(answer.as_bytes()).await;
                });
            }
        });
        Elsewhere { addr, connections }
    }
}

/// An axum server that answers every request with `status` and a `Location`
/// on `target`, and counts the requests it got.
async fn redirector(status: u16, target: SocketAddr) -> (SocketAddr, Arc<AtomicU64>) {
    let hits = Arc::new(AtomicU64::new(0));
    let count = hits.clone();
    let location = format!("http://{target}/snapTrade/login?userSecret=from-the-redirect");
    let app = axum::Router::new().fallback(move || {
        let location = location.clone();
        let count = count.clone();
        async move {
            count.fetch_add(1, Ordering::SeqCst);
            (
                axum::http::StatusCode::from_u16(status).unwrap(),
                [(axum::http::header::LOCATION, location)],
            )
        }
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, hits)
}

/// A caller's `reqwest::ClientBuilder`, even one that asked for redirects to
/// be followed, never resends a signed request to the URL a redirect names:
/// the other port gets no connection, and the call fails with the redirect.
#[tokio::test]
async fn own_http_client_never_follows_a_redirect_with_a_signed_request() {
    let elsewhere = Elsewhere::start().await;
    for status in [301u16, 302, 303, 307, 308] {
        let (addr, hits) = redirector(status, elsewhere.addr).await;
        let builders = [
            reqwest::Client::builder(),
            reqwest::Client::builder().redirect(reqwest::redirect::Policy::limited(10)),
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::custom(|attempt| {
                    attempt.follow()
                }))
                .referer(true),
        ];
        for (n, builder) in builders.into_iter().enumerate() {
            let client = Client::builder()
                .client_id(CLIENT_ID)
                .consumer_key(KEY)
                .base_url(format!("http://{addr}"))
                .retry(RetryPolicy::never())
                .http_client(builder)
                .build()
                .unwrap();
            let e = client
                .authentication()
                .login_snap_trade_user("user-1", "the-user-secret")
                .await
                .unwrap_err();
            let snaptrade::Error::Transport(t) = e else {
                panic!("{status} #{n}: {e:?}");
            };
            assert_eq!(
                t.kind,
                snaptrade::runtime::TransportErrorKind::Redirect,
                "{status} #{n}"
            );
            assert_eq!(
                t.location.as_deref(),
                Some(
                    format!(
                        "http://{}/snapTrade/login?userSecret=[redacted]",
                        elsewhere.addr
                    )
                    .as_str()
                ),
                "{status} #{n}"
            );
            assert!(!t.to_string().contains("the-user-secret"), "{t}");
        }
        assert_eq!(hits.load(Ordering::SeqCst), 3, "{status}");
    }
    // Give a stray follow-up request time to arrive before counting.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(elsewhere.connections.load(Ordering::SeqCst), 0);
}
