//! The command line: clap types only.

use clap::{Args, Parser, Subcommand};
use promo_core::{CampaignId, InfluencerId, Platform};
use std::net::IpAddr;
use std::path::PathBuf;

/// `promo`: run promo-code campaigns from one machine or against a DynamoDB table.
#[derive(Debug, Parser)]
#[command(name = "promo", version, about)]
pub struct Cli {
    /// The embedded engine's data file (`:memory:` for none). Ignored when PROMO_TABLE names a
    /// DynamoDB table.
    #[arg(long, global = true, env = "PROMO_DATA", default_value = promo_store::table::config::DEFAULT_DATA_FILE)]
    pub data: String,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a viral campaign end to end on a fresh in-memory store and check every invariant.
    Demo(DemoArgs),
    /// Serve the claim and redemption API over HTTP with the same handlers as on Lambda.
    Serve(ServeArgs),
    /// Create, list, show and change campaigns.
    #[command(subcommand)]
    Campaign(CampaignCommand),
    /// Import or generate promo codes.
    #[command(subcommand)]
    Codes(CodesCommand),
    /// Register and list influencers.
    #[command(subcommand)]
    Influencer(InfluencerCommand),
    /// A campaign's numbers per influencer.
    Stats(StatsArgs),
    /// Export a campaign's claims.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Amazon order reports: credit influencers with sales.
    #[command(subcommand)]
    Orders(OrdersCommand),
    /// Manage the DynamoDB table.
    #[command(subcommand)]
    Table(TableCommand),
    /// The Telegram bot: webhook, default campaign, campaign options.
    #[command(subcommand)]
    Telegram(crate::telegram::TelegramCommand),
    /// The Discord bot: slash commands, servers, eligibility.
    #[command(subcommand)]
    Discord(crate::discord::DiscordCommand),
    /// The seller's overview page: print its link, or revoke every link printed so far.
    #[command(subcommand)]
    Overview(OverviewCommand),
    /// Alerts to the seller: low stock, quota reached, campaign ended.
    Alerts(AlertsArgs),
}

/// `promo alerts`: show the alert settings, or change the parts given.
#[derive(Debug, Args)]
pub struct AlertsArgs {
    /// Telegram chat id for alerts (your chat with the bot, or a group the bot is in).
    #[arg(long, allow_hyphen_values = true)]
    pub telegram_chat: Option<i64>,
    /// Discord channel id for alerts (the bot must be able to post there).
    #[arg(long)]
    pub discord_channel: Option<u64>,
    /// Stock levels that alert, comma-separated (default 100,10,0).
    #[arg(long, value_delimiter = ',')]
    pub thresholds: Option<Vec<u32>>,
    /// Stop alerting (forget both destinations).
    #[arg(long, conflicts_with_all = ["telegram_chat", "discord_channel"])]
    pub off: bool,
}

/// Where dashboard links point, and how long they work.
#[derive(Debug, Args)]
pub struct PageLinkArgs {
    /// The public base URL of the deployment (the HTTP API's URL, or `promo serve`'s).
    #[arg(long, env = "PROMO_PUBLIC_URL")]
    pub base_url: Option<String>,
    /// Days the printed dashboard links work.
    #[arg(long, default_value_t = 30)]
    pub days: u32,
}

/// `promo overview ...`.
#[derive(Debug, Subcommand)]
pub enum OverviewCommand {
    /// Print a signed link to the seller's overview page (needs PROMO_LINK_SECRET).
    Link {
        /// Where and how long.
        #[command(flatten)]
        page: PageLinkArgs,
        /// The secret that signs links.
        #[arg(long, env = "PROMO_LINK_SECRET", hide_env_values = true)]
        link_secret: Option<String>,
    },
    /// Void every overview link printed so far.
    Revoke,
}

/// `promo demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Simulated followers (more than codes, so the pool sells out).
    #[arg(long, default_value_t = 5000)]
    pub followers: u32,
    /// Codes in the sample file.
    #[arg(long, default_value_t = 1000)]
    pub codes: u32,
    /// Claims in flight at once.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Seed for the simulation (random when left out).
    #[arg(long)]
    pub seed: Option<u64>,
}

