//! Requests the generated client never makes, sent raw over HTTP/1.1:
//! missing or malformed credentials, malformed bodies, unknown paths and
//! methods, and the legacy prefix signed as received.

mod common;

use common::{auth_query, raw, signed_raw, start, unix_now};
use serde_json::json;
use snaptrade_sandbox::{SANDBOX_CLIENT_ID, SANDBOX_CONSUMER_KEY};

fn error(code: i64, detail: &str) -> serde_json::Value {
    json!({"default_code": code, "default_detail": detail})
}

#[tokio::test]
async fn missing_or_unknown_client_id() {
    let sandbox = start(common::config()).await;
    let path = "/snapTrade/listUsers";
    let query = format!("timestamp={}", unix_now());
    let answer = signed_raw(&sandbox, "GET", path, &query, b"").await;
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.body,
        error(1071, "Missing clientId query parameter.")
    );
    assert!(answer.header("x-request-id").is_some());

    let query = format!("clientId=&timestamp={}", unix_now());
    let answer = signed_raw(&sandbox, "GET", path, &query, b"").await;
    assert_eq!(
        (answer.status, &answer.body["default_code"]),
        (401, &json!(1071))
    );

    let query = format!("clientId=NOBODY&timestamp={}", unix_now());
    let answer = signed_raw(&sandbox, "GET", path, &query, b"").await;
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.body,
        error(
            1072,
            "Unknown clientId: it is not registered with this server."
        )
    );
}

#[tokio::test]
async fn missing_unparsable_or_stale_timestamp() {
    let sandbox = start(common::config()).await;
    let path = "/snapTrade/listUsers";
    let answer = signed_raw(
        &sandbox,
        "GET",
        path,
        &format!("clientId={SANDBOX_CLIENT_ID}"),
        b"",
    )
    .await;
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.body,
        error(1073, "Missing timestamp query parameter.")
    );

    for bad in ["", "soon", "1.5", "1e9"] {
        let query = format!("clientId={SANDBOX_CLIENT_ID}&timestamp={bad}");
        let answer = signed_raw(&sandbox, "GET", path, &query, b"").await;
        assert_eq!(answer.status, 401, "{bad}");
        assert_eq!(answer.body["default_code"], json!(1074), "{bad}");
    }

    let now = unix_now();
    for (ts, ok) in [
        (now - 250, true),
        (now + 250, true),
        (now - 400, false),
        (now + 400, false),
    ] {
        let query = format!("clientId={SANDBOX_CLIENT_ID}&timestamp={ts}");
        let answer = signed_raw(&sandbox, "GET", path, &query, b"").await;
        if ok {
            assert_eq!(answer.status, 200, "{ts}");
        } else {
            assert_eq!(answer.status, 401, "{ts}");
            assert_eq!(answer.body["default_code"], json!(1075));
            let detail = answer.body["default_detail"].as_str().unwrap();
            assert!(detail.contains("at most 300 seconds"), "{detail}");
        }
    }
}

