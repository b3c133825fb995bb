//! Code pools: importing codes into a campaign's lanes, all-or-nothing per checked file and
//! resumable after a crash.

use crate::Store;
use crate::admin::AdminRefusal;
use crate::admin::campaigns::unknown;
use crate::table::error::StoreError;
use crate::table::items::{
    CODE_SK, CodeItem, CodeKey, META, available_pk, campaign_pk, code_pk, from_item, influencer_sk,
    key, n, to_item,
};
use aws_sdk_dynamodb::types::{
    AttributeValue, KeysAndAttributes, Put, ReturnConsumedCapacity, TransactWriteItem, Update,
};
use promo_core::{CampaignId, CodeState, InfluencerId, Lane, PromoCode};
use std::collections::HashMap;

/// Codes per import transaction (DynamoDB's limit is 100 items; the rest is the campaign item
/// and the influencer items whose lanes the batch fills).
const IMPORT_BATCH: usize = 90;

/// A code that is already in the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    /// Its index in the list that was checked.
    pub index: usize,
    /// True when it came from the same import into the same campaign: a re-run resumes past it.
    pub same_import: bool,
}

/// What an import wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Codes written now.
    pub imported: u32,
    /// Codes per lane key written now.
    pub lanes: HashMap<String, u32>,
}

impl Store {
    /// Which of `codes` are already in the table (in any campaign), by index. Reads in batches of
    /// 100 keys.
    pub async fn existing_codes(
        &self,
        campaign: &CampaignId,
        import_id: &str,
        codes: &[PromoCode],
    ) -> Result<Vec<Existing>, StoreError> {
        let keys: Vec<CodeKey> = codes.iter().cloned().map(CodeKey::single).collect();
        self.existing_keys(campaign, import_id, &keys).await
    }

    /// Which of `codes` (codes or group-code seats) have an item, by index.
    pub(crate) async fn existing_keys(
        &self,
        campaign: &CampaignId,
        import_id: &str,
        codes: &[CodeKey],
    ) -> Result<Vec<Existing>, StoreError> {
        let index: HashMap<String, usize> =
            codes.iter().enumerate().map(|(i, c)| (c.pk(), i)).collect();
        let mut found = Vec::new();
        for chunk in codes.chunks(100) {
            let mut keys =
                KeysAndAttributes::builder().projection_expression("pk, campaign, import_id");
            for c in chunk {
                keys = keys.keys(c.item_key());
            }
            let mut request = Some(HashMap::from([(
                self.table().to_owned(),
                keys.build().map_err(StoreError::build)?,
            )]));
            let mut tries = 0;
            while let Some(req) = request.take().filter(|r| !r.is_empty()) {
                if tries > 0 {
                    // Unprocessed keys mean the table is throttling this read: back off first.
                    crate::table::retry::backoff(tries).await;
                }
                tries += 1;
                self.metrics().read();
                let out = self
                    .client()
                    .batch_get_item()
                    .set_request_items(Some(req))
                    .send()
                    .await
                    .map_err(|e| StoreError::sdk("BatchGetItem", e))?;
                for item in out.responses.unwrap_or_default().into_values().flatten() {
                    let get = |k: &str| {
                        item.get(k)
                            .and_then(|v| v.as_s().ok())
                            .cloned()
                            .unwrap_or_default()
                    };
                    if let Some(i) = index.get(&get("pk")) {
                        found.push(Existing {
                            index: *i,
                            same_import: get("campaign") == campaign.as_str()
                                && get("import_id") == import_id,
                        });
                    }
                }
                request = out.unprocessed_keys;
            }
        }
        found.sort_by_key(|e| e.index);
        Ok(found)
    }

