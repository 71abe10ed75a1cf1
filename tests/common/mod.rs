//! A recording HTTP/1.1 server on 127.0.0.1 for wire-level tests: it keeps the
//! raw request target, headers and body of every request and answers with a
//! canned status, headers and body.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request as it arrived on the socket.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// The raw request target (`/path?query`), exactly as sent.
    pub target: String,
    /// Header names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }

    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == &name.to_ascii_lowercase())
            .map(|(_, v)| v.as_str())
    }
}

/// A canned answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Self {
        Reply {
            status,
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("X-Request-ID".into(), format!("req-{status}")),
            ],
            body: body.into(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

pub struct Recorder {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    replies: Arc<Mutex<VecDeque<Reply>>>,
}

impl Recorder {
    /// Starts a server that answers each request with the next queued reply
    /// (or `200 {}` when the queue is empty).
    pub async fn start() -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let replies: Arc<Mutex<VecDeque<Reply>>> = Arc::new(Mutex::new(VecDeque::new()));
        let (reqs, reps) = (requests.clone(), replies.clone());
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let (reqs, reps) = (reqs.clone(), reps.clone());
                tokio::spawn(async move {
                    while let Some(rec) = read_request(&mut sock).await {
                        reqs.lock().unwrap().push(rec);
                        let reply = reps
                            .lock()
                            .unwrap()
                            .pop_front()
                            .unwrap_or_else(|| Reply::json(200, "{}"));
                        let mut head = format!(
                            "HTTP/1.1 {} X\r\nContent-Length: {}\r\n",
                            reply.status,
                            reply.body.len()
                        );
                        for (n, v) in &reply.headers {
                            head.push_str(&format!("{n}: {v}\r\n"));
                        }
                        head.push_str("\r\n");
                        if sock.write_all(head.as_bytes()).await.is_err()
                            || sock.write_all(reply.body.as_bytes()).await.is_err()
                        {
                            return;
                        }
                    }
                });
            }
        });
        Recorder {
            addr,
            requests,
            replies,
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn reply(&self, reply: Reply) {
        self.replies.lock().unwrap().push_back(reply);
    }

    pub fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.requests.lock().unwrap())
    }

    pub fn last(&self) -> Recorded {
        self.requests
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("a request was recorded")
    }
}

async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).ok()?;
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Recorded {
        method,
        target,
        headers,
        body,
    })
}

/// One step of a [`FaultServer`]'s answer.
#[derive(Debug, Clone)]
pub enum Act {
    /// Write these bytes.
    Send(Vec<u8>),
    /// Do nothing for a while (the connection stays open).
    Sleep(std::time::Duration),
    /// Abort the connection with a TCP reset.
    Reset,
    /// Write a chunked body forever (until the client goes away).
    Endless,
}

impl Act {
    pub fn text(s: &str) -> Act {
        Act::Send(s.as_bytes().to_vec())
    }

    /// A response head with `Connection: close` and the given extra lines
    /// (`"Content-Length: 10"`, ...).
    pub fn head(status: u16, lines: &[&str]) -> Act {
        let mut head = format!("HTTP/1.1 {status} X\r\nConnection: close\r\n");
        for l in lines {
            head.push_str(l);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        Act::Send(head.into_bytes())
    }

    /// A complete response with a body and its exact `Content-Length`.
    pub fn response(status: u16, content_type: &str, extra: &[&str], body: &str) -> Vec<Act> {
        let ct = format!("Content-Type: {content_type}");
        let cl = format!("Content-Length: {}", body.len());
        let mut lines = vec![ct.as_str(), cl.as_str()];
        lines.extend_from_slice(extra);
        vec![Act::head(status, &lines), Act::text(body)]
    }
}

/// A loopback server that answers every request (one per connection) with a
/// script of [`Act`]s chosen by request number (0-based), then closes.
pub struct FaultServer {
    pub addr: SocketAddr,
    hits: Arc<std::sync::atomic::AtomicU64>,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl FaultServer {
    pub async fn start<F>(script: F) -> FaultServer
    where
        F: Fn(u64) -> Vec<Act> + Send + Sync + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let hits = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(script);
        let (h, reqs) = (hits.clone(), requests.clone());
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let (h, reqs, script) = (h.clone(), reqs.clone(), script.clone());
                tokio::spawn(async move {
                    let Some(rec) = read_request(&mut sock).await else {
                        return;
                    };
                    reqs.lock().unwrap().push(rec);
                    let n = h.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    for act in script(n) {
                        match act {
                            Act::Send(bytes) => {
                                if sock.write_all(&bytes).await.is_err() {
                                    return;
                                }
                                let _ = sock.flush().await;
                            }
                            Act::Sleep(d) => tokio::time::sleep(d).await,
                            Act::Reset => {
                                let _ = sock.set_zero_linger();
                                drop(sock);
                                return;
                            }
                            Act::Endless => {
                                let chunk = format!("{:x}\r\n{}\r\n", 4096, "x".repeat(4096));
                                while sock.write_all(chunk.as_bytes()).await.is_ok() {}
                                return;
                            }
                        }
                    }
                    let _ = sock.shutdown().await;
                });
            }
        });
        FaultServer {
            addr,
            hits,
            requests,
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests received so far.
    pub fn hits(&self) -> u64 {
        self.hits.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The requests received so far, as they arrived.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}
