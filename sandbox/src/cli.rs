//! Command-line entry point, shared by the `snaptrade-sandbox` binary and
//! any CLI that embeds the sandbox as a subcommand.

use crate::{SandboxConfig, DEFAULT_RATE_LIMIT_PER_MINUTE, SANDBOX_CLIENT_ID};
use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Command-line options of the sandbox server (a `clap` argument group, so
/// another CLI can `#[command(flatten)]` it into a subcommand).
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,

    /// Write the bound port number to FILE once the server accepts connections.
    #[arg(long, value_name = "FILE")]
    pub port_file: Option<PathBuf>,

    /// Accept this client id with this consumer key (repeatable). Without any,
    /// the demo pair SANDBOX_CLIENT_ID:SANDBOX_CONSUMER_KEY is accepted.
    #[arg(long = "client", value_name = "ID:KEY", value_parser = parse_client)]
    pub clients: Vec<(String, String)>,

    /// Keep users in FILE across restarts (rewritten atomically after each change).
    #[arg(long = "state", value_name = "FILE")]
    pub state_file: Option<PathBuf>,

    /// Requests per rolling minute per client id; 0 turns the limit off.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_RATE_LIMIT_PER_MINUTE)]
    pub rate_limit: u32,

    /// Largest accepted distance, in seconds, between a request's timestamp and the server clock.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub timestamp_window: u64,

    /// Seconds a client may take to send a request head; 0 means no limit.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub header_timeout: u64,

    /// Seconds a client may take to send a request body; 0 means no limit.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub body_timeout: u64,

    /// Connections served at once; more wait until one closes.
    #[arg(long, value_name = "N", default_value_t = 512)]
    pub max_connections: usize,

    /// Seconds a shutdown waits for requests in flight before closing them.
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    pub shutdown_timeout: u64,

    /// Do not print a line per request.
    #[arg(long)]
    pub quiet: bool,

    /// POST signed webhooks (USER_REGISTERED, USER_DELETED, CONNECTION_ADDED, ...) to URL,
    /// an http:// or https:// URL (retried until accepted; redirects are not followed).
    // Checked when the server starts (not by clap, whose error would echo
    // the URL with its token).
    #[arg(long, value_name = "URL")]
    pub webhook_url: Option<String>,

    /// Seconds a Connection Portal link (login's redirectURI) stays valid.
    #[arg(long, value_name = "SECS", default_value_t = crate::DEFAULT_PORTAL_TTL.as_secs())]
    pub portal_ttl: u64,

    /// The URL the sandbox is reached at, for portal links (default: the listening address).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,

    /// Seconds a deleted user lingers (still listed) before it is gone and
    /// USER_DELETED is sent; 0 deletes at once.
    #[arg(long, value_name = "SECS", default_value_t = crate::DEFAULT_DELETE_DELAY.as_secs())]
    pub delete_delay: u64,
}

fn parse_client(value: &str) -> Result<(String, String), String> {
    match value.split_once(':') {
        Some((id, key)) if !id.is_empty() && !key.is_empty() => Ok((id.to_owned(), key.to_owned())),
        _ => Err("expected CLIENT_ID:CONSUMER_KEY, both non-empty".to_owned()),
    }
}

impl SandboxArgs {
    /// The configuration these options describe.
    pub fn config(&self) -> SandboxConfig {
        let mut config = SandboxConfig::default();
        if !self.clients.is_empty() {
            config.clients = self.clients.iter().cloned().collect::<BTreeMap<_, _>>();
        }
        config.rate_limit_per_minute = Some(self.rate_limit).filter(|n| *n > 0);
        config.timestamp_window = Duration::from_secs(self.timestamp_window);
        // 0 = no limit: a century stands in for "never".
        let secs = |n: u64| Duration::from_secs(if n == 0 { 100 * 365 * 86_400 } else { n });
        config.limits = crate::ServerLimits {
            header_read_timeout: secs(self.header_timeout),
            body_read_timeout: secs(self.body_timeout),
            max_connections: self.max_connections.max(1),
            shutdown_timeout: Duration::from_secs(self.shutdown_timeout),
        };
        config.state_file = self.state_file.clone();
        config.log_requests = !self.quiet;
        config.webhook = self.webhook_url.clone().map(crate::WebhookConfig::new);
        config.portal_ttl = Duration::from_secs(self.portal_ttl);
        config.public_url = self.public_url.clone();
        config.delete_delay = Duration::from_secs(self.delete_delay);
        config
    }
}

/// Runs the server until Ctrl-C or SIGTERM: prints `listening on http://IP:PORT`, writes
/// the port file (atomically) if asked, then serves.
pub async fn run_cli(args: SandboxArgs) -> io::Result<()> {
    // Listen for the stop signals before anything says the server is up
    // (banner, port file): a SIGTERM sent as soon as the port file exists
    // must stop it. Subscribing only after the port file left a window in
    // which tokio's handler swallowed the signal and nobody was listening.
    let stop = StopSignals::listen()?;
    let config = args.config();
    let sandbox = crate::start(config.clone(), args.listen).await?;
    println!("listening on {}", sandbox.base_url());
    let ids: Vec<&str> = config.clients.keys().map(String::as_str).collect();
    if args.clients.is_empty() {
        println!(
            "demo credentials: client id {SANDBOX_CLIENT_ID}, consumer key {}",
            crate::SANDBOX_CONSUMER_KEY
        );
    } else {
        println!("client ids: {}", ids.join(", "));
    }
    match &config.rate_limit_per_minute {
        Some(n) => println!("rate limit: {n} requests per minute per client id"),
        None => println!("rate limit: off"),
    }
    if let Some(path) = &config.state_file {
        println!("state file: {}", path.display());
    }
    if let Some(webhook) = &config.webhook {
        // Its token (query or userinfo) is never printed.
        println!("webhooks: POST to {}", webhook.redacted_url());
    }
    println!(
        "connection portal: {}/snapTrade/redeemToken (links valid {} s); deletions take {} s",
        config.public_url.as_deref().map_or_else(
            || sandbox.base_url(),
            |u| u.trim_end_matches('/').to_owned()
        ),
        config.portal_ttl.as_secs(),
        config.delete_delay.as_secs()
    );
    if let Some(path) = &args.port_file {
        write_atomically(path, format!("{}\n", sandbox.addr().port()).as_bytes())?;
    }
    stop.wait().await?;
    eprintln!("shutting down");
    sandbox.shutdown().await
}

/// Ctrl-C, or SIGTERM on Unix (what `kill` and process supervisors send),
/// listened to from the moment [`StopSignals::listen`] returns.
struct StopSignals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn listen() -> io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(StopSignals {
                terminate: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals {})
    }

    /// Returns at the first stop signal (one sent since [`Self::listen`]).
    async fn wait(self) -> io::Result<()> {
        #[cfg(unix)]
        {
            let StopSignals {
                mut terminate,
                mut interrupt,
            } = self;
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
            }
            Ok(())
        }
        #[cfg(not(unix))]
        tokio::signal::ctrl_c().await
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = path.with_file_name(format!(
        ".{}.tmp-{}",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
