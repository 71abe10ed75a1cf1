//! What the CLI's process tests share: temporary folders, `snaptrade
//! sandbox` as a child process, and running the binary with a clean
//! environment. Each test crate uses part of it.
#![allow(dead_code)]

use serde_json::Value;
use std::borrow::BorrowMut;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The `snaptrade` binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_snaptrade");

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "snaptrade-cli-test-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `snaptrade sandbox` running as a child process for one client id and
/// consumer key; killed on drop.
pub struct Sandbox {
    child: Child,
    pub base_url: String,
    _dir: TempDir,
}

impl Sandbox {
    /// Starts it on a free loopback port (read back from `--port-file`),
    /// with `extra` sandbox arguments (`--rate-limit 0`).
    pub fn start(client_id: &str, consumer_key: &str, extra: &[&str]) -> Sandbox {
        let dir = TempDir::new("sandbox");
        let port_file = dir.0.join("port");
        let mut child = Command::new(BIN)
            .args(["sandbox", "--listen", "127.0.0.1:0", "--quiet"])
            .args(extra)
            .arg("--port-file")
            .arg(&port_file)
            .arg("--client")
            .arg(format!("{client_id}:{consumer_key}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start snaptrade sandbox");
        let deadline = Instant::now() + Duration::from_secs(30);
        let port = loop {
            if let Ok(port) = std::fs::read_to_string(&port_file)
                .unwrap_or_default()
                .trim()
                .parse::<u16>()
            {
                break port;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("snaptrade sandbox exited early: {status}");
            }
            assert!(Instant::now() < deadline, "sandbox did not start in 30 s");
            std::thread::sleep(Duration::from_millis(20));
        };
        Sandbox {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The command with no SnapTrade settings from the environment and no stdin.
pub fn snaptrade() -> Command {
    let mut cmd = Command::new(BIN);
    for var in [
        "SNAPTRADE_CLIENT_ID",
        "SNAPTRADE_CONSUMER_KEY",
        "SNAPTRADE_BASE_URL",
        "SNAPTRADE_CREDENTIALS",
    ] {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null());
    cmd
}

/// The command configured for a server, a client and a credentials file.
pub fn cli_for(base_url: &str, credentials: &Path, client_id: &str, key: &str) -> Command {
    let mut cmd = snaptrade();
    cmd.env("SNAPTRADE_CLIENT_ID", client_id)
        .env("SNAPTRADE_CONSUMER_KEY", key)
        .env("SNAPTRADE_BASE_URL", base_url)
        .env("SNAPTRADE_CREDENTIALS", credentials);
    cmd
}

/// Runs the command with `args` and collects its output.
pub fn run(mut cmd: impl BorrowMut<Command>, args: &[&str]) -> Output {
    cmd.borrow_mut().args(args).output().expect("run snaptrade")
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The output of a command that must have succeeded.
#[track_caller]
pub fn ok(o: Output) -> Output {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        text(&o.stdout),
        text(&o.stderr)
    );
    o
}

/// The secret stored for `user` in the credentials file, if any.
pub fn stored_secret(path: &Path, user: &str) -> Option<String> {
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    file["users"]
        .as_array()?
        .iter()
        .find(|e| e["user_id"] == user)
        .and_then(|e| e["user_secret"].as_str().map(str::to_owned))
}
