//! Group codes: one shared code that at most N followers each take once (Amazon's group claim
//! codes, and the social-media promo code an influencer posts). The code's head item reserves
//! it in the table; its N uses are seat items in the pool (`K#<CODE>#1` to `K#<CODE>#N`), which
//! a claim takes exactly as it takes a single-use code. So the cap holds without a counter that
//! every claim writes, the seats spread over every shard of the lane, and each follower takes at
//! most one (their claim item), with every invariant, drip and cap of single-use codes.

use crate::Store;
use crate::admin::campaigns::unknown;
use crate::admin::{AdminRefusal, ImportSummary, import_id};
use crate::table::error::StoreError;
use crate::table::items::{
    CODE_SK, CodeKey, GROUP_KIND, GroupItem, code_pk, from_item, is_group, n, s, to_item,
};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use promo_core::{CampaignId, InfluencerId, PromoCode, Timestamp};

/// The most uses one group code can have. Each use is an item (like a code of an import), so
/// a million uses cost what importing a million codes costs.
pub const MAX_GROUP_USES: u32 = 1_000_000;

/// What creating (or raising) a group code did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSummary {
    /// Its uses now.
    pub uses: u32,
    /// Seats written now, by lane (a re-run writes only the missing ones).
    pub written: ImportSummary,
}

impl Store {
    /// Makes `code` a group code of `campaign` that at most `uses` followers can take, in
    /// `owner`'s lane (their own promotion's code: their followers draw from that lane only,
    /// as with [`Store::import_own_codes`]) or in the shared pool. Run again with the same
    /// arguments it resumes an interrupted run; with more uses it adds seats. Refused when the
    /// code is in the table otherwise, or the group exists with another influencer or more uses.
    pub async fn create_group_code(
        &self,
        campaign: &CampaignId,
        code: &PromoCode,
        uses: u32,
        owner: Option<&InfluencerId>,
        now: Timestamp,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<GroupSummary, StoreError> {
        if uses == 0 || uses > MAX_GROUP_USES {
            return Err(AdminRefusal::GroupUses {
                max: MAX_GROUP_USES,
            }
            .into());
        }
        let ctx = self
            .read_context(campaign)
            .await?
            .ok_or_else(|| unknown(campaign))?;
        if let Some(id) = owner {
            let inf = ctx
                .influencers
                .get(id)
                .filter(|i| !i.removed)
                .ok_or_else(|| AdminRefusal::unknown_influencer(campaign, id))?;
            if inf.backed > 0 && !inf.own_codes {
                return Err(AdminRefusal::SharedCodesInLane {
                    campaign: campaign.clone(),
                    influencer: id.clone(),
                    codes: inf.backed,
                }
                .into());
            }
        }
        let head = GroupItem {
            pk: code_pk(code),
            sk: CODE_SK.to_owned(),
            kind: GROUP_KIND.to_owned(),
            code: code.clone(),
            campaign: campaign.clone(),
            owner: owner.cloned(),
            uses,
            import_id: format!("group-{}", import_id(campaign, code.expose().as_bytes())),
            created_at: now,
        };
        let head = self.reserve_group(head).await?;
        let seats: Vec<CodeKey> = (1..=uses)
            .map(|seat| CodeKey {
                code: code.clone(),
                seat: Some(seat),
            })
            .collect();
        let existing = self
            .existing_keys(campaign, &head.import_id, &seats)
            .await?;
        if existing.iter().any(|e| !e.same_import) {
            return Err(AdminRefusal::CodeTaken.into());
        }
        let mut written: Vec<bool> = vec![true; seats.len()];
        for e in &existing {
            if let Some(w) = written.get_mut(e.index) {
                *w = false;
            }
        }
        let missing: Vec<CodeKey> = seats
            .into_iter()
            .zip(written)
            .filter_map(|(k, w)| w.then_some(k))
            .collect();
        let written = self
            .import_into(campaign, owner, &head.import_id, &missing, progress)
            .await?;
        Ok(GroupSummary { uses, written })
    }

    /// Writes the group's head, or raises the uses of the same group; returns the head as stored.
    async fn reserve_group(&self, head: GroupItem) -> Result<GroupItem, StoreError> {
        // A new code, or the same group (campaign and influencer) asking for at least as many
        // uses.
        let same_owner = if head.owner.is_some() {
            "#owner = :o"
        } else {
            "attribute_not_exists(#owner)"
        };
        let mut put = self
            .client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(to_item(&head)?))
            .condition_expression(format!(
                "attribute_not_exists(pk) OR (kind = :group AND campaign = :c AND {same_owner} \
                 AND uses <= :uses)"
            ))
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":group", s(GROUP_KIND))
            .expression_attribute_values(":c", s(head.campaign.as_str()))
            .expression_attribute_values(":uses", n(head.uses))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        if let Some(owner) = &head.owner {
            put = put.expression_attribute_values(":o", s(owner.as_str()));
        }
        self.metrics().write();
        let result = put.send().await;
        let err = match result {
            Ok(_) => return Ok(head),
            Err(e) => e,
        };
        let Some(PutItemError::ConditionalCheckFailedException(ccf)) = err.as_service_error()
        else {
            return Err(StoreError::sdk("PutItem", err));
        };
        let old = ccf.item().cloned().unwrap_or_default();
        if !is_group(&old) {
            return Err(AdminRefusal::CodeTaken.into());
        }
        let old: GroupItem = from_item(old)?;
        if old.campaign != head.campaign {
            return Err(AdminRefusal::CodeTaken.into());
        }
        Err(AdminRefusal::GroupExists {
            campaign: old.campaign,
            uses: old.uses,
            owner: old.owner,
        }
        .into())
    }
}
