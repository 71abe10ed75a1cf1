//! Percent-encoding of query values and path segments.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but `A-Z a-z 0-9 _ . - ~ /`, like Python's
/// `urllib.parse.quote(value, safe='/')`: the form request signers commonly
/// hash, so a signature over the query as sent can be reproduced by servers
/// and other SDKs byte for byte.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~')
    .remove(b'/');

/// Path segments also escape `/`, so a parameter cannot add a segment.
const SEGMENT: &AsciiSet = &QUERY.add(b'/');

/// What a cookie value cannot hold as is (RFC 6265 `cookie-octet` excludes
/// controls, space, `"`, `,`, `;` and `\\`), and `%` so that encoded text
/// decodes unambiguously; non-ASCII is always encoded.
const COOKIE: &AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b',')
    .add(b';')
    .add(b'\\')
    .add(b'%');

/// Encodes a cookie value: percent-encodes what a cookie cannot hold.
///
/// ```
/// assert_eq!(oapi_client_runtime::encode_cookie("a b;c=d,ü"), "a%20b%3Bc=d%2C%C3%BC");
/// ```
pub fn encode_cookie(value: &str) -> String {
    utf8_percent_encode(value, COOKIE).to_string()
}

/// Encodes a query name or value.
///
/// ```
/// assert_eq!(oapi_client_runtime::encode_query("a b/ü"), "a%20b/%C3%BC");
/// ```
pub fn encode_query(value: &str) -> String {
    utf8_percent_encode(value, QUERY).to_string()
}

/// Encodes one path segment (a path parameter's value).
///
/// ```
/// assert_eq!(oapi_client_runtime::encode_path_segment("a/b c"), "a%2Fb%20c");
/// ```
pub fn encode_path_segment(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

/// Joins pairs into a query string (no leading `?`), in the given order.
pub fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        // Encoded straight into `out`: no string per name or value.
        out.extend(utf8_percent_encode(name, QUERY));
        out.push('=');
        out.extend(utf8_percent_encode(value, QUERY));
    }
    out
}
