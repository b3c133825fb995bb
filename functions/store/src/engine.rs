//! The embedded engine: dynoxide inside this process, serving the DynamoDB HTTP API on a
//! loopback port, so the very same SDK code path runs locally and on AWS.

use crate::error::StoreError;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use dynoxide::Database;

/// A running embedded engine. The server stops when this is dropped.
pub struct EmbeddedEngine {
    endpoint: String,
    task: tokio::task::JoinHandle<()>,
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

    /// Serves `db` on 127.0.0.1 at a free port.
    pub async fn start(db: Database) -> Result<Self, StoreError> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| StoreError::Engine(format!("binding a loopback port: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| StoreError::Engine(e.to_string()))?;
        let task = tokio::spawn(dynoxide::server::serve_on(listener, db));
        Ok(Self {
            endpoint: format!("http://{addr}"),
            task,
        })
    }

    /// The engine's endpoint URL, e.g. `http://127.0.0.1:40123`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// An SDK client for this engine: static local credentials, a fixed region, the same
    /// time-outs as on AWS.
    pub fn client(&self) -> Client {
        client_for(&self.endpoint)
    }
}

/// An SDK client for any DynamoDB-compatible endpoint with placeholder credentials.
pub fn client_for(endpoint: &str) -> Client {
    let conf = aws_sdk_dynamodb::Config::builder()
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
        .build();
    Client::from_conf(conf)
}

impl Drop for EmbeddedEngine {
    fn drop(&mut self) {
        self.task.abort();
    }
}
