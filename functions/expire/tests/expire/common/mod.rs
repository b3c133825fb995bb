//! Shared set-up: a campaign that ends soon, with codes and one claim.

#![allow(dead_code)]

use promo_core::{CampaignId, NewCampaign, PromoCode, Timestamp};
use promo_store::Store;
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes, claim_one};
use std::time::Duration;

/// How long the campaigns of these tests stay open.
pub const OPEN_MS: i64 = 1_500;

/// The EventBridge scheduled event fixture.
pub fn scheduled_event() -> serde_json::Value {
    serde_json::from_str(include_str!("../fixtures/eventbridge_scheduled.json"))
        .expect("fixture is JSON")
}

/// Creates a campaign open for [`OPEN_MS`] more (redeemable for an hour) with `n` codes,
/// claims one and returns it.
pub async fn ending_campaign(store: &Store, id: &str, n: usize) -> (CampaignId, PromoCode) {
    let new = NewCampaign {
        redeem_until: Some(Timestamp::now().plus_ms(HOUR_MS)),
        shards: 2,
        ..campaign(id, OPEN_MS)
    };
    let id = campaign_with_codes(store, new, n).await;
    let code = claim_one(store, &id, "u1").await;
    (id, code)
}

/// Sleeps until the campaigns of [`ending_campaign`] are over.
pub async fn wait_for_the_end() {
    tokio::time::sleep(Duration::from_millis(OPEN_MS as u64 + 200)).await;
}
