//! Shared set-up: campaigns on the testkit's fixtures, followers, claims started together on
//! tokio tasks, and what the table holds.

use promo_core::{Campaign, CampaignId, CodeState, Follower, InfluencerId, NewCampaign, PromoCode};
use promo_store::Store;
use promo_store::claims::{ClaimOutcome, ClaimRequest};
use promo_testkit::fixtures;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Barrier;

pub use fixtures::{HOUR_MS, memory_store as store};

/// Creates `new` with `n` codes (named after the campaign, see [`fixtures::code_prefix`]) and
/// returns its id with the codes.
pub async fn campaign_with_codes(
    store: &Store,
    new: NewCampaign,
    n: usize,
) -> (CampaignId, Vec<PromoCode>) {
    let id = fixtures::campaign_with_codes(store, new, n).await;
    let codes = fixtures::codes(&fixtures::code_prefix(&id), n);
    (id, codes)
}

/// An active campaign open for an hour, on 4 shards, with `n` codes.
pub async fn open_campaign(store: &Store, id: &str, n: usize) -> (CampaignId, Vec<PromoCode>) {
    campaign_with_codes(store, fixtures::campaign(id, HOUR_MS), n).await
}

/// Web follower number `i`.
pub fn follower(i: u32) -> Follower {
    Follower::parse("web", &format!("follower-{i}")).expect("follower")
}

/// Parses an influencer id.
pub fn influencer(id: &str) -> InfluencerId {
    InfluencerId::parse(id).expect("influencer id")
}

/// A claim of `campaign` by `follower`, through `via` when given.
pub fn request(campaign: &CampaignId, follower: Follower, via: Option<&str>) -> ClaimRequest {
    ClaimRequest {
        campaign: campaign.clone(),
        follower,
        influencer: via.map(influencer),
    }
}

/// Runs every claim of `requests` on a task of its own, all released at once, and returns the
/// outcomes in the order of `requests`.
pub async fn claim_at_once(store: &Store, requests: Vec<ClaimRequest>) -> Vec<ClaimOutcome> {
    let start = Arc::new(Barrier::new(requests.len()));
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|request| {
            let (store, start) = (store.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                store
                    .claim(&request, promo_core::Timestamp::now())
                    .await
                    .expect("the store answers")
            })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        outcomes.push(task.await.expect("claim task"));
    }
    outcomes
}

/// `id`'s campaign, read fresh.
pub async fn campaign(store: &Store, id: &CampaignId) -> Campaign {
    store
        .get_campaign(id)
        .await
        .expect("read")
        .expect("the campaign")
}

/// How many followers hold a code of `campaign`.
pub async fn holders(store: &Store, campaign: &CampaignId) -> usize {
    store
        .campaign_claims(campaign, None)
        .await
        .expect("claims")
        .len()
}

/// How many of `campaign`'s codes are in each state.
pub async fn states(store: &Store, campaign: &CampaignId) -> HashMap<CodeState, usize> {
    let mut states = HashMap::new();
    for code in store.records().await.expect("scan").codes {
        if code.campaign == *campaign {
            *states.entry(code.code_state).or_default() += 1;
        }
    }
    states
}

/// Every code and claim item of the table, as JSON sorted by key: equal snapshots mean
/// nothing about codes and claims changed in between.
pub async fn snapshot(store: &Store) -> serde_json::Value {
    let records = store.records().await.expect("scan");
    let mut codes: Vec<_> = records.codes.iter().map(json).collect();
    let mut claims: Vec<_> = records.claims.iter().map(json).collect();
    codes.sort_by_key(|c| c["pk"].to_string());
    claims.sort_by_key(|c| format!("{}{}", c["pk"], c["sk"]));
    serde_json::json!({ "codes": codes, "claims": claims })
}

fn json(item: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(item).expect("an item as JSON")
}
