//! A code redeems once: a repeat is answered without changing anything, a code never issued is
//! refused, and of many redemptions of one code at once exactly one wins. (Every refusal's
//! reason, and pairs of redemptions at once over many codes, are `tests/e2e`'s
//! `redeem_and_expire`.)

use crate::common::{HOUR_MS, follower, open_campaign, request, snapshot, store};
use promo_core::{CodeState, OrderRef, PromoCode, RedeemRefusal, Timestamp};
use promo_store::Store;
use std::sync::Arc;
use tokio::sync::Barrier;

fn order(name: &str) -> OrderRef {
    OrderRef::parse(name).expect("order reference")
}

async fn claimed_code(store: &Store, campaign: &promo_core::CampaignId, i: u32) -> PromoCode {
    store
        .claim(&request(campaign, follower(i), None), Timestamp::now())
        .await
        .expect("store")
        .expect("a code")
        .code
}

#[tokio::test]
async fn a_repeat_is_answered_and_changes_nothing() {
    let store = store().await;
    let (id, _) = open_campaign(&store, "once", 3).await;
    let code = claimed_code(&store, &id, 1).await;
    let first = store
        .redeem(&code, &order("order-1"), Timestamp::now())
        .await
        .expect("store")
        .expect("redeemed");
    let after_first = snapshot(&store).await;
    let stats = store
        .campaign_stats(&id, Timestamp::now())
        .await
        .expect("stats");

    for _ in 0..3 {
        let later = Timestamp::now().plus_ms(1_000);
        let replay = store
            .redeem(&code, &order("order-1"), later)
            .await
            .expect("store")
            .expect("the same success");
        assert!(replay.replayed);
        assert_eq!(replay.redeemed_at, first.redeemed_at);
        assert_eq!(
            store
                .redeem(&code, &order("order-2"), later)
                .await
                .expect("store"),
            Err(RedeemRefusal::AlreadyRedeemed {
                redeemed_at: first.redeemed_at
            })
        );
    }
    assert_eq!(
        snapshot(&store).await,
        after_first,
        "codes and claims as they were"
    );
    let again = store
        .campaign_stats(&id, Timestamp::now())
        .await
        .expect("stats");
    assert_eq!(
        (again.redemptions, again.claims),
        (stats.redemptions, stats.claims)
    );
    assert_eq!(again.redemptions, 1);
}

/// Checks that redeeming each of `codes` is refused as never issued.
async fn refused_as_never_issued(store: &Store, codes: &[PromoCode]) {
    for code in codes {
        let out = store
            .redeem(code, &order("order-1"), Timestamp::now())
            .await;
        assert_eq!(out.expect("store"), Err(RedeemRefusal::NotIssued));
    }
}

#[tokio::test]
async fn a_code_never_issued_is_refused_also_once_retired() {
    let store = store().await;
    let (id, codes) = open_campaign(&store, "unissued", 2).await;
    let before = snapshot(&store).await;
    refused_as_never_issued(&store, &codes).await;
    assert_eq!(snapshot(&store).await, before);

    let after_the_end = Timestamp::now().plus_ms(2 * HOUR_MS);
    store.expire_sweep(after_the_end, 100).await.expect("sweep");
    for code in &codes {
        let item = store.get_code(code).await.expect("read").expect("code");
        assert_eq!(item.code_state, CodeState::Retired);
    }
    refused_as_never_issued(&store, &codes).await;
    let stats = store
        .campaign_stats(&id, Timestamp::now())
        .await
        .expect("stats");
    assert_eq!(stats.redemptions, 0);
}

/// Redeems `code` once per order of `orders`, every redemption on a task of its own and all
/// released at once.
async fn redeem_at_once(
    store: &Store,
    code: &PromoCode,
    orders: Vec<OrderRef>,
) -> Vec<(OrderRef, promo_store::claims::RedeemOutcome)> {
    let start = Arc::new(Barrier::new(orders.len()));
    let tasks: Vec<_> = orders
        .into_iter()
        .map(|order| {
            let (store, code, start) = (store.clone(), code.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                let out = store
                    .redeem(&code, &order, Timestamp::now())
                    .await
                    .expect("the store answers");
                (order, out)
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("redeem task"));
    }
    outcomes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_many_orders_redeeming_one_code_at_once_exactly_one_wins() {
    let store = store().await;
    let (id, _) = open_campaign(&store, "contested", 5).await;
    for i in 0..5 {
        let code = claimed_code(&store, &id, i).await;
        let orders = (0..16).map(|o| order(&format!("order-{i}-{o}"))).collect();
        let outcomes = redeem_at_once(&store, &code, orders).await;
        let winners: Vec<_> = outcomes
            .iter()
            .filter_map(|(order, out)| out.as_ref().ok().map(|r| (order, r)))
            .collect();
        assert_eq!(winners.len(), 1, "exactly one winner: {outcomes:?}");
        let (winner, won) = winners[0];
        assert!(!won.replayed);
        for (_, out) in outcomes.iter().filter(|(o, _)| o != winner) {
            assert_eq!(
                *out,
                Err(RedeemRefusal::AlreadyRedeemed {
                    redeemed_at: won.redeemed_at
                })
            );
        }
        let item = store.get_code(&code).await.expect("read").expect("code");
        assert_eq!(item.code_state, CodeState::Redeemed);
        assert_eq!(item.order_ref.as_deref(), Some(winner.as_str()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_order_redeeming_many_times_at_once_redeems_once() {
    let store = store().await;
    let (id, _) = open_campaign(&store, "retried", 1).await;
    let code = claimed_code(&store, &id, 1).await;
    let outcomes = redeem_at_once(&store, &code, vec![order("order-1"); 16]).await;
    let redeemed: Vec<_> = outcomes
        .into_iter()
        .map(|(_, out)| out.expect("the same success"))
        .collect();
    assert_eq!(redeemed.iter().filter(|r| !r.replayed).count(), 1);
    assert!(
        redeemed
            .iter()
            .all(|r| r.redeemed_at == redeemed[0].redeemed_at)
    );
}
