//! Followers claiming through deep links and `/claim`: the code reply, repeats, bad links,
//! attribution, and every refusal.

use crate::support::Harness;
use crate::support::updates::*;
use promo_core::{CampaignStatus, Caps, InfluencerId, Timestamp};
use promo_telegram::texts::{Texts, format_time, render};
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes};
use serde_json::json;

#[tokio::test]
async fn a_deep_link_gets_the_code_privately_with_how_to_use_it() {
    let h = Harness::start().await;
    let id = campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 3).await;
    h.store
        .add_influencer(&id, InfluencerId::parse("alice").unwrap(), "Alice", None)
        .await
        .unwrap();
    let update = private_text(
        10,
        111,
        &format!("/start {}", h.payload("spring", Some("alice"))),
    );
    assert_eq!(h.post(&update).await, 200);

    let code = h
        .held_code("spring", 111)
        .await
        .expect("a code was claimed");
    let ctx = h.store.campaign_context(&id).await.unwrap().unwrap();
    let calls = h.api.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].method, "sendMessage");
    let expected = format!(
        "Your code for B00TEST123:\n\n<code>{code}</code>\n\nDiscount: 20% off\n\nHow to use \
         it: at Amazon checkout, open \"Gift Cards and Promotional Codes\" (\"Add a gift card or \
         promotion code\"), enter the code and tap Apply.\n\nValid until {}. It works once and \
         is yours alone: please don't share it.",
        format_time(ctx.campaign.redeem_until)
    );
    // Under the code: copy it in one tap, and open the product on the campaign's marketplace.
    assert_eq!(
        calls[0].params,
        json!({"chat_id": 111, "text": expected, "parse_mode": "HTML", "reply_markup": {
            "inline_keyboard": [
                [{"text": "Copy code", "copy_text": {"text": code}}],
                [{"text": "Open on Amazon", "url": "https://www.amazon.com/dp/B00TEST123"}],
            ]
        }})
    );
    let stats = h.store.campaign_stats(&id, Timestamp::now()).await.unwrap();
    let alice = stats
        .influencers
        .iter()
        .find(|r| r.influencer.as_str() == "alice")
        .unwrap();
    assert_eq!(alice.claims, 1);
}

#[tokio::test]
async fn asking_again_returns_the_same_code_with_a_note() {
    let h = Harness::start().await;
    campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 3).await;
    let payload = h.payload("spring", None);
    assert_eq!(
        h.post(&private_text(1, 111, &format!("/start {payload}")))
            .await,
        200
    );
    assert_eq!(
        h.post(&private_text(2, 111, &format!("/start {payload}")))
            .await,
        200
    );
    let code = h.held_code("spring", 111).await.unwrap();
    let texts = h.api.texts();
    assert_eq!(texts.len(), 2);
    assert!(
        texts
            .iter()
            .all(|t| t.contains(&format!("<code>{code}</code>")))
    );
    assert!(!texts[0].contains("already claimed"));
    assert!(texts[1].ends_with("(This is the code you already claimed: one code per person.)"));
}

#[tokio::test]
async fn claim_and_bare_start_use_the_default_campaign() {
    let h = Harness::start().await;
    let id = campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 3).await;
    // No default yet: a friendly pointer to the creator's link.
    assert_eq!(h.post(&private_text(1, 111, "/claim")).await, 200);
    assert_eq!(
        h.api.texts(),
        vec![Texts::english().no_default().to_owned()]
    );
    promo_telegram::options::set_default_campaign(&h.store, &id)
        .await
        .unwrap();
    h.api.clear();
    assert_eq!(h.post(&private_text(2, 111, "/claim")).await, 200);
    assert_eq!(h.post(&private_text(3, 222, "/start")).await, 200);
    assert_eq!(
        h.post(&private_text(4, 333, "/claim@promo_test_bot")).await,
        200
    );
    for user in [111, 222, 333] {
        let code = h.held_code("spring", user).await.expect("claimed");
        assert!(h.api.texts().iter().any(|t| t.contains(&code)));
    }
    // Anything else in private gets help.
    h.api.clear();
    assert_eq!(h.post(&private_text(5, 111, "hello?")).await, 200);
    assert_eq!(h.api.texts(), vec![Texts::english().help().to_owned()]);
}

#[tokio::test]
async fn tampered_unknown_and_malformed_links_get_a_friendly_answer() {
    let h = Harness::start().await;
    let id = campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 3).await;
    h.store
        .add_influencer(&id, InfluencerId::parse("alice").unwrap(), "Alice", None)
        .await
        .unwrap();
    let good = h.payload("spring", Some("alice"));
    let tampered = good.replacen("alice", "bobby", 1);
    let foreign = promo_core::LinkKey::new(b"another-key-0123456789")
        .unwrap()
        .sign_for(promo_core::Surface::TelegramStart, &id, None);
    // A Discord claim button's payload, signed with this very key for the same campaign and
    // influencer: any server member can read a button's custom id, so it is no deep link.
    let button = h.key.sign_for(
        promo_core::Surface::DiscordButton,
        &id,
        Some(&InfluencerId::parse("alice").unwrap()),
    );
    let bad_link = Texts::english().bad_link().to_owned();
    for (n, payload) in [
        tampered.as_str(),
        &foreign,
        &button,
        "garbage",
        "%%%",
        &"A".repeat(64),
    ]
    .iter()
    .enumerate()
    {
        h.api.clear();
        let update = private_text(100 + n as u32, 111, &format!("/start {payload}"));
        assert_eq!(h.post(&update).await, 200, "{payload}");
        assert_eq!(h.api.texts(), vec![bad_link.clone()], "{payload}");
    }
    // A genuine link to a campaign that does not exist.
    h.api.clear();
    let ghost = h.payload("ghost", None);
    assert_eq!(
        h.post(&private_text(200, 111, &format!("/start {ghost}")))
            .await,
        200
    );
    assert_eq!(
        h.api.texts(),
        vec![Texts::english().unknown_campaign().to_owned()]
    );
    assert_eq!(h.held_code("spring", 111).await, None);
}

