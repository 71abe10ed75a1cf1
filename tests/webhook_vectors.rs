//! The public webhook vectors (`../shared/snaptrade/webhook-vectors.json`,
//! or the file named by `SNAPTRADE_WEBHOOK_VECTORS`), read at test time:
//! for each, the canonical form and the signature are reproduced byte for
//! byte, the delivery verifies and types, and a changed body, another key, a
//! changed signature and a stale `now` are rejected with the right error.
//! When the file is missing the test says so loudly and passes.

use serde_json::Value;
use snaptrade::webhook::{self, Event, Verifier, VerifyError};
use std::path::PathBuf;

fn vectors_path() -> PathBuf {
    match std::env::var_os("SNAPTRADE_WEBHOOK_VECTORS") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/snaptrade/webhook-vectors.json"),
    }
}

fn load() -> Option<Vec<Value>> {
    let path = vectors_path();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!(
                "\n*** SKIPPED: webhook vectors not found at {} ({e}); \
                 set SNAPTRADE_WEBHOOK_VECTORS to run them ***\n",
                path.display()
            );
            return None;
        }
    };
    let file: Value = serde_json::from_str(&text).expect("the vectors file is JSON");
    let vectors = file["vectors"]
        .as_array()
        .expect("a `vectors` array")
        .clone();
    assert!(!vectors.is_empty(), "no vectors in {}", path.display());
    Some(vectors)
}

fn text<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("vector {} has no string {field}", v["id"]))
}

#[test]
fn every_vector_signs_verifies_and_types() {
    let Some(vectors) = load() else { return };
    for v in &vectors {
        let id = &v["id"];
        let key = text(v, "consumer_key");
        let body = text(v, "body");
        let signature = text(v, "signature");
        let parsed: Value = serde_json::from_str(body).expect("vector body is JSON");

        if let Some(canonical) = v["canonical"].as_str() {
            assert_eq!(
                snaptrade::sign::canonical_json(&parsed),
                canonical,
                "{id}: canonical form"
            );
        }
        assert_eq!(
            webhook::sign_body(key, body).unwrap(),
            signature,
            "{id}: signature"
        );
        assert_eq!(
            webhook::sign(key, &parsed),
            signature,
            "{id}: signature of the value"
        );

        let now = v["event_unix_time"].as_i64();
        let verifier = match now {
            Some(_) => Verifier::new(key),
            None => Verifier::new(key).without_age_check(),
        };
        let at = now.unwrap_or(0);
        let event = verifier
            .verify(signature, body, at)
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        // The free function agrees when the vector carries its time.
        if let Some(now) = now {
            assert_eq!(
                webhook::verify(key, signature, body, now).as_ref(),
                Ok(&event),
                "{id}"
            );
        }

        let event_type = parsed["eventType"]
            .as_str()
            .expect("vector has an eventType");
        assert_eq!(event.event_type(), event_type, "{id}");
        match (&event, event_type) {
            (Event::UserRegistered(u), "USER_REGISTERED")
            | (Event::UserDeleted(u), "USER_DELETED") => {
                assert_eq!(Some(u.user_id.as_str()), parsed["userId"].as_str(), "{id}");
                assert_eq!(u.client_id.as_deref(), parsed["clientId"].as_str(), "{id}");
                assert_eq!(
                    u.webhook_id.as_deref(),
                    parsed["webhookId"].as_str(),
                    "{id}"
                );
            }
            (Event::Other { event_type: t, raw }, other)
                if other != "USER_REGISTERED" && other != "USER_DELETED" =>
            {
                assert_eq!(t, other, "{id}");
                assert_eq!(raw, &parsed, "{id}: raw body kept");
            }
            _ => panic!("{id}: {event_type} decoded as {event:?}"),
        }
        // No secret of the payload in Debug output.
        if let Some(secret) = parsed["webhookSecret"].as_str().filter(|s| !s.is_empty()) {
            assert!(
                !format!("{event:?}").contains(secret),
                "{id}: webhookSecret in Debug"
            );
        }

        // Rejections.
        let wrong_key = format!("{key}x");
        assert_eq!(
            Verifier::new(wrong_key.as_str())
                .without_age_check()
                .verify(signature, body, at),
            Err(VerifyError::BadSignature),
            "{id}: wrong key"
        );
        let mut tampered = parsed.clone();
        tampered["userId"] = Value::String(format!(
            "{}-tampered",
            parsed["userId"].as_str().unwrap_or("")
        ));
        assert_eq!(
            verifier.verify(signature, tampered.to_string(), at),
            Err(VerifyError::BadSignature),
            "{id}: tampered body"
        );
        let mut other_sig = signature.as_bytes().to_vec();
        other_sig[0] = if other_sig[0] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            verifier.verify(String::from_utf8(other_sig).unwrap(), body, at),
            Err(VerifyError::BadSignature),
            "{id}: changed signature"
        );
        assert_eq!(
            verifier.verify(None, body, at),
            Err(VerifyError::MissingSignature),
            "{id}"
        );
        if let Some(now) = now {
            assert!(
                matches!(
                    webhook::verify(key, signature, body, now + 302),
                    Err(VerifyError::TooOld {
                        age_secs: 301..=302,
                        tolerance_secs: 300
                    })
                ),
                "{id}: stale"
            );
            assert!(
                webhook::verify(key, signature, body, now + 299).is_ok(),
                "{id}: inside the window"
            );
            assert!(
                matches!(
                    webhook::verify(key, signature, body, now - 302),
                    Err(VerifyError::FromFuture { .. })
                ),
                "{id}: from the future"
            );
            assert!(
                Verifier::new(key)
                    .without_age_check()
                    .verify(signature, body, now + 86_400 * 365)
                    .is_ok(),
                "{id}: age check off"
            );
        }
    }
    eprintln!(
        "checked {} webhook vectors from {}",
        vectors.len(),
        vectors_path().display()
    );
}

/// Re-serializing a vector's body in another key order, with non-ASCII
/// written raw, keeps the signature valid: what is signed is the parsed value.
#[test]
fn wire_form_does_not_matter() {
    let Some(vectors) = load() else { return };
    for v in &vectors {
        let key = text(v, "consumer_key");
        let parsed: Value = serde_json::from_str(text(v, "body")).unwrap();
        let Value::Object(map) = &parsed else {
            continue;
        };
        // Reversed key order, pretty-printed.
        let mut reversed = String::from("{\n");
        let entries: Vec<_> = map.iter().rev().collect();
        for (i, (k, val)) in entries.iter().enumerate() {
            let sep = if i + 1 < entries.len() { "," } else { "" };
            reversed.push_str(&format!(
                "  {}: {}{sep}\n",
                Value::String((*k).clone()),
                val
            ));
        }
        reversed.push('}');
        let verifier = Verifier::new(key).without_age_check();
        assert!(
            verifier.verify(text(v, "signature"), &reversed, 0).is_ok(),
            "{}: {reversed}",
            v["id"]
        );
    }
}
