//! `promo discord ...`: register the bot's commands, map a server to an influencer, set a
//! campaign's eligibility rules and the bot's default campaign.

use anyhow::{Context, bail};
use clap::Subcommand;
use promo_core::{CampaignId, InfluencerId};
use promo_discord::config::{API_URL_ENV, APP_ID_ENV, Secret, TOKEN_ENV};
use promo_discord::options::{self, BotSettings, CampaignOptions, GuildMapping};
use promo_discord::{DiscordApi, register_commands};
use promo_store::Store;

/// The Discord bot's set-up.
#[derive(Debug, Subcommand)]
pub enum DiscordCommand {
    /// Registers the bot's slash commands, replacing every command it had (bulk overwrite).
    RegisterCommands {
        /// Register in this server only (instant; global commands can take a while to show).
        #[arg(long)]
        guild: Option<u64>,
        /// The application id.
        #[arg(long, env = APP_ID_ENV)]
        app_id: u64,
        /// The bot token.
        #[arg(long, env = TOKEN_ENV, hide_env_values = true)]
        token: String,
        /// Another Discord API base (tests).
        #[arg(long, env = API_URL_ENV)]
        api_url: Option<String>,
    },
    /// Maps a server (guild) to an influencer: `/claim` there claims from the campaign and
    /// credits the influencer.
    MapGuild {
        /// The server's id.
        #[arg(long)]
        guild: u64,
        /// The campaign.
        #[arg(long)]
        campaign: CampaignId,
        /// The influencer credited.
        #[arg(long)]
        influencer: InfluencerId,
    },
    /// Sets who may claim a campaign's codes through Discord; with no rule given, shows them.
    Options {
        /// The campaign.
        #[arg(long)]
        campaign: CampaignId,
        /// Minimum account age in days.
        #[arg(long)]
        min_account_age_days: Option<u32>,
        /// A role (id) the claimer must hold.
        #[arg(long)]
        require_role: Option<u64>,
        /// The only server (id) claims are accepted from.
        #[arg(long)]
        require_guild: Option<u64>,
        /// Removes every rule first.
        #[arg(long)]
        clear: bool,
    },
    /// Sets the campaign `/claim` uses outside mapped servers when none is named.
    DefaultCampaign {
        /// The campaign (omit to unset).
        #[arg(long)]
        campaign: Option<CampaignId>,
    },
}

/// Runs one `promo discord` command.
pub async fn run(store: &Store, cmd: DiscordCommand) -> anyhow::Result<()> {
    match cmd {
        DiscordCommand::RegisterCommands {
            guild,
            app_id,
            token,
            api_url,
        } => {
            let api = DiscordApi::for_app(app_id, Some(&Secret::new(token)), api_url.as_deref());
            let names = register_commands(api.http(), guild)
                .await
                .context("registering the commands with Discord")?;
            let place = guild.map_or("globally".to_owned(), |g| format!("in server {g}"));
            println!("registered {place}: /{}", names.join(", /"));
        }
        DiscordCommand::MapGuild {
            guild,
            campaign,
            influencer,
        } => {
            let ctx = store
                .campaign_context(&campaign)
                .await?
                .with_context(|| format!("no campaign {campaign}"))?;
            if !influencer.is_direct() && !ctx.influencers.contains_key(&influencer) {
                bail!("no influencer {influencer} in campaign {campaign}");
            }
            let mapping = GuildMapping {
                campaign,
                influencer,
            };
            options::put_guild_mapping(store, guild, &mapping).await?;
            println!(
                "server {guild}: claims from {} credit {}",
                mapping.campaign, mapping.influencer
            );
        }
        DiscordCommand::Options {
            campaign,
            min_account_age_days,
            require_role,
            require_guild,
            clear,
        } => {
            if store.campaign_context(&campaign).await?.is_none() {
                bail!("no campaign {campaign}");
            }
            let mut rules = if clear {
                CampaignOptions::default()
            } else {
                options::campaign_options(store, &campaign).await?
            };
            let changed = clear
                || min_account_age_days.is_some()
                || require_role.is_some()
                || require_guild.is_some();
            rules.min_account_age_days = min_account_age_days.or(rules.min_account_age_days);
            rules.require_role = require_role.or(rules.require_role);
            rules.require_guild = require_guild.or(rules.require_guild);
            if changed {
                options::put_campaign_options(store, &campaign, &rules).await?;
            }
            println!("{}", serde_json::to_string_pretty(&rules)?);
        }
        DiscordCommand::DefaultCampaign { campaign } => {
            if let Some(c) = &campaign
                && store.campaign_context(c).await?.is_none()
            {
                bail!("no campaign {c}");
            }
            options::put_bot_settings(
                store,
                &BotSettings {
                    default_campaign: campaign.clone(),
                },
            )
            .await?;
            match campaign {
                Some(c) => println!("/claim defaults to campaign {c}"),
                None => println!("/claim has no default campaign"),
            }
        }
    }
    Ok(())
}
