//! Shared set-up for the end-to-end tests, on the testkit's fixtures: these proofs use 16 shards
//! and campaign caps.

#![allow(dead_code)]

use promo_core::{CampaignId, Caps, InfluencerId, NewCampaign};
use promo_store::Store;
#[allow(unused_imports)]
pub use promo_testkit::fixtures::{codes, memory_store as store};

/// Creates an active campaign on 16 shards, open until `ends_in_ms` from now, with `n` codes
/// named after it (see `promo_testkit::fixtures::code_prefix`).
pub async fn campaign_with_codes(
    store: &Store,
    id: &str,
    ends_in_ms: i64,
    caps: Caps,
    n: usize,
) -> CampaignId {
    let new = NewCampaign {
        caps,
        shards: 16,
        ..promo_testkit::fixtures::campaign(id, ends_in_ms)
    };
    promo_testkit::fixtures::campaign_with_codes(store, new, n).await
}

/// Parses an influencer id.
pub fn inf(id: &str) -> InfluencerId {
    InfluencerId::parse(id).expect("valid influencer")
}
