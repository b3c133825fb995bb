//! `/stats`: an influencer sees their own numbers only; anyone else a polite refusal.

use crate::support::Harness;
use crate::support::updates::*;
use promo_core::{Follower, InfluencerId, OrderRef, PromoCode, Timestamp};
use promo_telegram::texts::Texts;
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes};

#[tokio::test]
async fn an_influencer_sees_their_own_numbers_only() {
    let h = Harness::start().await;
    let id = campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 20).await;
    for (i, quota) in [("alice", Some(10)), ("bob", None)] {
        h.store
            .add_influencer(&id, InfluencerId::parse(i).unwrap(), i, quota)
            .await
            .unwrap();
    }
    let (alice, bob) = (
        h.payload("spring", Some("alice")),
        h.payload("spring", Some("bob")),
    );
    for (n, (user, payload)) in [(1u64, &alice), (2, &alice), (3, &alice), (4, &bob)]
        .iter()
        .enumerate()
    {
        assert_eq!(
            h.post(&private_text(
                n as u32 + 1,
                *user,
                &format!("/start {payload}")
            ))
            .await,
            200
        );
    }
    // One of Alice's followers buys.
    let code = PromoCode::parse(&h.held_code("spring", 1).await.unwrap()).unwrap();
    h.store
        .redeem(
            &code,
            &OrderRef::parse("order-1").unwrap(),
            Timestamp::now(),
        )
        .await
        .unwrap()
        .unwrap();
    let alice_account = Follower::parse("telegram", "5000").unwrap();
    h.store
        .link_account(&alice_account, &id, &InfluencerId::parse("alice").unwrap())
        .await
        .unwrap();

    h.api.clear();
    assert_eq!(h.post(&private_text(10, 5000, "/stats")).await, 200);
    assert_eq!(
        h.api.texts(),
        vec![
            "spring (alice)\nClaims: 3\nRedemptions: 1\nAmazon orders: 0\nConversion: 33.3%\nRemaining: 7 / 10"
                .to_owned()
        ]
    );
    assert!(!h.api.texts()[0].contains("bob"));
}

#[tokio::test]
async fn anyone_else_gets_a_polite_refusal() {
    let h = Harness::start().await;
    campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 2).await;
    assert_eq!(h.post(&private_text(1, 111, "/stats")).await, 200);
    assert_eq!(
        h.api.texts(),
        vec![Texts::english().stats_refused().to_owned()]
    );
}
