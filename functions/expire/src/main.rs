//! The expire Lambda: wires the store into [`promo_expire::handle`], then sends the seller's
//! due alerts (low stock, quota reached, campaign ended).

use anyhow::Context;
use lambda_runtime::{LambdaEvent, service_fn};
use promo_core::Timestamp;
use promo_expire::alerts::{AlertSender, send_alerts};
use promo_store::{Store, StoreConfig};
use serde_json::Value;
use std::sync::Arc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    promo_api::init_tracing();
    let secrets = promo_api::Secrets::load()
        .await
        .context("loading secrets")?;
    let sender = Arc::new(AlertSender::from_vars(|name| secrets.get(name)));
    let store = Store::connect(&StoreConfig::from_env())
        .await
        .context("connecting to the store")?;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let (store, sender) = (store.clone(), sender.clone());
        async move {
            let report = promo_expire::handle(&store, event).await?;
            // Alerts never fail the sweep: a failed one is re-armed for the next run.
            match send_alerts(&store, &sender, Timestamp::now()).await {
                Ok(a) if a.sent + a.failed > 0 => {
                    tracing::info!(sent = a.sent, failed = a.failed, "seller alerts")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "seller alerts failed; retrying next run"),
            }
            Ok::<_, promo_expire::ExpireError>(report)
        }
    }))
    .await
    .map_err(|e| anyhow::anyhow!(e))
}
