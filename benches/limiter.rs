//! What a rate limiter adds to each call on loopback (feature `redis`):
//! the same signed `listUsers` call against the in-process sandbox with no
//! limiter, the in-process limiter, and the Redis limiter (a `redis-server`
//! this bench starts on a free loopback port). The budget is far above what
//! the run uses, so no call ever waits for a slot: the figures are the
//! limiter's own cost (for Redis, one script round trip per call plus the
//! release sent in the background).
//!
//! ```sh
//! cargo bench --features redis --bench limiter
//! ```
//!
//! Environment: `BENCH_CALLS` sequential calls per limiter and round
//! (default 2000), `BENCH_ROUNDS` (default 3, alternating the limiters).

use snaptrade::runtime::{RateLimiter, RedisLimiterConfig, RedisRateLimiter, RequestLimit};
use snaptrade_sandbox::{SandboxConfig, SANDBOX_CLIENT_ID, SANDBOX_CONSUMER_KEY};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The big budget: never reached, so no call waits.
const BUDGET: RequestLimit = RequestLimit {
    requests: 10_000_000,
    per: Duration::from_secs(1),
};

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_redis() -> Option<(KillOnDrop, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let guard = KillOnDrop(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((guard, format!("redis://127.0.0.1:{port}/")));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// Microseconds per call, sorted.
async fn measure(client: &snaptrade::Client, calls: usize) -> Vec<f64> {
    let mut us = Vec::with_capacity(calls);
    for _ in 0..calls {
        let t = Instant::now();
        client
            .authentication()
            .list_snap_trade_users()
            .await
            .expect("call succeeds");
        us.push(t.elapsed().as_secs_f64() * 1e6);
    }
    us
}

/// Microseconds per acquire + release of the store alone, sorted.
async fn measure_store(store: &dyn RateLimiter, calls: usize) -> Vec<f64> {
    let mut us = Vec::with_capacity(calls);
    for _ in 0..calls {
        let t = Instant::now();
        let permit = store.acquire().await;
        store.release(permit);
        us.push(t.elapsed().as_secs_f64() * 1e6);
    }
    us
}

fn main() {
    let calls = env_or("BENCH_CALLS", 2000);
    let rounds = env_or("BENCH_ROUNDS", 3);
    let Some((_redis, redis_url)) = start_redis() else {
        eprintln!("!!!!!!!! SKIPPED: redis-server not found or did not start !!!!!!!!");
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let sandbox = snaptrade_sandbox::start(
            SandboxConfig::default().rate_limit_per_minute(None),
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .unwrap();
        let builder = || {
            snaptrade::Client::builder()
                .client_id(SANDBOX_CLIENT_ID)
                .consumer_key(SANDBOX_CONSUMER_KEY)
                .base_url(sandbox.base_url())
        };
        let redis_store = Arc::new(
            RedisRateLimiter::new(RedisLimiterConfig::new(&redis_url, "bench", BUDGET)).unwrap(),
        );
        let in_process = Arc::new(snaptrade::runtime::InProcessLimiter::new(BUDGET).unwrap());
        let clients = [
            ("none", builder().build().unwrap()),
            (
                "in-process",
                builder().rate_limiter(in_process.clone()).build().unwrap(),
            ),
            (
                "redis",
                builder().rate_limiter(redis_store.clone()).build().unwrap(),
            ),
        ];
        let mut samples: Vec<Vec<f64>> = vec![Vec::new(); clients.len()];
        for (_, client) in &clients {
            measure(client, calls / 10).await; // warm-up: connections, script load
        }
        for _ in 0..rounds {
            for (i, (_, client)) in clients.iter().enumerate() {
                samples[i].extend(measure(client, calls).await);
            }
        }
        let mut store_in = measure_store(&*in_process, calls * rounds).await;
        let mut store_redis = measure_store(&*redis_store, calls * rounds).await;
        println!(
            "{} sequential signed calls per limiter on loopback ({rounds} rounds)",
            calls * rounds
        );
        println!(
            "{:<12} {:>9} {:>9} {:>9} {:>14}",
            "limiter", "mean µs", "p50 µs", "p99 µs", "vs none (p50)"
        );
        let mut p50_none = f64::NAN;
        for (i, (name, _)) in clients.iter().enumerate() {
            let s = &mut samples[i];
            s.sort_by(f64::total_cmp);
            let mean = s.iter().sum::<f64>() / s.len() as f64;
            let p50 = percentile(s, 50.0);
            if i == 0 {
                p50_none = p50;
            }
            println!(
                "{name:<12} {mean:>9.1} {p50:>9.1} {:>9.1} {:>13.2}x (+{:.1} µs)",
                percentile(s, 99.0),
                p50 / p50_none,
                p50 - p50_none
            );
        }
        for (name, s) in [("in-process", &mut store_in), ("redis", &mut store_redis)] {
            s.sort_by(f64::total_cmp);
            println!(
                "store alone, acquire + release: {name:<10} p50 {:>7.1} µs, p99 {:>7.1} µs",
                percentile(s, 50.0),
                percentile(s, 99.0)
            );
        }
        let stats = redis_store.stats();
        assert_eq!(
            stats.fallback_slots, 0,
            "Redis answered every time: {stats:?}"
        );
        sandbox.shutdown().await.unwrap();
    });
}
