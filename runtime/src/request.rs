//! What a generated operation hands to the transport.

use crate::SecretString;

/// Where an API key travels, as declared by an OpenAPI `apiKey` security scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyLocation {
    /// A query parameter.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
}

/// One security scheme from the document's `components.securitySchemes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemeKind {
    /// `type: apiKey`: a named value in the query, a header or a cookie.
    ApiKey {
        /// Where the value goes.
        location: ApiKeyLocation,
        /// The parameter or header name on the wire.
        param: &'static str,
    },
    /// `type: http` (`bearer`, `basic`, ...).
    Http {
        /// The HTTP authentication scheme name.
        scheme: &'static str,
    },
    /// `oauth2` or `openIdConnect`: the token is supplied by the caller.
    OAuth2,
}

/// A security scheme referenced by an operation's security requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityScheme {
    /// The scheme's key in `components.securitySchemes`.
    pub name: &'static str,
    /// How the scheme carries its value.
    pub kind: SchemeKind,
}

/// The request body of an operation, before it is written to the wire.
///
/// `Debug` hides the values of secret-named JSON properties and form fields
/// (`userSecret` in `resetUserSecret`'s body, for one).
#[derive(Clone, Default)]
pub enum Body {
    /// No body at all.
    #[default]
    Empty,
    /// `application/json`: kept as a value so a signer can canonicalize it.
    Json(serde_json::Value),
    /// `application/x-www-form-urlencoded` pairs.
    Form(Vec<(String, String)>),
    /// `text/plain`.
    Text(String),
    /// `application/octet-stream` or any other raw media type.
    Bytes {
        /// The `Content-Type` to send.
        content_type: &'static str,
        /// The raw bytes.
        data: bytes::Bytes,
    },
    /// `multipart/form-data` parts (in memory, so a retry re-sends them).
    Multipart(crate::multipart::Form),
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::redact::{is_secret_name, redact_json_text};
        match self {
            Body::Empty => f.write_str("Empty"),
            Body::Json(value) => f
                .debug_tuple("Json")
                .field(&format_args!("{}", redact_json_text(&value.to_string())))
                .finish(),
            Body::Form(pairs) => {
                let pairs: Vec<(&str, &str)> = pairs
                    .iter()
                    .map(|(n, v)| {
                        let v = if is_secret_name(n) {
                            "[redacted]"
                        } else {
                            v.as_str()
                        };
                        (n.as_str(), v)
                    })
                    .collect();
                f.debug_tuple("Form").field(&pairs).finish()
            }
            Body::Text(text) => f.debug_tuple("Text").field(text).finish(),
            Body::Bytes { content_type, data } => f
                .debug_struct("Bytes")
                .field("content_type", content_type)
                .field("len", &data.len())
                .finish(),
            Body::Multipart(form) => f.debug_tuple("Multipart").field(form).finish(),
        }
    }
}

/// A query parameter value. Secret values stay wrapped until the transport
/// writes the URL, so a `Debug` of a request never shows them.
#[derive(Debug, Clone)]
pub enum QueryValue {
    /// A plain value.
    Plain(String),
    /// A secret value, redacted in `Debug`.
    Secret(SecretString),
}

impl QueryValue {
    /// The value to put on the wire.
    pub fn as_wire(&self) -> &str {
        match self {
            QueryValue::Plain(s) => s,
            QueryValue::Secret(s) => s.expose(),
        }
    }
}

impl From<String> for QueryValue {
    fn from(value: String) -> Self {
        QueryValue::Plain(value)
    }
}

impl From<SecretString> for QueryValue {
    fn from(value: SecretString) -> Self {
        QueryValue::Secret(value)
    }
}

