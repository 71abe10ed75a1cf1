//! `snaptrade status` and `snaptrade users ...`: calls through the typed client.
//!
//! Response bodies are turned into JSON values for printing, so `--json`
//! prints exactly the fields the API sent (minus `userSecret`, unless
//! `--show-secret`).

use crate::args::{ConnectionType, Global, LoginArgs, PortalVersion, UsersCommand};
use crate::credentials::{self, Key, Store, Update};
use crate::output::{print_json, Failure};
#[cfg(unix)]
use crate::output::{EXIT_COMPLETED_DESPITE_INTERRUPT, EXIT_INTERRUPTED};
use serde_json::Value;
use snaptrade::models;
use snaptrade::SecretString;
use std::path::PathBuf;

/// Placeholder credentials for `status`: `GET /` is sent unsigned, but the
/// client builder wants a client id and key.
const UNSIGNED_PLACEHOLDER: &str = "unused-for-unsigned-requests";

/// Resolved connection settings.
struct Target {
    client: snaptrade::Client,
    base_url: String,
    client_id: String,
}

fn base_url(global: &Global) -> String {
    global
        .base_url
        .clone()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| snaptrade::DEFAULT_BASE_URL.to_owned())
        .trim_end_matches('/')
        .to_owned()
}

fn target(global: &Global) -> Result<Target, Failure> {
    let client_id = crate::client_id(global)?;
    let key = crate::consumer_key(global)?;
    let base_url = base_url(global);
    let client = snaptrade::Client::builder()
        .client_id(client_id.clone())
        .consumer_key(key)
        .base_url(base_url.clone())
        .user_agent(format!("snaptrade-cli/{}", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Failure::Usage(e.to_string()))?;
    Ok(Target {
        client,
        base_url,
        client_id,
    })
}

fn credentials_path(global: &Global) -> Result<PathBuf, Failure> {
    match &global.credentials {
        Some(p) => Ok(p.clone()),
        None => Ok(credentials::default_path()?),
    }
}

fn load_store(global: &Global) -> Result<Store, Failure> {
    let store = Store::load(&credentials_path(global)?)?;
    warn_if_loose(&store);
    Ok(store)
}

/// Locks and reads the credentials file and prepares its replacement: done
/// before any API call whose answer must be stored, so that a secret is
/// only ever created when it can be kept.
fn begin_update(global: &Global) -> Result<Update, Failure> {
    let update = Update::begin(&credentials_path(global)?)?;
    warn_if_loose(update.store());
    Ok(update)
}

fn warn_if_loose(store: &Store) {
    if let Some(mode) = store.loose_permissions() {
        eprintln!(
            "warning: credentials file {} is readable by others (mode {mode:o}); \
             it will be rewritten with mode 600 on the next change",
            store.path().display()
        );
    }
}

fn to_value<T: serde::Serialize>(body: &T) -> Value {
    serde_json::to_value(body).unwrap_or(Value::Null)
}

fn str_field<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get(name).and_then(Value::as_str)
}

/// `snaptrade status`
pub async fn status(global: &Global) -> Result<(), Failure> {
    let client = snaptrade::Client::builder()
        .client_id(
            global
                .client_id
                .clone()
                .unwrap_or_else(|| UNSIGNED_PLACEHOLDER.into()),
        )
        .consumer_key(
            global
                .consumer_key
                .clone()
                .unwrap_or_else(|| SecretString::from(UNSIGNED_PLACEHOLDER)),
        )
        .base_url(base_url(global))
        .build()
        .map_err(|e| Failure::Usage(e.to_string()))?;
    let resp = client
        .api_status()
        .check()
        .await
        .map_err(Failure::from_api)?;
    let body = to_value(&resp.body);
    if global.json {
        print_json(&body);
        return Ok(());
    }
    let online = match body.get("online").and_then(Value::as_bool) {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    };
    println!("online:    {online}");
    if let Some(v) = body.get("version").filter(|v| !v.is_null()) {
        println!("version:   {v}");
    }
    if let Some(t) = str_field(&body, "timestamp") {
        println!("timestamp: {t}");
    }
    if let Some(id) = resp.request_id() {
        println!("request id: {id}");
    }
    Ok(())
}

/// Set in the environment of the worker process of [`run_detached`].
const WORKER_ENV: &str = "SNAPTRADE_CLI_SECRET_WORKER";

