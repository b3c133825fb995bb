//! Changing a campaign's total cap and its daily drip while claims run. Neither is a counter on
//! the claim path: the cap is the number of codes in the lanes claims draw from (issued or
//! available, the campaign's `issuable`), the drip is each code's `release_at` in its claim
//! condition. So a change moves or re-dates codes first, each with a conditional write that a
//! racing claim either wins under the old condition or makes fail, and the campaign item's
//! fields are written last (by `edit_campaign`). A cached campaign on another instance cannot
//! issue past a lowered cap: it only picks codes, and a code outside the lanes cannot be claimed.
//!
//! A lower cap takes available codes out of the open lane first, then out of quota lanes backed
//! from the shared pool (to the over-cap lane, their `backed` shrinking with them: a raised cap
//! fills them again first), then out of lanes holding an influencer's own promotion's codes (to
//! reserve: those never join the shared pool). Each batch lowers `issuable` in its transaction,
//! so what can be issued never exceeds the old cap on the way nor the new one after. It is
//! refused below the codes already issued.

use crate::Store;
use crate::admin::AdminRefusal;
use crate::admin::campaigns::unknown;
use crate::claims::context::CampaignContext;
use crate::table::error::StoreError;
use crate::table::index::{AvailableCode, Released};
use crate::table::items::{
    CodeKey, META, available_pk, campaign_pk, influencer_sk, key, n, pk_of, s,
};
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use futures::{StreamExt, TryStreamExt};
use promo_core::{
    Campaign, CampaignId, CodeState, DripAnchor, Influencer, InfluencerId, Lane, Timestamp,
};
use std::collections::BTreeMap;

/// Codes per cap transaction: the rest of DynamoDB's 100 items is the campaign item and the
/// influencer items whose lanes the batch fills or shrinks.
const CAP_BATCH: usize = 90;
/// At most this many influencer lanes filled by one raising batch.
const LANES_PER_BATCH: usize = 9;

impl Store {
    /// Moves codes until the lanes claims draw from hold at most `cap` codes (`None`: every
    /// shared code over the old cap joins them). Returns how many codes moved. The campaign
    /// item's cap itself is the caller's to write, last.
    pub(crate) async fn apply_cap(
        &self,
        id: &CampaignId,
        cap: Option<u32>,
    ) -> Result<u32, StoreError> {
        if let Some(cap) = cap {
            // Refused before anything moves; the loop checks again as claims go on.
            self.check_cap_above_issued(id, cap).await?;
        }
        let mut moved = 0;
        for _ in 0..10_000 {
            let ctx = self.read_context(id).await?.ok_or_else(|| unknown(id))?;
            let step = match cap {
                Some(cap) if ctx.campaign.issuable > cap => self.lower_step(&ctx, cap).await?,
                _ => self.raise_step(&ctx, cap).await?,
            };
            self.invalidate_context(id);
            self.forget_candidates(id);
            match step {
                Some(0) => return Ok(moved),
                Some(k) => moved += k,
                // A claim or another change raced: read again and redo.
                None => crate::table::retry::backoff(1).await,
            }
        }
        Err(AdminRefusal::LaneBusy.into())
    }

    async fn check_cap_above_issued(&self, id: &CampaignId, cap: u32) -> Result<(), StoreError> {
        let issued = self.campaign_claims(id, None).await?.len() as u32;
        if issued > cap {
            return Err(AdminRefusal::CapBelowIssued {
                campaign: id.clone(),
                issued,
            }
            .into());
        }
        Ok(())
    }

