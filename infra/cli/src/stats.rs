//! `promo stats`: a campaign's numbers.

use crate::cli::StatsArgs;
use crate::output::stats_table;
use anyhow::Context;
use promo_core::Timestamp;
use promo_store::Store;

/// Prints a campaign's numbers as a table or JSON.
pub async fn run(store: &Store, args: StatsArgs) -> anyhow::Result<()> {
    let stats = store
        .campaign_stats(&args.campaign, Timestamp::now())
        .await
        .context("reading the campaign's numbers")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
        return Ok(());
    }
    println!("campaign {}", stats.campaign);
    println!(
        "pool {} | issuable {} | available now {} | released later {} | claims {} | redemptions {}",
        stats.pool_size,
        stats.issuable,
        stats.available_now,
        stats.available_later,
        stats.claims,
        stats.redemptions
    );
    println!("{}", stats_table(&stats));
    Ok(())
}
