//! A fake [AWS Lambda Runtime API] server for driving real Lambda binaries in tests.
//!
//! [`FakeRuntimeApi`] speaks the real protocol (paths under `/2018-06-01/runtime/`), so a
//! binary built with `lambda_runtime` / `lambda_http` 1.x runs unmodified against it: the
//! test spawns the binary as a child process, queues events with [`FakeRuntimeApi::invoke`]
//! and gets back whatever the function answered.
//!
//! # Environment of a spawned Lambda binary
//!
//! `lambda_runtime` 1.x reads its configuration from the environment when the runtime is
//! built and panics if a required variable is missing. [`FakeRuntimeApi::lambda_env`]
//! returns all of them, ready for [`tokio::process::Command::envs`]:
//!
//! | Variable                          | Value                          | Required by `lambda_runtime` |
//! |-----------------------------------|--------------------------------|------------------------------|
//! | `AWS_LAMBDA_RUNTIME_API`          | `127.0.0.1:<port>` (no scheme) | yes                          |
//! | `AWS_LAMBDA_FUNCTION_NAME`        | [`FUNCTION_NAME`]              | yes                          |
//! | `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` | [`FUNCTION_MEMORY_MB`]         | yes (must parse as `i32`)    |
//! | `AWS_LAMBDA_FUNCTION_VERSION`     | [`FUNCTION_VERSION`]           | yes                          |
//! | `AWS_LAMBDA_LOG_GROUP_NAME`       | [`LOG_GROUP_NAME`]             | no (defaults to empty)       |
//! | `AWS_LAMBDA_LOG_STREAM_NAME`      | [`LOG_STREAM_NAME`]            | no (defaults to empty)       |
//!
//! Anything the function itself needs (AWS region, table names, endpoints, credentials, ...)
//! is up to the caller.
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use promo_testkit::runtime_api::FakeRuntimeApi;
//!
//! let api = FakeRuntimeApi::start().await;
//! api.mark();
//! let _child = tokio::process::Command::new("target/debug/promo-issue")
//!     .envs(api.lambda_env())
//!     .kill_on_drop(true)
//!     .spawn()?;
//! let cold_start = api.wait_ready(Duration::from_secs(10)).await?;
//! let answer = api
//!     .invoke(serde_json::json!({ "hello": "world" }), Duration::from_secs(5))
//!     .await?;
//! # let _ = (cold_start, answer);
//! # Ok(())
//! # }
//! ```
//!
//! [AWS Lambda Runtime API]: https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};

/// Function name reported to the runtime (`AWS_LAMBDA_FUNCTION_NAME`).
pub const FUNCTION_NAME: &str = "test";
/// Memory size in MB reported to the runtime (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`).
pub const FUNCTION_MEMORY_MB: &str = "128";
/// Function version reported to the runtime (`AWS_LAMBDA_FUNCTION_VERSION`).
pub const FUNCTION_VERSION: &str = "$LATEST";
/// CloudWatch log group reported to the runtime (`AWS_LAMBDA_LOG_GROUP_NAME`).
pub const LOG_GROUP_NAME: &str = "/aws/lambda/test";
/// CloudWatch log stream reported to the runtime (`AWS_LAMBDA_LOG_STREAM_NAME`).
pub const LOG_STREAM_NAME: &str = "2018/06/01/[$LATEST]00000000000000000000000000000000";
/// ARN sent in the `Lambda-Runtime-Invoked-Function-Arn` header of every invocation.
pub const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:000000000000:function:test";
/// Deadline advertised to the function (`Lambda-Runtime-Deadline-Ms`), counted from the
/// moment the runtime picks the event up. It is informational only: the time a test is
/// willing to wait is the `timeout` given to [`FakeRuntimeApi::invoke`].
pub const FUNCTION_TIMEOUT: Duration = Duration::from_secs(30);

