//! Group codes: one shared code that at most N followers each take once, atomically, with no
//! item every claim writes; mixed with single-use codes and per influencer; resumable, raised
//! while claims run, refused where it would take a code that is not its own.

use crate::common::{
    campaign_with_codes, claim_at_once, follower, influencer, open_campaign, request, store,
};
use promo_core::{CampaignStatus, ClaimRefusal, OrderRef, PromoCode, RedeemRefusal, Timestamp};
use promo_store::claims::ClaimRequest;
use promo_store::{AdminRefusal, Store, StoreError};
use promo_testkit::fixtures;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

fn code(text: &str) -> PromoCode {
    PromoCode::parse(text).expect("code")
}

fn refusal<T: std::fmt::Debug>(result: Result<T, StoreError>) -> AdminRefusal {
    match result.expect_err("refused") {
        StoreError::Refused(r) => r,
        other => panic!("not a refusal: {other}"),
    }
}

async fn group(
    store: &Store,
    id: &promo_core::CampaignId,
    text: &str,
    uses: u32,
    owner: Option<&str>,
) -> Result<promo_store::admin::GroupSummary, StoreError> {
    let owner = owner.map(influencer);
    store
        .create_group_code(
            id,
            &code(text),
            uses,
            owner.as_ref(),
            Timestamp::now(),
            &|_| {},
        )
        .await
}

