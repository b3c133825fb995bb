//! Influencer invites: the seller makes one for an influencer, the influencer opens it in a bot,
//! and the account that opened it speaks for that influencer (`/stats`), with no user id typed
//! by anyone. An invite works for one account only and until it expires; the same account
//! opening it again is told the same thing.
//!
//! One item per invite, `V#<id>` / `META`: campaign, influencer, `expires` (ms), `taken_by`
//! (the account that took it), and the table's TTL a day after it expires. Taking it is one
//! transaction: the invite is marked (if untaken and not expired), the influencer must still be
//! in the campaign, and the account's role (with its mirror) is put.

use crate::Store;
use crate::admin::AdminRefusal;
use crate::bots::accounts::{account_pk, role_items};
use crate::table::error::StoreError;
use crate::table::items::{Item, META, campaign_pk, influencer_sk, key, n, s};
use crate::table::schema::TTL_ATTRIBUTE;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem, Update};
use promo_core::time::DAY_MS;
use promo_core::{CampaignId, Follower, InfluencerId, InviteId, Timestamp};

fn invite_pk(id: &InviteId) -> String {
    format!("V#{}", id.as_str())
}

/// Why an invite was not taken. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteRefusal {
    /// No such invite (never made, or gone a day after it expired).
    Unknown,
    /// Past its expiry.
    Expired,
    /// Another account took it.
    Taken,
    /// The influencer has been removed from the campaign since.
    InfluencerGone,
}

/// What became of an invite someone opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteOutcome {
    /// The account now speaks for this influencer (also when it had taken the invite before).
    Joined {
        /// The campaign.
        campaign: CampaignId,
        /// The influencer.
        influencer: InfluencerId,
    },
    /// Refused, and why.
    Refused(InviteRefusal),
}

struct Stored {
    campaign: CampaignId,
    influencer: InfluencerId,
    expires: Timestamp,
    taken_by: Option<String>,
}

fn text<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Some(v),
        _ => None,
    }
}

fn stored(item: &Item) -> Result<Stored, StoreError> {
    let campaign = CampaignId::parse(text(item, "campaign").unwrap_or_default())
        .map_err(StoreError::corrupt)?;
    let influencer = InfluencerId::parse(text(item, "influencer").unwrap_or_default())
        .map_err(StoreError::corrupt)?;
    let expires = match item.get("expires") {
        Some(AttributeValue::N(v)) => v.parse().map(Timestamp).ok(),
        _ => None,
    }
    .ok_or_else(|| StoreError::corrupt(std::io::Error::other("an invite without expires")))?;
    Ok(Stored {
        campaign,
        influencer,
        expires,
        taken_by: text(item, "taken_by").map(str::to_owned),
    })
}

impl Store {
    /// Makes an invite for `influencer` of `campaign` that works until `expires`. The
    /// influencer must be in the campaign.
    pub async fn create_invite(
        &self,
        campaign: &CampaignId,
        influencer: &InfluencerId,
        expires: Timestamp,
    ) -> Result<InviteId, StoreError> {
        if !self
            .list_influencers(campaign)
            .await?
            .iter()
            .any(|i| &i.id == influencer)
        {
            return Err(AdminRefusal::unknown_influencer(campaign, influencer).into());
        }
        let id = InviteId::generate();
        let mut item = key(invite_pk(&id), META);
        item.insert("campaign".into(), s(campaign.as_str()));
        item.insert("influencer".into(), s(influencer.as_str()));
        item.insert("expires".into(), n(expires.millis()));
        item.insert(
            TTL_ATTRIBUTE.into(),
            n(expires.plus_ms(DAY_MS).millis() / 1000),
        );
        self.metrics().write();
        // 96 random bits never collide in practice; the condition makes sure one never
        // overwrites another's invite.
        self.client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(|e| StoreError::sdk("PutItem", e))?;
        Ok(id)
    }

