//! Command-line arguments.
//!
//! Secrets given on the command line or in the environment (the consumer key,
//! a user secret) are parsed straight into [`SecretString`], so a `Debug` of
//! the parsed arguments never shows them, and `--help` never prints the
//! environment's values for them.

use clap::{Args, Parser, Subcommand, ValueEnum};
use snaptrade::SecretString;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Environment variable naming the credentials file.
pub const ENV_CREDENTIALS: &str = "SNAPTRADE_CREDENTIALS";

const AFTER_HELP: &str = "\
Exit status: 0 success, 1 the API answered with an error, 2 usage or configuration error,
3 the API could not be reached, 4 credentials file error, 5 unexpected response body,
6 webhook rejected (`webhooks verify`: bad or missing signature, not JSON, stale),
7 Ctrl-C during `users register`/`reset-secret`, but the command completed and the
secret is stored (do not retry), 8 timed out (`users delete --wait`: the user was
still there when --timeout passed), 130 Ctrl-C twice during a `users register`/`reset-secret`
call: outcome unknown (the call goes on in the background; check `users list` and the
credentials file). A first Ctrl-C during `users register`/`reset-secret` waits for the
call in flight, so that its one-time secret is stored; any other exit status is the
command's own.

User secrets returned by `users register` and `users reset-secret` are stored in the
credentials file (owner-only permissions) and looked up from it by `users login`,
`users delete` and `users reset-secret` when --secret is not given.";

/// The `snaptrade` command.
#[derive(Debug, Parser)]
#[command(
    name = "snaptrade",
    version,
    about = "SnapTrade API from the command line: status, users, request signing, a local sandbox",
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// Options shared by every command.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every command.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// Partner client id.
    #[arg(long, global = true, env = "SNAPTRADE_CLIENT_ID", value_name = "ID")]
    pub client_id: Option<String>,

    /// Partner consumer key, used to sign requests (never stored, never printed).
    #[arg(
        long,
        global = true,
        env = "SNAPTRADE_CONSUMER_KEY",
        hide_env_values = true,
        value_name = "KEY",
        value_parser = parse_secret
    )]
    pub consumer_key: Option<SecretString>,

    /// API base URL [default: `https://api.snaptrade.com`].
    #[arg(long, global = true, env = "SNAPTRADE_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,

    /// Machine output: the response body as JSON; errors as a JSON object
    /// {error, status, code, detail, request_id} on stdout (and a line on stderr).
    #[arg(long, global = true)]
    pub json: bool,

    /// Credentials file holding user secrets [default: $SNAPTRADE_CREDENTIALS,
    /// else $XDG_CONFIG_HOME/snaptrade/credentials.json, else
    /// ~/.config/snaptrade/credentials.json].
    #[arg(long, global = true, value_name = "FILE")]
    pub credentials: Option<PathBuf>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Whether the API is up (GET /, unsigned).
    Status,
    /// Register, log in, list, delete users and rotate their secrets.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Run the local SnapTrade sandbox server until Ctrl-C (it never talks to SnapTrade).
    Sandbox(snaptrade_sandbox::SandboxArgs),
    /// Compute a request's Signature header, to compare with your own signer
    /// when the API answers 401 code 1076 "Unable to verify signature sent".
    Sign(SignArgs),
    /// Verify SnapTrade webhook deliveries (signed with the consumer key), one
    /// by hand or as a receiver.
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
}

/// `snaptrade webhooks ...`
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Verify one delivery: exit 0 and print the event, or exit 6 with the
    /// check that failed (missing or bad signature, not JSON, too old).
    Verify(WebhookVerifyArgs),
    /// Receive deliveries (POST, any path) on ADDR, verify them and print one
    /// line per event until Ctrl-C: 200 for a verified event, else 401/400.
    Listen(WebhookListenArgs),
}

/// `snaptrade webhooks verify ...`
#[derive(Debug, Args)]
pub struct WebhookVerifyArgs {
    /// The delivery's `Signature` header value.
    #[arg(long, value_name = "SIG")]
    pub signature: String,
    /// File holding the delivery's body as received (`-` for standard input).
    #[arg(long, value_name = "FILE")]
    pub body_file: PathBuf,
    /// Largest accepted age of `eventTimestamp` (either way), in seconds; 0
    /// is the strictest (dated exactly now). `--no-age-check` turns the
    /// check off.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub tolerance: u64,
    /// Accept events of any age (`eventTimestamp` is then not needed).
    #[arg(long, conflicts_with = "tolerance")]
    pub no_age_check: bool,
    /// Check the age against this Unix time instead of the clock.
    #[arg(long, value_name = "UNIX_SECS", allow_negative_numbers = true)]
    pub now: Option<i64>,
}

/// `snaptrade webhooks listen ...`
#[derive(Debug, Args)]
pub struct WebhookListenArgs {
    /// Address to listen on, e.g. 127.0.0.1:8080 (port 0 picks a free one;
    /// the address is printed on stderr).
    #[arg(long, value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Largest accepted age of `eventTimestamp` (either way), in seconds; 0
    /// is the strictest (dated exactly now). `--no-age-check` turns the
    /// check off.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub tolerance: u64,
    /// Accept events of any age (`eventTimestamp` is then not needed).
    #[arg(long, conflicts_with = "tolerance")]
    pub no_age_check: bool,
    /// Exit after this many verified events.
    #[arg(long, value_name = "N")]
    pub max_events: Option<u64>,
}

