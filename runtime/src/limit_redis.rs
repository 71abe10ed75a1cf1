//! [`RedisRateLimiter`]: one request budget shared by every process and
//! machine that names the same Redis key (feature `redis`).
//!
//! The algorithm and the fallback are described on [`RedisRateLimiter`].

use crate::limit::{Acquire, InProcessLimiter, Permit, RateLimiter, RequestLimit};
use redis::aio::MultiplexedConnection;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Takes a slot if fewer than `ARGV[1]` are taken; see the module docs.
/// Returns `{1, 0}` when taken, `{0, ms}` with a wait hint when not.
const ACQUIRE: &str = r"
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local hold = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now + hold, ARGV[2])
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', key, tonumber(last[2]) + 1000)
  return {1, 0}
end
local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local wait = tonumber(first[2]) - now
if wait > window then wait = window end
if wait < 1 then wait = 1 end
return {0, wait}
";

/// Gives slot `ARGV[1]` back: it comes free `ARGV[2]` ms from now. Adds it
/// again if its lease already ran out (the request may still have arrived).
const RELEASE: &str = r"
local key = KEYS[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', key, now + tonumber(ARGV[2]), ARGV[1])
local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', key, tonumber(last[2]) + 1000)
return 1
";

/// Settings of a [`RedisRateLimiter`]. [`new`](Self::new) fills in the
/// defaults; the fields can then be changed.
#[derive(Clone)]
pub struct RedisLimiterConfig {
    /// `redis://[:password@]host[:port][/db]` (or `rediss://` with a TLS
    /// build of the `redis` crate). Never shown in `Debug` output with its
    /// password.
    pub url: String,
    /// Names the budget: every limiter with the same key (and prefix) on the
    /// same Redis shares it.
    pub key: String,
    /// Prepended to `key` to form the Redis key (default `"rate-limit:"`).
    pub key_prefix: String,
    /// The shared budget.
    pub limit: RequestLimit,
    /// How many processes share the budget; while Redis is unavailable each
    /// allows `limit.requests / replicas` (at least 1). Default 1.
    pub replicas: u32,
    /// Longest wait for any one Redis operation, connecting included
    /// (default 250 ms). Past it the call goes on with the fallback.
    pub op_timeout: Duration,
    /// How often Redis is tried again while the fallback is in use
    /// (default 1 s).
    pub reprobe: Duration,
    /// Longest time a slot counts as in flight without being released
    /// (default 30 s, the default request timeout): bounds what a crashed
    /// process holds. Set it to at least the request timeout.
    pub lease: Duration,
}

impl RedisLimiterConfig {
    /// `limit` shared under `key` on the Redis at `url`, with the defaults
    /// listed on the fields.
    pub fn new(url: impl Into<String>, key: impl Into<String>, limit: RequestLimit) -> Self {
        RedisLimiterConfig {
            url: url.into(),
            key: key.into(),
            key_prefix: "rate-limit:".into(),
            limit,
            replicas: 1,
            op_timeout: Duration::from_millis(250),
            reprobe: Duration::from_secs(1),
            lease: Duration::from_secs(30),
        }
    }
}

impl fmt::Debug for RedisLimiterConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLimiterConfig")
            .field("url", &redacted(&self.url))
            .field("key", &self.key)
            .field("key_prefix", &self.key_prefix)
            .field("limit", &self.limit)
            .field("replicas", &self.replicas)
            .field("op_timeout", &self.op_timeout)
            .field("reprobe", &self.reprobe)
            .field("lease", &self.lease)
            .finish()
    }
}

/// The URL with any password replaced by `***`.
fn redacted(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => "<unparsable URL>".into(),
    }
}

