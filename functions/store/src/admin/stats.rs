//! Per-campaign and per-influencer counts, derived from the records (the claim items, the
//! listing and available indexes), never from a counter on the claim path.

use crate::Store;
use crate::admin::{OrderTotals, Sales};
use crate::table::error::StoreError;
use crate::table::index::Released;
use crate::table::items::{redeemed_pk, s};
use promo_core::{CampaignId, CodeState, InfluencerId, Lane, Timestamp};
use serde::Serialize;
use std::collections::HashMap;

/// One attribution's numbers in a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InfluencerStats {
    /// The influencer (`direct` for no influencer).
    pub influencer: InfluencerId,
    /// The quota, if any.
    pub quota: Option<u32>,
    /// Their own Amazon promotion's tracking id, when the seller set one: the orders column
    /// counts that promotion's orders.
    pub promotion: Option<String>,
    /// True when their followers draw from their own codes (imported for them), not the pool.
    pub own_codes: bool,
    /// Codes issued through them.
    pub claims: u32,
    /// Of those, redeemed.
    pub redemptions: u32,
    /// Amazon orders credited through their own promotion (from imported order reports).
    pub orders: u32,
    /// Units in those orders.
    pub units: u32,
    /// What buyers paid and the discount they got, per currency.
    pub sales: Vec<Sales>,
    /// Claims they can still bring: what is left of the quota, or of the open lane.
    pub remaining: u32,
}

impl InfluencerStats {
    /// Sales per claim: redemptions plus credited Amazon orders, over claims; 0 when there
    /// are no claims.
    pub fn conversion(&self) -> f64 {
        if self.claims == 0 {
            0.0
        } else {
            f64::from(self.redemptions + self.orders) / f64::from(self.claims)
        }
    }
}

/// A campaign's numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CampaignStats {
    /// The campaign.
    pub campaign: CampaignId,
    /// Codes in the pool, every lane and state.
    pub pool_size: u32,
    /// Codes that can be issued (under the total cap).
    pub issuable: u32,
    /// Available and released now, every issuable lane.
    pub available_now: u32,
    /// Available but released later (drip).
    pub available_later: u32,
    /// Codes issued.
    pub claims: u32,
    /// Codes redeemed.
    pub redemptions: u32,
    /// Amazon orders credited to influencers.
    pub orders: u32,
    /// Units in those orders.
    pub units: u32,
    /// What buyers paid and the discount they got, per currency, all influencers.
    pub sales: Vec<Sales>,
    /// Per attribution, `direct` first, then influencers by id.
    pub influencers: Vec<InfluencerStats>,
}