/// `promo serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "PROMO_PORT", default_value_t = 8080)]
    pub port: u16,
    /// The API key clients send in `x-api-key`.
    #[arg(long, env = "PROMO_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Run the Telegram bot by long polling (no public URL needed) instead of by webhook.
    #[arg(long, env = "PROMO_TELEGRAM_POLLING")]
    pub telegram_polling: bool,
    /// Connections served at once; more wait in the listen backlog.
    #[arg(long, env = "PROMO_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers; also how long a kept-alive connection
    /// may wait for its next request.
    #[arg(long, env = "PROMO_HEADER_TIMEOUT", default_value_t = 10)]
    pub header_timeout: u64,
    /// Seconds a connection may stay silent (no byte either way) inside a request, e.g. a
    /// stalled body, before it is closed.
    #[arg(long, env = "PROMO_IDLE_TIMEOUT", default_value_t = 60)]
    pub idle_timeout: u64,
}

/// `promo campaign ...`.
#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Create a campaign.
    Create(CreateCampaignArgs),
    /// List every campaign.
    List,
    /// Show one campaign.
    Show {
        /// The campaign.
        id: CampaignId,
    },
    /// Pause claims.
    Pause {
        /// The campaign.
        id: CampaignId,
    },
    /// Resume claims (also activates a draft).
    Resume {
        /// The campaign.
        id: CampaignId,
    },
    /// Change a running campaign: extend or shorten it, its texts, the Amazon promotion's end,
    /// its total cap and daily drip. Codes already issued keep their dates; safe while claims
    /// run.
    Edit {
        /// The campaign.
        id: CampaignId,
        /// The new end, RFC 3339 (later extends, earlier shortens).
        #[arg(long, conflicts_with = "extend_days")]
        ends: Option<String>,
        /// Move the end this many days later.
        #[arg(long)]
        extend_days: Option<u32>,
        /// Until when codes work on Amazon (the promotion's own end), RFC 3339.
        #[arg(long)]
        redeem_until: Option<String>,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        /// A new discount text.
        #[arg(long)]
        discount: Option<String>,
        /// A new total cap: at most this many codes issued in all. Raised, codes waiting over
        /// the cap join the pool; lowered, available codes leave it first (the open lane, then
        /// influencers' lanes); never below what was issued.
        #[arg(long, conflicts_with = "no_cap")]
        cap: Option<u32>,
        /// Remove the total cap: every code waiting over the cap joins the pool.
        #[arg(long)]
        no_cap: bool,
        /// A new daily drip: from the next day of the schedule, at most this many codes
        /// released a day; codes already released stay claimable.
        #[arg(long, conflicts_with = "no_drip")]
        drip: Option<u32>,
        /// Remove the daily drip: every code is released now.
        #[arg(long)]
        no_drip: bool,
    },
    /// End the campaign for good; run the expire sweep (or `serve`) to retire unissued codes.
    End {
        /// The campaign.
        id: CampaignId,
    },
    /// Show or set the platforms a campaign is open on. With no list, a campaign is open on
    /// the platforms that have eligibility rules (`telegram options`, `discord options`), or on
    /// every platform when none has.
    Platforms {
        /// The campaign.
        id: CampaignId,
        /// The platforms to open it on, e.g. `telegram,web` (discord, telegram, web); a claim
        /// from any other is refused.
        #[arg(long, value_delimiter = ',', value_parser = Platform::parse, conflicts_with = "unlisted")]
        open_on: Vec<Platform>,
        /// Removes the list (the rules decide again).
        #[arg(long)]
        unlisted: bool,
    },
}

/// `promo campaign create`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("end").required(true).args(["ends", "days"]))]
pub struct CreateCampaignArgs {
    /// The campaign's id (a-z, 0-9, '-', '_').
    pub id: CampaignId,
    /// A name for people.
    #[arg(long)]
    pub name: String,
    /// The product, e.g. an Amazon ASIN.
    #[arg(long)]
    pub product: String,
    /// The Amazon marketplace the codes work on (`amazon.com`, `amazon.co.uk`, `de`, ...): the
    /// follower's "Open on Amazon" button leads to `https://www.<marketplace>/dp/<ASIN>`.
    #[arg(long, default_value = "amazon.com", value_parser = promo_core::Marketplace::parse)]
    pub marketplace: promo_core::Marketplace,
    /// The discount as shown to followers, e.g. "20% off".
    #[arg(long)]
    pub discount: String,
    /// When claims open: RFC 3339 or `now`.
    #[arg(long, default_value = "now")]
    pub starts: String,
    /// When claims close: RFC 3339.
    #[arg(long)]
    pub ends: Option<String>,
    /// Or: claims close this many days after the start.
    #[arg(long)]
    pub days: Option<u32>,
    /// At most this many codes issued in the whole campaign.
    #[arg(long)]
    pub cap: Option<u32>,
    /// At most this many codes released per day.
    #[arg(long)]
    pub daily_drip: Option<u32>,
    /// Pool shards (1..=256).
    #[arg(long, default_value_t = 16)]
    pub shards: u16,
    /// Create as a draft instead of active.
    #[arg(long)]
    pub draft: bool,
    /// The platforms the campaign is open on, e.g. `telegram,discord,web`; a claim from any
    /// other is refused. Without it: the platforms with eligibility rules, or every platform
    /// while none has (see `campaign platforms`).
    #[arg(long, value_delimiter = ',', value_parser = Platform::parse)]
    pub platforms: Vec<Platform>,
}