    /// One batch out of the lanes, towards `cap`: `Some(0)` when there is nothing left to move.
    async fn lower_step(&self, ctx: &CampaignContext, cap: u32) -> Result<Option<u32>, StoreError> {
        let c = &ctx.campaign;
        let excess = (c.issuable - cap) as usize;
        let mut lanes: Vec<(Lane, Option<&Influencer>)> = vec![(Lane::Open, None)];
        let mut influencers: Vec<&Influencer> = ctx
            .influencers
            .values()
            .filter(|i| i.lane() != Lane::Open && i.backed > 0)
            .collect();
        // Shared codes first, an influencer's own promotion's last.
        influencers.sort_by(|a, b| (a.own_codes, &a.id).cmp(&(b.own_codes, &b.id)));
        lanes.extend(influencers.into_iter().map(|i| (i.lane(), Some(i))));
        for (lane, inf) in lanes {
            let codes = self
                .latest_codes(&c.id, &lane, c.shards, excess.min(CAP_BATCH))
                .await?;
            if codes.is_empty() {
                continue;
            }
            let to = if inf.is_some_and(|i| i.own_codes) {
                Lane::Reserve
            } else {
                Lane::OverCap
            };
            let k = codes.len() as u32;
            let mut tx = self.client().transact_write_items();
            for (code, shard) in &codes {
                tx = tx.transact_items(self.lane_move(&c.id, code, *shard, &lane, &to)?);
            }
            tx = tx.transact_items(counters(self, c, c.issuable - k, c.next_seq())?);
            if let Some(inf) = inf {
                tx = tx.transact_items(backed(self, &c.id, inf, -i64::from(k))?);
            }
            self.metrics().write();
            return match tx.send().await {
                Ok(_) => Ok(Some(k)),
                Err(e) if canceled(&e) => Ok(None),
                Err(e) => Err(StoreError::sdk("TransactWriteItems", e)),
            };
        }
        // Nothing available is left in the lanes: the rest is issued, or counted by a campaign
        // that held codes out before `issuable` followed them (then it is set to the truth).
        let issued = self.campaign_claims(&c.id, None).await?.len() as u32;
        if issued > cap {
            return Err(AdminRefusal::CapBelowIssued {
                campaign: c.id.clone(),
                issued,
            }
            .into());
        }
        let tx = self
            .client()
            .transact_write_items()
            .transact_items(counters(self, c, issued, c.next_seq())?);
        self.metrics().write();
        match tx.send().await {
            Ok(_) => Ok(None),
            Err(e) if canceled(&e) => Ok(None),
            Err(e) => Err(StoreError::sdk("TransactWriteItems", e)),
        }
    }

    /// One batch from the over-cap lane into the lanes, as an import would place them (quota
    /// lanes that take shared codes and are not yet backed, then the open lane), each with its
    /// place in the drip. `Some(0)` when the cap is reached or the over-cap lane is empty.
    async fn raise_step(
        &self,
        ctx: &CampaignContext,
        cap: Option<u32>,
    ) -> Result<Option<u32>, StoreError> {
        let c = &ctx.campaign;
        let room = cap.map_or(usize::MAX, |cap| cap.saturating_sub(c.issuable) as usize);
        if room == 0 {
            return Ok(Some(0));
        }
        let codes = self
            .lane_codes(&c.id, &Lane::OverCap, c.shards, room.min(CAP_BATCH))
            .await?;
        if codes.is_empty() {
            return Ok(Some(0));
        }
        let mut waiting: Vec<&Influencer> = ctx
            .influencers
            .values()
            .filter(|i| i.takes_pool_codes() && i.unbacked() > 0)
            .collect();
        waiting.sort_by(|a, b| a.id.cmp(&b.id));
        let mut fills: BTreeMap<&InfluencerId, (&Influencer, u32)> = BTreeMap::new();
        let mut tx = self.client().transact_write_items();
        let mut seq = c.next_seq();
        for (code, shard) in &codes {
            let lane = match waiting
                .iter()
                .find(|i| fills.get(&i.id).map_or(0, |f| f.1) < i.unbacked())
            {
                Some(inf) if fills.contains_key(&inf.id) || fills.len() < LANES_PER_BATCH => {
                    fills.entry(&inf.id).or_insert((inf, 0)).1 += 1;
                    Lane::Influencer(inf.id.clone())
                }
                Some(_) => break,
                None => Lane::Open,
            };
            tx = tx.transact_items(self.place_over_cap_code(c, code, *shard, &lane, seq)?);
            seq += 1;
        }
        let k = seq - c.next_seq();
        tx = tx.transact_items(counters(self, c, c.issuable + k, seq)?);
        for (inf, filled) in fills.values() {
            tx = tx.transact_items(backed(self, &c.id, inf, i64::from(*filled))?);
        }
        self.metrics().write();
        match tx.send().await {
            Ok(_) => Ok(Some(k)),
            Err(e) if canceled(&e) => Ok(None),
            Err(e) => Err(StoreError::sdk("TransactWriteItems", e)),
        }
    }

