//! Issuing a code: one `TransactWriteItems` of the follower's claim item (put only if absent)
//! and the code item (updated only if still available in the follower's lane, released, and the
//! campaign's window still open). Neither invariant can break alone; no counter is touched.
//! The code leaves the available index and enters no other: the claim items, in
//! [`CLAIM_SHARDS`] partitions per campaign, are the listing of issued codes
//! ([`Store::campaign_claims`]), so a new claim costs 4 write units on the table and 1 on an index.

use crate::Store;
use crate::claims::context::CampaignContext;
use crate::table::error::StoreError;
use crate::table::items::{
    CLAIM_SHARDS, ClaimItem, CodeItem, claim_key, claim_pk, claim_shard, claim_sk, from_item, n,
    redeemed_pk, s, to_item,
};
use crate::table::retry::{MAX_ATTEMPTS, backoff};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    Put, ReturnConsumedCapacity, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use futures::{StreamExt, TryStreamExt};
use promo_core::{
    CampaignId, ClaimRefusal, Claimed, CodeState, Follower, InfluencerId, Lane, Timestamp,
};

/// What a follower asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRequest {
    /// The campaign.
    pub campaign: CampaignId,
    /// Who asks.
    pub follower: Follower,
    /// Through whom (`None` or `direct` for nobody).
    pub influencer: Option<InfluencerId>,
}

/// A claim's outcome: the follower's code, or why there is none.
pub type ClaimOutcome = Result<Claimed, ClaimRefusal>;

enum Attempt {
    Won(Claimed),
    Repeat(Claimed),
    CodeGone,
    Closed,
    Retry,
}

impl Store {
    /// Hands `request.follower` one code of the campaign, or the code they already hold.
    /// Safe to call any number of times, concurrently, and after a lost reply: a follower never
    /// gets a second code, and a code never goes to a second follower. A campaign not open on
    /// the follower's platform ([`Store::platform_policy`]) refuses with
    /// [`ClaimRefusal::PlatformClosed`]; a code already held is returned whatever the policy.
    pub async fn claim(
        &self,
        request: &ClaimRequest,
        now: Timestamp,
    ) -> Result<ClaimOutcome, StoreError> {
        // The repeat path: one strongly consistent read. Someone who already holds a code gets it
        // back even after the campaign ended or sold out.
        if let Some(existing) = self
            .follower_claim(&request.campaign, &request.follower)
            .await?
        {
            return Ok(Ok(existing.claimed(false)));
        }
        let Some(ctx) = self.campaign_context(&request.campaign).await? else {
            return Ok(Err(ClaimRefusal::UnknownCampaign));
        };
        // Every claim path (the API, each bot) passes here once: a campaign open on other
        // platforms only, listed or by their rules, refuses this one.
        let platform = request.follower.platform;
        if !self
            .platform_policy(&request.campaign)
            .await?
            .allows(platform)
        {
            return Ok(Err(ClaimRefusal::PlatformClosed { platform }));
        }
        if let Err(refusal) = ctx.campaign.check_open(now) {
            return Ok(Err(refusal));
        }
        let influencer = request.influencer.clone().filter(|i| !i.is_direct());
        let (lane, attribution, fallback) = match &influencer {
            None => (Lane::Open, InfluencerId::direct(), false),
            Some(id) => match ctx.influencers.get(id) {
                Some(inf) if inf.removed => return Ok(Err(ClaimRefusal::UnknownInfluencer)),
                Some(inf) => (
                    inf.lane(),
                    id.clone(),
                    inf.fallback && inf.quota.is_none() && inf.lane() != Lane::Open,
                ),
                None => return Ok(Err(ClaimRefusal::UnknownInfluencer)),
            },
        };
        let outcome = match self
            .claim_in_lane(&ctx, request, &lane, &attribution, now)
            .await?
        {
            // An influencer's own codes are all claimed: with fallback on, the open lane's
            // codes, still credited to them. A drip refusal is pacing, not running out.
            Err(ClaimRefusal::QuotaReached | ClaimRefusal::SoldOut) if fallback => {
                self.claim_in_lane(&ctx, request, &Lane::Open, &attribution, now)
                    .await?
            }
            outcome => outcome,
        };
        // "None left" may be this follower's own doing: their other attempt in flight took the
        // last candidates and won. Then they hold a code, and that is the answer.
        if let Err(
            ClaimRefusal::SoldOut | ClaimRefusal::QuotaReached | ClaimRefusal::DripExhausted { .. },
        ) = &outcome
            && let Some(existing) = self
                .follower_claim(&request.campaign, &request.follower)
                .await?
        {
            return Ok(Ok(existing.claimed(false)));
        }
        Ok(outcome)
    }

