//! SnapTrade webhooks: verify a delivery, type its event, sign one.
//!
//! SnapTrade POSTs a JSON event to your webhook URL with a `Signature`
//! header: standard base64 of HMAC-SHA256, keyed with your **consumer key**,
//! over the canonical JSON of the **parsed** body (keys sorted at every level,
//! `,` and `:` separators, non-ASCII as `\uXXXX`) — the same canonical form
//! the request signer uses ([`crate::sign::canonical_json`]; numbers read as
//! Python reads them: [`crate::sign::canonical_json_from_slice`]). The bytes on the
//! wire are not what is signed, so key order and whitespace do not matter.
//!
//! [`verify`] (or a configured [`Verifier`]) checks, in this order, and says
//! which check failed ([`VerifyError`]):
//!
//! 1. the `Signature` header is present and not empty ([`VerifyError::MissingSignature`]);
//! 2. the body is JSON as Python's `json.loads` reads it, nesting at most
//!    [`MAX_DEPTH`](crate::sign::MAX_DEPTH) (128) deep ([`VerifyError::NotJson`]);
//! 3. the signature matches, compared in constant time and exactly (no
//!    trimming, canonical base64 only) ([`VerifyError::BadSignature`]);
//! 4. the signed body is one `serde_json` can hold
//!    ([`VerifyError::Unrepresentable`]);
//! 5. the body is an object with a string `eventType` ([`VerifyError::NotAnEvent`]);
//! 6. unless switched off, `eventTimestamp` parses ([`VerifyError::BadTimestamp`])
//!    and lies within the tolerance (300 s by default) of `now`, either way
//!    ([`VerifyError::TooOld`], [`VerifyError::FromFuture`]).
//!
//! Only the first two look at a body before its signature is checked, in
//! linear time and without recursing per nesting level, so no body, signed
//! or not, can exhaust the stack.
//!
//! **Bodies Python reads but `serde_json` does not.** A number beyond
//! `f64`'s range (`1e400`: Python reads `inf` and signs `Infinity`) and a
//! lone surrogate (`"\ud800"`: Python keeps it and signs `"\ud800"`) are
//! canonicalized exactly as Python does, so such a body SnapTrade signed
//! passes the signature check. It cannot become an [`Event`] (whose `raw`
//! is a `serde_json::Value`), so [`verify`] then returns
//! [`VerifyError::Unrepresentable`]: the delivery is authentic, only its
//! content cannot be typed. Keep the raw body if you need it; answering
//! non-2xx makes SnapTrade send the same body again.
//!
//! It is framework-agnostic: a header value and the body bytes in, an
//! [`Event`] out. `examples/webhook_receiver.rs` shows a receiver on axum.
//!
//! ```
//! use snaptrade::webhook::{self, Event};
//! let body = br#"{"eventType":"USER_REGISTERED","userId":"u-1","clientId":"C",
//!                 "eventTimestamp":"2026-08-01T12:00:00.000000+00:00"}"#;
//! // What SnapTrade (or the sandbox) puts in the `Signature` header:
//! let signature = webhook::sign_body("CONSUMER_KEY", body).unwrap();
//!
//! let now = 1_785_585_630; // Unix seconds, or a `SystemTime` such as `SystemTime::now()`
//! match webhook::verify("CONSUMER_KEY", &signature, body, now) {
//!     Ok(Event::UserRegistered(user)) => assert_eq!(user.user_id, "u-1"),
//!     other => panic!("{other:?}"),
//! }
//! // Another key, a changed body or an old event are rejected:
//! assert_eq!(
//!     webhook::verify("OTHER_KEY", &signature, body, now).unwrap_err(),
//!     webhook::VerifyError::BadSignature
//! );
//! assert!(matches!(
//!     webhook::verify("CONSUMER_KEY", &signature, body, now + 600),
//!     Err(webhook::VerifyError::TooOld { .. })
//! ));
//! ```
//!
//! SnapTrade retries a delivery answered with anything but 200, 201, 202 or
//! 204, with the same `webhookId`: answer 2xx once the event is stored, and
//! use the id to drop duplicates. The window only bounds how long a captured
//! delivery can be replayed.

mod event;
mod hub;
mod time;

pub use event::{Event, UserEvent, USER_DELETED, USER_REGISTERED};
pub use hub::Hub;
pub use time::{format_event_timestamp, UnixTime};

