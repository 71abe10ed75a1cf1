//! Issue 13 §1: a one-time secret (from `users register` or
//! `users reset-secret`) is never dropped, whatever happens to the process
//! or to the credentials file. Each test runs the `snaptrade` binary as a
//! process against `snaptrade sandbox` (or a scripted server) on loopback.

mod common;

use common::{cli_for, ok, run, stored_secret, text, Sandbox, TempDir};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
const CLIENT_ID: &str = "SECRETS_TEST_CLIENT";
const CONSUMER_KEY: &str = "secrets-test-consumer-key";

fn cli(base_url: &str, credentials: &Path) -> Command {
    cli_for(base_url, credentials, CLIENT_ID, CONSUMER_KEY)
}

fn start_sandbox() -> Sandbox {
    Sandbox::start(CLIENT_ID, CONSUMER_KEY, &["--rate-limit", "0"])
}

fn listed_users(sandbox: &Sandbox, creds: &Path) -> Value {
    let o = ok(run(
        cli(&sandbox.base_url, creds),
        &["users", "list", "--json"],
    ));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A process killed while holding the credentials lock (here: waiting for
/// a server that never answers) leaves nothing that makes the next command
/// wait: the kernel released its lock.
#[test]
fn a_lock_left_by_a_killed_process_does_not_block() {
    let sandbox = start_sandbox();
    let dir = TempDir::new("killed-holder");
    let creds = dir.0.join("credentials.json");
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    // In-process (no worker): the process killed is the one holding the lock.
    let mut holder = cli(&silent_url, &creds)
        .env("SNAPTRADE_CLI_SECRET_WORKER", "1")
        .args(["users", "register", "never"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Once it has connected, it holds the lock (taken before the call).
    let (_conn, _) = silent.accept().unwrap();
    assert!(dir.0.join(".credentials.json.pending").exists());
    holder.kill().unwrap();
    holder.wait().unwrap();

    let started = Instant::now();
    ok(run(
        cli(&sandbox.base_url, &creds),
        &["users", "register", "bob"],
    ));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "waited {:?} for a dead process's lock",
        started.elapsed()
    );
    assert!(stored_secret(&creds, "bob").is_some());
    assert_eq!(names(&dir.0), ["credentials.json", "credentials.json.lock"]);
    ok(run(
        cli(&sandbox.base_url, &creds),
        &["users", "login", "bob"],
    ));
}

/// A credentials path that cannot be created stops `register` before the
/// API call: no user is created whose secret would be lost.
#[test]
fn an_uncreatable_credentials_path_registers_nobody() {
    let sandbox = start_sandbox();
    let dir = TempDir::new("uncreatable");
    let not_a_dir = dir.0.join("plain-file");
    std::fs::write(&not_a_dir, "x").unwrap();
    let creds = not_a_dir.join("credentials.json");
    for command in [
        &["users", "register", "bob"][..],
        &["users", "register", "bob", "--json"],
    ] {
        let o = run(cli(&sandbox.base_url, &creds), command);
        assert_eq!(o.status.code(), Some(4), "{}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains(&creds.display().to_string()),
            "{}",
            text(&o.stderr)
        );
    }
    assert_eq!(
        listed_users(&sandbox, &dir.0.join("ok.json")),
        serde_json::json!([])
    );
}

/// A server that answers one `registerUser` with a fixed secret, after
/// replacing the credentials file by a non-empty directory, so that the
/// save after the answer fails.
fn sabotaging_server(creds: PathBuf) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        while !text(&request).contains("{\"userId\"") {
            let n = conn.read(&mut buf).unwrap();
            assert!(n > 0, "client hung up");
            request.extend_from_slice(&buf[..n]);
        }
        let _ = std::fs::remove_file(&creds);
        std::fs::create_dir_all(creds.join("in-the-way")).unwrap();
        let body = r#"{"userId":"bob","userSecret":"ONE-TIME-SECRET-42"}"#;
        write!(
            conn,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
             connection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
    });
    (url, handle)
}

/// When storing fails after the API answered, the secret is printed anyway
/// (stdout; `user_secret` in the JSON error), with a loud line on stderr.
#[test]
fn a_secret_that_cannot_be_stored_is_printed() {
    for json_mode in [false, true] {
        let dir = TempDir::new("unstorable");
        let creds = dir.0.join("credentials.json");
        std::fs::write(&creds, "{\"version\": 1, \"users\": []}").unwrap();
        let (url, server) = sabotaging_server(creds.clone());
        let mut args = vec!["users", "register", "bob"];
        if json_mode {
            args.push("--json");
        }
        let o = run(cli(&url, &creds), &args);
        server.join().unwrap();
        assert_eq!(o.status.code(), Some(4), "{}", text(&o.stderr));
        let err = text(&o.stderr);
        assert!(err.contains("could NOT be stored"), "{err}");
        assert!(err.contains(&creds.display().to_string()), "{err}");
        assert!(err.contains("THE USER SECRET WAS NOT SAVED"), "{err}");
        assert!(
            !err.contains("ONE-TIME-SECRET-42"),
            "secret on stderr: {err}"
        );
        if json_mode {
            let e: Value = serde_json::from_slice(&o.stdout).unwrap();
            assert_eq!(e["error"], "credentials");
            assert_eq!(e["user_secret"], "ONE-TIME-SECRET-42", "{e}");
        } else {
            assert_eq!(text(&o.stdout), "user secret: ONE-TIME-SECRET-42\n");
        }
    }
}

/// A symlinked credentials file is written through: the link stays, the
/// target holds the secret with mode 600.
#[cfg(unix)]
#[test]
fn a_symlinked_credentials_file_is_written_through() {
    use std::os::unix::fs::PermissionsExt as _;
    let sandbox = start_sandbox();
    let dir = TempDir::new("symlink");
    std::fs::create_dir_all(dir.0.join("real")).unwrap();
    let target = dir.0.join("real").join("creds.json");
    std::fs::write(&target, "{\"version\": 1, \"users\": []}").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    let link = dir.0.join("credentials.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    ok(run(
        cli(&sandbox.base_url, &link),
        &["users", "register", "carol"],
    ));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(stored_secret(&target, "carol").is_some());
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    ok(run(
        cli(&sandbox.base_url, &link),
        &["users", "login", "carol"],
    ));
}

