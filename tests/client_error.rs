//! One error type across operations: errors of different operations `?` into
//! `snaptrade::ClientError`, questions about an error take one pattern or one
//! call, and neither Display nor Debug shows a credential. Against the sandbox.

use snaptrade::authentication::DeleteSnapTradeUserError;
use snaptrade::{Client, ClientError, ClientErrorKind, Error};
use snaptrade_sandbox::{SandboxConfig, SANDBOX_CLIENT_ID, SANDBOX_CONSUMER_KEY};

async fn sandbox() -> (snaptrade_sandbox::RunningSandbox, Client) {
    let sandbox =
        snaptrade_sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
    let client = Client::builder()
        .client_id(SANDBOX_CLIENT_ID)
        .consumer_key(SANDBOX_CONSUMER_KEY)
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    (sandbox, client)
}

/// Calls three different operations; each one's `Error<OpError>` goes
/// through `?` into the one error type. `step` picks which call fails.
async fn app(client: &Client, user: &str, step: u8) -> Result<String, ClientError> {
    let auth = client.authentication();
    let secret = auth
        .register_snap_trade_user(user)
        .await?
        .body
        .user_secret
        .expect("a new user's secret");
    if step == 0 {
        auth.register_snap_trade_user(user).await?; // 400, code 1010: exists
    }
    let secret = if step == 1 {
        "wrong-secret".into()
    } else {
        secret
    };
    auth.login_snap_trade_user(user, secret.clone()).await?; // 403 when wrong
    if step == 2 {
        auth.delete_snap_trade_user("nobody-by-that-name").await?; // 404
    }
    Ok(secret.expose().to_owned())
}

#[tokio::test]
async fn errors_of_several_operations_question_mark_into_one_type() {
    let (_sandbox, client) = sandbox().await;
    let cases = [
        (0, 400, 1010, "BadRequest", "registerSnapTradeUser"),
        (1, 403, 1066, "Forbidden", "loginSnapTradeUser"),
        (2, 404, 1011, "NotFound", "deleteSnapTradeUser"),
    ];
    for (step, status, code, variant, op) in cases {
        let user = format!("client-error-{step}");
        let err = app(&client, &user, step).await.expect_err("the step fails");
        // One pattern per question, no Box in the way.
        assert!(
            matches!(&err, ClientError { kind: ClientErrorKind::Api, status: Some(s), .. } if *s == status),
            "{err:?}"
        );
        assert!(err.is_status(status) && err.has_code(code) && !err.has_code(code + 1));
        assert_eq!(err.variant, Some(variant));
        assert!(err.operation_id.ends_with(op), "{}", err.operation_id);
        assert!(err.detail().is_some_and(|d| !d.is_empty()));
        assert!(err.request_id().is_some(), "the sandbox sends X-Request-ID");
        let text = format!("{err} {err:?}");
        assert!(!text.contains(SANDBOX_CONSUMER_KEY), "{text}");
        assert!(text.contains(&status.to_string()), "{text}");
    }
    // The secret of a registered user never shows in an error about it.
    let user = "client-error-secret";
    let secret = client
        .authentication()
        .register_snap_trade_user(user)
        .await
        .unwrap()
        .body
        .user_secret
        .unwrap();
    let err: ClientError = client
        .authentication()
        .register_snap_trade_user(user)
        .await
        .unwrap_err()
        .into();
    assert!(!format!("{err} {err:?}").contains(secret.expose()));
}

#[tokio::test]
async fn typed_error_answers_one_call_questions() {
    let (_sandbox, client) = sandbox().await;
    let err = client
        .authentication()
        .delete_snap_trade_user("no-such-user")
        .await
        .unwrap_err();
    // On the per-operation error, without matching through the Box:
    assert!(err.is_status(404) && err.has_code(1011) && err.has_code("1011"));
    assert!(matches!(
        err.api_kind(),
        Some(DeleteSnapTradeUserError::NotFound(_))
    ));
    assert!(err.detail().is_some() && err.request_id().is_some());
    assert!(matches!(err, Error::Api(ref e) if e.is_status(404) && e.variant_name() == "NotFound"));

    // A transport failure converts too, with no status.
    let dead = Client::builder()
        .client_id("C")
        .consumer_key("K")
        .base_url("http://127.0.0.1:9")
        .retry(snaptrade::RetryPolicy::never())
        .build()
        .unwrap();
    let err: ClientError = dead.api_status().check().await.unwrap_err().into();
    assert!(matches!(err.kind, ClientErrorKind::Transport(_)), "{err:?}");
    assert_eq!((err.status, err.api_code()), (None, None));
}