use crate::runtime::SecretString;
use base64::Engine as _;
use hmac::{KeyInit, Mac};
use serde_json::Value;
use std::fmt;
use std::time::Duration;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The header SnapTrade puts the signature in.
pub const SIGNATURE_HEADER: &str = "Signature";
/// The default replay window: events older (or further in the future) than
/// this are rejected, like SnapTrade's example receiver does.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Why a delivery was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// No `Signature` header, or an empty one.
    #[error("missing Signature header")]
    MissingSignature,
    /// The signature does not match the body under this consumer key (or is
    /// not canonical base64 of 32 bytes).
    #[error("bad signature: it does not match the body under this consumer key")]
    BadSignature,
    /// The body does not parse as JSON (the parser's message, which quotes
    /// no input).
    #[error("body is not JSON: {0}")]
    NotJson(String),
    /// The signature is valid, but the body holds what a
    /// `serde_json::Value` cannot (a number beyond `f64`'s range such as
    /// `1e400`, or a lone surrogate such as `"\ud800"`), so it cannot be
    /// an [`Event`]. The delivery is authentic: see the
    /// [module documentation](self). The message names what and where, never
    /// the input.
    #[error("signature is valid, but the body cannot be represented as an event: {0}")]
    Unrepresentable(String),
    /// Signed JSON that is not an object with a string `eventType`.
    #[error("body is not a webhook event: {0}")]
    NotAnEvent(&'static str),
    /// The age check is on and `eventTimestamp` is missing or unreadable.
    #[error("eventTimestamp is missing or not a timestamp")]
    BadTimestamp,
    /// The event is older than the tolerance.
    #[error("event is too old: {age_secs} s old, more than the {tolerance_secs} s allowed")]
    TooOld {
        /// How old the event is, in whole seconds.
        age_secs: u64,
        /// The tolerance, in seconds.
        tolerance_secs: u64,
    },
    /// The event is dated further in the future than the tolerance (a clock
    /// is off).
    #[error(
        "event is from the future: {ahead_secs} s ahead, more than the {tolerance_secs} s allowed"
    )]
    FromFuture {
        /// How far ahead of `now` the event is dated, in whole seconds.
        ahead_secs: u64,
        /// The tolerance, in seconds.
        tolerance_secs: u64,
    },
}

impl VerifyError {
    /// A short stable name for logs and machine output: `missing_signature`,
    /// `bad_signature`, `not_json`, `unrepresentable`, `not_an_event`,
    /// `bad_timestamp`, `too_old`, `from_future`.
    pub fn kind(&self) -> &'static str {
        match self {
            VerifyError::MissingSignature => "missing_signature",
            VerifyError::BadSignature => "bad_signature",
            VerifyError::NotJson(_) => "not_json",
            VerifyError::Unrepresentable(_) => "unrepresentable",
            VerifyError::NotAnEvent(_) => "not_an_event",
            VerifyError::BadTimestamp => "bad_timestamp",
            VerifyError::TooOld { .. } => "too_old",
            VerifyError::FromFuture { .. } => "from_future",
        }
    }
}

/// A `Signature` header value as a framework hands it over: `&str`,
/// `String`, `Option<&str>` (`None` = header missing), an
/// [`http::HeaderValue`], or a whole [`http::HeaderMap`] (its `Signature`
/// header is used).
pub trait SignatureHeader {
    /// The header's bytes, `None` when there is no header.
    fn signature_bytes(&self) -> Option<&[u8]>;
}

impl SignatureHeader for str {
    fn signature_bytes(&self) -> Option<&[u8]> {
        Some(self.as_bytes())
    }
}

impl SignatureHeader for String {
    fn signature_bytes(&self) -> Option<&[u8]> {
        Some(self.as_bytes())
    }
}

impl SignatureHeader for http::HeaderValue {
    fn signature_bytes(&self) -> Option<&[u8]> {
        Some(self.as_bytes())
    }
}

impl SignatureHeader for http::HeaderMap {
    fn signature_bytes(&self) -> Option<&[u8]> {
        self.get(SIGNATURE_HEADER).map(http::HeaderValue::as_bytes)
    }
}

impl SignatureHeader for Option<&str> {
    fn signature_bytes(&self) -> Option<&[u8]> {
        self.map(str::as_bytes)
    }
}

