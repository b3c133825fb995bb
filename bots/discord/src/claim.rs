//! A claim from `/claim` or a claim button: once per interaction, for an eligible claimer, from
//! the campaign and influencer the button, the server or the options name.

use crate::eligibility::{self, Claimer};
use crate::options;
use crate::replies::{self, Reply};
use promo_core::{CampaignId, ClaimRefusal, Follower, InfluencerId, LinkKey, Timestamp};
use promo_store::claim::ClaimRequest;
use promo_store::{Delivery, Store, StoreError};

/// The delivery source for interaction ids.
pub const DELIVERY_SOURCE: &str = "discord";
/// How long a started claim owns its interaction id before another delivery may take over: far
/// beyond any claim, short enough that a crashed attempt is retried within Discord's 15 minutes.
pub const DELIVERY_LEASE_MS: i64 = 60_000;
/// The custom id prefix of claim buttons: `claim:<signed link payload>`.
pub const BUTTON_PREFIX: &str = "claim:";

/// What names the campaign and influencer of a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A claim button's signed payload.
    Button(String),
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
}

/// Handles a claim to its reply. Never fails: a store failure is an "try again" reply.
pub async fn handle(store: &Store, key: &LinkKey, input: ClaimInput) -> Reply {
    let id = input.interaction.to_string();
    match store
        .begin_delivery(DELIVERY_SOURCE, &id, Timestamp::now(), DELIVERY_LEASE_MS)
        .await
    {
        Ok(Delivery::New) => {}
        Ok(Delivery::Done) => return replies::already_handled(),
        Ok(Delivery::InFlight) => return replies::in_progress(),
        Err(e) => return failed(&e),
    }
    match claim(store, key, &input).await {
        Ok(reply) => {
            if let Err(e) = store.finish_delivery(DELIVERY_SOURCE, &id).await {
                // The claim stands; a redelivery after the lease returns the same code.
                tracing::warn!(error = %e, "marking an interaction handled failed");
            }
            reply
        }
        // Left unfinished: a redelivery after the lease may try again.
        Err(e) => failed(&e),
    }
}

fn failed(e: &StoreError) -> Reply {
    tracing::error!(error = %e, "discord claim failed");
    replies::internal_error()
}

async fn claim(store: &Store, key: &LinkKey, input: &ClaimInput) -> Result<Reply, StoreError> {
    let (campaign, influencer) = match resolve(store, key, input).await? {
        Ok(target) => target,
        Err(reply) => return Ok(reply),
    };
    let now = Timestamp::now();
    let rules = options::campaign_options(store, &campaign).await?;
    let follower = Follower::parse("discord", &input.claimer.user.to_string())
        .map_err(|e| StoreError::Refused(e.to_string()))?;
    if let Err(why) = eligibility::check(&rules, &input.claimer, now) {
        // A code already handed out stays its holder's, eligible now or not.
        if let Some(held) = store.follower_claim(&campaign, &follower).await? {
            return Ok(replies::claimed(&held.claimed(false)));
        }
        tracing::info!(campaign = %campaign, reason = %why, "discord claim ineligible");
        return Ok(replies::ineligible(&why));
    }
    let request = ClaimRequest {
        campaign,
        follower,
        influencer,
    };
    Ok(match store.claim(&request, now).await? {
        Ok(c) => {
            tracing::info!(campaign = %request.campaign, influencer = %c.influencer, new = c.new, "discord claim");
            replies::claimed(&c)
        }
        Err(r) => {
            tracing::info!(campaign = %request.campaign, reason = r.reason(), "discord claim refused");
            replies::refused(&r)
        }
    })
}

type Resolved = Result<(CampaignId, Option<InfluencerId>), Reply>;

/// The campaign and influencer of a claim: a button names both (signed); in a server mapped to
/// an influencer, `/claim` claims for that influencer whatever the options say; elsewhere the
/// options name them, and the bot's default campaign fills in.
async fn resolve(store: &Store, key: &LinkKey, input: &ClaimInput) -> Result<Resolved, StoreError> {
    let (influencer, campaign) = match &input.target {
        Target::Button(payload) => {
            return Ok(match key.verify(payload) {
                Ok(t) => Ok((t.campaign, t.influencer)),
                Err(_) => {
                    tracing::warn!("a claim button with an invalid signature");
                    Err(Reply::private("This button is not valid."))
                }
            });
        }
        Target::Command {
            influencer,
            campaign,
        } => (influencer, campaign),
    };
    if let Some(guild) = input.claimer.guild
        && let Some(m) = options::guild_mapping(store, guild).await?
    {
        return Ok(Ok((m.campaign, Some(m.influencer))));
    }
    let campaign = match campaign {
        Some(raw) => match CampaignId::parse(raw) {
            Ok(c) => c,
            Err(_) => return Ok(Err(replies::refused(&ClaimRefusal::UnknownCampaign))),
        },
        None => match options::bot_settings(store).await?.default_campaign {
            Some(c) => c,
            None => {
                return Ok(Err(Reply::private(
                    "There is no campaign to claim from here yet.",
                )));
            }
        },
    };
    let influencer = match influencer {
        Some(raw) => match InfluencerId::parse(raw) {
            Ok(i) => Some(i),
            Err(_) => return Ok(Err(replies::refused(&ClaimRefusal::UnknownInfluencer))),
        },
        None => None,
    };
    Ok(Ok((campaign, influencer)))
}
