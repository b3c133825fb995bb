//! An influencer's quota lowered and raised while 32 of their followers claim at once: what is
//! issued through them never exceeds the quota in force, never goes below what was issued, and
//! every invariant holds.

use crate::common::{follower, influencer, open_campaign, store};
use promo_core::{CampaignId, ClaimRefusal, InfluencerId, Timestamp};
use promo_store::claims::ClaimRequest;
use promo_store::{AdminRefusal, Store, StoreError};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Codes still available to `who`.
async fn left(store: &Store, id: &CampaignId, who: &InfluencerId) -> u32 {
    let stats = store
        .campaign_stats(id, Timestamp::now())
        .await
        .expect("stats");
    stats
        .influencers
        .iter()
        .find(|r| &r.influencer == who)
        .map_or(0, |r| r.remaining)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_quota_changed_under_32_claimers_is_never_exceeded() {
    let store = store().await;
    let (id, _) = open_campaign(&store, "quota-edit", 1_000).await;
    let alice = influencer("alice");
    store
        .add_influencer(&id, alice.clone(), "Alice", Some(400))
        .await
        .expect("alice");
    // The claimers are another instance, with a campaign cache of their own.
    let other = Store::new(store.client().clone(), store.table());
    let (next, stop) = (
        Arc::new(AtomicU32::new(0)),
        Arc::new(AtomicBool::new(false)),
    );
    let claimers: Vec<_> = (0..32)
        .map(|_| {
            let (store, id, alice) = (other.clone(), id.clone(), alice.clone());
            let (next, stop) = (next.clone(), stop.clone());
            tokio::spawn(async move {
                let mut got = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    let request = ClaimRequest {
                        campaign: id.clone(),
                        follower: follower(next.fetch_add(1, Ordering::Relaxed)),
                        influencer: Some(alice.clone()),
                    };
                    match store
                        .claim(&request, Timestamp::now())
                        .await
                        .expect("store")
                    {
                        Ok(_) => got += 1,
                        Err(ClaimRefusal::QuotaReached) => {}
                        Err(r) => panic!("{r:?}"),
                    }
                    // Paced, so that both changes land while the lane still has codes.
                    tokio::time::sleep(Duration::from_millis(40)).await;
                }
                got
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let lowered = store
        .set_influencer_quota(&id, &alice, 300)
        .await
        .expect("lowered while claims run");
    assert_eq!(lowered.quota, Some(300));
    assert!(lowered.backed <= 300, "{lowered:?}");
    let raised = store
        .set_influencer_quota(&id, &alice, 350)
        .await
        .expect("raised while claims run");
    assert_eq!(raised.quota, Some(350));
    // Until her lane runs dry.
    let deadline = Instant::now() + Duration::from_secs(30);
    while left(&store, &id, &alice).await > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.store(true, Ordering::Relaxed);
    let mut issued = 0;
    for c in claimers {
        issued += c.await.expect("claimer");
    }
    assert_eq!(issued, 350, "exactly the quota in force at the end");
    assert_eq!(store.audit().await.expect("audit"), Vec::<String>::new());
    let stats = store
        .campaign_stats(&id, Timestamp::now())
        .await
        .expect("stats");
    let row = stats
        .influencers
        .iter()
        .find(|r| r.influencer == alice)
        .expect("row");
    assert_eq!((row.claims, row.remaining), (350, 0));
    // The codes that left her lane are the open lane's again: 1,000 - 350.
    assert_eq!(stats.available_now + stats.available_later, 650);

    // Below what was issued: refused, nothing moved.
    let refused = store.set_influencer_quota(&id, &alice, 100).await;
    assert!(
        matches!(
            refused,
            Err(StoreError::Refused(AdminRefusal::QuotaBelowIssued {
                issued: 350,
                ..
            }))
        ),
        "{refused:?}"
    );
    // An influencer without a quota has none to change.
    store
        .add_influencer(&id, influencer("bob"), "Bob", None)
        .await
        .expect("bob");
    let none = store
        .set_influencer_quota(&id, &influencer("bob"), 10)
        .await;
    assert!(
        matches!(none, Err(StoreError::Refused(AdminRefusal::NoQuota(_)))),
        "{none:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn removing_an_influencer_under_32_claimers_returns_their_unissued_codes() {
    let store = store().await;
    let (id, _) = open_campaign(&store, "removal", 600).await;
    let bob = influencer("bob");
    store
        .add_influencer(&id, bob.clone(), "Bob", Some(300))
        .await
        .expect("bob");
    let other = Store::new(store.client().clone(), store.table());
    let (next, stop) = (
        Arc::new(AtomicU32::new(0)),
        Arc::new(AtomicBool::new(false)),
    );
    let claimers: Vec<_> = (0..32)
        .map(|t| {
            let (store, id, bob) = (other.clone(), id.clone(), bob.clone());
            let (next, stop) = (next.clone(), stop.clone());
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let request = ClaimRequest {
                        campaign: id.clone(),
                        follower: follower(next.fetch_add(1, Ordering::Relaxed)),
                        influencer: (t % 2 == 0).then(|| bob.clone()),
                    };
                    let at = Instant::now();
                    let out = store
                        .claim(&request, Timestamp::now())
                        .await
                        .expect("store");
                    outcomes.push((request.influencer.is_some(), at, out));
                    tokio::time::sleep(Duration::from_millis(40)).await;
                }
                outcomes
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(60)).await;
    let (removed, moved) = store
        .remove_influencer(&id, &bob, false)
        .await
        .expect("removed while claims run");
    let removed_at = Instant::now();
    assert!(removed.removed && moved > 0, "{removed:?} {moved}");
    tokio::time::sleep(Duration::from_millis(2_600)).await;
    stop.store(true, Ordering::Relaxed);
    let mut outcomes = Vec::new();
    for c in claimers {
        outcomes.extend(c.await.expect("claimer"));
    }
    // Past the other instance's 2 s cache, every claim through Bob's link is refused.
    for (via_bob, at, out) in &outcomes {
        if *via_bob && *at > removed_at + Duration::from_millis(2_100) {
            assert_eq!(out.as_ref().err(), Some(&ClaimRefusal::UnknownInfluencer));
        }
    }
    assert_eq!(store.audit().await.expect("audit"), Vec::<String>::new());
    let stats = store
        .campaign_stats(&id, Timestamp::now())
        .await
        .expect("stats");
    let row = stats
        .influencers
        .iter()
        .find(|r| r.influencer == bob)
        .expect("row");
    let bobs = outcomes.iter().filter(|(b, _, o)| *b && o.is_ok()).count() as u32;
    // Bob keeps what he handed out, and nothing else is left in his lane.
    assert_eq!((row.claims, row.remaining), (bobs, 0));
    let lane_now = store
        .list_influencers(&id)
        .await
        .expect("list")
        .into_iter()
        .find(|i| i.id == bob)
        .expect("bob");
    assert_eq!(
        lane_now.backed, bobs,
        "his lane holds only the codes he issued"
    );
    // Every code is issued or available to direct followers: none was lost.
    assert_eq!(
        stats.claims + stats.available_now + stats.available_later,
        600
    );
    // A removed influencer takes no import of their own.
    let refused = store
        .import_own_codes(
            &id,
            &bob,
            "b",
            &promo_testkit::fixtures::codes("BOB", 2),
            &|_| {},
        )
        .await;
    assert!(matches!(
        refused,
        Err(StoreError::Refused(AdminRefusal::UnknownInfluencer { .. }))
    ));
}
