//! `promo telegram ...`: registering the bot's webhook and setting its campaign options.

use anyhow::Context;
use clap::Subcommand;
use promo_core::CampaignId;
use promo_store::Store;
use promo_telegram::options::{self, parse_channel, parse_translations};
use promo_telegram::{WebhookSecret, bot_from_env, delete_webhook, register_webhook, webhook_url};
use secrecy::ExposeSecret;
use std::path::PathBuf;

/// The Telegram bot's admin commands.
#[derive(Debug, Subcommand)]
pub enum TelegramCommand {
    /// Points Telegram at this deployment's webhook, with a secret token, and sets the bot's
    /// command menu. Needs PROMO_TELEGRAM_TOKEN.
    SetWebhook {
        /// The public base URL (`/telegram/webhook` is appended), e.g. the HTTP API's URL.
        #[arg(long)]
        url: String,
        /// The secret token; a fresh random one is generated when not given.
        #[arg(long, env = "PROMO_TELEGRAM_SECRET", hide_env_values = true)]
        secret: Option<String>,
    },
    /// Removes the webhook (so `promo serve` can long-poll instead).
    DeleteWebhook,
    /// Makes a campaign the one `/start` without a link and `/claim` hand codes out for.
    SetDefault {
        /// The campaign.
        #[arg(long, value_parser = CampaignId::parse)]
        campaign: CampaignId,
    },
    /// Sets a campaign's Telegram options; options not given stay as they are.
    Options {
        /// The campaign.
        #[arg(long, value_parser = CampaignId::parse)]
        campaign: CampaignId,
        /// A channel followers must be members of (`@name` or `-100...`); the bot must be an
        /// administrator of it.
        #[arg(long, conflicts_with = "no_required_channel")]
        require_channel: Option<String>,
        /// Drops the channel requirement.
        #[arg(long)]
        no_required_channel: bool,
        /// A JSON file of translations: `{"de": {"sold_out": "...", ...}, ...}`.
        #[arg(long)]
        translations: Option<PathBuf>,
    },
}

/// Runs a Telegram subcommand.
pub async fn run(store: &Store, cmd: TelegramCommand) -> anyhow::Result<()> {
    match cmd {
        TelegramCommand::SetWebhook { url, secret } => {
            let bot = bot_from_env().context("the bot's configuration")?;
            let url = webhook_url(&url).map_err(anyhow::Error::msg)?;
            let secret = match secret {
                Some(s) => WebhookSecret::new(&s).context("the secret token")?,
                None => WebhookSecret::generate(),
            };
            register_webhook(&bot, url.clone(), &secret)
                .await
                .map_err(|e| anyhow::anyhow!(redact(&e.to_string())))
                .context("setWebhook")?;
            println!("webhook set: {url}");
            println!(
                "store this secret as {} for the webhook handler:",
                promo_telegram::config::SECRET_ENV
            );
            println!("{}", secret.expose_secret());
        }
        TelegramCommand::DeleteWebhook => {
            let bot = bot_from_env().context("the bot's configuration")?;
            delete_webhook(&bot)
                .await
                .map_err(|e| anyhow::anyhow!(redact(&e.to_string())))
                .context("deleteWebhook")?;
            println!("webhook removed; `promo serve` can long-poll now");
        }
        TelegramCommand::SetDefault { campaign } => {
            store
                .get_campaign(&campaign)
                .await
                .context("reading the campaign")?
                .with_context(|| format!("no campaign {campaign}"))?;
            options::set_default_campaign(store, &campaign)
                .await
                .context("saving the bot's settings")?;
            println!("/start and /claim now hand out codes of {campaign}");
        }
        TelegramCommand::Options {
            campaign,
            require_channel,
            no_required_channel,
            translations,
        } => {
            store
                .get_campaign(&campaign)
                .await
                .context("reading the campaign")?
                .with_context(|| format!("no campaign {campaign}"))?;
            let mut opts = options::campaign_options(store, &campaign)
                .await
                .context("reading the campaign's options")?;
            if let Some(channel) = require_channel {
                opts.required_channel = Some(parse_channel(&channel)?);
            }
            if no_required_channel {
                opts.required_channel = None;
            }
            if let Some(path) = translations {
                let json = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                opts.translations =
                    parse_translations(&json).with_context(|| format!("in {}", path.display()))?;
            }
            options::put_campaign_options(store, &campaign, &opts)
                .await
                .context("saving the campaign's options")?;
            match &opts.required_channel {
                Some(c) => println!("{campaign}: followers must be members of {c}"),
                None => println!("{campaign}: no channel membership required"),
            }
            let langs: Vec<&str> = opts.translations.keys().map(String::as_str).collect();
            if langs.is_empty() {
                println!("{campaign}: replies in English");
            } else {
                println!("{campaign}: translations for {}", langs.join(", "));
            }
            // A channel rule closes the platforms without rules when the campaign lists none.
            let policy = store
                .platform_policy(&campaign)
                .await
                .context("reading the campaign's platforms")?;
            println!("{campaign}: {policy}");
        }
    }
    Ok(())
}

// Bot API errors can carry the request URL, which carries the token.
fn redact(text: &str) -> String {
    match std::env::var(promo_telegram::config::TOKEN_ENV) {
        Ok(token) if !token.trim().is_empty() => text.replace(token.trim(), "<token>"),
        _ => text.to_owned(),
    }
}
