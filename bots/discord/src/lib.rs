//! The Discord bot: an HTTP interactions endpoint (`POST /discord/interactions`) that hands a
//! follower their promo code in an ephemeral reply, from `/claim` or an influencer's claim
//! button, within Discord's 3-second deadline.
//!
//! Layout: [`service`] verifies ([`signature`]), parses and answers under a time budget;
//! [`claim`], [`stats`] and [`seller`] are the commands; [`eligibility`] and [`options`] are the
//! per-campaign rules and the settings documents the CLI writes; [`replies`] is every text the
//! bot says, in the follower's language ([`texts`], [`builtin`]); [`commands`] defines and
//! registers the commands; [`discord_api`] calls Discord (follow-up edits, registration)
//! through serenity's client.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod builtin;
pub mod claim;
pub mod commands;
pub mod config;
pub mod discord_api;
pub mod eligibility;
pub mod join;
pub mod options;
pub mod replies;
pub mod seller;
pub mod service;
pub mod signature;
pub mod stats;
pub mod texts;

pub use commands::register_commands;
pub use config::DiscordConfig;
pub use discord_api::DiscordApi;
pub use service::{DiscordService, FollowUp, FollowUps, Handled};
