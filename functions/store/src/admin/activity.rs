//! The raw material of the dashboards: when each of an influencer's codes was claimed and
//! redeemed, and the dates of the Amazon orders credited to them. Read from the records
//! themselves (claim times from the claim items, redemption times and orders from the listing
//! index), so the series always add up to the claim records; no counter sits on the claim path.
//! Also: revoking dashboard links.

use crate::Store;
use crate::table::error::StoreError;
use crate::table::items::{redeemed_pk, s};
use crate::table::schema;
use promo_core::{CampaignId, InfluencerId, PageHolder, PageToken, PageTokenError, Timestamp};
use serde::{Deserialize, Serialize};

/// One attribution's activity in a campaign.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Activity {
    /// Claim times, one per issued code.
    pub claimed: Vec<Timestamp>,
    /// Redemption times, one per redeemed code.
    pub redeemed: Vec<Timestamp>,
    /// Purchase dates (`YYYY-MM-DD`) of credited Amazon orders.
    pub ordered: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Revocation {
    before: Timestamp,
}

const REVOKED_SCOPE: &str = "page-revoked";

impl Store {
    /// Claims, redemptions and credited orders of `influencer` (`direct` too) in a campaign.
    pub async fn activity(
        &self,
        campaign: &CampaignId,
        influencer: &InfluencerId,
        shards: u16,
    ) -> Result<Activity, StoreError> {
        let mut out = Activity {
            claimed: self
                .campaign_claims(campaign, Some(influencer))
                .await?
                .into_iter()
                .map(|c| c.claimed_at)
                .collect(),
            ..Activity::default()
        };
        for shard in 0..shards.max(1) {
            let query = self
                .client()
                .query()
                .index_name(schema::GSI_LISTING)
                .key_condition_expression("gsi2pk = :p")
                .expression_attribute_values(":p", s(redeemed_pk(campaign, influencer, shard)))
                .projection_expression("redeemed_at");
            for item in self.query_items(query, false).await? {
                out.redeemed.extend(
                    item.get("redeemed_at")
                        .and_then(|v| v.as_n().ok())
                        .and_then(|n| n.parse().ok())
                        .map(Timestamp),
                );
            }
        }
        if !influencer.is_direct() {
            let query = self
                .client()
                .query()
                .index_name(schema::GSI_LISTING)
                .key_condition_expression("gsi2pk = :p")
                .expression_attribute_values(":p", s(format!("R#{campaign}#{influencer}")))
                .projection_expression("gsi2sk");
            for item in self.query_items(query, false).await? {
                if let Some(day) = item
                    .get("gsi2sk")
                    .and_then(|v| v.as_s().ok())
                    .and_then(|k| k.split('#').next())
                    .filter(|d| d.len() >= 10)
                {
                    out.ordered.push(day[..10].to_owned());
                }
            }
        }
        out.claimed.sort();
        out.redeemed.sort();
        out.ordered.sort();
        Ok(out)
    }

    /// Voids every page token of `holder` issued before `now`.
    pub async fn revoke_pages(
        &self,
        holder: &PageHolder,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.put_setting(REVOKED_SCOPE, &holder.key(), &Revocation { before: now })
            .await
    }

    /// Refuses a verified token that its holder's revocation voids.
    pub async fn check_not_revoked(
        &self,
        token: &PageToken,
    ) -> Result<Result<(), PageTokenError>, StoreError> {
        let revoked = self
            .get_setting::<Revocation>(REVOKED_SCOPE, &token.holder.key())
            .await?;
        Ok(match revoked {
            Some(r) if token.issued_at <= r.before => Err(PageTokenError::Revoked),
            _ => Ok(()),
        })
    }
}
