//! A campaign that requires membership of the seller's channel, and translated replies.

use crate::support::Harness;
use crate::support::updates::*;
use promo_telegram::options::{CampaignOptions, parse_translations, put_campaign_options};
use promo_telegram::texts::Texts;
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes};
use serde_json::json;

#[tokio::test]
async fn only_members_of_the_required_channel_get_a_code() {
    let h = Harness::start().await;
    let id = campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 3).await;
    let options = CampaignOptions {
        required_channel: Some("@shop_news".into()),
        ..CampaignOptions::default()
    };
    put_campaign_options(&h.store, &id, &options).await.unwrap();
    let payload = h.payload("spring", None);

    assert_eq!(
        h.post(&private_text(1, 111, &format!("/start {payload}")))
            .await,
        200
    );
    let calls = h.api.calls();
    assert_eq!(calls[0].method, "getChatMember");
    assert_eq!(
        calls[0].params,
        json!({"chat_id": "@shop_news", "user_id": 111})
    );
    assert_eq!(
        calls[1].params,
        json!({
            "chat_id": 111,
            "text": "This promotion is for members of @shop_news. Join the channel, then tap \"Get my code\".",
            "parse_mode": "HTML",
            "reply_markup": {"inline_keyboard": [
                [{"text": "Join the channel", "url": "https://t.me/shop_news"}],
                [{"text": "Get my code", "callback_data": format!("c:{payload}")}],
            ]},
        })
    );
    assert_eq!(h.held_code("spring", 111).await, None);

    // They join and tap "Get my code".
    h.api.set_member(111, "member");
    h.api.clear();
    assert_eq!(
        h.post(&callback(2, 111, &format!("c:{payload}"))).await,
        200
    );
    let code = h
        .held_code("spring", 111)
        .await
        .expect("a member gets a code");
    assert!(h.api.texts()[0].contains(&code));

    // Leaving the channel later does not take the code back: asking again returns it, and
    // Telegram is not even asked.
    h.api.set_member(111, "left");
    h.api.clear();
    assert_eq!(
        h.post(&private_text(3, 111, &format!("/start {payload}")))
            .await,
        200
    );
    assert!(h.api.calls_of("getChatMember").is_empty());
    assert!(h.api.texts()[0].contains(&code));

    // A broken setting (the bot is no admin there) fails closed with a clear answer.
    h.api.fail_next(
        "getChatMember",
        crate::support::Failure::BadRequest("Bad Request: member list is inaccessible"),
    );
    h.api.clear();
    assert_eq!(
        h.post(&private_text(4, 222, &format!("/start {payload}")))
            .await,
        200
    );
    assert_eq!(
        h.api.texts(),
        vec![Texts::english().membership_unknown().to_owned()]
    );
    assert_eq!(h.held_code("spring", 222).await, None);
}

#[tokio::test]
async fn the_sellers_translation_replaces_the_built_in_one_and_other_languages_keep_theirs() {
    let h = Harness::start().await;
    let id = campaign_with_codes(&h.store, campaign("tiny", HOUR_MS), 1).await;
    let translations = parse_translations(
        r#"{"de": {"sold_out": "Leider sind alle Codes vergeben.", "button_notify": "Benachrichtige mich"}}"#,
    )
    .unwrap();
    let options = CampaignOptions {
        translations,
        ..CampaignOptions::default()
    };
    put_campaign_options(&h.store, &id, &options).await.unwrap();
    let payload = h.payload("tiny", None);
    let start = format!("/start {payload}");
    assert_eq!(
        h.post(&private_text_lang(1, 1, &start, Some("en"))).await,
        200
    );
    h.api.clear();
    assert_eq!(
        h.post(&private_text_lang(2, 2, &start, Some("de"))).await,
        200
    );
    assert_eq!(
        h.post(&private_text_lang(3, 3, &start, Some("fr"))).await,
        200
    );
    let calls = h.api.calls_of("sendMessage");
    assert_eq!(calls[0].params["text"], "Leider sind alle Codes vergeben.");
    assert_eq!(
        calls[0].params["reply_markup"]["inline_keyboard"][0][0]["text"],
        "Benachrichtige mich"
    );
    // No seller French: the built-in French.
    assert_eq!(
        calls[1].params["text"],
        Texts::built_in(Some("fr")).sold_out()
    );
    assert_ne!(calls[1].params["text"], Texts::english().sold_out());
}
