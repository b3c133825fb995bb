//! The waitlist: "Notify me" under a sold-out or drip refusal puts the follower on the
//! campaign's waitlist; [`TelegramService::notify_waitlists`] messages each waiting follower
//! once when their lane has codes again, within Telegram's broadcast limit.

use crate::action::Asker;
use crate::options;
use crate::send::{ProcessError, Sent};
use crate::service::TelegramService;
use crate::texts::{Texts, Value, render};
use promo_core::{InfluencerId, Platform, Timestamp};
use promo_store::Waiter;
use std::collections::HashMap;
use std::time::Duration;
use teloxide::types::{CallbackQueryId, ChatId};

/// The longest a follower waits on a list (shorter when the campaign ends sooner).
pub const MAX_WAIT_MS: i64 = 30 * 86_400_000;

/// Waiting followers read per campaign in one notifier run.
pub const MAX_WAITERS_PER_RUN: usize = 2_000;

/// What one notifier run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyReport {
    /// Campaigns whose waitlist was looked at.
    pub campaigns: u32,
    /// Followers messaged.
    pub notified: u32,
    /// Followers taken off the list who blocked the bot or whose message was refused.
    pub unreachable: u32,
    /// Followers put back on the list because Telegram failed; the next run tries again.
    pub deferred: u32,
    /// Followers still waiting because their lane has no code yet.
    pub waiting: u32,
}

impl TelegramService {
    /// Puts the follower who tapped "Notify me" on the waitlist of the payload's campaign and
    /// lane, and says so.
    pub(crate) async fn join_waitlist(
        &self,
        query: &CallbackQueryId,
        asker: &Asker,
        payload: &str,
    ) -> Result<(), ProcessError> {
        let Ok(link) = self.verify_payload(payload) else {
            self.answer(query, Some(Texts::built_in(asker.language()).bad_link()))
                .await;
            return Ok(());
        };
        let opts = options::campaign_options(self.store(), &link.campaign).await?;
        let texts = Texts::for_language(&opts.translations, asker.language());
        let Some(ctx) = self.store().campaign_context(&link.campaign).await? else {
            self.answer(query, Some(texts.unknown_campaign())).await;
            return Ok(());
        };
        let now = self.now();
        if ctx.campaign.is_over(now) {
            self.answer(query, Some(texts.ended())).await;
            return Ok(());
        }
        let Some(follower) = asker.follower() else {
            tracing::warn!("a Telegram user id the store refuses; not put on the waitlist");
            return Ok(());
        };
        let waiter = Waiter {
            campaign: link.campaign.clone(),
            follower,
            contact: asker.user_id.to_string(),
            influencer: link.influencer.clone().unwrap_or_else(InfluencerId::direct),
            language: asker.language.clone(),
            joined_at: now,
        };
        let until = Timestamp(
            ctx.campaign
                .ends_at
                .millis()
                .min(now.millis() + MAX_WAIT_MS),
        );
        self.store().join_waitlist(&waiter, until).await?;
        self.answer(query, Some(texts.notify_joined())).await;
        Ok(())
    }

    /// Messages every Telegram follower waiting on an open campaign whose lane has a code
    /// released by `now`, once each (the store hands each entry to one notifier), at most
    /// [`crate::Tuning::notify_per_second`] messages a second, waiting out Telegram's 429s.
    /// Run it on a schedule (every minute or so).
    pub async fn notify_waitlists(&self, now: Timestamp) -> Result<NotifyReport, ProcessError> {
        let mut report = NotifyReport::default();
        let per_second = self.tuning().notify_per_second.max(1);
        let mut pace = tokio::time::interval(Duration::from_secs(1) / per_second);
        pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        for ctx in self.store().list_contexts().await? {
            let campaign = &ctx.campaign;
            if campaign.check_open(now).is_err() {
                continue;
            }
            // A campaign the seller moved off Telegram meanwhile: "codes are back" would be
            // followed by a refusal. The waiters stay on the list should it come back.
            if !self
                .store()
                .platform_policy(&campaign.id)
                .await?
                .allows(Platform::Telegram)
            {
                continue;
            }
            let mut waiters: Vec<Waiter> = self
                .store()
                .waitlist(&campaign.id, MAX_WAITERS_PER_RUN)
                .await?
                .into_iter()
                .filter(|w| w.follower.platform == Platform::Telegram)
                .collect();
            if waiters.is_empty() {
                continue;
            }
            report.campaigns += 1;
            waiters.sort_by_key(|w| w.joined_at);
            let opts = options::campaign_options(self.store(), &campaign.id).await?;
            let until = Timestamp(campaign.ends_at.millis().min(now.millis() + MAX_WAIT_MS));
            let mut stock: HashMap<InfluencerId, bool> = HashMap::new();
            for waiter in waiters {
                let has = match stock.get(&waiter.influencer) {
                    Some(has) => *has,
                    None => {
                        let has = self
                            .store()
                            .has_stock_now(&campaign.id, &waiter.influencer, now)
                            .await?;
                        stock.insert(waiter.influencer.clone(), has);
                        has
                    }
                };
                if !has {
                    report.waiting += 1;
                    continue;
                }
                if !self
                    .store()
                    .take_waiter(&campaign.id, &waiter.follower)
                    .await?
                {
                    continue; // another notifier took them
                }
                pace.tick().await;
                let texts = Texts::for_language(&opts.translations, waiter.language.as_deref());
                match self.notify(&waiter, &campaign.product, &texts).await {
                    Ok(Sent::Delivered) => report.notified += 1,
                    Ok(Sent::Unreachable | Sent::Rejected) => report.unreachable += 1,
                    Err(e) => {
                        // Back on the list for the next run; Telegram is failing, so stop here.
                        self.store().join_waitlist(&waiter, until).await?;
                        report.deferred += 1;
                        tracing::warn!(error = %e, "waitlist notification deferred");
                        return Ok(report);
                    }
                }
            }
        }
        Ok(report)
    }

    async fn notify(
        &self,
        waiter: &Waiter,
        product: &str,
        texts: &Texts<'_>,
    ) -> Result<Sent, ProcessError> {
        let Ok(chat) = waiter.contact.parse::<i64>() else {
            return Ok(Sent::Rejected);
        };
        let influencer = Some(&waiter.influencer).filter(|i| !i.is_direct());
        let payload = self.config().link_key.sign_for(
            promo_core::Surface::TelegramStart,
            &waiter.campaign,
            influencer,
        );
        let text = render(texts.notify_ready(), &[("product", Value::Text(product))]);
        let buttons = Some(self.claim_button(texts, &payload));
        match self
            .send(ChatId(chat), text.clone(), buttons.clone(), None)
            .await
        {
            // A long 429 is waited out here too: the notifier has no webhook deadline.
            Err(ProcessError::RateLimited(wait)) => {
                tokio::time::sleep(wait).await;
                self.send(ChatId(chat), text, buttons, None).await
            }
            other => other,
        }
    }
}