    /// One claim drawing from one lane.
    async fn claim_in_lane(
        &self,
        ctx: &CampaignContext,
        request: &ClaimRequest,
        lane: &Lane,
        attribution: &InfluencerId,
        now: Timestamp,
    ) -> Result<ClaimOutcome, StoreError> {
        let campaign = &ctx.campaign;
        if let Some(refusal) = self.inner.candidates.exhausted(&campaign.id, lane) {
            // A drip refusal is only cached until its release time.
            if !matches!(refusal, ClaimRefusal::DripExhausted { next_release } if next_release <= now)
            {
                return Ok(Err(refusal));
            }
        }
        let mut attempt = 0;
        while attempt < MAX_ATTEMPTS {
            attempt += 1;
            let Some(candidate) = self.pick_candidate(campaign, lane, now).await? else {
                let refusal = self.exhausted(ctx, lane, now).await?;
                self.inner
                    .candidates
                    .set_exhausted(&campaign.id, lane, refusal.clone());
                return Ok(Err(refusal));
            };
            let claim = ClaimItem {
                pk: claim_pk(&campaign.id, claim_shard(&request.follower)),
                sk: claim_sk(&request.follower),
                campaign: campaign.id.clone(),
                follower: request.follower.clone(),
                code: candidate.code.code.clone(),
                seat: candidate.code.seat,
                influencer: attribution.clone(),
                claimed_at: now,
                redeem_until: campaign.redeem_until,
            };
            match self.try_issue(&claim, lane, candidate.shard).await {
                Ok(Attempt::Won(c)) => return Ok(Ok(c)),
                Ok(Attempt::Repeat(c)) => {
                    self.return_candidate(&campaign.id, lane, candidate).await;
                    return Ok(Ok(c));
                }
                Ok(Attempt::Closed) => return Ok(Err(ClaimRefusal::Ended)),
                // Taken by someone else (or moved lanes): try another, at once, from a fresh
                // page of that shard.
                Ok(Attempt::CodeGone) => {
                    self.drop_stock(&campaign.id, lane, candidate.shard).await;
                }
                Ok(Attempt::Retry) => {
                    self.return_candidate(&campaign.id, lane, candidate).await;
                    backoff(attempt).await;
                }
                Err(e) if e.is_retryable() => {
                    // The write may have committed with its reply lost; the next attempt's claim
                    // put then fails and returns the code this follower holds.
                    tracing::warn!(error = %e, attempt, "claim attempt failed, retrying");
                    self.return_candidate(&campaign.id, lane, candidate).await;
                    backoff(attempt).await;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(Err(ClaimRefusal::Busy))
    }

    async fn try_issue(
        &self,
        claim: &ClaimItem,
        lane: &Lane,
        shard: u16,
    ) -> Result<Attempt, StoreError> {
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(to_item(claim)?))
            .condition_expression("attribute_not_exists(pk)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(StoreError::build)?;
        let now = claim.claimed_at.millis();
        let update = Update::builder()
            .table_name(self.table())
            .set_key(Some(claim.code_key().item_key()))
            .update_expression(
                "SET code_state = :issued, follower = :f, influencer = :i, claimed_at = :now, \
                 listing_pk = :listing REMOVE gsi1pk, gsi1sk",
            )
            .condition_expression(
                "code_state = :available AND campaign = :c AND lane = :lane AND release_at <= :now AND closes_at > :now",
            )
            .expression_attribute_values(":issued", s(CodeState::Issued.as_str()))
            .expression_attribute_values(":available", s(CodeState::Available.as_str()))
            .expression_attribute_values(":f", s(claim.follower.to_string()))
            .expression_attribute_values(":i", s(claim.influencer.as_str()))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":c", s(claim.campaign.as_str()))
            .expression_attribute_values(":lane", s(lane.key()))
            .expression_attribute_values(
                ":listing",
                s(redeemed_pk(&claim.campaign, &claim.influencer, shard)),
            )
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(StoreError::build)?;
        self.metrics().write();
        let result = self
            .client()
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put).build())
            .transact_items(TransactWriteItem::builder().update(update).build())
            .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
            .send()
            .await;
        let err = match result {
            Ok(out) => {
                self.metrics().capacity(out.consumed_capacity());
                return Ok(Attempt::Won(claim.clone().claimed(true)));
            }
            Err(err) => err,
        };
        let Some(TransactWriteItemsError::TransactionCanceledException(cancel)) =
            err.as_service_error()
        else {
            return Err(StoreError::sdk("TransactWriteItems", err));
        };
        let reasons = cancel.cancellation_reasons();
        let failed = |i: usize| {
            reasons
                .get(i)
                .filter(|r| r.code() == Some("ConditionalCheckFailed"))
        };
        if let Some(reason) = failed(0) {
            let old = reason.item().cloned().unwrap_or_default();
            if old.is_empty() {
                // No ALL_OLD from this engine: read the claim instead.
                return match self
                    .follower_claim(&claim.campaign, &claim.follower)
                    .await?
                {
                    Some(existing) => Ok(Attempt::Repeat(existing.claimed(false))),
                    None => Ok(Attempt::Retry),
                };
            }
            let existing: ClaimItem = from_item(old)?;
            return Ok(Attempt::Repeat(existing.claimed(false)));
        }
        if let Some(reason) = failed(1) {
            if let Some(old) = reason.item().filter(|i| !i.is_empty()) {
                let code: CodeItem = from_item(old.clone())?;
                if code.code_state == CodeState::Available
                    && code.lane == lane.key()
                    && code.closes_at.millis() <= now
                {
                    return Ok(Attempt::Closed);
                }
            }
            return Ok(Attempt::CodeGone);
        }
        // TransactionConflict, or any other transient reason: nothing was written.
        Ok(Attempt::Retry)
    }

