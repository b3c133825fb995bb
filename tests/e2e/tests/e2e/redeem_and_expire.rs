//! Redemption races and the expire sweep running during claims, on the real embedded engine.

use crate::common;
use futures::StreamExt;
use promo_core::{Caps, CodeState, Follower, OrderRef, RedeemRefusal, Timestamp};
use promo_store::claims::ClaimRequest;
use std::time::Duration;

fn follower(i: u32) -> Follower {
    Follower::parse("web", &format!("user-{i}")).expect("follower")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_concurrent_redemptions_of_one_code_have_one_winner() {
    let store = common::store().await;
    let id = common::campaign_with_codes(&store, "redeem", 3_600_000, Caps::default(), 30).await;
    for i in 0..30u32 {
        let req = ClaimRequest {
            campaign: id.clone(),
            follower: follower(i),
            influencer: None,
        };
        let code = store
            .claim(&req, Timestamp::now())
            .await
            .expect("store")
            .expect("claimed")
            .code;
        let (order_a, order_b) = (
            OrderRef::parse(&format!("order-a-{i}")).expect("ref"),
            OrderRef::parse(&format!("order-b-{i}")).expect("ref"),
        );
        let (a, b) = tokio::join!(
            store.redeem(&code, &order_a, Timestamp::now()),
            store.redeem(&code, &order_b, Timestamp::now()),
        );
        let (a, b) = (a.expect("store"), b.expect("store"));
        assert_eq!(a.is_ok() as u8 + b.is_ok() as u8, 1, "exactly one winner");
        let loser = if a.is_ok() { b } else { a };
        assert!(matches!(loser, Err(RedeemRefusal::AlreadyRedeemed { .. })));
    }
    assert!(store.audit().await.expect("audit").is_empty());
}

#[tokio::test]
async fn redemption_is_idempotent_per_order_and_refusals_say_why() {
    let store = common::store().await;
    let id = common::campaign_with_codes(&store, "why", 3_600_000, Caps::default(), 3).await;
    let order = OrderRef::parse("113-1234567-1234567").expect("ref");
    let unknown = promo_core::PromoCode::parse("ZZZZ-000000-ZZZZZZ").expect("code");
    assert_eq!(
        store
            .redeem(&unknown, &order, Timestamp::now())
            .await
            .expect("store"),
        Err(RedeemRefusal::UnknownCode)
    );
    let available = common::codes("WHY", 3).remove(0);
    assert_eq!(
        store
            .redeem(&available, &order, Timestamp::now())
            .await
            .expect("store"),
        Err(RedeemRefusal::NotIssued)
    );
    let code = store
        .claim(
            &ClaimRequest {
                campaign: id,
                follower: follower(1),
                influencer: None,
            },
            Timestamp::now(),
        )
        .await
        .expect("store")
        .expect("claimed")
        .code;
    let first = store
        .redeem(&code, &order, Timestamp::now())
        .await
        .expect("store")
        .expect("redeemed");
    let replay = store
        .redeem(&code, &order, Timestamp::now())
        .await
        .expect("store")
        .expect("replayed");
    assert!(!first.replayed && replay.replayed);
    assert_eq!(first.redeemed_at, replay.redeemed_at);
    let other = OrderRef::parse("other-order").expect("ref");
    assert_eq!(
        store
            .redeem(&code, &other, Timestamp::now())
            .await
            .expect("store"),
        Err(RedeemRefusal::AlreadyRedeemed {
            redeemed_at: first.redeemed_at
        })
    );
    let item = store.get_code(&code).await.expect("read").expect("exists");
    let late = item.redeem_until.plus_ms(1);
    let code2 = store
        .claim(
            &ClaimRequest {
                campaign: item.campaign.clone(),
                follower: follower(2),
                influencer: None,
            },
            Timestamp::now(),
        )
        .await
        .expect("store")
        .expect("claimed")
        .code;
    assert_eq!(
        store.redeem(&code2, &order, late).await.expect("store"),
        Err(RedeemRefusal::Expired {
            expired_at: item.redeem_until
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expire_during_claims_issues_nothing_after_the_end_and_spares_redeemed_codes() {
    let store = common::store().await;
    store.set_context_ttl(Duration::from_millis(100));
    let id = common::campaign_with_codes(&store, "ending", 1_500, Caps::default(), 3_000).await;
    let ends_at = store
        .get_campaign(&id)
        .await
        .expect("read")
        .expect("exists")
        .ends_at;
    // Redeem a few early codes; the sweep must leave them exactly as they are.
    let mut redeemed = Vec::new();
    for i in 0..5u32 {
        let req = ClaimRequest {
            campaign: id.clone(),
            follower: follower(100_000 + i),
            influencer: None,
        };
        let code = store
            .claim(&req, Timestamp::now())
            .await
            .expect("store")
            .expect("claimed")
            .code;
        let order = OrderRef::parse(&format!("early-{i}")).expect("ref");
        store
            .redeem(&code, &order, Timestamp::now())
            .await
            .expect("store")
            .expect("redeemed");
        redeemed.push((code, order));
    }
    let stop_at = ends_at.plus_ms(1_000);
    let sweeper = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut retired = 0;
            while Timestamp::now() < stop_at.plus_ms(500) {
                retired += store
                    .expire_sweep(Timestamp::now(), 200)
                    .await
                    .expect("sweep")
                    .codes_retired;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            retired
        })
    };
    let claimed_after_end: Vec<_> = futures::stream::iter(0..u32::MAX)
        .take_while(|_| std::future::ready(Timestamp::now() < stop_at))
        .map(|i| {
            let store = store.clone();
            let id = id.clone();
            async move {
                let now = Timestamp::now();
                let out = store
                    .claim(
                        &ClaimRequest {
                            campaign: id,
                            follower: follower(i),
                            influencer: None,
                        },
                        now,
                    )
                    .await
                    .expect("store");
                (now, out)
            }
        })
        .buffer_unordered(16)
        .filter(|(now, out)| {
            std::future::ready(*now >= ends_at && out.as_ref().is_ok_and(|c| c.new))
        })
        .collect()
        .await;
    assert!(
        claimed_after_end.is_empty(),
        "{} codes issued after the end",
        claimed_after_end.len()
    );
    let retired = sweeper.await.expect("sweeper");
    assert!(retired > 0, "the sweep retired nothing");
    // On a loaded machine the concurrent sweeper may not have finished: finish the work now.
    while store
        .expire_sweep(Timestamp::now(), 1_000)
        .await
        .expect("sweep")
        .more
    {}

    let records = store.records().await.expect("scan");
    assert!(promo_store::admin::audit::check(&records).is_empty());
    let last = promo_store::admin::audit::last_claim_at(&records, &id).expect("some claims");
    assert!(last < ends_at, "a claim is dated at or after the end");
    for (code, order) in &redeemed {
        let item = store.get_code(code).await.expect("read").expect("exists");
        assert_eq!(item.code_state, CodeState::Redeemed);
        assert_eq!(item.order_ref.as_deref(), Some(order.as_str()));
    }
    let after = store
        .campaign_stats(&id, Timestamp::now())
        .await
        .expect("stats");
    assert_eq!(
        after.available_now + after.available_later,
        0,
        "every unissued code is retired"
    );
    let states: Vec<_> = records.codes.iter().map(|c| c.code_state).collect();
    assert_eq!(
        states.iter().filter(|s| **s == CodeState::Retired).count() + records.claims.len(),
        3_000,
        "every code is either issued or retired"
    );
}
