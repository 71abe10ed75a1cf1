//! Nothing the client or the CLI prints, formats or logs shows the consumer
//! key or a user secret, in success runs (against the sandbox) and fault runs
//! (a loopback fault server).
//!
//! Captured: `Debug` of every public type a caller can construct or receive
//! (builder, client, transport, credentials, request builders, an
//! `OperationRequest` as the generated login and reset builders build it,
//! the prepared request, raw and typed responses holding secrets, every error
//! variant and `SendError`), `Display` of every error, everything logged
//! through `log` at trace level (reqwest), everything a real
//! `tracing_subscriber::fmt` subscriber writes at TRACE level with span
//! open/close events (the client's own `operation` spans, retry and
//! rate-limiter events, and hyper's traces), and the `snaptrade` CLI's
//! stdout and stderr across successful and failing commands.

mod common;

use common::{Act, FaultServer};
use snaptrade::auth::PartnerAuth;
use snaptrade::runtime::{
    Body, OperationRequest, QueryValue, RetryPolicy, Transport, TransportConfig,
};
use snaptrade::{Client, SecretString};
use snaptrade_sandbox::SandboxConfig;
use std::fmt::Debug;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

const CLIENT_ID: &str = "SECRETS_TEST_CLIENT";
const KEY: &str = "consumer-key-7f3a9e21-never-print-me";
/// A user secret we choose (the sandbox makes up the others).
const FIXED_SECRET: &str = "user-secret-c41d-never-print-me";
const WRONG_SECRET: &str = "wrong-secret-0b7e-never-print-me";

/// Everything captured, plus the user secrets seen so far.
#[derive(Default)]
struct Capture {
    text: Vec<(String, String)>,
    secrets: Vec<String>,
}

fn capture() -> &'static Mutex<Capture> {
    static C: OnceLock<Mutex<Capture>> = OnceLock::new();
    C.get_or_init(|| {
        Mutex::new(Capture {
            text: Vec::new(),
            secrets: vec![FIXED_SECRET.into(), WRONG_SECRET.into()],
        })
    })
}

fn keep(label: &str, text: String) {
    capture().lock().unwrap().text.push((label.into(), text));
}

fn debug(label: &str, value: &impl Debug) {
    keep(label, format!("{value:?}"));
    keep(label, format!("{value:#?}"));
}

fn error<E: Debug + std::fmt::Display>(label: &str, e: &E) {
    keep(label, e.to_string());
    debug(label, e);
}

fn secret_seen(s: &str) {
    capture().lock().unwrap().secrets.push(s.to_owned());
}

/// `log` records from the dependencies (reqwest), at trace level.
struct LogCapture;

impl log::Log for LogCapture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        keep("log", format!("{} {}", record.target(), record.args()));
    }
    fn flush(&self) {}
}

/// Where the fmt subscriber writes: one buffer for the whole test.
fn trace_buffer() -> &'static Mutex<Vec<u8>> {
    static B: OnceLock<Mutex<Vec<u8>>> = OnceLock::new();
    B.get_or_init(|| Mutex::new(Vec::new()))
}

struct TraceWriter;

impl std::io::Write for TraceWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        trace_buffer().lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Moves what the subscriber wrote so far into the capture, one line each.
fn drain_traces() {
    let text = std::mem::take(&mut *trace_buffer().lock().unwrap());
    for line in String::from_utf8_lossy(&text).lines() {
        keep("tracing", line.to_owned());
    }
}

fn install_loggers() {
    static LOG: LogCapture = LogCapture;
    let _ = log::set_logger(&LOG);
    log::set_max_level(log::LevelFilter::Trace);
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(|| TraceWriter)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
}

fn client(base_url: String) -> Client {
    Client::builder()
        .client_id(CLIENT_ID)
        .consumer_key(KEY)
        .base_url(base_url)
        .timeout(Duration::from_millis(500))
        .retry(RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(5),
            max_elapsed: Duration::from_secs(2),
        })
        .build()
        .unwrap()
}

/// The request the generated login builder builds, plus a secret header
/// parameter and a secret form field (which SnapTrade's spec does not have,
/// but a spec may).
fn login_request(user: &str, secret: &str) -> OperationRequest {
    let mut op = OperationRequest::new(
        "Authentication_loginSnapTradeUser",
        snaptrade::runtime::Method::POST,
        "/snapTrade/login".into(),
    );
    op.query.push(("userId", QueryValue::Plain(user.into())));
    op.query
        .push(("userSecret", QueryValue::Secret(SecretString::from(secret))));
    op.headers.push(("X-User-Secret", secret.to_owned()));
    op.body = Body::Json(serde_json::json!({"userId": user, "userSecret": secret}));
    op.security = &[&[
        snaptrade::security::PARTNER_SIGNATURE,
        snaptrade::security::PARTNER_CLIENT_ID,
        snaptrade::security::PARTNER_TIMESTAMP,
    ]];
    op
}

