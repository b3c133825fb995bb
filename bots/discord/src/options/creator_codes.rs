//! "Creator codes": claims credited to an influencer the follower typed
//! (`/claim influencer:<name>`), which only a campaign whose Discord options turn
//! [`creator_codes`](crate::options::CampaignOptions::creator_codes) on accepts.
//!
//! Such a credit is the follower's word, not the seller's signature, so it is recorded apart:
//! before the claim, a note `SET#discord-creator-code:<campaign>:<shard>` / `<user id>` naming
//! the typed influencer. The claim item itself has no attribution source (the store's claim
//! does not take one), so [`typed_claims`] joins the notes with the claim items: a claim counts
//! as typed when its follower has a note naming the same influencer, written no later than the
//! claim. A note whose claim was refused matches nothing. The notes are spread over
//! [`SHARDS`] partitions so a viral creator code does not write to one key.

use promo_core::{CampaignId, Follower, InfluencerId, Platform, Timestamp};
use promo_store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The partitions the notes of one campaign are spread over.
pub const SHARDS: u64 = 16;

fn scope(campaign: &CampaignId, shard: u64) -> String {
    format!("discord-creator-code:{campaign}:{shard}")
}

/// The note written before a typed claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TypedNote {
    influencer: InfluencerId,
    at: Timestamp,
}

/// Notes that Discord user `user` typed `influencer` for `campaign` at `at`. Written before the
/// claim, so no typed claim is ever reported as signed.
pub async fn record(
    store: &Store,
    campaign: &CampaignId,
    user: u64,
    influencer: &InfluencerId,
    at: Timestamp,
) -> Result<(), StoreError> {
    store
        .put_setting(
            &scope(campaign, user % SHARDS),
            &user.to_string(),
            &TypedNote {
                influencer: influencer.clone(),
                at,
            },
        )
        .await
}

/// A claim credited to an influencer because the follower typed their name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedClaim {
    /// The follower (a Discord account).
    pub follower: Follower,
    /// The influencer credited.
    pub influencer: InfluencerId,
    /// When the code was issued.
    pub claimed_at: Timestamp,
}

/// Every claim of `campaign` credited through a typed influencer name (for reports).
pub async fn typed_claims(
    store: &Store,
    campaign: &CampaignId,
) -> Result<Vec<TypedClaim>, StoreError> {
    let mut notes: HashMap<String, TypedNote> = HashMap::new();
    for shard in 0..SHARDS {
        notes.extend(
            store
                .list_settings::<TypedNote>(&scope(campaign, shard))
                .await?,
        );
    }
    if notes.is_empty() {
        return Ok(Vec::new());
    }
    let mut out: Vec<TypedClaim> = store
        .campaign_claims(campaign, None)
        .await?
        .into_iter()
        .filter(|c| c.follower.platform == Platform::Discord)
        .filter(|c| {
            notes
                .get(c.follower.user_id.as_str())
                .is_some_and(|n| n.influencer == c.influencer && n.at <= c.claimed_at)
        })
        .map(|c| TypedClaim {
            follower: c.follower,
            influencer: c.influencer,
            claimed_at: c.claimed_at,
        })
        .collect();
    out.sort_by_key(|c| c.claimed_at);
    Ok(out)
}