/// `snaptrade users ...`
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Register a user; its secret is stored in the credentials file.
    Register {
        /// The user id to register.
        user_id: String,
        /// Also print the returned secret.
        #[arg(long)]
        show_secret: bool,
    },
    /// Get a Connection Portal URL for a user (valid for 5 minutes).
    Login(LoginArgs),
    /// List every user id registered under the client id.
    List,
    /// Delete a user (irreversible); removes its stored secret.
    Delete {
        /// The user id to delete.
        user_id: String,
        /// The user's secret. Accepted for symmetry with the other commands but
        /// not sent: SnapTrade's deleteUser takes only the user id.
        #[arg(long, value_name = "S", value_parser = parse_secret)]
        secret: Option<SecretString>,
        /// Return only once the user is gone: SnapTrade deletes in the
        /// background (polls listUsers with backoff; exit 8 on timeout).
        #[arg(long)]
        wait: bool,
        /// With --wait: give up after SECS seconds.
        #[arg(long, value_name = "SECS", default_value_t = 60, requires = "wait")]
        timeout: u64,
    },
    /// Rotate a user's secret; the new secret replaces the stored one.
    ResetSecret {
        /// The user whose secret to rotate.
        user_id: String,
        /// The current secret [default: from the credentials file].
        #[arg(long, value_name = "S", value_parser = parse_secret)]
        secret: Option<SecretString>,
        /// Also print the new secret.
        #[arg(long)]
        show_secret: bool,
    },
}

/// `snaptrade users login ...`
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The user to log in.
    pub user_id: String,
    /// The user's secret [default: from the credentials file].
    #[arg(long, value_name = "S", value_parser = parse_secret)]
    pub secret: Option<SecretString>,
    /// Brokerage slug to go straight to (e.g. ALPACA).
    #[arg(long, value_name = "B")]
    pub broker: Option<String>,
    /// Connection type.
    #[arg(long, value_enum)]
    pub connection_type: Option<ConnectionType>,
    /// URL to redirect to when the user is done.
    #[arg(long, value_name = "URL")]
    pub custom_redirect: Option<String>,
    /// Dark mode portal.
    #[arg(long)]
    pub dark_mode: bool,
    /// Redirect immediately after connecting.
    #[arg(long)]
    pub immediate_redirect: bool,
    /// Show a close button in the portal.
    #[arg(long)]
    pub show_close_button: bool,
    /// Reconnect an existing connection (its UUID).
    #[arg(long, value_name = "ID")]
    pub reconnect: Option<String>,
    /// Portal language (en, pt-BR).
    #[arg(long, value_name = "L")]
    pub locale: Option<String>,
    /// Connection Portal version.
    #[arg(long, value_enum, value_name = "V")]
    pub portal_version: Option<PortalVersion>,
}

/// `--connection-type`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConnectionType {
    /// Read-only access.
    Read,
    /// Trading access.
    Trade,
    /// Trading where the brokerage supports it, else read-only.
    TradeIfAvailable,
}

/// `--portal-version`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PortalVersion {
    /// Version 4 (the default).
    V4,
    /// Version 3.
    V3,
    /// Version 2.
    V2,
}

/// `snaptrade sign ...`
#[derive(Debug, Args)]
pub struct SignArgs {
    /// HTTP method (shown in --verbose output; not part of the signature).
    #[arg(long, default_value = "GET", value_name = "M")]
    pub method: String,
    /// Request path as sent, e.g. /snapTrade/login. A `?query` suffix is
    /// split off and used as the query.
    #[arg(long, value_name = "P")]
    pub path: String,
    /// Query string as sent, without `?`, e.g. 'userId=..&userSecret=..&clientId=..&timestamp=..'.
    #[arg(long, value_name = "Q")]
    pub query: Option<String>,
    /// Append `clientId=<--client-id>&timestamp=T` to the query, as the SDK
    /// does (T in Unix seconds, or `now`).
    #[arg(long, value_name = "T")]
    pub timestamp: Option<String>,
    /// JSON request body.
    #[arg(long, value_name = "JSON", conflicts_with = "body_file")]
    pub body: Option<String>,
    /// File holding the JSON request body (`-` for standard input).
    #[arg(long, value_name = "F")]
    pub body_file: Option<PathBuf>,
    /// Also print the method, path, query and the exact string that was signed.
    #[arg(long, short)]
    pub verbose: bool,
}

fn parse_secret(value: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let cli = Cli::try_parse_from([
            "snaptrade",
            "--consumer-key",
            "KEY-VALUE-123",
            "users",
            "login",
            "u1",
            "--secret",
            "SECRET-VALUE-456",
        ])
        .unwrap();
        let debug = format!("{cli:?}");
        assert!(!debug.contains("KEY-VALUE-123"), "{debug}");
        assert!(!debug.contains("SECRET-VALUE-456"), "{debug}");
    }

    #[test]
    fn sandbox_options_are_the_sandbox_crate_ones() {
        let cli = Cli::try_parse_from([
            "snaptrade",
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--client",
            "ID:KEY",
        ])
        .unwrap();
        let Command::Sandbox(args) = cli.command else {
            panic!("not sandbox")
        };
        assert_eq!(args.clients, [("ID".to_owned(), "KEY".to_owned())]);
    }

    #[test]
    fn global_options_work_after_the_subcommand() {
        let cli = Cli::try_parse_from(["snaptrade", "users", "list", "--json", "--client-id", "C"])
            .unwrap();
        assert!(cli.global.json);
        assert_eq!(cli.global.client_id.as_deref(), Some("C"));
    }
}
