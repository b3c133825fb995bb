//! The seller's export of a campaign's claims: every issued code with its follower,
//! attribution and redemption, read from the claim items joined with the redemptions on the
//! listing index (never a table scan).

use crate::Store;
use crate::table::error::StoreError;
use crate::table::items::{pk_of, redeemed_pk, s};
use crate::table::schema;
use promo_core::{CampaignId, CodeState, InfluencerId, Timestamp};
use std::collections::{BTreeSet, HashMap};

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
    /// Every issued code of a campaign, ordered by attribution (`direct` first, then
    /// influencers by id) then claim time.
    pub async fn claim_rows(&self, campaign: &CampaignId) -> Result<Vec<ClaimRow>, StoreError> {
        let ctx = self
            .read_context(campaign)
            .await?
            .ok_or_else(|| crate::admin::campaigns::unknown(campaign))?;
        let claims = self.campaign_claims(campaign, None).await?;
        let influencers: BTreeSet<&InfluencerId> = claims.iter().map(|c| &c.influencer).collect();
        // Redemption times by code, from each attribution's listing partitions.
        let mut redeemed: HashMap<String, Option<Timestamp>> = HashMap::new();
        for influencer in influencers {
            for shard in 0..ctx.campaign.shards.max(1) {
                let query = self
                    .client()
                    .query()
                    .index_name(schema::GSI_LISTING)
                    .key_condition_expression("gsi2pk = :p")
                    .expression_attribute_values(":p", s(redeemed_pk(campaign, influencer, shard)))
                    .projection_expression("pk, redeemed_at");
                for item in self.query_items(query, false).await? {
                    let Some(code) = pk_of(&item).and_then(|pk| pk.strip_prefix("K#")) else {
                        continue;
                    };
                    let at = item
                        .get("redeemed_at")
                        .and_then(|v| v.as_n().ok())
                        .and_then(|n| n.parse().ok())
                        .map(Timestamp);
                    redeemed.insert(code.to_owned(), at);
                }
            }
        }
        let mut rows: Vec<ClaimRow> = claims
            .into_iter()
            .map(|c| {
                let redemption = redeemed.get(c.code.expose());
                ClaimRow {
                    code: c.code.expose().to_owned(),
                    follower: c.follower.to_string(),
                    influencer: c.influencer,
                    claimed_at: Some(c.claimed_at),
                    state: if redemption.is_some() {
                        CodeState::Redeemed
                    } else {
                        CodeState::Issued
                    }
                    .as_str()
                    .to_owned(),
                    redeemed_at: redemption.copied().flatten(),
                }
            })
            .collect();
        rows.sort_by(|a, b| {
            (!a.influencer.is_direct(), &a.influencer, a.claimed_at).cmp(&(
                !b.influencer.is_direct(),
                &b.influencer,
                b.claimed_at,
            ))
        });
        Ok(rows)
    }
}
