//! The expire Lambda: wires the store into [`promo_expire::handle`].

use anyhow::Context;
use lambda_runtime::{LambdaEvent, service_fn};
use promo_store::{Store, StoreConfig};
use serde_json::Value;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    promo_api::init_tracing();
    let store = Store::connect(&StoreConfig::from_env())
        .await
        .context("connecting to the store")?;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let store = store.clone();
        async move { promo_expire::handle(&store, event).await }
    }))
    .await
    .map_err(|e| anyhow::anyhow!(e))
}