/// What a [`RedisRateLimiter`] did so far, from [`RedisRateLimiter::stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RedisLimiterStats {
    /// Slots taken in Redis.
    pub redis_slots: u64,
    /// Slots taken from the in-process fallback while Redis was unavailable.
    pub fallback_slots: u64,
    /// Redis operations that failed or timed out.
    pub redis_errors: u64,
    /// Switches from Redis to the fallback.
    pub fallbacks: u64,
    /// Switches back to Redis.
    pub recoveries: u64,
    /// Time spent on the fallback, in milliseconds (up to the last recovery,
    /// plus the current outage if there is one).
    pub fallback_ms: u64,
    /// Whether the fallback is in use now.
    pub on_fallback: bool,
}

/// A [`RateLimiter`] whose slots are kept in Redis, so that every process
/// using the same key shares one budget.
///
/// Building one does not connect: the first request does. Cheap to clone;
/// clones share everything.
///
/// # Slots in Redis
/// A budget is one sorted set. Each member is a slot; its score is the Redis
/// server time (ms) at which the slot comes free:
/// * acquire (one Lua script, atomic): drop the members whose time has
///   passed, and if fewer than `requests` remain add ours with score
///   `now + lease + per` (a slot held by a request in progress); otherwise
///   answer how long until the earliest member comes free (at most `per`,
///   since a held slot released now comes free `per` from now);
/// * release (another script): set our member's score to `now + per`.
///
/// All times are the Redis server's clock (`TIME`), so hosts with skewed
/// clocks agree. The lease bounds how long a crashed process keeps its slots:
/// a request that has not been released `lease` after it was sent is assumed
/// to have arrived by then, and its slot comes free `per` later. Keys carry a
/// `PEXPIREAT` at their latest member's time, so an idle budget disappears
/// and nothing grows without bound.
///
/// # When Redis is unreachable or slow
/// Every Redis operation (connect included) is bounded by `op_timeout`. On a
/// failure the limiter logs a `tracing` warning and switches to an
/// in-process [`InProcessLimiter`] sized at `requests / replicas` (at least
/// 1): if every replica falls back together, they still stay within the
/// budget. It probes Redis again every `reprobe` (one caller at a time;
/// the others keep using the fallback meanwhile) and switches back as soon as
/// a probe succeeds.
///
/// The fallback always knows this process's recent use: slots taken in Redis
/// are also recorded there (without waiting), so falling back does not start
/// from an empty budget. Slots taken during an outage are unknown to Redis,
/// so for one window after coming back each request needs both a Redis slot
/// and a fallback slot; that keeps the process at its fallback share until
/// the outage's slots have aged out everywhere.
///
/// Limits of the fallback, by design: the shares only add up to the budget
/// when `replicas` is right, and processes switch at slightly different
/// moments (each within `reprobe`), so around an outage the shared window
/// is kept approximately, not exactly. An operation that timed out may still
/// have taken its slot in Redis; that slot then counts until its lease ends
/// (too cautious, never too lax).
#[derive(Clone)]
pub struct RedisRateLimiter {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    url: String,
    connection: redis::AsyncConnectionConfig,
    conn: Mutex<Option<MultiplexedConnection>>,
    /// One connection attempt at a time.
    connecting: tokio::sync::Mutex<()>,
    /// The full Redis key.
    key: String,
    limit: RequestLimit,
    replicas: u32,
    op_timeout: Duration,
    reprobe: Duration,
    /// `lease + per` in ms: a fresh slot's time to live.
    hold_ms: u64,
    per_ms: u64,
    fallback: InProcessLimiter,
    health: Mutex<Health>,
    /// Unique to this limiter, so members of different processes differ.
    member_prefix: String,
    next_token: AtomicU64,
    acquire: redis::Script,
    release: redis::Script,
    redis_slots: AtomicU64,
    fallback_slots: AtomicU64,
    redis_errors: AtomicU64,
    fallbacks: AtomicU64,
    recoveries: AtomicU64,
    fallback_ms: AtomicU64,
}