    async fn exhausted(
        &self,
        ctx: &CampaignContext,
        lane: &Lane,
        now: Timestamp,
    ) -> Result<ClaimRefusal, StoreError> {
        let campaign = &ctx.campaign;
        if let Some(next_release) = self
            .next_release(&campaign.id, campaign.shards, lane, now)
            .await?
            && next_release < campaign.ends_at
        {
            return Ok(ClaimRefusal::DripExhausted { next_release });
        }
        if let Lane::Influencer(id) = lane
            && ctx
                .influencers
                .get(id)
                .is_some_and(|i| i.own_codes || i.unbacked() == 0)
        {
            return Ok(ClaimRefusal::QuotaReached);
        }
        Ok(ClaimRefusal::SoldOut)
    }

    /// The code a follower holds in a campaign, if any (one strongly consistent read).
    pub async fn follower_claim(
        &self,
        campaign: &CampaignId,
        follower: &Follower,
    ) -> Result<Option<ClaimItem>, StoreError> {
        self.metrics().read();
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .set_key(Some(claim_key(campaign, follower)))
            .consistent_read(true)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| StoreError::sdk("GetItem", e))?;
        self.metrics().read_capacity(out.consumed_capacity());
        out.item.map(from_item).transpose()
    }

    /// Every claim of a campaign (of one attribution if `influencer` is given): one `Query` per
    /// claim partition, [`CLAIM_SHARDS`] of them, a few at a time. Eventually consistent, like
    /// an index.
    pub async fn campaign_claims(
        &self,
        campaign: &CampaignId,
        influencer: Option<&InfluencerId>,
    ) -> Result<Vec<ClaimItem>, StoreError> {
        let pages: Vec<Vec<ClaimItem>> = futures::stream::iter(0..CLAIM_SHARDS)
            .map(|shard| async move {
                let mut query = self
                    .client()
                    .query()
                    .key_condition_expression("pk = :p")
                    .expression_attribute_values(":p", s(claim_pk(campaign, shard)));
                if let Some(id) = influencer {
                    query = query
                        .filter_expression("influencer = :i")
                        .expression_attribute_values(":i", s(id.as_str()));
                }
                self.query_items(query, false)
                    .await?
                    .into_iter()
                    .map(from_item)
                    .collect::<Result<Vec<ClaimItem>, StoreError>>()
            })
            .buffer_unordered(16)
            .try_collect()
            .await?;
        Ok(pages.into_iter().flatten().collect())
    }
}
