//! Issue 13 §3: the sandbox cannot be starved by slow or hostile clients,
//! and keeps exactly what it acknowledges (state file, `kill -9`).

mod common;

use common::{auth_query, client_for, start};
use snaptrade_sandbox::{SandboxConfig, ServerLimits};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const BIN: &str = env!("CARGO_BIN_EXE_snaptrade-sandbox");

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(common::unique(name));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn limits(header: u64, shutdown: u64) -> ServerLimits {
    ServerLimits {
        header_read_timeout: Duration::from_millis(header),
        body_read_timeout: Duration::from_millis(header),
        max_connections: 512,
        shutdown_timeout: Duration::from_millis(shutdown),
    }
}

/// Opens `n` connections that each send half a request head (every tenth
/// sends nothing at all).
async fn half_heads(addr: std::net::SocketAddr, n: usize) -> Vec<TcpStream> {
    let mut socks = Vec::with_capacity(n);
    for i in 0..n {
        let mut sock = TcpStream::connect(addr).await.unwrap();
        if i % 10 != 0 {
            let half = format!("GET /snapTrade/listUsers?n={i} HTTP/1.1\r\nHost: x\r\nX-Slo");
            sock.write_all(half.as_bytes()).await.unwrap();
        }
        socks.push(sock);
    }
    socks
}

/// Whether the server closed `sock` (EOF or reset, possibly after a 408).
async fn closed_by_server(sock: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, sock.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test]
async fn half_sent_heads_neither_block_others_nor_stay_open() {
    let sandbox = start(common::config().limits(limits(1_000, 1_000))).await;
    let mut socks = half_heads(sandbox.addr(), 150).await;
    // A normal request is served meanwhile.
    let started = Instant::now();
    let users = client_for(&sandbox.base_url())
        .authentication()
        .list_snap_trade_users()
        .await
        .expect("served despite 150 half-sent heads");
    assert!(users.body.is_empty());
    assert!(started.elapsed() < Duration::from_millis(900));
    // And the header read timeout closes every one of them.
    let mut closed = 0;
    for sock in &mut socks {
        closed += usize::from(closed_by_server(sock, Duration::from_secs(5)).await);
    }
    assert_eq!(closed, 150, "half-sent heads still open after the timeout");
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_connection_cap_queues_instead_of_failing() {
    let mut l = limits(500, 1_000);
    l.max_connections = 8;
    let sandbox = start(common::config().limits(l)).await;
    let _socks = half_heads(sandbox.addr(), 8).await;
    // Past the cap, a new connection waits for a slot (the header timeout
    // frees them), then is served.
    let started = Instant::now();
    client_for(&sandbox.base_url())
        .authentication()
        .list_snap_trade_users()
        .await
        .expect("served once a slot frees up");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_slow_body_is_answered_408() {
    let sandbox = start(common::config().limits(limits(500, 1_000))).await;
    let mut sock = TcpStream::connect(sandbox.addr()).await.unwrap();
    let head = format!(
        "POST /snapTrade/registerUser?{} HTTP/1.1\r\nHost: x\r\nSignature: x\r\n\
         Content-Length: 100\r\n\r\n{{\"userId\":",
        auth_query()
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), sock.read_to_end(&mut answer))
        .await
        .expect("answered and closed")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"default_code\":1092"), "{answer}");
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn shutdown_with_half_sent_requests_meets_its_deadline() {
    // Head and body timeouts far beyond the shutdown deadline: only the
    // deadline can end these connections.
    let mut l = limits(60_000, 500);
    l.body_read_timeout = Duration::from_secs(60);
    let sandbox = start(common::config().limits(l)).await;
    let _heads = half_heads(sandbox.addr(), 3).await;
    let mut body = TcpStream::connect(sandbox.addr()).await.unwrap();
    body.write_all(
        format!(
            "POST /snapTrade/registerUser?{} HTTP/1.1\r\nHost: x\r\nSignature: x\r\n\
             Content-Length: 100\r\n\r\n{{",
            auth_query()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(5), sandbox.shutdown())
        .await
        .expect("shutdown() returned")
        .unwrap();
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(1_500),
        "shutdown took {took:?}"
    );
}

/// The sandbox binary as a child process; killed on drop.
struct Proc {
    child: Child,
    port: u16,
}

