//! `snaptrade webhooks verify|listen`: check a webhook delivery by hand, or
//! receive deliveries and print the verified events.
//!
//! Both verify with [`snaptrade::webhook`] under the consumer key
//! (`--consumer-key` / `SNAPTRADE_CONSUMER_KEY`, as for every other command).

use crate::args::{WebhookListenArgs, WebhookVerifyArgs};
use crate::output::{print_json, Failure};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use snaptrade::webhook::{Event, UnixTime, Verifier, VerifyError};
use snaptrade::SecretString;
use std::io::Read as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Largest body read, from a file or from a delivery.
const MAX_BODY: usize = 1 << 20;

/// `--tolerance 0` is the strictest window, as `Verifier::tolerance` reads
/// zero; only `--no-age-check` turns the check off.
fn verifier(key: SecretString, tolerance_secs: u64, no_age_check: bool) -> Verifier {
    let verifier = Verifier::new(key);
    if no_age_check {
        verifier.without_age_check()
    } else {
        verifier.tolerance(Duration::from_secs(tolerance_secs))
    }
}

/// `snaptrade webhooks verify`: exit 0 and print the event, or fail with the
/// check that did not pass.
pub fn verify(key: SecretString, args: &WebhookVerifyArgs, json: bool) -> Result<(), Failure> {
    let body = read_body(&args.body_file)?;
    let now = args.now.map_or_else(UnixTime::now, UnixTime::from);
    let event = verifier(key, args.tolerance, args.no_age_check)
        .verify(args.signature.as_str(), &body, now)
        .map_err(Failure::Webhook)?;
    if json {
        print_json(&event.to_json());
    } else {
        println!("{}", describe(&event));
    }
    Ok(())
}

fn read_body(path: &std::path::Path) -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    let result = if path.as_os_str() == "-" {
        std::io::stdin()
            .take(MAX_BODY as u64 + 1)
            .read_to_end(&mut body)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_BODY as u64 + 1).read_to_end(&mut body))
    };
    result.map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))?;
    if body.len() > MAX_BODY {
        return Err(Failure::Usage(format!(
            "{} is larger than {MAX_BODY} bytes",
            path.display()
        )));
    }
    Ok(body)
}

/// One line: the event type, then its user and ids; other events with
/// their JSON (never the deprecated `webhookSecret`).
pub fn describe(event: &Event) -> String {
    match event {
        Event::UserRegistered(u) | Event::UserDeleted(u) => {
            let mut line = format!("{} userId={}", event.event_type(), u.user_id);
            for (name, value) in [
                ("clientId", &u.client_id),
                ("webhookId", &u.webhook_id),
                ("eventTimestamp", &u.event_timestamp),
            ] {
                if let Some(value) = value {
                    line.push_str(&format!(" {name}={value}"));
                }
            }
            line
        }
        Event::Other { event_type, .. } => format!("{event_type} {}", event.to_json()),
    }
}

#[derive(Clone)]
struct Listener {
    verifier: Arc<Verifier>,
    json: bool,
    accepted: Arc<AtomicU64>,
    done: Arc<tokio::sync::Notify>,
    max_events: Option<u64>,
}

/// Any path, POST: verify, print, answer 200 (or 401 / 400 with the reason).
async fn receive(
    State(listener): State<Listener>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    match listener.verifier.verify_now(&headers, &body) {
        Ok(event) => {
            if listener.json {
                println!("{}", event.to_json());
            } else {
                println!("{}", describe(&event));
            }
            let n = listener.accepted.fetch_add(1, Ordering::SeqCst) + 1;
            if listener.max_events.is_some_and(|max| n >= max) {
                listener.done.notify_one();
            }
            (StatusCode::OK, "ok\n".into())
        }
        Err(e) => {
            eprintln!("rejected a delivery: {e}");
            let status = match e {
                VerifyError::MissingSignature | VerifyError::BadSignature => {
                    StatusCode::UNAUTHORIZED
                }
                _ => StatusCode::BAD_REQUEST,
            };
            (status, format!("{e}\n"))
        }
    }
}

/// `snaptrade webhooks listen`: serve until Ctrl-C / SIGTERM (or
/// `--max-events`), printing each verified event on a line of its own.
pub async fn listen(
    key: SecretString,
    args: &WebhookListenArgs,
    json: bool,
) -> Result<(), Failure> {
    let socket = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| Failure::Usage(format!("cannot listen on {}: {e}", args.listen)))?;
    let addr = socket
        .local_addr()
        .map_err(|e| Failure::Usage(format!("cannot listen on {}: {e}", args.listen)))?;
    let state = Listener {
        verifier: Arc::new(verifier(key, args.tolerance, args.no_age_check)),
        json,
        accepted: Arc::default(),
        done: Arc::default(),
        max_events: args.max_events.filter(|n| *n > 0),
    };
    let done = state.done.clone();
    let app = axum::Router::new()
        .fallback(axum::routing::post(receive))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(state);
    // Subscribed before the line below: a script that stops the listener as
    // soon as it reads it must be heard.
    let stop = stop_signal();
    // On stderr, so that stdout holds nothing but events.
    eprintln!("listening on http://{addr}");
    axum::serve(socket, app)
        .with_graceful_shutdown(async move {
            tokio::select! {
                () = stop => {}
                () = done.notified() => {}
            }
        })
        .await
        .map_err(|e| Failure::Usage(format!("listener failed: {e}")))
}

/// Ctrl-C, or SIGTERM on Unix, listened to from the moment this is called
/// (not from the future's first poll: a signal sent before the subscription
/// can be lost, as the sandbox's was once in CI). A signal whose handler cannot be
/// installed is waited for forever rather than stopping at once.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let terminate = signal(SignalKind::terminate()).ok();
        let interrupt = signal(SignalKind::interrupt()).ok();
        async move {
            tokio::select! {
                () = recv_or_pending(terminate) => {}
                () = recv_or_pending(interrupt) => {}
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(unix)]
async fn recv_or_pending(signal: Option<tokio::signal::unix::Signal>) {
    match signal {
        Some(mut signal) => {
            signal.recv().await;
        }
        None => std::future::pending().await,
    }
}
