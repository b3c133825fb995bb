//! Changing an influencer's quota while claims run. The quota is enforced by the size of their
//! lane (`backed` codes placed in it, issued or not), never by a counter: raising it backs the
//! lane with more codes; lowering it first moves available codes out of the lane (each batch
//! with its `backed` in one transaction), so what can be issued through them never exceeds the
//! old quota on the way, nor the new one after. Never below what was issued.

use crate::Store;
use crate::admin::AdminRefusal;
use crate::admin::campaigns::unknown;
use crate::table::error::StoreError;
use crate::table::items::{META, campaign_pk, influencer_sk, key, n};
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use promo_core::{CampaignId, Influencer, InfluencerId, Lane};

/// Codes moved out of a lane per transaction (the others are the influencer and the campaign).
const MOVE_OUT_BATCH: usize = 98;

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
        for _ in 0..10_000 {
            let ctx = self
                .read_context(campaign)
                .await?
                .ok_or_else(|| unknown(campaign))?;
            let inf = ctx
                .influencers
                .get(id)
                .cloned()
                .ok_or_else(|| AdminRefusal::unknown_influencer(campaign, id))?;
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
            if self.move_out(campaign, &inf, quota, &ctx).await? == Some(0) {
                // Claims took the rest meanwhile: every code of the lane is issued.
                return Err(AdminRefusal::QuotaBelowIssued {
                    influencer: id.clone(),
                    issued: inf.backed,
                }
                .into());
            }
        }
        Err(AdminRefusal::LaneBusy.into())
    }

    /// Removes an influencer: their links claim nothing more (within the settings cache's 2 s
    /// on other instances), and the available codes of their lane go to the open lane, or to
    /// reserve with `keep_out` (always for their own promotion's codes, which must not reach
    /// anyone else's followers). The codes they handed out stay theirs. Returns them with the
    /// number of codes moved.
    pub async fn remove_influencer(
        &self,
        campaign: &CampaignId,
        id: &InfluencerId,
        keep_out: bool,
    ) -> Result<(Influencer, u32), StoreError> {
        self.metrics().write();
        self.client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(campaign_pk(campaign), influencer_sk(id))))
            .update_expression("SET removed = :t")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":t", aws_sdk_dynamodb::types::AttributeValue::Bool(true))
            .send()
            .await
            .map_err(|e| {
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception())
                {
                    AdminRefusal::unknown_influencer(campaign, id).into()
                } else {
                    StoreError::sdk("UpdateItem", e)
                }
            })?;
        self.invalidate_context(campaign);
        let mut moved = 0;
        for _ in 0..10_000 {
            let ctx = self
                .read_context(campaign)
                .await?
                .ok_or_else(|| unknown(campaign))?;
            let mut inf = ctx
                .influencers
                .get(id)
                .cloned()
                .ok_or_else(|| AdminRefusal::unknown_influencer(campaign, id))?;
            if keep_out {
                inf.own_codes = true;
            }
            match self.move_out(campaign, &inf, 0, &ctx).await? {
                Some(0) => return Ok((inf, moved)),
                Some(n) => moved += n,
                None => {}
            }
        }
        Err(AdminRefusal::LaneBusy.into())
    }

    /// Moves one batch of available codes out of `inf`'s lane (towards `keep` codes left in it),
    /// with its `backed`, in one transaction: to reserve for their own promotion's codes, to the
    /// open lane otherwise. Returns how many moved (0: none is available), or `None` when a
    /// claim or another change raced (the caller reads again).
    async fn move_out(
        &self,
        campaign: &CampaignId,
        inf: &Influencer,
        keep: u32,
        ctx: &crate::claims::context::CampaignContext,
    ) -> Result<Option<u32>, StoreError> {
        let id = &inf.id;
        let lane = Lane::Influencer(id.clone());
        let excess = inf.backed.saturating_sub(keep) as usize;
        if excess == 0 {
            return Ok(Some(0));
        }
        let codes = self
            .lane_codes(
                campaign,
                &lane,
                ctx.campaign.shards,
                excess.min(MOVE_OUT_BATCH),
            )
            .await?;
        if codes.is_empty() {
            return Ok(Some(0));
        }
        // Their own promotion's codes never join the shared pool.
        let to = if inf.own_codes {
            Lane::Reserve
        } else {
            Lane::Open
        };
        let mut tx = self.client().transact_write_items();
        for (code, shard) in &codes {
            tx = tx.transact_items(self.lane_move(campaign, code, *shard, &lane, &to)?);
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
        if to == Lane::Reserve {
            // Held out, they no longer count against the total cap.
            let held = Update::builder()
                .table_name(self.table())
                .set_key(Some(key(campaign_pk(campaign), META)))
                .update_expression("SET issuable = issuable - :k")
                .expression_attribute_values(":k", n(codes.len()))
                .build()
                .map_err(StoreError::build)?;
            tx = tx.transact_items(TransactWriteItem::builder().update(held).build());
        }
        self.metrics().write();
        let moved = match tx.send().await {
            Ok(_) => Some(codes.len() as u32),
            // A code was issued meanwhile, or another change raced: read again and redo.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_transaction_canceled_exception()) =>
            {
                crate::table::retry::backoff(1).await;
                None
            }
            Err(e) => return Err(StoreError::sdk("TransactWriteItems", e)),
        };
        self.invalidate_context(campaign);
        self.forget_candidates(campaign);
        Ok(moved)
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
