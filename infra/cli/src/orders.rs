//! `promo orders import`: credits influencers with the Amazon orders that carry their
//! promotion, from the All Orders report.

use crate::cli::OrdersCommand;
use crate::output::{num, progress, table};
use anyhow::{Context, bail};
use comfy_table::Cell;
use promo_core::Timestamp;
use promo_core::orders::parse_orders_report;
use promo_store::Store;
use std::collections::{BTreeMap, BTreeSet, HashMap};

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
    let bar = progress(report.lines.len() as u64, "orders");
    for line in &report.lines {
        for promotion in &line.promotion_ids {
            match owners.get(promotion) {
                Some(owner) => {
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
    if !unmatched.is_empty() {
        println!(
            "promotions not mapped to an influencer (ignored): {}",
            unmatched.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    Ok(0)
}
