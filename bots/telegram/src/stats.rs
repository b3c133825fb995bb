//! `/stats`: an influencer's own numbers, for the Telegram accounts the seller linked to them.

use crate::action::Asker;
use crate::options;
use crate::send::ProcessError;
use crate::service::TelegramService;
use crate::texts::{Texts, Value, render};
use promo_store::admin::sales_text;

impl TelegramService {
    /// Shows `asker` the numbers of every influencer role their account holds, and nothing
    /// else; anyone without a role gets a polite refusal.
    pub(crate) async fn stats(&self, asker: &Asker) -> Result<(), ProcessError> {
        let Some(account) = asker.follower() else {
            tracing::warn!("a Telegram user id the store refuses; no stats");
            return Ok(());
        };
        let roles = self.store().account_roles(&account).await?;
        let Some((first, _)) = roles.first() else {
            let general = self.general_options().await?;
            let texts = Texts::for_language(&general.translations, asker.language());
            return self
                .reply(asker, render(texts.stats_refused(), &[]), None)
                .await;
        };
        let opts = options::campaign_options(self.store(), first).await?;
        let texts = Texts::for_language(&opts.translations, asker.language());
        let now = self.now();
        let mut blocks = Vec::new();
        for (campaign, influencer) in &roles {
            let stats = match self.store().campaign_stats(campaign, now).await {
                Ok(stats) => stats,
                Err(e) if !e.is_retryable() => {
                    tracing::warn!(%campaign, error = %e, "stats of a linked campaign unavailable");
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            // Only the caller's own row, never the campaign's other influencers.
            let Some(row) = stats
                .influencers
                .iter()
                .find(|r| &r.influencer == influencer)
            else {
                continue;
            };
            let conversion = format!("{:.1}%", row.conversion() * 100.0);
            let remaining = match row.quota {
                Some(q) => format!("{} / {q}", row.remaining),
                None => row.remaining.to_string(),
            };
            let mut block = render(
                texts.stats(),
                &[
                    ("campaign", Value::Text(campaign.as_str())),
                    ("influencer", Value::Text(influencer.as_str())),
                    ("claims", Value::Text(&row.claims.to_string())),
                    ("redemptions", Value::Text(&row.redemptions.to_string())),
                    ("orders", Value::Text(&row.orders.to_string())),
                    ("conversion", Value::Text(&conversion)),
                    ("remaining", Value::Text(&remaining)),
                ],
            );
            if !row.sales.is_empty() {
                block.push('\n');
                block.push_str(&render(
                    texts.stats_sales(),
                    &[
                        ("units", Value::Text(&row.units.to_string())),
                        ("sales", Value::Text(&sales_text(&row.sales))),
                    ],
                ));
            }
            blocks.push(block);
        }
        let text = if blocks.is_empty() {
            render(texts.stats_refused(), &[])
        } else {
            blocks.join("\n\n")
        };
        self.reply(asker, text, None).await
    }
}
