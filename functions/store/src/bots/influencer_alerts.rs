//! Messages to influencers about their own codes: running low, and all claimed. Sent to each
//! account that speaks for the influencer (an invite, or the seller's `influencer account`),
//! once per crossing, as the seller's alerts are (see `alerts`): the record
//! `AL#<campaign>` / `inf#<platform>#<user>#<kind>#<influencer>` is put before sending and
//! removed when the condition clears.
//!
//! Only influencers whose codes are counted have them: a quota (once their lane backs it) or
//! their own promotion's codes. An influencer drawing from the shared pool has no codes of
//! their own to run out of; the seller's stock alerts cover the pool.

use crate::Store;
use crate::bots::alerts::{Alert, alert_pk};
use crate::claims::context::CampaignContext;
use crate::table::error::StoreError;
use crate::table::items::key;
use promo_core::{CampaignStatus, Follower, Lane, Timestamp};

/// An influencer alert and the account it goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfluencerAlert {
    /// The account (Telegram or Discord) that speaks for the influencer.
    pub account: Follower,
    /// The channel name under which its record is kept (`inf#<platform>#<user>`), for
    /// [`Store::alert_not_sent`].
    pub channel: String,
    /// The alert: `kind` is `low#<influencer>` or `out#<influencer>`.
    pub alert: Alert,
}

/// "Low" when at most this share of their codes is left (and at least one code).
pub const LOW_SHARE: u32 = 10;

impl Store {
    /// The influencer alerts due now for `contexts` (every campaign, as the seller's alerts
    /// read them), each marked sent (re-arm a failed one with [`Store::alert_not_sent`] under
    /// its `channel`).
    pub async fn due_influencer_alerts(
        &self,
        contexts: &[CampaignContext],
        now: Timestamp,
    ) -> Result<Vec<InfluencerAlert>, StoreError> {
        let mut due = Vec::new();
        for ctx in contexts {
            let c = &ctx.campaign;
            if c.status != CampaignStatus::Active || c.ends_at <= now {
                continue;
            }
            for inf in ctx.influencers.values() {
                let total = match inf.quota {
                    Some(quota) if inf.backed >= quota => quota,
                    None if inf.own_codes => inf.backed,
                    _ => continue,
                };
                if total == 0 {
                    continue;
                }
                let accounts = self.influencer_accounts(&c.id, &inf.id).await?;
                if accounts.is_empty() {
                    continue;
                }
                let left = self
                    .lane_stock(&c.id, &Lane::Influencer(inf.id.clone()), c.shards, now)
                    .await?;
                let low = (total / LOW_SHARE).max(1);
                let conditions = [
                    (
                        "low",
                        left > 0 && left <= low,
                        format!(
                            "Your codes for {} are running low: {left} of {total} left.",
                            c.name
                        ),
                    ),
                    (
                        "out",
                        left == 0,
                        format!(
                            "All {total} of your codes for {} have been claimed. New followers \
                             get none until the seller adds more.",
                            c.name
                        ),
                    ),
                ];
                for account in &accounts {
                    let channel = format!("inf#{}#{}", account.platform, account.user_id.as_str());
                    for (kind, holds, text) in &conditions {
                        let kind = format!("{kind}#{}", inf.id);
                        let record = key(alert_pk(&c.id), format!("{channel}#{kind}"));
                        if !*holds {
                            self.clear_alert(record).await?;
                        } else if self.mark_alert(record, now).await? {
                            due.push(InfluencerAlert {
                                account: account.clone(),
                                channel: channel.clone(),
                                alert: Alert {
                                    campaign: c.id.clone(),
                                    kind,
                                    text: text.clone(),
                                },
                            });
                        }
                    }
                }
            }
        }
        Ok(due)
    }
}
