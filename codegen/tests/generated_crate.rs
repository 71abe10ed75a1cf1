//! `oapi-client-gen generate SPEC --out DIR` on a document with no SnapTrade
//! in it: the crate it writes depends on the runtime crate only (no hmac, no
//! sha2, no snaptrade in `cargo tree`), builds, and its one-line
//! `Client::new(url, BearerToken::new(..))` calls a loopback server: a GET
//! with path and query parameters and two cookie parameters, a POST with a JSON body and a documented
//! 404, each with the bearer token in `Authorization`.
//!
//! Builds run in their own target directory under the workspace's (the first
//! run compiles reqwest & co. once; later runs only the two small crates) and
//! offline, with the workspace's Cargo.lock so the versions are the tested ones.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn workspace_root() -> PathBuf {
    manifest_dir().parent().expect("workspace root").to_owned()
}

/// `$CARGO_TARGET_DIR/generated-crate-test`, or `target/generated-crate-test`.
fn work_dir() -> PathBuf {
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

/// Writes `text` only when it differs, so a warm run rebuilds nothing.
fn write_if_changed(path: &Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

/// Runs a command to completion, killing it after `limit`.
fn run(cmd: &mut Command, limit: Duration) -> Output {
    let shown = format!("{cmd:?}");
    let mut child = cmd
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
            panic!("{shown} took longer than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = Output {
        status,
        stdout: out.join().expect("stdout thread"),
        stderr: err.join().expect("stderr thread"),
    };
    assert!(
        output.status.success(),
        "{shown} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Cargo in `dir`, sharing the test's target directory, offline.
fn cargo(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(args)
        .arg("--offline")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", work_dir().join("target"))
        .env_remove("RUSTFLAGS");
    cmd
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    target: String,
    authorization: Option<String>,
    content_type: Option<String>,
    cookie: Option<String>,
    body: String,
}

/// Reads one HTTP/1.1 request; `None` at end of stream.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Seen> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let (mut authorization, mut content_type, mut cookie, mut length) = (None, None, None, 0usize);
    for _ in 0..100 {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        let value = value.trim().to_owned();
        match name.to_ascii_lowercase().as_str() {
            "authorization" => authorization = Some(value),
            "content-type" => content_type = Some(value),
            "cookie" => cookie = Some(value),
            "content-length" => length = value.parse().ok()?,
            _ => {}
        }
    }
    let mut body = vec![0; length.min(1 << 20)];
    reader.read_exact(&mut body).ok()?;
    Some(Seen {
        method,
        target,
        authorization,
        content_type,
        cookie,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn answer(seen: &Seen) -> (u16, &'static str, String) {
    match (seen.method.as_str(), seen.target.as_str()) {
        ("GET", "/v1/pets/42?verbose=true") => {
            (200, "OK", r#"{"id":42,"name":"Rex","tag":"dog"}"#.into())
        }
        ("GET", "/v1/pets/0") => (404, "Not Found", r#"{"message":"no such pet"}"#.into()),
        ("POST", "/v1/pets") => {
            let v: serde_json::Value = serde_json::from_str(&seen.body).unwrap_or_default();
            let name = v["name"].as_str().unwrap_or("?");
            (201, "Created", format!(r#"{{"id":7,"name":"{name}"}}"#))
        }
        _ => (400, "Bad Request", r#"{"message":"unexpected"}"#.into()),
    }
}

/// A loopback server answering the three calls; stops when `stop` is set
/// (or after two minutes).
fn serve(listener: TcpListener, seen: Arc<Mutex<Vec<Seen>>>, stop: Arc<AtomicBool>) {
    listener.set_nonblocking(true).expect("nonblocking");
    let deadline = Instant::now() + Duration::from_secs(120);
    while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
        let Ok((stream, _)) = listener.accept() else {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        };
        let seen = seen.clone();
        std::thread::spawn(move || {
            stream.set_nonblocking(false).expect("blocking");
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .expect("timeout");
            let mut writer = stream.try_clone().expect("clone");
            let mut reader = BufReader::new(stream);
            // Keep-alive: several requests per connection, until it closes.
            while let Some(request) = read_request(&mut reader) {
                let (code, reason, body) = answer(&request);
                seen.lock().expect("lock").push(request);
                let head = format!(
                    "HTTP/1.1 {code} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                if writer.write_all(head.as_bytes()).is_err()
                    || writer.write_all(body.as_bytes()).is_err()
                {
                    break;
                }
            }
        });
    }
}

#[test]
fn generated_crate_depends_on_the_runtime_only_and_calls_a_server() {
    let started = Instant::now();
    let work = work_dir();
    let pets = work.join("pets");
    let smoke = work.join("smoke");
    let here = manifest_dir().join("tests/generated_crate");
    let runtime = workspace_root().join("runtime");

    // 1. Generate the crate with the CLI.
    let out = run(
        Command::new(env!("CARGO_BIN_EXE_oapi-client-gen"))
            .arg("generate")
            .arg(here.join("pets.yaml"))
            .arg("--out")
            .arg(&pets)
            .args(["--spec-name", "pets.yaml"])
            .arg("--runtime-dep")
            .arg(format!("{{ path = {:?} }}", runtime.display().to_string())),
        Duration::from_secs(60),
    );
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("Cargo.toml"), "{report}");
    let manifest = std::fs::read_to_string(pets.join("Cargo.toml")).expect("Cargo.toml");
    assert!(
        manifest.contains("\noapi-client-runtime = { path = "),
        "{manifest}"
    );
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock")).expect("lock");
    write_if_changed(&pets.join("Cargo.lock"), &lock);

    // 2. Its dependency tree: the runtime, and nothing of SnapTrade's.
    let tree = run(
        &mut cargo(&pets, &["tree", "-e", "normal,build", "--prefix", "none"]),
        Duration::from_secs(120),
    );
    let tree = String::from_utf8_lossy(&tree.stdout);
    let names: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(names.contains(&"oapi-client-runtime"), "{tree}");
    for banned in ["hmac", "sha2", "snaptrade", "oapi-client-gen"] {
        assert!(!names.contains(&banned), "{banned} in the tree:\n{tree}");
    }

    // 3. A program using it: one line of setup, three calls.
    write_if_changed(
        &smoke.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"smoke\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\npets = {{ path = {:?} }}\n\
             tokio = {{ version = \"1\", features = [\"rt\", \"time\", \"net\"] }}\n\n[workspace]\n",
            pets.display().to_string()
        ),
    );
    write_if_changed(&smoke.join("Cargo.lock"), &lock);
    write_if_changed(
        &smoke.join("src/main.rs"),
        &std::fs::read_to_string(here.join("smoke.rs")).expect("smoke.rs"),
    );
    run(
        &mut cargo(&smoke, &["build", "--quiet"]),
        Duration::from_secs(900),
    );

    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base_url = format!("http://{}/v1", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let server = {
        let (seen, stop) = (seen.clone(), stop.clone());
        std::thread::spawn(move || serve(listener, seen, stop))
    };
    let bin = work_dir().join("target/debug/smoke");
    let out = run(Command::new(bin).arg(&base_url), Duration::from_secs(60));
    stop.store(true, Ordering::Relaxed);
    server.join().expect("server");

    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "get_pet: 42 Rex Some(\"dog\")\n\
         create_pet: 201 Created 7 Tom\n\
         get_pet(0): 404 Not Found NotFound no such pet\n"
    );
    let seen = seen.lock().expect("lock").clone();
    let targets: Vec<(&str, &str)> = seen
        .iter()
        .map(|s| (s.method.as_str(), s.target.as_str()))
        .collect();
    assert_eq!(
        targets,
        [
            ("GET", "/v1/pets/42?verbose=true"),
            ("POST", "/v1/pets"),
            ("GET", "/v1/pets/0"),
        ]
    );
    for s in &seen {
        assert_eq!(
            s.authorization.as_deref(),
            Some("Bearer tok-smoke"),
            "{s:?}"
        );
    }
    assert_eq!(seen[1].content_type.as_deref(), Some("application/json"));
    // Cookie parameters: one `Cookie` header, values encoded where a cookie
    // cannot hold them; none when no cookie parameter is set.
    assert_eq!(
        seen[0].cookie.as_deref(),
        Some("session=a%20b%3Bc; theme=dark")
    );
    assert_eq!(seen[1].cookie, None);
    assert_eq!(seen[2].cookie, None);
    let body: serde_json::Value = serde_json::from_str(&seen[1].body).expect("json body");
    assert_eq!(body, serde_json::json!({"name": "Tom", "tag": "cat"}));
    eprintln!(
        "generated crate: built and called in {:?}",
        started.elapsed()
    );
}

/// The tagged unions of `tests/fixtures/tagged.yaml` in a crate generated
/// with `--derive PartialEq`: JSON round-trips through them unchanged, an
/// unknown tag decodes as `Unknown` and does not serialize, a listed tag
/// with a body that does not fit is an error (see `generated_crate/tagged.rs`).
#[test]
fn tagged_unions_round_trip_in_a_generated_crate() {
    let work = work_dir();
    let out = work.join("tagged");
    let check = work.join("tagged-check");
    let runtime = workspace_root().join("runtime");
    run(
        Command::new(env!("CARGO_BIN_EXE_oapi-client-gen"))
            .arg("generate")
            .arg(manifest_dir().join("tests/fixtures/tagged.yaml"))
            .arg("--out")
            .arg(&out)
            .args(["--derive", "PartialEq"])
            .arg("--runtime-dep")
            .arg(format!("{{ path = {:?} }}", runtime.display().to_string())),
        Duration::from_secs(60),
    );
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock")).expect("lock");
    write_if_changed(&out.join("Cargo.lock"), &lock);
    write_if_changed(
        &check.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"tagged-check\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\ntagged = {{ path = {:?} }}\nserde_json = \"1\"\n\n[workspace]\n",
            out.display().to_string()
        ),
    );
    write_if_changed(&check.join("Cargo.lock"), &lock);
    write_if_changed(
        &check.join("src/main.rs"),
        &std::fs::read_to_string(manifest_dir().join("tests/generated_crate/tagged.rs"))
            .expect("tagged.rs"),
    );
    run(
        &mut cargo(&check, &["build", "--quiet"]),
        Duration::from_secs(900),
    );
    let output = run(
        &mut Command::new(work.join("target/debug/tagged-check")),
        Duration::from_secs(60),
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "round trip: true\n\
         fill: true\n\
         variant: true\n\
         written: {\"type\":\"rect\",\"width\":3,\"height\":4,\"strokeWidth\":2}\n\
         unknown: Unknown, written: true\n\
         {\"type\":\"rect\",\"width\":3}: error true\n\
         {\"width\":3,\"height\":4}: error true\n\
         closed extra: error true\n\
         closed unknown: Unknown\n\
         external: true\n\
         external written: {\"err\":null}, keyword: Type(3)\n\
         {\"nope\":1}: error true\n\
         {\"ok\":{\"id\":1},\"err\":\"x\"}: error true\n\
         \"ok\": error true\n\
         speed: true, default Slow, other Other(\"warp\")\n"
    );
}

/// Every name of the Rust 2021 prelude (and the primitive types, the crates
/// and the runtime items generated code names) as a tag, an operation, a
/// schema, a property and a parameter: the generated crate still compiles
/// (a group `send` or a schema `Option` would otherwise shadow what the
/// emitted code and the runtime's macros use).
#[test]
fn names_of_the_prelude_do_not_break_generated_code() {
    const NAMES: &[&str] = &[
        // std::prelude::rust_2021
        "Copy",
        "Send",
        "Sized",
        "Sync",
        "Unpin",
        "Drop",
        "Fn",
        "FnMut",
        "FnOnce",
        "drop",
        "Box",
        "ToOwned",
        "Clone",
        "PartialEq",
        "PartialOrd",
        "Eq",
        "Ord",
        "AsRef",
        "AsMut",
        "Into",
        "From",
        "Default",
        "Iterator",
        "Extend",
        "IntoIterator",
        "DoubleEndedIterator",
        "ExactSizeIterator",
        "Option",
        "Some",
        "None",
        "Result",
        "Ok",
        "Err",
        "String",
        "ToString",
        "Vec",
        "TryFrom",
        "TryInto",
        "FromIterator",
        // lower-case spellings of real tags, primitives, crates, emitted names
        "send",
        "option",
        "result",
        "box",
        "string",
        "vec",
        "some",
        "none",
        "ok",
        "err",
        "bool",
        "char",
        "str",
        "u8",
        "u16",
        "u32",
        "u64",
        "u128",
        "usize",
        "i8",
        "i16",
        "i32",
        "i64",
        "i128",
        "isize",
        "f32",
        "f64",
        "std",
        "core",
        "alloc",
        "serde",
        "serde_json",
        "rt",
        "models",
        "security",
        "Value",
        "BTreeMap",
        "Debug",
        "Hash",
        "Display",
        "Serialize",
        "Deserialize",
        "Future",
        "IntoFuture",
        "Pin",
        "fmt",
        "Self",
        "self",
        "super",
        "crate",
        "Client",
        "Error",
        "Response",
        "SecretString",
        "IntegerOrString",
    ];
    let mut paths = serde_json::Map::new();
    let mut schemas = serde_json::Map::new();
    for (i, n) in NAMES.iter().enumerate() {
        let schema = serde_json::json!({"$ref": format!("#/components/schemas/{n}")});
        paths.insert(
            format!("/p{i}/{{{n}}}"),
            serde_json::json!({"get": {
                "operationId": format!("{n}_{n}"),
                "tags": [n],
                "parameters": [
                    {"name": n, "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": format!("{n}q"), "in": "query", "schema": schema},
                    {"name": n, "in": "cookie", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": schema}}},
                    "404": {"description": "no", "content": {"application/json": {"schema": schema}}},
                },
            }}),
        );
        schemas.insert(
            (*n).to_owned(),
            serde_json::json!({"type": "object", "required": [n], "properties": {
                *n: {"type": "string"},
                "v": {"type": ["string", "null"], "enum": [n, "x", null]},
                "u": {"oneOf": [{"type": "integer"}, {"type": "boolean"}]},
            }}),
        );
    }
    let doc = serde_json::json!({
        "openapi": "3.1.0",
        "info": {"title": "prelude", "version": "1"},
        "tags": NAMES.iter().map(|n| serde_json::json!({"name": n})).collect::<Vec<_>>(),
        "paths": paths,
        "components": {"schemas": schemas},
    });
    let work = work_dir();
    let spec = work.join("prelude.json");
    write_if_changed(&spec, &serde_json::to_string_pretty(&doc).expect("json"));
    let out = work.join("prelude");
    let runtime = workspace_root().join("runtime");
    run(
        Command::new(env!("CARGO_BIN_EXE_oapi-client-gen"))
            .arg("generate")
            .arg(&spec)
            .arg("--out")
            .arg(&out)
            .arg("--runtime-dep")
            .arg(format!("{{ path = {:?} }}", runtime.display().to_string())),
        Duration::from_secs(60),
    );
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock")).expect("lock");
    write_if_changed(&out.join("Cargo.lock"), &lock);
    run(
        &mut cargo(&out, &["check", "--quiet"]),
        Duration::from_secs(900),
    );
    // The groups that would shadow the prelude are renamed like models.
    let code = std::fs::read_to_string(out.join("src/generated.rs")).expect("generated.rs");
    assert!(code.contains("pub struct Send2"), "no renamed group");
    assert!(!code.contains("pub struct Send "), "a group shadows Send");
    assert!(
        !code.contains("pub struct Option "),
        "a type shadows Option"
    );
}
