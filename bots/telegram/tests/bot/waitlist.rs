//! Waiting followers are messaged once when their lane has codes again.

use crate::support::updates::*;
use crate::support::{Failure, Harness};
use promo_core::Timestamp;
use promo_testkit::fixtures::{HOUR_MS, campaign, campaign_with_codes, codes};
use serde_json::json;

#[tokio::test]
async fn waiting_followers_are_notified_once_when_the_pool_is_refilled() {
    let h = Harness::start().await;
    let id = campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 1).await;
    let payload = h.payload("spring", None);
    assert_eq!(
        h.post(&private_text(1, 100, &format!("/start {payload}")))
            .await,
        200
    );
    for user in [111u64, 222, 333] {
        assert_eq!(
            h.post(&private_text(
                user as u32,
                user,
                &format!("/start {payload}")
            ))
            .await,
            200
        );
        assert_eq!(
            h.post(&callback(user as u32 + 1, user, &format!("w:{payload}")))
                .await,
            200
        );
    }
    // Nothing in stock: nobody is messaged, all keep waiting.
    h.api.clear();
    let report = h.svc.notify_waitlists(Timestamp::now()).await.unwrap();
    assert_eq!((report.notified, report.waiting), (0, 3), "{report:?}");
    assert!(h.api.calls().is_empty());

    // The seller imports more codes; 333 blocked the bot meanwhile.
    h.store
        .import_codes(&id, "refill", &codes("REFILL", 5), &|_| {})
        .await
        .unwrap();
    h.api.fail_next("sendMessage", Failure::Blocked);
    let report = h.svc.notify_waitlists(Timestamp::now()).await.unwrap();
    assert_eq!(
        (report.notified, report.unreachable, report.waiting),
        (2, 1, 0),
        "{report:?}"
    );
    let calls = h.api.calls_of("sendMessage");
    assert_eq!(calls.len(), 3);
    let mut chats: Vec<i64> = calls
        .iter()
        .map(|c| c.params["chat_id"].as_i64().unwrap())
        .collect();
    chats.sort();
    assert_eq!(chats, vec![111, 222, 333]);
    assert_eq!(
        calls[1].params,
        json!({
            "chat_id": calls[1].params["chat_id"],
            "text": "Good news: codes for B00TEST123 are available again. Tap the button to get yours.",
            "parse_mode": "HTML",
            "reply_markup": {"inline_keyboard": [[{"text": "Get my code", "callback_data": format!("c:{payload}")}]]},
        })
    );
    // A second run messages nobody again.
    h.api.clear();
    let report = h.svc.notify_waitlists(Timestamp::now()).await.unwrap();
    assert_eq!(report.notified, 0);
    assert!(h.api.calls().is_empty());
    assert!(h.store.waitlist(&id, 10).await.unwrap().is_empty());
    // The notified follower taps the button and gets a code.
    assert_eq!(
        h.post(&callback(900, 111, &format!("c:{payload}"))).await,
        200
    );
    assert!(h.held_code("spring", 111).await.is_some());
}

#[tokio::test]
async fn a_telegram_failure_puts_the_follower_back_for_the_next_run() {
    let h = Harness::start().await;
    let id = campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 3).await;
    let payload = h.payload("spring", None);
    assert_eq!(
        h.post(&callback(1, 111, &format!("w:{payload}"))).await,
        200
    );
    // Flood control that outlasts the notifier's own waiting (two waits, four refusals).
    for _ in 0..4 {
        h.api.fail_next("sendMessage", Failure::RetryAfter(1));
    }
    let report = h.svc.notify_waitlists(Timestamp::now()).await.unwrap();
    assert_eq!((report.notified, report.deferred), (0, 1), "{report:?}");
    assert_eq!(h.store.waitlist(&id, 10).await.unwrap().len(), 1);
    let report = h.svc.notify_waitlists(Timestamp::now()).await.unwrap();
    assert_eq!(report.notified, 1, "{report:?}");
    assert!(h.store.waitlist(&id, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn waiters_are_not_told_codes_are_back_on_a_campaign_moved_off_telegram() {
    let h = Harness::start().await;
    let id = campaign_with_codes(&h.store, campaign("spring", HOUR_MS), 1).await;
    let payload = h.payload("spring", None);
    assert_eq!(
        h.post(&private_text(1, 100, &format!("/start {payload}")))
            .await,
        200
    );
    assert_eq!(
        h.post(&callback(2, 111, &format!("w:{payload}"))).await,
        200
    );
    h.store
        .set_campaign_platforms(&id, Some([promo_core::Platform::Web].into()))
        .await
        .unwrap();
    h.store
        .import_codes(&id, "refill", &codes("REFILL", 5), &|_| {})
        .await
        .unwrap();
    h.api.clear();
    let report = h.svc.notify_waitlists(Timestamp::now()).await.unwrap();
    assert_eq!(report.notified, 0, "{report:?}");
    assert!(h.api.calls().is_empty());
    assert_eq!(
        h.store.waitlist(&id, 10).await.unwrap().len(),
        1,
        "still waiting"
    );
    assert_eq!(h.issued("spring").await, 1);
}
