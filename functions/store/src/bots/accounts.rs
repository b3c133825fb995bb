//! Influencer accounts: which Telegram or Discord user is which influencer, so that `/stats`
//! in a bot shows the caller their own numbers and nobody else's.
//!
//! Two items per (platform account, campaign, influencer), written and removed together: the
//! role, `U#<platform>#<user>` / `I#<campaign>#<influencer>` (one `Query` on the account's
//! partition lists every role it has), and its mirror `IA#<campaign>#<influencer>` /
//! `<platform>#<user>` (one `Query` lists the accounts that speak for an influencer, for the
//! messages the sweep sends them).

use crate::Store;
use crate::admin::AdminRefusal;
use crate::table::error::StoreError;
use crate::table::items::Item;
use crate::table::items::{key, s};
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};
use promo_core::{CampaignId, Follower, InfluencerId};

pub(super) fn account_pk(account: &Follower) -> String {
    format!("U#{}#{}", account.platform, account.user_id.as_str())
}

pub(super) fn role_sk(campaign: &CampaignId, influencer: &InfluencerId) -> String {
    format!("I#{campaign}#{influencer}")
}

fn accounts_pk(campaign: &CampaignId, influencer: &InfluencerId) -> String {
    format!("IA#{campaign}#{influencer}")
}

fn account_sk(account: &Follower) -> String {
    format!("{}#{}", account.platform, account.user_id.as_str())
}

/// The two items that say `account` speaks for `influencer` of `campaign`: the role and its
/// mirror. Put together (in one transaction) wherever a role is made.
pub(super) fn role_items(
    account: &Follower,
    campaign: &CampaignId,
    influencer: &InfluencerId,
) -> [Item; 2] {
    let mut role = key(account_pk(account), role_sk(campaign, influencer));
    role.insert("campaign".into(), s(campaign.as_str()));
    role.insert("influencer".into(), s(influencer.as_str()));
    let mut mirror = key(accounts_pk(campaign, influencer), account_sk(account));
    mirror.insert("platform".into(), s(account.platform.to_string()));
    mirror.insert("user".into(), s(account.user_id.as_str()));
    [role, mirror]
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
        let mut tx = self.client().transact_write_items();
        for item in role_items(account, campaign, influencer) {
            let put = Put::builder()
                .table_name(self.table())
                .set_item(Some(item))
                .build()
                .map_err(StoreError::build)?;
            tx = tx.transact_items(TransactWriteItem::builder().put(put).build());
        }
        self.metrics().write();
        tx.send()
            .await
            .map_err(|e| StoreError::sdk("TransactWriteItems", e))?;
        Ok(())
    }

    /// Removes a link made by [`Store::link_account`].
    pub async fn unlink_account(
        &self,
        account: &Follower,
        campaign: &CampaignId,
        influencer: &InfluencerId,
    ) -> Result<(), StoreError> {
        let mut tx = self.client().transact_write_items();
        for k in [
            key(account_pk(account), role_sk(campaign, influencer)),
            key(accounts_pk(campaign, influencer), account_sk(account)),
        ] {
            let delete = Delete::builder()
                .table_name(self.table())
                .set_key(Some(k))
                .build()
                .map_err(StoreError::build)?;
            tx = tx.transact_items(TransactWriteItem::builder().delete(delete).build());
        }
        self.metrics().write();
        tx.send()
            .await
            .map_err(|e| StoreError::sdk("TransactWriteItems", e))?;
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

    /// The accounts that speak for `influencer` of `campaign` (bound by an invite or by the
    /// seller), in a stable order.
    pub async fn influencer_accounts(
        &self,
        campaign: &CampaignId,
        influencer: &InfluencerId,
    ) -> Result<Vec<Follower>, StoreError> {
        self.metrics().read();
        let page = self
            .client()
            .query()
            .table_name(self.table())
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(accounts_pk(campaign, influencer)))
            .send()
            .await
            .map_err(|e| StoreError::sdk("Query", e))?;
        page.items()
            .iter()
            .map(|item| {
                let text = |name: &str| match item.get(name) {
                    Some(AttributeValue::S(v)) => v.as_str(),
                    _ => "",
                };
                Follower::parse(text("platform"), text("user")).map_err(StoreError::corrupt)
            })
            .collect()
    }
}