/// Why an invocation (or [`FakeRuntimeApi::wait_ready`]) did not produce a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvokeError {
    /// The function handled the event and reported an error
    /// (`POST /2018-06-01/runtime/invocation/{id}/error`).
    Function {
        /// The `errorType` of the error body, e.g. the Rust type name of the handler's error.
        error_type: String,
        /// The `errorMessage` of the error body.
        message: String,
    },
    /// The runtime reported an initialization failure (`POST /2018-06-01/runtime/init/error`);
    /// every pending and future invocation on this server fails with this error.
    Init {
        /// The `errorType` of the init error body.
        error_type: String,
        /// The `errorMessage` of the init error body.
        message: String,
    },
    /// The function answered with a body that is not JSON.
    InvalidResponse {
        /// The raw body, lossily decoded as UTF-8.
        body: String,
    },
    /// Nothing came back within the allotted time.
    Timeout,
    /// The server stopped tracking the invocation before it completed.
    Closed,
}

impl fmt::Display for InvokeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Function {
                error_type,
                message,
            } => {
                write!(f, "function error {error_type}: {message}")
            }
            Self::Init {
                error_type,
                message,
            } => {
                write!(f, "runtime init error {error_type}: {message}")
            }
            Self::InvalidResponse { body } => write!(f, "function response is not JSON: {body}"),
            Self::Timeout => f.write_str("timed out waiting for the Lambda runtime"),
            Self::Closed => f.write_str("the fake Runtime API stopped tracking the invocation"),
        }
    }
}

impl std::error::Error for InvokeError {}

/// An in-process fake of the Lambda Runtime API, listening on `127.0.0.1` on a free port.
///
/// Served endpoints:
/// - `GET /2018-06-01/runtime/invocation/next`: long-polls until an event is queued by
///   [`invoke`](Self::invoke), then returns it with the `Lambda-Runtime-*` headers.
/// - `POST /2018-06-01/runtime/invocation/{id}/response`: completes invocation `id` (202).
/// - `POST /2018-06-01/runtime/invocation/{id}/error`: fails invocation `id` (202).
/// - `POST /2018-06-01/runtime/init/error`: records an init failure (202).
/// - `POST /2020-01-01/extension/register` and `GET /2020-01-01/extension/event/next`: the
///   Extensions API, enough for an (internal) extension subscribed to INVOKE events; see
///   [`extension_polls`](Self::extension_polls).
///
/// Unknown request ids (never issued, or already completed or timed out) get `400`.
/// Dropping the value shuts the server down: pending `/next` polls are answered with
/// `410 Gone` and the listener closes, so a runtime still attached to it exits with an error.
pub struct FakeRuntimeApi {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

/// State shared between the test-facing handle and the HTTP handlers.
struct Shared {
    inner: Mutex<Inner>,
    queue_tx: mpsc::UnboundedSender<Queued>,
    // Behind an async mutex so that concurrent `/next` polls take turns on the queue instead
    // of needing one receiver each.
    queue_rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<Queued>>,
    readiness: watch::Sender<Readiness>,
    shutdown: watch::Sender<bool>,
    id_prefix: String,
    extensions: Mutex<Extensions>,
    // Wakes extensions' `/event/next` polls when an INVOKE is queued for them.
    extension_events: tokio::sync::Notify,
}

/// Registered extensions and what they have been told (the Extensions API).
#[derive(Default)]
struct Extensions {
    /// Per extension id: INVOKE events not yet handed out.
    queues: HashMap<String, std::collections::VecDeque<Value>>,
    /// When each `GET /event/next` arrived, by extension id.
    polls: HashMap<String, Vec<Instant>>,
}

struct Inner {
    next_seq: u64,
    pending: HashMap<String, oneshot::Sender<Result<Value, InvokeError>>>,
    init_error: Option<InvokeError>,
}

#[derive(Debug, Clone, Copy)]
struct Readiness {
    mark: Instant,
    first_poll: Option<Instant>,
    init_failed: bool,
}

struct Queued {
    seq: u64,
    request_id: String,
    event: Value,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .expect("fake Runtime API state mutex poisoned by a panicking handler")
    }

    fn is_pending(&self, request_id: &str) -> bool {
        self.lock().pending.contains_key(request_id)
    }

    fn complete(&self, request_id: &str, result: Result<Value, InvokeError>) -> bool {
        let waiter = self.lock().pending.remove(request_id);
        match waiter {
            Some(tx) => {
                // The invoker may have given up in the meantime; nothing left to tell it.
                let _ = tx.send(result);
                true
            }
            None => false,
        }
    }
}

