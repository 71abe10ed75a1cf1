//! A SnapTrade webhook receiver on axum, built on `snaptrade::webhook`:
//! verify the `Signature` header over the body, then act on the typed event.
//!
//! ```sh
//! # Self-contained demo: starts this receiver and the local sandbox (with
//! # webhooks pointed at the receiver), registers and deletes a user, prints
//! # the two verified events and exits.
//! cargo run --example webhook_receiver
//!
//! # A real receiver: verifies with your consumer key until Ctrl-C.
//! SNAPTRADE_CONSUMER_KEY=... cargo run --example webhook_receiver -- --listen 0.0.0.0:8080
//! ```
//!
//! Any 2xx tells SnapTrade the event arrived; anything else makes it retry
//! later with the same `webhookId`, so a real receiver stores the event (and
//! drops duplicates by `webhookId`) before answering 200.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use snaptrade::webhook::{Event, Verifier, VerifyError};
use std::error::Error;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// What the handler needs: the verifier, and where verified events go.
#[derive(Clone)]
struct Receiver {
    verifier: Arc<Verifier>,
    events: mpsc::UnboundedSender<Event>,
}

/// `POST /webhooks`: the whole receiver.
async fn receive(State(rx): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    // The whole header map goes in; the verifier reads its `Signature`.
    match rx.verifier.verify_now(&headers, &body) {
        Ok(event) => {
            let _ = rx.events.send(event);
            StatusCode::OK
        }
        Err(e) => {
            eprintln!("rejected a delivery: {e}");
            match e {
                VerifyError::MissingSignature | VerifyError::BadSignature => {
                    StatusCode::UNAUTHORIZED
                }
                _ => StatusCode::BAD_REQUEST,
            }
        }
    }
}

fn describe(event: &Event) -> String {
    match event {
        Event::UserRegistered(user) => format!("user {} registered", user.user_id),
        Event::UserDeleted(user) => format!("user {} deleted", user.user_id),
        Event::Other { event_type, raw } => format!("{event_type}: {raw}"),
    }
}

/// Serves the receiver on `listener` in the background.
fn serve(listener: tokio::net::TcpListener, verifier: Verifier) -> mpsc::UnboundedReceiver<Event> {
    let (events, received) = mpsc::unbounded_channel();
    let app = Router::new()
        .route("/webhooks", post(receive))
        .with_state(Receiver {
            verifier: Arc::new(verifier),
            events,
        });
    tokio::spawn(async move { axum::serve(listener, app).await });
    received
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let listen = match args.as_slice() {
        [] => None,
        [flag, addr] if flag == "--listen" => Some(addr.clone()),
        _ => return Err("usage: webhook_receiver [--listen ADDR]".into()),
    };
    let key = std::env::var(snaptrade::config::ENV_CONSUMER_KEY)
        .ok()
        .filter(|k| !k.is_empty());
    match (listen, key) {
        (Some(addr), Some(key)) => listen_forever(&addr, &key).await,
        (Some(_), None) => Err("set SNAPTRADE_CONSUMER_KEY to verify real deliveries".into()),
        (None, _) => demo().await,
    }
}

async fn listen_forever(addr: &str, key: &str) -> Result<(), Box<dyn Error>> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!(
        "receiving webhooks on http://{}/webhooks",
        listener.local_addr()?
    );
    let mut events = serve(listener, Verifier::new(key));
    loop {
        tokio::select! {
            Some(event) = events.recv() => println!("{}", describe(&event)),
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

/// The receiver and the sandbox in one process, on loopback.
async fn demo() -> Result<(), Box<dyn Error>> {
    use snaptrade_sandbox::{
        SandboxConfig, WebhookConfig, SANDBOX_CLIENT_ID, SANDBOX_CONSUMER_KEY,
    };

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhooks", listener.local_addr()?);
    // The sandbox signs with the client's consumer key, as SnapTrade does.
    let mut events = serve(listener, Verifier::new(SANDBOX_CONSUMER_KEY));
    // The user is gone (and USER_DELETED sent) 1 s after the deletion request.
    let config = SandboxConfig::default()
        .delete_delay(Duration::from_secs(1))
        .webhook(WebhookConfig::new(&url));
    let sandbox = snaptrade_sandbox::start(config, "127.0.0.1:0".parse()?).await?;
    println!("receiver on {url}, sandbox on {}", sandbox.base_url());

    let client = snaptrade::Client::builder()
        .client_id(SANDBOX_CLIENT_ID)
        .consumer_key(SANDBOX_CONSUMER_KEY)
        .base_url(sandbox.base_url())
        .build()?;
    let user_id = format!("webhook-demo-{}", std::process::id());
    let auth = client.authentication();
    auth.register_snap_trade_user(user_id.as_str()).await?;
    auth.delete_snap_trade_user(user_id.as_str()).await?;

    for _ in 0..2 {
        let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await?
            .ok_or("receiver stopped")?;
        println!("verified: {}", describe(&event));
    }
    println!("sandbox webhook stats: {:?}", sandbox.webhook_stats());
    sandbox.shutdown().await?;
    Ok(())
}
