//! A claim hands a follower one code per campaign, the same one on every repeat; codes run out
//! as exactly as the pool and a quota say, also with every follower asking at once; and a
//! campaign that is not open refuses without issuing anything.

use crate::common::{
    HOUR_MS, campaign, campaign_with_codes, claim_at_once, follower, holders, influencer,
    open_campaign, request, states, store,
};
use promo_core::{CampaignStatus, ClaimRefusal, Claimed, CodeState, NewCampaign, Timestamp};
use promo_store::Store;
use promo_store::claims::ClaimRequest;
use promo_testkit::fixtures;
use proptest::prelude::*;
use std::collections::HashSet;

/// Asks again for `ask` at `at` and checks that it is answered with `first`, issuing nothing.
async fn repeat(store: &Store, ask: &ClaimRequest, at: Timestamp, first: &Claimed) {
    let again = store
        .claim(ask, at)
        .await
        .expect("store")
        .expect("the same code");
    assert!(!again.new, "a repeat issues nothing");
    assert_eq!(
        Claimed { new: true, ..again },
        *first,
        "the same code, attribution and times"
    );
}

#[tokio::test]
async fn a_repeat_returns_the_same_code_also_after_the_campaign_ended() {
    let store = store().await;
    let (id, _) = open_campaign(&store, "repeat", 3).await;
    let ask = request(&id, follower(1), None);
    let first = store
        .claim(&ask, Timestamp::now())
        .await
        .expect("store")
        .expect("a code");
    assert!(first.new);
    repeat(&store, &ask, Timestamp::now(), &first).await;

    // Past the end time a newcomer is refused and the holder still gets their code; so too
    // once the seller has ended the campaign and the sweep has retired the rest.
    let over = campaign(&store, &id).await.ends_at.plus_ms(1);
    let newcomer = request(&id, follower(2), None);
    assert_eq!(
        store.claim(&newcomer, over).await.expect("store"),
        Err(ClaimRefusal::Ended)
    );
    repeat(&store, &ask, over, &first).await;
    store
        .set_campaign_status(&id, CampaignStatus::Ended, Timestamp::now())
        .await
        .expect("end");
    store.expire_sweep(over, 100).await.expect("sweep");
    repeat(&store, &ask, Timestamp::now(), &first).await;
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("runtime")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn followers_asking_at_once_get_as_many_distinct_codes_as_the_pool_holds(
        followers in 1u32..40,
        pool in 0usize..30,
    ) {
        runtime().block_on(async {
            let store = store().await;
            let (id, codes) = open_campaign(&store, "race", pool).await;
            let asks = (0..followers).map(|i| request(&id, follower(i), None)).collect();
            let outcomes = claim_at_once(&store, asks).await;
            let served = (followers as usize).min(pool);
            let issued: HashSet<_> = outcomes
                .iter()
                .filter_map(|o| o.as_ref().ok())
                .map(|c| c.code.clone())
                .collect();
            prop_assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), served);
            prop_assert_eq!(issued.len(), served, "a code went to two followers");
            prop_assert!(issued.iter().all(|c| codes.contains(c)));
            prop_assert!(
                outcomes
                    .iter()
                    .filter_map(|o| o.as_ref().err())
                    .all(|r| *r == ClaimRefusal::SoldOut),
                "{:?}",
                outcomes
            );
            prop_assert_eq!(
                holders(&store, &id).await,
                served
            );
            Ok(())
        })?;
    }
}

