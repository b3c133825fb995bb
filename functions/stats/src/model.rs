//! What the dashboards show, as JSON: totals from the store's stats (the same numbers the bots'
//! `/stats` shows) and series bucketed per day (UTC) or hour from the records. No follower's
//! personal data appears here: only counts and times.

use promo_core::{Campaign, Timestamp};
use promo_store::admin::Activity;
use promo_store::admin::{CampaignStats, InfluencerStats, Sales};
use serde::Serialize;
use std::collections::BTreeMap;

/// At most this many days are charted (the latest ones).
pub const MAX_DAYS: usize = 90;
/// Hours of claims charted on the seller's overview.
pub const OVERVIEW_HOURS: usize = 48;
/// An influencer's dashboard charts hours, not days, until the campaign is this old: a launch
/// happens in hours, and a day's bar would hide it.
pub const HOURLY_FOR_MS: i64 = 3 * promo_core::time::DAY_MS;
const HOUR_MS: i64 = 3_600_000;

/// The campaign as shown on a page.
#[derive(Debug, Clone, Serialize)]
pub struct CampaignView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Product (ASIN).
    pub product: String,
    /// Discount text.
    pub discount: String,
    /// Lifecycle state.
    pub status: String,
    /// Start (ms).
    pub starts_at: i64,
    /// End (ms).
    pub ends_at: i64,
}

impl From<&Campaign> for CampaignView {
    fn from(c: &Campaign) -> Self {
        Self {
            id: c.id.to_string(),
            name: c.name.clone(),
            product: c.product.clone(),
            discount: c.discount.clone(),
            status: c.status.as_str().to_owned(),
            starts_at: c.starts_at.millis(),
            ends_at: c.ends_at.millis(),
        }
    }
}

/// One day's numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Day {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// Codes claimed that day.
    pub claims: u32,
    /// Codes redeemed that day.
    pub redemptions: u32,
    /// Amazon orders credited with that purchase date.
    pub orders: u32,
}

/// One hour's numbers (Amazon orders carry a date only, so they are counted per day).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Hour {
    /// `YYYY-MM-DDTHH` (UTC).
    pub hour: String,
    /// Codes claimed in that hour.
    pub claims: u32,
    /// Codes redeemed in that hour.
    pub redemptions: u32,
}

/// One influencer's numbers.
#[derive(Debug, Clone, Serialize)]
pub struct InfluencerView {
    /// The influencer id (`direct` for none).
    pub influencer: String,
    /// Their display name as the seller registered it (the id where none is known). Shown as
    /// text, never as markup.
    pub name: String,
    /// The quota, if any.
    pub quota: Option<u32>,
    /// Codes claimed through them.
    pub claims: u32,
    /// Of those, redeemed.
    pub redemptions: u32,
    /// Amazon orders credited.
    pub orders: u32,
    /// (redemptions + orders) / claims.
    pub conversion: f64,
    /// Claims they can still bring.
    pub remaining: u32,
    /// Their own Amazon promotion's tracking id, if the seller set one.
    pub promotion: Option<String>,
    /// Units in the credited Amazon orders.
    pub units: u32,
    /// What buyers paid and the discount they got, per currency.
    pub sales: Vec<Sales>,
    /// True when their followers get their own promotion's codes, not the shared pool's.
    pub own_codes: bool,
}

impl From<&InfluencerStats> for InfluencerView {
    fn from(s: &InfluencerStats) -> Self {
        Self {
            influencer: s.influencer.to_string(),
            name: s.influencer.to_string(),
            quota: s.quota,
            claims: s.claims,
            redemptions: s.redemptions,
            orders: s.orders,
            conversion: s.conversion(),
            remaining: s.remaining,
            promotion: s.promotion.clone(),
            units: s.units,
            sales: s.sales.clone(),
            own_codes: s.own_codes,
        }
    }
}

/// The influencer dashboard's JSON.
#[derive(Debug, Clone, Serialize)]
pub struct InfluencerPage {
    /// The campaign.
    pub campaign: CampaignView,
    /// Their totals.
    pub totals: InfluencerView,
    /// Per day, oldest first, every day from the start to today (at most [`MAX_DAYS`]).
    pub days: Vec<Day>,
    /// `hour` while the campaign is younger than [`HOURLY_FOR_MS`] (charted from `hours`),
    /// else `day` (charted from `days`).
    pub granularity: &'static str,
    /// Per hour, oldest first, every hour from the start to now, while the charts are hourly
    /// (else empty).
    pub hours: Vec<Hour>,
    /// When this was computed (ms).
    pub generated_at: i64,
}

