//! The runtime on its own: what goes on the wire for a bodiless request, and
//! error bodies a server chooses (fuzzed: no panic, no secret in messages).

use oapi_client_runtime::{
    decode_json, ApiError, Body, Error, Method, OperationRequest, RawResponse, RetryPolicy,
    Transport, TransportConfig,
};
use proptest::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Accepts `n` connections, reads one request head from each (these
/// requests carry no body) and answers `200 {}`; returns the raw heads.
async fn record_heads(n: usize) -> (String, tokio::task::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let mut heads = Vec::new();
        for _ in 0..n {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 1024];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                let got = sock.read(&mut chunk).await.unwrap();
                assert!(got > 0, "connection closed mid-head");
                buf.extend_from_slice(&chunk[..got]);
            }
            heads.push(String::from_utf8(buf).unwrap().to_ascii_lowercase());
            let reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
            sock.write_all(reply.as_bytes()).await.unwrap();
        }
        heads
    });
    (base, task)
}

/// RFC 9110 §8.6: a POST, PUT or PATCH without a body says so with
/// `Content-Length: 0` (some proxies answer 411 otherwise); a GET does not.
#[tokio::test]
async fn bodiless_post_put_patch_send_content_length_zero() {
    let methods = [
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::GET,
        Method::DELETE,
    ];
    let (base, task) = record_heads(methods.len()).await;
    let mut config = TransportConfig::new(base);
    config.retry = RetryPolicy::never();
    let transport = Transport::new(config, None).unwrap();
    for method in &methods {
        let op = OperationRequest::new("op", method.clone(), "/x".into());
        let raw = transport.execute(op).await.unwrap();
        assert_eq!(raw.status, 200);
    }
    let heads = task.await.unwrap();
    for (method, head) in methods.iter().zip(&heads) {
        let has_zero = head.contains("\r\ncontent-length: 0\r\n");
        let expected = matches!(*method, Method::POST | Method::PUT | Method::PATCH);
        assert_eq!(has_zero, expected, "{method}: {head}");
        assert!(!head.contains("transfer-encoding"), "{method}: {head}");
    }
}

/// A request with a body keeps its own length (one header, the right one).
#[tokio::test]
async fn a_body_keeps_its_own_content_length() {
    let (base, task) = record_heads(1).await;
    let transport = Transport::new(TransportConfig::new(base), None).unwrap();
    let mut op = OperationRequest::new("op", Method::POST, "/x".into());
    op.body = Body::Text("hello".into());
    transport.execute(op).await.unwrap();
    // The recorder reads the head only; the body follows it.
    let head = &task.await.unwrap()[0];
    assert_eq!(head.matches("content-length:").count(), 1, "{head}");
    assert!(head.contains("\r\ncontent-length: 5\r\n"), "{head}");
}

/// A path parameter of `..` or `.` (in any spelling) would be resolved away
/// by the URL, so a request signed for one path would reach another: it is
/// refused before anything is sent, and a normal value still goes out.
#[tokio::test]
async fn a_dot_segment_path_parameter_is_refused_before_sending() {
    let (base, task) = record_heads(1).await;
    let transport = Transport::new(TransportConfig::new(base), None).unwrap();
    let encoded = |v: &str| oapi_client_runtime::encode_path_segment(v);
    let paths = [
        format!("/users/{}/delete", encoded("..")),
        format!("/users/{}/delete", encoded(".")),
        // Already-encoded paths: `%2E` is a dot to a URL parser.
        "/users/%2E%2e/delete".to_owned(),
        "/users/.%2E/delete".to_owned(),
    ];
    for path in paths {
        let value = path.clone();
        let op = OperationRequest::new("op", Method::DELETE, path);
        match transport.execute(op).await {
            Err(oapi_client_runtime::SendError::Request(e)) => {
                assert!(
                    e.message.contains("cannot be sent"),
                    "{value}: {}",
                    e.message
                )
            }
            other => panic!("{value}: expected a request error, got {other:?}"),
        }
    }
    // `%2E%2E` as a value is encoded to `%252E%252E`: text, not a dot.
    let path = format!("/users/{}/delete", encoded("%2E%2E"));
    let ok = OperationRequest::new("op", Method::DELETE, path);
    transport.execute(ok).await.unwrap();
    let heads = task.await.unwrap();
    assert_eq!(heads.len(), 1);
    assert!(
        heads[0].starts_with("delete /users/%252e%252e/delete "),
        "{}",
        heads[0]
    );
}

/// Cases per property: `PROPTEST_CASES` overrides (for long runs).
fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig::with_cases(cases)
}

fn raw(status: u16, content_type: &str, body: Vec<u8>) -> RawResponse {
    let mut headers = http::HeaderMap::new();
    if let Ok(v) = http::HeaderValue::from_str(content_type) {
        headers.insert(http::header::CONTENT_TYPE, v);
    }
    RawResponse {
        status: http::StatusCode::from_u16(status).unwrap(),
        headers,
        body: body.into(),
    }
}

/// Error-body-shaped JSON with a secret somewhere in it, or plain noise.
fn error_body() -> impl Strategy<Value = Vec<u8>> {
    let secret_spot = prop_oneof![
        Just(r#""userSecret":"QSECRET""#),
        Just(r#""user\u0053ecret":"QSECRET""#),
        Just(r#""secrets":["QSECRET",{"a":"QSECRET"}]"#),
        Just(r#""detail":{"userSecret":"QSECRET"}"#),
        Just(r#""detail":[{"password":"QSECRET"}]"#),
    ];
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        (
            secret_spot,
            "[a-z0-9 ]{0,20}",
            prop_oneof![Just("1076"), Just("\"0000\""), Just("null"), Just("[1]")],
            0usize..200,
        )
            .prop_map(|(spot, detail, code, cut)| {
                let body =
                    format!(r#"{{"code":{code},"status_code":400,{spot},"note":"{detail}"}}"#);
                // Sometimes cut short, as a broken connection would.
                let mut bytes = body.into_bytes();
                if cut < bytes.len() && cut % 3 == 0 {
                    bytes.truncate(cut);
                }
                bytes
            }),
    ]
}

proptest! {
    #![proptest_config(config(512))]

    /// Any error or success body: decoding and every message built from it
    /// neither panic nor show a secret.
    #[test]
    fn hostile_bodies_never_panic_or_leak(
        body in error_body(),
        status in 200u16..600,
        json in any::<bool>(),
    ) {
        let content_type = if json { "application/json" } else { "text/html" };
        let api = ApiError::from_raw("op", raw(status, content_type, body.clone()), ());
        let shown = format!("{api}{api:?}{}", api.body_text());
        prop_assert!(!shown.contains("QSECRET"), "{}", shown);
        if let Some(detail) = &api.detail {
            prop_assert!(!detail.contains("QSECRET"), "{}", detail);
        }
        let decoded = decode_json::<serde_json::Value, ()>("op", raw(status, content_type, body));
        if let Err(e) = decoded {
            prop_assert!(matches!(e, Error::Decode(_)));
            let shown = format!("{e}{e:?}");
            prop_assert!(!shown.contains("QSECRET"), "{}", shown);
        }
    }
}
