//! `/claim-button`: a seller posts a public message whose button claims for an influencer.
//! The button carries a signed payload, so nobody can forge one that credits someone else.

use crate::claim::BUTTON_PREFIX;
use crate::replies::{self, Reply};
use promo_core::{CampaignId, ClaimRefusal, InfluencerId, LinkKey};
use promo_store::Store;

/// What the seller asked for.
#[derive(Debug, Clone)]
pub struct PostButton {
    /// The `campaign` option.
    pub campaign: String,
    /// The `influencer` option.
    pub influencer: Option<String>,
    /// The `message` option.
    pub message: Option<String>,
}

/// The public message with its claim button, or a private refusal.
pub async fn handle(store: &Store, key: &LinkKey, ask: PostButton) -> Reply {
    let Ok(campaign) = CampaignId::parse(&ask.campaign) else {
        return replies::refused(&ClaimRefusal::UnknownCampaign);
    };
    let influencer = match ask
        .influencer
        .as_deref()
        .map(InfluencerId::parse)
        .transpose()
    {
        Ok(i) => i.filter(|i| !i.is_direct()),
        Err(_) => return replies::refused(&ClaimRefusal::UnknownInfluencer),
    };
    let ctx = match store.campaign_context(&campaign).await {
        Ok(Some(ctx)) => ctx,
        Ok(None) => return replies::refused(&ClaimRefusal::UnknownCampaign),
        Err(e) => {
            tracing::error!(error = %e, "discord claim-button failed");
            return replies::internal_error();
        }
    };
    if influencer
        .as_ref()
        .is_some_and(|i| !ctx.influencers.contains_key(i))
    {
        return replies::refused(&ClaimRefusal::UnknownInfluencer);
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
        key.sign(&campaign, influencer.as_ref())
    );
    Reply::public_with_button(text, "Claim my code", custom_id)
}
