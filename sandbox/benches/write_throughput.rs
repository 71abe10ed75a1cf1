//! Write throughput of the sandbox: `registerUser` + `deleteUser` pairs from
//! concurrent clients, in memory and with a state file (every change is
//! written to a temporary file, fsynced, renamed and the directory fsynced
//! before it is answered). Prints both rates and their ratio.
//!
//! `cargo bench -p snaptrade-sandbox --bench write_throughput`
//! (`WRITES=N CLIENTS=C` to change the load).

use snaptrade::runtime::RetryPolicy;
use snaptrade_sandbox::{SandboxConfig, SANDBOX_CLIENT_ID, SANDBOX_CONSUMER_KEY};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Writes per second with `state` (or in memory), `writes` writes spread
/// over `clients` concurrent clients. Half the writes are registrations,
/// half deletions, so the state stays small and the file size constant.
async fn run(state: Option<PathBuf>, writes: usize, clients: usize) -> f64 {
    let mut config = SandboxConfig::default().rate_limit_per_minute(None);
    config.state_file = state;
    let sandbox = snaptrade_sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("sandbox starts");
    let per_client = writes / clients / 2;
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let client = snaptrade::Client::builder()
                .client_id(SANDBOX_CLIENT_ID)
                .consumer_key(SANDBOX_CONSUMER_KEY)
                .base_url(sandbox.base_url())
                .retry(RetryPolicy::never())
                .build()
                .unwrap();
            tokio::spawn(async move {
                let auth = client.authentication();
                for k in 0..per_client {
                    let id = format!("c{c}-u{k}");
                    auth.register_snap_trade_user(&id).await.unwrap();
                    auth.delete_snap_trade_user(&id).await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed().max(Duration::from_nanos(1));
    sandbox.shutdown().await.unwrap();
    (per_client * clients * 2) as f64 / elapsed.as_secs_f64()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    // `cargo bench` passes `--bench`; nothing else is understood.
    let writes = env_or("WRITES", 4_000);
    let clients = env_or("CLIENTS", 8).max(1);
    let dir = std::env::temp_dir().join(format!("sandbox-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Warm-up, then the two measurements.
    run(None, 400, clients).await;
    let memory = run(None, writes, clients).await;
    let file = run(Some(dir.join("state.json")), writes, clients).await;
    std::fs::remove_dir_all(&dir).unwrap();
    println!("sandbox write throughput, {writes} writes (register + delete), {clients} clients");
    println!("in memory:       {memory:>9.0} writes/s");
    println!(
        "with --state:    {file:>9.0} writes/s  (in {})",
        std::env::temp_dir().display()
    );
    println!(
        "ratio:           {:>9.2}x slower with --state",
        memory / file
    );
}
