//! `snaptrade`: the SnapTrade API from the command line.
//!
//! * `snaptrade status`: whether the API is up.
//! * `snaptrade users register|login|list|delete|reset-secret`: user
//!   management, with user secrets kept in an owner-only credentials file.
//! * `snaptrade sign`: the `Signature` header of a request, to compare with a
//!   hand-written signer (the usual cause of 401 code 1076).
//! * `snaptrade sandbox`: the local SnapTrade stand-in server.
//! * `snaptrade webhooks verify|listen`: check webhook deliveries.
//!
//! Exit codes are listed in [`output`].
#![warn(missing_docs)]

mod args;
mod credentials;
mod output;
mod sign_cmd;
mod users;
mod webhooks;

use args::{Cli, Command, Global, WebhooksCommand};
use clap::Parser as _;
use output::{print_json, Failure};
use snaptrade::SecretString;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.global.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(json),
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Sign(args) => {
            let key = consumer_key(&cli.global)?;
            let signed = sign_cmd::sign(&args, cli.global.client_id.as_deref(), &key)
                .map_err(Failure::Usage)?;
            for note in &signed.notes {
                eprintln!("note: {note}");
            }
            if cli.global.json {
                print_json(&serde_json::to_value(&signed).unwrap_or_default());
            } else if args.verbose {
                println!("method:        {}", signed.method);
                println!("path:          {}", signed.path);
                println!("query:         {}", signed.query);
                println!("signed string: {}", signed.signed_string);
                println!("Signature:     {}", signed.signature);
            } else {
                println!("{}", signed.signature);
            }
            Ok(())
        }
        Command::Sandbox(args) => {
            let runtime = runtime()?;
            runtime
                .block_on(snaptrade_sandbox::run_cli(args))
                .map_err(|e| Failure::Usage(format!("sandbox: {e}")))
        }
        Command::Status => runtime()?.block_on(users::status(&cli.global)),
        Command::Users(command) => runtime()?.block_on(users::run(&cli.global, command)),
        Command::Webhooks(WebhooksCommand::Verify(args)) => {
            webhooks::verify(consumer_key(&cli.global)?, &args, cli.global.json)
        }
        Command::Webhooks(WebhooksCommand::Listen(args)) => {
            let key = consumer_key(&cli.global)?;
            runtime()?.block_on(webhooks::listen(key, &args, cli.global.json))
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Usage(format!("cannot start the async runtime: {e}")))
}

/// The consumer key from `--consumer-key` or `SNAPTRADE_CONSUMER_KEY`.
fn consumer_key(global: &Global) -> Result<SecretString, Failure> {
    global
        .consumer_key
        .clone()
        .filter(|k| !k.expose().is_empty())
        .ok_or_else(|| {
            Failure::Usage(
                "missing consumer key: pass --consumer-key or set SNAPTRADE_CONSUMER_KEY".into(),
            )
        })
}

/// The client id from `--client-id` or `SNAPTRADE_CLIENT_ID`.
fn client_id(global: &Global) -> Result<String, Failure> {
    global
        .client_id
        .clone()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            Failure::Usage("missing client id: pass --client-id or set SNAPTRADE_CLIENT_ID".into())
        })
}
