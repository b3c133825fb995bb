//! The redeem Lambda: wires the store and the API key into [`promo_redeem::RedeemService`].

use anyhow::Context;
use promo_api::ApiKey;
use promo_redeem::RedeemService;
use promo_store::{Store, StoreConfig};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    promo_api::init_tracing();
    let secrets = promo_api::Secrets::load()
        .await
        .context("loading secrets")?;
    let api_key =
        ApiKey::from_secrets(&secrets).context("the redeem function needs the seller's API key")?;
    let store = Store::connect(&StoreConfig::from_env())
        .await
        .context("connecting to the store")?;
    let app = promo_api::lambda_app(RedeemService::new(store, api_key).router());
    lambda_http::run(app).await.map_err(|e| anyhow::anyhow!(e))
}
