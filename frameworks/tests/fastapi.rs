//! FastAPI: the OpenAPI 3.1 document FastAPI writes for `fastapi_app/app.py`,
//! read from the running server's `/openapi.json` when the test runs,
//! becomes a generated client crate; a driver program
//! (`drivers/fastapi.rs`) calls every operation against the server and
//! asserts the values that come back.
//!
//! The Python side is a venv with the pinned `fastapi_app/requirements.txt`:
//! `$FASTAPI_VENV`, or `.venv-frameworks/` at the workspace root, created
//! (with `python3 -m venv` and pip) when missing and refreshed when the
//! requirements change. Without python3 or PyPI the test is skipped with a
//! message, unless `REQUIRE_FRAMEWORKS=1` (CI) makes that a failure.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use frameworks_proof::harness;

/// The venv's python (made once per test process), or why there is none;
/// skips (`None`) or panics as [`harness::required`] says.
fn python_or_skip(test: &str) -> Option<PathBuf> {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match PYTHON.get_or_init(python) {
        Ok(py) => Some(py.clone()),
        Err(why) if !harness::required() => {
            eprintln!(
                "SKIPPED {test}: no Python venv with FastAPI ({why}); \
                 REQUIRE_FRAMEWORKS=1 makes this a failure"
            );
            None
        }
        Err(why) => panic!("REQUIRE_FRAMEWORKS=1 but no Python venv with FastAPI: {why}"),
    }
}

