//! Typed webhook events.

use crate::runtime::SecretString;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};
use std::fmt;

/// `eventType` of the event SnapTrade sends after `registerUser`.
pub const USER_REGISTERED: &str = "USER_REGISTERED";
/// `eventType` of the event SnapTrade sends when a background deletion
/// started by `deleteUser` has finished.
pub const USER_DELETED: &str = "USER_DELETED";

/// The deprecated per-partner secret some payloads still carry; redacted
/// from `Debug` and from [`Event::to_json`].
const WEBHOOK_SECRET: &str = "webhookSecret";

/// A verified webhook event.
///
/// The user events are typed; every other `eventType` (connection, account,
/// trade events, and any SnapTrade adds later) is kept as
/// [`Event::Other`] with its type name and the whole parsed body, so a new
/// event type never fails to decode.
///
/// `Debug` never shows the deprecated `webhookSecret` field.
#[derive(Clone, PartialEq)]
pub enum Event {
    /// `USER_REGISTERED`: a user was registered.
    UserRegistered(UserEvent),
    /// `USER_DELETED`: a user's background deletion finished.
    UserDeleted(UserEvent),
    /// Any other event type, kept as received.
    Other {
        /// The `eventType` value.
        event_type: String,
        /// The whole parsed body.
        raw: Value,
    },
}

/// The body of `USER_REGISTERED` and `USER_DELETED`.
#[derive(Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserEvent {
    /// The user the event is about.
    pub user_id: String,
    /// The partner's client id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Unique per event; SnapTrade retries a delivery with the same id, so
    /// receivers can use it to drop duplicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_id: Option<String>,
    /// When the event happened, as sent (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_timestamp: Option<String>,
    /// Deprecated by SnapTrade but still sent; never serialized or shown.
    #[serde(default, skip_serializing)]
    pub webhook_secret: Option<SecretString>,
    /// Any other fields, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl fmt::Debug for UserEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("UserEvent");
        d.field("user_id", &self.user_id)
            .field("client_id", &self.client_id)
            .field("webhook_id", &self.webhook_id)
            .field("event_timestamp", &self.event_timestamp);
        if self.webhook_secret.is_some() {
            d.field("webhook_secret", &"[redacted]");
        }
        if !self.extra.is_empty() {
            d.field("extra", &self.extra);
        }
        d.finish()
    }
}

impl Event {
    /// Types a parsed body. Returns `None` when it is not an object with a
    /// string `eventType`. A user event whose fields do not fit
    /// [`UserEvent`] (no `userId`, say) is kept as [`Event::Other`] rather
    /// than rejected.
    pub fn from_json(raw: Value) -> Option<Event> {
        let event_type = raw.as_object()?.get("eventType")?.as_str()?.to_owned();
        let typed = match event_type.as_str() {
            USER_REGISTERED | USER_DELETED => serde_json::from_value::<UserEvent>(raw.clone()).ok(),
            _ => None,
        };
        Some(match typed {
            Some(mut user) => {
                user.extra.remove("eventType");
                if event_type == USER_REGISTERED {
                    Event::UserRegistered(user)
                } else {
                    Event::UserDeleted(user)
                }
            }
            None => Event::Other { event_type, raw },
        })
    }

    /// The `eventType` (`USER_REGISTERED`, `CONNECTION_ADDED`, ...).
    pub fn event_type(&self) -> &str {
        match self {
            Event::UserRegistered(_) => USER_REGISTERED,
            Event::UserDeleted(_) => USER_DELETED,
            Event::Other { event_type, .. } => event_type,
        }
    }

    /// The `userId` the event is about, when it has one.
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Event::UserRegistered(u) | Event::UserDeleted(u) => Some(&u.user_id),
            Event::Other { raw, .. } => raw.get("userId")?.as_str(),
        }
    }

    /// The `webhookId`, when present.
    pub fn webhook_id(&self) -> Option<&str> {
        match self {
            Event::UserRegistered(u) | Event::UserDeleted(u) => u.webhook_id.as_deref(),
            Event::Other { raw, .. } => raw.get("webhookId")?.as_str(),
        }
    }

    /// The event as a JSON object with its `eventType`, in the field names
    /// SnapTrade uses, without the deprecated `webhookSecret`.
    pub fn to_json(&self) -> Value {
        let mut value = match self {
            Event::UserRegistered(u) | Event::UserDeleted(u) => {
                let mut v = serde_json::to_value(u).unwrap_or(Value::Null);
                if let Value::Object(map) = &mut v {
                    map.insert("eventType".into(), Value::String(self.event_type().into()));
                }
                v
            }
            Event::Other { raw, .. } => raw.clone(),
        };
        if let Value::Object(map) = &mut value {
            map.remove(WEBHOOK_SECRET);
        }
        value
    }
}

impl Serialize for Event {
    /// As [`Event::to_json`].
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::UserRegistered(u) => f.debug_tuple("UserRegistered").field(u).finish(),
            Event::UserDeleted(u) => f.debug_tuple("UserDeleted").field(u).finish(),
            Event::Other { event_type, raw } => {
                let mut shown = raw.clone();
                if let Some(secret) = shown.get_mut(WEBHOOK_SECRET) {
                    *secret = Value::String("[redacted]".into());
                }
                f.debug_struct("Other")
                    .field("event_type", event_type)
                    .field("raw", &shown)
                    .finish()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn user_events_are_typed_and_others_kept_raw() {
        let body = json!({"eventType": "USER_DELETED", "userId": "u1", "clientId": "C",
                          "webhookId": "w", "eventTimestamp": "t", "webhookSecret": "S3CR3T",
                          "newField": [1]});
        let Some(Event::UserDeleted(u)) = Event::from_json(body) else {
            panic!("not typed")
        };
        assert_eq!(u.user_id, "u1");
        assert_eq!(u.client_id.as_deref(), Some("C"));
        assert_eq!(
            u.webhook_secret.as_ref().map(SecretString::expose),
            Some("S3CR3T")
        );
        assert_eq!(
            u.extra,
            json!({"newField": [1]}).as_object().cloned().unwrap()
        );
        let debug = format!("{:?}", Event::UserDeleted(u.clone()));
        assert!(!debug.contains("S3CR3T"), "{debug}");
        assert_eq!(
            Event::UserDeleted(u).to_json(),
            json!({"eventType": "USER_DELETED", "userId": "u1", "clientId": "C",
                   "webhookId": "w", "eventTimestamp": "t", "newField": [1]})
        );

        let raw =
            json!({"eventType": "TRADE_DETECTION", "accountId": "a", "webhookSecret": "S3CR3T"});
        let event = Event::from_json(raw.clone()).unwrap();
        assert_eq!(
            event,
            Event::Other {
                event_type: "TRADE_DETECTION".into(),
                raw
            }
        );
        assert!(!format!("{event:?}").contains("S3CR3T"));
        assert!(!event.to_json().to_string().contains("S3CR3T"));
        assert_eq!(event.user_id(), None);
    }

    #[test]
    fn malformed_user_event_falls_back_to_other_and_non_events_are_none() {
        let raw = json!({"eventType": "USER_REGISTERED", "userId": 5});
        assert!(
            matches!(Event::from_json(raw), Some(Event::Other { event_type, .. }) if event_type == "USER_REGISTERED")
        );
        assert_eq!(Event::from_json(json!([1])), None);
        assert_eq!(Event::from_json(json!({"userId": "u"})), None);
        assert_eq!(Event::from_json(json!({"eventType": 3})), None);
    }
}
