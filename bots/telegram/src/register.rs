//! Registering the bot with Telegram: the webhook (with its secret token and the update kinds
//! the bot handles) and the command menu.

use crate::config::WebhookSecret;
use crate::polling::ALLOWED_UPDATES;
use secrecy::ExposeSecret;
use teloxide::Bot;
use teloxide::RequestError;
use teloxide::payloads::SetWebhookSetters;
use teloxide::prelude::Requester;
use teloxide::types::BotCommand;

/// The webhook URL for a public base URL: `https://host/prefix` → `https://host/prefix/telegram/webhook`
/// (a URL that already ends with the route is kept).
pub fn webhook_url(base: &str) -> Result<reqwest::Url, String> {
    promo_api::routes::TELEGRAM_WEBHOOK
        .public_url(base)
        .map_err(|e| format!("Telegram only delivers webhooks to a public https URL: {e}"))
}

/// The commands shown in the bot's menu.
pub fn bot_commands() -> Vec<BotCommand> {
    vec![
        BotCommand::new("claim", "Get your promo code"),
        BotCommand::new("stats", "Creators: your claims and redemptions"),
        BotCommand::new("links", "Creators: your links and dashboard"),
        BotCommand::new("help", "How to get a code"),
    ]
}

/// Points Telegram at `url` with `secret` as the secret token, asking only for the update
/// kinds the bot handles, and sets the command menu.
pub async fn register_webhook(
    bot: &Bot,
    url: reqwest::Url,
    secret: &WebhookSecret,
) -> Result<(), RequestError> {
    bot.set_webhook(url)
        .secret_token(secret.expose_secret().to_owned())
        .allowed_updates(ALLOWED_UPDATES)
        .await?;
    bot.set_my_commands(bot_commands()).await?;
    Ok(())
}

/// Removes the webhook, so the bot can long-poll (updates Telegram holds are kept).
pub async fn delete_webhook(bot: &Bot) -> Result<(), RequestError> {
    bot.delete_webhook().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls_end_with_the_route_once() {
        let want = "https://example.com/prod/telegram/webhook";
        assert_eq!(
            webhook_url("https://example.com/prod/")
                .map(String::from)
                .as_deref(),
            Ok(want)
        );
        assert_eq!(webhook_url(want).map(String::from).as_deref(), Ok(want));
        assert!(webhook_url("http://example.com").is_err());
        assert!(webhook_url("not a url").is_err());
        for bad in [
            "https://",
            "https:",
            "https://example.com/?a=1",
            "https://example.com/#a",
        ] {
            assert!(webhook_url(bad).is_err(), "{bad:?} accepted");
        }
    }
}