/// Runs this same command again in a worker process of its own process
/// group, relays its output, and exits with its status.
///
/// Why: between the server creating a one-time secret and this process
/// writing it, a `kill -9` (or a Ctrl-C sent to the terminal's process
/// group) would lose it, and the user with it. The worker is not in the
/// killed process or group, so it finishes the call and stores the secret
/// (its own client timeout bounds how long that takes).
///
/// The worker never touches the terminal: its stdin is empty and its output
/// comes through pipes that this process copies to its own. A background
/// process group writing to a terminal with `stty tostop` is stopped
/// (SIGTTOU), and this process would wait for it for ever.
///
/// Ctrl-C (SIGINT) does not end this process while the worker runs: the
/// first one says so and waits for the worker, then reports what happened
/// (exit [`EXIT_COMPLETED_DESPITE_INTERRUPT`] when the command completed,
/// with where the secret is stored; the worker's own status when it
/// failed); a second one stops waiting with [`EXIT_INTERRUPTED`].
///
/// Returns only when the worker cannot be started: then the command runs in
/// this process.
#[cfg(unix)]
async fn run_detached(global: &Global) {
    use std::process::Stdio;
    use tokio::io::AsyncWriteExt as _;
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    // Installed before the worker exists: from here on Ctrl-C is ours.
    let Ok(mut interrupts) = signal(SignalKind::interrupt()) else {
        return;
    };
    let mut args = std::env::args_os();
    args.next();
    let spawned = tokio::process::Command::new(exe)
        .args(args)
        .env(WORKER_ENV, "1")
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = spawned else {
        return;
    };
    let relay = |from: Option<_>, mut to: Box<dyn tokio::io::AsyncWrite + Unpin + Send>| {
        tokio::spawn(async move {
            if let Some(mut from) = from {
                let _ = tokio::io::copy(&mut from, &mut to).await;
            }
            let _ = to.flush().await;
        })
    };
    let stdout = relay(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
        Box::new(tokio::io::stdout()),
    );
    let stderr = relay(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
        Box::new(tokio::io::stderr()),
    );
    let mut interrupted = false;
    let status = loop {
        tokio::select! {
            status = child.wait() => break status,
            _ = interrupts.recv() => {
                if interrupted {
                    eprintln!(
                        "interrupted again: no longer waiting. The call may still complete \
                         in the background; check `snaptrade users list` and the credentials \
                         file before running the command again."
                    );
                    std::process::exit(EXIT_INTERRUPTED.into());
                }
                interrupted = true;
                eprintln!(
                    "interrupted: waiting for the call in flight to finish so that its \
                     one-time secret is not lost (Ctrl-C again to stop waiting)"
                );
            }
        }
    };
    let _ = stdout.await;
    let _ = stderr.await;
    let code = match status {
        Ok(status) => status.code().unwrap_or(1),
        Err(_) => 1,
    };
    if interrupted {
        if code == 0 {
            let place = credentials_path(global)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| "the credentials file".into());
            eprintln!(
                "interrupted, but the command completed: the user's secret is stored in {place} \
                 (exit {EXIT_COMPLETED_DESPITE_INTERRUPT}; do not run it again)"
            );
            std::process::exit(EXIT_COMPLETED_DESPITE_INTERRUPT.into());
        }
        eprintln!("interrupted, and the command failed (exit {code}; see above)");
    }
    std::process::exit(code);
}

/// `snaptrade users ...`
pub async fn run(global: &Global, command: UsersCommand) -> Result<(), Failure> {
    let creates_secret = matches!(
        command,
        UsersCommand::Register { .. } | UsersCommand::ResetSecret { .. }
    );
    #[cfg(unix)]
    if creates_secret && std::env::var_os(WORKER_ENV).is_none() {
        run_detached(global).await;
    }
    let _ = creates_secret;
    match command {
        UsersCommand::Register {
            user_id,
            show_secret,
        } => register(global, &user_id, show_secret).await,
        UsersCommand::Login(args) => login(global, args).await,
        UsersCommand::List => list(global).await,
        UsersCommand::Delete {
            user_id,
            secret,
            wait,
            timeout,
        } => {
            let deleted = delete(global, &user_id, secret).await?;
            // With --json, one document on stdout: the answer once the
            // wait is over, or the timeout's error object instead.
            if !global.json {
                print_deleted(global, &user_id, &deleted);
            }
            if wait {
                wait_until_deleted(global, &user_id, timeout).await?;
            }
            if global.json {
                print_deleted(global, &user_id, &deleted);
            }
            Ok(())
        }
        UsersCommand::ResetSecret {
            user_id,
            secret,
            show_secret,
        } => reset_secret(global, &user_id, secret, show_secret).await,
    }
}