async fn success_and_api_error_runs() {
    let sandbox = snaptrade_sandbox::start(
        SandboxConfig::with_client(CLIENT_ID, KEY),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let builder = Client::builder()
        .client_id(CLIENT_ID)
        .consumer_key(KEY)
        .base_url(sandbox.base_url())
        .rate_limit(250, Duration::from_secs(60));
    debug("ClientBuilder", &builder);
    let c = builder.build().unwrap();
    debug("Client", &c);
    debug("Transport", c.transport());
    debug("Client::with_retry", &c.with_retry(RetryPolicy::never()));
    debug("PartnerAuth", &PartnerAuth::new(CLIENT_ID, KEY));
    debug("TransportConfig", &TransportConfig::new(sandbox.base_url()));

    let auth = c.authentication();
    debug("Authentication", &auth);
    let registered = auth.register_snap_trade_user("alice").await.unwrap();
    let secret = registered.body.user_secret.clone().unwrap();
    secret_seen(secret.expose());
    debug("register response", &registered);
    debug("register response body", &registered.body);

    let login = auth.login_snap_trade_user("alice", &secret).dark_mode(true);
    debug("login builder", &login);
    debug("login response", &login.await.unwrap());
    let reset = auth.reset_snap_trade_user_secret("alice", &secret);
    debug("reset builder", &reset);
    let reset = reset.await.unwrap();
    let new_secret = reset.body.user_secret.clone().unwrap();
    secret_seen(new_secret.expose());
    debug("reset response", &reset);
    debug(
        "list response",
        &auth.list_snap_trade_users().await.unwrap(),
    );

    let op = login_request("alice", new_secret.expose());
    debug("OperationRequest", &op);
    let prepared = c.transport().prepare(&op).unwrap();
    debug("PreparedRequest", &prepared);
    let raw = c
        .transport()
        .execute(login_request("alice", new_secret.expose()))
        .await
        .unwrap();
    debug("RawResponse (login)", &raw);

    // API errors that involve secrets.
    let e = auth
        .login_snap_trade_user("alice", WRONG_SECRET)
        .await
        .unwrap_err();
    error("login 403", &e);
    let e = auth
        .reset_snap_trade_user_secret("alice", WRONG_SECRET)
        .await
        .unwrap_err();
    error("reset 401", &e);
    if let Some(api) = e.as_api() {
        keep("reset 401 body_text", api.body_text());
    }
    // A wrongly signed request (another key): 401 code 1076.
    let other = Client::builder()
        .client_id(CLIENT_ID)
        .consumer_key("another-key")
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    error(
        "signature 401",
        &other
            .authentication()
            .login_snap_trade_user("alice", &new_secret)
            .await
            .unwrap_err(),
    );
    // A request error: credentials needed, none configured.
    let bare = Client::from_transport(
        Transport::new(TransportConfig::new(sandbox.base_url()), None).unwrap(),
    );
    error(
        "request error",
        &bare
            .authentication()
            .login_snap_trade_user("alice", &new_secret)
            .await
            .unwrap_err(),
    );
    error(
        "config error",
        &Client::builder().client_id(CLIENT_ID).build().unwrap_err(),
    );
    let stats = sandbox.stats();
    debug("SandboxStats", &stats);
    sandbox.shutdown().await.unwrap();
}

async fn fault_runs() {
    let register_body = format!(r#"{{"userId": 5, "userSecret": "{FIXED_SECRET}", "extra": ["#);
    let html = "<html><body>502 Bad Gateway</body></html>".to_owned();
    let server = FaultServer::start(move |n| match n % 8 {
        0 => vec![Act::Sleep(Duration::from_secs(30))],
        1 => vec![
            Act::head(
                200,
                &["Content-Type: application/json", "Content-Length: 500"],
            ),
            Act::text(&format!(r#"{{"userId":"u","userSecret":"{FIXED_SECRET}"#)),
        ],
        2 => Act::response(200, "application/json", &[], &register_body),
        3 => Act::response(502, "text/html", &[], &html),
        4 => Act::response(
            400,
            "application/json",
            &[],
            &format!(r#"{{"detail":"no","userSecret":"{FIXED_SECRET}"}}"#),
        ),
        5 => Act::response(
            200,
            "text/plain",
            &[],
            &format!(r#"{{"userSecret":"{FIXED_SECRET}"}}"#),
        ),
        6 => vec![
            Act::head(
                200,
                &["Content-Type: application/json", "Content-Length: 9000"],
            ),
            Act::text(&format!(r#"{{"userSecret":"{FIXED_SECRET}"#)),
            Act::Reset,
        ],
        _ => Act::response(
            429,
            "application/json",
            &["Retry-After: 0"],
            r#"{"detail":"Request was throttled.","status_code":429,"code":"0000"}"#,
        ),
    })
    .await;
    let c = client(server.base_url()).with_retry(RetryPolicy::never());
    let auth = c.authentication();
    for round in 0..8 {
        let label = format!("fault {round}");
        error(
            &label,
            &auth
                .login_snap_trade_user("alice", FIXED_SECRET)
                .await
                .unwrap_err(),
        );
        error(
            &label,
            &auth
                .reset_snap_trade_user_secret("alice", FIXED_SECRET)
                .await
                .unwrap_err(),
        );
        error(
            &label,
            &auth.register_snap_trade_user("alice").await.unwrap_err(),
        );
        let raw = c
            .transport()
            .execute(login_request("alice", FIXED_SECRET))
            .await;
        debug(&label, &raw);
    }
    // Connection refused: a port nobody listens on.
    let dead = client("http://127.0.0.1:9".into());
    error(
        "connect error",
        &dead
            .authentication()
            .login_snap_trade_user("alice", FIXED_SECRET)
            .await
            .unwrap_err(),
    );
}

/// A retried call and rate-limiter waits, so that the `retrying` and
/// `waited for the rate limiter` events are traced too.
async fn retry_and_limiter_runs() {
    let server = FaultServer::start(|n| {
        if n == 0 {
            Act::response(503, "application/json", &["Retry-After: 0"], "{}")
        } else {
            Act::response(
                200,
                "application/json",
                &["X-Request-ID: req-traced"],
                &format!(r#"{{"userId":"alice","userSecret":"{FIXED_SECRET}"}}"#),
            )
        }
    })
    .await;
    let c = Client::builder()
        .client_id(CLIENT_ID)
        .consumer_key(KEY)
        .base_url(server.base_url())
        .retry(RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(5),
            max_elapsed: Duration::from_secs(2),
        })
        .rate_limit(1, Duration::from_millis(50))
        .build()
        .unwrap();
    for _ in 0..2 {
        let mut op = login_request("alice", FIXED_SECRET);
        op.path_template = "/snapTrade/login";
        op.idempotent = true;
        let raw = c.transport().execute(op).await.unwrap();
        assert_eq!(raw.status, 200);
    }
    assert_eq!(server.hits(), 3);
    assert!(c.transport().stats().rate_limited >= 1);
}

/// The `snaptrade` binary next to this test's (`target/<profile>/`), built
/// if `cargo test` has not built it yet.
fn cli_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    let bin = dir.join(format!("snaptrade{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        let cargo = option_env!("CARGO").unwrap_or("cargo");
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "-p", "snaptrade-cli", "--bin", "snaptrade"]);
        if dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("run cargo build");
        assert!(status.success(), "cargo build -p snaptrade-cli failed");
    }
    bin
}

fn run_cli(base_url: &str, credentials: &std::path::Path, args: &[&str]) {
    let out = Command::new(cli_binary())
        .args(args)
        .env_remove("SNAPTRADE_CLIENT_ID")
        .env_remove("SNAPTRADE_CONSUMER_KEY")
        .env("SNAPTRADE_CLIENT_ID", CLIENT_ID)
        .env("SNAPTRADE_CONSUMER_KEY", KEY)
        .env("SNAPTRADE_BASE_URL", base_url)
        .env("SNAPTRADE_CREDENTIALS", credentials)
        .output()
        .expect("run snaptrade");
    let label = format!("cli {args:?} (exit {:?})", out.status.code());
    keep(&label, String::from_utf8_lossy(&out.stdout).into_owned());
    keep(&label, String::from_utf8_lossy(&out.stderr).into_owned());
}

async fn cli_runs() {
    let sandbox = snaptrade_sandbox::start(
        SandboxConfig::with_client(CLIENT_ID, KEY),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let faults = FaultServer::start(|n| {
        if n % 2 == 0 {
            Act::response(502, "text/html", &[], "<html>502</html>")
        } else {
            Act::response(
                500,
                "application/json",
                &[],
                r#"{"detail":"Encountered an unexpected exception.","status_code":500,"code":1000}"#,
            )
        }
    })
    .await;
    let dir = std::env::temp_dir().join(format!("snaptrade-secrets-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let creds = dir.join("credentials.json");
    let (url, fault_url) = (sandbox.base_url(), faults.base_url());
    let creds2 = creds.clone();
    tokio::task::spawn_blocking(move || {
        let ok = |args: &[&str]| run_cli(&url, &creds2, args);
        ok(&["status"]);
        ok(&["users", "register", "bob"]);
        ok(&["--json", "users", "register", "carol"]);
        ok(&["users", "list"]);
        ok(&["users", "login", "bob"]);
        ok(&["--json", "users", "login", "carol"]);
        ok(&["users", "reset-secret", "bob"]);
        ok(&["users", "login", "bob", "--secret", WRONG_SECRET]);
        ok(&["--json", "users", "login", "bob", "--secret", WRONG_SECRET]);
        ok(&["users", "reset-secret", "carol", "--secret", WRONG_SECRET]);
        ok(&["users", "register", "bob"]);
        ok(&["sign", "--path", "/snapTrade/listUsers", "--verbose"]);
        for args in [
            &["users", "login", "bob"][..],
            &["--json", "users", "reset-secret", "bob"],
            &["users", "list"],
        ] {
            run_cli(&fault_url, &creds2, args);
        }
        run_cli("http://127.0.0.1:9", &creds2, &["users", "login", "bob"]);
    })
    .await
    .unwrap();
    // The secrets the CLI stored (it never printed them) are secrets too.
    let stored = std::fs::read_to_string(&creds).unwrap_or_default();
    let json: serde_json::Value = serde_json::from_str(&stored).unwrap_or_default();
    collect_secret_strings(&json);
    let _ = std::fs::remove_dir_all(&dir);
    sandbox.shutdown().await.unwrap();
}

fn collect_secret_strings(v: &serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                match v {
                    serde_json::Value::String(s) if k.to_lowercase().contains("secret") => {
                        secret_seen(s)
                    }
                    other => collect_secret_strings(other),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(collect_secret_strings),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_anything_printed_formatted_or_logged() {
    install_loggers();
    success_and_api_error_runs().await;
    fault_runs().await;
    retry_and_limiter_runs().await;
    cli_runs().await;
    drain_traces();

    let cap = capture().lock().unwrap();
    let secrets: Vec<&str> = std::iter::once(KEY)
        .chain(cap.secrets.iter().map(String::as_str))
        .collect();
    // The sandbox made up at least four secrets (alice, alice's reset, bob, carol...).
    assert!(secrets.len() >= 6, "{} secrets", secrets.len());
    let labels: std::collections::BTreeSet<&str> =
        cap.text.iter().map(|(l, _)| l.as_str()).collect();
    for must in [
        "log",
        "tracing",
        "PreparedRequest",
        "RawResponse (login)",
        "connect error",
    ] {
        assert!(
            labels.iter().any(|l| l.starts_with(must)),
            "nothing captured for {must}"
        );
    }
    let cli_runs = labels.iter().filter(|l| l.starts_with("cli ")).count();
    assert!(cli_runs >= 14, "{cli_runs} CLI runs captured");
    let mut leaks = Vec::new();
    for (label, text) in &cap.text {
        for s in &secrets {
            if text.contains(s) {
                leaks.push(format!("{label}: {text}"));
            }
        }
    }
    let total: usize = cap.text.iter().map(|(_, t)| t.len()).sum();
    println!(
        "secrets: {} captures ({total} bytes), {} secrets checked, {} leaks",
        cap.text.len(),
        secrets.len(),
        leaks.len()
    );
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
    // The client's spans carry the operation and its outcome (the fmt
    // subscriber prints a span's fields with each of its events).
    let traces: Vec<&str> = cap
        .text
        .iter()
        .filter(|(l, _)| l == "tracing")
        .map(|(_, t)| t.as_str())
        .collect();
    let traced = |parts: &[&str]| traces.iter().any(|t| parts.iter().all(|p| t.contains(p)));
    for parts in [
        &[
            "operation{",
            r#"operation_id="Authentication_registerSnapTradeUser""#,
            r#"method="POST""#,
            r#"path="/snapTrade/registerUser""#,
            "status=200",
            "attempts=1",
            "request_id=",
            "elapsed_ms=",
            ": close",
        ][..],
        &[
            r#"operation_id="Authentication_loginSnapTradeUser""#,
            "status=403",
            "attempts=1",
        ],
        &[
            "operation{",
            r#"path="/snapTrade/login""#,
            "retrying",
            "attempt=1",
            "status=503",
            "wait_ms=",
        ],
        &[
            r#"path="/snapTrade/login""#,
            "status=200",
            "attempts=2",
            r#"request_id="req-traced""#,
        ],
        &["operation{", "waited for the rate limiter", "waited_ms="],
        &["error=\"connection failed\"", "attempts="],
    ] {
        assert!(traced(parts), "no trace line with all of {parts:?}");
    }
    // The redaction must not hide everything: requests are still debuggable.
    assert!(cap
        .text
        .iter()
        .any(|(l, t)| l == "OperationRequest" && t.contains("userSecret") && t.contains("alice")));
}