/// The venv's python, created or updated to the pinned requirements, or why
/// there is none.
fn python() -> Result<PathBuf, String> {
    let venv = std::env::var_os("FASTAPI_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| harness::workspace_root().join(".venv-frameworks"));
    let py = venv.join("bin/python");
    let requirements = harness::workspace_root().join("frameworks/fastapi_app/requirements.txt");
    let wanted = std::fs::read_to_string(&requirements).map_err(|e| format!("{e}"))?;
    // The requirements a venv was last installed with, to skip pip when unchanged.
    let stamp = venv.join("frameworks-requirements.txt");
    if !py.exists() {
        let made = Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&venv)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("python3 -m venv: {e}"))?;
        if !made.status.success() {
            return Err(format!(
                "python3 -m venv {}: {}",
                venv.display(),
                String::from_utf8_lossy(&made.stderr)
            ));
        }
    }
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        let out = harness::run_unchecked(
            Command::new(&py)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "--disable-pip-version-check",
                    "-r",
                ])
                .arg(&requirements),
            Duration::from_secs(600),
        );
        if !out.status.success() {
            return Err(format!(
                "pip install -r {}: {}",
                requirements.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        std::fs::write(&stamp, &wanted).map_err(|e| format!("{e}"))?;
    }
    Ok(py)
}

/// uvicorn serving the app; killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts uvicorn on a free loopback port and waits until it answers;
/// returns the server and the document it serves.
fn start(py: &Path) -> (Server, Vec<u8>) {
    let app_dir = harness::workspace_root().join("frameworks/fastapi_app");
    let mut last = String::new();
    // A port found free can be taken before uvicorn binds it: try a few.
    for _ in 0..3 {
        let port = harness::free_port();
        let child = Command::new(py)
            .args(["-m", "uvicorn", "--app-dir"])
            .arg(&app_dir)
            .args([
                "app:app",
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
            ])
            .args(["--log-level", "warning"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start uvicorn");
        let mut server = Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(body) =
                harness::wait_for(server.addr, "/openapi.json", Duration::from_secs(1))
            {
                return (server, body);
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                last = format!("uvicorn exited: {status}");
                break;
            }
        }
        if last.is_empty() {
            last = "uvicorn did not answer within 60s".to_owned();
        }
    }
    panic!("{last}");
}

#[test]
fn fastapi_document_generates_a_client_that_calls_every_operation() {
    let started = Instant::now();
    let Some(py) = python_or_skip("the FastAPI client test") else {
        return;
    };
    let (server, spec) = start(&py);
    let doc: serde_json::Value = serde_json::from_slice(&spec).expect("FastAPI writes JSON");
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1.")),
        "FastAPI wrote {}",
        doc["openapi"]
    );
    std::fs::create_dir_all(harness::work_dir()).expect("work dir");
    std::fs::write(harness::work_dir().join("fastapi-openapi.json"), &spec).expect("write");

    let client = harness::generate_client(&spec, "fastapi-openapi.json", "fastapi_client");
    let driver = harness::build_driver(
        "fastapi_driver",
        &client,
        include_str!("../drivers/fastapi.rs"),
    );
    let printed = harness::run_driver(&driver, &format!("http://{}", server.addr));
    drop(server);
    harness::assert_every_operation_called(&doc, &printed);
    eprintln!(
        "fastapi: generated, built and called in {:?}",
        started.elapsed()
    );
}

/// The generator's options for the tests that only generate.
fn options() -> oapi_client_gen::Options {
    oapi_client_gen::Options {
        runtime_path: oapi_client_gen::DEFAULT_RUNTIME_PATH.to_owned(),
        spec_name: "fastapi-openapi.json".to_owned(),
        doc_crate: None,
        ..Default::default()
    }
}

/// FastAPI (0.165, pydantic 2) writes the bounds of `int` fields as floats
/// (`Field(ge=1)` is `minimum: 1.0`, `ge=-5, le=1000` is `minimum: -5.0,
/// maximum: 1000.0`). They are i64 bounds like `1`, `-5` and `1000`: the
/// fields stay `i64`, and nothing is dropped or warned about.
#[test]
fn fastapi_float_written_integer_bounds_keep_i64() {
    let Some(py) = python_or_skip("the FastAPI integer bounds test") else {
        return;
    };
    let (server, spec) = start(&py);
    drop(server);
    let doc: serde_json::Value = serde_json::from_slice(&spec).expect("FastAPI writes JSON");
    let props = &doc["components"]["schemas"]["ItemIn"]["properties"];
    assert_eq!(
        props["quantity"]["minimum"],
        serde_json::json!(1.0),
        "{props}"
    );
    assert_eq!(
        props["stock"]["minimum"],
        serde_json::json!(-5.0),
        "{props}"
    );
    let out = oapi_client_gen::generate_all(&spec, &options()).expect("generate");
    for field in ["quantity", "stock"] {
        assert!(
            out.rust.contains(&format!("pub {field}: Option<i64>,")),
            "{field} is not an Option<i64>"
        );
        let about: Vec<&String> = out.warnings.iter().filter(|w| w.contains(field)).collect();
        assert!(about.is_empty(), "{about:?}");
    }
}

/// `response_model=Optional[Item]` is `anyOf: [Item, null]`: the operation
/// returns `Option<Item>` (FastAPI answers `null` for "none").
#[test]
fn fastapi_optional_response_is_an_option() {
    let Some(py) = python_or_skip("the FastAPI optional response test") else {
        return;
    };
    let (server, spec) = start(&py);
    drop(server);
    let out = oapi_client_gen::generate_all(&spec, &options()).expect("generate");
    let op = out
        .surface
        .split("\n#### ")
        .find(|s| s.starts_with("`items().find_item_items_by_name_name_get("))
        .expect("find_item in API.md");
    assert!(op.contains("- returns `Option<Item>` on 200"), "{op}");
}

/// FastAPI's `app.webhooks` become top-level `webhooks` in its document:
/// their payload types are generated and API.md lists them.
#[test]
fn fastapi_webhooks_become_payload_types_and_a_listing() {
    let Some(py) = python_or_skip("the FastAPI webhooks test") else {
        return;
    };
    let (server, spec) = start(&py);
    drop(server);
    let doc: serde_json::Value = serde_json::from_slice(&spec).expect("FastAPI writes JSON");
    assert!(
        doc["webhooks"]["item-created"]["post"].is_object(),
        "{}",
        doc["webhooks"]
    );
    let out = oapi_client_gen::generate_all(&spec, &options()).expect("generate");
    // ItemEvent is used by the webhook only.
    assert!(
        out.rust.contains("pub struct ItemEvent {"),
        "no payload type for the item-created webhook"
    );
    assert!(
        out.surface.contains("item-created"),
        "API.md does not list the item-created webhook:\n{}",
        out.surface
    );
}
