//! `promo campaign ...`: the seller's campaign commands.

use crate::cli::{CampaignCommand, CreateCampaignArgs};
use crate::output::{num, table, time};
use anyhow::{Context, bail};
use comfy_table::Cell;
use promo_core::{Campaign, CampaignId, CampaignStatus, Caps, NewCampaign, Platform, Timestamp};
use promo_store::Store;
use promo_store::admin::CampaignEdit;
use std::collections::BTreeSet;

/// Runs a campaign subcommand.
pub async fn run(store: &Store, command: CampaignCommand) -> anyhow::Result<()> {
    let now = Timestamp::now();
    match command {
        CampaignCommand::Create(args) => {
            let platforms: BTreeSet<Platform> = args.platforms.iter().copied().collect();
            let mut new = new_campaign(args, now)?;
            // With a platform list, the campaign opens only once the list is stored: a failure
            // in between leaves a draft, never a campaign open on every platform.
            let activate = new.activate;
            if !platforms.is_empty() {
                new.activate = false;
            }
            let mut campaign = store
                .create_campaign(new, now)
                .await
                .context("creating the campaign")?;
            if !platforms.is_empty() {
                store
                    .set_campaign_platforms(&campaign.id, Some(platforms))
                    .await
                    .with_context(|| {
                        format!(
                            "campaign {} was created as a draft, but its platforms were not                              saved: run `promo campaign platforms {} --open-on ...`, then                              `promo campaign resume {}`",
                            campaign.id, campaign.id, campaign.id
                        )
                    })?;
                if activate {
                    campaign = store
                        .set_campaign_status(&campaign.id, CampaignStatus::Active, now)
                        .await
                        .context("activating the campaign")?;
                }
            }
            println!(
                "created campaign {} ({})",
                campaign.id,
                campaign.status.as_str()
            );
            print_campaign(&campaign);
            print_platforms(store, &campaign.id).await?;
        }
        CampaignCommand::Platforms {
            id,
            open_on,
            unlisted,
        } => {
            let policy = if unlisted {
                store.set_campaign_platforms(&id, None).await
            } else if open_on.is_empty() {
                if store.get_campaign(&id).await?.is_none() {
                    bail!("unknown campaign {id}");
                }
                store.platform_policy(&id).await
            } else {
                store
                    .set_campaign_platforms(&id, Some(open_on.into_iter().collect()))
                    .await
            }
            .with_context(|| format!("the platforms of campaign {id}"))?;
            println!("campaign {id}: {policy}");
        }
        CampaignCommand::List => {
            let campaigns = store.list_campaigns().await.context("listing campaigns")?;
            if campaigns.is_empty() {
                println!("no campaigns yet; create one with `promo campaign create`");
                return Ok(());
            }
            let mut t = table(&[
                "campaign", "name", "status", "starts", "ends", "pool", "issuable",
            ]);
            for c in &campaigns {
                t.add_row(vec![
                    Cell::new(c.id.as_str()),
                    Cell::new(&c.name),
                    Cell::new(c.status.as_str()),
                    Cell::new(time(c.starts_at)),
                    Cell::new(time(c.ends_at)),
                    num(c.pool_size),
                    num(c.issuable),
                ]);
            }
            println!("{t}");
        }
        CampaignCommand::Show { id } => {
            let campaign = store
                .get_campaign(&id)
                .await?
                .with_context(|| format!("unknown campaign {id}"))?;
            print_campaign(&campaign);
            print_platforms(store, &id).await?;
        }
        CampaignCommand::Pause { id } => {
            set_status(store, &id, CampaignStatus::Paused, now).await?
        }
        CampaignCommand::Resume { id } => {
            set_status(store, &id, CampaignStatus::Active, now).await?
        }
        CampaignCommand::Edit {
            id,
            ends,
            extend_days,
            redeem_until,
            name,
            discount,
            cap,
            no_cap,
            drip,
            no_drip,
        } => {
            let current = store
                .get_campaign(&id)
                .await?
                .with_context(|| format!("unknown campaign {id}"))?;
            let ends_at = match (ends, extend_days) {
                (Some(t), _) => Some(parse_time(&t, now).context("--ends")?),
                (None, Some(days)) => Some(
                    current
                        .ends_at
                        .plus_ms(i64::from(days) * promo_core::time::DAY_MS),
                ),
                (None, None) => None,
            };
            let redeem_until = redeem_until
                .map(|t| parse_time(&t, now).context("--redeem-until"))
                .transpose()?;
            let edit = CampaignEdit {
                name,
                discount,
                ends_at,
                redeem_until,
                cap: (cap.is_some() || no_cap).then_some(cap),
                drip: (drip.is_some() || no_drip).then_some(drip),
            };
            if edit == CampaignEdit::default() {
                bail!(
                    "nothing to change: give --ends, --extend-days, --redeem-until, --name, --discount, --cap, --no-cap, --drip or --no-drip"
                );
            }
            let report = store
                .edit_campaign(&id, &edit, now)
                .await
                .with_context(|| format!("changing campaign {id}"))?;
            print_campaign(&report.campaign);
            println!(
                "{} available codes took the new dates",
                report.codes_updated
            );
            if edit.cap.is_some() {
                println!("{} codes moved for the cap", report.codes_moved);
            }
            if edit.drip.is_some() {
                println!(
                    "{} unreleased codes took the new drip (codes already released stay claimable)",
                    report.codes_repaced
                );
            }
        }
        CampaignCommand::End { id } => {
            set_status(store, &id, CampaignStatus::Ended, now).await?;
            println!(
                "unissued codes are retired by the next expire sweep (`promo serve` runs one every minute)"
            );
        }
    }
    Ok(())
}

