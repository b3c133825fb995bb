//! Alerts to the seller: a campaign's stock falling to a threshold, an influencer's quota
//! used up, a campaign ended. Each is sent once per crossing: a record per (campaign, channel,
//! alert) is put with a condition before sending, and removed when the condition clears (stock
//! refilled above the threshold), which re-arms it. Nothing here is on the claim path: the
//! scheduled sweep evaluates alerts from the available index.

use crate::Store;
use crate::claims::context::CampaignContext;
use crate::table::error::StoreError;
use crate::table::items::{key, n};
use promo_core::{CampaignId, CampaignStatus, Lane, Timestamp};
use serde::{Deserialize, Serialize};

/// Where and when the seller wants alerts (settings document `alerts`/`seller`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertSettings {
    /// A Telegram chat id to post alerts to (the seller's chat with the bot, or a group).
    #[serde(default)]
    pub telegram_chat: Option<i64>,
    /// A Discord channel id to post alerts to.
    #[serde(default)]
    pub discord_channel: Option<u64>,
    /// Alert when a campaign's issuable stock falls to or below each of these.
    #[serde(default = "default_thresholds")]
    pub stock_thresholds: Vec<u32>,
}

fn default_thresholds() -> Vec<u32> {
    vec![100, 10, 0]
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            telegram_chat: None,
            discord_channel: None,
            stock_thresholds: default_thresholds(),
        }
    }
}

/// The settings document's scope and name.
pub const ALERTS_SCOPE: (&str, &str) = ("alerts", "seller");

/// One alert to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// The campaign it is about.
    pub campaign: CampaignId,
    /// A stable name (`stock-10`, `quota-alice`, `ended`), unique per campaign.
    pub kind: String,
    /// The message for the seller (never a code).
    pub text: String,
}

pub(super) fn alert_pk(campaign: &CampaignId) -> String {
    format!("AL#{campaign}")
}

impl Store {
    /// The seller's alert settings (defaults when none were saved).
    pub async fn alert_settings(&self) -> Result<AlertSettings, StoreError> {
        Ok(self
            .get_setting(ALERTS_SCOPE.0, ALERTS_SCOPE.1)
            .await?
            .unwrap_or_default())
    }

    /// The alerts due on `channel` (e.g. `telegram`) now for `contexts` (every campaign, from
    /// [`Store::list_contexts`], read once per run for every channel), each already marked sent
    /// so that no other run sends it again. Call [`Store::alert_not_sent`] for any that could
    /// not be sent.
    pub async fn due_alerts(
        &self,
        contexts: &[CampaignContext],
        channel: &str,
        settings: &AlertSettings,
        now: Timestamp,
    ) -> Result<Vec<Alert>, StoreError> {
        let mut due = Vec::new();
        for ctx in contexts {
            let c = &ctx.campaign;
            let ended = c.status == CampaignStatus::Ended || c.ends_at <= now;
            let mut conditions: Vec<(String, bool, String)> = vec![(
                "ended".into(),
                ended,
                format!("Campaign {} ({}) has ended.", c.name, c.id),
            )];
            if c.status == CampaignStatus::Active && !ended {
                let (ready, later) = self.stock(&c.id, now).await?;
                let stock = ready + later;
                for t in &settings.stock_thresholds {
                    conditions.push((
                        format!("stock-{t}"),
                        stock <= *t,
                        if stock == 0 {
                            format!(
                                "Campaign {} ({}) is sold out: import more codes to keep it going.",
                                c.name, c.id
                            )
                        } else {
                            format!(
                                "Campaign {} ({}) is low on codes: {stock} left (alert at {t}).",
                                c.name, c.id
                            )
                        },
                    ));
                }
                for inf in ctx.influencers.values() {
                    let Some(quota) = inf.quota else { continue };
                    if inf.backed < quota {
                        continue;
                    }
                    let left = self
                        .lane_stock(&c.id, &Lane::Influencer(inf.id.clone()), c.shards, now)
                        .await?;
                    conditions.push((
                        format!("quota-{}", inf.id),
                        left == 0,
                        format!(
                            "Influencer {} reached their quota of {quota} in campaign {}.",
                            inf.id, c.id
                        ),
                    ));
                }
            }
            for (kind, holds, text) in conditions {
                let record = key(alert_pk(&c.id), format!("{channel}#{kind}"));
                if holds {
                    if self.mark_alert(record, now).await? {
                        due.push(Alert {
                            campaign: c.id.clone(),
                            kind,
                            text,
                        });
                    }
                } else {
                    // Cleared: the next crossing alerts again.
                    self.clear_alert(record).await?;
                }
            }
        }
        Ok(due)
    }

    /// Re-arms an alert whose sending failed, so the next run tries again.
    pub async fn alert_not_sent(&self, channel: &str, alert: &Alert) -> Result<(), StoreError> {
        self.metrics().write();
        self.client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(key(
                alert_pk(&alert.campaign),
                format!("{channel}#{}", alert.kind),
            )))
            .send()
            .await
            .map_err(|e| StoreError::sdk("DeleteItem", e))?;
        Ok(())
    }

    /// Puts an alert's record unless it is there: true when the alert is due now.
    pub(super) async fn mark_alert(
        &self,
        mut record: crate::table::items::Item,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        record.insert("sent_at".into(), n(now.millis()));
        self.put_if_absent(record).await
    }

    /// Removes an alert's record, so the next crossing alerts again.
    pub(super) async fn clear_alert(
        &self,
        record: crate::table::items::Item,
    ) -> Result<(), StoreError> {
        self.metrics().write();
        self.client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(record))
            .send()
            .await
            .map_err(|e| StoreError::sdk("DeleteItem", e))?;
        Ok(())
    }
}
