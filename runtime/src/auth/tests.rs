//! The authenticators against the wire values RFC 6750, RFC 7617 and the
//! OpenAPI `apiKey` placements require.

use super::*;
use crate::request::Body;

const BEARER: SecurityScheme = SecurityScheme {
    name: "bearerAuth",
    kind: SchemeKind::Http { scheme: "bearer" },
};
const BASIC: SecurityScheme = SecurityScheme {
    name: "basicAuth",
    kind: SchemeKind::Http { scheme: "Basic" },
};
const OAUTH: SecurityScheme = SecurityScheme {
    name: "oauth",
    kind: SchemeKind::OAuth2,
};
const KEY_HEADER: SecurityScheme = SecurityScheme {
    name: "api_key",
    kind: SchemeKind::ApiKey {
        location: ApiKeyLocation::Header,
        param: "X-API-Key",
    },
};
const KEY_QUERY: SecurityScheme = SecurityScheme {
    name: "queryKey",
    kind: SchemeKind::ApiKey {
        location: ApiKeyLocation::Query,
        param: "api_key",
    },
};
const KEY_COOKIE: SecurityScheme = SecurityScheme {
    name: "session",
    kind: SchemeKind::ApiKey {
        location: ApiKeyLocation::Cookie,
        param: "sid",
    },
};

/// The one place that builds a [`PreparedRequest`] by hand.
fn prepared() -> PreparedRequest {
    PreparedRequest {
        operation_id: "op",
        method: http::Method::GET,
        path: "/pets".into(),
        query: vec![("limit".into(), QueryValue::Plain("5".into()))],
        headers: http::HeaderMap::new(),
        body: Body::Empty,
        clock_offset: 0,
    }
}

fn run(auth: &dyn Authenticator, requirement: &[SecurityScheme]) -> PreparedRequest {
    assert!(auth.supports(requirement), "{requirement:?}");
    let mut request = prepared();
    auth.authenticate(&mut request, requirement)
        .expect("authenticates");
    request
}

fn header<'a>(request: &'a PreparedRequest, name: &str) -> &'a str {
    request.headers[name].to_str().expect("ascii")
}

#[test]
fn bearer_token_sets_a_sensitive_authorization_header() {
    let auth = BearerToken::new("tok-123");
    let request = run(&auth, &[BEARER]);
    assert_eq!(header(&request, "authorization"), "Bearer tok-123");
    assert!(request.headers["authorization"].is_sensitive());
    assert!(auth.supports(&[OAUTH]));
    assert!(!auth.supports(&[BASIC]));
    assert!(!auth.supports(&[KEY_HEADER]));
    assert!(!auth.supports(&[]));
    assert!(!format!("{auth:?}").contains("tok-123"));
}

#[test]
fn basic_auth_encodes_user_and_password() {
    // RFC 7617 §2's example.
    let auth = BasicAuth::new("Aladdin", "open sesame");
    let request = run(&auth, &[BASIC]);
    assert_eq!(
        header(&request, "authorization"),
        "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
    );
    assert!(!auth.supports(&[BEARER]));
    assert!(!format!("{auth:?}").contains("sesame"));
}

#[test]
fn base64_matches_rfc_4648_vectors() {
    let cases = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];
    for (plain, encoded) in cases {
        assert_eq!(base64_encode(plain.as_bytes()), encoded, "{plain:?}");
    }
    assert_eq!(base64_encode(&[0xfb, 0xff]), "+/8=");
}

#[test]
fn api_key_goes_where_the_scheme_says() {
    let auth = ApiKey::new("k-1");
    let request = run(&auth, &[KEY_HEADER]);
    assert_eq!(header(&request, "x-api-key"), "k-1");
    assert!(request.headers["x-api-key"].is_sensitive());

    let request = run(&auth, &[KEY_QUERY]);
    assert_eq!(request.query_string(), "limit=5&api_key=k-1");
    // Query secrets stay wrapped until the URL is written.
    assert!(!format!("{request:?}").contains("k-1"));

    let request = run(&auth, &[KEY_COOKIE]);
    assert_eq!(header(&request, "cookie"), "sid=k-1");

    assert!(!auth.supports(&[BEARER]));
    assert!(
        !auth.supports(&[KEY_HEADER, KEY_QUERY]),
        "one value, two keys"
    );
    assert!(!format!("{auth:?}").contains("k-1"));
}

#[test]
fn api_key_can_be_pinned_to_one_scheme() {
    assert!(ApiKey::header("x-api-key", "v").supports(&[KEY_HEADER]));
    assert!(!ApiKey::header("X-API-Key", "v").supports(&[KEY_QUERY]));
    assert!(ApiKey::query("api_key", "v").supports(&[KEY_QUERY]));
    assert!(!ApiKey::query("api_key", "v").supports(&[KEY_HEADER]));
    assert!(ApiKey::cookie("sid", "v").supports(&[KEY_COOKIE]));
    assert!(ApiKey::for_scheme("queryKey", "v").supports(&[KEY_QUERY]));
    assert!(!ApiKey::for_scheme("queryKey", "v").supports(&[KEY_HEADER]));
}

#[test]
fn credentials_combine_schemes_of_one_requirement() {
    let auth = Credentials::new()
        .with(BearerToken::new("t"))
        .with(ApiKey::header("X-API-Key", "hk"))
        .with(ApiKey::cookie("sid", "c1"));
    let request = run(&auth, &[BEARER, KEY_HEADER, KEY_COOKIE]);
    assert_eq!(header(&request, "authorization"), "Bearer t");
    assert_eq!(header(&request, "x-api-key"), "hk");
    assert_eq!(header(&request, "cookie"), "sid=c1");
    assert!(!auth.supports(&[BASIC]));
    assert!(!auth.supports(&[BEARER, BASIC]));
    assert!(!auth.supports(&[]));
    assert_eq!(format!("{auth:?}"), "Credentials { members: 3 }");
}

#[test]
fn cookies_of_several_schemes_share_one_header() {
    const OTHER: SecurityScheme = SecurityScheme {
        name: "csrf",
        kind: SchemeKind::ApiKey {
            location: ApiKeyLocation::Cookie,
            param: "csrf",
        },
    };
    let auth = Credentials::new()
        .with(ApiKey::cookie("sid", "a"))
        .with(ApiKey::cookie("csrf", "b"));
    let request = run(&auth, &[KEY_COOKIE, OTHER]);
    assert_eq!(header(&request, "cookie"), "sid=a; csrf=b");
}

#[test]
fn invalid_values_fail_without_echoing_the_secret() {
    let auth = BearerToken::new("line\nbreak-secret");
    let mut request = prepared();
    let err = auth
        .authenticate(&mut request, &[BEARER])
        .expect_err("a newline cannot go in a header");
    assert!(!err.contains("break-secret"), "{err}");
    assert!(err.contains("bearer token"), "{err}");
}

#[test]
fn no_auth_supports_nothing_and_names_the_scheme() {
    assert!(!NoAuth.supports(&[BEARER]));
    let err = NoAuth
        .authenticate(&mut prepared(), &[BEARER, KEY_QUERY])
        .expect_err("nothing configured");
    assert_eq!(err, "no credentials configured for bearerAuth + queryKey");
}