async fn set_status(
    store: &Store,
    id: &promo_core::CampaignId,
    status: CampaignStatus,
    now: Timestamp,
) -> anyhow::Result<()> {
    let campaign = store
        .set_campaign_status(id, status, now)
        .await
        .with_context(|| format!("making campaign {id} {}", status.as_str()))?;
    println!("campaign {} is {}", campaign.id, campaign.status.as_str());
    Ok(())
}

/// Builds the campaign the seller described.
pub fn new_campaign(args: CreateCampaignArgs, now: Timestamp) -> anyhow::Result<NewCampaign> {
    let starts_at = parse_time(&args.starts, now).context("--starts")?;
    let ends_at = match (&args.ends, args.days) {
        (Some(ends), _) => parse_time(ends, now).context("--ends")?,
        (None, Some(days)) => starts_at.plus_ms(i64::from(days) * promo_core::time::DAY_MS),
        (None, None) => bail!("give --ends or --days"),
    };
    let new = NewCampaign {
        id: args.id,
        name: args.name,
        product: args.product,
        discount: args.discount,
        starts_at,
        ends_at,
        redeem_until: None,
        caps: Caps {
            total: args.cap,
            daily_drip: args.daily_drip,
        },
        shards: args.shards,
        activate: !args.draft,
        marketplace: args.marketplace,
    };
    new.validate()?;
    Ok(new)
}

/// Parses RFC 3339 or `now`.
fn parse_time(raw: &str, now: Timestamp) -> anyhow::Result<Timestamp> {
    if raw.trim().eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    let t = chrono::DateTime::parse_from_rfc3339(raw.trim())
        .with_context(|| format!("{raw:?} is not an RFC 3339 time like 2025-06-01T00:00:00Z"))?;
    Ok(Timestamp(t.timestamp_millis()))
}

async fn print_platforms(store: &Store, id: &CampaignId) -> anyhow::Result<()> {
    let policy = store
        .platform_policy(id)
        .await
        .context("reading the campaign's platforms")?;
    println!("platforms: {policy}");
    Ok(())
}

fn print_campaign(c: &Campaign) {
    let mut t = table(&["field", "value"]);
    let cap = |v: Option<u32>| v.map_or_else(|| "none".to_owned(), |v| v.to_string());
    for (k, v) in [
        ("campaign", c.id.to_string()),
        ("name", c.name.clone()),
        ("product", c.product.clone()),
        ("marketplace", c.marketplace.to_string()),
        (
            "product page",
            c.product_url()
                .unwrap_or_else(|| "- (the product is no ASIN)".to_owned()),
        ),
        ("discount", c.discount.clone()),
        ("status", c.status.as_str().to_owned()),
        ("starts", time(c.starts_at)),
        ("ends", time(c.ends_at)),
        ("redeem until", time(c.redeem_until)),
        ("total cap", cap(c.caps.total)),
        ("daily drip", cap(c.caps.daily_drip)),
        ("shards", c.shards.to_string()),
        ("pool", c.pool_size.to_string()),
        ("issuable", c.issuable.to_string()),
    ] {
        t.add_row(vec![Cell::new(k), Cell::new(v)]);
    }
    println!("{t}");
}
