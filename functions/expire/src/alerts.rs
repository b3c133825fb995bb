//! Sends the seller's alerts (see `promo_store::bots::alerts`) to the Telegram chat and the Discord
//! channel they chose, through the platforms' HTTP APIs. Runs after each expire sweep.

use promo_core::Timestamp;
use promo_store::bots::alerts::{Alert, AlertSettings};
use promo_store::{Store, StoreError};
use std::time::Duration;

/// Where alerts go and with which credentials. Tokens never reach a log.
#[derive(Clone, Default)]
pub struct AlertSender {
    /// Telegram bot token and Bot API base (`https://api.telegram.org`).
    pub telegram: Option<(String, String)>,
    /// Discord bot token and API base (`https://discord.com`).
    pub discord: Option<(String, String)>,
}

impl std::fmt::Debug for AlertSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlertSender")
            .field("telegram", &self.telegram.is_some())
            .field("discord", &self.discord.is_some())
            .finish()
    }
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
}

/// What a run sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlertReport {
    /// Alerts delivered.
    pub sent: u32,
    /// Alerts that failed and were re-armed for the next run.
    pub failed: u32,
}

/// Evaluates and sends every due alert on each configured channel.
pub async fn send_alerts(
    store: &Store,
    sender: &AlertSender,
    now: Timestamp,
) -> Result<AlertReport, StoreError> {
    let settings: AlertSettings = store.alert_settings().await?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| StoreError::build(e.without_url()))?;
    let mut report = AlertReport::default();
    if let (Some(chat), Some((token, base))) = (settings.telegram_chat, &sender.telegram) {
        for alert in store.due_alerts("telegram", &settings, now).await? {
            let sent = http
                .post(format!("{base}/bot{token}/sendMessage"))
                .json(&serde_json::json!({ "chat_id": chat, "text": alert.text }))
                .send()
                .await;
            tally(store, "telegram", &alert, sent, &mut report).await?;
        }
    }
    if let (Some(channel), Some((token, base))) = (settings.discord_channel, &sender.discord) {
        for alert in store.due_alerts("discord", &settings, now).await? {
            let sent = http
                .post(format!("{base}/api/v10/channels/{channel}/messages"))
                .header("authorization", format!("Bot {token}"))
                .json(&serde_json::json!({ "content": alert.text, "allowed_mentions": { "parse": [] } }))
                .send()
                .await;
            tally(store, "discord", &alert, sent, &mut report).await?;
        }
    }
    Ok(report)
}

async fn tally(
    store: &Store,
    channel: &str,
    alert: &Alert,
    sent: reqwest::Result<reqwest::Response>,
    report: &mut AlertReport,
) -> Result<(), StoreError> {
    match sent {
        Ok(r) if r.status().is_success() => report.sent += 1,
        other => {
            // reqwest puts the URL (with Telegram's token) into errors: never log it.
            let why = match other {
                Ok(r) => format!("HTTP {}", r.status()),
                Err(e) => e.without_url().to_string(),
            };
            tracing::warn!(channel, alert = %alert.kind, campaign = %alert.campaign, error = %why, "alert not sent; retrying next run");
            store.alert_not_sent(channel, alert).await?;
            report.failed += 1;
        }
    }
    Ok(())
}
