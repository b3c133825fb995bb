//! Influencer accounts: which Telegram or Discord user is which influencer, so that `/stats`
//! in a bot shows the caller their own numbers and nobody else's.
//!
//! One item per (platform account, campaign, influencer): `U#<platform>#<user>` /
//! `I#<campaign>#<influencer>`. One `Query` on the account's partition lists every role it has.

use crate::Store;
use crate::admin::AdminRefusal;
use crate::table::error::StoreError;
use crate::table::items::{key, s};
use aws_sdk_dynamodb::types::AttributeValue;
use promo_core::{CampaignId, Follower, InfluencerId};

pub(super) fn account_pk(account: &Follower) -> String {
    format!("U#{}#{}", account.platform, account.user_id.as_str())
}

pub(super) fn role_sk(campaign: &CampaignId, influencer: &InfluencerId) -> String {
    format!("I#{campaign}#{influencer}")
}

impl Store {
    /// Records that `account` speaks for `influencer` of `campaign`. The influencer must exist.
    pub async fn link_account(
        &self,
        account: &Follower,
        campaign: &CampaignId,
        influencer: &InfluencerId,
    ) -> Result<(), StoreError> {
        let known = self
            .list_influencers(campaign)
            .await?
            .iter()
            .any(|i| &i.id == influencer);
        if !known {
            return Err(AdminRefusal::unknown_influencer(campaign, influencer).into());
        }
        let mut item = key(account_pk(account), role_sk(campaign, influencer));
        item.insert("campaign".into(), s(campaign.as_str()));
        item.insert("influencer".into(), s(influencer.as_str()));
        self.metrics().write();
        self.client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| StoreError::sdk("PutItem", e))?;
        Ok(())
    }

    /// Removes a link made by [`Store::link_account`].
    pub async fn unlink_account(
        &self,
        account: &Follower,
        campaign: &CampaignId,
        influencer: &InfluencerId,
    ) -> Result<(), StoreError> {
        self.metrics().write();
        self.client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(key(
                account_pk(account),
                role_sk(campaign, influencer),
            )))
            .send()
            .await
            .map_err(|e| StoreError::sdk("DeleteItem", e))?;
        Ok(())
    }

    /// The (campaign, influencer) roles `account` speaks for; empty for a follower.
    pub async fn account_roles(
        &self,
        account: &Follower,
    ) -> Result<Vec<(CampaignId, InfluencerId)>, StoreError> {
        self.metrics().read();
        let page = self
            .client()
            .query()
            .table_name(self.table())
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(account_pk(account)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::sdk("Query", e))?;
        let text = |item: &crate::table::items::Item, name: &str| match item.get(name) {
            Some(AttributeValue::S(v)) => Some(v.clone()),
            _ => None,
        };
        page.items()
            .iter()
            .map(|item| {
                let c = text(item, "campaign").unwrap_or_default();
                let i = text(item, "influencer").unwrap_or_default();
                Ok((
                    CampaignId::parse(&c).map_err(StoreError::corrupt)?,
                    InfluencerId::parse(&i).map_err(StoreError::corrupt)?,
                ))
            })
            .collect()
    }
}