    /// Moves one over-cap code into `lane` with drip sequence number `seq` and its release time,
    /// as one item of a transaction; cancelled if it is no longer waiting over the cap.
    fn place_over_cap_code(
        &self,
        c: &Campaign,
        code: &CodeKey,
        shard: u16,
        lane: &Lane,
        seq: u32,
    ) -> Result<TransactWriteItem, StoreError> {
        let release_at = c.release_at(seq).millis();
        let update = Update::builder()
            .table_name(self.table())
            .set_key(Some(code.item_key()))
            .update_expression(
                "SET lane = :to, gsi1pk = :g, seq = :seq, release_at = :r, gsi1sk = :r",
            )
            .condition_expression("code_state = :available AND lane = :from AND campaign = :c")
            .expression_attribute_values(":to", s(lane.key()))
            .expression_attribute_values(":g", s(available_pk(&c.id, lane, shard)))
            .expression_attribute_values(":seq", n(seq))
            .expression_attribute_values(":r", n(release_at))
            .expression_attribute_values(":available", s(CodeState::Available.as_str()))
            .expression_attribute_values(":from", s(Lane::OverCap.key()))
            .expression_attribute_values(":c", s(c.id.as_str()))
            .build()
            .map_err(StoreError::build)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Up to `limit` available codes of `lane`, those released last first (a lower cap keeps
    /// what followers can claim now), with their shards.
    async fn latest_codes(
        &self,
        campaign: &CampaignId,
        lane: &Lane,
        shards: u16,
        limit: usize,
    ) -> Result<Vec<(CodeKey, u16)>, StoreError> {
        let mut found: Vec<(i64, CodeKey, u16)> = Vec::new();
        for shard in 0..shards.max(1) {
            let query = self
                .client()
                .query()
                .index_name(crate::table::schema::GSI_AVAILABLE)
                .key_condition_expression("gsi1pk = :p")
                .expression_attribute_values(":p", s(available_pk(campaign, lane, shard)))
                .scan_index_forward(false)
                .limit(limit.clamp(1, 1_000) as i32);
            for item in self.query_items(query, true).await? {
                let code = pk_of(&item).and_then(CodeKey::from_pk);
                let at = item
                    .get("gsi1sk")
                    .and_then(|v| v.as_n().ok())
                    .and_then(|v| v.parse::<i64>().ok());
                if let (Some(code), Some(at)) = (code, at) {
                    found.push((at, code, shard));
                }
            }
        }
        found.sort_by_key(|f| std::cmp::Reverse(f.0));
        Ok(found
            .into_iter()
            .take(limit)
            .map(|(_, code, shard)| (code, shard))
            .collect())
    }

    /// Re-paces the campaign's unreleased available codes for a daily drip of `drip` (`None`:
    /// all released now): from the next day of the schedule, `drip` a day, in their old order,
    /// each with a fresh sequence number. Codes already released stay released (claimable), and
    /// the day under way keeps what it released. Returns the campaign as it must be written
    /// (drip, anchor, next sequence number) and how many codes took new release times.
    pub(crate) async fn repace(
        &self,
        ctx: &CampaignContext,
        drip: Option<u32>,
        now: Timestamp,
    ) -> Result<(Campaign, u32), StoreError> {
        let c = &ctx.campaign;
        let mut next = c.clone();
        next.caps.daily_drip = drip;
        let first = c.next_seq();
        let mut waiting: Vec<AvailableCode> = Vec::new();
        for lane in ctx.lanes().iter().filter(|l| l.is_issuable()) {
            for shard in 0..c.shards.max(1) {
                waiting.extend(
                    self.available_in(&c.id, lane, shard, Released::After(now), None)
                        .await?,
                );
            }
        }
        waiting.sort_by_key(|w| w.1);
        next.drip_from = drip.map(|_| DripAnchor {
            at: c.next_drip_day(now),
            seq: first,
        });
        next.next_seq = Some(first + waiting.len() as u32);
        let plan: Vec<(CodeKey, i64, u32)> = waiting
            .into_iter()
            .enumerate()
            .map(|(j, (code, was))| (code, was, first + j as u32))
            .collect();
        let done: Vec<bool> = futures::stream::iter(plan)
            .map(|(code, was, seq)| {
                let at = next.release_at(seq);
                self.redrip_code(&c.id, code, was, seq, at)
            })
            .buffer_unordered(16)
            .try_collect()
            .await?;
        self.forget_candidates(&c.id);
        Ok((next, done.into_iter().filter(|d| *d).count() as u32))
    }

    /// Gives one code a new release time if it is still available and unchanged; false when it
    /// was issued or moved meanwhile.
    async fn redrip_code(
        &self,
        id: &CampaignId,
        code: CodeKey,
        was: i64,
        seq: u32,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        self.metrics().write();
        let result = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(code.item_key()))
            .update_expression("SET release_at = :r, gsi1sk = :r, seq = :seq")
            .condition_expression("code_state = :available AND campaign = :c AND release_at = :was")
            .expression_attribute_values(":r", n(at.millis()))
            .expression_attribute_values(":seq", n(seq))
            .expression_attribute_values(":was", n(was))
            .expression_attribute_values(":available", s(CodeState::Available.as_str()))
            .expression_attribute_values(":c", s(id.as_str()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(StoreError::sdk("UpdateItem", e)),
        }
    }
}

/// The campaign item's counters set to `issuable` and `next_seq`, under a condition on the ones
/// read (an import or another move in between cancels the batch).
fn counters(
    store: &Store,
    c: &Campaign,
    issuable: u32,
    next_seq: u32,
) -> Result<TransactWriteItem, StoreError> {
    let update = Update::builder()
        .table_name(store.table())
        .set_key(Some(key(campaign_pk(&c.id), META)))
        .update_expression("SET issuable = :iss, next_seq = :next")
        .condition_expression(
            "issuable = :was AND pool_size = :size AND (attribute_not_exists(next_seq) OR next_seq = :ns)",
        )
        .expression_attribute_values(":iss", n(issuable))
        .expression_attribute_values(":next", n(next_seq))
        .expression_attribute_values(":was", n(c.issuable))
        .expression_attribute_values(":size", n(c.pool_size))
        .expression_attribute_values(":ns", n(c.next_seq()))
        .build()
        .map_err(StoreError::build)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// An influencer's `backed` moved by `delta`, under a condition on the one read (and, when
/// raised, on the lane still taking shared codes).
fn backed(
    store: &Store,
    campaign: &CampaignId,
    inf: &Influencer,
    delta: i64,
) -> Result<TransactWriteItem, StoreError> {
    let mut update = Update::builder()
        .table_name(store.table())
        .set_key(Some(key(campaign_pk(campaign), influencer_sk(&inf.id))))
        .update_expression("SET backed = :now")
        .expression_attribute_values(":now", n(i64::from(inf.backed) + delta))
        .expression_attribute_values(":b", n(inf.backed));
    update = if delta > 0 {
        update
            .condition_expression("backed = :b AND NOT own_codes = :own")
            .expression_attribute_values(":own", AttributeValue::Bool(true))
    } else {
        update.condition_expression("backed = :b")
    };
    Ok(TransactWriteItem::builder()
        .update(update.build().map_err(StoreError::build)?)
        .build())
}

fn canceled(
    e: &aws_sdk_dynamodb::error::SdkError<
        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError,
        aws_sdk_dynamodb::config::http::HttpResponse,
    >,
) -> bool {
    e.as_service_error()
        .is_some_and(|s| s.is_transaction_canceled_exception())
}
