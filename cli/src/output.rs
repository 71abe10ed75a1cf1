//! Failures, exit codes and how both are printed.
//!
//! Human mode prints one `error: ...` line on stderr. `--json` mode also
//! prints `{"error": kind, "status", "code", "detail", "request_id"}` on
//! stdout, so a script reads a single JSON document from stdout whatever
//! happened, and the exit code says which kind of failure it was.

use crate::credentials::CredentialsError;
use serde_json::{json, Value};
use snaptrade::{ErrorCode, SecretString};
use std::fmt;
use std::process::ExitCode;

/// Exit code: the API answered with an error status.
pub const EXIT_API: u8 = 1;
/// Exit code: bad arguments or configuration (clap uses 2 as well).
pub const EXIT_USAGE: u8 = 2;
/// Exit code: the API could not be reached.
pub const EXIT_TRANSPORT: u8 = 3;
/// Exit code: the credentials file could not be used.
pub const EXIT_CREDENTIALS: u8 = 4;
/// Exit code: a success status with a body that does not match the spec.
pub const EXIT_DECODE: u8 = 5;
/// Exit code: a webhook delivery failed verification.
pub const EXIT_WEBHOOK: u8 = 6;
/// Exit code: Ctrl-C came while `users register` or `users reset-secret` was
/// in flight, and the command still completed: the user is registered (or
/// the secret reset) and its secret is stored. A retrying script must not
/// run the command again.
pub const EXIT_COMPLETED_DESPITE_INTERRUPT: u8 = 7;
/// Exit code: Ctrl-C twice while a secret-creating call was in flight; this
/// process stopped waiting, and the outcome is unknown (128 + SIGINT, what a
/// shell reports for a process killed by Ctrl-C).
pub const EXIT_INTERRUPTED: u8 = 130;
/// Exit code: a wait (`users delete --wait`) ran out of time.
pub const EXIT_TIMEOUT: u8 = 8;

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// Bad arguments or configuration.
    Usage(String),
    /// The credentials file.
    Credentials(CredentialsError),
    /// Something happened after a successful API call that must be reported
    /// with its own context (e.g. a new secret that could not be stored).
    AfterSuccess {
        /// What succeeded and what failed after it.
        context: String,
        /// The underlying failure.
        cause: Box<Failure>,
    },
    /// A one-time secret the API returned could not be stored. It is printed
    /// anyway (stdout, or `user_secret` in the `--json` error object): the
    /// server will never show it again.
    SecretNotStored {
        /// What succeeded, e.g. `registered user "bob"`.
        context: String,
        /// The secret that must not be lost (redacted in `Debug`).
        secret: SecretString,
        /// Why it could not be stored.
        cause: Box<Failure>,
    },
    /// The API answered with an error.
    Api {
        /// HTTP status.
        status: u16,
        /// The API's error code.
        code: Option<ErrorCode>,
        /// The API's message, or an excerpt of the body.
        detail: Option<String>,
        /// `X-Request-ID`.
        request_id: Option<String>,
    },
    /// The request never got an answer.
    Transport(String),
    /// A webhook delivery failed a check (`code` in JSON: the check's name).
    Webhook(snaptrade::webhook::VerifyError),
    /// A wait ran out of time (the message says what was awaited).
    Timeout(String),
    /// A success status with an unexpected body.
    Decode {
        /// HTTP status.
        status: u16,
        /// What did not match.
        message: String,
        /// `X-Request-ID`.
        request_id: Option<String>,
    },
}

impl Failure {
    /// Converts a client error. Its messages never contain the query (which
    /// may hold a user secret) or credentials.
    /// The failure of an operation's error already turned into a
    /// [`snaptrade::ClientError`] (as the library's waiters return it).
    pub fn from_client_error(e: snaptrade::ClientError) -> Failure {
        match (e.kind, e.status) {
            (snaptrade::ClientErrorKind::Api, Some(status)) => Failure::Api {
                status,
                code: e.code.clone(),
                detail: e.detail.clone(),
                request_id: e.request_id.clone(),
            },
            (snaptrade::ClientErrorKind::Transport(_), _) => Failure::Transport(e.to_string()),
            (snaptrade::ClientErrorKind::Request, _) => Failure::Usage(e.to_string()),
            _ => Failure::Decode {
                status: e.status.unwrap_or_default(),
                message: e.to_string(),
                request_id: e.request_id.clone(),
            },
        }
    }

    pub fn from_api<E: fmt::Debug>(e: snaptrade::Error<E>) -> Failure {
        match e {
            snaptrade::Error::Api(api) => {
                let detail = api.detail.clone().or_else(|| {
                    let text = api.body_text();
                    let text = text.trim();
                    (!text.is_empty()).then(|| text.chars().take(300).collect())
                });
                Failure::Api {
                    status: api.status.as_u16(),
                    code: api.code.clone(),
                    detail,
                    request_id: api.request_id.clone(),
                }
            }
            snaptrade::Error::Transport(t) => Failure::Transport(t.to_string()),
            snaptrade::Error::Decode(d) => Failure::Decode {
                status: d.status.as_u16(),
                message: d.message.clone(),
                request_id: d.request_id.clone(),
            },
            snaptrade::Error::Request(r) => Failure::Usage(r.to_string()),
        }
    }

