//! The CLI on a real terminal (a pseudo-terminal driven by python3's `pty`
//! module): `users register` with `stty tostop` set (issue 22 F6), and a
//! Ctrl-C typed while the call is in flight (issue 22 F7).
//!
//! Without python3 on the PATH the tests print a loud SKIPPED line and pass.

mod common;

use common::{stored_secret, Sandbox, TempDir, BIN};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const CLIENT_ID: &str = "PTY_CLIENT";
const KEY: &str = "pty-consumer-key";

/// Runs `argv` as the session leader of a new pseudo-terminal whose modes
/// get `tostop` (when asked), collects everything written to it, and types
/// Ctrl-C (`\x03`, which the terminal turns into SIGINT for its foreground
/// process group) once the file `interrupt_when` exists. Prints one JSON
/// line: `exit` (the status, or null), `signal`, `timeout` (the process had
/// not ended; it and its children were then killed), `output`.
const DRIVER: &str = r#"
import json, os, pty, select, signal, sys, termios, time
tostop, interrupt_when, timeout = sys.argv[1] == "1", sys.argv[2], float(sys.argv[3])
argv = sys.argv[4:]
pid, fd = pty.fork()
if pid == 0:
    attrs = termios.tcgetattr(0)
    if tostop:
        attrs[3] |= termios.TOSTOP
    termios.tcsetattr(0, termios.TCSANOW, attrs)
    os.execv(argv[0], argv)
out, status, interrupted = b"", None, False
deadline = time.time() + timeout
def read():
    global out
    while True:
        r, _, _ = select.select([fd], [], [], 0.05)
        if not r:
            return
        try:
            data = os.read(fd, 65536)
        except OSError:
            return
        if not data:
            return
        out += data
while time.time() < deadline:
    read()
    if interrupt_when and not interrupted and os.path.exists(interrupt_when):
        os.write(fd, b"\x03")
        interrupted = True
    wpid, st = os.waitpid(pid, os.WNOHANG)
    if wpid:
        status = st
        break
read()
def children(parent):
    found = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                fields = open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                found.append(int(p))
    return found
if status is None:
    for child in children(pid):
        os.kill(child, signal.SIGKILL)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
print(json.dumps({
    "exit": os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else None,
    "signal": os.WTERMSIG(status) if status is not None and os.WIFSIGNALED(status) else None,
    "timeout": status is None,
    "interrupted": interrupted,
    "output": out.decode("utf-8", "replace"),
}))
"#;

fn python_available() -> bool {
    let found = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!(
            "\n!!!!!!!! SKIPPED: python3 not found on PATH (needed to drive a pty) !!!!!!!!\n"
        );
    }
    found
}

