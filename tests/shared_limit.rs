//! One rate-limit budget shared through Redis (feature `redis`), against a
//! real `redis-server` these tests start on a free loopback port.
//!
//! ```sh
//! cargo test --features redis --test shared_limit            # CI: ~30 s
//! cargo test --release --features redis --test shared_limit -- --ignored --nocapture soak
//! ```
//!
//! * `four_processes_share_one_budget` (CI) and `soak_four_processes_250_per_minute`
//!   (ignored, 75 s): four processes (this test binary run again as
//!   `worker_process`), eight concurrent callers each, one key, against the
//!   sandbox. The sandbox's own log of arrivals must never hold more than the
//!   budget in any rolling window, it must answer no 429, and the callers
//!   must use most of the budget.
//! * `redis_killed_mid_run_*`: calls go on under the fallback, none hangs,
//!   and Redis is used again once it is back.
//! * `flushall_mid_run_*`, `a_redis_restart_mid_run_*`: three limiters (own
//!   connections), each used before Redis loses the budget; the sandbox's
//!   arrivals never exceed the budget in any rolling window.
//! * `a_redis_that_never_answers_*`: every Redis operation is bounded.
//!
//! Without `redis-server` on the PATH the tests print a loud SKIPPED line and
//! pass, unless `REQUIRE_REDIS=1` (set by `.ci/run`), where they fail.

use snaptrade::runtime::{RateLimiter, RedisLimiterConfig, RedisRateLimiter, RequestLimit};
use snaptrade::Client;
use snaptrade_sandbox::{SandboxConfig, SANDBOX_CLIENT_ID, SANDBOX_CONSUMER_KEY};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A `redis-server` child on a loopback port, killed on drop.
struct RedisServer {
    port: u16,
    child: Option<Child>,
}

fn redis_available() -> bool {
    let found = Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        let msg = "redis-server not found on PATH: install it (apt-get install -y redis-server)";
        if std::env::var("REQUIRE_REDIS").is_ok_and(|v| v == "1") {
            panic!("{msg}; REQUIRE_REDIS=1 makes this a failure");
        }
        eprintln!("\n!!!!!!!! SKIPPED: {msg} !!!!!!!!\n");
    }
    found
}

