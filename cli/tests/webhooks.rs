//! `snaptrade webhooks verify|listen`, run as a process.

use serde_json::{json, Value};
use snaptrade::webhook::{format_event_timestamp, sign_body, UnixTime};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::text;
const KEY: &str = "cli-webhook-test-key";

/// A file under the system temp dir, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn with(name: &str, contents: &[u8]) -> TempFile {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let path = std::env::temp_dir().join(format!(
            "snaptrade-cli-webhook-{name}-{}-{nanos}.json",
            std::process::id()
        ));
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn snaptrade(key: Option<&str>) -> Command {
    let mut cmd = common::snaptrade();
    if let Some(key) = key {
        cmd.env("SNAPTRADE_CONSUMER_KEY", key);
    }
    cmd
}

fn verify(key: &str, signature: &str, body: &Path, extra: &[&str]) -> Output {
    snaptrade(Some(key))
        .args([
            "webhooks",
            "verify",
            "--signature",
            signature,
            "--body-file",
        ])
        .arg(body)
        .args(extra)
        .output()
        .unwrap()
}

/// An event body stamped `age_secs` ago, pretty-printed and unsorted like
/// a real delivery, with its signature under `KEY`.
fn signed_event(age_secs: i64) -> (String, String) {
    let now = UnixTime::now().as_secs();
    let body = format!(
        "{{\n  \"userId\": \"cli-user-é\",\n  \"eventType\": \"USER_DELETED\",\n  \"clientId\": \"C\",\n  \
         \"webhookId\": \"w-1\",\n  \"eventTimestamp\": \"{}\"\n}}",
        format_event_timestamp(UnixTime::from_secs(now - age_secs))
    );
    let signature = sign_body(KEY, &body).unwrap();
    (body, signature)
}

