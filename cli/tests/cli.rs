//! The `snaptrade` binary, run as a process: against `snaptrade sandbox`
//! (started as a child process on a free loopback port), and `sign` against
//! the reference SDK's signature vectors.

mod common;

use common::{cli_for, ok, run, snaptrade, stored_secret, text, Sandbox, TempDir};
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
const CLIENT_ID: &str = "CLI_TEST_CLIENT";
const CONSUMER_KEY: &str = "cli-test-consumer-key";

/// The command configured for the sandbox and a credentials file.
fn cli(sandbox: &Sandbox, credentials: &Path) -> Command {
    cli_for(&sandbox.base_url, credentials, CLIENT_ID, CONSUMER_KEY)
}

fn start_sandbox() -> Sandbox {
    Sandbox::start(CLIENT_ID, CONSUMER_KEY, &[])
}

fn stdout(o: &Output) -> String {
    text(&o.stdout)
}

fn stderr(o: &Output) -> String {
    text(&o.stderr)
}

#[track_caller]
fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", stdout(o)))
}

#[test]
fn user_lifecycle_against_the_sandbox() {
    let sandbox = start_sandbox();
    let dir = TempDir::new("lifecycle");
    // A directory that does not exist yet: the CLI creates it.
    let creds = dir.0.join("config").join("credentials.json");
    let c = || cli(&sandbox, &creds);

    let o = ok(run(&mut c(), &["status"]));
    assert!(stdout(&o).contains("online:    yes"), "{}", stdout(&o));
    let status = json(&ok(run(&mut c(), &["status", "--json"])));
    assert_eq!(status["online"], true);

    // register: the secret is stored, owner-only, and not printed.
    let o = ok(run(&mut c(), &["users", "register", "alice"]));
    let secret = stored_secret(&creds, "alice").expect("secret stored");
    assert!(!secret.is_empty());
    assert!(!stdout(&o).contains(&secret) && !stderr(&o).contains(&secret));
    assert!(
        stdout(&o).contains("registered user alice"),
        "{}",
        stdout(&o)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&creds).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "credentials file mode {mode:o}");
    }
    let file = std::fs::read_to_string(&creds).unwrap();
    assert!(
        !file.contains(CONSUMER_KEY),
        "consumer key written to the file"
    );
    assert!(file.contains(&sandbox.base_url) && file.contains(CLIENT_ID));

    // Registering the same id again is an API error (exit 1).
    let o = run(&mut c(), &["users", "register", "alice"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).starts_with("error: HTTP 400"), "{}", stderr(&o));
    assert_eq!(stored_secret(&creds, "alice").as_deref(), Some(&*secret));

    // login finds the secret in the file.
    let o = ok(run(&mut c(), &["users", "login", "alice"]));
    assert!(stdout(&o).contains("http"), "{}", stdout(&o));
    assert!(!stdout(&o).contains(&secret));
    let login = json(&ok(run(
        &mut c(),
        &[
            "users",
            "login",
            "alice",
            "--json",
            "--broker",
            "ALPACA",
            "--connection-type",
            "trade-if-available",
            "--custom-redirect",
            "https://example.com/done",
            "--dark-mode",
            "--immediate-redirect",
            "--locale",
            "pt-BR",
            "--portal-version",
            "v4",
        ],
    )));
    assert!(login["redirectURI"].is_string(), "{login}");
    assert!(login["sessionId"].is_string(), "{login}");
    // An explicit wrong secret is refused by the server.
    let o = run(&mut c(), &["users", "login", "alice", "--secret", "wrong"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        !stderr(&o).contains("wrong"),
        "secret echoed: {}",
        stderr(&o)
    );

    // list shows the user, in both output modes.
    let o = ok(run(&mut c(), &["users", "list"]));
    assert!(stdout(&o).lines().any(|l| l == "alice"), "{}", stdout(&o));
    let list = json(&ok(run(&mut c(), &["users", "list", "--json"])));
    assert!(list.as_array().unwrap().contains(&Value::from("alice")));

    // reset-secret rotates and stores the new secret without printing it.
    let o = ok(run(&mut c(), &["users", "reset-secret", "alice"]));
    let new_secret = stored_secret(&creds, "alice").unwrap();
    assert_ne!(new_secret, secret);
    assert!(!stdout(&o).contains(&new_secret) && !stderr(&o).contains(&new_secret));
    ok(run(&mut c(), &["users", "login", "alice"]));

    // --json leaves the secret out unless --show-secret.
    let bob = json(&ok(run(&mut c(), &["users", "register", "bob", "--json"])));
    assert_eq!(bob["userId"], "bob");
    assert!(bob.get("userSecret").is_none(), "{bob}");
    let o = ok(run(
        &mut c(),
        &["users", "register", "carol", "--show-secret"],
    ));
    let carol = stored_secret(&creds, "carol").unwrap();
    assert!(stdout(&o).contains(&carol));

    // delete removes the user and its stored secret; --wait returns once
    // the sandbox's background deletion is done.
    let o = ok(run(&mut c(), &["users", "delete", "alice", "--wait"]));
    assert!(stdout(&o).contains("alice"), "{}", stdout(&o));
    assert_eq!(stored_secret(&creds, "alice"), None);
    assert!(stored_secret(&creds, "bob").is_some());
    let o = ok(run(&mut c(), &["users", "list"]));
    assert!(!stdout(&o).lines().any(|l| l == "alice"), "{}", stdout(&o));
    let deleted = json(&ok(run(
        &mut c(),
        &["users", "delete", "bob", "--json", "--wait"],
    )));
    assert_eq!(deleted["status"], "deleted", "{deleted}");
    let list = json(&ok(run(&mut c(), &["users", "list", "--json"])));
    assert_eq!(list, serde_json::json!(["carol"]));

    // Without a stored secret, login says where it looked (exit 4).
    let o = run(&mut c(), &["users", "login", "alice"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&creds.display().to_string()),
        "{}",
        stderr(&o)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&creds).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "credentials file mode after rewrites {mode:o}");
    }
}