#[derive(Default)]
struct Health {
    /// Set while the fallback is in use.
    down_since: Option<Instant>,
    /// While down: when Redis may be tried again.
    retry_at: Option<Instant>,
    /// When the probe under way started. A probe whose caller was dropped
    /// never reports back, so one older than two timeouts is ignored.
    probing: Option<Instant>,
    /// Until then, a Redis slot also needs a fallback slot (see module docs).
    probation_until: Option<Instant>,
}

impl fmt::Debug for RedisRateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRateLimiter")
            .field("url", &self.inner.url)
            .field("key", &self.inner.key)
            .field("limit", &self.inner.limit)
            .field("replicas", &self.inner.replicas)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl RedisRateLimiter {
    /// A limiter for `config`. Fails on an invalid limit, replica count,
    /// timeout or URL; does not connect.
    pub fn new(config: RedisLimiterConfig) -> Result<RedisRateLimiter, String> {
        config.limit.validate()?;
        if config.replicas == 0 {
            return Err("the replica count must be at least 1".into());
        }
        if config.op_timeout.is_zero() || config.reprobe.is_zero() {
            return Err("the Redis operation timeout and reprobe interval must not be zero".into());
        }
        if config.key.is_empty() {
            return Err("the rate limit key must not be empty".into());
        }
        let url = redacted(&config.url);
        let client = redis::Client::open(config.url.as_str())
            .map_err(|e| format!("invalid Redis URL {url}: {e}"))?;
        let per_ms = ms(config.limit.per).max(1);
        let hold_ms = ms(config.lease).saturating_add(per_ms);
        let fallback = InProcessLimiter::new(RequestLimit {
            requests: (config.limit.requests / config.replicas).max(1),
            per: config.limit.per,
        })?;
        // Random per limiter: std's hasher keys come from the OS.
        let random = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        Ok(RedisRateLimiter {
            inner: Arc::new(Inner {
                client,
                url,
                connection: redis::AsyncConnectionConfig::new()
                    .set_connection_timeout(Some(config.op_timeout))
                    .set_response_timeout(Some(config.op_timeout)),
                conn: Mutex::new(None),
                connecting: tokio::sync::Mutex::new(()),
                key: format!("{}{}", config.key_prefix, config.key),
                limit: config.limit,
                replicas: config.replicas,
                op_timeout: config.op_timeout,
                reprobe: config.reprobe,
                hold_ms,
                per_ms,
                fallback,
                health: Mutex::new(Health::default()),
                member_prefix: format!("{random:016x}-{}:", std::process::id()),
                next_token: AtomicU64::new(1),
                acquire: redis::Script::new(ACQUIRE),
                release: redis::Script::new(RELEASE),
                redis_slots: AtomicU64::new(0),
                fallback_slots: AtomicU64::new(0),
                redis_errors: AtomicU64::new(0),
                fallbacks: AtomicU64::new(0),
                recoveries: AtomicU64::new(0),
                fallback_ms: AtomicU64::new(0),
            }),
        })
    }

    /// The Redis key holding the budget.
    pub fn key(&self) -> &str {
        &self.inner.key
    }

    /// The counters so far.
    pub fn stats(&self) -> RedisLimiterStats {
        let i = &self.inner;
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let down_since = i.health().down_since;
        RedisLimiterStats {
            redis_slots: load(&i.redis_slots),
            fallback_slots: load(&i.fallback_slots),
            redis_errors: load(&i.redis_errors),
            fallbacks: load(&i.fallbacks),
            recoveries: load(&i.recoveries),
            fallback_ms: load(&i.fallback_ms) + down_since.map_or(0, |t| ms(t.elapsed())),
            on_fallback: down_since.is_some(),
        }
    }
}

impl Inner {
    fn health(&self) -> MutexGuard<'_, Health> {
        // Plain fields, each set in one step: a poisoned lock is consistent.
        self.health.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn conn(&self) -> MutexGuard<'_, Option<MultiplexedConnection>> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether this caller should ask Redis: always while it is up; while it
    /// is down, one caller once per `reprobe`.
    fn redis_turn(&self) -> bool {
        let mut health = self.health();
        let Some(retry_at) = health.retry_at else {
            return true;
        };
        let now = Instant::now();
        let probe_running = health
            .probing
            .is_some_and(|t| now.duration_since(t) < self.op_timeout * 2);
        if probe_running || now < retry_at {
            return false;
        }
        health.probing = Some(now);
        true
    }

