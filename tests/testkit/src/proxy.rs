//! A loopback HTTP proxy to put between the store's SDK client and a DynamoDB-compatible server
//! (the embedded dynoxide engine), to make the store slow or, later, faulty on purpose.
//!
//! Each request the SDK sends is shown to a [`FaultPolicy`], which returns a [`Decision`]: how
//! long to hold the request, and what to do with it ([`Action`]): forward it, answer it
//! without forwarding (a synthetic `TransactionConflict`, throttling or 5xx reply), or forward it
//! and drop the reply (the write commits, the client never hears). Today's policy is [`Delay`];
//! fault policies with rates plug in through the same trait.
//!
//! ```no_run
//! # async fn demo() {
//! use promo_testkit::proxy::StoreProxy;
//! use promo_store::engine::EmbeddedEngine;
//! use std::time::Duration;
//!
//! let engine = EmbeddedEngine::memory().await.expect("engine");
//! let proxy = StoreProxy::delayed(engine.endpoint(), Duration::from_millis(300)).await;
//! let slow_store = proxy.store("promo");
//! # let _ = slow_store;
//! # }
//! ```
//!
//! The proxy speaks just enough HTTP/1.1 for the SDK: requests framed by `Content-Length`,
//! kept alive; one upstream connection per request (closed after the reply, so the reply is
//! relayed byte for byte whatever its framing).

use promo_store::Store;
use promo_store::engine::client_for;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What a policy sees of one request.
#[derive(Debug, Clone)]
pub struct ProxyRequest {
    /// Requests seen before this one.
    pub seq: u64,
    /// The DynamoDB operation (`PutItem`, `TransactWriteItems`, ...) from `X-Amz-Target`.
    pub operation: String,
}

/// What to do with a request once its delay has passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Forward it and relay the reply.
    Forward,
    /// Do not forward; answer with this status and JSON body (e.g. DynamoDB's error shape
    /// `{"__type": "...#ThrottlingException", "message": "..."}`).
    Respond {
        /// The HTTP status.
        status: u16,
        /// The JSON body.
        body: String,
    },
    /// Forward it (the server acts on it), then close the client's connection without a reply:
    /// "committed but reply lost".
    ForwardAndDropReply,
}

/// A policy's verdict on one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// How long to hold the request before acting.
    pub delay: Duration,
    /// What to do then.
    pub action: Action,
}

impl Decision {
    /// Forward at once.
    pub fn forward() -> Self {
        Self {
            delay: Duration::ZERO,
            action: Action::Forward,
        }
    }
}

/// Decides what happens to each request. Implementations keep their own state (counters,
/// random rates) behind `&self`.
pub trait FaultPolicy: Send + Sync + 'static {
    /// The verdict on `request`.
    fn decide(&self, request: &ProxyRequest) -> Decision;
}

/// Holds every request (optionally only those of one operation) for a delay that can be changed
/// while the proxy runs.
#[derive(Debug, Default)]
pub struct Delay {
    millis: AtomicU64,
    only: Option<String>,
}

impl Delay {
    /// Holds every request for `delay`.
    pub fn new(delay: Duration) -> Self {
        Self {
            millis: AtomicU64::new(delay.as_millis() as u64),
            only: None,
        }
    }

    /// Holds only requests of `operation` (e.g. `TransactWriteItems`).
    pub fn only(mut self, operation: &str) -> Self {
        self.only = Some(operation.to_owned());
        self
    }

    /// Changes the delay for requests from now on.
    pub fn set(&self, delay: Duration) {
        self.millis
            .store(delay.as_millis() as u64, Ordering::Relaxed);
    }
}

impl FaultPolicy for Delay {
    fn decide(&self, request: &ProxyRequest) -> Decision {
        let applies = self
            .only
            .as_deref()
            .is_none_or(|op| op == request.operation);
        Decision {
            delay: if applies {
                Duration::from_millis(self.millis.load(Ordering::Relaxed))
            } else {
                Duration::ZERO
            },
            action: Action::Forward,
        }
    }
}

struct Shared {
    upstream: String,
    policy: Arc<dyn FaultPolicy>,
    seen: AtomicU64,
}

