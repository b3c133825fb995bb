//! Changing a campaign after creation: its end (extended or brought forward), its texts, the
//! Amazon promotion's own end (until when a code works), its total cap and its daily drip
//! (`caps.rs`). Safe while claims run: every available code carries the end and its release
//! time in its claim condition, and the cap is the size of the lanes, so the codes are
//! rewritten or moved first (each only while still available: an issued code keeps its own
//! dates), then the campaign item, under a condition on what was read.

use crate::Store;
use crate::admin::AdminRefusal;
use crate::admin::campaigns::{changed_meanwhile, unknown};
use crate::table::error::StoreError;
use crate::table::index::Released;
use crate::table::items::{CodeKey, META, campaign_pk, key, n, s};
use futures::{StreamExt, TryStreamExt};
use promo_core::{Campaign, CampaignId, CampaignStatus, CodeState, ParseError, Timestamp};

/// What to change; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CampaignEdit {
    /// A new name for people.
    pub name: Option<String>,
    /// A new discount text, as followers see it.
    pub discount: Option<String>,
    /// A new end: later extends the launch, earlier shortens it (not into the past: `end` does
    /// that).
    pub ends_at: Option<Timestamp>,
    /// A new end of the Amazon promotion itself: until when codes work at checkout. Left out,
    /// it follows the end if it was the end (the default), and must not fall before it.
    pub redeem_until: Option<Timestamp>,
    /// A new total cap: `Some(Some(n))` at most `n` codes issued in all (never below those
    /// issued), `Some(None)` no cap.
    pub cap: Option<Option<u32>>,
    /// A new daily drip: `Some(Some(n))` from the next day of the schedule at most `n` codes
    /// released a day, `Some(None)` no drip (every code released now).
    pub drip: Option<Option<u32>>,
}

/// What an edit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditReport {
    /// The campaign as it is now.
    pub campaign: Campaign,
    /// Available codes whose dates were rewritten.
    pub codes_updated: u32,
    /// Codes moved for a new cap: into the lanes (raised) or out of them (lowered).
    pub codes_moved: u32,
    /// Unreleased codes that took a release time of the new drip.
    pub codes_repaced: u32,
}

impl Store {
    /// Applies `edit` to a campaign that has not ended. Codes already issued keep their dates;
    /// available ones take the new end and the new redeem-until. Claims refuse exactly at the new
    /// end once this returns (until then a code not yet rewritten still carries the old one).
    pub async fn edit_campaign(
        &self,
        id: &CampaignId,
        edit: &CampaignEdit,
        now: Timestamp,
    ) -> Result<EditReport, StoreError> {
        let ctx = self.read_context(id).await?.ok_or_else(|| unknown(id))?;
        let current = &ctx.campaign;
        if current.status == CampaignStatus::Ended || current.is_over(now) {
            return Err(AdminRefusal::CampaignOver(id.clone()).into());
        }
        let mut next = current.clone();
        let invalid = |field, why: &str| AdminRefusal::InvalidCampaign(ParseError::new(field, why));
        if let Some(name) = &edit.name {
            let name = name.trim();
            if name.is_empty() || name.len() > 200 {
                return Err(invalid("name", "must be 1 to 200 characters").into());
            }
            next.name = name.to_owned();
        }
        if let Some(discount) = &edit.discount {
            if discount.trim().is_empty() || discount.len() > 200 {
                return Err(invalid("discount", "must be 1 to 200 characters").into());
            }
            discount.trim().clone_into(&mut next.discount);
        }
        if let Some(ends_at) = edit.ends_at {
            if ends_at <= now || ends_at <= current.starts_at {
                return Err(invalid(
                    "ends_at",
                    "must be after now and after the start (to end it now, use `campaign end`)",
                )
                .into());
            }
            next.ends_at = ends_at;
            if edit.redeem_until.is_none() && current.redeem_until == current.ends_at {
                next.redeem_until = ends_at;
            }
        }
        if let Some(redeem_until) = edit.redeem_until {
            next.redeem_until = redeem_until;
        }
        for (field, value) in [("cap", edit.cap), ("drip", edit.drip)] {
            if value == Some(Some(0)) {
                let why = format!("must be at least 1 (leave it off with --no-{field})");
                return Err(invalid(field, &why).into());
            }
        }
        if next.redeem_until < next.ends_at {
            return Err(invalid(
                "redeem_until",
                "must not be before the end: the Amazon promotion must outlast the claims",
            )
            .into());
        }
        let dates_changed =
            next.ends_at != current.ends_at || next.redeem_until != current.redeem_until;
        let mut codes_updated = 0;
        if dates_changed {
            for lane in &ctx.lanes() {
                for shard in 0..current.shards.max(1) {
                    let page = self
                        .available_in(id, lane, shard, Released::Any, None)
                        .await?;
                    let done: Vec<bool> = futures::stream::iter(page)
                        .map(|(code, _)| self.redate_code(id, code, &next))
                        .buffer_unordered(16)
                        .try_collect()
                        .await?;
                    codes_updated += done.into_iter().filter(|d| *d).count() as u32;
                }
            }
        }
        let cap = edit.cap.filter(|c| *c != current.caps.total);
        let drip = edit.drip.filter(|d| *d != current.caps.daily_drip);
        let mut report = EditReport {
            campaign: next.clone(),
            codes_updated,
            codes_moved: 0,
            codes_repaced: 0,
        };
        for attempt in 1.. {
            if let Some(cap) = cap {
                report.codes_moved += self.apply_cap(id, cap).await?;
            }
            let mut written = next.clone();
            if cap.is_some() || drip.is_some() {
                // The counters as they are now, after the moves; the write below holds them.
                let fresh = self.read_context(id).await?.ok_or_else(|| unknown(id))?;
                let mut paced = fresh.campaign.clone();
                if let Some(drip) = drip {
                    let (c, k) = self.repace(&fresh, drip, now).await?;
                    paced = c;
                    report.codes_repaced += k;
                }
                written.caps = paced.caps;
                written.caps.total = cap.unwrap_or(paced.caps.total);
                (written.issuable, written.pool_size) = (paced.issuable, paced.pool_size);
                (written.next_seq, written.drip_from) = (paced.next_seq, paced.drip_from);
            }
            match self.write_edit(current, &written).await {
                Ok(()) => {
                    report.campaign = written;
                    break;
                }
                // An import landed between the moves and the write: move and write again.
                Err(StoreError::Refused(AdminRefusal::ChangedMeanwhile(_)))
                    if attempt < 5 && (cap.is_some() || drip.is_some()) => {}
                Err(e) => return Err(e),
            }
        }
        self.invalidate_context(id);
        self.forget_candidates(id);
        Ok(report)
    }

