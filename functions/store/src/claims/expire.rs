//! The expire sweep: ends campaigns whose time is up and retires the codes they left unissued.
//! Bounded per run and resumable: a retired code leaves the available index, so the next run
//! simply carries on. It only ever moves `available -> retired`, so an issued or redeemed code is
//! never touched, and a code a follower has seen never goes to anybody else.

use crate::Store;
use crate::table::error::StoreError;
use crate::table::index::Released;
use crate::table::items::{CodeKey, META, campaign_pk, key, n, s};
use aws_sdk_dynamodb::types::ReturnConsumedCapacity;
use futures::{StreamExt, TryStreamExt};
use promo_core::{CampaignId, CampaignStatus, CodeState, Timestamp};

/// What one sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SweepReport {
    /// Campaigns moved to `ended` because their end time passed.
    pub campaigns_ended: u32,
    /// Codes retired.
    pub codes_retired: u32,
    /// Campaigns whose sweep finished in this run.
    pub campaigns_swept: u32,
    /// True when the budget ran out before the work did: run again.
    pub more: bool,
}

impl Store {
    /// Sweeps every campaign that is over at `now`, retiring at most `budget` codes.
    pub async fn expire_sweep(
        &self,
        now: Timestamp,
        budget: u32,
    ) -> Result<SweepReport, StoreError> {
        let mut report = SweepReport::default();
        let mut left = budget;
        for ctx in self.list_contexts().await? {
            let campaign = &ctx.campaign;
            if ctx.swept || !campaign.is_over(now) {
                continue;
            }
            if campaign.status != CampaignStatus::Ended {
                self.mark_ended(&campaign.id, campaign.status).await?;
                report.campaigns_ended += 1;
            }
            let lanes = ctx.lanes();
            let mut done = true;
            for lane in &lanes {
                for shard in 0..campaign.shards.max(1) {
                    loop {
                        if left == 0 {
                            report.more = true;
                            return Ok(report);
                        }
                        let page = self
                            .available_in(
                                &campaign.id,
                                lane,
                                shard,
                                Released::Any,
                                Some(left.min(100) as usize),
                            )
                            .await?;
                        let codes: Vec<CodeKey> = page.into_iter().map(|(code, _)| code).collect();
                        if codes.is_empty() {
                            break;
                        }
                        let retired = self.retire(&codes, now).await?;
                        report.codes_retired += retired;
                        left = left.saturating_sub(codes.len() as u32);
                        if retired == 0 {
                            // Stale index entries (a GSI lags on AWS): leave them for the next run.
                            done = false;
                            break;
                        }
                    }
                }
            }
            if done {
                self.mark_swept(&campaign.id).await?;
                report.campaigns_swept += 1;
            }
            self.invalidate_context(&campaign.id);
            self.forget_candidates(&campaign.id);
        }
        Ok(report)
    }

    /// Retires each code that is still available; returns how many were.
    async fn retire(&self, codes: &[CodeKey], now: Timestamp) -> Result<u32, StoreError> {
        let results: Vec<bool> = futures::stream::iter(codes.iter().cloned())
            .map(|code| async move {
                self.metrics().write();
                let r = self
                    .client()
                    .update_item()
                    .table_name(self.table())
                    .set_key(Some(code.item_key()))
                    .update_expression(
                        "SET code_state = :retired, retired_at = :now REMOVE gsi1pk, gsi1sk",
                    )
                    .condition_expression("code_state = :available")
                    .expression_attribute_values(":retired", s(CodeState::Retired.as_str()))
                    .expression_attribute_values(":available", s(CodeState::Available.as_str()))
                    .expression_attribute_values(":now", n(now.millis()))
                    .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
                    .send()
                    .await;
                match r {
                    Ok(out) => {
                        self.metrics().capacity(out.consumed_capacity());
                        Ok(true)
                    }
                    // Issued a moment ago: it is the follower's now, and stays so.
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
                    {
                        Ok(false)
                    }
                    Err(e) => Err(StoreError::sdk("UpdateItem", e)),
                }
            })
            .buffer_unordered(8)
            .try_collect()
            .await?;
        Ok(results.into_iter().filter(|r| *r).count() as u32)
    }

    async fn mark_ended(&self, id: &CampaignId, from: CampaignStatus) -> Result<(), StoreError> {
        self.metrics().write();
        let r = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(campaign_pk(id), META)))
            .update_expression("SET #st = :ended")
            .condition_expression("#st = :from")
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":ended", s(CampaignStatus::Ended.as_str()))
            .expression_attribute_values(":from", s(from.as_str()))
            .send()
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(StoreError::sdk("UpdateItem", e)),
        }
    }

    async fn mark_swept(&self, id: &CampaignId) -> Result<(), StoreError> {
        self.metrics().write();
        self.client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(campaign_pk(id), META)))
            .update_expression("SET swept = :t")
            .expression_attribute_values(":t", aws_sdk_dynamodb::types::AttributeValue::Bool(true))
            .send()
            .await
            .map_err(|e| StoreError::sdk("UpdateItem", e))?;
        Ok(())
    }
}
