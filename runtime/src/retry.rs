//! When a failed call may be repeated, and how long to wait first.
//!
//! Safe by construction: an idempotent request (GET, PUT, DELETE, ... or one
//! the spec marks `x-idempotent: true`) is retried after connect errors,
//! timeouts and 429/502/503/504; a non-idempotent one (a call that
//! creates something, or returns a one-time secret) only when the connection was
//! refused before anything was sent. Each attempt is authenticated afresh, so
//! signatures carry a new timestamp.

use crate::error::TransportErrorKind;
use crate::response::RateLimit;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// Bounds on retrying one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first (1 = never retry).
    pub max_attempts: u32,
    /// Backoff base: the cap doubles from here on each retry.
    pub base_delay: Duration,
    /// The longest single wait.
    pub max_delay: Duration,
    /// No retry starts once this much time has passed since the first attempt,
    /// and no wait would end after it.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub const fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            base_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
            max_elapsed: Duration::ZERO,
        }
    }

    /// Exponential backoff with full jitter for the given retry number
    /// (1 for the first retry): a uniform wait in `[0, min(max, base·2^(n-1))]`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let cap = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)))
            .min(self.max_delay);
        let nanos = cap.as_nanos().min(u64::MAX as u128) as u64;
        if nanos == 0 {
            return Duration::ZERO;
        }
        // Saturating: a `max_delay` of `Duration::MAX` must not overflow.
        Duration::from_nanos(random_u64() % nanos.saturating_add(1))
    }
}

/// What happened on one attempt, as far as retrying is concerned.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Outcome {
    Status(u16, RateLimit),
    Transport {
        kind: TransportErrorKind,
        maybe_sent: bool,
    },
}

/// The wait before the next attempt, or `None` when the call must not be
/// repeated.
pub(crate) fn decide(
    policy: &RetryPolicy,
    idempotent: bool,
    outcome: Outcome,
    retry: u32,
) -> Option<Duration> {
    if retry >= policy.max_attempts {
        return None;
    }
    match outcome {
        // The same answer would come back (just as long, or redirecting).
        Outcome::Transport {
            kind:
                TransportErrorKind::BodyTooLarge
                | TransportErrorKind::Redirect
                | TransportErrorKind::UnexpectedUrl,
            ..
        } => None,
        Outcome::Transport {
            maybe_sent: false, ..
        } => Some(policy.backoff(retry)),
        // It may have reached the server: only a repeatable request goes again.
        Outcome::Transport { .. } => idempotent.then(|| policy.backoff(retry)),
        Outcome::Status(status, limits) => {
            if !idempotent || !matches!(status, 429 | 502 | 503 | 504) {
                return None;
            }
            // The server's own word beats our guess.
            let told = limits.retry_after_secs.or(if status == 429 {
                limits.reset_secs
            } else {
                None
            });
            match told {
                // A wait longer than the whole budget cannot end in a retry
                // the policy allows: give the answer back now. This also caps
                // what a hostile `Retry-After: 18446744073709551615` can ask.
                Some(secs) => {
                    let wait = Duration::from_secs(secs);
                    (wait <= policy.max_elapsed).then_some(wait)
                }
                None => Some(policy.backoff(retry)),
            }
        }
    }
}

/// Whether a retry after `wait` still starts within the policy's
/// `max_elapsed`, `elapsed` after the first attempt. Saturating: no
/// duration, however large, overflows.
pub(crate) fn within_budget(policy: &RetryPolicy, elapsed: Duration, wait: Duration) -> bool {
    elapsed.saturating_add(wait) <= policy.max_elapsed
}

