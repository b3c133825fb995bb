//! `/claim-button`: a seller posts a public message whose button claims for an influencer.
//! The button carries a payload signed for Discord buttons only, so nobody can forge one that
//! credits someone else, nor use it as a Telegram deep link.
//!
//! A button pays out, so it is minted only where the seller said so: in a server the seller
//! allowed (`promo discord allow-guild`), for the campaigns allowed there, or in a server mapped
//! to an influencer (`promo discord map-guild`), for that campaign and influencer only; and only
//! by a member whose permissions in the interaction include Manage Server (or Administrator).
//! The same grant is checked again when a button is pressed, so taking a server's permission
//! back voids the buttons posted there. Anything else gets a private refusal and nothing is
//! signed.

use crate::claim::BUTTON_PREFIX;
use crate::commands::SELLER_PERMISSION;
use crate::options;
use crate::replies::{self, Reply};
use crate::texts::Texts;
use promo_core::{CampaignId, ClaimRefusal, InfluencerId, LinkKey, Surface};
use promo_store::{Store, StoreError};
use serenity::model::permissions::Permissions;

/// What the seller asked for.
#[derive(Debug, Clone)]
pub struct PostButton {
    /// The server the command was run in (`None` in a direct message).
    pub guild: Option<u64>,
    /// The `campaign` option.
    pub campaign: String,
    /// The `influencer` option.
    pub influencer: Option<String>,
    /// The `message` option.
    pub message: Option<String>,
}

/// Whether a member with these permissions (as the interaction reports them: their total
/// permissions in the channel, overwrites included) may post claim buttons.
pub fn is_seller(permissions: Option<Permissions>) -> bool {
    permissions.is_some_and(|p| p.contains(SELLER_PERMISSION) || p.administrator())
}

/// What a server may carry claim buttons for, for one campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// The seller allowed this server for the campaign: a button may credit any of its
    /// influencers, or nobody.
    AnyInfluencer,
    /// The server is mapped to one of the campaign's influencers (or to "direct"): a button
    /// may credit that one only (`None`: nobody).
    Only(Option<InfluencerId>),
    /// Nothing: no buttons for this campaign here.
    Nothing,
}

impl Grant {
    /// Whether a button crediting `influencer` (`None`: nobody) is within this grant.
    pub fn covers(&self, influencer: Option<&InfluencerId>) -> bool {
        match self {
            Grant::AnyInfluencer => true,
            Grant::Only(only) => only.as_ref() == influencer,
            Grant::Nothing => false,
        }
    }
}

/// What server `guild` may carry buttons for in `campaign`.
pub async fn grant(store: &Store, guild: u64, campaign: &CampaignId) -> Result<Grant, StoreError> {
    if options::allowed_guild(store, guild)
        .await?
        .is_some_and(|a| a.allows(campaign))
    {
        return Ok(Grant::AnyInfluencer);
    }
    Ok(match options::guild_mapping(store, guild).await? {
        Some(m) if &m.campaign == campaign => {
            Grant::Only(Some(m.influencer).filter(|i| !i.is_direct()))
        }
        _ => Grant::Nothing,
    })
}

/// The refusal for a server the seller did not allow (the same whatever the campaign, so
/// nobody learns from it which campaigns exist).
fn not_allowed_here(guild: u64) -> Reply {
    Reply::private(format!(
        "Claim buttons for this campaign can't be posted in this server. The seller can allow \
         it with `promo discord allow-guild {guild} --campaign <campaign>`. Nothing was posted."
    ))
}

/// The public message with its claim button, or a private refusal.
pub async fn handle(store: &Store, key: &LinkKey, ask: PostButton) -> Reply {
    match post(store, key, ask).await {
        Ok(reply) => reply,
        Err(e) => {
            tracing::error!(error = %e, "discord claim-button failed");
            replies::internal_error(&Texts::english())
        }
    }
}

async fn post(store: &Store, key: &LinkKey, ask: PostButton) -> Result<Reply, StoreError> {
    let Some(guild) = ask.guild else {
        return Ok(Reply::private(
            "Claim buttons can only be posted in a server's channel.",
        ));
    };
    let Ok(campaign) = CampaignId::parse(&ask.campaign) else {
        return Ok(not_allowed_here(guild));
    };
    let asked = match ask
        .influencer
        .as_deref()
        .map(InfluencerId::parse)
        .transpose()
    {
        Ok(i) => i.filter(|i| !i.is_direct()),
        Err(_) => {
            return Ok(replies::refused(
                &Texts::english(),
                &ClaimRefusal::UnknownInfluencer,
            ));
        }
    };
    // The grant first: a server that may not post learns nothing about the campaign.
    let influencer = match grant(store, guild, &campaign).await? {
        Grant::Nothing => {
            tracing::info!(guild, "claim-button refused: server not allowed");
            return Ok(not_allowed_here(guild));
        }
        Grant::AnyInfluencer => asked,
        // A mapped server's button credits the server's influencer; naming another is refused.
        Grant::Only(only) => match asked {
            None => only,
            Some(a) if Some(&a) == only.as_ref() => Some(a),
            Some(_) => {
                tracing::info!(guild, "claim-button refused: not the server's influencer");
                return Ok(Reply::private(
                    "This server's claim buttons credit its own influencer only. Nothing was posted.",
                ));
            }
        },
    };
    let Some(ctx) = store.campaign_context(&campaign).await? else {
        return Ok(replies::refused(
            &Texts::english(),
            &ClaimRefusal::UnknownCampaign,
        ));
    };
    if influencer
        .as_ref()
        .is_some_and(|i| !ctx.influencers.contains_key(i))
    {
        return Ok(replies::refused(
            &Texts::english(),
            &ClaimRefusal::UnknownInfluencer,
        ));
    }
    let c = &ctx.campaign;
    let text = ask.message.unwrap_or_else(|| {
        format!(
            "**{}**: {} on {}. Press the button to get your personal code; only you will see it.",
            c.name, c.discount, c.product
        )
    });
    let custom_id = format!(
        "{BUTTON_PREFIX}{}",
        key.sign_for(Surface::DiscordButton, &campaign, influencer.as_ref())
    );
    tracing::info!(guild, campaign = %campaign, "claim button posted");
    Ok(Reply::public_with_button(text, "Claim my code", custom_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manage_server_or_administrator_makes_a_seller() {
        assert!(!is_seller(None));
        assert!(!is_seller(Some(Permissions::empty())));
        assert!(!is_seller(Some(
            Permissions::SEND_MESSAGES | Permissions::MANAGE_MESSAGES | Permissions::MANAGE_ROLES
        )));
        assert!(is_seller(Some(Permissions::MANAGE_GUILD)));
        assert!(is_seller(Some(Permissions::ADMINISTRATOR)));
    }

    #[test]
    fn a_mapped_server_covers_its_own_influencer_only() {
        let alice = InfluencerId::parse("alice").unwrap();
        let bob = InfluencerId::parse("bob").unwrap();
        let mapped = Grant::Only(Some(alice.clone()));
        assert!(mapped.covers(Some(&alice)));
        assert!(!mapped.covers(Some(&bob)));
        assert!(!mapped.covers(None));
        assert!(Grant::Only(None).covers(None));
        assert!(!Grant::Only(None).covers(Some(&alice)));
        assert!(Grant::AnyInfluencer.covers(Some(&bob)) && Grant::AnyInfluencer.covers(None));
        assert!(!Grant::Nothing.covers(None));
    }
}
