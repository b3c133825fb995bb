//! The embedded engine: dynoxide inside this process, serving the DynamoDB HTTP API on a
//! loopback port, so the very same SDK code path runs locally and on AWS.

use crate::error::StoreError;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use dynoxide::Database;

/// A running embedded engine. The server stops when this is dropped.
pub struct EmbeddedEngine {
    endpoint: String,
    // Dropping it stops the engine thread.
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// The engine thread: a runtime of its own (two workers) serving `listener` until the engine
/// handle is dropped; requests in flight finish first and the database is closed cleanly.
fn serve(
    listener: std::net::TcpListener,
    db: Database,
    stopped: tokio::sync::oneshot::Receiver<()>,
) {
    let served = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("promo-engine")
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
        .and_then(|runtime| {
            runtime.block_on(async move {
                let listener =
                    tokio::net::TcpListener::from_std(listener).map_err(|e| e.to_string())?;
                let stopped = async move {
                    let _ = stopped.await;
                };
                dynoxide::server::serve_with_shutdown(listener, db, stopped).await
            })
        });
    if let Err(error) = served {
        tracing::error!(%error, "the embedded engine stopped");
    }
}

impl EmbeddedEngine {
    /// Starts an engine on a fresh in-memory database.
    pub async fn memory() -> Result<Self, StoreError> {
        Self::start(Database::memory().map_err(|e| StoreError::Engine(e.to_string()))?).await
    }

    /// Starts an engine on a SQLite file, created if missing.
    pub async fn file(path: &std::path::Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Engine(format!("creating {}: {e}", dir.display())))?;
        }
        let path = path
            .to_str()
            .ok_or_else(|| StoreError::Engine("the data path is not UTF-8".into()))?;
        Self::start(
            Database::new(path).map_err(|e| StoreError::Engine(format!("opening {path}: {e}")))?,
        )
        .await
    }

    /// Serves `db` on 127.0.0.1 at a free port, on a thread of its own.
    pub async fn start(db: Database) -> Result<Self, StoreError> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|e| StoreError::Engine(format!("binding a loopback port: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| StoreError::Engine(e.to_string()))?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        // dynoxide runs each request under a blocking lock on the thread that serves it. On the
        // handlers' runtime that would park their worker threads whenever two requests meet;
        // on its own thread the engine queues requests while the handlers keep running.
        std::thread::Builder::new()
            .name("promo-engine".into())
            .spawn(move || serve(listener, db, stopped))
            .map_err(|e| StoreError::Engine(format!("starting the engine thread: {e}")))?;
        Ok(Self {
            endpoint: format!("http://{addr}"),
            _stop: stop,
        })
    }

    /// The engine's endpoint URL, e.g. `http://127.0.0.1:40123`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// An SDK client for this engine: static local credentials, a fixed region, the same
    /// time-outs as on AWS, and transactions sent without a `ClientRequestToken`.
    pub fn client(&self) -> Client {
        let conf = config_for(&self.endpoint)
            .interceptor(WithoutRequestTokens)
            .build();
        Client::from_conf(conf)
    }
}

/// Takes the `ClientRequestToken` that the SDK puts on every `TransactWriteItems` off requests
/// to the embedded engine. dynoxide keeps each token for ten minutes, as DynamoDB does, and scans
/// all it keeps on every transaction: under a steady 2,000 claims/s that is over a million
/// entries (and their responses) per scan. The claim never relies on the token: a retry of a
/// committed claim fails its `attribute_not_exists` put and answers with the code held. On
/// loopback inside one process there is no lost reply to replay anyway.
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
        .timeout_config(crate::config::timeouts())
        .retry_config(crate::config::retries())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};

    /// Sends one put of `pk` as a transaction carrying `token`.
    async fn put_with_token(client: &Client, pk: &str, token: &str) -> bool {
        let put = Put::builder()
            .table_name(crate::schema::DEFAULT_TABLE)
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
        crate::schema::ensure_table(&client, crate::schema::DEFAULT_TABLE)
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
}
