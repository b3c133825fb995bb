//! Amazon orders credited to influencers. An influencer with its own Amazon promotion (its own
//! claim-code group) is mapped to that promotion's tracking id; importing the All Orders report
//! then records each (order, promotion) once, under the influencer's listing partition
//! `R#<campaign>#<influencer>` on `gsi2`, where stats count them.

use crate::Store;
use crate::admin::AdminRefusal;
use crate::table::error::StoreError;
use crate::table::items::{campaign_pk, influencer_sk, key, n, s};
use crate::table::schema;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use promo_core::orders::{Money, OrderLine};
use promo_core::{CampaignId, InfluencerId, Timestamp};
use serde::{Deserialize, Serialize};

const PROMOTIONS_SCOPE: &str = "amazon-promotion";

/// Sales in one currency (empty when the report named none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Sales {
    /// ISO 4217 code, e.g. `USD`.
    pub currency: String,
    /// What buyers paid for the items (`item-price`, after nothing is taken off).
    pub revenue: Money,
    /// The promotion discount they got.
    pub discount: Money,
}

/// An influencer's credited Amazon orders with their amounts, summed as each order is recorded
/// (orders recorded before amounts were kept count in `orders` of the stats, not here).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrderTotals {
    /// Order items with amounts credited.
    pub orders: u32,
    /// Units in them.
    pub units: u32,
    /// Per currency, by currency code.
    pub sales: Vec<Sales>,
}

/// Sales for people: `USD 19.99, EUR 5.00` (empty when there are none).
pub fn sales_text(sales: &[Sales]) -> String {
    sales
        .iter()
        .map(|s| {
            if s.currency.is_empty() {
                s.revenue.to_string()
            } else {
                format!("{} {}", s.currency, s.revenue)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One influencer's sales in one currency as stored (`S#<influencer>#<currency>`).
#[derive(Deserialize)]
pub(crate) struct SalesItem {
    pub(crate) influencer: InfluencerId,
    currency: String,
    #[serde(default)]
    orders: u32,
    #[serde(default)]
    units: u32,
    #[serde(default)]
    revenue: i64,
    #[serde(default)]
    discount: i64,
}

impl SalesItem {
    /// As totals of one currency.
    pub(crate) fn totals(self) -> OrderTotals {
        OrderTotals {
            orders: self.orders,
            units: self.units,
            sales: vec![Sales {
                currency: self.currency,
                revenue: Money(self.revenue),
                discount: Money(self.discount),
            }],
        }
    }
}

impl OrderTotals {
    /// Adds another influencer's totals (a campaign's sum).
    pub fn add(&mut self, other: &Self) {
        self.orders += other.orders;
        self.units = self.units.saturating_add(other.units);
        for sale in &other.sales {
            match self.sales.iter_mut().find(|s| s.currency == sale.currency) {
                Some(s) => {
                    s.revenue = s.revenue + sale.revenue;
                    s.discount = s.discount + sale.discount;
                }
                None => self.sales.push(sale.clone()),
            }
        }
        self.sales.sort_by(|a, b| a.currency.cmp(&b.currency));
    }
}

/// Which influencer an Amazon promotion belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromotionOwner {
    /// The campaign.
    pub campaign: CampaignId,
    /// The influencer credited with its orders.
    pub influencer: InfluencerId,
}

/// The sort key of an influencer's sales in one currency, in the campaign's partition (read with
/// the campaign, like its influencers).
pub(crate) fn sales_sk(influencer: &InfluencerId, currency: &str) -> String {
    format!("S#{influencer}#{currency}")
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
            return Err(
                AdminRefusal::unknown_influencer(&owner.campaign, &owner.influencer).into(),
            );
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
        // Amounts in hundredths, per currency: exact sums, no floats.
        if let Some(currency) = &line.currency {
            item.insert("currency".into(), s(currency));
        }
        if let Some(price) = line.item_price {
            item.insert("revenue".into(), n(price.0));
        }
        if let Some(discount) = line.discount {
            item.insert("discount".into(), n(discount.0));
        }
        if let Some(channel) = &line.sales_channel {
            item.insert("sales_channel".into(), s(channel));
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
        // The order record and the influencer's sales in its currency, in one transaction: the
        // record's put-if-absent is what makes a re-import add nothing.
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(StoreError::build)?;
        let currency = line.currency.clone().unwrap_or_default();
        let add = Update::builder()
            .table_name(self.table())
            .set_key(Some(key(
                campaign_pk(&owner.campaign),
                sales_sk(&owner.influencer, &currency),
            )))
            .update_expression(
                "SET influencer = :i, currency = :c ADD orders :one, units :q, revenue :r, discount :d",
            )
            .expression_attribute_values(":i", s(owner.influencer.as_str()))
            .expression_attribute_values(":c", s(&currency))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":q", n(line.quantity))
            .expression_attribute_values(":r", n(line.item_price.unwrap_or_default().0))
            .expression_attribute_values(":d", n(line.discount.unwrap_or_default().0))
            .build()
            .map_err(StoreError::build)?;
        self.metrics().write();
        let result = self
            .client()
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put).build())
            .transact_items(TransactWriteItem::builder().update(add).build())
            .send()
            .await;
        match result {
            Ok(_) => {
                self.invalidate_context(&owner.campaign);
                Ok(true)
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_transaction_canceled_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(StoreError::sdk("TransactWriteItems", e)),
        }
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
