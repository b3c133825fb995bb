//! Claims listed by their own partitions, redemptions by the listing index: what a new claim and
//! a redemption cost, and that stats, activity and the export read them back, on the real
//! embedded engine.

use promo_core::{CampaignId, Follower, InfluencerId, OrderRef, PromoCode, Timestamp};
use promo_store::Store;
use promo_store::claims::ClaimRequest;
use promo_store::table::items::{CLAIM_SHARDS, claim_pk, claim_shard, claim_sk};
use promo_testkit::fixtures;

fn follower(user: &str) -> Follower {
    Follower::parse("web", user).expect("follower")
}

async fn claim(
    store: &Store,
    id: &CampaignId,
    user: &str,
    via: Option<&InfluencerId>,
) -> PromoCode {
    let request = ClaimRequest {
        campaign: id.clone(),
        follower: follower(user),
        influencer: via.cloned(),
    };
    store
        .claim(&request, Timestamp::now())
        .await
        .expect("store")
        .expect("a code")
        .code
}

#[tokio::test]
async fn a_claim_costs_five_write_units_and_a_redemption_lists_the_code() {
    let store = fixtures::memory_store().await;
    let id =
        fixtures::campaign_with_codes(&store, fixtures::campaign("listing", fixtures::HOUR_MS), 10)
            .await;
    let alice = InfluencerId::parse("alice").expect("id");
    store
        .add_influencer(&id, alice.clone(), "Alice", None)
        .await
        .expect("influencer");

    let before = store.metrics().snapshot();
    let first = claim(&store, &id, "u0", None).await;
    let cost = store.metrics().snapshot().since(&before);
    assert_eq!(cost.write_units, 5.0, "4 on the table, 1 on gsi1: {cost:?}");
    assert_eq!(cost.index_write_units, 1.0, "{cost:?}");

    let before = store.metrics().snapshot();
    assert_eq!(claim(&store, &id, "u0", None).await, first);
    let repeat = store.metrics().snapshot().since(&before);
    assert_eq!(
        (repeat.reads, repeat.writes, repeat.round_trips),
        (1, 0, 1),
        "{repeat:?}"
    );

    claim(&store, &id, "u1", None).await;
    claim(&store, &id, "u2", None).await;
    let via_alice = claim(&store, &id, "u3", Some(&alice)).await;
    claim(&store, &id, "u4", Some(&alice)).await;

    let before = store.metrics().snapshot();
    let order = OrderRef::parse("113-0000000-0000001").expect("order");
    store
        .redeem(&first, &order, Timestamp::now())
        .await
        .expect("store")
        .expect("redeemed");
    let redeem = store.metrics().snapshot().since(&before);
    assert_eq!(redeem.writes, 1, "one UpdateItem: {redeem:?}");
    assert_eq!(
        redeem.index_write_units, 1.0,
        "the code enters gsi2: {redeem:?}"
    );
    let order = OrderRef::parse("113-0000000-0000002").expect("order");
    store
        .redeem(&via_alice, &order, Timestamp::now())
        .await
        .expect("store")
        .expect("redeemed");

    let stats = store
        .campaign_stats(&id, Timestamp::now())
        .await
        .expect("stats");
    let row = |who: &InfluencerId| {
        let r = stats
            .influencers
            .iter()
            .find(|r| &r.influencer == who)
            .expect("row");
        (r.claims, r.redemptions)
    };
    assert_eq!(row(&InfluencerId::direct()), (3, 1));
    assert_eq!(row(&alice), (2, 1));
    assert_eq!((stats.claims, stats.redemptions), (5, 2));

    let activity = store.activity(&id, &alice, 4).await.expect("activity");
    assert_eq!((activity.claimed.len(), activity.redeemed.len()), (2, 1));

    let rows = store.claim_rows(&id).await.expect("export");
    assert_eq!(rows.len(), 5);
    assert!(rows[..3].iter().all(|r| r.influencer.is_direct()));
    assert!(rows[3..].iter().all(|r| r.influencer == alice));
    let redeemed: Vec<_> = rows.iter().filter(|r| r.state == "redeemed").collect();
    assert_eq!(redeemed.len(), 2);
    assert!(redeemed.iter().all(|r| r.redeemed_at.is_some()));
    assert!(
        rows.iter()
            .filter(|r| r.state == "issued")
            .all(|r| r.redeemed_at.is_none())
    );

    let records = store.records().await.expect("scan");
    assert_eq!(records.claims.len(), 5);
    for c in &records.claims {
        let shard = claim_shard(&c.follower);
        assert!(shard < CLAIM_SHARDS);
        assert_eq!(c.pk, claim_pk(&id, shard));
        assert_eq!(c.sk, claim_sk(&c.follower));
    }
    for code in records.codes.iter().filter(|c| c.claimed_at.is_some()) {
        let redeemed = code.redeemed_at.is_some();
        assert_eq!(
            code.gsi2pk.is_some(),
            redeemed,
            "on gsi2 only once redeemed"
        );
        assert!(code.gsi1pk.is_none() && code.listing_pk.is_some());
    }
    assert!(promo_store::admin::audit::check(&records).is_empty());
}
