//! Shared output helpers: tables, times, progress bars.

use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use indicatif::{ProgressBar, ProgressStyle};
use promo_core::Timestamp;
use promo_store::admin::{CampaignStats, sales_text};
use std::io::IsTerminal;

/// A table with the house style and a header row.
pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(header.iter().map(Cell::new));
    t
}

/// A right-aligned cell, for numbers.
pub fn num(value: impl ToString) -> Cell {
    Cell::new(value.to_string()).set_alignment(CellAlignment::Right)
}

/// A time as RFC 3339 in UTC, to the second.
pub fn time(t: Timestamp) -> String {
    chrono::DateTime::from_timestamp_millis(t.millis()).map_or_else(
        || t.millis().to_string(),
        |d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

/// The per-influencer table: influencer, quota, claims, redemptions, Amazon orders, conversion,
/// remaining (codes left to them), their own Amazon promotion, and the units and sales of the
/// orders credited to them.
pub fn stats_table(stats: &CampaignStats) -> Table {
    let mut t = table(&[
        "influencer",
        "quota",
        "claims",
        "redemptions",
        "Amazon orders",
        "conversion %",
        "remaining",
        "promotion",
        "units",
        "sales",
    ]);
    for row in &stats.influencers {
        t.add_row(vec![
            Cell::new(row.influencer.as_str()),
            num(row.quota.map_or_else(|| "-".to_owned(), |q| q.to_string())),
            num(row.claims),
            num(row.redemptions),
            num(row.orders),
            num(format!("{:.1}", row.conversion() * 100.0)),
            num(row.remaining),
            Cell::new(match (&row.promotion, row.own_codes) {
                (Some(p), true) => format!("{p} (own codes)"),
                (Some(p), false) => p.clone(),
                (None, true) => "(own codes)".to_owned(),
                (None, false) => "-".to_owned(),
            }),
            num(row.units),
            Cell::new(sales_text(&row.sales)),
        ]);
    }
    let conversion = if stats.claims == 0 {
        0.0
    } else {
        f64::from(stats.redemptions + stats.orders) / f64::from(stats.claims)
    };
    t.add_row(vec![
        Cell::new("total"),
        num(""),
        num(stats.claims),
        num(stats.redemptions),
        num(stats.orders),
        num(format!("{:.1}", conversion * 100.0)),
        num(""),
        Cell::new(""),
        num(stats.units),
        Cell::new(sales_text(&stats.sales)),
    ]);
    t
}

/// A progress bar on stderr for `len` steps, hidden when stderr is not a terminal.
pub fn progress(len: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
}