/// A running proxy on 127.0.0.1. Stops when dropped.
pub struct StoreProxy {
    endpoint: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl StoreProxy {
    /// Starts a proxy in front of `upstream` (an endpoint URL such as
    /// `http://127.0.0.1:40123`) with `policy`.
    pub async fn start(upstream: &str, policy: Arc<dyn FaultPolicy>) -> Self {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared {
            upstream,
            policy,
            seen: AtomicU64::new(0),
        });
        let accept = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, accept.clone()));
            }
        });
        Self {
            endpoint: format!("http://{addr}"),
            shared,
            task,
        }
    }

    /// Starts a proxy that holds every request for `delay`.
    pub async fn delayed(upstream: &str, delay: Duration) -> Self {
        Self::start(upstream, Arc::new(Delay::new(delay))).await
    }

    /// The proxy's endpoint URL, for `client_for`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// A store on `table` whose every request goes through the proxy.
    pub fn store(&self, table: &str) -> Store {
        Store::new(client_for(&self.endpoint), table)
    }

    /// Requests seen so far.
    pub fn requests(&self) -> u64 {
        self.shared.seen.load(Ordering::Relaxed)
    }
}

impl Drop for StoreProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One client connection: requests one after another (keep-alive).
async fn serve(mut client: TcpStream, shared: Arc<Shared>) {
    let mut buf = Vec::new();
    loop {
        let Some((head, body)) = read_request(&mut client, &mut buf).await else {
            return;
        };
        let request = ProxyRequest {
            seq: shared.seen.fetch_add(1, Ordering::Relaxed),
            operation: header(&head, "x-amz-target")
                .and_then(|t| t.rsplit('.').next().map(str::to_owned))
                .unwrap_or_default(),
        };
        let decision = shared.policy.decide(&request);
        if !decision.delay.is_zero() {
            tokio::time::sleep(decision.delay).await;
        }
        let reply = match &decision.action {
            Action::Respond { status, body } => synthetic(*status, body),
            Action::Forward | Action::ForwardAndDropReply => {
                match forward(&shared.upstream, &head, &body).await {
                    Some(reply) => reply,
                    None => synthetic(502, r#"{"message":"upstream unreachable"}"#),
                }
            }
        };
        if decision.action == Action::ForwardAndDropReply {
            return;
        }
        if client.write_all(&reply).await.is_err() {
            return;
        }
        let closing = reply_head(&reply)
            .and_then(|h| header(h, "connection"))
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        if closing {
            return;
        }
    }
}

/// Reads one request (head and `Content-Length` body); `None` at the end of the connection.
async fn read_request(client: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(String, Vec<u8>)> {
    let end = loop {
        if let Some(i) = find(buf, b"\r\n\r\n") {
            break i + 4;
        }
        let mut chunk = [0u8; 8192];
        let n = client.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..end].to_vec()).ok()?;
    let len: usize = header(&head, "content-length")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < end + len {
        let mut chunk = [0u8; 8192];
        let n = client.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[end..end + len].to_vec();
    buf.drain(..end + len);
    Some((head, body))
}

/// Sends the request upstream on a fresh connection (asking the server to close it after the
/// reply) and returns the reply's bytes.
async fn forward(upstream: &str, head: &str, body: &[u8]) -> Option<Vec<u8>> {
    let mut server = TcpStream::connect(upstream).await.ok()?;
    let mut out = String::new();
    for line in head.trim_end().split("\r\n") {
        if line
            .split(':')
            .next()
            .is_some_and(|n| n.trim().eq_ignore_ascii_case("connection"))
        {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("connection: close\r\n\r\n");
    server.write_all(out.as_bytes()).await.ok()?;
    server.write_all(body).await.ok()?;
    let mut reply = Vec::new();
    server.read_to_end(&mut reply).await.ok()?;
    // The reply says `connection: close`; keep the client's connection open instead.
    Some(keep_alive(reply))
}

fn keep_alive(reply: Vec<u8>) -> Vec<u8> {
    let Some(end) = find(&reply, b"\r\n\r\n") else {
        return reply;
    };
    let Ok(head) = std::str::from_utf8(&reply[..end]) else {
        return reply;
    };
    // Only a reply framed by Content-Length can be relayed on a kept-alive connection.
    if header(head, "content-length").is_none() {
        return reply;
    }
    let mut out: Vec<u8> = head
        .split("\r\n")
        .filter(|l| {
            !l.split(':')
                .next()
                .is_some_and(|n| n.trim().eq_ignore_ascii_case("connection"))
        })
        .collect::<Vec<_>>()
        .join("\r\n")
        .into_bytes();
    out.extend_from_slice(&reply[end..]);
    out
}

fn synthetic(status: u16, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} Proxy\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn reply_head(reply: &[u8]) -> Option<&str> {
    let end = find(reply, b"\r\n\r\n")?;
    std::str::from_utf8(&reply[..end]).ok()
}

fn header<'h>(head: &'h str, name: &str) -> Option<&'h str> {
    head.split("\r\n").skip(1).find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then_some(v.trim())
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