    async fn read_invite(&self, id: &InviteId) -> Result<Option<Stored>, StoreError> {
        self.metrics().read();
        let got = self
            .client()
            .get_item()
            .table_name(self.table())
            .set_key(Some(key(invite_pk(id), META)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::sdk("GetItem", e))?;
        got.item().map(stored).transpose()
    }

    /// Lets `account` take invite `id` at `now`: it then speaks for the invite's influencer.
    /// Safe to repeat (a redelivered update gets the same outcome), and under concurrency
    /// exactly one account takes an invite.
    pub async fn accept_invite(
        &self,
        id: &InviteId,
        account: &Follower,
        now: Timestamp,
    ) -> Result<InviteOutcome, StoreError> {
        let me = account_pk(account);
        let Some(invite) = self.read_invite(id).await? else {
            return Ok(InviteOutcome::Refused(InviteRefusal::Unknown));
        };
        if let Some(known) = settled(&invite, &me, now) {
            return Ok(known);
        }
        let take = Update::builder()
            .table_name(self.table())
            .set_key(Some(key(invite_pk(id), META)))
            .update_expression("SET taken_by = :me, taken_at = :now")
            .condition_expression(
                "attribute_exists(pk) AND attribute_not_exists(taken_by) AND expires > :now",
            )
            .expression_attribute_values(":me", s(&me))
            .expression_attribute_values(":now", n(now.millis()))
            .build()
            .map_err(StoreError::build)?;
        let still_there = ConditionCheck::builder()
            .table_name(self.table())
            .set_key(Some(key(
                campaign_pk(&invite.campaign),
                influencer_sk(&invite.influencer),
            )))
            .condition_expression("attribute_exists(pk) AND (NOT removed = :t)")
            .expression_attribute_values(":t", AttributeValue::Bool(true))
            .build()
            .map_err(StoreError::build)?;
        let mut tx = self
            .client()
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(take).build())
            .transact_items(
                TransactWriteItem::builder()
                    .condition_check(still_there)
                    .build(),
            );
        // The role and its mirror (the influencer's accounts), as `link_account` puts them.
        for item in role_items(account, &invite.campaign, &invite.influencer) {
            let put = Put::builder()
                .table_name(self.table())
                .set_item(Some(item))
                .build()
                .map_err(StoreError::build)?;
            tx = tx.transact_items(TransactWriteItem::builder().put(put).build());
        }
        self.metrics().write();
        let sent = tx.send().await;
        let err = match sent {
            Ok(_) => {
                return Ok(InviteOutcome::Joined {
                    campaign: invite.campaign,
                    influencer: invite.influencer,
                });
            }
            Err(err) => err,
        };
        let Some(TransactWriteItemsError::TransactionCanceledException(cancel)) =
            err.as_service_error()
        else {
            return Err(StoreError::sdk("TransactWriteItems", err));
        };
        let failed = |i: usize| {
            cancel
                .cancellation_reasons()
                .get(i)
                .is_some_and(|r| r.code() == Some("ConditionalCheckFailed"))
        };
        if failed(1) {
            return Ok(InviteOutcome::Refused(InviteRefusal::InfluencerGone));
        }
        if failed(0) {
            // Taken between the read and the write (by another account, or by this one through a
            // concurrent redelivery): read again to say which.
            return Ok(match self.read_invite(id).await? {
                None => InviteOutcome::Refused(InviteRefusal::Unknown),
                Some(again) => settled(&again, &me, now)
                    .unwrap_or(InviteOutcome::Refused(InviteRefusal::Taken)),
            });
        }
        // A conflict with another transaction on the same items: retryable, nothing changed.
        Err(StoreError::sdk("TransactWriteItems", err))
    }
}

/// The outcome an invite's item already decides, if it does: taken by this account (joined,
/// with nothing written again, so a seller's later unlink stands), by another, or expired.
fn settled(invite: &Stored, me: &str, now: Timestamp) -> Option<InviteOutcome> {
    match &invite.taken_by {
        Some(by) if by == me => Some(InviteOutcome::Joined {
            campaign: invite.campaign.clone(),
            influencer: invite.influencer.clone(),
        }),
        Some(_) => Some(InviteOutcome::Refused(InviteRefusal::Taken)),
        None if invite.expires <= now => Some(InviteOutcome::Refused(InviteRefusal::Expired)),
        None => None,
    }
}
