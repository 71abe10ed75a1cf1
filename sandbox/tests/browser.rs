//! The Connection Portal in a real browser: headless Chromium driven over
//! chromedriver's WebDriver HTTP API (a few JSON calls, no client crate).
//!
//! A test page served here on loopback embeds the portal in an iframe and
//! records every `postMessage` it gets in `window.__messages`. Each test
//! starts its own chromedriver and browser (one at a time), with a fresh
//! profile directory.
//!
//! Without Chromium and chromedriver the tests print why and pass, unless
//! `REQUIRE_BROWSER` is set (CI sets it): then they fail. `CHROME_BIN` and
//! `CHROMEDRIVER` override the executables looked up on `PATH`
//! (`chromium`, `chromium-browser`, `google-chrome`; `chromedriver`).

mod common;

use common::{authorizations, login_link, next_event, portal_login, signed_raw, start, unique};
use serde_json::{json, Value};
use snaptrade_sandbox::{RunningSandbox, WebhookConfig};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The W3C WebDriver key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One browser at a time: the machine may be small.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn find_on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

fn executables() -> Option<(PathBuf, PathBuf)> {
    let chrome = std::env::var_os("CHROME_BIN")
        .map(PathBuf::from)
        .or_else(|| find_on_path(&["chromium", "chromium-browser", "google-chrome"]))?;
    let driver = std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .or_else(|| find_on_path(&["chromedriver"]))?;
    Some((chrome, driver))
}

/// A chromedriver process and one browser session on it.
struct Browser {
    http: reqwest::Client,
    driver: Child,
    base: String,
    session: String,
    profile: PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver leads its own process group, which the browser it
        // started (and that browser's helpers) belong to: ending the group
        // ends them all, even when a test failed half-way.
        let pid = self.driver.id();
        if leads_its_group(pid) {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Whether `pid` is alive and leads its own process group (so killing the
/// group ends it and what it started, and nothing else).
fn leads_its_group(pid: u32) -> bool {
    // /proc/PID/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces.
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return false;
    };
    rest.split_whitespace().nth(2) == Some(pid.to_string().as_str())
}

/// The browser, or `None` (after saying why) when there is none and
/// `REQUIRE_BROWSER` is unset.
async fn browser() -> Option<Browser> {
    let Some((chrome, driver)) = executables() else {
        let why = "Chromium or chromedriver not found (apt-get install chromium chromium-driver)";
        if std::env::var_os("REQUIRE_BROWSER").is_some() {
            panic!("REQUIRE_BROWSER is set: {why}");
        }
        eprintln!("skipped: {why}; set REQUIRE_BROWSER=1 to make this a failure");
        return None;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let mut command = Command::new(&driver);
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let child = command
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let profile = std::env::temp_dir().join(unique("chromium-profile"));
    let mut browser = Browser {
        http: reqwest::Client::new(),
        driver: child,
        base: format!("http://127.0.0.1:{port}"),
        session: String::new(),
        profile,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = browser.call("GET", "/status", None).await;
        if ready.is_ok_and(|v| v["ready"] == true) {
            break;
        }
        assert!(Instant::now() < deadline, "chromedriver not ready in 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=900,900",
    ]
    .iter()
    .map(|a| a.to_string())
    .chain([format!("--user-data-dir={}", browser.profile.display())])
    .collect::<Vec<_>>();
    let caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {"binary": chrome, "args": args}
    }}});
    let session = browser
        .call("POST", "/session", Some(caps))
        .await
        .expect("a browser session");
    browser.session = session["sessionId"].as_str().unwrap().to_owned();
    Some(browser)
}