/// Asks for a code for one follower `times` at once, on a pool of `pool`, and checks that every
/// answer is the one code issued to them.
async fn one_follower_at_once(times: usize, pool: usize) {
    let store = store().await;
    let (id, _) = open_campaign(&store, "eager", pool).await;
    let outcomes = claim_at_once(&store, vec![request(&id, follower(1), None); times]).await;
    let claimed: Vec<_> = outcomes.into_iter().map(|o| o.expect("a code")).collect();
    assert!(
        claimed.iter().all(|c| c.code == claimed[0].code),
        "one code for one follower"
    );
    assert_eq!(claimed.iter().filter(|c| c.new).count(), 1, "issued once");
    assert_eq!(holders(&store, &id).await, 1);
    let states = states(&store, &id).await;
    assert_eq!(
        (
            states.get(&CodeState::Issued),
            states.get(&CodeState::Available)
        ),
        (Some(&1), Some(&(pool - 1)))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_follower_asking_many_times_at_once_gets_one_code() {
    one_follower_at_once(16, 20).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_follower_asking_more_times_at_once_than_there_are_codes_gets_one_code() {
    one_follower_at_once(16, 5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_quota_lane_never_issues_more_than_its_quota() {
    let store = store().await;
    // A lane backed at once from the open lane...
    let (backed, _) = open_campaign(&store, "backed", 30).await;
    store
        .add_influencer(&backed, influencer("alice"), "Alice", Some(4))
        .await
        .expect("alice");
    // ... and one backed in part (the pool held 2) and filled by the next import.
    let (filled, _) = open_campaign(&store, "filled", 2).await;
    store
        .add_influencer(&filled, influencer("alice"), "Alice", Some(6))
        .await
        .expect("alice");
    store
        .import_codes(&filled, "more", &fixtures::codes("MORE", 10), &|_| {})
        .await
        .expect("import");

    for (id, quota, open_lane) in [(&backed, 4, 26), (&filled, 6, 6)] {
        let asks = (0..20)
            .map(|i| request(id, follower(i), Some("alice")))
            .collect();
        let outcomes = claim_at_once(&store, asks).await;
        assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), quota, "{id}");
        assert!(
            outcomes
                .iter()
                .filter_map(|o| o.as_ref().err())
                .all(|r| *r == ClaimRefusal::QuotaReached),
            "{id}: {outcomes:?}"
        );
        let alices = store
            .campaign_claims(id, Some(&influencer("alice")))
            .await
            .expect("claims");
        assert_eq!(alices.len(), quota, "{id}");
        // The open lane is another lane: direct claims get what is in it, no more.
        let direct = (100..140).map(|i| request(id, follower(i), None)).collect();
        let direct = claim_at_once(&store, direct).await;
        assert_eq!(
            direct.iter().filter(|o| o.is_ok()).count(),
            open_lane,
            "{id}"
        );
    }
}

#[tokio::test]
async fn a_campaign_not_open_refuses_and_issues_nothing() {
    let store = store().await;
    let now = Timestamp::now();
    let draft = NewCampaign {
        activate: false,
        ..fixtures::campaign("draft", HOUR_MS)
    };
    let scheduled = NewCampaign {
        starts_at: now.plus_ms(HOUR_MS),
        ends_at: now.plus_ms(2 * HOUR_MS),
        ..fixtures::campaign("scheduled", HOUR_MS)
    };
    let (draft, _) = campaign_with_codes(&store, draft, 3).await;
    let (scheduled, _) = campaign_with_codes(&store, scheduled, 3).await;
    let (paused, _) = open_campaign(&store, "paused", 3).await;
    let (ended, _) = open_campaign(&store, "ended", 3).await;
    let (over, _) = open_campaign(&store, "over", 3).await;
    for (id, status) in [
        (&paused, CampaignStatus::Paused),
        (&ended, CampaignStatus::Ended),
    ] {
        store
            .set_campaign_status(id, status, now)
            .await
            .expect("status");
    }
    let at_the_end = campaign(&store, &over).await.ends_at;

    let cases = [
        (&draft, now, ClaimRefusal::NotStarted { starts_at: None }),
        (
            &scheduled,
            now,
            ClaimRefusal::NotStarted {
                starts_at: Some(now.plus_ms(HOUR_MS)),
            },
        ),
        (&paused, now, ClaimRefusal::Paused),
        (&ended, now, ClaimRefusal::Ended),
        // The end time is exclusive.
        (&over, at_the_end, ClaimRefusal::Ended),
    ];
    for (id, at, refusal) in cases {
        for i in 0..4 {
            let ask = request(id, follower(i), None);
            assert_eq!(
                store.claim(&ask, at).await.expect("store"),
                Err(refusal.clone()),
                "{id}"
            );
            assert!(
                store
                    .follower_claim(id, &ask.follower)
                    .await
                    .expect("read")
                    .is_none(),
                "{id}: a refused follower holds nothing"
            );
        }
        assert!(
            store
                .campaign_claims(id, None)
                .await
                .expect("claims")
                .is_empty(),
            "{id}"
        );
        assert_eq!(
            states(&store, id).await,
            [(CodeState::Available, 3)].into(),
            "{id}: every code is still in the pool"
        );
    }
}