#[test]
fn delete_wait_returns_once_the_user_is_gone_and_exits_8_on_timeout() {
    let sandbox = Sandbox::start(CLIENT_ID, CONSUMER_KEY, &["--delete-delay", "2"]);
    let dir = TempDir::new("cli-wait");
    let creds = dir.0.join("credentials.json");
    let c = || cli(&sandbox, &creds);
    ok(run(&mut c(), &["users", "register", "dave"]));
    // Without --wait the answer comes at once and the user lingers.
    ok(run(&mut c(), &["users", "register", "erin"]));
    ok(run(&mut c(), &["users", "delete", "erin"]));
    let list = json(&ok(run(&mut c(), &["users", "list", "--json"])));
    assert_eq!(list, serde_json::json!(["dave", "erin"]));

    let started = std::time::Instant::now();
    let o = ok(run(
        &mut c(),
        &["users", "delete", "dave", "--wait", "--timeout", "30"],
    ));
    assert!(started.elapsed() >= std::time::Duration::from_millis(1500));
    assert!(
        stdout(&o).contains("user dave: gone after"),
        "{}",
        stdout(&o)
    );
    let list = json(&ok(run(&mut c(), &["users", "list", "--json"])));
    assert!(!list.as_array().unwrap().contains(&"dave".into()), "{list}");

    let slow = Sandbox::start(CLIENT_ID, CONSUMER_KEY, &["--delete-delay", "60"]);
    let c = || cli(&slow, &creds);
    ok(run(&mut c(), &["users", "register", "frank"]));
    let o = run(
        &mut c(),
        &["users", "delete", "frank", "--wait", "--timeout", "1"],
    );
    assert_eq!(o.status.code(), Some(8), "{}", stderr(&o));
    assert!(stderr(&o).contains("still exists"), "{}", stderr(&o));
    let o = run(
        &mut c(),
        &[
            "users",
            "delete",
            "frank",
            "--wait",
            "--timeout",
            "1",
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(8));
    assert_eq!(json(&o)["error"], "timeout");
}

#[test]
fn concurrent_registers_keep_every_secret() {
    const N: usize = 16;
    let sandbox = start_sandbox();
    let dir = TempDir::new("concurrent");
    let creds = dir.0.join("credentials.json");
    let children: Vec<Child> = (0..N)
        .map(|i| {
            cli(&sandbox, &creds)
                .args(["users", "register", &format!("user-{i}")])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        ok(child.wait_with_output().unwrap());
    }
    for i in 0..N {
        assert!(
            stored_secret(&creds, &format!("user-{i}")).is_some(),
            "user-{i} lost: {}",
            std::fs::read_to_string(&creds).unwrap()
        );
        // The stored secret is the one the server holds.
        ok(run(
            &mut cli(&sandbox, &creds),
            &["users", "login", &format!("user-{i}")],
        ));
    }
    let mut leftovers: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    leftovers.sort();
    // The lock file stays (only its kernel lock matters); no temp files.
    assert_eq!(
        leftovers,
        ["credentials.json", "credentials.json.lock"],
        "temp files left"
    );
}

#[test]
fn wrong_consumer_key_is_reported_with_code_1076() {
    let sandbox = start_sandbox();
    let dir = TempDir::new("wrongkey");
    let creds = dir.0.join("credentials.json");
    let o = run(
        cli(&sandbox, &creds).env("SNAPTRADE_CONSUMER_KEY", "not-the-key"),
        &["users", "list"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("error: HTTP 401 code 1076"), "{err}");
    assert!(err.contains("Unable to verify signature sent"), "{err}");
    assert!(err.contains("(request id "), "{err}");
    assert!(!err.contains("not-the-key"), "{err}");

    let o = run(
        cli(&sandbox, &creds).args(["--consumer-key", "not-the-key"]),
        &["users", "register", "dave", "--json"],
    );
    assert_eq!(o.status.code(), Some(1));
    let e = json(&o);
    assert_eq!(e["error"], "api");
    assert_eq!(e["status"], 401);
    assert_eq!(e["code"], 1076);
    assert_eq!(e["detail"], "Unable to verify signature sent");
    assert!(e["request_id"].is_string(), "{e}");
    assert!(!creds.exists(), "nothing to store after a failed register");
}

#[test]
fn corrupt_credentials_file_is_reported_and_left_alone() {
    let sandbox = start_sandbox();
    let dir = TempDir::new("corrupt");
    let creds = dir.0.join("credentials.json");
    std::fs::write(&creds, "{\"version\": 1, \"users\": [").unwrap();
    let o = run(&mut cli(&sandbox, &creds), &["users", "register", "erin"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&creds.display().to_string()),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(&creds).unwrap(),
        "{\"version\": 1, \"users\": ["
    );
    // The user was not registered: the file is checked before the call.
    let list = json(&ok(run(
        &mut cli(&sandbox, &creds),
        &["users", "list", "--json"],
    )));
    assert_eq!(list, serde_json::json!([]));
}

#[test]
fn unreachable_server_and_usage_errors_have_their_own_exit_codes() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let o = run(
        snaptrade()
            .env("SNAPTRADE_BASE_URL", format!("http://127.0.0.1:{port}"))
            .args(["--client-id", "C", "--consumer-key", "K"]),
        &["users", "list", "--json"],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(json(&o)["error"], "transport");

    let o = run(&mut snaptrade(), &["users", "list"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("SNAPTRADE_CLIENT_ID"), "{}", stderr(&o));
    let o = run(&mut snaptrade(), &["sign", "--path", "/"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("SNAPTRADE_CONSUMER_KEY"),
        "{}",
        stderr(&o)
    );
    let o = run(&mut snaptrade(), &["users", "frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn help_never_shows_the_consumer_key_from_the_environment() {
    let o = ok(run(
        snaptrade().env("SNAPTRADE_CONSUMER_KEY", "KEY-FROM-ENV-98765"),
        &["users", "login", "--help"],
    ));
    assert!(!stdout(&o).contains("KEY-FROM-ENV-98765"));
    assert!(stdout(&o).contains("--secret"));
}

/// A direct vector made with SnapTrade's reference SDK (snaptrade-python-sdk
/// 13.0.49, `compute_request_signature`), consumer key `YOUR_CONSUMER_KEY`.
struct Vector {
    id: &'static str,
    method: &'static str,
    path: &'static str,
    query: &'static str,
    body: Option<&'static str>,
    signed: &'static str,
    signature: &'static str,
}

const SDK_KEY: &str = "YOUR_CONSUMER_KEY";
/// Every vector's query ends with this (what --timestamp appends).
const AUTH_SUFFIX: &str = "clientId=YOUR_CLIENT_ID&timestamp=1700000000";

const VECTORS: &[Vector] = &[
    Vector {
        id: "A01_get_root_no_body",
        method: "GET",
        path: "/",
        query: "clientId=YOUR_CLIENT_ID&timestamp=1700000000",
        body: None,
        signed: r#"{"content":null,"path":"/","query":"clientId=YOUR_CLIENT_ID&timestamp=1700000000"}"#,
        signature: "VnhOfKBdlfz1+0qHZEd4NfaHc1p0+9F2JMV7uOMngwE=",
    },
    Vector {
        id: "A02_register_user",
        method: "POST",
        path: "/snapTrade/registerUser",
        query: "clientId=YOUR_CLIENT_ID&timestamp=1700000000",
        body: Some(r#"{"userId":"snaptrade-user-123"}"#),
        signed: r#"{"content":{"userId":"snaptrade-user-123"},"path":"/snapTrade/registerUser","query":"clientId=YOUR_CLIENT_ID&timestamp=1700000000"}"#,
        signature: "P3KirfS8xyXD3M3U5VUV9Nf3y6WKwXNtyzxm3rrtMiY=",
    },
    Vector {
        id: "A04_login_no_body",
        method: "POST",
        path: "/snapTrade/login",
        query: "userId=snaptrade-user-123&userSecret=adf2aa34-8219-40f7-a6b3-60156985cc61&clientId=YOUR_CLIENT_ID&timestamp=1700000000",
        body: None,
        signed: r#"{"content":null,"path":"/snapTrade/login","query":"userId=snaptrade-user-123&userSecret=adf2aa34-8219-40f7-a6b3-60156985cc61&clientId=YOUR_CLIENT_ID&timestamp=1700000000"}"#,
        signature: "acFgqmu+hxfEzAGr4ak8WgCEU3t+IvWSsc2agwXZMIw=",
    },
    Vector {
        id: "A05_login_empty_object_body",
        method: "POST",
        path: "/snapTrade/login",
        query: "userId=snaptrade-user-123&userSecret=adf2aa34-8219-40f7-a6b3-60156985cc61&clientId=YOUR_CLIENT_ID&timestamp=1700000000",
        body: Some("{}"),
        signed: r#"{"content":null,"path":"/snapTrade/login","query":"userId=snaptrade-user-123&userSecret=adf2aa34-8219-40f7-a6b3-60156985cc61&clientId=YOUR_CLIENT_ID&timestamp=1700000000"}"#,
        signature: "acFgqmu+hxfEzAGr4ak8WgCEU3t+IvWSsc2agwXZMIw=",
    },
    Vector {
        id: "A06_login_with_body",
        method: "POST",
        path: "/snapTrade/login",
        query: "userId=snaptrade-user-123&userSecret=adf2aa34-8219-40f7-a6b3-60156985cc61&clientId=YOUR_CLIENT_ID&timestamp=1700000000",
        body: Some(
            r#"{"broker":"ALPACA","immediateRedirect":true,"customRedirect":"https://snaptrade.com","connectionType":"trade-if-available","showCloseButton":false,"darkMode":true,"locale":"pt-BR","connectionPortalVersion":"v4"}"#,
        ),
        signed: r#"{"content":{"broker":"ALPACA","connectionPortalVersion":"v4","connectionType":"trade-if-available","customRedirect":"https://snaptrade.com","darkMode":true,"immediateRedirect":true,"locale":"pt-BR","showCloseButton":false},"path":"/snapTrade/login","query":"userId=snaptrade-user-123&userSecret=adf2aa34-8219-40f7-a6b3-60156985cc61&clientId=YOUR_CLIENT_ID&timestamp=1700000000"}"#,
        signature: "eiexZBVWBK0j9c1rsbM1Kl3wkOLyexA/O5dyFg6IcAw=",
    },
    Vector {
        id: "A07_list_users",
        method: "GET",
        path: "/snapTrade/listUsers",
        query: "clientId=YOUR_CLIENT_ID&timestamp=1700000000",
        body: None,
        signed: r#"{"content":null,"path":"/snapTrade/listUsers","query":"clientId=YOUR_CLIENT_ID&timestamp=1700000000"}"#,
        signature: "0yGORIWv2TMz2oQ/1AN0H5/V1y6EUycVK2ETgMH1NQE=",
    },
    Vector {
        id: "A08_delete_user",
        method: "DELETE",
        path: "/snapTrade/deleteUser",
        query: "userId=snaptrade-user-123&clientId=YOUR_CLIENT_ID&timestamp=1700000000",
        body: None,
        signed: r#"{"content":null,"path":"/snapTrade/deleteUser","query":"userId=snaptrade-user-123&clientId=YOUR_CLIENT_ID&timestamp=1700000000"}"#,
        signature: "2C1XnGDjFTlm1QYCkIk9S/2mEriiYoI+26jTeA3zvYE=",
    },
    Vector {
        id: "A09_reset_user_secret",
        method: "POST",
        path: "/snapTrade/resetUserSecret",
        query: "clientId=YOUR_CLIENT_ID&timestamp=1700000000",
        body: Some(
            r#"{"userId":"snaptrade-user-123","userSecret":"adf2aa34-8219-40f7-a6b3-60156985cc61"}"#,
        ),
        signed: r#"{"content":{"userId":"snaptrade-user-123","userSecret":"adf2aa34-8219-40f7-a6b3-60156985cc61"},"path":"/snapTrade/resetUserSecret","query":"clientId=YOUR_CLIENT_ID&timestamp=1700000000"}"#,
        signature: "vaVyQ1fWKwe1+c0UhuDgiwj5RmV0AjYM3YXN2oA44j0=",
    },
];

fn sign_args(v: &Vector) -> Vec<String> {
    let mut args: Vec<String> = [
        "sign", "--method", v.method, "--path", v.path, "--query", v.query,
    ]
    .map(String::from)
    .to_vec();
    if let Some(body) = v.body {
        args.extend(["--body".into(), body.into()]);
    }
    args
}

#[test]
fn sign_reproduces_every_reference_vector() {
    for v in VECTORS {
        // The key from the environment, the plain output: just the Signature.
        let o = ok(snaptrade()
            .env("SNAPTRADE_CONSUMER_KEY", SDK_KEY)
            .args(sign_args(v))
            .output()
            .unwrap());
        assert_eq!(stdout(&o), format!("{}\n", v.signature), "{}", v.id);

        // --verbose also prints the signed string.
        let o = ok(snaptrade()
            .args(["--consumer-key", SDK_KEY])
            .args(sign_args(v))
            .arg("--verbose")
            .output()
            .unwrap());
        let out = stdout(&o);
        assert!(
            out.lines()
                .any(|l| l == format!("signed string: {}", v.signed)),
            "{}: {out}",
            v.id
        );
        assert!(
            out.lines()
                .any(|l| l == format!("Signature:     {}", v.signature)),
            "{}: {out}",
            v.id
        );

        // --json gives the same figures.
        let j = json(&ok(snaptrade()
            .args(["--consumer-key", SDK_KEY, "--json"])
            .args(sign_args(v))
            .output()
            .unwrap()));
        assert_eq!(j["signature"], v.signature, "{}", v.id);
        assert_eq!(j["signed_string"], v.signed, "{}", v.id);
        assert_eq!(j["path"], v.path, "{}", v.id);
        assert_eq!(j["query"], v.query, "{}", v.id);

        // --client-id and --timestamp append the SDK's suffix themselves.
        let own = v
            .query
            .strip_suffix(AUTH_SUFFIX)
            .unwrap()
            .trim_end_matches('&');
        let mut cmd = snaptrade();
        cmd.args([
            "--consumer-key",
            SDK_KEY,
            "--client-id",
            "YOUR_CLIENT_ID",
            "sign",
            "--method",
            v.method,
            "--path",
            v.path,
            "--timestamp",
            "1700000000",
        ]);
        if !own.is_empty() {
            cmd.args(["--query", own]);
        }
        if let Some(body) = v.body {
            cmd.args(["--body", body]);
        }
        let o = ok(cmd.output().unwrap());
        assert_eq!(
            stdout(&o),
            format!("{}\n", v.signature),
            "{} (--timestamp)",
            v.id
        );
    }
}

#[test]
fn sign_reads_the_body_from_a_file_and_the_query_from_the_path() {
    let dir = TempDir::new("signbody");
    let body = dir.0.join("body.json");
    // Key order and whitespace do not matter: the body is canonicalized.
    std::fs::write(
        &body,
        "{ \"userSecret\": \"adf2aa34-8219-40f7-a6b3-60156985cc61\",\n  \"userId\": \"snaptrade-user-123\" }\n",
    )
    .unwrap();
    let o = ok(snaptrade()
        .env("SNAPTRADE_CONSUMER_KEY", SDK_KEY)
        .args([
            "sign",
            "--method",
            "POST",
            "--path",
            "/snapTrade/resetUserSecret?clientId=YOUR_CLIENT_ID&timestamp=1700000000",
            "--body-file",
        ])
        .arg(&body)
        .output()
        .unwrap());
    assert_eq!(stdout(&o), "vaVyQ1fWKwe1+c0UhuDgiwj5RmV0AjYM3YXN2oA44j0=\n");

    let o = snaptrade()
        .env("SNAPTRADE_CONSUMER_KEY", SDK_KEY)
        .args(["sign", "--path", "/snapTrade/login", "--body", "{oops"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not JSON"), "{}", stderr(&o));
}
