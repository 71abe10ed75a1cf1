//! Tracing of operation calls (cargo feature `tracing`, on by default).
//!
//! Each [`Transport::execute`](crate::Transport::execute) runs inside one span,
//! named `operation`, with target `oapi_client_runtime`, at `INFO` level:
//!
//! | field | when | value |
//! | --- | --- | --- |
//! | `operation_id` | at start | the spec's `operationId` |
//! | `method` | at start | `GET`, `POST`, ... |
//! | `path` | at start | the path *template* (`/users/{id}`), never the filled-in path |
//! | `status` | at the end | the last response's HTTP status |
//! | `attempts` | at the end | attempts sent, retries included |
//! | `request_id` | at the end | the last response's `X-Request-ID` |
//! | `error` | at the end | the transport failure kind (`timed out`, ...) when no response came |
//! | `elapsed_ms` | at the end | the whole call, waits and retries included |
//!
//! Events inside it: `retrying` (`INFO`: the attempt that failed, `status` or
//! `error`, and `wait_ms`), `waited for the rate limiter` (`DEBUG`: `waited_ms`)
//! and `finished` (`DEBUG`, repeating the outcome fields).
//!
//! What is never recorded: the query string (it may carry a user secret),
//! headers (credentials, signatures), request or response bodies, the filled-in
//! path, and error messages. Only the fields above, which hold no caller data
//! but the operation's identity and the outcome.
//!
//! Without the feature every method here is an empty inline function.

use crate::request::OperationRequest;
use crate::response::RawResponse;
use crate::transport::SendError;
use std::future::Future;
use std::time::Duration;

#[cfg(feature = "tracing")]
use std::sync::atomic::{AtomicU32, Ordering};
#[cfg(feature = "tracing")]
use std::time::Instant;

/// The target of every span and event of this crate.
#[cfg(feature = "tracing")]
const TARGET: &str = "oapi_client_runtime";

/// The tracing state of one call.
pub(crate) struct CallTrace {
    #[cfg(feature = "tracing")]
    span: tracing::Span,
    /// When the call started; `None` when the span is off (no clock read).
    #[cfg(feature = "tracing")]
    started: Option<Instant>,
    /// Attempts so far (the retry loop counts; read at the end).
    #[cfg(feature = "tracing")]
    attempts: AtomicU32,
}

/// The outcome fields of a finished attempt, without anything secret.
#[cfg(feature = "tracing")]
fn outcome(result: &Result<RawResponse, SendError>) -> (Option<u16>, Option<String>) {
    match result {
        Ok(raw) => (Some(raw.status.as_u16()), None),
        Err(SendError::Transport(t)) => (None, Some(t.kind.to_string())),
        Err(SendError::Request(_)) => (None, Some("request not sent".to_owned())),
    }
}

impl CallTrace {
    /// Opens the call's span (cheap when no subscriber wants it).
    #[inline]
    pub(crate) fn start(op: &OperationRequest) -> CallTrace {
        #[cfg(not(feature = "tracing"))]
        let _ = op;
        #[cfg(feature = "tracing")]
        let span = tracing::info_span!(
                target: TARGET,
                "operation",
                operation_id = op.operation_id,
                method = op.method.as_str(),
                path = op.path_template,
                status = tracing::field::Empty,
                attempts = tracing::field::Empty,
                request_id = tracing::field::Empty,
                error = tracing::field::Empty,
                elapsed_ms = tracing::field::Empty,
        );
        CallTrace {
            #[cfg(feature = "tracing")]
            started: (!span.is_disabled()).then(Instant::now),
            #[cfg(feature = "tracing")]
            span,
            #[cfg(feature = "tracing")]
            attempts: AtomicU32::new(0),
        }
    }

    /// Runs `call` inside the span, so that events of the dependencies
    /// (reqwest, hyper) nest under it too.
    #[inline]
    pub(crate) fn instrument<F: Future>(&self, call: F) -> impl Future<Output = F::Output> {
        #[cfg(feature = "tracing")]
        {
            tracing::Instrument::instrument(call, self.span.clone())
        }
        #[cfg(not(feature = "tracing"))]
        call
    }

    /// An attempt is about to be sent.
    #[inline]
    pub(crate) fn attempt(&self) {
        #[cfg(feature = "tracing")]
        self.attempts.fetch_add(1, Ordering::Relaxed);
    }

    /// The attempt waited `waited` for the client-side rate limiter.
    #[inline]
    pub(crate) fn rate_limited(&self, waited: Duration) {
        #[cfg(feature = "tracing")]
        tracing::debug!(
            target: TARGET,
            parent: &self.span,
            waited_ms = waited.as_millis() as u64,
            "waited for the rate limiter"
        );
        #[cfg(not(feature = "tracing"))]
        let _ = waited;
    }

    /// Attempt `attempt` ended with `result` and is retried after `wait`.
    #[inline]
    pub(crate) fn retry(
        &self,
        attempt: u32,
        result: &Result<RawResponse, SendError>,
        wait: Duration,
    ) {
        #[cfg(feature = "tracing")]
        if tracing::enabled!(target: TARGET, tracing::Level::INFO) {
            let (status, error) = outcome(result);
            tracing::info!(
                target: TARGET,
                parent: &self.span,
                attempt,
                status,
                error = error.as_deref(),
                wait_ms = wait.as_millis() as u64,
                "retrying"
            );
        }
        #[cfg(not(feature = "tracing"))]
        let _ = (attempt, result, wait);
    }

    /// Records the call's outcome on the span and emits `finished`.
    #[inline]
    pub(crate) fn finish(&self, result: &Result<RawResponse, SendError>) {
        #[cfg(feature = "tracing")]
        if let Some(started) = self.started {
            let (status, error) = outcome(result);
            let request_id = result.as_ref().ok().and_then(RawResponse::request_id);
            let attempts = self.attempts.load(Ordering::Relaxed);
            let elapsed_ms = started.elapsed().as_millis() as u64;
            let span = &self.span;
            if let Some(status) = status {
                span.record("status", status);
            }
            if let Some(error) = &error {
                span.record("error", error.as_str());
            }
            if let Some(id) = request_id {
                span.record("request_id", id);
            }
            span.record("attempts", attempts);
            span.record("elapsed_ms", elapsed_ms);
            tracing::debug!(
                target: TARGET,
                parent: span,
                status,
                attempts,
                request_id,
                error = error.as_deref(),
                elapsed_ms,
                "finished"
            );
        }
        #[cfg(not(feature = "tracing"))]
        let _ = result;
    }
}