impl Proc {
    fn start(dir: &Path, extra: &[&str]) -> Proc {
        let port_file = dir.join(format!("port-{}", common::unique("p")));
        let mut child = Command::new(BIN)
            .args(["--listen", "127.0.0.1:0", "--quiet", "--rate-limit", "0"])
            .args(extra)
            .arg("--port-file")
            .arg(&port_file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let port = loop {
            if let Ok(p) = std::fs::read_to_string(&port_file)
                .unwrap_or_default()
                .trim()
                .parse()
            {
                break p;
            }
            assert!(child.try_wait().unwrap().is_none(), "sandbox exited");
            assert!(Instant::now() < deadline);
            std::thread::sleep(Duration::from_millis(20));
        };
        Proc { child, port }
    }

    fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn addr(&self) -> std::net::SocketAddr {
        ([127, 0, 0, 1], self.port).into()
    }

    /// Resident memory, from /proc.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `n` uploads that declare 1 MB and send 256 KiB, then stall.
async fn stalled_uploads(addr: std::net::SocketAddr, n: usize, signature: bool) -> Vec<TcpStream> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            tokio::spawn(async move {
                let mut sock = TcpStream::connect(addr).await.unwrap();
                let sig = if signature {
                    "Signature: forged\r\n"
                } else {
                    ""
                };
                let head = format!(
                    "POST /snapTrade/registerUser?{} HTTP/1.1\r\nHost: x\r\n{sig}\
                     Content-Length: 1000000\r\n\r\n",
                    auth_query()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let chunk = vec![b' '; 256 * 1024];
                let _ =
                    tokio::time::timeout(Duration::from_millis(300), sock.write_all(&chunk)).await;
                sock
            })
        })
        .collect();
    let mut socks = Vec::new();
    for t in tasks {
        socks.push(t.await.unwrap());
    }
    socks
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_uploads_do_not_raise_memory() {
    let dir = temp_dir("sandbox-rss");
    let sandbox = Proc::start(&dir, &[]);
    // Warm up the allocator and the runtime with a few normal requests.
    for _ in 0..5 {
        client_for(&sandbox.base_url())
            .authentication()
            .list_snap_trade_users()
            .await
            .unwrap();
    }
    let before = sandbox.rss_kib();
    let _unsigned = stalled_uploads(sandbox.addr(), 300, false).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let unsigned = sandbox.rss_kib();
    // With a (forged) Signature the head passes; the body budget bounds them.
    let _forged = stalled_uploads(sandbox.addr(), 150, true).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let forged = sandbox.rss_kib();
    eprintln!(
        "RSS: {before} KiB before, {unsigned} KiB after 300 unsigned stalled uploads, \
         {forged} KiB after 150 more with a forged Signature"
    );
    assert!(unsigned < before + 16 * 1024, "{before} -> {unsigned} KiB");
    assert!(forged < before + 64 * 1024, "{before} -> {forged} KiB");
    // Still serving.
    client_for(&sandbox.base_url())
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap();
    drop(sandbox);
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[tokio::test]
async fn sigterm_with_a_half_sent_request_exits_within_the_deadline() {
    let dir = temp_dir("sandbox-term");
    let mut sandbox = Proc::start(&dir, &["--header-timeout", "60", "--shutdown-timeout", "1"]);
    let _heads = half_heads(sandbox.addr(), 2).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &sandbox.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = loop {
        if let Some(status) = sandbox.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "still running after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[tokio::test]
async fn state_files_are_private_and_planted_links_are_not_followed() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = temp_dir("sandbox-plant");
    let path = dir.join("state.json");
    let victim = dir.join("victim");
    std::fs::write(&victim, "precious").unwrap();
    // The temp names the sandbox used to use, all planted.
    let sandbox = start(common::config().state_file(&path)).await;
    for pid in [std::process::id()] {
        for n in 0..8 {
            std::os::unix::fs::symlink(&victim, dir.join(format!(".state.json.tmp-{pid}-{n}")))
                .unwrap();
        }
    }
    let client = client_for(&sandbox.base_url());
    let auth = client.authentication();
    for i in 0..4 {
        auth.register_snap_trade_user(format!("u{i}"))
            .await
            .unwrap();
    }
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    let state = std::fs::read_to_string(&path).unwrap();
    assert!(state.contains("\"u3\""));
    sandbox.shutdown().await.unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_second_sandbox_on_the_same_state_file_is_refused() {
    let dir = temp_dir("sandbox-twice");
    let path = dir.join("state.json");
    let first = start(common::config().state_file(&path)).await;
    let err = snaptrade_sandbox::start(
        SandboxConfig::default().state_file(&path),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    assert!(
        err.to_string().contains("in use by another sandbox"),
        "{err}"
    );
    // The binary says so and exits non-zero.
    let out = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--quiet", "--state"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("in use by another sandbox"), "{stderr}");
    // Once the first one is gone, the file is free again.
    first.shutdown().await.unwrap();
    start(common::config().state_file(&path))
        .await
        .shutdown()
        .await
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 22 F1: the body was canonicalized (to check its signature) by a
/// recursion without a depth limit, so a 16 KB `[[[[…]]]]` with any
/// `Signature` header overflowed a 2 MiB tokio worker stack and aborted the
/// sandbox. Now a body nesting more than 128 deep is answered 400 (malformed
/// JSON) and the sandbox serves the next call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deeply_nested_signed_body_is_refused_and_the_sandbox_keeps_serving() {
    let sandbox = start(common::config()).await;
    let bombs = [
        format!("{}{}", "[".repeat(8_000), "]".repeat(8_000)),
        r#"{"userId":"#.repeat(100_000),
        "[".repeat(129),
    ];
    for bomb in &bombs {
        let target = format!("/snapTrade/registerUser?{}", auth_query());
        let answer = common::raw(
            &sandbox,
            "POST",
            &target,
            &[
                ("Signature", "c2lnbmF0dXJlLWxvb2tpbmc="),
                ("Content-Type", "application/json"),
            ],
            bomb.as_bytes(),
        )
        .await;
        assert_eq!(answer.status, 400, "{:?}", answer.body);
        assert_eq!(answer.body["default_code"], 1080, "{:?}", answer.body);
    }
    // Still serving: a signed call succeeds.
    let client = client_for(&sandbox.base_url());
    let user = client
        .authentication()
        .register_snap_trade_user(common::unique("after-the-bomb"))
        .await
        .expect("the sandbox still answers");
    assert!(user.body.user_secret.is_some());
    sandbox.shutdown().await.unwrap();
}
