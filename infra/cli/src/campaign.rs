//! `promo campaign ...`: the seller's campaign commands.

use crate::cli::{CampaignCommand, CreateCampaignArgs};
use crate::output::{num, table, time};
use anyhow::{Context, bail};
use comfy_table::Cell;
use promo_core::{Campaign, CampaignStatus, Caps, NewCampaign, Timestamp};
use promo_store::Store;

/// Runs a campaign subcommand.
pub async fn run(store: &Store, command: CampaignCommand) -> anyhow::Result<()> {
    let now = Timestamp::now();
    match command {
        CampaignCommand::Create(args) => {
            let new = new_campaign(args, now)?;
            let campaign = store
                .create_campaign(new, now)
                .await
                .context("creating the campaign")?;
            println!(
                "created campaign {} ({})",
                campaign.id,
                campaign.status.as_str()
            );
            print_campaign(&campaign);
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
        }
        CampaignCommand::Pause { id } => {
            set_status(store, &id, CampaignStatus::Paused, now).await?
        }
        CampaignCommand::Resume { id } => {
            set_status(store, &id, CampaignStatus::Active, now).await?
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

fn print_campaign(c: &Campaign) {
    let mut t = table(&["field", "value"]);
    let cap = |v: Option<u32>| v.map_or_else(|| "none".to_owned(), |v| v.to_string());
    for (k, v) in [
        ("campaign", c.id.to_string()),
        ("name", c.name.clone()),
        ("product", c.product.clone()),
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