impl FakeRuntimeApi {
    /// Binds `127.0.0.1:0` and serves the Runtime API on a background tokio task.
    ///
    /// The cold-start clock used by [`wait_ready`](Self::wait_ready) starts now.
    ///
    /// # Panics
    ///
    /// If no local port can be bound, which means the test environment is unusable.
    pub async fn start() -> FakeRuntimeApi {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0 for the fake Lambda Runtime API");
        let addr = listener
            .local_addr()
            .expect("local address of a freshly bound listener");

        let (queue_tx, queue_rx) = mpsc::unbounded_channel();
        let (readiness, _) = watch::channel(Readiness {
            mark: Instant::now(),
            first_poll: None,
            init_failed: false,
        });
        let (shutdown, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                next_seq: 0,
                pending: HashMap::new(),
                init_error: None,
            }),
            queue_tx,
            queue_rx: tokio::sync::Mutex::new(queue_rx),
            readiness,
            shutdown,
            id_prefix: request_id_prefix(),
            extensions: Mutex::new(Extensions::default()),
            extension_events: tokio::sync::Notify::new(),
        });

        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next_invocation))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(invocation_response),
            )
            .route(
                "/2018-06-01/runtime/invocation/{id}/error",
                post(invocation_error),
            )
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .route("/2020-01-01/extension/register", post(extension_register))
            .route("/2020-01-01/extension/event/next", get(extension_next))
            .with_state(shared.clone());

        let mut stop = shared.shutdown.subscribe();
        tokio::spawn(async move {
            let server = axum::serve(listener, app).with_graceful_shutdown(async move {
                // An error means the sender is gone, which also means: stop.
                let _ = stop.wait_for(|stopped| *stopped).await;
            });
            if let Err(err) = server.await {
                tracing::warn!(%err, "fake Lambda Runtime API server failed");
            }
        });

        FakeRuntimeApi { addr, shared }
    }

    /// The `host:port` of the server, as `AWS_LAMBDA_RUNTIME_API` expects it
    /// (e.g. `"127.0.0.1:41234"`, no scheme).
    pub fn addr(&self) -> String {
        self.addr.to_string()
    }

    /// Every environment variable a Lambda binary needs to run against this server, as
    /// `(name, value)` pairs: `AWS_LAMBDA_RUNTIME_API`, `AWS_LAMBDA_FUNCTION_NAME`,
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, `AWS_LAMBDA_FUNCTION_VERSION`,
    /// `AWS_LAMBDA_LOG_GROUP_NAME` and `AWS_LAMBDA_LOG_STREAM_NAME`.
    pub fn lambda_env(&self) -> Vec<(String, String)> {
        [
            ("AWS_LAMBDA_RUNTIME_API", self.addr()),
            ("AWS_LAMBDA_FUNCTION_NAME", FUNCTION_NAME.to_owned()),
            (
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                FUNCTION_MEMORY_MB.to_owned(),
            ),
            ("AWS_LAMBDA_FUNCTION_VERSION", FUNCTION_VERSION.to_owned()),
            ("AWS_LAMBDA_LOG_GROUP_NAME", LOG_GROUP_NAME.to_owned()),
            ("AWS_LAMBDA_LOG_STREAM_NAME", LOG_STREAM_NAME.to_owned()),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
    }

    /// Queues `event` for the next `GET /invocation/next` and waits for the function's answer.
    ///
    /// Returns the JSON body the runtime posted to `/invocation/{id}/response` (an empty body
    /// reads as `null`). Several invocations may be queued at once; they are handed out in
    /// order, one per `/next` poll.
    ///
    /// # Errors
    ///
    /// - [`InvokeError::Function`] if the runtime posted to `/invocation/{id}/error`.
    /// - [`InvokeError::Init`] if the runtime reported an init error, before or during the wait.
    /// - [`InvokeError::InvalidResponse`] if the response body is not JSON.
    /// - [`InvokeError::Timeout`] if no answer arrived within `timeout`; the event is then
    ///   withdrawn if it was not picked up yet, and a late answer is rejected with `400`.
    pub async fn invoke(&self, event: Value, timeout: Duration) -> Result<Value, InvokeError> {
        let (tx, rx) = oneshot::channel();
        let (seq, request_id) = {
            let mut inner = self.shared.lock();
            if let Some(err) = &inner.init_error {
                return Err(err.clone());
            }
            inner.next_seq += 1;
            let request_id = format!("{}-{:012x}", self.shared.id_prefix, inner.next_seq);
            // Registered under the same lock as the init-error check, so an init error
            // arriving concurrently either is seen above or fails this waiter.
            inner.pending.insert(request_id.clone(), tx);
            (inner.next_seq, request_id)
        };

        let queued = Queued {
            seq,
            request_id: request_id.clone(),
            event,
        };
        if self.shared.queue_tx.send(queued).is_err() {
            self.shared.lock().pending.remove(&request_id);
            return Err(InvokeError::Closed);
        }

        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(InvokeError::Closed),
            Err(_) => {
                self.shared.lock().pending.remove(&request_id);
                Err(InvokeError::Timeout)
            }
        }
    }

    /// Waits for the first `GET /invocation/next` since [`start`](Self::start) or the last
    /// [`mark`](Self::mark), and returns how long after that instant it arrived.
    ///
    /// Call [`mark`](Self::mark) right before spawning the Lambda binary to measure its cold
    /// start (exec until the runtime is ready for events). Returns immediately if that poll
    /// already happened.
    ///
    /// # Errors
    ///
    /// - [`InvokeError::Init`] if the runtime reported an init error instead.
    /// - [`InvokeError::Timeout`] if no poll arrived within `timeout`.
    pub async fn wait_ready(&self, timeout: Duration) -> Result<Duration, InvokeError> {
        let mut readiness = self.shared.readiness.subscribe();
        let waited = tokio::time::timeout(
            timeout,
            readiness.wait_for(|r| r.first_poll.is_some() || r.init_failed),
        )
        .await;
        let state = match waited {
            Ok(Ok(state)) => *state,
            Ok(Err(_)) => return Err(InvokeError::Closed),
            Err(_) => return Err(InvokeError::Timeout),
        };
        match state.first_poll {
            Some(polled_at) => Ok(polled_at.saturating_duration_since(state.mark)),
            None => Err(self.init_error().unwrap_or(InvokeError::Closed)),
        }
    }

    /// Restarts the cold-start clock: the next [`wait_ready`](Self::wait_ready) waits for a
    /// `/next` poll arriving after this call and measures from now.
    ///
    /// Use it before (re)spawning a Lambda binary against an already running server.
    pub fn mark(&self) {
        self.shared.readiness.send_modify(|r| {
            r.mark = Instant::now();
            r.first_poll = None;
        });
    }

    /// When each registered extension asked for its next event (`GET /event/next`), by
    /// extension id. Lambda freezes the environment only once the runtime has answered *and*
    /// every extension has asked again, so these instants show when an invocation really ended.
    pub fn extension_polls(&self) -> HashMap<String, Vec<Instant>> {
        self.shared
            .extensions
            .lock()
            .expect("extensions lock")
            .polls
            .clone()
    }

    /// The init error reported by the runtime, as an [`InvokeError::Init`], if any.
    pub fn init_error(&self) -> Option<InvokeError> {
        self.shared.lock().init_error.clone()
    }
}

