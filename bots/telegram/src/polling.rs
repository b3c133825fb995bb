//! Long polling (`getUpdates`), for one machine without a public URL. Each update goes through
//! the same deduplication as the webhook; a failed one is retried in place, waiting out 429s.

use crate::action::Action;
use crate::service::{DELIVERY_SOURCE, Delivered, TelegramService};
use futures::StreamExt;
use promo_store::Delivery;
use std::future::Future;
use std::time::Duration;
use teloxide::payloads::GetUpdatesSetters;
use teloxide::prelude::Requester;
use teloxide::types::{AllowedUpdate, Update};

/// The update kinds the bot asks Telegram for (webhook and polling alike).
pub const ALLOWED_UPDATES: [AllowedUpdate; 2] =
    [AllowedUpdate::Message, AllowedUpdate::CallbackQuery];

/// Seconds one `getUpdates` call waits for updates (below the client's 17 s timeout).
pub const POLL_TIMEOUT_S: u32 = 10;

/// Attempts per update before it is given up (the follower can ask again).
const ATTEMPTS: u32 = 5;

/// Updates of one batch handled at once.
const CONCURRENCY: usize = 8;

impl TelegramService {
    /// Polls for updates until `shutdown` completes, handling each once. Errors from
    /// `getUpdates` (network, a webhook still set, another poller) are logged and retried with
    /// a growing pause.
    pub async fn poll(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut offset: i32 = 0;
        let mut pause = Duration::from_millis(500);
        loop {
            let request = self
                .bot()
                .get_updates()
                .offset(offset)
                .timeout(POLL_TIMEOUT_S)
                .allowed_updates(ALLOWED_UPDATES);
            let batch = tokio::select! {
                () = &mut shutdown => return,
                batch = request.into_future() => batch,
            };
            let updates = match batch {
                Ok(updates) => {
                    pause = Duration::from_millis(500);
                    updates
                }
                Err(e) => {
                    let wait = match &e {
                        teloxide::RequestError::RetryAfter(s) => s.duration(),
                        _ => pause,
                    };
                    let shown = crate::send::redact(&e.to_string(), self.config().token.expose());
                    tracing::warn!(error = %shown, wait_ms = wait.as_millis() as u64, "getUpdates failed");
                    pause = (pause * 2).min(Duration::from_secs(30));
                    tokio::select! {
                        () = &mut shutdown => return,
                        () = tokio::time::sleep(wait) => continue,
                    }
                }
            };
            if let Some(last) = updates.iter().map(|u| u.id.0).max() {
                offset = last.saturating_add(1) as i32;
            }
            futures::stream::iter(updates)
                .for_each_concurrent(CONCURRENCY, |u| self.deliver_with_retries(u))
                .await;
        }
    }

    /// Handles one polled update once, retrying failures in place.
    async fn deliver_with_retries(&self, update: Update) {
        let action = Action::of(&update, &self.config().bot_username);
        if action.is_ignored() {
            return;
        }
        let id = update.id.0.to_string();
        let lease_ms = self.tuning().lease.as_millis() as i64;
        match self
            .store()
            .begin_delivery(DELIVERY_SOURCE, &id, self.now(), lease_ms)
            .await
        {
            Ok(Delivery::New) => {}
            Ok(Delivery::Done | Delivery::InFlight) => return,
            Err(e) => {
                tracing::warn!(update_id = %id, error = %e, "recording an update failed");
                return;
            }
        }
        let mut attempt = 1;
        loop {
            let outcome = self.run(action.clone()).await;
            let retry = match &outcome {
                Err(e) if attempt < ATTEMPTS => Some(
                    e.retry_after()
                        .unwrap_or(Duration::from_millis(500) * 2u32.pow(attempt)),
                ),
                _ => None,
            };
            match retry {
                Some(wait) => {
                    attempt += 1;
                    tokio::time::sleep(wait).await;
                }
                None => {
                    if let Delivered::Failed(e) = self.finish(&id, outcome).await {
                        tracing::warn!(update_id = %id, error = %e, "update given up");
                    }
                    return;
                }
            }
        }
    }
}
