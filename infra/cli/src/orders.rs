//! `promo orders import`: credits influencers with the Amazon orders that carry their
//! promotion, from the All Orders report.

use crate::cli::OrdersCommand;
use crate::output::{num, progress, table};
use anyhow::{Context, bail};
use comfy_table::Cell;
use promo_core::orders::parse_orders_report;
use promo_core::{CampaignId, Timestamp};
use promo_store::Store;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// True for an Amazon ASIN: ten letters and digits (`B0...` for most products, an ISBN-10 for
/// books). A campaign whose product is something else is not checked against the report.
fn looks_like_asin(product: &str) -> bool {
    product.len() == 10 && product.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Runs an orders subcommand; the exit code is 1 when bad rows stopped the import.
pub async fn run(store: &Store, command: OrdersCommand) -> anyhow::Result<u8> {
    let OrdersCommand::Import { file, skip_bad } = command;
    let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let report = parse_orders_report(&bytes).context("reading the orders report")?;
    for bad in &report.bad {
        eprintln!("line {}: {}", bad.line, bad.reason);
    }
    if !report.bad.is_empty() && !skip_bad {
        eprintln!(
            "{} bad rows; nothing credited. Fix them or pass --skip-bad.",
            report.bad.len()
        );
        return Ok(1);
    }
    let owners: HashMap<_, _> = store.promotions().await?.into_iter().collect();
    if owners.is_empty() {
        bail!(
            "no promotion is mapped to an influencer yet: run `promo influencer promotion` first"
        );
    }
    let now = Timestamp::now();
    let (mut new, mut again) = (BTreeMap::new(), 0u32);
    let mut unmatched = BTreeSet::new();
    let mut products: HashMap<CampaignId, Option<String>> = HashMap::new();
    let mut other_asin: BTreeMap<String, u32> = BTreeMap::new();
    let mut channels: BTreeMap<String, u32> = BTreeMap::new();
    let bar = progress(report.lines.len() as u64, "orders");
    for line in &report.lines {
        if let Some(channel) = &line.sales_channel {
            *channels.entry(channel.clone()).or_default() += 1;
        }
        for promotion in &line.promotion_ids {
            match owners.get(promotion) {
                Some(owner) => {
                    if !products.contains_key(&owner.campaign) {
                        let asin = store
                            .get_campaign(&owner.campaign)
                            .await?
                            .map(|c| c.product)
                            .filter(|p| looks_like_asin(p));
                        products.insert(owner.campaign.clone(), asin);
                    }
                    // A row for another product is the seller's to look at, never credited.
                    if let (Some(Some(want)), Some(got)) =
                        (products.get(&owner.campaign), &line.asin)
                        && !want.eq_ignore_ascii_case(got)
                    {
                        *other_asin.entry(got.clone()).or_default() += 1;
                        continue;
                    }
                    if store.record_order(line, promotion, owner, now).await? {
                        *new.entry((owner.campaign.to_string(), owner.influencer.to_string()))
                            .or_insert(0u32) += 1;
                    } else {
                        again += 1;
                    }
                }
                None => {
                    unmatched.insert(promotion.clone());
                }
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let mut t = table(&["campaign", "influencer", "orders credited now"]);
    for ((c, i), count) in &new {
        t.add_row(vec![Cell::new(c), Cell::new(i), num(count)]);
    }
    println!("{t}");
    println!(
        "{} rows with promotions, {} credited now, {again} credited before (skipped), {} without promotion, {} cancelled, {} bad rows skipped",
        report.lines.len(),
        new.values().sum::<u32>(),
        report.without_promotion,
        report.cancelled,
        report.bad.len()
    );
    if !other_asin.is_empty() {
        let list: Vec<String> = other_asin
            .iter()
            .map(|(a, n)| format!("{a} ({n})"))
            .collect();
        println!(
            "rows for another product than the campaign's ASIN (not credited): {}",
            list.join(", ")
        );
    }
    if !channels.is_empty() {
        let list: Vec<String> = channels.iter().map(|(c, n)| format!("{c} ({n})")).collect();
        println!("sales channels: {}", list.join(", "));
    }
    if !unmatched.is_empty() {
        println!(
            "promotions not mapped to an influencer (ignored): {}",
            unmatched.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    Ok(0)
}