impl Browser {
    /// One WebDriver command; `Err` with the driver's error value.
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, Value> {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url),
        };
        let request = match body {
            Some(body) => request
                .header("content-type", "application/json")
                .body(body.to_string()),
            None => request,
        };
        let answer = request.send().await.map_err(|e| json!(e.to_string()))?;
        let ok = answer.status().is_success();
        let text = answer.text().await.map_err(|e| json!(e.to_string()))?;
        let value: Value = serde_json::from_str(&text).map_err(|_| json!(text))?;
        let value = value["value"].clone();
        if ok {
            Ok(value)
        } else {
            Err(value)
        }
    }

    async fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        self.call(method, &path, body)
            .await
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"))
    }

    async fn goto(&self, url: &str) {
        self.session_call("POST", "/url", Some(json!({ "url": url })))
            .await;
    }

    async fn url(&self) -> String {
        self.session_call("GET", "/url", None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let path = format!("/session/{}/element", self.session);
            let found = self
                .call(
                    "POST",
                    &path,
                    Some(json!({"using": "css selector", "value": css})),
                )
                .await;
            if let Ok(element) = found {
                return element[ELEMENT].as_str().unwrap().to_owned();
            }
            assert!(Instant::now() < deadline, "no element {css} in 10 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.session_call(
            "POST",
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .await;
    }

    async fn run(&self, script: &str) -> Value {
        self.session_call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Into the test page's portal iframe.
    async fn enter_portal_frame(&self) {
        let frame = self.find("iframe#portal").await;
        self.session_call("POST", "/frame", Some(json!({"id": {ELEMENT: frame}})))
            .await;
    }

    async fn leave_frame(&self) {
        self.session_call("POST", "/frame/parent", Some(json!({})))
            .await;
    }

    /// The messages the test page received, once there is at least one.
    async fn messages(&self) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.run("return window.__messages || [];").await;
            let got = got.as_array().cloned().unwrap_or_default();
            if !got.is_empty() {
                return got;
            }
            assert!(Instant::now() < deadline, "no postMessage in 10 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn wait_for_url(&self, expected: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let url = self.url().await;
            if url == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "still on {url}, expected {expected}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The partner's site on loopback: `/embed?src=URL` frames the portal and
/// records its messages; `/partner/done` is where a redirect lands.
async fn partner_site() -> String {
    async fn embed(uri: axum::http::Uri) -> axum::response::Html<String> {
        let raw = uri.query().unwrap_or("").strip_prefix("src=").unwrap_or("");
        let src = percent_encoding::percent_decode_str(raw)
            .decode_utf8_lossy()
            .into_owned();
        let src = src.replace('&', "&amp;").replace('"', "&quot;");
        axum::response::Html(format!(
            "<!DOCTYPE html><html><head><title>Partner</title><script>\
             window.__messages = [];\
             window.addEventListener('message', function (e) {{ window.__messages.push(e.data); }});\
             </script></head><body><h1>Partner app</h1>\
             <iframe id=\"portal\" title=\"Connect\" src=\"{src}\" width=\"480\" height=\"700\"></iframe>\
             </body></html>"
        ))
    }
    let app = axum::Router::new()
        .route("/embed", axum::routing::get(embed))
        .route(
            "/partner/done",
            axum::routing::get(|| async { axum::response::Html("<h1>Back at the partner</h1>") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

fn embed_url(site: &str, link: &str) -> String {
    let mut src = String::new();
    for b in link.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            src.push(b as char);
        } else {
            src.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{site}/embed?src={src}")
}

async fn sandbox_with_webhooks() -> (
    RunningSandbox,
    tokio::sync::mpsc::UnboundedReceiver<(String, Value)>,
) {
    let (hook, events) = common::webhook_sink().await;
    let sandbox = start(common::config().webhook(WebhookConfig::new(hook))).await;
    (sandbox, events)
}

#[tokio::test]
async fn framed_portal_connects_and_posts_success() {
    let _one = ONE_BROWSER.lock().await;
    let Some(browser) = browser().await else {
        return;
    };
    let (sandbox, mut events) = sandbox_with_webhooks().await;
    let site = partner_site().await;
    let user = unique("browser");
    // Inside an iframe the redirect options are ignored.
    let (secret, link) = portal_login(
        &sandbox,
        &user,
        json!({"customRedirect": format!("{site}/partner/done"), "immediateRedirect": true,
               "connectionType": "trade-if-available"}),
    )
    .await;
    let page = embed_url(&site, &link);
    browser.goto(&page).await;
    browser.enter_portal_frame().await;
    // The first brokerage has the focus, and is a real button.
    let focused = browser
        .run("var a = document.activeElement; return [a.tagName, a.getAttribute('data-broker')];")
        .await;
    assert_eq!(focused, json!(["BUTTON", "ALPACA"]));
    browser.click("button[data-broker=\"ALPACA\"]").await;
    browser.leave_frame().await;

    let messages = browser.messages().await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["status"], "SUCCESS");
    let id = messages[0]["authorizationId"].as_str().unwrap().to_owned();
    assert_eq!(
        browser.url().await,
        page,
        "the top level stayed on the partner page"
    );

    let list = authorizations(&sandbox, &user, &secret).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["type"], "trade");
    let (_, event) = next_event(&mut events, "CONNECTION_ADDED").await;
    assert_eq!(event["brokerageAuthorizationId"], id.as_str());
    assert_eq!(event["userId"], user.as_str());
}

#[tokio::test]
async fn top_level_immediate_redirect_returns_to_the_partner() {
    let _one = ONE_BROWSER.lock().await;
    let Some(browser) = browser().await else {
        return;
    };
    let sandbox = start(common::config()).await;
    let site = partner_site().await;
    let user = unique("redirect");
    let done = format!("{site}/partner/done");
    let (secret, link) = portal_login(
        &sandbox,
        &user,
        json!({"customRedirect": done, "immediateRedirect": true, "broker": "ALPACA"}),
    )
    .await;
    browser.goto(&link).await;
    let buttons = browser
        .run("return document.querySelectorAll('button[data-broker]').length;")
        .await;
    assert_eq!(buttons, 1, "broker: only that brokerage");
    browser.click("button[data-broker=\"ALPACA\"]").await;
    browser.wait_for_url(&done).await;
    assert_eq!(authorizations(&sandbox, &user, &secret).await.len(), 1);
}

#[tokio::test]
async fn an_expired_link_shows_an_error_page_and_posts_error() {
    let _one = ONE_BROWSER.lock().await;
    let Some(browser) = browser().await else {
        return;
    };
    let sandbox = start(common::config().portal_ttl(Duration::from_millis(500))).await;
    let site = partner_site().await;
    let (_, link) = portal_login(&sandbox, &unique("expired"), json!({})).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    browser.goto(&embed_url(&site, &link)).await;
    let messages = browser.messages().await;
    assert_eq!(
        messages[0],
        json!({"status": "ERROR", "errorCode": "PORTAL_LINK_EXPIRED", "statusCode": 410,
               "detail": "This connection link has expired. Ask the app for a new one."})
    );
    browser.enter_portal_frame().await;
    let heading = browser
        .run("return document.querySelector('h1').textContent;")
        .await;
    assert_eq!(heading, "Something went wrong");
}

#[tokio::test]
async fn the_failing_broker_posts_error_and_close_posts_closed() {
    let _one = ONE_BROWSER.lock().await;
    let Some(browser) = browser().await else {
        return;
    };
    let sandbox = start(common::config()).await;
    let site = partner_site().await;
    let user = unique("failing");
    let (secret, link) = portal_login(
        &sandbox,
        &user,
        json!({"showCloseButton": true, "darkMode": true, "locale": "pt-BR"}),
    )
    .await;
    browser.goto(&embed_url(&site, &link)).await;
    browser.enter_portal_frame().await;
    let root = browser
        .run("var h = document.documentElement; return [h.lang, h.getAttribute('data-theme')];")
        .await;
    assert_eq!(root, json!(["pt-BR", "dark"]));
    browser.click("button[data-broker=\"SANDBOX_FAIL\"]").await;
    browser.leave_frame().await;
    let messages = browser.messages().await;
    assert_eq!(
        messages[0],
        json!({"status": "ERROR", "errorCode": "BROKERAGE_LOGIN_FAILED", "statusCode": 401,
               "detail": "Failing Brokerage recusou o login."})
    );
    assert!(authorizations(&sandbox, &user, &secret).await.is_empty());

    browser.enter_portal_frame().await;
    let alert = browser
        .run("return document.getElementById('error').textContent;")
        .await;
    assert_eq!(alert, "Failing Brokerage recusou o login.");
    let label = browser
        .run("return document.getElementById('close').getAttribute('aria-label');")
        .await;
    assert_eq!(label, "Fechar");
    browser.click("#close").await;
    browser.leave_frame().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while browser.messages().await.len() < 2 {
        assert!(Instant::now() < deadline, "no CLOSED message");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(browser.messages().await[1], "CLOSED");
}

#[tokio::test]
async fn reconnect_repairs_the_same_connection() {
    let _one = ONE_BROWSER.lock().await;
    let Some(browser) = browser().await else {
        return;
    };
    let (sandbox, mut events) = sandbox_with_webhooks().await;
    let site = partner_site().await;
    let user = unique("repair");
    let (secret, link) = portal_login(&sandbox, &user, json!({})).await;
    browser.goto(&embed_url(&site, &link)).await;
    browser.enter_portal_frame().await;
    browser.click("button[data-broker=\"QUESTRADE\"]").await;
    browser.leave_frame().await;
    let id = browser.messages().await[0]["authorizationId"]
        .as_str()
        .unwrap()
        .to_owned();

    let query = format!("userId={user}&userSecret={secret}&{}", common::auth_query());
    let path = format!("/authorizations/{id}/disable");
    assert_eq!(
        signed_raw(&sandbox, "POST", &path, &query, b"")
            .await
            .status,
        200
    );
    assert_eq!(
        authorizations(&sandbox, &user, &secret).await[0]["disabled"],
        true
    );

    let repair = login_link(&sandbox, &user, &secret, json!({"reconnect": id})).await;
    browser.goto(&embed_url(&site, &repair)).await;
    browser.enter_portal_frame().await;
    let offered = browser
        .run("return Array.from(document.querySelectorAll('button[data-broker]')).map(b => b.dataset.broker);")
        .await;
    assert_eq!(offered, json!(["QUESTRADE"]));
    browser.click("button[data-broker=\"QUESTRADE\"]").await;
    browser.leave_frame().await;
    let messages = browser.messages().await;
    assert_eq!(
        messages[0],
        json!({"status": "SUCCESS", "authorizationId": id})
    );
    let list = authorizations(&sandbox, &user, &secret).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["disabled"], false);
    let (_, fixed) = next_event(&mut events, "CONNECTION_FIXED").await;
    assert_eq!(fixed["brokerageAuthorizationId"], id.as_str());
}
