//! The embedded engine: dynoxide inside this process, reached by the very same SDK code path as
//! DynamoDB on AWS, but through an in-process transport: the SDK client hands each request to the
//! engine's queue instead of a socket, so the one-machine mode opens no port for the engine and
//! nothing but this process can read or write it. The data file is private (0600, its
//! directory 0700 when created here) from the start.
//!
//! Test harnesses that need the engine on the network (a fault proxy in front of it, a Lambda
//! binary in a child process) open a loopback port explicitly with
//! [`EmbeddedEngine::serve_loopback`]; nothing in the product does.

mod files;
mod loopback;
mod transport;
mod wire;

use crate::table::error::StoreError;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use dynoxide::Database;
use std::sync::{Mutex, OnceLock, PoisonError};
use tokio::sync::{mpsc, oneshot};
use transport::{InProcess, Job, Queue};

/// The endpoint the in-process client names. Never resolved nor connected to: the transport
/// answers every request itself; `.invalid` makes sure that no resolver could ever find it.
const IN_PROCESS_ENDPOINT: &str = "http://embedded-engine.invalid";

/// A running embedded engine. It stops when this is dropped: requests already handed to it are
/// answered first, then the database is closed, before `drop` returns.
pub struct EmbeddedEngine {
    queue: Queue,
    runtime: tokio::runtime::Handle,
    // The loopback endpoint, once a test harness asked for one.
    loopback: OnceLock<String>,
    opening: Mutex<()>,
    // Dropping it stops the engine thread.
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EmbeddedEngine {
    /// Starts an engine on a fresh in-memory database.
    pub async fn memory() -> Result<Self, StoreError> {
        Self::start(Database::memory().map_err(|e| StoreError::engine("opening memory", e))?).await
    }

    /// Starts an engine on a SQLite file, created if missing: the file 0600 and the directories
    /// created for it 0700 (an existing file that others could read is narrowed to 0600, with
    /// its `-wal` and `-shm`), so that SQLite, which gives those two the database file's mode,
    /// never writes a code where another user could read it.
    pub async fn file(path: &std::path::Path) -> Result<Self, StoreError> {
        files::prepare(path)
            .map_err(|e| StoreError::engine(&format!("preparing {}", path.display()), e))?;
        let path = path.to_str().ok_or_else(|| StoreError::Engine {
            detail: "the data path is not UTF-8".into(),
            source: None,
        })?;
        Self::start(
            Database::new(path).map_err(|e| StoreError::engine(&format!("opening {path}"), e))?,
        )
        .await
    }

    /// Runs `db` on a thread and a runtime of its own, reachable through [`Self::client`].
    pub async fn start(db: Database) -> Result<Self, StoreError> {
        // dynoxide runs each request under a blocking lock on the thread that runs it. On the
        // handlers' runtime that would park their worker threads whenever two requests meet;
        // on its own two threads the engine queues requests while the handlers keep running.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("promo-engine")
            .enable_all()
            .build()
            .map_err(|e| StoreError::engine("starting the engine runtime", e))?;
        let handle = runtime.handle().clone();
        let (queue, jobs) = Queue::new();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("promo-engine".into())
            .spawn(move || run(runtime, db, jobs, stopped))
            .map_err(|e| StoreError::engine("starting the engine thread", e))?;
        Ok(Self {
            queue,
            runtime: handle,
            loopback: OnceLock::new(),
            opening: Mutex::new(()),
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// An SDK client for this engine, through the in-process transport: static local
    /// credentials, a fixed region, the same time-outs and retries as on AWS, and transactions
    /// sent without a `ClientRequestToken`.
    pub fn client(&self) -> Client {
        let conf = config_for(IN_PROCESS_ENDPOINT)
            .http_client(InProcess::new(self.queue.clone()))
            .interceptor(WithoutRequestTokens)
            .build();
        Client::from_conf(conf)
    }

    /// **Test harnesses only.** Opens the engine on a loopback port (once; later calls return the
    /// same URL, e.g. `http://127.0.0.1:40123`), for a fault proxy or a child process. The port
    /// has no authentication: any local process can reach it while the engine runs. It refuses
    /// every request that carries an `Origin` header, so no web page can, and it answers through
    /// the same queue as [`Self::client`]. `promo serve` never calls this, and a test proves the
    /// process listens on no port but its own.
    pub fn serve_loopback(&self) -> Result<&str, StoreError> {
        if let Some(url) = self.loopback.get() {
            return Ok(url);
        }
        let _opening = self.opening.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(url) = self.loopback.get() {
            return Ok(url);
        }
        let listener = std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|e| StoreError::engine("binding a loopback port", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| StoreError::engine("reading the loopback address", e))?;
        self.runtime
            .spawn(loopback::serve(listener, self.queue.clone()));
        Ok(self.loopback.get_or_init(|| format!("http://{addr}")))
    }

    /// **Test harnesses only**: [`Self::serve_loopback`], for the harnesses that hand the URL to
    /// [`client_for`], a proxy or a child's `AWS_ENDPOINT_URL_DYNAMODB`. The first call opens the
    /// port.
    ///
    /// # Panics
    /// If no loopback port can be bound.
    pub fn endpoint(&self) -> &str {
        self.serve_loopback()
            .expect("opening the embedded engine on a loopback port")
    }
}

impl Drop for EmbeddedEngine {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the embedded engine thread panicked");
        }
    }
}

/// The engine thread: takes jobs off the queue and runs each as a task of the engine's runtime
/// until told to stop; then answers what is still queued, waits for every task, and closes the
/// database (dropping its last handle, which checkpoints the write-ahead log) on this thread.
fn run(
    runtime: tokio::runtime::Runtime,
    db: Database,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    mut stopped: oneshot::Receiver<()>,
) {
    runtime.block_on(async {
        let mut running = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                biased;
                _ = &mut stopped => break,
                job = jobs.recv() => match job {
                    Some(job) => {
                        start_job(&mut running, &db, job);
                        while running.try_join_next().is_some() {}
                    }
                    None => break,
                },
            }
        }
        jobs.close();
        while let Some(job) = jobs.recv().await {
            start_job(&mut running, &db, job);
        }
        while running.join_next().await.is_some() {}
    });
    // Stops the loopback port, if a harness opened one, and the runtime's threads.
    drop(runtime);
    drop(db);
}

