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
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// A limit of `requests` per rolling `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimit {
    /// Requests allowed in any window.
    pub requests: u32,
    /// The window.
    pub per: Duration,
}

pub(crate) struct Limiter {
    limit: RequestLimit,
    state: Mutex<State>,
    /// Woken whenever a slot is released, so waiters can time its return.
    released: Notify,
}

struct State {
    /// Slots held by attempts in progress.
    in_flight: usize,
    /// When released slots come free again, in order.
    returns: VecDeque<Instant>,
}

/// A slot held by one attempt; it comes free one window after it is dropped.
pub(crate) struct Slot<'a> {
    limiter: &'a Limiter,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let due = Instant::now() + self.limiter.limit.per;
        {
            let mut state = self.limiter.state();
            state.in_flight -= 1;
            // Slots are dropped at nearly the same time; keep the queue sorted.
            let at = state.returns.partition_point(|t| *t <= due);
            state.returns.insert(at, due);
        }
        self.limiter.released.notify_waiters();
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
        Ok(Limiter {
            limit,
            state: Mutex::new(State {
                in_flight: 0,
                returns: VecDeque::new(),
            }),
            released: Notify::new(),
        })
    }

    pub(crate) fn limit(&self) -> RequestLimit {
        self.limit
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Every change is a counter step or one queue operation: a poisoned
        // lock holds a consistent state.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a free slot. Never fails.
    pub(crate) async fn acquire(&self) -> Slot<'_> {
        let max = usize::try_from(self.limit.requests).unwrap_or(usize::MAX);
        loop {
            // Registered before the state is read, so a release in between
            // still wakes this waiter.
            let mut released = std::pin::pin!(self.released.notified());
            released.as_mut().enable();
            let next_return = {
                let mut state = self.state();
                let now = Instant::now();
                while state.returns.front().is_some_and(|t| *t <= now) {
                    state.returns.pop_front();
                }
                if state.in_flight + state.returns.len() < max {
                    state.in_flight += 1;
                    return Slot { limiter: self };
                }
                state.returns.front().copied()
            };
            match next_return {
                Some(at) => {
                    let _ = tokio::time::timeout_at(at.into(), released).await;
                }
                None => released.await,
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
    async fn waiters_that_found_no_pending_return_still_get_a_slot() {
        let limiter = std::sync::Arc::new(
            Limiter::new(RequestLimit {
                requests: 1,
                per: Duration::from_millis(30),
            })
            .unwrap(),
        );
        // All but the first find the only slot in flight and nothing due back.
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let l = limiter.clone();
                tokio::spawn(async move {
                    let _slot = l.acquire().await;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                })
            })
            .collect();
        let all = async {
            for t in tasks {
                t.await.unwrap();
            }
        };
        tokio::time::timeout(Duration::from_secs(5), all)
            .await
            .expect("every waiter gets its turn");
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
