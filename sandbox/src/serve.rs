//! The accept loop: HTTP/1.1 connections with the timers and caps that keep
//! a slow or hostile client from starving the sandbox (`axum::serve` has no
//! timers: a half-sent request header held a connection, and shutdown,
//! forever).
//!
//! * Every connection holds a permit of a semaphore of
//!   [`ServerLimits::max_connections`]; past the cap, new connections wait
//!   in the kernel's backlog until one closes.
//! * hyper's `header_read_timeout` (with Tokio's timer) closes a connection
//!   whose request head is not complete in time, idle keep-alive
//!   connections included.
//! * The body read timeout, the body memory budget and authentication from
//!   the request head are in `server.rs`, where the request is dispatched.
//! * Shutdown stops accepting, asks every connection to finish its current
//!   request, and aborts the ones still open after
//!   [`ServerLimits::shutdown_timeout`].

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// Limits that keep a slow or hostile client from starving the sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// A request head (request line and headers) must arrive within this
    /// time of the connection's first read, or the connection is closed.
    pub header_read_timeout: Duration,
    /// A request body must arrive within this time once its head was
    /// accepted, or the request is answered 408 and the connection closed.
    pub body_read_timeout: Duration,
    /// Connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// How long a shutdown waits for requests in flight before closing
    /// their connections.
    pub shutdown_timeout: Duration,
}

impl Default for ServerLimits {
    /// 10 s for a head, 10 s for a body, 512 connections, 5 s to shut down.
    fn default() -> Self {
        ServerLimits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            max_connections: 512,
            shutdown_timeout: Duration::from_secs(5),
        }
    }
}

/// Serves `router` on `listener` until `stop` resolves, then shuts down
/// within `limits.shutdown_timeout`.
pub(crate) async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: ServerLimits,
    stop: impl Future<Output = ()>,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    tokio::pin!(stop);
    loop {
        // Reap finished connection tasks so the set does not grow.
        while connections.try_join_next().is_some() {}
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut stop => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait, do not spin or exit.
                    eprintln!("snaptrade-sandbox: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        connections.spawn(async move {
            // Errors here are the client's (reset, timeout, bad request).
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        eprintln!(
            "snaptrade-sandbox: closing {} connection(s) still open after {:?}",
            connections.len(),
            limits.shutdown_timeout
        );
    }
    connections.shutdown().await;
    Ok(())
}
