//! Shared set-up: a campaign that ends soon, with codes and one claim.

#![allow(dead_code)]

use promo_core::{CampaignId, Caps, Follower, NewCampaign, PromoCode, Timestamp};
use promo_store::Store;
use promo_store::claim::ClaimRequest;
use std::time::Duration;

/// How long the campaigns of these tests stay open.
pub const OPEN_MS: i64 = 1_500;

/// The EventBridge scheduled event fixture.
pub fn scheduled_event() -> serde_json::Value {
    serde_json::from_str(include_str!("fixtures/eventbridge_scheduled.json"))
        .expect("fixture is JSON")
}

/// Creates a campaign open for [`OPEN_MS`] more with `n` codes, claims one and returns it.
pub async fn ending_campaign(store: &Store, id: &str, n: usize) -> (CampaignId, PromoCode) {
    let now = Timestamp::now();
    let new = NewCampaign {
        id: CampaignId::parse(id).expect("valid id"),
        name: format!("Campaign {id}"),
        product: "B00TEST123".into(),
        discount: "20% off".into(),
        starts_at: now.plus_ms(-60_000),
        ends_at: now.plus_ms(OPEN_MS),
        redeem_until: Some(now.plus_ms(3_600_000)),
        caps: Caps::default(),
        shards: 2,
        activate: true,
    };
    let c = store.create_campaign(new, now).await.expect("campaign");
    let codes: Vec<_> = (0..n)
        .map(|i| PromoCode::parse(&format!("EX-{i:04}-TEST")).expect("code"))
        .collect();
    store
        .import_codes(&c.id, "test", &codes, &|_| {})
        .await
        .expect("codes");
    let request = ClaimRequest {
        campaign: c.id.clone(),
        follower: Follower::parse("web", "u1").expect("follower"),
        influencer: None,
    };
    let code = store
        .claim(&request, Timestamp::now())
        .await
        .expect("store")
        .expect("a code")
        .code;
    (c.id, code)
}

/// Sleeps until the campaigns of [`ending_campaign`] are over.
pub async fn wait_for_the_end() {
    tokio::time::sleep(Duration::from_millis(OPEN_MS as u64 + 200)).await;
}
