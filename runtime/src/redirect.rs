//! What a signed request does on a redirect: nothing. The transport never
//! follows one (reqwest would by default): a 307/308 would resend a signed
//! `POST`, and its `Signature` header and credentials in the query could
//! travel to another origin. A 3xx answer with a `Location` header comes back
//! as a [`TransportError`](crate::TransportError) of kind
//! [`Redirect`](crate::TransportErrorKind::Redirect) whose `location` says
//! where the server pointed; a caller that trusts it can change its base URL.
//! A 3xx the operation documents
//! ([`OperationRequest::documented_redirects`](crate::OperationRequest::documented_redirects))
//! is its answer instead: the generated code returns it, with
//! [`Response::location`](crate::Response::location), and follows nothing.

use crate::redact::is_secret_name;
use http::{HeaderMap, StatusCode};

/// The `Location` of a redirect answer, with the values of secret-named
/// query parameters replaced by `[redacted]` (a server may echo the request's
/// query, which can hold a user secret). `None` when `status` is not a
/// redirect or no `Location` came with it: such an answer (a `304`, a bare
/// `300`) is handed on as an ordinary response.
pub(crate) fn redirect_location(status: StatusCode, headers: &HeaderMap) -> Option<String> {
    if !status.is_redirection() {
        return None;
    }
    let raw = headers.get(http::header::LOCATION)?;
    Some(redact_location(&String::from_utf8_lossy(raw.as_bytes())))
}

/// `url` as text with any user name and password replaced by `[redacted]`
/// and secret-named query values redacted as in [`redirect_location`].
pub(crate) fn redact_url(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    if !url.username().is_empty() || url.password().is_some() {
        // Only URLs that cannot have userinfo refuse these, and such a URL
        // has none to hide.
        let _ = url.set_username("[redacted]");
        let _ = url.set_password(None);
    }
    redact_location(url.as_str())
}

fn redact_location(location: &str) -> String {
    let (head, fragment) = match location.split_once('#') {
        Some((h, f)) => (h, Some(f)),
        None => (location, None),
    };
    let Some((path, query)) = head.split_once('?') else {
        return location.to_owned();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_name(&decode(name)) => format!("{name}=[redacted]"),
            _ => pair.to_owned(),
        })
        .collect();
    let mut out = format!("{path}?{}", query.join("&"));
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// Percent-decodes a query name (lossy), so `user%53ecret` is seen as a
/// secret name too.
fn decode(name: &str) -> String {
    percent_encoding::percent_decode_str(&name.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_loses_its_userinfo_and_secret_query_values() {
        let url = reqwest::Url::parse("http://me:pw@other:81/x?userSecret=s&a=1").unwrap();
        let shown = redact_url(&url);
        assert_eq!(
            shown,
            "http://%5Bredacted%5D@other:81/x?userSecret=[redacted]&a=1"
        );
        assert!(!shown.contains("pw") && !shown.contains("me@"));
        let plain = reqwest::Url::parse("https://api.example/v1?x=1").unwrap();
        assert_eq!(redact_url(&plain), "https://api.example/v1?x=1");
    }

    #[test]
    fn only_redirects_with_a_location_are_caught_and_secrets_are_hidden() {
        let mut h = HeaderMap::new();
        assert_eq!(redirect_location(StatusCode::TEMPORARY_REDIRECT, &h), None);
        h.insert(
            http::header::LOCATION,
            "http://other/x?userId=u&user%53ecret=s3&b=1#f"
                .parse()
                .unwrap(),
        );
        assert_eq!(
            redirect_location(StatusCode::PERMANENT_REDIRECT, &h).as_deref(),
            Some("http://other/x?userId=u&user%53ecret=[redacted]&b=1#f")
        );
        assert_eq!(redirect_location(StatusCode::OK, &h), None);
        h.insert(http::header::LOCATION, "/plain".parse().unwrap());
        assert_eq!(
            redirect_location(StatusCode::FOUND, &h).as_deref(),
            Some("/plain")
        );
    }
}
