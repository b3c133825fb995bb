//! Changing an influencer's quota while claims run. The quota is enforced by the size of their
//! lane (`backed` codes placed in it, issued or not), never by a counter: raising it backs the
//! lane with more codes; lowering it first moves available codes out of the lane (each batch
//! with its `backed` in one transaction), so what can be issued through them never exceeds the
//! old quota on the way, nor the new one after. Never below what was issued.

use crate::Store;
use crate::admin::AdminRefusal;
use crate::admin::campaigns::unknown;
use crate::table::error::StoreError;
use crate::table::items::{CODE_SK, available_pk, campaign_pk, code_pk, influencer_sk, key, n, s};
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use promo_core::{CampaignId, CodeState, Influencer, InfluencerId, Lane};

/// Codes moved out of a lane per transaction (one item is the influencer).
const MOVE_OUT_BATCH: usize = 99;

impl Store {
    /// Sets the quota of an influencer who has one. Raised: their lane is backed from the open
    /// lane (an influencer with their own codes gets room for more of them). Lowered: available
    /// codes leave their lane (to the open lane, or to reserve if they are the influencer's own
    /// promotion's) until the lane holds no more than the new quota; refused below the codes
    /// already issued through them.
    pub async fn set_influencer_quota(
        &self,
        campaign: &CampaignId,
        id: &InfluencerId,
        quota: u32,
    ) -> Result<Influencer, StoreError> {
        if quota == 0 {
            return Err(AdminRefusal::ZeroQuota.into());
        }
        // Refused before anything moves; the loop below checks again as claims go on.
        let issued = self.campaign_claims(campaign, Some(id)).await?.len() as u32;
        if quota < issued {
            return Err(AdminRefusal::QuotaBelowIssued {
                influencer: id.clone(),
                issued,
            }
            .into());
        }
        let lane = Lane::Influencer(id.clone());
        for _ in 0..10_000 {
            let ctx = self
                .read_context(campaign)
                .await?
                .ok_or_else(|| unknown(campaign))?;
            let inf = ctx.influencers.get(id).cloned().ok_or_else(|| {
                AdminRefusal::UnknownInfluencer {
                    campaign: campaign.clone(),
                    influencer: id.clone(),
                }
            })?;
            let Some(current) = inf.quota else {
                return Err(AdminRefusal::NoQuota(id.clone()).into());
            };
            if inf.backed <= quota {
                // Nothing to move out: set it (under the `backed` just read), then back it.
                self.write_quota(campaign, &inf, quota).await?;
                self.invalidate_context(campaign);
                return if quota > current {
                    self.back_lane(campaign, id).await
                } else {
                    Ok(Influencer {
                        quota: Some(quota),
                        ..inf
                    })
                };
            }
            let excess = (inf.backed - quota) as usize;
            let codes = self
                .lane_codes(
                    campaign,
                    &lane,
                    ctx.campaign.shards,
                    excess.min(MOVE_OUT_BATCH),
                )
                .await?;
            if codes.is_empty() {
                // Claims took the rest meanwhile: every code of the lane is issued.
                let issued = inf.backed;
                return Err(AdminRefusal::QuotaBelowIssued {
                    influencer: id.clone(),
                    issued,
                }
                .into());
            }
            // Their own promotion's codes never join the shared pool.
            let to = if inf.own_codes {
                Lane::Reserve
            } else {
                Lane::Open
            };
            let mut tx = self.client().transact_write_items();
            for (code, shard) in &codes {
                let update = Update::builder()
                    .table_name(self.table())
                    .set_key(Some(key(code_pk(code), CODE_SK)))
                    .update_expression("SET lane = :to, gsi1pk = :g")
                    .condition_expression("code_state = :available AND lane = :from")
                    .expression_attribute_values(":to", s(to.key()))
                    .expression_attribute_values(":from", s(lane.key()))
                    .expression_attribute_values(":available", s(CodeState::Available.as_str()))
                    .expression_attribute_values(":g", s(available_pk(campaign, &to, *shard)))
                    .build()
                    .map_err(StoreError::build)?;
                tx = tx.transact_items(TransactWriteItem::builder().update(update).build());
            }
            let shrink = Update::builder()
                .table_name(self.table())
                .set_key(Some(key(campaign_pk(campaign), influencer_sk(id))))
                .update_expression("SET backed = backed - :k")
                .condition_expression("backed = :b")
                .expression_attribute_values(":k", n(codes.len()))
                .expression_attribute_values(":b", n(inf.backed))
                .build()
                .map_err(StoreError::build)?;
            tx = tx.transact_items(TransactWriteItem::builder().update(shrink).build());
            self.metrics().write();
            match tx.send().await {
                Ok(_) => {}
                // A code was issued meanwhile, or another change raced: read again and redo.
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_transaction_canceled_exception()) =>
                {
                    crate::table::retry::backoff(1).await;
                }
                Err(e) => return Err(StoreError::sdk("TransactWriteItems", e)),
            }
            self.invalidate_context(campaign);
            self.forget_candidates(campaign);
        }
        Err(AdminRefusal::LaneBusy.into())
    }

    async fn write_quota(
        &self,
        campaign: &CampaignId,
        inf: &Influencer,
        quota: u32,
    ) -> Result<(), StoreError> {
        self.metrics().write();
        self.client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(campaign_pk(campaign), influencer_sk(&inf.id))))
            .update_expression("SET quota = :q")
            .condition_expression("backed = :b")
            .expression_attribute_values(":q", n(quota))
            .expression_attribute_values(":b", n(inf.backed))
            .send()
            .await
            .map_err(|e| {
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception())
                {
                    AdminRefusal::LaneBusy.into()
                } else {
                    StoreError::sdk("UpdateItem", e)
                }
            })?;
        Ok(())
    }
}