impl<T: SignatureHeader + ?Sized> SignatureHeader for &T {
    fn signature_bytes(&self) -> Option<&[u8]> {
        (**self).signature_bytes()
    }
}

/// Verifies a delivery with the default 300 s window: see the
/// [module documentation](self) for the checks and their order.
///
/// `now` is a [`SystemTime`](std::time::SystemTime) or Unix seconds.
/// For another window, or none, use a [`Verifier`].
pub fn verify(
    consumer_key: impl Into<SecretString>,
    signature_header: impl SignatureHeader,
    body: impl AsRef<[u8]>,
    now: impl Into<UnixTime>,
) -> Result<Event, VerifyError> {
    Verifier::new(consumer_key).verify(signature_header, body, now)
}

/// A webhook verifier: the consumer key and the replay window.
///
/// ```
/// use snaptrade::webhook::Verifier;
/// use std::time::Duration;
/// let strict = Verifier::new("CONSUMER_KEY").tolerance(Duration::from_secs(60));
/// let no_age_check = Verifier::new("CONSUMER_KEY").without_age_check();
/// assert_eq!(no_age_check.tolerance_value(), None);
/// // The key never shows in Debug output.
/// assert!(!format!("{strict:?}").contains("CONSUMER_KEY"));
/// ```
#[derive(Clone)]
pub struct Verifier {
    key: SecretString,
    tolerance: Option<Duration>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("consumer_key", &"[redacted]")
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

impl Verifier {
    /// A verifier for events signed with `consumer_key`, with the default
    /// 300 s window.
    pub fn new(consumer_key: impl Into<SecretString>) -> Verifier {
        Verifier {
            key: consumer_key.into(),
            tolerance: Some(DEFAULT_TOLERANCE),
        }
    }

    /// Accepts events at most `tolerance` old (or ahead of `now`).
    ///
    /// Smaller is stricter, down to `Duration::ZERO`, the strictest: only an
    /// event dated exactly `now` (to the precision of `eventTimestamp` and
    /// `now`) passes. Zero never switches the check off; that is
    /// [`without_age_check`](Self::without_age_check).
    ///
    /// ```
    /// use snaptrade::webhook::Verifier;
    /// use std::time::Duration;
    /// let strictest = Verifier::new("KEY").tolerance(Duration::ZERO);
    /// assert_eq!(strictest.tolerance_value(), Some(Duration::ZERO));
    /// ```
    pub fn tolerance(mut self, tolerance: Duration) -> Verifier {
        self.tolerance = Some(tolerance);
        self
    }

    /// Accepts events of any age; `eventTimestamp` is then not needed.
    pub fn without_age_check(mut self) -> Verifier {
        self.tolerance = None;
        self
    }

    /// The window in force, `None` when the age check is off.
    pub fn tolerance_value(&self) -> Option<Duration> {
        self.tolerance
    }

    /// Verifies a delivery at `now`; see the [module documentation](self).
    pub fn verify(
        &self,
        signature_header: impl SignatureHeader,
        body: impl AsRef<[u8]>,
        now: impl Into<UnixTime>,
    ) -> Result<Event, VerifyError> {
        let header = signature_header
            .signature_bytes()
            .filter(|h| !h.is_empty())
            .ok_or(VerifyError::MissingSignature)?;
        // Canonicalized from the text, numbers as Python reads them: a large
        // integer id must not go through `f64` on the way.
        let canonical = crate::sign::canonical_json_from_slice(body.as_ref())
            .map_err(|e| VerifyError::NotJson(describe_json_error(&e)))?;
        // Canonical base64 only (padding required, no stray bits, no
        // whitespace), so accepting the decoded bytes is the same as
        // comparing the header text exactly; the MAC comparison itself is
        // constant time.
        let tag = base64::engine::general_purpose::STANDARD
            .decode(header)
            .map_err(|_| VerifyError::BadSignature)?;
        let mut mac = new_mac(self.key.expose());
        mac.update(canonical.as_bytes());
        mac.verify_slice(&tag)
            .map_err(|_| VerifyError::BadSignature)?;

        // The signature is valid: what Python read, `serde_json` may not
        // (`1e400`, a lone surrogate).
        let parsed: Value = serde_json::from_slice(body.as_ref())
            .map_err(|e| VerifyError::Unrepresentable(describe_serde_error(&e)))?;

        let Some(object) = parsed.as_object() else {
            return Err(VerifyError::NotAnEvent("not a JSON object"));
        };
        if !object.get("eventType").is_some_and(Value::is_string) {
            return Err(VerifyError::NotAnEvent("no string eventType"));
        }
        if let Some(tolerance) = self.tolerance {
            let at = object
                .get("eventTimestamp")
                .and_then(time::parse_event_timestamp)
                .ok_or(VerifyError::BadTimestamp)?;
            check_age(at, now.into(), tolerance)?;
        }
        Event::from_json(parsed).ok_or(VerifyError::NotAnEvent("no string eventType"))
    }

