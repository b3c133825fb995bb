//! The bot's inline buttons: "Get my code" and "Notify me".

use crate::support::Harness;
use crate::support::updates::*;
use promo_core::CampaignId;
use promo_telegram::texts::Texts;
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes};
use serde_json::json;

#[tokio::test]
async fn the_claim_button_answers_the_tap_and_sends_the_code() {
    let h = Harness::start().await;
    campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 3).await;
    let data = format!("c:{}", h.payload("spring", None));
    assert_eq!(h.post(&callback(7, 111, &data)).await, 200);
    let calls = h.api.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0].method, "answerCallbackQuery");
    assert_eq!(calls[0].params, json!({"callback_query_id": "cbq-7"}));
    assert_eq!(calls[1].method, "sendMessage");
    assert_eq!(calls[1].params["chat_id"], 111);
    let code = h.held_code("spring", 111).await.unwrap();
    assert!(calls[1].params["text"].as_str().unwrap().contains(&code));
}

#[tokio::test]
async fn notify_me_joins_the_waitlist_once_and_says_so() {
    let h = Harness::start().await;
    let id = campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 1).await;
    let data = format!("w:{}", h.payload("spring", None));
    assert_eq!(h.post(&callback(7, 111, &data)).await, 200);
    assert_eq!(h.post(&callback(8, 111, &data)).await, 200);
    let answers = h.api.calls_of("answerCallbackQuery");
    assert_eq!(answers.len(), 2);
    assert_eq!(
        answers[0].params,
        json!({"callback_query_id": "cbq-7", "text": Texts::english().notify_joined()})
    );
    assert!(h.api.calls_of("sendMessage").is_empty());
    let waiting = h.store.waitlist(&id, 10).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].contact, "111");
    assert_eq!(waiting[0].influencer.as_str(), "direct");
    assert_eq!(waiting[0].language.as_deref(), Some("en"));
}

#[tokio::test]
async fn forged_and_unknown_button_data_change_nothing() {
    let h = Harness::start().await;
    let id = campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 3).await;
    for (n, data) in ["c:forged", "w:forged", "something-else"]
        .iter()
        .enumerate()
    {
        assert_eq!(h.post(&callback(n as u32 + 1, 111, data)).await, 200);
    }
    assert_eq!(h.api.calls_of("answerCallbackQuery").len(), 3);
    assert!(
        h.api
            .texts()
            .iter()
            .all(|t| t == Texts::english().bad_link())
    );
    assert_eq!(h.held_code("spring", 111).await, None);
    assert!(h.store.waitlist(&id, 10).await.unwrap().is_empty());
    let _ = CampaignId::parse("spring");
}
