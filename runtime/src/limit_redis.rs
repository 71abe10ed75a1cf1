//! [`RedisRateLimiter`]: one request budget shared by every process and
//! machine that names the same Redis key (feature `redis`).
//!
//! The algorithm and the fallback are described on [`RedisRateLimiter`].

use crate::limit::{Acquire, InProcessLimiter, Permit, RateLimiter, RequestLimit};
use redis::aio::MultiplexedConnection;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Takes a slot if fewer than `ARGV[1]` are taken; see the type's docs.
/// Returns `{1, 0, epoch}` when taken, `{0, ms, epoch}` with a wait hint when
/// not, and `{2, ms, epoch}` when the budget's data was lost since this
/// limiter last saw it (see "When Redis forgets" on [`RedisRateLimiter`]).
///
/// `KEYS[2]` is the budget's epoch: a hash with `id` (random, replaced on
/// every loss) and `quiet` (Redis time in ms until which nothing is admitted).
/// `ARGV[5]` is the epoch this limiter last saw (`""`: none yet), `ARGV[6]` a
/// fresh random id, `ARGV[7]` `"1"` when the server changed under the limiter
/// (its `run_id`), whose data may be older than what the limiter saw.
const ACQUIRE: &str = r"
local key = KEYS[1]
local ekey = KEYS[2]
local limit = tonumber(ARGV[1])
local hold = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
local known = ARGV[5]
local fresh = ARGV[6]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local epoch = redis.call('HGET', ekey, 'id')
local lost = false
if not epoch then
  redis.call('HSET', ekey, 'id', fresh)
  epoch = fresh
  if known ~= '' then
    lost = true
    redis.call('HSET', ekey, 'quiet', now + window)
  end
elseif known ~= '' and epoch ~= known then
  lost = true
  if redis.call('HEXISTS', ekey, 'quiet') == 0 then
    redis.call('HSET', ekey, 'quiet', now + window)
  end
elseif ARGV[7] == '1' then
  redis.call('HSET', ekey, 'id', fresh)
  epoch = fresh
  lost = true
  redis.call('HSET', ekey, 'quiet', now + window)
end
redis.call('PEXPIRE', ekey, 86400000)
local quiet = tonumber(redis.call('HGET', ekey, 'quiet') or '0') - now
if lost then
  if quiet < 1 then quiet = 1 end
  return {2, quiet, epoch}
end
if quiet > 0 then
  return {0, quiet, epoch}
end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now + hold, ARGV[2])
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', key, tonumber(last[2]) + 1000)
  return {1, 0, epoch}
end
local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local wait = tonumber(first[2]) - now
if wait > window then wait = window end
if wait < 1 then wait = 1 end
return {0, wait, epoch}
";

/// Puts back the slots a limiter knows it holds: `ARGV` is pairs of member
/// and milliseconds until it comes free. An existing member keeps the later
/// time.
const RESEED: &str = r"
local key = KEYS[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #ARGV, 2 do
  local at = now + tonumber(ARGV[i + 1])
  local current = redis.call('ZSCORE', key, ARGV[i])
  if not current or tonumber(current) < at then
    redis.call('ZADD', key, at, ARGV[i])
  end
end
local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
if last[2] then
  redis.call('PEXPIREAT', key, tonumber(last[2]) + 1000)
end
return 1
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
    /// Times this limiter found that Redis had lost the budget's data
    /// (another limiter may have found the same loss first).
    pub losses: u64,
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
/// Losing Redis means losing sight of the other processes' slots of the last
/// window, so a limiter that had used Redis admits nothing from the fallback
/// for one window from that moment (a quick return of Redis ends the wait;
/// a long outage costs one window without calls); after that, each process
/// takes at most its share. The fallback always
/// knows this process's recent use: slots taken in Redis are also recorded
/// there (without waiting), so falling back does not start from an empty
/// budget. Slots taken during an outage are unknown to Redis: a limiter puts
/// the slots it holds back into Redis before its first acquire there after
/// an outage, and for one window after coming back each request needs both a
/// Redis slot and a fallback slot.
///
/// # When Redis forgets
/// A `FLUSHALL`, a restart without persistence (or with an older snapshot),
/// a failover to a replica that lagged, or an eviction would otherwise hand
/// out a whole new budget while the old one's requests are still in their
/// window. The rule kept: no rolling window exceeds the budget, whatever
/// Redis forgets. Beside the sorted set, each budget has an epoch key
/// (`<key>:epoch`, a hash with a random `id`, kept 24 h after the last use)
/// that every limiter remembers:
/// * a limiter that has used the budget before and finds the epoch gone or
///   replaced, or that reconnects to a server with another `run_id` (`INFO
///   server`: a restart or a failover), declares a loss: a new epoch, and no
///   new slot for anyone for one full window (`quiet` in the epoch hash, in
///   Redis time) from that moment;
/// * it then puts the slots it knows it holds (in flight, or released less
///   than a window ago) back into the set, so they count again; the others
///   do the same when they next ask, since their epoch is now out of date;
/// * [`RedisLimiterStats::losses`] counts the losses a limiter found.
///
/// Settings this needs: `maxmemory-policy noeviction` (or no `maxmemory`)
/// on the Redis holding budgets, or at least a policy that cannot evict
/// these keys; both carry a TTL, so the `volatile-*` policies may evict them
/// too. An evicted set whose epoch key survives is not detected. A limiter
/// that had never used the budget before the loss cannot tell a lost budget
/// from a new one; if it is the first to ask after the loss it admits at
/// once (the others then start the quiet window when they ask). A request
/// that stays in flight across the loss for more than a window is put back
/// only when its limiter next talks to Redis.
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
    reseed: redis::Script,
    /// The Redis key of the budget's epoch (see "When Redis forgets").
    epoch_key: String,
    /// What this limiter knows of Redis and of its own slots.
    memory: Mutex<Memory>,
    /// Set when the server's `run_id` changed: the next acquire declares a
    /// loss.
    server_changed: AtomicBool,
    redis_slots: AtomicU64,
    fallback_slots: AtomicU64,
    redis_errors: AtomicU64,
    fallbacks: AtomicU64,
    recoveries: AtomicU64,
    fallback_ms: AtomicU64,
    lost: AtomicU64,
}