/// Stores the `userSecret` of a `UserIdAndSecret` body and prints the body.
/// When storing fails, the secret is printed whatever `show_secret` says
/// (see [`Failure::SecretNotStored`]): the server will not show it again.
fn store_and_print_secret(
    global: &Global,
    mut update: Update,
    key: &Key,
    mut body: Value,
    show_secret: bool,
    done: &str,
) -> Result<(), Failure> {
    let secret = str_field(&body, "userSecret").map(SecretString::from);
    let path = update.store().path().to_owned();
    let stored = match secret.clone() {
        Some(secret) => {
            update.set(key, secret.clone());
            update.commit().map_err(|e| Failure::SecretNotStored {
                context: format!(
                    "{done} user {:?}, but its secret could NOT be stored in {}",
                    key.user_id,
                    path.display()
                ),
                secret,
                cause: Box::new(e.into()),
            })?;
            true
        }
        None => false,
    };
    if !show_secret {
        if let Value::Object(map) = &mut body {
            map.remove("userSecret");
        }
    }
    if global.json {
        print_json(&body);
    } else {
        println!("{done} user {}", key.user_id);
        if stored {
            println!("secret stored in {}", path.display());
        } else {
            eprintln!("warning: the response carried no user secret; nothing was stored");
        }
        if show_secret {
            if let Some(secret) = &secret {
                println!("user secret: {}", secret.expose());
            }
        }
    }
    Ok(())
}

async fn register(global: &Global, user_id: &str, show_secret: bool) -> Result<(), Failure> {
    let t = target(global)?;
    // Locked and proven writable before the call: the secret is returned
    // once, and a call whose secret cannot be stored loses it.
    let update = begin_update(global)?;
    let key = Key::new(&t.base_url, &t.client_id, user_id);
    let resp = t
        .client
        .authentication()
        .register_snap_trade_user(user_id)
        .await
        .map_err(Failure::from_api)?;
    store_and_print_secret(
        global,
        update,
        &key,
        to_value(&resp.body),
        show_secret,
        "registered",
    )
}

async fn reset_secret(
    global: &Global,
    user_id: &str,
    secret: Option<SecretString>,
    show_secret: bool,
) -> Result<(), Failure> {
    let t = target(global)?;
    let update = begin_update(global)?;
    let key = Key::new(&t.base_url, &t.client_id, user_id);
    let secret = match secret {
        Some(s) => s,
        None => update.store().require(&key)?,
    };
    let resp = t
        .client
        .authentication()
        .reset_snap_trade_user_secret(user_id, secret)
        .await
        .map_err(Failure::from_api)?;
    store_and_print_secret(
        global,
        update,
        &key,
        to_value(&resp.body),
        show_secret,
        "reset the secret of",
    )
}

async fn login(global: &Global, args: LoginArgs) -> Result<(), Failure> {
    let t = target(global)?;
    let key = Key::new(&t.base_url, &t.client_id, &args.user_id);
    let secret = match args.secret {
        Some(s) => s,
        None => load_store(global)?.require(&key)?,
    };
    let auth = t.client.authentication();
    let mut req = auth.login_snap_trade_user(args.user_id.as_str(), secret);
    if let Some(b) = args.broker {
        req = req.broker(b);
    }
    if let Some(c) = args.connection_type {
        use models::ConnectionType as C;
        req = req.connection_type(match c {
            ConnectionType::Read => C::Read,
            ConnectionType::Trade => C::Trade,
            ConnectionType::TradeIfAvailable => C::TradeIfAvailable,
        });
    }
    if let Some(u) = args.custom_redirect {
        req = req.custom_redirect(u);
    }
    if args.dark_mode {
        req = req.dark_mode(true);
    }
    if args.immediate_redirect {
        req = req.immediate_redirect(true);
    }
    if args.show_close_button {
        req = req.show_close_button(true);
    }
    if let Some(r) = args.reconnect {
        req = req.reconnect(r);
    }
    if let Some(l) = args.locale {
        req = req.locale(l);
    }
    if let Some(v) = args.portal_version {
        use models::ConnectionPortalVersion as V;
        req = req.connection_portal_version(match v {
            PortalVersion::V4 => V::V4,
            PortalVersion::V3 => V::V3,
            PortalVersion::V2 => V::V2,
        });
    }
    let resp = req.await.map_err(Failure::from_api)?;
    let body = to_value(&resp.body);
    if global.json {
        print_json(&body);
    } else if let Some(uri) = str_field(&body, "redirectURI") {
        println!("Connection Portal URL (valid for 5 minutes):");
        println!("{uri}");
        if let Some(session) = str_field(&body, "sessionId") {
            println!("session id: {session}");
        }
    } else {
        println!("encrypted response (decrypt with the user's private key):");
        print_json(&body);
    }
    Ok(())
}