async fn audit_clean(store: &Store) {
    assert_eq!(store.audit().await.expect("audit"), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_group_code_goes_to_at_most_its_uses_each_follower_once_all_at_once() {
    let store = store().await;
    let (id, _) = campaign_with_codes(
        &store,
        fixtures::campaign("group-rush", fixtures::HOUR_MS),
        0,
    )
    .await;
    let made = group(&store, &id, "SPRING-SOCIAL", 25, None)
        .await
        .expect("group");
    assert_eq!((made.uses, made.written.imported), (25, 25));
    // 200 followers, each asking twice at the same moment.
    let requests: Vec<ClaimRequest> = (0..400)
        .map(|i| request(&id, follower(i % 200), None))
        .collect();
    let outcomes = claim_at_once(&store, requests).await;
    let mut holders = HashSet::new();
    for (i, outcome) in outcomes.iter().enumerate() {
        match outcome {
            Ok(c) => {
                assert_eq!(c.code.expose(), "SPRING-SOCIAL");
                assert!(c.shared, "a group code says it is shared");
                holders.insert(i % 200);
            }
            Err(ClaimRefusal::SoldOut) => {}
            Err(r) => panic!("{r:?}"),
        }
    }
    assert_eq!(holders.len(), 25, "exactly its uses, to distinct followers");
    // A follower's two asks agree: both got it, or neither.
    for f in 0..200 {
        assert_eq!(
            outcomes[f].is_ok(),
            outcomes[f + 200].is_ok(),
            "follower {f}"
        );
    }
    let records = store.records().await.expect("records");
    let seats: Vec<_> = records.codes.iter().filter(|c| c.campaign == id).collect();
    assert_eq!(seats.len(), 25);
    let shards: HashSet<u16> = seats.iter().map(|s| s.shard).collect();
    assert_eq!(
        shards.len(),
        4,
        "the seats spread over every shard, no hot partition"
    );
    let pks: HashSet<&str> = seats.iter().map(|s| s.pk.as_str()).collect();
    assert_eq!(
        pks.len(),
        25,
        "one item per use: no item every claim writes"
    );
    audit_clean(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn group_codes_per_influencer_mix_with_single_use_codes() {
    let store = store().await;
    let (id, _) = open_campaign(&store, "group-mix", 20).await;
    for who in ["alice", "bob"] {
        store
            .add_influencer(&id, influencer(who), who, None)
            .await
            .expect("influencer");
    }
    group(&store, &id, "ALICE-20", 10, Some("alice"))
        .await
        .expect("alice's code");
    group(&store, &id, "BOB-20", 5, Some("bob"))
        .await
        .expect("bob's code");
    let mut requests = Vec::new();
    for i in 0..40 {
        requests.push(request(&id, follower(i), Some("alice")));
        requests.push(request(&id, follower(100 + i), Some("bob")));
        requests.push(request(&id, follower(200 + i), None));
    }
    let outcomes = claim_at_once(&store, requests.clone()).await;
    let mut got = std::collections::HashMap::<String, u32>::new();
    for (ask, outcome) in requests.iter().zip(&outcomes) {
        let via = ask
            .influencer
            .as_ref()
            .map_or("direct", |i| i.as_str())
            .to_owned();
        match outcome {
            Ok(c) => {
                match via.as_str() {
                    "alice" => assert_eq!(c.code.expose(), "ALICE-20"),
                    "bob" => assert_eq!(c.code.expose(), "BOB-20"),
                    _ => assert!(!c.shared, "direct followers get the single-use codes"),
                }
                assert_eq!(c.influencer.as_str(), via);
                *got.entry(via).or_default() += 1;
            }
            Err(ClaimRefusal::QuotaReached) => assert_ne!(via, "direct"),
            Err(ClaimRefusal::SoldOut) => assert_eq!(via, "direct"),
            Err(r) => panic!("{r:?}"),
        }
    }
    assert_eq!(got.get("alice"), Some(&10));
    assert_eq!(got.get("bob"), Some(&5));
    assert_eq!(got.get("direct"), Some(&20));
    let stats = store
        .campaign_stats(&id, Timestamp::now())
        .await
        .expect("stats");
    let alice = stats
        .influencers
        .iter()
        .find(|r| r.influencer.as_str() == "alice")
        .expect("alice");
    assert_eq!((alice.claims, alice.remaining), (10, 0));
    audit_clean(&store).await;
}

#[tokio::test]
async fn a_group_code_resumes_raises_and_refuses_what_is_not_its_own() {
    let store = store().await;
    let (id, singles) = open_campaign(&store, "group-admin", 3).await;
    let (other, _) = campaign_with_codes(
        &store,
        fixtures::campaign("group-other", fixtures::HOUR_MS),
        0,
    )
    .await;
    store
        .add_influencer(&id, influencer("alice"), "Alice", None)
        .await
        .expect("alice");

    assert_eq!(
        refusal(group(&store, &id, "FALL-SOCIAL", 0, None).await).reason(),
        "group_uses"
    );
    assert_eq!(
        refusal(group(&store, &id, "FALL-SOCIAL", 1_000_001, None).await).reason(),
        "group_uses"
    );
    let unknown = group(&store, &id, "FALL-SOCIAL", 5, Some("nobody")).await;
    assert_eq!(refusal(unknown).reason(), "unknown_influencer");

    let first = group(&store, &id, "FALL-SOCIAL", 5, None)
        .await
        .expect("made");
    assert_eq!(first.written.imported, 5);
    let before = store.records().await.expect("records").codes.len();
    let again = group(&store, &id, "FALL-SOCIAL", 5, None)
        .await
        .expect("re-run");
    assert_eq!(again.written.imported, 0, "a re-run writes nothing new");
    assert_eq!(store.records().await.expect("records").codes.len(), before);
    let raised = group(&store, &id, "FALL-SOCIAL", 8, None)
        .await
        .expect("raised");
    assert_eq!((raised.uses, raised.written.imported), (8, 3));

    let lowered = refusal(group(&store, &id, "FALL-SOCIAL", 4, None).await);
    assert_eq!(lowered.reason(), "group_exists");
    let moved = refusal(group(&store, &id, "FALL-SOCIAL", 8, Some("alice")).await);
    assert_eq!(moved.reason(), "group_exists");
    let elsewhere = refusal(group(&store, &other, "FALL-SOCIAL", 8, None).await);
    assert_eq!(elsewhere.reason(), "code_taken");
    assert!(
        !elsewhere.to_string().contains("FALL-SOCIAL"),
        "a refusal never names the code"
    );
    let single = refusal(group(&store, &id, singles[0].expose(), 5, None).await);
    assert_eq!(single.reason(), "code_taken");
    // The other way round: an import of the group code as a single-use code finds it taken.
    let taken = store
        .existing_codes(&other, "another-file", &[code("FALL-SOCIAL")])
        .await
        .expect("checked");
    assert_eq!(taken.len(), 1);
    assert!(!taken[0].same_import);
    assert!(
        store
            .get_code(&code("FALL-SOCIAL"))
            .await
            .expect("read")
            .is_none()
    );
    let head = store
        .get_group(&code("FALL-SOCIAL"))
        .await
        .expect("read")
        .expect("group");
    assert_eq!((head.uses, head.campaign.as_str()), (8, "group-admin"));
    audit_clean(&store).await;
}

#[tokio::test]
async fn a_group_code_is_credited_by_orders_and_its_unused_uses_retire_at_the_end() {
    let store = store().await;
    let (id, _) = campaign_with_codes(
        &store,
        fixtures::campaign("group-end", fixtures::HOUR_MS),
        0,
    )
    .await;
    group(&store, &id, "END-SOCIAL", 6, None)
        .await
        .expect("group");
    let held = store
        .claim(&request(&id, follower(1), None), Timestamp::now())
        .await
        .expect("store")
        .expect("a use");
    let order = OrderRef::parse("111-0000000-0000001").expect("order");
    assert_eq!(
        store
            .redeem(&held.code, &order, Timestamp::now())
            .await
            .expect("store"),
        Err(RedeemRefusal::GroupCode),
        "one order cannot say whose use of a shared code it was"
    );
    let ends = store
        .get_campaign(&id)
        .await
        .expect("read")
        .expect("campaign")
        .ends_at;
    store
        .set_campaign_status(&id, CampaignStatus::Ended, Timestamp::now())
        .await
        .expect("end");
    let swept = store
        .expire_sweep(ends.plus_ms(1), 100)
        .await
        .expect("sweep");
    assert_eq!(swept.codes_retired, 5);
    let again = store
        .claim(&request(&id, follower(1), None), Timestamp::now())
        .await
        .expect("store")
        .expect("the holder keeps it");
    assert_eq!(again.code.expose(), "END-SOCIAL");
    assert!(again.shared && !again.new);
    audit_clean(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_group_code_raised_under_32_claimers_hands_out_exactly_its_new_uses() {
    let store = store().await;
    let (id, _) = campaign_with_codes(
        &store,
        fixtures::campaign("group-raise", fixtures::HOUR_MS),
        0,
    )
    .await;
    group(&store, &id, "RAISE-SOCIAL", 40, None)
        .await
        .expect("group");
    // The claimers are another instance, with caches of their own.
    let other = Store::new(store.client().clone(), store.table());
    let (next, stop) = (
        Arc::new(AtomicU32::new(0)),
        Arc::new(AtomicBool::new(false)),
    );
    let claimers: Vec<_> = (0..32)
        .map(|_| {
            let (store, id, next, stop) = (other.clone(), id.clone(), next.clone(), stop.clone());
            tokio::spawn(async move {
                let mut got = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    let ask = request(&id, follower(next.fetch_add(1, Ordering::Relaxed)), None);
                    match store.claim(&ask, Timestamp::now()).await.expect("store") {
                        Ok(_) => got += 1,
                        Err(ClaimRefusal::SoldOut) => {}
                        Err(r) => panic!("{r:?}"),
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                got
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(30)).await;
    group(&store, &id, "RAISE-SOCIAL", 100, None)
        .await
        .expect("raised while claims run");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while crate::common::holders(&store, &id).await < 100 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    let mut issued = 0;
    for c in claimers {
        issued += c.await.expect("claimer");
    }
    assert_eq!(issued, 100, "exactly the new uses, never more");
    assert_eq!(crate::common::holders(&store, &id).await, 100);
    audit_clean(&store).await;
}

#[tokio::test]
async fn removing_an_influencer_keeps_their_group_codes_uses_out_of_the_shared_pool() {
    let store = store().await;
    let (id, _) = open_campaign(&store, "group-remove", 4).await;
    store
        .add_influencer(&id, influencer("dana"), "Dana", None)
        .await
        .expect("dana");
    group(&store, &id, "DANA-SOCIAL", 6, Some("dana"))
        .await
        .expect("group");
    let held = store
        .claim(&request(&id, follower(1), Some("dana")), Timestamp::now())
        .await
        .expect("store")
        .expect("a use");
    let (_, moved) = store
        .remove_influencer(&id, &influencer("dana"), false)
        .await
        .expect("removed");
    assert_eq!(moved, 5, "her unused uses leave her lane");
    // Her promotion's code never reaches the shared pool: direct followers get single codes.
    let requests: Vec<_> = (10..30).map(|i| request(&id, follower(i), None)).collect();
    for outcome in claim_at_once(&store, requests).await {
        match outcome {
            Ok(c) => assert!(!c.shared, "no use of her code went to the pool"),
            Err(ClaimRefusal::SoldOut) => {}
            Err(r) => panic!("{r:?}"),
        }
    }
    let again = store
        .claim(&request(&id, follower(1), Some("dana")), Timestamp::now())
        .await
        .expect("store")
        .expect("what she handed out stays");
    assert_eq!(again.code, held.code);
    audit_clean(&store).await;
}
