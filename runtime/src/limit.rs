//! Client-side rate limiting: at most `n` requests in any rolling window,
//! waiting (never failing) for a free slot.
//!
//! Servers count a request when it arrives, which is somewhere between our
//! send and the end of the response, so a request holds its slot from the
//! moment it is sent until one window after its response has been read (or
//! the attempt was abandoned). Then any window of server arrival times holds
//! at most `n` of our requests, however long each request took and however
//! bursty the callers are.
//!
//! Where the slots are kept is a [`RateLimiter`]: [`InProcessLimiter`] (the
//! default, one process) or, with the `redis` feature,
//! [`RedisRateLimiter`](crate::RedisRateLimiter) (one budget shared by many
//! processes and machines).

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Longest accepted window: one year. A longer one (say `Duration::MAX`)
/// would overflow the clock arithmetic, so it is refused when the client is
/// built instead of panicking on the first request.
pub const MAX_RATE_WINDOW: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// A limit of `requests` per rolling `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimit {
    /// Requests allowed in any window.
    pub requests: u32,
    /// The window.
    pub per: Duration,
}

impl RequestLimit {
    /// Checks that the limit allows at least one request in a non-empty
    /// window of at most [`MAX_RATE_WINDOW`].
    pub fn validate(&self) -> Result<(), String> {
        if self.requests == 0 || self.per.is_zero() {
            return Err(format!(
                "rate limit must allow at least one request in a non-empty window, got {} per {:?}",
                self.requests, self.per
            ));
        }
        if self.per > MAX_RATE_WINDOW {
            return Err(format!(
                "rate limit window {:?} is longer than the longest supported ({:?})",
                self.per, MAX_RATE_WINDOW
            ));
        }
        Ok(())
    }
}

/// A slot taken from a [`RateLimiter`]. The token is the store's own
/// bookkeeping (which slot it was); the transport hands the permit back
/// through [`RateLimiter::release`] exactly once.
#[derive(Debug, PartialEq, Eq)]
pub struct Permit {
    token: u64,
}

impl Permit {
    /// A permit carrying `token`, for a store to recognise on release.
    pub fn new(token: u64) -> Self {
        Permit { token }
    }

    /// The token given to [`Permit::new`].
    pub fn token(&self) -> u64 {
        self.token
    }
}

/// The future returned by [`RateLimiter::acquire`].
pub type Acquire<'a> = Pin<Box<dyn Future<Output = Permit> + Send + 'a>>;

/// A store of request slots: the budget a [`Transport`](crate::Transport)
/// draws from before every attempt (first attempts and retries alike).
///
/// Contract, so every store keeps the same guarantee:
/// * [`acquire`](Self::acquire) waits until fewer than `limit().requests`
///   slots are held or returning, takes one and resolves. It never fails: a
///   store that cannot reach its backend must fall back to something local
///   rather than error or hang.
/// * The transport sends the request only after `acquire` resolved, and calls
///   [`release`](Self::release) once the response has been read or the
///   attempt abandoned (also when the call's future is dropped).
/// * A released slot counts as taken for one more `limit().per` and is then
///   free again.
pub trait RateLimiter: Send + Sync + fmt::Debug + 'static {
    /// The budget this store enforces.
    fn limit(&self) -> RequestLimit;

    /// Waits for a free slot and takes it.
    fn acquire(&self) -> Acquire<'_>;

    /// Gives a slot back: it comes free one window from now. Called from a
    /// destructor, so it must not block; a store that needs I/O sends it in
    /// the background.
    fn release(&self, permit: Permit);
}

/// The transport's handle on its store.
pub(crate) struct Limiter(Arc<dyn RateLimiter>);

impl Limiter {
    /// The store from the configuration: an explicit one wins over a limit.
    pub(crate) fn from_config(
        store: Option<&Arc<dyn RateLimiter>>,
        limit: Option<RequestLimit>,
    ) -> Result<Option<Limiter>, String> {
        if let Some(store) = store {
            store.limit().validate()?;
            return Ok(Some(Limiter(store.clone())));
        }
        match limit {
            Some(limit) => Ok(Some(Limiter(Arc::new(InProcessLimiter::new(limit)?)))),
            None => Ok(None),
        }
    }

    pub(crate) fn limit(&self) -> RequestLimit {
        self.0.limit()
    }

    /// Waits for a slot; it is released when the returned guard is dropped.
    pub(crate) async fn acquire(&self) -> Slot<'_> {
        let permit = self.0.acquire().await;
        Slot {
            store: &*self.0,
            permit: Some(permit),
        }
    }
}

/// A slot held by one attempt; released (to come free one window later)
/// when dropped, so a cancelled call gives its slot back too.
pub(crate) struct Slot<'a> {
    store: &'a dyn RateLimiter,
    permit: Option<Permit>,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if let Some(permit) = self.permit.take() {
            self.store.release(permit);
        }
    }
}