impl fmt::Debug for FakeRuntimeApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeRuntimeApi")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for FakeRuntimeApi {
    fn drop(&mut self) {
        self.shared.shutdown.send_replace(true);
    }
}

/// A per-server prefix shaped like the first four groups of a UUID, so request ids look real
/// and do not collide between servers of the same test process.
fn request_id_prefix() -> String {
    static SERVERS: AtomicU32 = AtomicU32::new(0);
    let server = SERVERS.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "{nanos:08x}-{:04x}-4{:03x}-8000",
        std::process::id() & 0xffff,
        server & 0xfff
    )
}

fn epoch_millis(at: SystemTime) -> u128 {
    at.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default()
}

async fn next_invocation(State(shared): State<Arc<Shared>>) -> Response {
    shared.readiness.send_if_modified(|r| {
        let first = r.first_poll.is_none();
        if first {
            r.first_poll = Some(Instant::now());
        }
        first
    });

    let mut stop = shared.shutdown.subscribe();
    let next = async {
        let mut queue = shared.queue_rx.lock().await;
        loop {
            let queued = queue.recv().await?;
            // Skip events whose invoker already timed out: nobody would read the answer.
            if shared.is_pending(&queued.request_id) {
                return Some(queued);
            }
        }
    };
    let queued = tokio::select! {
        queued = next => queued,
        _ = stop.wait_for(|stopped| *stopped) => None,
    };
    let Some(Queued {
        seq,
        request_id,
        event,
    }) = queued
    else {
        return error_response(
            StatusCode::GONE,
            "ShutDown",
            "the fake Runtime API is shutting down",
        );
    };

    let now = SystemTime::now();
    let deadline = epoch_millis(now + FUNCTION_TIMEOUT);
    let trace_id = format!(
        "Root=1-{:08x}-{seq:024x};Parent={seq:016x};Sampled=0",
        now.duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default(),
    );
    // Extensions subscribed to INVOKE hear of the event as the runtime picks it up.
    {
        let mut ext = shared.extensions.lock().expect("extensions lock");
        let invoke = serde_json::json!({
            "eventType": "INVOKE",
            "deadlineMs": deadline,
            "requestId": request_id,
            "invokedFunctionArn": FUNCTION_ARN,
            "tracing": { "type": "X-Amzn-Trace-Id", "value": trace_id },
        });
        for queue in ext.queues.values_mut() {
            queue.push_back(invoke.clone());
        }
    }
    shared.extension_events.notify_waiters();
    (
        [
            ("Lambda-Runtime-Aws-Request-Id", request_id),
            ("Lambda-Runtime-Deadline-Ms", deadline.to_string()),
            (
                "Lambda-Runtime-Invoked-Function-Arn",
                FUNCTION_ARN.to_owned(),
            ),
            ("Lambda-Runtime-Trace-Id", trace_id),
        ],
        Json(event),
    )
        .into_response()
}