/// Marks the tokens of slots taken from the fallback (they have no member
/// in Redis unless re-seeded).
const FALLBACK_TOKEN: u64 = 1 << 63;

/// What a limiter remembers so that it can tell when Redis forgot, and put
/// back what it knows.
#[derive(Default)]
struct Memory {
    /// The epoch id last seen in Redis; `None` before the first answer.
    epoch: Option<String>,
    /// The server's `run_id` at the last connection.
    run_id: Option<String>,
    /// This limiter's slots that still count: in flight (`None`) or released
    /// at the given moment (they count one window more).
    slots: HashMap<u64, Option<Instant>>,
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
    /// After losing Redis: no fallback slot before then (one window, since
    /// the other processes' recent slots are unknown).
    hold_until: Option<Instant>,
    /// Set on losing Redis: the slots this limiter holds go back into Redis
    /// before its next acquire there.
    reseed_pending: bool,
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
                reseed: redis::Script::new(RESEED),
                epoch_key: format!("{}{}:epoch", config.key_prefix, config.key),
                memory: Mutex::new(Memory::default()),
                server_changed: AtomicBool::new(false),
                redis_slots: AtomicU64::new(0),
                fallback_slots: AtomicU64::new(0),
                redis_errors: AtomicU64::new(0),
                fallbacks: AtomicU64::new(0),
                recoveries: AtomicU64::new(0),
                fallback_ms: AtomicU64::new(0),
                lost: AtomicU64::new(0),
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
            losses: load(&i.lost),
        }
    }
}

impl Inner {
    fn health(&self) -> MutexGuard<'_, Health> {
        // Plain fields, each set in one step: a poisoned lock is consistent.
        self.health.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn memory(&self) -> MutexGuard<'_, Memory> {
        self.memory.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a slot taken (from Redis or the fallback), and forgets the
    /// released ones that no longer count.
    fn remember(&self, token: u64) {
        let now = Instant::now();
        let per = self.limit.per;
        let mut memory = self.memory();
        memory
            .slots
            .retain(|_, released| released.is_none_or(|at| now.duration_since(at) < per));
        memory.slots.insert(token, None);
    }