    /// Redis answered. Returns whether the probation after an outage is on.
    fn mark_up(&self) -> bool {
        let now = Instant::now();
        let mut health = self.health();
        health.probing = None;
        health.retry_at = None;
        if let Some(since) = health.down_since.take() {
            self.recoveries.fetch_add(1, Ordering::Relaxed);
            self.fallback_ms
                .fetch_add(ms(since.elapsed()), Ordering::Relaxed);
            health.probation_until = now.checked_add(self.limit.per);
            tracing::info!(
                key = %self.key,
                outage_ms = ms(since.elapsed()),
                "Redis rate limiter reachable again: back to the shared budget"
            );
        }
        match health.probation_until {
            Some(until) if now < until => true,
            Some(_) => {
                health.probation_until = None;
                false
            }
            None => false,
        }
    }

    /// A Redis operation failed: use the fallback until the next probe.
    fn mark_down(&self, error: &str) {
        self.redis_errors.fetch_add(1, Ordering::Relaxed);
        // A broken or stuck connection is not reused; the probe reconnects.
        *self.conn() = None;
        let now = Instant::now();
        let mut health = self.health();
        health.probing = None;
        health.retry_at = Some(now + self.reprobe);
        if health.down_since.is_none() {
            health.down_since = Some(now);
            self.fallbacks.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                key = %self.key,
                redis = %self.url,
                error,
                fallback_requests = self.fallback.limit().requests,
                per_ms = self.per_ms,
                "Redis rate limiter unavailable: using the in-process fallback \
                 (budget / replicas) until Redis answers again"
            );
        }
    }

    async fn connection(&self) -> Result<MultiplexedConnection, String> {
        if let Some(conn) = self.conn().clone() {
            return Ok(conn);
        }
        let _one = self.connecting.lock().await;
        if let Some(conn) = self.conn().clone() {
            return Ok(conn);
        }
        let conn = self
            .client
            .get_multiplexed_async_connection_with_config(&self.connection)
            .await
            .map_err(|e| e.to_string())?;
        *self.conn() = Some(conn.clone());
        Ok(conn)
    }

    /// One acquire script run: `None` when the slot was taken, else how long
    /// to wait before trying again.
    async fn try_redis(&self, member: &str) -> Result<Option<Duration>, String> {
        let run = async {
            let mut conn = self.connection().await?;
            let (taken, wait_ms): (i64, i64) = self
                .acquire
                .key(&self.key)
                .arg(self.limit.requests)
                .arg(member)
                .arg(self.hold_ms)
                .arg(self.per_ms)
                .invoke_async(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
            Ok(if taken == 1 {
                None
            } else {
                Some(Duration::from_millis(
                    wait_ms.clamp(1, self.per_ms as i64) as u64
                ))
            })
        };
        match tokio::time::timeout(self.op_timeout, run).await {
            Ok(result) => result,
            Err(_) => Err(format!("no answer within {:?}", self.op_timeout)),
        }
    }

    async fn acquire(&self) -> Permit {
        loop {
            if !self.redis_turn() {
                self.fallback.wait_for_slot().await;
                self.fallback_slots.fetch_add(1, Ordering::Relaxed);
                return Permit::new(0);
            }
            let token = self.next_token.fetch_add(1, Ordering::Relaxed);
            let member = format!("{}{token}", self.member_prefix);
            match self.try_redis(&member).await {
                Ok(None) => {
                    if self.mark_up() {
                        self.fallback.wait_for_slot().await;
                    } else {
                        self.fallback.take_unchecked();
                    }
                    self.redis_slots.fetch_add(1, Ordering::Relaxed);
                    return Permit::new(token);
                }
                Ok(Some(wait)) => {
                    self.mark_up();
                    // A little spread so that the waiters of all processes
                    // do not ask at the same millisecond.
                    let jitter = Duration::from_micros(token.wrapping_mul(7919) % 3000);
                    tokio::time::sleep(wait + jitter).await;
                }
                Err(error) => self.mark_down(&error),
            }
        }
    }
}

