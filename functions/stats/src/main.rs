//! The stats Lambda: wires the store, the link key and the API key into
//! [`promo_stats::StatsService`].

use anyhow::Context;
use lambda_http::service_fn;
use promo_api::{ApiKey, Secrets};
use promo_core::LinkKey;
use promo_stats::StatsService;
use promo_store::{Store, StoreConfig};
use std::convert::Infallible;
use std::sync::Arc;

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
    let svc = Arc::new(StatsService::new(store, links, api_key));
    lambda_http::run(service_fn(move |req| {
        let svc = svc.clone();
        async move { Ok::<_, Infallible>(svc.handle(req).await) }
    }))
    .await
    .map_err(|e| anyhow::anyhow!(e))
}
