//! Every direct vector made by SnapTrade's reference SDK (snaptrade-python-sdk
//! 13.0.49, `compute_request_signature`), reproduced byte for byte: the signed
//! string and the Signature. Figures copied from the reference vectors file;
//! the X vectors were made with the same SDK function for this project.

use snaptrade::sign;

struct Vector {
    id: &'static str,
    path: &'static str,
    query: &'static str,
    /// JSON body as the SDK was given it; `None` when unset.
    body: Option<&'static str>,
    signed: &'static str,
    signature: &'static str,
}

const KEY: &str = "YOUR_CONSUMER_KEY";

const VECTORS: &[Vector] = &[
    Vector {
        id: "A01_get_root_no_body",
        path: "/",
        query: "clientId=YOUR_CLIENT_ID&timestamp=1700000000",
        body: None,
        signed: r###"{"content":null,"path":"/","query":"clientId=YOUR_CLIENT_ID&timestamp=1700000000"}"###,
        signature: "VnhOfKBdlfz1+0qHZEd4NfaHc1p0+9F2JMV7uOMngwE=",
    },
    Vector {
        id: "A02_register_user",
        path: "/snapTrade/registerUser",
        query: "clientId=YOUR_CLIENT_ID&timestamp=1700000000",
        body: Some(r###"{"userId":"snaptrade-user-123"}"###),
        signed: r###"{"content":{"userId":"snaptrade-user-123"},"path":"/snapTrade/registerUser","query":"clientId=YOUR_CLIENT_ID&timestamp=1700000000"}"###,
        signature: "P3KirfS8xyXD3M3U5VUV9Nf3y6WKwXNtyzxm3rrtMiY=",
    },
    Vector {
        id: "A04_login_no_body",
        path: "/snapTrade/login",
        query: "userId=snaptrade-user-123&userSecret=adf2aa34-8219-40f7-a6b3-60156985cc61&clientId=YOUR_CLIENT_ID&timestamp=1700000000",
        body: None,
        signed: r###"{"content":null,"path":"/snapTrade/login","query":"userId=snaptrade-user-123&userSecret=adf2aa34-8219-40f7-a6b3-60156985cc61&clientId=YOUR_CLIENT_ID&timestamp=1700000000"}"###,
        signature: "acFgqmu+hxfEzAGr4ak8WgCEU3t+IvWSsc2agwXZMIw=",
    },
    Vector {
        id: "A05_login_empty_object_body",
        path: "/snapTrade/login",
        query: "userId=snaptrade-user-123&userSecret=adf2aa34-8219-40f7-a6b3-60156985cc61&clientId=YOUR_CLIENT_ID&timestamp=1700000000",
        body: Some(r###"{}"###),
        signed: r###"{"content":null,"path":"/snapTrade/login","query":"userId=snaptrade-user-123&userSecret=adf2aa34-8219-40f7-a6b3-60156985cc61&clientId=YOUR_CLIENT_ID&timestamp=1700000000"}"###,
        signature: "acFgqmu+hxfEzAGr4ak8WgCEU3t+IvWSsc2agwXZMIw=",
    },
    Vector {
        id: "A06_login_with_body",
        path: "/snapTrade/login",
        query: "userId=snaptrade-user-123&userSecret=adf2aa34-8219-40f7-a6b3-60156985cc61&clientId=YOUR_CLIENT_ID&timestamp=1700000000",
        body: Some(r###"{"broker":"ALPACA","immediateRedirect":true,"customRedirect":"https://snaptrade.com","connectionType":"trade-if-available","showCloseButton":false,"darkMode":true,"locale":"pt-BR","connectionPortalVersion":"v4"}"###),
        signed: r###"{"content":{"broker":"ALPACA","connectionPortalVersion":"v4","connectionType":"trade-if-available","customRedirect":"https://snaptrade.com","darkMode":true,"immediateRedirect":true,"locale":"pt-BR","showCloseButton":false},"path":"/snapTrade/login","query":"userId=snaptrade-user-123&userSecret=adf2aa34-8219-40f7-a6b3-60156985cc61&clientId=YOUR_CLIENT_ID&timestamp=1700000000"}"###,
        signature: "eiexZBVWBK0j9c1rsbM1Kl3wkOLyexA/O5dyFg6IcAw=",
    },
    Vector {
        id: "A07_list_users",
        path: "/snapTrade/listUsers",
        query: "clientId=YOUR_CLIENT_ID&timestamp=1700000000",
        body: None,
        signed: r###"{"content":null,"path":"/snapTrade/listUsers","query":"clientId=YOUR_CLIENT_ID&timestamp=1700000000"}"###,
        signature: "0yGORIWv2TMz2oQ/1AN0H5/V1y6EUycVK2ETgMH1NQE=",
    },
    Vector {
        id: "A08_delete_user",
        path: "/snapTrade/deleteUser",
        query: "userId=snaptrade-user-123&clientId=YOUR_CLIENT_ID&timestamp=1700000000",
        body: None,
        signed: r###"{"content":null,"path":"/snapTrade/deleteUser","query":"userId=snaptrade-user-123&clientId=YOUR_CLIENT_ID&timestamp=1700000000"}"###,
        signature: "2C1XnGDjFTlm1QYCkIk9S/2mEriiYoI+26jTeA3zvYE=",
    },
    Vector {
        id: "A09_reset_user_secret",
        path: "/snapTrade/resetUserSecret",
        query: "clientId=YOUR_CLIENT_ID&timestamp=1700000000",
        body: Some(r###"{"userId":"snaptrade-user-123","userSecret":"adf2aa34-8219-40f7-a6b3-60156985cc61"}"###),
        signed: r###"{"content":{"userId":"snaptrade-user-123","userSecret":"adf2aa34-8219-40f7-a6b3-60156985cc61"},"path":"/snapTrade/resetUserSecret","query":"clientId=YOUR_CLIENT_ID&timestamp=1700000000"}"###,
        signature: "vaVyQ1fWKwe1+c0UhuDgiwj5RmV0AjYM3YXN2oA44j0=",
    },
    // Made with the same SDK function for user ids that need escaping
    // (space, slash, non-ASCII, `+&=?`, and a character beyond the BMP).
    Vector {
        id: "X01_register_escaped_user",
        path: "/snapTrade/registerUser",
        query: "clientId=YOUR_CLIENT_ID&timestamp=1700000000",
        body: Some(r###"{"userId":"user with spaces/é+&=?"}"###),
        signed: r###"{"content":{"userId":"user with spaces/\u00e9+&=?"},"path":"/snapTrade/registerUser","query":"clientId=YOUR_CLIENT_ID&timestamp=1700000000"}"###,
        signature: "cOvk/DRlqnZU+3sM1s1gKZXOx32ICf3ePjhBmnuO74k=",
    },
    Vector {
        id: "X02_login_escaped_user",
        path: "/snapTrade/login",
        query: "userId=user%20with%20spaces/%C3%A9%2B%26%3D%3F&userSecret=s3cr3t&clientId=YOUR_CLIENT_ID&timestamp=1700000000",
        body: Some(r###"{}"###),
        signed: r###"{"content":null,"path":"/snapTrade/login","query":"userId=user%20with%20spaces/%C3%A9%2B%26%3D%3F&userSecret=s3cr3t&clientId=YOUR_CLIENT_ID&timestamp=1700000000"}"###,
        signature: "vcam2XQFagqcsViH7oBQD9eQPs66RTrXdjeq66TqTHA=",
    },
    Vector {
        id: "X03_delete_escaped_user",
        path: "/snapTrade/deleteUser",
        query: "userId=user%20with%20spaces/%C3%A9%2B%26%3D%3F&clientId=YOUR_CLIENT_ID&timestamp=1700000000",
        body: None,
        signed: r###"{"content":null,"path":"/snapTrade/deleteUser","query":"userId=user%20with%20spaces/%C3%A9%2B%26%3D%3F&clientId=YOUR_CLIENT_ID&timestamp=1700000000"}"###,
        signature: "wDlBzWZDMqDNUcLblJLO//k1X2WdiLQ5ZXWFZxss+5Q=",
    },
    Vector {
        id: "X04_reset_escaped_user",
        path: "/snapTrade/resetUserSecret",
        query: "clientId=YOUR_CLIENT_ID&timestamp=1700000000",
        body: Some(r###"{"userId":"user with spaces/é+&=?","userSecret":"s3cr3t"}"###),
        signed: r###"{"content":{"userId":"user with spaces/\u00e9+&=?","userSecret":"s3cr3t"},"path":"/snapTrade/resetUserSecret","query":"clientId=YOUR_CLIENT_ID&timestamp=1700000000"}"###,
        signature: "8mlfKyJEzHRZn2Zb47XaHHX4Iwa8QbujDX9QIu6cbsE=",
    },
    Vector {
        id: "X05_login_options_non_ascii_wire_order",
        path: "/snapTrade/login",
        query: "userId=user%20with%20spaces/%C3%A9%2B%26%3D%3F&userSecret=s3cr3t&clientId=YOUR_CLIENT_ID&timestamp=1700000000",
        body: Some(r###"{"broker":"ALPACA","customRedirect":"https://example.com/cb?a=1&b=é","connectionType":"trade","darkMode":true}"###),
        signed: r###"{"content":{"broker":"ALPACA","connectionType":"trade","customRedirect":"https://example.com/cb?a=1&b=\u00e9","darkMode":true},"path":"/snapTrade/login","query":"userId=user%20with%20spaces/%C3%A9%2B%26%3D%3F&userSecret=s3cr3t&clientId=YOUR_CLIENT_ID&timestamp=1700000000"}"###,
        signature: "tJN8zGBXzzNDYNQweuLBHyj+I5mwCwmbWc6zolTbwD0=",
    },
    Vector {
        id: "X06_register_beyond_bmp",
        path: "/snapTrade/registerUser",
        query: "clientId=YOUR_CLIENT_ID&timestamp=1700000000",
        body: Some(r###"{"userId":"u😀~._-"}"###),
        signed: r###"{"content":{"userId":"u\ud83d\ude00~._-"},"path":"/snapTrade/registerUser","query":"clientId=YOUR_CLIENT_ID&timestamp=1700000000"}"###,
        signature: "5fUFzp4t5Vlgh06hbj5u4ZmUdAjdOTYnMG3V4gTRUB8=",
    },
];

#[test]
fn reference_sdk_vectors_reproduce_exactly() {
    for v in VECTORS {
        let body: Option<serde_json::Value> = v
            .body
            .map(|b| serde_json::from_str(b).expect("vector body is JSON"));
        assert_eq!(
            sign::signed_string(v.path, v.query, body.as_ref()),
            v.signed,
            "{}: signed string",
            v.id
        );
        assert_eq!(
            sign::signature(KEY, v.path, v.query, body.as_ref()),
            v.signature,
            "{}: signature",
            v.id
        );
        assert_eq!(
            sign::sign_string(KEY, v.signed),
            v.signature,
            "{}: HMAC of the signed string",
            v.id
        );
        let raw = v.body.unwrap_or("");
        assert_eq!(
            sign::verify(KEY, v.path, v.query, raw.as_bytes(), v.signature).ok(),
            Some(true),
            "{}: verify",
            v.id
        );
        assert_eq!(
            sign::verify("another key", v.path, v.query, raw.as_bytes(), v.signature).ok(),
            Some(false),
            "{}: verify with the wrong key",
            v.id
        );
    }
}

#[test]
fn query_encoding_matches_the_reference_sdk() {
    let q = snaptrade::runtime::query_string([
        ("userId", "user with spaces/é+&=?"),
        ("userSecret", "s3cr3t"),
        ("clientId", "YOUR_CLIENT_ID"),
        ("timestamp", "1700000000"),
    ]);
    assert_eq!(
        q,
        VECTORS
            .iter()
            .find(|v| v.id == "X02_login_escaped_user")
            .unwrap()
            .query
    );
}
