//! Amazon orders credited to influencers. An influencer with its own Amazon promotion (its own
//! claim-code group) is mapped to that promotion's tracking id; importing the All Orders report
//! then records each (order, promotion) once, under the influencer's listing partition
//! `R#<campaign>#<influencer>` on `gsi2`, where stats count them.

use crate::Store;
use crate::admin::AdminRefusal;
use crate::table::error::StoreError;
use crate::table::items::{campaign_pk, influencer_sk, key, n, s};
use crate::table::schema;
use promo_core::orders::OrderLine;
use promo_core::{CampaignId, InfluencerId, Timestamp};
use serde::{Deserialize, Serialize};

const PROMOTIONS_SCOPE: &str = "amazon-promotion";

/// Which influencer an Amazon promotion belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromotionOwner {
    /// The campaign.
    pub campaign: CampaignId,
    /// The influencer credited with its orders.
    pub influencer: InfluencerId,
}

fn credited_pk(campaign: &CampaignId, influencer: &InfluencerId) -> String {
    format!("R#{campaign}#{influencer}")
}

impl Store {
    /// Maps Amazon promotion `promotion_id` to an influencer. A promotion belongs to one
    /// influencer: mapping it to another is refused.
    pub async fn set_promotion(
        &self,
        promotion_id: &str,
        owner: &PromotionOwner,
    ) -> Result<(), StoreError> {
        let id = promotion_id.trim();
        if id.is_empty() || id.len() > 100 {
            return Err(AdminRefusal::PromotionId.into());
        }
        let known = self
            .list_influencers(&owner.campaign)
            .await?
            .iter()
            .any(|i| i.id == owner.influencer);
        if !known {
            return Err(AdminRefusal::UnknownInfluencer {
                campaign: owner.campaign.clone(),
                influencer: owner.influencer.clone(),
            }
            .into());
        }
        if let Some(existing) = self
            .get_setting::<PromotionOwner>(PROMOTIONS_SCOPE, id)
            .await?
            .filter(|e| e != owner)
        {
            return Err(AdminRefusal::PromotionTaken {
                promotion: id.to_owned(),
                owner: existing,
            }
            .into());
        }
        // On the influencer too, so that their numbers show it without another read.
        self.metrics().write();
        self.client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(
                campaign_pk(&owner.campaign),
                influencer_sk(&owner.influencer),
            )))
            .update_expression("SET promotion = :p")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":p", s(id))
            .send()
            .await
            .map_err(|e| StoreError::sdk("UpdateItem", e))?;
        self.invalidate_context(&owner.campaign);
        self.put_setting(PROMOTIONS_SCOPE, id, owner).await
    }

    /// Every mapped promotion, by tracking id.
    pub async fn promotions(&self) -> Result<Vec<(String, PromotionOwner)>, StoreError> {
        self.list_settings(PROMOTIONS_SCOPE).await
    }

    /// Records that order `line` used promotion `promotion_id` of `owner`. Returns false when
    /// this (order, promotion) was recorded before: re-importing a report counts nothing twice.
    pub async fn record_order(
        &self,
        line: &OrderLine,
        promotion_id: &str,
        owner: &PromotionOwner,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut item = key(format!("O#{}#{promotion_id}", line.order_id), "O");
        item.insert("campaign".into(), s(owner.campaign.as_str()));
        item.insert("influencer".into(), s(owner.influencer.as_str()));
        item.insert("order_id".into(), s(&line.order_id));
        item.insert("quantity".into(), n(line.quantity));
        item.insert("recorded_at".into(), n(now.millis()));
        if let Some(asin) = &line.asin {
            item.insert("asin".into(), s(asin));
        }
        let day = line.purchase_date.as_deref().unwrap_or("");
        if !day.is_empty() {
            item.insert("purchase_date".into(), s(day));
        }
        item.insert(
            "gsi2pk".into(),
            s(credited_pk(&owner.campaign, &owner.influencer)),
        );
        item.insert("gsi2sk".into(), s(format!("{day}#{}", line.order_id)));
        self.put_if_absent(item).await
    }

    /// Amazon orders credited to an influencer.
    pub async fn count_orders(
        &self,
        campaign: &CampaignId,
        influencer: &InfluencerId,
    ) -> Result<u32, StoreError> {
        let query = self
            .client()
            .query()
            .index_name(schema::GSI_LISTING)
            .key_condition_expression("gsi2pk = :p")
            .expression_attribute_values(":p", s(credited_pk(campaign, influencer)))
            .projection_expression("pk");
        Ok(self.query_items(query, false).await?.len() as u32)
    }
}