/// `POST /2020-01-01/extension/register`: registers an extension (internal or external) and
/// gives it an identifier.
async fn extension_register(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let name = headers
        .get("lambda-extension-name")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("extension")
        .to_owned();
    let id = {
        let mut ext = shared.extensions.lock().expect("extensions lock");
        let id = format!("{name}-{}", ext.queues.len() + 1);
        ext.queues.insert(id.clone(), Default::default());
        ext.polls.insert(id.clone(), Vec::new());
        id
    };
    (
        [("Lambda-Extension-Identifier", id)],
        Json(serde_json::json!({
            "functionName": FUNCTION_NAME,
            "functionVersion": FUNCTION_VERSION,
            "handler": "bootstrap",
        })),
    )
        .into_response()
}

/// `GET /2020-01-01/extension/event/next`: long-polls until an INVOKE is queued for this
/// extension (or the server stops: SHUTDOWN).
async fn extension_next(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let Some(id) = headers
        .get("lambda-extension-identifier")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return error_response(
            StatusCode::FORBIDDEN,
            "Extension.MissingIdentifier",
            "no id",
        );
    };
    {
        let mut ext = shared.extensions.lock().expect("extensions lock");
        match ext.polls.get_mut(&id) {
            Some(polls) => polls.push(Instant::now()),
            None => {
                return error_response(StatusCode::FORBIDDEN, "Extension.UnknownId", "unknown id");
            }
        }
    }
    let mut stop = shared.shutdown.subscribe();
    loop {
        let wake = shared.extension_events.notified();
        if let Some(event) = shared
            .extensions
            .lock()
            .expect("extensions lock")
            .queues
            .get_mut(&id)
            .and_then(|q| q.pop_front())
        {
            return Json(event).into_response();
        }
        tokio::select! {
            () = wake => {}
            _ = stop.wait_for(|stopped| *stopped) => {
                return Json(serde_json::json!({
                    "eventType": "SHUTDOWN", "shutdownReason": "spindown", "deadlineMs": 0
                }))
                .into_response();
            }
        }
    }
}