impl RateLimiter for RedisRateLimiter {
    fn limit(&self) -> RequestLimit {
        self.inner.limit
    }

    fn acquire(&self) -> Acquire<'_> {
        Box::pin(self.inner.acquire())
    }

    fn release(&self, permit: Permit) {
        // Every permit holds a fallback slot (taken or recorded).
        self.inner.fallback.give_back();
        if permit.token() == 0 {
            return;
        }
        // Without a runtime or a connection the lease ends the slot instead.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let Some(mut conn) = self.inner.conn().clone() else {
            return;
        };
        let inner = self.inner.clone();
        let member = format!("{}{}", inner.member_prefix, permit.token());
        runtime.spawn(async move {
            let mut invocation = inner.release.key(&inner.key);
            invocation.arg(&member).arg(inner.per_ms);
            let run = invocation.invoke_async::<i64>(&mut conn);
            match tokio::time::timeout(inner.op_timeout, run).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => inner.mark_down(&e.to_string()),
                Err(_) => inner.mark_down("release: no answer in time"),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_redis_password() {
        let config = RedisLimiterConfig::new(
            "redis://user:hunter2@127.0.0.1:6379/0",
            "budget",
            RequestLimit {
                requests: 5,
                per: Duration::from_secs(1),
            },
        );
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("user:***@127.0.0.1"), "{shown}");
        let limiter = RedisRateLimiter::new(config).unwrap();
        let shown = format!("{limiter:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(limiter.key(), "rate-limit:budget");
    }

    #[test]
    fn rejects_unusable_settings() {
        let limit = RequestLimit {
            requests: 5,
            per: Duration::from_secs(1),
        };
        let base = || RedisLimiterConfig::new("redis://127.0.0.1:1/", "k", limit);
        let mut cases = vec![];
        let mut c = base();
        c.replicas = 0;
        cases.push(c);
        let mut c = base();
        c.op_timeout = Duration::ZERO;
        cases.push(c);
        let mut c = base();
        c.key = String::new();
        cases.push(c);
        let mut c = base();
        c.limit.per = Duration::MAX;
        cases.push(c);
        let mut c = base();
        c.url = "not a url".into();
        cases.push(c);
        for c in cases {
            assert!(RedisRateLimiter::new(c.clone()).is_err(), "{c:?}");
        }
        assert!(RedisRateLimiter::new(base()).is_ok());
    }

    #[tokio::test]
    async fn an_unreachable_redis_falls_back_at_once_and_sizes_the_fallback_by_replicas() {
        // Port 1 on loopback refuses connections.
        let mut config = RedisLimiterConfig::new(
            "redis://127.0.0.1:1/",
            "k",
            RequestLimit {
                requests: 6,
                per: Duration::from_secs(30),
            },
        );
        config.replicas = 3;
        let limiter = RedisRateLimiter::new(config).unwrap();
        let started = Instant::now();
        let a = limiter.acquire().await;
        let b = limiter.acquire().await;
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!((a.token(), b.token()), (0, 0));
        // 6 / 3 = 2 slots while Redis is away.
        let third = tokio::time::timeout(Duration::from_millis(200), limiter.acquire()).await;
        assert!(third.is_err(), "a third slot within the window");
        let stats = limiter.stats();
        assert_eq!((stats.fallbacks, stats.fallback_slots), (1, 2));
        assert!(stats.on_fallback && stats.redis_errors >= 1, "{stats:?}");
        limiter.release(a);
        limiter.release(b);
    }
}
