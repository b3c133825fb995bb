//! The stats Lambda: wires the store, the link key and the API key into
//! [`promo_stats::StatsService`].

use anyhow::Context;
use promo_api::{ApiKey, Secrets};
use promo_core::LinkKey;
use promo_stats::StatsService;
use promo_store::{Store, StoreConfig};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    promo_api::init_tracing();
    let secrets = Secrets::load().await.context("loading secrets")?;
    let api_key = ApiKey::from_secrets(&secrets).context("the stats function needs the API key")?;
    let link_secret = secrets
        .get("PROMO_LINK_SECRET")
        .context("the stats function needs PROMO_LINK_SECRET")?;
    let links = LinkKey::new(link_secret.as_bytes()).context("PROMO_LINK_SECRET")?;
    let store = Store::connect(&StoreConfig::from_env())
        .await
        .context("connecting to the store")?;
    let app = promo_api::lambda_app(StatsService::new(store, links, api_key).router());
    lambda_http::run(app).await.map_err(|e| anyhow::anyhow!(e))
}