/// One campaign on the seller's overview.
#[derive(Debug, Clone, Serialize)]
pub struct CampaignOverview {
    /// The campaign.
    pub campaign: CampaignView,
    /// Codes in the pool.
    pub pool_size: u32,
    /// Stock that can be issued now.
    pub available_now: u32,
    /// Stock released later by the drip.
    pub available_later: u32,
    /// Claims in all.
    pub claims: u32,
    /// Redemptions in all.
    pub redemptions: u32,
    /// Amazon orders credited in all.
    pub orders: u32,
    /// Every influencer side by side (`direct` first).
    pub influencers: Vec<InfluencerView>,
    /// Claims per hour over the last [`OVERVIEW_HOURS`] hours, oldest first: (`YYYY-MM-DDTHH`,
    /// claims).
    pub hours: Vec<(String, u32)>,
}

/// The seller overview's JSON.
#[derive(Debug, Clone, Serialize)]
pub struct SellerPage {
    /// Every campaign, by id.
    pub campaigns: Vec<CampaignOverview>,
    /// When this was computed (ms).
    pub generated_at: i64,
}

fn day_of(t: Timestamp) -> String {
    chrono::DateTime::from_timestamp_millis(t.millis())
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn hour_of(t: Timestamp) -> String {
    chrono::DateTime::from_timestamp_millis(t.millis())
        .map(|d| d.format("%Y-%m-%dT%H").to_string())
        .unwrap_or_default()
}

/// Buckets activity per UTC day over every day from `from` to `to` (inclusive, the latest
/// [`MAX_DAYS`]); activity outside that range still lands on its own day.
pub fn days(activity: &Activity, from: Timestamp, to: Timestamp) -> Vec<Day> {
    let mut by_day: BTreeMap<String, Day> = BTreeMap::new();
    let first = from.max(to.plus_ms(-(MAX_DAYS as i64 - 1) * promo_core::time::DAY_MS));
    let mut t = Timestamp(first.millis() - first.millis().rem_euclid(promo_core::time::DAY_MS));
    while t <= to {
        let d = day_of(t);
        by_day.insert(
            d.clone(),
            Day {
                day: d,
                ..Day::default()
            },
        );
        t = t.plus_ms(promo_core::time::DAY_MS);
    }
    for c in &activity.claimed {
        entry(&mut by_day, day_of(*c)).claims += 1;
    }
    for r in &activity.redeemed {
        entry(&mut by_day, day_of(*r)).redemptions += 1;
    }
    for o in &activity.ordered {
        entry(&mut by_day, o.clone()).orders += 1;
    }
    let mut out: Vec<Day> = by_day.into_values().collect();
    if out.len() > MAX_DAYS {
        out.drain(..out.len() - MAX_DAYS);
    }
    out
}

fn entry(map: &mut BTreeMap<String, Day>, day: String) -> &mut Day {
    map.entry(day.clone()).or_insert_with(|| Day {
        day,
        ..Day::default()
    })
}

/// Whether an influencer's charts are hourly for a campaign that started at `start`.
pub fn hourly(start: Timestamp, now: Timestamp) -> bool {
    now.millis().saturating_sub(start.millis()) < HOURLY_FOR_MS
}

/// Buckets claims and redemptions per UTC hour over every hour from `from` to `to` (inclusive,
/// at most [`HOURLY_FOR_MS`] of them, the latest); activity outside that range is left out.
pub fn hour_buckets(activity: &Activity, from: Timestamp, to: Timestamp) -> Vec<Hour> {
    let last = to.millis() - to.millis().rem_euclid(HOUR_MS);
    let earliest = last - (HOURLY_FOR_MS / HOUR_MS - 1) * HOUR_MS;
    let first = (from.millis() - from.millis().rem_euclid(HOUR_MS)).clamp(earliest, last);
    let n = ((last - first) / HOUR_MS + 1) as usize;
    let mut out: Vec<Hour> = (0..n)
        .map(|i| Hour {
            hour: hour_of(Timestamp(first + i as i64 * HOUR_MS)),
            ..Hour::default()
        })
        .collect();
    let slot = |t: &Timestamp| {
        (t.millis() >= first && t.millis() < last + HOUR_MS)
            .then(|| ((t.millis() - first) / HOUR_MS) as usize)
    };
    for t in &activity.claimed {
        if let Some(h) = slot(t).and_then(|i| out.get_mut(i)) {
            h.claims += 1;
        }
    }
    for t in &activity.redeemed {
        if let Some(h) = slot(t).and_then(|i| out.get_mut(i)) {
            h.redemptions += 1;
        }
    }
    out
}

/// Claims per hour over the [`OVERVIEW_HOURS`] hours up to `now`, oldest first.
pub fn hours(claimed: &[Timestamp], now: Timestamp) -> Vec<(String, u32)> {
    let last = now.millis() - now.millis().rem_euclid(HOUR_MS);
    let mut out: Vec<(String, u32)> = (0..OVERVIEW_HOURS as i64)
        .rev()
        .map(|h| (hour_of(Timestamp(last - h * HOUR_MS)), 0))
        .collect();
    let first = last - (OVERVIEW_HOURS as i64 - 1) * HOUR_MS;
    for t in claimed {
        if t.millis() >= first && t.millis() < last + HOUR_MS {
            let i = ((t.millis() - first) / HOUR_MS) as usize;
            out[i].1 += 1;
        }
    }
    out
}

/// The overview row of one campaign from its stats and its claim times.
pub fn overview(
    stats: &CampaignStats,
    campaign: &Campaign,
    claimed: &[Timestamp],
    now: Timestamp,
) -> CampaignOverview {
    CampaignOverview {
        campaign: campaign.into(),
        pool_size: stats.pool_size,
        available_now: stats.available_now,
        available_later: stats.available_later,
        claims: stats.claims,
        redemptions: stats.redemptions,
        orders: stats.orders,
        influencers: stats.influencers.iter().map(InfluencerView::from).collect(),
        hours: hours(claimed, now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = promo_core::time::DAY_MS;

    #[test]
    fn every_day_of_the_range_is_present_and_activity_lands_on_its_day() {
        let start = Timestamp(20_000 * DAY + 5_000);
        let now = Timestamp(20_002 * DAY + 7_000);
        let a = Activity {
            claimed: vec![
                Timestamp(20_000 * DAY + 1),
                Timestamp(20_002 * DAY),
                Timestamp(20_002 * DAY + 9),
            ],
            redeemed: vec![Timestamp(20_002 * DAY + 100)],
            ordered: vec![day_of(Timestamp(20_001 * DAY))],
        };
        let d = days(&a, start, now);
        assert_eq!(d.len(), 3);
        assert_eq!(d.iter().map(|d| d.claims).collect::<Vec<_>>(), [1, 0, 2]);
        assert_eq!(
            d.iter().map(|d| d.redemptions).collect::<Vec<_>>(),
            [0, 0, 1]
        );
        assert_eq!(d.iter().map(|d| d.orders).collect::<Vec<_>>(), [0, 1, 0]);
        assert_eq!(d[0].day, day_of(start));
    }

    #[test]
    fn a_long_campaign_shows_its_latest_days() {
        let d = days(&Activity::default(), Timestamp(0), Timestamp(400 * DAY));
        assert_eq!(d.len(), MAX_DAYS);
        assert_eq!(
            d.last().map(|d| d.day.clone()),
            Some(day_of(Timestamp(400 * DAY)))
        );
    }

    #[test]
    fn a_young_campaign_is_charted_per_hour_from_its_start() {
        const H: i64 = 3_600_000;
        let start = Timestamp(500_000 * H + 1_000);
        let now = Timestamp(500_005 * H + 10);
        assert!(hourly(start, now));
        assert!(!hourly(start, start.plus_ms(HOURLY_FOR_MS)));
        let a = Activity {
            claimed: vec![Timestamp(500_000 * H + 5_000), now, Timestamp(499_000 * H)],
            redeemed: vec![Timestamp(500_003 * H)],
            ordered: vec![],
        };
        let h = hour_buckets(&a, start, now);
        assert_eq!(h.len(), 6);
        assert_eq!(h[0].hour, hour_of(start));
        assert_eq!(
            h.iter().map(|h| h.claims).collect::<Vec<_>>(),
            [1, 0, 0, 0, 0, 1]
        );
        assert_eq!(h[3].redemptions, 1);
        // Never more than the hourly window, whatever the range.
        let long = hour_buckets(&Activity::default(), Timestamp(0), now);
        assert_eq!(long.len() as i64, HOURLY_FOR_MS / H);
        assert_eq!(long.last().map(|h| h.hour.clone()), Some(hour_of(now)));
        // A start in the future (clock skew) still gives the current hour.
        assert_eq!(
            hour_buckets(&Activity::default(), now.plus_ms(5 * H), now).len(),
            1
        );
    }

    #[test]
    fn hours_count_the_last_two_days_only() {
        let now = Timestamp(1_000 * 3_600_000 + 10);
        let h = hours(
            &[now, Timestamp(now.millis() - 3_600_000), Timestamp(0)],
            now,
        );
        assert_eq!(h.len(), OVERVIEW_HOURS);
        assert_eq!(h[OVERVIEW_HOURS - 1].1, 1);
        assert_eq!(h[OVERVIEW_HOURS - 2].1, 1);
        assert_eq!(h.iter().map(|x| x.1).sum::<u32>(), 2);
    }
}
