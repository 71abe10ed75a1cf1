//! A typed, signed client for SnapTrade's API status and authentication
//! endpoints, generated from the checked-in OpenAPI document `spec/snaptrade.yaml`.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let snaptrade = snaptrade::Client::from_env()?; // SNAPTRADE_CLIENT_ID / SNAPTRADE_CONSUMER_KEY
//! let status = snaptrade.api_status().check().await?;
//! println!("online: {:?}", status.online);
//!
//! let auth = snaptrade.authentication();
//! let user = auth.register_snap_trade_user("snaptrade-user-123").await?;
//! let secret = user.body.user_secret.clone().expect("the API returns the secret once");
//! let login = auth
//!     .login_snap_trade_user("snaptrade-user-123", &secret)
//!     .connection_type(snaptrade::models::SnapTradeLoginUserRequestBodyConnectionType::Trade)
//!     .await?;
//! println!("{:?}", login.body);
//! # Ok(()) }
//! ```
//!
//! Request builders own a clone of the client's handle, so a request future is
//! `Send + 'static` and can be spawned; `.timeout(..)` overrides the client's
//! per-attempt timeout for one call:
//!
//! ```no_run
//! # async fn run(client: snaptrade::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! let users = tokio::spawn(client.authentication().list_snap_trade_users().send());
//! let status = client.api_status().check().timeout(Duration::from_secs(2)).await?;
//! println!("{:?} {:?}", users.await??.body, status.online);
//! # Ok(()) }
//! ```
//!
//! Layout: [`generated`] is the generator's output (never edited by hand);
//! [`runtime`] is the generic machinery it calls; [`sign`], [`auth`] and
//! [`config`] are the hand-written SnapTrade parts.
#![warn(missing_docs)]

pub mod auth;
pub mod clock;
pub mod config;
pub mod sign;

/// The generic runtime the generated code calls (the `oapi-client-runtime` crate).
pub use oapi_client_runtime as runtime;

/// Code generated from `spec/snaptrade.yaml` by the `codegen` crate.
#[path = "../generated/snaptrade.rs"]
pub mod generated;

pub use config::{ClientBuilder, ConfigError};
pub use generated::*;
pub use runtime::{ApiError, Error, ErrorCode, Response, SecretString};

/// Compiles the README's example as a doctest, so it cannot drift from the API.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
