//! The waitlist notifier Lambda (an EventBridge schedule): tells each waiting follower, once,
//! that codes are open again. The event's contents are not used.

use anyhow::Context;
use lambda_runtime::{LambdaEvent, service_fn};
use promo_core::Timestamp;
use promo_store::{Store, StoreConfig};
use promo_telegram::{TelegramConfig, TelegramService};
use serde_json::Value;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    promo_api::init_tracing();
    let secrets = promo_api::Secrets::load()
        .await
        .context("loading secrets")?;
    let config =
        TelegramConfig::from_vars(|name| secrets.get(name)).context("configuring the bot")?;
    let store = Store::connect(&StoreConfig::from_env())
        .await
        .context("connecting to the store")?;
    let svc = TelegramService::new(store, config);
    lambda_runtime::run(service_fn(move |_event: LambdaEvent<Value>| {
        let svc = svc.clone();
        async move {
            let report = svc
                .notify_waitlists(Timestamp::now())
                .await
                .map_err(|e| lambda_runtime::Error::from(e.to_string()))?;
            tracing::info!(
                campaigns = report.campaigns,
                notified = report.notified,
                deferred = report.deferred,
                waiting = report.waiting,
                "waitlists notified"
            );
            Ok::<_, lambda_runtime::Error>(serde_json::json!({
                "notified": report.notified,
                "deferred": report.deferred,
                "waiting": report.waiting,
            }))
        }
    }))
    .await
    .map_err(|e| anyhow::anyhow!(e))
}
