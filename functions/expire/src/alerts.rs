//! The seller's alerts (see `promo_store::bots::alerts`): which are due and on which channel, sent
//! through [`crate::notify`] to the Telegram chat and the Discord channel the seller chose, and
//! re-armed when a send fails; then each bound influencer's own (codes running low, all
//! claimed) to their Telegram chat with the bot. Runs after each expire sweep.

use crate::notify::{Destination, DiscordChannel, Notifier, NotifyError, TelegramChat};
use promo_core::{Platform, Timestamp};
use promo_store::bots::alerts::{Alert, AlertSettings};
use promo_store::{Store, StoreError};
use secrecy::SecretString;

/// Where alerts go and with which credentials. Tokens never reach a log.
#[derive(Debug, Clone, Default)]
pub struct AlertSender {
    /// Telegram bot token and Bot API base (`https://api.telegram.org`).
    pub telegram: Option<(SecretString, String)>,
    /// Discord bot token and API base (`https://discord.com`).
    pub discord: Option<(SecretString, String)>,
}

impl AlertSender {
    /// From the bots' variables (`PROMO_TELEGRAM_TOKEN`, `PROMO_TELEGRAM_API_URL`,
    /// `PROMO_DISCORD_TOKEN`, `PROMO_DISCORD_API_URL`), read through `var` (the secrets).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let base = |name: &str, default: &str| {
            var(name)
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| default.to_owned())
                .trim()
                .trim_end_matches('/')
                .to_owned()
        };
        let token = |name: &str| {
            var(name)
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .map(SecretString::from)
        };
        Self {
            telegram: token("PROMO_TELEGRAM_TOKEN").map(|t| {
                (
                    t,
                    base("PROMO_TELEGRAM_API_URL", "https://api.telegram.org"),
                )
            }),
            discord: token("PROMO_DISCORD_TOKEN")
                .map(|t| (t, base("PROMO_DISCORD_API_URL", "https://discord.com"))),
        }
    }

    /// The places the seller chose that this sender has credentials for: Telegram first.
    pub fn destinations(&self, settings: &AlertSettings) -> Vec<Destination> {
        let telegram = match (settings.telegram_chat, &self.telegram) {
            (Some(chat), Some((token, api))) => Some(Destination::Telegram(TelegramChat {
                token: token.clone(),
                api: api.clone(),
                chat,
            })),
            _ => None,
        };
        let discord = match (settings.discord_channel, &self.discord) {
            (Some(channel), Some((token, api))) => Some(Destination::Discord(DiscordChannel {
                token: token.clone(),
                api: api.clone(),
                channel,
            })),
            _ => None,
        };
        telegram.into_iter().chain(discord).collect()
    }
}

/// What a run sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlertReport {
    /// Alerts delivered.
    pub sent: u32,
    /// Alerts that failed and were re-armed for the next run.
    pub failed: u32,
}

/// Why a run could not evaluate or send its alerts at all. One alert that fails to send is no
/// error: it is counted in [`AlertReport::failed`] and re-armed.
#[derive(Debug, thiserror::Error)]
pub enum AlertsError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Nothing could be sent (the HTTP client could not be built).
    #[error(transparent)]
    Notify(#[from] NotifyError),
}

/// Evaluates and sends every due alert on each configured channel.
pub async fn send_alerts(
    store: &Store,
    sender: &AlertSender,
    now: Timestamp,
) -> Result<AlertReport, AlertsError> {
    let settings: AlertSettings = store.alert_settings().await?;
    let notifier = Notifier::new()?;
    let mut report = AlertReport::default();
    // Every campaign, read once for the seller's channels and the influencers' chats.
    let contexts = store.list_contexts().await?;
    for to in sender.destinations(&settings) {
        for alert in store
            .due_alerts(&contexts, to.channel(), &settings, now)
            .await?
        {
            let sent = notifier.send(&to, &alert.text).await;
            tally(store, to.channel(), &alert, sent, &mut report).await?;
        }
    }
    // The influencers' own alerts, in their private chat with the bot. Only Telegram: a
    // Discord user has no chat with the bot until a DM channel is opened, which the bot does
    // not do yet.
    if let Some((token, api)) = &sender.telegram {
        for due in store.due_influencer_alerts(&contexts, now).await? {
            let chat = match due.account.platform {
                Platform::Telegram => due.account.user_id.as_str().parse::<i64>().ok(),
                _ => None,
            };
            let Some(chat) = chat else { continue };
            let to = Destination::Telegram(TelegramChat {
                token: token.clone(),
                api: api.clone(),
                chat,
            });
            let sent = notifier.send(&to, &due.alert.text).await;
            tally(store, &due.channel, &due.alert, sent, &mut report).await?;
        }
    }
    Ok(report)
}

async fn tally(
    store: &Store,
    channel: &str,
    alert: &Alert,
    sent: Result<(), NotifyError>,
    report: &mut AlertReport,
) -> Result<(), StoreError> {
    match sent {
        Ok(()) => report.sent += 1,
        Err(e) => {
            tracing::warn!(channel, alert = %alert.kind, campaign = %alert.campaign, error = %e.chain(), "alert not sent; retrying next run");
            store.alert_not_sent(channel, alert).await?;
            report.failed += 1;
        }
    }
    Ok(())
}
