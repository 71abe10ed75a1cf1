//! The rate limit and the state file, through the generated client.

mod common;

use common::{client_for, client_with, start};
use snaptrade::authentication::{ListSnapTradeUsersError, RegisterSnapTradeUserError};
use snaptrade::ErrorCode;
use snaptrade_sandbox::SandboxConfig;

fn header<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let config = common::config()
        .rate_limit_per_minute(Some(3))
        .client("OTHER_CLIENT", "OTHER_KEY");
    let sandbox = start(config).await;
    let client = client_for(&sandbox.base_url());
    let auth = client.authentication();

    for remaining in [2, 1, 0] {
        let users = auth
            .list_snap_trade_users()
            .await
            .expect("within the limit");
        let rate = users.rate_limit();
        assert_eq!(rate.limit, Some(3));
        assert_eq!(rate.remaining, Some(remaining));
        assert!(
            rate.reset_secs.is_some_and(|s| (1..=60).contains(&s)),
            "{rate:?}"
        );
    }

    let err = auth.list_snap_trade_users().await.unwrap_err();
    let api = err.as_api().expect("an API error");
    assert_eq!(api.status.as_u16(), 429);
    assert!(
        matches!(api.kind, ListSnapTradeUsersError::Unknown),
        "{:?}",
        api.kind
    );
    assert_eq!(api.code, Some(ErrorCode::Text("0000".into())));
    let retry_after: u64 = header(&api.headers, "retry-after")
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&api.body).unwrap(),
        serde_json::json!({
            "detail": format!("Request was throttled. Expected available in {retry_after} seconds."),
            "status_code": 429,
            "code": "0000",
        })
    );
    assert_eq!(header(&api.headers, "x-ratelimit-limit"), Some("3"));
    assert_eq!(header(&api.headers, "x-ratelimit-remaining"), Some("0"));
    assert!(api.request_id.is_some());

    // Every signed operation counts against the same client id.
    let err = auth.register_snap_trade_user("late").await.unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(api.status.as_u16(), 429);
    assert!(
        matches!(api.kind, RegisterSnapTradeUserError::Unknown),
        "{:?}",
        api.kind
    );

    // Other client ids, and the unsigned status check, are not limited.
    let other = client_with(&sandbox.base_url(), "OTHER_CLIENT", "OTHER_KEY");
    other
        .authentication()
        .list_snap_trade_users()
        .await
        .expect("another client id");
    client
        .api_status()
        .check()
        .await
        .expect("GET / is not limited");
}

#[tokio::test]
async fn requests_that_fail_verification_are_not_counted() {
    let sandbox = start(common::config().rate_limit_per_minute(Some(2))).await;
    let wrong = client_with(
        &sandbox.base_url(),
        snaptrade_sandbox::SANDBOX_CLIENT_ID,
        "wrong",
    );
    for _ in 0..5 {
        let err = wrong
            .authentication()
            .list_snap_trade_users()
            .await
            .unwrap_err();
        assert_eq!(err.status().unwrap().as_u16(), 401);
        // No rate-limit headers before the caller is known.
        assert!(err
            .as_api()
            .unwrap()
            .headers
            .get("x-ratelimit-limit")
            .is_none());
    }
    let client = client_for(&sandbox.base_url());
    client
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap();
    client
        .authentication()
        .list_snap_trade_users()
        .await
        .unwrap();
}

#[tokio::test]
async fn no_limit_means_no_headers() {
    let sandbox = start(common::config().rate_limit_per_minute(Some(0))).await;
    let client = client_for(&sandbox.base_url());
    for _ in 0..300 {
        let users = client
            .authentication()
            .list_snap_trade_users()
            .await
            .unwrap();
        assert_eq!(users.rate_limit().limit, None);
    }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("{name}-{}", common::unique("state")));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn state_file_survives_restart() {
    let dir = temp_dir("sandbox-state");
    let path = dir.join("state.json");
    let config = || common::config().state_file(&path);

    let sandbox = start(config()).await;
    let client = client_for(&sandbox.base_url());
    let auth = client.authentication();
    let kept = auth
        .register_snap_trade_user("kept é")
        .await
        .unwrap()
        .body
        .user_secret
        .clone()
        .unwrap();
    let rotated = auth
        .register_snap_trade_user("rotated")
        .await
        .unwrap()
        .body
        .user_secret
        .clone()
        .unwrap();
    auth.register_snap_trade_user("removed").await.unwrap();
    let rotated_new = auth
        .reset_snap_trade_user_secret("rotated", &rotated)
        .await
        .unwrap()
        .body
        .user_secret
        .clone()
        .unwrap();
    auth.delete_snap_trade_user("removed").await.unwrap();
    sandbox.shutdown().await.unwrap();

    // The file is complete JSON after every change, and only it (and its
    // lock file) is left.
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["state.json", "state.json.lock"]);
    serde_json::from_slice::<serde_json::Value>(&std::fs::read(&path).unwrap()).unwrap();

    let sandbox = start(config()).await;
    let client = client_for(&sandbox.base_url());
    let auth = client.authentication();
    assert_eq!(
        auth.list_snap_trade_users().await.unwrap().body,
        ["kept é", "rotated"]
    );
    auth.login_snap_trade_user("kept é", &kept)
        .await
        .expect("the secret survived");
    auth.login_snap_trade_user("rotated", &rotated_new)
        .await
        .expect("the new secret survived");
    let err = auth
        .login_snap_trade_user("rotated", &rotated)
        .await
        .unwrap_err();
    assert_eq!(err.status().unwrap().as_u16(), 403);
    let err = auth.register_snap_trade_user("kept é").await.unwrap_err();
    assert_eq!(err.status().unwrap().as_u16(), 400);
    sandbox.shutdown().await.unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn unreadable_state_file_fails_start() {
    let dir = temp_dir("sandbox-bad-state");
    let path = dir.join("state.json");
    std::fs::write(&path, b"{\"clients\": 5}").unwrap();
    let err = snaptrade_sandbox::start(
        SandboxConfig::default().state_file(&path),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn state_file_write_failure_is_500() {
    let dir = temp_dir("sandbox-unwritable");
    let path = dir.join("state.json");
    let sandbox = start(common::config().state_file(&path)).await;
    // A directory where the state file goes: writes fail.
    std::fs::create_dir_all(path.join("in-the-way")).unwrap();
    let client = client_for(&sandbox.base_url());
    let err = client
        .authentication()
        .register_snap_trade_user("x")
        .await
        .unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(api.status.as_u16(), 500);
    assert!(
        matches!(api.kind, RegisterSnapTradeUserError::InternalServerError(_)),
        "{:?}",
        api.kind
    );
    assert_eq!(api.code, Some(ErrorCode::Number(1000)));
    assert_eq!(
        api.detail.as_deref(),
        Some("Encountered an unexpected exception.")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
