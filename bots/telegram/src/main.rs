//! The Telegram webhook Lambda: wires the store and the bot's configuration into
//! [`promo_telegram::TelegramService`].

use anyhow::Context;
use promo_store::{Store, StoreConfig};
use promo_telegram::{TelegramConfig, TelegramService};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    promo_api::init_tracing();
    // Secrets come from Secrets Manager on AWS (PROMO_SECRET_ID), the environment elsewhere.
    let secrets = promo_api::Secrets::load()
        .await
        .context("loading secrets")?;
    let config =
        TelegramConfig::from_vars(|name| secrets.get(name)).context("configuring the bot")?;
    anyhow::ensure!(
        config.secret.is_some(),
        "the webhook needs {} (see `promo telegram set-webhook`)",
        promo_telegram::config::SECRET_ENV
    );
    let store = Store::connect(&StoreConfig::from_env())
        .await
        .context("connecting to the store")?;
    let app = promo_api::lambda_app(TelegramService::new(store, config).router());
    lambda_http::run(app).await.map_err(|e| anyhow::anyhow!(e))
}
