//! The store's support for the bots, against the embedded engine: a waiting follower is taken
//! (and so messaged) once, settings documents and influencer accounts round-trip. (Webhook
//! deliveries are the store's own `deliveries` tests.)

use crate::common::{campaign_with_codes, inf, store};
use futures::future::join_all;
use promo_core::{Caps, Follower, Timestamp};
use promo_store::Waiter;
use serde::{Deserialize, Serialize};

fn waiter(campaign: &promo_core::CampaignId, user: u32) -> Waiter {
    Waiter {
        campaign: campaign.clone(),
        follower: Follower::parse("telegram", &(user + 1).to_string()).expect("follower"),
        contact: user.to_string(),
        influencer: promo_core::InfluencerId::direct(),
        language: Some("de".into()),
        joined_at: Timestamp::now(),
    }
}

#[tokio::test]
async fn each_waiting_follower_is_taken_once_even_by_racing_notifiers() {
    let store = store().await;
    let c = campaign_with_codes(&store, "wait", 3_600_000, Caps::default(), 0).await;
    let until = Timestamp::now().plus_ms(3_600_000);
    for user in 0..40 {
        assert!(
            store
                .join_waitlist(&waiter(&c, user), until)
                .await
                .expect("join")
        );
    }
    assert!(
        !store
            .join_waitlist(&waiter(&c, 7), until)
            .await
            .expect("join again"),
        "joining twice is one entry"
    );
    let listed = store.waitlist(&c, 1_000).await.expect("list");
    assert_eq!(listed.len(), 40);
    assert!(listed.iter().all(|w| w.language.as_deref() == Some("de")));
    // Two notifiers race over the same list: each follower is taken exactly once.
    let takes = join_all(listed.iter().flat_map(|w| {
        let a = store.take_waiter(&c, &w.follower);
        let b = store.take_waiter(&c, &w.follower);
        [a, b]
    }))
    .await;
    let taken = takes
        .into_iter()
        .filter(|t| *t.as_ref().expect("take"))
        .count();
    assert_eq!(taken, 40);
    assert!(store.waitlist(&c, 1_000).await.expect("list").is_empty());
}

#[tokio::test]
async fn stock_is_seen_per_lane() {
    let store = store().await;
    let c = campaign_with_codes(&store, "stock", 3_600_000, Caps::default(), 2).await;
    let now = Timestamp::now();
    store
        .add_influencer(&c, inf("alice"), "Alice", Some(1))
        .await
        .expect("add");
    assert!(
        store
            .has_stock_now(&c, &inf("alice"), now)
            .await
            .expect("stock")
    );
    assert!(
        store
            .has_stock_now(&c, &promo_core::InfluencerId::direct(), now)
            .await
            .expect("stock")
    );
    let request = promo_store::claims::ClaimRequest {
        campaign: c.clone(),
        follower: Follower::parse("telegram", "1").expect("follower"),
        influencer: Some(inf("alice")),
    };
    let claimed = store.claim(&request, now).await.expect("store answers");
    assert!(claimed.is_ok(), "{claimed:?}");
    assert!(
        !store
            .has_stock_now(&c, &inf("alice"), now)
            .await
            .expect("stock")
    );
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Options {
    required_channel: Option<String>,
    translations: std::collections::BTreeMap<String, String>,
}

#[tokio::test]
async fn settings_round_trip_and_are_listed_by_scope() {
    let store = store().await;
    let opts = Options {
        required_channel: Some("@shop".into()),
        translations: [("de".to_owned(), "Hallo".to_owned())].into(),
    };
    assert_eq!(
        store
            .get_setting::<Options>("campaign:x", "telegram")
            .await
            .expect("get"),
        None
    );
    store
        .put_setting("campaign:x", "telegram", &opts)
        .await
        .expect("put");
    assert_eq!(
        store
            .get_setting::<Options>("campaign:x", "telegram")
            .await
            .expect("get"),
        Some(opts)
    );
    store
        .put_setting("discord-guild", "1", &"a")
        .await
        .expect("put");
    store
        .put_setting("discord-guild", "2", &"b")
        .await
        .expect("put");
    let listed: Vec<(String, String)> = store.list_settings("discord-guild").await.expect("list");
    assert_eq!(
        listed,
        vec![("1".into(), "a".into()), ("2".into(), "b".into())]
    );
    store
        .delete_setting("discord-guild", "1")
        .await
        .expect("delete");
    assert_eq!(
        store
            .get_setting::<String>("discord-guild", "1")
            .await
            .expect("get"),
        None
    );
    let huge = "x".repeat(promo_store::bots::settings::MAX_SETTING_BYTES + 1);
    assert!(store.put_setting("s", "huge", &huge).await.is_err());
}

#[tokio::test]
async fn an_account_speaks_only_for_the_influencers_it_was_linked_to() {
    let store = store().await;
    let c = campaign_with_codes(&store, "acct", 3_600_000, Caps::default(), 1).await;
    store
        .add_influencer(&c, inf("alice"), "Alice", None)
        .await
        .expect("add");
    let account = Follower::parse("telegram", "42").expect("follower");
    let stranger = Follower::parse("telegram", "43").expect("follower");
    assert!(
        store
            .link_account(&account, &c, &inf("nobody"))
            .await
            .is_err()
    );
    store
        .link_account(&account, &c, &inf("alice"))
        .await
        .expect("link");
    assert_eq!(
        store.account_roles(&account).await.expect("roles"),
        vec![(c.clone(), inf("alice"))]
    );
    assert!(
        store
            .account_roles(&stranger)
            .await
            .expect("roles")
            .is_empty()
    );
    let same_id_on_discord = Follower::parse("discord", "42").expect("follower");
    assert!(
        store
            .account_roles(&same_id_on_discord)
            .await
            .expect("roles")
            .is_empty()
    );
    store
        .unlink_account(&account, &c, &inf("alice"))
        .await
        .expect("unlink");
    assert!(
        store
            .account_roles(&account)
            .await
            .expect("roles")
            .is_empty()
    );
}
