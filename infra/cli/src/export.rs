//! `promo export claims`: a campaign's issued codes as CSV, for the seller's own books.

use crate::cli::ExportCommand;
use crate::output::time;
use anyhow::Context;
use promo_store::Store;
use std::io::Write;

/// Runs an export subcommand.
pub async fn run(store: &Store, command: ExportCommand) -> anyhow::Result<()> {
    let ExportCommand::Claims { campaign, out } = command;
    let rows = store
        .claim_rows(&campaign)
        .await
        .context("reading the campaign's claims")?;
    let sink: Box<dyn Write> = match &out {
        Some(path) => Box::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut csv = csv::Writer::from_writer(sink);
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
