//! `promo discord ...`: set the bot up (its Interactions Endpoint URL, its commands, its invite
//! link; `setup.rs`), register the bot's commands, map a server to an influencer, allow a
//! server to post claim buttons, set a campaign's eligibility rules, creator codes and reply
//! translations, the bot's default campaign, and list the claims credited through typed creator codes.

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use promo_core::{CampaignId, InfluencerId};
use promo_discord::config::{API_URL_ENV, APP_ID_ENV, TOKEN_ENV};
use promo_discord::options::{
    self, AllowedGuild, BotSettings, CampaignOptions, GuildMapping, creator_codes,
};
use promo_discord::texts::parse_translations;
use promo_discord::{DiscordApi, register_commands};
use promo_store::Store;
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::path::PathBuf;

mod setup;

/// A Discord id (snowflake) as Discord writes it: a decimal without leading zeros, not 0.
/// Anything else is refused, so one server or role has exactly one spelling in the settings.
pub fn snowflake(raw: &str) -> Result<u64, String> {
    let canonical = !raw.is_empty()
        && raw.len() <= 20
        && raw.bytes().all(|b| b.is_ascii_digit())
        && !raw.starts_with('0');
    match raw.parse::<u64>() {
        Ok(id) if canonical => Ok(id),
        _ => Err("must be a Discord id: a decimal number without leading zeros".to_owned()),
    }
}

/// `on` or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    /// Turned on.
    On,
    /// Turned off.
    Off,
}

/// The application, its bot token and where its API is, for the commands that call Discord.
#[derive(Debug, Args)]
pub struct DiscordApp {
    /// Register the commands in this server only (instant; global commands can take a while
    /// to show).
    #[arg(long, value_parser = snowflake)]
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
}

impl DiscordApp {
    /// Registers the bot's commands (bulk overwrite) and says where.
    async fn register(&self, token: &SecretString) -> anyhow::Result<()> {
        let api = DiscordApi::for_app(self.app_id, Some(token), self.api_url.as_deref());
        let names = register_commands(api.http(), self.guild)
            .await
            .context("registering the commands with Discord")?;
        let place = self
            .guild
            .map_or("globally".to_owned(), |g| format!("in server {g}"));
        println!("registered {place}: /{}", names.join(", /"));
        Ok(())
    }
}