#[tokio::test]
async fn signature_missing_garbled_or_over_other_bytes() {
    let sandbox = start(common::config()).await;
    let path = "/snapTrade/listUsers";
    let query = auth_query();
    let signature_error = error(1076, "Unable to verify signature sent");

    let answer = raw(&sandbox, "GET", &format!("{path}?{query}"), &[], b"").await;
    assert_eq!((answer.status, &answer.body), (401, &signature_error));

    let answer = raw(
        &sandbox,
        "GET",
        &format!("{path}?{query}"),
        &[("Signature", "!!not base64")],
        b"",
    )
    .await;
    assert_eq!((answer.status, &answer.body), (401, &signature_error));

    // Signed for one query, sent with another.
    let sig = snaptrade::sign::signature(SANDBOX_CONSUMER_KEY, path, &query, None);
    let answer = raw(
        &sandbox,
        "GET",
        &format!("{path}?{query}&x=1"),
        &[("Signature", &sig)],
        b"",
    )
    .await;
    assert_eq!((answer.status, &answer.body), (401, &signature_error));

    // Signed for one body, sent with another.
    let path = "/snapTrade/registerUser";
    let signed_for = json!({"userId": "a"});
    let sig = snaptrade::sign::signature(SANDBOX_CONSUMER_KEY, path, &query, Some(&signed_for));
    let answer = raw(
        &sandbox,
        "POST",
        &format!("{path}?{query}"),
        &[("Signature", &sig)],
        br#"{"userId":"b"}"#,
    )
    .await;
    assert_eq!((answer.status, &answer.body), (401, &signature_error));

    // The body is canonicalized: other key order and escapes still verify.
    let body = json!({"userId": "é-user"});
    let sig = snaptrade::sign::signature(SANDBOX_CONSUMER_KEY, path, &query, Some(&body));
    let answer = raw(
        &sandbox,
        "POST",
        &format!("{path}?{query}"),
        &[("Signature", &sig)],
        br#"{ "userId" : "\u00e9-user" }"#,
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["userId"], json!("é-user"));
}

