//! The claim invariants under concurrency, against the real embedded engine.

use crate::common;
use futures::StreamExt;
use promo_core::{Caps, ClaimRefusal, Follower, InfluencerId, Timestamp};
use promo_store::claims::ClaimRequest;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::{HashMap, HashSet};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_followers_racing_for_a_pool_never_break_an_invariant() {
    let store = common::store().await;
    let id = common::campaign_with_codes(&store, "viral", 3_600_000, Caps::default(), 1_000).await;
    let quotas = [("alice", 250u32), ("bob", 200), ("carol", 100)];
    for (name, q) in quotas {
        store
            .add_influencer(&id, common::inf(name), name, Some(q))
            .await
            .expect("influencer");
    }
    store
        .add_influencer(&id, common::inf("dave"), "dave", None)
        .await
        .expect("influencer without quota");

    // 5,000 followers, each through one attribution, asking 1 to 3 times: ~10,000 requests.
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let attributions = ["alice", "bob", "carol", "dave", "direct"];
    let mut requests = Vec::new();
    for f in 0..5_000u32 {
        let platform = ["telegram", "discord", "web"][f as usize % 3];
        let follower = Follower::parse(platform, &format!("{}", 10_000 + f)).expect("follower");
        let via = attributions[rng.random_range(0..attributions.len())];
        let influencer = (via != "direct").then(|| common::inf(via));
        for _ in 0..rng.random_range(1..=3) {
            requests.push(ClaimRequest {
                campaign: id.clone(),
                follower: follower.clone(),
                influencer: influencer.clone(),
            });
        }
    }
    requests.shuffle(&mut rng);
    let total_requests = requests.len();

    let outcomes: Vec<_> = futures::stream::iter(requests)
        .map(|req| {
            let store = store.clone();
            async move {
                let out = store
                    .claim(&req, Timestamp::now())
                    .await
                    .expect("store reachable");
                (req, out)
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    assert_eq!(outcomes.len(), total_requests);

    let mut held: HashMap<Follower, String> = HashMap::new();
    let mut new_claims = 0;
    let mut refusals: HashMap<&'static str, u32> = HashMap::new();
    for (req, out) in &outcomes {
        match out {
            Ok(claimed) => {
                if claimed.new {
                    new_claims += 1;
                }
                let code = claimed.code.expose().to_owned();
                if let Some(prev) = held.insert(req.follower.clone(), code.clone()) {
                    assert_eq!(prev, code, "a repeat returned another code");
                }
                let expected = req.influencer.clone().unwrap_or_else(InfluencerId::direct);
                assert_eq!(
                    claimed.influencer, expected,
                    "claim attributed to the wrong influencer"
                );
            }
            Err(refusal) => *refusals.entry(refusal.reason()).or_default() += 1,
        }
    }
    assert_eq!(
        refusals.get(ClaimRefusal::Busy.reason()),
        None,
        "no claim may give up as busy: {refusals:?}"
    );
    // Every lane is oversubscribed, so exactly the whole pool is issued.
    assert_eq!(new_claims, 1_000, "refusals: {refusals:?}");
    assert_eq!(held.len(), 1_000);
    let distinct: HashSet<_> = held.values().collect();
    assert_eq!(distinct.len(), 1_000, "a code went to two followers");

    let records = store.records().await.expect("scan");
    let violations = promo_store::admin::audit::check(&records);
    assert!(violations.is_empty(), "{violations:#?}");
    let stats = store
        .campaign_stats(&id, Timestamp::now())
        .await
        .expect("stats");
    for row in &stats.influencers {
        let from_records = records
            .claims
            .iter()
            .filter(|c| c.influencer == row.influencer)
            .count() as u32;
        assert_eq!(
            row.claims, from_records,
            "stats of {} differ from the records",
            row.influencer
        );
        if let Some(q) = row.quota {
            assert_eq!(
                row.claims, q,
                "{}'s lane is oversubscribed and must be used up exactly",
                row.influencer
            );
        }
    }
    let open_lane: u32 = stats
        .influencers
        .iter()
        .filter(|r| r.quota.is_none())
        .map(|r| r.claims)
        .sum();
    assert_eq!(open_lane, 450);
    assert!(
        refusals.contains_key("quota_reached") && refusals.contains_key("sold_out"),
        "{refusals:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn caps_limit_what_is_issued_and_reserve_is_never_touched() {
    let store = common::store().await;
    let id = common::campaign_with_codes(
        &store,
        "capped",
        3_600_000,
        Caps {
            total: Some(120),
            daily_drip: None,
        },
        200,
    )
    .await;
    let outcomes: Vec<_> = futures::stream::iter(0..400u32)
        .map(|i| {
            let store = store.clone();
            let id = id.clone();
            async move {
                let req = ClaimRequest {
                    campaign: id,
                    follower: Follower::parse("telegram", &(i + 1).to_string()).expect("follower"),
                    influencer: None,
                };
                store
                    .claim(&req, Timestamp::now())
                    .await
                    .expect("store reachable")
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 120);
    assert!(
        outcomes
            .iter()
            .filter_map(|o| o.as_ref().err())
            .all(|r| *r == ClaimRefusal::SoldOut)
    );
    assert!(store.audit().await.expect("audit").is_empty());
}

#[tokio::test]
async fn daily_drip_refuses_with_the_next_release_time() {
    let store = common::store().await;
    let id = common::campaign_with_codes(
        &store,
        "drip",
        5 * 86_400_000,
        Caps {
            total: None,
            daily_drip: Some(5),
        },
        20,
    )
    .await;
    let mut got = 0;
    let mut last = None;
    for i in 0..8u32 {
        let req = ClaimRequest {
            campaign: id.clone(),
            follower: Follower::parse("discord", &(i + 1).to_string()).expect("follower"),
            influencer: None,
        };
        match store.claim(&req, Timestamp::now()).await.expect("store") {
            Ok(_) => got += 1,
            Err(r) => last = Some(r),
        }
    }
    assert_eq!(got, 5);
    let campaign = store
        .get_campaign(&id)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(
        last,
        Some(ClaimRefusal::DripExhausted {
            next_release: campaign.starts_at.plus_ms(86_400_000)
        })
    );
}

#[tokio::test]
async fn refusals_say_why() {
    let store = common::store().await;
    let id = common::campaign_with_codes(&store, "states", 3_600_000, Caps::default(), 3).await;
    let req = |user: &str, via: Option<&str>| ClaimRequest {
        campaign: id.clone(),
        follower: Follower::parse("telegram", user).expect("follower"),
        influencer: via.map(common::inf),
    };
    let unknown = ClaimRequest {
        campaign: promo_core::CampaignId::parse("nope").expect("id"),
        ..req("1", None)
    };
    assert_eq!(
        store
            .claim(&unknown, Timestamp::now())
            .await
            .expect("store"),
        Err(ClaimRefusal::UnknownCampaign)
    );
    assert_eq!(
        store
            .claim(&req("1", Some("ghost")), Timestamp::now())
            .await
            .expect("store"),
        Err(ClaimRefusal::UnknownInfluencer)
    );
    let first = store
        .claim(&req("1", None), Timestamp::now())
        .await
        .expect("store")
        .expect("claimed");
    store
        .set_campaign_status(&id, promo_core::CampaignStatus::Paused, Timestamp::now())
        .await
        .expect("pause");
    assert_eq!(
        store
            .claim(&req("2", None), Timestamp::now())
            .await
            .expect("store"),
        Err(ClaimRefusal::Paused)
    );
    // Someone who holds a code gets it back whatever the campaign's state.
    let again = store
        .claim(&req("1", None), Timestamp::now())
        .await
        .expect("store")
        .expect("same code");
    assert_eq!(again.code, first.code);
    assert!(!again.new);
    store
        .set_campaign_status(&id, promo_core::CampaignStatus::Ended, Timestamp::now())
        .await
        .expect("end");
    assert_eq!(
        store
            .claim(&req("3", None), Timestamp::now())
            .await
            .expect("store"),
        Err(ClaimRefusal::Ended)
    );
}

/// Eight store handles on one table stand for eight Lambda instances: each keeps its own
/// candidate stock, read from the same index, so their candidates overlap. A taken candidate
/// makes a handle read a fresh page: nobody gives up as busy and the whole pool is issued once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_processes_drawing_from_one_pool_issue_it_exactly_once() {
    use promo_store::table::engine::{EmbeddedEngine, client_for};
    let engine = EmbeddedEngine::memory().await.expect("engine");
    let handles: Vec<promo_store::Store> = (0..8)
        .map(|_| promo_store::Store::new(client_for(engine.endpoint()), "promo"))
        .collect();
    handles[0].ensure_table().await.expect("table");
    let id =
        common::campaign_with_codes(&handles[0], "fleet", 3_600_000, Caps::default(), 1_000).await;
    let writes = || -> u64 { handles.iter().map(|h| h.metrics().snapshot().writes).sum() };
    let writes_before = writes();

    let outcomes: Vec<_> = futures::stream::iter(0..2_000u32)
        .map(|f| {
            let store = handles[f as usize % handles.len()].clone();
            let request = ClaimRequest {
                campaign: id.clone(),
                follower: Follower::parse("telegram", &(f + 1).to_string()).expect("follower"),
                influencer: None,
            };
            async move {
                let out = store
                    .claim(&request, Timestamp::now())
                    .await
                    .expect("store");
                (request.follower, out)
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;

    let mut codes = HashSet::new();
    let mut refusals: HashMap<&'static str, u32> = HashMap::new();
    for (_, out) in &outcomes {
        match out {
            Ok(claimed) => assert!(codes.insert(claimed.code.expose().to_owned())),
            Err(refusal) => *refusals.entry(refusal.reason()).or_default() += 1,
        }
    }
    assert_eq!(codes.len(), 1_000, "refusals: {refusals:?}");
    assert_eq!(refusals.get("sold_out"), Some(&1_000), "{refusals:?}");
    let wasted = writes() - writes_before - 1_000;
    println!("failed claim transactions across 8 handles for 1,000 issued: {wasted}");
    let records = handles[0].records().await.expect("scan");
    let violations = promo_store::admin::audit::check(&records);
    assert!(violations.is_empty(), "{violations:#?}");
}