impl Store {
    /// Counts a campaign's codes and claims: claims from the claim items, redemptions from the
    /// listing index, stock from the available index.
    pub async fn campaign_stats(
        &self,
        id: &CampaignId,
        now: Timestamp,
    ) -> Result<CampaignStats, StoreError> {
        let ctx = self
            .read_context(id)
            .await?
            .ok_or_else(|| crate::admin::campaigns::unknown(id))?;
        let c = &ctx.campaign;
        let open = self.count_available(id, &Lane::Open, c.shards, now).await?;
        let mut ids: Vec<_> = ctx.influencers.keys().cloned().collect();
        ids.sort();
        ids.insert(0, InfluencerId::direct());
        let mut rows = Vec::new();
        let mut campaign_sales = OrderTotals::default();
        let (mut now_total, mut later_total) = open;
        let mut claimed: HashMap<InfluencerId, u32> = HashMap::new();
        for claim in self.campaign_claims(id, None).await? {
            *claimed.entry(claim.influencer).or_default() += 1;
        }
        for inf in ids {
            let claims = claimed.get(&inf).copied().unwrap_or(0);
            let redemptions = self.count_redeemed(id, &inf, c.shards).await?;
            let registered = ctx.influencers.get(&inf);
            let quota = registered.and_then(|i| i.quota);
            let lane = registered.map_or(Lane::Open, |i| i.lane());
            let remaining = if lane == Lane::Open {
                open.0 + open.1
            } else {
                let (a, b) = self.count_available(id, &lane, c.shards, now).await?;
                now_total += a;
                later_total += b;
                let own = quota.map_or(a + b, |q| q.saturating_sub(claims).min(a + b));
                let falls_back = registered.is_some_and(|i| i.fallback && quota.is_none());
                own + if falls_back { open.0 + open.1 } else { 0 }
            };
            let orders = if inf.is_direct() {
                0
            } else {
                self.count_orders(id, &inf).await?
            };
            let totals = ctx.sales.get(&inf).cloned().unwrap_or_default();
            campaign_sales.add(&totals);
            rows.push(InfluencerStats {
                units: totals.units,
                sales: totals.sales,
                promotion: registered.and_then(|i| i.promotion.clone()),
                own_codes: registered.is_some_and(|i| i.own_codes),
                influencer: inf,
                quota,
                claims,
                redemptions,
                orders,
                remaining,
            });
        }
        Ok(CampaignStats {
            campaign: id.clone(),
            pool_size: c.pool_size,
            issuable: c.issuable,
            available_now: now_total,
            available_later: later_total,
            claims: rows.iter().map(|r| r.claims).sum(),
            redemptions: rows.iter().map(|r| r.redemptions).sum(),
            orders: rows.iter().map(|r| r.orders).sum(),
            units: campaign_sales.units,
            sales: campaign_sales.sales,
            influencers: rows,
        })
    }

    /// Codes a campaign can still issue: (released now, released later), over every issuable
    /// lane. Reads only the sparse available index.
    pub async fn stock(&self, id: &CampaignId, now: Timestamp) -> Result<(u32, u32), StoreError> {
        let ctx = self
            .campaign_context(id)
            .await?
            .ok_or_else(|| crate::admin::campaigns::unknown(id))?;
        let shards = ctx.campaign.shards;
        let (mut ready, mut later) = self.count_available(id, &Lane::Open, shards, now).await?;
        for inf in ctx.influencers.values().filter(|i| i.lane() != Lane::Open) {
            let (a, b) = self.count_available(id, &inf.lane(), shards, now).await?;
            ready += a;
            later += b;
        }
        Ok((ready, later))
    }

    /// Codes left in one lane (released now or later).
    pub async fn lane_stock(
        &self,
        id: &CampaignId,
        lane: &Lane,
        shards: u16,
        now: Timestamp,
    ) -> Result<u32, StoreError> {
        let (a, b) = self.count_available(id, lane, shards, now).await?;
        Ok(a + b)
    }

    /// Codes of one attribution redeemed, from its listing-index partitions.
    async fn count_redeemed(
        &self,
        id: &CampaignId,
        influencer: &InfluencerId,
        shards: u16,
    ) -> Result<u32, StoreError> {
        let mut redeemed = 0;
        for shard in 0..shards.max(1) {
            let query = self
                .client()
                .query()
                .index_name(crate::table::schema::GSI_LISTING)
                .key_condition_expression("gsi2pk = :p")
                .expression_attribute_values(":p", s(redeemed_pk(id, influencer, shard)))
                .projection_expression("code_state");
            for item in self.query_items(query, false).await? {
                if item
                    .get("code_state")
                    .and_then(|v| v.as_s().ok())
                    .is_some_and(|s| s == CodeState::Redeemed.as_str())
                {
                    redeemed += 1;
                }
            }
        }
        Ok(redeemed)
    }

    /// (released now, released later) available codes of a lane.
    async fn count_available(
        &self,
        id: &CampaignId,
        lane: &Lane,
        shards: u16,
        now: Timestamp,
    ) -> Result<(u32, u32), StoreError> {
        let (mut ready, mut later) = (0, 0);
        for shard in 0..shards.max(1) {
            for (_, at) in self
                .available_in(id, lane, shard, Released::Any, None)
                .await?
            {
                if at <= now.millis() {
                    ready += 1
                } else {
                    later += 1
                }
            }
        }
        Ok((ready, later))
    }
}