#[tokio::test]
async fn malformed_bodies_and_missing_fields() {
    let sandbox = start(common::config()).await;
    let query = auth_query();
    let register = "/snapTrade/registerUser";

    // Not JSON: cannot be canonicalized, so it is rejected before the signature.
    let answer = raw(
        &sandbox,
        "POST",
        &format!("{register}?{query}"),
        &[("Signature", "AAAA")],
        b"{not json",
    )
    .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body, error(1080, "Request body is not valid JSON."));

    for body in [&b""[..], b"{}", br#"{"userId":null}"#, br#"{"userId":""}"#] {
        let answer = signed_raw(&sandbox, "POST", register, &query, body).await;
        assert_eq!(answer.status, 400, "{}", String::from_utf8_lossy(body));
        assert_eq!(answer.body, error(1081, "Missing required field: userId"));
    }
    for body in [&br#"{"userId":5}"#[..], br#"["userId"]"#, b"\"x\""] {
        let answer = signed_raw(&sandbox, "POST", register, &query, body).await;
        assert_eq!(answer.status, 400, "{}", String::from_utf8_lossy(body));
        assert_eq!(answer.body["default_code"], json!(1082));
    }

    let reset = "/snapTrade/resetUserSecret";
    let answer = signed_raw(&sandbox, "POST", reset, &query, br#"{"userId":"u"}"#).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.body,
        error(1081, "Missing required field: userSecret")
    );

    // Query parameters: percent-decoding that yields invalid UTF-8.
    let q = format!("userId=%FF&{query}");
    let answer = signed_raw(&sandbox, "DELETE", "/snapTrade/deleteUser", &q, b"").await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["default_code"], json!(1082));
    let answer = signed_raw(&sandbox, "DELETE", "/snapTrade/deleteUser", &query, b"").await;
    assert_eq!(
        (answer.status, &answer.body),
        (400, &error(1081, "Missing required field: userId"))
    );

    // Login options of the wrong type or outside their enums.
    let created = signed_raw(&sandbox, "POST", register, &query, br#"{"userId":"opt"}"#).await;
    let secret = created.body["userSecret"].as_str().unwrap().to_owned();
    let q = format!("userId=opt&userSecret={secret}&{query}");
    for body in [
        &br#"{"darkMode":"yes"}"#[..],
        br#"{"connectionType":"write"}"#,
        br#"{"connectionPortalVersion":"v9"}"#,
        b"[]",
    ] {
        let answer = signed_raw(&sandbox, "POST", "/snapTrade/login", &q, body).await;
        assert_eq!(answer.status, 400, "{}", String::from_utf8_lossy(body));
        assert_eq!(
            answer.body["default_code"],
            json!(1082),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[tokio::test]
async fn plus_in_a_query_value_is_a_plus() {
    let sandbox = start(common::config()).await;
    let query = auth_query();
    let created = signed_raw(
        &sandbox,
        "POST",
        "/snapTrade/registerUser",
        &query,
        br#"{"userId":"a+b"}"#,
    )
    .await;
    assert_eq!(created.status, 200);
    // `a b` does not exist; `a+b` (sent as a raw `+`) does.
    let q = format!("userId=a%20b&{query}");
    assert_eq!(
        signed_raw(&sandbox, "DELETE", "/snapTrade/deleteUser", &q, b"")
            .await
            .status,
        404
    );
    let q = format!("userId=a+b&{query}");
    let answer = signed_raw(&sandbox, "DELETE", "/snapTrade/deleteUser", &q, b"").await;
    assert_eq!(
        (answer.status, &answer.body["userId"]),
        (200, &json!("a+b"))
    );
}

#[tokio::test]
async fn unknown_paths_and_methods() {
    let sandbox = start(common::config()).await;
    let not_found = error(1011, "The requested resource does not exist.");
    for target in [
        "/nope",
        "/snapTrade/listUsers/",
        "/snaptrade/listUsers",
        "/api/v2/snapTrade/listUsers",
    ] {
        let answer = raw(&sandbox, "GET", target, &[], b"").await;
        assert_eq!((answer.status, &answer.body), (404, &not_found), "{target}");
        assert_eq!(answer.header("content-type"), Some("application/json"));
        assert!(answer.header("x-request-id").is_some());
    }
    let answer = raw(&sandbox, "PUT", "/snapTrade/registerUser", &[], b"").await;
    assert_eq!(answer.status, 405);
    assert_eq!(answer.body, error(1090, "Method \"PUT\" not allowed."));
    assert_eq!(answer.header("allow"), Some("POST"));
    let answer = raw(&sandbox, "POST", "/", &[], b"").await;
    assert_eq!((answer.status, answer.header("allow")), (405, Some("GET")));
}

#[tokio::test]
async fn legacy_prefix_is_signed_as_received() {
    let sandbox = start(common::config()).await;
    let query = auth_query();
    let answer = signed_raw(&sandbox, "GET", "/api/v1/snapTrade/listUsers", &query, b"").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("deprecation"), Some("true"));
    assert_eq!(
        answer.header("link"),
        Some("</snapTrade/listUsers>; rel=\"successor-version\"")
    );

    // A signature over the path without the prefix does not verify there.
    let sig =
        snaptrade::sign::signature(SANDBOX_CONSUMER_KEY, "/snapTrade/listUsers", &query, None);
    let answer = raw(
        &sandbox,
        "GET",
        &format!("/api/v1/snapTrade/listUsers?{query}"),
        &[("Signature", &sig)],
        b"",
    )
    .await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.body["default_code"], json!(1076));
    assert_eq!(answer.header("deprecation"), Some("true"));

    for target in ["/api/v1", "/api/v1/"] {
        let answer = raw(&sandbox, "GET", target, &[], b"").await;
        assert_eq!(answer.status, 200, "{target}");
        assert_eq!(answer.body["online"], json!(true));
        assert_eq!(answer.header("deprecation"), Some("true"));
    }
    // No Deprecation header without the prefix.
    let answer = raw(&sandbox, "GET", "/", &[], b"").await;
    assert_eq!(answer.header("deprecation"), None);
}

#[tokio::test]
async fn request_ids_are_unique() {
    let sandbox = start(common::config()).await;
    let mut seen = std::collections::BTreeSet::new();
    for target in ["/", "/", "/nope", "/snapTrade/listUsers"] {
        let answer = raw(&sandbox, "GET", target, &[], b"").await;
        let id = answer
            .header("x-request-id")
            .expect("x-request-id")
            .to_owned();
        assert!(seen.insert(id), "request ids repeat");
    }
}
