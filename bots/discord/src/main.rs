//! The Discord Lambda: wires the store and the configuration into
//! [`promo_discord::DiscordService`], and keeps deferred follow-ups running after the response.
//!
//! Lambda freezes the environment once the function has answered *and* every extension has
//! asked for its next event. The binary registers an internal extension subscribed to `INVOKE`
//! events; for each invocation it waits until that invocation's follow-up (if any) is done, so
//! a deferred claim finishes and edits its response before the environment freezes. Where the
//! Extensions API is absent (a local runtime emulator), follow-ups just run as tasks.

use anyhow::Context;
use lambda_extension::{Extension, LambdaEvent};
use lambda_http::service_fn;
use promo_discord::{DiscordConfig, DiscordService, FollowUps};
use promo_store::{Store, StoreConfig};
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinHandle;
use tower::ServiceExt;

type Pending = Option<JoinHandle<()>>;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    promo_api::init_tracing();
    // Secrets come from Secrets Manager on AWS (PROMO_SECRET_ID), the environment elsewhere.
    let secrets = promo_api::Secrets::load()
        .await
        .context("loading secrets")?;
    let config =
        DiscordConfig::from_vars(|name| secrets.get(name)).context("configuring the bot")?;
    let store = Store::connect(&StoreConfig::from_env())
        .await
        .context("connecting to the store")?;
    let svc = DiscordService::new(store, config);

    let (tx, rx) = mpsc::unbounded_channel::<Pending>();
    let keeper = register_keeper(rx).await;
    let tx = keeper.is_some().then_some(tx);
    let _keeper = keeper.map(tokio::spawn);

    // Lambda runs one invocation at a time per environment: the follow-up the router hands over
    // belongs to the invocation in progress.
    let pending: Arc<std::sync::Mutex<Pending>> = Arc::default();
    let slot = pending.clone();
    let follow_ups: FollowUps = Arc::new(move |follow_up| {
        let task = tokio::spawn(follow_up);
        if let Ok(mut s) = slot.lock() {
            *s = Some(task);
        }
    });
    let app = promo_api::lambda_app(svc.router(follow_ups));
    lambda_http::run(service_fn(move |req| {
        let app = app.clone();
        let tx = tx.clone();
        let pending = pending.clone();
        async move {
            let response = app.oneshot(req).await;
            if let Some(tx) = tx {
                // One message per invocation, follow-up or not (also for a request the router
                // refused before the handler): the keeper waits for it.
                let _ = tx.send(pending.lock().ok().and_then(|mut p| p.take()));
            }
            response
        }
    }))
    .await
    .map_err(|e| anyhow::anyhow!(e))
}

/// Registers the internal extension that holds each invocation open until its follow-up is
/// done; `None` where the Extensions API is not available.
async fn register_keeper(
    rx: mpsc::UnboundedReceiver<Pending>,
) -> Option<impl std::future::Future<Output = ()>> {
    let rx = Arc::new(Mutex::new(rx));
    let processor = service_fn(move |_event: LambdaEvent| {
        let rx = rx.clone();
        async move {
            if let Some(Some(task)) = rx.lock().await.recv().await {
                let _ = task.await;
            }
            Ok::<(), lambda_extension::Error>(())
        }
    });
    match Extension::new()
        .with_extension_name("promo-discord-follow-ups")
        .with_events(&["INVOKE"])
        .with_events_processor(processor)
        .register()
        .await
    {
        Ok(registered) => Some(async move {
            if let Err(e) = registered.run().await {
                tracing::error!(error = %e, "the follow-up extension stopped");
            }
        }),
        Err(e) => {
            tracing::warn!(error = %e, "no Lambda Extensions API: follow-ups run as plain tasks");
            None
        }
    }
}
