//! Error answers, in SnapTrade's body shapes. The table of codes is in the
//! crate documentation.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// Error codes this sandbox answers with (see the crate docs for the table).
pub mod code {
    /// A user with that id is already registered (400).
    pub const USER_EXISTS: i64 = 1010;
    /// No such user or path (404). SnapTrade's own code.
    pub const NOT_FOUND: i64 = 1011;
    /// Wrong user secret (403). SnapTrade's own code.
    pub const FORBIDDEN: i64 = 1066;
    /// `clientId` query parameter missing (401).
    pub const CLIENT_ID_MISSING: i64 = 1071;
    /// `clientId` not registered with this sandbox (401).
    pub const CLIENT_ID_UNKNOWN: i64 = 1072;
    /// `timestamp` query parameter missing (401).
    pub const TIMESTAMP_MISSING: i64 = 1073;
    /// `timestamp` is not an integer (401).
    pub const TIMESTAMP_INVALID: i64 = 1074;
    /// `timestamp` too far from the server's clock (401).
    pub const TIMESTAMP_STALE: i64 = 1075;
    /// `Signature` missing or wrong (401). SnapTrade's own code.
    pub const SIGNATURE: i64 = 1076;
    /// Unknown user or wrong secret on `resetUserSecret` (401).
    pub const USER_UNVERIFIED: i64 = 1078;
    /// The request body is not JSON (400).
    pub const MALFORMED_JSON: i64 = 1080;
    /// The connection is already disabled (402). SnapTrade's own code.
    pub const CONNECTION_DISABLED: i64 = 3011;
    /// A required query parameter or body field is missing (400).
    pub const FIELD_MISSING: i64 = 1081;
    /// A parameter or field has a value of the wrong type or outside its enum (400).
    pub const FIELD_INVALID: i64 = 1082;
    /// `locale` is neither `en` nor `pt-BR` (400).
    pub const LOCALE_UNSUPPORTED: i64 = 1083;
    /// The path exists but not for this method (405).
    pub const METHOD_NOT_ALLOWED: i64 = 1090;
    /// The request body is larger than the sandbox accepts (413).
    pub const BODY_TOO_LARGE: i64 = 1091;
    /// The request body did not arrive in time (408), waiting for room in
    /// the sandbox-wide body memory budget included.
    pub const BODY_TIMEOUT: i64 = 1092;
    /// The server failed, e.g. the state file could not be written (500).
    /// SnapTrade's own code; sent in the `detail`/`status_code`/`code` shape.
    pub const UNEXPECTED: i64 = 1000;
}

/// A failed request: status, body and extra headers.
#[derive(Debug)]
pub struct Failure {
    pub status: StatusCode,
    pub body: Value,
    pub headers: Vec<(header::HeaderName, HeaderValue)>,
}

impl Failure {
    /// `{"default_detail": detail, "default_code": code}` with `status`.
    pub fn new(status: StatusCode, code: i64, detail: impl Into<String>) -> Self {
        Failure {
            status,
            body: json!({"default_detail": detail.into(), "default_code": code}),
            headers: Vec::new(),
        }
    }

    pub fn bad_request(code: i64, detail: impl Into<String>) -> Self {
        Failure::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn unauthorized(code: i64, detail: impl Into<String>) -> Self {
        Failure::new(StatusCode::UNAUTHORIZED, code, detail)
    }

    pub fn signature() -> Self {
        Failure::unauthorized(code::SIGNATURE, "Unable to verify signature sent")
    }

    pub fn not_found() -> Self {
        Failure::new(
            StatusCode::NOT_FOUND,
            code::NOT_FOUND,
            "The requested resource does not exist.",
        )
    }

    pub fn forbidden() -> Self {
        Failure::new(
            StatusCode::FORBIDDEN,
            code::FORBIDDEN,
            "User does not have permission to access this resource",
        )
    }

    pub fn missing(field: &str) -> Self {
        Failure::bad_request(
            code::FIELD_MISSING,
            format!("Missing required field: {field}"),
        )
    }

    pub fn invalid(field: &str, why: impl std::fmt::Display) -> Self {
        Failure::bad_request(
            code::FIELD_INVALID,
            format!("Invalid value for {field}: {why}"),
        )
    }

    pub fn malformed_json() -> Self {
        Failure::bad_request(code::MALFORMED_JSON, "Request body is not valid JSON.")
    }

    pub fn unexpected() -> Self {
        Failure {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            body: json!({
                "detail": "Encountered an unexpected exception.",
                "status_code": 500,
                "code": code::UNEXPECTED,
            }),
            headers: Vec::new(),
        }
    }

    pub fn throttled(retry_after_secs: u64) -> Self {
        Failure {
            status: StatusCode::TOO_MANY_REQUESTS,
            body: json!({
                "detail": format!("Request was throttled. Expected available in {retry_after_secs} seconds."),
                "status_code": 429,
                "code": "0000",
            }),
            headers: vec![(header::RETRY_AFTER, HeaderValue::from(retry_after_secs))],
        }
    }

    pub fn with_header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut response = json_response(self.status, &self.body);
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

/// A JSON response with `Content-Type: application/json`.
pub fn json_response(status: StatusCode, body: &impl serde::Serialize) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"null".to_vec());
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        bytes,
    )
        .into_response()
}
