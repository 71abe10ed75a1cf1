//! Calls on loopback: our generated client against a plain `reqwest` client
//! that sends the same request, signed once up front (the floor: everything
//! our client adds on top of HTTP is the difference).
//!
//! Both call `GET /snapTrade/listUsers` (signed: `clientId`, `timestamp`,
//! `Signature`) against a SnapTrade sandbox with its rate limit off.
//!
//! ```sh
//! cargo bench --bench calls                    # starts a sandbox in-process
//! BENCH_BASE_URL=http://127.0.0.1:PORT BENCH_CLIENT_ID=ID BENCH_CONSUMER_KEY=KEY \
//!     cargo bench --bench calls                # an already running sandbox
//! ```
//!
//! Environment: `BENCH_SECS` seconds per client and concurrency (default 3,
//! split into `BENCH_ROUNDS` rounds, default 3, alternating the clients),
//! `BENCH_CONCURRENCY` comma-separated in-flight request counts (default
//! `1,16,64`).
//!
//! Hook costs (issue 12): `BENCH_HOOKS` is a comma-separated list of extra
//! clients measured in the same rounds: `interceptors` (two: one adds an
//! `x-trace-id` header, one counts per operation and status), `http_client`
//! (a caller-configured `reqwest::ClientBuilder`). `BENCH_TRACING=info` (or `debug`,
//! `trace`) installs a `tracing_subscriber::fmt` subscriber writing to
//! `io::sink()` at that level for the whole run, so every client's calls pay
//! for enabled spans and formatting; compare with a run without it, and with
//! `--no-default-features --features regenerate` (tracing compiled out).
//!
//! Prints a human table, then one machine-readable line per
//! measurement for `scripts/bench.sh`:
//! `RESULT<TAB>client<TAB>concurrency<TAB>requests<TAB>p50_us<TAB>p99_us<TAB>req_per_s`.

use snaptrade::runtime::{Incoming, Interceptor, Outgoing, RetryPolicy};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const PATH: &str = "/snapTrade/listUsers";

struct Target {
    base_url: String,
    client_id: String,
    consumer_key: String,
}

struct Stats {
    requests: usize,
    p50_us: f64,
    p99_us: f64,
    per_sec: f64,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted_us: &[f64], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted_us.len() as f64).ceil() as usize;
    sorted_us[rank.clamp(1, sorted_us.len()) - 1]
}

/// Runs `concurrency` loops of `call` for `duration` and returns every
/// call's latency (µs) and the wall time taken.
async fn run<F, Fut>(concurrency: usize, duration: Duration, call: F) -> (Vec<f64>, Duration)
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let start = Instant::now();
    let deadline = start + duration;
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let call = call.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(4096);
                while Instant::now() < deadline {
                    let t = Instant::now();
                    call().await;
                    latencies.push(t.elapsed().as_secs_f64() * 1e6);
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("benchmark task panicked"));
    }
    (all, start.elapsed())
}

/// Accumulates the rounds of one client at one concurrency.
#[derive(Default)]
struct Acc {
    latencies: Vec<f64>,
    elapsed: Duration,
}

impl Acc {
    fn add(&mut self, (latencies, elapsed): (Vec<f64>, Duration)) {
        self.latencies.extend(latencies);
        self.elapsed += elapsed;
    }

