//! One promotion per influencer: codes imported for an influencer reach only that influencer's
//! followers, and those followers get no other codes (unless fallback is on), under concurrent
//! claims against the real embedded engine.

use futures::StreamExt;
use promo_core::{Caps, ClaimRefusal, Follower, InfluencerId, Timestamp};
use promo_store::admin::PromotionOwner;
use promo_store::claims::ClaimRequest;
use promo_store::{AdminRefusal, StoreError};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use std::collections::{HashMap, HashSet};

fn code_owner(code: &str) -> &str {
    code.split('-').next().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn own_codes_reach_only_their_influencers_followers_under_concurrent_claims() {
    let store = crate::common::store().await;
    // 120 shared codes named `LAUNCH-...`.
    let id =
        crate::common::campaign_with_codes(&store, "launch", 3_600_000, Caps::default(), 120).await;
    for (name, fallback) in [
        ("alice", false),
        ("bob", false),
        ("dave", true),
        ("carol", false),
    ] {
        store
            .add_influencer(&id, crate::common::inf(name), name, None)
            .await
            .expect("influencer");
        if fallback {
            store
                .set_influencer_fallback(&id, &crate::common::inf(name), true)
                .await
                .expect("fallback");
        }
    }
    // Their own promotions: alice 40, bob 25, dave 10 codes named after them; carol has none.
    for (name, n) in [("alice", 40), ("bob", 25), ("dave", 10)] {
        let summary = store
            .import_own_codes(
                &id,
                &crate::common::inf(name),
                name,
                &crate::common::codes(&name.to_ascii_uppercase(), n),
                &|_| {},
            )
            .await
            .expect("own import");
        assert_eq!(
            summary.lanes.get(name).copied(),
            Some(n as u32),
            "{summary:?}"
        );
    }
    // A later pool import fills no influencer's lane.
    let more = store
        .import_codes(&id, "more", &crate::common::codes("LATER", 30), &|_| {})
        .await
        .expect("pool import");
    assert_eq!(more.lanes.keys().collect::<Vec<_>>(), ["~open"], "{more:?}");

    // 90 followers per attribution, each asking 1 to 2 times, all at once.
    let via = ["alice", "bob", "dave", "carol", "direct"];
    let mut requests = Vec::new();
    for (a, name) in via.iter().enumerate() {
        for f in 0..90u32 {
            let follower =
                Follower::parse("telegram", &(1_000 * (a as u32 + 1) + f).to_string()).expect("id");
            let influencer = (*name != "direct").then(|| crate::common::inf(name));
            for _ in 0..1 + f % 2 {
                requests.push(ClaimRequest {
                    campaign: id.clone(),
                    follower: follower.clone(),
                    influencer: influencer.clone(),
                });
            }
        }
    }
    requests.shuffle(&mut rand::rngs::StdRng::seed_from_u64(13));
    let outcomes: Vec<_> = futures::stream::iter(requests)
        .map(|req| {
            let store = store.clone();
            async move {
                let out = store.claim(&req, Timestamp::now()).await.expect("store");
                (req, out)
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;

    let mut held: HashMap<Follower, String> = HashMap::new();
    let mut issued: HashMap<String, HashSet<String>> = HashMap::new();
    let mut told: HashMap<String, HashMap<&'static str, u32>> = HashMap::new();
    for (req, out) in &outcomes {
        let who = req
            .influencer
            .as_ref()
            .map_or("direct".to_owned(), |i| i.as_str().to_owned());
        match out {
            Ok(c) => {
                let code = c.code.expose().to_owned();
                if let Some(before) = held.insert(req.follower.clone(), code.clone()) {
                    assert_eq!(before, code, "a follower got two codes");
                }
                issued.entry(who).or_default().insert(code);
            }
            Err(r) => *told.entry(who).or_default().entry(r.reason()).or_default() += 1,
        }
    }
    let all: Vec<&String> = issued.values().flatten().collect();
    assert_eq!(
        all.len(),
        all.iter().collect::<HashSet<_>>().len(),
        "a code went twice"
    );

    // alice and bob: exactly their own codes, every one of them, and then "all claimed".
    for (name, own) in [("alice", 40), ("bob", 25)] {
        let theirs = &issued[name];
        assert_eq!(theirs.len(), own, "{name}");
        let prefix = name.to_ascii_uppercase();
        assert!(
            theirs.iter().all(|c| code_owner(c) == prefix),
            "{name}: {theirs:?}"
        );
        assert_eq!(
            told[name].keys().collect::<Vec<_>>(),
            [&"quota_reached"],
            "{name}"
        );
    }
    // dave: his 10, then shared codes, credited to him.
    let dave = &issued["dave"];
    assert_eq!(dave.iter().filter(|c| code_owner(c) == "DAVE").count(), 10);
    assert!(dave.len() > 10, "fallback drew from the pool");
    // carol and direct followers: shared codes only, never someone's own.
    for name in ["carol", "direct", "dave"] {
        assert!(
            issued[name]
                .iter()
                .all(|c| ["LAUNCH", "LATER", "DAVE"].contains(&code_owner(c))),
            "{name}"
        );
    }
    for name in ["carol", "direct"] {
        assert!(
            issued[name].iter().all(|c| code_owner(c) != "DAVE"),
            "{name}"
        );
    }
    // The shared pool (150) went to carol, direct and dave's overflow, and nothing more.
    let shared = issued
        .values()
        .flatten()
        .filter(|c| ["LAUNCH", "LATER"].contains(&code_owner(c)))
        .count();
    assert_eq!(shared, 150);
    assert_eq!(store.audit().await.expect("audit"), Vec::<String>::new());

    let owner = PromotionOwner {
        campaign: id.clone(),
        influencer: crate::common::inf("alice"),
    };
    store
        .set_promotion("A1B2C3D4E5F6G7", &owner)
        .await
        .expect("promotion");
    let stats = store
        .campaign_stats(&id, Timestamp::now())
        .await
        .expect("stats");
    for row in &stats.influencers {
        let expect_own = ["alice", "bob", "dave"].contains(&row.influencer.as_str());
        assert_eq!(row.own_codes, expect_own, "{row:?}");
        assert_eq!(row.remaining, 0, "{row:?}");
        let promotion = (row.influencer.as_str() == "alice").then(|| "A1B2C3D4E5F6G7".to_owned());
        assert_eq!(row.promotion, promotion, "{row:?}");
    }
}

#[tokio::test]
async fn an_own_import_keeps_to_the_quota_and_refuses_a_lane_backed_from_the_pool() {
    let store = crate::common::store().await;
    let id =
        crate::common::campaign_with_codes(&store, "quota", 3_600_000, Caps::default(), 20).await;
    // erin's quota of 5 is backed from the pool at once: her lane holds shared codes.
    store
        .add_influencer(&id, crate::common::inf("erin"), "Erin", Some(5))
        .await
        .expect("erin");
    let before = store.audit().await.expect("audit");
    let refused = store
        .import_own_codes(
            &id,
            &crate::common::inf("erin"),
            "e",
            &crate::common::codes("ERIN", 3),
            &|_| {},
        )
        .await;
    assert!(
        matches!(
            refused,
            Err(StoreError::Refused(AdminRefusal::SharedCodesInLane {
                codes: 5,
                ..
            }))
        ),
        "{refused:?}"
    );
    let erin_code = store
        .get_code(&crate::common::codes("ERIN", 1)[0])
        .await
        .expect("read");
    assert!(erin_code.is_none(), "nothing written");
    assert_eq!(before, store.audit().await.expect("audit"));

    // frank has a quota of 4 and his own 6 codes: 4 in his lane, 2 in reserve, never issued.
    let open =
        crate::common::campaign_with_codes(&store, "frank", 3_600_000, Caps::default(), 0).await;
    store
        .add_influencer(&open, crate::common::inf("frank"), "Frank", Some(4))
        .await
        .expect("frank");
    let summary = store
        .import_own_codes(
            &open,
            &crate::common::inf("frank"),
            "f",
            &crate::common::codes("FRANK", 6),
            &|_| {},
        )
        .await
        .expect("own import");
    assert_eq!(summary.lanes.get("frank"), Some(&4), "{summary:?}");
    assert_eq!(summary.lanes.get("~reserve"), Some(&2), "{summary:?}");
    let mut got = 0;
    for f in 0..8 {
        let req = ClaimRequest {
            campaign: open.clone(),
            follower: Follower::parse("telegram", &(500 + f).to_string()).expect("id"),
            influencer: Some(crate::common::inf("frank")),
        };
        match store.claim(&req, Timestamp::now()).await.expect("store") {
            Ok(_) => got += 1,
            Err(r) => assert_eq!(r, ClaimRefusal::QuotaReached),
        }
    }
    assert_eq!(got, 4);
    // Fallback with a quota is refused: the quota caps all he hands out.
    let refused = store
        .set_influencer_fallback(&open, &crate::common::inf("frank"), true)
        .await;
    assert!(matches!(
        refused,
        Err(StoreError::Refused(AdminRefusal::FallbackWithQuota(_)))
    ));
    // An influencer that does not exist.
    let ghost = store
        .import_own_codes(
            &open,
            &InfluencerId::parse("ghost").expect("id"),
            "g",
            &crate::common::codes("GHOST", 1),
            &|_| {},
        )
        .await;
    assert!(matches!(
        ghost,
        Err(StoreError::Refused(AdminRefusal::UnknownInfluencer { .. }))
    ));
    assert_eq!(store.audit().await.expect("audit"), Vec::<String>::new());
}

#[tokio::test]
async fn the_sweep_retires_an_ended_campaigns_own_codes_too() {
    let store = crate::common::store().await;
    let id = crate::common::campaign_with_codes(&store, "short", 1_000, Caps::default(), 3).await;
    store
        .add_influencer(&id, crate::common::inf("gina"), "Gina", None)
        .await
        .expect("gina");
    store
        .import_own_codes(
            &id,
            &crate::common::inf("gina"),
            "g",
            &crate::common::codes("GINA", 4),
            &|_| {},
        )
        .await
        .expect("own import");
    let later = Timestamp::now().plus_ms(60_000);
    let report = store.expire_sweep(later, 1_000).await.expect("sweep");
    assert_eq!(report.codes_retired, 7, "{report:?}");
    let stats = store.campaign_stats(&id, later).await.expect("stats");
    assert_eq!(stats.available_now + stats.available_later, 0, "{stats:?}");
}
