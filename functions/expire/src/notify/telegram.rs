//! A Telegram chat, through the Bot API's `sendMessage`.

use super::{NotifyError, delivered};
use secrecy::{ExposeSecret, SecretString};

/// The channel's name in the store's alert records.
pub(super) const CHANNEL: &str = "telegram";

/// A Telegram chat and the bot that posts to it.
#[derive(Debug, Clone)]
pub struct TelegramChat {
    /// The bot token.
    pub token: SecretString,
    /// The Bot API base, e.g. `https://api.telegram.org` (no trailing `/`).
    pub api: String,
    /// The chat id (the seller's chat with the bot, or a group).
    pub chat: i64,
}

impl TelegramChat {
    /// Posts `text` as a plain message.
    pub(super) async fn send(&self, http: &reqwest::Client, text: &str) -> Result<(), NotifyError> {
        // The Bot API takes the token in the path; `delivered` keeps it out of any error.
        let url = format!("{}/bot{}/sendMessage", self.api, self.token.expose_secret());
        let sent = http
            .post(url)
            .json(&serde_json::json!({ "chat_id": self.chat, "text": text }))
            .send()
            .await;
        delivered(CHANNEL, sent)
    }
}