    fn stats(mut self) -> Stats {
        self.latencies.sort_by(f64::total_cmp);
        Stats {
            requests: self.latencies.len(),
            p50_us: percentile(&self.latencies, 50.0),
            p99_us: percentile(&self.latencies, 99.0),
            per_sec: self.latencies.len() as f64 / self.elapsed.as_secs_f64(),
        }
    }
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn report(client: &str, concurrency: usize, s: &Stats, machine: &mut Vec<String>) {
    println!(
        "{client:<28} {concurrency:>5} {:>9} {:>10.1} {:>10.1} {:>11.0}",
        s.requests, s.p50_us, s.p99_us, s.per_sec
    );
    machine.push(format!(
        "RESULT\t{client}\t{concurrency}\t{}\t{:.1}\t{:.1}\t{:.1}",
        s.requests, s.p50_us, s.p99_us, s.per_sec
    ));
}

/// Adds a per-attempt trace id, as a service would.
struct TraceId(AtomicU64);

impl Interceptor for TraceId {
    fn before_send(&self, request: &mut Outgoing<'_>) {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        let _ = request.add_header("x-trace-id", &format!("{n:016x}"));
    }
}

/// Counts attempts per operation and status.
#[derive(Default)]
struct Metrics(Mutex<HashMap<(&'static str, u16), u64>>);

impl Interceptor for Metrics {
    fn after_response(&self, response: &Incoming<'_>) {
        let status = response.status().map_or(0, |s| s.as_u16());
        *self
            .0
            .lock()
            .unwrap()
            .entry((response.operation_id(), status))
            .or_default() += 1;
    }
}

/// The extra clients `BENCH_HOOKS` asks for, labelled.
fn hook_clients(target: &Target) -> Vec<(String, snaptrade::Client)> {
    let hooks = std::env::var("BENCH_HOOKS").unwrap_or_default();
    let base = || {
        snaptrade::Client::builder()
            .base_url(target.base_url.clone())
            .client_id(target.client_id.clone())
            .consumer_key(target.consumer_key.clone())
            .retry(RetryPolicy::never())
    };
    let mut clients = Vec::new();
    for hook in hooks.split(',').map(str::trim).filter(|h| !h.is_empty()) {
        let builder = match hook {
            "interceptors" => base()
                .interceptor(TraceId(AtomicU64::new(0)))
                .interceptor(Metrics::default()),
            "http_client" => base().http_client(snaptrade::runtime::reqwest::Client::builder()),
            other => panic!("BENCH_HOOKS: unknown hook {other:?} (interceptors, http_client)"),
        };
        clients.push((
            format!("snaptrade+{hook}"),
            builder.build().expect("client"),
        ));
    }
    clients
}

fn list_call(
    client: &snaptrade::Client,
) -> impl Fn() -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> + Clone + Send + 'static {
    let client = client.clone();
    move || {
        let client = client.clone();
        Box::pin(async move {
            let users = client
                .authentication()
                .list_snap_trade_users()
                .await
                .expect("listSnapTradeUsers");
            std::hint::black_box(users);
        })
    }
}

async fn bench(target: Target) {
    let secs: f64 = env_or("BENCH_SECS", 3.0);
    let levels: Vec<usize> = std::env::var("BENCH_CONCURRENCY")
        .unwrap_or_else(|_| "1,16,64".to_owned())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();

    let ours = snaptrade::Client::builder()
        .base_url(target.base_url.clone())
        .client_id(target.client_id.clone())
        .consumer_key(target.consumer_key.clone())
        .retry(RetryPolicy::never())
        .build()
        .expect("client");
    // Fail loudly (not with a fast error loop) if the server is not answering.
    let users = ours
        .authentication()
        .list_snap_trade_users()
        .await
        .expect("listSnapTradeUsers through our client");
    drop(users);

    // The floor: the same request, signed once now (the sandbox accepts a
    // timestamp for 300 s), sent by a bare reqwest client that only reads the
    // body. The crypto provider is the one our transport installs.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let query = format!("clientId={}&timestamp={}", target.client_id, now_unix());
    let signature = snaptrade::sign::signature(&target.consumer_key, PATH, &query, None);
    let url: reqwest::Url = format!("{}{PATH}?{query}", target.base_url)
        .parse()
        .expect("url");
    let plain = reqwest::Client::builder().build().expect("reqwest client");
    let floor_call = {
        let (plain, url, signature) = (plain.clone(), url.clone(), signature.clone());
        move || {
            let (plain, url, signature) = (plain.clone(), url.clone(), signature.clone());
            async move {
                let response = plain
                    .get(url)
                    .header("Signature", signature)
                    .header("Accept", "application/json")
                    .send()
                    .await
                    .expect("plain reqwest send");
                assert!(response.status().is_success(), "{}", response.status());
                std::hint::black_box(response.bytes().await.expect("body"));
            }
        }
    };
    floor_call().await;

    let ours_call = {
        let ours = ours.clone();
        move || {
            let ours = ours.clone();
            async move {
                let users = ours
                    .authentication()
                    .list_snap_trade_users()
                    .await
                    .expect("listSnapTradeUsers");
                std::hint::black_box(users);
            }
        }
    };
    let hooked: Vec<_> = hook_clients(&target)
        .iter()
        .map(|(label, client)| (label.clone(), list_call(client)))
        .collect();

    println!("GET {PATH} against {} ({secs} s per row)", target.base_url);
    println!(
        "{:<28} {:>5} {:>9} {:>10} {:>10} {:>11}",
        "client", "conc", "requests", "p50 us", "p99 us", "req/s"
    );
    // The two clients alternate in short rounds so that both see the same
    // background load (the machine may be busy with other work).
    let rounds: u32 = env_or("BENCH_ROUNDS", 3u32).max(1);
    let slice = Duration::from_secs_f64(secs / f64::from(rounds));
    let mut machine = Vec::new();
    for &c in &levels {
        // Warm-up: opens the connections of both pools.
        run(c, Duration::from_millis(200), floor_call.clone()).await;
        run(c, Duration::from_millis(200), ours_call.clone()).await;
        for (_, call) in &hooked {
            run(c, Duration::from_millis(200), call.clone()).await;
        }
        let (mut floor, mut ours) = (Acc::default(), Acc::default());
        let mut hooks: Vec<Acc> = hooked.iter().map(|_| Acc::default()).collect();
        for _ in 0..rounds {
            floor.add(run(c, slice, floor_call.clone()).await);
            ours.add(run(c, slice, ours_call.clone()).await);
            for ((_, call), acc) in hooked.iter().zip(&mut hooks) {
                acc.add(run(c, slice, call.clone()).await);
            }
        }
        report("reqwest-presigned", c, &floor.stats(), &mut machine);
        report("snaptrade-rust", c, &ours.stats(), &mut machine);
        for ((label, _), acc) in hooked.iter().zip(hooks) {
            report(label, c, &acc.stats(), &mut machine);
        }
    }
    for line in machine {
        println!("{line}");
    }
}

/// `BENCH_TRACING`: a fmt subscriber at that level, writing to nowhere.
fn install_tracing() {
    let level = match std::env::var("BENCH_TRACING").unwrap_or_default().as_str() {
        "" => return,
        "info" => tracing::Level::INFO,
        "debug" => tracing::Level::DEBUG,
        "trace" => tracing::Level::TRACE,
        other => panic!("BENCH_TRACING: unknown level {other:?} (info, debug, trace)"),
    };
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(false)
        .with_writer(std::io::sink)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("one subscriber");
    println!("tracing: fmt subscriber at {level}, writing to io::sink");
}

fn main() {
    install_tracing();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let external = std::env::var("BENCH_BASE_URL")
        .ok()
        .filter(|v| !v.is_empty());
    match external {
        Some(base_url) => runtime.block_on(bench(Target {
            base_url,
            client_id: std::env::var("BENCH_CLIENT_ID").expect("BENCH_CLIENT_ID"),
            consumer_key: std::env::var("BENCH_CONSUMER_KEY").expect("BENCH_CONSUMER_KEY"),
        })),
        None => {
            // In-process sandbox on its own runtime (one thread) so that its
            // work is not scheduled on the clients' workers.
            let server_rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("server runtime");
            let config = snaptrade_sandbox::SandboxConfig {
                rate_limit_per_minute: None,
                ..Default::default()
            };
            let sandbox = server_rt
                .block_on(snaptrade_sandbox::start(
                    config,
                    "127.0.0.1:0".parse().expect("addr"),
                ))
                .expect("start sandbox");
            let base_url = sandbox.base_url();
            let server = std::thread::spawn(move || {
                server_rt.block_on(async {
                    // Keep the server's runtime turning until the process exits.
                    std::future::pending::<()>().await;
                    drop(sandbox);
                })
            });
            runtime.block_on(bench(Target {
                base_url,
                client_id: snaptrade_sandbox::SANDBOX_CLIENT_ID.to_owned(),
                consumer_key: snaptrade_sandbox::SANDBOX_CONSUMER_KEY.to_owned(),
            }));
            drop(server);
        }
    }
}