/// One operation call, fully described, ready for authentication and sending.
///
/// Generated code builds this; the transport adds credentials required by
/// `security`, encodes the query, sends it and returns the raw response.
///
/// `Debug` shows header parameter names but not their values: the generator
/// hands header values over as plain strings, so a secret header parameter
/// (`format: password`, `X-User-Secret`) could not be told apart.
#[derive(Clone)]
pub struct OperationRequest {
    /// The spec's `operationId` (or the derived name), for errors and tracing.
    pub operation_id: &'static str,
    /// The HTTP method.
    pub method: http::Method,
    /// The path after the base URL, path parameters already substituted and
    /// percent-encoded (for example `/users/{id}` filled in as `/users/42`).
    pub path: String,
    /// The spec's path template (`/users/{id}`), for tracing and interceptors:
    /// unlike `path` it holds no caller data. Empty when not given.
    pub path_template: &'static str,
    /// Query parameters in the spec's order, values not yet encoded.
    pub query: Vec<(&'static str, QueryValue)>,
    /// Query pairs whose names come from the caller rather than the spec:
    /// the entries of free-form object parameters (`style: form` gives
    /// `key=value`, `deepObject` gives `name[key]=value`). Sent after `query`,
    /// in the order pushed.
    pub free_query: Vec<(String, QueryValue)>,
    /// Header parameters from the spec. Their values are treated as
    /// sensitive: hidden in `Debug`, marked sensitive on the wire.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Body,
    /// Alternative security requirements (any one suffices); each is a list of
    /// schemes applied together. Empty means the operation is sent without
    /// credentials (`security: []`).
    pub security: &'static [&'static [SecurityScheme]],
    /// Whether repeating the request is harmless (GET, HEAD, PUT, DELETE, OPTIONS).
    pub idempotent: bool,
    /// A retry policy for this call only; `None` uses the client's.
    pub retry: Option<crate::RetryPolicy>,
    /// A per-attempt timeout for this call only (the builders' `.timeout(..)`);
    /// `None` uses the client's.
    pub timeout: Option<std::time::Duration>,
    /// The `Accept` header: the media types the operation's documented
    /// responses come in (a q-list, successes first). Empty: no `Accept`
    /// header. [`new`](Self::new) starts with `application/json`.
    pub accept: &'static str,
    /// The 3xx statuses the operation documents, as inclusive `(low, high)`
    /// ranges (`(302, 302)`, `(300, 399)` for `3XX`). Such an answer is handed
    /// to the operation as it is (never followed); any other 3xx with a
    /// `Location` is a [`TransportError`](crate::TransportError) of kind
    /// [`Redirect`](crate::TransportErrorKind::Redirect).
    pub documented_redirects: &'static [(u16, u16)],
}

impl std::fmt::Debug for OperationRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, _)| (*name, "[redacted]"))
            .collect();
        f.debug_struct("OperationRequest")
            .field("operation_id", &self.operation_id)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("path_template", &self.path_template)
            .field("query", &self.query)
            .field("free_query", &self.free_query)
            .field("headers", &headers)
            .field("body", &self.body)
            .field("security", &self.security)
            .field("idempotent", &self.idempotent)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("accept", &self.accept)
            .field("documented_redirects", &self.documented_redirects)
            .finish()
    }
}

impl OperationRequest {
    /// Starts a request with no parameters, no body and no security.
    pub fn new(operation_id: &'static str, method: http::Method, path: String) -> Self {
        let idempotent = matches!(
            method,
            http::Method::GET
                | http::Method::HEAD
                | http::Method::PUT
                | http::Method::DELETE
                | http::Method::OPTIONS
        );
        OperationRequest {
            operation_id,
            method,
            path,
            path_template: "",
            query: Vec::new(),
            free_query: Vec::new(),
            headers: Vec::new(),
            body: Body::Empty,
            security: &[],
            idempotent,
            retry: None,
            timeout: None,
            accept: "application/json",
            documented_redirects: &[],
        }
    }

