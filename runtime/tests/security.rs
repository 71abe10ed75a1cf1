//! The transport's reading of an operation's security requirement: an
//! empty alternative (`security: [{}]`) means "no credentials needed".

use oapi_client_runtime::{
    BearerToken, Method, OperationRequest, SchemeKind, SecurityScheme, SendError, Transport,
    TransportConfig,
};
use std::sync::Arc;

const BEARER: SecurityScheme = SecurityScheme {
    name: "bearerAuth",
    kind: SchemeKind::Http { scheme: "bearer" },
};
static ANONYMOUS_OR_BEARER: &[&[SecurityScheme]] = &[&[], &[BEARER]];
static ANONYMOUS: &[&[SecurityScheme]] = &[&[]];
static BEARER_ONLY: &[&[SecurityScheme]] = &[&[BEARER]];

fn op(security: &'static [&'static [SecurityScheme]]) -> OperationRequest {
    let mut op = OperationRequest::new("op", Method::GET, "/pets".into());
    op.security = security;
    op
}

fn transport(token: Option<&str>) -> Transport {
    let auth = token.map(|t| Arc::new(BearerToken::new(t)) as _);
    Transport::new(TransportConfig::new("http://127.0.0.1:9"), auth).expect("transport")
}

#[test]
fn an_empty_alternative_sends_without_credentials() {
    for security in [ANONYMOUS, ANONYMOUS_OR_BEARER] {
        let prepared = transport(None)
            .prepare(&op(security))
            .expect("no credentials needed");
        assert!(prepared.headers.get("authorization").is_none());
    }
}

#[test]
fn a_configured_credential_is_still_used_when_it_fits() {
    let prepared = transport(Some("t0k"))
        .prepare(&op(ANONYMOUS_OR_BEARER))
        .expect("prepares");
    assert_eq!(prepared.headers.get("authorization").unwrap(), "Bearer t0k");
    // `[{}]` alone asks for nothing: the token is not sent.
    let prepared = transport(Some("t0k"))
        .prepare(&op(ANONYMOUS))
        .expect("prepares");
    assert!(prepared.headers.get("authorization").is_none());
}

#[test]
fn a_requirement_without_an_empty_alternative_still_needs_credentials() {
    match transport(None).prepare(&op(BEARER_ONLY)) {
        Err(SendError::Request(e)) => assert!(e.message.contains("requires credentials"), "{e:?}"),
        other => panic!("expected a request error, got {other:?}"),
    }
}