async fn list(global: &Global) -> Result<(), Failure> {
    let t = target(global)?;
    let resp = t
        .client
        .authentication()
        .list_snap_trade_users()
        .await
        .map_err(Failure::from_api)?;
    let body = to_value(&resp.body);
    if global.json {
        print_json(&body);
        return Ok(());
    }
    let users = body.as_array().cloned().unwrap_or_default();
    if users.is_empty() {
        eprintln!("no users registered under client id {}", t.client_id);
    }
    for u in users {
        match u {
            Value::String(s) => println!("{s}"),
            other => println!("{other}"),
        }
    }
    Ok(())
}

/// `users delete --wait`: polls until the user is no longer listed (the
/// library's waiter), or fails with exit 8 after `timeout_secs`.
async fn wait_until_deleted(
    global: &Global,
    user_id: &str,
    timeout_secs: u64,
) -> Result<(), Failure> {
    let t = target(global)?;
    let options =
        snaptrade::WaitOptions::default().timeout(std::time::Duration::from_secs(timeout_secs));
    match t.client.wait_until_user_deleted(user_id, options).await {
        Ok(done) => {
            if !global.json {
                println!(
                    "user {user_id}: gone after {:.1} s ({} polls)",
                    done.elapsed.as_secs_f64(),
                    done.polls
                );
            }
            Ok(())
        }
        Err(snaptrade::WaitError::Timeout { elapsed, polls }) => Err(Failure::Timeout(format!(
            "user {user_id:?} still exists after {:.1} s ({polls} polls); its deletion is queued",
            elapsed.as_secs_f64()
        ))),
        Err(snaptrade::WaitError::Api(e)) => Err(Failure::from_client_error(e)),
    }
}

/// What `deleteUser` answered, and where the stored secret was removed from.
struct Deleted {
    body: Value,
    removed_from: Option<PathBuf>,
}

async fn delete(
    global: &Global,
    user_id: &str,
    secret: Option<SecretString>,
) -> Result<Deleted, Failure> {
    let t = target(global)?;
    let key = Key::new(&t.base_url, &t.client_id, user_id);
    // deleteUser takes only the user id; a given secret is not needed.
    drop(secret);
    // Locked and read first so that a corrupt or unwritable file stops us
    // before an irreversible call.
    let mut update = begin_update(global)?;
    let path = update.store().path().to_owned();
    let resp = t
        .client
        .authentication()
        .delete_snap_trade_user(user_id)
        .await
        .map_err(Failure::from_api)?;
    let body = to_value(&resp.body);
    let removed = if update.remove(&key) {
        update.commit().map_err(|e| Failure::AfterSuccess {
            context: format!(
                "deleted user {user_id:?}, but its stored secret could not be removed"
            ),
            cause: Box::new(e.into()),
        })?;
        true
    } else {
        false
    };
    Ok(Deleted {
        body,
        removed_from: removed.then_some(path),
    })
}

fn print_deleted(global: &Global, user_id: &str, deleted: &Deleted) {
    let body = &deleted.body;
    if global.json {
        print_json(body);
    } else {
        let status = str_field(body, "status").unwrap_or("deleted");
        print!("user {user_id}: {status}");
        if let Some(detail) = str_field(body, "detail") {
            print!(" ({detail})");
        }
        println!();
        if let Some(path) = &deleted.removed_from {
            println!("removed its secret from {}", path.display());
        }
    }
}
