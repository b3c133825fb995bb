//! The bot's settings documents, kept in the table through the store's settings: what the CLI
//! writes and the bot reads (cached 2 s per process).
//!
//! | scope                  | name         | document               |
//! |------------------------|--------------|------------------------|
//! | `campaign:<id>`        | `discord`    | [`CampaignOptions`]    |
//! | `discord-guild`        | `<guild id>` | [`GuildMapping`]       |
//! | `discord-seller-guild` | `<guild id>` | [`AllowedGuild`]       |
//! | `discord`              | `bot`        | [`BotSettings`]        |
//!
//! Guild ids are always written from a parsed `u64` (`to_string`), so one server has exactly
//! one name here.

pub mod creator_codes;

use crate::texts::Messages;
use promo_core::{CampaignId, InfluencerId};
use promo_store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The scope of a campaign's bot options.
pub fn campaign_scope(campaign: &CampaignId) -> String {
    format!("campaign:{campaign}")
}

/// The name of a campaign's Discord options within [`campaign_scope`].
pub const CAMPAIGN_OPTIONS_NAME: &str = "discord";
/// The scope of guild mappings; the document's name is the guild id.
pub const GUILD_SCOPE: &str = "discord-guild";
/// The scope of servers the seller allowed to post claim buttons; the name is the guild id.
pub const SELLER_GUILD_SCOPE: &str = "discord-seller-guild";
/// The scope of the bot's own settings.
pub const BOT_SCOPE: &str = "discord";
/// The name of the bot's own settings within [`BOT_SCOPE`].
pub const BOT_NAME: &str = "bot";

/// Who may claim a campaign's codes through Discord. Every field is optional; an absent
/// document means everybody.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignOptions {
    /// The claimer's Discord account must be at least this many days old (from its snowflake).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_account_age_days: Option<u32>,
    /// The claimer must hold this role (id) in the server they claim from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_role: Option<u64>,
    /// Claims are accepted only from this server (guild id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_guild: Option<u64>,
    /// "Creator codes": `/claim influencer:<name>` may credit the influencer the follower
    /// types. Off by default: then only a signed button or a mapped server credits anyone,
    /// because a typed name is the follower's choice, not the seller's. Claims credited this
    /// way are recorded as such ([`creator_codes`](crate::options::creator_codes)).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub creator_codes: bool,
    /// The seller's replies by language (`de`, `pt-br`, ...): each replaces the built-in and
    /// English texts it sets ([`crate::texts`]). Presentation, not a rule.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<String, Messages>,
}

/// A server (guild) that belongs to an influencer: `/claim` there claims from `campaign`,
/// attributed to `influencer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuildMapping {
    /// The campaign claimed in this server.
    pub campaign: CampaignId,
    /// The influencer credited with claims made in this server.
    pub influencer: InfluencerId,
}

/// A server the seller allowed to post claim buttons (`/claim-button`), for which campaigns.
/// Any influencer of an allowed campaign may be named on a button there.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedGuild {
    /// Every campaign, present and future.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all_campaigns: bool,
    /// These campaigns (when not [`AllowedGuild::all_campaigns`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub campaigns: Vec<CampaignId>,
}

impl AllowedGuild {
    /// Whether buttons for `campaign` may be posted in this server.
    pub fn allows(&self, campaign: &CampaignId) -> bool {
        self.all_campaigns || self.campaigns.contains(campaign)
    }
}

/// The bot's own settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BotSettings {
    /// The campaign `/claim` uses outside mapped servers when none is named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_campaign: Option<CampaignId>,
}

/// A campaign's Discord options (the defaults when none are stored).
pub async fn campaign_options(
    store: &Store,
    campaign: &CampaignId,
) -> Result<CampaignOptions, StoreError> {
    Ok(store
        .get_setting(&campaign_scope(campaign), CAMPAIGN_OPTIONS_NAME)
        .await?
        .unwrap_or_default())
}

/// Stores a campaign's Discord options.
pub async fn put_campaign_options(
    store: &Store,
    campaign: &CampaignId,
    options: &CampaignOptions,
) -> Result<(), StoreError> {
    store
        .put_setting(&campaign_scope(campaign), CAMPAIGN_OPTIONS_NAME, options)
        .await
}

/// The mapping of guild `guild`, if any.
pub async fn guild_mapping(store: &Store, guild: u64) -> Result<Option<GuildMapping>, StoreError> {
    store.get_setting(GUILD_SCOPE, &guild.to_string()).await
}

/// Maps guild `guild` to an influencer of a campaign.
pub async fn put_guild_mapping(
    store: &Store,
    guild: u64,
    mapping: &GuildMapping,
) -> Result<(), StoreError> {
    store
        .put_setting(GUILD_SCOPE, &guild.to_string(), mapping)
        .await
}

/// Every mapped guild, by id (uncached, for listings).
pub async fn guild_mappings(store: &Store) -> Result<Vec<(String, GuildMapping)>, StoreError> {
    store.list_settings(GUILD_SCOPE).await
}

/// Removes guild `guild`'s mapping (absent is fine).
pub async fn remove_guild_mapping(store: &Store, guild: u64) -> Result<(), StoreError> {
    store.delete_setting(GUILD_SCOPE, &guild.to_string()).await
}

/// What guild `guild` may post claim buttons for, if the seller allowed it at all.
pub async fn allowed_guild(store: &Store, guild: u64) -> Result<Option<AllowedGuild>, StoreError> {
    store
        .get_setting(SELLER_GUILD_SCOPE, &guild.to_string())
        .await
}

/// Allows guild `guild` to post claim buttons for what `allowed` names.
pub async fn put_allowed_guild(
    store: &Store,
    guild: u64,
    allowed: &AllowedGuild,
) -> Result<(), StoreError> {
    store
        .put_setting(SELLER_GUILD_SCOPE, &guild.to_string(), allowed)
        .await
}

/// Takes back guild `guild`'s permission to post claim buttons (absent is fine). Buttons
/// already posted there keep working: they are signed; rotate the link secret to void them.
pub async fn remove_allowed_guild(store: &Store, guild: u64) -> Result<(), StoreError> {
    store
        .delete_setting(SELLER_GUILD_SCOPE, &guild.to_string())
        .await
}

/// Every allowed guild, by id (uncached, for listings).
pub async fn allowed_guilds(store: &Store) -> Result<Vec<(String, AllowedGuild)>, StoreError> {
    store.list_settings(SELLER_GUILD_SCOPE).await
}

/// The bot's settings (the defaults when none are stored).
pub async fn bot_settings(store: &Store) -> Result<BotSettings, StoreError> {
    Ok(store
        .get_setting(BOT_SCOPE, BOT_NAME)
        .await?
        .unwrap_or_default())
}

/// Stores the bot's settings.
pub async fn put_bot_settings(store: &Store, settings: &BotSettings) -> Result<(), StoreError> {
    store.put_setting(BOT_SCOPE, BOT_NAME, settings).await
}