    /// [`verify`](Self::verify) against the system clock.
    pub fn verify_now(
        &self,
        signature_header: impl SignatureHeader,
        body: impl AsRef<[u8]>,
    ) -> Result<Event, VerifyError> {
        self.verify(signature_header, body, UnixTime::now())
    }

    /// The `Signature` header value for `payload` under this verifier's key.
    pub fn sign(&self, payload: &Value) -> String {
        sign(self.key.expose(), payload)
    }
}

/// The reader's message: what was wrong and where, never the input.
fn describe_json_error(e: &crate::sign::JsonError) -> String {
    e.to_string()
}

/// serde_json's message without the input: it only ever names a position
/// and what was expected, but keep it to the category plus position anyway.
fn describe_serde_error(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Eof => "unexpected end of input",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "invalid data",
        serde_json::error::Category::Io => "read error",
    };
    format!("{what} at line {} column {}", e.line(), e.column())
}

fn check_age(at: UnixTime, now: UnixTime, tolerance: Duration) -> Result<(), VerifyError> {
    let limit = tolerance.as_nanos() as i128;
    let tolerance_secs = tolerance.as_secs();
    let age = now.nanos_since(at);
    let whole = |nanos: i128| u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX);
    if age > limit {
        Err(VerifyError::TooOld {
            age_secs: whole(age),
            tolerance_secs,
        })
    } else if -age > limit {
        Err(VerifyError::FromFuture {
            ahead_secs: whole(-age),
            tolerance_secs,
        })
    } else {
        Ok(())
    }
}