/// The Discord bot's set-up.
#[derive(Debug, Subcommand)]
pub enum DiscordCommand {
    /// Sets the application's Interactions Endpoint URL to this deployment's through Discord's
    /// API (Discord checks it with a signed PING first, so the endpoint must be up), registers
    /// the slash commands, and prints the link that adds the bot to a server.
    Setup {
        /// The public base URL (the stack's API URL, or the https tunnel in front of `promo
        /// serve`); `/discord/interactions` is appended unless it is there.
        #[arg(long)]
        url: String,
        /// The application.
        #[command(flatten)]
        app: DiscordApp,
    },
    /// Prints the link that adds the bot to a server, with exactly the scopes (`bot`,
    /// `applications.commands`) and permissions (View Channel, Send Messages) it uses.
    Invite {
        /// The application id.
        #[arg(long, env = APP_ID_ENV)]
        app_id: u64,
    },
    /// Registers the bot's slash commands, replacing every command it had (bulk overwrite).
    RegisterCommands {
        /// The application.
        #[command(flatten)]
        app: DiscordApp,
    },
    /// Maps a server (guild) to an influencer: `/claim` there claims from the campaign and
    /// credits the influencer, and its Manage-Server members may post claim buttons for that
    /// campaign and influencer only.
    MapGuild {
        /// The server's id.
        #[arg(long, value_parser = snowflake)]
        guild: u64,
        /// The campaign.
        #[arg(long)]
        campaign: CampaignId,
        /// The influencer credited.
        #[arg(long)]
        influencer: InfluencerId,
    },
    /// Removes a server's mapping: `/claim` there no longer credits its influencer, and the
    /// buttons posted under the mapping stop working.
    UnmapGuild {
        /// The server's id.
        #[arg(long, value_parser = snowflake)]
        guild: u64,
    },
    /// Allows a server's Manage-Server members to post claim buttons (`/claim-button`) for
    /// the campaigns named (any of their influencers); with `--remove`, takes that back (for
    /// the campaigns named, or entirely), which also voids the buttons posted there.
    AllowGuild {
        /// The server's id.
        #[arg(value_parser = snowflake)]
        guild: u64,
        /// A campaign buttons may be posted for (repeat for more; added to those allowed).
        #[arg(long = "campaign")]
        campaigns: Vec<CampaignId>,
        /// Every campaign, present and future.
        #[arg(long, conflicts_with = "campaigns")]
        all_campaigns: bool,
        /// Take the permission back instead.
        #[arg(long, conflicts_with = "all_campaigns")]
        remove: bool,
    },
    /// Lists the servers that may post claim buttons, and the mapped servers.
    Guilds,
    /// Sets who may claim a campaign's codes through Discord, and whether a typed influencer
    /// name credits that influencer (creator codes); with nothing given, shows them.
    Options {
        /// The campaign.
        #[arg(long)]
        campaign: CampaignId,
        /// Minimum account age in days.
        #[arg(long)]
        min_account_age_days: Option<u32>,
        /// A role (id) the claimer must hold.
        #[arg(long, value_parser = snowflake)]
        require_role: Option<u64>,
        /// The only server (id) claims are accepted from.
        #[arg(long, value_parser = snowflake)]
        require_guild: Option<u64>,
        /// Creator codes: `on` lets `/claim influencer:<name>` credit the influencer typed
        /// (such claims are recorded as typed; see `creator-claims`). `off` (the default): only
        /// a signed button or a mapped server credits an influencer.
        #[arg(long, value_enum)]
        creator_codes: Option<Switch>,
        /// Removes every rule first (translations stay).
        #[arg(long)]
        clear: bool,
        /// A JSON file of translations, replacing the campaign's: `{"de": {"sold_out": "...",
        /// ...}, ...}` (message names and placeholders as in `bots/discord/texts/`).
        #[arg(long)]
        translations: Option<PathBuf>,
    },
    /// Lists the claims credited to an influencer because the follower typed their name
    /// (creator codes), with a count per influencer.
    CreatorClaims {
        /// The campaign.
        #[arg(long)]
        campaign: CampaignId,
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
        DiscordCommand::Setup { url, app } => {
            let endpoint = setup::interactions_endpoint(&url)
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("--url {url:?}"))?;
            let token = SecretString::from(app.token.clone());
            let base = app.api_url.as_deref().unwrap_or("https://discord.com");
            setup::set_interactions_endpoint(base, &token, &endpoint).await?;
            println!("interactions endpoint set: {endpoint}");
            app.register(&token).await?;
            println!("add the bot to a server: {}", setup::invite_url(app.app_id));
        }
        DiscordCommand::Invite { app_id } => println!("{}", setup::invite_url(app_id)),
        DiscordCommand::RegisterCommands { app } => {
            app.register(&SecretString::from(app.token.clone())).await?
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
        DiscordCommand::UnmapGuild { guild } => {
            options::remove_guild_mapping(store, guild).await?;
            println!("server {guild}: not mapped to any influencer");
        }
        DiscordCommand::AllowGuild {
            guild,
            campaigns,
            all_campaigns,
            remove,
        } => allow_guild(store, guild, campaigns, all_campaigns, remove).await?,
        DiscordCommand::Guilds => guilds(store).await?,
        DiscordCommand::CreatorClaims { campaign } => creator_claims(store, &campaign).await?,
        DiscordCommand::Options {
            campaign,
            min_account_age_days,
            require_role,
            require_guild,
            creator_codes,
            clear,
            translations,
        } => {
            if store.campaign_context(&campaign).await?.is_none() {
                bail!("no campaign {campaign}");
            }
            let mut rules = options::campaign_options(store, &campaign).await?;
            if clear {
                rules = CampaignOptions {
                    translations: rules.translations,
                    ..CampaignOptions::default()
                };
            }
            if let Some(path) = &translations {
                let json = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                rules.translations = parse_translations(&json)
                    .map_err(anyhow::Error::msg)
                    .with_context(|| format!("in {}", path.display()))?;
            }
            let changed = clear
                || translations.is_some()
                || min_account_age_days.is_some()
                || require_role.is_some()
                || require_guild.is_some()
                || creator_codes.is_some();
            rules.min_account_age_days = min_account_age_days.or(rules.min_account_age_days);
            rules.require_role = require_role.or(rules.require_role);
            rules.require_guild = require_guild.or(rules.require_guild);
            if let Some(switch) = creator_codes {
                rules.creator_codes = switch == Switch::On;
            }
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

async fn allow_guild(
    store: &Store,
    guild: u64,
    campaigns: Vec<CampaignId>,
    all_campaigns: bool,
    remove: bool,
) -> anyhow::Result<()> {
    let mut allowed = options::allowed_guild(store, guild)
        .await?
        .unwrap_or_default();
    if remove {
        if campaigns.is_empty() {
            options::remove_allowed_guild(store, guild).await?;
            println!("server {guild}: may not post claim buttons");
            return Ok(());
        }
        if allowed.all_campaigns {
            bail!(
                "server {guild} is allowed every campaign; remove it entirely (no --campaign) and allow the campaigns it keeps"
            );
        }
        allowed.campaigns.retain(|c| !campaigns.contains(c));
    } else if all_campaigns {
        allowed = AllowedGuild {
            all_campaigns: true,
            campaigns: Vec::new(),
        };
    } else {
        if campaigns.is_empty() {
            bail!("name the campaigns (--campaign, repeatable) or pass --all-campaigns");
        }
        for c in campaigns {
            if store.campaign_context(&c).await?.is_none() {
                bail!("no campaign {c}");
            }
            if !allowed.campaigns.contains(&c) {
                allowed.campaigns.push(c);
            }
        }
    }
    if !allowed.all_campaigns && allowed.campaigns.is_empty() {
        options::remove_allowed_guild(store, guild).await?;
        println!("server {guild}: may not post claim buttons");
        return Ok(());
    }
    options::put_allowed_guild(store, guild, &allowed).await?;
    println!(
        "server {guild}: may post claim buttons for {}",
        describe(&allowed)
    );
    Ok(())
}

fn describe(allowed: &AllowedGuild) -> String {
    if allowed.all_campaigns {
        "every campaign".to_owned()
    } else {
        allowed
            .campaigns
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

async fn guilds(store: &Store) -> anyhow::Result<()> {
    let allowed = options::allowed_guilds(store).await?;
    let mapped = options::guild_mappings(store).await?;
    if allowed.is_empty() && mapped.is_empty() {
        println!(
            "no server may post claim buttons (promo discord allow-guild <guild-id> --campaign <campaign>)"
        );
    }
    for (guild, a) in &allowed {
        println!("server {guild}: may post claim buttons for {}", describe(a));
    }
    for (guild, m) in &mapped {
        println!(
            "server {guild}: mapped; claims from {} credit {} (buttons for that only)",
            m.campaign, m.influencer
        );
    }
    Ok(())
}

async fn creator_claims(store: &Store, campaign: &CampaignId) -> anyhow::Result<()> {
    if store.campaign_context(campaign).await?.is_none() {
        bail!("no campaign {campaign}");
    }
    let rules = options::campaign_options(store, campaign).await?;
    let claims = creator_codes::typed_claims(store, campaign).await?;
    println!(
        "campaign {campaign}: creator codes are {}; {} claims credited through a typed influencer name",
        if rules.creator_codes { "on" } else { "off" },
        claims.len()
    );
    let mut per: BTreeMap<String, u32> = BTreeMap::new();
    for c in &claims {
        *per.entry(c.influencer.to_string()).or_default() += 1;
    }
    for (influencer, n) in per {
        println!("  {influencer}: {n} typed");
    }
    Ok(())
}