    /// Writes the campaign item, under a condition on its status and end as `current` had them,
    /// and, when the caps change, on its counters as `next` has them.
    async fn write_edit(&self, current: &Campaign, next: &Campaign) -> Result<(), StoreError> {
        let id = &current.id;
        let mut set = String::from(
            "SET #name = :name, discount = :discount, ends_at = :ends, redeem_until = :redeem",
        );
        let mut condition = String::from("#st = :status AND ends_at = :was");
        let caps_change = next.caps != current.caps;
        let mut update = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(campaign_pk(id), META)));
        if caps_change {
            set.push_str(", caps = :caps, next_seq = :next");
            condition.push_str(" AND issuable = :iss AND pool_size = :size");
            let caps = serde_dynamo::to_attribute_value(next.caps).map_err(StoreError::corrupt)?;
            update = update
                .expression_attribute_values(":caps", caps)
                .expression_attribute_values(":next", n(next.next_seq()))
                .expression_attribute_values(":iss", n(next.issuable))
                .expression_attribute_values(":size", n(next.pool_size));
            match next.drip_from {
                Some(anchor) => {
                    set.push_str(", drip_from = :from");
                    let anchor =
                        serde_dynamo::to_attribute_value(anchor).map_err(StoreError::corrupt)?;
                    update = update.expression_attribute_values(":from", anchor);
                }
                None => set.push_str(" REMOVE drip_from"),
            }
        }
        self.metrics().write();
        update
            .update_expression(set)
            .condition_expression(condition)
            .expression_attribute_names("#name", "name")
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":name", s(&next.name))
            .expression_attribute_values(":discount", s(&next.discount))
            .expression_attribute_values(":ends", n(next.ends_at.millis()))
            .expression_attribute_values(":redeem", n(next.redeem_until.millis()))
            .expression_attribute_values(":status", s(current.status.as_str()))
            .expression_attribute_values(":was", n(current.ends_at.millis()))
            .send()
            .await
            .map_err(|e| changed_meanwhile(id, e))?;
        Ok(())
    }

    /// Gives one code the campaign's new dates if it is still available; false when it was
    /// issued (or retired) meanwhile and keeps its own.
    async fn redate_code(
        &self,
        id: &CampaignId,
        code: CodeKey,
        next: &Campaign,
    ) -> Result<bool, StoreError> {
        self.metrics().write();
        let result = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(code.item_key()))
            .update_expression("SET closes_at = :ends, redeem_until = :redeem")
            .condition_expression("code_state = :available AND campaign = :c")
            .expression_attribute_values(":ends", n(next.ends_at.millis()))
            .expression_attribute_values(":redeem", n(next.redeem_until.millis()))
            .expression_attribute_values(":available", s(CodeState::Available.as_str()))
            .expression_attribute_values(":c", s(id.as_str()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(StoreError::sdk("UpdateItem", e)),
        }
    }
}
