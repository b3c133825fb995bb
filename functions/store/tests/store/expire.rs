//! The expire sweep retires the codes an ended campaign never issued, and nothing else: not an
//! open campaign's, not an issued or redeemed code. It works in bounded pages, carries on where
//! a run stopped, and a run after the work is done (or beside another run) changes nothing more.

use crate::common::{
    HOUR_MS, campaign, campaign_with_codes, follower, holders, open_campaign, request, snapshot,
    states, store,
};
use promo_core::{
    CampaignId, CampaignStatus, CodeState, NewCampaign, OrderRef, PromoCode, Timestamp,
};
use promo_store::Store;
use promo_store::claims::SweepReport;
use promo_testkit::fixtures;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Barrier;

/// A time after the end of the campaigns [`open_campaign`] makes.
fn after_the_end() -> Timestamp {
    Timestamp::now().plus_ms(2 * HOUR_MS)
}

async fn status(store: &Store, id: &CampaignId) -> CampaignStatus {
    campaign(store, id).await.status
}

/// The items of `codes`, as JSON.
async fn items(store: &Store, codes: &[PromoCode]) -> Vec<serde_json::Value> {
    let mut items = Vec::new();
    for code in codes {
        let item = store.get_code(code).await.expect("read").expect("code");
        items.push(serde_json::to_value(item).expect("JSON"));
    }
    items
}

#[tokio::test]
async fn only_campaigns_that_are_over_lose_their_available_codes() {
    let store = store().await;
    let (over, _) = open_campaign(&store, "over", 6).await;
    let (ended, _) = open_campaign(&store, "ended", 4).await;
    let (open, _) = campaign_with_codes(&store, fixtures::campaign("open", 48 * HOUR_MS), 5).await;
    store
        .set_campaign_status(&ended, CampaignStatus::Ended, Timestamp::now())
        .await
        .expect("end");

    let report = store
        .expire_sweep(after_the_end(), 1_000)
        .await
        .expect("sweep");
    assert_eq!(
        report,
        SweepReport {
            campaigns_ended: 1,
            codes_retired: 10,
            campaigns_swept: 2,
            more: false
        }
    );
    assert_eq!(
        states(&store, &over).await,
        [(CodeState::Retired, 6)].into()
    );
    assert_eq!(
        states(&store, &ended).await,
        [(CodeState::Retired, 4)].into()
    );
    assert_eq!(
        states(&store, &open).await,
        [(CodeState::Available, 5)].into()
    );
    assert_eq!(status(&store, &over).await, CampaignStatus::Ended);
    assert_eq!(status(&store, &open).await, CampaignStatus::Active);
}

#[tokio::test]
async fn issued_and_redeemed_codes_are_left_exactly_as_they_are() {
    let store = store().await;
    let (id, _) = open_campaign(&store, "held", 8).await;
    let mut held = Vec::new();
    for i in 0..3 {
        let claimed = store
            .claim(&request(&id, follower(i), None), Timestamp::now())
            .await
            .expect("store")
            .expect("a code");
        held.push(claimed.code);
    }
    for (i, code) in held[..2].iter().enumerate() {
        let order = OrderRef::parse(&format!("order-{i}")).expect("order");
        store
            .redeem(code, &order, Timestamp::now())
            .await
            .expect("store")
            .expect("redeemed");
    }
    let before = items(&store, &held).await;
    let claims_before = holders(&store, &id).await;

    let report = store
        .expire_sweep(after_the_end(), 1_000)
        .await
        .expect("sweep");
    assert_eq!(report.codes_retired, 5);
    assert_eq!(items(&store, &held).await, before);
    assert_eq!(holders(&store, &id).await, claims_before);
    assert_eq!(
        states(&store, &id).await,
        [
            (CodeState::Retired, 5),
            (CodeState::Issued, 1),
            (CodeState::Redeemed, 2)
        ]
        .into()
    );
}

#[tokio::test]
async fn a_sweep_in_pages_carries_on_and_a_run_after_it_changes_nothing() {
    let store = store().await;
    let (id, _) = open_campaign(&store, "paged", 23).await;
    for i in 0..2 {
        store
            .claim(&request(&id, follower(i), None), Timestamp::now())
            .await
            .expect("store")
            .expect("a code");
    }
    let at = after_the_end();
    let mut pages = Vec::new();
    loop {
        let report = store.expire_sweep(at, 5).await.expect("sweep");
        assert!(report.codes_retired <= 5, "{report:?}");
        pages.push(report.codes_retired);
        if !report.more {
            break;
        }
        assert!(pages.len() < 20, "the sweep never finishes: {pages:?}");
    }
    assert_eq!(pages.iter().sum::<u32>(), 21, "{pages:?}");
    assert!(pages.len() >= 5, "{pages:?}");

    let swept = snapshot(&store).await;
    for _ in 0..2 {
        assert_eq!(
            store.expire_sweep(at, 5).await.expect("sweep"),
            SweepReport::default()
        );
    }
    assert_eq!(snapshot(&store).await, swept);
    assert_eq!(
        states(&store, &id).await,
        [(CodeState::Retired, 21), (CodeState::Issued, 2)].into()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sweeps_running_at_once_retire_each_code_once() {
    let store = store().await;
    let wide = NewCampaign {
        shards: 8,
        ..fixtures::campaign("wide", HOUR_MS)
    };
    let (id, _) = campaign_with_codes(&store, wide, 120).await;
    let at = after_the_end();
    let start = Arc::new(Barrier::new(3));
    let sweeps: Vec<_> = (0..3)
        .map(|_| {
            let (store, start) = (store.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                let mut retired = 0;
                loop {
                    let report = store.expire_sweep(at, 10).await.expect("sweep");
                    retired += report.codes_retired;
                    if !report.more {
                        return retired;
                    }
                }
            })
        })
        .collect();
    let mut retired = 0;
    for sweep in sweeps {
        retired += sweep.await.expect("sweep task");
    }
    // A run that met only codes another run had just retired leaves the campaign for the next.
    retired += store
        .expire_sweep(at, 1_000)
        .await
        .expect("sweep")
        .codes_retired;
    assert_eq!(retired, 120, "each code retired by exactly one run");
    assert_eq!(
        states(&store, &id).await,
        HashMap::from([(CodeState::Retired, 120)])
    );
}