impl RedisServer {
    fn start() -> RedisServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut server = RedisServer { port, child: None };
        server.restart();
        server
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Starts the server (again) on the same port and waits until it answers.
    fn restart(&mut self) {
        assert!(self.child.is_none(), "already running");
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        for _ in 0..100 {
            if self.cli(&["PING"]) == "PONG" {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server on port {} did not answer PING", self.port);
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Runs one command through `redis-cli` (installed with the server).
    fn cli(&self, args: &[&str]) -> String {
        Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The most arrivals in any half-open window `[t, t + per)`.
fn max_in_window(arrivals: &[Instant], per: Duration) -> usize {
    let mut sorted = arrivals.to_vec();
    sorted.sort();
    let mut best = 0;
    let mut start = 0;
    for (end, t) in sorted.iter().enumerate() {
        while t.duration_since(sorted[start]) >= per {
            start += 1;
        }
        best = best.max(end + 1 - start);
    }
    best
}

/// What one worker process reports on its `RESULT` line.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct WorkerResult {
    ok: u64,
    errors: u64,
    first_error: Option<String>,
    max_call_ms: u64,
    /// Calls still in flight at the end of the run, abandoned (they may
    /// have reached the sandbox).
    cut: u64,
    /// From the limiter's counters (workers with an explicit store only).
    fallback_ms: Option<u64>,
    fallback_slots: Option<u64>,
}

const CALLERS: usize = 8;
/// Callers of the kill test: fewer than the fallback's slots per window, so
/// that a long call means the limiter stalled, not that the budget ran out.
const KILL_CALLERS: usize = 4;
const PROCESSES: usize = 4;

/// Not a test: the body of one worker process, run by `run_workers` as
/// `<this binary> worker_process --exact --ignored` with its settings in
/// `SHARED_LIMIT_WORKER`. Does nothing when run by hand.
#[test]
#[ignore = "worker process for the multi-process tests"]
fn worker_process() {
    let Ok(settings) = std::env::var("SHARED_LIMIT_WORKER") else {
        return;
    };
    let v: Vec<&str> = settings.split(',').collect();
    let (base_url, redis_url) = (v[0].to_owned(), v[1].to_owned());
    let num = |i: usize| v[i].parse::<u64>().expect("a number");
    let (requests, per_ms, start_at, end_at) = (num(2) as u32, num(3), num(4), num(5));
    let index = num(6);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let per = Duration::from_millis(per_ms);
    let result = runtime.block_on(async move {
        let builder = Client::builder()
            .client_id(SANDBOX_CLIENT_ID)
            .consumer_key(SANDBOX_CONSUMER_KEY)
            .base_url(base_url)
            .timeout(Duration::from_secs(10));
        // Worker 0 uses the builder's API, whose key defaults to the client
        // id; the others name that key themselves and keep a handle on the
        // store for its counters. Were the keys different, the budget would
        // be exceeded.
        let (builder, store) = if index == 0 {
            let b = builder
                .shared_rate_limit(redis_url, None, requests, per)
                .shared_rate_limit_replicas(PROCESSES as u32);
            (b, None)
        } else {
            let limit = RequestLimit { requests, per };
            let mut config = RedisLimiterConfig::new(redis_url, SANDBOX_CLIENT_ID, limit);
            config.replicas = PROCESSES as u32;
            config.lease = Duration::from_secs(10);
            let store = RedisRateLimiter::new(config).unwrap();
            (builder.rate_limiter(Arc::new(store.clone())), Some(store))
        };
        let client = builder.build().expect("client builds");
        tokio::time::sleep(Duration::from_millis(start_at.saturating_sub(unix_ms()))).await;
        let callers: Vec<_> = (0..CALLERS)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move {
                    let mut r = WorkerResult::default();
                    while unix_ms() < end_at {
                        let asked = Instant::now();
                        let call = client.authentication().list_snap_trade_users();
                        // A call that starts just before the end may wait a
                        // whole window for its slot: stop waiting at the end.
                        let left = Duration::from_millis(end_at.saturating_sub(unix_ms()));
                        let Ok(outcome) = tokio::time::timeout(left, call).await else {
                            r.cut += 1;
                            break;
                        };
                        r.max_call_ms = r.max_call_ms.max(asked.elapsed().as_millis() as u64);
                        match outcome {
                            Ok(_) => r.ok += 1,
                            Err(e) => {
                                r.errors += 1;
                                r.first_error.get_or_insert(e.to_string());
                            }
                        }
                    }
                    r
                })
            })
            .collect();
        let mut total = WorkerResult::default();
        for c in callers {
            let r = c.await.unwrap();
            total.ok += r.ok;
            total.errors += r.errors;
            total.cut += r.cut;
            total.max_call_ms = total.max_call_ms.max(r.max_call_ms);
            total.first_error = total.first_error.or(r.first_error);
        }
        if let Some(store) = store {
            let stats = store.stats();
            total.fallback_ms = Some(stats.fallback_ms);
            total.fallback_slots = Some(stats.fallback_slots);
        }
        total
    });
    println!("RESULT {}", serde_json::to_string(&result).unwrap());
}

/// Runs `PROCESSES` worker processes sharing `requests` per `per` for `run`
/// against a sandbox that enforces `sandbox_per_minute`; returns the
/// workers' results and the sandbox's arrivals and stats.
async fn run_workers(
    redis: &RedisServer,
    requests: u32,
    per: Duration,
    run: Duration,
    sandbox_per_minute: u32,
) -> (
    Vec<WorkerResult>,
    Vec<Instant>,
    snaptrade_sandbox::SandboxStats,
) {
    let mut config = SandboxConfig::default().rate_limit_per_minute(Some(sandbox_per_minute));
    config.record_arrivals = true;
    let sandbox = snaptrade_sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("sandbox starts");
    // Every worker starts at the same moment, after all have had time to load.
    let start_at = unix_ms() + 2_000;
    let end_at = start_at + run.as_millis() as u64;
    let settings = format!(
        "{},{},{requests},{},{start_at},{end_at}",
        sandbox.base_url(),
        redis.url(),
        per.as_millis()
    );
    let exe = std::env::current_exe().unwrap();
    let children: Vec<Child> = (0..PROCESSES)
        .map(|index| {
            Command::new(&exe)
                .args(["worker_process", "--exact", "--ignored", "--nocapture"])
                .env("SHARED_LIMIT_WORKER", format!("{settings},{index}"))
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("worker starts")
        })
        .collect();
    let results = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|child| {
                let out = child.wait_with_output().expect("worker runs");
                assert!(out.status.success(), "worker failed: {:?}", out.status);
                let stdout = String::from_utf8_lossy(&out.stdout);
                let line = stdout
                    .lines()
                    .find_map(|l| l.strip_prefix("RESULT "))
                    .unwrap_or_else(|| panic!("no RESULT line in {stdout}"));
                serde_json::from_str::<WorkerResult>(line).unwrap()
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let arrivals = sandbox.arrivals();
    let stats = sandbox.stats();
    sandbox.shutdown().await.unwrap();
    (results, arrivals, stats)
}

/// Runs the multi-process scenario and checks the shared budget held.
async fn shared_budget(requests: u32, per: Duration, run: Duration, sandbox_per_minute: u32) {
    if !redis_available() {
        return;
    }
    let redis = RedisServer::start();
    let (results, arrivals, stats) =
        run_workers(&redis, requests, per, run, sandbox_per_minute).await;
    let ok: u64 = results.iter().map(|r| r.ok).sum();
    let errors: u64 = results.iter().map(|r| r.errors).sum();
    let max_call_ms = results.iter().map(|r| r.max_call_ms).max().unwrap_or(0);
    let fallback_ms: u64 = results.iter().filter_map(|r| r.fallback_ms).sum();
    let fallback_slots: u64 = results.iter().filter_map(|r| r.fallback_slots).sum();
    let peak = max_in_window(&arrivals, per);
    // Slots come back one window after the response: a run of `run` fits
    // this many full rounds of the budget (half a second of slack for the
    // rounds' own latency).
    let rounds = (run.saturating_sub(Duration::from_millis(500)).as_millis() / per.as_millis()) + 1;
    let expected = requests as u64 * rounds as u64;
    println!(
        "shared limit {requests}/{per:?}, {PROCESSES} processes x {CALLERS} callers, {run:?}: \
         {ok} calls ok, {errors} errors, sandbox received {} ({} x 429), \
         largest {per:?} window {peak}, throughput {:.1}/min ({:.0}% of {expected} possible), \
         longest call {max_call_ms} ms, fallback {fallback_ms} ms / {fallback_slots} slots \
         (workers 1-3)",
        stats.received,
        stats.throttled,
        ok as f64 * 60.0 / run.as_secs_f64(),
        ok as f64 * 100.0 / expected as f64,
    );
    assert_eq!(stats.throttled, 0, "the sandbox throttled: {stats:?}");
    assert_eq!(errors, 0, "{results:?}");
    assert!(
        peak <= requests as usize,
        "{peak} arrivals within {per:?} (budget {requests})"
    );
    let cut: u64 = results.iter().map(|r| r.cut).sum();
    assert!(
        stats.received >= ok && stats.received <= ok + cut,
        "every call arrived once: {ok} ok, {cut} cut at the end, {} received",
        stats.received
    );
    assert_eq!(fallback_slots, 0, "Redis answered throughout");
    // Most of the budget is used (a lower bar in the short run, which a
    // loaded machine's scheduling delays weigh on more).
    let used_percent = if run >= Duration::from_secs(60) {
        80
    } else {
        60
    };
    assert!(
        ok * 100 >= expected * used_percent,
        "only {ok} calls of {expected} possible: the budget is not being used"
    );
    // The budget's key is named by the client id and expires.
    let key = format!("rate-limit:{SANDBOX_CLIENT_ID}");
    let ttl: i64 = redis.cli(&["PTTL", &key]).parse().unwrap_or(-3);
    let longest = 10_000 + per.as_millis() as i64 + 1_000;
    assert!(ttl > 0 && ttl <= longest, "PTTL {key} = {ttl}");
    let members: usize = redis.cli(&["ZCARD", &key]).parse().unwrap_or(0);
    assert!(members <= requests as usize, "{members} members");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_share_one_budget() {
    // 20 per 3 s keeps any 60 s under 400: the sandbox enforces that.
    shared_budget(20, Duration::from_secs(3), Duration::from_secs(10), 400).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "75 s soak: cargo test --release --features redis --test shared_limit -- --ignored soak"]
async fn soak_four_processes_250_per_minute() {
    shared_budget(250, Duration::from_secs(60), Duration::from_secs(75), 250).await;
}

fn limiter(
    url: String,
    requests: u32,
    per: Duration,
    replicas: u32,
    op_timeout: Duration,
) -> RedisRateLimiter {
    let mut config = RedisLimiterConfig::new(url, "kill-test", RequestLimit { requests, per });
    config.replicas = replicas;
    config.op_timeout = op_timeout;
    config.reprobe = Duration::from_millis(300);
    config.lease = Duration::from_secs(5);
    RedisRateLimiter::new(config).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_mid_run_calls_go_on_and_redis_is_used_again() {
    if !redis_available() {
        return;
    }
    let mut redis = RedisServer::start();
    let per = Duration::from_secs(1);
    // Generous: a loaded CI machine must not fall back before the kill.
    let store = limiter(redis.url(), 10, per, 2, Duration::from_millis(800));
    let sandbox = snaptrade_sandbox::start(
        SandboxConfig::default().rate_limit_per_minute(None),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let client = Client::builder()
        .client_id(SANDBOX_CLIENT_ID)
        .consumer_key(SANDBOX_CONSUMER_KEY)
        .base_url(sandbox.base_url())
        .timeout(Duration::from_secs(2))
        .rate_limiter(Arc::new(store.clone()))
        .build()
        .unwrap();
    let started = Instant::now();
    let run = Duration::from_secs(8);
    let ok = Arc::new(AtomicU64::new(0));
    let longest_ms = Arc::new(AtomicU64::new(0));
    let callers: Vec<_> = (0..KILL_CALLERS)
        .map(|_| {
            let (client, ok, longest_ms) = (client.clone(), ok.clone(), longest_ms.clone());
            tokio::spawn(async move {
                while started.elapsed() < run {
                    let asked = Instant::now();
                    let outcome = client.authentication().list_snap_trade_users().await;
                    outcome.expect("every call succeeds, Redis or not");
                    ok.fetch_add(1, Ordering::SeqCst);
                    longest_ms.fetch_max(asked.elapsed().as_millis() as u64, Ordering::SeqCst);
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = store.stats();
    let ok_before = ok.load(Ordering::SeqCst);
    redis.kill();
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let during = store.stats();
    let ok_during = ok.load(Ordering::SeqCst) - ok_before;
    let redis_was_down = tokio::task::spawn_blocking(move || {
        redis.restart();
        redis
    });
    let redis = redis_was_down.await.unwrap();
    let restarted = store.stats();
    for c in callers {
        c.await.unwrap();
    }
    let after = store.stats();
    let longest = Duration::from_millis(longest_ms.load(Ordering::SeqCst));
    println!(
        "redis killed mid-run: {} calls, {ok_during} during the outage, longest {longest:?}, \
         stats before {before:?}, during {during:?}, at restart {restarted:?}, after {after:?}",
        ok.load(Ordering::SeqCst)
    );
    assert!(
        before.redis_slots > 0 && before.fallback_slots == 0,
        "{before:?}"
    );
    assert!(during.on_fallback && during.fallbacks == 1, "{during:?}");
    assert!(
        during.fallback_slots > 0 && ok_during > 0,
        "calls flowed: {during:?}"
    );
    // 10 per s shared by 2 replicas: 5 per s each on the fallback.
    assert!(
        ok_during <= 5 * 4,
        "{ok_during} calls in 2.5 s on the fallback"
    );
    assert!(after.recoveries >= 1 && !after.on_fallback, "{after:?}");
    assert!(
        after.redis_slots > restarted.redis_slots,
        "Redis is used again: {restarted:?} -> {after:?}"
    );
    let members: usize = redis.cli(&["ZCARD", store.key()]).parse().unwrap_or(0);
    assert!(members > 0, "the restarted Redis holds the budget again");
    // A call waits at most for a Redis slot (a window), one Redis operation
    // that fails (its 800 ms timeout), a fallback slot (another window), and
    // then the request itself (its 2 s timeout). Nothing hangs beyond that.
    let bound = 2 * per + Duration::from_millis(800) + Duration::from_secs(2);
    assert!(longest < bound, "{longest:?} > {bound:?}");
    assert!(after.fallback_ms >= 2_000, "{after:?}");
}

#[tokio::test]
async fn a_redis_that_never_answers_costs_one_timeout_then_the_fallback() {
    // Accepts connections and never says a word.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let store = limiter(
        format!("redis://{addr}/"),
        4,
        Duration::from_secs(30),
        2,
        Duration::from_millis(200),
    );
    let started = Instant::now();
    let a = store.acquire().await;
    let first = started.elapsed();
    let b = store.acquire().await;
    let both = started.elapsed();
    assert!(first < Duration::from_millis(600), "{first:?}");
    assert!(both < Duration::from_millis(700), "{both:?}");
    let stats = store.stats();
    assert!(stats.on_fallback && stats.fallback_slots == 2, "{stats:?}");
    // The fallback allows 4 / 2 = 2 per window.
    assert!(
        tokio::time::timeout(Duration::from_millis(200), store.acquire())
            .await
            .is_err()
    );
    store.release(a);
    store.release(b);
    hold.abort();
}

/// How the Redis of [`redis_forgets`] loses the budget.
#[derive(Debug, Clone, Copy)]
enum Loss {
    Flushall,
    /// Killed, and started again on the same port 0.4 s later.
    Restart,
}

/// Three limiters (separate instances, separate connections, as three
/// processes would have) share 10 requests per 2 s against the sandbox, with
/// six, one and one callers (a busy process and two quiet ones, whose shares
/// of the fallback are free); after 2.5 s Redis loses everything. The sandbox's log
/// of arrivals must never hold more than the budget in any 2 s window.
async fn redis_forgets(loss: Loss) {
    if !redis_available() {
        return;
    }
    const LIMITERS: usize = 3;
    let (requests, per) = (10, Duration::from_secs(2));
    let mut redis = RedisServer::start();
    let mut config = SandboxConfig::default().rate_limit_per_minute(None);
    config.record_arrivals = true;
    let sandbox = snaptrade_sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let stores: Vec<RedisRateLimiter> = (0..LIMITERS)
        .map(|_| {
            let mut config =
                RedisLimiterConfig::new(redis.url(), "forget-test", RequestLimit { requests, per });
            config.replicas = LIMITERS as u32;
            config.op_timeout = Duration::from_millis(500);
            config.reprobe = Duration::from_millis(100);
            config.lease = Duration::from_secs(2);
            RedisRateLimiter::new(config).unwrap()
        })
        .collect();
    let started = Instant::now();
    let run = Duration::from_millis(7_500);
    let callers: Vec<_> = stores
        .iter()
        .zip([6, 1, 1])
        .flat_map(|(store, callers)| {
            let client = Client::builder()
                .client_id(SANDBOX_CLIENT_ID)
                .consumer_key(SANDBOX_CONSUMER_KEY)
                .base_url(sandbox.base_url())
                .timeout(Duration::from_secs(2))
                .rate_limiter(Arc::new(store.clone()))
                .build()
                .unwrap();
            (0..callers).map(move |caller: u64| {
                let client = client.clone();
                tokio::spawn(async move {
                    let mut ok = 0u64;
                    while started.elapsed() < run {
                        // Pauses of 0 to 250 ms spread the calls over the
                        // window, so slots come free (and callers ask Redis)
                        // all the time, as in a real service.
                        let pause = (ok * 97 + caller * 61) % 250;
                        tokio::time::sleep(Duration::from_millis(pause)).await;
                        let left = run.saturating_sub(started.elapsed());
                        let call = client.authentication().list_snap_trade_users();
                        match tokio::time::timeout(left, call).await {
                            Ok(outcome) => {
                                outcome.expect("every call succeeds");
                                ok += 1;
                            }
                            Err(_) => break,
                        }
                    }
                    ok
                })
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    for (n, store) in stores.iter().enumerate() {
        let stats = store.stats();
        assert!(stats.redis_slots > 0, "limiter {n} used Redis: {stats:?}");
    }
    let lost_at = Instant::now();
    let redis = tokio::task::spawn_blocking(move || {
        match loss {
            Loss::Flushall => assert_eq!(redis.cli(&["FLUSHALL"]), "OK"),
            Loss::Restart => {
                redis.kill();
                std::thread::sleep(Duration::from_millis(400));
                redis.restart();
            }
        }
        redis
    })
    .await
    .unwrap();
    let mut ok = 0;
    for c in callers {
        ok += c.await.unwrap();
    }
    let arrivals = sandbox.arrivals();
    sandbox.shutdown().await.unwrap();
    let peak = max_in_window(&arrivals, per);
    let after = arrivals.iter().filter(|t| **t > lost_at + per).count();
    let stats: Vec<_> = stores.iter().map(RedisRateLimiter::stats).collect();
    println!(
        "{loss:?}: {ok} calls, {} arrivals, {after} more than a window after the loss, \
         largest {per:?} window {peak}; {stats:?}",
        arrivals.len()
    );
    assert!(
        peak <= requests as usize,
        "{loss:?}: {peak} arrivals within {per:?} (budget {requests})"
    );
    assert!(
        stats.iter().map(|s| s.losses).sum::<u64>() >= 1,
        "the loss was seen: {stats:?}"
    );
    // The budget is used again after the quiet window.
    assert!(
        after >= requests as usize / 2,
        "{after} arrivals after the loss"
    );
    assert_eq!(redis.cli(&["EXISTS", "rate-limit:forget-test:epoch"]), "1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flushall_mid_run_keeps_every_window_within_the_budget() {
    redis_forgets(Loss::Flushall).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_mid_run_keeps_every_window_within_the_budget() {
    redis_forgets(Loss::Restart).await;
}

#[test]
fn max_in_window_counts_half_open_windows() {
    let t0 = Instant::now();
    let at = |ms| t0 + Duration::from_millis(ms);
    let times = [at(0), at(500), at(999), at(1000), at(1001), at(3000)];
    assert_eq!(max_in_window(&times, Duration::from_secs(1)), 4);
    assert_eq!(max_in_window(&times, Duration::from_millis(10)), 3);
    assert_eq!(max_in_window(&[], Duration::from_secs(1)), 0);
}