/// `promo codes ...`.
#[derive(Debug, Subcommand)]
pub enum CodesCommand {
    /// Import a code file: Seller Central's download as it comes (the .zip, or the text file in
    /// it), UTF-8 or UTF-16, or a CSV/TSV with a code column.
    Import {
        /// The campaign.
        campaign: CampaignId,
        /// The file: a `.zip` holding one code file; `.csv`/`.tsv` (or a first line with a tab)
        /// is read as a table; anything else as one code per line.
        file: PathBuf,
        /// Import the good lines even if some lines are bad.
        #[arg(long)]
        skip_bad: bool,
        /// The file is this influencer's own Amazon promotion: its codes go to their followers
        /// only, and their followers get only these (see `influencer fallback`). Without it the
        /// codes join the shared pool.
        #[arg(long)]
        influencer: Option<InfluencerId>,
    },
    /// Make one shared code (a group claim code, or an influencer's social-media promo code)
    /// that at most N followers can each take once. Run again with more uses to raise them.
    Group {
        /// The campaign.
        campaign: CampaignId,
        /// The code, as created in Seller Central.
        code: String,
        /// How many followers may take it (the promotion's redemption limit).
        #[arg(long)]
        uses: u32,
        /// The code is this influencer's own promotion's: it goes to their followers only.
        /// Without it the code joins the shared pool.
        #[arg(long)]
        influencer: Option<InfluencerId>,
    },
    /// Generate random codes straight into the pool.
    Generate {
        /// The campaign.
        campaign: CampaignId,
        /// How many codes.
        #[arg(long)]
        count: u32,
        /// Groups per code.
        #[arg(long, default_value_t = 3)]
        groups: usize,
        /// Characters per group.
        #[arg(long, default_value_t = 5)]
        group_len: usize,
    },
}