/// The `Signature` header value for an event: base64 of HMAC-SHA256 under
/// `consumer_key` over [`canonical_json`](crate::sign::canonical_json) of
/// `payload`. This is what SnapTrade sends; the sandbox and tests use it.
///
/// ```
/// let event = serde_json::json!({"eventType": "USER_DELETED", "userId": "é"});
/// let signature = snaptrade::webhook::sign("KEY", &event);
/// // Key order and escaping on the wire do not matter:
/// let wire = r#"{ "userId": "é", "eventType": "USER_DELETED" }"#;
/// assert_eq!(snaptrade::webhook::sign_body("KEY", wire).unwrap(), signature);
/// ```
pub fn sign(consumer_key: &str, payload: &Value) -> String {
    let mut mac = new_mac(consumer_key);
    mac.update(crate::sign::canonical_json(payload).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// [`sign`] for a body given as bytes; fails when it is not JSON.
///
/// The body is canonicalized from its text, as a Python sender reads it, so
/// integers beyond 64 bits are signed exactly.
pub fn sign_body(consumer_key: &str, body: impl AsRef<[u8]>) -> Result<String, VerifyError> {
    let canonical = crate::sign::canonical_json_from_slice(body.as_ref())
        .map_err(|e| VerifyError::NotJson(describe_json_error(&e)))?;
    let mut mac = new_mac(consumer_key);
    mac.update(canonical.as_bytes());
    Ok(base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

fn new_mac(consumer_key: &str) -> HmacSha256 {
    match <HmacSha256 as KeyInit>::new_from_slice(consumer_key.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::{SystemTime, UNIX_EPOCH};

    const KEY: &str = "unit-test-key";
    const T: i64 = 1_785_585_600;

    fn event(ts: &str) -> Vec<u8> {
        serde_json::to_vec(&json!({"eventType": "USER_REGISTERED", "userId": "u",
                                   "eventTimestamp": ts}))
        .unwrap()
    }

    /// Signed by Python (`json.loads`, then `json.dumps(sort_keys=True,
    /// separators=(",", ":"))`, HMAC-SHA256, base64): an integer beyond 64
    /// bits, `-0`, `1E2` and `1e-7` are read and printed as Python does.
    #[test]
    fn numbers_verify_as_a_python_sender_signed_them() {
        let body = br#"{"eventType":"TRADE_UPDATE","userId":"u\u00e9","eventTimestamp":"2026-11-30T06:00:00Z","details":{"orderId":98765432109876543210,"qty":-0,"price":1E2,"fees":[0.1,1e-7]}}"#;
        let signature = "Hiyylh66xKwukvAtZkvm7FQ7veTiRUQ+c8d+b5BmewE=";
        let key = "WEBHOOK_TEST_KEY";
        let event = verify(key, signature, body, 1_796_018_400).expect("verifies");
        assert_eq!(event.event_type(), "TRADE_UPDATE");
        assert_eq!(event.user_id(), Some("u\u{e9}"));
        assert_eq!(sign_body(key, body).unwrap(), signature);
        assert!(matches!(
            verify("another key", signature, body, 1_796_018_400),
            Err(VerifyError::BadSignature)
        ));
    }

    /// Issue 22 F7: bodies Python reads but `serde_json` does not. Signed by
    /// Python 3.11 as above: `1e400` canonicalizes as `Infinity`, a lone
    /// surrogate as `\ud800`. The signature verifies (a wrong key is still a
    /// bad signature); the body then cannot be typed: `Unrepresentable`.
    #[test]
    fn python_only_bodies_verify_then_are_unrepresentable() {
        let key = "WEBHOOK_TEST_KEY";
        let now = 1_796_018_400;
        for (body, canonical, signature) in [
            (
                r#"{"eventType":"TRADE_UPDATE","userId":"u","eventTimestamp":"2026-11-30T06:00:00Z","details":{"price":1e400}}"#,
                r#"{"details":{"price":Infinity},"eventTimestamp":"2026-11-30T06:00:00Z","eventType":"TRADE_UPDATE","userId":"u"}"#,
                "AFrxabWl28avsE/e4G5A5bR8k2kM3hl3Ndrx0ixJHUE=",
            ),
            (
                r#"{"eventType":"TRADE_UPDATE","userId":"u\ud800","eventTimestamp":"2026-11-30T06:00:00Z"}"#,
                r#"{"eventTimestamp":"2026-11-30T06:00:00Z","eventType":"TRADE_UPDATE","userId":"u\ud800"}"#,
                "GSrdEP350lSSS/ULBFKnIgI3U7cbbiZduWNjPAUi03A=",
            ),
        ] {
            assert_eq!(
                crate::sign::canonical_json_from_slice(body.as_bytes()).unwrap(),
                canonical
            );
            assert_eq!(sign_body(key, body).unwrap(), signature);
            let err = verify(key, signature, body, now).unwrap_err();
            assert!(matches!(err, VerifyError::Unrepresentable(_)), "{err:?}");
            assert_eq!(err.kind(), "unrepresentable");
            assert!(err.to_string().starts_with("signature is valid"), "{err}");
            assert!(!err.to_string().contains("TRADE_UPDATE"), "{err}");
            assert_eq!(
                verify("another key", signature, body, now),
                Err(VerifyError::BadSignature)
            );
        }
    }

    #[test]
    fn accepts_and_types_a_signed_event() {
        let body = event("2026-08-01T12:00:00.000000+00:00");
        let sig = sign_body(KEY, &body).unwrap();
        let got = verify(KEY, &sig, &body, T).unwrap();
        assert_eq!(got.event_type(), USER_REGISTERED);
        assert_eq!(got.user_id(), Some("u"));
        // Every accepted form of `now` and of the header.
        let system = UNIX_EPOCH + Duration::from_secs(T as u64);
        assert!(verify(KEY, sig.as_str(), &body, system).is_ok());
        assert!(verify(KEY, Some(sig.as_str()), body.as_slice(), T as u64).is_ok());
        let mut headers = http::HeaderMap::new();
        headers.insert("signature", sig.parse().unwrap());
        assert!(verify(KEY, &headers, &body, T).is_ok());
        assert!(verify(KEY, headers.get("signature").unwrap(), &body, T).is_ok());
    }

    #[test]
    fn each_check_names_itself() {
        let body = event("2026-08-01T12:00:00Z");
        let sig = sign_body(KEY, &body).unwrap();
        assert_eq!(
            verify(KEY, None, &body, T),
            Err(VerifyError::MissingSignature)
        );
        assert_eq!(
            verify(KEY, "", &body, T),
            Err(VerifyError::MissingSignature)
        );
        assert_eq!(
            verify(KEY, http::HeaderMap::new(), &body, T),
            Err(VerifyError::MissingSignature)
        );
        assert!(matches!(
            verify(KEY, &sig, b"{nope", T),
            Err(VerifyError::NotJson(_))
        ));
        assert_eq!(
            verify("other", &sig, &body, T),
            Err(VerifyError::BadSignature)
        );
        // Exact comparison: whitespace, missing padding, garbage are bad signatures.
        for bad in [
            format!(" {sig}"),
            sig.trim_end_matches('=').to_owned(),
            "!!".into(),
        ] {
            assert_eq!(
                verify(KEY, &bad, &body, T),
                Err(VerifyError::BadSignature),
                "{bad}"
            );
        }
        assert_eq!(
            verify(KEY, &sig, &body, T + 301),
            Err(VerifyError::TooOld {
                age_secs: 301,
                tolerance_secs: 300
            })
        );
        assert!(verify(KEY, &sig, &body, T + 300).is_ok());
        assert!(verify(KEY, &sig, &body, T - 300).is_ok());
        assert_eq!(
            verify(KEY, &sig, &body, T - 301),
            Err(VerifyError::FromFuture {
                ahead_secs: 301,
                tolerance_secs: 300
            })
        );
        let array = json!([1]);
        assert_eq!(
            verify(KEY, sign(KEY, &array), array.to_string(), T),
            Err(VerifyError::NotAnEvent("not a JSON object"))
        );
        let no_ts = json!({"eventType": "X"});
        assert_eq!(
            verify(KEY, sign(KEY, &no_ts), no_ts.to_string(), T),
            Err(VerifyError::BadTimestamp)
        );
    }

    #[test]
    fn window_is_configurable_and_can_be_switched_off() {
        let body = event("2026-08-01T12:00:00Z");
        let sig = sign_body(KEY, &body).unwrap();
        let v = Verifier::new(KEY).tolerance(Duration::from_secs(10));
        assert!(v.verify(&sig, &body, T + 10).is_ok());
        assert!(matches!(
            v.verify(&sig, &body, T + 11),
            Err(VerifyError::TooOld { .. })
        ));
        let off = Verifier::new(KEY).without_age_check();
        assert!(off.verify(&sig, &body, T + 1_000_000).is_ok());
        let no_ts = json!({"eventType": "X", "eventTimestamp": "garbage"});
        assert!(off.verify(off.sign(&no_ts), no_ts.to_string(), T).is_ok());
        // Issue 22 F7: zero is the strictest window, not "off".
        let strictest = Verifier::new(KEY).tolerance(Duration::ZERO);
        assert_eq!(strictest.tolerance_value(), Some(Duration::ZERO));
        assert!(strictest.verify(&sig, &body, T).is_ok());
        assert_eq!(
            strictest.verify(&sig, &body, T + 1),
            Err(VerifyError::TooOld {
                age_secs: 1,
                tolerance_secs: 0
            })
        );
        assert_eq!(
            strictest.verify(&sig, &body, T - 1),
            Err(VerifyError::FromFuture {
                ahead_secs: 1,
                tolerance_secs: 0
            })
        );
        assert!(matches!(
            strictest.verify(
                &sig,
                &body,
                UNIX_EPOCH + Duration::from_millis(T as u64 * 1000 + 1)
            ),
            Err(VerifyError::TooOld { age_secs: 0, .. })
        ));
        assert_eq!(
            strictest.verify(strictest.sign(&no_ts), no_ts.to_string(), T),
            Err(VerifyError::BadTimestamp)
        );
        // The real clock: an event stamped now passes.
        let now = SystemTime::now();
        let body = event(&format_event_timestamp(now));
        assert!(Verifier::new(KEY)
            .verify_now(sign_body(KEY, &body).unwrap(), &body)
            .is_ok());
    }

    #[test]
    fn errors_and_debug_never_show_the_key_or_body() {
        let body = br#"{"eventType":"X","secretish":"BODY-VALUE"#;
        let err = verify("KEY-VALUE-9", "abc=", &body[..], T).unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(
            !text.contains("BODY-VALUE") && !text.contains("KEY-VALUE-9"),
            "{text}"
        );
        assert_eq!(err.kind(), "not_json");
    }
}
