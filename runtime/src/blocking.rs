//! Blocking calls (cargo feature `blocking`): send any generated request
//! builder and wait for its answer, without writing async code.
//!
//! [`BlockingSend::send_blocking`] works on every builder a generated client
//! returns (anything whose `IntoFuture` is a `Send + 'static` call), so the
//! blocking surface is the async one: the same groups, operations, arguments
//! and setters, the same retries, rate limit and signing, because the very same
//! future runs.
//!
//! The future runs on a runtime owned by this module (created on first use,
//! one worker thread, shared by the process); the calling thread waits on a
//! channel. That is why it works from any thread, including from inside an
//! async runtime, where a nested `block_on` would panic: there it still
//! answers, but it blocks that runtime's thread for the whole call, so async
//! code should `.await` the builder instead.

use crate::error::{Error, RequestError};
use std::future::{Future, IntoFuture};
use std::sync::OnceLock;

/// Sends a request builder and waits for the answer. Implemented for every
/// generated builder (and any `IntoFuture` whose future is `Send + 'static`
/// and answers with [`crate::Result`]).
pub trait BlockingSend<T, E>: IntoFuture<Output = crate::Result<T, E>> + Sized {
    /// Sends the request and blocks the calling thread until the answer (or
    /// the final error, after retries) is there.
    ///
    /// Fails with [`Error::Request`] only if the blocking runtime cannot be
    /// started or the call's task panicked; everything else is the
    /// operation's own result.
    fn send_blocking(self) -> crate::Result<T, E>;
}

impl<B, T, E> BlockingSend<T, E> for B
where
    B: IntoFuture<Output = crate::Result<T, E>>,
    B::IntoFuture: Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    fn send_blocking(self) -> crate::Result<T, E> {
        block_on(name_of::<B>(), self.into_future())
    }
}

/// Runs `future` on the blocking runtime and waits for it on this thread.
fn block_on<T: Send + 'static, E: Send + 'static>(
    operation: &'static str,
    future: impl Future<Output = crate::Result<T, E>> + Send + 'static,
) -> crate::Result<T, E> {
    let runtime = runtime().map_err(|message| request_error(operation, message))?;
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    runtime.spawn(async move {
        // The receiver only goes away if the caller's thread is gone.
        let _ = tx.send(future.await);
    });
    // The sender is dropped without sending only if the task panicked.
    rx.recv()
        .unwrap_or_else(|_| Err(request_error(operation, "the call's task panicked".into())))
}

/// The process-wide runtime blocking calls run on: one worker keeps the
/// connection pool's background tasks alive between calls.
fn runtime() -> Result<&'static tokio::runtime::Runtime, String> {
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("oapi-client-blocking")
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the blocking runtime: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

fn request_error<E>(operation_id: &'static str, message: String) -> Error<E> {
    Error::Request(RequestError {
        operation_id,
        message,
    })
}

/// The builder's type name without its module path (`ListUsers`): the
/// operation, for an error that happens before the builder is looked into.
fn name_of<B>() -> &'static str {
    let full = std::any::type_name::<B>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Response;

    struct Op(u16);

    impl IntoFuture for Op {
        type Output = crate::Result<u16, ()>;
        type IntoFuture = std::pin::Pin<Box<dyn Future<Output = Self::Output> + Send>>;
        fn into_future(self) -> Self::IntoFuture {
            Box::pin(async move {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                Ok(Response {
                    status: http::StatusCode::OK,
                    headers: http::HeaderMap::new(),
                    body: self.0,
                })
            })
        }
    }

    #[test]
    fn runs_from_a_plain_thread() {
        assert_eq!(Op(7).send_blocking().unwrap().body, 7);
        assert_eq!(name_of::<Op>(), "Op");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn runs_inside_an_async_runtime_without_panicking() {
        // A nested block_on would panic here; the call runs elsewhere instead.
        assert_eq!(Op(8).send_blocking().unwrap().body, 8);
    }
}