    /// The process exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => EXIT_USAGE,
            Failure::Credentials(_) => EXIT_CREDENTIALS,
            Failure::AfterSuccess { cause, .. } | Failure::SecretNotStored { cause, .. } => {
                cause.exit_code()
            }
            Failure::Api { .. } => EXIT_API,
            Failure::Transport(_) => EXIT_TRANSPORT,
            Failure::Decode { .. } => EXIT_DECODE,
            Failure::Webhook(_) => EXIT_WEBHOOK,
            Failure::Timeout(_) => EXIT_TIMEOUT,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Failure::Usage(_) => "usage",
            Failure::Credentials(_) => "credentials",
            Failure::AfterSuccess { cause, .. } | Failure::SecretNotStored { cause, .. } => {
                cause.kind()
            }
            Failure::Api { .. } => "api",
            Failure::Transport(_) => "transport",
            Failure::Decode { .. } => "decode",
            Failure::Webhook(_) => "webhook",
            Failure::Timeout(_) => "timeout",
        }
    }

    /// The machine-readable form.
    pub fn to_json(&self) -> Value {
        let mut out = json!({
            "error": self.kind(),
            "status": Value::Null,
            "code": Value::Null,
            "detail": Value::Null,
            "request_id": Value::Null,
        });
        match self {
            Failure::Api {
                status,
                code,
                detail,
                request_id,
            } => {
                out["status"] = json!(status);
                out["code"] = match code {
                    Some(ErrorCode::Number(n)) => json!(n),
                    Some(ErrorCode::Text(s)) => json!(s),
                    None => Value::Null,
                };
                out["detail"] = json!(detail);
                out["request_id"] = json!(request_id);
            }
            Failure::Decode {
                status, request_id, ..
            } => {
                out["status"] = json!(status);
                out["detail"] = json!(self.to_string());
                out["request_id"] = json!(request_id);
            }
            Failure::AfterSuccess { cause, .. } => {
                let inner = cause.to_json();
                for k in ["status", "code", "request_id"] {
                    out[k] = inner[k].clone();
                }
                out["detail"] = json!(self.to_string());
            }
            Failure::Webhook(e) => {
                out["code"] = json!(e.kind());
                out["detail"] = json!(self.to_string());
            }
            Failure::SecretNotStored { cause, secret, .. } => {
                let inner = cause.to_json();
                for k in ["status", "code", "request_id"] {
                    out[k] = inner[k].clone();
                }
                out["detail"] = json!(self.to_string());
                out["user_secret"] = json!(secret.expose());
            }
            _ => out["detail"] = json!(self.to_string()),
        }
        out
    }

    /// Prints the failure (stderr; in JSON mode also the JSON object on
    /// stdout) and returns the exit code.
    pub fn report(&self, json_mode: bool) -> ExitCode {
        if json_mode {
            println!("{}", self.to_json());
        }
        eprintln!("error: {self}");
        if let Failure::SecretNotStored { secret, .. } = self {
            if !json_mode {
                println!("user secret: {}", secret.expose());
            }
            eprintln!(
                "error: THE USER SECRET WAS NOT SAVED. It is printed on stdout{}; store it \
                 yourself now: it cannot be shown again",
                if json_mode {
                    " (field user_secret)"
                } else {
                    ""
                }
            );
        }
        if let Failure::Api {
            code: Some(ErrorCode::Number(1076)),
            ..
        } = self
        {
            eprintln!(
                "hint: the server computed a different signature; check the consumer key, \
                 and compare your signer with `snaptrade sign --verbose`"
            );
        }
        ExitCode::from(self.exit_code())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(m) | Failure::Transport(m) | Failure::Timeout(m) => f.write_str(m),
            Failure::Credentials(e) => write!(f, "{e}"),
            Failure::Webhook(e) => write!(f, "webhook rejected: {e}"),
            Failure::AfterSuccess { context, cause }
            | Failure::SecretNotStored { context, cause, .. } => write!(f, "{context}: {cause}"),
            Failure::Api {
                status,
                code,
                detail,
                request_id,
            } => {
                write!(f, "HTTP {status}")?;
                if let Some(code) = code {
                    write!(f, " code {code}")?;
                }
                if let Some(detail) = detail {
                    write!(f, ": {detail}")?;
                }
                if let Some(id) = request_id {
                    write!(f, " (request id {id})")?;
                }
                Ok(())
            }
            Failure::Decode {
                status,
                message,
                request_id,
            } => {
                write!(
                    f,
                    "HTTP {status}: the response body does not match the API spec: {message}"
                )?;
                if let Some(id) = request_id {
                    write!(f, " (request id {id})")?;
                }
                Ok(())
            }
        }
    }
}

impl From<CredentialsError> for Failure {
    fn from(e: CredentialsError) -> Self {
        Failure::Credentials(e)
    }
}

/// Prints a JSON value on stdout, pretty.
pub fn print_json(value: &Value) {
    match serde_json::to_string_pretty(value) {
        Ok(s) => println!("{s}"),
        Err(_) => println!("{value}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_error_line_and_json() {
        let f = Failure::Api {
            status: 401,
            code: Some(ErrorCode::Number(1076)),
            detail: Some("Unable to verify signature sent".into()),
            request_id: Some("abc".into()),
        };
        assert_eq!(
            f.to_string(),
            "HTTP 401 code 1076: Unable to verify signature sent (request id abc)"
        );
        assert_eq!(
            f.to_json(),
            json!({"error": "api", "status": 401, "code": 1076,
                   "detail": "Unable to verify signature sent", "request_id": "abc"})
        );
        assert_eq!(f.exit_code(), EXIT_API);
        let text = Failure::Api {
            status: 429,
            code: Some(ErrorCode::Text("0000".into())),
            detail: None,
            request_id: None,
        };
        assert_eq!(text.to_json()["code"], json!("0000"));
        assert_eq!(text.to_string(), "HTTP 429 code 0000");
    }
}
