//! The `snaptrade-sandbox` binary's contract with scripts (interop/run.sh):
//! `listening on http://IP:PORT` on stdout and the port in `--port-file`.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn prints_the_address_and_writes_the_port_file() {
    let dir = std::env::temp_dir().join(format!("sandbox-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let port_file = dir.join("port");
    let mut child = Command::new(env!("CARGO_BIN_EXE_snaptrade-sandbox"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--client",
            "CLI_CLIENT:CLI_KEY",
            "--rate-limit",
            "7",
        ])
        .arg("--port-file")
        .arg(&port_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");

    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .expect("the listening line")
        .to_owned();
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();

    let deadline = Instant::now() + Duration::from_secs(10);
    let written = loop {
        if let Ok(text) = std::fs::read_to_string(&port_file) {
            if !text.is_empty() {
                break text;
            }
        }
        assert!(Instant::now() < deadline, "no port file");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(written, format!("{port}\n"));
    assert_eq!(url, format!("http://127.0.0.1:{port}"));

    // It answers GET /.
    let mut sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    sock.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"online\":true"), "{answer}");

    // The rest of the banner names the client ids, never the keys.
    let mut banner = String::new();
    for _ in 0..2 {
        stdout.read_line(&mut banner).unwrap();
    }
    assert!(banner.contains("CLI_CLIENT"), "{banner}");
    assert!(banner.contains("rate limit: 7"), "{banner}");
    assert!(!banner.contains("CLI_KEY"), "{banner}");

    // SIGTERM stops it cleanly (exit status 0).
    #[cfg(unix)]
    {
        let killed = Command::new("kill")
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(killed.success());
        assert!(child.wait().unwrap().success());
    }
    #[cfg(not(unix))]
    {
        child.kill().unwrap();
        child.wait().unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn rejects_a_malformed_client() {
    let out = Command::new(env!("CARGO_BIN_EXE_snaptrade-sandbox"))
        .args(["--client", "no-colon"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("CLIENT_ID:CONSUMER_KEY"));
}

/// The banner names the webhook receiver without its token, and a URL that
/// is not http/https stops the binary at start-up, without echoing it.
#[test]
fn webhook_url_is_redacted_in_the_banner_and_checked_at_start() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_snaptrade-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--quiet"])
        .args([
            "--webhook-url",
            "http://hook-user:hook-pass@127.0.0.1:9/in?token=tok-3",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    // The banner is five lines; a missing webhook line fails, not hangs.
    for _ in 0..5 {
        if banner.contains("webhooks:") || stdout.read_line(&mut banner).unwrap_or(0) == 0 {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        banner.contains("webhooks: POST to http://[redacted]@127.0.0.1:9/in?token=[redacted]"),
        "{banner}"
    );
    for secret in ["hook-user", "hook-pass", "tok-3"] {
        assert!(!banner.contains(secret), "{banner}");
    }

    let out = Command::new(env!("CARGO_BIN_EXE_snaptrade-sandbox"))
        .args(["--listen", "127.0.0.1:0"])
        .args(["--webhook-url", "file:///tmp/x?token=tok-4"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stderr.contains("scheme must be http or https"), "{stderr}");
    assert!(
        !stderr.contains("tok-4") && !stdout.contains("tok-4"),
        "{stderr}{stdout}"
    );
    assert!(!stdout.contains("listening"), "{stdout}");
}

/// A SIGTERM sent the moment the port file exists stops the sandbox cleanly
/// (exit 0, within seconds), five times over. The contract scripts rely on:
/// the stop signals are listened to before the banner and the port file say
/// the server is up. Before, the listener was subscribed after the port file
/// was written; on a loaded CI machine a SIGTERM landing in that window was
/// swallowed by tokio's handler and the sandbox never stopped (seen once in
/// `prints_the_address_and_writes_the_port_file`). The window needs the
/// sandbox to be descheduled at that instant, so this test states the
/// contract rather than reproducing the race on demand.
#[cfg(unix)]
#[test]
fn sigterm_right_after_the_port_file_stops_it_cleanly() {
    for round in 0..5 {
        let dir =
            std::env::temp_dir().join(format!("sandbox-cli-early-{}-{round}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let port_file = dir.join("port");
        let mut child = Command::new(env!("CARGO_BIN_EXE_snaptrade-sandbox"))
            .args(["--listen", "127.0.0.1:0"])
            .arg("--port-file")
            .arg(&port_file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !std::fs::read_to_string(&port_file).is_ok_and(|t| !t.is_empty()) {
            assert!(Instant::now() < deadline, "no port file");
            std::thread::sleep(Duration::from_millis(2));
        }
        let killed = Command::new("kill")
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("round {round}: still running 10 s after SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "round {round}: {status:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