/// Runs `snaptrade <args>` on a pseudo-terminal (see [`DRIVER`]).
fn on_terminal(
    base_url: &str,
    creds: &Path,
    tostop: bool,
    interrupt_when: Option<&Path>,
    args: &[&str],
) -> Value {
    let out = Command::new("python3")
        .args(["-c", DRIVER, if tostop { "1" } else { "0" }])
        .arg(interrupt_when.map_or_else(String::new, |p| p.display().to_string()))
        .arg("20")
        .arg(BIN)
        .args(args)
        .env("SNAPTRADE_CLIENT_ID", CLIENT_ID)
        .env("SNAPTRADE_CONSUMER_KEY", KEY)
        .env("SNAPTRADE_BASE_URL", base_url)
        .env("SNAPTRADE_CREDENTIALS", creds)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "driver failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// F6: with `stty tostop`, a background process group that writes to the
/// terminal is stopped (SIGTTOU). The secret worker runs in its own group:
/// `users register` must still finish, print, and store the secret.
#[test]
fn register_finishes_on_a_terminal_with_tostop() {
    if !python_available() {
        return;
    }
    let sandbox = Sandbox::start(CLIENT_ID, KEY, &["--rate-limit", "0"]);
    let dir = TempDir::new("pty-tostop");
    let creds = dir.0.join("credentials.json");
    for (tostop, user) in [(false, "plain-tty-user"), (true, "tostop-user")] {
        let result = on_terminal(
            &sandbox.base_url,
            &creds,
            tostop,
            None,
            &["users", "register", user],
        );
        assert_eq!(result["timeout"], false, "hung (tostop {tostop}): {result}");
        assert_eq!(result["exit"], 0, "{result}");
        let output = result["output"].as_str().unwrap();
        assert!(
            output.contains(&format!("registered user {user}")),
            "{output}"
        );
        assert!(output.contains("secret stored in"), "{output}");
        assert!(stored_secret(&creds, user).is_some(), "{user} not stored");
    }
}

/// A loopback relay to `upstream` that passes the request on at once, writes
/// `marker` as soon as a request has arrived, and holds the answer back for
/// `delay`: the moment to type Ctrl-C is while the answer is held.
fn slow_relay(upstream: SocketAddr, marker: std::path::PathBuf, delay: Duration) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { return };
            let Ok(mut server) = TcpStream::connect(upstream) else {
                return;
            };
            let (mut client_in, mut server_out) =
                (client.try_clone().unwrap(), server.try_clone().unwrap());
            let marker = marker.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 16384];
                while let Ok(n) = client_in.read(&mut buf) {
                    if n == 0 || server_out.write_all(&buf[..n]).is_err() {
                        break;
                    }
                    let _ = std::fs::write(&marker, b"request in flight");
                }
                let _ = server_out.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let mut answer = Vec::new();
                let mut buf = [0u8; 16384];
                while let Ok(n) = server.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if answer.is_empty() {
                        std::thread::sleep(delay);
                    }
                    answer.extend_from_slice(&buf[..n]);
                    if client.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = client.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    addr
}

/// F7: Ctrl-C typed while `users register` waits for its answer. The user is
/// registered and its secret stored all the same; the command says so, names
/// where the secret is (never the secret), and exits 7, which a retrying
/// script tells apart from 0 and from 130. A command that then fails keeps
/// its own exit status.
#[test]
fn ctrl_c_during_register_reports_the_stored_secret_and_exits_7() {
    if !python_available() {
        return;
    }
    let sandbox = Sandbox::start(CLIENT_ID, KEY, &["--rate-limit", "0"]);
    let dir = TempDir::new("pty-ctrl-c");
    let creds = dir.0.join("credentials.json");
    let upstream: SocketAddr = sandbox
        .base_url
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    for (user, expected) in [("interrupted-user", 7), ("interrupted-user", 1)] {
        let marker = dir.0.join(format!("in-flight-{expected}"));
        let relay = slow_relay(upstream, marker.clone(), Duration::from_millis(1500));
        let result = on_terminal(
            &format!("http://{relay}"),
            &creds,
            false,
            Some(&marker),
            &["users", "register", user],
        );
        assert_eq!(result["interrupted"], true, "{result}");
        assert_eq!(result["timeout"], false, "{result}");
        assert_eq!(result["exit"], expected, "{result}");
        let output = result["output"].as_str().unwrap();
        assert!(
            output.contains("interrupted: waiting for the call in flight"),
            "{output}"
        );
        let secret = stored_secret(&creds, user).expect("the secret is stored");
        assert!(
            !output.contains(&secret),
            "the secret was printed: {output}"
        );
        if expected == 7 {
            assert!(
                output.contains(&format!("registered user {user}")),
                "{output}"
            );
            assert!(
                output.contains(&format!(
                    "interrupted, but the command completed: the user's secret is stored in {}",
                    creds.display()
                )),
                "{output}"
            );
        } else {
            // The second registration of the same user is refused: its own
            // failure and status, and the stored secret is untouched.
            assert!(
                output.contains("interrupted, and the command failed (exit 1"),
                "{output}"
            );
        }
    }
}