    /// Writes `codes` (already checked: none in the table) into the campaign's pool. Each batch
    /// puts its codes and raises the campaign's pool size (and the influencers' `backed`) in one
    /// transaction, so the counters always equal the items. Lanes are filled in this order:
    /// influencers whose quota is not yet backed, then the open lane up to the campaign's total
    /// cap, then the over-cap lane (issued only if the cap is raised). `progress` is called with the number written so far.
    pub async fn import_codes(
        &self,
        campaign: &CampaignId,
        import_id: &str,
        codes: &[PromoCode],
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<ImportSummary, StoreError> {
        let keys: Vec<CodeKey> = codes.iter().cloned().map(CodeKey::single).collect();
        self.import_into(campaign, None, import_id, &keys, progress)
            .await
    }

    /// Writes `codes` (already checked: none in the table) into one influencer's lane: the codes
    /// of their own Amazon promotion, so that their followers get those codes and no others, and
    /// the promotion's orders are theirs. From then on their followers draw from that lane only
    /// (unless fallback is on) and pool imports never fill it. Codes beyond their quota, or the
    /// campaign's total cap, are held out in reserve (a raised cap never takes them). Refused when their lane already holds codes moved in
    /// from the shared pool (a quota backed before their promotion existed): one lane, one
    /// promotion.
    pub async fn import_own_codes(
        &self,
        campaign: &CampaignId,
        influencer: &InfluencerId,
        import_id: &str,
        codes: &[PromoCode],
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<ImportSummary, StoreError> {
        let keys: Vec<CodeKey> = codes.iter().cloned().map(CodeKey::single).collect();
        self.import_into(campaign, Some(influencer), import_id, &keys, progress)
            .await
    }

    /// Writes code items (codes, or a group code's seats) into the campaign's pool, batch by
    /// batch, as [`Store::import_codes`] describes; into `owner`'s lane only when given.
    pub(crate) async fn import_into(
        &self,
        campaign: &CampaignId,
        owner: Option<&InfluencerId>,
        import_id: &str,
        codes: &[CodeKey],
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<ImportSummary, StoreError> {
        let mut summary = ImportSummary::default();
        for chunk in codes.chunks(IMPORT_BATCH) {
            let mut tries = 0;
            loop {
                tries += 1;
                match self.import_batch(campaign, owner, import_id, chunk).await? {
                    Some(lanes) => {
                        for (lane, k) in lanes {
                            *summary.lanes.entry(lane).or_default() += k;
                        }
                        summary.imported += chunk.len() as u32;
                        break;
                    }
                    None if tries < 20 => crate::table::retry::backoff(tries).await,
                    None => {
                        return Err(AdminRefusal::ImportInterrupted {
                            imported: summary.imported,
                        }
                        .into());
                    }
                }
            }
            progress(u64::from(summary.imported));
        }
        self.invalidate_context(campaign);
        self.forget_candidates(campaign);
        Ok(summary)
    }

    /// One batch; `None` when the transaction was cancelled (a concurrent change) and should be
    /// planned again.
    async fn import_batch(
        &self,
        campaign_id: &CampaignId,
        owner: Option<&InfluencerId>,
        import_id: &str,
        chunk: &[CodeKey],
    ) -> Result<Option<HashMap<String, u32>>, StoreError> {
        let ctx = self
            .read_context(campaign_id)
            .await?
            .ok_or_else(|| unknown(campaign_id))?;
        let campaign = &ctx.campaign;
        let owner = match owner {
            None => None,
            Some(id) => {
                let inf = ctx
                    .influencers
                    .get(id)
                    .filter(|i| !i.removed)
                    .ok_or_else(|| AdminRefusal::unknown_influencer(campaign_id, id))?;
                if inf.backed > 0 && !inf.own_codes {
                    return Err(AdminRefusal::SharedCodesInLane {
                        campaign: campaign_id.clone(),
                        influencer: id.clone(),
                        codes: inf.backed,
                    }
                    .into());
                }
                Some(inf)
            }
        };
        // A pool import fills the quota lanes that take shared codes; an influencer's own
        // import fills only theirs.
        let mut influencers: Vec<_> = match owner {
            None => ctx
                .influencers
                .values()
                .filter(|i| i.takes_pool_codes() && i.unbacked() > 0)
                .cloned()
                .collect(),
            Some(_) => Vec::new(),
        };
        influencers.sort_by(|a, b| a.id.cmp(&b.id));
        let mut fills: HashMap<InfluencerId, u32> = HashMap::new();
        let mut lanes: HashMap<String, u32> = HashMap::new();
        let mut issuable = campaign.issuable;
        let mut next_seq = campaign.next_seq();
        let mut tx = self
            .client()
            .transact_write_items()
            .return_consumed_capacity(ReturnConsumedCapacity::Indexes);
        for (i, code) in chunk.iter().enumerate() {
            let cap_room = campaign.caps.total.is_none_or(|cap| issuable < cap);
            let own_room = owner.is_none_or(|inf| {
                fills.get(&inf.id).copied().unwrap_or(0) < inf.room_for_own_codes()
            });
            let room = cap_room && own_room;
            let lane = if !room {
                // Shared codes over the cap wait for a raised cap; an influencer's own codes
                // never join the shared pool, so theirs are held out.
                if owner.is_none() {
                    Lane::OverCap
                } else {
                    Lane::Reserve
                }
            } else if let Some(inf) = owner {
                *fills.entry(inf.id.clone()).or_default() += 1;
                Lane::Influencer(inf.id.clone())
            } else if let Some(inf) = influencers
                .iter()
                .find(|inf| fills.get(&inf.id).copied().unwrap_or(0) < inf.unbacked())
            {
                *fills.entry(inf.id.clone()).or_default() += 1;
                Lane::Influencer(inf.id.clone())
            } else {
                Lane::Open
            };
            let seq = if room {
                next_seq += 1;
                issuable += 1;
                next_seq - 1
            } else {
                campaign.pool_size + i as u32
            };
            let shard = code.shard(campaign.shards);
            let release_at = campaign.release_at(seq);
            *lanes.entry(lane.key().to_owned()).or_default() += 1;
            let item = CodeItem {
                pk: code.pk(),
                sk: CODE_SK.to_owned(),
                code: code.code.clone(),
                seat: code.seat,
                campaign: campaign.id.clone(),
                code_state: CodeState::Available,
                lane: lane.key().to_owned(),
                shard,
                seq,
                release_at,
                closes_at: campaign.ends_at,
                redeem_until: campaign.redeem_until,
                import_id: import_id.to_owned(),
                gsi1pk: Some(available_pk(&campaign.id, &lane, shard)),
                gsi1sk: Some(release_at.millis()),
                listing_pk: None,
                gsi2pk: None,
                gsi2sk: None,
                follower: None,
                influencer: None,
                claimed_at: None,
                redeemed_at: None,
                order_ref: None,
                retired_at: None,
            };
            let put = Put::builder()
                .table_name(self.table())
                .set_item(Some(to_item(&item)?))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map_err(StoreError::build)?;
            tx = tx.transact_items(TransactWriteItem::builder().put(put).build());
        }
        let bump = Update::builder()
            .table_name(self.table())
            .set_key(Some(key(campaign_pk(campaign_id), META)))
            .update_expression(
                "SET pool_size = pool_size + :k, issuable = :issuable, next_seq = :next",
            )
            .condition_expression("pool_size = :size AND issuable = :was")
            .expression_attribute_values(":k", n(chunk.len()))
            .expression_attribute_values(":next", n(next_seq))
            .expression_attribute_values(":size", n(campaign.pool_size))
            .expression_attribute_values(":issuable", n(issuable))
            .expression_attribute_values(":was", n(campaign.issuable))
            .build()
            .map_err(StoreError::build)?;
        tx = tx.transact_items(TransactWriteItem::builder().update(bump).build());
        if let Some(inf) = owner {
            // Marked even when every code went to reserve: their lane is theirs from now on.
            fills.entry(inf.id.clone()).or_default();
        }
        for (id, k) in &fills {
            let backed = ctx.influencers.get(id).map_or(0, |i| i.backed);
            let mut update = Update::builder()
                .table_name(self.table())
                .set_key(Some(key(campaign_pk(campaign_id), influencer_sk(id))))
                .update_expression("SET backed = backed + :k")
                .condition_expression("backed = :b")
                .expression_attribute_values(":k", n(k))
                .expression_attribute_values(":b", n(backed));
            if owner.is_some() {
                update = update
                    .update_expression("SET backed = backed + :k, own_codes = :own")
                    .expression_attribute_values(":own", AttributeValue::Bool(true));
            }
            let update = update.build().map_err(StoreError::build)?;
            tx = tx.transact_items(TransactWriteItem::builder().update(update).build());
        }
        self.metrics().write();
        match tx.send().await {
            Ok(out) => {
                self.metrics().capacity(out.consumed_capacity());
                Ok(Some(lanes))
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_transaction_canceled_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(StoreError::sdk("TransactWriteItems", e)),
        }
    }

    /// A single-use code's item, if the code is in any pool (`None` for a group code: its uses
    /// are seat items, see [`Store::get_group`]).
    pub async fn get_code(&self, code: &PromoCode) -> Result<Option<CodeItem>, StoreError> {
        self.code_head(code)
            .await?
            .filter(|item| !crate::table::items::is_group(item))
            .map(from_item)
            .transpose()
    }

    /// A group code's head item, if `code` is a group code.
    pub async fn get_group(
        &self,
        code: &PromoCode,
    ) -> Result<Option<crate::table::items::GroupItem>, StoreError> {
        self.code_head(code)
            .await?
            .filter(crate::table::items::is_group)
            .map(from_item)
            .transpose()
    }

    /// The item at a code's own key (a single-use code, or a group code's head), read strongly.
    async fn code_head(
        &self,
        code: &PromoCode,
    ) -> Result<Option<crate::table::items::Item>, StoreError> {
        self.metrics().read();
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .set_key(Some(key(code_pk(code), CODE_SK)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::sdk("GetItem", e))?;
        Ok(out.item)
    }
}

/// A stable id for importing `bytes` into `campaign` (FNV-1a, hex): re-running the same file
/// resumes instead of reporting its own codes as duplicates.
pub fn import_id(campaign: &CampaignId, bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in campaign
        .as_str()
        .bytes()
        .chain([0u8])
        .chain(bytes.iter().copied())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}
