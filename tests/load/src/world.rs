//! Everything one run needs, on loopback: the embedded engine, the fault proxy in front of it,
//! a campaign with codes and influencers, the three real handlers on the faulty store, and the
//! fake platforms they talk to.

use crate::options::LoadOptions;
use crate::platforms::FakePlatform;
use anyhow::{Context, Result};
use ed25519_dalek::SigningKey;
use promo_api::ApiKey;
use promo_core::{CampaignId, InfluencerId, LinkKey, NewCampaign, PromoCode};
use promo_discord::{DiscordConfig, DiscordService};
use promo_issue::IssueService;
use promo_store::Store;
use promo_store::table::engine::{EmbeddedEngine, client_for};
use promo_telegram::{TelegramConfig, TelegramService, Tuning};
use promo_testkit::fixtures;
use promo_testkit::proxy::{FaultRates, Faults, StoreProxy};
use std::sync::Arc;
use std::time::Duration;

/// The table name.
pub const TABLE: &str = "promo";
/// The campaign every follower claims from.
pub const CAMPAIGN: &str = "load";
/// The group code of a `--group` run.
pub const GROUP_CODE: &str = "LOAD-GROUP-CODE";
/// The API key the harness sends.
pub const API_KEY: &str = "load-api-key-0123456789";
/// The Discord application id.
pub const DISCORD_APP_ID: u64 = 900_000_000_000_000_777;
/// The Discord server whose claim buttons followers press (the seller allowed it).
pub const DISCORD_GUILD: u64 = 900_000_000_000_000_555;
/// The Telegram webhook secret.
pub const TELEGRAM_SECRET: &str = "load_webhook_secret-0123";
/// The Telegram bot token (sent to the fake Bot API only; never printed).
pub const TELEGRAM_TOKEN: &str = "123456:LOAD-token";
/// The Telegram bot's username.
pub const TELEGRAM_BOT: &str = "promo_load_bot";
/// The key that signs Telegram deep links.
pub const LINK_SECRET: &str = "load-link-secret-0123456789";

/// The influencers followers come through, with their quota as a share of the pool
/// (`None`: no quota, the open lane). Followers without one claim directly.
pub const INFLUENCERS: [(&str, Option<f64>); 3] =
    [("alice", Some(0.2)), ("bob", Some(0.1)), ("carol", None)];

/// The running world.
pub struct World {
    /// The engine; every store reaches it over loopback HTTP.
    pub engine: EmbeddedEngine,
    /// The faults the proxy injects (and their counts).
    pub faults: Arc<Faults>,
    /// The fault proxy in front of the engine.
    pub proxy: StoreProxy,
    /// A store straight on the engine, for setting up and auditing.
    pub direct: Store,
    /// The campaign.
    pub campaign: CampaignId,
    /// The API's claim handler (its own store handle through the proxy, as its own Lambda).
    pub api: IssueService,
    /// The Discord interactions endpoint (its own store handle through the proxy).
    pub discord: DiscordService,
    /// The Telegram webhook (its own store handle through the proxy).
    pub telegram: TelegramService,
    /// The fake Telegram Bot API.
    pub telegram_api: FakePlatform,
    /// The fake Discord API (for deferred replies).
    pub discord_api: FakePlatform,
    /// The Discord application's key pair, made at start.
    pub signing: SigningKey,
    /// The deep-link key.
    pub link_key: LinkKey,
    /// The store handles the handlers use, for their round-trip counters.
    pub handler_stores: Vec<Store>,
}

impl World {
    /// Starts the engine and the proxy, sets up the campaign, builds the handlers on stores
    /// through the proxy. Faults are off until [`World::faults_on`].
    pub async fn start(options: &LoadOptions) -> Result<Self> {
        Self::build(options, true).await
    }

    /// Like [`World::start`], but the handlers' stores talk to the engine directly (no proxy
    /// hop, no faults): for throughput measurements.
    pub async fn direct(options: &LoadOptions) -> Result<Self> {
        Self::build(options, false).await
    }

