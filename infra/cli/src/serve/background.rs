//! The one-machine server's background work: the expire sweep with the seller's alerts, the
//! waitlist notifier, Telegram long polling; each kept running by [`supervise`].

use crate::service::sweep_all;
use promo_core::Timestamp;
use promo_store::Store;
use promo_telegram::TelegramService;
use std::future::Future;
use std::time::Duration;

/// How often the background sweep runs.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// The pause before a task that panicked is started again.
const RESTART_AFTER: Duration = Duration::from_secs(1);

/// Runs the task `start` makes, and starts it again (after [`RESTART_AFTER`]) whenever it
/// panics: one bad update must not silence the bot for everyone, nor one bad campaign stop the
/// sweep. Returns when the task ends on its own or is cancelled.
pub async fn supervise<F, Fut>(name: &'static str, mut start: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    loop {
        match tokio::spawn(start()).await {
            Err(e) if e.is_panic() => {
                // The panic hook logged where; the message may quote input, so it stays out.
                tracing::error!(task = name, "a background task panicked; restarting it");
                tokio::time::sleep(RESTART_AFTER).await;
            }
            _ => return,
        }
    }
}

/// How often the waitlist notifier runs.
const NOTIFY_EVERY: Duration = Duration::from_secs(60);

/// Tells waiting followers that codes are open again, every minute.
pub async fn notify_forever(telegram: TelegramService) {
    let mut tick = tokio::time::interval(NOTIFY_EVERY);
    loop {
        tick.tick().await;
        match telegram.notify_waitlists(Timestamp::now()).await {
            Ok(r) if r.notified > 0 => tracing::info!(notified = r.notified, "waitlist notified"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "waitlist notifier failed; retrying next minute"),
        }
    }
}

/// Sends the seller's alerts and runs the expire sweep, every minute.
pub async fn sweep_forever(store: Store) {
    let alerts = promo_expire::alerts::AlertSender::from_vars(|name| std::env::var(name).ok());
    let mut tick = tokio::time::interval(SWEEP_EVERY);
    loop {
        tick.tick().await;
        match promo_expire::alerts::send_alerts(&store, &alerts, Timestamp::now()).await {
            Ok(a) if a.sent + a.failed > 0 => {
                tracing::info!(sent = a.sent, failed = a.failed, "seller alerts")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "seller alerts failed; retrying next minute"),
        }
        match sweep_all(&store, Timestamp::now()).await {
            Ok(0) => {}
            Ok(retired) => tracing::info!(retired, "expire sweep retired unissued codes"),
            Err(e) => tracing::warn!(
                error = format!("{e:#}"),
                "expire sweep failed; retrying next minute"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn a_task_that_panics_is_started_again() {
        let runs = Arc::new(AtomicU32::new(0));
        let counted = runs.clone();
        tokio::time::timeout(
            Duration::from_secs(10),
            supervise("test", move || {
                let runs = counted.clone();
                async move {
                    if runs.fetch_add(1, Ordering::SeqCst) < 2 {
                        panic!("injected");
                    }
                }
            }),
        )
        .await
        .expect("the supervisor returns once the task ends on its own");
        assert_eq!(runs.load(Ordering::SeqCst), 3);
    }
}
