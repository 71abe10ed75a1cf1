//! The `breadth` generator fixture (multipart bodies, nested `$ref`s, a
//! property named `$ref`, `allOf` of a primitive, free-form form bodies,
//! free-form objects as query parameters), compiled against the real runtime
//! and called over loopback HTTP: the recording server checks what arrived on
//! the wire.

#![allow(missing_docs)]

mod common;

#[allow(dead_code)]
#[path = "../codegen/tests/golden/breadth.rs"]
mod breadth;

use breadth::models::{Kind, PetOwner};
use common::{Recorder, Reply};
use snaptrade::runtime::multipart::{FilePart, Form};
use snaptrade::runtime::{RetryPolicy, Transport, TransportConfig};

fn client(server: &Recorder) -> breadth::Client {
    let transport =
        Transport::new(TransportConfig::new(server.base_url()), None).expect("transport");
    breadth::Client::from_transport(transport)
}

/// The parts of a `multipart/form-data` body: `(headers, content)`.
fn parts(content_type: &str, body: &[u8]) -> Vec<(String, Vec<u8>)> {
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .expect("multipart content type");
    let delim = format!("--{boundary}");
    let text = body.to_vec();
    let mut out = Vec::new();
    let mut rest: &[u8] = &text;
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    while let Some(start) = find(rest, delim.as_bytes()) {
        rest = &rest[start + delim.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let end = find(rest, delim.as_bytes()).expect("closing delimiter");
        let part = &rest[2..end - 2]; // CRLF after the delimiter, CRLF before the next
        let split = find(part, b"\r\n\r\n").expect("part head");
        out.push((
            String::from_utf8_lossy(&part[..split]).to_ascii_lowercase(),
            part[split + 4..].to_vec(),
        ));
    }
    out
}

#[tokio::test]
async fn multipart_upload_sends_text_file_and_repeated_parts() {
    let server = Recorder::start().await;
    server.reply(Reply::json(200, r#"{"id":7,"email":"a@b"}"#));
    let form = Form::new()
        .text("title", "holiday")
        .file(
            "file",
            FilePart::new(vec![0x89, b'P', b'N', b'G', 0, 255]).file_name("a.png"),
        )
        .files(
            "attachments",
            [
                FilePart::new(&b"one"[..]).content_type("text/plain"),
                FilePart::new(&b"two"[..]).file_name("2.bin"),
            ],
        )
        .json("meta", &serde_json::json!({"size": 6}))
        .expect("json part");
    let owner = client(&server)
        .default()
        .upload(form)
        .await
        .expect("upload succeeds");
    assert_eq!(owner.id, Some(7));
    let got = server.last();
    assert_eq!(got.method, "POST");
    assert_eq!(got.path(), "/upload");
    let ct = got.header("content-type").expect("content type").to_owned();
    let parts = parts(&ct, &got.body);
    assert_eq!(parts.len(), 5, "{parts:?}");
    let (h, v) = &parts[0];
    assert!(
        h.contains("name=\"title\"") && !h.contains("filename"),
        "{h}"
    );
    assert_eq!(v, b"holiday");
    // The spec's `encoding` gives `file` its content type.
    let (h, v) = &parts[1];
    assert!(
        h.contains("name=\"file\"") && h.contains("filename=\"a.png\""),
        "{h}"
    );
    assert!(h.contains("content-type: image/png"), "{h}");
    assert_eq!(v, &[0x89, b'P', b'N', b'G', 0, 255]);
    let (h, v) = &parts[2];
    assert!(h.contains("name=\"attachments\"") && h.contains("content-type: text/plain"));
    assert_eq!(v, b"one");
    let (h, v) = &parts[3];
    assert!(h.contains("name=\"attachments\"") && h.contains("filename=\"2.bin\""));
    assert!(h.contains("content-type: application/octet-stream"), "{h}");
    assert_eq!(v, b"two");
    let (h, v) = &parts[4];
    assert!(h.contains("name=\"meta\"") && h.contains("content-type: application/json"));
    assert_eq!(v, br#"{"size":6}"#);
    assert_eq!(
        got.header("content-length"),
        Some(got.body.len().to_string().as_str())
    );
}

#[tokio::test]
async fn multipart_upload_is_resent_whole_on_retry() {
    let server = Recorder::start().await;
    server.reply(Reply::json(503, "{}"));
    server.reply(Reply::json(200, r#"{"id":1}"#));
    let c = client(&server);
    let c = breadth::Client::from_transport(c.transport().with_retry(RetryPolicy {
        max_attempts: 2,
        base_delay: std::time::Duration::from_millis(1),
        max_delay: std::time::Duration::from_millis(5),
        max_elapsed: std::time::Duration::from_secs(5),
    }));
    let form = Form::new().file("file", FilePart::new(vec![1u8, 2, 3]));
    let out = c.default().upload(form).await;
    let requests = server.take();
    // `upload` is `x-idempotent`: the 503 is retried, and the in-memory
    // parts are re-sent whole.
    assert!(out.is_ok(), "{out:?}");
    assert_eq!(requests.len(), 2);
    for r in &requests {
        let ct = r.header("content-type").expect("content type");
        let p = parts(ct, &r.body);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].1, vec![1u8, 2, 3]);
    }
}

#[tokio::test]
async fn nested_ref_types_travel_both_ways() {
    let server = Recorder::start().await;
    server.reply(Reply::json(
        200,
        r#"{"name":"rex","owner":{"id":3,"email":"o@x"},"$ref":"literal"}"#,
    ));
    let pet = client(&server)
        .default()
        .add_pet(PetOwner {
            id: Some(3),
            email: None,
        })
        .nick("rexy")
        .code("R1")
        .kind(Kind::Dog)
        .await
        .expect("add pet");
    // `owner` is `#/components/schemas/Pet/properties/owner`: one type,
    // used by the request, the response and the `$ref`-named property.
    let owner: &PetOwner = pet.owner.as_ref().expect("owner");
    assert_eq!(owner.id, Some(3));
    assert_eq!(pet.r#ref.as_deref(), Some("literal"));
    let got = server.last();
    let sent: serde_json::Value = serde_json::from_slice(&got.body).expect("json body");
    assert_eq!(
        sent,
        serde_json::json!({"owner": {"id": 3}, "nick": "rexy", "code": "R1", "kind": "dog"})
    );
}

#[tokio::test]
async fn free_form_form_body_is_one_pair_per_entry() {
    let server = Recorder::start().await;
    server.reply(Reply::json(204, ""));
    let mut body = std::collections::BTreeMap::new();
    body.insert("a b".to_owned(), "1&2".to_owned());
    body.insert("c".to_owned(), "x".to_owned());
    client(&server)
        .default()
        .submit_form(body)
        .await
        .expect("form accepted");
    let got = server.last();
    assert_eq!(
        got.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(String::from_utf8_lossy(&got.body), "a%20b=1%262&c=x");
}

#[tokio::test]
async fn free_form_query_objects_send_one_pair_per_entry() {
    let server = Recorder::start().await;
    server.reply(Reply::json(204, ""));
    let filter = std::collections::BTreeMap::from([
        ("status".to_owned(), "open now".to_owned()),
        ("a&b".to_owned(), "1=2".to_owned()),
    ]);
    let attrs = std::collections::BTreeMap::from([
        ("color".to_owned(), serde_json::json!("red")),
        ("size".to_owned(), serde_json::json!(3)),
    ]);
    let weights = std::collections::BTreeMap::from([("x".to_owned(), 1), ("y".to_owned(), -2)]);
    client(&server)
        .default()
        .search(10)
        .filter(filter)
        .attrs(attrs)
        .weights(weights)
        .timeout_2("30s")
        .timeout(std::time::Duration::from_secs(5))
        .await
        .expect("search accepted");
    let got = server.last();
    assert_eq!(got.path(), "/search");
    // The spec's named pairs first, in spec order (`weights`, `limit`,
    // `timeout`, whose setter is `timeout_2`: `timeout(..)` is the
    // builder's per-call timeout), then
    // the caller's keys: exploded `form` entries as they are, `deepObject`
    // ones inside `attrs[..]`, names and values percent-encoded, JSON strings
    // without their quotes.
    assert_eq!(
        got.query(),
        "weights=x%2C1%2Cy%2C-2&limit=10&timeout=30s&a%26b=1%3D2&status=open%20now\
         &attrs%5Bcolor%5D=red&attrs%5Bsize%5D=3"
    );
}

#[tokio::test]
async fn empty_free_form_query_objects_send_nothing() {
    let server = Recorder::start().await;
    server.reply(Reply::json(204, ""));
    client(&server)
        .default()
        .search(1)
        .filter(std::collections::BTreeMap::new())
        .await
        .expect("search accepted");
    assert_eq!(server.last().query(), "limit=1");
}

#[test]
fn integer_values_of_a_string_enum_are_text() {
    use breadth::models::{Quality, Thumbnail};
    let t: Thumbnail = serde_json::from_str(r#"{"timecode":"00:01","quality":"1"}"#).unwrap();
    assert_eq!(t.quality, Some(Quality::V1));
    assert_eq!(serde_json::to_string(&Quality::V2).unwrap(), r#""2""#);
}

#[tokio::test]
async fn a_query_written_into_the_path_key_goes_to_the_query() {
    let server = Recorder::start().await;
    server.reply(Reply::json(204, ""));
    client(&server)
        .default()
        .legacy_list("a b", 7)
        .q("x")
        .await
        .expect("list accepted");
    let got = server.last();
    // The key `/rest/{kind}?method=pets.list&id={id}&q={q}#legacy`: the
    // fixed pair, the path parameter named in the query, then `q` itself;
    // the `#legacy` fragment is never sent.
    assert_eq!(got.path(), "/rest/a%20b");
    assert_eq!(got.query(), "method=pets.list&id=7&q=x");
}

#[tokio::test]
async fn a_one_of_form_body_sends_the_chosen_object() {
    use breadth::models::{PasswordGrant, TokenRequestBody};
    let server = Recorder::start().await;
    server.reply(Reply::json(204, ""));
    let body = TokenRequestBody::PasswordGrant(PasswordGrant {
        grant_type: "password".into(),
        username: "ann b".into(),
    });
    client(&server)
        .default()
        .token(body)
        .await
        .expect("token issued");
    let got = server.last();
    assert_eq!(
        got.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        String::from_utf8_lossy(&got.body),
        "grant_type=password&username=ann%20b"
    );
}

/// `allOf` beside the schema's own `properties` is one struct with the
/// members' fields and its own (`age`, required); `oneOf` alternatives that
/// only say which fields are required leave a plain struct. Before, `age`
/// was silently dropped and the patch body was an enum of JSON values.
#[tokio::test]
async fn object_keywords_beside_a_composition_keep_every_field() {
    let server = Recorder::start().await;
    server.reply(Reply::json(
        200,
        r#"{"name":"rex","owner":{"id":3},"age":7}"#,
    ));
    let record: breadth::models::PetRecord = client(&server)
        .default()
        .put_record(12)
        .age(7)
        .await
        .expect("put record")
        .body;
    assert_eq!(record.age, 7);
    assert_eq!(record.name.as_deref(), Some("rex"));
    assert_eq!(record.owner.and_then(|o| o.id), Some(3));
    let got = server.last();
    assert_eq!(got.path(), "/pets/12/record");
    let sent: serde_json::Value = serde_json::from_slice(&got.body).expect("json body");
    assert_eq!(sent, serde_json::json!({"age": 7}));
}

/// An object that is also one of several shapes: the union is a flattened
/// field, so its fields travel beside the object's own, both ways. A
/// discriminated union keeps its tag (`kind`) and picks the variant by it.
#[tokio::test]
async fn an_object_with_a_union_flattens_it_both_ways() {
    use breadth::models::{AnimalVariant, Cat, Dog, TaggedVariant};
    let server = Recorder::start().await;
    server.reply(Reply::json(200, r#"{"id":5,"kind":"Cat","meow":true}"#));
    let tagged = client(&server)
        .default()
        .add_animal("rex", AnimalVariant::Dog(Dog { bark: 2 }))
        .await
        .expect("add animal")
        .body;
    assert_eq!(tagged.id, Some(5));
    // Models have no `PartialEq` unless the generator is asked for it.
    assert!(
        matches!(tagged.variant, TaggedVariant::Cat(Cat { meow: true })),
        "{tagged:?}"
    );
    let sent: serde_json::Value = serde_json::from_slice(&server.last().body).expect("json body");
    assert_eq!(sent, serde_json::json!({"name": "rex", "bark": 2}));

    // Decoding picks the alternative from the keys beside the object's own.
    let animal: breadth::models::Animal =
        serde_json::from_str(r#"{"name":"tom","meow":false}"#).expect("decodes");
    assert_eq!(animal.name, "tom");
    assert!(
        matches!(animal.variant, AnimalVariant::Cat(Cat { meow: false })),
        "{animal:?}"
    );
    let tagged: breadth::models::Tagged =
        serde_json::from_str(r#"{"kind":"Dog","bark":1}"#).expect("decodes");
    assert!(
        matches!(tagged.variant, TaggedVariant::Dog(Dog { bark: 1 })),
        "{tagged:?}"
    );
    assert_eq!(
        serde_json::to_value(&tagged).unwrap(),
        serde_json::json!({"kind": "Dog", "bark": 1})
    );
}
