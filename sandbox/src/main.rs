//! `snaptrade-sandbox`: serve the local SnapTrade stand-in.

use clap::Parser;

/// A local stand-in for SnapTrade's API status and authentication endpoints.
#[derive(Debug, Parser)]
#[command(name = "snaptrade-sandbox", version)]
struct Cli {
    #[command(flatten)]
    args: snaptrade_sandbox::SandboxArgs,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match snaptrade_sandbox::run_cli(cli.args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("snaptrade-sandbox: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
