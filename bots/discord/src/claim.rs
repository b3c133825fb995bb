//! A claim from `/claim` or a claim button: once per interaction, for an eligible claimer, from
//! the campaign and influencer the button, the server or the options name.
//!
//! Attribution comes only from what the seller signed or configured: a button's payload or a
//! mapped server. An influencer typed into `/claim` credits nobody unless the campaign's
//! Discord options turn "creator codes" on; then the claim is recorded as typed
//! ([`options::creator_codes`]). With the option off the follower is told so, and nothing is
//! claimed: they choose between a seller's button or link and a direct claim.

use crate::eligibility::{self, Claimer};
use crate::options;
use crate::replies::{self, Reply};
use crate::seller;
use crate::texts::Texts;
use promo_core::{
    CampaignId, ClaimRefusal, Claimed, Follower, InfluencerId, LinkKey, LinkTarget, Surface,
    Timestamp,
};
use promo_store::claims::ClaimRequest;
use promo_store::{Delivery, Store, StoreError};

/// The delivery source for interaction ids.
pub const DELIVERY_SOURCE: &str = "discord";
/// How long a started claim owns its interaction id before another delivery may take over: far
/// beyond any claim, short enough that a crashed attempt is retried within Discord's 15 minutes.
pub const DELIVERY_LEASE_MS: i64 = 60_000;
/// The custom id prefix of claim buttons: `claim:<payload signed for Discord buttons>`.
pub const BUTTON_PREFIX: &str = "claim:";

/// What names the campaign and influencer of a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// What a claim button's payload names, verified (signed for Discord buttons).
    Button(LinkTarget),
    /// `/claim` with its options.
    Command {
        /// The `influencer` option.
        influencer: Option<String>,
        /// The `campaign` option.
        campaign: Option<String>,
    },
}

/// One claim to handle.
#[derive(Debug, Clone)]
pub struct ClaimInput {
    /// The interaction's id (each takes effect once).
    pub interaction: u64,
    /// Who claims, from where.
    pub claimer: Claimer,
    /// What they claim.
    pub target: Target,
    /// The interaction's `locale` (`de`, `pt-BR`, ...): the replies' language.
    pub locale: Option<String>,
}

/// Handles a claim to its reply. Never fails: a store failure is an "try again" reply.
pub async fn handle(store: &Store, input: ClaimInput) -> Reply {
    let id = input.interaction.to_string();
    let texts = Texts::built_in(input.locale.as_deref());
    match store
        .begin_delivery(DELIVERY_SOURCE, &id, Timestamp::now(), DELIVERY_LEASE_MS)
        .await
    {
        Ok(Delivery::New) => {}
        Ok(Delivery::Done) => return replies::already_handled(&texts),
        Ok(Delivery::InFlight) => return replies::in_progress(&texts),
        Err(e) => return failed(&texts, &e),
    }
    match claim(store, &input).await {
        Ok(reply) => {
            if let Err(e) = store.finish_delivery(DELIVERY_SOURCE, &id).await {
                // The claim stands; a redelivery after the lease returns the same code.
                tracing::warn!(error = %e, "marking an interaction handled failed");
            }
            reply
        }
        // Left unfinished: a redelivery after the lease may try again.
        Err(e) => failed(&texts, &e),
    }
}

fn failed(texts: &Texts<'_>, e: &StoreError) -> Reply {
    tracing::error!(error = %e, "discord claim failed");
    replies::internal_error(texts)
}

/// Who a claim credits, and on whose word.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Credit {
    /// Nobody (a direct claim).
    Direct,
    /// What the seller signed or configured: a button's payload, or the server's mapping.
    Seller(InfluencerId),
    /// The influencer the follower typed into `/claim`.
    Typed(InfluencerId),
}

impl Credit {
    fn influencer(&self) -> Option<InfluencerId> {
        match self {
            Credit::Direct => None,
            Credit::Seller(i) | Credit::Typed(i) => Some(i.clone()),
        }
    }
}

/// The code, with a link button to where it works (the influencer's own product link, else the
/// campaign's product page).
async fn claimed_reply(
    store: &Store,
    texts: &Texts<'_>,
    campaign: &CampaignId,
    claimed: &Claimed,
) -> Result<Reply, StoreError> {
    // The context is cached per process: no extra read on the claim path.
    let ctx = store.campaign_context(campaign).await?;
    let (product, discount) = ctx
        .as_ref()
        .map(|c| (c.campaign.product.as_str(), c.campaign.discount.as_str()))
        .unwrap_or(("-", "-"));
    let reply = replies::claimed(texts, claimed, product, discount);
    Ok(
        match ctx
            .as_ref()
            .and_then(|c| c.product_url(&claimed.influencer))
        {
            Some(url) => reply.with_link(texts.button_amazon(), url),
            None => reply,
        },
    )
}

