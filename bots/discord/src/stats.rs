//! `/stats`: an influencer's own numbers, for each campaign their Discord account speaks for.
//! Nobody else's rows, and no follower data, ever leave here.

use crate::replies::{self, Reply};
use crate::texts::Texts;
use promo_core::{Follower, Timestamp};
use promo_store::admin::sales_text;
use promo_store::{Store, StoreError};
use std::fmt::Write;

/// The caller's numbers (the refusal and failures in the `locale`'s language; the numbers
/// themselves in English). Never fails: a store failure is an "try again" reply.
pub async fn handle(store: &Store, user: u64, locale: Option<&str>) -> Reply {
    let texts = Texts::built_in(locale);
    match stats(store, &texts, user).await {
        Ok(reply) => reply,
        Err(e) => {
            tracing::error!(error = %e, "discord stats failed");
            replies::internal_error(&texts)
        }
    }
}

async fn stats(store: &Store, texts: &Texts<'_>, user: u64) -> Result<Reply, StoreError> {
    let account = Follower::parse("discord", &user.to_string()).map_err(StoreError::build)?;
    let roles = store.account_roles(&account).await?;
    if roles.is_empty() {
        return Ok(Reply::private(texts.stats_refused()));
    }
    let now = Timestamp::now();
    let mut text = String::from("Your numbers:");
    for (campaign, influencer) in roles {
        let stats = store.campaign_stats(&campaign, now).await?;
        let Some(row) = stats
            .influencers
            .iter()
            .find(|r| r.influencer == influencer)
        else {
            continue;
        };
        let quota = row.quota.map_or(String::new(), |q| format!(" (quota {q})"));
        let _ = write!(
            text,
            "\n**{campaign}** as `{influencer}`: {} claimed, {} redeemed, {} Amazon orders ({:.1}% conversion), {} remaining{quota}",
            row.claims,
            row.redemptions,
            row.orders,
            row.conversion() * 100.0,
            row.remaining,
        );
        if !row.sales.is_empty() {
            let _ = write!(
                text,
                ", sales {} ({} units)",
                sales_text(&row.sales),
                row.units
            );
        }
    }
    Ok(Reply::private(text))
}