/// The default store: slots kept in this process's memory, shared by the
/// clones of one client.
pub struct InProcessLimiter {
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

impl fmt::Debug for InProcessLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InProcessLimiter")
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl InProcessLimiter {
    /// A store for `limit`; fails when [`RequestLimit::validate`] does.
    pub fn new(limit: RequestLimit) -> Result<InProcessLimiter, String> {
        limit.validate()?;
        Ok(InProcessLimiter {
            limit,
            state: Mutex::new(State {
                in_flight: 0,
                returns: VecDeque::new(),
            }),
            released: Notify::new(),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Every change is a counter step or one queue operation: a poisoned
        // lock holds a consistent state.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a free slot and takes it. Never fails.
    pub async fn wait_for_slot(&self) {
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
                    return;
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

    /// Takes a slot now even if none is free: records a request that another
    /// store already admitted, so this one knows the process's recent use.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))] // the Redis limiter's fallback
    pub(crate) fn take_unchecked(&self) {
        self.state().in_flight += 1;
    }

    /// Gives back one slot taken by [`wait_for_slot`](Self::wait_for_slot)
    /// or `take_unchecked`: it comes free one window from now.
    pub fn give_back(&self) {
        let now = Instant::now();
        // `per` is at most MAX_RATE_WINDOW (checked in `new`), so this cannot
        // overflow on any real clock; no panic if it somehow did.
        let due = now.checked_add(self.limit.per).unwrap_or(now);
        {
            let mut state = self.state();
            state.in_flight = state.in_flight.saturating_sub(1);
            // Slots are given back at nearly the same time; keep the queue sorted.
            let at = state.returns.partition_point(|t| *t <= due);
            state.returns.insert(at, due);
        }
        self.released.notify_waiters();
    }
}

impl RateLimiter for InProcessLimiter {
    fn limit(&self) -> RequestLimit {
        self.limit
    }

    fn acquire(&self) -> Acquire<'_> {
        Box::pin(async move {
            self.wait_for_slot().await;
            Permit::new(0)
        })
    }

    fn release(&self, _permit: Permit) {
        self.give_back();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(requests: u32, per: Duration) -> Limiter {
        Limiter::from_config(None, Some(RequestLimit { requests, per }))
            .unwrap()
            .unwrap()
    }

    #[test]
    fn rejects_an_empty_or_overlong_limit() {
        for (requests, per) in [
            (0, Duration::from_secs(1)),
            (5, Duration::ZERO),
            (1, Duration::MAX),
            (1, MAX_RATE_WINDOW + Duration::from_nanos(1)),
        ] {
            let limit = RequestLimit { requests, per };
            assert!(InProcessLimiter::new(limit).is_err(), "{limit:?}");
            assert!(
                Limiter::from_config(None, Some(limit)).is_err(),
                "{limit:?}"
            );
        }
        let longest = RequestLimit {
            requests: 1,
            per: MAX_RATE_WINDOW,
        };
        assert!(InProcessLimiter::new(longest).is_ok());
    }

    #[tokio::test]
    async fn the_longest_window_takes_and_gives_back_without_panicking() {
        let limiter = limiter(1, MAX_RATE_WINDOW);
        drop(limiter.acquire().await);
        let again = tokio::time::timeout(Duration::from_millis(50), limiter.acquire()).await;
        assert!(again.is_err(), "the slot is out for a year");
    }

    #[tokio::test]
    async fn a_slot_comes_back_one_window_after_it_is_released() {
        let limiter = limiter(2, Duration::from_millis(300));
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
        let limiter = Arc::new(limiter(1, Duration::from_millis(30)));
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
        let limiter = limiter(1, Duration::from_millis(50));
        let held = limiter.acquire().await;
        let waited = tokio::time::timeout(Duration::from_millis(300), limiter.acquire()).await;
        assert!(waited.is_err(), "a second slot while the first is held");
        drop(held);
    }

    /// A store that counts what the transport's guard does with it.
    #[derive(Debug, Default)]
    struct Counting {
        acquired: std::sync::atomic::AtomicU64,
        released: Mutex<Vec<u64>>,
    }

    impl RateLimiter for Counting {
        fn limit(&self) -> RequestLimit {
            RequestLimit {
                requests: 1,
                per: Duration::from_secs(1),
            }
        }
        fn acquire(&self) -> Acquire<'_> {
            Box::pin(async move {
                let n = self
                    .acquired
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Permit::new(n + 7)
            })
        }
        fn release(&self, permit: Permit) {
            self.released.lock().unwrap().push(permit.token());
        }
    }

    #[tokio::test]
    async fn a_plugged_in_store_wins_and_gets_each_permit_back_once() {
        let store = Arc::new(Counting::default());
        let dyn_store: Arc<dyn RateLimiter> = store.clone();
        let limiter = Limiter::from_config(
            Some(&dyn_store),
            Some(RequestLimit {
                requests: 99,
                per: Duration::from_secs(9),
            }),
        )
        .unwrap()
        .unwrap();
        assert_eq!(limiter.limit().requests, 1);
        let a = limiter.acquire().await;
        let b = limiter.acquire().await;
        drop(b);
        drop(a);
        assert_eq!(*store.released.lock().unwrap(), vec![8, 7]);
        // A call dropped while it holds its slot gives it back too.
        let cancelled = tokio::spawn({
            let store = dyn_store.clone();
            async move {
                let limiter = Limiter::from_config(Some(&store), None).unwrap().unwrap();
                let _slot = limiter.acquire().await;
                std::future::pending::<()>().await;
            }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        cancelled.abort();
        let _ = cancelled.await;
        assert_eq!(*store.released.lock().unwrap(), vec![8, 7, 9]);
    }
}
