//! The one storage adapter: DynamoDB through `aws-sdk-dynamodb`, on AWS or on the embedded
//! dynoxide engine. Every invariant of the product is enforced here by conditional writes.
//!
//! Four rooms: [`claims`] is the claim path and a code's later life (redeem, expire); [`admin`]
//! the seller's operations and reports; [`bots`] what the bots keep (deliveries, settings,
//! accounts, waitlist, alerts); [`table`] the table itself (schema, items, engine, config,
//! metrics, errors). Every operation is a method of [`Store`].

pub mod admin;
pub mod bots;
pub mod claims;
pub mod table;

pub use admin::AdminRefusal;
pub use bots::{Delivery, Waiter};
pub use table::config::{Backend, StoreConfig};
pub use table::error::StoreError;
pub use table::metrics::{MetricsSnapshot, StoreMetrics};

use aws_sdk_dynamodb::Client;
use std::sync::Arc;

/// A handle on the table. Cheap to clone; build it once per process and share it.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

#[cfg(feature = "embedded")]
type EngineGuard = table::engine::EmbeddedEngine;
// A build without the embedded engine (the Lambda functions) never holds one.
#[cfg(not(feature = "embedded"))]
type EngineGuard = std::convert::Infallible;

struct Inner {
    client: Client,
    table: String,
    metrics: StoreMetrics,
    contexts: claims::ContextCache,
    candidates: claims::CandidateCache,
    settings: bots::settings::SettingsCache,
    // Keeps the embedded engine alive as long as any handle is.
    _engine: Option<EngineGuard>,
}

impl Store {
    /// Wraps an SDK client and a table name.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self::build(client, table.into(), None)
    }

    fn build(client: Client, table: String, engine: Option<EngineGuard>) -> Self {
        Self {
            inner: Arc::new(Inner {
                client,
                table,
                metrics: StoreMetrics::default(),
                contexts: claims::ContextCache::new(std::time::Duration::from_secs(2)),
                candidates: claims::CandidateCache::default(),
                settings: bots::settings::SettingsCache::default(),
                _engine: engine,
            }),
        }
    }

    /// A fresh in-memory embedded engine with the table created: what tests use.
    #[cfg(feature = "embedded")]
    pub async fn embedded_memory() -> Result<Self, StoreError> {
        Self::on_engine(table::engine::EmbeddedEngine::memory().await?).await
    }

    /// The embedded engine on a SQLite file (created if missing), with the table created.
    #[cfg(feature = "embedded")]
    pub async fn embedded_file(path: &std::path::Path) -> Result<Self, StoreError> {
        Self::on_engine(table::engine::EmbeddedEngine::file(path).await?).await
    }

    #[cfg(feature = "embedded")]
    async fn on_engine(engine: table::engine::EmbeddedEngine) -> Result<Self, StoreError> {
        let store = Self::build(
            engine.client(),
            table::schema::DEFAULT_TABLE.to_owned(),
            Some(engine),
        );
        store.ensure_table().await?;
        Ok(store)
    }

    /// Connects as the configuration says: an AWS (or AWS-compatible) table, or the embedded
    /// engine. The embedded engine's table is created on the spot; an AWS table is expected to
    /// exist (`promo table create` or the SAM template make it).
    pub async fn connect(config: &StoreConfig) -> Result<Self, StoreError> {
        match &config.backend {
            #[cfg(feature = "embedded")]
            Backend::Embedded { path: None } => Self::embedded_memory().await,
            #[cfg(feature = "embedded")]
            Backend::Embedded { path: Some(path) } => Self::embedded_file(path).await,
            #[cfg(not(feature = "embedded"))]
            Backend::Embedded { .. } => Err(StoreError::Engine {
                detail: "this build has no embedded engine (a Lambda function): set PROMO_TABLE"
                    .into(),
                source: None,
            }),
            Backend::Aws { table } => {
                let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
                    .timeout_config(table::config::timeouts())
                    .retry_config(table::config::retries())
                    .load()
                    .await;
                Ok(Self::new(Client::new(&sdk), table.clone()))
            }
        }
    }

    /// The SDK client.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.inner.table
    }

    /// Round trips and capacity units used so far by this handle.
    pub fn metrics(&self) -> &StoreMetrics {
        &self.inner.metrics
    }

    pub(crate) fn settings_cache(&self) -> &bots::settings::SettingsCache {
        &self.inner.settings
    }

    /// Sets how long campaign settings are cached per process (default 2 s). A pause or an
    /// early end takes effect on claims within this time; scheduled ends are exact, because the
    /// end time is part of every code's write condition.
    pub fn set_context_ttl(&self, ttl: std::time::Duration) {
        self.inner.contexts.set_ttl(ttl);
    }

    /// Checks that the store answers: one `DescribeTable` of the table (a health check).
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.inner
            .client
            .describe_table()
            .table_name(&self.inner.table)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::sdk("DescribeTable", e))
    }

    /// Creates the table from [`schema`] if it does not exist yet, and enables TTL.
    pub async fn ensure_table(&self) -> Result<(), StoreError> {
        table::schema::ensure_table(&self.inner.client, &self.inner.table).await
    }
}