#[track_caller]
fn assert_rejected(o: &Output, reason: &str) {
    assert_eq!(o.status.code(), Some(6), "stderr: {}", text(&o.stderr));
    let stderr = text(&o.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(lines[0].contains(reason), "{stderr}");
    assert!(o.stdout.is_empty(), "{}", text(&o.stdout));
}

#[test]
fn verify_good_tampered_stale_and_tolerance_zero() {
    let (body, signature) = signed_event(5);
    let file = TempFile::with("good", body.as_bytes());
    let o = verify(KEY, &signature, &file.0, &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let line = text(&o.stdout);
    assert!(
        line.starts_with("USER_DELETED userId=cli-user-é clientId=C webhookId=w-1 eventTimestamp="),
        "{line}"
    );

    let o = verify(KEY, &signature, &file.0, &["--json"]);
    assert!(o.status.success());
    let event: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(event["eventType"], "USER_DELETED");
    assert_eq!(event["userId"], "cli-user-é");

    // Tampered body, another key, a changed signature.
    let tampered = TempFile::with("tampered", body.replace("cli-user", "cli-usr").as_bytes());
    assert_rejected(&verify(KEY, &signature, &tampered.0, &[]), "bad signature");
    assert_rejected(
        &verify("other-key", &signature, &file.0, &[]),
        "bad signature",
    );
    let o = verify(KEY, &signature, &tampered.0, &["--json"]);
    assert_eq!(o.status.code(), Some(6));
    let failure: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (&failure["error"], &failure["code"]),
        (&json!("webhook"), &json!("bad_signature"))
    );

    // Stale: rejected by default, accepted with a wider window or none.
    let (old_body, old_signature) = signed_event(600);
    let old = TempFile::with("old", old_body.as_bytes());
    assert_rejected(&verify(KEY, &old_signature, &old.0, &[]), "too old");
    assert_rejected(
        &verify(KEY, &old_signature, &old.0, &["--tolerance", "599"]),
        "too old",
    );
    for ok in [&["--no-age-check"][..], &["--tolerance", "700"]] {
        let o = verify(KEY, &old_signature, &old.0, ok);
        assert!(o.status.success(), "{ok:?}: {}", text(&o.stderr));
    }
    // No age check does not excuse a bad signature.
    assert_rejected(
        &verify(KEY, &signature, &tampered.0, &["--no-age-check"]),
        "bad signature",
    );
    // Issue 22 F7: `--tolerance 0` is the strictest window, not "off": only
    // an event dated exactly `now` passes.
    assert_rejected(
        &verify(KEY, &old_signature, &old.0, &["--tolerance", "0"]),
        "too old",
    );
    const AT: i64 = 1_785_585_600;
    let dated = format!(
        r#"{{"eventType":"USER_DELETED","userId":"u","eventTimestamp":"{}"}}"#,
        format_event_timestamp(UnixTime::from_secs(AT))
    );
    let dated_signature = sign_body(KEY, &dated).unwrap();
    let dated = TempFile::with("dated", dated.as_bytes());
    let exact = AT.to_string();
    let o = verify(
        KEY,
        &dated_signature,
        &dated.0,
        &["--tolerance", "0", "--now", &exact],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    for (now, reason) in [(AT + 1, "too old"), (AT - 1, "from the future")] {
        let now = now.to_string();
        assert_rejected(
            &verify(
                KEY,
                &dated_signature,
                &dated.0,
                &["--tolerance", "0", "--now", &now],
            ),
            reason,
        );
    }
    let o = verify(
        KEY,
        &signature,
        &file.0,
        &["--tolerance", "5", "--no-age-check"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));

    // Not JSON; missing signature; missing key (a usage error, exit 2).
    let junk = TempFile::with("junk", b"{not json");
    assert_rejected(&verify(KEY, &signature, &junk.0, &[]), "not JSON");
    assert_rejected(&verify(KEY, "", &file.0, &[]), "missing Signature");
    let o = snaptrade(None)
        .args([
            "webhooks",
            "verify",
            "--signature",
            &signature,
            "--body-file",
        ])
        .arg(&file.0)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
}

#[test]
fn verify_reads_the_body_from_stdin() {
    let (body, signature) = signed_event(0);
    let mut child = snaptrade(Some(KEY))
        .args([
            "webhooks",
            "verify",
            "--signature",
            &signature,
            "--body-file",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    assert!(text(&o.stdout).starts_with("USER_DELETED userId=cli-user-é"));
}

/// The public vectors, with the age check off (they are dated) and at their
/// own time with `--now`.
#[test]
fn verify_accepts_every_public_vector() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/snaptrade/webhook-vectors.json");
    let path = std::env::var_os("SNAPTRADE_WEBHOOK_VECTORS").map_or(path, PathBuf::from);
    let Ok(file) = std::fs::read_to_string(&path) else {
        eprintln!(
            "\n*** SKIPPED: no webhook vectors at {} ***\n",
            path.display()
        );
        return;
    };
    let file: Value = serde_json::from_str(&file).unwrap();
    for v in file["vectors"].as_array().unwrap() {
        let body = TempFile::with("vector", v["body"].as_str().unwrap().as_bytes());
        let key = v["consumer_key"].as_str().unwrap();
        let signature = v["signature"].as_str().unwrap();
        let o = verify(key, signature, &body.0, &["--no-age-check", "--json"]);
        assert!(o.status.success(), "{}: {}", v["id"], text(&o.stderr));
        let event: Value = serde_json::from_slice(&o.stdout).unwrap();
        let sent: Value = serde_json::from_str(v["body"].as_str().unwrap()).unwrap();
        assert_eq!(event["eventType"], sent["eventType"], "{}", v["id"]);
        if let Some(at) = v["event_unix_time"].as_i64() {
            let now = at.to_string();
            let o = verify(key, signature, &body.0, &["--now", &now]);
            assert!(o.status.success(), "{}: {}", v["id"], text(&o.stderr));
            let stale = (at + 301).to_string();
            assert_rejected(
                &verify(key, signature, &body.0, &["--now", &stale]),
                "too old",
            );
        }
        assert_rejected(
            &verify(&format!("{key}-x"), signature, &body.0, &["--no-age-check"]),
            "bad signature",
        );
    }
}

/// POSTs `body` to `addr` over a raw HTTP/1.1 connection; the status code.
fn post(addr: &str, body: &str, signature: Option<&str>) -> u16 {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let header = signature.map_or(String::new(), |s| format!("Signature: {s}\r\n"));
    write!(
        stream,
        "POST /hooks HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n{header}\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Starts `snaptrade --json webhooks listen` on a free loopback port,
/// stopping after `max_events`; returns the process, its stderr (past the
/// first line) and the address that line announced.
fn listen(max_events: u32) -> (Child, BufReader<ChildStderr>, String) {
    let mut child = snaptrade(Some(KEY))
        .args(["--json", "webhooks", "listen", "--listen", "127.0.0.1:0"])
        .args(["--max-events", &max_events.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    let addr = first
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("{first}"))
        .to_owned();
    (child, stderr, addr)
}

#[test]
fn listen_prints_verified_events_and_rejects_the_rest() {
    let (mut child, mut stderr, addr) = listen(2);

    let (body, signature) = signed_event(0);
    assert_eq!(
        post(&addr, &body.replace("w-1", "w-2"), Some(&signature)),
        401
    );
    assert_eq!(post(&addr, &body, None), 401);
    let (old, old_signature) = signed_event(1000);
    assert_eq!(post(&addr, &old, Some(&old_signature)), 400);
    assert_eq!(post(&addr, &body, Some(&signature)), 200);
    assert_eq!(post(&addr, &body, Some(&signature)), 200);

    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "listen did not exit after 2 events"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success());
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let events: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 2, "{out}");
    assert!(events
        .iter()
        .all(|e| e["userId"] == "cli-user-é" && e["eventType"] == "USER_DELETED"));
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert_eq!(rest.matches("rejected a delivery").count(), 3, "{rest}");
    assert!(
        rest.contains("bad signature")
            && rest.contains("missing Signature")
            && rest.contains("too old")
    );
}

/// Kills the child on drop.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `snaptrade sandbox --webhook-url` delivering to `snaptrade webhooks listen`,
/// driven by `snaptrade users register|delete`: three processes.
#[test]
fn sandbox_webhook_url_delivers_to_listen() {
    const CLIENT_ID: &str = "CLI_WEBHOOK_CLIENT";
    let (listener, _stderr, addr) = listen(2);
    let mut listener = Killed(listener);

    let port_file = TempFile::with("port", b"");
    std::fs::remove_file(&port_file.0).unwrap();
    let _sandbox = Killed(
        snaptrade(None)
            .args([
                "sandbox",
                "--listen",
                "127.0.0.1:0",
                "--quiet",
                "--port-file",
            ])
            .arg(&port_file.0)
            .args(["--client", &format!("{CLIENT_ID}:{KEY}")])
            .args(["--webhook-url", &format!("http://{addr}/hooks")])
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let port = loop {
        if let Some(port) = std::fs::read_to_string(&port_file.0)
            .ok()
            .and_then(|t| t.trim().parse::<u16>().ok())
        {
            break port;
        }
        assert!(Instant::now() < deadline, "sandbox did not start");
        std::thread::sleep(Duration::from_millis(20));
    };

    let credentials = TempFile::with("credentials", b"");
    std::fs::remove_file(&credentials.0).unwrap();
    for args in [
        ["users", "register", "cli-hook-user"],
        ["users", "delete", "cli-hook-user"],
    ] {
        let o = snaptrade(Some(KEY))
            .env("SNAPTRADE_CLIENT_ID", CLIENT_ID)
            .env("SNAPTRADE_BASE_URL", format!("http://127.0.0.1:{port}"))
            .env("SNAPTRADE_CREDENTIALS", &credentials.0)
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
    }

    let deadline = Instant::now() + Duration::from_secs(20);
    while listener.0.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "listen did not get 2 events");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut out = String::new();
    listener
        .0
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let events: Vec<(String, String)> = out
        .lines()
        .map(|l| {
            let e: Value = serde_json::from_str(l).unwrap();
            assert_eq!(e["clientId"], CLIENT_ID);
            (
                e["eventType"].as_str().unwrap().into(),
                e["userId"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("USER_REGISTERED".to_owned(), "cli-hook-user".to_owned()),
            ("USER_DELETED".to_owned(), "cli-hook-user".to_owned())
        ]
    );
}

/// Issue 22 F1: a deeply nested body overflowed the stack while its
/// signature was being checked (`listen` died on 200 KB, `verify
/// --body-file` on 400 KB). Now it is refused as not JSON, with the reason.
#[test]
fn deeply_nested_bodies_are_refused_not_a_crash() {
    let bomb = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    let file = TempFile::with("bomb", bomb.as_bytes());
    let (_, signature) = signed_event(0);
    let o = verify(KEY, &signature, &file.0, &[]);
    assert_rejected(&o, "more than 128 deep");
    assert!(text(&o.stderr).contains("not JSON"), "{}", text(&o.stderr));

    let (mut child, mut stderr, addr) = listen(1);
    let half = &bomb[100_000..300_000];
    assert_eq!(post(&addr, half, Some(&signature)), 400);
    let objects = r#"{"eventType":"#.repeat(20_000);
    assert_eq!(post(&addr, &objects, Some(&signature)), 400);
    // Still serving: a good delivery is accepted, and the listener exits
    // after it as asked.
    let (body, signature) = signed_event(0);
    assert_eq!(post(&addr, &body, Some(&signature)), 200);
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "listen did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success());
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert_eq!(rest.matches("more than 128 deep").count(), 2, "{rest}");
}