/// A small xorshift generator seeded from the clock: random kill points
/// without a dependency. The seed is printed so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = std::env::var("KILL_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("KILL_SEED={seed}");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// `kill -9` of `users reset-secret` at random points: afterwards the
/// stored secret always works. Returns (kills, losses). Without the worker
/// process of `users::run_detached`, about 4 % of kills landed between the
/// server's rotation and the write, and lost the user.
fn kill_reset_secret(kills: u32) -> (u32, u32) {
    let sandbox = start_sandbox();
    let dir = TempDir::new("kill-reset");
    let creds = dir.0.join("credentials.json");
    ok(run(
        cli(&sandbox.base_url, &creds),
        &["users", "register", "alice"],
    ));
    // How long one reset takes here: kill points are spread over it.
    let started = Instant::now();
    ok(run(
        cli(&sandbox.base_url, &creds),
        &["users", "reset-secret", "alice"],
    ));
    let span = (started.elapsed().as_micros() as u64 * 3 / 2).max(1_000);
    let mut rng = Rng::new();
    let mut losses = 0;
    for i in 0..kills {
        let mut child = cli(&sandbox.base_url, &creds)
            .args(["users", "reset-secret", "alice"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.below(span)));
        let _ = child.kill();
        child.wait().unwrap();
        // The command's worker (its own process group, not killed) may
        // still be finishing: a few tries before counting a loss.
        let mut o = run(cli(&sandbox.base_url, &creds), &["users", "login", "alice"]);
        for _ in 0..20 {
            if o.status.success() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
            o = run(cli(&sandbox.base_url, &creds), &["users", "login", "alice"]);
        }
        if !o.status.success() {
            losses += 1;
            eprintln!(
                "kill {i}: the stored secret no longer works: {}",
                text(&o.stderr)
            );
            // Start over with a fresh user so the remaining kills count.
            ok(run(
                cli(&sandbox.base_url, &creds),
                &["users", "delete", "alice"],
            ));
            ok(run(
                cli(&sandbox.base_url, &creds),
                &["users", "register", "alice"],
            ));
        }
    }
    eprintln!("kill -9 of reset-secret: {kills} kills over {span} us, {losses} losses");
    (kills, losses)
}

#[test]
fn kill_9_of_reset_secret_never_loses_the_user() {
    let (_, losses) = kill_reset_secret(12);
    assert_eq!(losses, 0);
}

/// The long version: `cargo test -p snaptrade-cli --test secrets -- --ignored`.
#[test]
#[ignore = "soak: a few hundred kills"]
fn soak_kill_9_of_reset_secret() {
    let (_, losses) = kill_reset_secret(300);
    assert_eq!(losses, 0);
}
