//! The TLS crypto provider.

/// Installs rustls' `ring` crypto provider as the process default, unless
/// one is installed already; `true` when this call installed it.
///
/// The runtime's reqwest is built with rustls but without a bundled crypto
/// provider (aws-lc-rs is slow to compile), so building a `reqwest::Client`
/// panics ("No rustls crypto provider is configured") until one is installed. A [`Transport`]
/// and [`HttpClient::from_builder`] install it themselves, so only code that
/// builds a `reqwest::Client` of its own before any client exists needs to
/// call this first. Idempotent and cheap: call it as often as you like.
/// After it returns, a provider is installed, this one or one installed
/// earlier (by an earlier call or by your own code).
///
/// ```
/// oapi_client_runtime::install_crypto_provider();
/// let http = oapi_client_runtime::reqwest::Client::builder().build().unwrap();
/// assert!(!oapi_client_runtime::install_crypto_provider(), "already installed");
/// # drop(http);
/// ```
///
/// [`Transport`]: crate::Transport
/// [`HttpClient::from_builder`]: crate::HttpClient::from_builder
pub fn install_crypto_provider() -> bool {
    rustls::crypto::ring::default_provider()
        .install_default()
        .is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn installs_once_and_then_reports_it_is_there() {
        let _first = super::install_crypto_provider();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
        assert!(!super::install_crypto_provider());
        // A client can be built.
        reqwest::Client::builder().build().unwrap();
    }
}
