//! Campaigns and influencers: the seller's admin operations. None of these is on the claim path.

use crate::Store;
use crate::admin::AdminRefusal;
use crate::bots::settings::{PLATFORMS_SETTING, PlatformList, PlatformPolicy, campaign_scope};
use crate::table::error::StoreError;
use crate::table::index::Released;
use crate::table::items::{
    CampaignItem, CodeKey, InfluencerItem, META, available_pk, campaign_pk, influencer_sk, key, n,
    s, to_item,
};
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity, TransactWriteItem, Update};
use promo_core::{
    Campaign, CampaignId, CampaignStatus, CodeState, Influencer, InfluencerId, Lane, NewCampaign,
    Platform, ProductUrl, Timestamp,
};
use std::collections::BTreeSet;

/// How many codes one lane move writes per transaction (DynamoDB allows 100 items; one is the
/// influencer item).
const MOVE_BATCH: usize = 99;

impl Store {
    /// Creates a campaign; refuses an id that exists.
    pub async fn create_campaign(
        &self,
        new: NewCampaign,
        now: Timestamp,
    ) -> Result<Campaign, StoreError> {
        new.validate().map_err(AdminRefusal::InvalidCampaign)?;
        let campaign = Campaign::create(new, now);
        self.metrics().write();
        let result = self
            .client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(to_item(&CampaignItem::new(campaign.clone()))?))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(campaign),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(PutItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Err(AdminRefusal::CampaignExists(campaign.id).into())
            }
            Err(e) => Err(StoreError::sdk("PutItem", e)),
        }
    }

    /// A campaign, read fresh.
    pub async fn get_campaign(&self, id: &CampaignId) -> Result<Option<Campaign>, StoreError> {
        Ok(self.read_context(id).await?.map(|c| c.campaign))
    }

    /// A campaign's influencers, read fresh, sorted by id.
    pub async fn list_influencers(&self, id: &CampaignId) -> Result<Vec<Influencer>, StoreError> {
        let ctx = self.read_context(id).await?.ok_or_else(|| unknown(id))?;
        let mut list: Vec<_> = ctx.influencers.into_values().collect();
        list.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(list)
    }

    /// Every campaign, sorted by id.
    pub async fn list_campaigns(&self) -> Result<Vec<Campaign>, StoreError> {
        Ok(self
            .list_contexts()
            .await?
            .into_iter()
            .map(|c| c.campaign)
            .collect())
    }

    /// Moves a campaign to `status` if its lifecycle allows it. Ending sets the end time to now
    /// (if later), so every code's window check refuses further claims once the codes are
    /// swept; run the expire sweep to retire them.
    pub async fn set_campaign_status(
        &self,
        id: &CampaignId,
        status: CampaignStatus,
        now: Timestamp,
    ) -> Result<Campaign, StoreError> {
        let current = self.get_campaign(id).await?.ok_or_else(|| unknown(id))?;
        if current.status == status {
            return Ok(current);
        }
        if !current.status.can_become(status) {
            return Err(AdminRefusal::StatusChange {
                campaign: id.clone(),
                from: current.status,
                to: status,
            }
            .into());
        }
        let mut update = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(campaign_pk(id), META)))
            .condition_expression("#st = :from")
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":from", s(current.status.as_str()))
            .expression_attribute_values(":to", s(status.as_str()));
        update = if status == CampaignStatus::Ended && now < current.ends_at {
            update
                .update_expression("SET #st = :to, ends_at = :now")
                .expression_attribute_values(":now", n(now.millis()))
        } else {
            update.update_expression("SET #st = :to")
        };
        self.metrics().write();
        update.send().await.map_err(|e| changed_meanwhile(id, e))?;
        self.invalidate_context(id);
        self.get_campaign(id).await?.ok_or_else(|| unknown(id))
    }

    /// Registers an influencer. With a quota, their lane is backed at once with codes from the
    /// open lane (as many as are there); later imports fill what is missing first.
    pub async fn add_influencer(
        &self,
        campaign: &CampaignId,
        id: InfluencerId,
        name: &str,
        quota: Option<u32>,
    ) -> Result<Influencer, StoreError> {
        if id.is_direct() {
            return Err(AdminRefusal::ReservedInfluencer.into());
        }
        if quota == Some(0) {
            return Err(AdminRefusal::ZeroQuota.into());
        }
        if self.get_campaign(campaign).await?.is_none() {
            return Err(unknown(campaign));
        }
        let influencer = Influencer {
            campaign: campaign.clone(),
            id,
            name: name.trim().to_owned(),
            quota,
            backed: 0,
            own_codes: false,
            fallback: false,
            promotion: None,
            product_url: None,
            removed: false,
        };
        self.metrics().write();
        let result = self
            .client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(to_item(&InfluencerItem::new(influencer.clone()))?))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(PutItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                return Err(AdminRefusal::InfluencerExists {
                    campaign: campaign.clone(),
                    influencer: influencer.id,
                }
                .into());
            }
            Err(e) => return Err(StoreError::sdk("PutItem", e)),
        }
        self.invalidate_context(campaign);
        if quota.is_some() {
            self.back_lane(campaign, &influencer.id).await
        } else {
            Ok(influencer)
        }
    }

    /// Turns fallback on or off for an influencer with codes of their own: when theirs are all
    /// claimed, their followers get codes from the open lane (attributed to them) instead of
    /// being told so. Refused with a quota, which caps all they hand out.
    pub async fn set_influencer_fallback(
        &self,
        campaign: &CampaignId,
        id: &InfluencerId,
        fallback: bool,
    ) -> Result<Influencer, StoreError> {
        let ctx = self
            .read_context(campaign)
            .await?
            .ok_or_else(|| unknown(campaign))?;
        let mut influencer = ctx
            .influencers
            .get(id)
            .cloned()
            .ok_or_else(|| AdminRefusal::unknown_influencer(campaign, id))?;
        if fallback && influencer.quota.is_some() {
            return Err(AdminRefusal::FallbackWithQuota(id.clone()).into());
        }
        self.metrics().write();
        self.client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(campaign_pk(campaign), influencer_sk(id))))
            .update_expression("SET fallback = :f")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":f", AttributeValue::Bool(fallback))
            .send()
            .await
            .map_err(|e| StoreError::sdk("UpdateItem", e))?;
        self.invalidate_context(campaign);
        influencer.fallback = fallback;
        Ok(influencer)
    }

    /// Sets or clears an influencer's own product link (their Amazon Attribution tag link),
    /// shown to their followers instead of the campaign's product page.
    pub async fn set_influencer_product_url(
        &self,
        campaign: &CampaignId,
        id: &InfluencerId,
        url: Option<&ProductUrl>,
    ) -> Result<(), StoreError> {
        let update = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(campaign_pk(campaign), influencer_sk(id))))
            .condition_expression("attribute_exists(pk)");
        let update = match url {
            Some(url) => update
                .update_expression("SET product_url = :u")
                .expression_attribute_values(":u", s(url.as_str())),
            None => update.update_expression("REMOVE product_url"),
        };
        self.metrics().write();
        match update.send().await {
            Ok(_) => {
                self.invalidate_context(campaign);
                Ok(())
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Err(AdminRefusal::unknown_influencer(campaign, id).into())
            }
            Err(e) => Err(StoreError::sdk("UpdateItem", e)),
        }
    }

    /// Where a follower of `influencer` uses the code ([`crate::claims::context::CampaignContext::product_url`]), from
    /// the per-process campaign cache: no read on most calls.
    pub async fn product_url(
        &self,
        campaign: &CampaignId,
        influencer: &InfluencerId,
    ) -> Result<Option<String>, StoreError> {
        Ok(self
            .campaign_context(campaign)
            .await?
            .and_then(|ctx| ctx.product_url(influencer)))
    }

    /// Moves available codes from the open lane into an influencer's lane until it backs the
    /// quota or the open lane is empty. Each batch moves codes and raises `backed` in one
    /// transaction, so `backed` always equals the codes placed in the lane.
    pub async fn back_lane(
        &self,
        campaign: &CampaignId,
        id: &InfluencerId,
    ) -> Result<Influencer, StoreError> {
        let target = Lane::Influencer(id.clone());
        for _ in 0..10_000 {
            let ctx = self
                .read_context(campaign)
                .await?
                .ok_or_else(|| unknown(campaign))?;
            let influencer = ctx
                .influencers
                .get(id)
                .cloned()
                .ok_or_else(|| AdminRefusal::unknown_influencer(campaign, id))?;
            let need = (influencer.unbacked() as usize).min(MOVE_BATCH);
            if need == 0 || !influencer.takes_pool_codes() {
                return Ok(influencer);
            }
            let codes = self.open_codes(campaign, ctx.campaign.shards, need).await?;
            if codes.is_empty() {
                return Ok(influencer);
            }
            let mut tx = self
                .client()
                .transact_write_items()
                .return_consumed_capacity(ReturnConsumedCapacity::Indexes);
            for (code, shard) in &codes {
                tx = tx.transact_items(self.lane_move(
                    campaign,
                    code,
                    *shard,
                    &Lane::Open,
                    &target,
                )?);
            }
            let bump = Update::builder()
                .table_name(self.table())
                .set_key(Some(key(campaign_pk(campaign), influencer_sk(id))))
                .update_expression("SET backed = backed + :k")
                // An import of their own codes may have landed meanwhile, placing none.
                .condition_expression("backed = :b AND NOT own_codes = :own")
                .expression_attribute_values(":k", n(codes.len()))
                .expression_attribute_values(":b", n(influencer.backed))
                .expression_attribute_values(":own", AttributeValue::Bool(true))
                .build()
                .map_err(StoreError::build)?;
            tx = tx.transact_items(TransactWriteItem::builder().update(bump).build());
            self.metrics().write();
            match tx.send().await {
                Ok(_) => {}
                // A code was issued meanwhile, or another move raced: read again and redo.
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

    /// Up to `limit` available codes of the open lane, with their shards.
    async fn open_codes(
        &self,
        campaign: &CampaignId,
        shards: u16,
        limit: usize,
    ) -> Result<Vec<(CodeKey, u16)>, StoreError> {
        self.lane_codes(campaign, &Lane::Open, shards, limit).await
    }

    /// Moves one available code from lane `from` to lane `to` (its entry in the available index
    /// follows), as one item of a transaction; cancelled if the code was issued meanwhile.
    pub(crate) fn lane_move(
        &self,
        campaign: &CampaignId,
        code: &CodeKey,
        shard: u16,
        from: &Lane,
        to: &Lane,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(self.table())
            .set_key(Some(code.item_key()))
            .update_expression("SET lane = :to, gsi1pk = :g")
            .condition_expression("code_state = :available AND lane = :from")
            .expression_attribute_values(":to", s(to.key()))
            .expression_attribute_values(":from", s(from.key()))
            .expression_attribute_values(":available", s(CodeState::Available.as_str()))
            .expression_attribute_values(":g", s(available_pk(campaign, to, shard)))
            .build()
            .map_err(StoreError::build)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Up to `limit` available codes of `lane`, with their shards.
    pub(crate) async fn lane_codes(
        &self,
        campaign: &CampaignId,
        lane: &Lane,
        shards: u16,
        limit: usize,
    ) -> Result<Vec<(CodeKey, u16)>, StoreError> {
        let mut out = Vec::new();
        for shard in 0..shards.max(1) {
            if out.len() >= limit {
                break;
            }
            let page = self
                .available_in(
                    campaign,
                    lane,
                    shard,
                    Released::Any,
                    Some(limit - out.len()),
                )
                .await?;
            out.extend(page.into_iter().map(|(code, _)| (code, shard)));
        }
        Ok(out)
    }
}

impl Store {
    /// Lists the platforms `campaign` is open on (`None` removes the list: the campaign is then
    /// open on the platforms that have rules, or on every platform when none has). Takes
    /// effect for new claims within the settings cache's 2 s. Refuses an empty list: pause the
    /// campaign instead.
    pub async fn set_campaign_platforms(
        &self,
        campaign: &CampaignId,
        open_on: Option<BTreeSet<Platform>>,
    ) -> Result<PlatformPolicy, StoreError> {
        if self.get_campaign(campaign).await?.is_none() {
            return Err(unknown(campaign));
        }
        let scope = campaign_scope(campaign);
        match open_on {
            Some(list) if list.is_empty() => {
                return Err(AdminRefusal::NoPlatforms.into());
            }
            Some(open_on) => {
                self.put_setting(&scope, PLATFORMS_SETTING, &PlatformList { open_on })
                    .await?
            }
            None => self.delete_setting(&scope, PLATFORMS_SETTING).await?,
        }
        self.platform_policy(campaign).await
    }
}

/// An update of the campaign item whose condition on what was read failed: another change
/// landed first.
pub(crate) fn changed_meanwhile(
    id: &CampaignId,
    e: SdkError<UpdateItemError, HttpResponse>,
) -> StoreError {
    if e.as_service_error()
        .is_some_and(|s| s.is_conditional_check_failed_exception())
    {
        AdminRefusal::ChangedMeanwhile(id.clone()).into()
    } else {
        StoreError::sdk("UpdateItem", e)
    }
}

pub(crate) fn unknown(id: &CampaignId) -> StoreError {
    AdminRefusal::UnknownCampaign(id.clone()).into()
}
