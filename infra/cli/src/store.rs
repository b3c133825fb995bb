//! Which store the commands talk to.

use anyhow::Context;
use promo_store::{Backend, Store, StoreConfig};

/// The configuration: `PROMO_TABLE` selects an AWS table as in [`StoreConfig::from_env`];
/// otherwise the embedded engine on `data` (from `--data`, which overrides `PROMO_DATA`).
pub fn config(data: &str) -> StoreConfig {
    StoreConfig::from_vars(|k| {
        if k == "PROMO_DATA" {
            Some(data.to_owned())
        } else {
            std::env::var(k).ok()
        }
    })
}

/// Connects to the configured store.
pub async fn connect(data: &str) -> anyhow::Result<Store> {
    let config = config(data);
    Store::connect(&config)
        .await
        .with_context(|| format!("opening the store ({})", describe(&config)))
}

/// Where the store is, for people.
pub fn describe(config: &StoreConfig) -> String {
    match &config.backend {
        Backend::Aws { table } => format!("DynamoDB table {table}"),
        Backend::Embedded { path: Some(path) } => format!("embedded engine on {}", path.display()),
        Backend::Embedded { path: None } => "embedded engine in memory".to_owned(),
    }
}