/// Runs one job, unless its caller has already given up (an SDK time-out): a request nobody
/// waits for is not applied, as a server does not act on a request whose client went away
/// before sending it.
fn start_job(running: &mut tokio::task::JoinSet<()>, db: &Database, job: Job) {
    if job.reply.is_closed() {
        return;
    }
    let db = db.clone();
    running.spawn(async move {
        if job.reply.is_closed() {
            return;
        }
        let reply = wire::dispatch(&db, job.target.as_deref(), &job.body);
        let _ = job.reply.send(reply);
    });
}

/// A request id shaped as DynamoDB's: 52 uppercase hexadecimal characters.
fn request_id() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    format!("{:032X}{:020X}", rng.random::<u128>(), rng.random::<u64>())
}

/// Takes the `ClientRequestToken` that the SDK puts on every `TransactWriteItems` off requests
/// to the embedded engine. dynoxide keeps each token for ten minutes, as DynamoDB does, and scans
/// all it keeps on every transaction: under a steady 2,000 claims/s that is over a million
/// entries (and their responses) per scan. The claim never relies on the token: a retry of a
/// committed claim fails its `attribute_not_exists` put and answers with the code held. Inside
/// one process there is no lost reply to replay anyway.
#[derive(Debug)]
struct WithoutRequestTokens;

