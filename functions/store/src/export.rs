//! The seller's export of a campaign's claims: every issued code with its follower,
//! attribution and redemption, read from the listing index (never a table scan).

use crate::error::StoreError;
use crate::items::{issued_pk, pk_of, s};
use crate::{Store, schema};
use promo_core::{CampaignId, InfluencerId, Timestamp};

/// One issued code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRow {
    /// The code (the seller's own data; never log it).
    pub code: String,
    /// `platform:user` of the follower holding it.
    pub follower: String,
    /// The attribution.
    pub influencer: InfluencerId,
    /// When it was issued.
    pub claimed_at: Option<Timestamp>,
    /// `issued` or `redeemed`.
    pub state: String,
    /// When it was redeemed.
    pub redeemed_at: Option<Timestamp>,
}

impl Store {
    /// Every issued code of a campaign, ordered by attribution then claim time.
    pub async fn claim_rows(&self, campaign: &CampaignId) -> Result<Vec<ClaimRow>, StoreError> {
        let ctx = self
            .read_context(campaign)
            .await?
            .ok_or_else(|| crate::campaigns::unknown(campaign))?;
        let mut ids: Vec<InfluencerId> = ctx.influencers.keys().cloned().collect();
        ids.sort();
        ids.insert(0, InfluencerId::direct());
        let mut rows = Vec::new();
        for influencer in ids {
            let mut mine = Vec::new();
            for shard in 0..ctx.campaign.shards.max(1) {
                let query = self
                    .client()
                    .query()
                    .index_name(schema::GSI_LISTING)
                    .key_condition_expression("gsi2pk = :p")
                    .expression_attribute_values(":p", s(issued_pk(campaign, &influencer, shard)));
                for item in self.query_items(query, false).await? {
                    let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
                    let time = |k: &str| {
                        item.get(k)
                            .and_then(|v| v.as_n().ok())
                            .and_then(|n| n.parse().ok())
                            .map(Timestamp)
                    };
                    let Some(code) = pk_of(&item).and_then(|pk| pk.strip_prefix("K#")) else {
                        continue;
                    };
                    mine.push(ClaimRow {
                        code: code.to_owned(),
                        follower: text("follower").unwrap_or_default(),
                        influencer: influencer.clone(),
                        claimed_at: time("claimed_at"),
                        state: text("code_state").unwrap_or_default(),
                        redeemed_at: time("redeemed_at"),
                    });
                }
            }
            mine.sort_by_key(|r| r.claimed_at);
            rows.extend(mine);
        }
        Ok(rows)
    }
}
