//! Shared set-up for the end-to-end tests: a fresh embedded engine, a campaign, codes.

#![allow(dead_code)]

use promo_core::{CampaignId, Caps, InfluencerId, NewCampaign, PromoCode, Timestamp};
use promo_store::Store;

/// A fresh in-memory store.
pub async fn store() -> Store {
    Store::embedded_memory()
        .await
        .expect("embedded engine starts")
}

/// An active campaign open from a minute ago until `ends_in_ms` from now.
pub fn campaign(id: &str, ends_in_ms: i64, caps: Caps) -> NewCampaign {
    let now = Timestamp::now();
    NewCampaign {
        id: CampaignId::parse(id).expect("valid id"),
        name: format!("Campaign {id}"),
        product: "B00TEST123".into(),
        discount: "20% off".into(),
        starts_at: now.plus_ms(-60_000),
        ends_at: now.plus_ms(ends_in_ms),
        redeem_until: None,
        caps,
        shards: 16,
        activate: true,
    }
}

/// `n` distinct Amazon-shaped codes with a prefix.
pub fn codes(prefix: &str, n: usize) -> Vec<PromoCode> {
    (0..n)
        .map(|i| PromoCode::parse(&format!("{prefix}-{i:06}-TESTCD")).expect("valid code"))
        .collect()
}

/// Creates a campaign and imports codes into it.
pub async fn campaign_with_codes(
    store: &Store,
    id: &str,
    ends_in_ms: i64,
    caps: Caps,
    n: usize,
) -> CampaignId {
    let c = store
        .create_campaign(campaign(id, ends_in_ms, caps), Timestamp::now())
        .await
        .expect("campaign created");
    store
        .import_codes(
            &c.id,
            "test",
            &codes(&id.to_ascii_uppercase().replace('-', ""), n),
            &|_| {},
        )
        .await
        .expect("codes imported");
    c.id
}

/// Parses an influencer id.
pub fn inf(id: &str) -> InfluencerId {
    InfluencerId::parse(id).expect("valid influencer")
}
