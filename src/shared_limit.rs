//! `ClientBuilder::shared_rate_limit` (feature `redis`): SnapTrade's budget
//! is per client id, so every process using the same credentials shares one
//! Redis-backed limiter keyed by the client id.

use super::{ClientBuilder, ConfigError, LimiterChoice};
use crate::runtime::{RateLimiter, RedisLimiterConfig, RedisRateLimiter, RequestLimit};
use std::sync::Arc;
use std::time::Duration;

impl ClientBuilder {
    /// Keeps this client, and every other process that uses the same `key`
    /// on the same Redis, under `requests` per rolling `per` together
    /// (feature `redis`). SnapTrade counts 250 requests per minute per client
    /// id across all of your processes:
    ///
    /// ```no_run
    /// # fn main() -> Result<(), snaptrade::ConfigError> {
    /// use std::time::Duration;
    /// let client = snaptrade::Client::builder()
    ///     .from_env()
    ///     .shared_rate_limit("redis://127.0.0.1:6379/", None, 250, Duration::from_secs(60))
    ///     .shared_rate_limit_replicas(4) // fallback: 250 / 4 per minute each
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    ///
    /// * `key` names the budget; `None` or `Some("")` uses the client id, so
    ///   processes with the same credentials share it. The Redis key is
    ///   `rate-limit:<key>`; it expires when the budget is idle.
    /// * Same semantics as [`rate_limit`](Self::rate_limit): calls wait for a
    ///   slot and never fail for it, every attempt (retries too) takes one,
    ///   and a slot is held from sending until one window after the response.
    /// * Each Redis operation is bounded by 250 ms. When Redis is unreachable
    ///   or slow, calls go on with an in-process limiter sized at
    ///   `requests / replicas` (see
    ///   [`shared_rate_limit_replicas`](Self::shared_rate_limit_replicas)),
    ///   a `tracing` warning is logged, and Redis is tried again every second
    ///   and used as soon as it answers.
    /// * If Redis loses the budget (`FLUSHALL`, a restart, a failover), the
    ///   first process to notice stops every new slot for one window, so no
    ///   rolling window exceeds the budget; run that Redis with
    ///   `maxmemory-policy noeviction`. See "When Redis forgets" on
    ///   [`RedisRateLimiter`].
    /// * A slot not released within the client's [`timeout`](Self::timeout)
    ///   (say, its process crashed) counts as sent then and comes free one
    ///   window later.
    ///
    /// Replaces [`rate_limit`](Self::rate_limit) and
    /// [`rate_limiter`](Self::rate_limiter). [`build`](Self::build) fails on
    /// an empty or over-long limit or a malformed URL; it does not connect.
    /// For other settings (timeouts, key prefix) build a
    /// [`RedisRateLimiter`] yourself and pass it to
    /// [`rate_limiter`](Self::rate_limiter).
    pub fn shared_rate_limit(
        mut self,
        redis_url: impl Into<String>,
        key: Option<&str>,
        requests: u32,
        per: Duration,
    ) -> Self {
        let config = RedisLimiterConfig::new(
            redis_url,
            key.unwrap_or_default(),
            RequestLimit { requests, per },
        );
        self.limiter = Some(LimiterChoice::Shared(config));
        self
    }

    /// How many processes share the [`shared_rate_limit`](Self::shared_rate_limit)
    /// budget (default 1). While Redis is unavailable each process allows
    /// itself `requests / replicas` per window (at least 1), so that all of
    /// them falling back together still stay within the budget. 0 fails
    /// [`build`](Self::build).
    pub fn shared_rate_limit_replicas(mut self, replicas: u32) -> Self {
        self.limiter_replicas = replicas;
        self
    }
}

/// The store for a `shared_rate_limit` setting.
pub(super) fn build(
    mut config: RedisLimiterConfig,
    client_id: &str,
    timeout: Duration,
    replicas: u32,
) -> Result<Arc<dyn RateLimiter>, ConfigError> {
    if config.key.is_empty() {
        config.key = client_id.to_owned();
    }
    config.replicas = replicas;
    // The longest an attempt can take: past it, a slot never released
    // (crashed process) is treated as sent.
    config.lease = timeout.max(Duration::from_secs(1));
    let limiter = RedisRateLimiter::new(config).map_err(ConfigError::Invalid)?;
    Ok(Arc::new(limiter))
}

#[cfg(test)]
mod tests {
    use crate::runtime::RequestLimit;
    use crate::{Client, ConfigError};
    use std::time::Duration;

    fn builder() -> crate::ClientBuilder {
        Client::builder()
            .client_id("CLIENT-ID-1")
            .consumer_key("key")
            .base_url("http://127.0.0.1:9")
    }

    #[test]
    fn a_shared_limit_builds_without_connecting() {
        for key in [None, Some("")] {
            let client = builder()
                .shared_rate_limit("redis://127.0.0.1:1/", key, 20, Duration::from_secs(3))
                .build()
                .unwrap();
            assert_eq!(
                client.transport().rate_limit(),
                Some(RequestLimit {
                    requests: 20,
                    per: Duration::from_secs(3)
                })
            );
        }
    }

    #[test]
    fn bad_shared_settings_fail_the_build() {
        let per = Duration::from_secs(60);
        let cases = [
            builder().shared_rate_limit("redis://127.0.0.1/", None, 0, per),
            builder().shared_rate_limit("redis://127.0.0.1/", None, 1, Duration::MAX),
            builder().shared_rate_limit("nonsense", None, 250, per),
            builder()
                .shared_rate_limit("redis://127.0.0.1/", None, 250, per)
                .shared_rate_limit_replicas(0),
        ];
        for case in cases {
            let err = case.build().unwrap_err();
            assert!(matches!(err, ConfigError::Invalid(_)), "{err}");
        }
    }

    #[test]
    fn the_redis_password_stays_out_of_debug_output() {
        let b = builder().shared_rate_limit(
            "redis://:sup3rsecret@127.0.0.1:6379/",
            None,
            5,
            Duration::from_secs(1),
        );
        assert!(!format!("{b:?}").contains("sup3rsecret"));
        let client = b.build().unwrap();
        assert!(!format!("{:?}", client.transport()).contains("sup3rsecret"));
    }
}