/// A cheap random number: the standard library's per-process random hash keys
/// mixed with a counter. Jitter needs spread, not cryptographic quality.
fn random_u64() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transport(kind: TransportErrorKind, maybe_sent: bool) -> Outcome {
        Outcome::Transport { kind, maybe_sent }
    }

    #[test]
    fn non_idempotent_calls_retry_only_when_nothing_was_sent() {
        let p = RetryPolicy::default();
        assert!(decide(&p, false, transport(TransportErrorKind::Connect, false), 1).is_some());
        assert!(decide(&p, false, transport(TransportErrorKind::Timeout, true), 1).is_none());
        assert!(decide(&p, false, transport(TransportErrorKind::Other, true), 1).is_none());
        for s in [429, 500, 502, 503, 504] {
            assert!(decide(&p, false, Outcome::Status(s, RateLimit::default()), 1).is_none());
        }
    }

    #[test]
    fn idempotent_calls_retry_on_throttling_and_gateway_errors() {
        let p = RetryPolicy::default();
        assert!(decide(&p, true, transport(TransportErrorKind::Timeout, true), 1).is_some());
        assert!(decide(&p, true, transport(TransportErrorKind::Other, true), 1).is_some());
        for kind in [
            TransportErrorKind::BodyTooLarge,
            TransportErrorKind::Redirect,
            TransportErrorKind::UnexpectedUrl,
        ] {
            assert!(
                decide(&p, true, transport(kind, true), 1).is_none(),
                "{kind:?}"
            );
        }
        for s in [429, 502, 503, 504] {
            assert!(decide(&p, true, Outcome::Status(s, RateLimit::default()), 1).is_some());
        }
        for s in [400, 401, 403, 404, 500] {
            assert!(decide(&p, true, Outcome::Status(s, RateLimit::default()), 1).is_none());
        }
        let told = RateLimit {
            retry_after_secs: Some(3),
            ..RateLimit::default()
        };
        assert_eq!(
            decide(&p, true, Outcome::Status(429, told), 1),
            Some(Duration::from_secs(3))
        );
        let reset = RateLimit {
            reset_secs: Some(5),
            ..RateLimit::default()
        };
        assert_eq!(
            decide(&p, true, Outcome::Status(429, reset), 1),
            Some(Duration::from_secs(5))
        );
        assert!(decide(&p, true, Outcome::Status(503, RateLimit::default()), 4).is_none());
        // A server asking for longer than the budget gets no retry, however
        // large the number.
        for secs in [61, u64::MAX] {
            let told = RateLimit {
                retry_after_secs: Some(secs),
                reset_secs: Some(secs),
                ..RateLimit::default()
            };
            assert_eq!(decide(&p, true, Outcome::Status(429, told), 1), None);
        }
        assert!(decide(
            &RetryPolicy::never(),
            true,
            Outcome::Status(503, RateLimit::default()),
            1
        )
        .is_none());
    }

    #[test]
    fn extreme_policies_and_waits_never_overflow() {
        let huge = RetryPolicy {
            max_attempts: u32::MAX,
            base_delay: Duration::MAX,
            max_delay: Duration::MAX,
            max_elapsed: Duration::MAX,
        };
        for retry in [0, 1, 2, 64, u32::MAX] {
            assert!(huge.backoff(retry) <= Duration::MAX);
        }
        // `elapsed + wait` was a plain `+`: it panicked here.
        let p = RetryPolicy::default();
        assert!(!within_budget(&p, Duration::from_secs(1), Duration::MAX));
        assert!(!within_budget(&p, Duration::MAX, Duration::MAX));
        assert!(within_budget(&huge, Duration::MAX, Duration::MAX));
        assert!(within_budget(
            &p,
            Duration::from_secs(1),
            Duration::from_secs(59)
        ));
        assert!(!within_budget(
            &p,
            Duration::from_secs(1),
            Duration::from_secs(60)
        ));
    }

    #[test]
    fn backoff_is_bounded_by_the_doubling_cap() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            max_elapsed: Duration::from_secs(5),
        };
        for _ in 0..200 {
            assert!(p.backoff(1) <= Duration::from_millis(100));
            assert!(p.backoff(3) <= Duration::from_millis(400));
            assert!(p.backoff(9) <= Duration::from_millis(1000));
        }
        let spread: std::collections::BTreeSet<_> = (0..50).map(|_| p.backoff(9)).collect();
        assert!(spread.len() > 10, "jitter should spread waits");
    }
}
