//! [`Hub`]: hands verified webhook events from your receiver to the code
//! waiting for them in the same process (see
//! [`Client::wait_until_user_deleted`](crate::Client::wait_until_user_deleted)).

use super::Event;
use tokio::sync::broadcast;

/// Events kept for a subscriber that is slow to read them; older ones are
/// dropped for it (a waiter then relies on its next poll).
const CAPACITY: usize = 256;

/// A broadcast point for verified webhook events: the receiver
/// [`publish`](Hub::publish)es each event it accepted, and every
/// [`subscribe`](Hub::subscribe)r (a deletion waiter, say) sees the events
/// published after it subscribed. Cheap to clone: clones share the channel.
///
/// ```
/// use snaptrade::webhook::{Event, Hub};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let hub = Hub::new();
/// let mut events = hub.subscribe();
/// // In the webhook receiver, once `webhook::verify` accepted the delivery:
/// # let event = Event::from_json(serde_json::json!({"eventType": "USER_DELETED", "userId": "u-1"})).unwrap();
/// hub.publish(&event);
/// assert_eq!(events.recv().await.unwrap().user_id(), Some("u-1"));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Hub {
    sender: broadcast::Sender<Event>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub::new()
    }
}

impl Hub {
    /// A hub with no subscribers yet.
    pub fn new() -> Hub {
        Hub {
            sender: broadcast::channel(CAPACITY).0,
        }
    }

    /// Hands `event` to every current subscriber (none: it is dropped).
    /// Publish only events that passed verification.
    pub fn publish(&self, event: &Event) {
        let _ = self.sender.send(event.clone());
    }

    /// The events published from now on. A subscriber that falls more than
    /// 256 events behind misses the oldest (`RecvError::Lagged`).
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }

    /// How many subscribers are listening.
    pub fn subscribers(&self) -> usize {
        self.sender.receiver_count()
    }
}
