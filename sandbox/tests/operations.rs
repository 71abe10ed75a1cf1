//! Every operation through the generated client, over real HTTP on loopback:
//! the success paths and the documented error answers.

mod common;

use common::{client_for, client_with, start, unique};
use snaptrade::authentication::{
    DeleteSnapTradeUserError, ListSnapTradeUsersError, LoginSnapTradeUserError,
    RegisterSnapTradeUserError, ResetSnapTradeUserSecretError,
};
use snaptrade::models;
use snaptrade::{Error, ErrorCode};
use snaptrade_sandbox::{SANDBOX_CLIENT_ID, SANDBOX_CONSUMER_KEY};

/// Portal links point at the sandbox itself.
const PORTAL_PATH: &str = "/snapTrade/redeemToken?";

/// The redirect URI and session id of a login answer.
fn portal(body: &models::LoginSnapTradeUserResponse) -> (String, String) {
    match body {
        models::LoginSnapTradeUserResponse::LoginRedirectUri(link) => (
            link.redirect_uri.clone().expect("redirectURI"),
            link.session_id.clone().expect("sessionId"),
        ),
        other => panic!("expected a LoginRedirectUri, got {other:?}"),
    }
}

/// The decoded query of a portal link.
fn link_query(uri: &str) -> Vec<(String, String)> {
    let (origin, query) = uri
        .split_once(PORTAL_PATH)
        .expect("a Connection Portal link");
    assert!(origin.starts_with("http://127.0.0.1:"), "{uri}");
    query
        .split('&')
        .map(|pair| {
            let (n, v) = pair.split_once('=').expect("name=value");
            let v = percent_decode(v);
            (n.to_owned(), v)
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn assert_api_error<'a, E: std::fmt::Debug>(
    err: &'a Error<E>,
    status: u16,
    code: i64,
    detail: &str,
) -> &'a snaptrade::ApiError<E> {
    let api = err
        .as_api()
        .unwrap_or_else(|| panic!("expected an API error, got {err:?}"));
    assert_eq!(api.status.as_u16(), status, "{api:?}");
    assert_eq!(api.code, Some(ErrorCode::Number(code)), "{api:?}");
    assert_eq!(api.detail.as_deref(), Some(detail), "{api:?}");
    assert!(api.request_id.as_deref().is_some_and(|id| !id.is_empty()));
    api
}

#[tokio::test]
async fn api_status_check() {
    let sandbox = start(common::config()).await;
    let client = client_for(&sandbox.base_url());
    let status = client.api_status().check().await.expect("status");
    assert_eq!(status.status.as_u16(), 200);
    assert_eq!(status.body.online, Some(true));
    assert_eq!(status.body.version, Some(snaptrade_sandbox::STATUS_VERSION));
    let ts = status.body.timestamp.clone().expect("timestamp");
    // RFC 3339 UTC: 2026-11-28T03:29:00.123456Z
    assert_eq!(ts.len(), 27, "{ts}");
    assert!(ts.ends_with('Z') && &ts[10..11] == "T", "{ts}");
    assert!(status.request_id().is_some());
    // Unsigned: no rate-limit bookkeeping.
    assert_eq!(status.rate_limit().limit, None);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn user_lifecycle() {
    let sandbox = start(common::config()).await;
    let client = client_for(&sandbox.base_url());
    let auth = client.authentication();
    let user_id = unique("lifecycle");

    let registered = auth
        .register_snap_trade_user(&user_id)
        .await
        .expect("register");
    assert_eq!(registered.status.as_u16(), 200);
    assert_eq!(registered.body.user_id.as_deref(), Some(user_id.as_str()));
    let secret = registered.body.user_secret.clone().expect("a secret");
    assert_eq!(secret.expose().len(), 36, "UUID-like");
    assert!(registered.request_id().is_some());

    let login = auth
        .login_snap_trade_user(&user_id, &secret)
        .send()
        .await
        .expect("login");
    let (uri, session) = portal(&login.body);
    let query = link_query(&uri);
    let names: Vec<&str> = query.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["token", "clientId", "sessionId"]);
    assert_eq!(query[1].1, SANDBOX_CLIENT_ID);
    assert_eq!(query[2].1, session);
    assert_eq!(query[0].1.len(), 48);

    let users = auth.list_snap_trade_users().await.expect("list");
    assert_eq!(users.body, vec![user_id.clone()]);

    let reset = auth
        .reset_snap_trade_user_secret(&user_id, &secret)
        .await
        .expect("reset");
    assert_eq!(reset.body.user_id.as_deref(), Some(user_id.as_str()));
    let new_secret = reset.body.user_secret.clone().expect("a new secret");
    assert_ne!(new_secret.expose(), secret.expose());

    // The old secret stops working, for login and for another reset.
    let err = auth
        .login_snap_trade_user(&user_id, &secret)
        .await
        .unwrap_err();
    let api = assert_api_error(
        &err,
        403,
        1066,
        "User does not have permission to access this resource",
    );
    assert!(
        matches!(api.kind, LoginSnapTradeUserError::Forbidden(_)),
        "{:?}",
        api.kind
    );
    let err = auth
        .reset_snap_trade_user_secret(&user_id, &secret)
        .await
        .unwrap_err();
    let api = assert_api_error(&err, 401, 1078, "Unable to verify user");
    assert!(
        matches!(api.kind, ResetSnapTradeUserSecretError::Unauthorized(_)),
        "{:?}",
        api.kind
    );

    auth.login_snap_trade_user(&user_id, &new_secret)
        .await
        .expect("login with the new secret");

    let deleted = auth.delete_snap_trade_user(&user_id).await.expect("delete");
    assert_eq!(deleted.body.status.as_deref(), Some("deleted"));
    assert_eq!(deleted.body.user_id.as_deref(), Some(user_id.as_str()));
    assert!(deleted.body.detail.is_some());

    let users = auth.list_snap_trade_users().await.expect("list");
    assert!(users.body.is_empty(), "{:?}", users.body);

    // Gone: login and delete now say 404.
    let err = auth
        .login_snap_trade_user(&user_id, &new_secret)
        .await
        .unwrap_err();
    let api = assert_api_error(&err, 404, 1011, "The requested resource does not exist.");
    assert!(
        matches!(api.kind, LoginSnapTradeUserError::NotFound(_)),
        "{:?}",
        api.kind
    );
    let err = auth.delete_snap_trade_user(&user_id).await.unwrap_err();
    let api = assert_api_error(&err, 404, 1011, "The requested resource does not exist.");
    assert!(
        matches!(api.kind, DeleteSnapTradeUserError::NotFound(_)),
        "{:?}",
        api.kind
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn list_keeps_registration_order_and_client_ids_apart() {
    let config = common::config().client("OTHER_CLIENT", "OTHER_KEY");
    let sandbox = start(config).await;
    let auth_client = client_for(&sandbox.base_url());
    let other = client_with(&sandbox.base_url(), "OTHER_CLIENT", "OTHER_KEY");
    for id in ["zeta", "alpha", "mid"] {
        auth_client
            .authentication()
            .register_snap_trade_user(id)
            .await
            .unwrap();
    }
    // The same id under another client id is another user.
    other
        .authentication()
        .register_snap_trade_user("alpha")
        .await
        .unwrap();
    let users = auth_client
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap();
    assert_eq!(users.body, ["zeta", "alpha", "mid"]);
    let users = other
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap();
    assert_eq!(users.body, ["alpha"]);
}

#[tokio::test]
async fn duplicate_registration_is_400() {
    let sandbox = start(common::config()).await;
    let client = client_for(&sandbox.base_url());
    let auth = client.authentication();
    auth.register_snap_trade_user("twice").await.unwrap();
    let err = auth.register_snap_trade_user("twice").await.unwrap_err();
    let api = assert_api_error(&err, 400, 1010, "A user with this userId already exists.");
    assert!(
        matches!(api.kind, RegisterSnapTradeUserError::BadRequest(_)),
        "{:?}",
        api.kind
    );
    assert_eq!(auth.list_snap_trade_users().await.unwrap().body, ["twice"]);
}

#[tokio::test]
async fn login_options_shape_the_link() {
    use models::ConnectionPortalVersion as PortalVersion;
    use models::ConnectionType;

    let sandbox = start(common::config()).await;
    let client = client_for(&sandbox.base_url());
    let auth = client.authentication();
    let secret = auth
        .register_snap_trade_user("options")
        .await
        .unwrap()
        .body
        .user_secret
        .clone()
        .unwrap();

    let login = auth
        .login_snap_trade_user("options", &secret)
        .broker("ALPACA")
        .immediate_redirect(true)
        .custom_redirect("https://example.com/done?x=1&lang=fr")
        .reconnect("8b5f262d-4bb9-365d-888a-202bd3b15fa1")
        .connection_type(ConnectionType::TradeIfAvailable)
        .show_close_button(false)
        .dark_mode(true)
        .locale("pt_br")
        .connection_portal_version(PortalVersion::V3)
        .await
        .expect("login with options");
    let (uri, session) = portal(&login.body);
    let query = link_query(&uri);
    let expected = [
        ("clientId", SANDBOX_CLIENT_ID),
        ("sessionId", session.as_str()),
        ("broker", "ALPACA"),
        ("connectionType", "trade-if-available"),
        ("connectionPortalVersion", "v3"),
        ("darkMode", "true"),
        ("immediateRedirect", "true"),
        ("customRedirect", "https://example.com/done?x=1&lang=fr"),
        ("reconnect", "8b5f262d-4bb9-365d-888a-202bd3b15fa1"),
        ("showCloseButton", "false"),
        ("locale", "pt-BR"),
    ];
    let got: Vec<(&str, &str)> = query[1..]
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(got, expected);

    // darkMode=false adds nothing; regional English is accepted as `en`.
    let login = auth
        .login_snap_trade_user("options", &secret)
        .dark_mode(false)
        .locale("en-US")
        .await
        .unwrap();
    let query = link_query(&portal(&login.body).0);
    assert!(!query.iter().any(|(n, _)| n == "darkMode"));
    assert!(query.contains(&("locale".to_owned(), "en".to_owned())));
}

#[tokio::test]
async fn unsupported_locale_is_400() {
    let sandbox = start(common::config()).await;
    let client = client_for(&sandbox.base_url());
    let auth = client.authentication();
    let secret = auth
        .register_snap_trade_user("fr")
        .await
        .unwrap()
        .body
        .user_secret
        .clone()
        .unwrap();
    for locale in ["fr", "pt", "pt-PT", "en-"] {
        let err = auth
            .login_snap_trade_user("fr", &secret)
            .locale(locale)
            .await
            .unwrap_err();
        let api = assert_api_error(
            &err,
            400,
            1083,
            &format!("Unsupported locale {locale:?}: use en or pt-BR."),
        );
        assert!(
            matches!(api.kind, LoginSnapTradeUserError::BadRequest(_)),
            "{:?}",
            api.kind
        );
    }
}

#[tokio::test]
async fn unknown_user_and_wrong_secret() {
    let sandbox = start(common::config()).await;
    let client = client_for(&sandbox.base_url());
    let auth = client.authentication();
    let err = auth
        .login_snap_trade_user("nobody", "whatever")
        .await
        .unwrap_err();
    let api = assert_api_error(&err, 404, 1011, "The requested resource does not exist.");
    assert!(matches!(api.kind, LoginSnapTradeUserError::NotFound(_)));

    auth.register_snap_trade_user("somebody").await.unwrap();
    let err = auth
        .login_snap_trade_user("somebody", "not-the-secret")
        .await
        .unwrap_err();
    let api = assert_api_error(
        &err,
        403,
        1066,
        "User does not have permission to access this resource",
    );
    assert!(matches!(api.kind, LoginSnapTradeUserError::Forbidden(_)));

    let err = auth
        .reset_snap_trade_user_secret("nobody", "whatever")
        .await
        .unwrap_err();
    let api = assert_api_error(&err, 401, 1078, "Unable to verify user");
    assert!(matches!(
        api.kind,
        ResetSnapTradeUserSecretError::Unauthorized(_)
    ));

    // A reset with an empty secret is a malformed request (the generated
    // client no longer compiles without one: the spec says it is required).
    let err = auth
        .reset_snap_trade_user_secret("somebody", "")
        .await
        .unwrap_err();
    let api = assert_api_error(&err, 400, 1081, "Missing required field: userSecret");
    assert!(matches!(
        api.kind,
        ResetSnapTradeUserSecretError::BadRequest(_)
    ));
}

#[tokio::test]
async fn wrong_consumer_key_is_1076_and_changes_nothing() {
    let sandbox = start(common::config()).await;
    let wrong = client_with(&sandbox.base_url(), SANDBOX_CLIENT_ID, "not-the-key");
    let detail = "Unable to verify signature sent";

    let err = wrong
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap_err();
    let api = assert_api_error(&err, 401, 1076, detail);
    // listUsers documents no 401.
    assert!(
        matches!(api.kind, ListSnapTradeUsersError::Unknown),
        "{:?}",
        api.kind
    );
    assert_eq!(
        std::str::from_utf8(&api.body).unwrap(),
        r#"{"default_code":1076,"default_detail":"Unable to verify signature sent"}"#
    );

    let err = wrong
        .authentication()
        .register_snap_trade_user("sneaky")
        .await
        .unwrap_err();
    assert_api_error(&err, 401, 1076, detail);
    let err = wrong
        .authentication()
        .reset_snap_trade_user_secret("sneaky", "x")
        .await
        .unwrap_err();
    let api = assert_api_error(&err, 401, 1076, detail);
    assert!(matches!(
        api.kind,
        ResetSnapTradeUserSecretError::Unauthorized(_)
    ));

    let right = client_for(&sandbox.base_url());
    assert!(right
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap()
        .body
        .is_empty());
}

#[tokio::test]
async fn unknown_client_id_is_401() {
    let sandbox = start(common::config()).await;
    let stranger = client_with(&sandbox.base_url(), "STRANGER", SANDBOX_CONSUMER_KEY);
    let err = stranger
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap_err();
    assert_api_error(
        &err,
        401,
        1072,
        "Unknown clientId: it is not registered with this server.",
    );
}

#[tokio::test]
async fn stale_timestamp_is_401() {
    let sandbox = start(common::config()).await;
    let late = snaptrade::Client::builder()
        .client_id(SANDBOX_CLIENT_ID)
        .consumer_key(SANDBOX_CONSUMER_KEY)
        .base_url(sandbox.base_url())
        .retry(snaptrade::runtime::RetryPolicy::never())
        .clock(|| common::unix_now() - 1000)
        .build()
        .unwrap();
    let err = late
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap_err();
    let api = err.as_api().expect("an API error");
    assert_eq!(api.status.as_u16(), 401);
    assert_eq!(api.code, Some(ErrorCode::Number(1075)));
    let detail = api.detail.as_deref().unwrap();
    assert!(
        detail.contains("is 1000 seconds away from server time"),
        "{detail}"
    );

    // Within the window is fine.
    let close = snaptrade::Client::builder()
        .client_id(SANDBOX_CLIENT_ID)
        .consumer_key(SANDBOX_CONSUMER_KEY)
        .base_url(sandbox.base_url())
        .clock(|| common::unix_now() + 200)
        .build()
        .unwrap();
    close
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_skewed_server_clock_is_fixed_by_sync_clock() {
    // The sandbox's clock runs 1000 s ahead of ours.
    let sandbox = start(common::config().clock(|| common::unix_now() + 1000)).await;
    let client = client_for(&sandbox.base_url());
    let err = client
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap_err();
    assert_eq!(err.as_api().unwrap().code, Some(ErrorCode::Number(1075)));
    let offset = client.sync_clock().await.expect("sync_clock");
    assert!((998..=1002).contains(&offset), "{offset}");
    client
        .authentication()
        .list_snap_trade_users()
        .await
        .expect("accepted after sync_clock");
}

#[tokio::test]
async fn user_id_that_needs_escaping() {
    let sandbox = start(common::config()).await;
    let client = client_for(&sandbox.base_url());
    let auth = client.authentication();
    for user_id in ["a b/é+&=?", "emoji 😀 %20 %", "quote\"back\\slash"] {
        let secret = auth
            .register_snap_trade_user(user_id)
            .await
            .unwrap_or_else(|e| panic!("register {user_id:?}: {e}"))
            .body
            .user_secret
            .clone()
            .unwrap();
        auth.login_snap_trade_user(user_id, &secret)
            .await
            .expect("login");
        assert!(auth
            .list_snap_trade_users()
            .await
            .unwrap()
            .body
            .contains(&user_id.to_owned()));
        let reset = auth
            .reset_snap_trade_user_secret(user_id, &secret)
            .await
            .expect("reset");
        assert_eq!(reset.body.user_id.as_deref(), Some(user_id));
        let deleted = auth.delete_snap_trade_user(user_id).await.expect("delete");
        assert_eq!(deleted.body.user_id.as_deref(), Some(user_id));
    }
    assert!(auth.list_snap_trade_users().await.unwrap().body.is_empty());
}

#[tokio::test]
async fn legacy_base_url_works_and_is_deprecated() {
    let sandbox = start(common::config()).await;
    let client = client_for(&sandbox.legacy_base_url());
    let auth = client.authentication();
    let status = client.api_status().check().await.unwrap();
    assert_eq!(status.headers.get("deprecation").unwrap(), "true");
    let secret = auth.register_snap_trade_user("legacy").await.unwrap();
    assert_eq!(secret.headers.get("deprecation").unwrap(), "true");
    let secret = secret.body.user_secret.clone().unwrap();
    auth.login_snap_trade_user("legacy", &secret).await.unwrap();
    let users = auth.list_snap_trade_users().await.unwrap();
    assert_eq!(users.body, ["legacy"]);
    assert_eq!(users.headers.get("deprecation").unwrap(), "true");
    assert_eq!(
        users.headers.get("link").unwrap(),
        "</snapTrade/listUsers>; rel=\"successor-version\""
    );
    // The same users are there without the prefix.
    let modern = client_for(&sandbox.base_url());
    let users = modern
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap();
    assert_eq!(users.body, ["legacy"]);
    assert!(users.headers.get("deprecation").is_none());
}