async fn claim(store: &Store, input: &ClaimInput) -> Result<Reply, StoreError> {
    let (campaign, credit) = match resolve(store, input).await? {
        Ok(target) => target,
        Err(reply) => return Ok(reply),
    };
    let now = Timestamp::now();
    let rules = options::campaign_options(store, &campaign).await?;
    let texts = Texts::for_locale(&rules.translations, input.locale.as_deref());
    // From serenity's parsed u64: always the canonical decimal, one follower per account.
    let follower =
        Follower::parse("discord", &input.claimer.user.to_string()).map_err(StoreError::build)?;
    if let Credit::Typed(_) = &credit {
        // A code already handed out is shown as it is: typing a name changes nobody's credit.
        if let Some(c) = store.follower_claim(&campaign, &follower).await? {
            return claimed_reply(store, &texts, &campaign, &c.claimed(false)).await;
        }
        if !rules.creator_codes {
            tracing::info!(campaign = %campaign, "discord claim with a typed influencer refused");
            return Ok(replies::typed_influencer_refused(&texts));
        }
    }
    if let Err(why) = eligibility::check(&rules, &input.claimer, now) {
        // A code already handed out stays its holder's, eligible now or not.
        if let Some(c) = store.follower_claim(&campaign, &follower).await? {
            return claimed_reply(store, &texts, &campaign, &c.claimed(false)).await;
        }
        tracing::info!(campaign = %campaign, reason = %why, "discord claim ineligible");
        return Ok(replies::ineligible(&texts, &why));
    }
    if let Credit::Typed(influencer) = &credit {
        // Before the claim: a typed credit is never reported as a signed one.
        options::creator_codes::record(store, &campaign, input.claimer.user, influencer, now)
            .await?;
    }
    let request = ClaimRequest {
        campaign,
        follower,
        influencer: credit.influencer(),
    };
    Ok(match store.claim(&request, now).await? {
        Ok(c) => {
            let typed = matches!(credit, Credit::Typed(_));
            tracing::info!(campaign = %request.campaign, influencer = %c.influencer, new = c.new, typed, "discord claim");
            return claimed_reply(store, &texts, &request.campaign, &c).await;
        }
        Err(r) => {
            tracing::info!(campaign = %request.campaign, reason = r.reason(), "discord claim refused");
            replies::refused(&texts, &r)
        }
    })
}

type Resolved = Result<(CampaignId, Credit), Reply>;

/// The campaign and credit of a claim: a button names both (its payload verified by
/// [`pressed`]; the server it is pressed in must still be allowed to carry it); in a server
/// mapped to an influencer, `/claim` claims for that influencer whatever the options say;
/// elsewhere the options name the campaign (or the bot's default campaign does) and a typed
/// influencer is only the follower's word ([`Credit::Typed`]).
async fn resolve(store: &Store, input: &ClaimInput) -> Result<Resolved, StoreError> {
    let texts = Texts::built_in(input.locale.as_deref());
    let (influencer, campaign) = match &input.target {
        Target::Button(t) => return button(store, &texts, input.claimer.guild, t).await,
        Target::Command {
            influencer,
            campaign,
        } => (influencer, campaign),
    };
    if let Some(guild) = input.claimer.guild
        && let Some(m) = options::guild_mapping(store, guild).await?
    {
        let credit = Some(m.influencer)
            .filter(|i| !i.is_direct())
            .map_or(Credit::Direct, Credit::Seller);
        return Ok(Ok((m.campaign, credit)));
    }
    let campaign = match campaign {
        Some(raw) => match CampaignId::parse(raw) {
            Ok(c) => c,
            Err(_) => {
                return Ok(Err(replies::refused(
                    &texts,
                    &ClaimRefusal::UnknownCampaign,
                )));
            }
        },
        None => match options::bot_settings(store).await?.default_campaign {
            Some(c) => c,
            None => {
                return Ok(Err(Reply::private(texts.no_campaign())));
            }
        },
    };
    let credit = match influencer {
        Some(raw) => match InfluencerId::parse(raw) {
            Ok(i) if i.is_direct() => Credit::Direct,
            Ok(i) => Credit::Typed(i),
            Err(_) => {
                return Ok(Err(replies::refused(
                    &texts,
                    &ClaimRefusal::UnknownInfluencer,
                )));
            }
        },
        None => Credit::Direct,
    };
    Ok(Ok((campaign, credit)))
}

/// A pressed button's custom id, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pressed {
    /// Not a claim button (no `claim:` prefix).
    NotOurs,
    /// `claim:` and anything but a payload signed for Discord buttons with this key (another
    /// surface's payload, a forgery, any text at all).
    Invalid,
    /// A claim button, and what it names.
    Claim(LinkTarget),
}

/// Reads a pressed button's custom id: `claim:` and a payload signed for Discord buttons.
pub fn pressed(key: &LinkKey, custom_id: &str) -> Pressed {
    let Some(payload) = custom_id.strip_prefix(BUTTON_PREFIX) else {
        return Pressed::NotOurs;
    };
    match key.verify_for(Surface::DiscordButton, payload) {
        Ok(t) => Pressed::Claim(t),
        Err(_) => {
            tracing::warn!("a claim button with an invalid signature");
            Pressed::Invalid
        }
    }
}

/// The reply to a claim button whose payload does not verify. Nothing is read or written for it.
pub fn invalid_button(texts: &Texts<'_>) -> Reply {
    Reply::private(texts.invalid_button())
}

/// A button's campaign and influencer, if the server it is pressed in may still carry it.
async fn button(
    store: &Store,
    texts: &Texts<'_>,
    guild: Option<u64>,
    t: &LinkTarget,
) -> Result<Resolved, StoreError> {
    let allowed = match guild {
        Some(g) => seller::grant(store, g, &t.campaign)
            .await?
            .covers(t.influencer.as_ref()),
        None => false,
    };
    if !allowed {
        tracing::info!("a claim button pressed where it may not be used");
        return Ok(Err(Reply::private(texts.stale_button())));
    }
    let credit = t.influencer.clone().map_or(Credit::Direct, Credit::Seller);
    Ok(Ok((t.campaign.clone(), credit)))
}