    /// The slots to put back into Redis: member and ms until free.
    fn held_slots(&self) -> Vec<(String, u64)> {
        let now = Instant::now();
        let memory = self.memory();
        memory
            .slots
            .iter()
            .filter_map(|(token, released)| {
                let left = match released {
                    None => self.hold_ms,
                    Some(at) => self.per_ms.checked_sub(ms(now.duration_since(*at)))?,
                };
                (left > 0).then(|| (format!("{}{token}", self.member_prefix), left))
            })
            .collect()
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
        let used_redis = self.memory().epoch.is_some();
        let mut health = self.health();
        health.probing = None;
        health.retry_at = Some(now + self.reprobe);
        health.reseed_pending = true;
        if health.down_since.is_none() {
            health.down_since = Some(now);
            // The other processes' slots of the last window are unknown now
            // (a limiter that never got an answer had none in sight).
            if used_redis {
                health.hold_until = now.checked_add(self.limit.per);
            }
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
        let mut conn = self
            .client
            .get_multiplexed_async_connection_with_config(&self.connection)
            .await
            .map_err(|e| e.to_string())?;
        // Another server (a restart, a failover) may hold older data than
        // this limiter saw: the next acquire then declares a loss.
        let info: String = redis::cmd("INFO")
            .arg("server")
            .query_async(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        let run_id = info
            .lines()
            .find_map(|l| l.strip_prefix("run_id:"))
            .map(|id| id.trim().to_owned());
        {
            let mut memory = self.memory();
            if run_id.is_some() && memory.run_id.is_some() && memory.run_id != run_id {
                self.server_changed.store(true, Ordering::SeqCst);
            }
            if run_id.is_some() {
                memory.run_id = run_id;
            }
        }
        *self.conn() = Some(conn.clone());
        Ok(conn)
    }

    /// Puts the slots this limiter holds back into Redis.
    async fn put_back(&self, conn: &mut MultiplexedConnection) -> Result<(), String> {
        let held = self.held_slots();
        if held.is_empty() {
            return Ok(());
        }
        let mut invocation = self.reseed.key(&self.key);
        for (member, left) in &held {
            invocation.arg(member).arg(*left);
        }
        invocation
            .invoke_async::<i64>(conn)
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    /// One acquire script run (after putting back this limiter's slots if
    /// Redis was unreachable or forgot).
    async fn try_redis(&self, member: &str) -> Result<Attempt, String> {
        let run = async {
            let mut conn = self.connection().await?;
            if std::mem::take(&mut self.health().reseed_pending) {
                if let Err(e) = self.put_back(&mut conn).await {
                    self.health().reseed_pending = true;
                    return Err(e);
                }
            }
            let known = self.memory().epoch.clone().unwrap_or_default();
            let fresh = format!(
                "{:016x}",
                std::collections::hash_map::RandomState::new()
                    .build_hasher()
                    .finish()
            );
            let changed = self.server_changed.swap(false, Ordering::SeqCst);
            let answer: Result<(i64, i64, String), String> = self
                .acquire
                .key(&self.key)
                .key(&self.epoch_key)
                .arg(self.limit.requests)
                .arg(member)
                .arg(self.hold_ms)
                .arg(self.per_ms)
                .arg(&known)
                .arg(&fresh)
                .arg(if changed { "1" } else { "0" })
                .invoke_async(&mut conn)
                .await
                .map_err(|e| e.to_string());
            let (taken, wait_ms, epoch) = match answer {
                Ok(answer) => answer,
                Err(e) => {
                    if changed {
                        self.server_changed.store(true, Ordering::SeqCst);
                    }
                    return Err(e);
                }
            };
            self.memory().epoch = Some(epoch);
            let wait = Duration::from_millis(wait_ms.clamp(1, self.per_ms as i64) as u64);
            Ok(match taken {
                1 => Attempt::Taken,
                2 => {
                    // Redis forgot: put back what this limiter holds; the
                    // script has started the quiet window.
                    self.lost.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        key = %self.key,
                        quiet_ms = wait.as_millis() as u64,
                        "Redis lost the rate limiter's data (flushed, restarted, failed over or \
                         evicted): no new slot for one window"
                    );
                    self.put_back(&mut conn).await?;
                    Attempt::Wait(wait)
                }
                _ => Attempt::Wait(wait),
            })
        };
        match tokio::time::timeout(self.op_timeout, run).await {
            Ok(result) => result,
            Err(_) => Err(format!("no answer within {:?}", self.op_timeout)),
        }
    }

    /// While the fallback holds back after losing Redis: how long still.
    fn fallback_hold(&self) -> Option<Duration> {
        let until = self.health().hold_until?;
        let left = until.saturating_duration_since(Instant::now());
        (!left.is_zero()).then_some(left)
    }

    async fn acquire(&self) -> Permit {
        loop {
            if !self.redis_turn() {
                if let Some(left) = self.fallback_hold() {
                    // Redis is tried again meanwhile (every `reprobe`).
                    tokio::time::sleep(left.min(self.reprobe)).await;
                    continue;
                }
                self.fallback.wait_for_slot().await;
                self.fallback_slots.fetch_add(1, Ordering::Relaxed);
                let token = self.next_token.fetch_add(1, Ordering::Relaxed) | FALLBACK_TOKEN;
                self.remember(token);
                return Permit::new(token);
            }
            let token = self.next_token.fetch_add(1, Ordering::Relaxed);
            let member = format!("{}{token}", self.member_prefix);
            match self.try_redis(&member).await {
                Ok(Attempt::Taken) => {
                    if self.mark_up() {
                        self.fallback.wait_for_slot().await;
                    } else {
                        self.fallback.take_unchecked();
                    }
                    self.redis_slots.fetch_add(1, Ordering::Relaxed);
                    self.remember(token);
                    return Permit::new(token);
                }
                Ok(Attempt::Wait(wait)) => {
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

/// What one acquire script run said.
enum Attempt {
    /// The slot is ours.
    Taken,
    /// Ask again after this long.
    Wait(Duration),
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
        if let Some(slot) = self.inner.memory().slots.get_mut(&permit.token()) {
            *slot = Some(Instant::now());
        }
        // A fallback slot is added to Redis too when it is reachable: it
        // may have been put back there while the request was in flight.
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
        assert!(a.token() & b.token() & FALLBACK_TOKEN != 0);
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
