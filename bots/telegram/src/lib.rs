//! The Telegram bot: followers tap an influencer's deep link, land in a private chat with the
//! seller's bot and get one code, in seconds, privately, attributed to that influencer.
//!
//! - [`TelegramService::router`]: the webhook (`POST /telegram/webhook`,
//!   [`promo_api::routes::TELEGRAM_WEBHOOK`]), for `lambda_http` and the local server alike.
//! - [`TelegramService::poll`]: long polling, for one machine without a public URL.
//! - [`TelegramService::notify_waitlists`]: messages waiting followers when codes open again.
//! - [`options`]: the seller's settings (default campaign, required channel, translations),
//!   [`deep_link`] for influencers' links, [`register_webhook`] for `setWebhook`.
//!
//! Every update takes effect once ([`TelegramService::deliver`]): its `update_id` is recorded
//! with a conditional put before anything happens. Codes are only ever sent to a private chat;
//! codes, the token and the webhook secret never reach a log.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod action;
pub mod builtin;
mod chat;
mod claiming;
pub mod config;
mod invite;
pub mod link;
mod links;
pub mod options;
mod polling;
mod register;
mod send;
mod service;
mod stats;
pub mod texts;
mod waitlist;
mod webhook;

pub use config::{BotToken, ConfigError, TelegramConfig, WebhookSecret, bot_from_env};
pub use link::deep_link;
pub use polling::{ALLOWED_UPDATES, POLL_TIMEOUT_S};
pub use register::{bot_commands, delete_webhook, register_webhook, webhook_url};
pub use send::ProcessError;
pub use service::{Clock, DELIVERY_SOURCE, Delivered, TelegramService, Tuning};
pub use waitlist::{MAX_WAIT_MS, NotifyReport};
pub use webhook::SECRET_HEADER;
