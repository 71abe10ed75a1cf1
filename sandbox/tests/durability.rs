//! Issue 13 §3: what the sandbox acknowledges is on disk, and what it could
//! not write did not happen.

mod common;

use common::{client_for, start};
use snaptrade::runtime::RetryPolicy;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_snaptrade-sandbox");

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(common::unique(name));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn status_of<E: std::fmt::Debug>(e: &snaptrade::Error<E>) -> u16 {
    e.status().map_or(0, |s| s.as_u16())
}

#[tokio::test]
async fn a_change_that_cannot_be_written_is_undone() {
    let dir = temp_dir("sandbox-rollback");
    let path = dir.join("state.json");
    let sandbox = start(common::config().state_file(&path)).await;
    let client = client_for(&sandbox.base_url());
    let auth = client.authentication();
    let secret = auth
        .register_snap_trade_user("a")
        .await
        .unwrap()
        .body
        .user_secret
        .unwrap();

    // A non-empty directory where the state file goes: every write fails.
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir_all(path.join("in-the-way")).unwrap();
    let e = auth.register_snap_trade_user("b").await.unwrap_err();
    assert_eq!(status_of(&e), 500);
    let e = auth
        .reset_snap_trade_user_secret("a", &secret)
        .await
        .unwrap_err();
    assert_eq!(status_of(&e), 500);
    let e = auth.delete_snap_trade_user("a").await.unwrap_err();
    assert_eq!(status_of(&e), 500);
    // None of the three happened.
    assert_eq!(auth.list_snap_trade_users().await.unwrap().body, ["a"]);
    auth.login_snap_trade_user("a", &secret)
        .await
        .expect("the old secret still works: the rotation was undone");

    // Once the file can be written, the same calls succeed (no 1010).
    std::fs::remove_dir_all(&path).unwrap();
    let b = auth
        .register_snap_trade_user("b")
        .await
        .unwrap()
        .body
        .user_secret
        .unwrap();
    sandbox.shutdown().await.unwrap();
    let sandbox = start(common::config().state_file(&path)).await;
    let client = client_for(&sandbox.base_url());
    let auth = client.authentication();
    assert_eq!(auth.list_snap_trade_users().await.unwrap().body, ["a", "b"]);
    auth.login_snap_trade_user("a", &secret).await.unwrap();
    auth.login_snap_trade_user("b", &b).await.unwrap();
    sandbox.shutdown().await.unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

fn spawn_sandbox(state: &Path, port_file: &Path) -> (Child, String) {
    let _ = std::fs::remove_file(port_file);
    let mut child = Command::new(BIN)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--quiet",
            "--rate-limit",
            "0",
            // An acknowledged deletion is done at once here (the test
            // checks that it survives the kill).
            "--delete-delay",
            "0",
            "--state",
        ])
        .arg(state)
        .arg("--port-file")
        .arg(port_file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(port) = std::fs::read_to_string(port_file)
            .unwrap_or_default()
            .trim()
            .parse::<u16>()
        {
            return (child, format!("http://127.0.0.1:{port}"));
        }
        assert!(child.try_wait().unwrap().is_none(), "sandbox exited early");
        assert!(Instant::now() < deadline, "sandbox did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// What the clients were told.
#[derive(Default)]
struct Acks {
    /// Registered (200), with the secret.
    registered: Vec<(String, String)>,
    /// Deleted (200).
    deleted: BTreeSet<String>,
    /// A delete was sent but not answered: either outcome is right.
    unsure: BTreeSet<String>,
}

/// `clients` concurrent clients register users (and delete every other
/// one) until the sandbox is killed with SIGKILL, once `changes` were
/// acknowledged (or after 30 s: fsync may be slow on a busy machine); restarted
/// on the same state file, it must have every acknowledged registration and
/// no acknowledged deletion. Returns (acknowledged changes, losses).
async fn kill_9_round(
    state: &Path,
    dir: &Path,
    round: u32,
    clients: usize,
    changes: usize,
) -> (usize, usize) {
    let port_file = dir.join("port");
    let (mut child, base_url) = spawn_sandbox(state, &port_file);
    let acks = Arc::new(Mutex::new(Acks::default()));
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let acks = acks.clone();
            let base_url = base_url.clone();
            tokio::spawn(async move {
                let client = snaptrade::Client::builder()
                    .client_id(snaptrade_sandbox::SANDBOX_CLIENT_ID)
                    .consumer_key(snaptrade_sandbox::SANDBOX_CONSUMER_KEY)
                    .base_url(base_url)
                    .retry(RetryPolicy::never())
                    .build()
                    .unwrap();
                let auth = client.authentication();
                for k in 0.. {
                    let id = format!("r{round}-c{c}-u{k}");
                    let resp = match auth.register_snap_trade_user(&id).await {
                        Ok(resp) => resp,
                        Err(e) => {
                            if std::env::var_os("KILL_DEBUG").is_some() {
                                eprintln!("client {c} stops: {e}");
                            }
                            return;
                        }
                    };
                    let secret = resp.body.user_secret.unwrap().expose().to_owned();
                    acks.lock().unwrap().registered.push((id.clone(), secret));
                    if k % 2 == 1 {
                        acks.lock().unwrap().unsure.insert(id.clone());
                        if auth.delete_snap_trade_user(&id).await.is_err() {
                            return;
                        }
                        let mut a = acks.lock().unwrap();
                        a.unsure.remove(&id);
                        a.deleted.insert(id);
                    }
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let done = {
            let a = acks.lock().unwrap();
            a.registered.len() + a.deleted.len()
        };
        if done >= changes || Instant::now() > deadline {
            break;
        }
        // A little jitter, so the kill lands at different points of a write.
        tokio::time::sleep(Duration::from_millis(7 + u64::from(round % 5) * 3)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for t in tasks {
        t.await.unwrap();
    }

    let (mut child, base_url) = spawn_sandbox(state, &port_file);
    let client = client_for(&base_url);
    let auth = client.authentication();
    let listed: BTreeSet<String> = auth
        .list_snap_trade_users()
        .await
        .unwrap()
        .body
        .into_iter()
        .collect();
    let acks = std::mem::take(&mut *acks.lock().unwrap());
    let mut losses = 0;
    for (id, secret) in &acks.registered {
        if acks.unsure.contains(id) {
            continue;
        }
        let deleted = acks.deleted.contains(id);
        if listed.contains(id) == deleted {
            eprintln!("lost: {id} (deleted: {deleted})");
            losses += 1;
        } else if !deleted && auth.login_snap_trade_user(id, secret).await.is_err() {
            eprintln!("lost: the secret of {id}");
            losses += 1;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    (acks.registered.len() + acks.deleted.len(), losses)
}

async fn kill_9_rounds(rounds: u32, changes: usize) -> (usize, usize) {
    let dir = temp_dir("sandbox-kill9");
    let state = dir.join("state.json");
    let (mut acked, mut lost) = (0, 0);
    for round in 0..rounds {
        let (a, l) = kill_9_round(&state, &dir, round, 8, changes).await;
        acked += a;
        lost += l;
    }
    eprintln!("kill -9 of the sandbox: {rounds} kills, {acked} acknowledged changes, {lost} lost");
    std::fs::remove_dir_all(&dir).unwrap();
    (acked, lost)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_changes_survive_kill_9() {
    let (acked, lost) = kill_9_rounds(1, 40).await;
    assert!(acked > 20, "too few changes to mean anything: {acked}");
    assert_eq!(lost, 0);
}

/// `cargo test -p snaptrade-sandbox --test durability -- --ignored`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "soak: 20 kills"]
async fn soak_acknowledged_changes_survive_kill_9() {
    let (_, lost) = kill_9_rounds(20, 60).await;
    assert_eq!(lost, 0);
}
