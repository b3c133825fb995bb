//! In groups and channels the bot never posts a code: it points to a private chat.

use crate::support::Harness;
use crate::support::updates::*;
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes};
use serde_json::json;

#[tokio::test]
async fn a_claim_in_a_group_gets_a_pointer_to_a_private_chat_and_no_code() {
    let h = Harness::start().await;
    let id = campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 3).await;
    promo_telegram::options::set_default_campaign(&h.store, &id)
        .await
        .unwrap();
    assert_eq!(
        h.post(&group_text(1, 111, -100_555, "/claim@promo_test_bot"))
            .await,
        200
    );
    let calls = h.api.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].method, "sendMessage");
    assert_eq!(
        calls[0].params,
        json!({
            "chat_id": -100_555,
            "text": "I hand out codes in a private chat only. Tap the button to get yours.",
            "parse_mode": "HTML",
            "reply_parameters": {"message_id": 77, "allow_sending_without_reply": true},
            "reply_markup": {"inline_keyboard": [[
                {"text": "Get my code privately", "url": "https://t.me/promo_test_bot"}
            ]]},
        })
    );
    assert_eq!(
        h.held_code("spring", 111).await,
        None,
        "nothing claimed in a group"
    );
}

#[tokio::test]
async fn a_deep_link_pasted_in_a_group_is_carried_to_the_private_chat() {
    let h = Harness::start().await;
    campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 3).await;
    let payload = h.payload("spring", None);
    assert_eq!(
        h.post(&basic_group_text(
            1,
            111,
            -4_000,
            &format!("/start {payload}")
        ))
        .await,
        200
    );
    let calls = h.api.calls_of("sendMessage");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].params["chat_id"], -4_000);
    assert_eq!(
        calls[0].params["reply_markup"]["inline_keyboard"][0][0]["url"],
        format!("https://t.me/promo_test_bot?start={payload}")
    );
    // `/stats` in a group is pointed away too; a garbage payload is not carried.
    assert_eq!(h.post(&group_text(2, 111, -100_555, "/stats")).await, 200);
    assert_eq!(
        h.post(&group_text(3, 111, -100_555, "/start <b>x</b>"))
            .await,
        200
    );
    let calls = h.api.calls_of("sendMessage");
    assert_eq!(calls.len(), 3);
    assert_eq!(
        calls[2].params["reply_markup"]["inline_keyboard"][0][0]["url"],
        "https://t.me/promo_test_bot"
    );
    assert!(h.api.texts().iter().all(|t| !t.contains("<code>")));
}

#[tokio::test]
async fn group_chatter_and_commands_for_other_bots_are_ignored() {
    let h = Harness::start().await;
    for (n, text) in ["hello everyone", "/claim@other_bot", "/ban 5"]
        .iter()
        .enumerate()
    {
        assert_eq!(
            h.post(&group_text(n as u32 + 1, 111, -100_555, text)).await,
            200
        );
    }
    assert!(h.api.calls().is_empty(), "{:?}", h.api.calls());
}
