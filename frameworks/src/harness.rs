//! Generate a client crate from a document, build a driver program against
//! it and run the driver against a server.
//!
//! Builds share one target directory (`<target>/generated-crate-test/target`,
//! the one `oapi-client-gen`'s own generated-crate test uses), run offline
//! with the workspace's `Cargo.lock`, so the runtime, reqwest, serde & co.
//! compile once and later runs only compile the generated crate and driver.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The workspace root (this crate's parent folder).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

/// `$CARGO_TARGET_DIR/generated-crate-test`, or `target/generated-crate-test`.
pub fn work_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let target = if target.is_absolute() {
        target
    } else {
        workspace_root().join(target)
    };
    target.join("generated-crate-test")
}

/// Whether a missing server toolchain (python, the venv) fails the test
/// instead of skipping it: `REQUIRE_FRAMEWORKS=1`, which CI sets.
pub fn required() -> bool {
    std::env::var("REQUIRE_FRAMEWORKS").is_ok_and(|v| v == "1")
}

/// Writes `text` only when it differs, so a warm run rebuilds nothing.
pub fn write_if_changed(path: &Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

/// Runs a command to completion, killing it after `limit`; panics with its
/// output when it fails.
pub fn run(cmd: &mut Command, limit: Duration) -> Output {
    let output = run_unchecked(cmd, limit);
    assert!(
        output.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Runs a command to completion, killing it after `limit`.
pub fn run_unchecked(cmd: &mut Command, limit: Duration) -> Output {
    let shown = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{shown}: {e}"));
    // Drain the pipes on threads so a chatty build cannot block on a full pipe.
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{shown} took longer than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: out.join().expect("stdout thread"),
        stderr: err.join().expect("stderr thread"),
    }
}

/// Cargo in `dir`, sharing the harness's target directory, offline.
fn cargo(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.args(args)
        .arg("--offline")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", work_dir().join("target"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    cmd
}

/// Writes the client crate `name` generated from `spec` (the document's
/// bytes, as the server wrote them) into the work directory, with the
/// generator's library API, depending on this checkout's runtime. Panics
/// with the generator's message when it refuses the document.
pub fn generate_client(spec: &[u8], spec_name: &str, name: &str) -> PathBuf {
    let dir = work_dir().join(name);
    let opts = oapi_client_gen::Options {
        runtime_path: oapi_client_gen::DEFAULT_RUNTIME_PATH.to_owned(),
        spec_name: spec_name.to_owned(),
        doc_crate: None,
        // The drivers compare decoded values and typed errors with `==`.
        derives: vec!["PartialEq".to_owned()],
    };
    let out = oapi_client_gen::generate_all(spec, &opts)
        .unwrap_or_else(|e| panic!("the generator refused {spec_name}: {e}"));
    let runtime = workspace_root().join("runtime");
    let krate = oapi_client_gen::CrateOptions {
        name: name.to_owned(),
        runtime_dep: format!("{{ path = {:?} }}", runtime.display().to_string()),
    };
    let files = oapi_client_gen::crate_files(&out.rust, &opts, &krate)
        .unwrap_or_else(|e| panic!("crate files for {spec_name}: {e}"));
    for (path, text) in files {
        write_if_changed(&dir.join(path), &text);
    }
    write_if_changed(&dir.join("API.md"), &out.surface);
    write_if_changed(&dir.join("Cargo.lock"), &workspace_lock());
    dir
}

fn workspace_lock() -> String {
    std::fs::read_to_string(workspace_root().join("Cargo.lock")).expect("Cargo.lock")
}

/// Builds the driver crate `name` (its `main.rs` is `driver`) against the
/// client crate in `client_dir`, and returns the path of its binary.
pub fn build_driver(name: &str, client_dir: &Path, driver: &str) -> PathBuf {
    let dir = work_dir().join(name);
    let client = client_dir
        .file_name()
        .expect("client crate name")
        .to_string_lossy()
        .into_owned();
    write_if_changed(
        &dir.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\n{client} = {{ path = {:?} }}\n\
             serde_json = \"1\"\n\
             tokio = {{ version = \"1\", features = [\"rt\", \"time\", \"net\", \"macros\"] }}\n\n[workspace]\n",
            client_dir.display().to_string()
        ),
    );
    write_if_changed(&dir.join("Cargo.lock"), &workspace_lock());
    write_if_changed(&dir.join("src/main.rs"), driver);
    run(
        &mut cargo(&dir, &["build", "--quiet"]),
        Duration::from_secs(1200),
    );
    work_dir().join("target/debug").join(name)
}

/// Runs the driver with the server's base URL as its argument, and returns
/// what it printed. Panics (with its output) when it fails.
pub fn run_driver(bin: &Path, base_url: &str) -> String {
    let out = run(
        Command::new(bin).arg(base_url).env("RUST_BACKTRACE", "0"),
        Duration::from_secs(120),
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Every `operationId` in an OpenAPI document, sorted.
pub fn operation_ids(doc: &serde_json::Value) -> Vec<String> {
    let mut ids = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for item in paths.values() {
            if let Some(item) = item.as_object() {
                for op in item.values() {
                    if let Some(id) = op.get("operationId").and_then(|v| v.as_str()) {
                        ids.push(id.to_owned());
                    }
                }
            }
        }
    }
    ids.sort();
    ids
}

/// Asserts that the driver printed `called <operationId>` for every
/// operation of the document, and `done`.
pub fn assert_every_operation_called(doc: &serde_json::Value, printed: &str) {
    let ids = operation_ids(doc);
    assert!(!ids.is_empty(), "no operations in the document");
    let called: std::collections::BTreeSet<&str> = printed
        .lines()
        .filter_map(|l| l.strip_prefix("called "))
        .collect();
    let missing: Vec<&String> = ids
        .iter()
        .filter(|id| !called.contains(id.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "the driver did not call {missing:?}:\n{printed}"
    );
    assert!(printed.lines().any(|l| l == "done"), "{printed}");
}

/// One plain HTTP/1.0 GET on loopback: `(status, body)`, or `None` while the
/// server is not answering.
pub fn http_get(addr: SocketAddr, path: &str) -> Option<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, raw[split + 4..].to_vec()))
}

/// Polls `path` until it answers 200 (or `limit` passes), and returns the body.
pub fn wait_for(addr: SocketAddr, path: &str, limit: Duration) -> Option<Vec<u8>> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some((200, body)) = http_get(addr, path) {
            return Some(body);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

/// A free loopback port (bound, then released for the server to take).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}
