//! An optional client-side rate limiter: at most `n` requests in any rolling
//! window, waiting (never failing) for a free slot.
//!
//! Servers count a request when it arrives, which is somewhere between our
//! send and the end of the response, so a request holds its slot from the
//! moment it is sent until one window after its response has been read (or
//! the attempt was abandoned). Then any window of server arrival times holds
//! at most `n` of our requests, however long each request took and however
//! bursty the callers are.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, SemaphorePermit};

/// A limit of `requests` per rolling `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimit {
    /// Requests allowed in any window.
    pub requests: u32,
    /// The window.
    pub per: Duration,
}

impl RequestLimit {
    /// SnapTrade's documented default: 250 requests per minute.
    pub const SNAPTRADE_DEFAULT: RequestLimit = RequestLimit {
        requests: 250,
        per: Duration::from_secs(60),
    };
}

pub(crate) struct Limiter {
    limit: RequestLimit,
    slots: Semaphore,
    /// When slots that were used come free again, in order.
    returns: Mutex<VecDeque<Instant>>,
}

/// A slot held by one attempt; released one window after it is dropped.
pub(crate) struct Slot<'a> {
    limiter: &'a Limiter,
    permit: Option<SemaphorePermit<'a>>,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if let Some(permit) = self.permit.take() {
            permit.forget();
            let due = Instant::now() + self.limiter.limit.per;
            let mut returns = self
                .limiter
                .returns
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            // Slots are dropped at nearly the same time; keep the queue sorted.
            let at = returns.partition_point(|t| *t <= due);
            returns.insert(at, due);
        }
    }
}

impl Limiter {
    pub(crate) fn new(limit: RequestLimit) -> Result<Limiter, String> {
        if limit.requests == 0 || limit.per.is_zero() {
            return Err(format!(
                "rate limit must allow at least one request in a non-empty window, got {} per {:?}",
                limit.requests, limit.per
            ));
        }
        let permits = usize::try_from(limit.requests)
            .unwrap_or(usize::MAX)
            .min(Semaphore::MAX_PERMITS);
        Ok(Limiter {
            limit,
            slots: Semaphore::new(permits),
            returns: Mutex::new(VecDeque::new()),
        })
    }

    pub(crate) fn limit(&self) -> RequestLimit {
        self.limit
    }

    /// Gives back the slots whose window has passed; returns when the next
    /// one will.
    fn return_due(&self) -> Option<Instant> {
        let now = Instant::now();
        let mut returns = self.returns.lock().unwrap_or_else(|e| e.into_inner());
        let mut due = 0;
        while returns.front().is_some_and(|t| *t <= now) {
            returns.pop_front();
            due += 1;
        }
        if due > 0 {
            self.slots.add_permits(due);
        }
        returns.front().copied()
    }

    /// Waits for a free slot. Never fails: the semaphore is never closed.
    pub(crate) async fn acquire(&self) -> Slot<'_> {
        loop {
            let next_return = self.return_due();
            let permit = match next_return {
                None => self.slots.acquire().await.ok(),
                Some(at) => tokio::time::timeout_at(at.into(), self.slots.acquire())
                    .await
                    .ok()
                    .and_then(Result::ok),
            };
            if let Some(permit) = permit {
                return Slot {
                    limiter: self,
                    permit: Some(permit),
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_an_empty_limit() {
        for (requests, per) in [(0, Duration::from_secs(1)), (5, Duration::ZERO)] {
            assert!(Limiter::new(RequestLimit { requests, per }).is_err());
        }
    }

    #[tokio::test]
    async fn a_slot_comes_back_one_window_after_it_is_released() {
        let limiter = Limiter::new(RequestLimit {
            requests: 2,
            per: Duration::from_millis(300),
        })
        .unwrap();
        let started = Instant::now();
        let a = limiter.acquire().await;
        let b = limiter.acquire().await;
        assert!(started.elapsed() < Duration::from_millis(100));
        drop(a);
        let released = Instant::now();
        let c = limiter.acquire().await;
        assert!(
            released.elapsed() >= Duration::from_millis(300),
            "{:?}",
            released.elapsed()
        );
        drop((b, c));
    }

    #[tokio::test]
    async fn a_held_slot_is_not_returned() {
        let limiter = Limiter::new(RequestLimit {
            requests: 1,
            per: Duration::from_millis(50),
        })
        .unwrap();
        let held = limiter.acquire().await;
        let waited = tokio::time::timeout(Duration::from_millis(300), limiter.acquire()).await;
        assert!(waited.is_err(), "a second slot while the first is held");
        drop(held);
    }
}
