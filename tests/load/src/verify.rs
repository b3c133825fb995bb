//! After a run: every invariant of the product against the table, and what each follower was
//! shown against what the table says they hold.

use crate::drive::{Observation, Outcome};
use crate::plan::{Channel, FollowerPlan};
use crate::world::{TELEGRAM_SECRET, TELEGRAM_TOKEN, World};
use anyhow::{Context, Result};
use promo_core::Timestamp;
use std::collections::{BTreeSet, HashMap};

/// What the checks found.
#[derive(Debug, Default)]
pub struct Verdict {
    /// Every violation, described without codes.
    pub violations: Vec<String>,
    /// Codes issued (claim records).
    pub issued: usize,
    /// Codes in the pool.
    pub pool: usize,
    /// Followers who were shown a code.
    pub shown: usize,
    /// Followers holding a code they were never shown (every attempt's answer was lost or
    /// failed; asking again returns it).
    pub held_unseen: usize,
}

impl Verdict {
    /// True when nothing is broken.
    pub fn clean(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Runs every check.
pub async fn verify(
    world: &World,
    plan: &[FollowerPlan],
    observations: &[Observation],
    logs: &str,
) -> Result<Verdict> {
    let records = world.direct.records().await.context("reading the table")?;
    let mut verdict = Verdict {
        violations: promo_store::admin::audit::check(&records),
        issued: records.claims.len(),
        pool: records.codes.len(),
        ..Verdict::default()
    };
    let v = &mut verdict.violations;

    let held: HashMap<String, &promo_store::table::items::ClaimItem> = records
        .claims
        .iter()
        .filter(|c| c.campaign == world.campaign)
        .map(|c| (c.follower.to_string(), c))
        .collect();

    let mut shown: HashMap<usize, BTreeSet<String>> = HashMap::new();
    for o in observations {
        let codes = shown.entry(o.follower).or_default();
        if let Outcome::Code(code) = &o.outcome {
            codes.insert(code.clone());
        }
        if let Some(token) = &o.token {
            codes.extend(world.discord_api.shown.to(token));
        }
    }
    for f in plan.iter().filter(|f| f.channel == Channel::Telegram) {
        shown
            .entry(f.index)
            .or_default()
            .extend(world.telegram_api.shown.to(&f.user.to_string()));
    }

    let started: BTreeSet<usize> = observations.iter().map(|o| o.follower).collect();
    for f in plan {
        let id = f.follower();
        let seen = shown.get(&f.index).cloned().unwrap_or_default();
        let holds = held.get(&id);
        if seen.len() > 1 {
            v.push(format!(
                "follower #{} ({}) was shown {} different codes",
                f.index,
                f.channel.name(),
                seen.len()
            ));
        }
        match (seen.iter().next(), holds) {
            (Some(_), None) => v.push(format!(
                "follower #{} ({}) was shown a code but holds none: an acknowledged claim was lost",
                f.index,
                f.channel.name()
            )),
            (Some(code), Some(claim)) if claim.code.expose() != code => v.push(format!(
                "follower #{} ({}) holds another code than the one shown",
                f.index,
                f.channel.name()
            )),
            (Some(_), Some(_)) => verdict.shown += 1,
            (None, Some(_)) if started.contains(&f.index) => verdict.held_unseen += 1,
            (None, Some(_)) => v.push(format!(
                "follower #{} holds a code but never asked",
                f.index
            )),
            (None, None) => {}
        }
        if let Some(claim) = holds {
            let expected = f.influencer.unwrap_or("direct");
            if claim.influencer.as_str() != expected {
                v.push(format!(
                    "follower #{} came through {expected} but the claim records {}",
                    f.index, claim.influencer
                ));
            }
        }
    }

    let stats = world
        .direct
        .campaign_stats(&world.campaign, Timestamp::now())
        .await
        .context("reading the stats")?;
    for row in &stats.influencers {
        let from_records = records
            .claims
            .iter()
            .filter(|c| c.campaign == world.campaign && c.influencer == row.influencer)
            .count() as u32;
        if row.claims != from_records {
            v.push(format!(
                "stats give {} {} claims, the records {from_records}",
                row.influencer, row.claims
            ));
        }
    }
    if stats.claims as usize != verdict.issued {
        v.push(format!(
            "stats count {} claims, the records {}",
            stats.claims, verdict.issued
        ));
    }

    for claim in &records.claims {
        if logs.contains(claim.code.expose()) {
            v.push("a promo code appears in the logs".to_owned());
            break;
        }
    }
    for (what, secret) in [
        ("the Telegram bot token", TELEGRAM_TOKEN),
        ("the Telegram webhook secret", TELEGRAM_SECRET),
        ("the API key", crate::world::API_KEY),
    ] {
        if logs.contains(secret) {
            v.push(format!("{what} appears in the logs"));
        }
    }
    Ok(verdict)
}