#[tokio::test]
async fn claims_through_two_influencers_land_on_each_ones_counts() {
    let h = Harness::start().await;
    let id = campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 20).await;
    for (i, quota) in [("alice", Some(5)), ("bob", None)] {
        h.store
            .add_influencer(&id, InfluencerId::parse(i).unwrap(), i, quota)
            .await
            .unwrap();
    }
    let (alice, bob) = (
        h.payload("spring", Some("alice")),
        h.payload("spring", Some("bob")),
    );
    let mut update_id = 1;
    for (users, payload) in [(1..=3u64, &alice), (11..=12u64, &bob)] {
        for user in users {
            update_id += 1;
            assert_eq!(
                h.post(&private_text(update_id, user, &format!("/start {payload}")))
                    .await,
                200
            );
        }
    }
    let stats = h.store.campaign_stats(&id, Timestamp::now()).await.unwrap();
    let count = |name: &str| {
        stats
            .influencers
            .iter()
            .find(|r| r.influencer.as_str() == name)
            .map(|r| (r.claims, r.remaining))
            .unwrap()
    };
    assert_eq!(count("alice"), (3, 2));
    assert_eq!(count("bob").0, 2);
    assert_eq!(count("direct").0, 0);
    assert_eq!(h.api.calls_of("sendMessage").len(), 5);
}

#[tokio::test]
async fn each_refusal_gets_a_clear_reply() {
    let h = Harness::start().await;
    let english = Texts::english();
    let mut update_id = 0;
    let mut ask = async |campaign: &str, influencer: Option<&str>, user: u64| {
        update_id += 1;
        h.api.clear();
        let payload = h.payload(campaign, influencer);
        assert_eq!(
            h.post(&private_text(update_id, user, &format!("/start {payload}")))
                .await,
            200
        );
        let calls = h.api.calls_of("sendMessage");
        assert_eq!(calls.len(), 1);
        calls[0].params.clone()
    };

    // Sold out: one code, two followers.
    campaign_with_codes(&h.store, campaign("tiny", HOUR_MS), 1).await;
    ask("tiny", None, 1).await;
    let sold = ask("tiny", None, 2).await;
    assert_eq!(sold["text"], english.sold_out());
    let button = &sold["reply_markup"]["inline_keyboard"][0][0];
    assert_eq!(button["text"], "Notify me");
    assert_eq!(
        button["callback_data"],
        format!("w:{}", h.payload("tiny", None))
    );

    // Paused, then ended.
    let paused = campaign_with_codes(&h.store, campaign("paused", HOUR_MS), 2).await;
    let now = Timestamp::now();
    h.store
        .set_campaign_status(&paused, CampaignStatus::Paused, now)
        .await
        .unwrap();
    h.store.set_context_ttl(std::time::Duration::ZERO);
    assert_eq!(ask("paused", None, 3).await["text"], english.paused());
    let ended = campaign_with_codes(&h.store, campaign("ended", HOUR_MS), 2).await;
    h.store
        .set_campaign_status(&ended, CampaignStatus::Ended, now)
        .await
        .unwrap();
    assert_eq!(ask("ended", None, 3).await["text"], english.ended());

    // Not started yet, with its start date.
    let mut later = campaign("later", 2 * HOUR_MS);
    later.starts_at = now.plus_ms(HOUR_MS);
    campaign_with_codes(&h.store, later.clone(), 2).await;
    let text = render(
        english.not_started_at(),
        &[(
            "starts_at",
            promo_telegram::texts::Value::Text(&format_time(later.starts_at)),
        )],
    );
    assert_eq!(ask("later", None, 3).await["text"], text);

    // An influencer's quota used up.
    let quota = campaign_with_codes(&h.store, campaign("quota", HOUR_MS), 5).await;
    h.store
        .add_influencer(
            &quota,
            InfluencerId::parse("carol").unwrap(),
            "Carol",
            Some(1),
        )
        .await
        .unwrap();
    ask("quota", Some("carol"), 4).await;
    let refused = ask("quota", Some("carol"), 5).await;
    assert_eq!(refused["text"], english.quota_reached());
    assert!(refused.get("reply_markup").is_none());

    // Today's drip used up: when to come back, and "Notify me".
    let mut drip = campaign("drip", 10 * 24 * HOUR_MS);
    drip.caps = Caps {
        total: None,
        daily_drip: Some(1),
    };
    let drip_id = campaign_with_codes(&h.store, drip, 5).await;
    ask("drip", None, 6).await;
    let refused = ask("drip", None, 7).await;
    let ctx = h.store.campaign_context(&drip_id).await.unwrap().unwrap();
    let next = ctx.campaign.release_at(1);
    let text = render(
        english.drip_exhausted(),
        &[(
            "next_release",
            promo_telegram::texts::Value::Text(&format_time(next)),
        )],
    );
    assert_eq!(refused["text"], text);
    assert_eq!(
        refused["reply_markup"]["inline_keyboard"][0][0]["text"],
        "Notify me"
    );
}