/// `promo influencer ...`.
#[derive(Debug, Subcommand)]
pub enum InfluencerCommand {
    /// Register an influencer; with a quota, codes are reserved for them.
    Add {
        /// The campaign.
        campaign: CampaignId,
        /// The influencer's id (a-z, 0-9, '-', '_').
        id: InfluencerId,
        /// A name for people.
        #[arg(long)]
        name: String,
        /// Codes reserved for this influencer's followers.
        #[arg(long)]
        quota: Option<u32>,
        /// When their own codes (`codes import --influencer`) are all claimed, hand their
        /// followers codes from the shared pool instead of telling them so.
        #[arg(long, conflicts_with = "quota")]
        fallback: bool,
    },
    /// Change an influencer: their own product link (the Amazon Attribution tag link copied from
    /// the Attribution console), shown to their followers instead of the campaign's page.
    Edit {
        /// The campaign.
        campaign: CampaignId,
        /// The influencer.
        influencer: InfluencerId,
        /// https on an Amazon host (www.amazon.<marketplace>, amzn.to).
        #[arg(long, value_parser = promo_core::ProductUrl::parse, conflicts_with = "clear_product_url")]
        product_url: Option<promo_core::ProductUrl>,
        /// Go back to the campaign's product page.
        #[arg(long)]
        clear_product_url: bool,
        /// A new quota (raised: more codes reserved for them; lowered: never below what they
        /// already handed out).
        #[arg(long)]
        quota: Option<u32>,
    },
    /// Remove an influencer: their links claim nothing more, their unissued codes go back to the
    /// shared pool (their own promotion's codes, or all with --keep-codes-out, to reserve). The
    /// codes they handed out stay theirs, in their numbers.
    Remove {
        /// The campaign.
        campaign: CampaignId,
        /// The influencer.
        influencer: InfluencerId,
        /// Keep their unissued codes out of the shared pool.
        #[arg(long)]
        keep_codes_out: bool,
    },
    /// Turn fallback to the shared pool on or off for an influencer with codes of their own.
    Fallback {
        /// The campaign.
        campaign: CampaignId,
        /// The influencer.
        influencer: InfluencerId,
        /// `on` or `off`.
        #[arg(value_parser = ["on", "off"])]
        setting: String,
    },
    /// List a campaign's influencers.
    List {
        /// The campaign.
        campaign: CampaignId,
    },
    /// Print each influencer's signed links: the Telegram deep link and the Discord button
    /// payload (needs PROMO_LINK_SECRET).
    Link {
        /// The campaign.
        campaign: CampaignId,
        /// Only this influencer (default: every influencer and a direct link).
        influencer: Option<InfluencerId>,
        /// The Telegram bot's username, for `https://t.me/<bot>?start=...`.
        #[arg(long, env = "PROMO_TELEGRAM_BOT")]
        bot: Option<String>,
        /// The secret that signs links.
        #[arg(long, env = "PROMO_LINK_SECRET", hide_env_values = true)]
        link_secret: Option<String>,
        /// The dashboard link's base URL and validity.
        #[command(flatten)]
        page: PageLinkArgs,
    },
    /// Make a single-use invite for an influencer: the Telegram account that opens its link
    /// then speaks for them (`/stats`), with no user id typed by anyone (needs
    /// PROMO_LINK_SECRET and the bot's username).
    Invite {
        /// The campaign.
        campaign: CampaignId,
        /// The influencer.
        influencer: InfluencerId,
        /// Days the invite works (1 to 90).
        #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=90))]
        days: u32,
        /// The Telegram bot's username, for `https://t.me/<bot>?start=...`.
        #[arg(long, env = "PROMO_TELEGRAM_BOT")]
        bot: Option<String>,
        /// The secret that signs links.
        #[arg(long, env = "PROMO_LINK_SECRET", hide_env_values = true)]
        link_secret: Option<String>,
    },
    /// Void every dashboard link of an influencer printed so far (print new ones with `link`).
    RevokePages {
        /// The campaign.
        campaign: CampaignId,
        /// The influencer.
        influencer: InfluencerId,
    },
    /// Say which Telegram or Discord account is this influencer, so `/stats` in the bots shows
    /// them their own numbers.
    Account {
        /// The campaign.
        campaign: CampaignId,
        /// The influencer.
        influencer: InfluencerId,
        /// Their Telegram user id (a number).
        #[arg(long, required_unless_present = "discord_user")]
        telegram_user: Option<String>,
        /// Their Discord user id (a snowflake).
        #[arg(long)]
        discord_user: Option<String>,
        /// Remove the link instead.
        #[arg(long)]
        remove: bool,
    },
    /// Give an influencer its own Amazon promotion: imported order reports credit them with
    /// every order carrying this promotion's tracking id.
    Promotion {
        /// The campaign.
        campaign: CampaignId,
        /// The influencer.
        influencer: InfluencerId,
        /// The promotion's tracking id, as in Seller Central and the `promotion-ids` column.
        promotion_id: String,
    },
}

/// `promo export ...`.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Every issued code of a campaign as CSV: code, follower, influencer, times, state.
    Claims {
        /// The campaign.
        campaign: CampaignId,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// What each influencer brought, as CSV to pay from: one row per influencer and currency
    /// (claims, redemptions, Amazon orders, units, revenue, discount, commission).
    Payouts {
        /// The campaign.
        campaign: CampaignId,
        /// Commission on revenue, e.g. `10%` or `7.5%`; without it the column stays empty.
        #[arg(long, value_parser = crate::export::parse_rate)]
        rate: Option<u32>,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// `promo orders ...`.
#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// Import Amazon's All Orders report (tab-separated) and credit each influencer with the
    /// orders that carry its promotion. Re-importing a report credits nothing twice.
    Import {
        /// The report file.
        file: PathBuf,
        /// Credit the good rows even if some rows are bad.
        #[arg(long)]
        skip_bad: bool,
    },
}

/// `promo stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// The campaign.
    pub campaign: CampaignId,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `promo table ...`.
#[derive(Debug, Subcommand)]
pub enum TableCommand {
    /// Create the table if it does not exist.
    Create,
}