    async fn build(options: &LoadOptions, through_proxy: bool) -> Result<Self> {
        let engine = EmbeddedEngine::memory()
            .await
            .context("starting the engine")?;
        let direct = Store::new(client_for(engine.endpoint()), TABLE);
        direct.ensure_table().await.context("creating the table")?;
        let pool = options.pool();
        let new = NewCampaign {
            shards: 16,
            ..fixtures::campaign(CAMPAIGN, fixtures::HOUR_MS)
        };
        let campaign = if options.group {
            let campaign = fixtures::campaign_with_codes(&direct, new, 0).await;
            direct
                .create_group_code(
                    &campaign,
                    &PromoCode::parse(GROUP_CODE)?,
                    pool as u32,
                    None,
                    promo_core::Timestamp::now(),
                    &|_| {},
                )
                .await
                .context("creating the group code")?;
            campaign
        } else {
            fixtures::campaign_with_codes(&direct, new, pool).await
        };
        for (name, share) in INFLUENCERS {
            let quota = share.map(|s| ((pool as f64 * s) as u32).max(1));
            direct
                .add_influencer(&campaign, InfluencerId::parse(name)?, name, quota)
                .await
                .with_context(|| format!("adding influencer {name}"))?;
        }

        // Influencer claims on Discord come from claim buttons posted in this server.
        promo_discord::options::put_allowed_guild(
            &direct,
            DISCORD_GUILD,
            &promo_discord::options::AllowedGuild {
                all_campaigns: false,
                campaigns: vec![campaign.clone()],
            },
        )
        .await
        .context("allowing the Discord server")?;

        let faults = Arc::new(
            Faults::new(FaultRates::spread(options.fault_rate)).seeded(options.seed ^ 0xfa17),
        );
        faults.set_enabled(false);
        let proxy = if options.contention {
            StoreProxy::with_contention(engine.endpoint(), faults.clone()).await
        } else {
            StoreProxy::faulty(engine.endpoint(), faults.clone()).await
        };
        let handler_stores: Vec<Store> = (0..3)
            .map(|_| {
                if through_proxy {
                    proxy.store(TABLE)
                } else {
                    Store::new(client_for(engine.endpoint()), TABLE)
                }
            })
            .collect();

        let api = IssueService::new(handler_stores[0].clone(), ApiKey::new(API_KEY)?);

        let signing = SigningKey::from_bytes(&rand::random::<[u8; 32]>());
        let discord_api = FakePlatform::discord().await?;
        let mut discord_config = DiscordConfig::new(
            &hex::encode(signing.verifying_key().to_bytes()),
            DISCORD_APP_ID,
            LINK_SECRET.as_bytes(),
        )?;
        discord_config.api_url = Some(discord_api.url.clone());
        let discord = DiscordService::new(handler_stores[1].clone(), discord_config);

        let telegram_api = FakePlatform::telegram().await?;
        let url = telegram_api.url.clone();
        let telegram_config = TelegramConfig::from_vars(|name| {
            Some(
                match name {
                    "PROMO_TELEGRAM_TOKEN" => TELEGRAM_TOKEN,
                    "PROMO_TELEGRAM_SECRET" => TELEGRAM_SECRET,
                    "PROMO_TELEGRAM_BOT" => TELEGRAM_BOT,
                    "PROMO_TELEGRAM_API_URL" => url.as_str(),
                    "PROMO_LINK_SECRET" => LINK_SECRET,
                    _ => return None,
                }
                .to_owned(),
            )
        })?;
        let link_key = telegram_config.link_key.clone();
        let telegram = TelegramService::new(handler_stores[2].clone(), telegram_config)
            .with_tuning(telegram_tuning());

        Ok(Self {
            engine,
            faults,
            proxy,
            direct,
            campaign,
            api,
            discord,
            telegram,
            telegram_api,
            discord_api,
            signing,
            link_key,
            handler_stores,
        })
    }

    /// Starts injecting faults.
    pub fn faults_on(&self) {
        self.faults.set_enabled(true);
    }

    /// Stops injecting faults (for the audit).
    pub fn faults_off(&self) {
        self.faults.set_enabled(false);
    }
}

/// The Telegram bot's timings in the harness: Telegram's own redelivery waits are minutes, so
/// the lease that lets a redelivery take over a dead attempt is shortened to keep runs short.
/// The lease stays longer than the deadline, as in production.
pub fn telegram_tuning() -> Tuning {
    Tuning {
        lease: Duration::from_secs(6),
        deadline: Duration::from_secs(5),
        ..Tuning::default()
    }
}
