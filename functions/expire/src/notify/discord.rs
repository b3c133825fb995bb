//! A Discord channel, through `POST /api/v10/channels/{channel}/messages` as the bot.

use super::{NotifyError, delivered};
use secrecy::{ExposeSecret, SecretString};

/// The channel's name in the store's alert records.
pub(super) const CHANNEL: &str = "discord";

/// A Discord channel and the bot that posts to it.
#[derive(Debug, Clone)]
pub struct DiscordChannel {
    /// The bot token.
    pub token: SecretString,
    /// The API base, e.g. `https://discord.com` (no trailing `/`).
    pub api: String,
    /// The channel id.
    pub channel: u64,
}

impl DiscordChannel {
    /// Posts `text` as a message that mentions nobody, whatever a campaign or influencer is
    /// called.
    pub(super) async fn send(&self, http: &reqwest::Client, text: &str) -> Result<(), NotifyError> {
        let sent = http
            .post(format!(
                "{}/api/v10/channels/{}/messages",
                self.api, self.channel
            ))
            .header(
                "authorization",
                format!("Bot {}", self.token.expose_secret()),
            )
            .json(&serde_json::json!({ "content": text, "allowed_mentions": { "parse": [] } }))
            .send()
            .await;
        delivered(CHANNEL, sent)
    }
}
