//! `promo export claims`: a campaign's issued codes as CSV, for the seller's own books;
//! `promo export payouts`: what each influencer brought, to pay them from.

use crate::cli::ExportCommand;
use crate::output::time;
use anyhow::Context;
use promo_core::CampaignId;
use promo_core::orders::Money;
use promo_store::Store;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Runs an export subcommand.
pub async fn run(store: &Store, command: ExportCommand) -> anyhow::Result<()> {
    match command {
        ExportCommand::Claims { campaign, out } => claims(store, campaign, out).await,
        ExportCommand::Payouts {
            campaign,
            rate,
            out,
        } => payouts(store, campaign, rate, out).await,
    }
}

fn sink(out: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match out {
        Some(path) => Box::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    })
}

async fn claims(store: &Store, campaign: CampaignId, out: Option<PathBuf>) -> anyhow::Result<()> {
    let rows = store
        .claim_rows(&campaign)
        .await
        .context("reading the campaign's claims")?;
    let mut csv = csv::Writer::from_writer(sink(out.as_deref())?);
    csv.write_record([
        "code",
        "platform",
        "user_id",
        "influencer",
        "claimed_at",
        "state",
        "redeemed_at",
    ])?;
    for r in &rows {
        let (platform, user) = r.follower.split_once(':').unwrap_or(("", &r.follower));
        csv.write_record([
            r.code.as_str(),
            platform,
            user,
            r.influencer.as_str(),
            &r.claimed_at.map(time).unwrap_or_default(),
            &r.state,
            &r.redeemed_at.map(time).unwrap_or_default(),
        ])?;
    }
    csv.flush()?;
    if let Some(path) = out {
        eprintln!(
            "wrote {} claims of {campaign} to {}",
            rows.len(),
            path.display()
        );
    }
    Ok(())
}

/// Parses a commission rate, `10%`, `7.5%` or `10`, into basis points (1000 = 10%): at most two
/// decimals, at most 100%.
pub fn parse_rate(text: &str) -> Result<u32, String> {
    let number = text.trim().trim_end_matches('%').trim();
    let hundredths = Money::parse(number)
        .filter(|m| m.0 >= 0)
        .ok_or_else(|| format!("{text:?} is not a rate like 10% or 7.5%"))?;
    u32::try_from(hundredths.0)
        .ok()
        .filter(|bp| *bp <= 10_000)
        .ok_or_else(|| "a rate is at most 100%".to_owned())
}

/// A cell a spreadsheet will not run as a formula: a name typed by someone else may start with
/// `=`, `+`, `-` or `@`.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

async fn payouts(
    store: &Store,
    campaign: CampaignId,
    rate: Option<u32>,
    out: Option<PathBuf>,
) -> anyhow::Result<()> {
    let now = promo_core::Timestamp::now();
    let stats = store
        .campaign_stats(&campaign, now)
        .await
        .context("reading the campaign's numbers")?;
    let names: std::collections::HashMap<_, _> = store
        .list_influencers(&campaign)
        .await?
        .into_iter()
        .map(|i| (i.id, i.name))
        .collect();
    let mut csv = csv::Writer::from_writer(sink(out.as_deref())?);
    csv.write_record([
        "influencer",
        "name",
        "promotion",
        "claims",
        "redemptions",
        "orders",
        "units",
        "currency",
        "revenue",
        "discount",
        "rate",
        "commission",
    ])?;
    let rate_text = rate.map(|bp| format!("{}%", Money(i64::from(bp))).replace(".00%", "%"));
    let mut rows = 0;
    for row in stats
        .influencers
        .iter()
        .filter(|r| !r.influencer.is_direct())
    {
        let none = [promo_store::admin::Sales::default()];
        let sales = if row.sales.is_empty() {
            &none[..]
        } else {
            &row.sales[..]
        };
        for sale in sales {
            let name = names.get(&row.influencer).map(String::as_str).unwrap_or("");
            csv.write_record([
                row.influencer.as_str(),
                &cell(name),
                &cell(row.promotion.as_deref().unwrap_or("")),
                &row.claims.to_string(),
                &row.redemptions.to_string(),
                &row.orders.to_string(),
                &row.units.to_string(),
                &sale.currency,
                &sale.revenue.to_string(),
                &sale.discount.to_string(),
                rate_text.as_deref().unwrap_or(""),
                &rate
                    .map(|bp| sale.revenue.share(bp).to_string())
                    .unwrap_or_default(),
            ])?;
            rows += 1;
        }
    }
    csv.flush()?;
    if let Some(path) = out {
        eprintln!(
            "wrote {rows} payout rows of {campaign} to {}",
            path.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_percentages_with_at_most_two_decimals() {
        assert_eq!(parse_rate("10%"), Ok(1_000));
        assert_eq!(parse_rate("7.5%"), Ok(750));
        assert_eq!(parse_rate("12"), Ok(1_200));
        assert_eq!(parse_rate("100%"), Ok(10_000));
        for bad in ["", "%", "-5%", "101%", "ten", "1.234%", "1e2"] {
            assert!(parse_rate(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_cell_never_starts_a_formula() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("Alice"), "Alice");
    }
}