    /// Adds a cookie parameter (`in: cookie`): `name=value`, the value
    /// encoded by [`encode_cookie`](crate::encode_cookie), in the request's
    /// one `Cookie` header (a [`headers`](Self::headers) entry, so sensitive
    /// like the others; an API key sent as a cookie joins the same header).
    ///
    /// ```
    /// let mut request = oapi_client_runtime::OperationRequest::new(
    ///     "op", oapi_client_runtime::Method::GET, "/".to_owned());
    /// request.push_cookie("session", "a b");
    /// request.push_cookie("theme", "dark");
    /// assert_eq!(request.headers, [("Cookie", "session=a%20b; theme=dark".to_owned())]);
    /// ```
    pub fn push_cookie(&mut self, name: &'static str, value: &str) {
        let pair = format!("{name}={}", crate::encode_cookie(value));
        match self
            .headers
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case("cookie"))
        {
            Some((_, joined)) => {
                joined.push_str("; ");
                joined.push_str(&pair);
            }
            None => self.headers.push(("Cookie", pair)),
        }
    }

    /// Whether the operation documents `status` as a redirect it answers with
    /// (see [`documented_redirects`](Self::documented_redirects)).
    pub fn documents_redirect(&self, status: u16) -> bool {
        self.documented_redirects
            .iter()
            .any(|&(low, high)| (low..=high).contains(&status))
    }

    /// Adds the query pair `name=value` when `value` is present, the value
    /// written with `Display`: what generated code does for an optional
    /// scalar query parameter, in one call.
    ///
    /// ```
    /// let mut request = oapi_client_runtime::OperationRequest::new(
    ///     "op", oapi_client_runtime::Method::GET, "/".to_owned());
    /// request.query_opt("limit", Some(20));
    /// request.query_opt("page_token", None::<String>);
    /// assert_eq!(request.query.len(), 1);
    /// assert_eq!(request.query[0].1.as_wire(), "20");
    /// ```
    pub fn query_opt(&mut self, name: &'static str, value: Option<impl std::fmt::Display>) {
        if let Some(value) = value {
            self.query
                .push((name, QueryValue::Plain(value.to_string())));
        }
    }

    /// Sets [`path_template`](Self::path_template).
    pub fn with_path_template(mut self, template: &'static str) -> Self {
        self.path_template = template;
        self
    }

    /// Starts a request like [`new`](Self::new), its path filled in from
    /// `template`: each `{name}` is replaced, in order, by the next of
    /// `args` written with `Display` and encoded by
    /// [`encode_path_segment`](crate::encode_path_segment); the rest of the
    /// template (a `}` alone, a `{` never closed) is kept as it is. Also sets
    /// [`path_template`](Self::path_template).
    ///
    /// Generated code calls this so that an operation needs no `format!` of
    /// its own. A `{name}` with no argument left is kept as it is.
    ///
    /// ```
    /// use oapi_client_runtime::{Method, OperationRequest};
    /// let request = OperationRequest::route(
    ///     "get_item", Method::GET, "/users/{user}/items/{id}", &[&"a/b c", &42]);
    /// assert_eq!(request.path, "/users/a%2Fb%20c/items/42");
    /// assert_eq!(request.path_template, "/users/{user}/items/{id}");
    /// ```
    pub fn route(
        operation_id: &'static str,
        method: http::Method,
        template: &'static str,
        args: &[&dyn std::fmt::Display],
    ) -> Self {
        Self::new(operation_id, method, fill_path(template, args)).with_path_template(template)
    }
}

/// `template` with each `{name}` replaced by the next of `args`, encoded as
/// a path segment (see [`OperationRequest::route`]).
fn fill_path(template: &str, args: &[&dyn std::fmt::Display]) -> String {
    let mut path = String::with_capacity(template.len());
    let mut args = args.iter();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let end = start + len + 1;
        path.push_str(&rest[..start]);
        match args.next() {
            Some(arg) => path.push_str(&crate::encode_path_segment(&arg.to_string())),
            None => path.push_str(&rest[start..end]),
        }
        rest = &rest[end..];
    }
    path.push_str(rest);
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(template: &'static str, args: &[&dyn std::fmt::Display]) -> OperationRequest {
        OperationRequest::route("op", http::Method::DELETE, template, args)
    }

    #[test]
    fn route_encodes_each_segment_like_encode_path_segment() {
        let r = route("/a/{x}/b/{y}", &[&"s/l%a sh", &"\u{fc}n\u{ef}/\u{1f600}"]);
        assert_eq!(r.path, "/a/s%2Fl%25a%20sh/b/%C3%BCn%C3%AF%2F%F0%9F%98%80");
        assert_eq!(r.path_template, "/a/{x}/b/{y}");
        assert_eq!(r.method, http::Method::DELETE);
        assert!(r.idempotent);
        // Characters the segment set keeps as they are.
        assert_eq!(route("/{x}", &[&"A-z_0.9~"]).path, "/A-z_0.9~");
    }

    #[test]
    fn route_writes_non_strings_with_display() {
        let r = route("/{i}/{f}/{b}/{n}", &[&-42i64, &1.5f64, &true, &u64::MAX]);
        assert_eq!(r.path, "/-42/1.5/true/18446744073709551615");
        let secret = crate::SecretString::new("k y");
        assert_eq!(route("/{s}", &[&secret.expose()]).path, "/k%20y");
    }

    #[test]
    fn route_keeps_literal_braces() {
        assert_eq!(route("/a}/{x}/{open", &[&"v"]).path, "/a}/v/{open");
        assert_eq!(route("/{x}{y}", &[&"1", &"2"]).path, "/12");
        // More placeholders than arguments: the rest stay as written.
        assert_eq!(route("/{x}/{y}", &[&"1"]).path, "/1/{y}");
        assert_eq!(route("/plain", &[]).path, "/plain");
    }

    #[test]
    fn query_opt_pushes_present_values_only() {
        let mut r = route("/", &[]);
        r.query_opt("limit", Some(10u32));
        r.query_opt("page", None::<String>);
        r.query_opt("name", Some("a b".to_owned()));
        let pairs: Vec<(&str, &str)> = r.query.iter().map(|(n, v)| (*n, v.as_wire())).collect();
        assert_eq!(pairs, [("limit", "10"), ("name", "a b")]);
    }
}