async fn invocation_response(
    State(shared): State<Arc<Shared>>,
    Path(request_id): Path<String>,
    body: Bytes,
) -> Response {
    let result = if body.is_empty() {
        Ok(Value::Null)
    } else {
        serde_json::from_slice(&body).map_err(|_| InvokeError::InvalidResponse {
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    };
    accepted_or_unknown(shared.complete(&request_id, result), &request_id)
}

async fn invocation_error(
    State(shared): State<Arc<Shared>>,
    Path(request_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (error_type, message) = parse_error_body(&headers, &body);
    let result = Err(InvokeError::Function {
        error_type,
        message,
    });
    accepted_or_unknown(shared.complete(&request_id, result), &request_id)
}

async fn init_error(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (error_type, message) = parse_error_body(&headers, &body);
    tracing::warn!(%error_type, %message, "Lambda runtime reported an init error");
    let error = InvokeError::Init {
        error_type,
        message,
    };
    let waiters: Vec<_> = {
        let mut inner = shared.lock();
        inner.init_error = Some(error.clone());
        inner.pending.drain().map(|(_, tx)| tx).collect()
    };
    for tx in waiters {
        // A waiter that already gave up has nothing left to be told.
        let _ = tx.send(Err(error.clone()));
    }
    shared.readiness.send_modify(|r| r.init_failed = true);
    StatusCode::ACCEPTED.into_response()
}

/// Extracts `errorType` / `errorMessage` from an error body, falling back to the
/// `Lambda-Runtime-Function-Error-Type` header and the raw body for runtimes that send
/// something else.
fn parse_error_body(headers: &HeaderMap, body: &[u8]) -> (String, String) {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let error_type = field("errorType")
        .or_else(|| {
            headers
                .get("Lambda-Runtime-Function-Error-Type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "Unknown".to_owned());
    let message =
        field("errorMessage").unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    (error_type, message)
}

fn accepted_or_unknown(known: bool, request_id: &str) -> Response {
    if known {
        (
            StatusCode::ACCEPTED,
            Json(serde_json::json!({ "status": "OK" })),
        )
            .into_response()
    } else {
        error_response(
            StatusCode::BAD_REQUEST,
            "InvalidRequestID",
            &format!("unknown or already completed request id {request_id}"),
        )
    }
}

fn error_response(status: StatusCode, error_type: &str, message: &str) -> Response {
    (
        status,
        Json(serde_json::json!({ "errorType": error_type, "errorMessage": message })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
    use serde_json::json;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Set only in the child process spawned by the tests below.
    const CHILD_MARKER: &str = "PROMO_TESTKIT_ECHO_LAMBDA";
    const WAIT: Duration = Duration::from_secs(20);

    #[derive(Debug)]
    struct EchoError(String);

    impl From<EchoError> for Diagnostic {
        fn from(err: EchoError) -> Self {
            Diagnostic {
                error_type: "EchoError".to_owned(),
                error_message: err.0,
            }
        }
    }

    async fn echo(event: LambdaEvent<Value>) -> Result<Value, EchoError> {
        if event.payload.get("fail").and_then(Value::as_bool) == Some(true) {
            return Err(EchoError("asked to fail".to_owned()));
        }
        Ok(json!({
            "echo": event.payload,
            "request_id": event.context.request_id,
            "arn": event.context.invoked_function_arn,
        }))
    }

    /// Not a test on its own: the body of the child process spawned by [`spawn_echo_lambda`].
    ///
    /// A child process rather than a task, because `lambda_runtime` reads its configuration
    /// from the process environment and mutating it is `unsafe` (forbidden in this workspace).
    #[test]
    #[ignore = "helper: runs as the echo Lambda child process of the other tests"]
    fn echo_lambda_child() {
        if std::env::var_os(CHILD_MARKER).is_none() {
            return;
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime for the echo Lambda");
        runtime
            .block_on(lambda_runtime::run(service_fn(echo)))
            .expect("echo Lambda runtime loop");
    }

    /// Re-runs this test binary as a real Lambda function process against `api`.
    fn spawn_echo_lambda(api: &FakeRuntimeApi) -> tokio::process::Child {
        let exe = std::env::current_exe().expect("path of the running test binary");
        tokio::process::Command::new(exe)
            .args([
                "--exact",
                "runtime_api::tests::echo_lambda_child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .envs(api.lambda_env())
            .env(CHILD_MARKER, "1")
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn the echo Lambda child process")
    }

    /// Sends one HTTP/1.1 request by hand and returns the status code.
    async fn raw_post(addr: &str, path: &str, body: &str) -> u16 {
        let mut stream = tokio::net::TcpStream::connect(addr)
            .await
            .expect("connect to the fake Runtime API");
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .await
            .expect("write request");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .await
            .expect("read response");
        response
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .expect("HTTP status line")
    }

    #[tokio::test]
    async fn real_lambda_runtime_round_trips_events_and_errors() {
        let api = FakeRuntimeApi::start().await;
        assert!(api.addr().starts_with("127.0.0.1:"));
        api.mark();
        let _child = spawn_echo_lambda(&api);

        let cold_start = api.wait_ready(WAIT).await.expect("runtime polls /next");
        assert!(cold_start < WAIT, "cold start {cold_start:?}");

        let answer = api
            .invoke(json!({ "hello": "world" }), WAIT)
            .await
            .expect("echo answer");
        assert_eq!(answer["echo"], json!({ "hello": "world" }));
        assert_eq!(answer["arn"], FUNCTION_ARN);
        let first_id = answer["request_id"]
            .as_str()
            .expect("request id")
            .to_owned();

        let err = api
            .invoke(json!({ "fail": true }), WAIT)
            .await
            .expect_err("handler error");
        assert_eq!(
            err,
            InvokeError::Function {
                error_type: "EchoError".to_owned(),
                message: "asked to fail".to_owned(),
            }
        );

        // Several invocations queued at once are all served, each with its own request id.
        let (a, b, c) = tokio::join!(
            api.invoke(json!(1), WAIT),
            api.invoke(json!(2), WAIT),
            api.invoke(json!(3), WAIT),
        );
        let answers = [a, b, c].map(|r| r.expect("queued invocation"));
        for (n, answer) in answers.iter().enumerate() {
            assert_eq!(answer["echo"], json!(n + 1));
        }
        let mut ids: Vec<_> = answers
            .iter()
            .map(|a| a["request_id"].as_str().expect("request id").to_owned())
            .collect();
        ids.push(first_id);
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 4, "request ids are unique: {ids:?}");
    }

    #[tokio::test]
    async fn a_restarted_lambda_process_gets_the_next_event() {
        let api = FakeRuntimeApi::start().await;
        let mut first = spawn_echo_lambda(&api);
        api.wait_ready(WAIT).await.expect("first process ready");
        assert_eq!(
            api.invoke(json!("one"), WAIT).await.expect("first answer")["echo"],
            "one"
        );
        first.kill().await.expect("kill the first process");

        api.mark();
        let _second = spawn_echo_lambda(&api);
        api.wait_ready(WAIT).await.expect("second process ready");
        assert_eq!(
            api.invoke(json!("two"), WAIT).await.expect("second answer")["echo"],
            "two"
        );
    }

    #[tokio::test]
    async fn invoke_times_out_without_a_runtime() {
        let api = FakeRuntimeApi::start().await;
        let err = api
            .invoke(json!({}), Duration::from_millis(50))
            .await
            .expect_err("nobody answers");
        assert_eq!(err, InvokeError::Timeout);
        assert_eq!(
            api.wait_ready(Duration::from_millis(50)).await,
            Err(InvokeError::Timeout)
        );
    }

    #[tokio::test]
    async fn init_error_fails_pending_and_future_invocations() {
        let api = FakeRuntimeApi::start().await;
        let addr = api.addr();
        let expected = InvokeError::Init {
            error_type: "Runtime.InitError".to_owned(),
            message: "no table".to_owned(),
        };

        let pending = api.invoke(json!({}), WAIT);
        let report = async {
            // Give the invocation time to be queued before the runtime gives up.
            tokio::time::sleep(Duration::from_millis(50)).await;
            raw_post(
                &addr,
                "/2018-06-01/runtime/init/error",
                r#"{"errorType":"Runtime.InitError","errorMessage":"no table"}"#,
            )
            .await
        };
        let (pending, status) = tokio::join!(pending, report);
        assert_eq!(status, 202);
        assert_eq!(pending, Err(expected.clone()));
        assert_eq!(api.invoke(json!({}), WAIT).await, Err(expected.clone()));
        assert_eq!(api.wait_ready(WAIT).await, Err(expected.clone()));
        assert_eq!(api.init_error(), Some(expected));

        let status = raw_post(&addr, "/2018-06-01/runtime/invocation/nope/response", "{}").await;
        assert_eq!(status, 400);
    }
}