impl Intercept for WithoutRequestTokens {
    fn name(&self) -> &'static str {
        "WithoutRequestTokens"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        if request.headers().get("x-amz-target") != Some("DynamoDB_20120810.TransactWriteItems") {
            return Ok(());
        }
        let Some(body) = request.body().bytes() else {
            return Ok(());
        };
        let mut doc: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body)?;
        if doc.remove("ClientRequestToken").is_some() {
            let body = serde_json::to_vec(&doc)?;
            request
                .headers_mut()
                .insert("content-length", body.len().to_string());
            *request.body_mut() = SdkBody::from(body);
        }
        Ok(())
    }
}

/// An SDK client for any DynamoDB-compatible endpoint with placeholder credentials.
pub fn client_for(endpoint: &str) -> Client {
    Client::from_conf(config_for(endpoint).build())
}

fn config_for(endpoint: &str) -> aws_sdk_dynamodb::config::Builder {
    aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "local",
            "local",
            None,
            None,
            "promo-embedded",
        ))
        .endpoint_url(endpoint)
        .timeout_config(crate::table::config::timeouts())
        .retry_config(crate::table::config::retries())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};

    /// Sends one put of `pk` as a transaction carrying `token`.
    async fn put_with_token(client: &Client, pk: &str, token: &str) -> bool {
        let put = Put::builder()
            .table_name(crate::table::schema::DEFAULT_TABLE)
            .item("pk", AttributeValue::S(pk.into()))
            .item("sk", AttributeValue::S("x".into()))
            .build()
            .expect("put");
        client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put).build())
            .client_request_token(token)
            .send()
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn the_engines_own_client_sends_transactions_without_request_tokens() {
        let engine = EmbeddedEngine::memory().await.expect("engine");
        let client = engine.client();
        crate::table::schema::ensure_table(&client, crate::table::schema::DEFAULT_TABLE)
            .await
            .expect("table");
        // One token on two different transactions: DynamoDB (and dynoxide) refuse the second
        // as an idempotency mismatch, unless the token never reaches the engine.
        assert!(put_with_token(&client, "T#1", "same-token").await);
        assert!(put_with_token(&client, "T#2", "same-token").await);
        let with_tokens = client_for(engine.endpoint());
        assert!(put_with_token(&with_tokens, "T#3", "other-token").await);
        assert!(
            !put_with_token(&with_tokens, "T#4", "other-token").await,
            "a client that keeps tokens meets the mismatch"
        );
    }

    async fn get(client: &Client, pk: &str) -> Option<String> {
        client
            .get_item()
            .table_name(crate::table::schema::DEFAULT_TABLE)
            .key("pk", AttributeValue::S(pk.into()))
            .key("sk", AttributeValue::S("x".into()))
            .consistent_read(true)
            .send()
            .await
            .expect("get")
            .item
            .and_then(|i| i.get("v").and_then(|v| v.as_s().ok()).cloned())
    }

    async fn put(client: &Client, pk: &str, v: &str) {
        client
            .put_item()
            .table_name(crate::table::schema::DEFAULT_TABLE)
            .item("pk", AttributeValue::S(pk.into()))
            .item("sk", AttributeValue::S("x".into()))
            .item("v", AttributeValue::S(v.into()))
            .send()
            .await
            .expect("put");
    }

    #[tokio::test]
    async fn the_engines_own_client_needs_no_port() {
        let engine = EmbeddedEngine::memory().await.expect("engine");
        let client = engine.client();
        crate::table::schema::ensure_table(&client, crate::table::schema::DEFAULT_TABLE)
            .await
            .expect("table");
        put(&client, "A", "1").await;
        assert_eq!(get(&client, "A").await.as_deref(), Some("1"));
        assert!(
            engine.loopback.get().is_none(),
            "nothing opened a loopback port"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_engine_keeps_the_callers_runtime_free() {
        // On a one-thread runtime, 64 concurrent requests only complete if the engine runs
        // them on threads of its own.
        let engine = EmbeddedEngine::memory().await.expect("engine");
        let client = engine.client();
        crate::table::schema::ensure_table(&client, crate::table::schema::DEFAULT_TABLE)
            .await
            .expect("table");
        let puts = (0..64).map(|i| {
            let client = client.clone();
            async move { put(&client, &format!("P#{i}"), "x").await }
        });
        futures::future::join_all(puts).await;
        assert_eq!(get(&client, "P#63").await.as_deref(), Some("x"));
    }

    #[tokio::test]
    async fn a_client_outliving_its_engine_fails_instead_of_hanging() {
        let engine = EmbeddedEngine::memory().await.expect("engine");
        let client = engine.client();
        crate::table::schema::ensure_table(&client, crate::table::schema::DEFAULT_TABLE)
            .await
            .expect("table");
        drop(engine);
        let after = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            client.list_tables().send(),
        )
        .await
        .expect("an answer in time");
        assert!(after.is_err(), "the engine is gone");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn the_data_file_and_its_log_are_private_and_closed_on_drop() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| {
            std::fs::metadata(p)
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
                .permissions()
                .mode()
                & 0o777
        };
        let root = tempfile::tempdir().expect("temp dir");
        let path = root.path().join("state/promo.db");
        let engine = EmbeddedEngine::file(&path).await.expect("engine");
        let client = engine.client();
        crate::table::schema::ensure_table(&client, crate::table::schema::DEFAULT_TABLE)
            .await
            .expect("table");
        put(&client, "A", "kept").await;
        let [wal, shm, _journal] = <[_; 3]>::try_from(files::companions(&path)).expect("three");
        assert_eq!(mode(&path), 0o600, "the data file");
        assert_eq!(mode(&wal), 0o600, "the write-ahead log");
        assert_eq!(mode(&shm), 0o600, "the shared-memory index");
        assert_eq!(mode(&root.path().join("state")), 0o700, "the directory");

        drop(client);
        drop(engine);
        // Closed cleanly: the same file opens again, with what was written.
        let engine = EmbeddedEngine::file(&path).await.expect("reopened");
        assert_eq!(get(&engine.client(), "A").await.as_deref(), Some("kept"));
    }

    /// Sends one raw HTTP/1.1 request to `endpoint` and returns the reply's head and body.
    async fn raw(endpoint: &str, request: &str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = endpoint.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream.write_all(request.as_bytes()).await.expect("send");
        let mut reply = Vec::new();
        stream.read_to_end(&mut reply).await.expect("read");
        String::from_utf8_lossy(&reply).into_owned()
    }

    fn list_tables(origin: Option<&str>) -> String {
        let origin = origin.map_or(String::new(), |o| format!("origin: {o}\r\n"));
        format!(
            "POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-amz-json-1.0\r\n\
             x-amz-target: DynamoDB_20120810.ListTables\r\n{origin}content-length: 2\r\n\
             connection: close\r\n\r\n{{}}"
        )
    }

    #[tokio::test]
    async fn the_test_only_loopback_port_answers_dynamodb_but_no_web_page() {
        let engine = EmbeddedEngine::memory().await.expect("engine");
        crate::table::schema::ensure_table(&engine.client(), crate::table::schema::DEFAULT_TABLE)
            .await
            .expect("table");
        let endpoint = engine.serve_loopback().expect("loopback").to_owned();
        assert_eq!(engine.endpoint(), endpoint, "one port, opened once");

        let answer = raw(&endpoint, &list_tables(None)).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.contains("TableNames"), "{answer}");

        let from_a_page = raw(&endpoint, &list_tables(Some("https://evil.example"))).await;
        assert!(from_a_page.starts_with("HTTP/1.1 403"), "{from_a_page}");
        assert!(!from_a_page.contains("TableNames"), "{from_a_page}");
        let preflight = raw(
            &endpoint,
            "OPTIONS / HTTP/1.1\r\nhost: x\r\norigin: https://evil.example\r\n\
             access-control-request-method: POST\r\nconnection: close\r\n\r\n",
        )
        .await;
        assert!(
            !preflight
                .to_ascii_lowercase()
                .contains("access-control-allow"),
            "{preflight}"
        );
    }
}
