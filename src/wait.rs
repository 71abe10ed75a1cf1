//! Waiting for SnapTrade's asynchronous work: a deleted user is gone only
//! once its background deletion finished (`USER_DELETED`).
//!
//! [`Client::wait_until_user_deleted`] polls `listSnapTradeUsers` with an
//! exponential backoff (1 s, 2 s, 4 s ... 15 s by default: a handful of
//! requests per minute, far below the 250 per minute budget, and the client's
//! own rate limiter still applies) and finishes as soon as the user is no
//! longer listed, or earlier when the app's webhook receiver publishes the
//! user's `USER_DELETED` on a [`Hub`].

use crate::webhook::{Event, Hub};
use crate::{Client, ClientError};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// How [`Client::wait_until_user_deleted`] waits.
#[derive(Debug, Clone)]
pub struct WaitOptions {
    /// Give up after this long ([`WaitError::Timeout`]).
    pub timeout: Duration,
    /// Wait after the first poll; doubled after each poll.
    pub initial_interval: Duration,
    /// Longest wait between polls.
    pub max_interval: Duration,
    /// Where the app's webhook receiver publishes verified events: a
    /// matching `USER_DELETED` ends the wait without another poll.
    pub hub: Option<Hub>,
}

impl Default for WaitOptions {
    /// 60 s timeout, polls 1 s, 2 s, 4 s, 8 s, then every 15 s; no hub.
    fn default() -> Self {
        WaitOptions {
            timeout: Duration::from_secs(60),
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(15),
            hub: None,
        }
    }
}

impl WaitOptions {
    /// Sets the timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the first and the longest wait between polls (at least 10 ms).
    pub fn interval(mut self, initial: Duration, max: Duration) -> Self {
        let initial = initial.max(Duration::from_millis(10));
        self.initial_interval = initial;
        self.max_interval = max.max(initial);
        self
    }

    /// Also finishes on the `USER_DELETED` events published on `hub`.
    pub fn hub(mut self, hub: &Hub) -> Self {
        self.hub = Some(hub.clone());
        self
    }
}

/// How the deletion was noticed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Noticed {
    /// `listSnapTradeUsers` no longer listed the user.
    Poll,
    /// The user's `USER_DELETED` webhook arrived through the [`Hub`].
    Webhook,
}

/// A finished wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deleted {
    /// What ended the wait.
    pub noticed: Noticed,
    /// `listSnapTradeUsers` calls made.
    pub polls: u32,
    /// Time from the start of the wait.
    pub elapsed: Duration,
}

/// Why a wait ended without the user being gone.
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    /// The user was still listed when the timeout passed.
    #[error("user still present after {elapsed:?} ({polls} polls)")]
    Timeout {
        /// Time waited.
        elapsed: Duration,
        /// `listSnapTradeUsers` calls made.
        polls: u32,
    },
    /// A `listSnapTradeUsers` call failed (after the client's retries).
    #[error("listing users failed: {0}")]
    Api(#[from] ClientError),
}

impl Client {
    /// Waits until `user_id` is no longer registered: after
    /// `deleteSnapTradeUser`, which only queues the deletion. Polls
    /// `listSnapTradeUsers` at once and then with backoff (see
    /// [`WaitOptions`]); with [`WaitOptions::hub`], the user's
    /// `USER_DELETED` event ends the wait before the next poll.
    pub async fn wait_until_user_deleted(
        &self,
        user_id: &str,
        options: WaitOptions,
    ) -> Result<Deleted, WaitError> {
        let start = Instant::now();
        let deadline = start + options.timeout;
        // Subscribed before the first poll: an event published during it counts.
        let mut events = options.hub.as_ref().map(Hub::subscribe);
        let mut interval = options.initial_interval;
        let mut polls = 0u32;
        loop {
            polls += 1;
            let users = self
                .authentication()
                .list_snap_trade_users()
                .await
                .map_err(ClientError::from)?;
            if !users.body.iter().any(|u| u == user_id) {
                return Ok(Deleted {
                    noticed: Noticed::Poll,
                    polls,
                    elapsed: start.elapsed(),
                });
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(WaitError::Timeout {
                    elapsed: start.elapsed(),
                    polls,
                });
            }
            let pause = interval.min(deadline - now);
            let webhook = async {
                match events.as_mut() {
                    Some(events) => deleted_event(events, user_id).await,
                    None => std::future::pending().await,
                }
            };
            // The webhook, or the pause running out (then poll again).
            if tokio::time::timeout(pause, webhook).await.is_ok() {
                return Ok(Deleted {
                    noticed: Noticed::Webhook,
                    polls,
                    elapsed: start.elapsed(),
                });
            }
            interval = (interval * 2).min(options.max_interval);
        }
    }
}

/// Resolves on `user_id`'s `USER_DELETED`; never, once the hub is gone.
async fn deleted_event(events: &mut broadcast::Receiver<Event>, user_id: &str) {
    loop {
        match events.recv().await {
            Ok(Event::UserDeleted(user)) if user.user_id == user_id => return,
            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
        }
    }
}
